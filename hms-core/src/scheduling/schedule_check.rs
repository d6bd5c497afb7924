//! Checking a whole schedule at once: which rows of a planned or imported list of visits would put a
//! doctor, a patient or a room in two places at the same time, before any of them is booked.
//!
//! A hospital moving a hundred thousand appointments out of an old system, or a planner laying out a
//! term of dialysis sessions, has the rows already; what it needs is one answer per row. The rule is
//! the booking rule applied row after row, **first come, first served**, as if the rows were booked
//! one by one in the order given:
//! - a row is *accepted* when its time overlaps no earlier accepted row on any of its calendars (the
//!   doctor's, the patient's, each room's or device's);
//! - otherwise it is *rejected*, with every earlier accepted row it collides with and on whose
//!   calendar — and a rejected row holds no time, so it never blocks a later row;
//! - times are half-open (`[start, end)`), so back-to-back rows do not collide.
//!
//! Nothing else is checked here (working hours, the past, the booking horizon): those depend on a
//! hospital's settings and are checked when the rows are booked. To check rows against bookings that
//! already exist, offer the existing bookings first: they are accepted (unless they collide with
//! each other) and every later row is checked against them.
//!
//! The check keeps every row's time once, in a log by row number; each calendar keeps the numbers
//! of its accepted rows in start order. Accepted rows on one calendar never
//! overlap, so their ends rise with their starts: the rows a new one collides with are the run that
//! ends with the last row starting before the new one ends, walked back while they end after it
//! starts — one search per calendar. A schedule given in time order (the usual export) only ever
//! appends: a calendar is then a plain vector, and a row after everything on it is told apart
//! from the last row alone. Rows out of order are inserted in place while the calendar is short;
//! a long calendar that receives one moves into a B-tree, so no order of rows costs more than
//! O(log n) a calendar.
//!
//! [`NumberedCheck`] is the check itself, over calendars numbered `0, 1, 2, …` and times of any
//! ordered kind; [`ScheduleCheck`] names calendars (doctors, patients, rooms) and checks instants
//! with it. A binding that numbers its calendars and counts its times itself uses the first.

use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hash};

use chrono::{DateTime, Utc};

use crate::time::Interval;

/// What the check says about one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowVerdict<K> {
    /// The row collides with no earlier accepted row: it holds its time on all its calendars.
    Accepted,
    /// The row collides with earlier accepted rows (at least one), listed calendar by calendar in
    /// the order the row names its calendars, and on each calendar in start order.
    Rejected(Vec<RowClash<K>>),
}

impl<K> RowVerdict<K> {
    /// Whether the row was accepted.
    pub fn is_accepted(&self) -> bool {
        matches!(self, RowVerdict::Accepted)
    }
}

/// An earlier accepted row that a rejected row collides with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RowClash<K> {
    /// Whose calendar it is (a doctor, a patient, a room — whatever the rows name).
    pub party: K,
    /// The earlier row, by its position among the rows offered (from 0).
    pub row: usize,
}

/// The most rows a calendar keeps in a vector when rows arrive out of order: inserting in the
/// middle moves the rows after it, at most this many (a few kilobytes, well within a cache).
const LIST_MAX: usize = 256;

/// The accepted rows of one calendar, in start order, by row number (their times are in the
/// check's log of rows).
// INVARIANT: the rows are pairwise disjoint and none is empty (a row is accepted only if it overlaps
// none, and an empty row is held nowhere), so sorted by start they are also sorted by end, and no
// two share a start.
#[derive(Debug, Clone)]
enum Rows<T> {
    /// In a vector: while rows arrive in time order (appended), or the calendar is short.
    List(Vec<usize>),
    /// In a B-tree keyed by start, once a long calendar received a row out of order.
    Tree(BTreeMap<T, usize>),
}

/// One calendar: its accepted rows, and the last of them (the one that starts last, and so ends
/// last) kept beside them, so that the usual question about a schedule in time order — does the
/// new row start after everything on this calendar? — is answered without reading the rows.
#[derive(Debug, Clone)]
struct Calendar<T> {
    last: Option<(T, T)>,
    rows: Rows<T>,
}

/// How many of `rows` (in start order) start before `t`. Rows near the end of the calendar (the
/// usual case: a schedule given in time order, or nearly so) are found by stepping back from the
/// end; others by a bisection of what is left.
fn starting_before<T: Ord + Copy>(rows: &[usize], times: &[(T, T)], t: T) -> usize {
    const STEPS: usize = 8;
    let starts_before = |row: &usize| times.get(*row).is_some_and(|(start, _)| *start < t);
    let mut n = rows.len();
    for _ in 0..STEPS {
        match n.checked_sub(1).and_then(|i| rows.get(i)) {
            Some(row) if !starts_before(row) => n -= 1,
            _ => return n,
        }
    }
    rows.get(..n)
        .map_or(0, |head| head.partition_point(starts_before))
}

impl<T: Ord + Copy> Calendar<T> {
    /// Calls `out` with each row that overlaps `[start, end)`, in start order.
    fn clashes(&self, times: &[(T, T)], start: T, end: T, mut out: impl FnMut(usize)) {
        // Nothing on a calendar whose last row ends by this row's start is in its way: the usual
        // case for a schedule in time order.
        if self.last.is_none_or(|(_, last_end)| last_end <= start) {
            return;
        }
        let ends_after_start = |row: &usize| times.get(*row).is_some_and(|(_, e)| *e > start);
        match &self.rows {
            Rows::List(rows) => {
                let hits = rows.get(..starting_before(rows, times, end)).unwrap_or_default();
                let from = hits
                    .iter()
                    .rposition(|r| !ends_after_start(r))
                    .map_or(0, |i| i + 1);
                for row in hits.get(from..).unwrap_or_default() {
                    out(*row);
                }
            }
            Rows::Tree(rows) => {
                let mut found: Vec<usize> = rows
                    .range(..end)
                    .rev()
                    .map(|(_, row)| *row)
                    .take_while(ends_after_start)
                    .collect();
                found.reverse();
                found.into_iter().for_each(out);
            }
        }
    }

    /// Keeps row `row`, `[start, end)`, accepted (it overlaps nothing on the calendar).
    fn hold(&mut self, times: &[(T, T)], row: usize, start: T, end: T) {
        let after_all = self.last.is_none_or(|(last_start, _)| last_start < start);
        if after_all {
            self.last = Some((start, end));
        }
        match &mut self.rows {
            Rows::List(rows) if after_all => rows.push(row),
            Rows::List(rows) => {
                let at = starting_before(rows, times, start);
                if rows.len() < LIST_MAX {
                    rows.insert(at, row);
                } else {
                    let mut tree: BTreeMap<T, usize> = rows
                        .iter()
                        .filter_map(|r| times.get(*r).map(|(s, _)| (*s, *r)))
                        .collect();
                    tree.insert(start, row);
                    self.rows = Rows::Tree(tree);
                }
            }
            Rows::Tree(rows) => {
                rows.insert(start, row);
            }
        }
    }
}

/// The check itself, over calendars the caller numbers `0, 1, 2, …` and times of any ordered kind:
/// instants, or a binding's own count of seconds or microseconds (see the [module](self) for the
/// rule). [`ScheduleCheck`] numbers named calendars and checks them with this; a binding that
/// numbers its calendars itself skips the naming.
///
/// Numbers should be dense: the check keeps a place for every number up to the largest it is given.
#[derive(Debug, Clone)]
pub struct NumberedCheck<T> {
    /// Every offered row's start and end, by row number.
    times: Vec<(T, T)>,
    /// Each calendar, by its number.
    calendars: Vec<Calendar<T>>,
    /// The row being offered: its calendars' numbers and where the row names each (kept to reuse
    /// the allocation).
    scratch: Vec<(usize, usize)>,
}

impl<T> Default for NumberedCheck<T> {
    fn default() -> Self {
        NumberedCheck {
            times: Vec::new(),
            calendars: Vec::new(),
            scratch: Vec::new(),
        }
    }
}

impl<T: Ord + Copy> NumberedCheck<T> {
    /// A check with no rows yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A check with room for `rows` rows on `calendars` calendars before it allocates again.
    pub fn with_capacity(rows: usize, calendars: usize) -> Self {
        NumberedCheck {
            times: Vec::with_capacity(rows),
            calendars: Vec::with_capacity(calendars),
            scratch: Vec::new(),
        }
    }

    /// How many rows have been offered.
    pub fn len(&self) -> usize {
        self.times.len()
    }

    /// Whether no row has been offered.
    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }

    /// Checks the next row — the numbers of the calendars it occupies (a calendar named twice
    /// counts once) and its time, from `start` up to `end` — against the rows accepted so far.
    /// Calls `clash` with each earlier accepted row in its way, as (where the row names the
    /// calendar in `calendars`, the earlier row's number): calendar by calendar in the order the
    /// row names them, and on each calendar in start order. Returns whether the row is accepted
    /// (nothing was in its way); an accepted row keeps its time on its calendars.
    ///
    /// A row that does not end after it starts takes no time: it is accepted and holds nothing.
    ///
    /// # Example
    /// ```
    /// # use hms_core::scheduling::schedule_check::NumberedCheck;
    /// // Times in minutes after midnight; calendar 0 is a doctor, 1 and 2 are patients.
    /// let mut check = NumberedCheck::new();
    /// let mut seen = Vec::new();
    /// assert!(check.offer(&[0, 1], 540, 570, |at, row| seen.push((at, row))));
    /// // Row 1 wants the doctor at 09:15, while row 0 holds them (the doctor is named first).
    /// assert!(!check.offer(&[0, 2], 555, 585, |at, row| seen.push((at, row))));
    /// assert_eq!(seen, [(0, 0)]);
    /// ```
    pub fn offer(
        &mut self,
        calendars: &[usize],
        start: T,
        end: T,
        mut clash: impl FnMut(usize, usize),
    ) -> bool {
        let row = self.times.len();
        self.times.push((start, end));
        if end <= start {
            return true;
        }
        // The row's calendars, each named once (a new one starts empty).
        let mut mine = std::mem::take(&mut self.scratch);
        mine.clear();
        for (at, number) in calendars.iter().enumerate() {
            if *number >= self.calendars.len() {
                self.calendars.resize_with(number.saturating_add(1), || Calendar {
                    last: None,
                    rows: Rows::List(Vec::new()),
                });
            }
            if !mine.iter().any(|(seen, _)| seen == number) {
                mine.push((*number, at));
            }
        }
        let mut clear = true;
        for (number, at) in &mine {
            if let Some(calendar) = self.calendars.get(*number) {
                calendar.clashes(&self.times, start, end, |other| {
                    clear = false;
                    clash(*at, other);
                });
            }
        }
        if clear {
            for (number, _) in &mine {
                if let Some(calendar) = self.calendars.get_mut(*number) {
                    calendar.hold(&self.times, row, start, end);
                }
            }
        }
        self.scratch = mine;
        clear
    }
}

/// A schedule being checked row by row (see the [module](self) for the rule): the calendars of the
/// rows accepted so far.
///
/// `K` names a calendar: a [`Party`](super::Party), or anything else that tells calendars apart.
/// `S` hashes it.
#[derive(Debug, Clone)]
pub struct ScheduleCheck<K, S = RandomState> {
    /// Each calendar's number in `check`.
    index: HashMap<K, usize, S>,
    check: NumberedCheck<DateTime<Utc>>,
    /// The numbers of the row being offered (kept to reuse the allocation).
    numbers: Vec<usize>,
}

impl<K: Hash + Eq + Clone> ScheduleCheck<K> {
    /// A check with no rows yet.
    pub fn new() -> Self {
        Self::with_hasher(RandomState::new())
    }
}

impl<K: Hash + Eq + Clone> Default for ScheduleCheck<K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: Hash + Eq + Clone, S: BuildHasher> ScheduleCheck<K, S> {
    /// A check with no rows yet, hashing calendar names with `hasher`.
    pub fn with_hasher(hasher: S) -> Self {
        ScheduleCheck {
            index: HashMap::with_hasher(hasher),
            check: NumberedCheck::new(),
            numbers: Vec::new(),
        }
    }

    /// How many rows have been offered.
    pub fn len(&self) -> usize {
        self.check.len()
    }

    /// Whether no row has been offered.
    pub fn is_empty(&self) -> bool {
        self.check.is_empty()
    }

    /// Checks the next row — the calendars it occupies (a calendar named twice counts once) and its
    /// time — against the rows accepted so far, and keeps its time if it is accepted.
    ///
    /// # Example
    /// ```
    /// # use hms_core::scheduling::schedule_check::{RowClash, RowVerdict, ScheduleCheck};
    /// # use hms_core::time::Interval;
    /// # use chrono::{TimeZone, Utc};
    /// let at = |h, m| Utc.with_ymd_and_hms(2026, 3, 2, h, m, 0).unwrap();
    /// let mut check = ScheduleCheck::new();
    /// // Row 0: doctor 1 sees patient 10 from 09:00 to 09:30.
    /// assert!(check.offer(&["D1", "P10"], Interval::new(at(9, 0), at(9, 30))?).is_accepted());
    /// // Row 1: patient 10 cannot see doctor 2 at 09:15: row 0 holds the patient then.
    /// assert_eq!(
    ///     check.offer(&["D2", "P10"], Interval::new(at(9, 15), at(9, 45))?),
    ///     RowVerdict::Rejected(vec![RowClash { party: "P10", row: 0 }])
    /// );
    /// // Row 2: back to back with row 0 is fine.
    /// assert!(check.offer(&["D1", "P11"], Interval::new(at(9, 30), at(10, 0))?).is_accepted());
    /// # Ok::<(), hms_core::time::TimeError>(())
    /// ```
    pub fn offer(&mut self, calendars: &[K], interval: Interval) -> RowVerdict<K> {
        let mut numbers = std::mem::take(&mut self.numbers);
        numbers.clear();
        for party in calendars {
            let next = self.index.len();
            numbers.push(*self.index.entry(party.clone()).or_insert(next));
        }
        let mut clashes: Vec<RowClash<K>> = Vec::new();
        self.check
            .offer(&numbers, interval.start(), interval.end(), |at, row| {
                if let Some(party) = calendars.get(at) {
                    clashes.push(RowClash {
                        party: party.clone(),
                        row,
                    });
                }
            });
        self.numbers = numbers;
        if clashes.is_empty() {
            RowVerdict::Accepted
        } else {
            RowVerdict::Rejected(clashes)
        }
    }
}

/// Checks a whole schedule: for each row (the calendars it occupies and its time), in the order
/// given, whether it is accepted or which earlier accepted rows it collides with, first come first
/// served (see the [module](self) for the rule).
///
/// # Example
/// ```
/// # use hms_core::scheduling::schedule_check::{check_schedule, RowClash, RowVerdict};
/// # use hms_core::time::Interval;
/// # use chrono::{TimeZone, Utc};
/// let at = |h, m| Utc.with_ymd_and_hms(2026, 3, 2, h, m, 0).unwrap();
/// let rows = [
///     (vec!["D1", "P10", "room 2"], Interval::new(at(9, 0), at(10, 0))?),
///     (vec!["D2", "P11", "room 2"], Interval::new(at(9, 30), at(10, 30))?), // room 2 is taken
///     (vec!["D2", "P12"], Interval::new(at(9, 30), at(10, 0))?), // row 1 was rejected: D2 is free
/// ];
/// let verdicts = check_schedule(rows.iter().map(|(who, time)| (who.as_slice(), *time)));
/// assert_eq!(
///     verdicts,
///     [
///         RowVerdict::Accepted,
///         RowVerdict::Rejected(vec![RowClash { party: "room 2", row: 0 }]),
///         RowVerdict::Accepted,
///     ]
/// );
/// # Ok::<(), hms_core::time::TimeError>(())
/// ```
pub fn check_schedule<'a, K: Hash + Eq + Clone + 'a>(
    rows: impl IntoIterator<Item = (&'a [K], Interval)>,
) -> Vec<RowVerdict<K>> {
    let mut check = ScheduleCheck::new();
    rows.into_iter()
        .map(|(calendars, interval)| check.offer(calendars, interval))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{PatientId, ResourceId, StaffId};
    use crate::scheduling::test_minutes::iv;
    use crate::scheduling::Party;
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    fn doctor(n: u128) -> Party {
        Party::Doctor(StaffId::from_uuid(uuid::Uuid::from_u128(n)))
    }

    fn patient(n: u128) -> Party {
        Party::Patient(PatientId::from_uuid(uuid::Uuid::from_u128(n)))
    }

    fn room(n: u128) -> Party {
        Party::Resource(ResourceId::from_uuid(uuid::Uuid::from_u128(n)))
    }

    fn rejected(clashes: &[(Party, usize)]) -> RowVerdict<Party> {
        RowVerdict::Rejected(
            clashes
                .iter()
                .map(|(party, row)| RowClash {
                    party: *party,
                    row: *row,
                })
                .collect(),
        )
    }

    #[test]
    fn back_to_back_rows_do_not_collide() {
        // One doctor, one patient, three half-hour visits 09:00, 09:30, 10:00 given out of order.
        let rows = [
            (vec![doctor(1), patient(1)], iv(570, 600)),
            (vec![doctor(1), patient(1)], iv(540, 570)),
            (vec![doctor(1), patient(1)], iv(600, 630)),
        ];
        let verdicts = check_schedule(rows.iter().map(|(p, i)| (p.as_slice(), *i)));
        assert!(verdicts.iter().all(RowVerdict::is_accepted), "{verdicts:?}");
    }

    #[test]
    fn a_patient_cannot_be_with_two_doctors_at_once() {
        // Row 0: doctor 1 sees patient 7 09:00-09:30. Row 1: doctor 2 sees the same patient
        // 09:20-09:40: a different doctor, but the patient is taken.
        let mut check = ScheduleCheck::new();
        assert!(check.offer(&[doctor(1), patient(7)], iv(540, 570)).is_accepted());
        assert_eq!(
            check.offer(&[doctor(2), patient(7)], iv(560, 580)),
            rejected(&[(patient(7), 0)])
        );
        assert_eq!(check.len(), 2);
    }

    #[test]
    fn a_rejected_row_does_not_block_later_rows() {
        // Row 0 holds doctor 1 09:00-10:00. Row 1 (doctor 1 and room 3, 09:30-10:30) is rejected,
        // so room 3 stays free and row 2 (doctor 2 in room 3, 09:30-10:00) is accepted.
        let mut check = ScheduleCheck::new();
        assert!(check.offer(&[doctor(1), patient(1)], iv(540, 600)).is_accepted());
        assert_eq!(
            check.offer(&[doctor(1), patient(2), room(3)], iv(570, 630)),
            rejected(&[(doctor(1), 0)])
        );
        assert!(check
            .offer(&[doctor(2), patient(3), room(3)], iv(570, 600))
            .is_accepted());
    }

    #[test]
    fn every_clash_is_listed_calendar_by_calendar_in_start_order() {
        // Doctor 1: 09:00-09:30 (row 0), 09:30-10:00 (row 1), 10:00-10:30 (row 2); patient 5 has
        // row 3 at 08:00-09:15 with doctor 2. Row 4 wants doctor 1 and patient 5 09:10-10:10: it
        // hits rows 0, 1 and 2 on the doctor's calendar and row 3 on the patient's.
        let mut check = ScheduleCheck::new();
        for (n, (a, b)) in [(540, 570), (570, 600), (600, 630)].into_iter().enumerate() {
            assert!(check
                .offer(&[doctor(1), patient(n as u128)], iv(a, b))
                .is_accepted());
        }
        assert!(check.offer(&[doctor(2), patient(5)], iv(480, 555)).is_accepted());
        assert_eq!(
            check.offer(&[doctor(1), patient(5)], iv(550, 610)),
            rejected(&[(doctor(1), 0), (doctor(1), 1), (doctor(1), 2), (patient(5), 3)])
        );
        // Nothing of row 4 was kept: 10:30-11:00 is free for the doctor.
        assert!(check.offer(&[doctor(1), patient(5)], iv(630, 660)).is_accepted());
    }

    #[test]
    fn a_calendar_named_twice_counts_once() {
        let mut check = ScheduleCheck::new();
        assert!(check.offer(&[room(1), room(1)], iv(540, 600)).is_accepted());
        assert_eq!(
            check.offer(&[room(1), room(1)], iv(550, 560)),
            rejected(&[(room(1), 0)])
        );
    }

    #[test]
    fn times_between_whole_seconds_are_compared_exactly() {
        // Row 0 holds room 1 from 09:00:00.5 to 09:00:01.5 (seconds after 09:00 below). Row 1
        // (1.2–2.0) overlaps it by 0.3 s; row 2 (1.5–2.0) starts as row 0 ends; row 3 (0.1–0.5),
        // given out of order, ends as row 0 starts; row 4 (0.4–0.6) overlaps rows 3 and 0; row 5
        // (1.999–2.001) overlaps row 2 by a millisecond; row 6 (2.0–2.001) follows row 2.
        let ms = |m: i64| Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap() + Duration::milliseconds(m);
        let span = |a, b| Interval::new(ms(a), ms(b)).unwrap();
        let mut check = ScheduleCheck::new();
        assert!(check.offer(&[room(1)], span(500, 1_500)).is_accepted());
        assert_eq!(
            check.offer(&[room(1)], span(1_200, 2_000)),
            rejected(&[(room(1), 0)])
        );
        assert!(check.offer(&[room(1)], span(1_500, 2_000)).is_accepted());
        assert!(check.offer(&[room(1)], span(100, 500)).is_accepted());
        assert_eq!(
            check.offer(&[room(1)], span(400, 600)),
            rejected(&[(room(1), 3), (room(1), 0)])
        );
        assert_eq!(
            check.offer(&[room(1)], span(1_999, 2_001)),
            rejected(&[(room(1), 2)])
        );
        assert!(check.offer(&[room(1)], span(2_000, 2_001)).is_accepted());
    }

    #[test]
    fn numbered_calendars_and_whole_numbers_for_times() {
        // Times in minutes. Calendar 7 is the first used: the check keeps places 0 to 7. Row 0
        // holds 7 and 2 from 60 to 90; row 1 (2 and 7 named twice, 80-100) hits row 0 on both,
        // reported where the row first names each calendar; row 2 (3, 80-100) is free.
        let mut check = NumberedCheck::new();
        let mut seen = Vec::new();
        assert!(check.offer(&[7, 2], 60, 90, |at, row| seen.push((at, row))));
        assert!(!check.offer(&[2, 7, 7], 80, 100, |at, row| seen.push((at, row))));
        assert_eq!(seen, [(0, 0), (1, 0)]);
        assert!(check.offer(&[3], 80, 100, |_, _| unreachable!()));
        assert_eq!(check.len(), 3);
    }

    #[test]
    fn a_row_that_does_not_end_after_it_starts_holds_nothing() {
        // Row 0 (90 to 60) takes no time; had it been kept as "starting at 90", row 1 (60-80)
        // would have been filed after it and row 2 (70-75) would not have met row 1.
        let mut check = NumberedCheck::new();
        assert!(check.offer(&[0], 90, 60, |_, _| unreachable!()));
        assert!(check.offer(&[0], 60, 80, |_, _| unreachable!()));
        let mut seen = Vec::new();
        assert!(!check.offer(&[0], 70, 75, |at, row| seen.push((at, row))));
        assert_eq!(seen, [(0, 1)]);
        assert!(check.offer(&[0], 90, 90, |_, _| unreachable!()));
    }

    #[test]
    fn a_row_with_no_calendar_is_accepted_and_holds_nothing() {
        let mut check: ScheduleCheck<Party> = ScheduleCheck::default();
        assert!(check.is_empty());
        assert!(check.offer(&[], iv(540, 600)).is_accepted());
        assert!(check.offer(&[doctor(1)], iv(540, 600)).is_accepted());
    }

    /// The rule by its definition: a row is accepted when no earlier accepted row shares a calendar
    /// with it and overlaps it; otherwise every such row is listed (calendar by calendar in the
    /// order the row names them, then by start).
    fn naive(rows: &[(Vec<u8>, Interval)]) -> Vec<RowVerdict<u8>> {
        let mut accepted: Vec<usize> = Vec::new();
        let mut out = Vec::new();
        for (i, (parties, time)) in rows.iter().enumerate() {
            let mut named: Vec<u8> = Vec::new();
            let mut clashes = Vec::new();
            for p in parties {
                if named.contains(p) {
                    continue;
                }
                named.push(*p);
                let mut hits: Vec<usize> = accepted
                    .iter()
                    .copied()
                    .filter(|&j| rows[j].0.contains(p) && rows[j].1.overlaps(time))
                    .collect();
                hits.sort_by_key(|&j| rows[j].1.start());
                clashes.extend(hits.into_iter().map(|row| RowClash { party: *p, row }));
            }
            if clashes.is_empty() {
                accepted.push(i);
                out.push(RowVerdict::Accepted);
            } else {
                out.push(RowVerdict::Rejected(clashes));
            }
        }
        out
    }

    #[test]
    fn long_calendars_filled_out_of_order_agree_with_the_quadratic_check() {
        // 3,000 rows on three calendars, in a scrambled order: each calendar outgrows the vector
        // and moves into the B-tree part way through; some rows are far longer than others.
        let mut seed = 42_u64;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % n
        };
        let rows: Vec<(Vec<u8>, Interval)> = (0..3000)
            .map(|_| {
                let s = next(40_000) as i64;
                let len = if next(10) == 0 {
                    1 + next(600)
                } else {
                    1 + next(30)
                } as i64;
                (vec![next(3) as u8], iv(s, s + len))
            })
            .collect();
        let got = check_schedule(rows.iter().map(|(p, i)| (p.as_slice(), *i)));
        assert_eq!(got, naive(&rows));
        let mut check = ScheduleCheck::new();
        for (p, i) in &rows {
            check.offer(p, *i);
        }
        assert!(
            check
                .check
                .calendars
                .iter()
                .all(|c| matches!(c.rows, Rows::Tree(_))),
            "every calendar moved into the tree"
        );
        let accepted = got.iter().filter(|v| v.is_accepted()).count();
        assert!(accepted > 1000 && accepted < 3000, "{accepted}");
    }

    proptest! {
        /// The B-tree walk agrees with the quadratic definition, on crowded calendars (few parties,
        /// overlapping lengths from a minute to four hours) in any order.
        #[test]
        fn agrees_with_a_quadratic_check(
            rows in proptest::collection::vec(
                (proptest::collection::vec(0_u8..6, 0..4), 0_i64..600, 1_i64..240),
                0..120,
            ),
        ) {
            let rows: Vec<(Vec<u8>, Interval)> =
                rows.into_iter().map(|(p, s, len)| (p, iv(s, s + len))).collect();
            let got = check_schedule(rows.iter().map(|(p, i)| (p.as_slice(), *i)));
            prop_assert_eq!(got, naive(&rows));
        }
    }
}
