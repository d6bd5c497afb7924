//! Typed identifiers.
//!
//! Every entity has its own id type, so a patient id can never be passed where an appointment id is
//! expected. Ids are UUID version 7 (time-ordered, so they index well in B-trees) and travel as their
//! canonical hyphenated string in JSON and in every binding.
//!
//! Ids are made by an [`IdSource`], never inside a rule: the facade asks its source for a fresh id and
//! passes it down, which keeps the rules pure and lets a simulation run with [`SeededIds`] reproduce
//! the same ids for the same seed.

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident, $label:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// Wraps an existing UUID (for example one read back from a database).
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The underlying UUID.
            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }

            /// What this id names, in words (used in error messages).
            pub const fn label() -> &'static str {
                $label
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = crate::error::ValidationError;

            /// Parses the canonical UUID text form.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim()).map(Self).map_err(|_| {
                    crate::error::ValidationError::single(
                        $label,
                        crate::error::FieldCode::InvalidFormat,
                        format!("`{s}` is not a valid {} id", $label),
                    )
                })
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }
    };
}

id_type!(
    /// Identifies a registered patient.
    PatientId,
    "patient"
);
id_type!(
    /// Identifies a member of staff (doctor, nurse, receptionist, …).
    StaffId,
    "staff member"
);
id_type!(
    /// Identifies a login account.
    AccountId,
    "account"
);
id_type!(
    /// Identifies an appointment.
    AppointmentId,
    "appointment"
);
id_type!(
    /// Identifies a bookable resource other than a doctor (a room, an MRI scanner).
    ResourceId,
    "resource"
);
id_type!(
    /// Identifies a waiting-list entry.
    WaitlistId,
    "waiting-list entry"
);
id_type!(
    /// Identifies a care-team link between a member of staff and a patient.
    CareTeamLinkId,
    "care-team link"
);
id_type!(
    /// Identifies an emergency ("break the glass") access grant.
    BreakGlassId,
    "emergency access grant"
);
id_type!(
    /// Identifies a recorded domain event.
    EventId,
    "event"
);
id_type!(
    /// Identifies a charge: one billable service used by a patient.
    ChargeId,
    "charge"
);
id_type!(
    /// Identifies an invoice or a credit note.
    InvoiceId,
    "invoice"
);
id_type!(
    /// Identifies a payment received.
    PaymentId,
    "payment"
);
id_type!(
    /// Identifies a refund of (part of) a payment.
    RefundId,
    "refund"
);
id_type!(
    /// Identifies a drug in the pharmacy catalog.
    DrugId,
    "drug"
);
id_type!(
    /// Identifies a batch (lot) of a drug received into stock.
    BatchId,
    "batch"
);
id_type!(
    /// Identifies a prescription.
    PrescriptionId,
    "prescription"
);
id_type!(
    /// Identifies one dispensing (against a prescription or over the counter).
    DispenseId,
    "dispense"
);
id_type!(
    /// Identifies a laboratory order.
    LabOrderId,
    "lab order"
);
id_type!(
    /// Identifies a hospital admission (an inpatient stay).
    AdmissionId,
    "admission"
);
id_type!(
    /// Identifies one movement of the stock ledger.
    MovementId,
    "stock movement"
);
id_type!(
    /// Identifies a transfer of stock between two locations (its two movements share it).
    TransferId,
    "stock transfer"
);
id_type!(
    /// Identifies a reservation of stock for a patient.
    ReservationId,
    "reservation"
);
id_type!(
    /// Identifies an order of stock from a supplier.
    StockOrderId,
    "stock order"
);

/// A source of fresh UUIDs for new entities.
///
/// The facade owns one; rules never call it.
pub trait IdSource: Send + Sync + fmt::Debug {
    /// Returns a new, never-before-returned UUID whose time part is `now`.
    fn next_uuid(&self, now: DateTime<Utc>) -> Uuid;
}

/// Random UUIDv7 ids from the operating system's entropy source.
#[cfg(feature = "system")]
#[derive(Debug, Default, Clone, Copy)]
pub struct RandomIds;

#[cfg(feature = "system")]
impl IdSource for RandomIds {
    fn next_uuid(&self, now: DateTime<Utc>) -> Uuid {
        let ts = uuid::Timestamp::from_unix(
            uuid::NoContext,
            u64::try_from(now.timestamp()).unwrap_or(0),
            now.timestamp_subsec_nanos(),
        );
        Uuid::new_v7(ts)
    }
}

/// Deterministic UUIDv7 ids: the same seed gives the same sequence of ids.
///
/// For simulations, tests and reproducible imports. Not for production: two processes with the same
/// seed produce the same ids.
#[derive(Debug)]
pub struct SeededIds {
    state: AtomicU64,
}

impl SeededIds {
    /// Starts a sequence from `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            state: AtomicU64::new(seed),
        }
    }
}

/// One step of the SplitMix64 generator (public domain, Steele, Lea & Flood 2014).
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl IdSource for SeededIds {
    fn next_uuid(&self, now: DateTime<Utc>) -> Uuid {
        let step = self.state.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
        let a = splitmix64(step);
        let b = splitmix64(a);
        let mut bytes = [0u8; 10];
        for (dst, src) in bytes
            .iter_mut()
            .zip(a.to_le_bytes().iter().chain(b.to_le_bytes().iter()))
        {
            *dst = *src;
        }
        let millis = u64::try_from(now.timestamp_millis()).unwrap_or(0);
        uuid::Builder::from_unix_timestamp_millis(millis, &bytes).into_uuid()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ids_round_trip_through_text_and_json() {
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
        let id = PatientId::from_uuid(SeededIds::new(7).next_uuid(now));
        let text = id.to_string();
        assert_eq!(text.parse::<PatientId>().unwrap(), id);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{text}\""));
        assert_eq!(serde_json::from_str::<PatientId>(&json).unwrap(), id);
    }

    #[test]
    fn a_malformed_id_is_an_invalid_format_error() {
        let err = "P-42".parse::<PatientId>().unwrap_err();
        assert_eq!(err.problems()[0].code, crate::error::FieldCode::InvalidFormat);
    }

    #[test]
    fn seeded_ids_are_reproducible_distinct_and_version_7() {
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
        let a = SeededIds::new(1);
        let b = SeededIds::new(1);
        let xs: Vec<_> = (0..100).map(|_| a.next_uuid(now)).collect();
        let ys: Vec<_> = (0..100).map(|_| b.next_uuid(now)).collect();
        assert_eq!(xs, ys);
        let unique: std::collections::HashSet<_> = xs.iter().collect();
        assert_eq!(unique.len(), 100);
        assert!(xs.iter().all(|u| u.get_version_num() == 7));
    }

    #[test]
    fn v7_ids_sort_by_creation_time() {
        let ids = SeededIds::new(3);
        let early = ids.next_uuid(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap());
        let late = ids.next_uuid(Utc.with_ymd_and_hms(2026, 1, 2, 0, 0, 0).unwrap());
        assert!(early < late);
    }
}
