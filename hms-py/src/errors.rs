//! The error mapping: every `hms_core::Error` becomes an instance of one `hms.HmsError` subclass
//! carrying `.code` (the stable snake_case code), `.message` (the one-line message) and the error's
//! typed fields as attributes (ids as strings, datetimes, enums, `FieldProblem`s).
//!
//! The classes form one tree under `HmsError`: a base per code or domain (`ValidationError`,
//! `DuplicateError`, `ForbiddenError`, `MoneyError`, …) with a leaf per core variant
//! (`DuplicatePatientError`, `CurrencyMismatchError`, …), so a caller can catch as broadly or as
//! narrowly as they like. A new domain (scheduling, billing, …) adds its rows to [`SPECS`] and its
//! arm to [`describe`].
//!
//! About exhaustiveness: the core error enums are `#[non_exhaustive]`, and Rust requires a wildcard
//! arm when another crate matches them (workspace or not). So each `match` below lists every variant
//! *and* ends in a `_` arm that maps an unknown variant to its domain's base class with the right
//! code and message — nothing is lost, but a new variant does not break the build. Each such arm is
//! marked `WILDCARD(non_exhaustive)`; if the core enums drop `#[non_exhaustive]`, these arms become
//! `unreachable_patterns` warnings (errors under clippy `-D warnings`) and can be deleted, after which
//! a new variant breaks this build as intended.

use hms_core::access::AccessError;
use hms_core::billing::BillingError;
use hms_core::error::{
    AvailabilityError, FieldProblem, MoneyError, PeopleError, SchedulingError, StorageError, TimeError,
};
use hms_core::pharmacy::{BatchProblem, PharmacyError};
use hms_core::Error;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyList, PyTuple, PyType};

use crate::convert::scheduling::conflicts_to_py;
use crate::convert::time::PyInterval;
use crate::convert::{
    dataclass_repr, date_to_py, datetime_to_py, lenient_enum_to_py, obj, row_methods, zone_to_py, PyEnum,
    Row, MODULE,
};

/// One exception class of the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exc {
    Hms,
    Validation,
    NotFound,
    Money,
    CurrencyMismatch,
    UnknownCurrency,
    Time,
    InvalidInterval,
    UnknownZone,
    Duplicate,
    DuplicatePatient,
    DuplicateLicense,
    DuplicateLogin,
    Inactive,
    InvalidTransition,
    AlreadyActive,
    Forbidden,
    UnknownAccount,
    NotSignedIn,
    AlreadyBootstrapped,
    Storage,
    StorePoisoned,
    SlotConflict,
    AppointmentTransition,
    NoResource,
    IdempotencyMismatch,
    Availability,
    OutsideAvailability,
    InPast,
    LeadTime,
    BeyondHorizon,
    VisitTypeNotOffered,
    NonexistentLocalTime,
    InvalidPolicy,
    DuplicateCareTeamMember,
    CareTeamLinkEnded,
    SchemaTooNew,
    RetriesExhausted,
    AmountOverflow,
    TimeOutOfRange,
    Billing,
    InvoiceTransition,
    ImmutableInvoice,
    NotChargeable,
    NoPrice,
    ReferenceReused,
    DuplicateReference,
    Overpayment,
    OverRefund,
    OverCredit,
    InvalidSignature,
    GatewayFailed,
    Pharmacy,
    InsufficientStock,
    FefoShortfall,
    BatchUnusable,
    PrescriptionRequired,
    ExceedsPrescription,
    RefillsExhausted,
    ExceedsDispensed,
    ReservationExpired,
    ReservationClosed,
    AlreadyRecalled,
    DuplicateBatch,
}

/// A base class: one of ours or a Python built-in.
enum Base {
    Hms(Exc),
    Builtin(&'static str),
}

/// How one exception class is built.
struct Spec {
    exc: Exc,
    name: &'static str,
    bases: &'static [Base],
    /// The code every instance carries (`None` for classes that group several codes).
    code: Option<&'static str>,
    /// Typed attributes besides `code` and `message`. Every raised instance has the attributes of
    /// its class and of all its bases (`None` where the variant has no value), so `e.action` works
    /// on any `ForbiddenError`.
    attrs: &'static [&'static str],
    doc: &'static str,
}

/// Every class, bases before subclasses.
const SPECS: &[Spec] = &[
    Spec {
        exc: Exc::Hms,
        name: "HmsError",
        bases: &[Base::Builtin("Exception")],
        code: None,
        attrs: &[],
        doc: "Base of every error hms raises. `.code` is the stable snake_case code (one of \
              `hms.ERROR_CODES`), `.message` the one-line message. An error always means nothing \
              was changed.",
    },
    Spec {
        exc: Exc::Validation,
        name: "ValidationError",
        bases: &[Base::Hms(Exc::Hms), Base::Builtin("ValueError")],
        code: Some("invalid_input"),
        attrs: &["problems"],
        doc: "One or more input fields are invalid. `.problems` lists every one of them \
              (`FieldProblem` with `field`, `code` and `message`), not just the first.",
    },
    Spec {
        exc: Exc::NotFound,
        name: "NotFoundError",
        bases: &[Base::Hms(Exc::Hms), Base::Builtin("LookupError")],
        code: Some("not_found"),
        attrs: &["entity", "key"],
        doc: "The entity named by an id or key does not exist (`.entity`, `.key`).",
    },
    Spec {
        exc: Exc::Money,
        name: "MoneyError",
        bases: &[Base::Hms(Exc::Hms)],
        code: None,
        attrs: &[],
        doc: "A money rule was broken.",
    },
    Spec {
        exc: Exc::CurrencyMismatch,
        name: "CurrencyMismatchError",
        bases: &[Base::Hms(Exc::Money)],
        code: Some("currency_mismatch"),
        attrs: &["left", "right"],
        doc: "Two amounts in different currencies were combined (`.left`, `.right`: currency codes).",
    },
    Spec {
        exc: Exc::UnknownCurrency,
        name: "UnknownCurrencyError",
        bases: &[Base::Hms(Exc::Money), Base::Builtin("ValueError")],
        code: Some("unknown_currency"),
        attrs: &["currency"],
        doc: "The currency code (`.currency`) is not an active ISO 4217 code.",
    },
    Spec {
        exc: Exc::Time,
        name: "TimeError",
        bases: &[Base::Hms(Exc::Hms)],
        code: None,
        attrs: &[],
        doc: "A time rule was broken.",
    },
    Spec {
        exc: Exc::InvalidInterval,
        name: "InvalidIntervalError",
        bases: &[Base::Hms(Exc::Time), Base::Builtin("ValueError")],
        code: Some("invalid_interval"),
        attrs: &["start", "end"],
        doc: "An interval must end after it starts (`.start`, `.end`).",
    },
    Spec {
        exc: Exc::UnknownZone,
        name: "UnknownZoneError",
        bases: &[Base::Hms(Exc::Time), Base::Builtin("ValueError")],
        code: Some("invalid_input"),
        attrs: &["zone"],
        doc: "The name (`.zone`) is not an IANA time zone.",
    },
    Spec {
        exc: Exc::Duplicate,
        name: "DuplicateError",
        bases: &[Base::Hms(Exc::Hms)],
        code: Some("duplicate"),
        attrs: &["existing_id"],
        doc: "The record already exists; `.existing_id` is the id of the existing one where known.",
    },
    Spec {
        exc: Exc::DuplicatePatient,
        name: "DuplicatePatientError",
        bases: &[Base::Hms(Exc::Duplicate)],
        code: Some("duplicate"),
        attrs: &["matched_on"],
        doc: "The patient is already registered as `.existing_id`; `.matched_on` says which rule \
              matched (`DuplicateMatch`).",
    },
    Spec {
        exc: Exc::DuplicateLicense,
        name: "DuplicateLicenseError",
        bases: &[Base::Hms(Exc::Duplicate)],
        code: Some("duplicate"),
        attrs: &["license_number"],
        doc: "The licence number belongs to the member of staff `.existing_id`.",
    },
    Spec {
        exc: Exc::DuplicateLogin,
        name: "DuplicateLoginError",
        bases: &[Base::Hms(Exc::Duplicate)],
        code: Some("duplicate"),
        attrs: &["login"],
        doc: "The login (`.login`) is already taken.",
    },
    Spec {
        exc: Exc::Inactive,
        name: "InactiveError",
        bases: &[Base::Hms(Exc::Hms)],
        code: Some("inactive"),
        attrs: &["entity", "key"],
        doc: "The record is deactivated; reactivate it first (`.entity`, `.key`).",
    },
    Spec {
        exc: Exc::InvalidTransition,
        name: "InvalidTransitionError",
        bases: &[Base::Hms(Exc::Hms)],
        code: Some("invalid_transition"),
        attrs: &[],
        doc: "A status change that the status's rules do not allow.",
    },
    Spec {
        exc: Exc::AlreadyActive,
        name: "AlreadyActiveError",
        bases: &[Base::Hms(Exc::InvalidTransition)],
        code: Some("invalid_transition"),
        attrs: &["entity", "key"],
        doc: "The record is already active (`.entity`, `.key`).",
    },
    Spec {
        exc: Exc::Forbidden,
        name: "ForbiddenError",
        bases: &[Base::Hms(Exc::Hms)],
        code: Some("forbidden"),
        attrs: &["account_id", "action", "resource", "rule", "reason"],
        doc: "The policy denied the request: `.account_id` may not do `.action` (`Action`) on \
              `.resource` (`ResourceKind`); `.rule` decided, `.reason` says why. The denial is \
              in the audit log.",
    },
    Spec {
        exc: Exc::UnknownAccount,
        name: "UnknownAccountError",
        bases: &[Base::Hms(Exc::Forbidden)],
        code: Some("forbidden"),
        attrs: &[],
        doc: "The acting account (`.account_id`) is unknown or inactive.",
    },
    Spec {
        exc: Exc::NotSignedIn,
        name: "NotSignedInError",
        bases: &[Base::Hms(Exc::Forbidden)],
        code: Some("forbidden"),
        attrs: &[],
        doc: "The request names no account.",
    },
    Spec {
        exc: Exc::AlreadyBootstrapped,
        name: "AlreadyBootstrappedError",
        bases: &[Base::Hms(Exc::Forbidden)],
        code: Some("forbidden"),
        attrs: &[],
        doc: "The hospital already has accounts, so the first admin cannot be created again.",
    },
    Spec {
        exc: Exc::Storage,
        name: "StorageError",
        bases: &[Base::Hms(Exc::Hms)],
        code: Some("storage"),
        attrs: &["backend", "detail"],
        doc: "The storage backend failed and the transaction was rolled back (`.backend`, `.detail`).",
    },
    Spec {
        exc: Exc::StorePoisoned,
        name: "StorePoisonedError",
        bases: &[Base::Hms(Exc::Storage)],
        code: Some("storage"),
        attrs: &[],
        doc: "The store is unusable after an earlier failure.",
    },
    Spec {
        exc: Exc::SlotConflict,
        name: "SlotConflictError",
        bases: &[Base::Hms(Exc::Hms)],
        code: Some("slot_conflict"),
        attrs: &["conflicts", "appointment_ids", "intervals"],
        doc: "The requested time collides with existing bookings. `.conflicts` lists every one \
              (`Conflict`: whose calendar, which appointment, what time); `.appointment_ids` and \
              `.intervals` are the same in two lists.",
    },
    Spec {
        exc: Exc::AppointmentTransition,
        name: "AppointmentTransitionError",
        bases: &[Base::Hms(Exc::InvalidTransition)],
        code: Some("invalid_transition"),
        attrs: &["appointment_id", "from_status", "to_status"],
        doc: "The appointment's status cannot move from `.from_status` to `.to_status`.",
    },
    Spec {
        exc: Exc::NoResource,
        name: "NoResourceError",
        bases: &[Base::Hms(Exc::Hms)],
        code: Some("no_resource"),
        attrs: &["kind"],
        doc: "No active room or equipment of the kind the visit needs (`.kind`) can be booked.",
    },
    Spec {
        exc: Exc::IdempotencyMismatch,
        name: "IdempotencyMismatchError",
        bases: &[Base::Hms(Exc::Hms)],
        code: Some("idempotency_mismatch"),
        attrs: &["key", "existing_id"],
        doc: "The request key `.key` was already used for a different booking (`.existing_id`).",
    },
    Spec {
        exc: Exc::Availability,
        name: "AvailabilityError",
        bases: &[Base::Hms(Exc::Hms)],
        code: None,
        attrs: &[],
        doc: "The time is not bookable: outside working hours, in the past, inside the lead time, \
              beyond the horizon, not offered, or a wall-clock time that does not exist.",
    },
    Spec {
        exc: Exc::OutsideAvailability,
        name: "OutsideAvailabilityError",
        bases: &[Base::Hms(Exc::Availability)],
        code: Some("outside_availability"),
        attrs: &["doctor_id", "interval"],
        doc: "The visit (`.interval`, buffer included) is outside the working hours of `.doctor_id`.",
    },
    Spec {
        exc: Exc::InPast,
        name: "InPastError",
        bases: &[Base::Hms(Exc::Availability)],
        code: Some("in_past"),
        attrs: &["start", "now"],
        doc: "The visit would start (`.start`) before now (`.now`).",
    },
    Spec {
        exc: Exc::LeadTime,
        name: "LeadTimeError",
        bases: &[Base::Hms(Exc::Availability)],
        code: Some("lead_time"),
        attrs: &["start", "earliest", "lead_time_minutes"],
        doc: "The visit would start (`.start`) inside the doctor's lead time; `.earliest` is allowed.",
    },
    Spec {
        exc: Exc::BeyondHorizon,
        name: "BeyondHorizonError",
        bases: &[Base::Hms(Exc::Availability)],
        code: Some("beyond_horizon"),
        attrs: &["date", "last_date", "horizon_days"],
        doc: "The visit's local `.date` is after `.last_date`, the end of the booking horizon.",
    },
    Spec {
        exc: Exc::VisitTypeNotOffered,
        name: "VisitTypeNotOfferedError",
        bases: &[Base::Hms(Exc::Availability)],
        code: Some("visit_type_not_offered"),
        attrs: &["doctor_id", "visit_type"],
        doc: "The doctor (`.doctor_id`) does not offer `.visit_type` visits.",
    },
    Spec {
        exc: Exc::NonexistentLocalTime,
        name: "NonexistentLocalTimeError",
        bases: &[Base::Hms(Exc::Availability), Base::Builtin("ValueError")],
        code: Some("nonexistent_local_time"),
        attrs: &["date", "time", "zone"],
        doc: "The wall-clock `.time` on `.date` does not exist in `.zone`: the clocks skip it.",
    },
    Spec {
        exc: Exc::InvalidPolicy,
        name: "InvalidPolicyError",
        bases: &[Base::Hms(Exc::Hms), Base::Builtin("ValueError")],
        code: Some("invalid_policy"),
        attrs: &["problems"],
        doc: "The access policy is invalid. `.problems` lists every problem as a dict with `path`, \
              `code` and `message`.",
    },
    Spec {
        exc: Exc::DuplicateCareTeamMember,
        name: "DuplicateCareTeamMemberError",
        bases: &[Base::Hms(Exc::Duplicate)],
        code: Some("duplicate"),
        attrs: &["staff_id", "patient_id"],
        doc: "The member of staff is already on the patient's care team (link `.existing_id`).",
    },
    Spec {
        exc: Exc::CareTeamLinkEnded,
        name: "CareTeamLinkEndedError",
        bases: &[Base::Hms(Exc::InvalidTransition)],
        code: Some("invalid_transition"),
        attrs: &["link_id"],
        doc: "The care-team link (`.link_id`) has already ended.",
    },
    Spec {
        exc: Exc::AmountOverflow,
        name: "AmountOverflowError",
        bases: &[Base::Hms(Exc::Money), Base::Builtin("ArithmeticError")],
        code: Some("amount_overflow"),
        attrs: &["amount"],
        doc: "The arithmetic on `.amount` (a `Money`) goes beyond the largest number an amount holds.",
    },
    Spec {
        exc: Exc::TimeOutOfRange,
        name: "TimeOutOfRangeError",
        bases: &[Base::Hms(Exc::Time), Base::Builtin("ValueError")],
        code: Some("time_out_of_range"),
        attrs: &["start", "by"],
        doc: "`.start` moved by `.by` (a `timedelta`) is outside the supported range of dates.",
    },
    Spec {
        exc: Exc::SchemaTooNew,
        name: "SchemaTooNewError",
        bases: &[Base::Hms(Exc::Storage)],
        code: Some("storage"),
        attrs: &["found", "supported"],
        doc: "A newer version of hms wrote the database (schema `.found`, this one knows up to \
              `.supported`); it is left untouched. Upgrade hms.",
    },
    Spec {
        exc: Exc::RetriesExhausted,
        name: "RetriesExhaustedError",
        bases: &[Base::Hms(Exc::Storage)],
        code: Some("storage"),
        attrs: &["attempts"],
        doc: "The transaction kept conflicting with concurrent ones and was given up after \
              `.attempts` attempts; nothing of it remains. Trying again later may succeed.",
    },
    Spec {
        exc: Exc::Billing,
        name: "BillingError",
        bases: &[Base::Hms(Exc::Hms)],
        code: None,
        attrs: &[],
        doc: "A billing rule was broken: a price missing, an issued invoice changed, more paid, \
              refunded or credited than allowed, or a payment gateway failed.",
    },
    Spec {
        exc: Exc::InvoiceTransition,
        name: "InvoiceTransitionError",
        bases: &[Base::Hms(Exc::InvalidTransition)],
        code: Some("invalid_transition"),
        attrs: &["invoice_id", "from_status", "to_status"],
        doc: "The invoice's status cannot move from `.from_status` to `.to_status` (`InvoiceStatus`).",
    },
    Spec {
        exc: Exc::ImmutableInvoice,
        name: "ImmutableInvoiceError",
        bases: &[Base::Hms(Exc::Billing)],
        code: Some("immutable_invoice"),
        attrs: &["invoice_id", "status"],
        doc: "The invoice (`.invoice_id`) is no longer a draft (`.status`): an issued invoice never \
              changes; issue a credit note instead.",
    },
    Spec {
        exc: Exc::NotChargeable,
        name: "NotChargeableError",
        bases: &[Base::Hms(Exc::Billing)],
        code: Some("not_chargeable"),
        attrs: &["appointment_id", "status"],
        doc: "Only a fulfilled visit is charged; the appointment is `.status` (`AppointmentStatus`).",
    },
    Spec {
        exc: Exc::NoPrice,
        name: "NoPriceError",
        bases: &[Base::Hms(Exc::Billing), Base::Builtin("LookupError")],
        code: Some("no_price"),
        attrs: &["item_code", "date"],
        doc: "The price list has no price for `.item_code` on the service `.date`.",
    },
    Spec {
        exc: Exc::ReferenceReused,
        name: "ReferenceReusedError",
        bases: &[Base::Hms(Exc::IdempotencyMismatch)],
        code: Some("idempotency_mismatch"),
        attrs: &["what"],
        doc: "The source event or payment reference (`.key`) was already used for a different \
              `.what` (`charge`, `payment`).",
    },
    Spec {
        exc: Exc::DuplicateReference,
        name: "DuplicateReferenceError",
        bases: &[Base::Hms(Exc::Duplicate)],
        code: Some("duplicate"),
        attrs: &["reference"],
        doc: "The source event or external payment reference (`.reference`) is already recorded.",
    },
    Spec {
        exc: Exc::Overpayment,
        name: "OverpaymentError",
        bases: &[Base::Hms(Exc::Billing)],
        code: Some("overpayment"),
        attrs: &["amount", "due"],
        doc: "A payment (`.amount`) is more than what is due (`.due`); both are `Money`.",
    },
    Spec {
        exc: Exc::OverRefund,
        name: "OverRefundError",
        bases: &[Base::Hms(Exc::Billing)],
        code: Some("over_refund"),
        attrs: &["payment_id", "amount", "refundable"],
        doc: "A refund (`.amount`) is more than what is left of the payment (`.refundable`).",
    },
    Spec {
        exc: Exc::OverCredit,
        name: "OverCreditError",
        bases: &[Base::Hms(Exc::Billing)],
        code: Some("over_credit"),
        attrs: &["invoice_id", "amount", "open"],
        doc: "A credit (`.amount`) is more than what is open on the invoice (`.open`); refund the \
              payment first.",
    },
    Spec {
        exc: Exc::InvalidSignature,
        name: "InvalidSignatureError",
        bases: &[Base::Hms(Exc::Billing)],
        code: Some("invalid_signature"),
        attrs: &["provider"],
        doc: "The payment gateway's (`.provider`) webhook signature does not verify.",
    },
    Spec {
        exc: Exc::GatewayFailed,
        name: "GatewayFailedError",
        bases: &[Base::Hms(Exc::Billing)],
        code: Some("gateway_failed"),
        attrs: &["provider", "detail"],
        doc: "The payment gateway (`.provider`) refused or failed a request (`.detail`).",
    },
    Spec {
        exc: Exc::Pharmacy,
        name: "PharmacyError",
        bases: &[Base::Hms(Exc::Hms)],
        code: None,
        attrs: &[],
        doc: "A pharmacy rule was broken: not enough stock, an unusable batch, a prescription used \
              up or exceeded, a return larger than the dispense, or a lapsed reservation.",
    },
    Spec {
        exc: Exc::InsufficientStock,
        name: "InsufficientStockError",
        bases: &[Base::Hms(Exc::Pharmacy)],
        code: Some("insufficient_stock"),
        attrs: &["drug_id", "batch_id", "location", "requested", "available"],
        doc: "Fewer units are available (`.available`) than were asked for (`.requested`) of \
              `.drug_id` (of `.batch_id` when one batch was asked for) at `.location`.",
    },
    Spec {
        exc: Exc::FefoShortfall,
        name: "FefoShortfallError",
        bases: &[Base::Hms(Exc::InsufficientStock)],
        code: Some("insufficient_stock"),
        attrs: &[],
        doc: "`hms.fefo_allocate`: the eligible batches hold fewer units (`.available`) than asked \
              for (`.requested`); `.drug_id`, `.batch_id` and `.location` are `None`.",
    },
    Spec {
        exc: Exc::BatchUnusable,
        name: "BatchUnusableError",
        bases: &[Base::Hms(Exc::Pharmacy)],
        code: Some("batch_unusable"),
        attrs: &["batch_id", "problem", "expiry", "needed_through"],
        doc: "The batch cannot be dispensed: `.problem` is `expired`, `recalled` or \
              `expires_too_soon` (with `.expiry` and `.needed_through`).",
    },
    Spec {
        exc: Exc::PrescriptionRequired,
        name: "PrescriptionRequiredError",
        bases: &[Base::Hms(Exc::Pharmacy)],
        code: Some("prescription_required"),
        attrs: &["drug_id"],
        doc: "The drug needs a prescription, so it cannot be sold over the counter.",
    },
    Spec {
        exc: Exc::ExceedsPrescription,
        name: "ExceedsPrescriptionError",
        bases: &[Base::Hms(Exc::Pharmacy)],
        code: Some("exceeds_prescription"),
        attrs: &["prescription_id", "line", "fill", "requested", "remaining"],
        doc: "More (`.requested`) was asked for than is left (`.remaining`) of fill `.fill` of line \
              `.line` of the prescription.",
    },
    Spec {
        exc: Exc::RefillsExhausted,
        name: "RefillsExhaustedError",
        bases: &[Base::Hms(Exc::Pharmacy)],
        code: Some("refills_exhausted"),
        attrs: &["prescription_id", "line", "fills"],
        doc: "Every fill (`.fills` allowed) of line `.line` of the prescription has been dispensed.",
    },
    Spec {
        exc: Exc::ExceedsDispensed,
        name: "ExceedsDispensedError",
        bases: &[Base::Hms(Exc::Pharmacy)],
        code: Some("exceeds_dispensed"),
        attrs: &["dispense_id", "line", "requested", "remaining"],
        doc: "More units were given back (`.requested`) than line `.line` of the dispense can take \
              back (`.remaining`).",
    },
    Spec {
        exc: Exc::ReservationExpired,
        name: "ReservationExpiredError",
        bases: &[Base::Hms(Exc::Pharmacy)],
        code: Some("reservation_expired"),
        attrs: &["reservation_id", "expired_at"],
        doc: "The reservation lapsed at `.expired_at`; its stock is free again.",
    },
    Spec {
        exc: Exc::ReservationClosed,
        name: "ReservationClosedError",
        bases: &[Base::Hms(Exc::InvalidTransition)],
        code: Some("invalid_transition"),
        attrs: &["reservation_id", "status"],
        doc: "The reservation was already used or released (`.status`, a `ReservationStatus`).",
    },
    Spec {
        exc: Exc::AlreadyRecalled,
        name: "AlreadyRecalledError",
        bases: &[Base::Hms(Exc::InvalidTransition)],
        code: Some("invalid_transition"),
        attrs: &["batch_id"],
        doc: "The batch (`.batch_id`) is already recalled.",
    },
    Spec {
        exc: Exc::DuplicateBatch,
        name: "DuplicateBatchError",
        bases: &[Base::Hms(Exc::Duplicate)],
        code: Some("duplicate"),
        attrs: &["drug_id", "batch_number"],
        doc: "The batch number (`.batch_number`) of the drug was already received as batch \
              `.existing_id`.",
    },
];

static CLASSES: PyOnceLock<Vec<(Exc, Py<PyType>)>> = PyOnceLock::new();

fn build_classes(py: Python<'_>) -> PyResult<Vec<(Exc, Py<PyType>)>> {
    let builtins = py.import("builtins")?;
    let type_ = builtins.getattr("type")?;
    let mut built: Vec<(Exc, Py<PyType>)> = Vec::with_capacity(SPECS.len());
    for spec in SPECS {
        let mut bases = Vec::with_capacity(spec.bases.len());
        for base in spec.bases {
            bases.push(match base {
                Base::Builtin(name) => builtins.getattr(*name)?,
                Base::Hms(exc) => built
                    .iter()
                    .find(|(e, _)| e == exc)
                    .map(|(_, c)| c.bind(py).clone().into_any())
                    .ok_or_else(|| {
                        pyo3::exceptions::PyRuntimeError::new_err(format!(
                            "exception base of `{}` is defined after it",
                            spec.name
                        ))
                    })?,
            });
        }
        let dict = pyo3::types::PyDict::new(py);
        dict.set_item("__module__", MODULE)?;
        dict.set_item("__doc__", spec.doc)?;
        if let Some(code) = spec.code {
            dict.set_item("code", code)?;
        }
        let class = type_.call1((spec.name, PyTuple::new(py, bases)?, dict))?;
        built.push((spec.exc, class.cast_into::<PyType>()?.unbind()));
    }
    Ok(built)
}

fn class(py: Python<'_>, exc: Exc) -> PyResult<Bound<'_, PyType>> {
    CLASSES
        .get_or_try_init(py, || build_classes(py))?
        .iter()
        .find(|(e, _)| *e == exc)
        .map(|(_, c)| c.bind(py).clone())
        .ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err("unknown exception class"))
}

/// Adds every exception class to the module.
pub(crate) fn add_exceptions(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    for spec in SPECS {
        m.add(spec.name, class(py, spec.exc)?)?;
    }
    Ok(())
}

/// The Python exception for a core error: raise it with `?` (`.map_err(raise)?`).
pub(crate) fn raise(e: impl Into<Error>) -> PyErr {
    let e = e.into();
    Python::attach(|py| build(py, &e).unwrap_or_else(|failure| failure))
}

fn build(py: Python<'_>, e: &Error) -> PyResult<PyErr> {
    let (exc, attrs) = describe(py, e)?;
    let message = e.to_string();
    let instance = class(py, exc)?.call1((message.as_str(),))?;
    instance.setattr("code", e.code())?;
    instance.setattr("message", message)?;
    for name in inherited_attrs(exc) {
        if !attrs.iter().any(|(set, _)| *set == name) {
            instance.setattr(name, py.None())?;
        }
    }
    for (name, value) in attrs {
        instance.setattr(name, value)?;
    }
    Ok(PyErr::from_value(instance))
}

/// The attributes of a class and of its bases.
fn inherited_attrs(exc: Exc) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut pending = vec![exc];
    while let Some(e) = pending.pop() {
        if let Some(spec) = SPECS.iter().find(|s| s.exc == e) {
            out.extend_from_slice(spec.attrs);
            for base in spec.bases {
                if let Base::Hms(b) = base {
                    pending.push(*b);
                }
            }
        }
    }
    out
}

type Attrs<'py> = Vec<(&'static str, Bound<'py, PyAny>)>;

/// Which class an error becomes, and its typed attributes.
fn describe<'py>(py: Python<'py>, e: &Error) -> PyResult<(Exc, Attrs<'py>)> {
    let s = |v: &str| obj(py, v);
    let none = || py.None().into_bound(py);
    Ok(match e {
        Error::Validation(v) => {
            let problems = PyList::empty(py);
            for p in v.problems() {
                problems.append(Bound::new(py, PyFieldProblem(p.clone()))?)?;
            }
            (Exc::Validation, vec![("problems", problems.into_any())])
        }
        Error::NotFound { entity, key } => (Exc::NotFound, vec![("entity", s(entity)?), ("key", s(key)?)]),
        Error::Money(m) => match m {
            MoneyError::CurrencyMismatch { left, right } => (
                Exc::CurrencyMismatch,
                vec![("left", s(left.code())?), ("right", s(right.code())?)],
            ),
            MoneyError::UnknownCurrency { code } => (Exc::UnknownCurrency, vec![("currency", s(code)?)]),
            MoneyError::Overflow { amount } => (
                Exc::AmountOverflow,
                vec![(
                    "amount",
                    Bound::new(py, crate::convert::money::PyMoney(*amount))?.into_any(),
                )],
            ),
            // WILDCARD(non_exhaustive): a money error this binding does not know yet.
            _ => (Exc::Money, vec![]),
        },
        Error::Time(t) => match t {
            TimeError::EmptyInterval { start, end } => (
                Exc::InvalidInterval,
                vec![
                    ("start", datetime_to_py(py, *start)?),
                    ("end", datetime_to_py(py, *end)?),
                ],
            ),
            TimeError::UnknownZone { name } => (Exc::UnknownZone, vec![("zone", s(name)?)]),
            TimeError::OutOfRange { from, by } => (
                Exc::TimeOutOfRange,
                vec![("start", datetime_to_py(py, *from)?), ("by", obj(py, *by)?)],
            ),
            // WILDCARD(non_exhaustive): a time error this binding does not know yet.
            _ => (Exc::Time, vec![]),
        },
        Error::People(p) => match p {
            PeopleError::DuplicatePatient { existing, matched_on } => (
                Exc::DuplicatePatient,
                vec![
                    ("existing_id", s(&existing.to_string())?),
                    ("matched_on", matched_on.to_py(py)?),
                ],
            ),
            PeopleError::DuplicateLicense {
                license_number,
                existing,
            } => (
                Exc::DuplicateLicense,
                vec![
                    ("existing_id", s(&existing.to_string())?),
                    ("license_number", s(license_number)?),
                ],
            ),
            PeopleError::DuplicateLogin { login } => (
                Exc::DuplicateLogin,
                vec![("existing_id", none()), ("login", s(login)?)],
            ),
            PeopleError::Inactive { entity, key } => {
                (Exc::Inactive, vec![("entity", s(entity)?), ("key", s(key)?)])
            }
            PeopleError::AlreadyActive { entity, key } => {
                (Exc::AlreadyActive, vec![("entity", s(entity)?), ("key", s(key)?)])
            }
            // WILDCARD(non_exhaustive): a registration error this binding does not know yet; the
            // base class of its code keeps `except DuplicateError` and friends working.
            _ => (by_code(e.code()), vec![]),
        },
        Error::Access(a) => match a {
            AccessError::Forbidden {
                account,
                action,
                resource,
                rule,
                reason,
            } => (
                Exc::Forbidden,
                vec![
                    ("account_id", s(&account.to_string())?),
                    (
                        "action",
                        lenient_enum_to_py::<hms_core::access::Action>(py, action.as_str())?,
                    ),
                    (
                        "resource",
                        lenient_enum_to_py::<hms_core::access::ResourceKind>(py, resource.as_str())?,
                    ),
                    ("rule", s(rule)?),
                    ("reason", s(reason)?),
                ],
            ),
            AccessError::UnknownAccount { account } => (
                Exc::UnknownAccount,
                vec![("account_id", s(&account.to_string())?)],
            ),
            AccessError::NotSignedIn => (Exc::NotSignedIn, vec![]),
            AccessError::AlreadyBootstrapped => (Exc::AlreadyBootstrapped, vec![]),
            AccessError::InvalidPolicy { problems } => {
                let list = PyList::empty(py);
                for p in problems {
                    let d = pyo3::types::PyDict::new(py);
                    d.set_item("path", p.path.as_str())?;
                    d.set_item("code", p.code.code())?;
                    d.set_item("message", p.message.as_str())?;
                    list.append(d)?;
                }
                (Exc::InvalidPolicy, vec![("problems", list.into_any())])
            }
            AccessError::DuplicateCareTeamMember {
                staff,
                patient,
                existing,
            } => (
                Exc::DuplicateCareTeamMember,
                vec![
                    ("existing_id", s(&existing.to_string())?),
                    ("staff_id", s(&staff.to_string())?),
                    ("patient_id", s(&patient.to_string())?),
                ],
            ),
            AccessError::CareTeamLinkEnded { link } => {
                (Exc::CareTeamLinkEnded, vec![("link_id", s(&link.to_string())?)])
            }
            // WILDCARD(non_exhaustive): an access error this binding does not know yet.
            _ => (Exc::Forbidden, vec![]),
        },
        Error::Storage(st) => match st {
            StorageError::Backend { backend, message } => (
                Exc::Storage,
                vec![("backend", s(backend)?), ("detail", s(message)?)],
            ),
            StorageError::Poisoned => (Exc::StorePoisoned, vec![]),
            StorageError::SchemaTooNew { found, supported } => (
                Exc::SchemaTooNew,
                vec![("found", obj(py, *found)?), ("supported", obj(py, *supported)?)],
            ),
            StorageError::RetriesExhausted { backend, attempts } => (
                Exc::RetriesExhausted,
                vec![("backend", s(backend)?), ("attempts", obj(py, *attempts)?)],
            ),
            // WILDCARD(non_exhaustive): a storage error this binding does not know yet.
            _ => (Exc::Storage, vec![]),
        },
        Error::Scheduling(sc) => match sc {
            SchedulingError::SlotConflict { conflicts } => {
                let ids = PyList::empty(py);
                let intervals = PyList::empty(py);
                for c in conflicts {
                    ids.append(c.appointment.to_string())?;
                    intervals.append(Bound::new(py, PyInterval(c.interval))?)?;
                }
                (
                    Exc::SlotConflict,
                    vec![
                        ("conflicts", conflicts_to_py(py, conflicts)?),
                        ("appointment_ids", ids.into_any()),
                        ("intervals", intervals.into_any()),
                    ],
                )
            }
            SchedulingError::InvalidTransition {
                appointment,
                from,
                to,
            } => (
                Exc::AppointmentTransition,
                vec![
                    ("appointment_id", s(&appointment.to_string())?),
                    ("from_status", from.to_py(py)?),
                    ("to_status", to.to_py(py)?),
                ],
            ),
            SchedulingError::NoResourceOfKind { kind } => (Exc::NoResource, vec![("kind", s(kind)?)]),
            SchedulingError::IdempotencyMismatch { key, existing } => (
                Exc::IdempotencyMismatch,
                vec![("key", s(key)?), ("existing_id", s(&existing.to_string())?)],
            ),
            // WILDCARD(non_exhaustive): a scheduling error this binding does not know yet.
            _ => (by_code(e.code()), vec![]),
        },
        Error::Availability(av) => match av {
            AvailabilityError::OutsideAvailability { doctor, interval } => (
                Exc::OutsideAvailability,
                vec![
                    ("doctor_id", s(&doctor.to_string())?),
                    ("interval", Bound::new(py, PyInterval(*interval))?.into_any()),
                ],
            ),
            AvailabilityError::InPast { start, now } => (
                Exc::InPast,
                vec![
                    ("start", datetime_to_py(py, *start)?),
                    ("now", datetime_to_py(py, *now)?),
                ],
            ),
            AvailabilityError::InsideLeadTime {
                start,
                earliest,
                lead_time_minutes,
            } => (
                Exc::LeadTime,
                vec![
                    ("start", datetime_to_py(py, *start)?),
                    ("earliest", datetime_to_py(py, *earliest)?),
                    ("lead_time_minutes", obj(py, *lead_time_minutes)?),
                ],
            ),
            AvailabilityError::BeyondHorizon {
                date,
                last_date,
                horizon_days,
            } => (
                Exc::BeyondHorizon,
                vec![
                    ("date", date_to_py(py, *date)?),
                    ("last_date", date_to_py(py, *last_date)?),
                    ("horizon_days", obj(py, *horizon_days)?),
                ],
            ),
            AvailabilityError::VisitTypeNotOffered { doctor, visit_type } => (
                Exc::VisitTypeNotOffered,
                vec![
                    ("doctor_id", s(&doctor.to_string())?),
                    ("visit_type", s(visit_type)?),
                ],
            ),
            AvailabilityError::NonexistentLocalTime { date, time, zone } => (
                Exc::NonexistentLocalTime,
                vec![
                    ("date", date_to_py(py, *date)?),
                    ("time", obj(py, *time)?),
                    ("zone", zone_to_py(py, *zone)?),
                ],
            ),
            AvailabilityError::Time(t) => return describe(py, &Error::Time(t.clone())),
            // WILDCARD(non_exhaustive): an availability error this binding does not know yet.
            _ => (by_code(e.code()), vec![]),
        },
        Error::Billing(b) => describe_billing(py, e, b)?,
        Error::Pharmacy(p) => describe_pharmacy(py, e, p)?,
        // WILDCARD(non_exhaustive): a domain this binding does not know yet: the base class of its
        // code, or `HmsError`.
        _ => (by_code(e.code()), vec![]),
    })
}

fn money_obj(py: Python<'_>, m: hms_core::money::Money) -> PyResult<Bound<'_, PyAny>> {
    crate::convert::money::money_to_py(py, m)
}

fn describe_billing<'py>(py: Python<'py>, e: &Error, b: &BillingError) -> PyResult<(Exc, Attrs<'py>)> {
    let s = |v: &str| obj(py, v);
    let id = |v: &dyn std::fmt::Display| obj(py, v.to_string());
    Ok(match b {
        BillingError::InvalidTransition { invoice, from, to } => (
            Exc::InvoiceTransition,
            vec![
                ("invoice_id", id(invoice)?),
                ("from_status", from.to_py(py)?),
                ("to_status", to.to_py(py)?),
            ],
        ),
        BillingError::ImmutableInvoice { invoice, status } => (
            Exc::ImmutableInvoice,
            vec![("invoice_id", id(invoice)?), ("status", status.to_py(py)?)],
        ),
        BillingError::NotChargeable { appointment, status } => (
            Exc::NotChargeable,
            vec![
                ("appointment_id", id(appointment)?),
                ("status", status.to_py(py)?),
            ],
        ),
        BillingError::NoPrice { item, date } => (
            Exc::NoPrice,
            vec![("item_code", s(item)?), ("date", date_to_py(py, *date)?)],
        ),
        BillingError::IdempotencyMismatch { reference, what } => (
            Exc::ReferenceReused,
            vec![
                ("key", s(reference)?),
                ("existing_id", py.None().into_bound(py)),
                ("what", s(what)?),
            ],
        ),
        BillingError::Duplicate { reference } => (
            Exc::DuplicateReference,
            vec![
                ("existing_id", py.None().into_bound(py)),
                ("reference", s(reference)?),
            ],
        ),
        BillingError::Overpayment { amount, due } => (
            Exc::Overpayment,
            vec![("amount", money_obj(py, *amount)?), ("due", money_obj(py, *due)?)],
        ),
        BillingError::OverRefund {
            payment,
            amount,
            refundable,
        } => (
            Exc::OverRefund,
            vec![
                ("payment_id", id(payment)?),
                ("amount", money_obj(py, *amount)?),
                ("refundable", money_obj(py, *refundable)?),
            ],
        ),
        BillingError::OverCredit {
            invoice,
            amount,
            open,
        } => (
            Exc::OverCredit,
            vec![
                ("invoice_id", id(invoice)?),
                ("amount", money_obj(py, *amount)?),
                ("open", money_obj(py, *open)?),
            ],
        ),
        BillingError::InvalidSignature { provider } => {
            (Exc::InvalidSignature, vec![("provider", s(provider)?)])
        }
        BillingError::GatewayFailed { provider, message } => (
            Exc::GatewayFailed,
            vec![("provider", s(provider)?), ("detail", s(message)?)],
        ),
        // WILDCARD(non_exhaustive): a billing error this binding does not know yet.
        _ => (by_code_or(e.code(), Exc::Billing), vec![]),
    })
}

fn describe_pharmacy<'py>(py: Python<'py>, e: &Error, p: &PharmacyError) -> PyResult<(Exc, Attrs<'py>)> {
    let id = |v: &dyn std::fmt::Display| obj(py, v.to_string());
    Ok(match p {
        PharmacyError::InsufficientStock {
            drug,
            batch,
            location,
            requested,
            available,
        } => (
            Exc::InsufficientStock,
            vec![
                ("drug_id", id(drug)?),
                ("batch_id", obj(py, batch.map(|b| b.to_string()))?),
                ("location", obj(py, location.as_str())?),
                ("requested", obj(py, *requested)?),
                ("available", obj(py, *available)?),
            ],
        ),
        PharmacyError::BatchUnusable { batch, problem } => {
            let (kind, expiry, needed) = match problem {
                BatchProblem::Expired { expiry } => ("expired", Some(*expiry), None),
                BatchProblem::Recalled => ("recalled", None, None),
                BatchProblem::ExpiresTooSoon {
                    expiry,
                    needed_through,
                } => ("expires_too_soon", Some(*expiry), Some(*needed_through)),
                // WILDCARD(non_exhaustive): a problem this binding does not know yet.
                _ => ("unknown", None, None),
            };
            (
                Exc::BatchUnusable,
                vec![
                    ("batch_id", id(batch)?),
                    ("problem", obj(py, kind)?),
                    ("expiry", crate::convert::opt_to_py(py, expiry, date_to_py)?),
                    (
                        "needed_through",
                        crate::convert::opt_to_py(py, needed, date_to_py)?,
                    ),
                ],
            )
        }
        PharmacyError::PrescriptionRequired { drug } => {
            (Exc::PrescriptionRequired, vec![("drug_id", id(drug)?)])
        }
        PharmacyError::ExceedsPrescription {
            prescription,
            line,
            fill,
            requested,
            remaining,
        } => (
            Exc::ExceedsPrescription,
            vec![
                ("prescription_id", id(prescription)?),
                ("line", obj(py, *line)?),
                ("fill", obj(py, *fill)?),
                ("requested", obj(py, *requested)?),
                ("remaining", obj(py, *remaining)?),
            ],
        ),
        PharmacyError::RefillsExhausted {
            prescription,
            line,
            fills,
        } => (
            Exc::RefillsExhausted,
            vec![
                ("prescription_id", id(prescription)?),
                ("line", obj(py, *line)?),
                ("fills", obj(py, *fills)?),
            ],
        ),
        PharmacyError::ExceedsDispensed {
            dispense,
            line,
            requested,
            remaining,
        } => (
            Exc::ExceedsDispensed,
            vec![
                ("dispense_id", id(dispense)?),
                ("line", obj(py, *line)?),
                ("requested", obj(py, *requested)?),
                ("remaining", obj(py, *remaining)?),
            ],
        ),
        PharmacyError::ReservationExpired {
            reservation,
            expired_at,
        } => (
            Exc::ReservationExpired,
            vec![
                ("reservation_id", id(reservation)?),
                ("expired_at", datetime_to_py(py, *expired_at)?),
            ],
        ),
        PharmacyError::ReservationClosed { reservation, status } => (
            Exc::ReservationClosed,
            vec![
                ("reservation_id", id(reservation)?),
                ("status", status.to_py(py)?),
            ],
        ),
        PharmacyError::AlreadyRecalled { batch } => (Exc::AlreadyRecalled, vec![("batch_id", id(batch)?)]),
        PharmacyError::DuplicateBatch {
            drug,
            batch_number,
            existing,
        } => (
            Exc::DuplicateBatch,
            vec![
                ("existing_id", id(existing)?),
                ("drug_id", id(drug)?),
                ("batch_number", obj(py, batch_number.as_str())?),
            ],
        ),
        // WILDCARD(non_exhaustive): a pharmacy error this binding does not know yet.
        _ => (by_code_or(e.code(), Exc::Pharmacy), vec![]),
    })
}

/// As [`by_code`], with `fallback` instead of `HmsError` for a code no class carries.
fn by_code_or(code: &str, fallback: Exc) -> Exc {
    match by_code(code) {
        Exc::Hms => fallback,
        exc => exc,
    }
}

/// `FefoShortfallError` for `hms.fefo_allocate`: the pure rule's shortfall is not a core error (it
/// names no drug or location), so the instance is built here with the same attributes.
pub(crate) fn fefo_shortfall(requested: u32, available: u32) -> PyErr {
    Python::attach(|py| {
        let build = || -> PyResult<PyErr> {
            let message = format!(
                "only {available} unit{} eligible, {requested} asked for",
                if available == 1 { "" } else { "s" }
            );
            let instance = class(py, Exc::FefoShortfall)?.call1((message.as_str(),))?;
            instance.setattr("code", "insufficient_stock")?;
            instance.setattr("message", message)?;
            for name in inherited_attrs(Exc::FefoShortfall) {
                instance.setattr(name, py.None())?;
            }
            instance.setattr("requested", requested)?;
            instance.setattr("available", available)?;
            Ok(PyErr::from_value(instance))
        };
        build().unwrap_or_else(|failure| failure)
    })
}

/// The class that groups a code, for errors this binding has no leaf class for. Never
/// `ValidationError`, which promises `.problems`.
fn by_code(code: &str) -> Exc {
    SPECS
        .iter()
        .find(|s| s.code == Some(code) && s.exc != Exc::Validation)
        .map_or(Exc::Hms, |s| s.exc)
}

/// One exception for every core error variant this binding maps, built from core values and raised
/// through the same mapping as real errors, paired with the variant's name (`"Money::CurrencyMismatch"`).
///
/// For the test suite: some variants (a storage failure, a poisoned store, a request with no
/// account) cannot be provoked through the in-memory store from Python, yet their mapping must be
/// pinned like the others.
#[pyfunction]
pub(crate) fn _sample_errors(py: Python<'_>) -> PyResult<Vec<(&'static str, Py<PyAny>)>> {
    use hms_core::access::{Action, PolicyProblem, PolicyProblemCode, ResourceKind};
    use hms_core::error::{FieldCode, ValidationError};
    use hms_core::ids::{AccountId, AppointmentId, CareTeamLinkId, PatientId, StaffId};
    use hms_core::money::Currency;
    use hms_core::people::DuplicateMatch;
    use hms_core::scheduling::{AppointmentStatus, Conflict, Party};
    use hms_core::time::Interval;

    let at = |h: u32| {
        chrono::NaiveDate::from_ymd_opt(2026, 3, 2)
            .and_then(|d| d.and_hms_opt(h, 0, 0))
            .map(|t| t.and_utc())
            .unwrap_or_default()
    };
    let patient: PatientId = "019cad8f-ac00-71aa-becb-86beda3f68d6".parse().map_err(raise)?;
    let staff: StaffId = "019cad8f-ac00-7a00-8000-000000000002".parse().map_err(raise)?;
    let account: AccountId = "019cad8f-ac00-7a00-8000-000000000003".parse().map_err(raise)?;
    let appointment: AppointmentId = "019cad8f-ac00-7a00-8000-000000000004".parse().map_err(raise)?;
    let other_appointment: AppointmentId = "019cad8f-ac00-7a00-8000-000000000005".parse().map_err(raise)?;
    let link: CareTeamLinkId = "019cad8f-ac00-7a00-8000-000000000006".parse().map_err(raise)?;
    let day = |m: u32, d: u32| chrono::NaiveDate::from_ymd_opt(2026, m, d).unwrap_or_default();
    let samples: Vec<(&'static str, Error)> = vec![
        (
            "Validation",
            ValidationError::single("phone", FieldCode::InvalidPhone, "`12` is not a telephone number")
                .into(),
        ),
        (
            "NotFound",
            Error::NotFound {
                entity: "patient",
                key: patient.to_string(),
            },
        ),
        (
            "Money::CurrencyMismatch",
            MoneyError::CurrencyMismatch {
                left: Currency::USD,
                right: Currency::EUR,
            }
            .into(),
        ),
        (
            "Money::UnknownCurrency",
            MoneyError::UnknownCurrency { code: "XYZ".into() }.into(),
        ),
        (
            "Time::EmptyInterval",
            TimeError::EmptyInterval {
                start: at(10),
                end: at(9),
            }
            .into(),
        ),
        (
            "Time::UnknownZone",
            TimeError::UnknownZone {
                name: "Mars/Olympus".into(),
            }
            .into(),
        ),
        (
            "People::DuplicatePatient",
            PeopleError::DuplicatePatient {
                existing: patient,
                matched_on: DuplicateMatch::NationalId,
            }
            .into(),
        ),
        (
            "People::DuplicateLicense",
            PeopleError::DuplicateLicense {
                license_number: "KMC-12345".into(),
                existing: staff,
            }
            .into(),
        ),
        (
            "People::DuplicateLogin",
            PeopleError::DuplicateLogin { login: "asha".into() }.into(),
        ),
        (
            "People::Inactive",
            PeopleError::Inactive {
                entity: "patient",
                key: patient.to_string(),
            }
            .into(),
        ),
        (
            "People::AlreadyActive",
            PeopleError::AlreadyActive {
                entity: "patient",
                key: patient.to_string(),
            }
            .into(),
        ),
        (
            "Access::Forbidden",
            AccessError::Forbidden {
                account,
                action: Action::Create,
                resource: ResourceKind::Staff,
                rule: "default-deny".into(),
                reason: "no rule allows roles `receptionist` to create staff".into(),
            }
            .into(),
        ),
        (
            "Access::UnknownAccount",
            AccessError::UnknownAccount { account }.into(),
        ),
        ("Access::NotSignedIn", AccessError::NotSignedIn.into()),
        (
            "Access::AlreadyBootstrapped",
            AccessError::AlreadyBootstrapped.into(),
        ),
        (
            "Storage::Backend",
            StorageError::Backend {
                backend: "sqlite",
                message: "disk I/O error".into(),
            }
            .into(),
        ),
        ("Storage::Poisoned", StorageError::Poisoned.into()),
        (
            "Money::Overflow",
            MoneyError::Overflow {
                amount: hms_core::money::Money::new(rust_decimal::Decimal::MAX, Currency::USD),
            }
            .into(),
        ),
        (
            "Time::OutOfRange",
            TimeError::OutOfRange {
                from: at(9),
                by: chrono::Duration::days(365),
            }
            .into(),
        ),
        (
            "Storage::SchemaTooNew",
            StorageError::SchemaTooNew {
                found: 9,
                supported: 2,
            }
            .into(),
        ),
        (
            "Storage::RetriesExhausted",
            StorageError::RetriesExhausted {
                backend: "postgres",
                attempts: 5,
            }
            .into(),
        ),
        (
            "Scheduling::SlotConflict",
            SchedulingError::SlotConflict {
                conflicts: vec![
                    Conflict {
                        party: Party::Doctor(staff),
                        appointment,
                        interval: Interval::new(at(9), at(10)).map_err(raise)?,
                    },
                    Conflict {
                        party: Party::Patient(patient),
                        appointment: other_appointment,
                        interval: Interval::new(at(10), at(11)).map_err(raise)?,
                    },
                ],
            }
            .into(),
        ),
        (
            "Scheduling::InvalidTransition",
            SchedulingError::InvalidTransition {
                appointment,
                from: AppointmentStatus::Cancelled,
                to: AppointmentStatus::Booked,
            }
            .into(),
        ),
        (
            "Scheduling::NoResourceOfKind",
            SchedulingError::NoResourceOfKind { kind: "mri".into() }.into(),
        ),
        (
            "Scheduling::IdempotencyMismatch",
            SchedulingError::IdempotencyMismatch {
                key: "req-1".into(),
                existing: appointment,
            }
            .into(),
        ),
        (
            "Availability::OutsideAvailability",
            AvailabilityError::OutsideAvailability {
                doctor: staff,
                interval: Interval::new(at(9), at(10)).map_err(raise)?,
            }
            .into(),
        ),
        (
            "Availability::InPast",
            AvailabilityError::InPast {
                start: at(9),
                now: at(10),
            }
            .into(),
        ),
        (
            "Availability::InsideLeadTime",
            AvailabilityError::InsideLeadTime {
                start: at(10),
                earliest: at(11),
                lead_time_minutes: 60,
            }
            .into(),
        ),
        (
            "Availability::BeyondHorizon",
            AvailabilityError::BeyondHorizon {
                date: day(4, 30),
                last_date: day(4, 1),
                horizon_days: 30,
            }
            .into(),
        ),
        (
            "Availability::VisitTypeNotOffered",
            AvailabilityError::VisitTypeNotOffered {
                doctor: staff,
                visit_type: "surgery".into(),
            }
            .into(),
        ),
        (
            "Availability::NonexistentLocalTime",
            AvailabilityError::NonexistentLocalTime {
                date: day(3, 8),
                time: chrono::NaiveTime::from_hms_opt(2, 30, 0).unwrap_or_default(),
                zone: chrono_tz::America::New_York,
            }
            .into(),
        ),
        (
            "Availability::Time",
            AvailabilityError::Time(TimeError::EmptyInterval {
                start: at(10),
                end: at(9),
            })
            .into(),
        ),
        (
            "Access::InvalidPolicy",
            AccessError::InvalidPolicy {
                problems: vec![PolicyProblem {
                    path: "rules[0].roles[0]".into(),
                    code: PolicyProblemCode::UnknownRole,
                    message: "unknown role `surgeon`".into(),
                }],
            }
            .into(),
        ),
        (
            "Access::DuplicateCareTeamMember",
            AccessError::DuplicateCareTeamMember {
                staff,
                patient,
                existing: link,
            }
            .into(),
        ),
        (
            "Access::CareTeamLinkEnded",
            AccessError::CareTeamLinkEnded { link }.into(),
        ),
    ];
    let mut samples = samples;
    samples.extend(billing_and_pharmacy_samples(appointment, at(9))?);
    samples
        .into_iter()
        .map(|(name, e)| Ok((name, build(py, &e)?.into_value(py).into_any())))
        .collect()
}

/// The billing and pharmacy rows of [`_sample_errors`].
fn billing_and_pharmacy_samples(
    appointment: hms_core::ids::AppointmentId,
    at: chrono::DateTime<chrono::Utc>,
) -> PyResult<Vec<(&'static str, Error)>> {
    use hms_core::billing::InvoiceStatus;
    use hms_core::ids::{BatchId, DispenseId, DrugId, InvoiceId, PaymentId, PrescriptionId, ReservationId};
    use hms_core::money::{Currency, Money};
    use hms_core::pharmacy::{Location, ReservationStatus};
    use hms_core::scheduling::AppointmentStatus;

    let invoice: InvoiceId = "019cad8f-ac00-7a00-8000-000000000007".parse().map_err(raise)?;
    let payment: PaymentId = "019cad8f-ac00-7a00-8000-000000000008".parse().map_err(raise)?;
    let drug: DrugId = "019cad8f-ac00-7a00-8000-000000000009".parse().map_err(raise)?;
    let batch: BatchId = "019cad8f-ac00-7a00-8000-00000000000a".parse().map_err(raise)?;
    let other_batch: BatchId = "019cad8f-ac00-7a00-8000-00000000000b".parse().map_err(raise)?;
    let prescription: PrescriptionId = "019cad8f-ac00-7a00-8000-00000000000c".parse().map_err(raise)?;
    let dispense: DispenseId = "019cad8f-ac00-7a00-8000-00000000000d".parse().map_err(raise)?;
    let reservation: ReservationId = "019cad8f-ac00-7a00-8000-00000000000e".parse().map_err(raise)?;
    let usd = |cents: i64| Money::from_minor(cents, Currency::USD);
    let day = |m: u32, d: u32| chrono::NaiveDate::from_ymd_opt(2026, m, d).unwrap_or_default();
    let main = Location::parse("main").map_err(raise)?;
    Ok(vec![
        (
            "Billing::InvalidTransition",
            BillingError::InvalidTransition {
                invoice,
                from: InvoiceStatus::Cancelled,
                to: InvoiceStatus::Issued,
            }
            .into(),
        ),
        (
            "Billing::ImmutableInvoice",
            BillingError::ImmutableInvoice {
                invoice,
                status: InvoiceStatus::Issued,
            }
            .into(),
        ),
        (
            "Billing::NotChargeable",
            BillingError::NotChargeable {
                appointment,
                status: AppointmentStatus::Booked,
            }
            .into(),
        ),
        (
            "Billing::NoPrice",
            BillingError::NoPrice {
                item: "consultation.cardiology".into(),
                date: day(3, 2),
            }
            .into(),
        ),
        (
            "Billing::IdempotencyMismatch",
            BillingError::IdempotencyMismatch {
                reference: "manual:r-1".into(),
                what: "charge",
            }
            .into(),
        ),
        (
            "Billing::Duplicate",
            BillingError::Duplicate {
                reference: "slip-1".into(),
            }
            .into(),
        ),
        (
            "Billing::Overpayment",
            BillingError::Overpayment {
                amount: usd(1500),
                due: usd(1000),
            }
            .into(),
        ),
        (
            "Billing::OverRefund",
            BillingError::OverRefund {
                payment,
                amount: usd(900),
                refundable: usd(500),
            }
            .into(),
        ),
        (
            "Billing::OverCredit",
            BillingError::OverCredit {
                invoice,
                amount: usd(900),
                open: usd(100),
            }
            .into(),
        ),
        (
            "Billing::InvalidSignature",
            BillingError::InvalidSignature {
                provider: "memory".into(),
            }
            .into(),
        ),
        (
            "Billing::GatewayFailed",
            BillingError::GatewayFailed {
                provider: "memory".into(),
                message: "the gateway is unavailable".into(),
            }
            .into(),
        ),
        (
            "Pharmacy::InsufficientStock",
            PharmacyError::InsufficientStock {
                drug,
                batch: Some(batch),
                location: main.clone(),
                requested: 5,
                available: 1,
            }
            .into(),
        ),
        (
            "Pharmacy::BatchUnusable",
            PharmacyError::BatchUnusable {
                batch,
                problem: BatchProblem::ExpiresTooSoon {
                    expiry: day(3, 5),
                    needed_through: day(3, 8),
                },
            }
            .into(),
        ),
        (
            "Pharmacy::PrescriptionRequired",
            PharmacyError::PrescriptionRequired { drug }.into(),
        ),
        (
            "Pharmacy::ExceedsPrescription",
            PharmacyError::ExceedsPrescription {
                prescription,
                line: 0,
                fill: 1,
                requested: 20,
                remaining: 10,
            }
            .into(),
        ),
        (
            "Pharmacy::RefillsExhausted",
            PharmacyError::RefillsExhausted {
                prescription,
                line: 0,
                fills: 2,
            }
            .into(),
        ),
        (
            "Pharmacy::ExceedsDispensed",
            PharmacyError::ExceedsDispensed {
                dispense,
                line: 0,
                requested: 4,
                remaining: 3,
            }
            .into(),
        ),
        (
            "Pharmacy::ReservationExpired",
            PharmacyError::ReservationExpired {
                reservation,
                expired_at: at,
            }
            .into(),
        ),
        (
            "Pharmacy::ReservationClosed",
            PharmacyError::ReservationClosed {
                reservation,
                status: ReservationStatus::Released,
            }
            .into(),
        ),
        (
            "Pharmacy::AlreadyRecalled",
            PharmacyError::AlreadyRecalled { batch }.into(),
        ),
        (
            "Pharmacy::DuplicateBatch",
            PharmacyError::DuplicateBatch {
                drug,
                batch_number: "LOT-1".into(),
                existing: other_batch,
            }
            .into(),
        ),
    ])
}

/// One invalid field of a `ValidationError`: its path (`birth_date`, `emergency_contacts[0].phone`),
/// what is wrong (`code`, one of `hms.FIELD_CODES`) and a message for a person.
#[pyclass(name = "FieldProblem", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyFieldProblem(pub(crate) FieldProblem);

#[pymethods]
impl PyFieldProblem {
    #[getter]
    fn field(&self) -> &str {
        &self.0.field
    }

    #[getter]
    fn code(&self) -> &'static str {
        self.0.code.code()
    }

    #[getter]
    fn message(&self) -> &str {
        &self.0.message
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        dataclass_repr(
            "FieldProblem",
            &[
                ("field", obj(py, self.field())?),
                ("code", obj(py, self.code())?),
                ("message", obj(py, self.message())?),
            ],
        )
    }
}

impl Row for PyFieldProblem {
    const COLUMNS: &'static [&'static str] = &["field", "code", "message"];

    fn column<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
        Ok(Some(match name {
            "field" => obj(py, self.field())?,
            "code" => obj(py, self.code())?,
            "message" => obj(py, self.message())?,
            _ => return Ok(None),
        }))
    }
}

row_methods!(PyFieldProblem);
