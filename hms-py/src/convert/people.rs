//! People: names, addresses, insurance, emergency contacts, patients, staff and accounts.

use std::collections::BTreeSet;

use hms_core::access::Role;
use hms_core::error::FieldCode;
use hms_core::ids::{AccountId, PatientId, StaffId};
use hms_core::people::{
    Address, AdministrativeSex, ContactRelationship, Deactivation, DoctorProfile, EmergencyContact,
    InsurancePolicy, NewAccount, Patient, PatientDetails, PersonName, PersonRef, Staff, StaffDetails,
    StaffRole, UserAccount,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyFrozenSet, PyTuple};

use crate::convert::money::PyMoney;
use crate::convert::{
    collect_iter, dataclass_repr, date_arg, date_to_py, datetime_to_py, decimal_to_py, id_arg, invalid, obj,
    opt_to_py, row_methods, tuple_of, PyEnum, Row,
};

/// A pyclass argument of type `R` (anything else is a `TypeError` naming the field).
pub(crate) fn class_arg<'a, 'py, R>(obj: &'a Bound<'py, PyAny>, field: &str) -> PyResult<&'a Bound<'py, R>>
where
    R: pyo3::PyClass + pyo3::type_object::PyTypeCheck,
{
    obj.cast::<R>().map_err(|_| {
        let type_name = obj.get_type().name().map(|n| n.to_string()).unwrap_or_default();
        PyTypeError::new_err(format!("`{field}` must be a `{}`, not `{type_name}`", R::NAME))
    })
}

fn opt_str<'py>(py: Python<'py>, s: &Option<String>) -> PyResult<Bound<'py, PyAny>> {
    opt_to_py(py, s.as_deref(), obj)
}

/// The id of a patient given as a `Patient` or as its id string.
pub(crate) fn patient_id_arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<PatientId> {
    id_arg::<PatientId, PyPatient>(obj, field, |p| p.0.id)
}

/// The id of a member of staff given as a `Staff` or as its id string.
pub(crate) fn staff_id_arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<StaffId> {
    id_arg::<StaffId, PyStaff>(obj, field, |s| s.0.id)
}

/// The acting account, given as a `UserAccount` or as its id string.
pub(crate) fn account_id_arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<AccountId> {
    id_arg::<AccountId, PyUserAccount>(obj, field, |a| a.0.id)
}

// ---------------------------------------------------------------------------------------------

/// A person's name: given and family names are required, a middle name is optional.
#[pyclass(name = "PersonName", module = "hms._hms", frozen, eq, hash)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct PyPersonName(pub(crate) PersonName);

#[pymethods]
impl PyPersonName {
    #[new]
    #[pyo3(signature = (given, family, middle = None))]
    fn new(given: String, family: String, middle: Option<String>) -> Self {
        PyPersonName(PersonName {
            given,
            middle,
            family,
        })
    }

    /// Given (first) name.
    #[getter]
    fn given(&self) -> &str {
        &self.0.given
    }

    /// Middle name(s), if any.
    #[getter]
    fn middle(&self) -> Option<&str> {
        self.0.middle.as_deref()
    }

    /// Family name (surname).
    #[getter]
    fn family(&self) -> &str {
        &self.0.family
    }

    /// `Given Middle Family`.
    #[getter]
    fn full(&self) -> String {
        self.0.full()
    }

    fn __str__(&self) -> String {
        self.0.full()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        dataclass_repr(
            "PersonName",
            &[
                ("given", obj(py, self.given())?),
                ("family", obj(py, self.family())?),
                ("middle", opt_str(py, &self.0.middle)?),
            ],
        )
    }
}

/// A postal address; `country` is an ISO 3166-1 alpha-2 code such as `IN`, `US`, `DE`.
#[pyclass(name = "Address", module = "hms._hms", frozen, eq, hash)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct PyAddress(pub(crate) Address);

#[pymethods]
impl PyAddress {
    #[new]
    #[pyo3(signature = (line1, city, country, line2 = None, region = None, postal_code = None))]
    fn new(
        line1: String,
        city: String,
        country: String,
        line2: Option<String>,
        region: Option<String>,
        postal_code: Option<String>,
    ) -> Self {
        PyAddress(Address {
            line1,
            line2,
            city,
            region,
            postal_code,
            country,
        })
    }

    /// Street and number.
    #[getter]
    fn line1(&self) -> &str {
        &self.0.line1
    }

    /// Flat, building, care-of.
    #[getter]
    fn line2(&self) -> Option<&str> {
        self.0.line2.as_deref()
    }

    /// City or town.
    #[getter]
    fn city(&self) -> &str {
        &self.0.city
    }

    /// State, province or county.
    #[getter]
    fn region(&self) -> Option<&str> {
        self.0.region.as_deref()
    }

    /// Postal code.
    #[getter]
    fn postal_code(&self) -> Option<&str> {
        self.0.postal_code.as_deref()
    }

    /// ISO 3166-1 alpha-2 country code.
    #[getter]
    fn country(&self) -> &str {
        &self.0.country
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        dataclass_repr(
            "Address",
            &[
                ("line1", obj(py, self.line1())?),
                ("city", obj(py, self.city())?),
                ("country", obj(py, self.country())?),
                ("line2", opt_str(py, &self.0.line2)?),
                ("region", opt_str(py, &self.0.region)?),
                ("postal_code", opt_str(py, &self.0.postal_code)?),
            ],
        )
    }
}

/// An insurance policy covering the patient from `valid_from` to `valid_until` (both inclusive;
/// open-ended when `valid_until` is `None`).
#[pyclass(name = "InsurancePolicy", module = "hms._hms", frozen, eq, hash)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct PyInsurancePolicy(pub(crate) InsurancePolicy);

#[pymethods]
impl PyInsurancePolicy {
    #[new]
    #[pyo3(signature = (payer, member_id, valid_from, plan = None, valid_until = None))]
    fn new(
        payer: String,
        member_id: String,
        valid_from: &Bound<'_, PyAny>,
        plan: Option<String>,
        valid_until: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let valid_until = match valid_until {
            Some(d) if !d.is_none() => Some(date_arg(d, "valid_until")?),
            _ => None,
        };
        Ok(PyInsurancePolicy(InsurancePolicy {
            payer,
            member_id,
            plan,
            valid_from: date_arg(valid_from, "valid_from")?,
            valid_until,
        }))
    }

    /// The insurer (payer) name.
    #[getter]
    fn payer(&self) -> &str {
        &self.0.payer
    }

    /// The member id on the insurance card.
    #[getter]
    fn member_id(&self) -> &str {
        &self.0.member_id
    }

    /// The plan or product name.
    #[getter]
    fn plan(&self) -> Option<&str> {
        self.0.plan.as_deref()
    }

    /// First day of cover.
    #[getter]
    fn valid_from<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        date_to_py(py, self.0.valid_from)
    }

    /// Last day of cover, if the policy ends.
    #[getter]
    fn valid_until<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        opt_to_py(py, self.0.valid_until, date_to_py)
    }

    /// Whether the policy covers `day`.
    fn covers(&self, day: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.0.covers(date_arg(day, "day")?))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        dataclass_repr(
            "InsurancePolicy",
            &[
                ("payer", obj(py, self.payer())?),
                ("member_id", obj(py, self.member_id())?),
                ("valid_from", self.valid_from(py)?),
                ("plan", opt_str(py, &self.0.plan)?),
                ("valid_until", self.valid_until(py)?),
            ],
        )
    }
}

/// Someone to call in an emergency.
#[pyclass(name = "EmergencyContact", module = "hms._hms", frozen, eq, hash)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct PyEmergencyContact(pub(crate) EmergencyContact);

#[pymethods]
impl PyEmergencyContact {
    #[new]
    #[pyo3(signature = (name, relationship, phone, email = None))]
    fn new(
        name: String,
        relationship: &Bound<'_, PyAny>,
        phone: String,
        email: Option<String>,
    ) -> PyResult<Self> {
        Ok(PyEmergencyContact(EmergencyContact {
            name,
            relationship: ContactRelationship::from_py(relationship, "relationship")?,
            phone,
            email,
        }))
    }

    /// The contact's full name.
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }

    /// How they are related to the patient.
    #[getter]
    fn relationship<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.0.relationship.to_py(py)
    }

    /// Their telephone number.
    #[getter]
    fn phone(&self) -> &str {
        &self.0.phone
    }

    /// Their e-mail address.
    #[getter]
    fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        dataclass_repr(
            "EmergencyContact",
            &[
                ("name", obj(py, self.name())?),
                ("relationship", self.relationship(py)?),
                ("phone", obj(py, self.phone())?),
                ("email", opt_str(py, &self.0.email)?),
            ],
        )
    }
}

/// What a registration form collects about a patient. Nothing is checked when it is built; the
/// rules check every field when it is registered (or by `hms.validate_patient`) and report every
/// problem at once.
#[pyclass(name = "PatientDetails", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyPatientDetails(pub(crate) PatientDetails);

impl PyPatientDetails {
    /// A `PatientDetails` argument.
    pub(crate) fn arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<PatientDetails> {
        Ok(class_arg::<PyPatientDetails>(obj, field)?.get().0.clone())
    }
}

#[pymethods]
impl PyPatientDetails {
    #[new]
    #[pyo3(signature = (
        name, birth_date, sex, *, gender_identity = None, phone = None, email = None, address = None,
        national_id = None, insurance = None, emergency_contacts = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        name: &Bound<'_, PyAny>,
        birth_date: &Bound<'_, PyAny>,
        sex: &Bound<'_, PyAny>,
        gender_identity: Option<String>,
        phone: Option<String>,
        email: Option<String>,
        address: Option<&Bound<'_, PyAny>>,
        national_id: Option<String>,
        insurance: Option<&Bound<'_, PyAny>>,
        emergency_contacts: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let address = match address {
            Some(a) if !a.is_none() => Some(class_arg::<PyAddress>(a, "address")?.get().0.clone()),
            _ => None,
        };
        Ok(PyPatientDetails(PatientDetails {
            name: class_arg::<PyPersonName>(name, "name")?.get().0.clone(),
            birth_date: date_arg(birth_date, "birth_date")?,
            sex: AdministrativeSex::from_py(sex, "sex")?,
            gender_identity,
            phone,
            email,
            address,
            national_id,
            insurance: collect_iter(insurance, "insurance", |p| {
                Ok(class_arg::<PyInsurancePolicy>(p, "insurance")?.get().0.clone())
            })?,
            emergency_contacts: collect_iter(emergency_contacts, "emergency_contacts", |c| {
                Ok(class_arg::<PyEmergencyContact>(c, "emergency_contacts")?
                    .get()
                    .0
                    .clone())
            })?,
        }))
    }

    /// The patient's name.
    #[getter]
    fn name(&self) -> PyPersonName {
        PyPersonName(self.0.name.clone())
    }

    /// Date of birth.
    #[getter]
    fn birth_date<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        date_to_py(py, self.0.birth_date)
    }

    /// Administrative sex.
    #[getter]
    fn sex<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.0.sex.to_py(py)
    }

    /// Gender identity in the patient's own words.
    #[getter]
    fn gender_identity(&self) -> Option<&str> {
        self.0.gender_identity.as_deref()
    }

    /// Telephone number (after registration: `+` and digits).
    #[getter]
    fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }

    /// E-mail address.
    #[getter]
    fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }

    /// Home address.
    #[getter]
    fn address(&self) -> Option<PyAddress> {
        self.0.address.clone().map(PyAddress)
    }

    /// National identity number (after registration: upper case, no separators).
    #[getter]
    fn national_id(&self) -> Option<&str> {
        self.0.national_id.as_deref()
    }

    /// Insurance policies, primary first.
    #[getter]
    fn insurance<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        tuple_of(py, self.0.insurance.iter().cloned(), |p| {
            Ok(Bound::new(py, PyInsurancePolicy(p))?.into_any())
        })
    }

    /// Emergency contacts.
    #[getter]
    fn emergency_contacts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        tuple_of(py, self.0.emergency_contacts.iter().cloned(), |c| {
            Ok(Bound::new(py, PyEmergencyContact(c))?.into_any())
        })
    }

    /// The first policy that covers `day`, if any.
    fn primary_policy(&self, day: &Bound<'_, PyAny>) -> PyResult<Option<PyInsurancePolicy>> {
        Ok(self
            .0
            .primary_policy(date_arg(day, "day")?)
            .cloned()
            .map(PyInsurancePolicy))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        dataclass_repr(
            "PatientDetails",
            &[
                ("name", Bound::new(py, self.name())?.into_any()),
                ("birth_date", self.birth_date(py)?),
                ("sex", self.sex(py)?),
                ("gender_identity", opt_str(py, &self.0.gender_identity)?),
                ("phone", opt_str(py, &self.0.phone)?),
                ("email", opt_str(py, &self.0.email)?),
                ("address", obj(py, self.address())?),
                ("national_id", opt_str(py, &self.0.national_id)?),
                ("insurance", self.insurance(py)?),
                ("emergency_contacts", self.emergency_contacts(py)?),
            ],
        )
    }
}

/// Why and when a patient was deactivated.
#[pyclass(name = "Deactivation", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyDeactivation(pub(crate) Deactivation);

#[pymethods]
impl PyDeactivation {
    /// When.
    #[getter]
    fn at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime_to_py(py, self.0.at)
    }

    /// Why.
    #[getter]
    fn reason(&self) -> &str {
        &self.0.reason
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        dataclass_repr(
            "Deactivation",
            &[("at", self.at(py)?), ("reason", obj(py, self.reason())?)],
        )
    }
}

/// A registered patient. Also a read-only mapping of its table columns, so a list of patients is a
/// table for `pandas.DataFrame(...)`.
#[pyclass(name = "Patient", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyPatient(pub(crate) Patient);

#[pymethods]
impl PyPatient {
    /// The patient's id.
    #[getter]
    fn id(&self) -> String {
        self.0.id.to_string()
    }

    /// The medical record number (8 digits and a check digit).
    #[getter]
    fn mrn(&self) -> &str {
        self.0.mrn.as_str()
    }

    /// Demographics, identifiers, insurance and contacts, normalized.
    #[getter]
    fn details(&self) -> PyPatientDetails {
        PyPatientDetails(self.0.details.clone())
    }

    /// When the patient was registered.
    #[getter]
    fn registered_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime_to_py(py, self.0.registered_at)
    }

    /// When the record last changed.
    #[getter]
    fn updated_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime_to_py(py, self.0.updated_at)
    }

    /// Set when the patient has been deactivated.
    #[getter]
    fn deactivation(&self) -> Option<PyDeactivation> {
        self.0.deactivation.clone().map(PyDeactivation)
    }

    /// Incremented on every change.
    #[getter]
    fn version(&self) -> u32 {
        self.0.version
    }

    /// Whether the patient is active (not deactivated).
    #[getter]
    fn active(&self) -> bool {
        self.0.is_active()
    }

    /// Age in whole years on `day`.
    fn age_on(&self, day: &Bound<'_, PyAny>) -> PyResult<i32> {
        Ok(self.0.age_on(date_arg(day, "day")?))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        dataclass_repr(
            "Patient",
            &[
                ("id", obj(py, self.id())?),
                ("mrn", obj(py, self.mrn())?),
                ("details", Bound::new(py, self.details())?.into_any()),
                ("registered_at", self.registered_at(py)?),
                ("updated_at", self.updated_at(py)?),
                ("deactivation", obj(py, self.deactivation())?),
                ("version", obj(py, self.version())?),
            ],
        )
    }
}

impl Row for PyPatient {
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "mrn",
        "given_name",
        "middle_name",
        "family_name",
        "birth_date",
        "sex",
        "phone",
        "email",
        "national_id",
        "city",
        "country",
        "active",
        "registered_at",
        "updated_at",
        "version",
    ];

    fn column<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
        let d = &self.0.details;
        Ok(Some(match name {
            "id" => obj(py, self.id())?,
            "mrn" => obj(py, self.mrn())?,
            "given_name" => obj(py, d.name.given.as_str())?,
            "middle_name" => opt_str(py, &d.name.middle)?,
            "family_name" => obj(py, d.name.family.as_str())?,
            "birth_date" => date_to_py(py, d.birth_date)?,
            "sex" => d.sex.to_py(py)?,
            "phone" => opt_str(py, &d.phone)?,
            "email" => opt_str(py, &d.email)?,
            "national_id" => opt_str(py, &d.national_id)?,
            "city" => opt_to_py(py, d.address.as_ref().map(|a| a.city.as_str()), obj)?,
            "country" => opt_to_py(py, d.address.as_ref().map(|a| a.country.as_str()), obj)?,
            "active" => obj(py, self.0.is_active())?,
            "registered_at" => datetime_to_py(py, self.0.registered_at)?,
            "updated_at" => datetime_to_py(py, self.0.updated_at)?,
            "version" => obj(py, self.0.version)?,
            _ => return Ok(None),
        }))
    }
}

row_methods!(PyPatient);

// ---------------------------------------------------------------------------------------------

/// What only doctors have: a specialization and the fee for one consultation.
#[pyclass(name = "DoctorProfile", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyDoctorProfile(pub(crate) DoctorProfile);

#[pymethods]
impl PyDoctorProfile {
    #[new]
    fn new(specialization: String, consultation_fee: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyDoctorProfile(DoctorProfile {
            specialization,
            consultation_fee: PyMoney::arg(consultation_fee, "consultation_fee")?,
        }))
    }

    /// Specialization, e.g. `cardiology`.
    #[getter]
    fn specialization(&self) -> &str {
        &self.0.specialization
    }

    /// The fee for one consultation.
    #[getter]
    fn consultation_fee(&self) -> PyMoney {
        PyMoney(self.0.consultation_fee)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        dataclass_repr(
            "DoctorProfile",
            &[
                ("specialization", obj(py, self.specialization())?),
                (
                    "consultation_fee",
                    Bound::new(py, self.consultation_fee())?.into_any(),
                ),
            ],
        )
    }
}

/// What a hiring form collects about a member of staff. Licensed roles (doctor, nurse, pharmacist,
/// lab technician) need a licence number; doctors need a `DoctorProfile`, others must not have one.
#[pyclass(name = "StaffDetails", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyStaffDetails(pub(crate) StaffDetails);

impl PyStaffDetails {
    /// A `StaffDetails` argument.
    pub(crate) fn arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<StaffDetails> {
        Ok(class_arg::<PyStaffDetails>(obj, field)?.get().0.clone())
    }
}

#[pymethods]
impl PyStaffDetails {
    #[new]
    #[pyo3(signature = (
        name, role, *, department = None, phone = None, email = None, license_number = None, doctor = None
    ))]
    fn new(
        name: &Bound<'_, PyAny>,
        role: &Bound<'_, PyAny>,
        department: Option<String>,
        phone: Option<String>,
        email: Option<String>,
        license_number: Option<String>,
        doctor: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let doctor = match doctor {
            Some(d) if !d.is_none() => Some(class_arg::<PyDoctorProfile>(d, "doctor")?.get().0.clone()),
            _ => None,
        };
        Ok(PyStaffDetails(StaffDetails {
            name: class_arg::<PyPersonName>(name, "name")?.get().0.clone(),
            role: StaffRole::from_py(role, "role")?,
            department,
            phone,
            email,
            license_number,
            doctor,
        }))
    }

    /// Name.
    #[getter]
    fn name(&self) -> PyPersonName {
        PyPersonName(self.0.name.clone())
    }

    /// Role.
    #[getter]
    fn role<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.0.role.to_py(py)
    }

    /// Department.
    #[getter]
    fn department(&self) -> Option<&str> {
        self.0.department.as_deref()
    }

    /// Work telephone.
    #[getter]
    fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }

    /// Work e-mail.
    #[getter]
    fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }

    /// Professional licence number.
    #[getter]
    fn license_number(&self) -> Option<&str> {
        self.0.license_number.as_deref()
    }

    /// Doctor-only details.
    #[getter]
    fn doctor(&self) -> Option<PyDoctorProfile> {
        self.0.doctor.clone().map(PyDoctorProfile)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        dataclass_repr(
            "StaffDetails",
            &[
                ("name", Bound::new(py, self.name())?.into_any()),
                ("role", self.role(py)?),
                ("department", opt_str(py, &self.0.department)?),
                ("phone", opt_str(py, &self.0.phone)?),
                ("email", opt_str(py, &self.0.email)?),
                ("license_number", opt_str(py, &self.0.license_number)?),
                ("doctor", obj(py, self.doctor())?),
            ],
        )
    }
}

/// A member of staff. Also a read-only mapping of its table columns.
#[pyclass(name = "Staff", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyStaff(pub(crate) Staff);

#[pymethods]
impl PyStaff {
    /// The staff id.
    #[getter]
    fn id(&self) -> String {
        self.0.id.to_string()
    }

    /// Details, normalized.
    #[getter]
    fn details(&self) -> PyStaffDetails {
        PyStaffDetails(self.0.details.clone())
    }

    /// Whether they currently work here.
    #[getter]
    fn active(&self) -> bool {
        self.0.active
    }

    /// When they were added.
    #[getter]
    fn hired_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime_to_py(py, self.0.hired_at)
    }

    /// Incremented on every change.
    #[getter]
    fn version(&self) -> u32 {
        self.0.version
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        dataclass_repr(
            "Staff",
            &[
                ("id", obj(py, self.id())?),
                ("details", Bound::new(py, self.details())?.into_any()),
                ("active", obj(py, self.active())?),
                ("hired_at", self.hired_at(py)?),
                ("version", obj(py, self.version())?),
            ],
        )
    }
}

impl Row for PyStaff {
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "given_name",
        "middle_name",
        "family_name",
        "role",
        "department",
        "phone",
        "email",
        "license_number",
        "specialization",
        "consultation_fee",
        "currency",
        "active",
        "hired_at",
        "version",
    ];

    fn column<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
        let d = &self.0.details;
        let fee = d.doctor.as_ref().map(|doc| doc.consultation_fee);
        Ok(Some(match name {
            "id" => obj(py, self.id())?,
            "given_name" => obj(py, d.name.given.as_str())?,
            "middle_name" => opt_str(py, &d.name.middle)?,
            "family_name" => obj(py, d.name.family.as_str())?,
            "role" => d.role.to_py(py)?,
            "department" => opt_str(py, &d.department)?,
            "phone" => opt_str(py, &d.phone)?,
            "email" => opt_str(py, &d.email)?,
            "license_number" => opt_str(py, &d.license_number)?,
            "specialization" => opt_to_py(py, d.doctor.as_ref().map(|doc| doc.specialization.as_str()), obj)?,
            "consultation_fee" => opt_to_py(py, fee.map(|m| m.amount), decimal_to_py)?,
            "currency" => opt_to_py(py, fee.map(|m| m.currency.code().to_owned()), obj)?,
            "active" => obj(py, self.0.active)?,
            "hired_at" => datetime_to_py(py, self.0.hired_at)?,
            "version" => obj(py, self.0.version)?,
            _ => return Ok(None),
        }))
    }
}

row_methods!(PyStaff);

// ---------------------------------------------------------------------------------------------

fn roles_to_py<'py>(py: Python<'py>, roles: &BTreeSet<Role>) -> PyResult<Bound<'py, PyAny>> {
    let members: Vec<Bound<'py, PyAny>> = roles.iter().map(|r| r.to_py(py)).collect::<PyResult<_>>()?;
    Ok(PyFrozenSet::new(py, &members)?.into_any())
}

fn person_ids(person: Option<PersonRef>) -> (Option<String>, Option<String>) {
    match person {
        Some(PersonRef::Staff(s)) => (Some(s.to_string()), None),
        Some(PersonRef::Patient(p)) => (None, Some(p.to_string())),
        None => (None, None),
    }
}

/// What an admin enters to open a login account: the login, the roles, and who it belongs to (a
/// member of staff, a patient, or nobody for a stand-alone admin account).
#[pyclass(name = "NewAccount", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyNewAccount(pub(crate) NewAccount);

impl PyNewAccount {
    /// A `NewAccount` argument.
    pub(crate) fn arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<NewAccount> {
        Ok(class_arg::<PyNewAccount>(obj, field)?.get().0.clone())
    }
}

#[pymethods]
impl PyNewAccount {
    #[new]
    #[pyo3(signature = (login, roles, *, staff_id = None, patient_id = None))]
    fn new(
        login: String,
        roles: &Bound<'_, PyAny>,
        staff_id: Option<&Bound<'_, PyAny>>,
        patient_id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let roles: BTreeSet<Role> = collect_iter(Some(roles), "roles", |r| Role::from_py(r, "roles"))?
            .into_iter()
            .collect();
        let staff = staff_id.filter(|s| !s.is_none());
        let patient = patient_id.filter(|p| !p.is_none());
        let person = match (staff, patient) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "person",
                    FieldCode::Inconsistent,
                    "an account belongs to a member of staff or to a patient, not both".to_owned(),
                ))
            }
            (Some(s), None) => Some(PersonRef::Staff(staff_id_arg(s, "staff_id")?)),
            (None, Some(p)) => Some(PersonRef::Patient(patient_id_arg(p, "patient_id")?)),
            (None, None) => None,
        };
        Ok(PyNewAccount(NewAccount { login, person, roles }))
    }

    /// The login name.
    #[getter]
    fn login(&self) -> &str {
        &self.0.login
    }

    /// The roles to grant.
    #[getter]
    fn roles<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        roles_to_py(py, &self.0.roles)
    }

    /// The member of staff the account belongs to.
    #[getter]
    fn staff_id(&self) -> Option<String> {
        person_ids(self.0.person).0
    }

    /// The patient the account belongs to.
    #[getter]
    fn patient_id(&self) -> Option<String> {
        person_ids(self.0.person).1
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        dataclass_repr(
            "NewAccount",
            &[
                ("login", obj(py, self.login())?),
                ("roles", self.roles(py)?),
                ("staff_id", obj(py, self.staff_id())?),
                ("patient_id", obj(py, self.patient_id())?),
            ],
        )
    }
}

/// A login account. Pass it (or its id) as the `actor` of every use case. Also a read-only mapping
/// of its table columns.
#[pyclass(name = "UserAccount", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyUserAccount(pub(crate) UserAccount);

#[pymethods]
impl PyUserAccount {
    /// The account id.
    #[getter]
    fn id(&self) -> String {
        self.0.id.to_string()
    }

    /// The login name (lower case).
    #[getter]
    fn login(&self) -> &str {
        &self.0.login
    }

    /// The member of staff behind the account.
    #[getter]
    fn staff_id(&self) -> Option<String> {
        person_ids(self.0.person).0
    }

    /// The patient behind the account.
    #[getter]
    fn patient_id(&self) -> Option<String> {
        person_ids(self.0.person).1
    }

    /// The roles the account holds.
    #[getter]
    fn roles<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        roles_to_py(py, &self.0.roles)
    }

    /// Whether the account may sign in.
    #[getter]
    fn active(&self) -> bool {
        self.0.active
    }

    /// When the account was opened.
    #[getter]
    fn created_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime_to_py(py, self.0.created_at)
    }

    /// Whether the account holds `role`.
    fn has_role(&self, role: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.0.has_role(Role::from_py(role, "role")?))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        dataclass_repr(
            "UserAccount",
            &[
                ("id", obj(py, self.id())?),
                ("login", obj(py, self.login())?),
                ("staff_id", obj(py, self.staff_id())?),
                ("patient_id", obj(py, self.patient_id())?),
                ("roles", self.roles(py)?),
                ("active", obj(py, self.active())?),
                ("created_at", self.created_at(py)?),
            ],
        )
    }
}

impl Row for PyUserAccount {
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "login",
        "staff_id",
        "patient_id",
        "roles",
        "active",
        "created_at",
    ];

    fn column<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
        Ok(Some(match name {
            "id" => obj(py, self.id())?,
            "login" => obj(py, self.login())?,
            "staff_id" => obj(py, self.staff_id())?,
            "patient_id" => obj(py, self.patient_id())?,
            "roles" => {
                let names: Vec<&str> = self.0.roles.iter().map(Role::as_str).collect();
                PyTuple::new(py, names)?.into_any()
            }
            "active" => obj(py, self.0.active)?,
            "created_at" => datetime_to_py(py, self.0.created_at)?,
            _ => return Ok(None),
        }))
    }
}

row_methods!(PyUserAccount);
