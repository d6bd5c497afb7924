//! Slot generation at hospital scale: 30 days of 15-minute slots for 1,000 doctors in Berlin across
//! the October clock change, with realistic bookings (about 60% of the grid taken), leave, meetings,
//! extra sessions and a public holiday.
//!
//! Target: at most 25 ms for the whole search.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use criterion::{criterion_group, criterion_main, Criterion};
use hms_core::ids::StaffId;
use hms_core::scheduling::availability::{
    working_intervals, AvailabilityException, AvailabilityTemplate, DateRange, WeeklyHours,
};
use hms_core::scheduling::slots::{free_slots, free_slots_for_many, next_available_for_many, DoctorCalendar};
use hms_core::scheduling::{Occupancy, VisitType};
use hms_core::time::Interval;

const DOCTORS: u128 = 1_000;

/// A doctor's bookings as a sorted list of disjoint `[start, end)` pairs of Unix seconds, searched by
/// bisection: a stand-in for the calendar index.
struct Bookings(Vec<(i64, i64)>);

impl Occupancy for Bookings {
    fn count_overlapping(&self, q: &Interval) -> u32 {
        let (start, end) = (q.start().timestamp(), q.end().timestamp());
        let first = self.0.partition_point(|b| b.1 <= start);
        self.0[first..].iter().take_while(|b| b.0 < end).count() as u32
    }
}

/// Bookings counted per quarter-hour cell: a constant-time index, to show the slot generator's own
/// cost without a search per query. Exact for queries that cover one cell, as every query of this
/// benchmark does (15-minute follow-ups on a 15-minute grid).
struct Cells {
    base: i64,
    counts: Vec<u8>,
}

impl Cells {
    fn new(bookings: &Bookings) -> Self {
        let base = Utc.from_utc_datetime(&d(10, 10).and_time(t(0, 0))).timestamp();
        let mut counts = vec![0_u8; 35 * 96];
        for &(s, e) in &bookings.0 {
            for cell in (s - base) / 900..(e - base + 899) / 900 {
                counts[cell as usize] += 1;
            }
        }
        Cells { base, counts }
    }
}

impl Occupancy for Cells {
    fn count_overlapping(&self, q: &Interval) -> u32 {
        let first = (q.start().timestamp() - self.base) / 900;
        let last = (q.end().timestamp() - self.base + 899) / 900;
        self.counts[first as usize..last as usize]
            .iter()
            .copied()
            .max()
            .unwrap_or(0)
            .into()
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
    let calendars: Vec<DoctorCalendar<'_>> = doctors
        .iter()
        .map(|doc| DoctorCalendar {
            template: &doc.template,
            exceptions: &doc.exceptions,
            occupancy: &doc.bookings,
        })
        .collect();
    let cells: Vec<Cells> = doctors.iter().map(|doc| Cells::new(&doc.bookings)).collect();
    let by_cells: Vec<DoctorCalendar<'_>> = doctors
        .iter()
        .zip(&cells)
        .map(|(doc, cells)| DoctorCalendar {
            template: &doc.template,
            exceptions: &doc.exceptions,
            occupancy: cells,
        })
        .collect();
    let visit = &visit_types()[0];
    let free = |_: &Interval| true;

    let total: usize = doctors
        .iter()
        .map(|doc| {
            free_slots(
                &doc.template,
                &doc.exceptions,
                &doc.bookings,
                &free,
                visit,
                range(),
                now(),
            )
            .len()
        })
        .sum();
    let booked: usize = doctors.iter().map(|doc| doc.bookings.0.len()).sum();
    println!("{booked} bookings; {total} free 15-minute slots for {DOCTORS} doctors over 30 days");
    let many = free_slots_for_many(&calendars, &holiday, &free, visit, range(), now());
    assert_eq!(
        many,
        free_slots_for_many(&by_cells, &holiday, &free, visit, range(), now())
    );
    println!(
        "{} free slots with the holiday, sorted by start and doctor",
        many.len()
    );

    let mut group = c.benchmark_group("slots");
    group.sample_size(20);
    group.bench_function("free_slots, 1000 doctors one by one, 30 days", |b| {
        b.iter(|| {
            let mut n = 0;
            for doc in &doctors {
                n += free_slots(
                    &doc.template,
                    &doc.exceptions,
                    &doc.bookings,
                    &free,
                    visit,
                    range(),
                    now(),
                )
                .len();
            }
            black_box(n)
        })
    });
    group.bench_function("free_slots_for_many, 1000 doctors, 30 days, sorted", |b| {
        b.iter(|| black_box(free_slots_for_many(&calendars, &holiday, &free, visit, range(), now()).len()))
    });
    group.bench_function(
        "free_slots_for_many, 1000 doctors, 30 days, constant-time index",
        |b| {
            b.iter(|| black_box(free_slots_for_many(&by_cells, &holiday, &free, visit, range(), now()).len()))
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
}

criterion_group!(benches, bench);
criterion_main!(benches);
