//! Extreme inputs at the edges of the number and date types: a huge amount split by huge weights, a
//! calendar query near the first and last dates the library can represent, a test clock moved past
//! the end of time. Each used to panic; each now gives a typed error or the right answer.
use chrono::{DateTime, Duration, TimeZone, Utc};
use hms_core::ids::AppointmentId;
use hms_core::money::{Currency, Money};
use hms_core::scheduling::calendar::CalendarIndex;
use hms_core::scheduling::Occupancy;
use hms_core::time::{Clock, Interval, ManualClock};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn id(n: u128) -> AppointmentId {
    AppointmentId::from_uuid(uuid::Uuid::from_u128(n))
}

fn interval(start: DateTime<Utc>, end: DateTime<Utc>) -> Interval {
    Interval::new(start, end).unwrap()
}

// ---- Money::allocate ----

#[test]
fn splitting_a_huge_amount_by_huge_weights_is_an_overflow_error() {
    // 10^20 dollars split 10^10 : 1. The exact shares need 10^30 in an intermediate product, more than
    // a decimal holds (about 7.9 × 10^28): an `amount_overflow` error, not a crash.
    let whole = Money::new(Decimal::from(10_u128.pow(20)), Currency::USD);
    let weights = [Decimal::from(10_u64.pow(10)), Decimal::ONE];
    let e = whole.allocate(&weights).unwrap_err();
    assert_eq!(e.code(), "amount_overflow");
    assert_eq!(
        e.to_string(),
        "`100000000000000000000.00 USD` cannot be split by these weights: the numbers are too large"
    );
}

#[test]
fn weights_whose_sum_overflows_are_an_overflow_error() {
    let e = Money::from_minor(100, Currency::USD)
        .allocate(&[Decimal::MAX, Decimal::MAX])
        .unwrap_err();
    assert_eq!(e.code(), "amount_overflow");
}

#[test]
fn the_largest_amount_split_in_equal_parts_still_adds_up() {
    // Decimal::MAX has no minor-unit places to spare; with weights of one each the product never
    // overflows, and the parts add up to the whole.
    let whole = Money::new(Decimal::MAX, Currency::JPY);
    let parts = whole.allocate(&[Decimal::ONE; 3]).unwrap();
    let sum = parts.iter().fold(Decimal::ZERO, |a, p| a + p.amount);
    assert_eq!(sum, Decimal::MAX);
}

proptest! {
    /// Any amount and any weights: either an overflow error or parts that add up to the rounded
    /// whole exactly, never a crash.
    #[test]
    fn allocate_never_panics_and_adds_up(
        mantissa in any::<i64>(),
        scale in 0_u32..6,
        weights in proptest::collection::vec((any::<u64>(), 0_u32..10), 1..6),
    ) {
        let whole = Money::new(Decimal::new(mantissa, scale), Currency::USD);
        let weights: Vec<Decimal> = weights
            .into_iter()
            .map(|(m, s)| Decimal::from(m) * Decimal::from(10_u64.pow(s)))
            .collect();
        match whole.allocate(&weights) {
            Ok(parts) => {
                prop_assert_eq!(parts.len(), weights.len());
                let sum = parts.iter().fold(Decimal::ZERO, |a, p| a + p.amount);
                prop_assert_eq!(sum, whole.round().amount);
            }
            Err(e) => prop_assert_eq!(e.code(), "amount_overflow"),
        }
    }
}

// ---- CalendarIndex near chrono's date limits ----

#[test]
fn a_query_near_the_first_representable_date_finds_its_overlaps() {
    // A long booking anywhere makes the index look back that far from the query's start; from the
    // first representable instant that look-back used to fall off the date range and panic.
    let min = DateTime::<Utc>::MIN_UTC;
    let mut c = CalendarIndex::new();
    c.insert(id(1), interval(min, min + Duration::days(3650)), false);
    c.insert(
        id(2),
        interval(min + Duration::days(4000), min + Duration::days(4001)),
        false,
    );
    let q = interval(min, min + Duration::hours(1));
    assert_eq!(c.overlapping(&q).map(|e| e.id).collect::<Vec<_>>(), [id(1)]);
    assert!(c.any_overlap(&interval(min + Duration::days(10), min + Duration::days(11))));
    assert_eq!(c.count_overlapping(&q), 1);
}

#[test]
fn a_query_near_the_last_representable_date_finds_its_overlaps() {
    let max = DateTime::<Utc>::MAX_UTC;
    let mut c = CalendarIndex::new();
    // A booking that spans nearly all representable time: the look-back from any query start is
    // longer than the time since the first representable instant.
    let min = DateTime::<Utc>::MIN_UTC;
    c.insert(id(1), interval(min, max), false);
    let q = interval(max - Duration::hours(1), max);
    assert_eq!(c.overlapping(&q).map(|e| e.id).collect::<Vec<_>>(), [id(1)]);
    assert!(c.remove(id(1), interval(min, max)));
    assert!(!c.any_overlap(&q));
}

proptest! {
    /// Anywhere on the representable time line, the index agrees with a linear scan.
    #[test]
    fn calendar_agrees_with_a_scan_at_the_edges_of_time(
        near_start in any::<bool>(),
        bookings in proptest::collection::vec((0_i64..1_000_000, 1_i64..1_000_000), 1..20),
        queries in proptest::collection::vec((0_i64..1_100_000, 1_i64..10_000), 1..20),
    ) {
        // Minutes from the first representable instant, or back from the last.
        let at = |m: i64| {
            if near_start {
                DateTime::<Utc>::MIN_UTC + Duration::minutes(m)
            } else {
                DateTime::<Utc>::MAX_UTC - Duration::minutes(2_200_000 - m)
            }
        };
        let mut c = CalendarIndex::new();
        let mut naive = Vec::new();
        for (i, (s, len)) in bookings.iter().enumerate() {
            let iv = interval(at(*s), at(s + len));
            c.insert(id(i as u128), iv, false);
            naive.push((id(i as u128), iv));
        }
        for (s, len) in queries {
            let q = interval(at(s), at(s + len));
            let mut got: Vec<_> = c.overlapping(&q).map(|e| e.id).collect();
            let mut want: Vec<_> = naive.iter().filter(|(_, i)| i.overlaps(&q)).map(|(id, _)| *id).collect();
            got.sort();
            want.sort();
            prop_assert_eq!(got, want);
        }
    }
}

// ---- ManualClock::advance ----

#[test]
fn moving_a_test_clock_past_the_end_of_time_is_an_error_and_leaves_it_where_it_was() {
    let start = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let c = ManualClock::new(start);
    let e = c.advance(Duration::MAX).unwrap_err();
    assert_eq!(e.code(), "time_out_of_range");
    assert_eq!(c.now(), start, "the clock did not move");
    assert!(c.advance(Duration::MIN).is_err());
    assert_eq!(
        c.advance(Duration::minutes(15)).unwrap(),
        start + Duration::minutes(15)
    );
    assert_eq!(c.now(), start + Duration::minutes(15));
}

proptest! {
    /// Any step: the clock either moves by exactly that much or refuses and stays put.
    #[test]
    fn a_test_clock_moves_exactly_or_not_at_all(secs in any::<i64>()) {
        let start = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let c = ManualClock::new(start);
        let by = Duration::try_seconds(secs).unwrap_or(Duration::MAX);
        match c.advance(by) {
            Ok(now) => {
                prop_assert_eq!(now, c.now());
                prop_assert_eq!(now - start, by);
            }
            Err(e) => {
                prop_assert_eq!(e.code(), "time_out_of_range");
                prop_assert_eq!(c.now(), start);
            }
        }
    }
}
