//! Pharmacy: the drug catalog, batches (lots), the stock ledger, first-expiry-first-out allocation,
//! dispensing against prescriptions and over the counter, reservations, stock alerts and valuation.
//!
//! The rules of the pharmacy, in plain words:
//! - stock is never a number that is overwritten: every change is a [`ledger::Movement`] appended to
//!   the ledger, and what a batch has on hand at a location is the sum of its movements there, which
//!   can never go below zero;
//! - medicine is handed out first-expiry-first-out ([`fefo::allocate`]); an expired or recalled batch,
//!   or one that would expire before the patient finishes the course, is never dispensed;
//! - a prescription line is dispensed at most its quantity per fill and at most `1 + refills` fills;
//!   a medicine that needs a prescription is never sold over the counter;
//! - stock reserved for a patient is not available to anyone else until the reservation is used,
//!   released or expires;
//! - alerts (low stock, expiring soon, expired on hand) are computed from stock and the date by pure
//!   functions ([`alerts`]) and published as events once when they are raised, not on every read.
//!
//! Prescriptions live in their own module ([`prescription`]) so that the clinical-records work can
//! take them over without touching the rest of the pharmacy.

pub mod alerts;
pub mod batch;
pub mod catalog;
pub mod dispense;
pub mod fefo;
pub mod ledger;
pub mod prescription;
pub mod reservation;
pub mod valuation;

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{FieldCode, ValidationError};
use crate::ids::{BatchId, DispenseId, DrugId, PrescriptionId, ReservationId};

pub use alerts::{Alert, AlertKey, AlertKind};
pub use batch::{Batch, BatchProblem, GoodsReceipt, Recall};
pub use catalog::{DosageForm, Drug, DrugDetails, ReorderRule};
pub use dispense::{ChargeLine, Dispense, DispenseLine};
pub use fefo::{Candidate, Pick, Shortfall};
pub use ledger::{LedgerEntry, Movement, MovementKind, StockBalance, WriteOffReason};
pub use prescription::{NewPrescription, Prescription, PrescriptionLine};
pub use reservation::{Reservation, ReservationStatus, StockOrder};

/// A place where stock is kept: the main pharmacy, a ward cabinet, the emergency room.
///
/// Written as a short code of lowercase letters, digits, `-`, `_` and `.` (at most 64), e.g. `main`,
/// `ward-3`, `er.cabinet`. Parsing trims and lowercases.
///
/// Every movement, balance and alert names its location, so the code is shared (`Arc<str>`): a clone
/// is a reference-count bump, and two clones of one parsed code compare equal by pointer first.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Location(Arc<str>);

impl Location {
    /// Parses a location code.
    ///
    /// # Errors
    /// `invalid_input` when the code is blank, too long or has other characters.
    ///
    /// # Example
    /// ```
    /// # use hms_core::pharmacy::Location;
    /// assert_eq!(Location::parse(" Ward-3 ")?.as_str(), "ward-3");
    /// assert!(Location::parse("ward 3").is_err());
    /// # Ok::<(), hms_core::error::ValidationError>(())
    /// ```
    pub fn parse(code: &str) -> Result<Location, ValidationError> {
        let c = code.trim().to_ascii_lowercase();
        if c.is_empty() {
            return Err(ValidationError::single(
                "location",
                FieldCode::Required,
                "the location is required",
            ));
        }
        if c.len() > 64
            || !c
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || matches!(ch, '-' | '_' | '.'))
        {
            return Err(ValidationError::single(
                "location",
                FieldCode::InvalidFormat,
                format!("`{code}` is not a location code (letters, digits, `-`, `_`, `.`; at most 64)"),
            ));
        }
        Ok(Location(Arc::from(c)))
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Location({})", self.0)
    }
}

impl TryFrom<String> for Location {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Location::parse(&s)
    }
}

impl From<Location> for String {
    fn from(l: Location) -> String {
        l.0.to_string()
    }
}

impl std::str::FromStr for Location {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Location::parse(s)
    }
}

/// How a hospital's pharmacy runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PharmacySettings {
    /// Days a dispensed medicine must stay usable after the last day of its course of treatment
    /// (0: usable through the last day is enough).
    pub min_shelf_life_days: u32,
    /// A batch that expires within this many days counts as expiring soon.
    pub expiry_warning_days: u32,
    /// How long a reservation holds stock when the request does not say, in minutes.
    pub reservation_minutes: u32,
}

impl Default for PharmacySettings {
    fn default() -> Self {
        PharmacySettings {
            min_shelf_life_days: 0,
            expiry_warning_days: 90,
            reservation_minutes: 240,
        }
    }
}

/// An error from a pharmacy rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PharmacyError {
    /// Fewer units are available than were asked for; nothing was written.
    #[error("{}", insufficient_message(*drug, *batch, location, *requested, *available))]
    InsufficientStock {
        /// The drug.
        drug: DrugId,
        /// The batch, when one batch was asked for (a chosen batch, a transfer, the ledger guard).
        batch: Option<BatchId>,
        /// Where.
        location: Location,
        /// How many units were asked for.
        requested: u32,
        /// How many units are available there.
        available: u32,
    },
    /// The batch is expired, recalled or expires too soon, so it cannot be handed out.
    #[error("batch `{batch}` cannot be dispensed: {problem}")]
    BatchUnusable {
        /// The batch.
        batch: BatchId,
        /// Why.
        problem: BatchProblem,
    },
    /// The drug needs a prescription, so it cannot be sold over the counter.
    #[error("drug `{drug}` needs a prescription and cannot be sold over the counter")]
    PrescriptionRequired {
        /// The drug.
        drug: DrugId,
    },
    /// More was asked for than is left of the prescription line's current fill.
    #[error(
        "only {} left in fill {fill} of line {line} of prescription `{prescription}`, {} asked for",
        units(*remaining),
        units(*requested)
    )]
    ExceedsPrescription {
        /// The prescription.
        prescription: PrescriptionId,
        /// The line's position (0-based).
        line: usize,
        /// The fill being dispensed (0 is the first fill, 1 the first refill, …).
        fill: u32,
        /// How many units were asked for.
        requested: u32,
        /// How many units the fill has left.
        remaining: u32,
    },
    /// Every fill of the line, refills included, has been dispensed in full.
    #[error(
        "line {line} of prescription `{prescription}` is used up: every fill ({fills} allowed) has been \
         dispensed"
    )]
    RefillsExhausted {
        /// The prescription.
        prescription: PrescriptionId,
        /// The line's position (0-based).
        line: usize,
        /// How many fills the line allows (1 + refills).
        fills: u32,
    },
    /// More units were given back than the dispense line handed out (less earlier returns).
    #[error(
        "only {} of line {line} of dispense `{dispense}` can be returned, {} given back",
        units(*remaining),
        units(*requested)
    )]
    ExceedsDispensed {
        /// The dispense.
        dispense: DispenseId,
        /// The line's position (0-based).
        line: usize,
        /// How many units were given back.
        requested: u32,
        /// How many units can still be returned.
        remaining: u32,
    },
    /// The reservation has lapsed; its stock is free again.
    #[error("reservation `{reservation}` expired at {}", crate::time::date_hh_mm(expired_at.naive_utc()) + " UTC")]
    ReservationExpired {
        /// The reservation.
        reservation: ReservationId,
        /// When it lapsed.
        expired_at: DateTime<Utc>,
    },
    /// The reservation was already used or released.
    #[error("reservation `{reservation}` is already {}", status.as_str())]
    ReservationClosed {
        /// The reservation.
        reservation: ReservationId,
        /// Its status.
        status: ReservationStatus,
    },
    /// The batch is already recalled.
    #[error("batch `{batch}` is already recalled")]
    AlreadyRecalled {
        /// The batch.
        batch: BatchId,
    },
    /// The batch number of this drug was received before.
    #[error("batch number `{batch_number}` of drug `{drug}` was already received as batch `{existing}`")]
    DuplicateBatch {
        /// The drug.
        drug: DrugId,
        /// The batch number.
        batch_number: String,
        /// The batch that has it.
        existing: BatchId,
    },
}

impl PharmacyError {
    /// The stable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            PharmacyError::InsufficientStock { .. } => "insufficient_stock",
            PharmacyError::BatchUnusable { .. } => "batch_unusable",
            PharmacyError::PrescriptionRequired { .. } => "prescription_required",
            PharmacyError::ExceedsPrescription { .. } => "exceeds_prescription",
            PharmacyError::RefillsExhausted { .. } => "refills_exhausted",
            PharmacyError::ExceedsDispensed { .. } => "exceeds_dispensed",
            PharmacyError::ReservationExpired { .. } => "reservation_expired",
            PharmacyError::ReservationClosed { .. } | PharmacyError::AlreadyRecalled { .. } => {
                "invalid_transition"
            }
            PharmacyError::DuplicateBatch { .. } => "duplicate",
        }
    }
}

fn insufficient_message(
    drug: DrugId,
    batch: Option<BatchId>,
    location: &Location,
    requested: u32,
    available: u32,
) -> String {
    let what = match batch {
        Some(b) => format!("batch `{b}` of drug `{drug}`"),
        None => format!("drug `{drug}`"),
    };
    format!(
        "only {} of {what} available at `{location}`, {} asked for",
        units(available),
        units(requested)
    )
}

/// `1 unit`, `2 units`.
fn units(n: u32) -> String {
    if n == 1 {
        "1 unit".to_owned()
    } else {
        format!("{n} units")
    }
}

/// The last day a medicine dispensed on `today` must still be usable: the last day of a course of
/// `course_days` days (a course always lasts at least the day it starts), plus `min_shelf_life_days`.
///
/// Worked example: dispensed on 2 March for a 7-day course, the last dose is taken on 8 March, so the
/// batch must be usable through 8 March; with a 30-day minimum shelf life, through 7 April.
///
/// ```
/// # use chrono::NaiveDate;
/// # use hms_core::pharmacy::needed_through;
/// let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
/// assert_eq!(needed_through(d(3, 2), 7, 0), d(3, 8));
/// assert_eq!(needed_through(d(3, 2), 7, 30), d(4, 7));
/// assert_eq!(needed_through(d(3, 2), 0, 0), d(3, 2));
/// ```
pub fn needed_through(today: NaiveDate, course_days: u32, min_shelf_life_days: u32) -> NaiveDate {
    let days = u64::from(course_days.max(1) - 1) + u64::from(min_shelf_life_days);
    today
        .checked_add_days(chrono::Days::new(days))
        .unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_codes_are_normalized_and_checked() {
        assert_eq!(Location::parse("MAIN").unwrap().as_str(), "main");
        assert_eq!(Location::parse("er.cabinet_2").unwrap().as_str(), "er.cabinet_2");
        assert_eq!(
            Location::parse("  ").unwrap_err().problems()[0].code,
            FieldCode::Required
        );
        assert_eq!(
            Location::parse("ward/3").unwrap_err().problems()[0].code,
            FieldCode::InvalidFormat
        );
        assert!(Location::parse(&"x".repeat(65)).is_err());
        let json = serde_json::to_string(&Location::parse("ward-3").unwrap()).unwrap();
        assert_eq!(json, "\"ward-3\"");
        assert!(serde_json::from_str::<Location>("\"bad code\"").is_err());
    }

    #[test]
    fn insufficient_stock_names_what_is_available() {
        let e = PharmacyError::InsufficientStock {
            drug: DrugId::from_uuid(uuid::Uuid::from_u128(1)),
            batch: None,
            location: Location::parse("main").unwrap(),
            requested: 5,
            available: 1,
        };
        assert_eq!(e.code(), "insufficient_stock");
        assert_eq!(
            e.to_string(),
            "only 1 unit of drug `00000000-0000-0000-0000-000000000001` available at `main`, \
             5 units asked for"
        );
    }
}
