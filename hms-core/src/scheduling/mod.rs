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

use serde::{Deserialize, Serialize};

use crate::time::Interval;

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
}

/// A naive occupancy over a list of busy intervals: the reference the index is checked against, and
/// handy for callers that hold a handful of bookings.
impl Occupancy for [Interval] {
    fn count_overlapping(&self, interval: &Interval) -> u32 {
        u32::try_from(self.iter().filter(|b| b.overlaps(interval)).count()).unwrap_or(u32::MAX)
    }
}

impl Occupancy for Vec<Interval> {
    fn count_overlapping(&self, interval: &Interval) -> u32 {
        self.as_slice().count_overlapping(interval)
    }
}
