//! Patient registration: demographics, identifiers, insurance policies and emergency contacts.
//!
//! The rules of registration:
//! - every field is checked and **all** problems are reported together ([`validate_patient`]);
//! - the medical record number (MRN) is made by the library from a sequence, with a check digit that
//!   catches a mistyped digit ([`Mrn`]);
//! - a patient is registered once: the same national id, or the same name + date of birth + telephone,
//!   is a duplicate of the existing patient ([`duplicate_of`]);
//! - an update keeps the patient's id, MRN and registration time, so nothing that points at the patient
//!   breaks ([`apply_update`]);
//! - patients are deactivated, never deleted ([`deactivate`]).

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::fields::{
    check_email, check_phone, fold_spaces, max_len, normalize_phone, required_text, Address, PersonName,
    MAX_TEXT_LEN,
};
use super::PeopleError;
use crate::error::{FieldCode, ValidationError};
use crate::ids::PatientId;

/// The oldest age accepted at registration.
pub const MAX_AGE_YEARS: i32 = 150;

/// Administrative sex, as FHIR `AdministrativeGender` codes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdministrativeSex {
    /// Female.
    Female,
    /// Male.
    Male,
    /// Other.
    Other,
    /// Not known.
    Unknown,
}

/// How an emergency contact is related to the patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactRelationship {
    /// Husband, wife or civil partner.
    Spouse,
    /// Domestic partner.
    Partner,
    /// Mother or father.
    Parent,
    /// Son or daughter.
    Child,
    /// Brother or sister.
    Sibling,
    /// Legal guardian.
    Guardian,
    /// Another relative.
    Relative,
    /// A friend.
    Friend,
    /// A carer or anyone else.
    Other,
}

/// Someone to call in an emergency.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EmergencyContact {
    /// The contact's full name.
    pub name: String,
    /// How they are related to the patient.
    pub relationship: ContactRelationship,
    /// Their telephone number. Required.
    pub phone: String,
    /// Their e-mail address, if any.
    #[serde(default)]
    pub email: Option<String>,
}

/// An insurance policy that covers the patient.
///
/// Policies are listed in order of priority: the first one valid on a date is the primary policy.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct InsurancePolicy {
    /// The insurer (payer) name.
    pub payer: String,
    /// The member (subscriber) id on the insurance card.
    pub member_id: String,
    /// The plan or product name.
    #[serde(default)]
    pub plan: Option<String>,
    /// First day of cover.
    pub valid_from: NaiveDate,
    /// Last day of cover, if the policy has an end.
    #[serde(default)]
    pub valid_until: Option<NaiveDate>,
}

impl InsurancePolicy {
    /// Whether the policy covers `day` (both ends inclusive).
    pub fn covers(&self, day: NaiveDate) -> bool {
        self.valid_from <= day && self.valid_until.is_none_or(|end| day <= end)
    }
}

/// What a registration form collects about a patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientDetails {
    /// The patient's name.
    pub name: PersonName,
    /// Date of birth.
    pub birth_date: NaiveDate,
    /// Administrative sex.
    pub sex: AdministrativeSex,
    /// Gender identity in the patient's own words, if given.
    #[serde(default)]
    pub gender_identity: Option<String>,
    /// Telephone number.
    #[serde(default)]
    pub phone: Option<String>,
    /// E-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// Home address.
    #[serde(default)]
    pub address: Option<Address>,
    /// National identity number (Aadhaar, SSN, NHS number, …), if given.
    #[serde(default)]
    pub national_id: Option<String>,
    /// Insurance policies, primary first.
    #[serde(default)]
    pub insurance: Vec<InsurancePolicy>,
    /// Emergency contacts.
    #[serde(default)]
    pub emergency_contacts: Vec<EmergencyContact>,
}

impl PatientDetails {
    /// Minimal details: a name, a date of birth and a sex; everything else empty.
    pub fn new(name: PersonName, birth_date: NaiveDate, sex: AdministrativeSex) -> Self {
        PatientDetails {
            name,
            birth_date,
            sex,
            gender_identity: None,
            phone: None,
            email: None,
            address: None,
            national_id: None,
            insurance: Vec::new(),
            emergency_contacts: Vec::new(),
        }
    }

    /// The first insurance policy that covers `day`.
    pub fn primary_policy(&self, day: NaiveDate) -> Option<&InsurancePolicy> {
        self.insurance.iter().find(|p| p.covers(day))
    }
}

/// A medical record number: an 8-digit sequence number followed by a Luhn check digit.
///
/// The check digit catches every single mistyped digit and most swapped neighbours, so a clerk who
/// types an MRN wrong gets "not an MRN" rather than another patient's chart.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Mrn(String);

impl Mrn {
    /// The MRN for sequence number `n` (1, 2, 3, …).
    ///
    /// ```
    /// # use hms_core::people::Mrn;
    /// assert_eq!(Mrn::from_sequence(1).as_str(), "000000018");
    /// ```
    pub fn from_sequence(n: u64) -> Mrn {
        let body = format!("{n:08}");
        let check = luhn_check_digit(&body);
        Mrn(format!("{body}{check}"))
    }

    /// Parses an MRN, checking its check digit.
    ///
    /// # Errors
    /// A validation error (`invalid_format`) when it is not digits or the check digit is wrong.
    pub fn parse(text: &str) -> Result<Mrn, ValidationError> {
        let t = text.trim();
        let bad = || {
            ValidationError::single(
                "mrn",
                FieldCode::InvalidFormat,
                format!("`{t}` is not a medical record number"),
            )
        };
        if t.len() < 9 || !t.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let (body, check) = t.split_at(t.len() - 1);
        if luhn_check_digit(body).to_string() != check {
            return Err(bad());
        }
        Ok(Mrn(t.to_owned()))
    }

    /// The MRN as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Mrn {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Mrn::parse(&s)
    }
}

impl From<Mrn> for String {
    fn from(m: Mrn) -> String {
        m.0
    }
}

impl fmt::Display for Mrn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Mrn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mrn({})", self.0)
    }
}

/// The Luhn (mod 10) check digit of a string of digits.
fn luhn_check_digit(digits: &str) -> u32 {
    let sum: u32 = digits
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

/// Why a patient was deactivated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deactivation {
    /// When.
    pub at: DateTime<Utc>,
    /// Why, in words (deceased, merged into another record, registered in error, …).
    pub reason: String,
}

/// A registered patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Patient {
    /// The patient's id.
    pub id: PatientId,
    /// The medical record number.
    pub mrn: Mrn,
    /// Demographics, identifiers, insurance and contacts (normalized).
    pub details: PatientDetails,
    /// When the patient was registered.
    pub registered_at: DateTime<Utc>,
    /// When the record last changed.
    pub updated_at: DateTime<Utc>,
    /// Set when the patient has been deactivated.
    pub deactivation: Option<Deactivation>,
    /// Incremented on every change (for optimistic concurrency in hosts).
    pub version: u32,
}

impl Patient {
    /// Whether the patient is active (not deactivated).
    pub fn is_active(&self) -> bool {
        self.deactivation.is_none()
    }

    /// Age in whole years on `day`.
    pub fn age_on(&self, day: NaiveDate) -> i32 {
        age_on(self.details.birth_date, day)
    }
}

/// Age in whole years on `day` of someone born on `birth`.
pub fn age_on(birth: NaiveDate, day: NaiveDate) -> i32 {
    let mut years = day.year() - birth.year();
    if (day.month(), day.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years
}

/// A national identity number with spaces, dashes and dots removed, upper-cased.
pub fn normalize_national_id(raw: &str) -> String {
    raw.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.'))
        .flat_map(char::to_uppercase)
        .collect()
}

/// Checks every field of a registration and returns the details normalized (trimmed names, phone numbers
/// as `+` and digits, upper-case national id and country).
///
/// Rules: name parts required and at most 100 characters; date of birth not after `today` and not more
/// than 150 years before it; telephone and e-mail well formed when given; national id of 4 to 32 letters
/// and digits when given; each insurance policy names a payer and a member id and does not end before it
/// starts; each emergency contact has a name, a relationship and a valid telephone number.
///
/// # Errors
/// A [`ValidationError`] listing every invalid field.
pub fn validate_patient(
    details: &PatientDetails,
    today: NaiveDate,
) -> Result<PatientDetails, ValidationError> {
    let mut e = ValidationError::default();
    details.name.check("name", &mut e);
    if details.birth_date > today {
        e.push(
            "birth_date",
            FieldCode::FutureDate,
            format!("date of birth `{}` is in the future", details.birth_date),
        );
    } else if age_on(details.birth_date, today) > MAX_AGE_YEARS {
        e.push(
            "birth_date",
            FieldCode::OutOfRange,
            format!(
                "date of birth `{}` is more than {MAX_AGE_YEARS} years ago",
                details.birth_date
            ),
        );
    }
    if let Some(g) = &details.gender_identity {
        max_len("gender_identity", g, 64, &mut e);
    }
    if let Some(p) = &details.phone {
        check_phone("phone", p, &mut e);
    }
    if let Some(m) = &details.email {
        check_email("email", m, &mut e);
    }
    if let Some(a) = &details.address {
        a.check("address", &mut e);
    }
    if let Some(n) = &details.national_id {
        let norm = normalize_national_id(n);
        if norm.is_empty() {
            e.push("national_id", FieldCode::Required, "the national id is blank");
        } else if !(4..=32).contains(&norm.len()) || !norm.chars().all(|c| c.is_ascii_alphanumeric()) {
            e.push(
                "national_id",
                FieldCode::InvalidFormat,
                format!("`{}` is not a national id (4 to 32 letters and digits)", n.trim()),
            );
        }
    }
    for (i, p) in details.insurance.iter().enumerate() {
        let f = format!("insurance[{i}]");
        required_text(&format!("{f}.payer"), &p.payer, MAX_TEXT_LEN, &mut e);
        required_text(&format!("{f}.member_id"), &p.member_id, 64, &mut e);
        if let Some(plan) = &p.plan {
            max_len(&format!("{f}.plan"), plan, MAX_TEXT_LEN, &mut e);
        }
        if let Some(until) = p.valid_until {
            if until < p.valid_from {
                e.push(
                    format!("{f}.valid_until"),
                    FieldCode::InvalidPeriod,
                    format!("cover ends on `{until}`, before it starts on `{}`", p.valid_from),
                );
            }
        }
    }
    for (i, c) in details.emergency_contacts.iter().enumerate() {
        let f = format!("emergency_contacts[{i}]");
        required_text(&format!("{f}.name"), &c.name, MAX_TEXT_LEN, &mut e);
        check_phone(&format!("{f}.phone"), &c.phone, &mut e);
        if let Some(m) = &c.email {
            check_email(&format!("{f}.email"), m, &mut e);
        }
    }
    e.into_result()?;
    Ok(normalize(details))
}

fn normalize(d: &PatientDetails) -> PatientDetails {
    let opt = |o: &Option<String>| o.as_deref().map(fold_spaces).filter(|s| !s.is_empty());
    PatientDetails {
        name: d.name.normalized(),
        birth_date: d.birth_date,
        sex: d.sex,
        gender_identity: opt(&d.gender_identity),
        phone: d.phone.as_deref().and_then(normalize_phone),
        email: d.email.as_deref().map(|m| m.trim().to_owned()),
        address: d.address.as_ref().map(Address::normalized),
        national_id: d.national_id.as_deref().map(normalize_national_id),
        insurance: d
            .insurance
            .iter()
            .map(|p| InsurancePolicy {
                payer: fold_spaces(&p.payer),
                member_id: p.member_id.trim().to_owned(),
                plan: opt(&p.plan),
                valid_from: p.valid_from,
                valid_until: p.valid_until,
            })
            .collect(),
        emergency_contacts: d
            .emergency_contacts
            .iter()
            .map(|c| EmergencyContact {
                name: fold_spaces(&c.name),
                relationship: c.relationship,
                phone: normalize_phone(&c.phone).unwrap_or_else(|| c.phone.trim().to_owned()),
                email: c.email.as_deref().map(|m| m.trim().to_owned()),
            })
            .collect(),
    }
}

/// Which rule found a duplicate registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateMatch {
    /// The same national id.
    NationalId,
    /// The same name, date of birth and telephone number.
    NameBirthDatePhone,
}

impl fmt::Display for DuplicateMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DuplicateMatch::NationalId => "the same national id",
            DuplicateMatch::NameBirthDatePhone => "the same name, date of birth and telephone number",
        })
    }
}

/// The key under which two registrations of one person collide when they share name, date of birth
/// and telephone number: case-folded given and family names, the date, and the phone digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DemographicKey(String);

impl DemographicKey {
    /// The key as text (for database indexes).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The demographic key of normalized details, or `None` when they have no telephone number.
pub fn demographic_key(d: &PatientDetails) -> Option<DemographicKey> {
    let phone = d.phone.as_deref().and_then(normalize_phone)?;
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    Some(DemographicKey(format!(
        "{}|{}|{}|{}",
        fold_spaces(&d.name.given).to_lowercase(),
        fold_spaces(&d.name.family).to_lowercase(),
        d.birth_date,
        digits
    )))
}

/// Rule: a registration duplicates an existing patient when it has the same national id, or failing that
/// the same [`demographic_key`]. `by_national_id` and `by_key` are the store's look-ups (they return
/// the existing patient with that value, if any); `except` is the patient being updated, which never
/// duplicates itself.
pub fn duplicate_of(
    details: &PatientDetails,
    except: Option<PatientId>,
    by_national_id: impl FnOnce(&str) -> Option<PatientId>,
    by_key: impl FnOnce(&DemographicKey) -> Option<PatientId>,
) -> Result<(), PeopleError> {
    if let Some(nid) = &details.national_id {
        if let Some(existing) = by_national_id(nid).filter(|e| Some(*e) != except) {
            return Err(PeopleError::DuplicatePatient {
                existing,
                matched_on: DuplicateMatch::NationalId,
            });
        }
    }
    if let Some(key) = demographic_key(details) {
        if let Some(existing) = by_key(&key).filter(|e| Some(*e) != except) {
            return Err(PeopleError::DuplicatePatient {
                existing,
                matched_on: DuplicateMatch::NameBirthDatePhone,
            });
        }
    }
    Ok(())
}

/// A new patient record from validated details.
pub fn register(id: PatientId, mrn: Mrn, details: PatientDetails, now: DateTime<Utc>) -> Patient {
    Patient {
        id,
        mrn,
        details,
        registered_at: now,
        updated_at: now,
        deactivation: None,
        version: 1,
    }
}

/// Rule: an update replaces the details but keeps id, MRN and registration time; an inactive patient is
/// not updated (reactivate first).
///
/// # Errors
/// [`PeopleError::Inactive`] when the patient is deactivated.
pub fn apply_update(
    p: &Patient,
    details: PatientDetails,
    now: DateTime<Utc>,
) -> Result<Patient, PeopleError> {
    if !p.is_active() {
        return Err(PeopleError::Inactive {
            entity: "patient",
            key: p.id.to_string(),
        });
    }
    Ok(Patient {
        details,
        updated_at: now,
        version: p.version + 1,
        ..p.clone()
    })
}

/// Rule: deactivation needs a reason and happens once; the record stays, with its history.
///
/// # Errors
/// [`PeopleError::Inactive`] when already deactivated; a validation error when the reason is blank.
pub fn deactivate(p: &Patient, reason: &str, now: DateTime<Utc>) -> Result<Patient, crate::Error> {
    let mut e = ValidationError::default();
    required_text("reason", reason, MAX_TEXT_LEN, &mut e);
    e.into_result()?;
    if !p.is_active() {
        return Err(PeopleError::Inactive {
            entity: "patient",
            key: p.id.to_string(),
        }
        .into());
    }
    Ok(Patient {
        deactivation: Some(Deactivation {
            at: now,
            reason: fold_spaces(reason),
        }),
        updated_at: now,
        version: p.version + 1,
        ..p.clone()
    })
}

/// Rule: only an inactive patient can be reactivated.
///
/// # Errors
/// [`PeopleError::AlreadyActive`] when the patient is active.
pub fn reactivate(p: &Patient, now: DateTime<Utc>) -> Result<Patient, PeopleError> {
    if p.is_active() {
        return Err(PeopleError::AlreadyActive {
            entity: "patient",
            key: p.id.to_string(),
        });
    }
    Ok(Patient {
        deactivation: None,
        updated_at: now,
        version: p.version + 1,
        ..p.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn asha() -> PatientDetails {
        PatientDetails {
            phone: Some("+91 98450 12345".into()),
            national_id: Some("1234 5678 9012".into()),
            emergency_contacts: vec![EmergencyContact {
                name: "Ravi Rao".into(),
                relationship: ContactRelationship::Spouse,
                phone: "+91 98450 54321".into(),
                email: None,
            }],
            ..PatientDetails::new(
                PersonName::new(" Asha ", "Rao"),
                day(1988, 4, 12),
                AdministrativeSex::Female,
            )
        }
    }

    fn codes(e: &ValidationError) -> Vec<(&str, FieldCode)> {
        e.problems().iter().map(|p| (p.field.as_str(), p.code)).collect()
    }

    #[test]
    fn a_good_registration_is_normalized() {
        let d = validate_patient(&asha(), day(2026, 11, 22)).unwrap();
        assert_eq!(d.name.given, "Asha");
        assert_eq!(d.phone.as_deref(), Some("+919845012345"));
        assert_eq!(d.national_id.as_deref(), Some("123456789012"));
        assert_eq!(d.emergency_contacts[0].phone, "+919845054321");
    }

    #[test]
    fn date_of_birth_in_the_future_is_refused() {
        let d = PatientDetails {
            birth_date: day(2026, 11, 23),
            ..asha()
        };
        let e = validate_patient(&d, day(2026, 11, 22)).unwrap_err();
        assert_eq!(codes(&e), [("birth_date", FieldCode::FutureDate)]);
        // born today is fine
        let d = PatientDetails {
            birth_date: day(2026, 11, 22),
            ..asha()
        };
        assert!(validate_patient(&d, day(2026, 11, 22)).is_ok());
    }

    #[test]
    fn date_of_birth_more_than_150_years_ago_is_refused() {
        let d = PatientDetails {
            birth_date: day(1870, 1, 1),
            ..asha()
        };
        let e = validate_patient(&d, day(2026, 11, 22)).unwrap_err();
        assert_eq!(codes(&e), [("birth_date", FieldCode::OutOfRange)]);
    }

    #[test]
    fn every_bad_field_is_reported_with_its_own_code() {
        let d = PatientDetails {
            name: PersonName::new("", "Rao"),
            phone: Some("12".into()),
            email: Some("asha@".into()),
            national_id: Some("12-3".into()),
            insurance: vec![InsurancePolicy {
                payer: "".into(),
                member_id: "M-1".into(),
                plan: None,
                valid_from: day(2026, 1, 1),
                valid_until: Some(day(2025, 12, 31)),
            }],
            emergency_contacts: vec![EmergencyContact {
                name: "Ravi".into(),
                relationship: ContactRelationship::Spouse,
                phone: "".into(),
                email: Some("no".into()),
            }],
            ..asha()
        };
        let e = validate_patient(&d, day(2026, 11, 22)).unwrap_err();
        assert_eq!(
            codes(&e),
            [
                ("name.given", FieldCode::Required),
                ("phone", FieldCode::InvalidPhone),
                ("email", FieldCode::InvalidEmail),
                ("national_id", FieldCode::InvalidFormat),
                ("insurance[0].payer", FieldCode::Required),
                ("insurance[0].valid_until", FieldCode::InvalidPeriod),
                ("emergency_contacts[0].phone", FieldCode::Required),
                ("emergency_contacts[0].email", FieldCode::InvalidEmail),
            ]
        );
    }

    #[test]
    fn mrn_check_digit_catches_typos() {
        let m = Mrn::from_sequence(4217);
        assert_eq!(Mrn::parse(m.as_str()).unwrap(), m);
        // change one digit
        let mut typo: Vec<char> = m.as_str().chars().collect();
        typo[5] = if typo[5] == '9' {
            '0'
        } else {
            char::from_digit(typo[5].to_digit(10).unwrap() + 1, 10).unwrap()
        };
        let typo: String = typo.into_iter().collect();
        assert!(Mrn::parse(&typo).is_err());
        assert!(Mrn::parse("abc").is_err());
    }

    #[test]
    fn mrns_are_unique_per_sequence_number() {
        let all: std::collections::HashSet<_> = (1..5000).map(Mrn::from_sequence).collect();
        assert_eq!(all.len(), 4999);
    }

    #[test]
    fn duplicates_by_national_id_then_by_demographics() {
        let d = validate_patient(&asha(), day(2026, 11, 22)).unwrap();
        let existing = PatientId::from_uuid(uuid::Uuid::from_u128(1));
        let r = duplicate_of(&d, None, |_| Some(existing), |_| None);
        assert_eq!(
            r,
            Err(PeopleError::DuplicatePatient {
                existing,
                matched_on: DuplicateMatch::NationalId
            })
        );
        let r = duplicate_of(&d, None, |_| None, |_| Some(existing));
        assert_eq!(
            r,
            Err(PeopleError::DuplicatePatient {
                existing,
                matched_on: DuplicateMatch::NameBirthDatePhone
            })
        );
        // a patient never duplicates itself
        assert_eq!(
            duplicate_of(&d, Some(existing), |_| Some(existing), |_| Some(existing)),
            Ok(())
        );
    }

    #[test]
    fn demographic_key_ignores_case_spacing_and_phone_format() {
        let a = asha();
        let mut b = asha();
        b.name = PersonName::new("ASHA", "  rao ");
        b.phone = Some("+91-98450-12345".into());
        assert_eq!(demographic_key(&a), demographic_key(&b));
        b.birth_date = day(1988, 4, 13);
        assert_ne!(demographic_key(&a), demographic_key(&b));
        b.phone = None;
        assert_eq!(demographic_key(&b), None);
    }

    #[test]
    fn updates_keep_identity_and_deactivation_is_not_deletion() {
        let now = Utc::now();
        let id = PatientId::from_uuid(uuid::Uuid::from_u128(9));
        let p = register(
            id,
            Mrn::from_sequence(1),
            validate_patient(&asha(), day(2026, 11, 22)).unwrap(),
            now,
        );
        let mut d = p.details.clone();
        d.email = Some("asha@example.org".into());
        let u = apply_update(&p, d.clone(), now).unwrap();
        assert_eq!(
            (u.id, &u.mrn, u.registered_at, u.version),
            (p.id, &p.mrn, p.registered_at, 2)
        );
        let off = deactivate(&u, "moved abroad", now).unwrap();
        assert!(!off.is_active());
        assert_eq!(apply_update(&off, d, now).unwrap_err().code(), "inactive");
        assert_eq!(deactivate(&off, "again", now).unwrap_err().code(), "inactive");
        assert_eq!(deactivate(&u, "  ", now).unwrap_err().code(), "invalid_input");
        let back = reactivate(&off, now).unwrap();
        assert!(back.is_active());
        assert_eq!(reactivate(&back, now).unwrap_err().code(), "invalid_transition");
    }

    #[test]
    fn age_counts_whole_years() {
        assert_eq!(age_on(day(2000, 2, 29), day(2026, 2, 28)), 25);
        assert_eq!(age_on(day(2000, 2, 29), day(2026, 3, 1)), 26);
    }

    #[test]
    fn primary_policy_is_the_first_valid_on_the_day() {
        let p = |payer: &str, from, until| InsurancePolicy {
            payer: payer.into(),
            member_id: "1".into(),
            plan: None,
            valid_from: from,
            valid_until: until,
        };
        let d = PatientDetails {
            insurance: vec![
                p("Old", day(2020, 1, 1), Some(day(2025, 12, 31))),
                p("New", day(2026, 1, 1), None),
            ],
            ..asha()
        };
        assert_eq!(d.primary_policy(day(2025, 6, 1)).unwrap().payer, "Old");
        assert_eq!(d.primary_policy(day(2026, 6, 1)).unwrap().payer, "New");
        assert!(d.primary_policy(day(2019, 6, 1)).is_none());
    }
}
