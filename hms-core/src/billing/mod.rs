//! Billing: the price list, charges from clinical events, invoice calculation, insurance coverage,
//! the invoice lifecycle, credit notes, payments, refunds and dues.
//!
//! The rules of billing, in plain words:
//! - every service a patient used becomes one [`Charge`], made from one source event (a fulfilled
//!   appointment, a dispense, a lab order, a bed-day); a source is charged once, and every invoice line
//!   points back at its charge;
//! - a charge copies its unit price and tax rate from the price list version in force on the service
//!   date, so a later price change never rewrites an invoice;
//! - invoice arithmetic is decimal, rounded half-up to the currency's minor unit, and the lines always
//!   add up to the totals ([`calc`]);
//! - an insurer's and the patient's share of every line add up to the line exactly ([`coverage`]);
//! - an issued invoice never changes; a correction is a credit note that references it ([`invoice`]);
//! - nobody can pay more than is due, refund more than was paid, or credit more than is open, so no
//!   balance ever goes below zero ([`payment`]).

pub mod calc;
pub mod catalog;
pub mod charge;
pub mod coverage;
pub mod dues;
pub mod gateway;
pub mod invoice;
pub mod payment;
pub mod render;

use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ids::{AppointmentId, InvoiceId, PaymentId};
use crate::money::Money;
use crate::scheduling::AppointmentStatus;

pub use calc::{calculate, Breakdown, InvoiceInput, LineInput, PricedLine, TaxSubtotal, Totals};
pub use catalog::{ItemKind, Price, PriceItem, PriceVersion};
pub use charge::{Charge, ChargeRequest, ChargeSource};
pub use coverage::{CoveragePlan, CoverageUsage, Share, ShareBasis};
pub use dues::{Aging, Statement, StatementEntry, StatementEntryKind};
pub use gateway::{GatewayEvent, IntentRequest, MemoryGateway, PaymentGateway, PaymentIntent};
pub use invoice::{
    AppliedCoverage, CreditNoteHeader, CreditRequest, Invoice, InvoiceChange, InvoiceKind, InvoiceLine,
    InvoiceStatus, ReminderStage,
};
pub use payment::{
    Allocation, AllocationRule, OpenItem, Payment, PaymentMethod, PaymentRequest, Refund, Responsibility,
};

/// How an invoice's tax is rounded to the minor unit (a per-hospital setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// Each line's tax is rounded on its own; a category's tax is the sum of its lines' taxes.
    PerLine,
    /// A category's tax is its taxable amount times its rate, rounded once (EN 16931 rule BR-CO-17);
    /// the rounded tax is then spread back over the category's lines by largest remainder, so the
    /// lines still add up to the total.
    #[default]
    PerTaxCategory,
}

/// A discount: a percentage of the amount, or a fixed amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Discount {
    /// This percent of the amount (0 to 100), rounded half-up to the minor unit.
    Percent(Decimal),
    /// This amount (a whole number of minor units, at most the amount discounted).
    Amount(Money),
}

/// A tax category and its rate, e.g. `S` (standard) at 20 %, `Z` (zero-rated), `E` (exempt).
///
/// Category codes follow the UNCL 5305 codes EN 16931 uses; the rate is a percentage.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TaxRate {
    /// The category code, e.g. `S`.
    pub category: String,
    /// The rate in percent, e.g. `20`.
    pub percent: Decimal,
}

impl TaxRate {
    /// A category at a rate.
    pub fn new(category: impl Into<String>, percent: Decimal) -> Self {
        TaxRate {
            category: category.into(),
            percent,
        }
    }

    /// The exempt category (`E`, 0 %): most medical services.
    pub fn exempt() -> Self {
        TaxRate::new("E", Decimal::ZERO)
    }
}

impl fmt::Display for TaxRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}%", self.category, self.percent.normalize())
    }
}

/// An error from a billing rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BillingError {
    /// The status machine does not allow this move.
    #[error("invoice `{invoice}` cannot go from `{from}` to `{to}`")]
    InvalidTransition {
        /// The invoice.
        invoice: InvoiceId,
        /// Its status.
        from: InvoiceStatus,
        /// The status asked for.
        to: InvoiceStatus,
    },
    /// The invoice is no longer a draft, so its lines and discounts cannot change.
    #[error(
        "invoice `{invoice}` is `{status}`: an issued invoice never changes, issue a credit note instead"
    )]
    ImmutableInvoice {
        /// The invoice.
        invoice: InvoiceId,
        /// Its status.
        status: InvoiceStatus,
    },
    /// Only a fulfilled appointment is charged.
    #[error("appointment `{appointment}` is `{status}`; only a fulfilled visit is charged")]
    NotChargeable {
        /// The appointment.
        appointment: AppointmentId,
        /// Its status.
        status: AppointmentStatus,
    },
    /// The price list has no price for the item on the service date.
    #[error("the price list has no price for `{item}` on {date}")]
    NoPrice {
        /// The item code.
        item: String,
        /// The service date.
        date: NaiveDate,
    },
    /// A source event or an external payment reference was used before for something different.
    #[error("`{reference}` was already used for a different {what}")]
    IdempotencyMismatch {
        /// The source key or payment reference.
        reference: String,
        /// What it was used for (`charge`, `payment`).
        what: &'static str,
    },
    /// A source event is already charged, or an external reference already recorded (the store's
    /// own guard, met when two requests race).
    #[error("`{reference}` is already recorded")]
    Duplicate {
        /// The source key or payment reference.
        reference: String,
    },
    /// A payment larger than what is due.
    #[error("a payment of {amount} is more than the {due} due")]
    Overpayment {
        /// The amount offered (or allocated to one invoice).
        amount: Money,
        /// What is due.
        due: Money,
    },
    /// A refund larger than what is left of the payment.
    #[error("a refund of {amount} is more than the {refundable} left of payment `{payment}`")]
    OverRefund {
        /// The payment.
        payment: PaymentId,
        /// The refund asked for.
        amount: Money,
        /// What can still be refunded.
        refundable: Money,
    },
    /// A credit larger than what is open on the invoice (or on one of its lines).
    #[error(
        "a credit of {amount} is more than the {open} open on invoice `{invoice}`; refund the payment first"
    )]
    OverCredit {
        /// The invoice credited.
        invoice: InvoiceId,
        /// The credit asked for.
        amount: Money,
        /// What is open.
        open: Money,
    },
    /// A payment gateway webhook whose signature does not verify.
    #[error("the `{provider}` webhook signature does not verify")]
    InvalidSignature {
        /// The gateway.
        provider: String,
    },
    /// The payment gateway refused or failed a request.
    #[error("the `{provider}` payment gateway failed: {message}")]
    GatewayFailed {
        /// The gateway.
        provider: String,
        /// What it said.
        message: String,
    },
}

impl BillingError {
    /// The stable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            BillingError::InvalidTransition { .. } => "invalid_transition",
            BillingError::ImmutableInvoice { .. } => "immutable_invoice",
            BillingError::NotChargeable { .. } => "not_chargeable",
            BillingError::NoPrice { .. } => "no_price",
            BillingError::IdempotencyMismatch { .. } => "idempotency_mismatch",
            BillingError::Duplicate { .. } => "duplicate",
            BillingError::Overpayment { .. } => "overpayment",
            BillingError::OverRefund { .. } => "over_refund",
            BillingError::OverCredit { .. } => "over_credit",
            BillingError::InvalidSignature { .. } => "invalid_signature",
            BillingError::GatewayFailed { .. } => "gateway_failed",
        }
    }
}

/// `percent` as a factor: 20 → 0.20 (exact: a shift of the decimal point, no division).
pub(crate) fn percent_factor(percent: Decimal) -> Decimal {
    percent * Decimal::new(1, 2)
}

#[cfg(test)]
mod tests;
