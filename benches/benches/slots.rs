//! Slot generation at hospital scale: 30 days of 15-minute slots for 1,000 doctors in Berlin across
//! the October clock change, with realistic bookings (about 60% of the grid taken), leave, meetings,
//! extra sessions and a public holiday.
//!
//! Target: at most 25 ms for the whole search.
//!
//! The same search runs over four occupancies that must all give the same slots: bookings bucketed
//! by day, a bisected list, the calendar index the in-memory store keeps, and the day buckets behind
//! a wrapper that only answers per-slot questions (the search before it could list a working
//! stretch's bookings in one walk). The summary after the criterion run prints wall-clock and
//! on-CPU milliseconds, since a shared machine's wall clock also counts waiting for a processor.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Timelike, Utc, Weekday};
use criterion::Criterion;
use hms_core::ids::{AppointmentId, StaffId};
use hms_core::scheduling::availability::{
    working_intervals, AvailabilityException, AvailabilityTemplate, DateRange, WeeklyHours,
};
use hms_core::scheduling::calendar::{BusyTimes, CalendarIndex};
use hms_core::scheduling::slots::{free_slots, free_slots_for_many, next_available_for_many, DoctorCalendar};
use hms_core::scheduling::{Occupancy, VisitType};
use hms_core::time::Interval;

const DOCTORS: u128 = 1_000;

/// A doctor's bookings as a sorted list of disjoint `[start, end)` pairs of Unix seconds, searched by
/// bisection: a stand-in for the calendar index.
struct Bookings(Vec<(i64, i64)>);

impl Bookings {
    fn within(&self, q: &Interval) -> &[(i64, i64)] {
        let (start, end) = (q.start().timestamp(), q.end().timestamp());
        let first = self.0.partition_point(|b| b.1 <= start);
        let rest = &self.0[first..];
        &rest[..rest.partition_point(|b| b.0 < end)]
    }
}

impl Occupancy for Bookings {
    fn count_overlapping(&self, q: &Interval) -> u32 {
        self.within(q).len() as u32
    }

    fn busy_within(&self, window: &Interval, out: &mut Vec<(i64, i64)>) -> bool {
        out.extend_from_slice(self.within(window));
        true
    }
}

/// The same bookings answering only per-slot questions: the slot search before it could ask for a
/// stretch's bookings in one walk.
struct PerSlot<'a>(&'a DayIndex);

impl Occupancy for PerSlot<'_> {
    fn count_overlapping(&self, q: &Interval) -> u32 {
        self.0.count_overlapping(q)
    }
}

/// The same bookings bucketed by UTC day, each day's as seconds from midnight sorted by start: the
/// kind of calendar index a slot search wants, since a query finds its day from the instant's date
/// fields instead of converting the instant to a count of seconds.
struct DayIndex {
    /// Day number (see [`DayIndex::day`]) of the first bucket.
    first: i32,
    /// Bucket `i` is `items[starts[i]..starts[i + 1]]`.
    starts: Vec<u32>,
    items: Vec<(u32, u32)>,
}

impl DayIndex {
    fn new(bookings: &Bookings) -> Self {
        let at = |s: i64| DateTime::from_timestamp(s, 0).unwrap().naive_utc();
        let first = Self::day(d(10, 1));
        let mut buckets: Vec<Vec<(u32, u32)>> = vec![Vec::new(); 60];
        for &(s, e) in &bookings.0 {
            let (s, e) = (at(s), at(e - 1));
            assert_eq!(s.date(), e.date(), "no booking crosses midnight");
            let from = s.time().num_seconds_from_midnight();
            buckets[(Self::day(s.date()) - first) as usize]
                .push((from, e.time().num_seconds_from_midnight() + 1));
        }
        let mut starts = vec![0];
        let mut items = Vec::new();
        for b in buckets {
            items.extend(b);
            starts.push(items.len() as u32);
        }
        DayIndex { first, starts, items }
    }

    /// A number that grows by one a day (with gaps at year ends), read from the date's fields.
    fn day(date: NaiveDate) -> i32 {
        date.year() * 366 + date.ordinal0() as i32
    }

    /// Bookings of one day overlapping `[from, until)` seconds from midnight (a day holds a few
    /// dozen at most, so a scan beats a bisection).
    fn count(&self, date: NaiveDate, from: u32, until: u32) -> u32 {
        let i = (Self::day(date) - self.first) as usize;
        let day = &self.items[self.starts[i] as usize..self.starts[i + 1] as usize];
        day.iter()
            .skip_while(|b| b.1 <= from)
            .take_while(|b| b.0 < until)
            .count() as u32
    }
}

impl Occupancy for DayIndex {
    fn busy_within(&self, window: &Interval, out: &mut Vec<(i64, i64)>) -> bool {
        let (s, e) = (window.start().timestamp(), window.end().timestamp());
        let (first, last) = (s.div_euclid(86_400), (e - 1).div_euclid(86_400));
        let origin = DateTime::from_timestamp(first * 86_400, 0).unwrap().date_naive();
        for day in first..=last {
            let midnight = day * 86_400;
            let i = (Self::day(origin + Duration::days(day - first)) - self.first) as usize;
            let items = &self.items[self.starts[i] as usize..self.starts[i + 1] as usize];
            out.extend(
                items
                    .iter()
                    .map(|b| (midnight + i64::from(b.0), midnight + i64::from(b.1)))
                    .skip_while(|b| b.1 <= s)
                    .take_while(|b| b.0 < e),
            );
        }
        true
    }

    fn count_overlapping(&self, q: &Interval) -> u32 {
        // `naive_utc` reads the fields; `date_naive` and `time` would add a zero offset first.
        let (s, e) = (q.start().naive_utc(), q.end().naive_utc());
        let from = s.time().num_seconds_from_midnight();
        if s.date() == e.date() {
            self.count(s.date(), from, e.time().num_seconds_from_midnight())
        } else {
            let next = self.count(e.date(), 0, e.time().num_seconds_from_midnight());
            self.count(s.date(), from, 86_400) + next
        }
    }
}

/// A small deterministic generator (SplitMix64), so every run books the same times.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Doctor {
    template: AvailabilityTemplate,
    exceptions: Vec<AvailabilityException>,
    bookings: Bookings,
}

fn t(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, day).unwrap()
}

fn visit_types() -> Vec<VisitType> {
    vec![
        VisitType::new("follow_up", "Follow-up", 15),
        VisitType::new("new_patient", "New patient", 30),
        VisitType {
            buffer_minutes: 15,
            ..VisitType::new("procedure", "Procedure", 60)
        },
    ]
}

fn range() -> DateRange {
    // 12 October to 10 November 2026; Berlin falls back on 25 October.
    DateRange::new(d(10, 12), d(11, 10)).unwrap()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 12, 5, 0, 0).unwrap()
}

fn doctors() -> Vec<Doctor> {
    let mut rng = Rng(2026);
    let weekdays = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ];
    (1..=DOCTORS)
        .map(|n| {
            // Mornings from 07:30 or 08:00, a one-hour lunch break, and a Saturday clinic for one in ten.
            let start = if rng.below(2) == 0 { t(7, 30) } else { t(8, 0) };
            let (lunch, back) = (start + Duration::hours(4), start + Duration::hours(5));
            let end = start + Duration::hours(9);
            let mut hours: Vec<WeeklyHours> = weekdays
                .iter()
                .flat_map(|&w| [WeeklyHours::new(w, start, lunch), WeeklyHours::new(w, back, end)])
                .collect();
            if rng.below(10) == 0 {
                hours.push(WeeklyHours::new(Weekday::Sat, t(9, 0), t(13, 0)));
            }
            let template = AvailabilityTemplate {
                doctor: StaffId::from_uuid(uuid::Uuid::from_u128(n)),
                location: None,
                zone: chrono_tz::Europe::Berlin,
                weekly_hours: hours,
                effective_from: d(1, 1),
                effective_until: None,
                slot_minutes: 15,
                visit_types: visit_types(),
                capacity: 1,
                lead_time_minutes: 60,
                horizon_days: 90,
            };
            // One in ten is on leave for a week; everyone has two or three one-hour meetings; one in
            // twenty runs an extra evening session.
            let mut exceptions = Vec::new();
            if rng.below(10) == 0 {
                let from = d(10, 12) + Duration::days(rng.below(23) as i64);
                exceptions.push(AvailabilityException::Leave {
                    from,
                    until: from + Duration::days(6),
                });
            }
            for _ in 0..2 + rng.below(2) {
                let day = d(10, 12) + Duration::days(rng.below(30) as i64);
                let at = Utc.from_utc_datetime(&day.and_time(t(8 + rng.below(6) as u32, 0)));
                exceptions.push(AvailabilityException::Unavailable {
                    interval: Interval::new(at, at + Duration::hours(1)).unwrap(),
                    reason: "meeting".into(),
                });
            }
            if rng.below(20) == 0 {
                exceptions.push(AvailabilityException::ExtraSession {
                    date: d(10, 12) + Duration::days(rng.below(30) as i64),
                    start: t(18, 0),
                    end: t(20, 0),
                });
            }
            // Book about 60% of the grid: follow-ups and new-patient visits.
            let mut busy = Vec::new();
            for w in working_intervals(&template, &exceptions, range()) {
                let mut at = w.start();
                while at + Duration::minutes(15) <= w.end() {
                    let roll = rng.below(100);
                    let minutes = if roll < 45 {
                        15
                    } else if roll < 60 && at + Duration::minutes(30) <= w.end() {
                        30
                    } else {
                        at += Duration::minutes(15);
                        continue;
                    };
                    busy.push((at.timestamp(), (at + Duration::minutes(minutes)).timestamp()));
                    at += Duration::minutes(minutes);
                }
            }
            Doctor {
                template,
                exceptions,
                bookings: Bookings(busy),
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let doctors = doctors();
    let holiday = [AvailabilityException::Holiday {
        date: d(10, 26),
        name: "National Day".into(),
    }];
    let indexes: Vec<DayIndex> = doctors.iter().map(|doc| DayIndex::new(&doc.bookings)).collect();
    let calendars: Vec<DoctorCalendar<'_>> = doctors
        .iter()
        .zip(&indexes)
        .map(|(doc, index)| DoctorCalendar {
            template: &doc.template,
            exceptions: &doc.exceptions,
            occupancy: index,
        })
        .collect();
    let per_slot: Vec<PerSlot<'_>> = indexes.iter().map(PerSlot).collect();
    let querying: Vec<DoctorCalendar<'_>> = doctors
        .iter()
        .zip(&per_slot)
        .map(|(doc, index)| DoctorCalendar {
            template: &doc.template,
            exceptions: &doc.exceptions,
            occupancy: index,
        })
        .collect();
    // The calendar index the in-memory store keeps, which the facade searches directly.
    let calendar_indexes: Vec<CalendarIndex> = doctors
        .iter()
        .map(|doc| {
            let mut c = CalendarIndex::new();
            for (i, &(s, e)) in doc.bookings.0.iter().enumerate() {
                let iv = Interval::new(
                    DateTime::from_timestamp(s, 0).unwrap(),
                    DateTime::from_timestamp(e, 0).unwrap(),
                )
                .unwrap();
                c.insert(
                    AppointmentId::from_uuid(uuid::Uuid::from_u128(i as u128 + 1)),
                    iv,
                    false,
                );
            }
            c
        })
        .collect();
    let indexed: Vec<DoctorCalendar<'_>> = doctors
        .iter()
        .zip(&calendar_indexes)
        .map(|(doc, index)| DoctorCalendar {
            template: &doc.template,
            exceptions: &doc.exceptions,
            occupancy: index,
        })
        .collect();
    let visit = &visit_types()[0];
    let free = |_: &Interval| true;
    // What the facade searches on SQLite and PostgreSQL: each doctor's bookings over the searched
    // span, loaded as busy times. (On the in-memory store it searches the calendar index itself.)
    let busy_times: Vec<BusyTimes> = doctors
        .iter()
        .map(|doc| {
            BusyTimes::new(doc.bookings.0.iter().map(|&(s, e)| {
                Interval::new(
                    DateTime::from_timestamp(s, 0).unwrap(),
                    DateTime::from_timestamp(e, 0).unwrap(),
                )
                .unwrap()
            }))
        })
        .collect();
    let loaded: Vec<DoctorCalendar<'_>> = doctors
        .iter()
        .zip(&busy_times)
        .map(|(doc, index)| DoctorCalendar {
            template: &doc.template,
            exceptions: &doc.exceptions,
            occupancy: index,
        })
        .collect();
    let bisecting: Vec<DoctorCalendar<'_>> = doctors
        .iter()
        .map(|doc| DoctorCalendar {
            template: &doc.template,
            exceptions: &doc.exceptions,
            occupancy: &doc.bookings,
        })
        .collect();

    let one_by_one = || -> usize {
        calendars
            .iter()
            .map(|c| {
                free_slots(
                    c.template,
                    c.exceptions,
                    c.occupancy,
                    &free,
                    visit,
                    range(),
                    now(),
                )
                .len()
            })
            .sum()
    };

    // The work is what it claims to be: both indexes agree, and the holiday closes a working day.
    let booked: usize = doctors.iter().map(|doc| doc.bookings.0.len()).sum();
    let many = free_slots_for_many(&calendars, &holiday, &free, visit, range(), now());
    for other in [&bisecting, &querying, &indexed, &loaded] {
        assert_eq!(
            many,
            free_slots_for_many(other, &holiday, &free, visit, range(), now())
        );
    }
    let total = one_by_one();
    assert!(many.len() < total && many.len() > total * 9 / 10);
    println!(
        "{booked} bookings; {total} free 15-minute slots for {DOCTORS} doctors over 30 days, {} with the holiday",
        many.len()
    );

    let mut group = c.benchmark_group("slots");
    group.sample_size(20);
    group.bench_function("free_slots, 1000 doctors one at a time, 30 days", |b| {
        b.iter(|| black_box(one_by_one()))
    });
    group.bench_function("free_slots_for_many, 1000 doctors, 30 days, sorted", |b| {
        b.iter(|| black_box(free_slots_for_many(&calendars, &holiday, &free, visit, range(), now()).len()))
    });
    group.bench_function(
        "free_slots_for_many, 1000 doctors, 30 days, sorted, bisection index",
        |b| {
            b.iter(|| {
                black_box(free_slots_for_many(&bisecting, &holiday, &free, visit, range(), now()).len())
            })
        },
    );
    group.bench_function(
        "free_slots_for_many, 1000 doctors, 30 days, sorted, calendar index",
        |b| b.iter(|| black_box(free_slots_for_many(&indexed, &holiday, &free, visit, range(), now()).len())),
    );
    group.bench_function(
        "free_slots_for_many, 1000 doctors, 30 days, sorted, busy times",
        |b| b.iter(|| black_box(free_slots_for_many(&loaded, &holiday, &free, visit, range(), now()).len())),
    );
    group.bench_function(
        "free_slots_for_many, 1000 doctors, 30 days, sorted, one query per slot",
        |b| {
            b.iter(|| black_box(free_slots_for_many(&querying, &holiday, &free, visit, range(), now()).len()))
        },
    );
    group.bench_function("next_available_for_many, 1000 doctors", |b| {
        b.iter(|| {
            black_box(next_available_for_many(
                &calendars,
                &holiday,
                &free,
                visit,
                now(),
                now(),
            ))
        })
    });
    group.finish();

    if hms_benches::benchmarking() {
        println!(
            "\nslots summary (ms per search, median / p90 of 21 runs; wall clock and thread on-CPU time)"
        );
        let summary = |label: &str, f: &dyn Fn() -> usize| {
            let (mut wall, mut cpu) = (Vec::new(), Vec::new());
            for _ in 0..21 {
                let (n, w, c) = hms_benches::wall_and_cpu(f);
                black_box(n);
                wall.push(w * 1e3);
                cpu.push(c * 1e3);
            }
            let p90 = |v: &mut Vec<f64>| {
                v.sort_by(f64::total_cmp);
                (v[v.len() / 2], v[v.len() * 9 / 10])
            };
            let ((wm, w90), (cm, c90)) = (p90(&mut wall), p90(&mut cpu));
            println!("  {label:<52} wall {wm:>6.1} / {w90:>6.1}   cpu {cm:>6.1} / {c90:>6.1}");
        };
        summary("free_slots_for_many, 1000 doctors, 30 days", &|| {
            free_slots_for_many(&calendars, &holiday, &free, visit, range(), now()).len()
        });
        summary("free_slots_for_many, same, bisection index", &|| {
            free_slots_for_many(&bisecting, &holiday, &free, visit, range(), now()).len()
        });
        summary("free_slots_for_many, same, calendar index", &|| {
            free_slots_for_many(&indexed, &holiday, &free, visit, range(), now()).len()
        });
        summary("free_slots_for_many, same, busy times", &|| {
            free_slots_for_many(&loaded, &holiday, &free, visit, range(), now()).len()
        });
        summary("free_slots_for_many, same, one query per slot", &|| {
            free_slots_for_many(&querying, &holiday, &free, visit, range(), now()).len()
        });
        summary("free_slots, 1000 doctors one at a time", &one_by_one);
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
}
