//! Charges: one billable service used by a patient, made from one source event.
//!
//! Rules:
//! - a source event (an appointment, a dispense, a lab order, a bed-day, a manual reference) is
//!   charged at most once: the same source again returns the first charge (idempotent), and a
//!   different charge for the same source is refused (`idempotency_mismatch`); backends keep a unique
//!   key on [`ChargeSource::key`];
//! - a charge sits on at most one invoice at a time, and every invoice line names its charge;
//! - a dispense is charged for the medicine the patient kept: each line's units handed out less those
//!   given back before the charge, at the batch's sale price ([`dispense_charge`]).

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::catalog::ItemKind;
use super::TaxRate;
use crate::error::{Error, FieldCode, ValidationError};
use crate::ids::{
    AccountId, AdmissionId, AppointmentId, ChargeId, DispenseId, DrugId, InvoiceId, LabOrderId, PatientId,
};
use crate::money::Money;
use crate::pharmacy::dispense::{line_amount, Dispense};

/// The clinical event a charge is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChargeSource {
    /// A fulfilled appointment (the consultation).
    Appointment {
        /// The appointment.
        id: AppointmentId,
    },
    /// Medicines handed out by the pharmacy.
    Dispense {
        /// The dispense.
        id: DispenseId,
    },
    /// A completed laboratory order.
    LabOrder {
        /// The order.
        id: LabOrderId,
    },
    /// One day of an inpatient stay.
    BedDay {
        /// The admission.
        admission: AdmissionId,
        /// The day.
        date: NaiveDate,
    },
    /// A charge entered by hand, under a reference the clerk chooses (unique).
    Manual {
        /// The reference.
        reference: String,
    },
}

impl ChargeSource {
    /// The unique key of the source, e.g. `appointment:0190…`, `bed_day:0190…:2026-03-02`.
    pub fn key(&self) -> String {
        match self {
            ChargeSource::Appointment { id } => format!("appointment:{id}"),
            ChargeSource::Dispense { id } => format!("dispense:{id}"),
            ChargeSource::LabOrder { id } => format!("lab_order:{id}"),
            ChargeSource::BedDay { admission, date } => format!("bed_day:{admission}:{date}"),
            ChargeSource::Manual { reference } => format!("manual:{}", reference.trim()),
        }
    }
}

impl fmt::Display for ChargeSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

/// A request to charge a patient for a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChargeRequest {
    /// Who used the service.
    pub patient: PatientId,
    /// What it was.
    pub source: ChargeSource,
    /// The price-list item.
    pub item_code: String,
    /// How many.
    pub quantity: Decimal,
    /// The source's own unit price, only for items priced by their source (medicines).
    #[serde(default)]
    pub unit_price: Option<Money>,
    /// The day of service; today when not given.
    #[serde(default)]
    pub service_date: Option<NaiveDate>,
    /// The payer's pre-authorization number, if one was given.
    #[serde(default)]
    pub preauthorization: Option<String>,
    /// Extra words for the invoice line (a medicine's strength, a bed's ward).
    #[serde(default)]
    pub note: Option<String>,
}

impl ChargeRequest {
    /// A charge of `quantity` of `item_code` for `source`, priced by the price list, served today.
    pub fn new(
        patient: PatientId,
        source: ChargeSource,
        item_code: impl Into<String>,
        quantity: Decimal,
    ) -> Self {
        ChargeRequest {
            patient,
            source,
            item_code: item_code.into(),
            quantity,
            unit_price: None,
            service_date: None,
            preauthorization: None,
            note: None,
        }
    }
}

/// A billable service used by a patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Charge {
    /// The charge.
    pub id: ChargeId,
    /// Who used the service.
    pub patient: PatientId,
    /// The event charged (unique).
    pub source: ChargeSource,
    /// The price-list item.
    pub item_code: String,
    /// The kind of item.
    pub kind: ItemKind,
    /// The invoice line text.
    pub description: String,
    /// How many.
    pub quantity: Decimal,
    /// The unit price in force on the service date (copied, never looked up again).
    pub unit_price: Money,
    /// The tax category and rate in force on the service date.
    pub tax: TaxRate,
    /// Whether the unit price includes the tax.
    pub tax_inclusive: bool,
    /// The visit type, for a consultation.
    pub visit_type: Option<String>,
    /// The payer's pre-authorization number.
    pub preauthorization: Option<String>,
    /// The day of service.
    pub service_date: NaiveDate,
    /// The invoice the charge is on, if any.
    pub invoice: Option<InvoiceId>,
    /// Who made the charge.
    pub created_by: AccountId,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl Charge {
    /// Rule: a repeated request for the same source is the same charge when it names the same patient,
    /// item and quantity (and the same source price, if any).
    pub fn same_request(&self, r: &ChargeRequest) -> bool {
        self.patient == r.patient
            && self.item_code == super::catalog::normalize_code(&r.item_code)
            && self.quantity == r.quantity
            && r.unit_price.is_none_or(|p| p == self.unit_price)
    }
}

/// What a dispense is charged: one charge line for the medicine the patient kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispenseCharge {
    /// Units kept of the one line kept; 1 when several lines were kept.
    pub quantity: Decimal,
    /// That line's unit price; with several lines kept, the sum of their rounded amounts.
    pub unit_price: Money,
    /// Units kept per drug, in the dispense's order (a drug split over batches counted once).
    pub kept: Vec<(DrugId, u32)>,
}

/// Rule: a dispense is charged for what the patient kept — each line's units handed out less the
/// units given back before the charge is made, priced like the pharmacy prices a line (units × the
/// batch's sale price, rounded half-up to the minor unit). One line kept is charged as its units at
/// its unit price; several lines (other drugs, or one drug from batches at different prices) as one
/// unit at the sum of their rounded amounts, so the charge is exactly what the lines come to. A
/// dispense with nothing kept (every unit returned) cannot be charged.
///
/// ```
/// # use hms_core::billing::charge::dispense_charge;
/// # use hms_core::ids::{AccountId, BatchId, DispenseId, DrugId};
/// # use hms_core::money::{Currency, Money};
/// # use hms_core::pharmacy::{Dispense, DispenseLine, Location};
/// # use rust_decimal_macros::dec;
/// # use chrono::Utc;
/// # let id = |n: u128| uuid::Uuid::from_u128(n);
/// let line = |drug: u128, quantity: u32, returned: u32, cents: i64| DispenseLine {
///     prescription_line: None, fill: 0, drug: DrugId::from_uuid(id(drug)), batch: BatchId::from_uuid(id(drug + 10)),
///     quantity, returned, unit_price: Money::from_minor(cents, Currency::EUR),
///     amount: Money::from_minor(i64::from(quantity) * cents, Currency::EUR),
/// };
/// let mut d = Dispense {
///     id: DispenseId::from_uuid(id(1)), prescription: None, patient: None, location: Location::parse("main")?,
///     lines: vec![line(1, 21, 0, 45)], total: Money::from_minor(945, Currency::EUR),
///     dispensed_at: Utc::now(), dispensed_by: AccountId::from_uuid(id(2)), reservation: None,
/// };
/// // 21 capsules at 0.45 kept: 21 × 0.45.
/// assert_eq!(dispense_charge(&d)?.quantity, dec!(21));
/// // 6 of them given back, and 10 tablets at 0.20 on a second line: one unit of 15 × 0.45 + 10 × 0.20 = 8.75.
/// d.lines[0].returned = 6;
/// d.lines.push(line(3, 10, 0, 20));
/// let c = dispense_charge(&d)?;
/// assert_eq!((c.quantity, c.unit_price.amount), (dec!(1), dec!(8.75)));
/// # Ok::<(), hms_core::Error>(())
/// ```
///
/// # Errors
/// `invalid_input` (at `dispense`) when every unit was given back; `currency_mismatch` for lines in
/// several currencies.
pub fn dispense_charge(dispense: &Dispense) -> Result<DispenseCharge, Error> {
    let kept_lines: Vec<(DrugId, u32, Money)> = dispense
        .lines
        .iter()
        .filter_map(|l| {
            let units = l.quantity.saturating_sub(l.returned);
            (units > 0).then_some((l.drug, units, l.unit_price))
        })
        .collect();
    let mut kept: Vec<(DrugId, u32)> = Vec::new();
    for (drug, units, _) in &kept_lines {
        match kept.iter_mut().find(|(d, _)| d == drug) {
            Some((_, n)) => *n = n.saturating_add(*units),
            None => kept.push((*drug, *units)),
        }
    }
    match kept_lines.as_slice() {
        [] => Err(ValidationError::single(
            "dispense",
            FieldCode::Inconsistent,
            format!(
                "every unit of dispense `{}` was given back: there is nothing to charge",
                dispense.id
            ),
        )
        .into()),
        [(_, units, price)] => Ok(DispenseCharge {
            quantity: Decimal::from(*units),
            unit_price: *price,
            kept,
        }),
        lines => {
            let currency = dispense.total.currency;
            let total = Money::sum(currency, lines.iter().map(|(_, u, p)| line_amount(*u, *p)))?;
            Ok(DispenseCharge {
                quantity: Decimal::ONE,
                unit_price: total,
                kept,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use rust_decimal_macros::dec;

    use super::*;
    use crate::ids::BatchId;
    use crate::money::Currency;
    use crate::pharmacy::{DispenseLine, Location};

    fn id(n: u128) -> uuid::Uuid {
        uuid::Uuid::from_u128(n)
    }

    fn line(drug: u128, batch: u128, quantity: u32, returned: u32, price: Decimal) -> DispenseLine {
        let unit_price = Money::new(price, Currency::EUR);
        DispenseLine {
            prescription_line: Some(0),
            fill: 0,
            drug: DrugId::from_uuid(id(drug)),
            batch: BatchId::from_uuid(id(batch)),
            quantity,
            returned,
            unit_price,
            amount: line_amount(quantity, unit_price),
        }
    }

    fn dispense(lines: Vec<DispenseLine>) -> Dispense {
        let total = Money::sum(Currency::EUR, lines.iter().map(|l| l.amount)).unwrap();
        Dispense {
            id: DispenseId::from_uuid(id(1)),
            prescription: None,
            patient: Some(PatientId::from_uuid(id(2))),
            location: Location::parse("main").unwrap(),
            lines,
            total,
            dispensed_at: Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap(),
            dispensed_by: AccountId::from_uuid(id(3)),
            reservation: None,
        }
    }

    #[test]
    fn one_line_kept_is_its_units_at_its_price() {
        // 21 capsules handed out, 6 given back: 15 × 0.45 (6.75).
        let c = dispense_charge(&dispense(vec![line(10, 20, 21, 6, dec!(0.45))])).unwrap();
        assert_eq!(c.quantity, dec!(15));
        assert_eq!(c.unit_price, Money::new(dec!(0.45), Currency::EUR));
        assert_eq!(c.kept, [(DrugId::from_uuid(id(10)), 15)]);
    }

    #[test]
    fn several_lines_are_one_unit_at_the_sum_of_their_rounded_amounts() {
        // One drug from two batches at 0.125 (3 units each: 0.375 → 0.38 per line, 0.76 together,
        // where 6 × 0.125 would be 0.75), a line fully given back, and 10 tablets at 0.20 (2.00):
        // 0.38 + 0.38 + 2.00 = 2.76. The drug split over batches is counted once (6 units).
        let d = dispense(vec![
            line(10, 20, 3, 0, dec!(0.125)),
            line(10, 21, 3, 0, dec!(0.125)),
            line(11, 22, 5, 5, dec!(9.99)),
            line(12, 23, 10, 0, dec!(0.20)),
        ]);
        let c = dispense_charge(&d).unwrap();
        assert_eq!(c.quantity, Decimal::ONE);
        assert_eq!(c.unit_price, Money::new(dec!(2.76), Currency::EUR));
        assert_eq!(
            c.kept,
            [(DrugId::from_uuid(id(10)), 6), (DrugId::from_uuid(id(12)), 10)]
        );
    }

    #[test]
    fn a_dispense_given_back_in_full_is_not_charged() {
        let e = dispense_charge(&dispense(vec![line(10, 20, 4, 4, dec!(1))])).unwrap_err();
        assert_eq!(e.code(), "invalid_input");
        let Error::Validation(v) = e else {
            panic!("expected a validation error")
        };
        assert_eq!(v.problems()[0].field, "dispense");
        assert_eq!(v.problems()[0].code, FieldCode::Inconsistent);
    }
}
