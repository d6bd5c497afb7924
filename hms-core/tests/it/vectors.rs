//! The shared JSON test vectors (`tests/vectors/*.json`, format in its README): every case of every
//! file runs against the pure rules here, and the Python, Node and WASM suites run the same files
//! through their bindings, so the four can never drift apart.
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use hms_core::billing::{
    self, CoveragePlan, CoverageUsage, Discount, InvoiceInput, LineInput, RoundingMode, TaxRate,
};
use hms_core::ids::{BatchId, DrugId};
use hms_core::money::{Currency, Money};
use hms_core::people::{self, Mrn, PatientDetails};
use hms_core::pharmacy::fefo::{self, Candidate};
use hms_core::pharmacy::{Location, PharmacyError};
use hms_core::scheduling::schedule_check::{self, RowVerdict};
use hms_core::time::Interval;
use hms_core::Error;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

/// A vector file, in the format every runner of this test binary reads (see `tests/vectors/README.md`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VectorFile {
    #[allow(dead_code)]
    description: String,
    pub(crate) cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Case {
    pub(crate) name: String,
    pub(crate) op: String,
    pub(crate) input: Value,
    pub(crate) expect: Expect,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum Expect {
    Ok(Value),
    Error(ExpectedError),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExpectedError {
    code: String,
    #[serde(default)]
    fields: Option<Vec<ExpectedField>>,
}

#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExpectedField {
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
    "price_invoice",
    "fefo_allocate",
    "check_schedule",
];

pub(crate) fn dir() -> PathBuf {
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
        "price_invoice" => price_invoice(input),
        "fefo_allocate" => fefo_allocate(input),
        "check_schedule" => check_schedule(input),
        other => panic!("unknown op `{other}`: add it to this runner and to the README"),
    }
}

/// `{"kind": "percent" | "amount", "value": decimal}` as a core discount in `currency`.
fn discount(v: &Value, currency: Currency) -> Option<Discount> {
    if v.is_null() {
        return None;
    }
    let value = decimal(&v["value"]);
    Some(match text(v, "kind") {
        "percent" => Discount::Percent(value),
        "amount" => Discount::Amount(Money::new(value, currency)),
        other => panic!("unknown discount kind `{other}`"),
    })
}

/// The `price_invoice` op: the vector's flat shapes (amounts as strings in the invoice currency)
/// mapped onto `billing::calculate`, and the breakdown mapped back.
fn price_invoice(input: &Value) -> Result<Value, Error> {
    let currency = Currency::from_code(text(input, "currency"))?;
    let money = |v: &Value| Money::new(decimal(v), currency);
    let rounding: RoundingMode =
        serde_json::from_value(input["rounding"].clone()).expect("`rounding` is a rounding mode");
    let lines: Vec<LineInput> = input["lines"]
        .as_array()
        .expect("`lines` is a list")
        .iter()
        .map(|l| LineInput {
            item_code: text(l, "item_code").to_owned(),
            quantity: decimal(&l["quantity"]),
            unit_price: money(&l["unit_price"]),
            tax: TaxRate::new(text(&l["tax"], "category"), decimal(&l["tax"]["percent"])),
            tax_inclusive: l["tax_inclusive"].as_bool().unwrap_or(false),
            discount: discount(&l["discount"], currency),
            visit_type: l["visit_type"].as_str().map(str::to_owned),
            preauthorized: l["preauthorized"].as_bool().unwrap_or(false),
        })
        .collect();
    let coverage = match &input["coverage"] {
        Value::Null => None,
        c => {
            let p = &c["plan"];
            let names = |key: &str| -> BTreeSet<String> {
                p[key]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|v| v.as_str().expect("item codes are strings").to_owned())
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let plan = CoveragePlan {
                payer: text(p, "payer").to_owned(),
                plan: p["plan"].as_str().unwrap_or("").to_owned(),
                currency,
                annual_deductible: money(&p["annual_deductible"]),
                copays: p["copays"]
                    .as_object()
                    .map(|o| o.iter().map(|(k, v)| (k.clone(), money(v))).collect())
                    .unwrap_or_default(),
                coinsurance_percent: decimal(&p["coinsurance_percent"]),
                out_of_pocket_max: (!p["out_of_pocket_max"].is_null())
                    .then(|| money(&p["out_of_pocket_max"])),
                not_covered: names("not_covered"),
                preauthorization_required: names("preauthorization_required"),
            };
            let usage = CoverageUsage {
                deductible_used: money(&c["usage"]["deductible_used"]),
                out_of_pocket_used: money(&c["usage"]["out_of_pocket_used"]),
            };
            Some((plan, usage))
        }
    };
    let b = billing::calculate(&InvoiceInput {
        currency,
        rounding,
        lines: &lines,
        invoice_discount: discount(&input["invoice_discount"], currency),
        coverage: coverage.as_ref().map(|(p, u)| (p, *u)),
    })?;
    let amount = |m: &Money| json!(m.amount.to_string());
    Ok(json!({
        "lines": b.lines.iter().map(|l| json!({
            "extended": amount(&l.extended),
            "line_discount": amount(&l.line_discount),
            "invoice_discount": amount(&l.invoice_discount),
            "net": amount(&l.net),
            "tax": amount(&l.tax),
            "gross": amount(&l.gross),
            "payer": amount(&l.share.payer),
            "patient": amount(&l.share.patient),
            "copay": amount(&l.share.copay),
            "deductible": amount(&l.share.deductible),
            "coinsurance": amount(&l.share.coinsurance),
            "not_covered": amount(&l.share.not_covered),
            "basis": serde_json::to_value(l.share.basis).expect("a basis serializes"),
            "capped": l.share.capped,
        })).collect::<Vec<_>>(),
        "taxes": b.taxes.iter().map(|t| json!({
            "category": t.tax.category,
            "percent": t.tax.percent.to_string(),
            "taxable": amount(&t.taxable),
            "amount": amount(&t.amount),
        })).collect::<Vec<_>>(),
        "totals": {
            "extended": amount(&b.totals.extended),
            "line_discounts": amount(&b.totals.line_discounts),
            "invoice_discount": amount(&b.totals.invoice_discount),
            "net": amount(&b.totals.net),
            "tax": amount(&b.totals.tax),
            "gross": amount(&b.totals.gross),
            "payer": amount(&b.totals.payer),
            "patient": amount(&b.totals.patient),
        },
    }))
}

/// The `fefo_allocate` op: `pharmacy::fefo::allocate` over the listed batches; a shortfall is the
/// `insufficient_stock` error the dispensing use cases report for it.
/// `rows` (each `{calendars, start, end}`) checked in one schedule check: one verdict per row,
/// `{accepted, clashes: [{calendar, row}]}`.
fn check_schedule(input: &Value) -> Result<Value, Error> {
    let rows = input["rows"].as_array().expect("`rows` is a list");
    let mut parsed: Vec<(Vec<String>, Interval)> = Vec::with_capacity(rows.len());
    for r in rows {
        let calendars = r["calendars"]
            .as_array()
            .expect("`calendars` is a list")
            .iter()
            .map(|c| c.as_str().expect("a calendar is a string").to_owned())
            .collect();
        parsed.push((calendars, interval(r)?));
    }
    let verdicts = schedule_check::check_schedule(parsed.iter().map(|(c, i)| (c.as_slice(), *i)));
    Ok(json!(verdicts
        .into_iter()
        .map(|v| match v {
            RowVerdict::Accepted => json!({"accepted": true, "clashes": []}),
            RowVerdict::Rejected(clashes) => json!({
                "accepted": false,
                "clashes": clashes
                    .into_iter()
                    .map(|c| json!({"calendar": c.party, "row": c.row}))
                    .collect::<Vec<_>>(),
            }),
        })
        .collect::<Vec<_>>()))
}

fn fefo_allocate(input: &Value) -> Result<Value, Error> {
    let date = |key: &str| NaiveDate::from_str(text(input, key)).expect("a date");
    let candidates: Vec<Candidate> = input["batches"]
        .as_array()
        .expect("`batches` is a list")
        .iter()
        .map(|b| Candidate {
            batch: BatchId::from_uuid(Uuid::parse_str(text(b, "batch")).expect("a batch id is a UUID")),
            expiry: b["expiry"]
                .as_str()
                .map(|d| NaiveDate::from_str(d).expect("`expiry` is a date")),
            received_at: instant(&b["received_at"]),
            recalled: b["recalled"].as_bool().unwrap_or(false),
            available: u32::try_from(b["available"].as_u64().expect("`available` is a whole number"))
                .expect("`available` fits"),
        })
        .collect();
    let quantity = u32::try_from(input["quantity"].as_u64().expect("`quantity` is a whole number"))
        .expect("`quantity` fits");
    match fefo::allocate(&candidates, quantity, date("today"), date("needed_through")) {
        Ok(picks) => Ok(json!(picks
            .iter()
            .map(|p| json!({"batch": p.batch.to_string(), "quantity": p.quantity}))
            .collect::<Vec<_>>())),
        Err(s) => Err(PharmacyError::InsufficientStock {
            drug: DrugId::from_uuid(Uuid::nil()),
            batch: None,
            location: Location::parse("main").expect("a location code"),
            requested: s.requested,
            available: s.available,
        }
        .into()),
    }
}

/// Whether two JSON values are the same, strings that are both decimal numbers comparing as numbers.
fn same_json(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::String(e), Value::String(a)) => {
            match (Decimal::from_str_exact(e), Decimal::from_str_exact(a)) {
                (Ok(x), Ok(y)) => x == y,
                _ => e == a,
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            e.len() == a.len() && e.iter().zip(a).all(|(x, y)| same_json(x, y))
        }
        (Value::Object(e), Value::Object(a)) => {
            e.len() == a.len() && e.iter().all(|(k, x)| a.get(k).is_some_and(|y| same_json(x, y)))
        }
        _ => expected == actual,
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
        "price_invoice" => same_json(expected, actual),
        _ => expected == actual,
    }
}

/// The vector file `name`, read and parsed (a test fails on a file it cannot read).
pub(crate) fn load(name: &str) -> VectorFile {
    let path = dir().join(name);
    let raw = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&raw).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs every case of a file; returns a description of each failure.
fn check_file(name: &str) -> Vec<String> {
    check_cases(name, OPS, &run, &same_ok)
}

/// Runs every case of the vector file `name` through `run` (each case's op must be one of `ops`),
/// comparing `ok` values with `same_ok` and errors by code and, when the case lists them, by the
/// fields of a validation error. Returns a description of each failure.
pub(crate) fn check_cases(
    name: &str,
    ops: &[&str],
    run: &dyn Fn(&str, &Value) -> Result<Value, Error>,
    same_ok: &dyn Fn(&str, &Value, &Value) -> bool,
) -> Vec<String> {
    let file = load(name);
    assert!(!file.cases.is_empty(), "{name} has no cases");
    let names: BTreeSet<&str> = file.cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names.len(), file.cases.len(), "{name}: case names must be unique");

    let mut failures = Vec::new();
    for case in &file.cases {
        assert!(
            ops.contains(&case.op.as_str()),
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
    assert_no_failures(check_file(name));
}

/// Fails the test with every failure listed, if there are any.
pub(crate) fn assert_no_failures(failures: Vec<String>) {
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
    "invoice_pricing.json",
    "fefo_allocation.json",
    "schedule_check.json",
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
fn invoice_pricing() {
    assert_file("invoice_pricing.json");
}

#[test]
fn fefo_allocation() {
    assert_file("fefo_allocation.json");
}

#[test]
fn schedule_check() {
    assert_file("schedule_check.json");
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
        "price_invoice",
        &json!({"totals": {"gross": "10.00"}}),
        &json!({"totals": {"gross": "10.01"}})
    ));
    assert!(same_ok(
        "price_invoice",
        &json!({"taxes": [{"category": "S", "amount": "1"}]}),
        &json!({"taxes": [{"category": "S", "amount": "1.00"}]})
    ));
    assert!(!same_ok(
        "money_allocate",
        &json!(["1.00", "2.00"]),
        &json!(["1.00"])
    ));
}
