//! Staff: doctors, nurses, receptionists, pharmacists, lab technicians, billing clerks and admins.
//!
//! Rules: clinical staff (doctors, nurses, pharmacists, lab technicians) are licensed and a licence
//! number belongs to one person; a doctor has a specialization and a consultation fee that is a whole
//! number of minor units and not negative; only doctors have those.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::fields::{
    check_email, check_phone, fold_spaces, max_len, required_text, PersonName, MAX_TEXT_LEN,
};
use crate::error::{FieldCode, ValidationError};
use crate::ids::StaffId;
use crate::money::Money;

/// What a member of staff does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    /// A physician who sees patients.
    Doctor,
    /// A nurse.
    Nurse,
    /// Front-desk staff who register patients and book appointments.
    Receptionist,
    /// Dispenses medicines.
    Pharmacist,
    /// Runs laboratory tests.
    LabTechnician,
    /// Raises invoices and takes payments.
    BillingClerk,
    /// Runs the system: accounts, roles, settings.
    Admin,
}

impl StaffRole {
    /// Rule: these roles practise under a professional licence.
    pub fn is_licensed(&self) -> bool {
        matches!(
            self,
            StaffRole::Doctor | StaffRole::Nurse | StaffRole::Pharmacist | StaffRole::LabTechnician
        )
    }
}

/// What only doctors have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoctorProfile {
    /// Specialization, e.g. `cardiology`, `general practice`.
    pub specialization: String,
    /// The fee for one consultation.
    pub consultation_fee: Money,
}

/// What a hiring form collects about a member of staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffDetails {
    /// Name.
    pub name: PersonName,
    /// Role.
    pub role: StaffRole,
    /// Department, e.g. `cardiology`, `front desk`.
    #[serde(default)]
    pub department: Option<String>,
    /// Work telephone.
    #[serde(default)]
    pub phone: Option<String>,
    /// Work e-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// Professional licence or registration number (required for licensed roles).
    #[serde(default)]
    pub license_number: Option<String>,
    /// Doctor-only details (required for doctors, refused for others).
    #[serde(default)]
    pub doctor: Option<DoctorProfile>,
}

/// A member of staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staff {
    /// The staff id.
    pub id: StaffId,
    /// Details (normalized).
    pub details: StaffDetails,
    /// Whether they currently work here.
    pub active: bool,
    /// When they were added.
    pub hired_at: DateTime<Utc>,
    /// Incremented on every change.
    pub version: u32,
}

impl Staff {
    /// The doctor profile, if this is a doctor.
    pub fn doctor(&self) -> Option<&DoctorProfile> {
        self.details.doctor.as_ref()
    }
}

/// Checks a hiring form and returns it normalized.
///
/// # Errors
/// A [`ValidationError`] listing every invalid field.
pub fn validate_staff(d: &StaffDetails) -> Result<StaffDetails, ValidationError> {
    let mut e = ValidationError::default();
    d.name.check("name", &mut e);
    if let Some(dep) = &d.department {
        max_len("department", dep, MAX_TEXT_LEN, &mut e);
    }
    if let Some(p) = &d.phone {
        check_phone("phone", p, &mut e);
    }
    if let Some(m) = &d.email {
        check_email("email", m, &mut e);
    }
    match (&d.license_number, d.role.is_licensed()) {
        (Some(l), _) => required_text("license_number", l, 64, &mut e),
        (None, true) => e.push(
            "license_number",
            FieldCode::Required,
            "a licensed role needs a licence number",
        ),
        (None, false) => {}
    }
    match (&d.doctor, d.role) {
        (Some(doc), StaffRole::Doctor) => {
            required_text("doctor.specialization", &doc.specialization, MAX_TEXT_LEN, &mut e);
            if doc.consultation_fee.is_negative() {
                e.push(
                    "doctor.consultation_fee",
                    FieldCode::OutOfRange,
                    format!("a consultation fee of `{}` is negative", doc.consultation_fee),
                );
            } else if !doc.consultation_fee.is_rounded() {
                e.push(
                    "doctor.consultation_fee",
                    FieldCode::InvalidFormat,
                    format!(
                        "`{}` is not a whole number of minor units",
                        doc.consultation_fee.amount
                    ),
                );
            }
        }
        (None, StaffRole::Doctor) => e.push(
            "doctor",
            FieldCode::Required,
            "a doctor needs a specialization and a consultation fee",
        ),
        (Some(_), _) => e.push(
            "doctor",
            FieldCode::Inconsistent,
            "only doctors have a doctor profile",
        ),
        (None, _) => {}
    }
    e.into_result()?;
    let opt = |o: &Option<String>| o.as_deref().map(fold_spaces).filter(|s| !s.is_empty());
    Ok(StaffDetails {
        name: d.name.normalized(),
        role: d.role,
        department: opt(&d.department),
        phone: d.phone.as_deref().and_then(super::normalize_phone),
        email: d.email.as_deref().map(|m| m.trim().to_owned()),
        license_number: d.license_number.as_deref().map(normalize_license),
        doctor: d.doctor.as_ref().map(|doc| DoctorProfile {
            specialization: fold_spaces(&doc.specialization).to_lowercase(),
            consultation_fee: doc.consultation_fee,
        }),
    })
}

/// A licence number trimmed and upper-cased (licence numbers are compared case-insensitively).
pub fn normalize_license(raw: &str) -> String {
    raw.trim().to_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn doctor() -> StaffDetails {
        StaffDetails {
            name: PersonName::new("Meera", "Iyer"),
            role: StaffRole::Doctor,
            department: Some("Cardiology".into()),
            phone: None,
            email: Some("meera.iyer@clinic.example".into()),
            license_number: Some("kmc-12345".into()),
            doctor: Some(DoctorProfile {
                specialization: "Cardiology".into(),
                consultation_fee: Money::from_minor(80000, Currency::INR),
            }),
        }
    }

    fn codes(e: &ValidationError) -> Vec<(&str, FieldCode)> {
        e.problems().iter().map(|p| (p.field.as_str(), p.code)).collect()
    }

    #[test]
    fn a_doctor_is_normalized() {
        let d = validate_staff(&doctor()).unwrap();
        assert_eq!(d.license_number.as_deref(), Some("KMC-12345"));
        assert_eq!(d.doctor.unwrap().specialization, "cardiology");
    }

    #[test]
    fn doctors_need_a_licence_and_a_profile() {
        let d = StaffDetails {
            license_number: None,
            doctor: None,
            ..doctor()
        };
        let e = validate_staff(&d).unwrap_err();
        assert_eq!(
            codes(&e),
            [
                ("license_number", FieldCode::Required),
                ("doctor", FieldCode::Required)
            ]
        );
    }

    #[test]
    fn only_doctors_have_a_doctor_profile() {
        let d = StaffDetails {
            role: StaffRole::Receptionist,
            license_number: None,
            ..doctor()
        };
        let e = validate_staff(&d).unwrap_err();
        assert_eq!(codes(&e), [("doctor", FieldCode::Inconsistent)]);
        let r = StaffDetails { doctor: None, ..d };
        assert!(validate_staff(&r).is_ok(), "receptionists need no licence");
    }

    #[test]
    fn consultation_fee_is_not_negative_and_whole_minor_units() {
        let mut d = doctor();
        d.doctor.as_mut().unwrap().consultation_fee = Money::from_minor(-1, Currency::INR);
        assert_eq!(
            codes(&validate_staff(&d).unwrap_err()),
            [("doctor.consultation_fee", FieldCode::OutOfRange)]
        );
        d.doctor.as_mut().unwrap().consultation_fee =
            Money::new(rust_decimal::Decimal::new(1005, 3), Currency::INR);
        assert_eq!(
            codes(&validate_staff(&d).unwrap_err()),
            [("doctor.consultation_fee", FieldCode::InvalidFormat)]
        );
    }
}
