//! The shared scheduling vectors (`tests/vectors/slots.json`, `tests/vectors/booking_findings.json`):
//! every case runs here against hms-core's pure rules, and the WASM suites (wasm-bindgen tests inside
//! the module, and the Node tests of the JavaScript package) run the same files through the binding.
//!
//! Inputs and `ok` values are hms-core's serde shapes (snake_case keys); the bindings compare them
//! with their keys in camelCase. The ops:
//! - `free_slots`: `{template, exceptions?, bookings?, visit_type, range: {from, until}, now}` →
//!   the free slots (hms-core `Slot`s). The template and exceptions are validated first (every bad
//!   field, `template.`-prefixed, as `invalid_input`); a visit type the template does not offer is
//!   `visit_type_not_offered`, as the hospital facade answers.
//! - `booking_findings`: the same calendar and `{visit_type, start, now, patient?: {id, bookings},
//!   ignore?}` → `{bookable, findings, conflicts}`: hms-core's `booking_findings` with the conflicts
//!   of `find_conflicts` as one `slot_conflict` finding after the other errors.
//!
//! `bookings` are `{id, interval, shared?}`; instants are RFC 3339 strings, and `now` and `start` may
//! also be milliseconds since the epoch.

use chrono::{DateTime, NaiveDate, Utc};
use hms_core::error::{FieldCode, ValidationError};
use hms_core::finding::{has_errors, Finding};
use hms_core::ids::{AppointmentId, PatientId};
use hms_core::scheduling::availability::{
    booking_findings, validate_exceptions, validate_template, AvailabilityError, AvailabilityException,
    AvailabilityTemplate, DateRange,
};
use hms_core::scheduling::booking::{find_conflicts, Overlaps, TimeRequest};
use hms_core::scheduling::calendar::{CalendarIndex, Entry};
use hms_core::scheduling::slots::free_slots;
use hms_core::scheduling::SchedulingError;
use hms_core::time::Interval;
use hms_core::Error;
use serde::Deserialize;
use serde_json::{json, Value};

use super::vectors::{assert_no_failures, check_cases, dir, VectorFile};

/// The files this runner owns, and the ops they use.
const FILES: &[&str] = &["slots.json", "booking_findings.json"];
const OPS: &[&str] = &["free_slots", "booking_findings"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Booking {
    id: AppointmentId,
    interval: Interval,
    #[serde(default)]
    shared: bool,
}

impl Booking {
    fn entry(&self) -> Entry {
        Entry {
            id: self.id,
            interval: self.interval,
            shared: self.shared,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Patient {
    id: PatientId,
    #[serde(default)]
    bookings: Vec<Booking>,
}

/// A wrong input shape, as the bindings report it: `invalid_input` on the field `input`.
fn bad_shape(e: impl std::fmt::Display) -> Error {
    ValidationError::single("input", FieldCode::InvalidFormat, e.to_string()).into()
}

fn field<T: serde::de::DeserializeOwned + Default>(input: &Value, key: &str) -> Result<T, Error> {
    match input.get(key) {
        None | Some(Value::Null) => Ok(T::default()),
        Some(v) => serde_json::from_value(v.clone()).map_err(bad_shape),
    }
}

fn required<T: serde::de::DeserializeOwned>(input: &Value, key: &str) -> Result<T, Error> {
    serde_json::from_value(input.get(key).cloned().unwrap_or(Value::Null)).map_err(bad_shape)
}

/// An RFC 3339 string or milliseconds since the epoch.
fn instant(input: &Value, key: &str) -> Result<DateTime<Utc>, Error> {
    match input.get(key) {
        Some(Value::Number(n)) => n
            .as_i64()
            .and_then(DateTime::from_timestamp_millis)
            .ok_or_else(|| bad_shape(format!("`{n}` is not an instant"))),
        _ => required(input, key),
    }
}

/// The calendar of a case, validated as a binding validates it.
struct Calendar {
    template: AvailabilityTemplate,
    exceptions: Vec<AvailabilityException>,
    bookings: CalendarIndex,
}

fn calendar(input: &Value) -> Result<Calendar, Error> {
    let template: AvailabilityTemplate = required(input, "template")?;
    let exceptions: Vec<AvailabilityException> = field(input, "exceptions")?;
    let bookings: Vec<Booking> = field(input, "bookings")?;
    let mut e = ValidationError::default();
    if let Err(t) = validate_template(&template) {
        e.extend_prefixed("template", t);
    }
    if let Err(x) = validate_exceptions(&exceptions) {
        for p in x.problems() {
            e.push(p.field.clone(), p.code, p.message.clone());
        }
    }
    e.into_result()?;
    let mut index = CalendarIndex::new();
    for b in &bookings {
        index.insert(b.id, b.interval, b.shared);
    }
    Ok(Calendar {
        template,
        exceptions,
        bookings: index,
    })
}

fn not_offered(c: &Calendar, code: &str) -> AvailabilityError {
    AvailabilityError::VisitTypeNotOffered {
        doctor: c.template.doctor,
        visit_type: code.to_owned(),
    }
}

/// Runs one op on its input.
fn run(op: &str, input: &Value) -> Result<Value, Error> {
    match op {
        "free_slots" => {
            let c = calendar(input)?;
            let range: Value = required(input, "range")?;
            let from: NaiveDate = required(&range, "from")?;
            let until: NaiveDate = required(&range, "until")?;
            let range = DateRange::new(from, until).map_err(|e| {
                let mut p = ValidationError::default();
                p.extend_prefixed("range", e);
                p
            })?;
            let now = instant(input, "now")?;
            let code: String = required(input, "visit_type")?;
            let visit = c
                .template
                .visit_type(&code)
                .ok_or_else(|| not_offered(&c, &code))?;
            let slots = free_slots(
                &c.template,
                &c.exceptions,
                &c.bookings,
                &|_| true,
                visit,
                range,
                now,
            );
            Ok(serde_json::to_value(slots).expect("slots serialize"))
        }
        "booking_findings" => {
            let c = calendar(input)?;
            let code: String = required(input, "visit_type")?;
            let start = instant(input, "start")?;
            let now = instant(input, "now")?;
            let patient: Option<Patient> = field(input, "patient")?;
            let ignore: Option<AppointmentId> = field(input, "ignore")?;
            let Some(visit) = c.template.visit_type(&code) else {
                let finding = not_offered(&c, &code).to_finding();
                return Ok(json!({"bookable": false, "findings": [finding], "conflicts": []}));
            };
            let interval = Interval::starting_at(start, visit.length())?;
            let held = Interval::starting_at(start, visit.held_length())?;
            let mut findings = booking_findings(&c.template, &c.exceptions, &interval, visit, now);
            let overlaps = Overlaps {
                doctor: c.bookings.overlapping(&held).collect(),
                patient: patient
                    .iter()
                    .flat_map(|p| p.bookings.iter().map(Booking::entry))
                    .collect(),
                resources: Vec::new(),
            };
            let request = TimeRequest {
                doctor: c.template.doctor,
                patient: patient
                    .as_ref()
                    .map_or_else(|| PatientId::from_uuid(uuid::Uuid::nil()), |p| p.id),
                held,
                doctor_capacity: c.template.capacity,
                ignore,
                resources: &[],
            };
            let conflicts = find_conflicts(&request, &overlaps);
            if !conflicts.is_empty() {
                let err = SchedulingError::SlotConflict {
                    conflicts: conflicts.clone(),
                };
                let at = findings.iter().take_while(|f| f.is_error()).count();
                findings.insert(at, Finding::error(err.code(), err.to_string()));
            }
            Ok(json!({
                "bookable": !has_errors(&findings),
                "findings": findings,
                "conflicts": conflicts,
            }))
        }
        other => panic!("unknown op `{other}`: add it to this runner"),
    }
}

/// Runs every case of a file; returns a description of each failure. `ok` values compare as JSON.
fn check_file(name: &str) -> Vec<String> {
    check_cases(name, OPS, &run, &|_, want, got| want == got)
}

fn assert_file(name: &str) {
    assert_no_failures(check_file(name));
}

#[test]
fn slots() {
    assert_file("slots.json");
}

#[test]
fn booking_findings_vectors() {
    assert_file("booking_findings.json");
}

#[test]
fn the_scheduling_files_exist_and_use_only_known_ops() {
    for f in FILES {
        let raw = std::fs::read_to_string(dir().join(f)).unwrap();
        let file: VectorFile = serde_json::from_str(&raw).unwrap();
        assert!(file.cases.iter().all(|c| OPS.contains(&c.op.as_str())), "{f}");
    }
}

#[test]
fn a_wrong_expectation_is_reported() {
    // The runner itself must be able to fail: a case whose expectation is wrong is caught.
    let raw = std::fs::read_to_string(dir().join("slots.json")).unwrap();
    let mut file: Value = serde_json::from_str(&raw).unwrap();
    let case = &mut file["cases"][0];
    let got = run(case["op"].as_str().unwrap(), &case["input"]).unwrap();
    assert_eq!(got, case["expect"]["ok"], "the first case passes as written");
    case["input"]["now"] = json!("2026-03-02T03:40:00Z");
    let later = run(case["op"].as_str().unwrap(), &case["input"]).unwrap();
    assert_ne!(later, case["expect"]["ok"], "a later `now` removes slots");
}
