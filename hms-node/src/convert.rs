//! Data transfer types between JavaScript and hms-core, and the conversions both ways.
//!
//! Every shape here is the core's serde shape with camelCase keys (what CONVENTIONS.md asks of the
//! JSON that Node and WASM share), written as `#[napi(object)]` structs rather than pushed through
//! serde: the structs are what `napi build` turns into the interfaces of `index.d.ts`, so the
//! committed type declarations come from the same code that does the conversion and cannot drift
//! from it. The JavaScript idioms:
//!
//! - instants arrive as a `Date` or an ISO 8601 string ([`Instant`]) and leave as a `Date`;
//! - calendar dates are `YYYY-MM-DD` strings ([`IsoDate`]) and wall-clock times `HH:MM` strings
//!   ([`LocalTime`]), because a `Date` cannot hold either without inventing a time zone;
//! - money and weights are decimal strings ([`Decimal`]), never JS numbers;
//! - statuses and other closed sets are string-literal unions (`#[napi(string_enum)]`);
//! - ids are the canonical UUID strings.
//!
//! A value of the right JavaScript type that the rules cannot read (`"2026-02-30"`, `"P-42"` as an
//! id, an `Invalid Date`) is an `invalid_input` error listing every such field by its path in the
//! JavaScript object (`requests[2].start`), collected by a [`Reader`]. A value of the wrong
//! JavaScript type (a number where a string belongs, a missing required property) is stopped by
//! napi-rs before it reaches this code, with napi's own error (`code` `InvalidArg`, …); TypeScript
//! rejects those at compile time.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use hms_core::error::{FieldCode as CoreFieldCode, FieldProblem as CoreFieldProblem, ValidationError};
use hms_core::money::{Currency, Money as CoreMoney};
use hms_core::time::Interval as CoreInterval;
use napi::bindgen_prelude::{Either, FromNapiValue, TypeName, Unknown};
use napi::{sys, ValueType};
use napi::{JsDate, JsValue};
use napi_derive::napi;

pub mod access;
pub mod billing;
pub mod people;
pub mod pharmacy;
pub mod records;
pub mod scheduling;

/// A calendar date, `YYYY-MM-DD` (declared in the `.d.ts` header as `string`).
pub type IsoDate = String;
/// A wall-clock time, `HH:MM` or `HH:MM:SS` (declared in the `.d.ts` header as `string`).
pub type LocalTime = String;
/// An exact decimal number as text, e.g. `"12.50"` (declared in the `.d.ts` header as `string`).
pub type Decimal = String;

/// An instant given by JavaScript: a `Date`, or an ISO 8601 / RFC 3339 string with an offset
/// (`2026-03-02T09:00:00Z`, `2026-03-02T14:30:00+05:30`). Declared in the `.d.ts` header as
/// `Date | string`.
///
/// Reading never fails here; a value that is not an instant is kept as [`Instant::Invalid`] and
/// reported by [`Reader::instant`] with the field's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Instant {
    /// A readable instant (millisecond precision when it came from a `Date`).
    Valid(DateTime<Utc>),
    /// What was given instead, in words, for the error message.
    Invalid(String),
}

/// The instants a `Date` may name here: the years 1 to 9999 (what an ISO string can write), in
/// milliseconds since 1970. Far from the ends of chrono's range, where the rules' date arithmetic
/// (a lead time, a long booking's reach) would overflow.
const DATE_RANGE_MS: std::ops::Range<f64> = -62_135_596_800_000.0..253_402_300_800_000.0;

impl Instant {
    fn read(value: Unknown<'_>) -> napi::Result<Instant> {
        // A Date first: the common case costs two calls into Node (is it a Date, its time value).
        if value.is_date()? {
            let ms = JsDate::from_unknown(value)?.value_of()?;
            return Ok(match DateTime::from_timestamp_millis(ms as i64) {
                _ if ms.is_nan() => Instant::Invalid("an invalid Date".to_owned()),
                Some(t) if DATE_RANGE_MS.contains(&ms) => Instant::Valid(t),
                _ => Instant::Invalid("a Date outside the years 1 to 9999".to_owned()),
            });
        }
        Ok(match value.get_type()? {
            ValueType::String => {
                let text = String::from_unknown(value)?;
                match DateTime::parse_from_rfc3339(text.trim()) {
                    Ok(t) => Instant::Valid(t.with_timezone(&Utc)),
                    Err(_) => Instant::Invalid(format!("`{text}`")),
                }
            }
            other => Instant::Invalid(format!("a value of type {other}")),
        })
    }
}

impl TypeName for Instant {
    fn type_name() -> &'static str {
        "Instant"
    }

    fn value_type() -> ValueType {
        ValueType::Unknown
    }
}

impl FromNapiValue for Instant {
    #[expect(
        unsafe_code,
        reason = "the trait's one method is an `unsafe fn`; the body only wraps the value in napi's \
                  `Unknown` (the same thing napi's own `Unknown` impl does) and reads it with safe calls"
    )]
    unsafe fn from_napi_value(env: sys::napi_env, napi_val: sys::napi_value) -> napi::Result<Self> {
        // SAFETY: napi-rs calls this with the live `env` and value of the current call, which is
        // what `Unknown::from_napi_value` requires; `Unknown` accepts any value.
        let value = unsafe { Unknown::from_napi_value(env, napi_val) }?;
        Instant::read(value)
    }
}

impl From<DateTime<Utc>> for Instant {
    fn from(t: DateTime<Utc>) -> Self {
        Instant::Valid(t)
    }
}

/// Turns snake_case field paths of the core (`emergency_contacts[0].phone`) into the camelCase
/// paths of the JavaScript objects (`emergencyContacts[0].phone`).
pub fn camel_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut upper = false;
    for c in path.chars() {
        match c {
            '_' if out.chars().last().is_some_and(|p| p.is_ascii_alphanumeric()) => upper = true,
            c if upper => {
                out.extend(c.to_uppercase());
                upper = false;
            }
            c => out.push(c),
        }
    }
    out
}

/// Collects every unreadable field of one call, so the caller hears about all of them at once
/// (the core's rule for validation), each with its path in the JavaScript arguments.
///
/// A money amount in an unknown currency is the core's `unknown_currency` error rather than a
/// field problem (as everywhere in hms), and wins over field problems.
#[derive(Debug, Default)]
pub struct Reader {
    problems: ValidationError,
    error: Option<hms_core::Error>,
}

impl Reader {
    /// A reader with no problems yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a problem.
    pub fn problem(&mut self, field: &str, code: CoreFieldCode, message: String) {
        self.problems.push(field, code, message);
    }

    /// `Ok(())` when every field could be read, else the `invalid_input` error listing them.
    ///
    /// # Errors
    /// The collected problems.
    pub fn finish(self) -> hms_core::Result<()> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.problems.into_result()?),
        }
    }

    /// The value read, once every field could be read.
    ///
    /// # Errors
    /// The collected problems, as `invalid_input`.
    pub fn take<T>(self, value: Option<T>) -> hms_core::Result<T> {
        self.finish()?;
        // INVARIANT: every read that returns `None` records a problem, so after a clean `finish`
        // the value is there; the error is for a read that broke that promise.
        value.ok_or_else(|| {
            ValidationError::single(
                "arguments",
                CoreFieldCode::Required,
                "an argument could not be read",
            )
            .into()
        })
    }

    /// A count or position that cannot be negative.
    pub fn non_negative(&mut self, field: &str, value: i64) -> Option<u64> {
        match u64::try_from(value) {
            Ok(n) => Some(n),
            Err(_) => {
                self.problem(
                    field,
                    CoreFieldCode::OutOfRange,
                    format!("`{field}` is {value}, it cannot be negative"),
                );
                None
            }
        }
    }

    /// An instant.
    pub fn instant(&mut self, field: &str, value: &Instant) -> Option<DateTime<Utc>> {
        match value {
            Instant::Valid(t) => Some(*t),
            Instant::Invalid(what) => {
                self.problem(
                    field,
                    CoreFieldCode::InvalidFormat,
                    format!(
                        "{what} is not an instant (a Date or an ISO 8601 string such as \
                         `2026-03-02T09:00:00Z`)"
                    ),
                );
                None
            }
        }
    }

    /// A calendar date, `YYYY-MM-DD`.
    pub fn date(&mut self, field: &str, value: &str) -> Option<NaiveDate> {
        match NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                self.problem(
                    field,
                    CoreFieldCode::InvalidFormat,
                    format!("`{value}` is not a date (`YYYY-MM-DD`)"),
                );
                None
            }
        }
    }

    /// An optional calendar date.
    pub fn opt_date(&mut self, field: &str, value: Option<&str>) -> Option<Option<NaiveDate>> {
        match value {
            None => Some(None),
            Some(v) => self.date(field, v).map(Some),
        }
    }

    /// A wall-clock time, `HH:MM` or `HH:MM:SS`.
    pub fn time(&mut self, field: &str, value: &str) -> Option<NaiveTime> {
        let v = value.trim();
        match NaiveTime::parse_from_str(v, "%H:%M").or_else(|_| NaiveTime::parse_from_str(v, "%H:%M:%S")) {
            Ok(t) => Some(t),
            Err(_) => {
                self.problem(
                    field,
                    CoreFieldCode::InvalidFormat,
                    format!("`{value}` is not a time of day (`HH:MM`)"),
                );
                None
            }
        }
    }

    /// A typed id from its UUID text.
    pub fn id<T: FromStr<Err = ValidationError>>(&mut self, field: &str, value: &str) -> Option<T> {
        match value.parse::<T>() {
            Ok(id) => Some(id),
            Err(e) => {
                for p in e.problems() {
                    self.problem(field, p.code, p.message.clone());
                }
                None
            }
        }
    }

    /// Typed ids from a list of UUID texts (`field[i]`).
    pub fn ids<T: FromStr<Err = ValidationError>>(
        &mut self,
        field: &str,
        values: &[String],
    ) -> Option<Vec<T>> {
        let read: Vec<Option<T>> = values
            .iter()
            .enumerate()
            .map(|(i, v)| self.id(&format!("{field}[{i}]"), v))
            .collect();
        read.into_iter().collect()
    }

    /// An IANA time zone name.
    pub fn zone(&mut self, field: &str, value: &str) -> Option<Tz> {
        match hms_core::time::parse_zone(value) {
            Ok(z) => Some(z),
            Err(e) => {
                self.problem(field, CoreFieldCode::InvalidFormat, e.to_string());
                None
            }
        }
    }

    /// An ISO 4217 currency code.
    pub fn currency(&mut self, field: &str, value: &str) -> Option<Currency> {
        match Currency::from_code(value) {
            Ok(c) => Some(c),
            Err(e) => {
                self.problem(field, CoreFieldCode::InvalidFormat, e.to_string());
                None
            }
        }
    }

    /// The ISO 4217 currency of amounts of money (an unknown code is `unknown_currency`, see
    /// [`Reader`]; a hospital's own currency setting is [`Reader::currency`]).
    pub fn money_currency(&mut self, value: &str) -> Option<Currency> {
        match Currency::from_code(value) {
            Ok(c) => Some(c),
            Err(e) => {
                self.error.get_or_insert(e.into());
                None
            }
        }
    }

    /// An exact decimal number.
    pub fn decimal(&mut self, field: &str, value: &str) -> Option<rust_decimal::Decimal> {
        match rust_decimal::Decimal::from_str_exact(value.trim()) {
            Ok(d) => Some(d),
            Err(_) => {
                self.problem(
                    field,
                    CoreFieldCode::InvalidFormat,
                    format!("`{value}` is not a decimal number (e.g. `12.50`)"),
                );
                None
            }
        }
    }

    /// An amount of money (an unknown currency is `unknown_currency`, see [`Reader`]).
    pub fn money(&mut self, field: &str, value: &Money) -> Option<CoreMoney> {
        let amount = self.decimal(&format!("{field}.amount"), &value.amount);
        let currency = self.money_currency(&value.currency);
        Some(CoreMoney::new(amount?, currency?))
    }

    /// The two ends of an interval (the interval itself is made by [`interval`] after
    /// [`Reader::finish`], so that an empty one is the core's `invalid_interval` error).
    pub fn ends(&mut self, field: &str, value: &IntervalInput) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let start = self.instant(&format!("{field}.start"), &value.start);
        let end = self.instant(&format!("{field}.end"), &value.end);
        Some((start?, end?))
    }
}

/// A core value as the transfer type of the same serde shape (the billing and pharmacy results,
/// whose transfer types derive `Deserialize` with the core's field names and tags), or a transfer
/// enum as the core's. Field by field the shapes are equal, so this fails only when the two drift
/// apart, which the Node suite sees at once (a `storage` error naming the field).
///
/// # Errors
/// `storage` (backend `node`) when the shapes differ.
pub fn bridge<C: serde::Serialize, N: serde::de::DeserializeOwned>(value: &C) -> hms_core::Result<N> {
    serde_json::to_value(value)
        .and_then(serde_json::from_value)
        .map_err(|e| {
            hms_core::error::StorageError::Backend {
                backend: "node",
                message: format!("a value could not be converted: {e}"),
            }
            .into()
        })
}

/// A list of core values as transfer types (see [`bridge`]).
///
/// # Errors
/// As [`bridge`].
pub fn bridge_all<C: serde::Serialize, N: serde::de::DeserializeOwned>(
    values: &[C],
) -> hms_core::Result<Vec<N>> {
    values.iter().map(bridge).collect()
}

/// A closed-set value of a transfer type as the core's (the two have the same serde names), read
/// on the JavaScript side where a mismatch cannot happen; a drift is a problem on `field`.
pub fn same_enum<N: serde::Serialize, C: serde::de::DeserializeOwned>(
    r: &mut Reader,
    field: &str,
    value: &N,
) -> Option<C> {
    match bridge(value) {
        Ok(c) => Some(c),
        Err(e) => {
            r.problem(field, CoreFieldCode::InvalidFormat, e.to_string());
            None
        }
    }
}

/// The interval between two instants read by a [`Reader`].
///
/// # Errors
/// `invalid_interval` when it would be empty or reversed.
pub fn interval(ends: (DateTime<Utc>, DateTime<Utc>)) -> hms_core::Result<CoreInterval> {
    Ok(CoreInterval::new(ends.0, ends.1)?)
}

/// An id given as its text, or as the object it names (anything with an `id`, such as the
/// `UserAccount` returned by `bootstrapAdmin` or a `Patient`).
pub type IdRef = Either<String, HasId>;

/// Anything with an `id` (only the `id` is read).
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HasId {
    /// The id.
    pub id: String,
}

/// The id text of an [`IdRef`].
pub fn id_text(r: &IdRef) -> &str {
    match r {
        Either::A(text) => text,
        Either::B(HasId { id }) => id,
    }
}

/// A half-open span of time `[start, end)`, as returned.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interval {
    /// The first instant inside.
    pub start: DateTime<Utc>,
    /// The first instant after.
    pub end: DateTime<Utc>,
}

impl From<CoreInterval> for Interval {
    fn from(i: CoreInterval) -> Self {
        Interval {
            start: i.start(),
            end: i.end(),
        }
    }
}

/// A half-open span of time `[start, end)`, as given; `end` must be after `start`.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntervalInput {
    /// The first instant inside.
    pub start: Instant,
    /// The first instant after.
    pub end: Instant,
}

/// An amount of money: an exact decimal string and an ISO 4217 currency code.
#[napi(object)]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Money {
    /// The amount, e.g. `"12.50"` (as many places as it was made with; see `roundMoney`).
    pub amount: Decimal,
    /// The currency, e.g. `"USD"`.
    pub currency: String,
}

impl From<CoreMoney> for Money {
    fn from(m: CoreMoney) -> Self {
        Money {
            amount: m.amount.to_string(),
            currency: m.currency.code().to_owned(),
        }
    }
}

/// What is wrong with one input field.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldCode {
    /// A required field is missing or blank.
    Required,
    /// The value is longer than allowed.
    TooLong,
    /// The value does not have the expected shape.
    InvalidFormat,
    /// Not a telephone number.
    InvalidPhone,
    /// Not an e-mail address.
    InvalidEmail,
    /// A date that must not be in the future is.
    FutureDate,
    /// A number or date outside its allowed range.
    OutOfRange,
    /// A period whose end is before its start.
    InvalidPeriod,
    /// A combination of values that is not allowed.
    Inconsistent,
}

/// One invalid field of an `invalid_input` error.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// The field's path in the JavaScript argument, e.g. `birthDate` or `emergencyContacts[0].phone`.
    pub field: String,
    /// What is wrong (one of `fieldCodes()`).
    #[napi(ts_type = "FieldCode")]
    pub code: String,
    /// A plain-language message.
    pub message: String,
}

impl From<&CoreFieldProblem> for FieldProblem {
    fn from(p: &CoreFieldProblem) -> Self {
        FieldProblem {
            field: camel_path(&p.field),
            code: p.code.code().to_owned(),
            message: p.message.clone(),
        }
    }
}

/// How serious a finding is.
#[napi(string_enum = "lowercase")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The action cannot go ahead.
    Error,
    /// The action may go ahead, but a person should look at it.
    Warning,
}

/// One problem found by a check, for a screen to show.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// A stable snake_case code, e.g. `outside_availability` or `off_grid`.
    pub code: String,
    /// Whether the action can go ahead.
    pub severity: Severity,
    /// A plain-language, one-line message.
    pub message: String,
}

impl From<hms_core::finding::Finding> for Finding {
    fn from(f: hms_core::finding::Finding) -> Self {
        Finding {
            severity: match f.severity {
                hms_core::finding::Severity::Error => Severity::Error,
                hms_core::finding::Severity::Warning => Severity::Warning,
            },
            code: f.code,
            message: f.message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_field_paths_become_camel_case() {
        assert_eq!(camel_path("birth_date"), "birthDate");
        assert_eq!(
            camel_path("emergency_contacts[0].phone"),
            "emergencyContacts[0].phone"
        );
        assert_eq!(
            camel_path("templates[1].visit_types[0].buffer_minutes"),
            "templates[1].visitTypes[0].bufferMinutes"
        );
        assert_eq!(camel_path("name.given"), "name.given");
        assert_eq!(camel_path("line1"), "line1");
    }

    #[test]
    fn a_reader_lists_every_unreadable_field() {
        let mut r = Reader::new();
        assert!(r.date("birthDate", "2026-02-30").is_none());
        assert!(r.instant("start", &Instant::Invalid("`soon`".into())).is_none());
        assert!(r.id::<hms_core::ids::PatientId>("patient", "P-42").is_none());
        assert!(r.time("start", "9am").is_none());
        assert_eq!(r.time("end", "09:30"), NaiveTime::from_hms_opt(9, 30, 0));
        let err = r.finish().unwrap_err();
        assert_eq!(err.code(), "invalid_input");
        let hms_core::Error::Validation(v) = err else {
            panic!("a validation error")
        };
        let fields: Vec<_> = v.problems().iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["birthDate", "start", "patient", "start"]);
        assert!(v
            .problems()
            .iter()
            .all(|p| p.code == CoreFieldCode::InvalidFormat));
    }

    #[test]
    fn money_is_read_exactly_and_written_as_text() {
        let mut r = Reader::new();
        let m = r
            .money(
                "fee",
                &Money {
                    amount: "0.10".into(),
                    currency: "usd".into(),
                },
            )
            .unwrap();
        assert_eq!(Money::from(m).amount, "0.10");
        assert!(r
            .money(
                "fee",
                &Money {
                    amount: "1e3".into(),
                    currency: "XYZ".into(),
                },
            )
            .is_none());
        assert_eq!(r.finish().unwrap_err().code(), "unknown_currency");
        let mut r = Reader::new();
        assert!(r
            .money(
                "fee",
                &Money {
                    amount: "ten".into(),
                    currency: "USD".into(),
                },
            )
            .is_none());
        let hms_core::Error::Validation(v) = r.finish().unwrap_err() else {
            panic!("a validation error")
        };
        let fields: Vec<_> = v.problems().iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["fee.amount"]);
    }
}
