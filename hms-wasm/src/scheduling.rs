//! Scheduling in the browser: a doctor's free slots and the check of a proposed booking, computed by
//! hms-core's pure rules from data the page already holds (the template, its exceptions and the
//! doctor's bookings). Nothing here decides a rule; it converts shapes and calls hms-core.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use hms_core::error::{FieldCode, ValidationError};
use hms_core::finding::{has_errors, Finding};
use hms_core::ids::{AppointmentId, PatientId, StaffId};
use hms_core::scheduling::availability::{
    booking_findings, validate_exceptions, validate_template, AvailabilityError, AvailabilityException,
    AvailabilityTemplate, DateRange, WeeklyHours,
};
use hms_core::scheduling::booking::{find_conflicts, Overlaps, TimeRequest};
use hms_core::scheduling::calendar::{CalendarIndex, Entry};
use hms_core::scheduling::slots::{free_slots, Slot};
use hms_core::scheduling::{Conflict, SchedulingError, VisitType};
use hms_core::time::Interval;
use hms_core::Error;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::wasm_bindgen;

use crate::convert::{self, check_instant, Instant};

#[wasm_bindgen(typescript_custom_section)]
const TS_SCHEDULING: &str = r#"
/** An RFC 3339 instant (`"2026-03-02T09:00:00Z"`) or, where marked, milliseconds since the Unix epoch (`Date.now()`). */
export type Instant = string | number;
/** A calendar date in the clinic's zone, `"2026-03-02"`. */
export type LocalDate = string;
/** A wall-clock time in the clinic's zone, `"09:00"` or `"09:00:00"`. */
export type WallTime = string;
export type Weekday = "Mon" | "Tue" | "Wed" | "Thu" | "Fri" | "Sat" | "Sun";
/** A half-open span `[start, end)` of RFC 3339 instants. */
export interface Interval { start: string; end: string; }
export interface VisitType {
  code: string;
  name: string;
  minutes: number;
  /** Minutes kept free after the visit; 0 when left out. */
  bufferMinutes?: number;
  requiredResourceKinds?: string[];
}
export interface WeeklyHours { weekday: Weekday; start: WallTime; end: WallTime; }
/** When and how one doctor can be booked at one location (hms-core `AvailabilityTemplate`). */
export interface AvailabilityTemplate {
  doctor: string;
  location?: string | null;
  /** The clinic's IANA zone, e.g. `"Europe/Berlin"`; it must be one of `supportedZones()`. */
  zone: string;
  weeklyHours: WeeklyHours[];
  effectiveFrom: LocalDate;
  effectiveUntil?: LocalDate | null;
  slotMinutes: number;
  visitTypes: VisitType[];
  /** Bookings one slot takes; 1 when left out. */
  capacity?: number;
  /** 0 when left out. */
  leadTimeMinutes?: number;
  horizonDays: number;
}
export type AvailabilityException =
  | { kind: "leave"; from: LocalDate; until: LocalDate }
  | { kind: "unavailable"; interval: Interval; reason: string }
  | { kind: "extra_session"; date: LocalDate; start: WallTime; end: WallTime }
  | { kind: "holiday"; date: LocalDate; name: string };
/** An active booking: the time it holds (visit plus buffer). */
export interface Booking { id: string; interval: Interval; shared?: boolean; }
export interface DoctorCalendarInput {
  template: AvailabilityTemplate;
  exceptions?: AvailabilityException[];
  /** The doctor's active bookings. */
  bookings?: Booking[];
}
export interface SlotQuery {
  visitType: string;
  range: { from: LocalDate; until: LocalDate };
  /** The current instant; milliseconds (`Date.now()`) accepted. */
  now: Instant;
}
export interface BookingProposal {
  visitType: string;
  /** The visit's start; milliseconds accepted. */
  start: Instant;
  /** The current instant; milliseconds (`Date.now()`) accepted. */
  now: Instant;
  /** The patient and their active bookings, to find the patient's own conflicts. */
  patient?: { id: string; bookings?: Booking[] } | null;
  /** An appointment to leave out (the one being moved). */
  ignore?: string | null;
}
export type FreeSlotsInput = DoctorCalendarInput & SlotQuery;
export type ValidateBookingInput = DoctorCalendarInput & BookingProposal;
export interface Slot {
  interval: Interval;
  /** What the clinic's clocks show at the start, `"2026-03-02T09:00:00"`. */
  localStart: string;
  zone: string;
  remainingCapacity: number;
}
export interface Finding { code: string; severity: "error" | "warning"; message: string; }
export type Party = { kind: "doctor" | "patient" | "resource"; id: string };
export interface Conflict { party: Party; appointment: string; interval: Interval; }
/** The check of a proposed booking: every finding at once, and the bookings in the way. */
export interface BookingCheck { bookable: boolean; findings: Finding[]; conflicts: Conflict[]; }
"#;

/// A visit type with camelCase keys.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VisitTypeDto {
    code: String,
    name: String,
    minutes: u32,
    #[serde(default)]
    buffer_minutes: u32,
    #[serde(default)]
    required_resource_kinds: Vec<String>,
}

impl From<VisitTypeDto> for VisitType {
    fn from(v: VisitTypeDto) -> Self {
        VisitType {
            code: v.code,
            name: v.name,
            minutes: v.minutes,
            buffer_minutes: v.buffer_minutes,
            required_resource_kinds: v.required_resource_kinds,
        }
    }
}

/// An availability template with camelCase keys; left-out fields take hms-core's serde defaults.
///
/// Keys the shapes do not know are ignored (serde-wasm-bindgen reads only the known ones), as
/// JavaScript callers expect; TypeScript's excess-property check catches a misspelt key.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateDto {
    doctor: StaffId,
    #[serde(default)]
    location: Option<String>,
    #[serde(with = "hms_core::scheduling::availability::zone_name")]
    zone: chrono_tz::Tz,
    #[serde(deserialize_with = "convert::weekly_hours")]
    weekly_hours: Vec<WeeklyHours>,
    #[serde(deserialize_with = "convert::date")]
    effective_from: NaiveDate,
    #[serde(default, deserialize_with = "convert::opt_date")]
    effective_until: Option<NaiveDate>,
    slot_minutes: u32,
    visit_types: Vec<VisitTypeDto>,
    #[serde(default = "one")]
    capacity: u32,
    #[serde(default)]
    lead_time_minutes: u32,
    horizon_days: u32,
}

/// hms-core's default capacity (`AvailabilityTemplate` deserializes a left-out capacity as 1).
fn one() -> u32 {
    1
}

impl From<TemplateDto> for AvailabilityTemplate {
    fn from(t: TemplateDto) -> Self {
        AvailabilityTemplate {
            doctor: t.doctor,
            location: t.location,
            zone: t.zone,
            weekly_hours: t.weekly_hours,
            effective_from: t.effective_from,
            effective_until: t.effective_until,
            slot_minutes: t.slot_minutes,
            visit_types: t.visit_types.into_iter().map(VisitType::from).collect(),
            capacity: t.capacity,
            lead_time_minutes: t.lead_time_minutes,
            horizon_days: t.horizon_days,
        }
    }
}

/// What kind of exception an [`ExceptionDto`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionKind {
    /// `{ kind: "leave", from, until }`.
    Leave,
    /// `{ kind: "unavailable", interval, reason }`.
    Unavailable,
    /// `{ kind: "extra_session", date, start, end }`.
    ExtraSession,
    /// `{ kind: "holiday", date, name }`.
    Holiday,
}

/// An availability exception as the page sends it: its `kind` and that kind's fields.
///
/// A flat shape read field by field, converted to hms-core's `AvailabilityException` in
/// [`Calendar::new`]: deserializing the core's internally tagged enum straight from a JavaScript
/// value buffers it whole and took 20 KB of the module (measured), a twentieth of the size budget.
#[derive(Debug, Clone, Deserialize)]
pub struct ExceptionDto {
    kind: ExceptionKind,
    #[serde(default, deserialize_with = "convert::opt_date")]
    from: Option<NaiveDate>,
    #[serde(default, deserialize_with = "convert::opt_date")]
    until: Option<NaiveDate>,
    #[serde(default, deserialize_with = "convert::opt_interval")]
    interval: Option<Interval>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default, deserialize_with = "convert::opt_date")]
    date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "convert::opt_time")]
    start: Option<NaiveTime>,
    #[serde(default, deserialize_with = "convert::opt_time")]
    end: Option<NaiveTime>,
    #[serde(default)]
    name: Option<String>,
}

/// `value`, or a `required` problem naming `exceptions[i].key` for the exception's kind.
fn needed<T>(value: Option<T>, i: usize, key: &str, kind: &str, e: &mut ValidationError) -> Option<T> {
    if value.is_none() {
        let field = format!("exceptions[{i}].{key}");
        e.push(
            field.clone(),
            FieldCode::Required,
            format!("`{field}` is required for a `{kind}` exception"),
        );
    }
    value
}

impl ExceptionDto {
    /// hms-core's exception, or `required` problems for the fields its kind needs.
    fn to_core(&self, i: usize, e: &mut ValidationError) -> Option<AvailabilityException> {
        match self.kind {
            ExceptionKind::Leave => {
                let from = needed(self.from, i, "from", "leave", e);
                let until = needed(self.until, i, "until", "leave", e);
                Some(AvailabilityException::Leave {
                    from: from?,
                    until: until?,
                })
            }
            ExceptionKind::Unavailable => {
                let interval = needed(self.interval, i, "interval", "unavailable", e);
                let reason = needed(self.reason.clone(), i, "reason", "unavailable", e);
                Some(AvailabilityException::Unavailable {
                    interval: interval?,
                    reason: reason?,
                })
            }
            ExceptionKind::ExtraSession => {
                let date = needed(self.date, i, "date", "extra_session", e);
                let start = needed(self.start, i, "start", "extra_session", e);
                let end = needed(self.end, i, "end", "extra_session", e);
                Some(AvailabilityException::ExtraSession {
                    date: date?,
                    start: start?,
                    end: end?,
                })
            }
            ExceptionKind::Holiday => {
                let date = needed(self.date, i, "date", "holiday", e);
                let name = needed(self.name.clone(), i, "name", "holiday", e);
                Some(AvailabilityException::Holiday {
                    date: date?,
                    name: name?,
                })
            }
        }
    }
}

/// An active booking: `{ id, interval, shared? }`.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct BookingDto {
    id: AppointmentId,
    #[serde(deserialize_with = "convert::interval")]
    interval: Interval,
    #[serde(default)]
    shared: bool,
}

impl From<BookingDto> for Entry {
    fn from(b: BookingDto) -> Self {
        Entry {
            id: b.id,
            interval: b.interval,
            shared: b.shared,
        }
    }
}

/// A doctor's calendar as the page holds it.
#[derive(Debug, Clone, Deserialize)]
pub struct CalendarInput {
    template: TemplateDto,
    #[serde(default)]
    exceptions: Vec<ExceptionDto>,
    #[serde(default)]
    bookings: Vec<BookingDto>,
}

/// Local dates `{ from, until }`, both included.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct RangeDto {
    #[serde(deserialize_with = "convert::date")]
    from: NaiveDate,
    #[serde(deserialize_with = "convert::date")]
    until: NaiveDate,
}

/// What free slots to list.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlotQuery {
    visit_type: String,
    range: RangeDto,
    now: Instant,
}

/// The patient of a proposed booking and their active bookings.
#[derive(Debug, Clone, Deserialize)]
pub struct PatientDto {
    id: PatientId,
    #[serde(default)]
    bookings: Vec<BookingDto>,
}

/// A proposed booking to check.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Proposal {
    visit_type: String,
    start: Instant,
    now: Instant,
    #[serde(default)]
    patient: Option<PatientDto>,
    #[serde(default)]
    ignore: Option<AppointmentId>,
}

/// A free slot: hms-core's `Slot` with camelCase keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SlotDto {
    interval: Interval,
    local_start: NaiveDateTime,
    zone: &'static str,
    remaining_capacity: u32,
}

impl From<Slot> for SlotDto {
    fn from(s: Slot) -> Self {
        SlotDto {
            interval: s.interval,
            local_start: s.local_start,
            zone: s.zone.name(),
            remaining_capacity: s.remaining_capacity,
        }
    }
}

/// The check of a proposed booking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BookingCheck {
    /// Whether no finding stops the booking.
    pub bookable: bool,
    /// Every finding: availability (working hours, past, lead time, horizon, visit type), then one
    /// `slot_conflict` when bookings are in the way, then warnings such as `off_grid`.
    pub findings: Vec<Finding>,
    /// The bookings in the way.
    pub conflicts: Vec<Conflict>,
}

fn check_bookings(field: &str, bookings: &[BookingDto], e: &mut ValidationError) {
    for (i, b) in bookings.iter().enumerate() {
        let f = format!("{field}[{i}].interval");
        check_instant(&format!("{f}.start"), b.interval.start(), e);
        check_instant(&format!("{f}.end"), b.interval.end(), e);
    }
}

/// One doctor's calendar, checked once, answering many slot searches and booking checks.
#[derive(Debug, Clone)]
pub struct Calendar {
    template: AvailabilityTemplate,
    exceptions: Vec<AvailabilityException>,
    bookings: CalendarIndex,
}

impl Calendar {
    /// The calendar of a template, its exceptions and the doctor's active bookings.
    ///
    /// # Errors
    /// `invalid_input` listing every bad field of the template (hms-core's `validate_template`), the
    /// exceptions (`validate_exceptions`) and the bookings (instants outside the years 0 to 9999).
    pub fn new(input: CalendarInput) -> Result<Self, Error> {
        let template = AvailabilityTemplate::from(input.template);
        let mut e = ValidationError::default();
        if let Err(t) = validate_template(&template) {
            e.extend_prefixed("template", t);
        }
        let exceptions: Vec<AvailabilityException> = input
            .exceptions
            .iter()
            .enumerate()
            .filter_map(|(i, x)| x.to_core(i, &mut e))
            .collect();
        // Only when every exception is complete, so that the indices in problems stay those of the input.
        if exceptions.len() == input.exceptions.len() {
            if let Err(x) = validate_exceptions(&exceptions) {
                for p in x.problems() {
                    e.push(p.field.clone(), p.code, p.message.clone());
                }
            }
        }
        for (i, x) in input.exceptions.iter().enumerate() {
            if let (ExceptionKind::Unavailable, Some(interval)) = (x.kind, x.interval) {
                let f = format!("exceptions[{i}].interval");
                check_instant(&format!("{f}.start"), interval.start(), &mut e);
                check_instant(&format!("{f}.end"), interval.end(), &mut e);
            }
        }
        check_bookings("bookings", &input.bookings, &mut e);
        e.into_result()?;
        let mut bookings = CalendarIndex::new();
        for b in input.bookings {
            bookings.insert(b.id, b.interval, b.shared);
        }
        Ok(Calendar {
            template,
            exceptions,
            bookings,
        })
    }

    /// The doctor.
    pub fn doctor(&self) -> StaffId {
        self.template.doctor
    }

    /// The visit type the template offers under `code`.
    ///
    /// # Errors
    /// `visit_type_not_offered`, as the hospital facade answers.
    fn visit(&self, code: &str) -> Result<&VisitType, AvailabilityError> {
        self.template
            .visit_type(code)
            .ok_or_else(|| AvailabilityError::VisitTypeNotOffered {
                doctor: self.template.doctor,
                visit_type: code.to_owned(),
            })
    }

    /// The doctor's free slots for a visit type over local dates (hms-core `slots::free_slots`).
    ///
    /// # Errors
    /// `invalid_input` for a range that ends before it starts or spans more than 731 days, or a `now`
    /// outside the years 0 to 9999; `visit_type_not_offered`.
    pub fn free_slots(&self, q: &SlotQuery) -> Result<Vec<SlotDto>, Error> {
        let range = DateRange::new(q.range.from, q.range.until).map_err(|e| {
            let mut p = ValidationError::default();
            p.extend_prefixed("range", e);
            p
        })?;
        let mut e = ValidationError::default();
        check_instant("now", q.now.0, &mut e);
        e.into_result()?;
        let visit = self.visit(&q.visit_type)?;
        let slots = free_slots(
            &self.template,
            &self.exceptions,
            &self.bookings,
            &|_| true,
            visit,
            range,
            q.now.0,
        );
        Ok(slots.into_iter().map(SlotDto::from).collect())
    }

    /// Everything that stands against a proposed booking, as findings: hms-core's `booking_findings`
    /// (working hours, past, lead time, horizon, slot grid) and `find_conflicts` (the doctor's
    /// capacity, the patient's own bookings), the conflicts reported as one `slot_conflict` finding
    /// with the message the booking itself would fail with. A visit type the template does not offer
    /// gives the one finding `visit_type_not_offered`, since nothing else can be checked without
    /// the visit's length.
    ///
    /// # Errors
    /// `invalid_input` for instants outside the years 0 to 9999.
    pub fn validate(&self, p: &Proposal) -> Result<BookingCheck, Error> {
        let mut e = ValidationError::default();
        check_instant("start", p.start.0, &mut e);
        check_instant("now", p.now.0, &mut e);
        if let Some(patient) = &p.patient {
            check_bookings("patient.bookings", &patient.bookings, &mut e);
        }
        e.into_result()?;
        self.check(p, p.start.0)
    }

    fn check(&self, p: &Proposal, start: DateTime<Utc>) -> Result<BookingCheck, Error> {
        let visit = match self.visit(&p.visit_type) {
            Ok(v) => v,
            Err(not_offered) => {
                return Ok(BookingCheck {
                    bookable: false,
                    findings: vec![not_offered.to_finding()],
                    conflicts: Vec::new(),
                })
            }
        };
        let interval = Interval::starting_at(start, visit.length())?;
        let held = Interval::starting_at(start, visit.held_length())?;
        let mut findings = booking_findings(&self.template, &self.exceptions, &interval, visit, p.now.0);
        let overlaps = Overlaps {
            doctor: self.bookings.overlapping(&held).collect(),
            patient: p
                .patient
                .iter()
                .flat_map(|pt| pt.bookings.iter().map(|b| Entry::from(*b)))
                .collect(),
            resources: Vec::new(),
        };
        let request = TimeRequest {
            doctor: self.template.doctor,
            patient: p
                .patient
                .as_ref()
                .map_or_else(|| PatientId::from_uuid(uuid::Uuid::nil()), |pt| pt.id),
            held,
            doctor_capacity: self.template.capacity,
            ignore: p.ignore,
            resources: &[],
        };
        let conflicts = find_conflicts(&request, &overlaps);
        if !conflicts.is_empty() {
            let err = SchedulingError::SlotConflict {
                conflicts: conflicts.clone(),
            };
            // Errors before warnings, so a screen can show the first finding as the headline.
            let at = findings.iter().take_while(|f| f.is_error()).count();
            findings.insert(at, Finding::error(err.code(), err.to_string()));
        }
        Ok(BookingCheck {
            bookable: !has_errors(&findings),
            findings,
            conflicts,
        })
    }

    /// For the bench script: checks `iterations` proposals, the `i`-th starting `(i mod 96) × 15`
    /// minutes after `p.start` (one day of quarter hours), and returns how many findings they gave in
    /// all (so that no check can be optimised away). The same loop runs natively in
    /// `examples/bench_native.rs`.
    ///
    /// # Errors
    /// As [`Calendar::validate`].
    pub fn bench_validate(&self, p: &Proposal, iterations: u32) -> Result<u32, Error> {
        self.validate(p)?;
        let mut total: u32 = 0;
        for i in 0..iterations {
            let offset = Duration::minutes(i64::from(i % 96) * 15);
            let start = p.start.0.checked_add_signed(offset).unwrap_or(p.start.0);
            let check = self.check(p, start)?;
            total = total.saturating_add(u32::try_from(check.findings.len()).unwrap_or(u32::MAX));
        }
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(bookings: Vec<BookingDto>) -> CalendarInput {
        let t = |h| chrono::NaiveTime::from_hms_opt(h, 0, 0).unwrap();
        CalendarInput {
            template: TemplateDto {
                doctor: "0190b4a0-0000-7000-8000-000000000001".parse().unwrap(),
                location: None,
                zone: chrono_tz::Europe::Berlin,
                weekly_hours: vec![WeeklyHours::new(chrono::Weekday::Mon, t(9), t(12))],
                effective_from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                effective_until: None,
                slot_minutes: 30,
                visit_types: vec![VisitTypeDto {
                    code: "new_patient".into(),
                    name: "New patient".into(),
                    minutes: 30,
                    buffer_minutes: 0,
                    required_resource_kinds: Vec::new(),
                }],
                capacity: 1,
                lead_time_minutes: 0,
                horizon_days: 60,
            },
            exceptions: Vec::new(),
            bookings,
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn a_booking_beyond_the_year_9999_is_invalid_input_naming_it() {
        // Such an instant would make the overlap search subtract years from the year 1 and overflow.
        let year_200000 = DateTime::from_timestamp(6_250_000_000_000, 0).unwrap();
        let far = Interval::new(year_200000, year_200000 + Duration::days(1)).unwrap();
        let e = Calendar::new(input(vec![BookingDto {
            id: "0190b4a0-0000-7000-8000-0000000000a1".parse().unwrap(),
            interval: far,
            shared: false,
        }]))
        .unwrap_err();
        let Error::Validation(v) = &e else {
            panic!("expected invalid input, got {e:?}")
        };
        let fields: Vec<_> = v.problems().iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["bookings[0].interval.start", "bookings[0].interval.end"]);
    }

    #[test]
    fn the_bench_loop_checks_the_same_proposals_as_single_checks() {
        // Monday 2 March 2026, 09:00-12:00 in Berlin: six 30-minute slots among 96 quarter hours.
        let booked = Interval::new(at("2026-03-02T08:00:00Z"), at("2026-03-02T08:30:00Z")).unwrap();
        let cal = Calendar::new(input(vec![BookingDto {
            id: "0190b4a0-0000-7000-8000-0000000000a1".parse().unwrap(),
            interval: booked,
            shared: false,
        }]))
        .unwrap();
        let p = |start: DateTime<Utc>| Proposal {
            visit_type: "new_patient".into(),
            start: Instant(start),
            now: Instant(at("2026-03-01T00:00:00Z")),
            patient: None,
            ignore: None,
        };
        let first = at("2026-03-01T23:00:00Z");
        let singly: usize = (0..96)
            .map(|i| {
                let start = first + Duration::minutes(15 * i);
                cal.validate(&p(start)).unwrap().findings.len()
            })
            .sum();
        assert_eq!(cal.bench_validate(&p(first), 96).unwrap() as usize, singly);
        // 08:00Z (09:00 local) is booked: a conflict; 08:30Z is free.
        assert!(!cal.validate(&p(at("2026-03-02T08:00:00Z"))).unwrap().bookable);
        assert!(cal.validate(&p(at("2026-03-02T08:30:00Z"))).unwrap().bookable);
    }
}
