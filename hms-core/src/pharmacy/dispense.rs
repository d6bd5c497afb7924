//! Dispenses: medicine handed out, against a prescription or over the counter, with what it costs.
//!
//! Rules: each line of a dispense takes units from one batch and is priced at that batch's sale price,
//! rounded half-up to the minor unit at the line (the total is the sum of the rounded lines); a return
//! gives units of one line back into the same batch at the same location and is credited at the same
//! price, and never more than the line handed out less what was returned before.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::prescription::{LineProgress, Prescription};
use super::{Location, PharmacyError};
use crate::error::{Error, FieldCode, ValidationError};
use crate::ids::{AccountId, BatchId, DispenseId, DrugId, PatientId, PrescriptionId, ReservationId};
use crate::money::{Currency, Money, MoneyError};

/// Units of one batch handed out by a dispense.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DispenseLine {
    /// The prescription line (its position, from 0) this answers; none over the counter.
    pub prescription_line: Option<usize>,
    /// Which fill of the prescription line (0 the first, 1 the first refill, …); 0 over the counter.
    pub fill: u32,
    /// The drug.
    pub drug: DrugId,
    /// The batch the units came from.
    pub batch: BatchId,
    /// Units handed out.
    pub quantity: u32,
    /// Units given back since.
    pub returned: u32,
    /// The batch's sale price per unit.
    pub unit_price: Money,
    /// `quantity × unit_price`, rounded half-up to the minor unit.
    pub amount: Money,
}

/// Medicine handed out at one counter at one time.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Dispense {
    /// Its id.
    pub id: DispenseId,
    /// The prescription it answers; none for an over-the-counter sale.
    pub prescription: Option<PrescriptionId>,
    /// Who received it (none for an anonymous over-the-counter sale).
    pub patient: Option<PatientId>,
    /// Where it was handed out.
    pub location: Location,
    /// What was handed out, batch by batch.
    pub lines: Vec<DispenseLine>,
    /// The sum of the lines' amounts.
    pub total: Money,
    /// When.
    pub dispensed_at: DateTime<Utc>,
    /// The account that handed it out.
    pub dispensed_by: AccountId,
    /// The reservation it used.
    pub reservation: Option<ReservationId>,
}

/// One priced line, as billing sees it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChargeLine {
    /// The drug.
    pub drug: DrugId,
    /// The batch.
    pub batch: BatchId,
    /// Units.
    pub quantity: u32,
    /// Price per unit.
    pub unit_price: Money,
    /// `quantity × unit_price`, rounded half-up.
    pub amount: Money,
}

/// Rule: what `quantity` units at `unit_price` come to, rounded half-up to the minor unit.
///
/// ```
/// # use hms_core::money::{Money, Currency};
/// # use hms_core::pharmacy::dispense::line_amount;
/// # use rust_decimal_macros::dec;
/// assert_eq!(line_amount(3, Money::new(dec!(0.125), Currency::EUR)), Money::new(dec!(0.38), Currency::EUR));
/// assert_eq!(line_amount(12, Money::from_minor(45, Currency::EUR)), Money::from_minor(540, Currency::EUR));
/// ```
pub fn line_amount(quantity: u32, unit_price: Money) -> Money {
    unit_price.times(Decimal::from(quantity)).round()
}

/// The total of charge lines in `currency`: the sum of the rounded lines.
///
/// # Errors
/// `currency_mismatch` when a line is in another currency.
pub fn total(currency: Currency, lines: &[ChargeLine]) -> Result<Money, MoneyError> {
    Money::sum(currency, lines.iter().map(|l| l.amount))
}

impl Dispense {
    /// The priced lines, for billing.
    pub fn charges(&self) -> Vec<ChargeLine> {
        self.lines
            .iter()
            .map(|l| ChargeLine {
                drug: l.drug,
                batch: l.batch,
                quantity: l.quantity,
                unit_price: l.unit_price,
                amount: l.amount,
            })
            .collect()
    }
}

/// How far each line of `prescription` has been dispensed by `dispenses` (those that answer it).
pub fn line_progress(prescription: &Prescription, dispenses: &[Dispense]) -> Vec<LineProgress> {
    let mut out = vec![LineProgress::default(); prescription.lines.len()];
    for d in dispenses
        .iter()
        .filter(|d| d.prescription == Some(prescription.id))
    {
        for l in &d.lines {
            let Some(progress) = l.prescription_line.and_then(|i| out.get_mut(i)) else {
                continue;
            };
            let fill = usize::try_from(l.fill).unwrap_or(usize::MAX);
            if progress.fills.len() <= fill {
                progress.fills.resize(fill.saturating_add(1), 0);
            }
            if let Some(net) = progress.fills.get_mut(fill) {
                *net += l.quantity.saturating_sub(l.returned);
            }
        }
    }
    out
}

/// Rule: `quantity` units of line `line` of `dispense` may be given back (see the module docs).
///
/// # Errors
/// `invalid_input` for a line that does not exist or a quantity of zero; `exceeds_dispensed` (naming
/// what can still be returned) for more than the line handed out less earlier returns.
pub fn check_return(dispense: &Dispense, line: usize, quantity: u32) -> Result<&DispenseLine, Error> {
    let l = dispense.lines.get(line).ok_or_else(|| {
        ValidationError::single(
            "line",
            FieldCode::OutOfRange,
            format!("dispense `{}` has no line {line}", dispense.id),
        )
    })?;
    if quantity == 0 {
        return Err(
            ValidationError::single("quantity", FieldCode::OutOfRange, "return at least one unit").into(),
        );
    }
    let remaining = l.quantity.saturating_sub(l.returned);
    if quantity > remaining {
        return Err(PharmacyError::ExceedsDispensed {
            dispense: dispense.id,
            line,
            requested: quantity,
            remaining,
        }
        .into());
    }
    Ok(l)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pharmacy::prescription::PrescriptionLine;

    fn id(n: u128) -> uuid::Uuid {
        uuid::Uuid::from_u128(n)
    }

    fn line(rx_line: Option<usize>, fill: u32, quantity: u32, returned: u32) -> DispenseLine {
        let unit_price = Money::from_minor(25, Currency::EUR);
        DispenseLine {
            prescription_line: rx_line,
            fill,
            drug: DrugId::from_uuid(id(1)),
            batch: BatchId::from_uuid(id(2)),
            quantity,
            returned,
            unit_price,
            amount: line_amount(quantity, unit_price),
        }
    }

    fn dispense(rx: Option<u128>, lines: Vec<DispenseLine>) -> Dispense {
        Dispense {
            id: DispenseId::from_uuid(id(50)),
            prescription: rx.map(|n| PrescriptionId::from_uuid(id(n))),
            patient: None,
            location: Location::parse("main").unwrap(),
            total: Money::zero(Currency::EUR),
            lines,
            dispensed_at: DateTime::UNIX_EPOCH,
            dispensed_by: AccountId::from_uuid(id(3)),
            reservation: None,
        }
    }

    #[test]
    fn progress_counts_net_units_per_fill_of_each_line() {
        let rx_line = PrescriptionLine {
            drug: DrugId::from_uuid(id(1)),
            dose: "1".into(),
            frequency: "daily".into(),
            duration_days: 10,
            quantity: 10,
            refills: 1,
        };
        let rx = Prescription {
            id: PrescriptionId::from_uuid(id(9)),
            patient: PatientId::from_uuid(id(4)),
            prescriber: crate::ids::StaffId::from_uuid(id(5)),
            written_at: DateTime::UNIX_EPOCH,
            lines: vec![rx_line.clone(), rx_line],
            note: None,
        };
        let ds = [
            // First fill of line 0 split over two batches, 2 units returned later.
            dispense(Some(9), vec![line(Some(0), 0, 6, 2), line(Some(0), 0, 4, 0)]),
            dispense(Some(9), vec![line(Some(0), 1, 3, 0), line(Some(1), 0, 10, 0)]),
            dispense(Some(8), vec![line(Some(0), 0, 7, 0)]), // another prescription
            dispense(None, vec![line(None, 0, 1, 0)]),       // over the counter
        ];
        let p = line_progress(&rx, &ds);
        assert_eq!(p[0].fills, [8, 3]);
        assert_eq!(p[1].fills, [10]);
        assert_eq!(p[0].dispensed(), 11);
    }

    #[test]
    fn a_return_never_exceeds_what_is_left_to_return() {
        let d = dispense(None, vec![line(None, 0, 6, 2)]);
        assert!(check_return(&d, 0, 4).is_ok());
        match check_return(&d, 0, 5).unwrap_err() {
            Error::Pharmacy(PharmacyError::ExceedsDispensed {
                requested, remaining, ..
            }) => assert_eq!((requested, remaining), (5, 4)),
            other => panic!("{other:?}"),
        }
        assert_eq!(check_return(&d, 1, 1).unwrap_err().code(), "invalid_input");
        assert_eq!(check_return(&d, 0, 0).unwrap_err().code(), "invalid_input");
    }

    #[test]
    fn lines_are_rounded_and_totals_are_sums_of_rounded_lines() {
        let p = Money::new(rust_decimal_macros::dec!(0.333), Currency::EUR);
        let lines: Vec<ChargeLine> = [1, 1, 1]
            .iter()
            .map(|q| ChargeLine {
                drug: DrugId::from_uuid(id(1)),
                batch: BatchId::from_uuid(id(2)),
                quantity: *q,
                unit_price: p,
                amount: line_amount(*q, p),
            })
            .collect();
        // Three lines of 0.333 are 0.33 each: 0.99, not round(0.999) = 1.00.
        assert_eq!(
            total(Currency::EUR, &lines).unwrap(),
            Money::from_minor(99, Currency::EUR)
        );
    }
}
