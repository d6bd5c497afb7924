//! Time: half-open intervals of UTC instants, clocks, and local wall-clock helpers.
//!
//! Rules this module keeps:
//! - an instant is a [`DateTime<Utc>`]; local times exist only at the edges (working hours, display);
//! - an [`Interval`] is half-open, `[start, end)`: it contains its start but not its end, so a visit that
//!   ends at 09:30 and one that starts at 09:30 do not overlap;
//! - an interval is never empty or reversed: [`Interval::new`] refuses `end <= start`;
//! - a local wall-clock time in a zone may not exist (spring-forward gap) or exist twice (fall-back
//!   overlap); [`local_instants`] says which, and never guesses.

use std::fmt;
use std::sync::Mutex;

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// An error from a time rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimeError {
    /// An interval whose end is not after its start.
    #[error("an interval must end after it starts, but `{start}` to `{end}` does not")]
    EmptyInterval {
        /// The start given.
        start: DateTime<Utc>,
        /// The end given.
        end: DateTime<Utc>,
    },
    /// An IANA time-zone name that does not exist.
    #[error("`{name}` is not an IANA time zone")]
    UnknownZone {
        /// The name given.
        name: String,
    },
    /// A time moved outside the range of dates the library can represent (about 262,000 years
    /// either side of year 0).
    #[error("`{from}` moved by `{by}` is outside the supported range of dates")]
    OutOfRange {
        /// The time that was to be moved.
        from: DateTime<Utc>,
        /// How far (ISO 8601 duration).
        by: Duration,
    },
}

impl TimeError {
    /// The stable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            TimeError::EmptyInterval { .. } => "invalid_interval",
            TimeError::UnknownZone { .. } => "invalid_input",
            TimeError::OutOfRange { .. } => "time_out_of_range",
        }
    }
}

/// A half-open span of time `[start, end)` between two UTC instants, never empty.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Interval {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl<'de> Deserialize<'de> for Interval {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            start: DateTime<Utc>,
            end: DateTime<Utc>,
        }
        let raw = Raw::deserialize(d)?;
        Interval::new(raw.start, raw.end).map_err(serde::de::Error::custom)
    }
}

impl fmt::Debug for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}, {})", self.start.to_rfc3339(), self.end.to_rfc3339())
    }
}

/// A time of day as messages show it, `hh:mm` (what chrono's `%H:%M` writes). Written by hand:
/// chrono's format strings bring their parser and writer into the browser module for a few messages.
pub(crate) fn hh_mm(t: NaiveTime) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// A date and time as messages show it, `YYYY-MM-DD hh:mm` (chrono's `%Y-%m-%d %H:%M`).
pub(crate) fn date_hh_mm(t: NaiveDateTime) -> String {
    format!("{} {}", t.date(), hh_mm(t.time()))
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} to {}",
            date_hh_mm(self.start.naive_utc()) + " UTC",
            date_hh_mm(self.end.naive_utc()) + " UTC"
        )
    }
}

impl Interval {
    /// The interval `[start, end)`.
    ///
    /// # Errors
    /// [`TimeError::EmptyInterval`] when `end <= start`.
    ///
    /// # Example
    /// ```
    /// # use hms_core::time::Interval;
    /// # use chrono::{TimeZone, Utc};
    /// let nine = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    /// let half_past = Utc.with_ymd_and_hms(2026, 3, 2, 9, 30, 0).unwrap();
    /// let visit = Interval::new(nine, half_past)?;
    /// assert_eq!(visit.duration().num_minutes(), 30);
    /// assert!(Interval::new(half_past, nine).is_err());
    /// # Ok::<(), hms_core::time::TimeError>(())
    /// ```
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Self, TimeError> {
        if end <= start {
            return Err(TimeError::EmptyInterval { start, end });
        }
        Ok(Interval { start, end })
    }

    /// The interval that starts at `start` and lasts `length`.
    ///
    /// # Errors
    /// [`TimeError::EmptyInterval`] when `length` is zero or negative.
    pub fn starting_at(start: DateTime<Utc>, length: Duration) -> Result<Self, TimeError> {
        Interval::new(start, start + length)
    }

    /// The first instant inside the interval.
    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    /// The first instant after the interval.
    pub fn end(&self) -> DateTime<Utc> {
        self.end
    }

    /// How long the interval lasts.
    pub fn duration(&self) -> Duration {
        self.end - self.start
    }

    /// Whether the two intervals share at least one instant. Back-to-back intervals do not.
    pub fn overlaps(&self, other: &Interval) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// Whether `other` lies wholly inside this interval.
    pub fn contains(&self, other: &Interval) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    /// Whether the instant lies inside this interval (its start included, its end not).
    pub fn contains_instant(&self, t: DateTime<Utc>) -> bool {
        self.start <= t && t < self.end
    }

    /// The part two intervals share, if any.
    pub fn intersection(&self, other: &Interval) -> Option<Interval> {
        Interval::new(self.start.max(other.start), self.end.min(other.end)).ok()
    }

    /// The same interval widened by `before` at the start and `after` at the end (for buffers between
    /// visits). Negative widths shrink it; if it would become empty, `None`.
    pub fn widened(&self, before: Duration, after: Duration) -> Option<Interval> {
        Interval::new(self.start - before, self.end + after).ok()
    }
}

/// Where a local wall-clock time falls on the UTC time line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalInstant {
    /// The local time happens exactly once.
    Single(DateTime<Utc>),
    /// The local time happens twice (clocks went back): the earlier and the later instant.
    Twice(DateTime<Utc>, DateTime<Utc>),
    /// The local time never happens (clocks went forward over it).
    Skipped,
}

/// Finds the instant(s) at which the wall clocks of `zone` show `date` `time`.
///
/// # Example
/// ```
/// # use hms_core::time::{local_instants, LocalInstant};
/// # use chrono::{NaiveDate, NaiveTime};
/// // Berlin springs forward at 02:00 on 29 March 2026: 02:30 never happens.
/// let day = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
/// let t = NaiveTime::from_hms_opt(2, 30, 0).unwrap();
/// assert_eq!(local_instants(chrono_tz::Europe::Berlin, day, t), LocalInstant::Skipped);
/// ```
pub fn local_instants(zone: Tz, date: NaiveDate, time: NaiveTime) -> LocalInstant {
    match zone.from_local_datetime(&date.and_time(time)) {
        LocalResult::Single(t) => LocalInstant::Single(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => {
            let (a, b) = (a.with_timezone(&Utc), b.with_timezone(&Utc));
            LocalInstant::Twice(a.min(b), a.max(b))
        }
        LocalResult::None => LocalInstant::Skipped,
    }
}

/// Parses an IANA zone name such as `Europe/Berlin`.
///
/// # Errors
/// [`TimeError::UnknownZone`] when no such zone exists.
pub fn parse_zone(name: &str) -> Result<Tz, TimeError> {
    name.trim().parse::<Tz>().map_err(|_| TimeError::UnknownZone {
        name: name.to_owned(),
    })
}

/// A source of the current instant. Rules never read a clock; the facade asks its clock and passes
/// `now` down.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The operating system's clock.
#[cfg(feature = "system")]
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

#[cfg(feature = "system")]
impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that shows what it is told: for tests and simulations.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
}

impl ManualClock {
    /// A clock stopped at `now`.
    pub fn new(now: DateTime<Utc>) -> Self {
        ManualClock { now: Mutex::new(now) }
    }

    /// Moves the clock to `now`.
    pub fn set(&self, now: DateTime<Utc>) {
        if let Ok(mut guard) = self.now.lock() {
            *guard = now;
        }
    }

    /// Moves the clock forward by `by` (back if `by` is negative) and returns the time it shows now.
    ///
    /// # Errors
    /// [`TimeError::OutOfRange`] when the new time would lie outside the dates the library can
    /// represent; the clock then stays where it was.
    ///
    /// # Example
    /// ```
    /// # use hms_core::time::{Clock, ManualClock};
    /// # use chrono::{Duration, TimeZone, Utc};
    /// let nine = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    /// let clock = ManualClock::new(nine);
    /// assert_eq!(clock.advance(Duration::minutes(15))?, nine + Duration::minutes(15));
    /// assert!(clock.advance(Duration::MAX).is_err());
    /// assert_eq!(clock.now(), nine + Duration::minutes(15));
    /// # Ok::<(), hms_core::time::TimeError>(())
    /// ```
    pub fn advance(&self, by: Duration) -> Result<DateTime<Utc>, TimeError> {
        let mut guard = match self.now.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let next = guard
            .checked_add_signed(by)
            .ok_or(TimeError::OutOfRange { from: *guard, by })?;
        *guard = next;
        Ok(next)
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        match self.now.lock() {
            Ok(guard) => *guard,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_times_read_as_chrono_writes_them() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        for (h, m, s, nano) in [
            (0, 0, 0, 0),
            (9, 5, 59, 999_999_999),
            (23, 59, 59, 0),
            (23, 59, 59, 1_500_000_000),
        ] {
            let t = NaiveTime::from_hms_nano_opt(h, m, s, nano).unwrap();
            assert_eq!(hh_mm(t), t.format("%H:%M").to_string());
            let dt = d.and_time(t);
            assert_eq!(date_hh_mm(dt), dt.format("%Y-%m-%d %H:%M").to_string());
        }
    }
    use proptest::prelude::*;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, h, m, 0).unwrap()
    }

    #[test]
    fn back_to_back_visits_do_not_overlap() {
        let a = Interval::new(t(9, 0), t(9, 30)).unwrap();
        let b = Interval::new(t(9, 30), t(10, 0)).unwrap();
        assert!(!a.overlaps(&b));
        assert!(a.contains_instant(t(9, 0)));
        assert!(!a.contains_instant(t(9, 30)));
    }

    #[test]
    fn empty_and_reversed_intervals_are_refused() {
        let e = Interval::new(t(9, 0), t(9, 0)).unwrap_err();
        assert_eq!(e.code(), "invalid_interval");
        assert!(Interval::new(t(10, 0), t(9, 0)).is_err());
        assert!(serde_json::from_str::<Interval>(
            r#"{"start":"2026-03-02T10:00:00Z","end":"2026-03-02T09:00:00Z"}"#
        )
        .is_err());
    }

    #[test]
    fn new_york_falls_back_so_0130_happens_twice() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let time = NaiveTime::from_hms_opt(1, 30, 0).unwrap();
        match local_instants(chrono_tz::America::New_York, day, time) {
            LocalInstant::Twice(a, b) => {
                assert_eq!(a, Utc.with_ymd_and_hms(2026, 11, 1, 5, 30, 0).unwrap());
                assert_eq!(b, Utc.with_ymd_and_hms(2026, 11, 1, 6, 30, 0).unwrap());
            }
            other => panic!("expected two instants, got {other:?}"),
        }
    }

    #[test]
    fn unknown_zones_are_refused() {
        assert_eq!(parse_zone("Asia/Kathmandu").unwrap(), chrono_tz::Asia::Kathmandu);
        assert_eq!(parse_zone("Mars/Olympus").unwrap_err().code(), "invalid_input");
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::new(t(9, 0));
        assert_eq!(c.now(), t(9, 0));
        assert_eq!(c.advance(Duration::minutes(15)).unwrap(), t(9, 15));
        assert_eq!(c.now(), t(9, 15));
    }

    fn interval() -> impl Strategy<Value = Interval> {
        (0_i64..10_000, 1_i64..500).prop_map(|(s, len)| {
            let start = t(0, 0) + Duration::minutes(s);
            Interval::new(start, start + Duration::minutes(len)).unwrap()
        })
    }

    proptest! {
        #[test]
        fn overlap_is_symmetric(a in interval(), b in interval()) {
            prop_assert_eq!(a.overlaps(&b), b.overlaps(&a));
        }

        #[test]
        fn overlap_means_a_shared_instant(a in interval(), b in interval()) {
            prop_assert_eq!(a.overlaps(&b), a.intersection(&b).is_some());
            if let Some(i) = a.intersection(&b) {
                prop_assert!(a.contains(&i) && b.contains(&i));
            }
        }

        #[test]
        fn back_to_back_never_overlaps(a in interval(), len in 1_i64..500) {
            let next = Interval::new(a.end(), a.end() + Duration::minutes(len)).unwrap();
            prop_assert!(!a.overlaps(&next));
            prop_assert!(!next.overlaps(&a));
        }

        #[test]
        fn an_interval_overlaps_itself_and_contains_its_start(a in interval()) {
            prop_assert!(a.overlaps(&a));
            prop_assert!(a.contains_instant(a.start()));
            prop_assert!(!a.contains_instant(a.end()));
        }
    }
}
