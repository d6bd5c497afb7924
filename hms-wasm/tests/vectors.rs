//! The shared vectors, run inside the WebAssembly module under Node (`wasm-bindgen-test-runner`; see
//! scripts/test-wasm): the same files hms-core's own runners check (`hms-core/tests/it/vectors*.rs`),
//! through the exported functions and the real JavaScript-value conversions, with keys and error
//! field paths in camelCase. An op this runner does not know fails its case; a file in the vectors
//! directory that is neither run here nor named in [`NOT_RUN`] fails the host test at the end.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

/// The vector files this binding does not run, each with the reason: the rules behind them are not
/// exported to JavaScript (the browser shows what the server says about them).
#[cfg_attr(target_arch = "wasm32", allow(dead_code))] // read by the host test
const NOT_RUN: &[&str] = &[
    "calendar_conflicts.json", // the server's whole-calendar check; the page checks one booking
    "fefo_allocation.json",    // dispensing happens on the server
    "interval_overlap.json",   // an internal of the scheduling rules run here
    "money_allocation.json",   // an internal of invoice pricing, run here
    "money_rounding.json",     // an internal of invoice pricing, run here
    "mrn.json",                // medical record numbers are issued by the server
    "patient_validation.json", // registration is validated by the server
    "phone_normalization.json", // part of registration
    "schedule_check.json",     // a whole schedule's bulk check belongs to the server and notebooks
];

/// The names of the files run inside the module (the list below, for the host test).
const RUN: &[&str] = &[
    "slots.json",
    "booking_findings.json",
    "access.json",
    "invoice_pricing.json",
];

/// Host test (plain `cargo test`): every vector file is run here or named in [`NOT_RUN`].
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn every_vector_file_is_run_or_named() {
    use std::collections::BTreeSet;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../hms-core/tests/vectors");
    let on_disk: BTreeSet<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .collect();
    let named: BTreeSet<String> = RUN.iter().chain(NOT_RUN).map(|f| (*f).to_owned()).collect();
    assert_eq!(
        on_disk, named,
        "run each new vector file here, or name it in NOT_RUN"
    );
    assert_eq!(
        RUN.len() + NOT_RUN.len(),
        named.len(),
        "a file is both run and not run"
    );
}

#[cfg(target_arch = "wasm32")]
mod in_module {
    use std::str::FromStr;

    use rust_decimal::Decimal;
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
        (
            "invoice_pricing.json",
            include_str!("../../hms-core/tests/vectors/invoice_pricing.json"),
        ),
    ];

    #[wasm_bindgen_test]
    fn the_compiled_in_files_are_the_files_run() {
        let names: Vec<&str> = FILES.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, super::RUN);
    }

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

    /// The value with every object key in camelCase (values untouched), except the keys of a `copays`
    /// map, which are visit type codes (data, not field names).
    fn camel_keys(v: &Value) -> Value {
        match v {
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| {
                        let v = match v {
                            Value::Object(inner) if k == "copays" => Value::Object(inner.clone()),
                            v => camel_keys(v),
                        };
                        (camel(k), v)
                    })
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

    fn call(op: &str, vector_input: &Value) -> Result<Value, JsValue> {
        let input = to_js(&camel_keys(vector_input));
        let out = match op {
            "free_slots" => hms_wasm::free_slots(input),
            "booking_findings" => hms_wasm::validate_booking(input),
            "decide" => hms_wasm::decide_access(input),
            "permitted_actions" => hms_wasm::AccessPolicy::new(None)?.permitted_actions(input),
            "price_invoice" => hms_wasm::price_invoice(input),
            other => panic!("op `{other}` is not known to this runner"),
        }?;
        let mut out: Value = serde_wasm_bindgen::from_value(out).unwrap();
        if op == "price_invoice" {
            // The vectors pin the figures; the breakdown also echoes the currency and rounding asked for.
            let echo = out.as_object_mut().unwrap();
            assert_eq!(echo.remove("currency").unwrap(), vector_input["currency"]);
            assert_eq!(echo.remove("rounding").unwrap(), vector_input["rounding"]);
        }
        Ok(out)
    }

    /// Whether two values are the same, strings that are both decimal numbers comparing as numbers
    /// (`"5"` equals `"5.00"`), as the vectors' README asks.
    fn same(expected: &Value, actual: &Value) -> bool {
        match (expected, actual) {
            (Value::String(e), Value::String(a)) => match (Decimal::from_str(e), Decimal::from_str(a)) {
                (Ok(x), Ok(y)) => x == y,
                _ => e == a,
            },
            (Value::Array(e), Value::Array(a)) => {
                e.len() == a.len() && e.iter().zip(a).all(|(x, y)| same(x, y))
            }
            (Value::Object(e), Value::Object(a)) => {
                e.len() == a.len() && e.iter().all(|(k, x)| a.get(k).is_some_and(|y| same(x, y)))
            }
            _ => expected == actual,
        }
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
            run += 1;
            let label = format!("{name} / {}", case["name"].as_str().unwrap());
            let expect = &case["expect"];
            match (call(op, &case["input"]), expect.get("ok")) {
                (Ok(got), Some(want)) => {
                    let want = camel_keys(want);
                    if !same(&want, &got) {
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
                        let got: Vec<Value> =
                            serde_wasm_bindgen::from_value::<Vec<Value>>(prop(&e, "fields"))
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
    fn invoice_pricing_vectors_agree_with_the_rust_rules() {
        assert_file("invoice_pricing.json");
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
    fn a_wrong_price_is_reported() {
        // Decimal strings compare as numbers, and a cent's difference is caught.
        assert!(same(&json!({"gross": "1"}), &json!({"gross": "1.00"})));
        assert!(!same(&json!({"gross": "10.00"}), &json!({"gross": "10.01"})));
        assert!(!same(
            &json!({"gross": "10.00"}),
            &json!({"gross": "10.00", "net": "9"})
        ));
        let file: Value = serde_json::from_str(FILES[3].1).unwrap();
        let case = &file["cases"][0];
        let want = camel_keys(&case["expect"]["ok"]);
        let mut input = case["input"].clone();
        assert!(same(&want, &call("price_invoice", &input).unwrap()));
        input["lines"][0]["unit_price"] = json!("25.00");
        assert!(!same(&want, &call("price_invoice", &input).unwrap()));
    }

    #[wasm_bindgen_test]
    fn an_instant_beyond_the_year_9999_is_invalid_input_not_a_trap() {
        let file: Value = serde_json::from_str(FILES[1].1).unwrap();
        let mut input = file["cases"][0]["input"].clone();
        input["start"] = json!(253_402_300_800_000_i64 * 20);
        let e = call("booking_findings", &input).unwrap_err();
        assert_eq!(prop(&e, "code").as_string().as_deref(), Some("invalid_input"));
    }
}
