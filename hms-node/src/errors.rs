//! The error mapping: every `hms_core::Error` becomes a thrown (or rejected) JavaScript `Error`
//! whose `name` is `HmsError`, whose `code` is the core's stable snake_case code, whose `kind` names
//! the exact core variant (`duplicate_patient`, `inside_lead_time`, …) and which carries that
//! variant's typed fields as properties: `problems` for `invalid_input`, `conflicts` for
//! `slot_conflict` (appointment ids and ISO intervals), `existingId` for duplicates, and so on. The
//! TypeScript `HmsError` union of the `.d.ts` header spells out the fields of each kind.
//!
//! Detail fields are plain JSON data (instants as ISO 8601 strings, exactly what `Date#toISOString`
//! prints), so an error can be logged or sent over HTTP as it is.
//!
//! About exhaustiveness: the core error enums are `#[non_exhaustive]`, and Rust requires a wildcard
//! arm whenever another crate matches them. Every `match` below therefore names every variant the
//! core has today *and* ends in a `_` arm, marked `WILDCARD(non_exhaustive)`, that keeps the code
//! and message and reports the kind `unknown`, so nothing is lost when the core grows. The test
//! `every_code_has_a_known_kind` (and the Node suite, which raises every code through the binding)
//! fails when a code reaches only a wildcard. If the core drops `#[non_exhaustive]`, these arms turn
//! into `unreachable_patterns` errors under `-D warnings` and can go, and a new variant then breaks
//! this build as CONVENTIONS.md wants.

use chrono::{DateTime, SecondsFormat, Utc};
use hms_core::access::AccessError;
use hms_core::billing::BillingError;
use hms_core::error::{MoneyError, PeopleError, StorageError, TimeError};
use hms_core::pharmacy::{BatchProblem, PharmacyError};
use hms_core::scheduling::availability::AvailabilityError;
use hms_core::scheduling::SchedulingError;
use hms_core::time::Interval;
use hms_core::Error;
use napi::bindgen_prelude::{JsObjectValue, JsValue, Object};
use napi::Env;
use napi_derive::napi;

use crate::convert::access::PolicyProblem;
use crate::convert::scheduling::Party;
use crate::convert::{FieldProblem, Money};

/// The codes of domains this binding does not expose (they would arrive with their code and
/// message and the kind `unknown`). Every domain of the core is exposed, so the list is empty.
pub const NOT_EXPOSED: &[&str] = &[];

/// The kind reported for a variant this binding does not know yet.
pub const UNKNOWN_KIND: &str = "unknown";

/// A half-open span of time as ISO 8601 strings (in error details).
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsoInterval {
    /// The first instant inside, e.g. `2026-03-02T09:00:00.000Z`.
    pub start: String,
    /// The first instant after.
    pub end: String,
}

/// One booking in the way of a requested time (in a `slot_conflict` error).
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictDetail {
    /// Whose calendar collides: the doctor, the patient or a resource.
    pub party: Party,
    /// The appointment in the way.
    pub appointment_id: String,
    /// The time it holds.
    pub interval: IsoInterval,
}

/// Why a batch cannot be dispensed (in a `batch_unusable` error).
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchProblemDetail {
    /// `expired`, `recalled` or `expires_too_soon`.
    #[napi(ts_type = "'expired' | 'recalled' | 'expires_too_soon'")]
    pub kind: String,
    /// The batch's expiry date (`expired`, `expires_too_soon`).
    pub expiry: Option<String>,
    /// The last day the medicine is needed (`expires_too_soon`).
    pub needed_through: Option<String>,
}

fn batch_problem(p: &BatchProblem) -> BatchProblemDetail {
    let (kind, expiry, needed_through) = match p {
        BatchProblem::Expired { expiry } => ("expired", Some(expiry.to_string()), None),
        BatchProblem::Recalled => ("recalled", None, None),
        BatchProblem::ExpiresTooSoon {
            expiry,
            needed_through,
        } => (
            "expires_too_soon",
            Some(expiry.to_string()),
            Some(needed_through.to_string()),
        ),
        // WILDCARD(non_exhaustive): a batch problem this binding does not know yet.
        _ => (UNKNOWN_KIND, None, None),
    };
    BatchProblemDetail {
        kind: kind.to_owned(),
        expiry,
        needed_through,
    }
}

fn count(n: usize) -> Detail {
    Detail::Number(u32::try_from(n).unwrap_or(u32::MAX))
}

fn money(m: &hms_core::money::Money) -> Detail {
    Detail::Amount(Money::from(*m))
}

fn billing_details(b: &BillingError) -> (&'static str, Vec<(&'static str, Detail)>) {
    match b {
        BillingError::InvalidTransition { invoice, from, to } => (
            "invoice_transition",
            vec![
                ("invoiceId", text(invoice)),
                ("from", text(from.code())),
                ("to", text(to.code())),
            ],
        ),
        BillingError::ImmutableInvoice { invoice, status } => (
            "immutable_invoice",
            vec![("invoiceId", text(invoice)), ("status", text(status.code()))],
        ),
        BillingError::NotChargeable { appointment, status } => (
            "not_chargeable",
            vec![
                ("appointmentId", text(appointment)),
                ("status", text(status.code())),
            ],
        ),
        BillingError::NoPrice { item, date } => {
            ("no_price", vec![("item", text(item)), ("date", text(date))])
        }
        BillingError::IdempotencyMismatch { reference, what } => (
            "reference_reused",
            vec![("reference", text(reference)), ("what", text(what))],
        ),
        BillingError::Duplicate { reference } => {
            ("duplicate_reference", vec![("reference", text(reference))])
        }
        BillingError::Overpayment { amount, due } => (
            "overpayment",
            vec![("amount", money(amount)), ("due", money(due))],
        ),
        BillingError::OverRefund {
            payment,
            amount,
            refundable,
        } => (
            "over_refund",
            vec![
                ("paymentId", text(payment)),
                ("amount", money(amount)),
                ("refundable", money(refundable)),
            ],
        ),
        BillingError::OverCredit {
            invoice,
            amount,
            open,
        } => (
            "over_credit",
            vec![
                ("invoiceId", text(invoice)),
                ("amount", money(amount)),
                ("open", money(open)),
            ],
        ),
        BillingError::InvalidSignature { provider } => {
            ("invalid_signature", vec![("provider", text(provider))])
        }
        BillingError::GatewayFailed { provider, message } => (
            "gateway_failed",
            vec![("provider", text(provider)), ("detail", text(message))],
        ),
        // WILDCARD(non_exhaustive): a billing error this binding does not know yet.
        _ => (UNKNOWN_KIND, vec![]),
    }
}

fn pharmacy_details(p: &PharmacyError) -> (&'static str, Vec<(&'static str, Detail)>) {
    match p {
        PharmacyError::InsufficientStock {
            drug,
            batch,
            location,
            requested,
            available,
        } => {
            let mut d = vec![("drugId", text(drug))];
            if let Some(b) = batch {
                d.push(("batchId", text(b)));
            }
            d.extend([
                ("location", text(location)),
                ("requested", Detail::Number(*requested)),
                ("available", Detail::Number(*available)),
            ]);
            ("insufficient_stock", d)
        }
        PharmacyError::BatchUnusable { batch, problem } => (
            "batch_unusable",
            vec![
                ("batchId", text(batch)),
                ("problem", Detail::BatchProblem(batch_problem(problem))),
            ],
        ),
        PharmacyError::PrescriptionRequired { drug } => {
            ("prescription_required", vec![("drugId", text(drug))])
        }
        PharmacyError::ExceedsPrescription {
            prescription,
            line,
            fill,
            requested,
            remaining,
        } => (
            "exceeds_prescription",
            vec![
                ("prescriptionId", text(prescription)),
                ("line", count(*line)),
                ("fill", Detail::Number(*fill)),
                ("requested", Detail::Number(*requested)),
                ("remaining", Detail::Number(*remaining)),
            ],
        ),
        PharmacyError::RefillsExhausted {
            prescription,
            line,
            fills,
        } => (
            "refills_exhausted",
            vec![
                ("prescriptionId", text(prescription)),
                ("line", count(*line)),
                ("fills", Detail::Number(*fills)),
            ],
        ),
        PharmacyError::ExceedsDispensed {
            dispense,
            line,
            requested,
            remaining,
        } => (
            "exceeds_dispensed",
            vec![
                ("dispenseId", text(dispense)),
                ("line", count(*line)),
                ("requested", Detail::Number(*requested)),
                ("remaining", Detail::Number(*remaining)),
            ],
        ),
        PharmacyError::ReservationExpired {
            reservation,
            expired_at,
        } => (
            "reservation_expired",
            vec![
                ("reservationId", text(reservation)),
                ("expiredAt", text(iso(*expired_at))),
            ],
        ),
        PharmacyError::ReservationClosed { reservation, status } => (
            "reservation_closed",
            vec![
                ("reservationId", text(reservation)),
                ("status", text(status.as_str())),
            ],
        ),
        PharmacyError::AlreadyRecalled { batch } => ("already_recalled", vec![("batchId", text(batch))]),
        PharmacyError::DuplicateBatch {
            drug,
            batch_number,
            existing,
        } => (
            "duplicate_batch",
            vec![
                ("drugId", text(drug)),
                ("batchNumber", text(batch_number)),
                ("existingId", text(existing)),
            ],
        ),
        // WILDCARD(non_exhaustive): a pharmacy error this binding does not know yet.
        _ => (UNKNOWN_KIND, vec![]),
    }
}

/// An instant as `Date#toISOString` prints it.
pub fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn iso_interval(i: &Interval) -> IsoInterval {
    IsoInterval {
        start: iso(i.start()),
        end: iso(i.end()),
    }
}

/// The value of one detail field.
#[derive(Debug, Clone, PartialEq)]
pub enum Detail {
    /// A string (ids, codes, ISO instants and dates, names).
    Text(String),
    /// A whole number.
    Number(u32),
    /// The invalid fields of an `invalid_input` error.
    Problems(Vec<FieldProblem>),
    /// The bookings in the way of a `slot_conflict`.
    Conflicts(Vec<ConflictDetail>),
    /// A span of time.
    Span(IsoInterval),
    /// The problems of an `invalid_policy` error.
    PolicyProblems(Vec<PolicyProblem>),
    /// An amount of money.
    Amount(Money),
    /// Why a batch cannot be dispensed.
    BatchProblem(BatchProblemDetail),
}

/// What a JavaScript error object is made of.
#[derive(Debug, Clone, PartialEq)]
pub struct Described {
    /// The stable code (`err.code`).
    pub code: &'static str,
    /// The core variant (`err.kind`).
    pub kind: &'static str,
    /// The message (`err.message`).
    pub message: String,
    /// The detail properties, in order.
    pub details: Vec<(&'static str, Detail)>,
}

fn text(v: impl ToString) -> Detail {
    Detail::Text(v.to_string())
}

fn time_details(t: &TimeError) -> (&'static str, Vec<(&'static str, Detail)>) {
    match t {
        TimeError::EmptyInterval { start, end } => (
            "empty_interval",
            vec![("start", text(iso(*start))), ("end", text(iso(*end)))],
        ),
        TimeError::UnknownZone { name } => ("unknown_zone", vec![("zone", text(name))]),
        TimeError::OutOfRange { from, by } => (
            "time_out_of_range",
            vec![("from", text(iso(*from))), ("by", text(by))],
        ),
        // WILDCARD(non_exhaustive): a time error this binding does not know yet.
        _ => (UNKNOWN_KIND, vec![]),
    }
}

/// The code, kind, message and detail fields of an error.
pub fn describe(e: &Error) -> Described {
    let (kind, details): (&'static str, Vec<(&'static str, Detail)>) = match e {
        Error::Validation(v) => (
            "validation",
            vec![(
                "problems",
                Detail::Problems(v.problems().iter().map(FieldProblem::from).collect()),
            )],
        ),
        Error::NotFound { entity, key } => ("not_found", vec![("entity", text(entity)), ("key", text(key))]),
        Error::Money(m) => match m {
            MoneyError::CurrencyMismatch { left, right } => (
                "currency_mismatch",
                vec![("left", text(left)), ("right", text(right))],
            ),
            MoneyError::UnknownCurrency { code } => ("unknown_currency", vec![("currency", text(code))]),
            MoneyError::Overflow { amount } => (
                "amount_overflow",
                vec![
                    ("amount", text(amount.amount)),
                    ("currency", text(amount.currency.code())),
                ],
            ),
            // WILDCARD(non_exhaustive): a money error this binding does not know yet.
            _ => (UNKNOWN_KIND, vec![]),
        },
        Error::Time(t) => time_details(t),
        Error::People(p) => match p {
            PeopleError::DuplicatePatient { existing, matched_on } => (
                "duplicate_patient",
                vec![
                    ("existingId", text(existing)),
                    (
                        "matchedOn",
                        text(match matched_on {
                            hms_core::people::DuplicateMatch::NationalId => "national_id",
                            hms_core::people::DuplicateMatch::NameBirthDatePhone => "name_birth_date_phone",
                        }),
                    ),
                ],
            ),
            PeopleError::DuplicateLicense {
                license_number,
                existing,
            } => (
                "duplicate_license",
                vec![
                    ("existingId", text(existing)),
                    ("licenseNumber", text(license_number)),
                ],
            ),
            PeopleError::DuplicateLogin { login } => ("duplicate_login", vec![("login", text(login))]),
            PeopleError::Inactive { entity, key } => {
                ("inactive", vec![("entity", text(entity)), ("key", text(key))])
            }
            PeopleError::AlreadyActive { entity, key } => (
                "already_active",
                vec![("entity", text(entity)), ("key", text(key))],
            ),
            // WILDCARD(non_exhaustive): a registration error this binding does not know yet.
            _ => (UNKNOWN_KIND, vec![]),
        },
        Error::Scheduling(s) => match s {
            SchedulingError::SlotConflict { conflicts } => (
                "slot_conflict",
                vec![(
                    "conflicts",
                    Detail::Conflicts(
                        conflicts
                            .iter()
                            .map(|c| ConflictDetail {
                                party: Party::from(c.party),
                                appointment_id: c.appointment.to_string(),
                                interval: iso_interval(&c.interval),
                            })
                            .collect(),
                    ),
                )],
            ),
            SchedulingError::InvalidTransition {
                appointment,
                from,
                to,
            } => (
                "invalid_transition",
                vec![
                    ("appointmentId", text(appointment)),
                    ("from", text(from.code())),
                    ("to", text(to.code())),
                ],
            ),
            SchedulingError::NoResourceOfKind { kind } => {
                ("no_resource_of_kind", vec![("resourceKind", text(kind))])
            }
            SchedulingError::IdempotencyMismatch { key, existing } => (
                "idempotency_mismatch",
                vec![("key", text(key)), ("existingId", text(existing))],
            ),
            // WILDCARD(non_exhaustive): a scheduling error this binding does not know yet.
            _ => (UNKNOWN_KIND, vec![]),
        },
        Error::Availability(a) => match a {
            AvailabilityError::OutsideAvailability { doctor, interval } => (
                "outside_availability",
                vec![
                    ("doctorId", text(doctor)),
                    ("interval", Detail::Span(iso_interval(interval))),
                ],
            ),
            AvailabilityError::InPast { start, now } => (
                "in_past",
                vec![("start", text(iso(*start))), ("now", text(iso(*now)))],
            ),
            AvailabilityError::InsideLeadTime {
                start,
                earliest,
                lead_time_minutes,
            } => (
                "inside_lead_time",
                vec![
                    ("start", text(iso(*start))),
                    ("earliest", text(iso(*earliest))),
                    ("leadTimeMinutes", Detail::Number(*lead_time_minutes)),
                ],
            ),
            AvailabilityError::BeyondHorizon {
                date,
                last_date,
                horizon_days,
            } => (
                "beyond_horizon",
                vec![
                    ("date", text(date)),
                    ("lastDate", text(last_date)),
                    ("horizonDays", Detail::Number(*horizon_days)),
                ],
            ),
            AvailabilityError::VisitTypeNotOffered { doctor, visit_type } => (
                "visit_type_not_offered",
                vec![("doctorId", text(doctor)), ("visitType", text(visit_type))],
            ),
            AvailabilityError::NonexistentLocalTime { date, time, zone } => (
                "nonexistent_local_time",
                vec![
                    ("date", text(date)),
                    ("time", text(time.format("%H:%M"))),
                    ("zone", text(zone.name())),
                ],
            ),
            AvailabilityError::Time(t) => time_details(t),
            // WILDCARD(non_exhaustive): an availability error this binding does not know yet.
            _ => (UNKNOWN_KIND, vec![]),
        },
        Error::Access(a) => match a {
            AccessError::Forbidden {
                account,
                action,
                resource,
                rule,
                reason,
            } => (
                "forbidden",
                vec![
                    ("accountId", text(account)),
                    ("action", text(action.as_str())),
                    ("resource", text(resource.as_str())),
                    ("rule", text(rule)),
                    ("reason", text(reason)),
                ],
            ),
            AccessError::UnknownAccount { account } => {
                ("unknown_account", vec![("accountId", text(account))])
            }
            AccessError::NotSignedIn => ("not_signed_in", vec![]),
            AccessError::AlreadyBootstrapped => ("already_bootstrapped", vec![]),
            AccessError::InvalidPolicy { problems } => (
                "invalid_policy",
                vec![(
                    "problems",
                    Detail::PolicyProblems(problems.iter().map(PolicyProblem::from).collect()),
                )],
            ),
            AccessError::DuplicateCareTeamMember {
                staff,
                patient,
                existing,
            } => (
                "duplicate_care_team_member",
                vec![
                    ("staffId", text(staff)),
                    ("patientId", text(patient)),
                    ("existingId", text(existing)),
                ],
            ),
            AccessError::CareTeamLinkEnded { link } => ("care_team_link_ended", vec![("linkId", text(link))]),
            // WILDCARD(non_exhaustive): an access error this binding does not know yet.
            _ => (UNKNOWN_KIND, vec![]),
        },
        Error::Storage(s) => match s {
            StorageError::Backend { backend, message } => (
                "backend",
                vec![("backend", text(backend)), ("detail", text(message))],
            ),
            StorageError::Poisoned => ("poisoned", vec![]),
            // WILDCARD(non_exhaustive): a storage error this binding does not know yet.
            _ => (UNKNOWN_KIND, vec![]),
        },
        Error::Billing(b) => billing_details(b),
        Error::Pharmacy(p) => pharmacy_details(p),
        // WILDCARD(non_exhaustive): a domain this binding does not know yet (as they are merged):
        // the code and message still arrive.
        _ => (UNKNOWN_KIND, vec![]),
    };
    Described {
        code: e.code(),
        kind,
        message: e.to_string(),
        details,
    }
}

/// The JavaScript error object of `e`.
///
/// # Errors
/// Only when Node cannot allocate the object.
pub fn to_js_object<'env>(env: &'env Env, e: &Error) -> napi::Result<Object<'env>> {
    let d = describe(e);
    let mut obj = env.create_error(napi::Error::from_reason(d.message))?;
    obj.set_named_property("name", "HmsError")?;
    obj.set_named_property("code", d.code)?;
    obj.set_named_property("kind", d.kind)?;
    for (key, value) in d.details {
        match value {
            Detail::Text(s) => obj.set_named_property(key, s)?,
            Detail::Number(n) => obj.set_named_property(key, n)?,
            Detail::Problems(p) => obj.set_named_property(key, p)?,
            Detail::Conflicts(c) => obj.set_named_property(key, c)?,
            Detail::Span(i) => obj.set_named_property(key, i)?,
            Detail::PolicyProblems(p) => obj.set_named_property(key, p)?,
            Detail::Amount(m) => obj.set_named_property(key, m)?,
            Detail::BatchProblem(p) => obj.set_named_property(key, p)?,
        }
    }
    Ok(obj)
}

/// The `napi::Error` that throws (or rejects with) the JavaScript error object of `e`.
pub fn to_napi(env: &Env, e: &Error) -> napi::Error {
    match to_js_object(env, e) {
        Ok(obj) => napi::Error::from(obj.to_unknown()),
        Err(failed) => failed,
    }
}

/// Runs a core call and converts its error for JavaScript.
pub trait OrThrow<T> {
    /// The value, or the error that throws the matching `HmsError`.
    ///
    /// # Errors
    /// The core's error, as a JavaScript error.
    fn or_throw(self, env: &Env) -> napi::Result<T>;
}

impl<T, E: Into<Error>> OrThrow<T> for Result<T, E> {
    fn or_throw(self, env: &Env) -> napi::Result<T> {
        self.map_err(|e| to_napi(env, &e.into()))
    }
}

/// Whether `kind` is a kind this binding reports (not the wildcard's `unknown`).
pub fn is_known_kind(kind: &str) -> bool {
    kind != UNKNOWN_KIND
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convert::scheduling::PartyKind;
    use chrono::TimeZone;
    use hms_core::error::{FieldCode, ValidationError};
    use hms_core::ids::{AppointmentId, StaffId};
    use hms_core::scheduling::{Conflict, Party as CoreParty};

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, h, m, 0).unwrap()
    }

    #[test]
    fn a_slot_conflict_lists_appointment_ids_and_iso_intervals() {
        let doctor = StaffId::from_uuid(uuid::Uuid::from_u128(7));
        let appointment = AppointmentId::from_uuid(uuid::Uuid::from_u128(9));
        let e: Error = SchedulingError::SlotConflict {
            conflicts: vec![Conflict {
                party: CoreParty::Doctor(doctor),
                appointment,
                interval: Interval::new(at(9, 0), at(9, 30)).unwrap(),
            }],
        }
        .into();
        let d = describe(&e);
        assert_eq!((d.code, d.kind), ("slot_conflict", "slot_conflict"));
        assert_eq!(
            d.details,
            vec![(
                "conflicts",
                Detail::Conflicts(vec![ConflictDetail {
                    party: Party {
                        kind: PartyKind::Doctor,
                        id: doctor.to_string()
                    },
                    appointment_id: appointment.to_string(),
                    interval: IsoInterval {
                        start: "2026-03-02T09:00:00.000Z".into(),
                        end: "2026-03-02T09:30:00.000Z".into(),
                    },
                }])
            )]
        );
    }

    #[test]
    fn validation_problems_carry_camel_case_paths() {
        let mut v = ValidationError::default();
        v.push("birth_date", FieldCode::FutureDate, "in the future");
        v.push("emergency_contacts[0].phone", FieldCode::InvalidPhone, "bad");
        let d = describe(&v.into());
        assert_eq!((d.code, d.kind), ("invalid_input", "validation"));
        let [(key, Detail::Problems(p))] = d.details.as_slice() else {
            panic!("one problems detail")
        };
        assert_eq!(*key, "problems");
        let fields: Vec<_> = p.iter().map(|p| (p.field.as_str(), p.code.as_str())).collect();
        assert_eq!(
            fields,
            [
                ("birthDate", "future_date"),
                ("emergencyContacts[0].phone", "invalid_phone")
            ]
        );
    }

    /// One error of every variant the core has today.
    fn one_of_each() -> Vec<Error> {
        let id = uuid::Uuid::from_u128(1);
        let iv = Interval::new(at(9, 0), at(9, 15)).unwrap();
        let status = hms_core::scheduling::AppointmentStatus::Booked;
        let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let mut errors: Vec<Error> = vec![
            ValidationError::single("x", FieldCode::Required, "m").into(),
            Error::NotFound {
                entity: "patient",
                key: "k".into(),
            },
            MoneyError::CurrencyMismatch {
                left: hms_core::money::Currency::USD,
                right: hms_core::money::Currency::EUR,
            }
            .into(),
            MoneyError::UnknownCurrency { code: "XYZ".into() }.into(),
            TimeError::EmptyInterval {
                start: at(9, 0),
                end: at(9, 0),
            }
            .into(),
            TimeError::UnknownZone { name: "Mars".into() }.into(),
            PeopleError::DuplicatePatient {
                existing: hms_core::ids::PatientId::from_uuid(id),
                matched_on: hms_core::people::DuplicateMatch::NationalId,
            }
            .into(),
            PeopleError::DuplicateLicense {
                license_number: "L".into(),
                existing: StaffId::from_uuid(id),
            }
            .into(),
            PeopleError::DuplicateLogin { login: "a".into() }.into(),
            PeopleError::Inactive {
                entity: "patient",
                key: "k".into(),
            }
            .into(),
            PeopleError::AlreadyActive {
                entity: "patient",
                key: "k".into(),
            }
            .into(),
            SchedulingError::SlotConflict { conflicts: vec![] }.into(),
            SchedulingError::InvalidTransition {
                appointment: AppointmentId::from_uuid(id),
                from: status,
                to: status,
            }
            .into(),
            SchedulingError::NoResourceOfKind { kind: "mri".into() }.into(),
            SchedulingError::IdempotencyMismatch {
                key: "k".into(),
                existing: AppointmentId::from_uuid(id),
            }
            .into(),
            AvailabilityError::OutsideAvailability {
                doctor: StaffId::from_uuid(id),
                interval: iv,
            }
            .into(),
            AvailabilityError::InPast {
                start: at(9, 0),
                now: at(10, 0),
            }
            .into(),
            AvailabilityError::InsideLeadTime {
                start: at(9, 0),
                earliest: at(10, 0),
                lead_time_minutes: 60,
            }
            .into(),
            AvailabilityError::BeyondHorizon {
                date: day,
                last_date: day,
                horizon_days: 0,
            }
            .into(),
            AvailabilityError::VisitTypeNotOffered {
                doctor: StaffId::from_uuid(id),
                visit_type: "v".into(),
            }
            .into(),
            AvailabilityError::NonexistentLocalTime {
                date: day,
                time: chrono::NaiveTime::from_hms_opt(2, 30, 0).unwrap(),
                zone: chrono_tz::Europe::Berlin,
            }
            .into(),
            AccessError::Forbidden {
                account: hms_core::ids::AccountId::from_uuid(id),
                action: hms_core::access::Action::Read,
                resource: hms_core::access::ResourceKind::Staff,
                rule: "r".into(),
                reason: "no".into(),
            }
            .into(),
            AccessError::UnknownAccount {
                account: hms_core::ids::AccountId::from_uuid(id),
            }
            .into(),
            AccessError::NotSignedIn.into(),
            AccessError::AlreadyBootstrapped.into(),
            MoneyError::Overflow {
                amount: hms_core::money::Money::new(
                    rust_decimal::Decimal::ONE,
                    hms_core::money::Currency::USD,
                ),
            }
            .into(),
            TimeError::OutOfRange {
                from: at(9, 0),
                by: chrono::Duration::minutes(1),
            }
            .into(),
            AccessError::InvalidPolicy {
                problems: vec![hms_core::access::PolicyProblem {
                    path: "rules[0].roles[0]".into(),
                    code: hms_core::access::PolicyProblemCode::UnknownRole,
                    message: "m".into(),
                }],
            }
            .into(),
            AccessError::DuplicateCareTeamMember {
                staff: StaffId::from_uuid(id),
                patient: hms_core::ids::PatientId::from_uuid(id),
                existing: hms_core::ids::CareTeamLinkId::from_uuid(id),
            }
            .into(),
            AccessError::CareTeamLinkEnded {
                link: hms_core::ids::CareTeamLinkId::from_uuid(id),
            }
            .into(),
            StorageError::Backend {
                backend: "memory",
                message: "m".into(),
            }
            .into(),
            StorageError::Poisoned.into(),
        ];
        let usd = |n: i64| hms_core::money::Money::from_minor(n, hms_core::money::Currency::USD);
        let invoice = hms_core::ids::InvoiceId::from_uuid(id);
        let issued = hms_core::billing::InvoiceStatus::Issued;
        let drug = hms_core::ids::DrugId::from_uuid(id);
        let batch = hms_core::ids::BatchId::from_uuid(id);
        let rx = hms_core::ids::PrescriptionId::from_uuid(id);
        let reservation = hms_core::ids::ReservationId::from_uuid(id);
        errors.extend(
            [
                BillingError::InvalidTransition {
                    invoice,
                    from: issued,
                    to: hms_core::billing::InvoiceStatus::Draft,
                },
                BillingError::ImmutableInvoice {
                    invoice,
                    status: issued,
                },
                BillingError::NotChargeable {
                    appointment: AppointmentId::from_uuid(id),
                    status,
                },
                BillingError::NoPrice {
                    item: "cbc".into(),
                    date: day,
                },
                BillingError::IdempotencyMismatch {
                    reference: "r".into(),
                    what: "payment",
                },
                BillingError::Duplicate {
                    reference: "r".into(),
                },
                BillingError::Overpayment {
                    amount: usd(2),
                    due: usd(1),
                },
                BillingError::OverRefund {
                    payment: hms_core::ids::PaymentId::from_uuid(id),
                    amount: usd(2),
                    refundable: usd(1),
                },
                BillingError::OverCredit {
                    invoice,
                    amount: usd(2),
                    open: usd(1),
                },
                BillingError::InvalidSignature {
                    provider: "memory".into(),
                },
                BillingError::GatewayFailed {
                    provider: "memory".into(),
                    message: "down".into(),
                },
            ]
            .map(Error::from),
        );
        let ward = hms_core::pharmacy::Location::parse("ward-3").unwrap();
        errors.extend(
            [
                PharmacyError::InsufficientStock {
                    drug,
                    batch: Some(batch),
                    location: ward,
                    requested: 5,
                    available: 2,
                },
                PharmacyError::BatchUnusable {
                    batch,
                    problem: BatchProblem::Expired { expiry: day },
                },
                PharmacyError::PrescriptionRequired { drug },
                PharmacyError::ExceedsPrescription {
                    prescription: rx,
                    line: 0,
                    fill: 0,
                    requested: 5,
                    remaining: 2,
                },
                PharmacyError::RefillsExhausted {
                    prescription: rx,
                    line: 0,
                    fills: 1,
                },
                PharmacyError::ExceedsDispensed {
                    dispense: hms_core::ids::DispenseId::from_uuid(id),
                    line: 0,
                    requested: 5,
                    remaining: 2,
                },
                PharmacyError::ReservationExpired {
                    reservation,
                    expired_at: at(9, 0),
                },
                PharmacyError::ReservationClosed {
                    reservation,
                    status: hms_core::pharmacy::ReservationStatus::Released,
                },
                PharmacyError::AlreadyRecalled { batch },
                PharmacyError::DuplicateBatch {
                    drug,
                    batch_number: "B1".into(),
                    existing: batch,
                },
            ]
            .map(Error::from),
        );
        errors
    }

    #[test]
    fn money_details_are_exact_strings_and_batch_problems_name_their_dates() {
        let usd = |n| hms_core::money::Money::from_minor(n, hms_core::money::Currency::USD);
        let d = describe(
            &BillingError::Overpayment {
                amount: usd(1050),
                due: usd(1000),
            }
            .into(),
        );
        assert_eq!(d.code, "overpayment");
        assert_eq!(
            d.details[0],
            (
                "amount",
                Detail::Amount(Money {
                    amount: "10.50".into(),
                    currency: "USD".into()
                })
            )
        );
        let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let p = batch_problem(&BatchProblem::ExpiresTooSoon {
            expiry: day,
            needed_through: day,
        });
        assert_eq!(p.kind, "expires_too_soon");
        assert_eq!(p.needed_through.as_deref(), Some("2026-03-02"));
    }

    #[test]
    fn every_known_variant_has_its_own_kind() {
        let errors = one_of_each();
        let kinds: Vec<&str> = errors.iter().map(|e| describe(e).kind).collect();
        assert!(kinds.iter().all(|k| is_known_kind(k)), "{kinds:?}");
        let unique: std::collections::BTreeSet<_> = kinds.iter().collect();
        assert_eq!(unique.len(), kinds.len(), "one kind per variant: {kinds:?}");
    }

    #[test]
    fn every_code_has_a_known_kind() {
        let covered: std::collections::BTreeSet<&str> =
            one_of_each().iter().map(|e| describe(e).code).collect();
        let listed: std::collections::BTreeSet<&str> = hms_core::all_error_codes()
            .iter()
            .copied()
            .filter(|c| !NOT_EXPOSED.contains(c))
            .collect();
        assert_eq!(
            covered, listed,
            "a new error code: add its variant to `describe` and to `one_of_each`"
        );
    }

    #[test]
    fn iso_instants_match_javascript() {
        assert_eq!(iso(at(9, 5)), "2026-03-02T09:05:00.000Z");
    }
}
