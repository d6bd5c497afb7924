//! Recurring visits: dialysis three times a week, weekly physiotherapy, a dressing change every other
//! day.
//!
//! The rules, in plain words:
//! - a series repeats on chosen weekdays every N weeks (weeks counted from the week, Monday to Sunday,
//!   of its first date), or every N days from its first date;
//! - it starts on its start date (which is an occurrence only if it matches the pattern) and ends on
//!   an end date (inclusive) or after a number of occurrences;
//! - excluded dates are skipped; as in iCalendar (RFC 5545), they still count towards the number of
//!   occurrences, so "12 sessions, not on 25 December" gives 11 visits if 25 December is one of the 12;
//! - occurrences are laid out in the clinic's local time, so a visit at 07:00 stays at 07:00 across a
//!   clock change; an occurrence whose wall-clock time the clocks skip is reported as such, never
//!   moved; one whose time happens twice takes the first;
//! - a series spans at most [`MAX_SERIES_DAYS`] days and [`MAX_OCCURRENCES`] occurrences.

use chrono::{Datelike, Days, Duration, NaiveDate, NaiveTime, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::availability::{zone_name, AvailabilityError, LocalAppointmentTime, MAX_VISIT_MINUTES};
use crate::error::{FieldCode, ValidationError};
use crate::time::Interval;

/// The most occurrences one series may have.
pub const MAX_OCCURRENCES: u32 = 1_000;
/// The most days from a series' start date to its last occurrence (about ten years).
pub const MAX_SERIES_DAYS: u32 = 3_660;

/// How a series repeats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Repeat {
    /// On these weekdays, every `every_weeks` weeks (1: every week, 2: every other week).
    Weekly {
        /// The weekdays, e.g. Monday, Wednesday and Friday.
        weekdays: Vec<Weekday>,
        /// The week step.
        every_weeks: u32,
    },
    /// Every `every_days` days from the start date.
    Daily {
        /// The day step.
        every_days: u32,
    },
}

/// When a series ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeriesEnd {
    /// On this date (inclusive).
    Until(NaiveDate),
    /// After this many occurrences (excluded dates included).
    Count(u32),
}

/// A rule for a series of visits at the same wall-clock time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesRule {
    /// The first date the series may have an occurrence.
    pub start_date: NaiveDate,
    /// The wall-clock time of every visit.
    pub time: NaiveTime,
    /// The clinic's zone.
    #[serde(with = "zone_name")]
    pub zone: Tz,
    /// Length of each visit, in minutes.
    pub minutes: u32,
    /// How it repeats.
    pub repeat: Repeat,
    /// When it ends.
    pub end: SeriesEnd,
    /// Dates on which there is no visit.
    #[serde(default)]
    pub excluded_dates: Vec<NaiveDate>,
}

/// One visit of a series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// The local date.
    pub date: NaiveDate,
    /// The local time (the series' time).
    pub local_time: NaiveTime,
    /// When it happens, or why it cannot ([`AvailabilityError::NonexistentLocalTime`] in a
    /// spring-forward gap).
    pub interval: Result<Interval, AvailabilityError>,
}

impl SeriesRule {
    /// Checks the rule (see [`validate_series`]).
    ///
    /// # Errors
    /// A [`ValidationError`] listing every problem.
    pub fn validate(&self) -> Result<(), ValidationError> {
        validate_series(self)
    }

    /// Whether `date` matches the repeat pattern (excluded dates and the end aside).
    fn matches(&self, date: NaiveDate) -> bool {
        if date < self.start_date {
            return false;
        }
        match &self.repeat {
            Repeat::Weekly {
                weekdays,
                every_weeks,
            } => {
                let week = (monday_of(date) - monday_of(self.start_date)).num_days() / 7;
                weekdays.contains(&date.weekday()) && week % i64::from((*every_weeks).max(1)) == 0
            }
            Repeat::Daily { every_days } => {
                (date - self.start_date).num_days() % i64::from((*every_days).max(1)) == 0
            }
        }
    }

    /// The pattern's dates in order, excluded dates included, until the end or the span limit; and
    /// whether the series ended by its own end rule before the span limit.
    fn dates(&self) -> (Vec<NaiveDate>, bool) {
        let mut out = Vec::new();
        let last_allowed = self
            .start_date
            .checked_add_days(Days::new(u64::from(MAX_SERIES_DAYS)))
            .unwrap_or(NaiveDate::MAX);
        let (until, count) = match self.end {
            SeriesEnd::Until(u) => (u.min(last_allowed), u32::MAX),
            SeriesEnd::Count(n) => (last_allowed, n),
        };
        let step = match self.repeat {
            Repeat::Daily { every_days } => u64::from(every_days.max(1)),
            Repeat::Weekly { .. } => 1,
        };
        let mut counted: u32 = 0;
        let mut date = self.start_date;
        while date <= until && counted < count {
            if self.matches(date) {
                counted += 1;
                out.push(date);
            }
            match date.checked_add_days(Days::new(step)) {
                Some(next) => date = next,
                None => break,
            }
        }
        let ended = match self.end {
            SeriesEnd::Until(u) => u <= last_allowed,
            SeriesEnd::Count(n) => counted >= n,
        };
        (out, ended)
    }
}

/// The Monday of `date`'s week (or the first representable date, for the first week of the calendar).
fn monday_of(date: NaiveDate) -> NaiveDate {
    date.checked_sub_days(Days::new(u64::from(date.weekday().num_days_from_monday())))
        .unwrap_or(NaiveDate::MIN)
}

/// Checks a series rule, listing every problem.
///
/// Rules: each visit lasts 1 to 1,440 minutes; a weekly series names at least one weekday and repeats
/// every 1 to 52 weeks; a daily series every 1 to 365 days; an end date is not before the start date;
/// a count is 1 to [`MAX_OCCURRENCES`]; the series ends within [`MAX_SERIES_DAYS`] days of its start;
/// and it has at least one visit that is not excluded.
///
/// # Errors
/// A [`ValidationError`] listing every problem.
pub fn validate_series(rule: &SeriesRule) -> Result<(), ValidationError> {
    let mut e = ValidationError::default();
    if rule.minutes == 0 || rule.minutes > MAX_VISIT_MINUTES {
        e.push(
            "minutes",
            FieldCode::OutOfRange,
            format!(
                "`minutes` is {}, it must be from 1 to {MAX_VISIT_MINUTES}",
                rule.minutes
            ),
        );
    }
    match &rule.repeat {
        Repeat::Weekly {
            weekdays,
            every_weeks,
        } => {
            if weekdays.is_empty() {
                e.push(
                    "repeat.weekdays",
                    FieldCode::Required,
                    "a weekly series needs at least one weekday",
                );
            }
            if !(1..=52).contains(every_weeks) {
                e.push(
                    "repeat.every_weeks",
                    FieldCode::OutOfRange,
                    format!("`every_weeks` is {every_weeks}, it must be from 1 to 52"),
                );
            }
        }
        Repeat::Daily { every_days } => {
            if !(1..=365).contains(every_days) {
                e.push(
                    "repeat.every_days",
                    FieldCode::OutOfRange,
                    format!("`every_days` is {every_days}, it must be from 1 to 365"),
                );
            }
        }
    }
    match rule.end {
        SeriesEnd::Until(u) if u < rule.start_date => e.push(
            "end.until",
            FieldCode::InvalidPeriod,
            format!(
                "the series cannot end on {u}, before it starts on {}",
                rule.start_date
            ),
        ),
        SeriesEnd::Until(u) if (u - rule.start_date).num_days() > i64::from(MAX_SERIES_DAYS) => e.push(
            "end.until",
            FieldCode::OutOfRange,
            format!("a series may span at most {MAX_SERIES_DAYS} days"),
        ),
        SeriesEnd::Count(n) if n == 0 || n > MAX_OCCURRENCES => e.push(
            "end.count",
            FieldCode::OutOfRange,
            format!("`count` is {n}, it must be from 1 to {MAX_OCCURRENCES}"),
        ),
        _ => {}
    }
    if e.is_empty() {
        let (dates, ended) = rule.dates();
        if !ended {
            e.push(
                "end.count",
                FieldCode::OutOfRange,
                format!(
                    "a series may span at most {MAX_SERIES_DAYS} days, and this one would not end by then"
                ),
            );
        } else if dates.iter().all(|d| rule.excluded_dates.contains(d)) {
            e.push(
                "end",
                FieldCode::Inconsistent,
                "the series has no visit: no date matches, or every matching date is excluded",
            );
        }
    }
    e.into_result()
}

/// The visits of a series, in date order, at most `limit` of them.
///
/// # Errors
/// A [`ValidationError`] when the rule is invalid (see [`validate_series`]).
///
/// # Example
/// ```
/// # use hms_core::scheduling::recurrence::*;
/// # use chrono::{NaiveDate, NaiveTime, Weekday};
/// // Dialysis Monday, Wednesday and Friday at 02:30 in Berlin, six sessions from Friday 27 March 2026.
/// let rule = SeriesRule {
///     start_date: NaiveDate::from_ymd_opt(2026, 3, 27).unwrap(),
///     time: NaiveTime::from_hms_opt(2, 30, 0).unwrap(),
///     zone: chrono_tz::Europe::Berlin,
///     minutes: 240,
///     repeat: Repeat::Weekly { weekdays: vec![Weekday::Mon, Weekday::Wed, Weekday::Fri], every_weeks: 1 },
///     end: SeriesEnd::Count(6),
///     excluded_dates: vec![NaiveDate::from_ymd_opt(2026, 4, 3).unwrap()], // Good Friday
/// };
/// let visits = expand(&rule, 100)?;
/// let dates: Vec<String> = visits.iter().map(|o| o.date.to_string()).collect();
/// assert_eq!(dates, ["2026-03-27", "2026-03-30", "2026-04-01", "2026-04-06", "2026-04-08"]);
/// // None of them falls on Sunday 29 March, when 02:30 does not exist in Berlin, so all have times.
/// assert!(visits.iter().all(|o| o.interval.is_ok()));
/// # Ok::<(), hms_core::error::ValidationError>(())
/// ```
pub fn expand(rule: &SeriesRule, limit: usize) -> Result<Vec<Occurrence>, ValidationError> {
    validate_series(rule)?;
    let length = Duration::minutes(i64::from(rule.minutes));
    let (dates, _) = rule.dates();
    Ok(dates
        .into_iter()
        .filter(|d| !rule.excluded_dates.contains(d))
        .take(limit)
        .map(|date| Occurrence {
            date,
            local_time: rule.time,
            interval: LocalAppointmentTime::new(date, rule.time, rule.zone).to_interval(length),
        })
        .collect())
}

#[cfg(test)]
mod tests;
