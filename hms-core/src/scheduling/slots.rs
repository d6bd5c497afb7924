//! Slot generation: the free times a visit can be booked, for one doctor or many, and "next
//! available".
//!
//! The rules, in plain words:
//! - slots lie on a grid: they start every `slot_minutes` of real time from the start of each working
//!   session (a day's stretch of weekly hours and extra sessions, before unavailable blocks are cut
//!   out, so a meeting does not shift the afternoon off the grid);
//! - a slot holds the calendar for the visit plus its buffer, and all of that fits inside one working
//!   interval (see [`super::availability`]);
//! - a slot is free when fewer bookings than the template's capacity overlap the time it holds, and
//!   the caller's `also_free` check (the patient, the rooms and equipment the visit needs) accepts that
//!   time;
//! - no slot starts before now plus the lead time, and none on a local date after the horizon;
//! - because the grid runs in real time, a spring-forward gap has no slots and a fall-back overlap
//!   gives each instant once: a New York clinic open 01:00–04:00 offers 16 quarter-hour slots on the
//!   fall-back day (01:00–01:45 twice, EDT then EST, then 02:00–03:45) and 8 on the spring-forward
//!   day. With a 30-minute clock change (Lord Howe Island) and slots longer than 30 minutes, the
//!   wall-clock times after the change inside the same session move by half an hour.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::availability::{
    add_secs, ceil_secs, earliest_start, interval_of, last_bookable_date, local_reading, zone_name,
    AvailabilityException, AvailabilityTemplate, DateRange, DayCache, LocalAppointmentTime, Piece, Plan,
    Timeline, DAY,
};
use super::{Occupancy, VisitType};
use crate::ids::StaffId;
use crate::time::Interval;

/// A time at which a visit can be booked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    /// The visit itself; the calendar is held for the visit type's buffer after it as well.
    pub interval: Interval,
    /// What the clinic's clocks show when the visit starts.
    pub local_start: NaiveDateTime,
    /// The clinic's zone.
    #[serde(with = "zone_name")]
    pub zone: Tz,
    /// How many more bookings the slot takes (at least 1).
    pub remaining_capacity: u32,
}

impl Slot {
    /// The slot's start as a wall-clock time, to store with an appointment booked in it.
    pub fn local_time(&self) -> LocalAppointmentTime {
        LocalAppointmentTime::of_instant(self.interval.start(), self.zone)
    }
}

/// A free slot of one doctor among many.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoctorSlot {
    /// The doctor.
    pub doctor: StaffId,
    /// The slot.
    pub slot: Slot,
}

/// One doctor's calendar for a search over many doctors: their template, their own exceptions and
/// their bookings.
#[derive(Clone, Copy)]
pub struct DoctorCalendar<'a> {
    /// The template (which names the doctor).
    pub template: &'a AvailabilityTemplate,
    /// The doctor's own exceptions.
    pub exceptions: &'a [AvailabilityException],
    /// The doctor's active bookings, as the times they hold (visit plus buffer).
    pub occupancy: &'a dyn Occupancy,
}

impl std::fmt::Debug for DoctorCalendar<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DoctorCalendar")
            .field("doctor", &self.template.doctor)
            .field("exceptions", &self.exceptions.len())
            .finish_non_exhaustive()
    }
}

/// The free slots of one doctor for `visit` on the local dates of `range` (see the module rules).
///
/// `occupancy` holds the doctor's active bookings as the times they hold (visit plus buffer);
/// `also_free` is asked about each candidate's held time (visit plus buffer) and can refuse it (the
/// patient is busy, no procedure room is free). The visit type is looked up in the template by code,
/// and the template's length and buffer apply; a visit type the template does not offer has no slots.
///
/// # Example
/// ```
/// # use hms_core::scheduling::availability::*;
/// # use hms_core::scheduling::slots::free_slots;
/// # use hms_core::scheduling::VisitType;
/// # use hms_core::time::Interval;
/// # use chrono::{NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
/// # let doctor = "0190b4a0-0000-7000-8000-000000000001".parse().unwrap();
/// let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
/// let visit = VisitType::new("follow_up", "Follow-up", 15);
/// let template = AvailabilityTemplate {
///     doctor,
///     location: None,
///     zone: chrono_tz::Asia::Kathmandu, // UTC+05:45
///     weekly_hours: vec![WeeklyHours::new(Weekday::Mon, t(9, 0), t(10, 0))],
///     effective_from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
///     effective_until: None,
///     slot_minutes: 15,
///     visit_types: vec![visit.clone()],
///     capacity: 1,
///     lead_time_minutes: 0,
///     horizon_days: 60,
/// };
/// let now = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
/// // One booking at 09:15–09:30 Kathmandu time (03:30–03:45 UTC).
/// let booked = vec![Interval::new(
///     Utc.with_ymd_and_hms(2026, 3, 2, 3, 30, 0).unwrap(),
///     Utc.with_ymd_and_hms(2026, 3, 2, 3, 45, 0).unwrap(),
/// )?];
/// let monday = DateRange::single(NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
/// let slots = free_slots(&template, &[], &booked, &|_| true, &visit, monday, now);
/// let starts: Vec<_> = slots.iter().map(|s| s.local_start.time()).collect();
/// assert_eq!(starts, [t(9, 0), t(9, 30), t(9, 45)]);
/// assert_eq!(slots[0].interval.start(), Utc.with_ymd_and_hms(2026, 3, 2, 3, 15, 0).unwrap());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn free_slots(
    template: &AvailabilityTemplate,
    exceptions: &[AvailabilityException],
    occupancy: &dyn Occupancy,
    also_free: &dyn Fn(&Interval) -> bool,
    visit: &VisitType,
    range: DateRange,
    now: DateTime<Utc>,
) -> Vec<Slot> {
    let mut out = Vec::new();
    let Some(search) = Search::new(template, exceptions, &[], occupancy, also_free, visit, now, now) else {
        return out;
    };
    let timeline = Timeline::new(template.zone, range.from(), range.until());
    let mut clocks = Clocks::new();
    search.run(
        &timeline,
        range.from(),
        range.until(),
        &mut Vec::new(),
        |found: Found| {
            out.extend(found.slot(search.zone, search.length, &mut clocks));
            true
        },
    );
    out
}

/// The first free slot of one doctor for `visit` that starts at or after `from` (see [`free_slots`]),
/// searching up to the end of the booking horizon; `None` if there is none.
///
/// # Example
/// ```
/// # use hms_core::scheduling::availability::*;
/// # use hms_core::scheduling::slots::next_available;
/// # use hms_core::scheduling::VisitType;
/// # use chrono::{NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
/// # let doctor = "0190b4a0-0000-7000-8000-000000000001".parse().unwrap();
/// let t = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
/// let visit = VisitType::new("new_patient", "New patient", 30);
/// let template = AvailabilityTemplate {
///     doctor,
///     location: None,
///     zone: chrono_tz::Europe::Berlin,
///     weekly_hours: vec![WeeklyHours::new(Weekday::Wed, t(9), t(12))],
///     effective_from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
///     effective_until: None,
///     slot_minutes: 30,
///     visit_types: vec![visit.clone()],
///     capacity: 1,
///     lead_time_minutes: 0,
///     horizon_days: 60,
/// };
/// let now = Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap(); // a Monday
/// let next = next_available(&template, &[], &Vec::new(), &|_| true, &visit, now, now).unwrap();
/// assert_eq!(next.local_start.to_string(), "2026-03-04 09:00:00");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn next_available(
    template: &AvailabilityTemplate,
    exceptions: &[AvailabilityException],
    occupancy: &dyn Occupancy,
    also_free: &dyn Fn(&Interval) -> bool,
    visit: &VisitType,
    from: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<Slot> {
    let search = Search::new(template, exceptions, &[], occupancy, also_free, visit, now, from)?;
    search.first()
}

/// The free slots of many doctors (for example every doctor of a department) for `visit` on the local
/// dates of `range`, each tagged with its doctor, sorted by start and then by doctor.
///
/// Each doctor's slots follow [`free_slots`] with their own template, exceptions and bookings;
/// `shared` exceptions (public holidays, a closed building) apply to every doctor; doctors whose
/// template does not offer the visit type are left out.
pub fn free_slots_for_many(
    calendars: &[DoctorCalendar<'_>],
    shared: &[AvailabilityException],
    also_free: &dyn Fn(&Interval) -> bool,
    visit: &VisitType,
    range: DateRange,
    now: DateTime<Utc>,
) -> Vec<DoctorSlot> {
    // Doctors in id order (a stable sort), so that sorting the slots by start alone, stably, leaves
    // equal starts in doctor order.
    let mut ordered: Vec<&DoctorCalendar<'_>> = calendars.iter().collect();
    ordered.sort_by_key(|c| c.template.doctor);
    // Each doctor's free times, in time order, one run after another. They are kept compact (16
    // bytes each) and become slots only once merged: a month of a thousand doctors is a quarter of a
    // million slots, and moving them around twice would cost more than finding them.
    let mut found: Vec<Found> = Vec::new();
    let mut runs: Vec<Run> = Vec::with_capacity(ordered.len());
    let mut timelines: Vec<Timeline> = Vec::new();
    let mut pieces = Vec::new();
    for c in ordered {
        let Some(search) = Search::new(
            c.template,
            c.exceptions,
            shared,
            c.occupancy,
            also_free,
            visit,
            now,
            now,
        ) else {
            continue;
        };
        let zone = c.template.zone;
        let index = match timelines.iter().position(|t| t.zone() == zone) {
            Some(i) => i,
            None => {
                timelines.push(Timeline::new(zone, range.from(), range.until()));
                timelines.len() - 1
            }
        };
        let Some(timeline) = timelines.get(index) else {
            continue;
        };
        let first = found.len();
        search.run(timeline, range.from(), range.until(), &mut pieces, |f| {
            found.push(f);
            true
        });
        runs.push(Run {
            doctor: c.template.doctor,
            zone,
            length: search.length,
            first,
            end: found.len(),
        });
    }
    merge_runs(&found, &runs)
}

/// One doctor's stretch of a list of [`Found`] times.
struct Run {
    doctor: StaffId,
    zone: Tz,
    length: i64,
    first: usize,
    end: usize,
}

/// Merges runs of free times (each in time order, the runs in doctor order) into one list of slots
/// sorted by start and then doctor.
///
/// When every start lies on a whole minute (the usual case), the runs are merged a day at a time by
/// counting the starts per minute: linear time, and each day's data stays in the processor's cache.
/// Otherwise a stable comparison sort.
fn merge_runs(found: &[Found], runs: &[Run]) -> Vec<DoctorSlot> {
    let mut clocks = Clocks::new();
    let mut out = Vec::with_capacity(found.len());
    // Times come out in start order, and doctors of one clinic share the grid: the slot made for the
    // previous time is reused when start, length, offset and zone are the same (only the room left
    // differs), so each start is turned into instants and wall-clock time once, not once per doctor.
    let mut last: Option<(i64, i64, i32, Tz, Slot)> = None;
    let mut emit = |run: u32, i: u32, out: &mut Vec<DoctorSlot>| {
        let (Some(r), Some(f)) = (runs.get(run as usize), found.get(i as usize)) else {
            return;
        };
        let slot = match &last {
            Some((start, length, offset, zone, slot))
                if *start == f.start && *length == r.length && *offset == f.offset && *zone == r.zone =>
            {
                Slot {
                    remaining_capacity: f.remaining,
                    ..slot.clone()
                }
            }
            _ => {
                let Some(slot) = f.slot(r.zone, r.length, &mut clocks) else {
                    return;
                };
                last = Some((f.start, r.length, f.offset, r.zone, slot.clone()));
                slot
            }
        };
        out.push(DoctorSlot {
            doctor: r.doctor,
            slot,
        });
    };
    let Some(min) = found.iter().map(|f| f.start).min() else {
        return out;
    };
    let index = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
    if found.len() > u32::MAX as usize || found.iter().any(|f| (f.start - min) % 60 != 0) {
        let mut all: Vec<(i64, u32, u32)> = runs
            .iter()
            .enumerate()
            .flat_map(|(r, run)| (run.first..run.end).map(move |i| (r, i)))
            .filter_map(|(r, i)| Some((found.get(i)?.start, index(r), index(i))))
            .collect();
        all.sort_unstable();
        for (_, r, i) in all {
            emit(r, i, &mut out);
        }
        return out;
    }
    const WINDOW_MINUTES: usize = 1440;
    let window = 60 * WINDOW_MINUTES as i64;
    let mut cursors: Vec<usize> = runs.iter().map(|r| r.first).collect();
    let mut ends: Vec<usize> = vec![0; runs.len()];
    let mut next = vec![0_usize; WINDOW_MINUTES];
    let mut placed: Vec<(u32, u32)> = Vec::new();
    let mut from = min;
    while cursors.iter().zip(runs).any(|(c, r)| *c < r.end) {
        let until = from + window;
        let minute = |f: &Found| usize::try_from((f.start - from) / 60).unwrap_or(0);
        // Count this window's starts per minute, run by run.
        next.iter_mut().for_each(|c| *c = 0);
        let mut total = 0;
        for ((cursor, end), run) in cursors.iter().zip(ends.iter_mut()).zip(runs) {
            let mut i = *cursor;
            while let Some(f) = found.get(i).filter(|f| i < run.end && f.start < until) {
                if let Some(c) = next.get_mut(minute(f)) {
                    *c += 1;
                }
                i += 1;
            }
            total += i - *cursor;
            *end = i;
        }
        let mut acc = 0;
        for c in next.iter_mut() {
            let count = *c;
            *c = acc;
            acc += count;
        }
        // Place each time at its position; runs in doctor order keep equal starts in that order.
        placed.clear();
        placed.resize(total, (u32::MAX, u32::MAX));
        for (r, (cursor, end)) in cursors.iter_mut().zip(&ends).enumerate() {
            for i in *cursor..*end {
                if let Some(pos) = found.get(i).and_then(|f| next.get_mut(minute(f))) {
                    if let Some(p) = placed.get_mut(*pos) {
                        *p = (index(r), index(i));
                    }
                    *pos += 1;
                }
            }
            *cursor = *end;
        }
        for &(r, i) in &placed {
            emit(r, i, &mut out);
        }
        from = until;
    }
    out
}

/// The earliest free slot among many doctors that starts at or after `from` (ties go to the lowest
/// doctor id), searching each doctor up to the end of their horizon; `None` if there is none.
pub fn next_available_for_many(
    calendars: &[DoctorCalendar<'_>],
    shared: &[AvailabilityException],
    also_free: &dyn Fn(&Interval) -> bool,
    visit: &VisitType,
    from: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<DoctorSlot> {
    calendars
        .iter()
        .filter_map(|c| {
            let search = Search::new(
                c.template,
                c.exceptions,
                shared,
                c.occupancy,
                also_free,
                visit,
                now,
                from,
            )?;
            Some(DoctorSlot {
                doctor: c.template.doctor,
                slot: search.first()?,
            })
        })
        .min_by(|a, b| {
            a.slot
                .interval
                .start()
                .cmp(&b.slot.interval.start())
                .then(a.doctor.cmp(&b.doctor))
        })
}

/// How many days "next available" plans at once.
const CHUNK_DAYS: u64 = 14;

/// One doctor's slot search, with everything that does not change from day to day worked out.
struct Search<'a> {
    zone: Tz,
    plan: Plan,
    occupancy: &'a dyn Occupancy,
    also_free: &'a dyn Fn(&Interval) -> bool,
    /// Length of the visit, and of the visit plus buffer, in seconds.
    length: i64,
    held: i64,
    /// Grid step in seconds.
    step: i64,
    capacity: u32,
    /// No slot starts before this instant (seconds).
    earliest: i64,
    /// Its local date, less one day (a fall-back across midnight can make local dates repeat).
    first_date: NaiveDate,
    /// No slot starts on a later local date.
    last_date: NaiveDate,
}

impl<'a> Search<'a> {
    /// The search for `visit`, or `None` when the template does not offer it.
    #[expect(
        clippy::too_many_arguments,
        reason = "internal constructor mirroring the public calls"
    )]
    fn new(
        template: &AvailabilityTemplate,
        own: &[AvailabilityException],
        shared: &[AvailabilityException],
        occupancy: &'a dyn Occupancy,
        also_free: &'a dyn Fn(&Interval) -> bool,
        visit: &VisitType,
        now: DateTime<Utc>,
        from: DateTime<Utc>,
    ) -> Option<Self> {
        let def = template.visit_type(&visit.code)?;
        let length = i64::from(def.minutes) * 60;
        if length <= 0 {
            return None;
        }
        let earliest = earliest_start(template, now).max(from);
        let first_date = local_reading(earliest, template.zone)?.date();
        Some(Search {
            zone: template.zone,
            plan: Plan::new(template, own, shared),
            occupancy,
            also_free,
            length,
            held: length + i64::from(def.buffer_minutes) * 60,
            step: i64::from(template.slot_minutes.max(1)) * 60,
            capacity: template.capacity.max(1),
            earliest: ceil_secs(earliest),
            first_date: first_date.pred_opt().unwrap_or(first_date),
            last_date: last_bookable_date(template, now)?,
        })
    }

    /// The first free slot, searched in chunks of days up to the horizon.
    fn first(&self) -> Option<Slot> {
        let mut pieces = Vec::new();
        let mut from = self.first_date;
        while from <= self.last_date {
            let until = from
                .checked_add_days(chrono::Days::new(CHUNK_DAYS - 1))?
                .min(self.last_date);
            let timeline = Timeline::new(self.zone, from, until);
            let mut found = None;
            self.run(&timeline, from, until, &mut pieces, |f| {
                found = Some(f);
                false
            });
            if let Some(f) = found {
                return f.slot(self.zone, self.length, &mut Clocks::new());
            }
            from = until.succ_opt()?;
        }
        None
    }

    /// Offers every free time on the local dates `from..=until` to `sink`, in time order, until the
    /// sink returns `false`. Returns whether the sink wants more.
    fn run(
        &self,
        timeline: &Timeline,
        from: NaiveDate,
        until: NaiveDate,
        pieces: &mut Vec<Piece>,
        mut sink: impl FnMut(Found) -> bool,
    ) -> bool {
        let (from, until) = (from.max(self.first_date), until.min(self.last_date));
        if from > until || !timeline.covers(from, until) {
            return true;
        }
        pieces.clear();
        self.plan.pieces(timeline, from, until, pieces);
        let mut clocks = Clocks::new();
        // The clinic's offset and the stretch of time it holds for.
        let (mut offset, mut offset_from, mut offset_until) = (0, 0, i64::MIN);
        // The first grid time of each piece at or after the earliest start.
        let first_time = |p: &Piece| {
            let lo = p.start.max(self.earliest);
            // INVARIANT: lo >= p.start >= p.anchor, so the division rounds a non-negative number up.
            let k = (lo - p.anchor + self.step - 1) / self.step;
            p.anchor + k * self.step
        };
        // The bookings that reach into the searched pieces, in start order, when the occupancy can
        // list them: asked once for the whole stretch, since every question is answered by walking
        // forward. `next` is the first booking not yet started, `active` the ends of those started
        // and not over.
        let (mut busy, mut active) = (Vec::new(), Vec::new());
        let span = pieces.iter().fold(None, |span: Option<(i64, i64)>, p| {
            let (t, end) = (first_time(p), p.end);
            if t + self.held > end {
                return span;
            }
            Some(span.map_or((t, end), |(lo, hi)| (lo.min(t), hi.max(end))))
        });
        let listed = span.is_some_and(|(lo, hi)| {
            interval_of(lo, hi).is_some_and(|w| self.occupancy.busy_within(&w, &mut busy))
        });
        let mut next = 0;
        // With a capacity of one, a slot is taken when any booking started before its held time ends
        // still runs when it starts: the latest end of those bookings says it, with no list.
        let single = self.capacity == 1;
        let mut latest_end = i64::MIN;
        let mut previous = i64::MIN;
        for p in pieces.iter() {
            let mut t = first_time(p);
            if t < previous {
                // Pieces come in time order; should one start earlier than the last slot looked at,
                // the walk over the bookings starts again rather than miss any.
                (next, latest_end) = (0, i64::MIN);
                active.clear();
            }
            while t + self.held <= p.end {
                previous = t;
                let listed_used = listed.then(|| {
                    // Every booking that starts before this slot's held time ends, and ends after
                    // it starts, overlaps it; slots only move later, so one pass over `busy` serves
                    // every piece.
                    while let Some(&(b_start, b_end)) = busy.get(next) {
                        if b_start >= t + self.held {
                            break;
                        }
                        if single {
                            latest_end = latest_end.max(b_end);
                        } else {
                            active.push(b_end);
                        }
                        next += 1;
                    }
                    if single {
                        u32::from(latest_end > t)
                    } else {
                        active.retain(|b_end| *b_end > t);
                        u32::try_from(active.len()).unwrap_or(u32::MAX)
                    }
                });
                // A full slot needs no clock reading.
                if listed_used.is_some_and(|used| used >= self.capacity) {
                    t += self.step;
                    continue;
                }
                let Some((at, end)) = clocks
                    .naive(t)
                    .and_then(|at| Some((at, add_secs(at, self.held)?)))
                else {
                    break;
                };
                let used = listed_used.unwrap_or_else(|| {
                    Interval::new(at.and_utc(), end.and_utc())
                        .map_or(u32::MAX, |held| self.occupancy.count_overlapping(&held))
                });
                if let Some(remaining) = self.room_at(at, end, used) {
                    if t < offset_from || t >= offset_until {
                        (offset, offset_from, offset_until) = timeline.offset_span(t);
                    }
                    let found = Found {
                        start: t,
                        offset,
                        remaining,
                    };
                    if !sink(found) {
                        return false;
                    }
                }
                t += self.step;
            }
        }
        true
    }

    /// How many more bookings the time held from `start` to `end` takes, if any, given that `used`
    /// bookings already overlap it.
    fn room_at(&self, start: NaiveDateTime, end: NaiveDateTime, used: u32) -> Option<u32> {
        if used >= self.capacity {
            return None;
        }
        let held = Interval::new(start.and_utc(), end.and_utc()).ok()?;
        if !(self.also_free)(&held) {
            return None;
        }
        Some(self.capacity - used)
    }
}

/// A free time found by a search: its start (seconds), the clinic's UTC offset then (seconds) and
/// the room left.
#[derive(Debug, Clone, Copy)]
struct Found {
    start: i64,
    offset: i32,
    remaining: u32,
}

impl Found {
    /// The slot of a visit of `length` seconds in `zone` starting at this time.
    fn slot(&self, zone: Tz, length: i64, clocks: &mut Clocks) -> Option<Slot> {
        let start = clocks.naive(self.start)?;
        Some(Slot {
            interval: Interval::new(start.and_utc(), add_secs(start, length)?.and_utc()).ok()?,
            local_start: add_secs(start, i64::from(self.offset))?,
            zone,
            remaining_capacity: self.remaining,
        })
    }
}

/// Turns seconds into instants, cheaply for instants close to the previous one.
struct Clocks {
    days: DayCache,
    last: Option<(i64, NaiveDateTime)>,
}

impl Clocks {
    fn new() -> Self {
        Clocks {
            days: DayCache::new(),
            last: None,
        }
    }

    fn naive(&mut self, secs: i64) -> Option<NaiveDateTime> {
        let t = match self.last {
            Some((s, t)) if (0..DAY).contains(&(secs - s)) => add_secs(t, secs - s)?,
            _ => self.days.naive(secs)?,
        };
        self.last = Some((secs, t));
        Some(t)
    }
}

#[cfg(test)]
mod tests;
