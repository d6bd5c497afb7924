//! Appointments and their status machine (HL7 FHIR R4 `AppointmentStatus`).
//!
//! Every status change goes through [`transition`], which refuses illegal moves with
//! `invalid_transition` and records who made the change, when and why.

use std::fmt;

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::{Conflict, SchedulingError};
use crate::ids::{AccountId, AppointmentId, PatientId, ResourceId, StaffId};
use crate::time::Interval;

/// FHIR R4 appointment statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AppointmentStatus {
    /// Suggested, not yet agreed by anyone.
    Proposed,
    /// Agreed by some participants, waiting for the rest; holds the time.
    Pending,
    /// Confirmed; holds the time.
    Booked,
    /// The patient has arrived.
    Arrived,
    /// The visit took place.
    Fulfilled,
    /// Called off before it took place; frees the time.
    Cancelled,
    /// The patient did not come.
    Noshow,
    /// Recorded by mistake; as if it never existed.
    EnteredInError,
    /// The patient has been checked in (forms done), waiting to be seen.
    CheckedIn,
    /// On the waiting list for an earlier time.
    Waitlist,
}

impl AppointmentStatus {
    /// Every status.
    pub const ALL: [AppointmentStatus; 10] = [
        AppointmentStatus::Proposed,
        AppointmentStatus::Pending,
        AppointmentStatus::Booked,
        AppointmentStatus::Arrived,
        AppointmentStatus::Fulfilled,
        AppointmentStatus::Cancelled,
        AppointmentStatus::Noshow,
        AppointmentStatus::EnteredInError,
        AppointmentStatus::CheckedIn,
        AppointmentStatus::Waitlist,
    ];

    /// The FHIR code, e.g. `checked-in`.
    pub fn code(&self) -> &'static str {
        match self {
            AppointmentStatus::Proposed => "proposed",
            AppointmentStatus::Pending => "pending",
            AppointmentStatus::Booked => "booked",
            AppointmentStatus::Arrived => "arrived",
            AppointmentStatus::Fulfilled => "fulfilled",
            AppointmentStatus::Cancelled => "cancelled",
            AppointmentStatus::Noshow => "noshow",
            AppointmentStatus::EnteredInError => "entered-in-error",
            AppointmentStatus::CheckedIn => "checked-in",
            AppointmentStatus::Waitlist => "waitlist",
        }
    }

    /// Parses a FHIR code.
    pub fn from_code(code: &str) -> Option<AppointmentStatus> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Rule: these statuses hold the time on the calendars of the doctor, the patient and every
    /// resource (pending and held bookings count). Proposed and waitlisted appointments do not hold
    /// time; cancelled, no-show and entered-in-error ones have given it back.
    pub fn holds_time(&self) -> bool {
        matches!(
            self,
            AppointmentStatus::Pending
                | AppointmentStatus::Booked
                | AppointmentStatus::Arrived
                | AppointmentStatus::CheckedIn
                | AppointmentStatus::Fulfilled
        )
    }

    /// Rule: the legal moves of the status machine.
    ///
    /// - proposed → pending, booked, cancelled
    /// - pending → booked, cancelled
    /// - waitlist → booked, cancelled
    /// - booked → arrived, checked-in, fulfilled, cancelled, noshow
    /// - arrived → checked-in, fulfilled, cancelled
    /// - checked-in → fulfilled, cancelled
    /// - any status but entered-in-error → entered-in-error
    /// - fulfilled, cancelled, noshow and entered-in-error are final otherwise.
    pub fn can_become(&self, to: AppointmentStatus) -> bool {
        use AppointmentStatus::*;
        if to == EnteredInError {
            return *self != EnteredInError;
        }
        match self {
            Proposed => matches!(to, Pending | Booked | Cancelled),
            Pending => matches!(to, Booked | Cancelled),
            Waitlist => matches!(to, Booked | Cancelled),
            Booked => matches!(to, Arrived | CheckedIn | Fulfilled | Cancelled | Noshow),
            Arrived => matches!(to, CheckedIn | Fulfilled | Cancelled),
            CheckedIn => matches!(to, Fulfilled | Cancelled),
            Fulfilled | Cancelled | Noshow | EnteredInError => false,
        }
    }
}

impl fmt::Display for AppointmentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// What changed in an appointment's life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChangeKind {
    /// The status moved.
    Status {
        /// The status before (none when the appointment was created).
        from: Option<AppointmentStatus>,
        /// The status after.
        to: AppointmentStatus,
    },
    /// The appointment moved to another time.
    Rescheduled {
        /// The old visit time.
        from: Interval,
        /// The new visit time.
        to: Interval,
    },
}

/// One entry of an appointment's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentChange {
    /// When.
    pub at: DateTime<Utc>,
    /// Who (none for system jobs such as the no-show sweep).
    pub by: Option<AccountId>,
    /// What.
    pub change: ChangeKind,
    /// Why, if a reason was given.
    pub reason: Option<String>,
}

/// A conflict that was let through, on purpose, by someone with a reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConflictOverride {
    /// Who allowed it.
    pub by: AccountId,
    /// Why.
    pub reason: String,
    /// The conflicts that were known and accepted.
    pub conflicts: Vec<Conflict>,
}

/// An appointment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appointment {
    /// The appointment id.
    pub id: AppointmentId,
    /// The patient.
    pub patient: PatientId,
    /// The doctor.
    pub doctor: StaffId,
    /// Rooms and equipment held for the visit.
    pub resources: Vec<ResourceId>,
    /// The visit type's code.
    pub visit_type: String,
    /// When the visit takes place.
    pub interval: Interval,
    /// The time held on the calendars: the visit plus its buffer.
    pub held: Interval,
    /// The visit's local wall-clock start in the clinic's zone, kept so that a time-zone database
    /// update can recompute the instants of future appointments.
    pub local_start: NaiveDateTime,
    /// The clinic's zone.
    pub zone: Tz,
    /// The current status.
    pub status: AppointmentStatus,
    /// Whether it may share time with other bookings (a group slot of capacity > 1, or an override).
    pub shared: bool,
    /// The conflict override, when a conflict was let through.
    pub conflict_override: Option<ConflictOverride>,
    /// The client's idempotency key, if the booking request carried one.
    pub client_key: Option<String>,
    /// Free-text note from the booking (reason for visit).
    pub note: Option<String>,
    /// Who booked it.
    pub booked_by: AccountId,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Everything that happened to it, oldest first.
    pub history: Vec<AppointmentChange>,
    /// Incremented on every change.
    pub version: u32,
}

impl Appointment {
    /// Whether it holds time on calendars (see [`AppointmentStatus::holds_time`]).
    pub fn holds_time(&self) -> bool {
        self.status.holds_time()
    }
}

/// Rule: moves an appointment to `to` if the status machine allows it, recording who, when and why.
///
/// # Errors
/// [`SchedulingError::InvalidTransition`] for an illegal move; nothing changes.
pub fn transition(
    a: &Appointment,
    to: AppointmentStatus,
    at: DateTime<Utc>,
    by: Option<AccountId>,
    reason: Option<String>,
) -> Result<Appointment, SchedulingError> {
    if !a.status.can_become(to) {
        return Err(SchedulingError::InvalidTransition {
            appointment: a.id,
            from: a.status,
            to,
        });
    }
    let mut next = a.clone();
    next.history.push(AppointmentChange {
        at,
        by,
        change: ChangeKind::Status {
            from: Some(a.status),
            to,
        },
        reason,
    });
    next.status = to;
    next.version += 1;
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use AppointmentStatus::*;

    #[test]
    fn fhir_codes_round_trip() {
        for s in AppointmentStatus::ALL {
            assert_eq!(AppointmentStatus::from_code(s.code()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.code());
        }
        assert_eq!(AppointmentStatus::from_code("done"), None);
    }

    #[test]
    fn the_visit_path_is_legal() {
        assert!(Booked.can_become(Arrived));
        assert!(Arrived.can_become(CheckedIn));
        assert!(CheckedIn.can_become(Fulfilled));
        assert!(
            Booked.can_become(Fulfilled),
            "a desk that skips check-in can still close the visit"
        );
    }

    #[test]
    fn final_statuses_stay_final() {
        for from in [Fulfilled, Cancelled, Noshow] {
            for to in AppointmentStatus::ALL {
                assert_eq!(from.can_become(to), to == EnteredInError, "{from} -> {to}");
            }
        }
        for to in AppointmentStatus::ALL {
            assert!(!EnteredInError.can_become(to));
        }
    }

    #[test]
    fn no_time_travel() {
        assert!(!Fulfilled.can_become(Booked));
        assert!(!CheckedIn.can_become(Arrived));
        assert!(
            !Noshow.can_become(Arrived),
            "a no-show who turns up later is a new visit"
        );
        assert!(!Pending.can_become(Fulfilled));
        assert!(!Proposed.can_become(Noshow));
    }

    #[test]
    fn only_live_bookings_hold_time() {
        let holding: Vec<_> = AppointmentStatus::ALL
            .into_iter()
            .filter(|s| s.holds_time())
            .collect();
        assert_eq!(holding, [Pending, Booked, Arrived, Fulfilled, CheckedIn]);
    }
}
