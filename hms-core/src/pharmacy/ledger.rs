//! The stock ledger: every change of stock is a movement appended to it, never an overwrite.
//!
//! Rules: what a batch has on hand at a location is the sum of its movements there, and no movement
//! may take it below zero; a movement moves at least one unit; receipts, returns and transfers in add
//! stock; dispenses, transfers out and write-offs take it away; an adjustment (after a stock count)
//! goes either way and always says why.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Location, PharmacyError};
use crate::error::{Error, FieldCode, ValidationError};
use crate::ids::{AccountId, BatchId, DispenseId, DrugId, MovementId, TransferId};

/// Why stock was written off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteOffReason {
    /// Past its expiry date.
    Expired,
    /// Broken, spoiled, contaminated.
    Damaged,
    /// Recalled by the supplier or the hospital.
    Recalled,
}

impl WriteOffReason {
    /// The snake_case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            WriteOffReason::Expired => "expired",
            WriteOffReason::Damaged => "damaged",
            WriteOffReason::Recalled => "recalled",
        }
    }
}

/// What a movement is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum MovementKind {
    /// Stock received from a supplier (the goods receipt that created the batch).
    Receipt,
    /// Stock handed out to a patient or a customer.
    Dispense {
        /// The dispense.
        dispense: DispenseId,
    },
    /// Dispensed stock given back into its original batch.
    Return {
        /// The dispense it was handed out by.
        dispense: DispenseId,
    },
    /// Stock sent to another location.
    TransferOut {
        /// The transfer (its other half is the transfer in).
        transfer: TransferId,
        /// Where it went.
        to: Location,
    },
    /// Stock arriving from another location.
    TransferIn {
        /// The transfer.
        transfer: TransferId,
        /// Where it came from.
        from: Location,
    },
    /// A correction after a stock count, up or down.
    Adjustment {
        /// Why.
        reason: String,
    },
    /// Stock removed because it is expired, damaged or recalled.
    WriteOff {
        /// Why.
        reason: WriteOffReason,
    },
}

impl MovementKind {
    /// The snake_case name.
    pub fn name(&self) -> &'static str {
        match self {
            MovementKind::Receipt => "receipt",
            MovementKind::Dispense { .. } => "dispense",
            MovementKind::Return { .. } => "return",
            MovementKind::TransferOut { .. } => "transfer_out",
            MovementKind::TransferIn { .. } => "transfer_in",
            MovementKind::Adjustment { .. } => "adjustment",
            MovementKind::WriteOff { .. } => "write_off",
        }
    }

    /// Rule: whether this kind of movement may change stock by `quantity` (see the module docs).
    pub fn allows(&self, quantity: i64) -> bool {
        match self {
            MovementKind::Receipt | MovementKind::Return { .. } | MovementKind::TransferIn { .. } => {
                quantity > 0
            }
            MovementKind::Dispense { .. }
            | MovementKind::TransferOut { .. }
            | MovementKind::WriteOff { .. } => quantity < 0,
            MovementKind::Adjustment { .. } => quantity != 0,
        }
    }
}

/// One change of stock: `quantity` units (positive in, negative out) of one batch at one location.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Movement {
    /// Its id.
    pub id: MovementId,
    /// The drug (the batch's drug).
    pub drug: DrugId,
    /// The batch.
    pub batch: BatchId,
    /// Where.
    pub location: Location,
    /// Units added (positive) or taken away (negative); never zero.
    pub quantity: i64,
    /// What it is.
    pub kind: MovementKind,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who recorded it.
    pub actor: Option<AccountId>,
}

/// A movement as stored, with its place in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// Position in the ledger (1, 2, 3, … in commit order).
    pub seq: u64,
    /// The movement.
    pub movement: Movement,
}

/// What one batch has on hand at one location.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StockBalance {
    /// The batch.
    pub batch: BatchId,
    /// Its drug.
    pub drug: DrugId,
    /// Where.
    pub location: Location,
    /// Units on hand: the sum of the batch's movements there.
    pub on_hand: u32,
}

/// Checks that a movement has a direction its kind allows and, for an adjustment, a reason.
///
/// # Errors
/// A [`ValidationError`] on `quantity` or `reason`.
pub fn check_movement(m: &Movement) -> Result<(), ValidationError> {
    let mut e = ValidationError::default();
    if !m.kind.allows(m.quantity) {
        e.push(
            "quantity",
            FieldCode::OutOfRange,
            format!(
                "a {} cannot change stock by {}",
                m.kind.name().replace('_', " "),
                m.quantity
            ),
        );
    }
    if let MovementKind::Adjustment { reason } = &m.kind {
        if reason.trim().is_empty() {
            e.push("reason", FieldCode::Required, "an adjustment needs a reason");
        }
    }
    e.into_result()
}

/// Rule: the new on-hand quantity after applying `m` to a balance of `on_hand` units.
///
/// # Errors
/// `insufficient_stock` (naming what is on hand) when the movement would take the balance below
/// zero; `invalid_input` when the direction is wrong for its kind or the balance would overflow.
///
/// # Example
/// ```
/// # use hms_core::pharmacy::ledger::{apply, Movement, MovementKind};
/// # use hms_core::pharmacy::Location;
/// # use hms_core::ids::*;
/// let m = |quantity| Movement {
///     id: MovementId::from_uuid(uuid::Uuid::from_u128(1)),
///     drug: DrugId::from_uuid(uuid::Uuid::from_u128(2)),
///     batch: BatchId::from_uuid(uuid::Uuid::from_u128(3)),
///     location: Location::parse("main").unwrap(),
///     quantity,
///     kind: MovementKind::Adjustment { reason: "stock count".into() },
///     at: chrono::DateTime::UNIX_EPOCH,
///     actor: None,
/// };
/// assert_eq!(apply(10, &m(-10))?, 0);
/// assert_eq!(apply(10, &m(-11)).unwrap_err().code(), "insufficient_stock");
/// # Ok::<(), hms_core::Error>(())
/// ```
pub fn apply(on_hand: u32, m: &Movement) -> Result<u32, Error> {
    check_movement(m)?;
    let next = i64::from(on_hand) + m.quantity;
    if next < 0 {
        return Err(PharmacyError::InsufficientStock {
            drug: m.drug,
            batch: Some(m.batch),
            location: m.location.clone(),
            requested: u32::try_from(-m.quantity).unwrap_or(u32::MAX),
            available: on_hand,
        }
        .into());
    }
    u32::try_from(next).map_err(|_| {
        ValidationError::single(
            "quantity",
            FieldCode::OutOfRange,
            format!("a balance of {next} units is more than can be held"),
        )
        .into()
    })
}

/// A fast, non-cryptographic hasher for the rebuild's keys: each word is folded in with a rotate, xor
/// and multiply (the Fx hash of the Rust compiler), and the result goes through the MurmurHash3
/// finalizer, because a multiply only carries bits upward and the hash table indexes by the low bits
/// (ids that differ only in their last bytes would otherwise share buckets). It is not resistant to
/// chosen keys, which does not matter for the hospital's own ledger. Hand-written (a dozen lines)
/// rather than a dependency: it is only used here.
#[derive(Debug, Clone, Copy, Default)]
struct FxHasher(u64);

impl FxHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            for (w, b) in word.iter_mut().zip(chunk) {
                *w = *b;
            }
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn write_u128(&mut self, n: u128) {
        self.add(n as u64);
        self.add((n >> 64) as u64);
    }

    fn finish(&self) -> u64 {
        let mut z = self.0;
        z ^= z >> 33;
        z = z.wrapping_mul(0xff51_afd7_ed55_8ccd);
        z ^= z >> 33;
        z = z.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        z ^ (z >> 33)
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// On-hand quantities of every batch at every location, rebuilt from a ledger.
#[derive(Debug, Clone, Default)]
pub struct Balances {
    /// The locations seen, in order of first appearance (a ledger names a handful).
    places: Vec<Location>,
    /// Sum of the movements per (batch id as a number, index into `places`), with the batch's drug.
    sums: FxMap<(u128, u32), (DrugId, i64)>,
}

impl Balances {
    fn place(&self, location: &Location) -> Option<u32> {
        // Movements usually share their location's code with many others: try identity first, and
        // compare the text only when no place is the very same code.
        self.places
            .iter()
            .position(|p| std::sync::Arc::ptr_eq(&p.0, &location.0))
            .or_else(|| self.places.iter().position(|p| p == location))
            .and_then(|i| u32::try_from(i).ok())
    }

    /// Units of `batch` on hand at `location`.
    pub fn on_hand(&self, batch: BatchId, location: &Location) -> u32 {
        self.place(location)
            .and_then(|i| self.sums.get(&(batch.as_uuid().as_u128(), i)))
            .map_or(0, |(_, q)| u32::try_from(*q).unwrap_or(u32::MAX))
    }

    /// Units of `batch` on hand at all locations together.
    pub fn batch_total(&self, batch: BatchId) -> u64 {
        (0..self.places.len())
            .filter_map(|i| {
                self.sums
                    .get(&(batch.as_uuid().as_u128(), u32::try_from(i).ok()?))
            })
            .map(|(_, q)| u64::try_from(*q).unwrap_or(0))
            .sum()
    }

    /// Every (batch, location) that has had a movement, with what it has on hand, ordered by batch
    /// then location.
    pub fn to_vec(&self) -> Vec<StockBalance> {
        let mut out: Vec<StockBalance> = self
            .sums
            .iter()
            .filter_map(|((batch, i), (drug, q))| {
                Some(StockBalance {
                    batch: BatchId::from_uuid(uuid::Uuid::from_u128(*batch)),
                    drug: *drug,
                    location: self.places.get(usize::try_from(*i).ok()?)?.clone(),
                    on_hand: u32::try_from(*q).unwrap_or(u32::MAX),
                })
            })
            .collect();
        out.sort_by(|a, b| (a.batch, &a.location).cmp(&(b.batch, &b.location)));
        out
    }

    /// How many (batch, location) pairs have had a movement.
    pub fn len(&self) -> usize {
        self.sums.len()
    }

    /// Whether no movement has been seen.
    pub fn is_empty(&self) -> bool {
        self.sums.is_empty()
    }
}

/// Rebuilds all balances by summing a ledger in order, checking on the way that no balance ever went
/// below zero (so a ledger that passes is one the rule could have written).
///
/// # Errors
/// `insufficient_stock` naming the first movement, in ledger order, that took its balance below zero.
pub fn rebuild_balances<'a>(movements: impl IntoIterator<Item = &'a Movement>) -> Result<Balances, Error> {
    let mut b = Balances::default();
    for m in movements {
        let place = match b.place(&m.location) {
            Some(i) => i,
            None => {
                b.places.push(m.location.clone());
                u32::try_from(b.places.len() - 1).unwrap_or(u32::MAX)
            }
        };
        let (_, q) = b
            .sums
            .entry((m.batch.as_uuid().as_u128(), place))
            .or_insert((m.drug, 0));
        let next = *q + m.quantity;
        if next < 0 {
            return Err(PharmacyError::InsufficientStock {
                drug: m.drug,
                batch: Some(m.batch),
                location: m.location.clone(),
                requested: u32::try_from(-m.quantity).unwrap_or(u32::MAX),
                available: u32::try_from(*q).unwrap_or(u32::MAX),
            }
            .into());
        }
        *q = next;
    }
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(s: &str) -> Location {
        Location::parse(s).unwrap()
    }

    fn mv(n: u128, batch: u128, location: &str, quantity: i64, kind: MovementKind) -> Movement {
        Movement {
            id: MovementId::from_uuid(uuid::Uuid::from_u128(n)),
            drug: DrugId::from_uuid(uuid::Uuid::from_u128(100)),
            batch: BatchId::from_uuid(uuid::Uuid::from_u128(batch)),
            location: loc(location),
            quantity,
            kind,
            at: DateTime::UNIX_EPOCH,
            actor: None,
        }
    }

    fn dispense() -> MovementKind {
        MovementKind::Dispense {
            dispense: DispenseId::from_uuid(uuid::Uuid::from_u128(9)),
        }
    }

    #[test]
    fn each_kind_moves_stock_one_way() {
        let t = TransferId::from_uuid(uuid::Uuid::from_u128(1));
        assert!(MovementKind::Receipt.allows(5) && !MovementKind::Receipt.allows(-5));
        assert!(dispense().allows(-1) && !dispense().allows(1));
        assert!(MovementKind::TransferOut {
            transfer: t,
            to: loc("a")
        }
        .allows(-1));
        assert!(MovementKind::TransferIn {
            transfer: t,
            from: loc("a")
        }
        .allows(1));
        assert!(!MovementKind::WriteOff {
            reason: WriteOffReason::Damaged
        }
        .allows(3));
        let adj = MovementKind::Adjustment {
            reason: "count".into(),
        };
        assert!(adj.allows(-3) && adj.allows(3) && !adj.allows(0));
        let e = check_movement(&mv(
            1,
            1,
            "main",
            0,
            MovementKind::Adjustment { reason: " ".into() },
        ))
        .unwrap_err();
        assert_eq!(e.problems().len(), 2, "zero and no reason: {e}");
    }

    #[test]
    fn a_balance_never_goes_below_zero() {
        // 10 received, 4 dispensed, 6 dispensed: 0 left; one more is refused naming the 0 on hand.
        let after = apply(10, &mv(1, 1, "main", -4, dispense())).unwrap();
        assert_eq!(after, 6);
        assert_eq!(apply(after, &mv(2, 1, "main", -6, dispense())).unwrap(), 0);
        match apply(0, &mv(3, 1, "main", -1, dispense())).unwrap_err() {
            Error::Pharmacy(PharmacyError::InsufficientStock {
                requested, available, ..
            }) => assert_eq!((requested, available), (1, 0)),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            apply(0, &mv(4, 1, "main", 5, dispense())).unwrap_err().code(),
            "invalid_input"
        );
    }

    #[test]
    fn balances_are_the_sums_of_the_ledger_per_batch_and_location() {
        let t = TransferId::from_uuid(uuid::Uuid::from_u128(1));
        let ledger = [
            mv(1, 1, "main", 100, MovementKind::Receipt),
            mv(2, 1, "main", -30, dispense()),
            mv(
                3,
                1,
                "main",
                -20,
                MovementKind::TransferOut {
                    transfer: t,
                    to: loc("ward-3"),
                },
            ),
            mv(
                4,
                1,
                "ward-3",
                20,
                MovementKind::TransferIn {
                    transfer: t,
                    from: loc("main"),
                },
            ),
            mv(5, 2, "main", 5, MovementKind::Receipt),
            mv(
                6,
                1,
                "ward-3",
                -2,
                MovementKind::WriteOff {
                    reason: WriteOffReason::Damaged,
                },
            ),
        ];
        let b = rebuild_balances(&ledger).unwrap();
        let id = |n| BatchId::from_uuid(uuid::Uuid::from_u128(n));
        assert_eq!(b.on_hand(id(1), &loc("main")), 50);
        assert_eq!(b.on_hand(id(1), &loc("ward-3")), 18);
        assert_eq!(b.on_hand(id(1), &loc("er")), 0);
        assert_eq!(b.batch_total(id(1)), 68);
        assert_eq!(b.len(), 3);
        let rows: Vec<_> = b
            .to_vec()
            .into_iter()
            .map(|r| (r.location.to_string(), r.on_hand))
            .collect();
        assert_eq!(
            rows,
            [("main".into(), 50), ("ward-3".into(), 18), ("main".into(), 5)]
        );
    }

    #[test]
    fn the_rebuild_hasher_spreads_ids_that_differ_only_in_their_last_bytes() {
        use std::hash::BuildHasher;
        let build = BuildHasherDefault::<FxHasher>::default();
        let buckets: std::collections::HashSet<u64> = (0..4096u64)
            .map(|n| {
                let id = BatchId::from_uuid(uuid::Uuid::from_u64_pair(0x0190_0000_0000_7000, n));
                build.hash_one((id.as_uuid().as_u128(), 0u32)) & 4095
            })
            .collect();
        // 4096 keys into 4096 buckets: a good hash fills about 63% of them (1 - 1/e).
        assert!(buckets.len() > 2400, "only {} buckets used", buckets.len());
    }

    #[test]
    fn a_ledger_that_ever_went_negative_is_refused() {
        let ledger = [
            mv(1, 1, "main", 3, MovementKind::Receipt),
            mv(2, 1, "main", -4, dispense()),
            mv(3, 1, "main", 10, MovementKind::Receipt),
        ];
        assert_eq!(
            rebuild_balances(&ledger).unwrap_err().code(),
            "insufficient_stock"
        );
    }
}
