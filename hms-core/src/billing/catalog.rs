//! The price list: what each billable item costs, from which date, and how it is taxed.
//!
//! Rules:
//! - an item has dated price versions; the price of a service is the version in force on the service
//!   date (the latest one that starts on or before it);
//! - a charge copies the unit price and tax rate when it is made, so a later price change never
//!   rewrites a charge or an invoice; and a version already in force is history and never changes —
//!   a new price is a new version from today or later;
//! - a consultation is priced from the doctor's consultation fee, as a percentage per visit type
//!   (`consultation.follow_up` at 50 %), falling back to the item `consultation`;
//! - a medicine is priced by its source (the pharmacy's sale price), passed in with the charge.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{percent_factor, BillingError, TaxRate};
use crate::error::{Error, FieldCode, Result, ValidationError};
use crate::money::{Currency, Money};

/// What kind of service an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A doctor's consultation.
    Consultation,
    /// A laboratory test.
    LabTest,
    /// A procedure.
    Procedure,
    /// A treatment or therapy session.
    Treatment,
    /// A day in a room or bed.
    BedDay,
    /// A medicine.
    Medicine,
    /// Anything else (an ambulance ride, a certificate, …).
    Other,
}

/// How an item's unit price is found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Price {
    /// A fixed unit price.
    Fixed {
        /// The price of one.
        amount: Money,
    },
    /// A percentage of the doctor's consultation fee (100 for the full fee).
    DoctorFee {
        /// The percentage.
        percent: Decimal,
    },
    /// Given by the source with each charge (the pharmacy's sale price of a medicine).
    FromSource,
}

/// A price in force from a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceVersion {
    /// The first day this version applies.
    pub effective_from: NaiveDate,
    /// The price.
    pub price: Price,
    /// The tax category and rate.
    pub tax: TaxRate,
    /// Whether the price includes the tax.
    #[serde(default)]
    pub tax_inclusive: bool,
}

/// An item of the price list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceItem {
    /// A short stable code, e.g. `lab.cbc`, `consultation.new_patient`, `bed.general`.
    pub code: String,
    /// A name for invoices.
    pub name: String,
    /// What kind of service.
    pub kind: ItemKind,
    /// Price versions, oldest first (distinct start dates).
    pub versions: Vec<PriceVersion>,
}

impl PriceItem {
    /// An item with one version.
    pub fn new(
        code: impl Into<String>,
        name: impl Into<String>,
        kind: ItemKind,
        version: PriceVersion,
    ) -> Self {
        PriceItem {
            code: code.into(),
            name: name.into(),
            kind,
            versions: vec![version],
        }
    }

    /// Rule: the version in force on `date` is the latest one that starts on or before it.
    pub fn version_on(&self, date: NaiveDate) -> Option<&PriceVersion> {
        self.versions
            .iter()
            .filter(|v| v.effective_from <= date)
            .max_by_key(|v| v.effective_from)
    }

    /// The version in force on `date`.
    ///
    /// # Errors
    /// `no_price` when no version is in force yet.
    pub fn price_on(&self, date: NaiveDate) -> Result<&PriceVersion, BillingError> {
        self.version_on(date).ok_or_else(|| BillingError::NoPrice {
            item: self.code.clone(),
            date,
        })
    }
}

/// An item code as stored: trimmed and lower-cased.
pub fn normalize_code(code: &str) -> String {
    code.trim().to_lowercase()
}

/// The price-list item a dispense is charged under: a [`Price::FromSource`] item (the pharmacy's
/// sale prices), whose tax rate and inclusiveness apply to the medicine.
pub const DISPENSE_ITEM: &str = "medicine";

/// The price-list codes tried for a consultation of `visit_type`, in order.
pub fn consultation_codes(visit_type: &str) -> [String; 2] {
    [
        format!("consultation.{}", normalize_code(visit_type)),
        "consultation".to_owned(),
    ]
}

/// Checks an item and returns it normalized (code lower-cased, versions sorted by date).
///
/// # Errors
/// A validation error listing every bad field: a blank code or name, no versions, two versions on one
/// date, a price or rate out of range or in another currency than `currency`.
pub fn validate_item(item: &PriceItem, currency: Currency) -> Result<PriceItem, ValidationError> {
    let mut e = ValidationError::default();
    let code = normalize_code(&item.code);
    if code.is_empty() || code.len() > 64 || code.chars().any(char::is_whitespace) {
        e.push(
            "code",
            FieldCode::InvalidFormat,
            format!(
                "`{}` is not an item code (1 to 64 characters, no spaces)",
                item.code
            ),
        );
    }
    crate::people::required_text("name", &item.name, 200, &mut e);
    if item.versions.is_empty() {
        e.push(
            "versions",
            FieldCode::Required,
            "an item needs at least one price",
        );
    }
    let mut versions = item.versions.clone();
    versions.sort_by_key(|v| v.effective_from);
    for (i, v) in versions.iter().enumerate() {
        let at = format!("versions[{i}]");
        if versions
            .get(i + 1)
            .is_some_and(|next| next.effective_from == v.effective_from)
        {
            e.push(
                format!("{at}.effective_from"),
                FieldCode::Inconsistent,
                format!("two prices start on {}", v.effective_from),
            );
        }
        if super::calc::Pct::of(v.tax.percent).is_none() || v.tax.category.trim().is_empty() {
            e.push(
                format!("{at}.tax"),
                FieldCode::OutOfRange,
                format!("`{}` is not a tax category with a rate from 0 to 100 %", v.tax),
            );
        }
        match &v.price {
            Price::Fixed { amount } => {
                if amount.currency != currency || amount.is_negative() {
                    e.push(
                        format!("{at}.price"),
                        FieldCode::OutOfRange,
                        format!("`{amount}` is not a non-negative price in `{currency}`"),
                    );
                }
            }
            Price::DoctorFee { percent } => {
                if percent.is_sign_negative() || *percent > Decimal::from(1000) {
                    e.push(
                        format!("{at}.price"),
                        FieldCode::OutOfRange,
                        format!("`{percent}` % of the doctor's fee is out of range (0 to 1000)"),
                    );
                }
            }
            Price::FromSource => {}
        }
    }
    e.into_result()?;
    Ok(PriceItem {
        code,
        name: crate::people::fold_spaces(&item.name),
        kind: item.kind,
        versions,
    })
}

/// Rule: price history is kept. Every version of `old` already in force on `today` must be in `new`
/// unchanged; changes are new versions starting today or later.
///
/// # Errors
/// A validation error naming the first version that was changed or dropped.
pub fn check_history_kept(old: &PriceItem, new: &PriceItem, today: NaiveDate) -> Result<(), ValidationError> {
    for v in old.versions.iter().filter(|v| v.effective_from <= today) {
        if !new.versions.contains(v) {
            return Err(ValidationError::single(
                "versions",
                FieldCode::Inconsistent,
                format!(
                    "the price in force since {} is history and cannot change; add a version from {today} or later",
                    v.effective_from
                ),
            ));
        }
    }
    Ok(())
}

/// The unit price of one charge, from the version in force.
///
/// `supplied` is the source's own price (for [`Price::FromSource`] items, and only for them);
/// `doctor_fee` is the consultation fee of the doctor seen (for [`Price::DoctorFee`] items).
///
/// # Errors
/// `invalid_input` when a price is supplied for an item the price list prices, or missing for one it
/// does not, or when a doctor's fee is needed and there is none; `currency_mismatch` for a price in
/// another currency.
pub fn unit_price(
    version: &PriceVersion,
    supplied: Option<Money>,
    doctor_fee: Option<Money>,
    currency: Currency,
) -> Result<Money> {
    let price = match (&version.price, supplied) {
        (Price::Fixed { amount }, None) => *amount,
        (Price::DoctorFee { percent }, None) => match doctor_fee {
            Some(fee) => {
                // 60.00 × 100 % is 60.00, not 60.0000: trailing zeros beyond the minor unit go.
                let mut a = (fee.amount * percent_factor(*percent)).normalize();
                if a.scale() < fee.currency.minor_units() {
                    a.rescale(fee.currency.minor_units());
                }
                Money::new(a, fee.currency)
            }
            None => {
                return Err(ValidationError::single(
                    "item_code",
                    FieldCode::Inconsistent,
                    "this item is priced from a doctor's fee and the charge names no doctor",
                )
                .into())
            }
        },
        (Price::FromSource, Some(p)) => {
            if p.is_negative() {
                return Err(ValidationError::single(
                    "unit_price",
                    FieldCode::OutOfRange,
                    format!("a unit price of `{}` is negative", p.amount),
                )
                .into());
            }
            p
        }
        (Price::FromSource, None) => {
            return Err(ValidationError::single(
                "unit_price",
                FieldCode::Required,
                "this item is priced by its source: give the unit price",
            )
            .into())
        }
        (_, Some(_)) => {
            return Err(ValidationError::single(
                "unit_price",
                FieldCode::Inconsistent,
                "the price list prices this item: do not give a unit price",
            )
            .into())
        }
    };
    if price.currency != currency {
        return Err(Error::Money(crate::money::MoneyError::CurrencyMismatch {
            left: currency,
            right: price.currency,
        }));
    }
    Ok(price)
}
