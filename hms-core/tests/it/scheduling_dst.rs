//! Slot generation across clock changes, pinned with worked examples: spring-forward gaps have no
//! slots, fall-back overlaps give each instant once, days that start at 01:00 because midnight does
//! not exist, 30- and 45-minute offsets and Lord Howe Island's 30-minute change.
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use hms_core::ids::StaffId;
use hms_core::scheduling::availability::{
    check_bookable, AvailabilityTemplate, DateRange, LocalAppointmentTime, WeeklyHours,
};
use hms_core::scheduling::recurrence::{expand, Repeat, SeriesEnd, SeriesRule};
use hms_core::scheduling::slots::{free_slots, Slot};
use hms_core::scheduling::VisitType;
use hms_core::time::{local_instants, Interval, LocalInstant};

fn t(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn utc(y: i32, mo: u32, day: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, day, h, mi, 0).unwrap()
}

fn follow_up() -> VisitType {
    VisitType::new("follow_up", "Follow-up", 15)
}

/// A clinic open every day from `start` to `end` in `zone`, 15-minute follow-ups.
fn clinic(zone: Tz, start: NaiveTime, end: NaiveTime, capacity: u32) -> AvailabilityTemplate {
    let days = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];
    AvailabilityTemplate {
        doctor: StaffId::from_uuid(uuid::Uuid::from_u128(7)),
        location: None,
        zone,
        weekly_hours: days.iter().map(|&w| WeeklyHours::new(w, start, end)).collect(),
        effective_from: d(2026, 1, 1),
        effective_until: None,
        slot_minutes: 15,
        visit_types: vec![follow_up()],
        capacity,
        lead_time_minutes: 0,
        horizon_days: 365,
    }
}

fn slots_on(template: &AvailabilityTemplate, date: NaiveDate, booked: &[Interval]) -> Vec<Slot> {
    let booked = booked.to_vec();
    let now = utc(2026, 1, 1, 0, 0);
    free_slots(
        template,
        &[],
        &booked,
        &|_| true,
        &follow_up(),
        DateRange::single(date),
        now,
    )
}

fn labels(slots: &[Slot]) -> Vec<String> {
    slots
        .iter()
        .map(|s| s.local_start.format("%H:%M").to_string())
        .collect()
}

fn quarter(start: DateTime<Utc>) -> Interval {
    Interval::new(start, start + Duration::minutes(15)).unwrap()
}

/// Every slot is a distinct instant, and its wall-clock time (with fold) gives the instant back.
fn assert_round_trips(slots: &[Slot]) {
    for w in slots.windows(2) {
        assert!(w[0].interval.end() <= w[1].interval.start(), "{w:?}");
    }
    for s in slots {
        let local = s.local_time();
        assert_eq!(local.date.and_time(local.time), s.local_start);
        assert_eq!(local.to_interval(Duration::minutes(15)).unwrap(), s.interval);
    }
}

#[test]
fn berlin_open_01_to_04_on_the_spring_forward_day_with_capacity_two() {
    // 29 March 2026: clocks jump from 02:00 CET to 03:00 CEST (01:00 UTC). The clinic is open from
    // 01:00 CET (00:00 UTC) to 04:00 CEST (02:00 UTC): two real hours, eight slots, none at 02:xx.
    let clinic = clinic(chrono_tz::Europe::Berlin, t(1, 0), t(4, 0), 2);
    let all = slots_on(&clinic, d(2026, 3, 29), &[]);
    assert_eq!(
        labels(&all),
        ["01:00", "01:15", "01:30", "01:45", "03:00", "03:15", "03:30", "03:45"]
    );
    assert_eq!(all[4].interval.start(), utc(2026, 3, 29, 1, 0));
    assert!(all.iter().all(|s| s.remaining_capacity == 2));
    // Two bookings fill 01:45 CET; one leaves one place at 03:00 CEST.
    let booked = [
        quarter(utc(2026, 3, 29, 0, 45)),
        quarter(utc(2026, 3, 29, 0, 45)),
        quarter(utc(2026, 3, 29, 1, 0)),
    ];
    let s = slots_on(&clinic, d(2026, 3, 29), &booked);
    let got: Vec<(String, u32)> = labels(&s)
        .into_iter()
        .zip(s.iter().map(|s| s.remaining_capacity))
        .collect();
    assert_eq!(
        got[2..5],
        [("01:30".into(), 2), ("03:00".into(), 1), ("03:15".into(), 2)]
    );
    assert_eq!(s.len(), 7);
    assert_round_trips(&s);
}

#[test]
fn berlin_open_01_to_04_on_the_fall_back_day_with_capacity_two() {
    // 25 October 2026: clocks go back from 03:00 CEST to 02:00 CET (01:00 UTC), so 02:00–03:00
    // happens twice. Open 01:00 CEST (23:00 UTC the day before) to 04:00 CET (03:00 UTC): four real
    // hours, sixteen slots, 02:00–02:45 once in CEST and once in CET.
    let clinic = clinic(chrono_tz::Europe::Berlin, t(1, 0), t(4, 0), 2);
    let all = slots_on(&clinic, d(2026, 10, 25), &[]);
    assert_eq!(
        labels(&all),
        [
            "01:00", "01:15", "01:30", "01:45", "02:00", "02:15", "02:30", "02:45", "02:00", "02:15",
            "02:30", "02:45", "03:00", "03:15", "03:30", "03:45"
        ]
    );
    assert_eq!(all[0].interval.start(), utc(2026, 10, 24, 23, 0));
    assert_eq!(
        all[6].interval.start(),
        utc(2026, 10, 25, 0, 30),
        "the first 02:30 (CEST)"
    );
    assert_eq!(
        all[10].interval.start(),
        utc(2026, 10, 25, 1, 30),
        "the second 02:30 (CET)"
    );
    assert_round_trips(&all);
    // A booking at the first 02:30 leaves one place there and none taken at the second 02:30.
    let s = slots_on(&clinic, d(2026, 10, 25), &[quarter(utc(2026, 10, 25, 0, 30))]);
    assert_eq!(s[6].remaining_capacity, 1);
    assert_eq!(s[10].remaining_capacity, 2);
}

#[test]
fn new_york_open_01_to_04_on_both_switch_days_with_capacity_two() {
    let clinic = clinic(chrono_tz::America::New_York, t(1, 0), t(4, 0), 2);
    // 8 March 2026: 02:00 EST jumps to 03:00 EDT (07:00 UTC). 01:00 EST = 06:00 UTC to
    // 04:00 EDT = 08:00 UTC.
    let spring = slots_on(&clinic, d(2026, 3, 8), &[]);
    assert_eq!(
        labels(&spring),
        ["01:00", "01:15", "01:30", "01:45", "03:00", "03:15", "03:30", "03:45"]
    );
    assert_eq!(spring[0].interval.start(), utc(2026, 3, 8, 6, 0));
    assert_eq!(spring[4].interval.start(), utc(2026, 3, 8, 7, 0));
    // 1 November 2026: 02:00 EDT goes back to 01:00 EST (06:00 UTC). 01:00 EDT = 05:00 UTC to
    // 04:00 EST = 09:00 UTC: 01:00–01:45 twice.
    let fall = slots_on(&clinic, d(2026, 11, 1), &[]);
    assert_eq!(fall.len(), 16);
    assert_eq!(
        labels(&fall)[..9],
        ["01:00", "01:15", "01:30", "01:45", "01:00", "01:15", "01:30", "01:45", "02:00"]
    );
    assert_eq!(fall[4].interval.start(), utc(2026, 11, 1, 6, 0));
    assert_eq!(fall[15].interval.start(), utc(2026, 11, 1, 8, 45));
    assert_round_trips(&spring);
    assert_round_trips(&fall);
    // Capacity 2: two bookings at the second 01:15 (EST) close only that slot.
    let b = quarter(utc(2026, 11, 1, 6, 15));
    let s = slots_on(&clinic, d(2026, 11, 1), &[b, b]);
    assert_eq!(s.len(), 15);
    assert!(s.iter().all(|s| s.interval.start() != b.start()));
    assert!(
        s.iter().any(|s| s.interval.start() == utc(2026, 11, 1, 5, 15)),
        "the first 01:15 stays free"
    );
}

#[test]
fn days_that_start_at_one_because_midnight_does_not_exist() {
    // Santiago (6 September 2026, UTC-4 to UTC-3), Havana (8 March 2026, UTC-5 to UTC-4) and Beirut
    // (29 March 2026, UTC+2 to UTC+3) move their clocks from 00:00 to 01:00. A clinic open 00:00–02:00
    // opens at 01:00, the first moment of the day: one real hour, four slots.
    let cases = [
        (chrono_tz::America::Santiago, d(2026, 9, 6), utc(2026, 9, 6, 4, 0)),
        (chrono_tz::America::Havana, d(2026, 3, 8), utc(2026, 3, 8, 5, 0)),
        (chrono_tz::Asia::Beirut, d(2026, 3, 29), utc(2026, 3, 28, 22, 0)),
    ];
    for (zone, day, first) in cases {
        assert_eq!(
            local_instants(zone, day, t(0, 0)),
            LocalInstant::Skipped,
            "{zone}: no midnight"
        );
        let s = slots_on(&clinic(zone, t(0, 0), t(2, 0), 1), day, &[]);
        assert_eq!(labels(&s), ["01:00", "01:15", "01:30", "01:45"], "{zone}");
        assert_eq!(s[0].interval.start(), first, "{zone}");
        assert_eq!(s[0].local_start.date(), day, "{zone}");
        assert_round_trips(&s);
    }
}

#[test]
fn half_and_three_quarter_hour_offsets_keep_the_local_grid() {
    // Monday 2 March 2026, open 09:00–10:00: Kolkata is UTC+05:30, Kathmandu UTC+05:45.
    for (zone, first) in [
        (chrono_tz::Asia::Kolkata, utc(2026, 3, 2, 3, 30)),
        (chrono_tz::Asia::Kathmandu, utc(2026, 3, 2, 3, 15)),
    ] {
        let s = slots_on(&clinic(zone, t(9, 0), t(10, 0), 1), d(2026, 3, 2), &[]);
        assert_eq!(labels(&s), ["09:00", "09:15", "09:30", "09:45"], "{zone}");
        assert_eq!(s[0].interval.start(), first, "{zone}");
    }
}

#[test]
fn lord_howe_moves_its_clocks_by_thirty_minutes() {
    let clinic = clinic(chrono_tz::Australia::Lord_Howe, t(1, 0), t(4, 0), 1);
    // 4 October 2026: 02:00 (UTC+10:30) jumps to 02:30 (UTC+11). 01:00–04:00 is 14:30–17:00 UTC
    // the day before: two and a half hours, no slot at 02:00 or 02:15.
    let spring = slots_on(&clinic, d(2026, 10, 4), &[]);
    assert_eq!(
        labels(&spring),
        ["01:00", "01:15", "01:30", "01:45", "02:30", "02:45", "03:00", "03:15", "03:30", "03:45"]
    );
    assert_eq!(spring[4].interval.start(), utc(2026, 10, 3, 15, 30));
    // 5 April 2026: 02:00 (UTC+11) goes back to 01:30 (UTC+10:30), so 01:30–01:45 happens twice:
    // 14:00–17:30 UTC the day before, three and a half hours, fourteen slots.
    let fall = slots_on(&clinic, d(2026, 4, 5), &[]);
    assert_eq!(
        labels(&fall)[..7],
        ["01:00", "01:15", "01:30", "01:45", "01:30", "01:45", "02:00"]
    );
    assert_eq!(fall.len(), 14);
    assert_eq!(fall[4].interval.start(), utc(2026, 4, 4, 15, 0));
    assert_round_trips(&spring);
    assert_round_trips(&fall);
}

#[test]
fn dialysis_keeps_its_wall_clock_time_across_the_change_and_stays_bookable() {
    // Monday, Wednesday and Friday 06:00 in New York for two weeks around 8 March 2026, in a unit open
    // 06:00–10:00 on those days; every session is four hours and bookable.
    let dialysis = VisitType::new("dialysis", "Dialysis", 240);
    let mut unit = clinic(chrono_tz::America::New_York, t(6, 0), t(10, 0), 1);
    unit.visit_types = vec![dialysis.clone()];
    let rule = SeriesRule {
        start_date: d(2026, 3, 2),
        time: t(6, 0),
        zone: chrono_tz::America::New_York,
        minutes: 240,
        repeat: Repeat::Weekly {
            weekdays: vec![Weekday::Mon, Weekday::Wed, Weekday::Fri],
            every_weeks: 1,
        },
        end: SeriesEnd::Count(6),
        excluded_dates: Vec::new(),
    };
    let now = utc(2026, 3, 1, 0, 0);
    let sessions = expand(&rule, 100).unwrap();
    assert_eq!(sessions.len(), 6);
    for s in &sessions {
        let interval = s.interval.clone().unwrap();
        check_bookable(&unit, &[], &interval, &dialysis, now).unwrap();
        let local = LocalAppointmentTime::of_instant(interval.start(), rule.zone);
        assert_eq!((local.date, local.time), (s.date, t(6, 0)));
    }
    // 11:00 UTC before the change (EST), 10:00 UTC after (EDT).
    assert_eq!(
        sessions[2].interval.clone().unwrap().start(),
        utc(2026, 3, 6, 11, 0)
    );
    assert_eq!(
        sessions[3].interval.clone().unwrap().start(),
        utc(2026, 3, 9, 10, 0)
    );
}
