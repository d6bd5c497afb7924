use super::*;
use crate::scheduling::availability::tests::{
    d, daily, doctor, follow_up, iv, new_patient, procedure, t, template, utc,
};
use crate::scheduling::availability::{working_intervals, AvailabilityException, WeeklyHours};
use chrono::{Duration, NaiveTime, Weekday, Weekday::*};
use chrono_tz::{America, Europe};
use proptest::prelude::*;

fn free(_: &Interval) -> bool {
    true
}

fn day(date: NaiveDate) -> DateRange {
    DateRange::single(date)
}

fn times(slots: &[Slot]) -> Vec<NaiveTime> {
    slots.iter().map(|s| s.local_start.time()).collect()
}

/// Monday 2 March 2026, Berlin (UTC+1), 09:00–10:00; now is the Sunday before.
fn monday_hour() -> (AvailabilityTemplate, DateTime<Utc>) {
    (
        template(Europe::Berlin, &[(Mon, t(9, 0), t(10, 0))]),
        utc(2026, 3, 1, 0, 0),
    )
}

#[test]
fn slots_lie_on_the_grid_and_fit_the_visit() {
    let (tpl, now) = monday_hour();
    let none: Vec<Interval> = Vec::new();
    // 15-minute follow-ups: 09:00, 09:15, 09:30, 09:45.
    let s = free_slots(&tpl, &[], &none, &free, &follow_up(), day(d(2026, 3, 2)), now);
    assert_eq!(times(&s), [t(9, 0), t(9, 15), t(9, 30), t(9, 45)]);
    assert_eq!(s[0].interval, iv(utc(2026, 3, 2, 8, 0), utc(2026, 3, 2, 8, 15)));
    assert_eq!(s[0].zone, Europe::Berlin);
    // 30-minute new-patient visits on the 15-minute grid: 09:00, 09:15, 09:30 (09:45 would end 10:15).
    let s = free_slots(&tpl, &[], &none, &free, &new_patient(), day(d(2026, 3, 2)), now);
    assert_eq!(times(&s), [t(9, 0), t(9, 15), t(9, 30)]);
    assert_eq!(s[0].interval.duration(), Duration::minutes(30));
}

#[test]
fn the_buffer_must_fit_but_is_not_part_of_the_slot() {
    // A 60-minute procedure with a 15-minute buffer in 09:00–12:00: the last start is 10:45.
    let tpl = template(Europe::Berlin, &[(Mon, t(9, 0), t(12, 0))]);
    let s = free_slots(
        &tpl,
        &[],
        &Vec::new(),
        &free,
        &procedure(),
        day(d(2026, 3, 2)),
        utc(2026, 3, 1, 0, 0),
    );
    assert_eq!(s.len(), 8);
    assert_eq!(s.last().unwrap().local_start.time(), t(10, 45));
    assert_eq!(s[0].interval.duration(), Duration::minutes(60));
}

#[test]
fn a_visit_type_the_template_does_not_offer_has_no_slots() {
    let (tpl, now) = monday_hour();
    let massage = VisitType::new("massage", "Massage", 15);
    assert!(free_slots(&tpl, &[], &Vec::new(), &free, &massage, day(d(2026, 3, 2)), now).is_empty());
}

#[test]
fn booked_time_and_its_buffer_are_not_offered() {
    // A booking holds 09:15–09:45 local (a follow-up... or whatever the calendar holds).
    let (tpl, now) = monday_hour();
    let booked = vec![iv(utc(2026, 3, 2, 8, 15), utc(2026, 3, 2, 8, 45))];
    let s = free_slots(&tpl, &[], &booked, &free, &follow_up(), day(d(2026, 3, 2)), now);
    assert_eq!(times(&s), [t(9, 0), t(9, 45)]);
}

#[test]
fn capacity_two_takes_two_bookings_per_slot() {
    let (mut tpl, now) = monday_hour();
    tpl.capacity = 2;
    // 09:00 has one booking, 09:15 two, 09:30 none.
    let booked = vec![
        iv(utc(2026, 3, 2, 8, 0), utc(2026, 3, 2, 8, 15)),
        iv(utc(2026, 3, 2, 8, 15), utc(2026, 3, 2, 8, 30)),
        iv(utc(2026, 3, 2, 8, 15), utc(2026, 3, 2, 8, 30)),
    ];
    let s = free_slots(&tpl, &[], &booked, &free, &follow_up(), day(d(2026, 3, 2)), now);
    let got: Vec<(NaiveTime, u32)> = s
        .iter()
        .map(|s| (s.local_start.time(), s.remaining_capacity))
        .collect();
    assert_eq!(got, [(t(9, 0), 1), (t(9, 30), 2), (t(9, 45), 2)]);
}

#[test]
fn the_callers_check_can_refuse_a_slot() {
    // The patient has another appointment 09:30–09:45 local.
    let (tpl, now) = monday_hour();
    let patient_busy = iv(utc(2026, 3, 2, 8, 30), utc(2026, 3, 2, 8, 45));
    let check = |held: &Interval| !held.overlaps(&patient_busy);
    let s = free_slots(
        &tpl,
        &[],
        &Vec::new(),
        &check,
        &follow_up(),
        day(d(2026, 3, 2)),
        now,
    );
    assert_eq!(times(&s), [t(9, 0), t(9, 15), t(9, 45)]);
}

#[test]
fn no_slot_starts_inside_the_lead_time() {
    // Now 09:10 local, lead time 30 minutes: the earliest start is 09:40, so the first slot is 09:45.
    let (mut tpl, _) = monday_hour();
    tpl.lead_time_minutes = 30;
    let now = utc(2026, 3, 2, 8, 10);
    let s = free_slots(
        &tpl,
        &[],
        &Vec::new(),
        &free,
        &follow_up(),
        day(d(2026, 3, 2)),
        now,
    );
    assert_eq!(times(&s), [t(9, 45)]);
}

#[test]
fn no_slot_lies_beyond_the_horizon() {
    // Horizon 7 days from Sunday 1 March: Monday 2 and Monday 9 March are bookable, not the 16th.
    let (mut tpl, now) = monday_hour();
    tpl.horizon_days = 8;
    let range = DateRange::new(d(2026, 3, 1), d(2026, 3, 31)).unwrap();
    let s = free_slots(&tpl, &[], &Vec::new(), &free, &follow_up(), range, now);
    let dates: std::collections::BTreeSet<NaiveDate> = s.iter().map(|s| s.local_start.date()).collect();
    assert_eq!(
        dates.into_iter().collect::<Vec<_>>(),
        [d(2026, 3, 2), d(2026, 3, 9)]
    );
}

#[test]
fn a_block_keeps_the_session_grid() {
    // 09:00–12:00 with a meeting 10:00–10:20 local: slots resume at 10:30, not 10:20.
    let tpl = template(Europe::Berlin, &[(Mon, t(9, 0), t(12, 0))]);
    let x = [AvailabilityException::Unavailable {
        interval: iv(utc(2026, 3, 2, 9, 0), utc(2026, 3, 2, 9, 20)),
        reason: "meeting".into(),
    }];
    let s = free_slots(
        &tpl,
        &x,
        &Vec::new(),
        &free,
        &follow_up(),
        day(d(2026, 3, 2)),
        utc(2026, 3, 1, 0, 0),
    );
    let ts = times(&s);
    assert!(ts.contains(&t(9, 45)) && ts.contains(&t(10, 30)));
    assert!(!ts.contains(&t(10, 0)) && !ts.contains(&t(10, 15)) && !ts.contains(&t(10, 20)));
    assert_eq!(s.len(), 12 - 2);
}

#[test]
fn next_available_skips_taken_days_and_respects_from() {
    // Mondays 09:00–10:00; 2 March is fully booked; from Sunday 1 March the next slot is 9 March 09:00.
    let (tpl, now) = monday_hour();
    let booked = vec![iv(utc(2026, 3, 2, 8, 0), utc(2026, 3, 2, 9, 0))];
    let next = next_available(&tpl, &[], &booked, &free, &follow_up(), now, now).unwrap();
    assert_eq!(next.local_start, d(2026, 3, 9).and_time(t(9, 0)));
    // From 9 March 09:20 local it is 09:30.
    let from = utc(2026, 3, 9, 8, 20);
    let next = next_available(&tpl, &[], &booked, &free, &follow_up(), from, now).unwrap();
    assert_eq!(next.local_start, d(2026, 3, 9).and_time(t(9, 30)));
}

#[test]
fn next_available_stops_at_the_horizon() {
    let (mut tpl, now) = monday_hour();
    tpl.horizon_days = 20;
    let after = utc(2026, 3, 30, 0, 0); // past the last bookable day, 21 March
    assert!(next_available(&tpl, &[], &Vec::new(), &free, &follow_up(), after, now).is_none());
    // Leave over every Monday in the horizon: nothing.
    let leave = [AvailabilityException::Leave {
        from: d(2026, 3, 1),
        until: d(2026, 3, 31),
    }];
    assert!(next_available(&tpl, &leave, &Vec::new(), &free, &follow_up(), now, now).is_none());
}

#[test]
fn many_doctors_are_sorted_by_start_then_doctor() {
    // Doctor 2 in Berlin 09:00–09:30, doctor 1 in Berlin 09:15–09:45, doctor 3 in New York
    // 03:00–03:30 (09:00 in Berlin), doctor 4 does not offer procedures... all on Monday 2 March.
    let mut a = template(Europe::Berlin, &[(Mon, t(9, 0), t(9, 30))]);
    a.doctor = doctor(2);
    let b = template(Europe::Berlin, &[(Mon, t(9, 15), t(9, 45))]);
    let mut c = template(America::New_York, &[(Mon, t(3, 0), t(3, 30))]);
    c.doctor = doctor(3);
    let mut e = template(Europe::Berlin, &[(Mon, t(9, 0), t(12, 0))]);
    e.doctor = doctor(4);
    e.visit_types = vec![procedure()];
    let none: Vec<Interval> = Vec::new();
    let cal = |template| DoctorCalendar {
        template,
        exceptions: &[],
        occupancy: &none,
    };
    let calendars = [cal(&a), cal(&b), cal(&c), cal(&e)];
    let s = free_slots_for_many(
        &calendars,
        &[],
        &free,
        &follow_up(),
        day(d(2026, 3, 2)),
        utc(2026, 3, 1, 0, 0),
    );
    let got: Vec<(DateTime<Utc>, StaffId)> = s.iter().map(|s| (s.slot.interval.start(), s.doctor)).collect();
    assert_eq!(
        got,
        [
            (utc(2026, 3, 2, 8, 0), doctor(2)),
            (utc(2026, 3, 2, 8, 0), doctor(3)),
            (utc(2026, 3, 2, 8, 15), doctor(1)),
            (utc(2026, 3, 2, 8, 15), doctor(2)),
            (utc(2026, 3, 2, 8, 15), doctor(3)),
            (utc(2026, 3, 2, 8, 30), doctor(1)),
        ]
    );
    assert_eq!(
        s[1].slot.local_start.time(),
        t(3, 0),
        "local time is the doctor's own clinic's"
    );
    let first = next_available_for_many(
        &calendars,
        &[],
        &free,
        &follow_up(),
        utc(2026, 3, 1, 0, 0),
        utc(2026, 3, 1, 0, 0),
    );
    assert_eq!(
        first.map(|s| s.doctor),
        Some(doctor(2)),
        "ties go to the lowest doctor id"
    );
}

#[test]
fn a_shared_holiday_closes_every_doctor() {
    let a = template(Europe::Berlin, &[(Mon, t(9, 0), t(10, 0))]);
    let mut b = a.clone();
    b.doctor = doctor(2);
    let extra = [AvailabilityException::ExtraSession {
        date: d(2026, 4, 6),
        start: t(14, 0),
        end: t(14, 30),
    }];
    let none: Vec<Interval> = Vec::new();
    let calendars = [
        DoctorCalendar {
            template: &a,
            exceptions: &[],
            occupancy: &none,
        },
        DoctorCalendar {
            template: &b,
            exceptions: &extra,
            occupancy: &none,
        },
    ];
    let easter_monday = [AvailabilityException::Holiday {
        date: d(2026, 4, 6),
        name: "Easter Monday".into(),
    }];
    let s = free_slots_for_many(
        &calendars,
        &easter_monday,
        &free,
        &follow_up(),
        day(d(2026, 4, 6)),
        utc(2026, 4, 1, 0, 0),
    );
    // Only doctor 2's extra session remains: 14:00 and 14:15.
    assert!(s.iter().all(|s| s.doctor == doctor(2)));
    assert_eq!(s.len(), 2);
}

#[test]
fn merging_runs_is_by_start_then_doctor_whether_counted_or_compared() {
    let base = utc(2026, 3, 2, 8, 0).timestamp();
    let run = |n: u128, first: usize, end: usize| Run {
        doctor: doctor(n),
        zone: Europe::Berlin,
        length: 900,
        first,
        end,
    };
    let found = |secs: &[i64]| -> Vec<Found> {
        secs.iter()
            .map(|&s| Found {
                start: base + s,
                offset: 3600,
                remaining: 1,
            })
            .collect()
    };
    let order = |slots: &[DoctorSlot]| -> Vec<(i64, StaffId)> {
        slots
            .iter()
            .map(|s| (s.slot.interval.start().timestamp() - base, s.doctor))
            .collect()
    };
    // Whole minutes, two days apart at the ends: counted a day at a time.
    let day = 86_400;
    let f = found(&[0, 60, 2 * day + 120, 0, 2 * day, 60]);
    let merged = merge_runs(&f, &[run(1, 0, 3), run(2, 3, 5), run(3, 5, 6)]);
    assert_eq!(
        order(&merged),
        [
            (0, doctor(1)),
            (0, doctor(2)),
            (60, doctor(1)),
            (60, doctor(3)),
            (2 * day, doctor(2)),
            (2 * day + 120, doctor(1))
        ]
    );
    assert_eq!(merged[0].slot.local_start, d(2026, 3, 2).and_time(t(9, 0)));
    assert_eq!(merged[0].slot.interval.duration(), Duration::minutes(15));
    // Starts 30 seconds apart cannot be counted per minute: compared, with the same order.
    let f = found(&[30, 90, 0, 30, 60]);
    let merged = merge_runs(&f, &[run(1, 0, 2), run(2, 2, 4), run(3, 4, 5)]);
    assert_eq!(
        order(&merged),
        [
            (0, doctor(2)),
            (30, doctor(1)),
            (30, doctor(2)),
            (60, doctor(3)),
            (90, doctor(1))
        ]
    );
}

// ---- properties ---------------------------------------------------------------------------------------

/// Zones and the dates of their 2026 clock changes (Kathmandu has none).
const ZONES: [(Tz, [(u32, u32); 2]); 6] = [
    (Europe::Berlin, [(3, 29), (10, 25)]),
    (America::New_York, [(3, 8), (11, 1)]),
    (America::Santiago, [(4, 5), (9, 6)]),
    (chrono_tz::Australia::Lord_Howe, [(4, 5), (10, 4)]),
    (chrono_tz::Asia::Kathmandu, [(3, 1), (10, 1)]),
    (chrono_tz::Asia::Beirut, [(3, 29), (10, 25)]),
];

#[derive(Debug, Clone)]
struct Case {
    template: AvailabilityTemplate,
    exceptions: Vec<AvailabilityException>,
    bookings: Vec<Interval>,
    range: DateRange,
    now: DateTime<Utc>,
    visit: VisitType,
}

fn minutes_to_time(m: u32) -> NaiveTime {
    NaiveTime::from_num_seconds_from_midnight_opt(m.min(1439) * 60, 0).unwrap()
}

fn case() -> impl Strategy<Value = Case> {
    let hours = prop::collection::vec((0_u8..7, 0_u32..96, 1_u32..40), 1..8);
    let exceptions = prop::collection::vec((0_u8..4, 0_i64..8, 0_u32..1440, 1_u32..600), 0..5);
    let bookings = prop::collection::vec((0_i64..(8 * 1440), 1_i64..120), 0..25);
    (
        (0..ZONES.len(), 0_usize..2, 0_i64..7),
        hours,
        exceptions,
        bookings,
        prop::sample::select(vec![5_u32, 10, 15, 20, 30]),
        1_u32..4,
        0_u32..3,
        0_i64..(2 * 1440),
        0_u32..240,
    )
        .prop_map(
            |(
                (zone, change, before),
                hours,
                exceptions,
                bookings,
                step,
                visit_steps,
                buffer,
                now_min,
                lead,
            )| {
                let (zone, changes) = ZONES[zone];
                let (m, day) = changes[change];
                // The week of the range holds the clock change.
                let from = d(2026, m, day) - Duration::days(before);
                let base = from.and_time(NaiveTime::MIN).and_utc() - Duration::days(1);
                let weekly_hours = hours
                    .into_iter()
                    .filter_map(|(w, s, len)| {
                        let (s, e) = (s * 15, (s + len) * 15);
                        (e < 1440).then(|| {
                            WeeklyHours::new(
                                Weekday::try_from(w).unwrap(),
                                minutes_to_time(s),
                                minutes_to_time(e),
                            )
                        })
                    })
                    .fold(Vec::<WeeklyHours>::new(), |mut acc, h| {
                        let clash = acc
                            .iter()
                            .any(|o| o.weekday == h.weekday && o.start < h.end && h.start < o.end);
                        if !clash {
                            acc.push(h);
                        }
                        acc
                    });
                let exceptions = exceptions
                    .into_iter()
                    .map(|(kind, day, minute, len)| {
                        let date = from + Duration::days(day);
                        match kind {
                            0 => AvailabilityException::Leave {
                                from: date,
                                until: date,
                            },
                            1 => AvailabilityException::Holiday {
                                date,
                                name: "holiday".into(),
                            },
                            2 => AvailabilityException::ExtraSession {
                                date,
                                start: minutes_to_time(minute),
                                end: minutes_to_time(minute + len),
                            },
                            _ => {
                                let s = base + Duration::days(day) + Duration::minutes(i64::from(minute));
                                AvailabilityException::Unavailable {
                                    interval: iv(s, s + Duration::minutes(i64::from(len))),
                                    reason: "block".into(),
                                }
                            }
                        }
                    })
                    .collect();
                let bookings = bookings
                    .into_iter()
                    .map(|(s, len)| {
                        let s = base + Duration::minutes(s);
                        iv(s, s + Duration::minutes(len))
                    })
                    .collect();
                // The visit plus its buffer is at most one grid step, so capacity-1 slots never overlap.
                let minutes = (step / visit_steps).max(1);
                let buffer = (step - minutes).min(buffer * 5);
                let visit = VisitType {
                    buffer_minutes: buffer,
                    ..VisitType::new("follow_up", "Follow-up", minutes)
                };
                let mut template = daily(zone, t(0, 0), t(0, 1));
                template.weekly_hours = weekly_hours;
                template.slot_minutes = step;
                template.visit_types = vec![visit.clone()];
                template.lead_time_minutes = lead;
                Case {
                    template,
                    exceptions,
                    bookings,
                    range: DateRange::new(from, from + Duration::days(7)).unwrap(),
                    now: base + Duration::minutes(now_min),
                    visit,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn slots_keep_every_rule(c in case()) {
        let slots = free_slots(&c.template, &c.exceptions, &c.bookings, &free, &c.visit, c.range, c.now);
        let work = working_intervals(&c.template, &c.exceptions, c.range);
        let held = c.visit.held_length();
        let earliest = c.now + Duration::minutes(i64::from(c.template.lead_time_minutes));
        for (i, s) in slots.iter().enumerate() {
            let h = Interval::starting_at(s.interval.start(), held).unwrap();
            // Inside one working interval, so never inside an exception's block or on leave.
            prop_assert!(work.iter().any(|w| w.contains(&h)), "{:?} outside {:?}", h, work);
            for x in &c.exceptions {
                match x {
                    AvailabilityException::Unavailable { interval, .. } => prop_assert!(!interval.overlaps(&h)),
                    AvailabilityException::Leave { from, until } => {
                        prop_assert!(s.local_start.date() < *from || s.local_start.date() > *until);
                    }
                    _ => {}
                }
            }
            prop_assert!(s.interval.start() >= earliest);
            // Free: capacity 1, so no booking overlaps.
            prop_assert!(c.bookings.iter().all(|b| !b.overlaps(&h)));
            prop_assert_eq!(s.remaining_capacity, 1);
            // The local label is what the clinic's clocks show.
            prop_assert_eq!(s.local_start, s.interval.start().with_timezone(&s.zone).naive_local());
            // Strictly increasing and not overlapping: every instant once, even across a fall-back.
            if let Some(prev) = i.checked_sub(1).map(|j| &slots[j]) {
                prop_assert!(prev.interval.start() + held <= s.interval.start());
            }
        }
    }

    #[test]
    fn next_available_is_the_first_free_slot(c in case()) {
        // From two days before the range, so that the search covers now's local date.
        let wide = DateRange::new(c.range.from() - Duration::days(2), c.range.until()).unwrap();
        let slots = free_slots(&c.template, &c.exceptions, &c.bookings, &free, &c.visit, wide, c.now);
        let next = next_available(&c.template, &c.exceptions, &c.bookings, &free, &c.visit, c.now, c.now);
        if let Some(first) = slots.first() {
            prop_assert_eq!(next.as_ref(), Some(first));
        }
    }

    #[test]
    fn many_doctors_give_the_union_of_each(a in case(), b in case()) {
        let mut tb = b.template.clone();
        tb.doctor = doctor(2);
        tb.visit_types = a.template.visit_types.clone();
        let calendars = [
            DoctorCalendar { template: &a.template, exceptions: &a.exceptions, occupancy: &a.bookings },
            DoctorCalendar { template: &tb, exceptions: &b.exceptions, occupancy: &b.bookings },
        ];
        let many = free_slots_for_many(&calendars, &[], &free, &a.visit, a.range, a.now);
        let mut expected: Vec<DoctorSlot> = Vec::new();
        for c in &calendars {
            for slot in free_slots(c.template, c.exceptions, c.occupancy, &free, &a.visit, a.range, a.now) {
                expected.push(DoctorSlot { doctor: c.template.doctor, slot });
            }
        }
        expected.sort_by_key(|s| (s.slot.interval.start(), s.doctor));
        prop_assert_eq!(many, expected);
    }
}

/// Bookings that can only be asked about one time at a time: the slot search's per-slot path.
struct PerSlot<'a>(&'a [Interval]);

impl Occupancy for PerSlot<'_> {
    fn count_overlapping(&self, interval: &Interval) -> u32 {
        self.0.count_overlapping(interval)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Walking a stretch's bookings alongside the grid finds exactly the slots (and the room left in
    /// them) that asking once per slot finds, for lists and for the calendar index, with any
    /// capacity, overlapping bookings and bookings that start or end between whole seconds.
    #[test]
    fn listing_the_bookings_finds_what_asking_per_slot_finds(
        c in case(),
        capacity in 1_u32..4,
        nanos in prop::collection::vec(0_u32..1_000_000_000, 25),
    ) {
        let mut template = c.template.clone();
        template.capacity = capacity;
        let bookings: Vec<Interval> = c
            .bookings
            .iter()
            .zip(&nanos)
            .map(|(b, n)| {
                let shift = Duration::nanoseconds(i64::from(*n % 3 * 250_000_000));
                iv(b.start() - shift, b.end() + shift)
            })
            .collect();
        let mut index = crate::scheduling::calendar::CalendarIndex::new();
        for (i, b) in bookings.iter().enumerate() {
            index.insert(crate::ids::AppointmentId::from_uuid(uuid::Uuid::from_u128(i as u128 + 1)), *b, false);
        }
        let run = |o: &dyn Occupancy| free_slots(&template, &c.exceptions, o, &free, &c.visit, c.range, c.now);
        let asked = run(&PerSlot(&bookings));
        prop_assert_eq!(&run(&bookings), &asked);
        prop_assert_eq!(&run(&index), &asked);
    }
}

#[test]
fn the_edges_of_the_calendar_do_not_panic() {
    // Dates and instants at the ends of what chrono can represent, with the largest lead time and
    // horizon: every call answers (with nothing, mostly) instead of overflowing.
    let mut tpl = daily(Europe::Berlin, t(0, 0), t(23, 45));
    tpl.effective_from = NaiveDate::MIN;
    tpl.lead_time_minutes = crate::scheduling::availability::MAX_LEAD_TIME_MINUTES;
    tpl.visit_types = vec![procedure()];
    let none: Vec<Interval> = Vec::new();
    let late = DateTime::<Utc>::MAX_UTC - Duration::days(3);
    let early = DateTime::<Utc>::MIN_UTC + Duration::days(3);
    for (now, date) in [
        (late, NaiveDate::MAX),
        (early, NaiveDate::MIN),
        (late, NaiveDate::MIN),
    ] {
        let range = DateRange::single(date);
        let _ = free_slots(&tpl, &[], &none, &free, &procedure(), range, now);
        let _ = next_available(&tpl, &[], &none, &free, &procedure(), now, now);
        let _ = working_intervals(&tpl, &[], range);
        let visit = Interval::starting_at(now, Duration::minutes(60)).unwrap();
        let _ = crate::scheduling::availability::booking_findings(&tpl, &[], &visit, &procedure(), now);
        let _ = crate::scheduling::availability::LocalAppointmentTime::of_instant(now, tpl.zone).start();
    }
}
