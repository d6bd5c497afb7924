//! Availability: when a doctor works, and whether a visit may be booked at a given time.
//!
//! The rules, in plain words:
//! - a doctor's **template** gives weekly working hours as wall-clock times in the clinic's IANA time
//!   zone (several intervals per day, so breaks are the gaps between them), the dates it is in force,
//!   the slot grid, the visit types offered with their lengths and buffers, how many bookings one slot
//!   takes (capacity), the booking lead time and the booking horizon;
//! - **exceptions** change that: leave removes whole days (extra sessions included); a public holiday
//!   removes the weekly hours of its day but not an extra session planned on it; an unavailable block
//!   removes an exact span of time from everything; an extra session adds hours on one day;
//! - a template says nothing about days outside its effective dates, extra sessions included;
//! - wall-clock hours become instants day by day: a working interval runs from the first moment the
//!   clinic's clock shows its start time (or a later time) to the first moment it shows its end time
//!   (or later). So a start inside a spring-forward gap moves to the end of the gap (a clinic open
//!   00:00–04:00 in Santiago on the day midnight does not exist opens at 01:00), a time inside a
//!   fall-back overlap means its first occurrence, and a clinic open 01:00–04:00 in New York works four
//!   real hours on the fall-back day and two on the spring-forward day;
//! - a visit may be booked when the visit and its buffer fit inside one working interval, it does not
//!   start in the past or inside the lead time, its start falls on or before the last day of the
//!   horizon, and the doctor offers the visit type.
//!
//! Appointments keep their wall-clock time and zone ([`LocalAppointmentTime`]) so that a time-zone
//! database update can recompute their instants.

use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Timelike, Utc,
    Weekday,
};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::VisitType;
use crate::error::{FieldCode, ValidationError};
use crate::finding::Finding;
use crate::ids::StaffId;
use crate::people::required_text;
use crate::time::{local_instants, Interval, LocalInstant, TimeError};

/// The most bookings one slot may take.
pub const MAX_CAPACITY: u32 = 1_000;
/// The longest booking lead time, in minutes (one year).
pub const MAX_LEAD_TIME_MINUTES: u32 = 525_600;
/// The longest booking horizon, in days (about ten years).
pub const MAX_HORIZON_DAYS: u32 = 3_660;
/// The longest visit or slot, in minutes (one day).
pub const MAX_VISIT_MINUTES: u32 = 1_440;
/// The most days one [`DateRange`] may span (two years).
pub const MAX_RANGE_DAYS: u32 = 731;
/// The longest location, reason or holiday name, in characters.
pub const MAX_TEXT_LEN: usize = 200;
/// Code of the warning given when a visit does not start on the slot grid.
pub const OFF_GRID: &str = "off_grid";

/// An error from an availability rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AvailabilityError {
    /// The visit (with its buffer) does not lie inside one of the doctor's working intervals.
    #[error("the visit from {interval} is outside the working hours of doctor `{doctor}`")]
    OutsideAvailability {
        /// The doctor.
        doctor: StaffId,
        /// The time the visit would hold, buffer included.
        interval: Interval,
    },
    /// The visit would start before now.
    #[error("the visit would start at {start}, which is in the past")]
    InPast {
        /// The requested start.
        start: DateTime<Utc>,
        /// The current instant.
        now: DateTime<Utc>,
    },
    /// The visit would start inside the booking lead time.
    #[error(
        "visits must be booked at least {lead_time_minutes} minutes ahead: the earliest start now is \
         {earliest}, not {start}"
    )]
    InsideLeadTime {
        /// The requested start.
        start: DateTime<Utc>,
        /// The earliest start allowed now.
        earliest: DateTime<Utc>,
        /// The doctor's lead time.
        lead_time_minutes: u32,
    },
    /// The visit would start after the last day of the booking horizon.
    #[error("visits can be booked at most {horizon_days} days ahead, up to {last_date}, not on {date}")]
    BeyondHorizon {
        /// The clinic's local date of the requested start.
        date: NaiveDate,
        /// The last bookable local date.
        last_date: NaiveDate,
        /// The doctor's horizon.
        horizon_days: u32,
    },
    /// The doctor does not offer this kind of visit.
    #[error("doctor `{doctor}` does not offer `{visit_type}` visits")]
    VisitTypeNotOffered {
        /// The doctor.
        doctor: StaffId,
        /// The visit type's code.
        visit_type: String,
    },
    /// A wall-clock time that the clinic's clocks skip (spring-forward gap).
    #[error(
        "`{date} {}` does not exist in `{zone}`: the clocks skip it",
        crate::time::hh_mm(*time)
    )]
    NonexistentLocalTime {
        /// The local date.
        date: NaiveDate,
        /// The local time that is skipped.
        time: NaiveTime,
        /// The zone.
        zone: Tz,
    },
    /// A time rule was broken (a visit of no length, …).
    #[error(transparent)]
    Time(#[from] TimeError),
}

impl AvailabilityError {
    /// The stable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            AvailabilityError::OutsideAvailability { .. } => "outside_availability",
            AvailabilityError::InPast { .. } => "in_past",
            AvailabilityError::InsideLeadTime { .. } => "lead_time",
            AvailabilityError::BeyondHorizon { .. } => "beyond_horizon",
            AvailabilityError::VisitTypeNotOffered { .. } => "visit_type_not_offered",
            AvailabilityError::NonexistentLocalTime { .. } => "nonexistent_local_time",
            AvailabilityError::Time(e) => e.code(),
        }
    }

    /// This error as a finding for a screen.
    pub fn to_finding(&self) -> Finding {
        Finding::error(self.code(), self.to_string())
    }
}

/// Serde support for a [`Tz`] as its IANA name, e.g. `"Europe/Berlin"`
/// (`#[serde(with = "zone_name")]`).
pub mod zone_name {
    use chrono_tz::Tz;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the zone's IANA name.
    ///
    /// # Errors
    /// Whatever the serializer returns.
    pub fn serialize<S: Serializer>(zone: &Tz, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(zone.name())
    }

    /// Reads an IANA name.
    ///
    /// # Errors
    /// When the name is not an IANA time zone.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Tz, D::Error> {
        let name = String::deserialize(d)?;
        crate::time::parse_zone(&name).map_err(serde::de::Error::custom)
    }
}

/// Working hours on one day of the week, as wall-clock times: `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WeeklyHours {
    /// The day of the week.
    pub weekday: Weekday,
    /// When work starts (clinic wall clock).
    pub start: NaiveTime,
    /// When work ends (clinic wall clock); after `start`, on the same day.
    pub end: NaiveTime,
}

impl WeeklyHours {
    /// Working hours from `start` to `end` on `weekday`.
    pub fn new(weekday: Weekday, start: NaiveTime, end: NaiveTime) -> Self {
        WeeklyHours { weekday, start, end }
    }
}

fn default_capacity() -> u32 {
    1
}

/// When and how one doctor can be booked at one location.
///
/// A doctor may have several templates (one per location, or one after another as their hours
/// change); each is checked on its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AvailabilityTemplate {
    /// The doctor.
    pub doctor: StaffId,
    /// Where, e.g. `outpatient clinic, room 4`.
    #[serde(default)]
    pub location: Option<String>,
    /// The clinic's IANA time zone; all wall-clock times are in it.
    #[serde(with = "zone_name")]
    pub zone: Tz,
    /// Weekly working hours; several on one day leave breaks between them. They must not overlap.
    pub weekly_hours: Vec<WeeklyHours>,
    /// The first day the template is in force.
    pub effective_from: NaiveDate,
    /// The last day the template is in force (inclusive); none means until further notice.
    #[serde(default)]
    pub effective_until: Option<NaiveDate>,
    /// The slot grid: slots start every this many minutes from the start of each working session.
    pub slot_minutes: u32,
    /// The visit types offered, with this doctor's lengths and buffers.
    pub visit_types: Vec<VisitType>,
    /// How many bookings one slot takes: 1 unless the doctor allows group or overbooked slots.
    #[serde(default = "default_capacity")]
    pub capacity: u32,
    /// No visit may be booked to start within this many minutes from now.
    #[serde(default)]
    pub lead_time_minutes: u32,
    /// No visit may be booked on a day more than this many days after today (0: today only).
    pub horizon_days: u32,
}

impl AvailabilityTemplate {
    /// This template's definition of the visit type with `code`, if offered.
    pub fn visit_type(&self, code: &str) -> Option<&VisitType> {
        self.visit_types.iter().find(|v| v.code == code)
    }

    /// Whether the template is in force on `date`.
    pub fn in_force_on(&self, date: NaiveDate) -> bool {
        self.effective_from <= date && self.effective_until.is_none_or(|u| date <= u)
    }
}

/// Checks a template, listing every bad field.
///
/// Rules: weekly hours end after they start and do not overlap on the same day; the effective
/// period does not end before it starts; the slot grid and every visit length are 1 to 1,440 minutes;
/// at least one visit type is offered, each with a code and no code twice; capacity is 1 to 1,000; the
/// lead time is at most a year and the horizon at most 3,660 days.
///
/// # Errors
/// A [`ValidationError`] listing every problem.
///
/// # Example
/// ```
/// # use hms_core::scheduling::availability::*;
/// # use hms_core::scheduling::VisitType;
/// # use chrono::{NaiveDate, NaiveTime, Weekday};
/// # let doctor = "0190b4a0-0000-7000-8000-000000000001".parse()?;
/// let t = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
/// let mut template = AvailabilityTemplate {
///     doctor,
///     location: None,
///     zone: chrono_tz::Europe::Berlin,
///     weekly_hours: vec![WeeklyHours::new(Weekday::Mon, t(9), t(12))],
///     effective_from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
///     effective_until: None,
///     slot_minutes: 15,
///     visit_types: vec![VisitType::new("follow_up", "Follow-up", 15)],
///     capacity: 1,
///     lead_time_minutes: 60,
///     horizon_days: 90,
/// };
/// assert!(validate_template(&template).is_ok());
/// template.weekly_hours.push(WeeklyHours::new(Weekday::Mon, t(11), t(10)));
/// template.capacity = 0;
/// assert_eq!(validate_template(&template).unwrap_err().problems().len(), 2);
/// # Ok::<(), hms_core::error::ValidationError>(())
/// ```
pub fn validate_template(t: &AvailabilityTemplate) -> Result<(), ValidationError> {
    let mut e = ValidationError::default();
    if let Some(loc) = &t.location {
        required_text("location", loc, MAX_TEXT_LEN, &mut e);
    }
    for (i, h) in t.weekly_hours.iter().enumerate() {
        if h.end <= h.start {
            e.push(
                format!("weekly_hours[{i}]"),
                FieldCode::InvalidPeriod,
                format!(
                    "working hours on {} end at `{}`, not after they start at `{}`",
                    h.weekday,
                    crate::time::hh_mm(h.end),
                    crate::time::hh_mm(h.start)
                ),
            );
            continue;
        }
        let clash =
            t.weekly_hours.iter().take(i).position(|o| {
                o.weekday == h.weekday && o.start < o.end && o.start < h.end && h.start < o.end
            });
        if let Some(j) = clash {
            e.push(
                format!("weekly_hours[{i}]"),
                FieldCode::Inconsistent,
                format!("working hours on {} overlap `weekly_hours[{j}]`", h.weekday),
            );
        }
    }
    if t.effective_until.is_some_and(|u| u < t.effective_from) {
        e.push(
            "effective_until",
            FieldCode::InvalidPeriod,
            "the template cannot end before it takes effect",
        );
    }
    in_range("slot_minutes", t.slot_minutes, 1, MAX_VISIT_MINUTES, &mut e);
    if t.visit_types.is_empty() {
        e.push(
            "visit_types",
            FieldCode::Required,
            "at least one visit type must be offered",
        );
    }
    for (i, v) in t.visit_types.iter().enumerate() {
        let field = format!("visit_types[{i}]");
        required_text(&format!("{field}.code"), &v.code, 64, &mut e);
        max_len(&format!("{field}.name"), &v.name, MAX_TEXT_LEN, &mut e);
        in_range(
            &format!("{field}.minutes"),
            v.minutes,
            1,
            MAX_VISIT_MINUTES,
            &mut e,
        );
        in_range(
            &format!("{field}.buffer_minutes"),
            v.buffer_minutes,
            0,
            MAX_VISIT_MINUTES,
            &mut e,
        );
        if t.visit_types.iter().take(i).any(|o| o.code == v.code) {
            e.push(
                format!("{field}.code"),
                FieldCode::Inconsistent,
                format!("visit type `{}` is listed twice", v.code),
            );
        }
    }
    in_range("capacity", t.capacity, 1, MAX_CAPACITY, &mut e);
    in_range(
        "lead_time_minutes",
        t.lead_time_minutes,
        0,
        MAX_LEAD_TIME_MINUTES,
        &mut e,
    );
    in_range("horizon_days", t.horizon_days, 0, MAX_HORIZON_DAYS, &mut e);
    e.into_result()
}

/// Rule: a text is at most `max` characters long.
fn max_len(field: &str, value: &str, max: usize, e: &mut ValidationError) {
    let n = value.trim().chars().count();
    if n > max {
        e.push(
            field,
            FieldCode::TooLong,
            format!("`{field}` has {n} characters, at most {max} are allowed"),
        );
    }
}

fn in_range(field: &str, value: u32, min: u32, max: u32, e: &mut ValidationError) {
    if value < min || value > max {
        e.push(
            field,
            FieldCode::OutOfRange,
            format!("`{field}` is {value}, it must be from {min} to {max}"),
        );
    }
}

/// A change to a doctor's weekly hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum AvailabilityException {
    /// The doctor is away on these days (inclusive, local dates): no work at all, extra sessions
    /// included.
    Leave {
        /// The first day away.
        from: NaiveDate,
        /// The last day away.
        until: NaiveDate,
    },
    /// The doctor cannot see patients during this exact span (a meeting, a ward round).
    Unavailable {
        /// The span.
        interval: Interval,
        /// Why, for the people who plan.
        reason: String,
    },
    /// The doctor works these extra hours on one day (wall clock), even on a public holiday.
    ExtraSession {
        /// The day.
        date: NaiveDate,
        /// When the session starts.
        start: NaiveTime,
        /// When it ends; after `start`.
        end: NaiveTime,
    },
    /// A public holiday: the weekly hours of this day do not apply. Hospital-wide holidays can be
    /// passed to every doctor (see [`super::slots::free_slots_for_many`]'s `shared` list).
    Holiday {
        /// The day.
        date: NaiveDate,
        /// Its name, e.g. `New Year's Day`.
        name: String,
    },
}

/// Checks a list of exceptions, listing every bad entry.
///
/// Rules: leave does not end before it starts; an extra session ends after it starts; a holiday has a
/// name; reasons and names are at most 200 characters.
///
/// # Errors
/// A [`ValidationError`] listing every problem, with paths like `exceptions[2].until`.
pub fn validate_exceptions(exceptions: &[AvailabilityException]) -> Result<(), ValidationError> {
    let mut e = ValidationError::default();
    for (i, x) in exceptions.iter().enumerate() {
        let field = format!("exceptions[{i}]");
        match x {
            AvailabilityException::Leave { from, until } => {
                if until < from {
                    e.push(
                        format!("{field}.until"),
                        FieldCode::InvalidPeriod,
                        format!("leave cannot end on {until}, before it starts on {from}"),
                    );
                }
            }
            AvailabilityException::Unavailable { reason, .. } => {
                max_len(&format!("{field}.reason"), reason, MAX_TEXT_LEN, &mut e);
            }
            AvailabilityException::ExtraSession { start, end, .. } => {
                if end <= start {
                    e.push(
                        format!("{field}.end"),
                        FieldCode::InvalidPeriod,
                        format!(
                            "the extra session ends at `{}`, not after it starts at `{}`",
                            crate::time::hh_mm(*end),
                            crate::time::hh_mm(*start)
                        ),
                    );
                }
            }
            AvailabilityException::Holiday { name, .. } => {
                required_text(&format!("{field}.name"), name, MAX_TEXT_LEN, &mut e);
            }
        }
    }
    e.into_result()
}

/// A range of local dates, both ends included, at most [`MAX_RANGE_DAYS`] days long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct DateRange {
    from: NaiveDate,
    until: NaiveDate,
}

impl<'de> Deserialize<'de> for DateRange {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            from: NaiveDate,
            until: NaiveDate,
        }
        let raw = Raw::deserialize(d)?;
        DateRange::new(raw.from, raw.until).map_err(serde::de::Error::custom)
    }
}

impl DateRange {
    /// The dates from `from` to `until`, both included.
    ///
    /// # Errors
    /// A [`ValidationError`] when `until` is before `from` or the range is longer than
    /// [`MAX_RANGE_DAYS`].
    ///
    /// # Example
    /// ```
    /// # use hms_core::scheduling::availability::DateRange;
    /// # use chrono::NaiveDate;
    /// let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
    /// assert_eq!(DateRange::new(d(3, 1), d(3, 31))?.days(), 31);
    /// assert!(DateRange::new(d(3, 31), d(3, 1)).is_err());
    /// # Ok::<(), hms_core::error::ValidationError>(())
    /// ```
    pub fn new(from: NaiveDate, until: NaiveDate) -> Result<Self, ValidationError> {
        if until < from {
            return Err(ValidationError::single(
                "until",
                FieldCode::InvalidPeriod,
                format!("the range cannot end on {until}, before it starts on {from}"),
            ));
        }
        let r = DateRange { from, until };
        if r.days() > MAX_RANGE_DAYS {
            return Err(ValidationError::single(
                "until",
                FieldCode::OutOfRange,
                format!("a range may span at most {MAX_RANGE_DAYS} days"),
            ));
        }
        Ok(r)
    }

    /// The one day `date`.
    pub fn single(date: NaiveDate) -> Self {
        DateRange {
            from: date,
            until: date,
        }
    }

    /// The first date.
    pub fn from(&self) -> NaiveDate {
        self.from
    }

    /// The last date (included).
    pub fn until(&self) -> NaiveDate {
        self.until
    }

    /// How many dates the range holds.
    pub fn days(&self) -> u32 {
        u32::try_from((self.until - self.from).num_days() + 1).unwrap_or(u32::MAX)
    }

    /// Whether `date` is in the range.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from <= date && date <= self.until
    }
}

/// The wall-clock time and zone of an appointment: what the patient was told.
///
/// Stored with every future appointment next to its instants, so that when a time-zone database
/// update changes a zone's rules the instants can be recomputed from what the clock on the wall
/// will show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LocalAppointmentTime {
    /// The local date.
    pub date: NaiveDate,
    /// The local time.
    pub time: NaiveTime,
    /// The clinic's zone.
    #[serde(with = "zone_name")]
    pub zone: Tz,
    /// Whether the time is the second of two occurrences of the same wall-clock time (after the clocks
    /// went back), as in Python's `datetime.fold`. Ignored when the time happens once.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fold: bool,
}

impl LocalAppointmentTime {
    /// The appointment at `date` `time` on the clocks of `zone` (the first occurrence if the time
    /// happens twice).
    pub fn new(date: NaiveDate, time: NaiveTime, zone: Tz) -> Self {
        LocalAppointmentTime {
            date,
            time,
            zone,
            fold: false,
        }
    }

    /// What the clocks of `zone` show at `instant` (with `fold` set when the instant is the second
    /// occurrence of that reading), so that [`LocalAppointmentTime::start`] gives `instant` back.
    pub fn of_instant(instant: DateTime<Utc>, zone: Tz) -> Self {
        // At the very ends of the representable range the local reading may not exist; the UTC
        // reading stands in there rather than failing.
        let local = local_reading(instant, zone).unwrap_or(instant.naive_utc());
        let fold = matches!(
            local_instants(zone, local.date(), local.time()),
            LocalInstant::Twice(first, _) if first != instant
        );
        LocalAppointmentTime {
            date: local.date(),
            time: local.time(),
            zone,
            fold,
        }
    }

    /// The instant the appointment starts.
    ///
    /// Rule: a wall-clock time the clocks skip (spring-forward gap) has no instant and is an error, not
    /// a guess; a time the clocks show twice (fall-back overlap) means its first occurrence, or its
    /// second when `fold` is set.
    ///
    /// # Errors
    /// [`AvailabilityError::NonexistentLocalTime`] for a time inside a gap.
    ///
    /// # Example
    /// ```
    /// # use hms_core::scheduling::availability::LocalAppointmentTime;
    /// # use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
    /// let d = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    /// let t = NaiveTime::from_hms_opt(1, 30, 0).unwrap();
    /// // New York falls back on 1 November 2026: 01:30 happens twice, first in EDT, then in EST.
    /// let mut at = LocalAppointmentTime::new(d, t, chrono_tz::America::New_York);
    /// assert_eq!(at.start()?, Utc.with_ymd_and_hms(2026, 11, 1, 5, 30, 0).unwrap());
    /// at.fold = true;
    /// assert_eq!(at.start()?, Utc.with_ymd_and_hms(2026, 11, 1, 6, 30, 0).unwrap());
    /// # Ok::<(), hms_core::scheduling::availability::AvailabilityError>(())
    /// ```
    pub fn start(&self) -> Result<DateTime<Utc>, AvailabilityError> {
        match local_instants(self.zone, self.date, self.time) {
            LocalInstant::Single(t) => Ok(t),
            LocalInstant::Twice(first, second) => Ok(if self.fold { second } else { first }),
            LocalInstant::Skipped => Err(AvailabilityError::NonexistentLocalTime {
                date: self.date,
                time: self.time,
                zone: self.zone,
            }),
        }
    }

    /// The interval `[start, start + length)` of the appointment (see [`LocalAppointmentTime::start`]).
    ///
    /// # Errors
    /// [`AvailabilityError::NonexistentLocalTime`] for a time inside a gap;
    /// [`AvailabilityError::Time`] when `length` is not positive.
    pub fn to_interval(&self, length: Duration) -> Result<Interval, AvailabilityError> {
        Ok(Interval::starting_at(self.start()?, length)?)
    }
}

/// The UTC intervals during which the doctor works on the dates of `range` (clinic local dates),
/// sorted, not overlapping, touching intervals joined.
///
/// Rules: see the module documentation. Lead time and horizon do not apply here (they limit booking,
/// not work). Invalid entries (an end not after its start) contribute nothing.
///
/// # Example
/// ```
/// # use hms_core::scheduling::availability::*;
/// # use hms_core::scheduling::VisitType;
/// # use chrono::{NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
/// # let doctor = "0190b4a0-0000-7000-8000-000000000001".parse().unwrap();
/// let t = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
/// let template = AvailabilityTemplate {
///     doctor,
///     location: None,
///     zone: chrono_tz::America::New_York,
///     weekly_hours: vec![WeeklyHours::new(Weekday::Sun, t(1), t(4))],
///     effective_from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
///     effective_until: None,
///     slot_minutes: 15,
///     visit_types: vec![VisitType::new("follow_up", "Follow-up", 15)],
///     capacity: 1,
///     lead_time_minutes: 0,
///     horizon_days: 365,
/// };
/// // 1 November 2026, clocks fall back at 02:00: 01:00 EDT to 04:00 EST is four real hours.
/// let day = DateRange::single(NaiveDate::from_ymd_opt(2026, 11, 1).unwrap());
/// let work = working_intervals(&template, &[], day);
/// assert_eq!(work.len(), 1);
/// assert_eq!(work[0].start(), Utc.with_ymd_and_hms(2026, 11, 1, 5, 0, 0).unwrap());
/// assert_eq!(work[0].duration().num_hours(), 4);
/// ```
pub fn working_intervals(
    template: &AvailabilityTemplate,
    exceptions: &[AvailabilityException],
    range: DateRange,
) -> Vec<Interval> {
    let timeline = Timeline::new(template.zone, range.from, range.until);
    let plan = Plan::new(template, exceptions, &[]);
    let mut pieces = Vec::new();
    plan.pieces(&timeline, range.from, range.until, &mut pieces);
    let mut out: Vec<Interval> = Vec::with_capacity(pieces.len());
    let mut current: Option<(i64, i64)> = None;
    for p in pieces {
        current = match current {
            Some((s, e)) if p.start <= e => Some((s, e.max(p.end))),
            Some((s, e)) => {
                out.extend(interval_of(s, e));
                Some((p.start, p.end))
            }
            None => Some((p.start, p.end)),
        };
    }
    if let Some((s, e)) = current {
        out.extend(interval_of(s, e));
    }
    out
}

/// Everything that stands against booking `visit` for `interval` with this doctor, as findings for a
/// screen (see [`check_bookable`] for the rules). The visit type is looked up in the template by its
/// code, and the template's length and buffer for it apply; `interval` is the visit itself, and its
/// buffer must fit in the same working interval.
///
/// Besides errors, it warns ([`OFF_GRID`]) when the visit is bookable but does not start on the slot
/// grid, because it leaves gaps no slot search will offer.
pub fn booking_findings(
    template: &AvailabilityTemplate,
    exceptions: &[AvailabilityException],
    interval: &Interval,
    visit: &VisitType,
    now: DateTime<Utc>,
) -> Vec<Finding> {
    let (errors, off_grid) = booking_problems(template, exceptions, interval, visit, now);
    let mut out: Vec<Finding> = errors.iter().map(AvailabilityError::to_finding).collect();
    if errors.is_empty() && off_grid {
        let start = interval.start();
        let local = local_reading(start, template.zone).unwrap_or(start.naive_utc());
        out.push(Finding::warning(
            OFF_GRID,
            format!(
                "the visit starts at {}, off the {}-minute slot grid",
                crate::time::date_hh_mm(local),
                template.slot_minutes
            ),
        ));
    }
    out
}

/// Whether `visit` may be booked for `interval` with this doctor now.
///
/// Rules, checked in this order: the visit does not start in the past, nor inside the lead time
/// (`lead_time_minutes` from now); its local start date is not after today plus `horizon_days`; the
/// doctor offers the visit type; the visit and its buffer lie inside one working interval. Capacity
/// and conflicts with other bookings are checked by the booking itself, not here.
///
/// # Errors
/// The first problem found, as listed above ([`booking_findings`] lists them all).
///
/// # Example
/// ```
/// # use hms_core::scheduling::availability::*;
/// # use hms_core::scheduling::VisitType;
/// # use hms_core::time::Interval;
/// # use chrono::{Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
/// # let doctor = "0190b4a0-0000-7000-8000-000000000001".parse().unwrap();
/// let t = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
/// let visit = VisitType::new("follow_up", "Follow-up", 15);
/// let template = AvailabilityTemplate {
///     doctor,
///     location: None,
///     zone: chrono_tz::Asia::Kolkata,
///     weekly_hours: vec![WeeklyHours::new(Weekday::Mon, t(9), t(13))],
///     effective_from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
///     effective_until: None,
///     slot_minutes: 15,
///     visit_types: vec![visit.clone()],
///     capacity: 1,
///     lead_time_minutes: 60,
///     horizon_days: 30,
/// };
/// let now = Utc.with_ymd_and_hms(2026, 3, 2, 3, 0, 0).unwrap(); // 08:30 in Kolkata, Monday
/// let at = |h, m| Utc.with_ymd_and_hms(2026, 3, 2, h, m, 0).unwrap();
/// // 10:00 IST = 04:30 UTC: bookable.
/// check_bookable(&template, &[], &Interval::new(at(4, 30), at(4, 45))?, &visit, now)?;
/// // 09:00 IST = 03:30 UTC is inside the one-hour lead time.
/// let early = Interval::new(at(3, 30), at(3, 45))?;
/// let err = check_bookable(&template, &[], &early, &visit, now).unwrap_err();
/// assert_eq!(err.code(), "lead_time");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn check_bookable(
    template: &AvailabilityTemplate,
    exceptions: &[AvailabilityException],
    interval: &Interval,
    visit: &VisitType,
    now: DateTime<Utc>,
) -> Result<(), AvailabilityError> {
    let (errors, _) = booking_problems(template, exceptions, interval, visit, now);
    match errors.into_iter().next() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// The errors against a booking, in rule order, and whether it starts off the slot grid.
fn booking_problems(
    template: &AvailabilityTemplate,
    exceptions: &[AvailabilityException],
    interval: &Interval,
    visit: &VisitType,
    now: DateTime<Utc>,
) -> (Vec<AvailabilityError>, bool) {
    let mut errors = Vec::new();
    let start = interval.start();
    let earliest = earliest_start(template, now);
    if start < now {
        errors.push(AvailabilityError::InPast { start, now });
    } else if start < earliest {
        errors.push(AvailabilityError::InsideLeadTime {
            start,
            earliest,
            lead_time_minutes: template.lead_time_minutes,
        });
    }
    let date = local_reading(start, template.zone).map_or(start.date_naive(), |l| l.date());
    if let Some(last_date) = last_bookable_date(template, now) {
        if date > last_date {
            errors.push(AvailabilityError::BeyondHorizon {
                date,
                last_date,
                horizon_days: template.horizon_days,
            });
        }
    }
    let def = match template.visit_type(&visit.code) {
        Some(def) => def,
        None => {
            errors.push(AvailabilityError::VisitTypeNotOffered {
                doctor: template.doctor,
                visit_type: visit.code.clone(),
            });
            visit
        }
    };
    let buffer = Duration::minutes(i64::from(def.buffer_minutes));
    let held = interval
        .end()
        .checked_add_signed(buffer)
        .and_then(|end| Interval::new(interval.start(), end).ok())
        .unwrap_or(*interval);
    let (from, until) = (date.pred_opt().unwrap_or(date), date.succ_opt().unwrap_or(date));
    let timeline = Timeline::new(template.zone, from, until);
    let mut pieces = Vec::new();
    Plan::new(template, exceptions, &[]).pieces(&timeline, from, until, &mut pieces);
    let (hs, he) = (floor_secs(held.start()), ceil_secs(held.end()));
    let step = i64::from(template.slot_minutes.max(1)) * 60;
    let mut off_grid = false;
    match pieces.iter().find(|p| p.start <= hs && he <= p.end) {
        Some(p) => off_grid = (hs - p.anchor).rem_euclid(step) != 0 || held.start().nanosecond() != 0,
        None => errors.push(AvailabilityError::OutsideAvailability {
            doctor: template.doctor,
            interval: held,
        }),
    }
    (errors, off_grid)
}

/// The earliest start the lead time allows now (the end of time if that overflows).
pub(crate) fn earliest_start(template: &AvailabilityTemplate, now: DateTime<Utc>) -> DateTime<Utc> {
    now.checked_add_signed(Duration::minutes(i64::from(template.lead_time_minutes)))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The last local date on which a visit may start, given the horizon; `None` if it overflows.
pub(crate) fn last_bookable_date(template: &AvailabilityTemplate, now: DateTime<Utc>) -> Option<NaiveDate> {
    local_reading(now, template.zone)?
        .date()
        .checked_add_days(chrono::Days::new(u64::from(template.horizon_days)))
}

/// What the clocks of `zone` show at `instant`; `None` only at the ends of the representable range
/// (chrono's own conversion panics there).
pub(crate) fn local_reading(instant: DateTime<Utc>, zone: Tz) -> Option<NaiveDateTime> {
    let utc = instant.naive_utc();
    utc.checked_add_offset(zone.offset_from_utc_datetime(&utc).fix())
}

// ---------------------------------------------------------------------------------------------------
// Internals shared with slot generation: a zone's offsets over a date range, and a template's working
// pieces as UTC seconds.
// ---------------------------------------------------------------------------------------------------

/// Days from 0001-01-01 (day 1 in chrono's count) to 1970-01-01.
const UNIX_EPOCH_DAYS_FROM_CE: i64 = 719_163;
pub(crate) const DAY: i64 = 86_400;

/// Local midnight of `date` as seconds on the wall clock (as if the wall clock were UTC).
pub(crate) fn wall_midnight(date: NaiveDate) -> i64 {
    (i64::from(date.num_days_from_ce()) - UNIX_EPOCH_DAYS_FROM_CE) * DAY
}

/// Seconds from midnight of a wall-clock time (fractions of a second are ignored).
fn secs_of(t: NaiveTime) -> i64 {
    i64::from(t.num_seconds_from_midnight())
}

/// The instant as whole seconds, rounded down.
pub(crate) fn floor_secs(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

/// The instant as whole seconds, rounded up.
pub(crate) fn ceil_secs(t: DateTime<Utc>) -> i64 {
    t.timestamp() + i64::from(t.timestamp_subsec_nanos() > 0)
}

/// The instant `secs` seconds after the Unix epoch.
pub(crate) fn instant(secs: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(secs, 0)
}

/// Turns seconds into instants cheaply when they come in runs on the same day (chrono's own
/// conversion works out the calendar date every time).
#[derive(Debug, Clone, Copy)]
pub(crate) struct DayCache {
    day: i64,
    date: NaiveDate,
}

impl DayCache {
    pub(crate) fn new() -> Self {
        DayCache {
            day: i64::MIN,
            date: NaiveDate::MIN,
        }
    }

    /// The date and time `secs` seconds after 1970-01-01 00:00 (a wall clock or UTC).
    pub(crate) fn naive(&mut self, secs: i64) -> Option<NaiveDateTime> {
        let day = secs.div_euclid(DAY);
        if day != self.day {
            self.date = instant(day.checked_mul(DAY)?)?.date_naive();
            self.day = day;
        }
        let time =
            NaiveTime::from_num_seconds_from_midnight_opt(u32::try_from(secs.rem_euclid(DAY)).ok()?, 0)?;
        Some(self.date.and_time(time))
    }
}

/// `t` plus `secs` seconds: a field update when the result stays on the same day (the common case
/// when stepping through a day's slots), chrono's general addition otherwise.
pub(crate) fn add_secs(t: NaiveDateTime, secs: i64) -> Option<NaiveDateTime> {
    let time = t.time();
    let within = i64::from(time.num_seconds_from_midnight()) + secs;
    if time.nanosecond() == 0 && (0..DAY).contains(&within) {
        let time = NaiveTime::from_num_seconds_from_midnight_opt(u32::try_from(within).ok()?, 0)?;
        Some(t.date().and_time(time))
    } else {
        t.checked_add_signed(Duration::seconds(secs))
    }
}

/// The interval between two instants given as seconds.
pub(crate) fn interval_of(start: i64, end: i64) -> Option<Interval> {
    Interval::new(instant(start)?, instant(end)?).ok()
}

/// The UTC offset of `zone` at `secs`, in seconds.
fn offset_direct(zone: Tz, secs: i64) -> i32 {
    instant(secs).map_or(0, |t| {
        zone.offset_from_utc_datetime(&t.naive_utc())
            .fix()
            .local_minus_utc()
    })
}

/// The first instant (seconds) at which the clocks of `zone` show `wall` or a later time, computed
/// from the time-zone database directly.
fn first_instant_direct(zone: Tz, wall: i64) -> i64 {
    let Some(local) = instant(wall).map(|t| t.naive_utc()) else {
        return wall;
    };
    match local_instants(zone, local.date(), local.time()) {
        LocalInstant::Single(t) | LocalInstant::Twice(t, _) => t.timestamp(),
        LocalInstant::Skipped => {
            // The clocks jump over `wall`: find the jump. Offsets lie within ±26 hours, so the clock
            // reads before `wall` at `lo` and after it at `hi`; every point where "reads at least
            // `wall`" turns true between them is a jump over `wall`, i.e. the gap's end.
            let reads_at_least = |t: i64| t + i64::from(offset_direct(zone, t)) >= wall;
            let (mut lo, mut hi) = (wall - 26 * 3600, wall + 26 * 3600);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if reads_at_least(mid) {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            hi
        }
    }
}

/// The offsets of one zone over a stretch of time, so that turning wall-clock times into instants
/// costs a few comparisons instead of a time-zone database search.
///
/// INVARIANT: `starts` is strictly increasing, `starts[0] == from`, `offsets.len() == starts.len()`,
/// and `offsets[i]` holds from `starts[i]` to the next start (the last to `until`). Offsets are
/// sampled once a day and every change is located to the second, so this assumes a zone never
/// changes its offset and changes it back within one day (true of every zone in the time-zone
/// database; `timeline_agrees_with_the_database` checks it for the zones we test).
#[derive(Debug, Clone)]
pub(crate) struct Timeline {
    zone: Tz,
    from: i64,
    until: i64,
    starts: Vec<i64>,
    offsets: Vec<i32>,
}

impl Timeline {
    /// The offsets of `zone` around the local dates `from..=until` (two days before to three after,
    /// in UTC, which covers every wall-clock time on those dates).
    pub(crate) fn new(zone: Tz, from: NaiveDate, until: NaiveDate) -> Self {
        let from = wall_midnight(from) - 2 * DAY;
        let until = wall_midnight(until).max(from) + 3 * DAY;
        let mut starts = vec![from];
        let mut offsets = vec![offset_direct(zone, from)];
        let mut t = from;
        let mut current = offsets.first().copied().unwrap_or(0);
        while t < until {
            let next = (t + DAY).min(until);
            let o = offset_direct(zone, next);
            if o != current {
                let (mut lo, mut hi) = (t, next);
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if offset_direct(zone, mid) == current {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                starts.push(hi);
                offsets.push(o);
                current = o;
            }
            t = next;
        }
        Timeline {
            zone,
            from,
            until,
            starts,
            offsets,
        }
    }

    /// The zone.
    pub(crate) fn zone(&self) -> Tz {
        self.zone
    }

    /// Whether the timeline covers the local dates `from..=until`.
    pub(crate) fn covers(&self, from: NaiveDate, until: NaiveDate) -> bool {
        self.from <= wall_midnight(from) - DAY && wall_midnight(until) + 2 * DAY <= self.until
    }

    fn span(&self, i: usize) -> Option<(i64, i64, i64)> {
        let start = *self.starts.get(i)?;
        let end = self.starts.get(i + 1).copied().unwrap_or(self.until);
        let offset = i64::from(*self.offsets.get(i)?);
        Some((start, end, offset))
    }

    /// The first instant (seconds) at which the clocks show `wall` or a later time.
    pub(crate) fn first_instant(&self, wall: i64) -> i64 {
        let mut i = 0;
        while let Some((start, end, offset)) = self.span(i) {
            if wall < start + offset {
                // Before this span's wall-clock times and after the previous span's: a gap, which
                // ends where this span starts. Before the first span: outside the timeline.
                return if i == 0 {
                    first_instant_direct(self.zone, wall)
                } else {
                    start
                };
            }
            if wall < end + offset {
                return wall - offset;
            }
            i += 1;
        }
        first_instant_direct(self.zone, wall)
    }

    /// The UTC offset (seconds) at `secs`, and the stretch `[from, until)` of instants around it that
    /// share that offset, so that a caller walking forward in time asks again only when it leaves it.
    pub(crate) fn offset_span(&self, secs: i64) -> (i32, i64, i64) {
        if secs < self.from || secs >= self.until {
            return (offset_direct(self.zone, secs), secs, secs + 1);
        }
        let i = self.starts.partition_point(|&s| s <= secs).saturating_sub(1);
        match self.span(i) {
            Some((start, end, offset)) => (i32::try_from(offset).unwrap_or(0), start, end),
            None => (offset_direct(self.zone, secs), secs, secs + 1),
        }
    }
}

/// A stretch of working time, as UTC seconds: `[start, end)`, cut from the working session that starts
/// at `anchor` (the slot grid's origin) on the local `date`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Piece {
    pub(crate) anchor: i64,
    pub(crate) start: i64,
    pub(crate) end: i64,
    pub(crate) date: NaiveDate,
}

/// A template and its exceptions, sorted for day-by-day planning.
#[derive(Debug)]
pub(crate) struct Plan {
    effective_from: NaiveDate,
    effective_until: Option<NaiveDate>,
    /// (weekday from Monday, start secs, end secs), sorted.
    weekly: Vec<(u32, i64, i64)>,
    leave: Vec<(NaiveDate, NaiveDate)>,
    holidays: Vec<NaiveDate>,
    extra: Vec<(NaiveDate, i64, i64)>,
    /// Unavailable blocks as UTC seconds, sorted and merged.
    blocks: Vec<(i64, i64)>,
}

impl Plan {
    pub(crate) fn new(
        template: &AvailabilityTemplate,
        own: &[AvailabilityException],
        shared: &[AvailabilityException],
    ) -> Self {
        let mut weekly: Vec<(u32, i64, i64)> = template
            .weekly_hours
            .iter()
            .map(|h| (h.weekday.num_days_from_monday(), secs_of(h.start), secs_of(h.end)))
            .filter(|(_, s, e)| s < e)
            .collect();
        weekly.sort_unstable();
        let mut plan = Plan {
            effective_from: template.effective_from,
            effective_until: template.effective_until,
            weekly,
            leave: Vec::new(),
            holidays: Vec::new(),
            extra: Vec::new(),
            blocks: Vec::new(),
        };
        let mut blocks = Vec::new();
        for x in own.iter().chain(shared) {
            match x {
                AvailabilityException::Leave { from, until } => plan.leave.push((*from, *until)),
                AvailabilityException::Unavailable { interval, .. } => {
                    blocks.push((floor_secs(interval.start()), ceil_secs(interval.end())));
                }
                AvailabilityException::ExtraSession { date, start, end } => {
                    if start < end {
                        plan.extra.push((*date, secs_of(*start), secs_of(*end)));
                    }
                }
                AvailabilityException::Holiday { date, .. } => plan.holidays.push(*date),
            }
        }
        blocks.sort_unstable();
        for (s, e) in blocks {
            match plan.blocks.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => plan.blocks.push((s, e)),
            }
        }
        plan
    }

    /// Appends the working pieces of the local dates `from..=until` to `out`, in time order.
    pub(crate) fn pieces(
        &self,
        timeline: &Timeline,
        from: NaiveDate,
        until: NaiveDate,
        out: &mut Vec<Piece>,
    ) {
        let first = from.max(self.effective_from);
        let last = self.effective_until.map_or(until, |u| until.min(u));
        let mut day_hours: Vec<(i64, i64)> = Vec::new();
        let mut block_cursor = 0;
        let mut day = first;
        while day <= last {
            if !self.leave.iter().any(|(f, u)| *f <= day && day <= *u) {
                day_hours.clear();
                if !self.holidays.contains(&day) {
                    let wd = day.weekday().num_days_from_monday();
                    day_hours.extend(self.weekly.iter().filter(|w| w.0 == wd).map(|w| (w.1, w.2)));
                }
                day_hours.extend(self.extra.iter().filter(|x| x.0 == day).map(|x| (x.1, x.2)));
                if !day_hours.is_empty() {
                    day_hours.sort_unstable();
                    self.day_pieces(timeline, day, &day_hours, &mut block_cursor, out);
                }
            }
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
    }

    /// Turns one day's wall-clock hours (sorted) into sessions, and cuts the blocks out of them.
    fn day_pieces(
        &self,
        timeline: &Timeline,
        day: NaiveDate,
        hours: &[(i64, i64)],
        block_cursor: &mut usize,
        out: &mut Vec<Piece>,
    ) {
        let midnight = wall_midnight(day);
        let mut session: Option<(i64, i64)> = None;
        for &(s, e) in hours {
            // INVARIANT: first_instant is non-decreasing in the wall time, so sorted hours give sorted
            // sessions and an interval inside a gap comes out empty and is dropped.
            let (a, b) = (
                timeline.first_instant(midnight + s),
                timeline.first_instant(midnight + e),
            );
            if b <= a {
                continue;
            }
            session = match session {
                Some((cs, ce)) if a <= ce => Some((cs, ce.max(b))),
                Some(done) => {
                    self.cut(done, day, block_cursor, out);
                    Some((a, b))
                }
                None => Some((a, b)),
            };
        }
        if let Some(done) = session {
            self.cut(done, day, block_cursor, out);
        }
    }

    /// Appends the parts of a session that no block covers.
    fn cut(&self, (anchor, end): (i64, i64), date: NaiveDate, cursor: &mut usize, out: &mut Vec<Piece>) {
        // INVARIANT: blocks are sorted and disjoint and sessions come in time order, so blocks that
        // end before this session starts can be skipped for good.
        while self.blocks.get(*cursor).is_some_and(|b| b.1 <= anchor) {
            *cursor += 1;
        }
        let mut start = anchor;
        for &(bs, be) in self.blocks.iter().skip(*cursor) {
            if bs >= end || start >= end {
                break;
            }
            if bs > start {
                out.push(Piece {
                    anchor,
                    start,
                    end: bs,
                    date,
                });
            }
            start = start.max(be);
        }
        if start < end {
            out.push(Piece {
                anchor,
                start,
                end,
                date,
            });
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
