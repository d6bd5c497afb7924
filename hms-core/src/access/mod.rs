//! Access control: who may do what to which patient's data, and the tamper-evident record of it.
//!
//! The rules, in plain words:
//! - **deny unless allowed**: a request is allowed only when a permit rule of the policy matches it;
//! - **a forbid rule beats any permit**: when a forbid rule matches, the request is denied whatever
//!   else allows it;
//! - rules are about **roles and relationships**, not roles alone: a patient reaches only their own
//!   records; a doctor reads and writes the records of patients they have an active care relationship
//!   with (a care-team link, an appointment within the policy's window, later an encounter or an
//!   admission); a nurse reads the records of patients on their care team; a pharmacist sees
//!   prescriptions, not diagnoses; billing sees invoices, not clinical notes; only admins manage
//!   accounts and roles, and no one grants a role they do not hold;
//! - **break the glass**: a clinician without a relationship can open time-limited emergency access by
//!   giving a reason; it expires by itself, and every access under it is flagged in the audit log;
//! - every decision says which rule decided and why, in words a person can read.
//!
//! The pieces:
//! - the vocabulary ([`Role`], [`Action`], [`ResourceKind`] and their sets) lives here;
//! - [`policy`]: rules as data ([`Policy`], loadable from TOML or JSON and validated), and the built-in
//!   [`default_policy`];
//! - [`engine`]: the compiled policy and the pure decision function [`decide`];
//! - [`relationship`]: relationship facts, care-team links, break-glass grants and the appointment
//!   window rule;
//! - [`audit`]: the hash-chained audit log and its verification.

pub mod audit;
pub mod engine;
pub mod policy;
pub mod relationship;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, CareTeamLinkId, PatientId, StaffId};
use crate::people::StaffRole;

pub use audit::{
    verify_chain, AccessReportEntry, AuditHash, AuditRecord, AuditVerification, ChainProblem,
    ChainProblemKind, ChainVerifier,
};
pub use engine::{decide, CompiledPolicy, Decision, Facts, Reason, Request, Subject};
pub use policy::{
    default_policy, Condition, Effect, Policy, PolicyProblem, PolicyProblemCode, PolicySettings, Rule,
};
pub use relationship::{
    appointment_fact, appointment_relationship_active, AppointmentWindow, BreakGlassGrant, CareTeamLink,
    KindSet, RelationshipFact, RelationshipKind,
};

/// Defines a small set of enum values kept as a bit mask (one bit per value), so that membership,
/// union and subset checks cost one machine instruction.
macro_rules! enum_set {
    ($(#[$meta:meta])* $set:ident, $elem:ident, $bits:ty) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
        pub struct $set($bits);

        impl $set {
            /// The empty set.
            pub const EMPTY: Self = Self(0);

            /// The set of every value.
            pub fn all() -> Self {
                $elem::ALL.iter().copied().collect()
            }

            /// The set holding `items`.
            pub fn of(items: &[$elem]) -> Self {
                items.iter().copied().collect()
            }

            /// Whether `item` is in the set.
            #[inline]
            pub const fn contains(self, item: $elem) -> bool {
                self.0 & (1 << item.index()) != 0
            }

            /// Adds `item`.
            #[inline]
            pub fn insert(&mut self, item: $elem) {
                self.0 |= 1 << item.index();
            }

            /// The set with `item` added.
            #[inline]
            pub const fn with(self, item: $elem) -> Self {
                Self(self.0 | (1 << item.index()))
            }

            /// Whether the set is empty.
            #[inline]
            pub const fn is_empty(self) -> bool {
                self.0 == 0
            }

            /// How many values the set holds.
            pub const fn len(self) -> u32 {
                self.0.count_ones()
            }

            /// Values in either set.
            #[inline]
            pub const fn union(self, other: Self) -> Self {
                Self(self.0 | other.0)
            }

            /// Values in both sets.
            #[inline]
            pub const fn intersection(self, other: Self) -> Self {
                Self(self.0 & other.0)
            }

            /// Values in `self` but not in `other`.
            #[inline]
            pub const fn difference(self, other: Self) -> Self {
                Self(self.0 & !other.0)
            }

            /// Whether every value of `self` is in `other`.
            #[inline]
            pub const fn is_subset(self, other: Self) -> bool {
                self.0 & !other.0 == 0
            }

            /// Whether the two sets share a value.
            #[inline]
            pub const fn intersects(self, other: Self) -> bool {
                self.0 & other.0 != 0
            }

            /// The values, in declaration order.
            pub fn iter(self) -> impl Iterator<Item = $elem> {
                let mut bits = self.0;
                std::iter::from_fn(move || {
                    while bits != 0 {
                        let i = bits.trailing_zeros();
                        bits &= bits - 1;
                        if let Some(e) = usize::try_from(i).ok().and_then(|i| $elem::ALL.get(i)) {
                            return Some(*e);
                        }
                    }
                    None
                })
            }
        }

        impl FromIterator<$elem> for $set {
            fn from_iter<I: IntoIterator<Item = $elem>>(iter: I) -> Self {
                let mut s = Self::EMPTY;
                for e in iter {
                    s.insert(e);
                }
                s
            }
        }

        impl fmt::Debug for $set {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_set().entries(self.iter().map(|e| e.as_str())).finish()
            }
        }

        impl fmt::Display for $set {
            /// Backticked names separated by commas: `` `doctor`, `nurse` ``.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                for (i, e) in self.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "`{}`", e.as_str())?;
                }
                Ok(())
            }
        }
    };
}
pub(crate) use enum_set;

/// Defines `ALL`, `index`, `as_str` and `from_name` for a fieldless vocabulary enum.
macro_rules! vocabulary {
    ($ty:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// Every value, in declaration order.
            pub const ALL: [$ty; vocabulary!(@count $($variant)+)] = [$($ty::$variant),+];

            /// The value's position in [`Self::ALL`].
            #[inline]
            pub const fn index(self) -> u32 {
                self as u32
            }

            /// The snake_case name.
            pub const fn as_str(&self) -> &'static str {
                match self {
                    $($ty::$variant => $name),+
                }
            }

            /// The value with this snake_case name.
            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $($name => Some($ty::$variant),)+
                    _ => None,
                }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
    (@count $($x:ident)+) => { 0 $(+ vocabulary!(@one $x))+ };
    (@one $x:ident) => { 1 };
}
pub(crate) use vocabulary;

/// A role an account can hold. A user can hold several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum Role {
    /// Runs the system: accounts, roles, staff, the audit log.
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

vocabulary!(Role {
    Admin => "admin",
    Doctor => "doctor",
    Nurse => "nurse",
    Receptionist => "receptionist",
    Pharmacist => "pharmacist",
    LabTechnician => "lab_technician",
    BillingClerk => "billing_clerk",
    Patient => "patient",
});

impl Role {
    /// Rule: the account role that a member of staff's job gives them (a doctor's account gets
    /// `doctor` because the hospital hired them as a doctor).
    pub fn of_staff(role: StaffRole) -> Role {
        match role {
            StaffRole::Doctor => Role::Doctor,
            StaffRole::Nurse => Role::Nurse,
            StaffRole::Receptionist => Role::Receptionist,
            StaffRole::Pharmacist => Role::Pharmacist,
            StaffRole::LabTechnician => Role::LabTechnician,
            StaffRole::BillingClerk => Role::BillingClerk,
            StaffRole::Admin => Role::Admin,
        }
    }
}

/// What is being done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
#[repr(u8)]
pub enum Action {
    /// Look at.
    Read,
    /// Create (register, book, order, prescribe, open).
    Create,
    /// Change.
    Update,
    /// Deactivate or end (never delete).
    Deactivate,
    /// Cancel (an appointment, an order, an invoice).
    Cancel,
    /// Hand out medicine against a prescription.
    Dispense,
    /// Give an account roles.
    Grant,
    /// Make final and send (an invoice, a credit note).
    Issue,
    /// Give money back (part of a payment).
    Refund,
}

vocabulary!(Action {
    Read => "read",
    Create => "create",
    Update => "update",
    Deactivate => "deactivate",
    Cancel => "cancel",
    Dispense => "dispense",
    Grant => "grant",
    Issue => "issue",
    Refund => "refund",
});

/// What kind of thing an action is done to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
#[repr(u8)]
pub enum ResourceKind {
    /// A patient's registration record (demographics, insurance, contacts).
    PatientProfile,
    /// Clinical notes, encounters, diagnoses: the medical record proper.
    MedicalRecord,
    /// A prescription.
    Prescription,
    /// A laboratory order.
    LabOrder,
    /// A laboratory result.
    LabResult,
    /// An appointment.
    Appointment,
    /// A doctor's or room's working schedule.
    Schedule,
    /// An invoice.
    Invoice,
    /// A payment or refund.
    Payment,
    /// Pharmacy stock.
    Stock,
    /// A member of staff's record.
    Staff,
    /// A login account and its roles.
    UserAccount,
    /// The audit log (a patient's part of it is their access report).
    AuditLog,
    /// A management report.
    Report,
    /// A patient's care team: who looks after them.
    CareTeam,
    /// Emergency ("break the glass") access to a patient's records.
    BreakGlass,
    /// The price list and insurance coverage plans.
    PriceList,
    /// The drug catalog: what the pharmacy can stock, and its reorder rules.
    DrugCatalog,
}

vocabulary!(ResourceKind {
    PatientProfile => "patient_profile",
    MedicalRecord => "medical_record",
    Prescription => "prescription",
    LabOrder => "lab_order",
    LabResult => "lab_result",
    Appointment => "appointment",
    Schedule => "schedule",
    Invoice => "invoice",
    Payment => "payment",
    Stock => "stock",
    Staff => "staff",
    UserAccount => "user_account",
    AuditLog => "audit_log",
    Report => "report",
    CareTeam => "care_team",
    BreakGlass => "break_glass",
    PriceList => "price_list",
    DrugCatalog => "drug_catalog",
});

impl ResourceKind {
    /// Rule: whether this kind of thing is a patient's data. Every decision about patient data, allowed
    /// or denied, is written to the audit log.
    pub fn is_patient_data(&self) -> bool {
        matches!(
            self,
            ResourceKind::PatientProfile
                | ResourceKind::MedicalRecord
                | ResourceKind::Prescription
                | ResourceKind::LabOrder
                | ResourceKind::LabResult
                | ResourceKind::Appointment
                | ResourceKind::Invoice
                | ResourceKind::Payment
                | ResourceKind::CareTeam
                | ResourceKind::BreakGlass
        )
    }

    /// Rule: whether this kind guards security itself (accounts and roles, the audit log, emergency
    /// access, care teams). Decisions about it are audited even when no patient is concerned.
    pub fn is_security(&self) -> bool {
        matches!(
            self,
            ResourceKind::UserAccount
                | ResourceKind::AuditLog
                | ResourceKind::BreakGlass
                | ResourceKind::CareTeam
        )
    }
}

enum_set!(
    /// A set of roles.
    RoleSet,
    Role,
    u16
);
enum_set!(
    /// A set of actions.
    ActionSet,
    Action,
    u16
);
enum_set!(
    /// A set of resource kinds.
    ResourceSet,
    ResourceKind,
    u32
);

impl From<&std::collections::BTreeSet<Role>> for RoleSet {
    fn from(roles: &std::collections::BTreeSet<Role>) -> Self {
        roles.iter().copied().collect()
    }
}

/// Rule: the roles of an account request that someone *grants*, as opposed to the role the person's
/// own record gives them. A doctor's account gets `doctor` from the hiring record (which only admins
/// create); any other role added to an account is a grant, and no one may grant a role they do not hold.
///
/// Worked example: a doctor's account asking for {doctor, admin} grants {admin}; a patient-portal
/// account asking for {patient} grants nothing.
pub fn granted_roles(requested: RoleSet, already_held: RoleSet, entitled: Option<Role>) -> RoleSet {
    let mut granted = requested.difference(already_held);
    if let Some(e) = entitled {
        granted = granted.difference(RoleSet::of(&[e]));
    }
    granted
}

/// The policy refused a request, or a policy or access request is malformed.
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
    /// A policy document is invalid; every problem is listed.
    #[error("the policy is invalid: {}", problems_text(.problems))]
    InvalidPolicy {
        /// Every problem found, in document order.
        problems: Vec<PolicyProblem>,
    },
    /// The member of staff is already on the patient's care team.
    #[error("staff member `{staff}` is already on the care team of patient `{patient}` (link `{existing}`)")]
    DuplicateCareTeamMember {
        /// The member of staff.
        staff: StaffId,
        /// The patient.
        patient: PatientId,
        /// The link that already holds.
        existing: CareTeamLinkId,
    },
    /// The care-team link has already ended.
    #[error("care-team link `{link}` has already ended")]
    CareTeamLinkEnded {
        /// The link.
        link: CareTeamLinkId,
    },
}

fn problems_text(problems: &[PolicyProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("`{}`: {}", p.path, p.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl AccessError {
    /// The stable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            AccessError::Forbidden { .. }
            | AccessError::UnknownAccount { .. }
            | AccessError::NotSignedIn
            | AccessError::AlreadyBootstrapped => "forbidden",
            AccessError::InvalidPolicy { .. } => "invalid_policy",
            AccessError::DuplicateCareTeamMember { .. } => "duplicate",
            AccessError::CareTeamLinkEnded { .. } => "invalid_transition",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for r in Role::ALL {
            assert_eq!(Role::from_name(r.as_str()), Some(r));
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
        for a in Action::ALL {
            assert_eq!(Action::from_name(a.as_str()), Some(a));
            assert_eq!(serde_json::to_value(a).unwrap(), a.as_str());
        }
        for k in ResourceKind::ALL {
            assert_eq!(ResourceKind::from_name(k.as_str()), Some(k));
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        assert_eq!(Role::from_name("surgeon"), None);
    }

    #[test]
    fn indexes_follow_declaration_order() {
        for (i, r) in Role::ALL.iter().enumerate() {
            assert_eq!(r.index() as usize, i);
        }
        for (i, a) in Action::ALL.iter().enumerate() {
            assert_eq!(a.index() as usize, i);
        }
        for (i, k) in ResourceKind::ALL.iter().enumerate() {
            assert_eq!(k.index() as usize, i);
        }
    }

    #[test]
    fn sets_behave_like_sets() {
        let clinical = RoleSet::of(&[Role::Doctor, Role::Nurse]);
        assert!(clinical.contains(Role::Nurse) && !clinical.contains(Role::Admin));
        assert_eq!(clinical.iter().collect::<Vec<_>>(), [Role::Doctor, Role::Nurse]);
        assert!(RoleSet::of(&[Role::Doctor]).is_subset(clinical));
        assert!(!clinical.is_subset(RoleSet::of(&[Role::Doctor])));
        assert_eq!(RoleSet::all().len(), 8);
        assert_eq!(clinical.to_string(), "`doctor`, `nurse`");
        assert_eq!(ResourceSet::all().len(), ResourceKind::ALL.len() as u32);
    }

    #[test]
    fn only_roles_beyond_the_persons_own_are_granted() {
        // A doctor's account asking for {doctor, admin}: `doctor` comes from the hiring record.
        let asked = RoleSet::of(&[Role::Doctor, Role::Admin]);
        assert_eq!(
            granted_roles(asked, RoleSet::EMPTY, Some(Role::Doctor)),
            RoleSet::of(&[Role::Admin])
        );
        // Roles the account already holds are not granted again.
        assert_eq!(
            granted_roles(asked, RoleSet::of(&[Role::Admin]), Some(Role::Doctor)),
            RoleSet::EMPTY
        );
        // A stand-alone account is entitled to nothing.
        assert_eq!(granted_roles(asked, RoleSet::EMPTY, None), asked);
    }
}
