//! Patients, staff and accounts.

use hms_core::access::Role as CoreRole;
use hms_core::ids::{AccountId, PatientId, StaffId};
use hms_core::people as core;
use napi_derive::napi;

use super::{IsoDate, Money, Reader};

/// Administrative sex, as FHIR `AdministrativeGender` codes it.
#[napi(string_enum = "lowercase")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

impl From<AdministrativeSex> for core::AdministrativeSex {
    fn from(s: AdministrativeSex) -> Self {
        match s {
            AdministrativeSex::Female => core::AdministrativeSex::Female,
            AdministrativeSex::Male => core::AdministrativeSex::Male,
            AdministrativeSex::Other => core::AdministrativeSex::Other,
            AdministrativeSex::Unknown => core::AdministrativeSex::Unknown,
        }
    }
}

impl From<core::AdministrativeSex> for AdministrativeSex {
    fn from(s: core::AdministrativeSex) -> Self {
        match s {
            core::AdministrativeSex::Female => AdministrativeSex::Female,
            core::AdministrativeSex::Male => AdministrativeSex::Male,
            core::AdministrativeSex::Other => AdministrativeSex::Other,
            core::AdministrativeSex::Unknown => AdministrativeSex::Unknown,
        }
    }
}

/// How an emergency contact is related to the patient.
#[napi(string_enum = "lowercase")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

impl From<ContactRelationship> for core::ContactRelationship {
    fn from(r: ContactRelationship) -> Self {
        use core::ContactRelationship as C;
        match r {
            ContactRelationship::Spouse => C::Spouse,
            ContactRelationship::Partner => C::Partner,
            ContactRelationship::Parent => C::Parent,
            ContactRelationship::Child => C::Child,
            ContactRelationship::Sibling => C::Sibling,
            ContactRelationship::Guardian => C::Guardian,
            ContactRelationship::Relative => C::Relative,
            ContactRelationship::Friend => C::Friend,
            ContactRelationship::Other => C::Other,
        }
    }
}

impl From<core::ContactRelationship> for ContactRelationship {
    fn from(r: core::ContactRelationship) -> Self {
        use core::ContactRelationship as C;
        match r {
            C::Spouse => ContactRelationship::Spouse,
            C::Partner => ContactRelationship::Partner,
            C::Parent => ContactRelationship::Parent,
            C::Child => ContactRelationship::Child,
            C::Sibling => ContactRelationship::Sibling,
            C::Guardian => ContactRelationship::Guardian,
            C::Relative => ContactRelationship::Relative,
            C::Friend => ContactRelationship::Friend,
            C::Other => ContactRelationship::Other,
        }
    }
}

/// A member of staff's role.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffRole {
    /// A doctor (needs a licence and a doctor profile).
    Doctor,
    /// A nurse.
    Nurse,
    /// A receptionist.
    Receptionist,
    /// A pharmacist.
    Pharmacist,
    /// A laboratory technician.
    LabTechnician,
    /// A billing clerk.
    BillingClerk,
    /// An administrator.
    Admin,
}

impl From<StaffRole> for core::StaffRole {
    fn from(r: StaffRole) -> Self {
        use core::StaffRole as C;
        match r {
            StaffRole::Doctor => C::Doctor,
            StaffRole::Nurse => C::Nurse,
            StaffRole::Receptionist => C::Receptionist,
            StaffRole::Pharmacist => C::Pharmacist,
            StaffRole::LabTechnician => C::LabTechnician,
            StaffRole::BillingClerk => C::BillingClerk,
            StaffRole::Admin => C::Admin,
        }
    }
}

impl From<core::StaffRole> for StaffRole {
    fn from(r: core::StaffRole) -> Self {
        use core::StaffRole as C;
        match r {
            C::Doctor => StaffRole::Doctor,
            C::Nurse => StaffRole::Nurse,
            C::Receptionist => StaffRole::Receptionist,
            C::Pharmacist => StaffRole::Pharmacist,
            C::LabTechnician => StaffRole::LabTechnician,
            C::BillingClerk => StaffRole::BillingClerk,
            C::Admin => StaffRole::Admin,
        }
    }
}

/// A role an account holds (what the access policy decides on).
#[napi(string_enum = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Everything.
    Admin,
    /// A doctor's work.
    Doctor,
    /// A nurse's work.
    Nurse,
    /// The front desk: registration and booking.
    Receptionist,
    /// The pharmacy.
    Pharmacist,
    /// The laboratory.
    LabTechnician,
    /// Billing.
    BillingClerk,
    /// A patient's own records.
    Patient,
}

impl From<Role> for CoreRole {
    fn from(r: Role) -> Self {
        match r {
            Role::Admin => CoreRole::Admin,
            Role::Doctor => CoreRole::Doctor,
            Role::Nurse => CoreRole::Nurse,
            Role::Receptionist => CoreRole::Receptionist,
            Role::Pharmacist => CoreRole::Pharmacist,
            Role::LabTechnician => CoreRole::LabTechnician,
            Role::BillingClerk => CoreRole::BillingClerk,
            Role::Patient => CoreRole::Patient,
        }
    }
}

impl From<CoreRole> for Role {
    fn from(r: CoreRole) -> Self {
        match r {
            CoreRole::Admin => Role::Admin,
            CoreRole::Doctor => Role::Doctor,
            CoreRole::Nurse => Role::Nurse,
            CoreRole::Receptionist => Role::Receptionist,
            CoreRole::Pharmacist => Role::Pharmacist,
            CoreRole::LabTechnician => Role::LabTechnician,
            CoreRole::BillingClerk => Role::BillingClerk,
            CoreRole::Patient => Role::Patient,
        }
    }
}

/// A person's name.
#[napi(object)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName {
    /// Given (first) name.
    pub given: String,
    /// Middle name(s), if any.
    pub middle: Option<String>,
    /// Family name.
    pub family: String,
}

impl From<PersonName> for core::PersonName {
    fn from(n: PersonName) -> Self {
        core::PersonName {
            given: n.given,
            middle: n.middle,
            family: n.family,
        }
    }
}

impl From<core::PersonName> for PersonName {
    fn from(n: core::PersonName) -> Self {
        PersonName {
            given: n.given,
            middle: n.middle,
            family: n.family,
        }
    }
}

/// A postal address.
#[napi(object)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// First line (street and number).
    pub line1: String,
    /// Second line.
    pub line2: Option<String>,
    /// City or town.
    pub city: String,
    /// State, province or region.
    pub region: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country code, e.g. `IN`.
    pub country: String,
}

impl From<Address> for core::Address {
    fn from(a: Address) -> Self {
        core::Address {
            line1: a.line1,
            line2: a.line2,
            city: a.city,
            region: a.region,
            postal_code: a.postal_code,
            country: a.country,
        }
    }
}

impl From<core::Address> for Address {
    fn from(a: core::Address) -> Self {
        Address {
            line1: a.line1,
            line2: a.line2,
            city: a.city,
            region: a.region,
            postal_code: a.postal_code,
            country: a.country,
        }
    }
}

/// An insurance policy that covers the patient (primary first).
#[napi(object)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsurancePolicy {
    /// The insurer.
    pub payer: String,
    /// The member id on the insurance card.
    pub member_id: String,
    /// The plan or product name.
    pub plan: Option<String>,
    /// First day of cover.
    pub valid_from: IsoDate,
    /// Last day of cover, if the policy has an end.
    pub valid_until: Option<IsoDate>,
}

/// Someone to call in an emergency.
#[napi(object)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmergencyContact {
    /// The contact's full name.
    pub name: String,
    /// How they are related to the patient.
    pub relationship: ContactRelationship,
    /// Their telephone number.
    pub phone: String,
    /// Their e-mail address.
    pub email: Option<String>,
}

/// What a registration form collects about a patient. Returned details always carry both lists.
#[napi(object)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientDetails {
    /// The patient's name.
    pub name: PersonName,
    /// Date of birth.
    pub birth_date: IsoDate,
    /// Administrative sex.
    pub sex: AdministrativeSex,
    /// Gender identity in the patient's own words.
    pub gender_identity: Option<String>,
    /// Telephone number.
    pub phone: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Home address.
    pub address: Option<Address>,
    /// National identity number.
    pub national_id: Option<String>,
    /// Insurance policies, primary first.
    pub insurance: Option<Vec<InsurancePolicy>>,
    /// Emergency contacts.
    pub emergency_contacts: Option<Vec<EmergencyContact>>,
}

/// Reads patient details; `prefix` is their path in the arguments (`""`, `"patients[2]."`).
pub fn patient_details(r: &mut Reader, prefix: &str, d: PatientDetails) -> Option<core::PatientDetails> {
    let birth_date = r.date(&format!("{prefix}birthDate"), &d.birth_date);
    let mut insurance = Vec::new();
    for (i, p) in d.insurance.unwrap_or_default().into_iter().enumerate() {
        let at = format!("{prefix}insurance[{i}]");
        let from = r.date(&format!("{at}.validFrom"), &p.valid_from);
        let until = r.opt_date(&format!("{at}.validUntil"), p.valid_until.as_deref());
        if let (Some(valid_from), Some(valid_until)) = (from, until) {
            insurance.push(core::InsurancePolicy {
                payer: p.payer,
                member_id: p.member_id,
                plan: p.plan,
                valid_from,
                valid_until,
            });
        }
    }
    Some(core::PatientDetails {
        name: d.name.into(),
        birth_date: birth_date?,
        sex: d.sex.into(),
        gender_identity: d.gender_identity,
        phone: d.phone,
        email: d.email,
        address: d.address.map(Into::into),
        national_id: d.national_id,
        insurance,
        emergency_contacts: d
            .emergency_contacts
            .unwrap_or_default()
            .into_iter()
            .map(|c| core::EmergencyContact {
                name: c.name,
                relationship: c.relationship.into(),
                phone: c.phone,
                email: c.email,
            })
            .collect(),
    })
}

impl From<core::PatientDetails> for PatientDetails {
    fn from(d: core::PatientDetails) -> Self {
        PatientDetails {
            name: d.name.into(),
            birth_date: d.birth_date.to_string(),
            sex: d.sex.into(),
            gender_identity: d.gender_identity,
            phone: d.phone,
            email: d.email,
            address: d.address.map(Into::into),
            national_id: d.national_id,
            insurance: Some(
                d.insurance
                    .into_iter()
                    .map(|p| InsurancePolicy {
                        payer: p.payer,
                        member_id: p.member_id,
                        plan: p.plan,
                        valid_from: p.valid_from.to_string(),
                        valid_until: p.valid_until.map(|u| u.to_string()),
                    })
                    .collect(),
            ),
            emergency_contacts: Some(
                d.emergency_contacts
                    .into_iter()
                    .map(|c| EmergencyContact {
                        name: c.name,
                        relationship: c.relationship.into(),
                        phone: c.phone,
                        email: c.email,
                    })
                    .collect(),
            ),
        }
    }
}

/// Why and when a patient was deactivated.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deactivation {
    /// When.
    pub at: chrono::DateTime<chrono::Utc>,
    /// Why.
    pub reason: String,
}

/// A registered patient.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patient {
    /// The patient's id.
    pub id: String,
    /// The medical record number (8 digits and a check digit).
    pub mrn: String,
    /// Demographics, identifiers, insurance and contacts, normalized.
    pub details: PatientDetails,
    /// When the patient was registered.
    pub registered_at: chrono::DateTime<chrono::Utc>,
    /// When the record last changed.
    pub updated_at: chrono::DateTime<chrono::Utc>,
    /// Set when the patient has been deactivated.
    pub deactivation: Option<Deactivation>,
    /// Whether the patient is active (not deactivated).
    pub active: bool,
    /// Incremented on every change.
    pub version: u32,
}

impl From<core::Patient> for Patient {
    fn from(p: core::Patient) -> Self {
        Patient {
            id: p.id.to_string(),
            mrn: p.mrn.to_string(),
            active: p.is_active(),
            details: p.details.into(),
            registered_at: p.registered_at,
            updated_at: p.updated_at,
            deactivation: p.deactivation.map(|d| Deactivation {
                at: d.at,
                reason: d.reason,
            }),
            version: p.version,
        }
    }
}

/// A doctor's specialization and fee.
#[napi(object)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoctorProfile {
    /// The specialization, e.g. `cardiology` (stored lower-case).
    pub specialization: String,
    /// The consultation fee.
    pub consultation_fee: Money,
}

/// What is recorded about a member of staff.
#[napi(object)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffDetails {
    /// Name.
    pub name: PersonName,
    /// Role.
    pub role: StaffRole,
    /// Department.
    pub department: Option<String>,
    /// Telephone number.
    pub phone: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Professional licence number (required for licensed roles).
    pub license_number: Option<String>,
    /// The doctor profile (doctors only, and required for them).
    pub doctor: Option<DoctorProfile>,
}

/// Reads staff details; `prefix` is their path in the arguments.
pub fn staff_details(r: &mut Reader, prefix: &str, d: StaffDetails) -> Option<core::StaffDetails> {
    let doctor = match d.doctor {
        None => Some(None),
        Some(doc) => r
            .money(&format!("{prefix}doctor.consultationFee"), &doc.consultation_fee)
            .map(|fee| {
                Some(core::DoctorProfile {
                    specialization: doc.specialization,
                    consultation_fee: fee,
                })
            }),
    };
    Some(core::StaffDetails {
        name: d.name.into(),
        role: d.role.into(),
        department: d.department,
        phone: d.phone,
        email: d.email,
        license_number: d.license_number,
        doctor: doctor?,
    })
}

impl From<core::StaffDetails> for StaffDetails {
    fn from(d: core::StaffDetails) -> Self {
        StaffDetails {
            name: d.name.into(),
            role: d.role.into(),
            department: d.department,
            phone: d.phone,
            email: d.email,
            license_number: d.license_number,
            doctor: d.doctor.map(|doc| DoctorProfile {
                specialization: doc.specialization,
                consultation_fee: doc.consultation_fee.into(),
            }),
        }
    }
}

/// A member of staff.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    /// Their id.
    pub id: String,
    /// What is recorded about them.
    pub details: StaffDetails,
    /// Whether they still work here.
    pub active: bool,
    /// When they were added.
    pub hired_at: chrono::DateTime<chrono::Utc>,
    /// Incremented on every change.
    pub version: u32,
}

impl From<core::Staff> for Staff {
    fn from(s: core::Staff) -> Self {
        Staff {
            id: s.id.to_string(),
            details: s.details.into(),
            active: s.active,
            hired_at: s.hired_at,
            version: s.version,
        }
    }
}

/// Which kind of person an account belongs to.
#[napi(string_enum = "lowercase")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonKind {
    /// A member of staff.
    Staff,
    /// A patient.
    Patient,
}

/// The person an account belongs to.
#[napi(object)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRef {
    /// Staff or patient.
    pub kind: PersonKind,
    /// Their id.
    pub id: String,
}

impl From<core::PersonRef> for PersonRef {
    fn from(p: core::PersonRef) -> Self {
        match p {
            core::PersonRef::Staff(id) => PersonRef {
                kind: PersonKind::Staff,
                id: id.to_string(),
            },
            core::PersonRef::Patient(id) => PersonRef {
                kind: PersonKind::Patient,
                id: id.to_string(),
            },
        }
    }
}

/// A request to open a login account.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    /// The login: 3 to 64 lower-case letters, digits, `.`, `_`, `-`, `@`.
    pub login: String,
    /// The member of staff or patient it belongs to (an admin account may stand alone).
    pub person: Option<PersonRef>,
    /// At least one role.
    pub roles: Vec<Role>,
}

/// Reads an account request.
pub fn new_account(r: &mut Reader, a: NewAccount) -> Option<core::NewAccount> {
    let person = match a.person {
        None => Some(None),
        Some(PersonRef {
            kind: PersonKind::Staff,
            id,
        }) => r
            .id::<StaffId>("person.id", &id)
            .map(|s| Some(core::PersonRef::Staff(s))),
        Some(PersonRef {
            kind: PersonKind::Patient,
            id,
        }) => r
            .id::<PatientId>("person.id", &id)
            .map(|p| Some(core::PersonRef::Patient(p))),
    };
    Some(core::NewAccount {
        login: a.login,
        person: person?,
        roles: a.roles.into_iter().map(Into::into).collect(),
    })
}

/// A login account.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAccount {
    /// The account id (the `actor` of every use case).
    pub id: String,
    /// The login, lower-case.
    pub login: String,
    /// The person it belongs to.
    pub person: Option<PersonRef>,
    /// Its roles.
    pub roles: Vec<Role>,
    /// Whether it can sign in.
    pub active: bool,
    /// When it was opened.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<core::UserAccount> for UserAccount {
    fn from(a: core::UserAccount) -> Self {
        UserAccount {
            id: a.id.to_string(),
            login: a.login,
            person: a.person.map(Into::into),
            roles: a.roles.into_iter().map(Into::into).collect(),
            active: a.active,
            created_at: a.created_at,
        }
    }
}

/// A patient search.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PatientQuery {
    /// Words of the name (prefixes), an MRN, a national id or a telephone number; empty for all.
    pub text: Option<String>,
    /// Whether deactivated patients are included.
    pub include_inactive: Option<bool>,
    /// At most this many results (50 when not given).
    pub limit: Option<u32>,
}

impl From<PatientQuery> for hms_core::store::PatientQuery {
    fn from(q: PatientQuery) -> Self {
        hms_core::store::PatientQuery {
            text: q.text.unwrap_or_default(),
            include_inactive: q.include_inactive.unwrap_or(false),
            limit: usize::try_from(q.limit.unwrap_or(0)).unwrap_or(usize::MAX),
        }
    }
}

/// Reads the account id given as the `actor` of a use case.
pub fn actor(r: &mut Reader, actor: &super::IdRef) -> Option<AccountId> {
    r.id("actor", super::id_text(actor))
}
