//! People: patients, staff and the accounts they sign in with.

mod account;
mod fields;
mod patient;
mod staff;

pub use account::{normalize_login, validate_account, NewAccount, PersonRef, UserAccount};
pub use fields::{
    check_email, check_phone, fold_spaces, is_email, normalize_phone, required_text, Address, PersonName,
};
pub use patient::{
    age_on, apply_update, deactivate, demographic_key, duplicate_of, normalize_national_id, reactivate,
    register, validate_patient, AdministrativeSex, ContactRelationship, Deactivation, DemographicKey,
    DuplicateMatch, EmergencyContact, InsurancePolicy, Mrn, Patient, PatientDetails,
};
pub use staff::{normalize_license, validate_staff, DoctorProfile, Staff, StaffDetails, StaffRole};

use crate::ids::{PatientId, StaffId};

/// An error from a registration rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PeopleError {
    /// The patient is already registered.
    #[error("this patient is already registered as `{existing}` ({matched_on})")]
    DuplicatePatient {
        /// The existing patient.
        existing: PatientId,
        /// Which rule matched.
        matched_on: DuplicateMatch,
    },
    /// The licence number belongs to another member of staff.
    #[error("licence number `{license_number}` already belongs to staff member `{existing}`")]
    DuplicateLicense {
        /// The licence number.
        license_number: String,
        /// Who holds it.
        existing: StaffId,
    },
    /// The login is taken.
    #[error("the login `{login}` is already taken")]
    DuplicateLogin {
        /// The login.
        login: String,
    },
    /// The record is deactivated; reactivate it first.
    #[error("{entity} `{key}` is inactive")]
    Inactive {
        /// What kind of record.
        entity: &'static str,
        /// Its id.
        key: String,
    },
    /// The record is already active.
    #[error("{entity} `{key}` is already active")]
    AlreadyActive {
        /// What kind of record.
        entity: &'static str,
        /// Its id.
        key: String,
    },
}

impl PeopleError {
    /// The stable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            PeopleError::DuplicatePatient { .. }
            | PeopleError::DuplicateLicense { .. }
            | PeopleError::DuplicateLogin { .. } => "duplicate",
            PeopleError::Inactive { .. } => "inactive",
            PeopleError::AlreadyActive { .. } => "invalid_transition",
        }
    }
}
