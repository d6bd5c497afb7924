//! Payments and refunds.
//!
//! Rules:
//! - a payment is split over open invoices, oldest first or as the payer directs, and the parts add
//!   up to the payment exactly; a payment larger than what is due is refused (`overpayment`): nothing
//!   is kept on account, so no balance ever goes below zero;
//! - an insurance remittance pays the payer's share of invoices; any other method pays the
//!   patient's share;
//! - a payment carries the external reference of its card slip, bank transfer or gateway payment;
//!   the same reference again is the same payment (a webhook delivered twice pays once);
//! - a refund gives back at most what is left of a payment, taken from its most recent invoice
//!   first.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::BillingError;
use crate::error::{FieldCode, Result, ValidationError};
use crate::ids::{AccountId, InvoiceId, PatientId, PaymentId, RefundId};
use crate::money::{Currency, Money, MoneyError};

/// How a payment was made.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PaymentMethod {
    /// Cash at the desk.
    Cash,
    /// A card at the desk.
    Card,
    /// A remittance from the insurer.
    InsuranceRemittance,
    /// An online payment through a gateway.
    Gateway {
        /// The gateway's name, e.g. `stripe`, `razorpay`.
        provider: String,
    },
}

/// Whose share of an invoice a payment settles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Responsibility {
    /// The patient's share.
    Patient,
    /// The insurer's share.
    Payer,
}

impl PaymentMethod {
    /// Rule: an insurance remittance pays the payer's share; everything else the patient's.
    pub fn responsibility(&self) -> Responsibility {
        match self {
            PaymentMethod::InsuranceRemittance => Responsibility::Payer,
            _ => Responsibility::Patient,
        }
    }
}

/// The part of a payment applied to one invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    /// The invoice.
    pub invoice: InvoiceId,
    /// The amount applied.
    pub amount: Money,
    /// How much of it was refunded since.
    pub refunded: Money,
}

/// A refund of part of a payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    /// The refund.
    pub id: RefundId,
    /// How much.
    pub amount: Money,
    /// Why.
    pub reason: String,
    /// The card, bank or gateway reference of the refund.
    pub external_reference: Option<String>,
    /// The invoices it was taken from.
    pub allocations: Vec<(InvoiceId, Money)>,
    /// When.
    pub at: DateTime<Utc>,
    /// By whom.
    pub by: Option<AccountId>,
}

/// A payment received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// The payment.
    pub id: PaymentId,
    /// The patient whose invoices it pays.
    pub patient: PatientId,
    /// How much.
    pub amount: Money,
    /// How it was paid.
    pub method: PaymentMethod,
    /// The card slip, bank or gateway reference (unique).
    pub external_reference: Option<String>,
    /// When it was received.
    pub received_at: DateTime<Utc>,
    /// Who recorded it (none for a gateway webhook).
    pub recorded_by: Option<AccountId>,
    /// How it was applied; the amounts add up to the payment.
    pub allocations: Vec<Allocation>,
    /// Refunds of it, oldest first.
    pub refunds: Vec<Refund>,
    /// Incremented on every change.
    pub version: u32,
}

impl Payment {
    /// Everything refunded so far.
    pub fn refunded(&self) -> Money {
        Money::new(
            self.refunds.iter().map(|r| r.amount.amount).sum(),
            self.amount.currency,
        )
    }

    /// What can still be refunded.
    pub fn refundable(&self) -> Money {
        Money::new(self.amount.amount - self.refunded().amount, self.amount.currency)
    }
}

/// How to apply a payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AllocationRule {
    /// To the oldest open invoices first, each up to what is due on it.
    OldestFirst,
    /// Exactly these amounts to these invoices; they must add up to the payment.
    Explicit {
        /// Invoice and amount.
        parts: Vec<(InvoiceId, Money)>,
    },
}

/// An invoice a payment can go to, with what is due on it for the paying side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenItem {
    /// The invoice.
    pub invoice: InvoiceId,
    /// When it was issued (oldest first).
    pub issued_at: DateTime<Utc>,
    /// What is due on it.
    pub due: Money,
}

/// A request to record a payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRequest {
    /// The patient whose invoices are paid.
    pub patient: PatientId,
    /// How much.
    pub amount: Money,
    /// How.
    pub method: PaymentMethod,
    /// The card slip, bank or gateway reference; the same reference twice records one payment.
    #[serde(default)]
    pub external_reference: Option<String>,
    /// How to apply it.
    pub allocation: AllocationRule,
}

impl PaymentRequest {
    /// A payment applied oldest first.
    pub fn new(patient: PatientId, amount: Money, method: PaymentMethod) -> Self {
        PaymentRequest {
            patient,
            amount,
            method,
            external_reference: None,
            allocation: AllocationRule::OldestFirst,
        }
    }

    /// Rule: a repeated reference is the same payment when patient, amount and method agree.
    pub fn matches(&self, p: &Payment) -> bool {
        p.patient == self.patient && p.amount == self.amount && p.method == self.method
    }
}

fn check_amount(field: &str, amount: Money, currency: Currency) -> Result<()> {
    if amount.currency != currency {
        return Err(MoneyError::CurrencyMismatch {
            left: currency,
            right: amount.currency,
        }
        .into());
    }
    if !amount.is_rounded() || amount.is_negative() || amount.is_zero() {
        return Err(ValidationError::single(
            field,
            FieldCode::OutOfRange,
            format!(
                "`{}` is not an amount above zero in whole minor units",
                amount.amount
            ),
        )
        .into());
    }
    Ok(())
}

/// Splits a payment over open invoices.
///
/// # Errors
/// `invalid_input` for an amount not above zero or not in whole minor units, an explicit part naming
/// an invoice that is not open (or twice), or parts that do not add up to the payment;
/// `currency_mismatch`; `overpayment` when the payment (or an explicit part) is more than is due.
///
/// # Example
/// ```
/// # use hms_core::billing::payment::{allocate_payment, AllocationRule, OpenItem};
/// # use hms_core::money::{Currency, Money};
/// # use chrono::{TimeZone, Utc};
/// let usd = |c| Money::from_minor(c, Currency::USD);
/// let at = |d| Utc.with_ymd_and_hms(2026, 3, d, 9, 0, 0).unwrap();
/// let id = |n| hms_core::ids::InvoiceId::from_uuid(uuid::Uuid::from_u128(n));
/// let open = [
///     OpenItem { invoice: id(2), issued_at: at(5), due: usd(5000) },
///     OpenItem { invoice: id(1), issued_at: at(1), due: usd(3000) },
/// ];
/// // 60.00 oldest first: 30.00 to the 1 March invoice, 30.00 to the 5 March one.
/// let parts = allocate_payment(usd(6000), &open, &AllocationRule::OldestFirst)?;
/// assert_eq!(parts, vec![(id(1), usd(3000)), (id(2), usd(3000))]);
/// # Ok::<(), hms_core::Error>(())
/// ```
pub fn allocate_payment(
    amount: Money,
    open: &[OpenItem],
    rule: &AllocationRule,
) -> Result<Vec<(InvoiceId, Money)>> {
    let cur = amount.currency;
    check_amount("amount", amount, cur)?;
    match rule {
        AllocationRule::OldestFirst => {
            let mut due_total = rust_decimal::Decimal::ZERO;
            for o in open {
                if o.due.currency != cur {
                    return Err(MoneyError::CurrencyMismatch {
                        left: cur,
                        right: o.due.currency,
                    }
                    .into());
                }
                due_total += o.due.amount.max(rust_decimal::Decimal::ZERO);
            }
            if amount.amount > due_total {
                return Err(BillingError::Overpayment {
                    amount,
                    due: Money::new(due_total, cur),
                }
                .into());
            }
            let mut order: Vec<&OpenItem> = open
                .iter()
                .filter(|o| o.due.amount.is_sign_positive() && !o.due.is_zero())
                .collect();
            order.sort_by_key(|o| (o.issued_at, o.invoice));
            let mut left = amount.amount;
            let mut out = Vec::new();
            for o in order {
                if left.is_zero() {
                    break;
                }
                let part = left.min(o.due.amount);
                left -= part;
                out.push((o.invoice, Money::new(part, cur)));
            }
            Ok(out)
        }
        AllocationRule::Explicit { parts } => {
            let mut seen = HashSet::with_capacity(parts.len());
            let mut sum = rust_decimal::Decimal::ZERO;
            for (i, (invoice, part)) in parts.iter().enumerate() {
                check_amount(&format!("allocation.parts[{i}]"), *part, cur)?;
                let Some(o) = open.iter().find(|o| o.invoice == *invoice) else {
                    return Err(ValidationError::single(
                        format!("allocation.parts[{i}]"),
                        FieldCode::Inconsistent,
                        format!("invoice `{invoice}` is not open for this payment"),
                    )
                    .into());
                };
                if !seen.insert(*invoice) {
                    return Err(ValidationError::single(
                        format!("allocation.parts[{i}]"),
                        FieldCode::Inconsistent,
                        format!("invoice `{invoice}` is named twice"),
                    )
                    .into());
                }
                if part.amount > o.due.amount {
                    return Err(BillingError::Overpayment {
                        amount: *part,
                        due: o.due,
                    }
                    .into());
                }
                sum += part.amount;
            }
            if sum != amount.amount {
                return Err(ValidationError::single(
                    "allocation.parts",
                    FieldCode::Inconsistent,
                    format!(
                        "the parts add up to {}, not to the payment's {amount}",
                        Money::new(sum, cur)
                    ),
                )
                .into());
            }
            Ok(parts.clone())
        }
    }
}

/// Splits a refund over a payment's invoices, most recent allocation first, each up to what is left
/// of it.
///
/// # Errors
/// `invalid_input` for an amount not above zero; `currency_mismatch`; `over_refund` when the refund
/// is more than what is left of the payment.
pub fn allocate_refund(payment: &Payment, amount: Money) -> Result<Vec<(InvoiceId, Money)>> {
    check_amount("amount", amount, payment.amount.currency)?;
    let refundable = payment.refundable();
    if amount.amount > refundable.amount {
        return Err(BillingError::OverRefund {
            payment: payment.id,
            amount,
            refundable,
        }
        .into());
    }
    let mut left = amount.amount;
    let mut out = Vec::new();
    for a in payment.allocations.iter().rev() {
        if left.is_zero() {
            break;
        }
        let part = left.min(a.amount.amount - a.refunded.amount);
        if part.is_zero() {
            continue;
        }
        left -= part;
        out.push((a.invoice, Money::new(part, amount.currency)));
    }
    Ok(out)
}
