//! Conversions shared by every domain: JavaScript values in and out, and instants.
//!
//! The JSON shapes are hms-core's own serde shapes with camelCase keys (`weeklyHours`, not
//! `weekly_hours`); values keep their form (codes and enum tags stay snake_case: `extra_session`,
//! `off_grid`). Instants are RFC 3339 strings (`2026-03-02T09:00:00Z`); wherever the caller passes the
//! current instant (`now`) or a proposed start, a number of milliseconds since the Unix epoch
//! (`Date.now()`, `date.getTime()`) is accepted too.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc, Weekday};
use hms_core::error::{FieldCode, ValidationError};
use hms_core::scheduling::availability::WeeklyHours;
use hms_core::time::Interval;
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

// Dates, wall-clock times and the instants of intervals are read here rather than by chrono's
// `FromStr`, which goes through its general format-item parser (RFC 2822 and all): 14 KB of the
// module for three fixed shapes. The shapes are the ones the declarations name: `2026-03-02`,
// `09:00` (or `09:00:00`, with a fraction if need be) and RFC 3339 instants, as for `now`.

/// The number written by `s`: `min` to `max` ASCII digits.
fn digits(s: &str, min: usize, max: usize) -> Option<u32> {
    if s.len() < min || s.len() > max {
        return None;
    }
    s.bytes().try_fold(0u32, |n, b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })
}

/// A calendar date `YYYY-MM-DD` (month and day may have one digit).
pub(crate) fn parse_date(s: &str) -> Option<NaiveDate> {
    let mut parts = s.split('-');
    let year = digits(parts.next()?, 4, 4)?;
    let month = digits(parts.next()?, 1, 2)?;
    let day = digits(parts.next()?, 1, 2)?;
    if parts.next().is_some() {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

/// A wall-clock time `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fraction` (the hour may have one digit).
pub(crate) fn parse_time(s: &str) -> Option<NaiveTime> {
    let (hms, fraction) = match s.split_once('.') {
        Some((hms, fraction)) => (hms, Some(fraction)),
        None => (s, None),
    };
    let mut parts = hms.split(':');
    let hour = digits(parts.next()?, 1, 2)?;
    let minute = digits(parts.next()?, 2, 2)?;
    let second = match parts.next() {
        Some(p) => digits(p, 2, 2)?,
        None if fraction.is_none() => 0,
        None => return None,
    };
    if parts.next().is_some() {
        return None;
    }
    let nano = match fraction {
        None => 0,
        Some(f) => digits(f, 1, 9)? * 10u32.pow(9 - u32::try_from(f.len()).ok()?),
    };
    NaiveTime::from_hms_nano_opt(hour, minute, second, nano)
}

/// An RFC 3339 instant (`2026-03-02T09:00:00Z`, `2026-03-02T10:00:00+01:00`), in UTC.
pub(crate) fn parse_instant(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Reads a string with `parse` (after trimming it); any other value, or a string `parse` refuses,
/// is an error saying what was expected.
fn read_str<'de, D: Deserializer<'de>, T>(
    d: D,
    expecting: &'static str,
    parse: fn(&str) -> Option<T>,
) -> Result<T, D::Error> {
    struct V<T> {
        expecting: &'static str,
        parse: fn(&str) -> Option<T>,
    }
    impl<T> Visitor<'_> for V<T> {
        type Value = T;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.expecting)
        }

        fn visit_str<E: de::Error>(self, s: &str) -> Result<T, E> {
            (self.parse)(s.trim()).ok_or_else(|| E::custom(format!("`{s}` is not {}", self.expecting)))
        }
    }
    d.deserialize_str(V { expecting, parse })
}

/// A date field (`#[serde(deserialize_with = "date")]`).
struct Date(NaiveDate);

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        read_str(d, "a date such as `2026-03-02`", parse_date).map(Date)
    }
}

/// A wall-clock time.
struct Time(NaiveTime);

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        read_str(d, "a time such as `09:00`", parse_time).map(Time)
    }
}

/// An RFC 3339 instant (only a string: intervals do not take milliseconds).
struct Rfc3339(DateTime<Utc>);

impl<'de> Deserialize<'de> for Rfc3339 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        read_str(
            d,
            "an RFC 3339 instant such as `2026-03-02T09:00:00Z`",
            parse_instant,
        )
        .map(Rfc3339)
    }
}

/// Reads a `YYYY-MM-DD` date.
pub(crate) fn date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    Date::deserialize(d).map(|x| x.0)
}

/// Reads a date, or nothing for `null`/`undefined`.
pub(crate) fn opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    Option::<Date>::deserialize(d).map(|x| x.map(|x| x.0))
}

/// Reads a wall-clock time, or nothing for `null`/`undefined`.
pub(crate) fn opt_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveTime>, D::Error> {
    Option::<Time>::deserialize(d).map(|x| x.map(|x| x.0))
}

/// `{ start, end }` as RFC 3339 strings, checked by hms-core's `Interval::new` (as its own serde
/// form is).
#[derive(Deserialize)]
struct RawInterval {
    start: Rfc3339,
    end: Rfc3339,
}

impl RawInterval {
    fn checked<E: de::Error>(self) -> Result<Interval, E> {
        Interval::new(self.start.0, self.end.0).map_err(E::custom)
    }
}

/// Reads an interval `{ start, end }`.
pub(crate) fn interval<'de, D: Deserializer<'de>>(d: D) -> Result<Interval, D::Error> {
    RawInterval::deserialize(d)?.checked()
}

/// Reads an interval, or nothing for `null`/`undefined`.
pub(crate) fn opt_interval<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Interval>, D::Error> {
    Option::<RawInterval>::deserialize(d)?
        .map(RawInterval::checked)
        .transpose()
}

/// hms-core's `WeeklyHours` with its times read by [`parse_time`].
#[derive(Deserialize)]
struct RawWeeklyHours {
    weekday: Weekday,
    start: Time,
    end: Time,
}

/// Reads a list of weekly hours `{ weekday, start, end }`.
pub(crate) fn weekly_hours<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<WeeklyHours>, D::Error> {
    Ok(Vec::<RawWeeklyHours>::deserialize(d)?
        .into_iter()
        .map(|h| WeeklyHours {
            weekday: h.weekday,
            start: h.start.0,
            end: h.end.0,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_chrono_reads_the_usual_forms() {
        for s in ["2026-03-02", "2026-3-2", "0000-01-01", "9999-12-31", "2024-02-29"] {
            assert_eq!(parse_date(s), s.parse::<NaiveDate>().ok(), "{s}");
        }
        assert_eq!(parse_date("2026-03-02"), NaiveDate::from_ymd_opt(2026, 3, 2));
        // Not dates: no such day, a short year, extra parts or text, empty parts.
        for s in [
            "2026-02-29",
            "2026-13-01",
            "26-03-02",
            "2026-03-02-01",
            "2026-03-02T09:00",
            "2026--02",
            "",
        ] {
            assert_eq!(parse_date(s), None, "{s}");
        }
    }

    #[test]
    fn times_read_as_chrono_reads_the_usual_forms() {
        for s in [
            "09:00",
            "9:00",
            "09:00:30",
            "23:59:59",
            "09:00:00.5",
            "00:00:00.123456789",
        ] {
            assert_eq!(parse_time(s), s.parse::<NaiveTime>().ok(), "{s}");
        }
        // 09:00:00.5 is half a second past nine.
        assert_eq!(
            parse_time("09:00:00.5"),
            NaiveTime::from_hms_milli_opt(9, 0, 0, 500)
        );
        for s in [
            "24:00",
            "09:60",
            "09:0",
            "09",
            "09:00:",
            "09:00.5",
            "09:00:00.",
            "09:00:00.1234567890",
            "9h00",
        ] {
            assert_eq!(parse_time(s), None, "{s}");
        }
    }

    #[test]
    fn interval_instants_are_rfc_3339_in_utc() {
        let nine = NaiveDate::from_ymd_opt(2026, 3, 2)
            .and_then(|d| d.and_hms_opt(9, 0, 0))
            .map(|t| t.and_utc());
        // 10:00 at +01:00 is 09:00 UTC; a space may stand for the `T`.
        for s in [
            "2026-03-02T09:00:00Z",
            "2026-03-02T10:00:00+01:00",
            "2026-03-02 09:00:00Z",
        ] {
            assert_eq!(parse_instant(s), nine, "{s}");
            assert_eq!(parse_instant(s), s.parse::<DateTime<Utc>>().ok(), "{s}");
        }
        for s in ["2026-03-02", "2026-03-02T09:00Z", "2026-03-02T09:00:00"] {
            assert_eq!(parse_instant(s), None, "{s}");
        }
    }

    #[test]
    fn a_bad_date_time_or_interval_names_the_text_and_the_expected_form() {
        let err = |json: &str| {
            serde_json::from_str::<crate::scheduling::BookingDto>(json)
                .unwrap_err()
                .to_string()
        };
        let e = err(
            r#"{"id": "00000000-0000-0000-0000-000000000001", "interval": {"start": "tomorrow", "end": "2026-03-02T09:30:00Z"}}"#,
        );
        assert!(e.contains("`tomorrow` is not an RFC 3339 instant"), "{e}");
        // An interval that ends before it starts is refused by hms-core's own check.
        let e = err(
            r#"{"id": "00000000-0000-0000-0000-000000000001", "interval": {"start": "2026-03-02T10:00:00Z", "end": "2026-03-02T09:30:00Z"}}"#,
        );
        assert!(e.contains("an interval must end after it starts"), "{e}");
        let range = serde_json::from_str::<crate::scheduling::RangeDto>(
            r#"{"from": "2026-03-02", "until": "2026-02-30"}"#,
        );
        let e = range.unwrap_err().to_string();
        assert!(
            e.contains("`2026-02-30` is not a date such as `2026-03-02`"),
            "{e}"
        );
    }
}
