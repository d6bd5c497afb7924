//! Availability, slots, appointments, series and the waiting list.

use chrono::{DateTime, Utc};
use hms_core::ids::{AppointmentId, PatientId, ResourceId, StaffId};
use hms_core::scheduling::availability as av;
use hms_core::scheduling::{self as core, recurrence, slots, waitlist};
use napi_derive::napi;

use super::{interval, Interval, IntervalInput, IsoDate, LocalTime, Reader};

/// FHIR R4 appointment statuses.
#[napi(string_enum = "kebab-case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppointmentStatus {
    /// Suggested, not yet agreed by anyone.
    Proposed,
    /// Agreed by some participants; holds the time.
    Pending,
    /// Confirmed; holds the time.
    Booked,
    /// The patient has arrived.
    Arrived,
    /// The visit took place.
    Fulfilled,
    /// Called off; frees the time.
    Cancelled,
    /// The patient did not come.
    Noshow,
    /// Recorded by mistake.
    EnteredInError,
    /// Checked in, waiting to be seen.
    CheckedIn,
    /// On the waiting list.
    Waitlist,
}

impl From<AppointmentStatus> for core::AppointmentStatus {
    fn from(s: AppointmentStatus) -> Self {
        use core::AppointmentStatus as C;
        match s {
            AppointmentStatus::Proposed => C::Proposed,
            AppointmentStatus::Pending => C::Pending,
            AppointmentStatus::Booked => C::Booked,
            AppointmentStatus::Arrived => C::Arrived,
            AppointmentStatus::Fulfilled => C::Fulfilled,
            AppointmentStatus::Cancelled => C::Cancelled,
            AppointmentStatus::Noshow => C::Noshow,
            AppointmentStatus::EnteredInError => C::EnteredInError,
            AppointmentStatus::CheckedIn => C::CheckedIn,
            AppointmentStatus::Waitlist => C::Waitlist,
        }
    }
}

impl From<core::AppointmentStatus> for AppointmentStatus {
    fn from(s: core::AppointmentStatus) -> Self {
        use core::AppointmentStatus as C;
        match s {
            C::Proposed => AppointmentStatus::Proposed,
            C::Pending => AppointmentStatus::Pending,
            C::Booked => AppointmentStatus::Booked,
            C::Arrived => AppointmentStatus::Arrived,
            C::Fulfilled => AppointmentStatus::Fulfilled,
            C::Cancelled => AppointmentStatus::Cancelled,
            C::Noshow => AppointmentStatus::Noshow,
            C::EnteredInError => AppointmentStatus::EnteredInError,
            C::CheckedIn => AppointmentStatus::CheckedIn,
            C::Waitlist => AppointmentStatus::Waitlist,
        }
    }
}

/// What a hospital does with a booking that collides with another.
#[napi(string_enum = "lowercase")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictMode {
    /// Refuse it (the default).
    Block,
    /// Let it through only with an override reason, recorded on the appointment.
    Warn,
}

impl From<ConflictMode> for core::ConflictMode {
    fn from(m: ConflictMode) -> Self {
        match m {
            ConflictMode::Block => core::ConflictMode::Block,
            ConflictMode::Warn => core::ConflictMode::Warn,
        }
    }
}

impl From<core::ConflictMode> for ConflictMode {
    fn from(m: core::ConflictMode) -> Self {
        match m {
            core::ConflictMode::Block => ConflictMode::Block,
            core::ConflictMode::Warn => ConflictMode::Warn,
        }
    }
}

/// A day of the week.
#[napi(string_enum = "lowercase")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weekday {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
}

impl From<Weekday> for chrono::Weekday {
    fn from(d: Weekday) -> Self {
        match d {
            Weekday::Mon => chrono::Weekday::Mon,
            Weekday::Tue => chrono::Weekday::Tue,
            Weekday::Wed => chrono::Weekday::Wed,
            Weekday::Thu => chrono::Weekday::Thu,
            Weekday::Fri => chrono::Weekday::Fri,
            Weekday::Sat => chrono::Weekday::Sat,
            Weekday::Sun => chrono::Weekday::Sun,
        }
    }
}

/// Whose calendar a booking sits on.
#[napi(string_enum = "lowercase")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartyKind {
    /// A doctor.
    Doctor,
    /// A patient.
    Patient,
    /// A room or piece of equipment.
    Resource,
}

/// A doctor, patient or resource whose calendar is meant.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    /// Which kind.
    pub kind: PartyKind,
    /// Its id.
    pub id: String,
}

impl From<core::Party> for Party {
    fn from(p: core::Party) -> Self {
        let (kind, id) = match p {
            core::Party::Doctor(id) => (PartyKind::Doctor, id.to_string()),
            core::Party::Patient(id) => (PartyKind::Patient, id.to_string()),
            core::Party::Resource(id) => (PartyKind::Resource, id.to_string()),
        };
        Party { kind, id }
    }
}

/// An existing booking that a requested time collides with.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// Whose calendar collides.
    pub party: Party,
    /// The appointment in the way.
    pub appointment: String,
    /// The time it holds.
    pub interval: Interval,
}

impl From<core::Conflict> for Conflict {
    fn from(c: core::Conflict) -> Self {
        Conflict {
            party: c.party.into(),
            appointment: c.appointment.to_string(),
            interval: c.interval.into(),
        }
    }
}

/// A kind of visit and how long it takes.
#[napi(object)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitType {
    /// A short stable code, e.g. `follow_up`.
    pub code: String,
    /// A name for people.
    pub name: String,
    /// Length in minutes.
    pub minutes: u32,
    /// Minutes kept free after the visit (0 when not given).
    pub buffer_minutes: Option<u32>,
    /// Kinds of resource the visit needs besides the doctor, e.g. `["procedure_room"]`.
    pub required_resource_kinds: Option<Vec<String>>,
}

impl From<VisitType> for core::VisitType {
    fn from(v: VisitType) -> Self {
        core::VisitType {
            code: v.code,
            name: v.name,
            minutes: v.minutes,
            buffer_minutes: v.buffer_minutes.unwrap_or(0),
            required_resource_kinds: v.required_resource_kinds.unwrap_or_default(),
        }
    }
}

impl From<core::VisitType> for VisitType {
    fn from(v: core::VisitType) -> Self {
        VisitType {
            code: v.code,
            name: v.name,
            minutes: v.minutes,
            buffer_minutes: Some(v.buffer_minutes),
            required_resource_kinds: Some(v.required_resource_kinds),
        }
    }
}

/// Working hours on one day of the week, as wall-clock times `[start, end)`.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeeklyHours {
    /// The day.
    pub weekday: Weekday,
    /// When work starts, `HH:MM` on the clinic's clock.
    pub start: LocalTime,
    /// When work ends, `HH:MM`, after `start`.
    pub end: LocalTime,
}

/// When and how one doctor can be booked at one location.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvailabilityTemplate {
    /// The doctor's id.
    pub doctor: String,
    /// Where, e.g. `outpatient clinic, room 4`.
    pub location: Option<String>,
    /// The clinic's IANA time zone, e.g. `Europe/Berlin`; every wall-clock time is in it.
    pub zone: String,
    /// Weekly working hours; several on one day leave breaks between them.
    pub weekly_hours: Vec<WeeklyHours>,
    /// The first day the template is in force.
    pub effective_from: IsoDate,
    /// The last day it is in force (until further notice when not given).
    pub effective_until: Option<IsoDate>,
    /// The slot grid, in minutes from the start of each working session.
    pub slot_minutes: u32,
    /// The visit types offered.
    pub visit_types: Vec<VisitType>,
    /// How many bookings one slot takes (1 when not given).
    pub capacity: Option<u32>,
    /// No visit may start within this many minutes from now (0 when not given).
    pub lead_time_minutes: Option<u32>,
    /// No visit may be booked more than this many days after today.
    pub horizon_days: u32,
}

/// Reads a template; `prefix` is its path in the arguments (`"template."`, `"templates[1]."`).
pub fn template(r: &mut Reader, prefix: &str, t: AvailabilityTemplate) -> Option<av::AvailabilityTemplate> {
    let doctor = r.id::<StaffId>(&format!("{prefix}doctor"), &t.doctor);
    let zone = r.zone(&format!("{prefix}zone"), &t.zone);
    let hours: Vec<Option<av::WeeklyHours>> = t
        .weekly_hours
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let start = r.time(&format!("{prefix}weeklyHours[{i}].start"), &h.start);
            let end = r.time(&format!("{prefix}weeklyHours[{i}].end"), &h.end);
            Some(av::WeeklyHours::new(h.weekday.into(), start?, end?))
        })
        .collect();
    let from = r.date(&format!("{prefix}effectiveFrom"), &t.effective_from);
    let until = r.opt_date(&format!("{prefix}effectiveUntil"), t.effective_until.as_deref());
    Some(av::AvailabilityTemplate {
        doctor: doctor?,
        location: t.location,
        zone: zone?,
        weekly_hours: hours.into_iter().collect::<Option<Vec<_>>>()?,
        effective_from: from?,
        effective_until: until?,
        slot_minutes: t.slot_minutes,
        visit_types: t.visit_types.into_iter().map(Into::into).collect(),
        capacity: t.capacity.unwrap_or(1),
        lead_time_minutes: t.lead_time_minutes.unwrap_or(0),
        horizon_days: t.horizon_days,
    })
}

/// A change to a doctor's weekly hours, told apart by `kind`:
/// - `leave`: away `from` … `until` (both included), no work at all, extra sessions included;
/// - `unavailable`: cannot see patients during `interval` (a meeting), with a `reason`;
/// - `extra_session`: extra hours `start`–`end` (`HH:MM`) on `date`, even on a public holiday;
/// - `holiday`: a public holiday on `date` called `name`; the weekly hours of the day do not apply.
#[napi(discriminant = "kind", discriminant_case = "snake_case", object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AvailabilityException {
    Leave {
        from: IsoDate,
        until: IsoDate,
    },
    Unavailable {
        interval: IntervalInput,
        reason: String,
    },
    ExtraSession {
        date: IsoDate,
        start: LocalTime,
        end: LocalTime,
    },
    Holiday {
        date: IsoDate,
        name: String,
    },
}

/// Reads an exception at `field`; an empty `unavailable` interval is the core's `invalid_interval`.
///
/// # Errors
/// `invalid_interval`.
pub fn exception(
    r: &mut Reader,
    field: &str,
    e: AvailabilityException,
) -> hms_core::Result<Option<av::AvailabilityException>> {
    Ok(match e {
        AvailabilityException::Leave { from, until } => {
            let from = r.date(&format!("{field}.from"), &from);
            let until = r.date(&format!("{field}.until"), &until);
            from.zip(until)
                .map(|(from, until)| av::AvailabilityException::Leave { from, until })
        }
        AvailabilityException::Unavailable { interval: i, reason } => {
            match r.ends(&format!("{field}.interval"), &i) {
                Some(ends) => Some(av::AvailabilityException::Unavailable {
                    interval: interval(ends)?,
                    reason,
                }),
                None => None,
            }
        }
        AvailabilityException::ExtraSession { date, start, end } => {
            let date = r.date(&format!("{field}.date"), &date);
            let start = r.time(&format!("{field}.start"), &start);
            let end = r.time(&format!("{field}.end"), &end);
            match (date, start, end) {
                (Some(date), Some(start), Some(end)) => {
                    Some(av::AvailabilityException::ExtraSession { date, start, end })
                }
                _ => None,
            }
        }
        AvailabilityException::Holiday { date, name } => r
            .date(&format!("{field}.date"), &date)
            .map(|date| av::AvailabilityException::Holiday { date, name }),
    })
}

/// Reads a list of exceptions given at `field` (`field[i]`).
///
/// # Errors
/// `invalid_interval`.
pub fn exceptions(
    r: &mut Reader,
    field: &str,
    list: Vec<AvailabilityException>,
) -> hms_core::Result<Vec<av::AvailabilityException>> {
    let mut out = Vec::with_capacity(list.len());
    for (i, e) in list.into_iter().enumerate() {
        out.extend(exception(r, &format!("{field}[{i}]"), e)?);
    }
    Ok(out)
}

/// Local dates from `from` to `until`, both included (at most 731 days).
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateRange {
    /// The first date.
    pub from: IsoDate,
    /// The last date (included).
    pub until: IsoDate,
}

/// Reads a date range at `field`.
///
/// # Errors
/// `invalid_input` when it ends before it starts or is too long.
pub fn date_range(r: &mut Reader, field: &str, d: &DateRange) -> hms_core::Result<Option<av::DateRange>> {
    let from = r.date(&format!("{field}.from"), &d.from);
    let until = r.date(&format!("{field}.until"), &d.until);
    match (from, until) {
        (Some(from), Some(until)) => Ok(Some(av::DateRange::new(from, until)?)),
        _ => Ok(None),
    }
}

/// A time at which a visit can be booked.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// The visit itself (the calendar is held for the visit type's buffer after it as well).
    pub interval: Interval,
    /// What the clinic's clocks show when it starts, `YYYY-MM-DDTHH:MM:SS`.
    pub local_start: String,
    /// The clinic's IANA zone.
    pub zone: String,
    /// How many more bookings the slot takes (at least 1).
    pub remaining_capacity: u32,
}

impl From<slots::Slot> for Slot {
    fn from(s: slots::Slot) -> Self {
        Slot {
            interval: s.interval.into(),
            local_start: s.local_start.format("%Y-%m-%dT%H:%M:%S").to_string(),
            zone: s.zone.name().to_owned(),
            remaining_capacity: s.remaining_capacity,
        }
    }
}

/// A free slot of one doctor among many.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoctorSlot {
    /// The doctor.
    pub doctor: String,
    /// The slot.
    pub slot: Slot,
}

impl From<slots::DoctorSlot> for DoctorSlot {
    fn from(s: slots::DoctorSlot) -> Self {
        DoctorSlot {
            doctor: s.doctor.to_string(),
            slot: s.slot.into(),
        }
    }
}

/// A bookable room or piece of equipment.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// Its id.
    pub id: String,
    /// Its kind, e.g. `procedure_room`.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// Where it is.
    pub location: Option<String>,
    /// Whether it can be booked.
    pub active: bool,
}

impl From<core::Resource> for Resource {
    fn from(r: core::Resource) -> Self {
        Resource {
            id: r.id.to_string(),
            kind: r.kind,
            name: r.name,
            location: r.location,
            active: r.active,
        }
    }
}

/// A room or piece of equipment to add.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewResource {
    /// Its kind, e.g. `procedure_room` (stored lower-case).
    pub kind: String,
    /// Its name.
    pub name: String,
    /// Where it is.
    pub location: Option<String>,
}

/// A request to book one visit.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingRequest {
    /// The patient's id.
    pub patient: String,
    /// The doctor's id.
    pub doctor: String,
    /// The visit type's code.
    pub visit_type: String,
    /// When the visit starts.
    pub start: super::Instant,
    /// Rooms or equipment asked for by id; otherwise the first free one of each needed kind.
    pub resources: Option<Vec<String>>,
    /// An idempotency key: the same key again returns the first booking.
    pub client_key: Option<String>,
    /// A reason to book despite conflicts (where the hospital lets conflicts through as warnings).
    pub override_reason: Option<String>,
    /// The reason for the visit.
    pub note: Option<String>,
}

/// Reads a booking request; `prefix` is its path in the arguments.
pub fn booking_request(
    r: &mut Reader,
    prefix: &str,
    b: BookingRequest,
) -> Option<hms_core::hospital::BookingRequest> {
    let patient = r.id::<PatientId>(&format!("{prefix}patient"), &b.patient);
    let doctor = r.id::<StaffId>(&format!("{prefix}doctor"), &b.doctor);
    let start = r.instant(&format!("{prefix}start"), &b.start);
    let resources = r.ids::<ResourceId>(&format!("{prefix}resources"), &b.resources.unwrap_or_default());
    Some(hms_core::hospital::BookingRequest {
        patient: patient?,
        doctor: doctor?,
        visit_type: b.visit_type,
        start: start?,
        resources: resources?,
        client_key: b.client_key,
        override_reason: b.override_reason,
        note: b.note,
    })
}

/// What changed in an appointment's life, told apart by `kind`:
/// - `status`: the status moved `from` (absent when the appointment was created) `to`;
/// - `rescheduled`: the visit moved `from` one time `to` another.
#[napi(
    discriminant = "kind",
    discriminant_case = "snake_case",
    object_from_js = false
)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeKind {
    Status {
        from: Option<AppointmentStatus>,
        to: AppointmentStatus,
    },
    Rescheduled {
        from: Interval,
        to: Interval,
    },
}

/// One entry of an appointment's history.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentChange {
    /// When.
    pub at: DateTime<Utc>,
    /// Which account (absent for system jobs such as the no-show sweep).
    pub by: Option<String>,
    /// What.
    pub change: ChangeKind,
    /// Why, if a reason was given.
    pub reason: Option<String>,
}

/// A conflict that was let through on purpose, with a reason.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictOverride {
    /// Who allowed it.
    pub by: String,
    /// Why.
    pub reason: String,
    /// The conflicts that were known and accepted.
    pub conflicts: Vec<Conflict>,
}

/// An appointment.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appointment {
    /// Its id.
    pub id: String,
    /// The patient.
    pub patient: String,
    /// The doctor.
    pub doctor: String,
    /// Rooms and equipment held for the visit.
    pub resources: Vec<String>,
    /// The visit type's code.
    pub visit_type: String,
    /// When the visit takes place.
    pub interval: Interval,
    /// The time held on the calendars: the visit plus its buffer.
    pub held: Interval,
    /// The visit's start on the clinic's clock, `YYYY-MM-DDTHH:MM:SS`.
    pub local_start: String,
    /// The clinic's IANA zone.
    pub zone: String,
    /// The current status.
    pub status: AppointmentStatus,
    /// Whether it may share its time (a group slot, or an override).
    pub shared: bool,
    /// The override, when a conflict was let through.
    pub conflict_override: Option<ConflictOverride>,
    /// The idempotency key it was booked with.
    pub client_key: Option<String>,
    /// The note from the booking.
    pub note: Option<String>,
    /// The account that booked it.
    pub booked_by: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Everything that happened to it, oldest first.
    pub history: Vec<AppointmentChange>,
    /// Incremented on every change.
    pub version: u32,
}

impl From<core::Appointment> for Appointment {
    fn from(a: core::Appointment) -> Self {
        Appointment {
            id: a.id.to_string(),
            patient: a.patient.to_string(),
            doctor: a.doctor.to_string(),
            resources: a.resources.iter().map(ToString::to_string).collect(),
            visit_type: a.visit_type,
            interval: a.interval.into(),
            held: a.held.into(),
            local_start: a.local_start.format("%Y-%m-%dT%H:%M:%S").to_string(),
            zone: a.zone.name().to_owned(),
            status: a.status.into(),
            shared: a.shared,
            conflict_override: a.conflict_override.map(|o| ConflictOverride {
                by: o.by.to_string(),
                reason: o.reason,
                conflicts: o.conflicts.into_iter().map(Into::into).collect(),
            }),
            client_key: a.client_key,
            note: a.note,
            booked_by: a.booked_by.to_string(),
            created_at: a.created_at,
            history: a
                .history
                .into_iter()
                .map(|c| AppointmentChange {
                    at: c.at,
                    by: c.by.map(|b| b.to_string()),
                    change: match c.change {
                        core::ChangeKind::Status { from, to } => ChangeKind::Status {
                            from: from.map(Into::into),
                            to: to.into(),
                        },
                        core::ChangeKind::Rescheduled { from, to } => ChangeKind::Rescheduled {
                            from: from.into(),
                            to: to.into(),
                        },
                    },
                    reason: c.reason,
                })
                .collect(),
            version: a.version,
        }
    }
}

/// A doctor's appointments on one local date.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoctorDay {
    /// The doctor.
    pub doctor: String,
    /// The local date.
    pub date: IsoDate,
    /// Their appointments that day, any status, in start order.
    pub appointments: Vec<Appointment>,
}

impl From<hms_core::hospital::DoctorDay> for DoctorDay {
    fn from(d: hms_core::hospital::DoctorDay) -> Self {
        DoctorDay {
            doctor: d.doctor.to_string(),
            date: d.date.to_string(),
            appointments: d.appointments.into_iter().map(Into::into).collect(),
        }
    }
}

/// How a series repeats, told apart by `kind`:
/// - `weekly`: on `weekdays` every `everyWeeks` weeks (1: every week, 2: every other week, …);
/// - `daily`: every `everyDays` days (1: every day, 2: every other day, …).
#[napi(discriminant = "kind", discriminant_case = "snake_case", object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repeat {
    Weekly {
        weekdays: Vec<Weekday>,
        every_weeks: u32,
    },
    Daily {
        every_days: u32,
    },
}

/// When a series ends: give exactly one of `until` and `count`.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesEnd {
    /// The last date (included).
    pub until: Option<IsoDate>,
    /// The number of occurrences (excluded dates count towards it, as in iCalendar).
    pub count: Option<u32>,
}

/// A recurring series of visits at one wall-clock time.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesRule {
    /// The first date (an occurrence only if it matches the pattern).
    pub start_date: IsoDate,
    /// The wall-clock time of every visit, `HH:MM`.
    pub time: LocalTime,
    /// The clinic's IANA zone.
    pub zone: String,
    /// Length of each visit in minutes.
    pub minutes: u32,
    /// The pattern.
    pub repeat: Repeat,
    /// When it ends.
    pub end: SeriesEnd,
    /// Dates to skip.
    pub excluded_dates: Option<Vec<IsoDate>>,
}

/// Reads a series rule at `field`.
pub fn series_rule(r: &mut Reader, field: &str, s: SeriesRule) -> Option<recurrence::SeriesRule> {
    let start_date = r.date(&format!("{field}.startDate"), &s.start_date);
    let time = r.time(&format!("{field}.time"), &s.time);
    let zone = r.zone(&format!("{field}.zone"), &s.zone);
    let end = match (&s.end.until, s.end.count) {
        (Some(u), None) => r
            .date(&format!("{field}.end.until"), u)
            .map(recurrence::SeriesEnd::Until),
        (None, Some(n)) => Some(recurrence::SeriesEnd::Count(n)),
        _ => {
            r.problem(
                &format!("{field}.end"),
                hms_core::error::FieldCode::Inconsistent,
                "a series ends either on a date (`until`) or after a number of visits (`count`)".to_owned(),
            );
            None
        }
    };
    let excluded: Vec<Option<chrono::NaiveDate>> = s
        .excluded_dates
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, d)| r.date(&format!("{field}.excludedDates[{i}]"), d))
        .collect();
    Some(recurrence::SeriesRule {
        start_date: start_date?,
        time: time?,
        zone: zone?,
        minutes: s.minutes,
        repeat: match s.repeat {
            Repeat::Weekly {
                weekdays,
                every_weeks,
            } => recurrence::Repeat::Weekly {
                weekdays: weekdays.into_iter().map(Into::into).collect(),
                every_weeks,
            },
            Repeat::Daily { every_days } => recurrence::Repeat::Daily { every_days },
        },
        end: end?,
        excluded_dates: excluded.into_iter().collect::<Option<Vec<_>>>()?,
    })
}

/// How to book a series.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesMode {
    /// Every occurrence, or none if any cannot be booked.
    AllOrNone,
    /// The occurrences that can be booked; the rest are reported.
    Available,
}

impl From<SeriesMode> for hms_core::hospital::SeriesMode {
    fn from(m: SeriesMode) -> Self {
        match m {
            SeriesMode::AllOrNone => hms_core::hospital::SeriesMode::AllOrNone,
            SeriesMode::Available => hms_core::hospital::SeriesMode::Available,
        }
    }
}

/// A request to book a recurring series.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesRequest {
    /// The patient's id.
    pub patient: String,
    /// The doctor's id.
    pub doctor: String,
    /// The visit type's code.
    pub visit_type: String,
    /// The series.
    pub rule: SeriesRule,
    /// All or none (the default), or what can be booked.
    pub mode: Option<SeriesMode>,
}

/// An occurrence of a series that could not be booked.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedOccurrence {
    /// Its local date.
    pub date: IsoDate,
    /// The error's code.
    #[napi(ts_type = "HmsErrorCode")]
    pub code: String,
    /// The error's message.
    pub message: String,
}

/// What happened to each occurrence of a series.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesOutcome {
    /// The occurrences booked.
    pub booked: Vec<Appointment>,
    /// The occurrences refused, with why.
    pub refused: Vec<RefusedOccurrence>,
}

impl From<hms_core::hospital::SeriesOutcome> for SeriesOutcome {
    fn from(o: hms_core::hospital::SeriesOutcome) -> Self {
        SeriesOutcome {
            booked: o.booked.into_iter().map(Into::into).collect(),
            refused: o
                .refused
                .into_iter()
                .map(|(date, e)| RefusedOccurrence {
                    date: date.to_string(),
                    code: e.code().to_owned(),
                    message: e.to_string(),
                })
                .collect(),
        }
    }
}

/// Where a waiting-list entry stands.
#[napi(string_enum = "lowercase")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitlistStatus {
    /// Waiting for a time.
    Waiting,
    /// A freed time was offered.
    Offered,
    /// Done (booked, or withdrawn).
    Closed,
}

/// A freed time offered to a waiting patient.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotOffer {
    /// The freed visit time.
    pub interval: Interval,
    /// When it was offered.
    pub offered_at: DateTime<Utc>,
}

/// A patient waiting for an earlier time with a doctor.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitlistEntry {
    /// Its id.
    pub id: String,
    /// The patient.
    pub patient: String,
    /// The doctor.
    pub doctor: String,
    /// The visit waited for.
    pub visit_type: VisitType,
    /// Any time starting inside this window will do.
    pub window: Interval,
    /// Where it stands.
    pub status: WaitlistStatus,
    /// The offer, once one was made.
    pub offer: Option<SlotOffer>,
    /// The account that put the patient on the list.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl From<waitlist::WaitlistEntry> for WaitlistEntry {
    fn from(e: waitlist::WaitlistEntry) -> Self {
        WaitlistEntry {
            id: e.id.to_string(),
            patient: e.patient.to_string(),
            doctor: e.doctor.to_string(),
            visit_type: e.visit_type.into(),
            window: e.window.into(),
            status: match e.status {
                waitlist::WaitlistStatus::Waiting => WaitlistStatus::Waiting,
                waitlist::WaitlistStatus::Offered => WaitlistStatus::Offered,
                waitlist::WaitlistStatus::Closed => WaitlistStatus::Closed,
            },
            offer: e.offer.map(|o| SlotOffer {
                interval: o.interval.into(),
                offered_at: o.offered_at,
            }),
            created_by: e.created_by.to_string(),
            created_at: e.created_at,
        }
    }
}

/// A request to join a doctor's waiting list.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitlistRequest {
    /// The patient's id.
    pub patient: String,
    /// The doctor's id.
    pub doctor: String,
    /// The visit type's code.
    pub visit_type: String,
    /// Any time starting inside this window will do.
    pub window: IntervalInput,
}

/// Free slots of one doctor.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreeSlotsQuery {
    /// The doctor's id.
    pub doctor: String,
    /// The visit type's code.
    pub visit_type: String,
    /// The local dates to search.
    pub range: DateRange,
    /// A patient who must be free as well.
    pub patient: Option<String>,
}

/// Free slots across doctors.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotSearch {
    /// Only doctors of this specialization (every doctor when not given).
    pub specialization: Option<String>,
    /// The visit type's code.
    pub visit_type: String,
    /// The local dates to search.
    pub range: DateRange,
}

/// One booking of a `Calendar`.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEntry {
    /// The appointment's id.
    pub id: String,
    /// The time it holds.
    pub interval: Interval,
    /// Whether it may share its time with others.
    pub shared: bool,
}

impl From<hms_core::scheduling::calendar::Entry> for CalendarEntry {
    fn from(e: hms_core::scheduling::calendar::Entry) -> Self {
        CalendarEntry {
            id: e.id.to_string(),
            interval: e.interval.into(),
            shared: e.shared,
        }
    }
}

/// Reads an appointment id.
pub fn appointment_id(r: &mut Reader, field: &str, id: &super::IdRef) -> Option<AppointmentId> {
    r.id(field, super::id_text(id))
}

/// One row of a schedule to check in bulk: the calendars it occupies (any names that tell calendars
/// apart, e.g. `doctor:D-17`, `patient:P-4`, `room:2`) and its time `[start, end)`.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleRow {
    /// The calendars the row occupies.
    pub calendars: Vec<String>,
    /// The first instant inside.
    pub start: super::Instant,
    /// The first instant after; must be after `start`.
    pub end: super::Instant,
}

/// What `checkSchedule` says about one row: whether it was accepted and, when it was not, the
/// earlier accepted rows in its way.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowVerdict {
    /// Whether the row collides with no earlier accepted row.
    pub accepted: bool,
    /// For a rejected row, calendar by calendar (in the row's order) and then by start, the earlier
    /// accepted rows it collides with; empty for an accepted row.
    pub clashes: Vec<RowClash>,
}

/// An earlier accepted row in a rejected row's way, and on whose calendar.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowClash {
    /// The calendar, as the row named it.
    pub calendar: String,
    /// The earlier row's position (from 0).
    pub row: u32,
}

impl From<core::schedule_check::RowVerdict<String>> for RowVerdict {
    fn from(v: core::schedule_check::RowVerdict<String>) -> Self {
        match v {
            core::schedule_check::RowVerdict::Accepted => RowVerdict {
                accepted: true,
                clashes: Vec::new(),
            },
            core::schedule_check::RowVerdict::Rejected(clashes) => RowVerdict {
                accepted: false,
                clashes: clashes
                    .into_iter()
                    .map(|c| RowClash {
                        calendar: c.party,
                        row: u32::try_from(c.row).unwrap_or(u32::MAX),
                    })
                    .collect(),
            },
        }
    }
}
