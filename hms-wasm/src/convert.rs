//! Conversions shared by every domain: JavaScript values in and out, and instants.
//!
//! The JSON shapes are hms-core's own serde shapes with camelCase keys (`weeklyHours`, not
//! `weekly_hours`); values keep their form (codes and enum tags stay snake_case: `extra_session`,
//! `off_grid`). Instants are RFC 3339 strings (`2026-03-02T09:00:00Z`); wherever the caller passes the
//! current instant (`now`) or a proposed start, a number of milliseconds since the Unix epoch
//! (`Date.now()`, `date.getTime()`) is accepted too.

use chrono::{DateTime, Datelike, Utc};
use hms_core::error::{FieldCode, ValidationError};
use hms_core::Error;
use serde::de::{self, DeserializeOwned, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use wasm_bindgen::JsValue;

use crate::errors::bad_shape;

/// Reads a JavaScript value into a serde type; a wrong shape is an `invalid_input` error naming
/// `argument`.
///
/// # Errors
/// `invalid_input` when the value does not have the shape of `T`.
pub(crate) fn from_js<T: DeserializeOwned>(value: JsValue, argument: &str) -> Result<T, Error> {
    serde_wasm_bindgen::from_value(value).map_err(|e| bad_shape(argument, e))
}

/// Writes a serde value as a plain JavaScript value (objects, not `Map`s).
///
/// # Errors
/// Never for the types of this crate; a failure would be reported as `invalid_input`.
pub(crate) fn to_js<T: Serialize>(value: &T) -> Result<JsValue, Error> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| bad_shape("result", e))
}

/// An instant given as an RFC 3339 string or as milliseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instant(pub DateTime<Utc>);

impl<'de> Deserialize<'de> for Instant {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Instant;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an RFC 3339 instant or milliseconds since 1970-01-01T00:00:00Z")
            }

            fn visit_str<E: de::Error>(self, s: &str) -> Result<Instant, E> {
                DateTime::parse_from_rfc3339(s.trim())
                    .map(|t| Instant(t.with_timezone(&Utc)))
                    .map_err(|_| E::custom(format!("`{s}` is not an RFC 3339 instant")))
            }

            fn visit_i64<E: de::Error>(self, ms: i64) -> Result<Instant, E> {
                DateTime::from_timestamp_millis(ms)
                    .map(Instant)
                    .ok_or_else(|| E::custom(format!("`{ms}` milliseconds is out of range")))
            }

            fn visit_u64<E: de::Error>(self, ms: u64) -> Result<Instant, E> {
                let ms = i64::try_from(ms)
                    .map_err(|_| E::custom(format!("`{ms}` milliseconds is out of range")))?;
                self.visit_i64(ms)
            }

            fn visit_f64<E: de::Error>(self, ms: f64) -> Result<Instant, E> {
                // Whole milliseconds only: `Date.now()` and `getTime()` never give fractions.
                if !ms.is_finite() || ms.fract() != 0.0 || ms.abs() > 8.64e15 {
                    return Err(E::custom(format!(
                        "`{ms}` is not a whole number of milliseconds in range"
                    )));
                }
                // Exact: a whole number within ±8.64e15 fits an i64.
                self.visit_i64(ms as i64)
            }
        }
        d.deserialize_any(V)
    }
}

/// The years an instant from JavaScript may fall in: those RFC 3339 can write. Keeping inputs there
/// keeps every sum of an instant and a duration inside the rules well clear of overflow.
const YEARS: std::ops::RangeInclusive<i32> = 0..=9999;

/// Adds an `out_of_range` problem for `field` when `t` is outside the years 0 to 9999.
pub(crate) fn check_instant(field: &str, t: DateTime<Utc>, e: &mut ValidationError) {
    if !YEARS.contains(&t.year()) {
        e.push(
            field,
            FieldCode::OutOfRange,
            format!("`{field}` is `{}`, not in the years 0 to 9999", t.to_rfc3339()),
        );
    }
}
