use super::*;
use crate::scheduling::availability::tests::{d, iv, t, utc};
use chrono::Weekday::*;
use chrono_tz::{America, Europe};
use proptest::prelude::*;

fn weekly(days: &[Weekday], every_weeks: u32) -> Repeat {
    Repeat::Weekly {
        weekdays: days.to_vec(),
        every_weeks,
    }
}

/// From Monday 2 March 2026 at 07:00 in New York, 4-hour visits.
fn rule(repeat: Repeat, end: SeriesEnd) -> SeriesRule {
    SeriesRule {
        start_date: d(2026, 3, 2),
        time: t(7, 0),
        zone: America::New_York,
        minutes: 240,
        repeat,
        end,
        excluded_dates: Vec::new(),
    }
}

fn dates(occ: &[Occurrence]) -> Vec<NaiveDate> {
    occ.iter().map(|o| o.date).collect()
}

#[test]
fn dialysis_three_times_a_week_for_a_count() {
    // Mon/Wed/Fri, 6 sessions from Monday 2 March: two weeks.
    let r = rule(weekly(&[Mon, Wed, Fri], 1), SeriesEnd::Count(6));
    let occ = expand(&r, 100).unwrap();
    assert_eq!(
        dates(&occ),
        [
            d(2026, 3, 2),
            d(2026, 3, 4),
            d(2026, 3, 6),
            d(2026, 3, 9),
            d(2026, 3, 11),
            d(2026, 3, 13)
        ]
    );
    assert!(occ.iter().all(|o| o.local_time == t(7, 0)));
}

#[test]
fn every_other_week_counts_weeks_from_the_start_week() {
    // Tuesdays every 2 weeks from Thursday 5 March (its week starts Monday 2 March) until 14 April:
    // weeks of 2 March (Tuesday 3rd is before the start), 16 March, 30 March, 13 April.
    let mut r = rule(weekly(&[Tue], 2), SeriesEnd::Until(d(2026, 4, 14)));
    r.start_date = d(2026, 3, 5);
    let occ = expand(&r, 100).unwrap();
    assert_eq!(dates(&occ), [d(2026, 3, 17), d(2026, 3, 31), d(2026, 4, 14)]);
}

#[test]
fn every_n_days_from_the_start_date() {
    // A dressing change every other day from 2 March until 10 March (inclusive).
    let r = rule(Repeat::Daily { every_days: 2 }, SeriesEnd::Until(d(2026, 3, 10)));
    let occ = expand(&r, 100).unwrap();
    assert_eq!(
        dates(&occ),
        [
            d(2026, 3, 2),
            d(2026, 3, 4),
            d(2026, 3, 6),
            d(2026, 3, 8),
            d(2026, 3, 10)
        ]
    );
}

#[test]
fn excluded_dates_count_towards_the_number_of_visits() {
    // As in iCalendar: 4 daily visits from 2 March without the 3rd are the 2nd, 4th and 5th.
    let mut r = rule(Repeat::Daily { every_days: 1 }, SeriesEnd::Count(4));
    r.excluded_dates = vec![d(2026, 3, 3)];
    let occ = expand(&r, 100).unwrap();
    assert_eq!(dates(&occ), [d(2026, 3, 2), d(2026, 3, 4), d(2026, 3, 5)]);
}

#[test]
fn the_limit_caps_the_answer() {
    let r = rule(Repeat::Daily { every_days: 1 }, SeriesEnd::Count(50));
    assert_eq!(expand(&r, 3).unwrap().len(), 3);
}

#[test]
fn visits_keep_their_wall_clock_time_across_a_clock_change() {
    // Weekly Monday 07:00 in New York: 12:00 UTC in winter (EST), 11:00 UTC after 8 March (EDT).
    let r = rule(weekly(&[Mon], 1), SeriesEnd::Count(2));
    let occ = expand(&r, 10).unwrap();
    assert_eq!(
        occ[0].interval,
        Ok(iv(utc(2026, 3, 2, 12, 0), utc(2026, 3, 2, 16, 0)))
    );
    assert_eq!(
        occ[1].interval,
        Ok(iv(utc(2026, 3, 9, 11, 0), utc(2026, 3, 9, 15, 0)))
    );
}

#[test]
fn a_visit_at_a_skipped_time_is_reported_not_moved() {
    // Sundays 02:30 in Berlin: 29 March 2026 has no 02:30.
    let r = SeriesRule {
        start_date: d(2026, 3, 22),
        time: t(2, 30),
        zone: Europe::Berlin,
        minutes: 60,
        repeat: weekly(&[Sun], 1),
        end: SeriesEnd::Count(3),
        excluded_dates: Vec::new(),
    };
    let occ = expand(&r, 10).unwrap();
    assert_eq!(dates(&occ), [d(2026, 3, 22), d(2026, 3, 29), d(2026, 4, 5)]);
    assert!(occ[0].interval.is_ok() && occ[2].interval.is_ok());
    assert_eq!(
        occ[1].interval,
        Err(AvailabilityError::NonexistentLocalTime {
            date: d(2026, 3, 29),
            time: t(2, 30),
            zone: Europe::Berlin
        })
    );
}

#[test]
fn a_visit_at_a_repeated_time_takes_the_first() {
    // Daily 01:30 in New York; on 1 November 2026 01:30 happens at 05:30 and 06:30 UTC.
    let mut r = rule(Repeat::Daily { every_days: 1 }, SeriesEnd::Count(1));
    r.start_date = d(2026, 11, 1);
    r.time = t(1, 30);
    r.minutes = 30;
    let occ = expand(&r, 10).unwrap();
    assert_eq!(
        occ[0].interval,
        Ok(iv(utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 0)))
    );
}

fn fields(r: &SeriesRule) -> Vec<String> {
    match r.validate() {
        Ok(()) => Vec::new(),
        Err(e) => e.problems().iter().map(|p| p.field.clone()).collect(),
    }
}

#[test]
fn every_bad_field_is_listed() {
    let mut r = rule(weekly(&[], 0), SeriesEnd::Until(d(2026, 3, 1)));
    r.minutes = 0;
    assert_eq!(
        fields(&r),
        ["minutes", "repeat.weekdays", "repeat.every_weeks", "end.until"]
    );
    let r = rule(Repeat::Daily { every_days: 366 }, SeriesEnd::Count(0));
    assert_eq!(fields(&r), ["repeat.every_days", "end.count"]);
    let r = rule(Repeat::Daily { every_days: 1 }, SeriesEnd::Until(d(2036, 3, 12)));
    assert_eq!(fields(&r), ["end.until"]);
    assert!(expand(&r, 10).is_err());
}

#[test]
fn a_series_must_end_within_its_span_and_have_a_visit() {
    // 1,000 visits every 52 weeks would run for centuries.
    let r = rule(weekly(&[Mon], 52), SeriesEnd::Count(MAX_OCCURRENCES));
    assert_eq!(fields(&r), ["end.count"]);
    // Fridays until Thursday 5 March: the only Friday is after the end.
    let r = rule(weekly(&[Fri], 1), SeriesEnd::Until(d(2026, 3, 5)));
    assert_eq!(fields(&r), ["end"]);
    // The only visit is excluded.
    let mut r = rule(weekly(&[Mon], 1), SeriesEnd::Count(1));
    r.excluded_dates = vec![d(2026, 3, 2)];
    assert_eq!(fields(&r), ["end"]);
}

#[test]
fn rules_travel_as_json() {
    let r = rule(weekly(&[Mon, Wed, Fri], 1), SeriesEnd::Count(12));
    let json = serde_json::to_string(&r).unwrap();
    assert!(json.contains(r#""repeat":{"kind":"weekly","weekdays":["Mon","Wed","Fri"],"every_weeks":1}"#));
    assert!(json.contains(r#""end":{"count":12}"#));
    assert!(json.contains(r#""zone":"America/New_York""#));
    assert_eq!(serde_json::from_str::<SeriesRule>(&json).unwrap(), r);
}

proptest! {
    #[test]
    fn occurrences_match_the_rule(
        start in 0_i64..730,
        days in prop::collection::vec(0_u8..7, 1..4),
        every in 1_u32..4,
        count in 1_u32..40,
        minute in 0_u32..1440,
        excluded in prop::collection::vec(0_i64..200, 0..5),
    ) {
        let start = d(2025, 1, 1) + Duration::days(start);
        let weekdays: Vec<Weekday> = days.iter().map(|&w| Weekday::try_from(w).unwrap()).collect();
        let r = SeriesRule {
            start_date: start,
            time: NaiveTime::from_num_seconds_from_midnight_opt(minute * 60, 0).unwrap(),
            zone: Europe::Berlin,
            minutes: 30,
            repeat: weekly(&weekdays, every),
            end: SeriesEnd::Count(count),
            excluded_dates: excluded.iter().map(|&x| start + Duration::days(x)).collect(),
        };
        let Ok(occ) = expand(&r, usize::MAX) else {
            // Only when every visit is excluded.
            prop_assert!(r.validate().is_err());
            return Ok(());
        };
        prop_assert!(occ.len() <= count as usize);
        for w in occ.windows(2) {
            prop_assert!(w[0].date < w[1].date);
        }
        for o in &occ {
            prop_assert!(o.date >= start && weekdays.contains(&o.date.weekday()));
            prop_assert!(!r.excluded_dates.contains(&o.date));
            let week = (monday_of(o.date) - monday_of(start)).num_days() / 7;
            prop_assert_eq!(week % i64::from(every), 0);
            // Either a real instant showing the series' time, or a skipped time.
            match &o.interval {
                Ok(i) => prop_assert_eq!(
                    i.start().with_timezone(&Europe::Berlin).naive_local(),
                    o.date.and_time(r.time)
                ),
                Err(e) => prop_assert_eq!(e.code(), "nonexistent_local_time"),
            }
        }
        // A naive model: the first `count` matching days from the start, less the excluded ones.
        let model: Vec<NaiveDate> = start
            .iter_days()
            .filter(|x| {
                let week = (monday_of(*x) - monday_of(start)).num_days() / 7;
                weekdays.contains(&x.weekday()) && week % i64::from(every) == 0
            })
            .take(count as usize)
            .filter(|x| !r.excluded_dates.contains(x))
            .collect();
        prop_assert_eq!(dates(&occ), model);
    }
}

#[test]
fn series_at_the_edges_of_the_calendar_do_not_panic() {
    for start in [NaiveDate::MIN, NaiveDate::MAX - Duration::days(3)] {
        for repeat in [weekly(&[Mon, Sun], 1), Repeat::Daily { every_days: 1 }] {
            let mut r = rule(repeat, SeriesEnd::Count(5));
            r.start_date = start;
            let _ = expand(&r, 10);
            r.end = SeriesEnd::Until(NaiveDate::MAX);
            let _ = expand(&r, 10);
        }
    }
}
