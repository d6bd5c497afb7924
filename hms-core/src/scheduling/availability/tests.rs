use super::*;
use chrono::TimeZone;
use chrono_tz::{America, Asia, Australia, Europe};
use proptest::prelude::*;
use Weekday::*;

// ---- fixtures shared with the slot and recurrence tests ---------------------------------------------

pub(crate) fn doctor(n: u128) -> StaffId {
    StaffId::from_uuid(uuid::Uuid::from_u128(n))
}

pub(crate) fn t(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

pub(crate) fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

pub(crate) fn utc(y: i32, mo: u32, day: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, day, h, mi, 0).unwrap()
}

pub(crate) fn iv(a: DateTime<Utc>, b: DateTime<Utc>) -> Interval {
    Interval::new(a, b).unwrap()
}

pub(crate) fn follow_up() -> VisitType {
    VisitType::new("follow_up", "Follow-up", 15)
}

pub(crate) fn new_patient() -> VisitType {
    VisitType::new("new_patient", "New patient", 30)
}

pub(crate) fn procedure() -> VisitType {
    VisitType {
        buffer_minutes: 15,
        ..VisitType::new("procedure", "Procedure", 60)
    }
}

/// A template of doctor 1 in `zone`, in force from 2020, 15-minute grid, the three visit types,
/// capacity 1, no lead time, a ten-year horizon.
pub(crate) fn template(zone: Tz, hours: &[(Weekday, NaiveTime, NaiveTime)]) -> AvailabilityTemplate {
    AvailabilityTemplate {
        doctor: doctor(1),
        location: Some("outpatient clinic".into()),
        zone,
        weekly_hours: hours.iter().map(|&(w, s, e)| WeeklyHours::new(w, s, e)).collect(),
        effective_from: d(2020, 1, 1),
        effective_until: None,
        slot_minutes: 15,
        visit_types: vec![new_patient(), follow_up(), procedure()],
        capacity: 1,
        lead_time_minutes: 0,
        horizon_days: MAX_HORIZON_DAYS,
    }
}

/// The same hours every day of the week.
pub(crate) fn daily(zone: Tz, start: NaiveTime, end: NaiveTime) -> AvailabilityTemplate {
    let days = [Mon, Tue, Wed, Thu, Fri, Sat, Sun];
    template(zone, &days.map(|w| (w, start, end)))
}

fn work(
    template: &AvailabilityTemplate,
    x: &[AvailabilityException],
    from: NaiveDate,
    until: NaiveDate,
) -> Vec<Interval> {
    working_intervals(template, x, DateRange::new(from, until).unwrap())
}

fn fields(e: &ValidationError) -> Vec<&str> {
    e.problems().iter().map(|p| p.field.as_str()).collect()
}

// ---- validation ---------------------------------------------------------------------------------------

#[test]
fn a_sound_template_is_valid() {
    let tpl = template(
        Europe::Berlin,
        &[(Mon, t(9, 0), t(12, 0)), (Mon, t(13, 0), t(17, 0))],
    );
    assert_eq!(validate_template(&tpl), Ok(()));
}

#[test]
fn every_bad_template_field_is_listed() {
    let mut tpl = template(
        Europe::Berlin,
        &[
            (Mon, t(9, 0), t(12, 0)),
            (Mon, t(11, 0), t(14, 0)), // overlaps the first
            (Tue, t(12, 0), t(12, 0)), // ends when it starts
            (Tue, t(11, 0), t(12, 0)), // fine: the bad one before it is ignored for overlaps
        ],
    );
    tpl.location = Some("  ".into());
    tpl.effective_until = Some(d(2019, 12, 31));
    tpl.slot_minutes = 0;
    tpl.visit_types.push(follow_up());
    tpl.visit_types.push(VisitType::new("x", "X", 0));
    tpl.capacity = 0;
    tpl.lead_time_minutes = MAX_LEAD_TIME_MINUTES + 1;
    tpl.horizon_days = MAX_HORIZON_DAYS + 1;
    let err = validate_template(&tpl).unwrap_err();
    assert_eq!(
        fields(&err),
        [
            "location",
            "weekly_hours[1]",
            "weekly_hours[2]",
            "effective_until",
            "slot_minutes",
            "visit_types[3].code",
            "visit_types[4].minutes",
            "capacity",
            "lead_time_minutes",
            "horizon_days",
        ]
    );
    assert_eq!(err.problems()[1].code, FieldCode::Inconsistent);
    assert_eq!(err.problems()[2].code, FieldCode::InvalidPeriod);
}

#[test]
fn a_template_without_visit_types_cannot_be_booked() {
    let mut tpl = template(Europe::Berlin, &[]);
    tpl.visit_types.clear();
    let err = validate_template(&tpl).unwrap_err();
    assert_eq!(fields(&err), ["visit_types"]);
    assert_eq!(err.problems()[0].code, FieldCode::Required);
}

#[test]
fn every_bad_exception_is_listed() {
    let x = [
        AvailabilityException::Leave {
            from: d(2026, 3, 10),
            until: d(2026, 3, 9),
        },
        AvailabilityException::ExtraSession {
            date: d(2026, 3, 10),
            start: t(18, 0),
            end: t(17, 0),
        },
        AvailabilityException::Holiday {
            date: d(2026, 12, 25),
            name: String::new(),
        },
        AvailabilityException::Unavailable {
            interval: iv(utc(2026, 3, 2, 9, 0), utc(2026, 3, 2, 10, 0)),
            reason: "x".repeat(MAX_TEXT_LEN + 1),
        },
        AvailabilityException::Leave {
            from: d(2026, 3, 9),
            until: d(2026, 3, 9),
        },
    ];
    let err = validate_exceptions(&x).unwrap_err();
    assert_eq!(
        fields(&err),
        [
            "exceptions[0].until",
            "exceptions[1].end",
            "exceptions[2].name",
            "exceptions[3].reason"
        ]
    );
}

#[test]
fn date_ranges_are_ordered_and_bounded() {
    assert_eq!(DateRange::new(d(2026, 3, 1), d(2026, 3, 1)).unwrap().days(), 1);
    assert_eq!(
        DateRange::new(d(2026, 3, 2), d(2026, 3, 1))
            .unwrap_err()
            .problems()[0]
            .code,
        FieldCode::InvalidPeriod
    );
    let too_long = DateRange::new(d(2026, 1, 1), d(2028, 1, 2)).unwrap_err();
    assert_eq!(too_long.problems()[0].code, FieldCode::OutOfRange);
    assert!(serde_json::from_str::<DateRange>(r#"{"from":"2026-03-02","until":"2026-03-01"}"#).is_err());
    let r: DateRange = serde_json::from_str(r#"{"from":"2026-03-01","until":"2026-03-31"}"#).unwrap();
    assert!(r.contains(d(2026, 3, 31)) && !r.contains(d(2026, 4, 1)));
}

#[test]
fn templates_travel_as_json_with_zone_names() {
    let json = r#"{
        "doctor": "00000000-0000-0000-0000-000000000001",
        "zone": "Asia/Kathmandu",
        "weekly_hours": [{"weekday": "Mon", "start": "09:00:00", "end": "12:30:00"}],
        "effective_from": "2026-01-01",
        "slot_minutes": 15,
        "visit_types": [{"code": "follow_up", "name": "Follow-up", "minutes": 15}],
        "horizon_days": 30
    }"#;
    let tpl: AvailabilityTemplate = serde_json::from_str(json).unwrap();
    assert_eq!(tpl.zone, Asia::Kathmandu);
    assert_eq!(tpl.capacity, 1, "capacity defaults to one booking per slot");
    assert_eq!(tpl.weekly_hours[0], WeeklyHours::new(Mon, t(9, 0), t(12, 30)));
    let back: AvailabilityTemplate = serde_json::from_str(&serde_json::to_string(&tpl).unwrap()).unwrap();
    assert_eq!(back, tpl);
    assert!(serde_json::to_string(&tpl)
        .unwrap()
        .contains(r#""zone":"Asia/Kathmandu""#));
    let bad = json.replace("Asia/Kathmandu", "Mars/Olympus");
    assert!(serde_json::from_str::<AvailabilityTemplate>(&bad).is_err());
}

#[test]
fn exceptions_travel_as_tagged_json() {
    let x = AvailabilityException::Holiday {
        date: d(2026, 12, 25),
        name: "Christmas Day".into(),
    };
    let json = serde_json::to_string(&x).unwrap();
    assert_eq!(
        json,
        r#"{"kind":"holiday","date":"2026-12-25","name":"Christmas Day"}"#
    );
    assert_eq!(serde_json::from_str::<AvailabilityException>(&json).unwrap(), x);
}

// ---- working intervals --------------------------------------------------------------------------------

#[test]
fn weekly_hours_with_a_break_give_two_intervals() {
    // Monday 2 March 2026 in Berlin (UTC+1): 09:00–12:00 and 13:00–17:00 local.
    let tpl = template(
        Europe::Berlin,
        &[(Mon, t(9, 0), t(12, 0)), (Mon, t(13, 0), t(17, 0))],
    );
    let w = work(&tpl, &[], d(2026, 3, 1), d(2026, 3, 3));
    assert_eq!(
        w,
        [
            iv(utc(2026, 3, 2, 8, 0), utc(2026, 3, 2, 11, 0)),
            iv(utc(2026, 3, 2, 12, 0), utc(2026, 3, 2, 16, 0))
        ]
    );
}

#[test]
fn touching_hours_are_one_interval() {
    let tpl = template(
        Europe::Berlin,
        &[(Mon, t(12, 0), t(13, 0)), (Mon, t(9, 0), t(12, 0))],
    );
    let w = work(&tpl, &[], d(2026, 3, 2), d(2026, 3, 2));
    assert_eq!(w, [iv(utc(2026, 3, 2, 8, 0), utc(2026, 3, 2, 12, 0))]);
}

#[test]
fn a_template_says_nothing_outside_its_effective_dates() {
    let mut tpl = daily(Europe::Berlin, t(9, 0), t(10, 0));
    tpl.effective_from = d(2026, 3, 3);
    tpl.effective_until = Some(d(2026, 3, 4));
    let extra = [AvailabilityException::ExtraSession {
        date: d(2026, 3, 6),
        start: t(9, 0),
        end: t(10, 0),
    }];
    let w = work(&tpl, &extra, d(2026, 3, 1), d(2026, 3, 8));
    assert_eq!(
        w,
        [
            iv(utc(2026, 3, 3, 8, 0), utc(2026, 3, 3, 9, 0)),
            iv(utc(2026, 3, 4, 8, 0), utc(2026, 3, 4, 9, 0))
        ]
    );
}

#[test]
fn leave_removes_whole_days_extra_sessions_included() {
    let tpl = daily(Europe::Berlin, t(9, 0), t(10, 0));
    let x = [
        AvailabilityException::Leave {
            from: d(2026, 3, 3),
            until: d(2026, 3, 4),
        },
        AvailabilityException::ExtraSession {
            date: d(2026, 3, 4),
            start: t(14, 0),
            end: t(15, 0),
        },
    ];
    let w = work(&tpl, &x, d(2026, 3, 2), d(2026, 3, 5));
    let days: Vec<u32> = w.iter().map(|i| i.start().day()).collect();
    assert_eq!(days, [2, 5]);
}

#[test]
fn a_holiday_removes_weekly_hours_but_not_an_extra_session() {
    // 25 December 2026 is a Friday; the doctor runs an emergency clinic 10:00–11:00 that day.
    let tpl = template(Europe::Berlin, &[(Fri, t(9, 0), t(17, 0))]);
    let x = [
        AvailabilityException::Holiday {
            date: d(2026, 12, 25),
            name: "Christmas Day".into(),
        },
        AvailabilityException::ExtraSession {
            date: d(2026, 12, 25),
            start: t(10, 0),
            end: t(11, 0),
        },
    ];
    let w = work(&tpl, &x, d(2026, 12, 25), d(2026, 12, 25));
    assert_eq!(w, [iv(utc(2026, 12, 25, 9, 0), utc(2026, 12, 25, 10, 0))]);
    assert!(work(&tpl, &x[..1], d(2026, 12, 25), d(2026, 12, 25)).is_empty());
}

#[test]
fn an_extra_session_extends_the_day() {
    // Weekly 09:00–12:00, extra 11:00–14:00 on Monday 2 March: one stretch 09:00–14:00.
    let tpl = template(Europe::Berlin, &[(Mon, t(9, 0), t(12, 0))]);
    let x = [AvailabilityException::ExtraSession {
        date: d(2026, 3, 2),
        start: t(11, 0),
        end: t(14, 0),
    }];
    let w = work(&tpl, &x, d(2026, 3, 2), d(2026, 3, 2));
    assert_eq!(w, [iv(utc(2026, 3, 2, 8, 0), utc(2026, 3, 2, 13, 0))]);
}

#[test]
fn an_unavailable_block_cuts_an_exact_span() {
    // Weekly 09:00–12:00 Berlin; a meeting 09:30–10:15 local (08:30–09:15 UTC) and one across the end.
    let tpl = template(Europe::Berlin, &[(Mon, t(9, 0), t(12, 0))]);
    let x = [
        AvailabilityException::Unavailable {
            interval: iv(utc(2026, 3, 2, 8, 30), utc(2026, 3, 2, 9, 15)),
            reason: "team meeting".into(),
        },
        AvailabilityException::Unavailable {
            interval: iv(utc(2026, 3, 2, 10, 45), utc(2026, 3, 2, 14, 0)),
            reason: "ward round".into(),
        },
    ];
    let w = work(&tpl, &x, d(2026, 3, 2), d(2026, 3, 2));
    assert_eq!(
        w,
        [
            iv(utc(2026, 3, 2, 8, 0), utc(2026, 3, 2, 8, 30)),
            iv(utc(2026, 3, 2, 9, 15), utc(2026, 3, 2, 10, 45))
        ]
    );
}

#[test]
fn hours_wholly_inside_a_spring_forward_gap_do_not_exist() {
    // Berlin skips 02:00–03:00 on 29 March 2026.
    let tpl = daily(Europe::Berlin, t(2, 0), t(3, 0));
    assert!(work(&tpl, &[], d(2026, 3, 29), d(2026, 3, 29)).is_empty());
    // Starting inside the gap, the day starts when the gap ends: 03:00 CEST = 01:00 UTC.
    let tpl = daily(Europe::Berlin, t(2, 30), t(5, 0));
    let w = work(&tpl, &[], d(2026, 3, 29), d(2026, 3, 29));
    assert_eq!(w, [iv(utc(2026, 3, 29, 1, 0), utc(2026, 3, 29, 3, 0))]);
}

#[test]
fn an_end_inside_a_fall_back_overlap_is_its_first_occurrence() {
    // New York shows 01:00–02:00 twice on 1 November 2026; a session 00:00–01:30 ends at the first
    // 01:30 (EDT, 05:30 UTC), so it lasts 90 real minutes.
    let tpl = daily(America::New_York, t(0, 0), t(1, 30));
    let w = work(&tpl, &[], d(2026, 11, 1), d(2026, 11, 1));
    assert_eq!(w, [iv(utc(2026, 11, 1, 4, 0), utc(2026, 11, 1, 5, 30))]);
}

#[test]
fn thirty_and_forty_five_minute_offsets_work() {
    // 09:00–13:00 in Kolkata (UTC+05:30) and Kathmandu (UTC+05:45) on Monday 2 March 2026.
    let k = work(
        &daily(Asia::Kolkata, t(9, 0), t(13, 0)),
        &[],
        d(2026, 3, 2),
        d(2026, 3, 2),
    );
    assert_eq!(k, [iv(utc(2026, 3, 2, 3, 30), utc(2026, 3, 2, 7, 30))]);
    let n = work(
        &daily(Asia::Kathmandu, t(9, 0), t(13, 0)),
        &[],
        d(2026, 3, 2),
        d(2026, 3, 2),
    );
    assert_eq!(n, [iv(utc(2026, 3, 2, 3, 15), utc(2026, 3, 2, 7, 15))]);
}

#[test]
fn lord_howe_shifts_by_thirty_minutes() {
    // Lord Howe goes from +10:30 to +11 at 02:00 on 4 October 2026 (02:00–02:30 never happens):
    // 01:00–04:00 is 14:30–17:00 UTC the day before, two and a half real hours.
    let tpl = daily(Australia::Lord_Howe, t(1, 0), t(4, 0));
    let w = work(&tpl, &[], d(2026, 10, 4), d(2026, 10, 4));
    assert_eq!(w, [iv(utc(2026, 10, 3, 14, 30), utc(2026, 10, 3, 17, 0))]);
    // And back at 02:00 on 5 April 2026 (01:30–02:00 happens twice): three and a half hours.
    let w = work(&tpl, &[], d(2026, 4, 5), d(2026, 4, 5));
    assert_eq!(w, [iv(utc(2026, 4, 4, 14, 0), utc(2026, 4, 4, 17, 30))]);
}

// ---- the timeline against the time-zone database ------------------------------------------------------

const ZONES: [Tz; 12] = [
    Europe::Berlin,
    America::New_York,
    America::Santiago,
    America::Havana,
    Asia::Beirut,
    Asia::Kolkata,
    Asia::Kathmandu,
    Australia::Lord_Howe,
    chrono_tz::Pacific::Apia,
    chrono_tz::Africa::Casablanca,
    chrono_tz::Antarctica::Troll,
    chrono_tz::UTC,
];

proptest! {
    #[test]
    fn timeline_agrees_with_the_database(
        zone in 0..ZONES.len(),
        day in 0_i64..(366 * 12),
        minute in 0_i64..1440,
        span in 0_u64..40,
    ) {
        let zone = ZONES[zone];
        let from = d(2015, 1, 1) + Duration::days(day);
        let until = from + chrono::Days::new(span);
        let tl = Timeline::new(zone, from, until);
        for date in [from, until] {
            let wall = wall_midnight(date) + minute * 60;
            prop_assert_eq!(tl.first_instant(wall), first_instant_direct(zone, wall));
            let at = first_instant_direct(zone, wall);
            let expected = instant(at).unwrap().with_timezone(&zone).offset().fix().local_minus_utc();
            let (offset, from, until) = tl.offset_span(at);
            prop_assert_eq!(offset, expected);
            prop_assert!(from <= at && at < until);
            for probe in [from, until - 1] {
                let direct = instant(probe).unwrap().with_timezone(&zone).offset().fix().local_minus_utc();
                prop_assert_eq!(direct, offset);
            }
        }
    }
}

proptest! {
    #[test]
    fn the_day_cache_agrees_with_chrono(secs in prop::collection::vec(-4_000_000_000_i64..8_000_000_000, 1..20)) {
        let mut cache = DayCache::new();
        for s in secs {
            prop_assert_eq!(cache.naive(s), instant(s).map(|t| t.naive_utc()));
            prop_assert_eq!(cache.naive(s + 1), instant(s + 1).map(|t| t.naive_utc()));
        }
    }
}

proptest! {
    #[test]
    fn adding_seconds_agrees_with_chrono(start in -4_000_000_000_i64..8_000_000_000, secs in -200_000_i64..200_000) {
        let t = instant(start).unwrap().naive_utc();
        prop_assert_eq!(add_secs(t, secs), t.checked_add_signed(Duration::seconds(secs)));
    }
}

#[test]
fn samoa_skipped_a_whole_day() {
    // Apia jumped from 29 December 2011 to 31 December 2011: a clinic on the 30th never opens.
    let mut tpl = daily(chrono_tz::Pacific::Apia, t(9, 0), t(17, 0));
    tpl.effective_from = d(2011, 1, 1);
    let w = work(&tpl, &[], d(2011, 12, 29), d(2011, 12, 31));
    let days: Vec<NaiveDate> = w
        .iter()
        .map(|i| i.start().with_timezone(&chrono_tz::Pacific::Apia).date_naive())
        .collect();
    assert_eq!(days, [d(2011, 12, 29), d(2011, 12, 31)]);
}

// ---- local appointment times --------------------------------------------------------------------------

#[test]
fn a_wall_clock_time_in_a_gap_is_an_error_not_a_guess() {
    let at = LocalAppointmentTime::new(d(2026, 3, 29), t(2, 30), Europe::Berlin);
    let err = at.to_interval(Duration::minutes(30)).unwrap_err();
    assert_eq!(err.code(), "nonexistent_local_time");
    assert_eq!(
        err.to_string(),
        "`2026-03-29 02:30` does not exist in `Europe/Berlin`: the clocks skip it"
    );
}

#[test]
fn a_wall_clock_time_in_an_overlap_is_its_first_occurrence() {
    // Berlin shows 02:00–03:00 twice on 25 October 2026; 02:30 CEST is 00:30 UTC.
    let at = LocalAppointmentTime::new(d(2026, 10, 25), t(2, 30), Europe::Berlin);
    assert_eq!(
        at.to_interval(Duration::minutes(30)).unwrap(),
        iv(utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 0))
    );
    assert_eq!(
        at.to_interval(Duration::zero()).unwrap_err().code(),
        "invalid_interval"
    );
}

#[test]
fn a_local_time_round_trips_through_its_instant_and_json() {
    let at = LocalAppointmentTime::of_instant(utc(2026, 7, 1, 3, 15), Asia::Kathmandu);
    assert_eq!((at.date, at.time), (d(2026, 7, 1), t(9, 0)));
    assert_eq!(at.start().unwrap(), utc(2026, 7, 1, 3, 15));
    let json = serde_json::to_string(&at).unwrap();
    assert_eq!(
        json,
        r#"{"date":"2026-07-01","time":"09:00:00","zone":"Asia/Kathmandu"}"#
    );
    assert_eq!(serde_json::from_str::<LocalAppointmentTime>(&json).unwrap(), at);
}

#[test]
fn the_second_occurrence_of_a_repeated_time_keeps_its_fold() {
    // 02:30 CET on 25 October 2026 in Berlin (01:30 UTC) is the second 02:30 of that night.
    let second = LocalAppointmentTime::of_instant(utc(2026, 10, 25, 1, 30), Europe::Berlin);
    assert!(second.fold);
    assert_eq!(second.start().unwrap(), utc(2026, 10, 25, 1, 30));
    let first = LocalAppointmentTime::of_instant(utc(2026, 10, 25, 0, 30), Europe::Berlin);
    assert!(!first.fold);
    assert_eq!(first.start().unwrap(), utc(2026, 10, 25, 0, 30));
    let json = serde_json::to_string(&second).unwrap();
    assert!(json.ends_with(r#""fold":true}"#));
    assert_eq!(
        serde_json::from_str::<LocalAppointmentTime>(&json).unwrap(),
        second
    );
}

// ---- bookability --------------------------------------------------------------------------------------

/// Berlin, Monday 09:00–12:00, one-hour lead time, 14-day horizon; now is Monday 2 March 2026 07:00
/// UTC (08:00 local).
fn clinic() -> (AvailabilityTemplate, DateTime<Utc>) {
    let mut tpl = template(Europe::Berlin, &[(Mon, t(9, 0), t(12, 0))]);
    tpl.lead_time_minutes = 60;
    tpl.horizon_days = 14;
    (tpl, utc(2026, 3, 2, 7, 0))
}

fn codes(f: &[Finding]) -> Vec<&str> {
    f.iter().map(|f| f.code.as_str()).collect()
}

#[test]
fn a_visit_on_the_grid_inside_working_hours_is_bookable() {
    let (tpl, now) = clinic();
    // 10:00–10:30 local = 09:00–09:30 UTC.
    let visit = iv(utc(2026, 3, 2, 9, 0), utc(2026, 3, 2, 9, 30));
    assert_eq!(check_bookable(&tpl, &[], &visit, &new_patient(), now), Ok(()));
    assert!(booking_findings(&tpl, &[], &visit, &new_patient(), now).is_empty());
}

#[test]
fn the_lead_time_boundary_is_bookable() {
    // Lead time one hour from 08:00 local: 09:00 local (08:00 UTC) is the first bookable start.
    let (tpl, now) = clinic();
    let at_boundary = iv(utc(2026, 3, 2, 8, 0), utc(2026, 3, 2, 8, 15));
    assert_eq!(check_bookable(&tpl, &[], &at_boundary, &follow_up(), now), Ok(()));
    let late = now + Duration::minutes(1);
    let err = check_bookable(&tpl, &[], &at_boundary, &follow_up(), late).unwrap_err();
    assert_eq!(err.code(), "lead_time");
}

#[test]
fn a_visit_in_the_past_is_refused() {
    let (tpl, _) = clinic();
    let visit = iv(utc(2026, 3, 2, 8, 0), utc(2026, 3, 2, 8, 15));
    let err = check_bookable(&tpl, &[], &visit, &follow_up(), utc(2026, 3, 2, 9, 0)).unwrap_err();
    assert_eq!(err.code(), "in_past");
}

#[test]
fn the_horizon_counts_local_dates() {
    // Horizon 14 days from Monday 2 March: Monday 16 March is bookable, Monday 23 March is not.
    let (tpl, now) = clinic();
    let on_16 = iv(utc(2026, 3, 16, 8, 0), utc(2026, 3, 16, 8, 15));
    assert_eq!(check_bookable(&tpl, &[], &on_16, &follow_up(), now), Ok(()));
    let on_23 = iv(utc(2026, 3, 23, 8, 0), utc(2026, 3, 23, 8, 15));
    let err = check_bookable(&tpl, &[], &on_23, &follow_up(), now).unwrap_err();
    assert_eq!(
        err,
        AvailabilityError::BeyondHorizon {
            date: d(2026, 3, 23),
            last_date: d(2026, 3, 16),
            horizon_days: 14
        }
    );
}

#[test]
fn the_buffer_must_fit_in_working_hours() {
    // A procedure lasts 60 minutes plus a 15-minute buffer: 10:45–11:45 local fits before 12:00,
    // 11:00–12:00 does not (its buffer runs to 12:15).
    let (tpl, now) = clinic();
    let fits = iv(utc(2026, 3, 2, 9, 45), utc(2026, 3, 2, 10, 45));
    assert_eq!(check_bookable(&tpl, &[], &fits, &procedure(), now), Ok(()));
    let too_late = iv(utc(2026, 3, 2, 10, 0), utc(2026, 3, 2, 11, 0));
    let err = check_bookable(&tpl, &[], &too_late, &procedure(), now).unwrap_err();
    assert_eq!(
        err,
        AvailabilityError::OutsideAvailability {
            doctor: doctor(1),
            interval: iv(utc(2026, 3, 2, 10, 0), utc(2026, 3, 2, 11, 15))
        }
    );
}

#[test]
fn the_templates_definition_of_a_visit_type_decides_its_buffer() {
    // The caller's catalogue says a procedure has no buffer; this doctor's template says 15 minutes.
    let (tpl, now) = clinic();
    let catalogue = VisitType::new("procedure", "Procedure", 60);
    let too_late = iv(utc(2026, 3, 2, 10, 0), utc(2026, 3, 2, 11, 0));
    assert!(check_bookable(&tpl, &[], &too_late, &catalogue, now).is_err());
}

#[test]
fn a_visit_across_a_break_or_block_is_outside_availability() {
    let (mut tpl, now) = clinic();
    tpl.weekly_hours = vec![
        WeeklyHours::new(Mon, t(9, 0), t(10, 0)),
        WeeklyHours::new(Mon, t(10, 30), t(12, 0)),
    ];
    let across_break = iv(utc(2026, 3, 2, 8, 45), utc(2026, 3, 2, 9, 15));
    let err = check_bookable(&tpl, &[], &across_break, &new_patient(), now).unwrap_err();
    assert_eq!(err.code(), "outside_availability");
    let block = [AvailabilityException::Unavailable {
        interval: iv(utc(2026, 3, 2, 10, 0), utc(2026, 3, 2, 10, 30)),
        reason: "meeting".into(),
    }];
    let in_block = iv(utc(2026, 3, 2, 10, 15), utc(2026, 3, 2, 10, 30));
    assert!(check_bookable(&tpl, &[], &in_block, &follow_up(), now).is_ok());
    assert!(check_bookable(&tpl, &block, &in_block, &follow_up(), now).is_err());
}

#[test]
fn findings_list_every_problem_in_rule_order() {
    // Sunday 1 March (past, and no hours), an unknown visit type.
    let (tpl, now) = clinic();
    let visit = iv(utc(2026, 3, 1, 9, 0), utc(2026, 3, 1, 9, 30));
    let massage = VisitType::new("massage", "Massage", 30);
    let f = booking_findings(&tpl, &[], &visit, &massage, now);
    assert_eq!(
        codes(&f),
        ["in_past", "visit_type_not_offered", "outside_availability"]
    );
    assert!(f.iter().all(Finding::is_error));
    assert_eq!(
        f[1].message,
        format!("doctor `{}` does not offer `massage` visits", doctor(1))
    );
    let err = check_bookable(&tpl, &[], &visit, &massage, now).unwrap_err();
    assert_eq!(err.code(), "in_past", "the wrapper fails on the first finding");
}

#[test]
fn a_visit_off_the_grid_is_bookable_with_a_warning() {
    // 10:07 local is inside working hours but not on the 15-minute grid that starts at 09:00.
    let (tpl, now) = clinic();
    let visit = iv(utc(2026, 3, 2, 9, 7), utc(2026, 3, 2, 9, 22));
    assert_eq!(check_bookable(&tpl, &[], &visit, &follow_up(), now), Ok(()));
    let f = booking_findings(&tpl, &[], &visit, &follow_up(), now);
    assert_eq!(codes(&f), [OFF_GRID]);
    assert_eq!(f[0].severity, crate::finding::Severity::Warning);
    assert_eq!(
        f[0].message,
        "the visit starts at 2026-03-02 10:07, off the 15-minute slot grid"
    );
}

#[test]
fn error_messages_follow_the_style_guide() {
    let (tpl, now) = clinic();
    let errors = [
        AvailabilityError::InPast { start: now, now },
        AvailabilityError::InsideLeadTime {
            start: now,
            earliest: now,
            lead_time_minutes: 60,
        },
        AvailabilityError::BeyondHorizon {
            date: d(2026, 4, 1),
            last_date: d(2026, 3, 16),
            horizon_days: 14,
        },
        AvailabilityError::OutsideAvailability {
            doctor: tpl.doctor,
            interval: iv(now, now + Duration::minutes(15)),
        },
    ];
    for e in errors {
        let m = e.to_string();
        assert!(!m.ends_with('.') && !m.contains('\n'), "{m}");
        assert!(m.chars().next().is_some_and(|c| !c.is_uppercase()), "{m}");
        assert!(!m.contains("Error") && !m.contains("Utc"), "{m}");
    }
}
