//! Batches (lots): stock of one drug received together, with one batch number, expiry date, cost and
//! sale price.
//!
//! Rules: a goods receipt creates a batch of at least one unit; it names its supplier and batch number;
//! its unit cost and sale price are in the hospital's currency and not negative, and the sale price is
//! a whole number of minor units (so that every charge is exact); stock that has already expired is
//! not received. A batch is usable through its expiry date and expired from the day after; an expired
//! or recalled batch is never dispensed.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::Location;
use crate::error::{FieldCode, ValidationError};
use crate::ids::{BatchId, DrugId, StockOrderId};
use crate::money::{Currency, Money};
use crate::people::{fold_spaces, required_text};

/// A goods receipt: stock arriving from a supplier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoodsReceipt {
    /// The drug.
    pub drug: DrugId,
    /// The supplier's batch (lot) number as printed on the pack.
    pub batch_number: String,
    /// Who supplied it.
    pub supplier: String,
    /// The last day it may be used; none for stock that does not expire (some devices, kits).
    #[serde(default)]
    pub expiry: Option<NaiveDate>,
    /// Units received (in the drug's dispensing unit).
    pub quantity: u32,
    /// What one unit cost.
    pub unit_cost: Money,
    /// What one unit is sold for.
    pub sale_price: Money,
    /// Where it is put away.
    pub location: Location,
    /// The order this delivery answers, if any (it stops counting as on order).
    #[serde(default)]
    pub order: Option<StockOrderId>,
}

/// A recall of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recall {
    /// When it was recalled.
    pub at: DateTime<Utc>,
    /// Why.
    pub reason: String,
}

/// A batch of a drug in stock.
///
/// A batch does not hold its quantity: what it has on hand at each location is the sum of its
/// movements in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Batch {
    /// Its id.
    pub id: BatchId,
    /// The drug.
    pub drug: DrugId,
    /// The batch number (trimmed, upper case); unique per drug.
    pub batch_number: String,
    /// The supplier.
    pub supplier: String,
    /// The last day it may be used.
    pub expiry: Option<NaiveDate>,
    /// When it was received.
    pub received_at: DateTime<Utc>,
    /// Units received.
    pub received_quantity: u32,
    /// What one unit cost.
    pub unit_cost: Money,
    /// What one unit is sold for.
    pub sale_price: Money,
    /// Where it was received.
    pub received_at_location: Location,
    /// The order the delivery answered.
    pub order: Option<StockOrderId>,
    /// Set when the batch is recalled.
    pub recall: Option<Recall>,
}

/// Why a batch cannot be handed out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum BatchProblem {
    /// It expired: its expiry date is before today.
    Expired {
        /// Its expiry date.
        expiry: NaiveDate,
    },
    /// It was recalled.
    Recalled,
    /// It would expire before the course of treatment (plus the minimum shelf life) ends.
    ExpiresTooSoon {
        /// Its expiry date.
        expiry: NaiveDate,
        /// The day it would need to be usable through.
        needed_through: NaiveDate,
    },
}

impl fmt::Display for BatchProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BatchProblem::Expired { expiry } => write!(f, "it expired on {expiry}"),
            BatchProblem::Recalled => write!(f, "it was recalled"),
            BatchProblem::ExpiresTooSoon {
                expiry,
                needed_through,
            } => write!(
                f,
                "it expires on {expiry}, but must be usable through {needed_through}"
            ),
        }
    }
}

impl Batch {
    /// Rule: a batch is usable through its expiry date and expired from the next day on.
    pub fn is_expired_on(&self, day: NaiveDate) -> bool {
        self.expiry.is_some_and(|e| e < day)
    }

    /// Whether it was recalled.
    pub fn is_recalled(&self) -> bool {
        self.recall.is_some()
    }

    /// Rule: why the batch cannot be handed out on `today` to someone who needs it usable through
    /// `needed_through`, or `None` when it can. Recalled beats expired beats expiring too soon.
    pub fn problem(&self, today: NaiveDate, needed_through: NaiveDate) -> Option<BatchProblem> {
        if self.is_recalled() {
            return Some(BatchProblem::Recalled);
        }
        match self.expiry {
            Some(expiry) if expiry < today => Some(BatchProblem::Expired { expiry }),
            Some(expiry) if expiry < needed_through => Some(BatchProblem::ExpiresTooSoon {
                expiry,
                needed_through,
            }),
            _ => None,
        }
    }
}

/// Checks a goods receipt and returns it normalized (batch number upper case, names with single
/// spaces).
///
/// # Errors
/// A [`ValidationError`] listing every invalid field.
pub fn validate_receipt(
    r: &GoodsReceipt,
    currency: Currency,
    today: NaiveDate,
) -> Result<GoodsReceipt, ValidationError> {
    let mut e = ValidationError::default();
    required_text("batch_number", &r.batch_number, 64, &mut e);
    required_text("supplier", &r.supplier, 200, &mut e);
    if r.quantity == 0 {
        e.push(
            "quantity",
            FieldCode::OutOfRange,
            "a receipt holds at least one unit",
        );
    }
    if let Some(expiry) = r.expiry {
        if expiry < today {
            e.push(
                "expiry",
                FieldCode::OutOfRange,
                format!("the stock expired on {expiry} and cannot be received"),
            );
        }
    }
    for (field, m) in [("unit_cost", &r.unit_cost), ("sale_price", &r.sale_price)] {
        if m.currency != currency {
            e.push(
                field,
                FieldCode::Inconsistent,
                format!("`{m}` is not in the hospital's currency `{currency}`"),
            );
        } else if m.is_negative() {
            e.push(field, FieldCode::OutOfRange, format!("`{m}` is negative"));
        }
    }
    if !r.sale_price.is_rounded() {
        e.push(
            "sale_price",
            FieldCode::InvalidFormat,
            format!(
                "`{}` is not a whole number of minor units of `{}`",
                r.sale_price.amount, r.sale_price.currency
            ),
        );
    }
    e.into_result()?;
    Ok(GoodsReceipt {
        batch_number: fold_spaces(&r.batch_number).to_uppercase(),
        supplier: fold_spaces(&r.supplier),
        ..r.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    fn receipt() -> GoodsReceipt {
        GoodsReceipt {
            drug: DrugId::from_uuid(uuid::Uuid::from_u128(1)),
            batch_number: " ab 123 ".into(),
            supplier: "Acme  Pharma".into(),
            expiry: Some(d(12, 31)),
            quantity: 100,
            unit_cost: Money::new(dec!(0.0345), Currency::EUR),
            sale_price: Money::new(dec!(0.10), Currency::EUR),
            location: Location::parse("main").unwrap(),
            order: None,
        }
    }

    fn batch(expiry: Option<NaiveDate>) -> Batch {
        Batch {
            id: BatchId::from_uuid(uuid::Uuid::from_u128(2)),
            drug: DrugId::from_uuid(uuid::Uuid::from_u128(1)),
            batch_number: "AB123".into(),
            supplier: "Acme".into(),
            expiry,
            received_at: chrono::DateTime::UNIX_EPOCH,
            received_quantity: 10,
            unit_cost: Money::from_minor(3, Currency::EUR),
            sale_price: Money::from_minor(10, Currency::EUR),
            received_at_location: Location::parse("main").unwrap(),
            order: None,
            recall: None,
        }
    }

    #[test]
    fn a_receipt_is_normalized_and_may_cost_fractions_of_a_cent() {
        let r = validate_receipt(&receipt(), Currency::EUR, d(3, 2)).unwrap();
        assert_eq!(r.batch_number, "AB 123");
        assert_eq!(r.supplier, "Acme Pharma");
        assert_eq!(r.unit_cost.amount, dec!(0.0345));
    }

    #[test]
    fn a_bad_receipt_lists_every_problem() {
        let mut r = receipt();
        r.quantity = 0;
        r.expiry = Some(d(3, 1)); // yesterday
        r.unit_cost = Money::from_minor(5, Currency::USD);
        r.sale_price = Money::new(dec!(0.105), Currency::EUR);
        let e = validate_receipt(&r, Currency::EUR, d(3, 2)).unwrap_err();
        let fields: Vec<_> = e.problems().iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["quantity", "expiry", "unit_cost", "sale_price"]);
    }

    #[test]
    fn a_batch_is_usable_through_its_expiry_date() {
        let b = batch(Some(d(3, 31)));
        assert!(!b.is_expired_on(d(3, 31)));
        assert!(b.is_expired_on(d(4, 1)));
        assert_eq!(b.problem(d(3, 31), d(3, 31)), None);
        assert_eq!(
            b.problem(d(4, 1), d(4, 1)),
            Some(BatchProblem::Expired { expiry: d(3, 31) })
        );
        // Dispensed on 25 March for a 7-day course: the last dose is on 31 March, which is fine;
        // an 8-day course would run past the expiry.
        assert_eq!(b.problem(d(3, 25), d(3, 31)), None);
        assert_eq!(
            b.problem(d(3, 25), d(4, 1)),
            Some(BatchProblem::ExpiresTooSoon {
                expiry: d(3, 31),
                needed_through: d(4, 1)
            })
        );
        assert_eq!(batch(None).problem(d(3, 25), NaiveDate::MAX), None);
    }

    #[test]
    fn a_recalled_batch_is_never_usable() {
        let mut b = batch(None);
        b.recall = Some(Recall {
            at: chrono::DateTime::UNIX_EPOCH,
            reason: "contamination".into(),
        });
        assert_eq!(b.problem(d(3, 2), d(3, 2)), Some(BatchProblem::Recalled));
    }
}
