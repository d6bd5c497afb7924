//! Access control: roles, actions, resources and the decisions the policy makes about them.
//!
//! The policy engine itself arrives with the access-control work (issue #4); until then this module
//! holds the vocabulary every use case speaks, so that use cases already name what they do.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::AccountId;

/// A role an account can hold. A user can hold several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the system.
    Admin,
    /// Sees and treats patients.
    Doctor,
    /// Cares for patients on a ward or in a clinic.
    Nurse,
    /// Registers patients and books appointments.
    Receptionist,
    /// Dispenses medicines.
    Pharmacist,
    /// Runs laboratory tests.
    LabTechnician,
    /// Raises invoices and takes payments.
    BillingClerk,
    /// A patient using the patient portal.
    Patient,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 8] = [
        Role::Admin,
        Role::Doctor,
        Role::Nurse,
        Role::Receptionist,
        Role::Pharmacist,
        Role::LabTechnician,
        Role::BillingClerk,
        Role::Patient,
    ];

    /// The snake_case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Doctor => "doctor",
            Role::Nurse => "nurse",
            Role::Receptionist => "receptionist",
            Role::Pharmacist => "pharmacist",
            Role::LabTechnician => "lab_technician",
            Role::BillingClerk => "billing_clerk",
            Role::Patient => "patient",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What is being done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Action {
    /// Look at.
    Read,
    /// Create.
    Create,
    /// Change.
    Update,
    /// Deactivate (never delete).
    Deactivate,
    /// Call off (an appointment, a draft invoice).
    Cancel,
    /// Make final and send (an invoice, a credit note).
    Issue,
    /// Give money back (part of a payment).
    Refund,
}

impl Action {
    /// The snake_case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Create => "create",
            Action::Update => "update",
            Action::Deactivate => "deactivate",
            Action::Cancel => "cancel",
            Action::Issue => "issue",
            Action::Refund => "refund",
        }
    }
}

/// What kind of thing an action is done to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ResourceKind {
    /// A patient's registration record (demographics, insurance, contacts).
    PatientProfile,
    /// A member of staff's record.
    Staff,
    /// A login account and its roles.
    UserAccount,
    /// An appointment.
    Appointment,
    /// Doctors' availability, rooms and equipment, slot search.
    Schedule,
    /// Charges, invoices, credit notes and statements of a patient.
    Invoice,
    /// Payments and refunds.
    Payment,
    /// The price list and insurance coverage plans.
    PriceList,
}

impl ResourceKind {
    /// The snake_case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            ResourceKind::PatientProfile => "patient_profile",
            ResourceKind::Staff => "staff",
            ResourceKind::UserAccount => "user_account",
            ResourceKind::Appointment => "appointment",
            ResourceKind::Schedule => "schedule",
            ResourceKind::Invoice => "invoice",
            ResourceKind::Payment => "payment",
            ResourceKind::PriceList => "price_list",
        }
    }
}

/// The policy refused a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AccessError {
    /// The account may not do this.
    #[error("account `{account}` may not {} {}: {reason}", action.as_str(), resource.as_str())]
    Forbidden {
        /// Who asked.
        account: AccountId,
        /// What they tried.
        action: Action,
        /// On what.
        resource: ResourceKind,
        /// The rule that decided.
        rule: String,
        /// Why, for a person.
        reason: String,
    },
    /// The account does not exist or is inactive.
    #[error("account `{account}` is unknown or inactive")]
    UnknownAccount {
        /// The account given.
        account: AccountId,
    },
    /// The request names no account.
    #[error("no account is signed in")]
    NotSignedIn,
    /// The hospital already has accounts, so the first admin cannot be created again.
    #[error("the hospital already has accounts; ask an admin to open one")]
    AlreadyBootstrapped,
}

impl AccessError {
    /// The stable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            AccessError::Forbidden { .. }
            | AccessError::UnknownAccount { .. }
            | AccessError::NotSignedIn
            | AccessError::AlreadyBootstrapped => "forbidden",
        }
    }
}

/// One entry of the audit log: a decision about a request, allowed or denied.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditRecord {
    /// Position in the audit log (1, 2, 3, …).
    pub seq: u64,
    /// When the decision was made.
    pub at: chrono::DateTime<chrono::Utc>,
    /// Who asked.
    pub account: AccountId,
    /// What they asked to do.
    pub action: Action,
    /// To what kind of thing.
    pub resource: ResourceKind,
    /// The patient whose data was concerned, if any.
    pub patient: Option<crate::ids::PatientId>,
    /// Whether it was allowed.
    pub allowed: bool,
    /// The rule that decided.
    pub rule: String,
}
