#![doc = include_str!("../README.md")]
//!
//! This file only registers the exports; conversions live in `convert.rs` and one file per domain
//! (`scheduling.rs`, `access.rs`, `billing.rs`), the error mapping in `errors.rs`.

pub mod access;
pub mod billing;
mod convert;
mod errors;
pub mod scheduling;

pub use convert::Instant;
pub use errors::ERROR_NAME;

use wasm_bindgen::prelude::*;

use crate::convert::{from_js, to_js};
use crate::errors::to_js_error;

/// Declarations for TypeScript, checked against the core by the tests below.
#[cfg_attr(not(test), allow(dead_code))] // read by the section below on wasm32 and by the tests
const TS_ERRORS_TEXT: &str = r#"
/** Every code an `HmsError` can carry (`errorCodes()` lists the same at run time). */
export type HmsErrorCode =
  | "amount_overflow" | "batch_unusable" | "beyond_horizon" | "currency_mismatch" | "duplicate"
  | "exceeds_dispensed" | "exceeds_prescription" | "forbidden" | "gateway_failed"
  | "idempotency_mismatch" | "immutable_invoice" | "in_past" | "inactive" | "insufficient_stock"
  | "invalid_input" | "invalid_interval" | "invalid_policy" | "invalid_signature"
  | "invalid_transition" | "lead_time" | "no_price" | "no_resource" | "nonexistent_local_time"
  | "not_chargeable" | "not_found" | "outside_availability" | "over_credit" | "over_refund"
  | "overpayment" | "prescription_required" | "refills_exhausted" | "reservation_expired"
  | "slot_conflict" | "storage" | "time_out_of_range" | "unknown_currency" | "visit_type_not_offered";
/** One bad input field: its path (camelCase, e.g. `template.weeklyHours[1]`), what is wrong, a message. */
export interface FieldProblem { field: string; code: string; message: string; }
/** What every function of this module throws. */
export interface HmsError extends Error {
  name: "HmsError";
  code: HmsErrorCode;
  /** For `invalid_input`: every bad field. */
  fields?: FieldProblem[];
  /** For `invalid_policy`: every problem of the policy document. */
  problems?: PolicyProblem[];
}
"#;
#[wasm_bindgen(typescript_custom_section)]
const TS_ERRORS: &str = TS_ERRORS_TEXT;

fn js<T>(r: Result<T, hms_core::Error>) -> Result<T, JsValue> {
    r.map_err(|e| to_js_error(&e))
}

/// Every error code the library can return, sorted.
#[wasm_bindgen(js_name = errorCodes, unchecked_return_type = "HmsErrorCode[]")]
pub fn error_codes() -> Vec<String> {
    hms_core::all_error_codes()
        .iter()
        .map(|c| (*c).to_owned())
        .collect()
}

/// The IANA time zones this build knows, sorted (a template's `zone` must be one of them).
#[wasm_bindgen(js_name = supportedZones)]
pub fn supported_zones() -> Vec<String> {
    // Sorted by a set rather than `sort_unstable`, whose code for strings would be compiled into the
    // module for this one list; the set's code is there already (the plan's item code lists).
    let mut zones = std::collections::BTreeSet::new();
    for z in chrono_tz::TZ_VARIANTS.iter() {
        zones.insert(z.name().to_owned());
    }
    zones.into_iter().collect()
}

/// The free slots of one doctor for a visit type over local dates, in the clinic's zone.
///
/// Throws an `HmsError`: `invalid_input` (every bad field), `visit_type_not_offered`.
#[wasm_bindgen(js_name = freeSlots, unchecked_return_type = "Slot[]")]
pub fn free_slots(
    #[wasm_bindgen(unchecked_param_type = "FreeSlotsInput")] input: JsValue,
) -> Result<JsValue, JsValue> {
    js((|| {
        // The one object read twice, as the calendar and as the query (each shape reads only its
        // own keys): a third shape holding both cost the module 5 KB.
        let calendar = from_js::<scheduling::CalendarInput>(input.clone(), "input")?;
        let query = from_js::<scheduling::SlotQuery>(input, "input")?;
        to_js(&scheduling::Calendar::new(calendar)?.free_slots(&query)?)
    })())
}

/// Everything that stands against a proposed booking (working hours, past, lead time, horizon,
/// conflicts with the doctor's or the patient's bookings), as findings.
///
/// Throws an `HmsError` with `invalid_input` for malformed input; problems with the booking itself are
/// findings, not errors.
#[wasm_bindgen(js_name = validateBooking, unchecked_return_type = "BookingCheck")]
pub fn validate_booking(
    #[wasm_bindgen(unchecked_param_type = "ValidateBookingInput")] input: JsValue,
) -> Result<JsValue, JsValue> {
    js((|| {
        let calendar = from_js::<scheduling::CalendarInput>(input.clone(), "input")?;
        let proposal = from_js::<scheduling::Proposal>(input, "input")?;
        to_js(&scheduling::Calendar::new(calendar)?.validate(&proposal)?)
    })())
}

/// One doctor's calendar, checked once, for many slot searches and booking checks (a receptionist's
/// screen keeps one per doctor on show).
#[wasm_bindgen]
#[derive(Debug)]
pub struct DoctorCalendar {
    inner: scheduling::Calendar,
}

#[wasm_bindgen]
impl DoctorCalendar {
    /// Checks the template, exceptions and bookings. Throws an `HmsError` (`invalid_input`).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "DoctorCalendarInput")] input: JsValue,
    ) -> Result<DoctorCalendar, JsValue> {
        js((|| {
            let inner = scheduling::Calendar::new(from_js(input, "input")?)?;
            Ok(DoctorCalendar { inner })
        })())
    }

    /// The doctor's id.
    #[wasm_bindgen(getter)]
    pub fn doctor(&self) -> String {
        self.inner.doctor().to_string()
    }

    /// The free slots for a visit type over local dates. Throws an `HmsError`.
    #[wasm_bindgen(js_name = freeSlots, unchecked_return_type = "Slot[]")]
    pub fn free_slots(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SlotQuery")] query: JsValue,
    ) -> Result<JsValue, JsValue> {
        js((|| to_js(&self.inner.free_slots(&from_js(query, "query")?)?))())
    }

    /// Everything that stands against a proposed booking, as findings. Throws an `HmsError` only for
    /// malformed input.
    #[wasm_bindgen(js_name = validateBooking, unchecked_return_type = "BookingCheck")]
    pub fn validate_booking(
        &self,
        #[wasm_bindgen(unchecked_param_type = "BookingProposal")] proposal: JsValue,
    ) -> Result<JsValue, JsValue> {
        js((|| to_js(&self.inner.validate(&from_js(proposal, "proposal")?)?))())
    }

    /// For benchmarks: checks `iterations` proposals inside the module (the `i`-th starting
    /// `(i mod 96) × 15` minutes after `proposal.start`) and returns how many findings they gave.
    #[wasm_bindgen(js_name = benchValidate)]
    pub fn bench_validate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "BookingProposal")] proposal: JsValue,
        iterations: u32,
    ) -> Result<u32, JsValue> {
        js((|| {
            self.inner
                .bench_validate(&from_js(proposal, "proposal")?, iterations)
        })())
    }
}

/// Prices an invoice exactly as the server will: line amounts, line and invoice discounts, tax
/// (inclusive or exclusive, rounded per line or per tax category) and, with the patient's coverage,
/// each line's payer and patient shares. Every amount is a decimal string in the invoice's currency.
///
/// Throws an `HmsError`: `unknown_currency`; `invalid_input` listing every bad field (a decimal given
/// as a number or not a decimal, a quantity not above zero, a negative price, a rate or discount
/// outside 0–100 %, an amount discount too large or not in whole minor units, bad plan terms).
#[wasm_bindgen(js_name = priceInvoice, unchecked_return_type = "InvoiceBreakdown")]
pub fn price_invoice(
    #[wasm_bindgen(unchecked_param_type = "PriceInvoiceInput")] input: JsValue,
) -> Result<JsValue, JsValue> {
    js((|| to_js(&billing::price_invoice(from_js(input, "input")?)?))())
}

/// The access vocabulary of this build: roles, actions, resource kinds and relationship kinds.
#[wasm_bindgen(js_name = accessVocabulary, unchecked_return_type = "AccessVocabulary")]
pub fn access_vocabulary() -> Result<JsValue, JsValue> {
    js(to_js(&access::vocabulary()))
}

/// The built-in hospital policy, compiled once for [`decide_access`].
fn hospital_policy() -> &'static access::Access {
    static POLICY: std::sync::OnceLock<access::Access> = std::sync::OnceLock::new();
    POLICY.get_or_init(access::Access::hospital_default)
}

/// **A UI hint, never the security boundary**: would the built-in hospital policy let this user do
/// this, given the facts the page holds? The server decides every request again from its own store;
/// anything in the browser can be changed by its user. See [`AccessPolicy`] for a hospital's own
/// policy.
///
/// Throws an `HmsError` with `invalid_input` for malformed input.
#[wasm_bindgen(js_name = decideAccess, unchecked_return_type = "AccessDecision")]
pub fn decide_access(
    #[wasm_bindgen(unchecked_param_type = "AccessRequest")] request: JsValue,
) -> Result<JsValue, JsValue> {
    js((|| {
        to_js(&hospital_policy().decide(&from_js(request, "request")?)?)
    })())
}

/// An access policy for **UI hints only** (which buttons to show or grey out). It is never the
/// security boundary: the server decides every request again with the facts in its own store and
/// audits it, and anything in a browser — roles, facts, policy, this module — can be changed by its
/// user.
#[wasm_bindgen]
#[derive(Debug)]
pub struct AccessPolicy {
    inner: access::Access,
}

#[wasm_bindgen]
impl AccessPolicy {
    /// A hospital's own policy document (the JSON form of its policy file, snake_case keys), or the
    /// built-in hospital policy when left out. Throws an `HmsError`: `invalid_policy` (every problem
    /// in `problems`), `invalid_input` for a value that is not a policy document at all.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "PolicyDocument | null")] policy: Option<JsValue>,
    ) -> Result<AccessPolicy, JsValue> {
        js((|| {
            let inner = match policy.filter(|p| !p.is_null() && !p.is_undefined()) {
                None => access::Access::hospital_default(),
                Some(doc) => access::Access::from_document(&from_js(doc, "policy")?)?,
            };
            Ok(AccessPolicy { inner })
        })())
    }

    /// How many rules the policy has.
    #[wasm_bindgen(getter, js_name = ruleCount)]
    pub fn rule_count(&self) -> usize {
        self.inner.rule_count()
    }

    /// A UI hint, never the security boundary: may the subject do this? Throws an `HmsError`
    /// (`invalid_input`) for malformed input.
    #[wasm_bindgen(unchecked_return_type = "AccessDecision")]
    pub fn decide(
        &self,
        #[wasm_bindgen(unchecked_param_type = "AccessRequest")] request: JsValue,
    ) -> Result<JsValue, JsValue> {
        js((|| to_js(&self.inner.decide(&from_js(request, "request")?)?))())
    }

    /// A UI hint, never the security boundary: the actions the subject may do to the resource (e.g.
    /// to enable a screen's buttons). Throws an `HmsError` (`invalid_input`) for malformed input.
    #[wasm_bindgen(js_name = permittedActions, unchecked_return_type = "Action[]")]
    pub fn permitted_actions(
        &self,
        #[wasm_bindgen(unchecked_param_type = "PermittedActionsQuery")] query: JsValue,
    ) -> Result<JsValue, JsValue> {
        js((|| {
            to_js(&self.inner.permitted_actions(&from_js(query, "query")?)?)
        })())
    }
}

/// The names of a string-literal union `export type <name> = ...;` declared in `ts`, in order.
#[cfg(test)]
pub(crate) fn declared_union(ts: &str, name: &str) -> Vec<String> {
    let start = ts.find(&format!("export type {name} =")).unwrap();
    let body = &ts[start..start + ts[start..].find(';').unwrap()];
    body.split('"').skip(1).step_by(2).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A host test (plain `cargo test`), so a code added to the core without being declared here fails
    /// before any wasm build; the Node tests check the generated declarations against `errorCodes()`.
    #[test]
    fn the_declared_error_codes_are_the_core_codes() {
        assert_eq!(
            declared_union(TS_ERRORS_TEXT, "HmsErrorCode"),
            hms_core::all_error_codes()
        );
    }
}
