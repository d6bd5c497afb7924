//! The shared access vectors (`tests/vectors/access.json`): every case runs here against hms-core's
//! pure `decide` with the built-in hospital policy, and the WASM suites (wasm-bindgen tests inside the
//! module, and the Node tests of the JavaScript package) run the same file through the binding's UI-hint
//! functions, so the forecast a page shows and the server's decision cannot drift apart.
//!
//! Inputs and `ok` values use snake_case keys; the bindings compare them with their keys in camelCase.
//! The ops:
//! - `decide`: `{subject: {account, roles, staff?, patient?}, action, resource, patient?, grants?,
//!   facts?, now}` → `{allowed, rule_id, reason, break_glass}` (the reason as its sentence);
//! - `permitted_actions`: the same without `action` and `grants` → the actions `decide` allows, in
//!   declaration order.
//!
//! `facts` holds `relationships` (hms-core `RelationshipFact`s), `break_glass` (`BreakGlassGrant`s)
//! and `appointments` (`{doctor, patient, interval, cancelled_at?}`, turned into relationship facts by
//! `appointment_fact` with the policy's appointment window). Instants are RFC 3339 strings.
use chrono::{DateTime, Utc};
use hms_core::access::{
    appointment_fact, decide, Action, BreakGlassGrant, CompiledPolicy, Facts, RelationshipFact, Request,
    ResourceKind, Role, Subject,
};
use hms_core::error::{FieldCode, ValidationError};
use hms_core::ids::{AccountId, PatientId, StaffId};
use hms_core::time::Interval;
use hms_core::Error;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use super::vectors::{assert_no_failures, check_cases, Expect, VectorFile};

const FILE: &str = "access.json";
const OPS: &[&str] = &["decide", "permitted_actions"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubjectIn {
    account: AccountId,
    roles: Vec<Role>,
    #[serde(default)]
    staff: Option<StaffId>,
    #[serde(default)]
    patient: Option<PatientId>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AppointmentIn {
    doctor: StaffId,
    patient: PatientId,
    interval: Interval,
    #[serde(default)]
    cancelled_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FactsIn {
    #[serde(default)]
    relationships: Vec<RelationshipFact>,
    #[serde(default)]
    break_glass: Vec<BreakGlassGrant>,
    #[serde(default)]
    appointments: Vec<AppointmentIn>,
}

/// A wrong input shape, as the bindings report it: `invalid_input`.
fn bad_shape(e: impl std::fmt::Display) -> Error {
    ValidationError::single("request", FieldCode::InvalidFormat, e.to_string()).into()
}

fn field<T: DeserializeOwned + Default>(input: &Value, key: &str) -> Result<T, Error> {
    match input.get(key) {
        None | Some(Value::Null) => Ok(T::default()),
        Some(v) => serde_json::from_value(v.clone()).map_err(bad_shape),
    }
}

fn required<T: DeserializeOwned>(input: &Value, key: &str) -> Result<T, Error> {
    serde_json::from_value(input.get(key).cloned().unwrap_or(Value::Null)).map_err(bad_shape)
}

/// The subject, the facts (appointments through the policy's window) and `now` of a case.
fn parts(policy: &CompiledPolicy, input: &Value) -> Result<(Subject, Facts, DateTime<Utc>), Error> {
    let s: SubjectIn = required(input, "subject")?;
    let facts: FactsIn = field(input, "facts")?;
    let now: DateTime<Utc> = required(input, "now")?;
    let window = policy.settings().appointment_window;
    let mut relationships = facts.relationships;
    relationships.extend(
        facts
            .appointments
            .iter()
            .filter_map(|a| appointment_fact(a.doctor, a.patient, &a.interval, a.cancelled_at, &window)),
    );
    let subject = Subject {
        account: s.account,
        roles: s.roles.into_iter().collect(),
        staff: s.staff,
        patient: s.patient,
    };
    Ok((
        subject,
        Facts {
            relationships,
            break_glass: facts.break_glass,
        },
        now,
    ))
}

/// Runs one op on its input.
fn run(policy: &CompiledPolicy, op: &str, input: &Value) -> Result<Value, Error> {
    let (subject, facts, now) = parts(policy, input)?;
    let resource: ResourceKind = required(input, "resource")?;
    let patient: Option<PatientId> = field(input, "patient")?;
    match op {
        "decide" => {
            let action: Action = required(input, "action")?;
            let grants: Vec<Role> = field(input, "grants")?;
            let request =
                Request::new(subject, action, resource, patient).granting(grants.into_iter().collect());
            let d = decide(policy, &request, &facts, now);
            Ok(json!({
                "allowed": d.allowed,
                "rule_id": &*d.rule_id,
                "reason": d.reason.to_string(),
                "break_glass": d.break_glass,
            }))
        }
        "permitted_actions" => {
            let allowed: Vec<&str> = Action::ALL
                .iter()
                .filter(|&&a| {
                    decide(policy, &Request::new(subject, a, resource, patient), &facts, now).allowed
                })
                .map(|a| a.as_str())
                .collect();
            Ok(json!(allowed))
        }
        other => panic!("unknown op `{other}`"),
    }
}

fn load() -> VectorFile {
    super::vectors::load(FILE)
}

#[test]
fn access_vectors() {
    let policy = CompiledPolicy::hospital_default();
    assert_no_failures(check_cases(
        FILE,
        OPS,
        &|op, input| run(&policy, op, input),
        &|_, want, got| want == got,
    ));
}

#[test]
fn the_access_vectors_cover_allowed_denied_emergency_and_errors() {
    // Cases that cannot fail prove nothing: the file holds each kind of outcome.
    let file = load();
    let oks: Vec<&Value> = file
        .cases
        .iter()
        .filter_map(|c| match &c.expect {
            Expect::Ok(v) if c.op == "decide" => Some(v),
            _ => None,
        })
        .collect();
    assert!(oks
        .iter()
        .any(|v| v["allowed"] == true && v["break_glass"] == false));
    assert!(oks.iter().any(|v| v["break_glass"] == true));
    assert!(oks
        .iter()
        .any(|v| v["allowed"] == false && v["rule_id"] == "default-deny"));
    assert!(oks
        .iter()
        .any(|v| v["allowed"] == false && v["rule_id"] != "default-deny"));
    assert!(file.cases.iter().any(|c| matches!(c.expect, Expect::Error(_))));
    assert!(file.cases.iter().any(|c| c.op == "permitted_actions"));
}

#[test]
fn a_wrong_expectation_is_reported() {
    // The first case is a doctor reading a chart through a care-team link; once the link has ended
    // the answer changes.
    let file = load();
    let policy = CompiledPolicy::hospital_default();
    let case = file.cases.first().unwrap();
    let Expect::Ok(want) = &case.expect else {
        panic!("the first case expects a decision")
    };
    assert_eq!(run(&policy, &case.op, &case.input).unwrap(), *want);
    let mut input = case.input.clone();
    input["facts"]["relationships"][0]["valid_until"] = input["now"].clone();
    assert_ne!(run(&policy, &case.op, &input).unwrap(), *want);
}
