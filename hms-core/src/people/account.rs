//! User accounts: a login linked to a person (a member of staff or a patient) and a set of roles.
//!
//! Rules: a login is 3 to 64 characters of lower-case letters, digits and `.`, `_`, `-`, `@`, and
//! belongs to one account; an account has at least one role; the `patient` role belongs to an account
//! linked to a patient and to no other role; clinical and desk roles belong to an account linked to a
//! member of staff with that role (an admin account may stand alone).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::StaffRole;
use crate::access::Role;
use crate::error::{FieldCode, ValidationError};
use crate::ids::{AccountId, PatientId, StaffId};

/// Who an account belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum PersonRef {
    /// A member of staff.
    Staff(StaffId),
    /// A patient (patient-portal account).
    Patient(PatientId),
}

/// What an admin enters to open an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAccount {
    /// The login name.
    pub login: String,
    /// Who the account belongs to (none only for a stand-alone admin account).
    #[serde(default)]
    pub person: Option<PersonRef>,
    /// The roles granted.
    pub roles: BTreeSet<Role>,
}

/// A login account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserAccount {
    /// The account id.
    pub id: AccountId,
    /// The login name (lower case).
    pub login: String,
    /// Who the account belongs to.
    pub person: Option<PersonRef>,
    /// The roles the account holds.
    pub roles: BTreeSet<Role>,
    /// Whether the account may sign in.
    pub active: bool,
    /// When the account was opened.
    pub created_at: DateTime<Utc>,
}

impl UserAccount {
    /// Whether the account holds `role`.
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The staff member behind the account, if any.
    pub fn staff_id(&self) -> Option<StaffId> {
        match self.person {
            Some(PersonRef::Staff(s)) => Some(s),
            _ => None,
        }
    }

    /// The patient behind the account, if any.
    pub fn patient_id(&self) -> Option<PatientId> {
        match self.person {
            Some(PersonRef::Patient(p)) => Some(p),
            _ => None,
        }
    }
}

/// A login name trimmed and lower-cased.
pub fn normalize_login(raw: &str) -> String {
    raw.trim().to_lowercase()
}

/// The staff role that a staff-linked account role requires, if any.
fn required_staff_role(role: Role) -> Option<StaffRole> {
    match role {
        Role::Doctor => Some(StaffRole::Doctor),
        Role::Nurse => Some(StaffRole::Nurse),
        Role::Receptionist => Some(StaffRole::Receptionist),
        Role::Pharmacist => Some(StaffRole::Pharmacist),
        Role::LabTechnician => Some(StaffRole::LabTechnician),
        Role::BillingClerk => Some(StaffRole::BillingClerk),
        Role::Admin | Role::Patient => None,
    }
}

/// Checks an account request. `staff_role` is the role of the linked member of staff, when the account
/// is linked to one (the facade loads it).
///
/// # Errors
/// A [`ValidationError`] listing every problem.
pub fn validate_account(
    a: &NewAccount,
    staff_role: Option<StaffRole>,
) -> Result<NewAccount, ValidationError> {
    let mut e = ValidationError::default();
    let login = normalize_login(&a.login);
    if login.is_empty() {
        e.push("login", FieldCode::Required, "the login is required");
    } else if !(3..=64).contains(&login.chars().count())
        || !login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
    {
        e.push(
            "login",
            FieldCode::InvalidFormat,
            format!("`{login}` is not a login (3 to 64 letters, digits, `.`, `_`, `-`, `@`)"),
        );
    }
    if a.roles.is_empty() {
        e.push("roles", FieldCode::Required, "an account needs at least one role");
    }
    if a.roles.contains(&Role::Patient) {
        if !matches!(a.person, Some(PersonRef::Patient(_))) {
            e.push(
                "person",
                FieldCode::Inconsistent,
                "a patient account must be linked to a patient",
            );
        }
        if a.roles.len() > 1 {
            e.push(
                "roles",
                FieldCode::Inconsistent,
                "a patient account holds no other role",
            );
        }
    }
    for role in &a.roles {
        if let Some(needed) = required_staff_role(*role) {
            match (a.person, staff_role) {
                (Some(PersonRef::Staff(_)), Some(actual)) if actual == needed => {}
                _ => e.push(
                    "roles",
                    FieldCode::Inconsistent,
                    format!(
                        "the `{}` role needs an account linked to a member of staff in that role",
                        role.as_str()
                    ),
                ),
            }
        }
    }
    e.into_result()?;
    Ok(NewAccount { login, ..a.clone() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff() -> Option<PersonRef> {
        Some(PersonRef::Staff(StaffId::from_uuid(uuid::Uuid::from_u128(5))))
    }

    #[test]
    fn a_doctor_account_needs_a_doctor() {
        let a = NewAccount {
            login: " Dr.Iyer ".into(),
            person: staff(),
            roles: [Role::Doctor].into(),
        };
        assert_eq!(
            validate_account(&a, Some(StaffRole::Doctor)).unwrap().login,
            "dr.iyer"
        );
        let e = validate_account(&a, Some(StaffRole::Nurse)).unwrap_err();
        assert_eq!(e.problems()[0].code, FieldCode::Inconsistent);
    }

    #[test]
    fn patient_accounts_are_linked_to_a_patient_and_hold_no_other_role() {
        let p = Some(PersonRef::Patient(PatientId::from_uuid(uuid::Uuid::from_u128(1))));
        let ok = NewAccount {
            login: "asha".into(),
            person: p,
            roles: [Role::Patient].into(),
        };
        assert!(validate_account(&ok, None).is_ok());
        let both = NewAccount {
            roles: [Role::Patient, Role::Admin].into(),
            ..ok.clone()
        };
        assert!(validate_account(&both, None).is_err());
        let unlinked = NewAccount { person: None, ..ok };
        assert!(validate_account(&unlinked, None).is_err());
    }

    #[test]
    fn logins_and_roles_are_checked() {
        let a = NewAccount {
            login: "a b".into(),
            person: None,
            roles: BTreeSet::new(),
        };
        let e = validate_account(&a, None).unwrap_err();
        let codes: Vec<_> = e.problems().iter().map(|p| (p.field.as_str(), p.code)).collect();
        assert_eq!(
            codes,
            [
                ("login", FieldCode::InvalidFormat),
                ("roles", FieldCode::Required)
            ]
        );
        let admin = NewAccount {
            login: "root".into(),
            person: None,
            roles: [Role::Admin].into(),
        };
        assert!(validate_account(&admin, None).is_ok());
    }
}
