//! Errors: one top-level [`Error`] wrapping each domain's own error enum.
//!
//! Every error has a stable snake_case [`Error::code`] that programs match on (the list is
//! [`all_error_codes`]) and a message a receptionist could read: lowercase, no final period, user input
//! in backticks. Errors carry typed fields (ids, intervals, amounts) so that bindings can expose them as
//! attributes instead of parsing text.
//!
//! An error always means *nothing changed*: every use case runs in one transaction that is rolled back
//! when it returns an error.

use std::fmt;

use serde::{Deserialize, Serialize};

pub use crate::access::AccessError;
pub use crate::billing::BillingError;
pub use crate::money::MoneyError;
pub use crate::people::PeopleError;
pub use crate::pharmacy::PharmacyError;
pub use crate::scheduling::availability::AvailabilityError;
pub use crate::scheduling::SchedulingError;
pub use crate::store::StorageError;
pub use crate::time::TimeError;

/// The result type of every fallible library call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Any error the library returns.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// One or more input fields are invalid; every problem is listed.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// The entity named by an id or key does not exist.
    #[error("{entity} `{key}` was not found")]
    NotFound {
        /// What kind of entity was looked up (`patient`, `appointment`, …).
        entity: &'static str,
        /// The id or key that was looked up.
        key: String,
    },
    /// A money rule was broken (mixed currencies, unknown currency, …).
    #[error(transparent)]
    Money(#[from] MoneyError),
    /// A time rule was broken (an empty interval, …).
    #[error(transparent)]
    Time(#[from] TimeError),
    /// A registration rule was broken (duplicate patient, inactive record, …).
    #[error(transparent)]
    People(#[from] PeopleError),
    /// A scheduling rule was broken (a conflict, an illegal status change, …).
    #[error(transparent)]
    Scheduling(#[from] SchedulingError),
    /// An availability rule was broken (outside working hours, inside the lead time, …).
    #[error(transparent)]
    Availability(#[from] AvailabilityError),
    /// A billing rule was broken (an overpayment, an issued invoice changed, …).
    #[error(transparent)]
    Billing(#[from] BillingError),
    /// The policy denied the request.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// A pharmacy rule was broken (not enough stock, an unusable batch, a used-up prescription, …).
    #[error(transparent)]
    Pharmacy(#[from] PharmacyError),
    /// The storage backend failed; the transaction was rolled back.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl Error {
    /// The stable, machine-readable code of this error (see [`all_error_codes`]).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Validation(_) => "invalid_input",
            Error::NotFound { .. } => "not_found",
            Error::Money(e) => e.code(),
            Error::Time(e) => e.code(),
            Error::People(e) => e.code(),
            Error::Scheduling(e) => e.code(),
            Error::Availability(e) => e.code(),
            Error::Billing(e) => e.code(),
            Error::Access(e) => e.code(),
            Error::Pharmacy(e) => e.code(),
            Error::Storage(e) => e.code(),
        }
    }

    /// Builds a [`Error::NotFound`] for a typed id.
    pub(crate) fn not_found(entity: &'static str, key: impl fmt::Display) -> Self {
        Error::NotFound {
            entity,
            key: key.to_string(),
        }
    }
}

/// Every code that [`Error::code`] can return, sorted.
///
/// Bindings export this list (Python `hms.ERROR_CODES`, the TypeScript `HmsErrorCode` union), and a test
/// checks that each code is produced by at least one test case.
pub fn all_error_codes() -> &'static [&'static str] {
    &[
        "amount_overflow",
        "batch_unusable",
        "beyond_horizon",
        "currency_mismatch",
        "duplicate",
        "exceeds_dispensed",
        "exceeds_prescription",
        "forbidden",
        "gateway_failed",
        "idempotency_mismatch",
        "immutable_invoice",
        "in_past",
        "inactive",
        "insufficient_stock",
        "invalid_input",
        "invalid_interval",
        "invalid_policy",
        "invalid_signature",
        "invalid_transition",
        "lead_time",
        "no_price",
        "no_resource",
        "nonexistent_local_time",
        "not_chargeable",
        "not_found",
        "outside_availability",
        "over_credit",
        "over_refund",
        "overpayment",
        "prescription_required",
        "refills_exhausted",
        "reservation_expired",
        "slot_conflict",
        "storage",
        "time_out_of_range",
        "unknown_currency",
        "visit_type_not_offered",
    ]
}

/// What is wrong with one input field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FieldCode {
    /// A required field is missing or blank.
    Required,
    /// The value is longer than allowed.
    TooLong,
    /// The value does not have the expected shape (an id, a code).
    InvalidFormat,
    /// Not a telephone number (7 to 15 digits, optionally with `+`, spaces, dashes, dots, parentheses).
    InvalidPhone,
    /// Not an e-mail address.
    InvalidEmail,
    /// A date that must not be in the future is.
    FutureDate,
    /// A number or date outside its allowed range.
    OutOfRange,
    /// A period whose end is before its start.
    InvalidPeriod,
    /// A combination of values that is not allowed (a doctor without a specialization, …).
    Inconsistent,
}

impl FieldCode {
    /// The stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            FieldCode::Required => "required",
            FieldCode::TooLong => "too_long",
            FieldCode::InvalidFormat => "invalid_format",
            FieldCode::InvalidPhone => "invalid_phone",
            FieldCode::InvalidEmail => "invalid_email",
            FieldCode::FutureDate => "future_date",
            FieldCode::OutOfRange => "out_of_range",
            FieldCode::InvalidPeriod => "invalid_period",
            FieldCode::Inconsistent => "inconsistent",
        }
    }
}

/// Every [`FieldCode`] code, sorted.
pub fn all_field_codes() -> &'static [&'static str] {
    &[
        "future_date",
        "inconsistent",
        "invalid_email",
        "invalid_format",
        "invalid_period",
        "invalid_phone",
        "out_of_range",
        "required",
        "too_long",
    ]
}

/// One invalid field: where it is, what is wrong, and a message for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldProblem {
    /// Path of the field, e.g. `birth_date` or `emergency_contacts[0].phone`.
    pub field: String,
    /// What is wrong.
    pub code: FieldCode,
    /// A plain-language message.
    pub message: String,
}

/// Input that failed validation, listing **every** invalid field (not just the first).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ValidationError {
    problems: Vec<FieldProblem>,
}

impl std::error::Error for ValidationError {}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.as_slice() {
            [] => write!(f, "invalid input"),
            [one] => write!(f, "invalid `{}`: {}", one.field, one.message),
            many => {
                write!(f, "{} fields are invalid: ", many.len())?;
                for (i, p) in many.iter().enumerate() {
                    if i > 0 {
                        write!(f, "; ")?;
                    }
                    write!(f, "`{}`: {}", p.field, p.message)?;
                }
                Ok(())
            }
        }
    }
}

impl ValidationError {
    /// An error with one problem.
    pub fn single(field: impl Into<String>, code: FieldCode, message: impl Into<String>) -> Self {
        let mut e = Self::default();
        e.push(field, code, message);
        e
    }

    /// Records one more problem.
    pub fn push(&mut self, field: impl Into<String>, code: FieldCode, message: impl Into<String>) {
        self.problems.push(FieldProblem {
            field: field.into(),
            code,
            message: message.into(),
        });
    }

    /// Appends all problems of `other`, prefixing their field paths with `prefix.`.
    pub fn extend_prefixed(&mut self, prefix: &str, other: ValidationError) {
        for mut p in other.problems {
            p.field = format!("{prefix}.{}", p.field);
            self.problems.push(p);
        }
    }

    /// The problems found, in input order.
    pub fn problems(&self) -> &[FieldProblem] {
        &self.problems
    }

    /// Whether no problem was found.
    pub fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }

    /// `Ok(())` when no problem was found, otherwise `Err(self)`.
    ///
    /// # Errors
    /// Returns `self` when it holds at least one problem.
    pub fn into_result(self) -> Result<(), ValidationError> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_codes_list_is_complete_and_sorted() {
        let all = [
            FieldCode::Required,
            FieldCode::TooLong,
            FieldCode::InvalidFormat,
            FieldCode::InvalidPhone,
            FieldCode::InvalidEmail,
            FieldCode::FutureDate,
            FieldCode::OutOfRange,
            FieldCode::InvalidPeriod,
            FieldCode::Inconsistent,
        ];
        let mut codes: Vec<_> = all.iter().map(FieldCode::code).collect();
        codes.sort_unstable();
        assert_eq!(codes, all_field_codes());
    }

    #[test]
    fn error_codes_are_sorted_and_unique() {
        let codes = all_error_codes();
        assert!(codes.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn validation_messages_follow_the_style_guide() {
        let mut e = ValidationError::default();
        e.push(
            "birth_date",
            FieldCode::FutureDate,
            "date of birth `2030-01-01` is in the future",
        );
        e.push("phone", FieldCode::InvalidPhone, "`12` is not a telephone number");
        let text = Error::from(e).to_string();
        assert_eq!(
            text,
            "2 fields are invalid: `birth_date`: date of birth `2030-01-01` is in the future; \
             `phone`: `12` is not a telephone number"
        );
        assert!(!text.ends_with('.'));
        assert!(!text.contains('\n'));
    }
}
