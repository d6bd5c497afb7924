//! The shared JSON test vectors (`tests/vectors/*.json`, format in its README): every case of every
//! file runs against the pure rules here, and the Python, Node and WASM suites run the same files
//! through their bindings, so the four can never drift apart.
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use hms_core::money::{Currency, Money};
use hms_core::people::{self, Mrn, PatientDetails};
use hms_core::time::Interval;
use hms_core::Error;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VectorFile {
    #[allow(dead_code)]
    description: String,
    cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    op: String,
    input: Value,
    expect: Expect,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum Expect {
    Ok(Value),
    Error(ExpectedError),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedError {
    code: String,
    #[serde(default)]
    fields: Option<Vec<ExpectedField>>,
}

#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
struct ExpectedField {
    field: String,
    code: String,
}

/// Every op this runner knows, and how its `ok` values compare.
const OPS: &[&str] = &[
    "validate_patient",
    "money_allocate",
    "money_round",
    "interval_overlap",
    "normalize_phone",
    "mrn_from_sequence",
];

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

fn text<'a>(input: &'a Value, key: &str) -> &'a str {
    input[key]
        .as_str()
        .unwrap_or_else(|| panic!("input `{key}` must be a string in {input}"))
}

fn decimal(v: &Value) -> Decimal {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("amounts are strings, got {v}"));
    Decimal::from_str_exact(s).unwrap_or_else(|e| panic!("`{s}` is not a decimal: {e}"))
}

fn instant(v: &Value) -> DateTime<Utc> {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("instants are strings, got {v}"));
    DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("`{s}` is not an RFC 3339 instant: {e}"))
        .with_timezone(&Utc)
}

fn interval(v: &Value) -> Result<Interval, Error> {
    Ok(Interval::new(instant(&v["start"]), instant(&v["end"]))?)
}

/// Runs one op on its input.
fn run(op: &str, input: &Value) -> Result<Value, Error> {
    match op {
        "validate_patient" => {
            let today = NaiveDate::from_str(text(input, "today")).expect("`today` is a date");
            let details: PatientDetails =
                serde_json::from_value(input["details"].clone()).expect("`details` are patient details");
            let valid = people::validate_patient(&details, today)?;
            Ok(serde_json::to_value(valid).expect("details serialize"))
        }
        "money_allocate" => {
            let currency = Currency::from_code(text(input, "currency"))?;
            let weights: Vec<Decimal> = input["weights"]
                .as_array()
                .expect("`weights` is a list")
                .iter()
                .map(decimal)
                .collect();
            let parts = Money::new(decimal(&input["amount"]), currency).allocate(&weights)?;
            Ok(json!(parts
                .iter()
                .map(|m| m.amount.to_string())
                .collect::<Vec<_>>()))
        }
        "money_round" => {
            let currency = Currency::from_code(text(input, "currency"))?;
            Ok(json!(Money::new(decimal(&input["amount"]), currency)
                .round()
                .amount
                .to_string()))
        }
        "interval_overlap" => {
            let a = interval(&input["a"])?;
            let b = interval(&input["b"])?;
            Ok(json!(a.overlaps(&b)))
        }
        "normalize_phone" => Ok(json!(people::normalize_phone(text(input, "raw")))),
        "mrn_from_sequence" => {
            let n = input["sequence"].as_u64().expect("`sequence` is a whole number");
            Ok(json!(Mrn::from_sequence(n).as_str()))
        }
        other => panic!("unknown op `{other}`: add it to this runner and to the README"),
    }
}

/// Whether an `ok` value matches: amounts compare as decimal numbers (`"5"` equals `"5.00"`),
/// everything else as JSON.
fn same_ok(op: &str, expected: &Value, actual: &Value) -> bool {
    match op {
        "money_allocate" => {
            let (Some(e), Some(a)) = (expected.as_array(), actual.as_array()) else {
                return false;
            };
            e.len() == a.len() && e.iter().zip(a).all(|(x, y)| decimal(x) == decimal(y))
        }
        "money_round" => decimal(expected) == decimal(actual),
        _ => expected == actual,
    }
}

/// Runs every case of a file; returns a description of each failure.
fn check_file(name: &str) -> Vec<String> {
    let path = dir().join(name);
    let raw = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file: VectorFile = serde_json::from_str(&raw).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(!file.cases.is_empty(), "{name} has no cases");
    let names: BTreeSet<&str> = file.cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names.len(), file.cases.len(), "{name}: case names must be unique");

    let mut failures = Vec::new();
    for case in &file.cases {
        assert!(
            OPS.contains(&case.op.as_str()),
            "{name}: unknown op `{}`",
            case.op
        );
        let outcome = run(&case.op, &case.input);
        let problem = match (&case.expect, &outcome) {
            (Expect::Ok(want), Ok(got)) if same_ok(&case.op, want, got) => None,
            (Expect::Ok(want), Ok(got)) => Some(format!("expected {want}, got {got}")),
            (Expect::Ok(want), Err(e)) => Some(format!("expected {want}, got error `{}`: {e}", e.code())),
            (Expect::Error(want), Ok(got)) => Some(format!("expected error `{}`, got {got}", want.code)),
            (Expect::Error(want), Err(e)) => {
                let fields: Vec<ExpectedField> = match e {
                    Error::Validation(v) => v
                        .problems()
                        .iter()
                        .map(|p| ExpectedField {
                            field: p.field.clone(),
                            code: p.code.code().to_owned(),
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                if want.code != e.code() {
                    Some(format!("expected error `{}`, got `{}`: {e}", want.code, e.code()))
                } else if want.fields.as_ref().is_some_and(|w| *w != fields) {
                    Some(format!("expected fields {:?}, got {fields:?}", want.fields))
                } else {
                    None
                }
            }
        };
        if let Some(p) = problem {
            failures.push(format!("{name} / {}: {p}", case.name));
        }
    }
    failures
}

fn assert_file(name: &str) {
    let failures = check_file(name);
    assert!(
        failures.is_empty(),
        "{} failing case(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

const FILES: &[&str] = &[
    "patient_validation.json",
    "money_allocation.json",
    "money_rounding.json",
    "interval_overlap.json",
    "phone_normalization.json",
    "mrn.json",
];

/// Vector files with a runner of their own (another module of this test binary).
const RUN_ELSEWHERE: &[&str] = &[
    "access.json",             // vectors_access
    "booking_findings.json",   // vectors_scheduling
    "calendar_conflicts.json", // vectors_calendar
    "slots.json",              // vectors_scheduling
];

#[test]
fn patient_validation() {
    assert_file("patient_validation.json");
}

#[test]
fn money_allocation() {
    assert_file("money_allocation.json");
}

#[test]
fn money_rounding() {
    assert_file("money_rounding.json");
}

#[test]
fn interval_overlap() {
    assert_file("interval_overlap.json");
}

#[test]
fn phone_normalization() {
    assert_file("phone_normalization.json");
}

#[test]
fn mrn() {
    assert_file("mrn.json");
}

#[test]
fn every_vector_file_is_run() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(dir())
        .expect("the vectors directory exists")
        .map(|e| {
            e.expect("a directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.ends_with(".json"))
        .collect();
    let run: BTreeSet<String> = FILES
        .iter()
        .chain(RUN_ELSEWHERE)
        .map(|f| (*f).to_owned())
        .collect();
    assert_eq!(on_disk, run, "add a test for each vector file");
}

#[test]
fn a_wrong_expectation_is_reported() {
    // The runner itself must be able to fail: a case that expects the wrong answer is caught.
    let input = json!({"raw": "+91 (80) 4123-4567"});
    let got = run("normalize_phone", &input).unwrap();
    assert!(!same_ok("normalize_phone", &json!("+91 80 4123 4567"), &got));
    assert!(same_ok("money_round", &json!("12.30"), &json!("12.3")));
    assert!(!same_ok(
        "money_allocate",
        &json!(["1.00", "2.00"]),
        &json!(["1.00"])
    ));
}
