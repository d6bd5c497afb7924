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
//! Each calendar keeps its accepted rows in a B-tree keyed by start. Accepted rows on one calendar
//! never overlap, so their ends rise with their starts: the rows a new one collides with are the run
//! that ends with the last row starting before the new one ends, walked back while they end after it
//! starts — one lookup per calendar, O(log n), whatever the order of the rows.

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

/// The accepted rows on one calendar: start → (end, row).
// INVARIANT: the intervals are pairwise disjoint (a row is accepted only if it overlaps none), so
// sorted by start they are also sorted by end.
type Calendar = BTreeMap<DateTime<Utc>, (DateTime<Utc>, usize)>;

/// A schedule being checked row by row (see the [module](self) for the rule): the calendars of the
/// rows accepted so far.
///
/// `K` names a calendar: a [`Party`](super::Party), or anything else that tells calendars apart
/// (a binding's own numbering). `S` hashes it.
#[derive(Debug, Clone)]
pub struct ScheduleCheck<K, S = RandomState> {
    calendars: HashMap<K, Calendar, S>,
    rows: usize,
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
            calendars: HashMap::with_hasher(hasher),
            rows: 0,
        }
    }

    /// How many rows have been offered.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether no row has been offered.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
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
        let row = self.rows;
        self.rows += 1;
        let (start, end) = (interval.start(), interval.end());
        let mut clashes: Vec<RowClash<K>> = Vec::new();
        for (i, party) in calendars.iter().enumerate() {
            if calendars.get(..i).is_some_and(|before| before.contains(party)) {
                continue;
            }
            let Some(calendar) = self.calendars.get(party) else {
                continue;
            };
            let first = clashes.len();
            // The rows that start before this one ends, latest first, while they end after it
            // starts (see the invariant on `Calendar`).
            for (_, (other_end, other_row)) in calendar.range(..end).rev() {
                if *other_end <= start {
                    break;
                }
                clashes.push(RowClash {
                    party: party.clone(),
                    row: *other_row,
                });
            }
            if let Some(found) = clashes.get_mut(first..) {
                found.reverse();
            }
        }
        if !clashes.is_empty() {
            return RowVerdict::Rejected(clashes);
        }
        for party in calendars {
            // INVARIANT: the row overlaps nothing on this calendar, so no accepted row starts when
            // it does and the insert adds an entry (a calendar named twice sets the same one again).
            self.calendars
                .entry(party.clone())
                .or_default()
                .insert(start, (end, row));
        }
        RowVerdict::Accepted
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
    use crate::scheduling::Party;
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    fn at(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap() + Duration::minutes(min)
    }

    fn iv(a: i64, b: i64) -> Interval {
        Interval::new(at(a), at(b)).unwrap()
    }

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
