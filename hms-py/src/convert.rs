//! Conversions between Python objects and hms-core types.
//!
//! The shared pieces live here: decimals (never floats), dates and aware datetimes, time zones, ids,
//! enums (as `enum.Enum` subclasses built from the Rust variant lists), the row protocol that lets
//! `pandas.DataFrame(...)` read a list of records, and `repr` helpers. Each domain's value objects
//! live in a submodule (`people`, `money`, `time`, `records`); a new engine adds one file here and
//! registers its classes in `lib.rs`.
//!
//! Conventions:
//! - a wrong Python *type* is a `TypeError`; a wrong *value* (an unknown enum value, a naive
//!   datetime, text that is not a decimal) is an `hms.ValidationError` naming the field, the same
//!   error the rules raise;
//! - value objects are frozen: they are built once with keyword arguments and compared by value.

pub(crate) mod access;
pub(crate) mod billing;
pub(crate) mod money;
pub(crate) mod people;
pub(crate) mod pharmacy;
pub(crate) mod records;
pub(crate) mod scheduling;
pub(crate) mod time;

use std::str::FromStr;

use chrono::Weekday;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use hms_core::access::{Action, ChainProblemKind, ResourceKind, Role};
use hms_core::billing::{
    InvoiceStatus, ItemKind, ReminderStage, RoundingMode, ShareBasis, StatementEntryKind,
};
use hms_core::error::{FieldCode, ValidationError};
use hms_core::hospital::SeriesMode;
use hms_core::people::{AdministrativeSex, ContactRelationship, DuplicateMatch, StaffRole};
use hms_core::pharmacy::{AlertKind, DosageForm, ReservationStatus, WriteOffReason};
use hms_core::scheduling::waitlist::WaitlistStatus;
use hms_core::scheduling::{AppointmentStatus, ConflictMode};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDate, PyDateTime, PyDict, PyList, PyString, PyTuple, PyType};
use rust_decimal::Decimal;

use crate::errors::raise;

/// The module every class and function of the extension reports as its home.
pub(crate) const MODULE: &str = "hms._hms";

/// A `ValidationError` for one bad field, raised as `hms.ValidationError`.
pub(crate) fn invalid(field: &str, code: FieldCode, message: String) -> PyErr {
    raise(ValidationError::single(field, code, message))
}

// ---------------------------------------------------------------------------------------------
// Decimals

static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// An exact decimal from a `decimal.Decimal`, an `int` or a decimal string. Floats are refused:
/// `0.1` as a float is not one tenth, and money must add up to the cent.
pub(crate) fn decimal_arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<Decimal> {
    let py = obj.py();
    let decimal_type = DECIMAL.import(py, "decimal", "Decimal")?;
    let text: String = if obj.is_instance_of::<pyo3::types::PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "`{field}` must be a Decimal, an int or a decimal string, not a bool"
        )));
    } else if obj.is_instance_of::<pyo3::types::PyFloat>() {
        return Err(PyTypeError::new_err(format!(
            "`{field}` must be a Decimal, an int or a decimal string, never a float \
             (floats cannot hold amounts like 0.10 exactly)"
        )));
    } else if obj.is_instance_of::<pyo3::types::PyInt>()
        || obj.is_instance(decimal_type)?
        || obj.is_instance_of::<PyString>()
    {
        obj.str()?.to_cow()?.trim().to_owned()
    } else {
        return Err(PyTypeError::new_err(format!(
            "`{field}` must be a Decimal, an int or a decimal string, not `{}`",
            obj.get_type().name()?
        )));
    };
    Decimal::from_str_exact(&text)
        .or_else(|_| Decimal::from_scientific(&text))
        .map_err(|_| {
            invalid(
                field,
                FieldCode::InvalidFormat,
                format!("`{text}` is not a decimal number (at most 28 significant digits)"),
            )
        })
}

/// A `decimal.Decimal` holding exactly `d`.
pub(crate) fn decimal_to_py(py: Python<'_>, d: Decimal) -> PyResult<Bound<'_, PyAny>> {
    DECIMAL.import(py, "decimal", "Decimal")?.call1((d.to_string(),))
}

// ---------------------------------------------------------------------------------------------
// Dates, datetimes, zones

/// A calendar date from a `datetime.date` (a `datetime` is refused: a date of birth has no time).
pub(crate) fn date_arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<NaiveDate> {
    if obj.is_instance_of::<PyDateTime>() {
        return Err(PyTypeError::new_err(format!(
            "`{field}` must be a date, not a datetime"
        )));
    }
    if !obj.is_instance_of::<PyDate>() {
        return Err(PyTypeError::new_err(format!(
            "`{field}` must be a date, not `{}`",
            obj.get_type().name()?
        )));
    }
    obj.extract::<NaiveDate>()
}

static UTC: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// An instant from an aware `datetime.datetime` in any zone. A naive datetime is refused: it names
/// no instant until someone says where the clock hung.
pub(crate) fn datetime_arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<DateTime<Utc>> {
    let py = obj.py();
    if !obj.is_instance_of::<PyDateTime>() {
        return Err(PyTypeError::new_err(format!(
            "`{field}` must be a datetime, not `{}`",
            obj.get_type().name()?
        )));
    }
    if obj.call_method0("utcoffset")?.is_none() {
        return Err(invalid(
            field,
            FieldCode::InvalidFormat,
            format!(
                "`{}` has no time zone; pass an aware datetime such as one with `tzinfo=timezone.utc`",
                obj.str()?.to_cow()?
            ),
        ));
    }
    obj.call_method1("astimezone", (utc(py)?,))?
        .extract::<DateTime<Utc>>()
}

/// A wall-clock time from a `datetime.time` (without a zone: the clinic's zone gives it meaning).
pub(crate) fn time_arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<NaiveTime> {
    if !obj.is_instance_of::<pyo3::types::PyTime>() {
        return Err(PyTypeError::new_err(format!(
            "`{field}` must be a time, not `{}`",
            obj.get_type().name()?
        )));
    }
    obj.extract::<NaiveTime>()
}

/// An optional date.
pub(crate) fn opt_date_arg(obj: Option<&Bound<'_, PyAny>>, field: &str) -> PyResult<Option<NaiveDate>> {
    match obj {
        Some(o) if !o.is_none() => date_arg(o, field).map(Some),
        _ => Ok(None),
    }
}

/// An optional aware datetime.
pub(crate) fn opt_datetime_arg(
    obj: Option<&Bound<'_, PyAny>>,
    field: &str,
) -> PyResult<Option<DateTime<Utc>>> {
    match obj {
        Some(o) if !o.is_none() => datetime_arg(o, field).map(Some),
        _ => Ok(None),
    }
}

static DATETIME: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static DATE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

fn utc(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    UTC.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py
            .import("datetime")?
            .getattr("timezone")?
            .getattr("utc")?
            .unbind())
    })
    .map(|u| u.bind(py))
}

/// A `datetime.datetime` in UTC (`tzinfo=datetime.timezone.utc`).
///
/// Built by calling the cached type with positional arguments: under the stable ABI there is no C
/// constructor, and this is several times faster than the general conversion, which matters when a
/// frame of 100,000 rows has two timestamps per row.
pub(crate) fn datetime_to_py(py: Python<'_>, t: DateTime<Utc>) -> PyResult<Bound<'_, PyAny>> {
    use chrono::{Datelike, Timelike};
    let n = t.naive_utc();
    // A leap second (nanoseconds past 1e9) has no Python form; it shows as the second's last microsecond.
    let micro = (n.nanosecond() / 1000).min(999_999);
    DATETIME.import(py, "datetime", "datetime")?.call1((
        n.year(),
        n.month(),
        n.day(),
        n.hour(),
        n.minute(),
        n.second(),
        micro,
        utc(py)?,
    ))
}

/// A `datetime.date`.
pub(crate) fn date_to_py(py: Python<'_>, d: NaiveDate) -> PyResult<Bound<'_, PyAny>> {
    use chrono::Datelike;
    DATE.import(py, "datetime", "date")?
        .call1((d.year(), d.month(), d.day()))
}

static ZONE_INFO: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// An IANA zone from a `zoneinfo.ZoneInfo` or its name.
pub(crate) fn zone_arg(obj: &Bound<'_, PyAny>) -> PyResult<Tz> {
    let py = obj.py();
    let name: String = if obj.is_instance_of::<PyString>() {
        obj.extract()?
    } else if obj.is_instance(ZONE_INFO.import(py, "zoneinfo", "ZoneInfo")?)? {
        obj.getattr("key")?.extract()?
    } else {
        return Err(PyTypeError::new_err(format!(
            "a time zone must be a `zoneinfo.ZoneInfo` or an IANA name, not `{}`",
            obj.get_type().name()?
        )));
    };
    hms_core::time::parse_zone(&name).map_err(raise)
}

/// The `zoneinfo.ZoneInfo` of a zone.
pub(crate) fn zone_to_py(py: Python<'_>, tz: Tz) -> PyResult<Bound<'_, PyAny>> {
    ZONE_INFO.import(py, "zoneinfo", "ZoneInfo")?.call1((tz.name(),))
}

// ---------------------------------------------------------------------------------------------
// Ids

/// A typed id from its text, or from the record that carries it (`Patient`, `Staff`,
/// `UserAccount`), so that `hospital.patient(admin, patient)` and `hospital.patient(admin, "…")`
/// both work.
pub(crate) fn id_arg<T, R>(obj: &Bound<'_, PyAny>, field: &str, of_record: impl Fn(&R) -> T) -> PyResult<T>
where
    T: FromStr<Err = ValidationError>,
    R: pyo3::PyClass<Frozen = pyo3::pyclass::boolean_struct::True> + Sync,
{
    if let Ok(record) = obj.cast::<R>() {
        return Ok(of_record(record.get()));
    }
    if obj.is_instance_of::<PyString>() {
        let text: String = obj.extract()?;
        return text.parse::<T>().map_err(raise);
    }
    Err(PyTypeError::new_err(format!(
        "`{field}` must be an id string or a `{}`, not `{}`",
        R::NAME,
        obj.get_type().name()?
    )))
}

// ---------------------------------------------------------------------------------------------
// Enums

/// A Rust enum shown to Python as an `enum.Enum` subclass with `str` values (so `Role.DOCTOR ==
/// "doctor"` and pandas columns compare with plain strings).
pub(crate) trait PyEnum: Sized + Copy + PartialEq + 'static {
    /// The Python class name.
    const NAME: &'static str;
    /// The class docstring.
    const DOC: &'static str;
    /// Every variant, in declaration order.
    fn all() -> &'static [Self];
    /// The stable snake_case value.
    fn value(self) -> &'static str;
    /// Where the Python class is kept once built.
    fn class_cell() -> &'static PyOnceLock<Py<PyType>>;
    /// Where the members are kept, in the order of [`PyEnum::all`].
    fn members_cell() -> &'static PyOnceLock<Vec<Py<PyAny>>>;

    /// The Python class, built on first use from [`PyEnum::all`].
    fn class(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
        Self::class_cell()
            .get_or_try_init(py, || build_enum::<Self>(py))
            .map(|c| c.bind(py))
    }

    /// The Python member for this variant.
    fn to_py(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        let members = Self::members_cell().get_or_try_init(py, || -> PyResult<Vec<Py<PyAny>>> {
            let class = Self::class(py)?;
            Self::all()
                .iter()
                .map(|v| Ok(class.call1((v.value(),))?.unbind()))
                .collect()
        })?;
        Self::all()
            .iter()
            .zip(members)
            .find(|(v, _)| **v == self)
            .map(|(_, m)| m.bind(py).clone())
            .ok_or_else(|| PyTypeError::new_err(format!("`{}` has no member `{}`", Self::NAME, self.value())))
    }

    /// Parses a member of this enum or its value.
    fn from_py(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<Self> {
        let py = obj.py();
        let enum_base = ENUM.import(py, "enum", "Enum")?;
        if obj.is_instance(enum_base)? && !obj.is_instance(Self::class(py)?)? {
            return Err(PyTypeError::new_err(format!(
                "`{field}` must be a `{}` or its value, not `{}`",
                Self::NAME,
                obj.get_type().name()?
            )));
        }
        if !obj.is_instance_of::<PyString>() {
            return Err(PyTypeError::new_err(format!(
                "`{field}` must be a `{}` or its value, not `{}`",
                Self::NAME,
                obj.get_type().name()?
            )));
        }
        let text: String = obj.extract()?;
        let wanted = text.trim().to_lowercase();
        Self::all()
            .iter()
            .copied()
            .find(|v| v.value() == wanted)
            .ok_or_else(|| {
                let choices: Vec<String> = Self::all().iter().map(|v| format!("`{}`", v.value())).collect();
                invalid(
                    field,
                    FieldCode::InvalidFormat,
                    format!("`{text}` is not one of {}", choices.join(", ")),
                )
            })
    }
}

static ENUM: PyOnceLock<Py<PyType>> = PyOnceLock::new();

fn build_enum<E: PyEnum>(py: Python<'_>) -> PyResult<Py<PyType>> {
    let members: Vec<(String, &str)> = E::all()
        .iter()
        .map(|v| (v.value().to_uppercase().replace('-', "_"), v.value()))
        .collect();
    let kwargs = PyDict::new(py);
    kwargs.set_item("module", MODULE)?;
    kwargs.set_item("qualname", E::NAME)?;
    kwargs.set_item("type", py.get_type::<PyString>())?;
    let class = py
        .import("enum")?
        .getattr("Enum")?
        .call((E::NAME, members), Some(&kwargs))?;
    class.setattr("__doc__", E::DOC)?;
    // Print as the value (`str(Role.DOCTOR) == "doctor"`), as `enum.StrEnum` does from Python 3.11:
    // f-strings, pandas tables and messages then show `doctor`, not `Role.DOCTOR`.
    let str_type = py.get_type::<PyString>();
    class.setattr("__str__", str_type.getattr("__str__")?)?;
    class.setattr("__format__", str_type.getattr("__format__")?)?;
    Ok(class.cast_into::<PyType>()?.unbind())
}

macro_rules! py_enum {
    ($ty:ty, $name:literal, $doc:literal, [$($variant:ident),+ $(,)?], |$v:ident| $value:expr) => {
        impl PyEnum for $ty {
            const NAME: &'static str = $name;
            const DOC: &'static str = $doc;
            fn all() -> &'static [Self] {
                &[$(<$ty>::$variant),+]
            }
            fn value(self) -> &'static str {
                let $v = self;
                $value
            }
            fn class_cell() -> &'static PyOnceLock<Py<PyType>> {
                static CELL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
                &CELL
            }
            fn members_cell() -> &'static PyOnceLock<Vec<Py<PyAny>>> {
                static CELL: PyOnceLock<Vec<Py<PyAny>>> = PyOnceLock::new();
                &CELL
            }
        }
    };
}

py_enum!(
    AdministrativeSex,
    "AdministrativeSex",
    "Administrative sex, as FHIR `AdministrativeGender` codes it.",
    [Female, Male, Other, Unknown],
    |v| match v {
        AdministrativeSex::Female => "female",
        AdministrativeSex::Male => "male",
        AdministrativeSex::Other => "other",
        AdministrativeSex::Unknown => "unknown",
    }
);

py_enum!(
    ContactRelationship,
    "ContactRelationship",
    "How an emergency contact is related to the patient.",
    [Spouse, Partner, Parent, Child, Sibling, Guardian, Relative, Friend, Other],
    |v| match v {
        ContactRelationship::Spouse => "spouse",
        ContactRelationship::Partner => "partner",
        ContactRelationship::Parent => "parent",
        ContactRelationship::Child => "child",
        ContactRelationship::Sibling => "sibling",
        ContactRelationship::Guardian => "guardian",
        ContactRelationship::Relative => "relative",
        ContactRelationship::Friend => "friend",
        ContactRelationship::Other => "other",
    }
);

py_enum!(
    StaffRole,
    "StaffRole",
    "What a member of staff does.",
    [
        Doctor,
        Nurse,
        Receptionist,
        Pharmacist,
        LabTechnician,
        BillingClerk,
        Admin
    ],
    |v| match v {
        StaffRole::Doctor => "doctor",
        StaffRole::Nurse => "nurse",
        StaffRole::Receptionist => "receptionist",
        StaffRole::Pharmacist => "pharmacist",
        StaffRole::LabTechnician => "lab_technician",
        StaffRole::BillingClerk => "billing_clerk",
        StaffRole::Admin => "admin",
    }
);

py_enum!(
    Role,
    "Role",
    "A role an account holds; an account can hold several.",
    [
        Admin,
        Doctor,
        Nurse,
        Receptionist,
        Pharmacist,
        LabTechnician,
        BillingClerk,
        Patient
    ],
    |v| v.as_str()
);

py_enum!(
    DuplicateMatch,
    "DuplicateMatch",
    "Which rule found a duplicate registration.",
    [NationalId, NameBirthDatePhone],
    |v| match v {
        DuplicateMatch::NationalId => "national_id",
        DuplicateMatch::NameBirthDatePhone => "name_birth_date_phone",
    }
);

py_enum!(
    Action,
    "Action",
    "What a request does (in audit records and `ForbiddenError`).",
    [Read, Create, Update, Deactivate, Cancel, Dispense, Grant, Issue, Refund],
    |v| v.as_str()
);

py_enum!(
    ResourceKind,
    "ResourceKind",
    "What kind of thing a request is about (in audit records and `ForbiddenError`).",
    [
        PatientProfile,
        MedicalRecord,
        Prescription,
        LabOrder,
        LabResult,
        Appointment,
        Schedule,
        Invoice,
        Payment,
        Stock,
        Staff,
        UserAccount,
        AuditLog,
        Report,
        CareTeam,
        BreakGlass,
        DrugCatalog,
        PriceList
    ],
    |v| v.as_str()
);

py_enum!(
    AppointmentStatus,
    "AppointmentStatus",
    "Where an appointment stands (FHIR `Appointment.status` codes).",
    [
        Proposed,
        Pending,
        Booked,
        Arrived,
        Fulfilled,
        Cancelled,
        Noshow,
        EnteredInError,
        CheckedIn,
        Waitlist
    ],
    |v| v.code()
);

py_enum!(
    Weekday,
    "Weekday",
    "A day of the week.",
    [Mon, Tue, Wed, Thu, Fri, Sat, Sun],
    |v| match v {
        Weekday::Mon => "monday",
        Weekday::Tue => "tuesday",
        Weekday::Wed => "wednesday",
        Weekday::Thu => "thursday",
        Weekday::Fri => "friday",
        Weekday::Sat => "saturday",
        Weekday::Sun => "sunday",
    }
);

py_enum!(
    SeriesMode,
    "SeriesMode",
    "How to book a recurring series: every occurrence or none, or those that can be booked.",
    [AllOrNone, Available],
    |v| match v {
        SeriesMode::AllOrNone => "all_or_none",
        SeriesMode::Available => "available",
    }
);

py_enum!(
    WaitlistStatus,
    "WaitlistStatus",
    "Where a waiting-list entry stands.",
    [Waiting, Offered, Closed],
    |v| match v {
        WaitlistStatus::Waiting => "waiting",
        WaitlistStatus::Offered => "offered",
        WaitlistStatus::Closed => "closed",
    }
);

py_enum!(
    ConflictMode,
    "ConflictMode",
    "What a hospital does with a booking that collides: refuse it, or let an override reason through.",
    [Block, Warn],
    |v| match v {
        ConflictMode::Block => "block",
        ConflictMode::Warn => "warn",
    }
);

py_enum!(
    ChainProblemKind,
    "ChainProblemKind",
    "How the audit chain is broken at an entry.",
    [Edited, BrokenLink, OutOfSequence, HeadMismatch],
    |v| match v {
        ChainProblemKind::Edited => "edited",
        ChainProblemKind::BrokenLink => "broken_link",
        ChainProblemKind::OutOfSequence => "out_of_sequence",
        ChainProblemKind::HeadMismatch => "head_mismatch",
        // WILDCARD(non_exhaustive): a kind this binding does not know yet.
        _ => "unknown",
    }
);

py_enum!(
    InvoiceStatus,
    "InvoiceStatus",
    "Where an invoice stands (FHIR `Invoice.status` codes).",
    [Draft, Issued, Balanced, Cancelled, EnteredInError],
    |v| v.code()
);
py_enum!(
    ItemKind,
    "ItemKind",
    "What kind of service a price-list item is.",
    [
        Consultation,
        LabTest,
        Procedure,
        Treatment,
        BedDay,
        Medicine,
        Other
    ],
    |v| match v {
        ItemKind::Consultation => "consultation",
        ItemKind::LabTest => "lab_test",
        ItemKind::Procedure => "procedure",
        ItemKind::Treatment => "treatment",
        ItemKind::BedDay => "bed_day",
        ItemKind::Medicine => "medicine",
        ItemKind::Other => "other",
    }
);
py_enum!(
    RoundingMode,
    "RoundingMode",
    "How invoice tax is rounded: once per tax category (EN 16931), or line by line.",
    [PerLine, PerTaxCategory],
    |v| match v {
        RoundingMode::PerLine => "per_line",
        RoundingMode::PerTaxCategory => "per_tax_category",
    }
);
py_enum!(
    ShareBasis,
    "ShareBasis",
    "Why a line is split between insurer and patient as it is.",
    [
        SelfPay,
        NotCovered,
        PreauthorizationMissing,
        Copay,
        DeductibleCoinsurance
    ],
    |v| match v {
        ShareBasis::SelfPay => "self_pay",
        ShareBasis::NotCovered => "not_covered",
        ShareBasis::PreauthorizationMissing => "preauthorization_missing",
        ShareBasis::Copay => "copay",
        ShareBasis::DeductibleCoinsurance => "deductible_coinsurance",
    }
);
py_enum!(
    ReminderStage,
    "ReminderStage",
    "Which payment reminder of an invoice was sent.",
    [Upcoming, Due, Overdue],
    |v| match v {
        ReminderStage::Upcoming => "upcoming",
        ReminderStage::Due => "due",
        ReminderStage::Overdue => "overdue",
    }
);
py_enum!(
    StatementEntryKind,
    "StatementEntryKind",
    "What a line of a patient's statement records.",
    [Invoice, CreditNote, Payment, Refund],
    |v| match v {
        StatementEntryKind::Invoice => "invoice",
        StatementEntryKind::CreditNote => "credit_note",
        StatementEntryKind::Payment => "payment",
        StatementEntryKind::Refund => "refund",
    }
);
py_enum!(
    billing::MethodKind,
    "PaymentMethod",
    "How a payment was made (`gateway` payments also name their provider).",
    [Cash, Card, InsuranceRemittance, Gateway],
    |v| match v {
        billing::MethodKind::Cash => "cash",
        billing::MethodKind::Card => "card",
        billing::MethodKind::InsuranceRemittance => "insurance_remittance",
        billing::MethodKind::Gateway => "gateway",
    }
);

py_enum!(
    DosageForm,
    "DosageForm",
    "The form a medicine comes in.",
    [
        Tablet,
        Capsule,
        Syrup,
        Suspension,
        Injection,
        Infusion,
        Cream,
        Ointment,
        Drops,
        Inhaler,
        Patch,
        Suppository,
        Powder,
        Other
    ],
    |v| match v {
        DosageForm::Tablet => "tablet",
        DosageForm::Capsule => "capsule",
        DosageForm::Syrup => "syrup",
        DosageForm::Suspension => "suspension",
        DosageForm::Injection => "injection",
        DosageForm::Infusion => "infusion",
        DosageForm::Cream => "cream",
        DosageForm::Ointment => "ointment",
        DosageForm::Drops => "drops",
        DosageForm::Inhaler => "inhaler",
        DosageForm::Patch => "patch",
        DosageForm::Suppository => "suppository",
        DosageForm::Powder => "powder",
        DosageForm::Other => "other",
        // WILDCARD(non_exhaustive): a form this binding does not know yet.
        _ => "other",
    }
);

py_enum!(
    WriteOffReason,
    "WriteOffReason",
    "Why stock was written off.",
    [Expired, Damaged, Recalled],
    |v| v.as_str()
);

py_enum!(
    ReservationStatus,
    "ReservationStatus",
    "Where a stock reservation stands.",
    [Active, Fulfilled, Released],
    |v| v.as_str()
);

py_enum!(
    AlertKind,
    "AlertKind",
    "What a stock alert warns about.",
    [LowStock, ExpiringSoon, Expired],
    |v| v.as_str()
);

/// Builds every enum class and adds it to the module.
pub(crate) fn add_enums(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add(AdministrativeSex::NAME, AdministrativeSex::class(py)?)?;
    m.add(ContactRelationship::NAME, ContactRelationship::class(py)?)?;
    m.add(StaffRole::NAME, StaffRole::class(py)?)?;
    m.add(Role::NAME, Role::class(py)?)?;
    m.add(DuplicateMatch::NAME, DuplicateMatch::class(py)?)?;
    m.add(Action::NAME, Action::class(py)?)?;
    m.add(ResourceKind::NAME, ResourceKind::class(py)?)?;
    m.add(AppointmentStatus::NAME, AppointmentStatus::class(py)?)?;
    m.add(Weekday::NAME, Weekday::class(py)?)?;
    m.add(SeriesMode::NAME, SeriesMode::class(py)?)?;
    m.add(WaitlistStatus::NAME, WaitlistStatus::class(py)?)?;
    m.add(ConflictMode::NAME, ConflictMode::class(py)?)?;
    m.add(ChainProblemKind::NAME, ChainProblemKind::class(py)?)?;
    m.add(InvoiceStatus::NAME, InvoiceStatus::class(py)?)?;
    m.add(ItemKind::NAME, ItemKind::class(py)?)?;
    m.add(RoundingMode::NAME, RoundingMode::class(py)?)?;
    m.add(ShareBasis::NAME, ShareBasis::class(py)?)?;
    m.add(ReminderStage::NAME, ReminderStage::class(py)?)?;
    m.add(StatementEntryKind::NAME, StatementEntryKind::class(py)?)?;
    m.add(billing::MethodKind::NAME, billing::MethodKind::class(py)?)?;
    m.add(DosageForm::NAME, DosageForm::class(py)?)?;
    m.add(WriteOffReason::NAME, WriteOffReason::class(py)?)?;
    m.add(ReservationStatus::NAME, ReservationStatus::class(py)?)?;
    m.add(AlertKind::NAME, AlertKind::class(py)?)?;
    Ok(())
}

/// The Python member of a `#[non_exhaustive]` core enum whose value the class may not list yet
/// (a variant added to hms-core before the binding learned it): the member if there is one, the
/// plain value otherwise.
pub(crate) fn lenient_enum_to_py<'py, E: PyEnum>(
    py: Python<'py>,
    value: &'static str,
) -> PyResult<Bound<'py, PyAny>> {
    match E::all().iter().find(|v| v.value() == value) {
        Some(v) => v.to_py(py),
        None => Ok(PyString::new(py, value).into_any()),
    }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

/// An optional string argument, trimmed of nothing (rules do the normalizing).
pub(crate) fn opt_to_py<'py, T>(
    py: Python<'py>,
    value: Option<T>,
    f: impl FnOnce(Python<'py>, T) -> PyResult<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    match value {
        Some(v) => f(py, v),
        None => Ok(py.None().into_bound(py)),
    }
}

/// Any value that converts itself, as a Python object.
pub(crate) fn obj<'py, T: IntoPyObject<'py>>(py: Python<'py>, value: T) -> PyResult<Bound<'py, PyAny>>
where
    T::Error: Into<PyErr>,
{
    use pyo3::BoundObject;
    value
        .into_pyobject(py)
        .map(|o| o.into_any().into_bound())
        .map_err(Into::into)
}

/// `Name(field=repr(value), …)`, the shape of a dataclass repr.
pub(crate) fn dataclass_repr(name: &str, fields: &[(&str, Bound<'_, PyAny>)]) -> PyResult<String> {
    let mut parts = Vec::with_capacity(fields.len());
    for (field, value) in fields {
        parts.push(format!("{field}={}", value.repr()?.to_cow()?));
    }
    Ok(format!("{name}({})", parts.join(", ")))
}

/// Items of any iterable (not a string), converted one by one.
pub(crate) fn collect_iter<'py, T>(
    obj: Option<&Bound<'py, PyAny>>,
    field: &str,
    mut f: impl FnMut(&Bound<'py, PyAny>) -> PyResult<T>,
) -> PyResult<Vec<T>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(Vec::new());
    };
    if obj.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!(
            "`{field}` must be a list or another iterable of items, not a string"
        )));
    }
    let mut out = Vec::new();
    for item in obj.try_iter()? {
        out.push(f(&item?)?);
    }
    Ok(out)
}

/// A tuple of converted items.
pub(crate) fn tuple_of<'py, T>(
    py: Python<'py>,
    items: impl IntoIterator<Item = T>,
    mut f: impl FnMut(T) -> PyResult<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let mut out = Vec::new();
    for item in items {
        out.push(f(item)?);
    }
    Ok(PyTuple::new(py, out)?.into_any())
}

/// A JSON value as the Python object `json.loads` would give.
pub(crate) fn json_to_py<'py>(py: Python<'py>, value: &serde_json::Value) -> PyResult<Bound<'py, PyAny>> {
    use serde_json::Value;
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => obj(py, *b)?,
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => obj(py, i)?,
            (None, Some(u), _) => obj(py, u)?,
            (None, None, Some(f)) => obj(py, f)?,
            (None, None, None) => obj(py, n.to_string())?,
        },
        Value::String(s) => obj(py, s.as_str())?,
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, json_to_py(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Rows: records that pandas reads as a table

/// A record shown to pandas as one row: a read-only mapping from column names to plain values.
///
/// `pandas.DataFrame(records)` takes a list of mappings directly; each row class is registered as a
/// `collections.abc.Mapping` at module start (see [`register_rows`]) and gets the mapping methods
/// from [`row_methods!`]. Looking up one column converts only that field, so building a frame costs
/// one conversion per cell.
pub(crate) trait Row {
    /// The column names, in display order.
    const COLUMNS: &'static [&'static str];
    /// The value of one column, or `None` when there is no such column.
    fn column<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Option<Bound<'py, PyAny>>>;
}

/// The mapping protocol over [`Row::COLUMNS`] for a frozen pyclass: `keys`, `values`, `items`,
/// `get`, `[]`, `len`, `iter`, `in` and `_asdict()`.
macro_rules! row_methods {
    ($ty:ty) => {
        #[pymethods]
        impl $ty {
            /// The column names (a `dict_keys` view).
            fn keys<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                let names = pyo3::types::PyTuple::new(py, <Self as $crate::convert::Row>::COLUMNS)?;
                py.get_type::<pyo3::types::PyDict>()
                    .call_method1("fromkeys", (names,))?
                    .call_method0("keys")
            }

            /// The column values, in column order (a `dict_values` view).
            fn values<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                self._asdict(py)?.call_method0("values")
            }

            /// `(column, value)` pairs, in column order (a `dict_items` view).
            fn items<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                self._asdict(py)?.call_method0("items")
            }

            /// The value of a column, or `default`.
            #[pyo3(signature = (key, default = None, /))]
            fn get<'py>(
                &self,
                py: Python<'py>,
                key: &Bound<'py, PyAny>,
                default: Option<Bound<'py, PyAny>>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let found = match key.extract::<String>() {
                    Ok(k) => <Self as $crate::convert::Row>::column(self, py, &k)?,
                    Err(_) => None,
                };
                Ok(found
                    .or(default)
                    .unwrap_or_else(|| py.None().into_bound(py)))
            }

            fn __getitem__<'py>(
                &self,
                py: Python<'py>,
                key: &Bound<'py, PyAny>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let found = match key.extract::<String>() {
                    Ok(k) => <Self as $crate::convert::Row>::column(self, py, &k)?,
                    Err(_) => None,
                };
                found.ok_or_else(|| pyo3::exceptions::PyKeyError::new_err(key.clone().unbind()))
            }

            fn __len__(&self) -> usize {
                <Self as $crate::convert::Row>::COLUMNS.len()
            }

            fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyIterator>> {
                pyo3::types::PyList::new(py, <Self as $crate::convert::Row>::COLUMNS)?.try_iter()
            }

            fn __contains__(&self, key: &Bound<'_, PyAny>) -> bool {
                key.extract::<String>()
                    .is_ok_and(|k| <Self as $crate::convert::Row>::COLUMNS.contains(&k.as_str()))
            }

            /// The row as a new `dict` (what `dict(record)` gives, built in one pass).
            fn _asdict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyDict>> {
                let dict = pyo3::types::PyDict::new(py);
                for name in <Self as $crate::convert::Row>::COLUMNS {
                    if let Some(v) = <Self as $crate::convert::Row>::column(self, py, name)? {
                        dict.set_item(*name, v)?;
                    }
                }
                Ok(dict)
            }
        }
    };
}
pub(crate) use row_methods;

/// Registers each row class as a `collections.abc.Mapping`, which is what pandas checks.
pub(crate) fn register_rows(m: &Bound<'_, PyModule>, classes: &[Bound<'_, PyType>]) -> PyResult<()> {
    let mapping = m.py().import("collections.abc")?.getattr("Mapping")?;
    for class in classes {
        mapping.call_method1("register", (class,))?;
    }
    Ok(())
}

static RECORD_LIST: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// A `hms.RecordList` (a `list` with `to_pandas()` and an HTML table view) of row records.
pub(crate) fn record_list<'py, T: Row>(
    py: Python<'py>,
    items: Vec<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let class = RECORD_LIST.import(py, "hms._rows", "RecordList")?;
    let list = PyList::new(py, items)?;
    class.call1((list, PyTuple::new(py, T::COLUMNS)?))
}

/// A frozen record class over a core value (`$ty(pub(crate) Core)`): one getter per field, each
/// computed by its expression over `$s` (the core value) and `$py`; the row protocol over the listed
/// columns (a subset of the fields, in display order); and a dataclass-like repr of every field.
macro_rules! record {
    ($ty:ident, $name:literal, |$s:ident, $py:ident| { $($field:ident => $e:expr),* $(,)? }) => {
        #[pymethods]
        impl $ty {
            $(
                #[getter]
                fn $field<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                    let $s = &self.0;
                    let $py = py;
                    $e
                }
            )*

            fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
                $crate::convert::dataclass_repr($name, &[$((stringify!($field), self.$field(py)?)),*])
            }
        }
    };
    ($ty:ident, $name:literal, columns [$($col:literal),* $(,)?], |$s:ident, $py:ident| {
        $($field:ident => $e:expr),* $(,)?
    }) => {
        $crate::convert::record!($ty, $name, |$s, $py| { $($field => $e),* });

        impl $crate::convert::Row for $ty {
            const COLUMNS: &'static [&'static str] = &[$($col),*];

            fn column<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
                if !Self::COLUMNS.contains(&name) {
                    return Ok(None);
                }
                $(
                    if name == stringify!($field) {
                        return self.$field(py).map(Some);
                    }
                )*
                Ok(None)
            }
        }

        $crate::convert::row_methods!($ty);
    };
}
pub(crate) use record;

/// A `hms.RecordList` of records built from core values.
pub(crate) fn records<'py, T, C>(
    py: Python<'py>,
    items: impl IntoIterator<Item = C>,
    wrap: impl Fn(C) -> T,
) -> PyResult<Bound<'py, PyAny>>
where
    T: Row + pyo3::PyClass + Into<pyo3::PyClassInitializer<T>>,
{
    let list = items
        .into_iter()
        .map(|c| Ok(Bound::new(py, wrap(c))?.into_any()))
        .collect::<PyResult<Vec<_>>>()?;
    record_list::<T>(py, list)
}

/// An id as its text.
pub(crate) fn id_to_py<'py>(py: Python<'py>, id: impl std::fmt::Display) -> PyResult<Bound<'py, PyAny>> {
    obj(py, id.to_string())
}

/// An optional id as its text or `None`.
pub(crate) fn opt_id_to_py<'py>(
    py: Python<'py>,
    id: Option<impl std::fmt::Display>,
) -> PyResult<Bound<'py, PyAny>> {
    opt_to_py(py, id, id_to_py)
}
