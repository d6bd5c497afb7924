//! First-expiry-first-out allocation: which batches a request is taken from.
//!
//! The rule, in plain words: take from the batch that expires first; among batches that expire the
//! same day, from the one received first; then by batch id, so the choice never depends on the order
//! the batches were listed in. Batches with no expiry date go last. Skip batches that are recalled,
//! expired, or would expire before the patient finishes the course (`needed_through`, see
//! [`super::needed_through`]). Split a request across batches when one is not enough; when all usable
//! batches together are not enough, take nothing and report the shortfall.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::batch::Batch;
use crate::ids::BatchId;

/// A batch as allocation sees it: when it expires, when it came in, and how many units of it are
/// available (on hand at the location, less what others have reserved).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Candidate {
    /// The batch.
    pub batch: BatchId,
    /// Its expiry date (none: it does not expire).
    pub expiry: Option<NaiveDate>,
    /// When it was received.
    pub received_at: DateTime<Utc>,
    /// Whether it was recalled.
    pub recalled: bool,
    /// Units available to this request.
    pub available: u32,
}

impl Candidate {
    /// The candidate for a batch with `available` units.
    pub fn of(batch: &Batch, available: u32) -> Self {
        Candidate {
            batch: batch.id,
            expiry: batch.expiry,
            received_at: batch.received_at,
            recalled: batch.is_recalled(),
            available,
        }
    }

    /// Rule: whether units of this batch may be handed out on `today` to someone who needs them
    /// usable through `needed_through`: it has units, is not recalled, and does not expire before
    /// either day.
    pub fn is_eligible(&self, today: NaiveDate, needed_through: NaiveDate) -> bool {
        self.available > 0 && !self.recalled && self.expiry.is_none_or(|e| e >= today && e >= needed_through)
    }

    /// The FEFO order: expiry (none last), then time received, then batch id.
    pub fn fefo_key(&self) -> FefoKey {
        (
            self.expiry.unwrap_or(NaiveDate::MAX),
            self.received_at,
            self.batch,
        )
    }
}

/// Where a batch comes in first-expiry-first-out order: expiry (none as the latest date), time
/// received, batch id.
pub type FefoKey = (NaiveDate, DateTime<Utc>, BatchId);

/// Units to take from one batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Pick {
    /// The batch.
    pub batch: BatchId,
    /// How many units.
    pub quantity: u32,
}

/// Not enough usable stock: how much was asked for and how much could be had.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Shortfall {
    /// Units asked for.
    pub requested: u32,
    /// Units available in usable batches.
    pub available: u32,
}

/// Plans taking `quantity` units first-expiry-first-out from `candidates` (see the module docs).
///
/// Returns the picks in FEFO order, each batch at most once; every pick but the last empties its
/// batch. A quantity of zero is an empty plan.
///
/// # Errors
/// [`Shortfall`] when the eligible batches together hold fewer than `quantity` units; nothing is
/// planned then.
///
/// # Example
/// ```
/// # use chrono::{NaiveDate, TimeZone, Utc};
/// # use hms_core::ids::BatchId;
/// # use hms_core::pharmacy::fefo::{allocate, Candidate, Pick};
/// let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
/// let id = |n| BatchId::from_uuid(uuid::Uuid::from_u128(n));
/// let received = Utc.with_ymd_and_hms(2026, 1, 10, 9, 0, 0).unwrap();
/// let batch = |n, expiry, available| Candidate { batch: id(n), expiry, received_at: received, recalled: false, available };
/// // 12 tablets for a course that ends on 10 March: batch 1 expires on 5 March and is skipped;
/// // batch 2 (expires in June) is emptied first, the rest comes from batch 3 (expires in September).
/// let plan = allocate(
///     &[batch(3, Some(d(9, 30)), 50), batch(1, Some(d(3, 5)), 40), batch(2, Some(d(6, 30)), 5)],
///     12,
///     d(3, 2),
///     d(3, 10),
/// ).unwrap();
/// assert_eq!(plan, [Pick { batch: id(2), quantity: 5 }, Pick { batch: id(3), quantity: 7 }]);
/// ```
pub fn allocate(
    candidates: &[Candidate],
    quantity: u32,
    today: NaiveDate,
    needed_through: NaiveDate,
) -> Result<Vec<Pick>, Shortfall> {
    if quantity == 0 {
        return Ok(Vec::new());
    }
    let mut eligible: Vec<Reverse<(FefoKey, u32)>> = Vec::with_capacity(candidates.len());
    let mut total: u64 = 0;
    for c in candidates {
        if c.is_eligible(today, needed_through) {
            eligible.push(Reverse((c.fefo_key(), c.available)));
            total += u64::from(c.available);
        }
    }
    if total < u64::from(quantity) {
        return Err(Shortfall {
            requested: quantity,
            available: u32::try_from(total).unwrap_or(u32::MAX),
        });
    }
    // The FEFO order is needed only as far as the request reaches (usually one to three batches), so
    // the batches are heaped in linear time and popped in order until the request is met, instead of
    // sorting all of them. INVARIANT: keys are unique (batch ids are), so the order is total.
    let mut heap = BinaryHeap::from(eligible);
    let mut left = quantity;
    let mut picks = Vec::new();
    while let Some(Reverse(((_, _, batch), available))) = heap.pop() {
        let take = available.min(left);
        picks.push(Pick {
            batch,
            quantity: take,
        });
        left -= take;
        if left == 0 {
            break;
        }
    }
    Ok(picks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    fn id(n: u128) -> BatchId {
        BatchId::from_uuid(uuid::Uuid::from_u128(n))
    }

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, day, 9, 0, 0).unwrap()
    }

    fn c(n: u128, expiry: Option<NaiveDate>, received: u32, available: u32) -> Candidate {
        Candidate {
            batch: id(n),
            expiry,
            received_at: at(received),
            recalled: false,
            available,
        }
    }

    fn pick(n: u128, quantity: u32) -> Pick {
        Pick {
            batch: id(n),
            quantity,
        }
    }

    #[test]
    fn the_earliest_expiry_goes_first() {
        let cs = [c(1, Some(d(9, 1)), 1, 10), c(2, Some(d(6, 1)), 2, 10)];
        assert_eq!(allocate(&cs, 4, d(3, 2), d(3, 2)).unwrap(), [pick(2, 4)]);
    }

    #[test]
    fn ties_go_to_the_earlier_receipt_then_the_lower_batch_id() {
        // Same expiry: batch 5 came in on 3 January, batch 4 on 7 January.
        let cs = [c(4, Some(d(6, 1)), 7, 10), c(5, Some(d(6, 1)), 3, 10)];
        assert_eq!(allocate(&cs, 4, d(3, 2), d(3, 2)).unwrap(), [pick(5, 4)]);
        // Same expiry and same receipt time: the lower id, whatever the input order.
        let cs = [c(9, Some(d(6, 1)), 3, 10), c(8, Some(d(6, 1)), 3, 10)];
        assert_eq!(allocate(&cs, 4, d(3, 2), d(3, 2)).unwrap(), [pick(8, 4)]);
    }

    #[test]
    fn batches_without_expiry_go_last() {
        let cs = [c(1, None, 1, 10), c(2, Some(d(12, 31)), 9, 10)];
        assert_eq!(
            allocate(&cs, 15, d(3, 2), d(3, 2)).unwrap(),
            [pick(2, 10), pick(1, 5)]
        );
    }

    #[test]
    fn expired_recalled_and_short_dated_batches_are_skipped() {
        let mut recalled = c(3, Some(d(4, 1)), 1, 10);
        recalled.recalled = true;
        let cs = [
            c(1, Some(d(3, 1)), 1, 10), // expired yesterday
            c(2, Some(d(3, 5)), 1, 10), // expires before the course ends on 8 March
            recalled,
            c(4, Some(d(3, 8)), 1, 10), // usable through the last day: fine
            c(5, Some(d(5, 1)), 1, 0),  // nothing available
        ];
        assert_eq!(allocate(&cs, 7, d(3, 2), d(3, 8)).unwrap(), [pick(4, 7)]);
    }

    #[test]
    fn a_shortfall_plans_nothing_and_says_what_there_is() {
        let cs = [
            c(1, Some(d(3, 1)), 1, 50),
            c(2, Some(d(6, 1)), 1, 3),
            c(3, None, 1, 4),
        ];
        assert_eq!(
            allocate(&cs, 8, d(3, 2), d(3, 2)).unwrap_err(),
            Shortfall {
                requested: 8,
                available: 7
            }
        );
        assert_eq!(allocate(&cs, 7, d(3, 2), d(3, 2)).unwrap().len(), 2);
        assert!(allocate(&[], 0, d(3, 2), d(3, 2)).unwrap().is_empty());
    }

    fn candidate() -> impl Strategy<Value = Candidate> {
        (
            1u128..40,
            prop::option::weighted(0.8, 0u64..200),
            1u32..28,
            any::<bool>(),
            prop::bool::weighted(0.9),
            0u32..20,
        )
            .prop_map(
                |(n, expiry, received, recalled_flag, keep, available)| Candidate {
                    batch: id(n),
                    expiry: expiry.map(|days| d(1, 1) + chrono::Days::new(days)),
                    received_at: at(received),
                    recalled: recalled_flag && !keep,
                    available,
                },
            )
    }

    proptest! {
        /// The plan takes exactly what was asked from eligible batches only, never more than a batch
        /// has, and never passes over an eligible batch that comes earlier in FEFO order while it
        /// still has stock.
        #[test]
        fn fefo_never_skips_an_earlier_usable_batch(
            raw in prop::collection::vec(candidate(), 0..30),
            quantity in 0u32..200,
            today_offset in 0u64..60,
            course in 0u64..60,
        ) {
            // One candidate per batch id.
            let mut seen = std::collections::HashSet::new();
            let cs: Vec<Candidate> = raw.into_iter().filter(|c| seen.insert(c.batch)).collect();
            let today = d(1, 1) + chrono::Days::new(today_offset);
            let through = today + chrono::Days::new(course);
            let eligible: Vec<&Candidate> = cs.iter().filter(|c| c.is_eligible(today, through)).collect();
            let total: u32 = eligible.iter().map(|c| c.available).sum();
            match allocate(&cs, quantity, today, through) {
                Err(s) => {
                    prop_assert!(total < quantity);
                    prop_assert_eq!(s, Shortfall { requested: quantity, available: total });
                }
                Ok(plan) => {
                    prop_assert_eq!(plan.iter().map(|p| p.quantity).sum::<u32>(), quantity);
                    let taken = |b: BatchId| plan.iter().filter(|p| p.batch == b).map(|p| p.quantity).sum::<u32>();
                    for p in &plan {
                        let c = eligible.iter().find(|c| c.batch == p.batch);
                        prop_assert!(c.is_some(), "only eligible batches are picked");
                        prop_assert!(p.quantity > 0 && p.quantity <= c.unwrap().available);
                    }
                    for p in &plan {
                        let key = eligible.iter().find(|c| c.batch == p.batch).unwrap().fefo_key();
                        for e in &eligible {
                            if e.fefo_key() < key {
                                prop_assert_eq!(taken(e.batch), e.available,
                                    "an earlier-expiring usable batch was left with stock");
                            }
                        }
                    }
                }
            }
        }
    }
}
