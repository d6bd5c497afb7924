//! The shared scheduling and access vectors, run inside the WebAssembly module under Node
//! (`wasm-bindgen-test-runner`; see scripts/test-wasm): the same files hms-core's own runners check
//! (`hms-core/tests/it/vectors_scheduling.rs`, `vectors_access.rs`), through the exported functions
//! and the real JavaScript-value conversions, with keys and error field paths in camelCase.
#![cfg(target_arch = "wasm32")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde::Serialize;
use serde_json::{json, Map, Value};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

/// The vector files, compiled in (the module has no file system).
const FILES: &[(&str, &str)] = &[
    (
        "slots.json",
        include_str!("../../hms-core/tests/vectors/slots.json"),
    ),
    (
        "booking_findings.json",
        include_str!("../../hms-core/tests/vectors/booking_findings.json"),
    ),
    (
        "access.json",
        include_str!("../../hms-core/tests/vectors/access.json"),
    ),
];

/// The ops this binding exposes; cases of other ops are skipped.
const SUPPORTED: &[&str] = &["free_slots", "booking_findings", "decide", "permitted_actions"];

fn camel(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut upper = false;
    for c in s.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The value with every object key in camelCase (values untouched).
fn camel_keys(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (camel(k), camel_keys(v)))
                .collect::<Map<String, Value>>(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(camel_keys).collect()),
        other => other.clone(),
    }
}

fn to_js(v: &Value) -> JsValue {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap()
}

fn call(op: &str, input: &Value) -> Result<Value, JsValue> {
    let input = to_js(&camel_keys(input));
    let out = match op {
        "free_slots" => hms_wasm::free_slots(input),
        "booking_findings" => hms_wasm::validate_booking(input),
        "decide" => hms_wasm::decide_access(input),
        "permitted_actions" => hms_wasm::AccessPolicy::new(None)?.permitted_actions(input),
        other => panic!("op `{other}` is not supported"),
    }?;
    Ok(serde_wasm_bindgen::from_value(out).unwrap())
}

fn prop(v: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(v, &JsValue::from_str(key)).unwrap()
}

/// Runs every supported case of a file; returns (cases run, failures).
fn check(name: &str, raw: &str) -> (usize, Vec<String>) {
    let file: Value = serde_json::from_str(raw).unwrap();
    let mut failures = Vec::new();
    let mut run = 0;
    for case in file["cases"].as_array().unwrap() {
        let op = case["op"].as_str().unwrap();
        if !SUPPORTED.contains(&op) {
            continue;
        }
        run += 1;
        let label = format!("{name} / {}", case["name"].as_str().unwrap());
        let expect = &case["expect"];
        match (call(op, &case["input"]), expect.get("ok")) {
            (Ok(got), Some(want)) => {
                let want = camel_keys(want);
                if got != want {
                    failures.push(format!("{label}: expected {want}\n   got {got}"));
                }
            }
            (Ok(got), None) => failures.push(format!("{label}: expected an error, got {got}")),
            (Err(e), Some(_)) => failures.push(format!(
                "{label}: unexpected error `{:?}`: {:?}",
                prop(&e, "code").as_string(),
                prop(&e, "message").as_string()
            )),
            (Err(e), None) => {
                let want = &expect["error"];
                let code = prop(&e, "code").as_string().unwrap_or_default();
                if prop(&e, "name").as_string().as_deref() != Some(hms_wasm::ERROR_NAME) {
                    failures.push(format!("{label}: the error is not named HmsError"));
                }
                if code != want["code"] {
                    failures.push(format!(
                        "{label}: expected error `{}`, got `{code}`",
                        want["code"]
                    ));
                } else if let Some(fields) = want.get("fields") {
                    let got: Vec<Value> = serde_wasm_bindgen::from_value::<Vec<Value>>(prop(&e, "fields"))
                        .unwrap_or_default()
                        .into_iter()
                        .map(|f| json!({"field": f["field"], "code": f["code"]}))
                        .collect();
                    let want: Vec<Value> = fields
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|f| json!({"field": camel(f["field"].as_str().unwrap()), "code": f["code"]}))
                        .collect();
                    if got != want {
                        failures.push(format!("{label}: expected fields {want:?}, got {got:?}"));
                    }
                }
            }
        }
    }
    (run, failures)
}

fn assert_file(name: &str) {
    let (_, raw) = FILES.iter().find(|(n, _)| *n == name).unwrap();
    let (run, failures) = check(name, raw);
    assert!(run > 0, "{name}: no case was run");
    assert!(
        failures.is_empty(),
        "{} failing case(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[wasm_bindgen_test]
fn slots_vectors_agree_with_the_rust_rules() {
    assert_file("slots.json");
}

#[wasm_bindgen_test]
fn booking_findings_vectors_agree_with_the_rust_rules() {
    assert_file("booking_findings.json");
}

#[wasm_bindgen_test]
fn access_vectors_agree_with_the_rust_rules() {
    assert_file("access.json");
}

#[wasm_bindgen_test]
fn a_wrong_expectation_is_reported() {
    // The comparison itself must be able to fail: the first slots case with a later `now` loses slots.
    let file: Value = serde_json::from_str(FILES[0].1).unwrap();
    let case = &file["cases"][0];
    let mut input = case["input"].clone();
    assert_eq!(
        call("free_slots", &input).unwrap(),
        camel_keys(&case["expect"]["ok"])
    );
    input["now"] = json!("2026-03-02T03:40:00Z");
    assert_ne!(
        call("free_slots", &input).unwrap(),
        camel_keys(&case["expect"]["ok"])
    );
}

#[wasm_bindgen_test]
fn an_instant_beyond_the_year_9999_is_invalid_input_not_a_trap() {
    let file: Value = serde_json::from_str(FILES[1].1).unwrap();
    let mut input = file["cases"][0]["input"].clone();
    input["start"] = json!(253_402_300_800_000_i64 * 20);
    let e = call("booking_findings", &input).unwrap_err();
    assert_eq!(prop(&e, "code").as_string().as_deref(), Some("invalid_input"));
}
