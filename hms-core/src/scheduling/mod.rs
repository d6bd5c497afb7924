//! Scheduling: availability, slots, conflict-free booking, statuses, recurring visits and the waitlist.
//!
//! The rules of booking, in plain words:
//! - a visit happens inside the doctor's working hours (their weekly template, less leave, holidays
//!   and blocks, plus extra sessions), not in the past, not inside the booking lead time and not beyond
//!   the booking horizon;
//! - no doctor, patient or required room/equipment is in two places at once: active appointments never
//!   overlap on any of them (intervals are half-open, so back-to-back visits are fine), unless the slot
//!   allows more than one booking (capacity) or the hospital lets a conflict through as a warning with
//!   an override recorded on the appointment;
//! - every status change goes through one transition function ([`appointment::transition`]).

pub mod appointment;
pub mod booking;
pub mod calendar;
pub mod schedule_check;
pub mod waitlist;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::{AppointmentId, PatientId, ResourceId, StaffId};
use crate::time::Interval;

pub use appointment::{Appointment, AppointmentChange, AppointmentStatus, ChangeKind, ConflictOverride};

/// Whose calendar a booking sits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Party {
    /// A doctor.
    Doctor(StaffId),
    /// A patient.
    Patient(PatientId),
    /// A room or a piece of equipment.
    Resource(ResourceId),
}

impl fmt::Display for Party {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Party::Doctor(id) => write!(f, "doctor `{id}`"),
            Party::Patient(id) => write!(f, "patient `{id}`"),
            Party::Resource(id) => write!(f, "resource `{id}`"),
        }
    }
}

/// An existing booking that a requested time collides with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    /// Whose calendar collides.
    pub party: Party,
    /// The booking in the way.
    pub appointment: AppointmentId,
    /// The time that booking holds.
    pub interval: Interval,
}

/// What a hospital does when a booking collides with another: refuse it (the default), or let it
/// through as a warning when the person booking gives an explicit override reason, which is recorded
/// on the appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictMode {
    /// A conflict refuses the booking.
    #[default]
    Block,
    /// A conflict is a warning; booking anyway needs an override reason.
    Warn,
}

/// A bookable room or piece of equipment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    /// Its id.
    pub id: ResourceId,
    /// Its kind, e.g. `procedure_room`, `mri`.
    pub kind: String,
    /// Its name, e.g. `Procedure room 2`.
    pub name: String,
    /// Where it is.
    #[serde(default)]
    pub location: Option<String>,
    /// Whether it can be booked.
    pub active: bool,
}

/// An error from a scheduling rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SchedulingError {
    /// The requested time collides with existing bookings.
    #[error("{}", conflict_message(conflicts))]
    SlotConflict {
        /// Every booking in the way.
        conflicts: Vec<Conflict>,
    },
    /// The status machine does not allow this move.
    #[error("appointment `{appointment}` cannot go from `{from}` to `{to}`")]
    InvalidTransition {
        /// The appointment.
        appointment: AppointmentId,
        /// Its status.
        from: AppointmentStatus,
        /// The status asked for.
        to: AppointmentStatus,
    },
    /// No active resource of a required kind exists.
    #[error("no `{kind}` can be booked")]
    NoResourceOfKind {
        /// The kind.
        kind: String,
    },
    /// The same idempotency key was used before for a different request.
    #[error("the request key `{key}` was already used for a different booking (appointment `{existing}`)")]
    IdempotencyMismatch {
        /// The key.
        key: String,
        /// The appointment the key belongs to.
        existing: AppointmentId,
    },
}

impl SchedulingError {
    /// The stable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            SchedulingError::SlotConflict { .. } => "slot_conflict",
            SchedulingError::InvalidTransition { .. } => "invalid_transition",
            SchedulingError::NoResourceOfKind { .. } => "no_resource",
            SchedulingError::IdempotencyMismatch { .. } => "idempotency_mismatch",
        }
    }
}

fn conflict_message(conflicts: &[Conflict]) -> String {
    match conflicts {
        [] => "the time is not free".to_owned(),
        [first, rest @ ..] => {
            let mut m = format!(
                "{} is already booked from {} to {} (appointment `{}`)",
                first.party,
                crate::time::date_hh_mm(first.interval.start().naive_utc()),
                crate::time::hh_mm(first.interval.end().time()) + " UTC",
                first.appointment
            );
            if !rest.is_empty() {
                m.push_str(&format!(
                    " and {} more conflict{}",
                    rest.len(),
                    if rest.len() == 1 { "" } else { "s" }
                ));
            }
            m
        }
    }
}
pub mod availability;
pub mod recurrence;
pub mod slots;

/// A kind of visit and how long it takes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VisitType {
    /// A short stable code, e.g. `new_patient`, `follow_up`, `procedure`.
    pub code: String,
    /// A name for people.
    pub name: String,
    /// Length of the visit in minutes.
    pub minutes: u32,
    /// Minutes kept free after the visit (cleaning, notes) before the next one may start.
    #[serde(default)]
    pub buffer_minutes: u32,
    /// Kinds of resource the visit needs besides the doctor, e.g. `["procedure_room"]`.
    #[serde(default)]
    pub required_resource_kinds: Vec<String>,
}

impl VisitType {
    /// A visit type with no buffer and no resources.
    pub fn new(code: impl Into<String>, name: impl Into<String>, minutes: u32) -> Self {
        VisitType {
            code: code.into(),
            name: name.into(),
            minutes,
            buffer_minutes: 0,
            required_resource_kinds: Vec::new(),
        }
    }

    /// Length of the visit.
    pub fn length(&self) -> chrono::Duration {
        chrono::Duration::minutes(i64::from(self.minutes))
    }

    /// Length of the visit plus its buffer: how long the calendar is held.
    pub fn held_length(&self) -> chrono::Duration {
        chrono::Duration::minutes(i64::from(self.minutes) + i64::from(self.buffer_minutes))
    }
}

/// Something that knows which times of one calendar (a doctor, a patient, a room) are taken.
pub trait Occupancy {
    /// How many active bookings overlap `interval`.
    fn count_overlapping(&self, interval: &Interval) -> u32;

    /// Whether `interval` can take one more booking when each slot holds `capacity` bookings.
    fn has_room(&self, interval: &Interval, capacity: u32) -> bool {
        self.count_overlapping(interval) < capacity.max(1)
    }

    /// Lists the bookings that overlap `window` in one ordered walk, for callers that ask about many
    /// times in a row (slot search asks once per stretch of working time instead of once per slot).
    ///
    /// Appends them to `out` in start order as `(start, end)` pairs of whole seconds since
    /// 1970-01-01 UTC, starts rounded down and ends rounded up (so overlaps with whole-second times
    /// are exactly those of the bookings themselves), and returns `true`. The default returns `false`
    /// and leaves `out` alone: such an occupancy can only be asked with
    /// [`Occupancy::count_overlapping`], and callers fall back to that.
    fn busy_within(&self, window: &Interval, out: &mut Vec<(i64, i64)>) -> bool {
        let _ = (window, out);
        false
    }
}

/// A booking's `[start, end)` as whole seconds, widened to the enclosing seconds (see
/// [`Occupancy::busy_within`]).
pub(crate) fn whole_seconds(interval: &Interval) -> (i64, i64) {
    let end = interval.end();
    (
        interval.start().timestamp(),
        end.timestamp() + i64::from(end.timestamp_subsec_nanos() > 0),
    )
}

/// A naive occupancy over a list of busy intervals: the reference the index is checked against, and
/// handy for callers that hold a handful of bookings.
impl Occupancy for [Interval] {
    fn count_overlapping(&self, interval: &Interval) -> u32 {
        u32::try_from(self.iter().filter(|b| b.overlaps(interval)).count()).unwrap_or(u32::MAX)
    }

    fn busy_within(&self, window: &Interval, out: &mut Vec<(i64, i64)>) -> bool {
        let first = out.len();
        out.extend(self.iter().filter(|b| b.overlaps(window)).map(whole_seconds));
        if let Some(added) = out.get_mut(first..) {
            added.sort_unstable();
        }
        true
    }
}

impl Occupancy for Vec<Interval> {
    fn count_overlapping(&self, interval: &Interval) -> u32 {
        self.as_slice().count_overlapping(interval)
    }

    fn busy_within(&self, window: &Interval, out: &mut Vec<(i64, i64)>) -> bool {
        self.as_slice().busy_within(window, out)
    }
}

/// Times for the scheduling tests, counted in minutes after midnight (UTC) on Monday 2 March 2026.
#[cfg(test)]
pub(crate) mod test_minutes {
    use chrono::{DateTime, Duration, TimeZone, Utc};

    use crate::time::Interval;

    /// The instant `min` minutes after midnight.
    pub(crate) fn at(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap() + Duration::minutes(min)
    }

    /// The interval from minute `a` to minute `b`.
    pub(crate) fn iv(a: i64, b: i64) -> Interval {
        Interval::new(at(a), at(b)).unwrap()
    }
}
