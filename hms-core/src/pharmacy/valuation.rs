//! Stock valuation for reports: what the stock on hand cost, first-in-first-out.
//!
//! The rule (FIFO cost flow): units leave the books in the order they were received, so the units on
//! hand are the ones received last. The value of `n` units of a drug on hand is found by walking its
//! receipts from the newest back, taking units at each receipt's unit cost until `n` are counted.
//! Units beyond everything ever received (found in a stock count) are valued at the oldest receipt's
//! cost. Each drug's value is rounded half-up to the minor unit; the total is the sum of the rounded
//! drug values.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::batch::Batch;
use crate::ids::{BatchId, DrugId};
use crate::money::{Currency, Money, MoneyError};

/// One receipt of a drug: a cost layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Layer {
    /// The batch received.
    pub batch: BatchId,
    /// When.
    pub received_at: DateTime<Utc>,
    /// Units received.
    pub quantity: u32,
    /// Cost per unit.
    pub unit_cost: Money,
}

impl Layer {
    /// The cost layer of a batch's goods receipt.
    pub fn of(batch: &Batch) -> Self {
        Layer {
            batch: batch.id,
            received_at: batch.received_at,
            quantity: batch.received_quantity,
            unit_cost: batch.unit_cost,
        }
    }
}

/// What one drug's stock on hand is worth.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DrugValuation {
    /// The drug.
    pub drug: DrugId,
    /// Units on hand at all locations.
    pub on_hand: u64,
    /// Their FIFO cost, rounded to the minor unit.
    pub value: Money,
}

/// What the pharmacy's stock on hand is worth.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StockValuation {
    /// One line per drug with stock on hand, in the order given.
    pub lines: Vec<DrugValuation>,
    /// The sum of the lines.
    pub total: Money,
}

/// The FIFO cost of `on_hand` units given a drug's receipts (see the module docs), unrounded.
///
/// # Errors
/// `currency_mismatch` when a layer is in another currency than `currency`.
///
/// # Example
/// ```
/// # use chrono::{TimeZone, Utc};
/// # use hms_core::ids::BatchId;
/// # use hms_core::money::{Currency, Money};
/// # use hms_core::pharmacy::valuation::{fifo_cost, Layer};
/// let layer = |n, month, quantity, cents| Layer {
///     batch: BatchId::from_uuid(uuid::Uuid::from_u128(n)),
///     received_at: Utc.with_ymd_and_hms(2026, month, 1, 9, 0, 0).unwrap(),
///     quantity,
///     unit_cost: Money::from_minor(cents, Currency::EUR),
/// };
/// // 100 received at 0.10 in January, 50 at 0.12 in February; 70 on hand are the 50 February
/// // units and 20 January ones: 6.00 + 2.00.
/// let layers = [layer(1, 1, 100, 10), layer(2, 2, 50, 12)];
/// assert_eq!(fifo_cost(&layers, 70, Currency::EUR)?, Money::from_minor(800, Currency::EUR));
/// # Ok::<(), hms_core::money::MoneyError>(())
/// ```
pub fn fifo_cost(layers: &[Layer], on_hand: u64, currency: Currency) -> Result<Money, MoneyError> {
    let mut newest_first: Vec<&Layer> = layers.iter().collect();
    newest_first.sort_unstable_by_key(|l| std::cmp::Reverse((l.received_at, l.batch)));
    let mut left = on_hand;
    let mut value = Money::zero(currency);
    for l in &newest_first {
        if left == 0 {
            break;
        }
        let take = left.min(u64::from(l.quantity));
        value = value.checked_add(l.unit_cost.times(Decimal::from(take)))?;
        left -= take;
    }
    if let (true, Some(oldest)) = (left > 0, newest_first.last()) {
        value = value.checked_add(oldest.unit_cost.times(Decimal::from(left)))?;
    }
    Ok(value)
}

/// Values each drug's stock on hand (`(drug, receipts, units on hand)`), skipping drugs with none.
///
/// # Errors
/// `currency_mismatch` when a layer is in another currency than `currency`.
pub fn value_stock(
    drugs: &[(DrugId, Vec<Layer>, u64)],
    currency: Currency,
) -> Result<StockValuation, MoneyError> {
    let mut lines = Vec::new();
    for (drug, layers, on_hand) in drugs.iter().filter(|(_, _, q)| *q > 0) {
        lines.push(DrugValuation {
            drug: *drug,
            on_hand: *on_hand,
            value: fifo_cost(layers, *on_hand, currency)?.round(),
        });
    }
    let total = Money::sum(currency, lines.iter().map(|l| l.value))?;
    Ok(StockValuation { lines, total })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rust_decimal_macros::dec;

    fn layer(n: u128, day: u32, quantity: u32, cost: Decimal) -> Layer {
        Layer {
            batch: BatchId::from_uuid(uuid::Uuid::from_u128(n)),
            received_at: Utc.with_ymd_and_hms(2026, 1, day, 9, 0, 0).unwrap(),
            quantity,
            unit_cost: Money::new(cost, Currency::EUR),
        }
    }

    #[test]
    fn units_on_hand_are_the_last_received() {
        let layers = [layer(2, 20, 30, dec!(0.30)), layer(1, 5, 100, dec!(0.20))];
        let eur = |a| Money::new(a, Currency::EUR);
        assert_eq!(fifo_cost(&layers, 0, Currency::EUR).unwrap(), eur(dec!(0)));
        assert_eq!(fifo_cost(&layers, 30, Currency::EUR).unwrap(), eur(dec!(9.00)));
        assert_eq!(fifo_cost(&layers, 31, Currency::EUR).unwrap(), eur(dec!(9.20)));
        // 5 more than ever received (a stock count found them): at the oldest cost.
        assert_eq!(fifo_cost(&layers, 135, Currency::EUR).unwrap(), eur(dec!(30.00)));
    }

    #[test]
    fn drug_values_are_rounded_and_summed() {
        let drug = |n| DrugId::from_uuid(uuid::Uuid::from_u128(n));
        let v = value_stock(
            &[
                (drug(1), vec![layer(1, 1, 10, dec!(0.0345))], 3), // 0.1035 → 0.10
                (drug(2), vec![layer(2, 1, 10, dec!(0.0350))], 3), // 0.105 → 0.11
                (drug(3), vec![layer(3, 1, 10, dec!(1))], 0),      // nothing on hand: no line
            ],
            Currency::EUR,
        )
        .unwrap();
        assert_eq!(v.lines.len(), 2);
        assert_eq!(v.total, Money::from_minor(21, Currency::EUR));
        let usd = [layer(1, 1, 10, dec!(1))].map(|mut l| {
            l.unit_cost.currency = Currency::USD;
            l
        });
        assert!(fifo_cost(&usd, 1, Currency::EUR).is_err());
    }
}
