//! Dues: a patient's statement and the aging of what is owed.
//!
//! Rules:
//! - a statement lists, in time order, what the patient was charged (their share of each issued
//!   invoice, refunds paid back to them) and what they were credited (credit notes, their payments),
//!   with the running balance; the closing balance is what they still owe;
//! - what an insurer owes is not the patient's debt: it is shown apart, as pending with the payer;
//! - aging sorts what is owed by the age of its invoice on the statement date: 0–30, 31–60, 61–90 and
//!   over 90 days.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::invoice::Invoice;
use super::payment::{Payment, Responsibility};
use crate::ids::PatientId;
use crate::money::{Currency, Money};

/// Amounts owed, by the age of their invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Aging {
    /// Invoices 0 to 30 days old.
    pub current: Money,
    /// 31 to 60 days old.
    pub days_31_60: Money,
    /// 61 to 90 days old.
    pub days_61_90: Money,
    /// Over 90 days old.
    pub over_90: Money,
}

impl Aging {
    /// All buckets empty.
    pub fn zero(currency: Currency) -> Self {
        let z = Money::zero(currency);
        Aging {
            current: z,
            days_31_60: z,
            days_61_90: z,
            over_90: z,
        }
    }

    /// The sum of the buckets.
    pub fn total(&self) -> Money {
        Money::new(
            self.current.amount + self.days_31_60.amount + self.days_61_90.amount + self.over_90.amount,
            self.current.currency,
        )
    }

    /// Rule: adds `amount` owed on an invoice dated `invoice_date` to its bucket as of `as_of`.
    pub fn add(&mut self, invoice_date: NaiveDate, amount: Money, as_of: NaiveDate) {
        let days = (as_of - invoice_date).num_days();
        let bucket = match days {
            ..=30 => &mut self.current,
            31..=60 => &mut self.days_31_60,
            61..=90 => &mut self.days_61_90,
            _ => &mut self.over_90,
        };
        bucket.amount += amount.amount;
    }
}

/// What a statement line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatementEntryKind {
    /// An invoice (the patient's share).
    Invoice,
    /// A credit note (the patient's part).
    CreditNote,
    /// A payment by the patient.
    Payment,
    /// A refund to the patient.
    Refund,
}

/// One line of a statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// What.
    pub kind: StatementEntryKind,
    /// The invoice or credit note number, or the payment's reference or id.
    pub reference: String,
    /// What it added to the balance.
    pub charge: Money,
    /// What it took off the balance.
    pub credit: Money,
    /// The balance after it.
    pub balance: Money,
}

/// A patient's statement of account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    /// The patient.
    pub patient: PatientId,
    /// The currency.
    pub currency: Currency,
    /// The statement date.
    pub as_of: NaiveDate,
    /// The entries, oldest first.
    pub entries: Vec<StatementEntry>,
    /// What the patient owes.
    pub balance: Money,
    /// What the patient owes, by the age of the invoices.
    pub aging: Aging,
    /// What insurers still owe on the patient's invoices.
    pub payer_pending: Money,
}

/// Builds a patient's statement from their invoices, credit notes and payments.
pub fn statement(
    patient: PatientId,
    currency: Currency,
    documents: &[Invoice],
    payments: &[Payment],
    as_of: NaiveDate,
) -> Statement {
    let mut raw: Vec<(DateTime<Utc>, StatementEntryKind, String, Decimal, Decimal)> = Vec::new();
    let mut aging = Aging::zero(currency);
    let mut payer_pending = Decimal::ZERO;
    for d in documents.iter().filter(|d| d.status.counts()) {
        let (Some(at), Some(b)) = (d.issued_at, &d.breakdown) else {
            continue;
        };
        let number = d.number.clone().unwrap_or_else(|| d.id.to_string());
        if d.is_credit_note() {
            raw.push((
                at,
                StatementEntryKind::CreditNote,
                number,
                Decimal::ZERO,
                b.totals.patient.amount,
            ));
        } else {
            raw.push((
                at,
                StatementEntryKind::Invoice,
                number,
                b.totals.patient.amount,
                Decimal::ZERO,
            ));
            if let Some(date) = d.issue_date {
                aging.add(date, d.patient_due(), as_of);
            }
            payer_pending += d.payer_due().amount;
        }
    }
    for p in payments
        .iter()
        .filter(|p| p.method.responsibility() == Responsibility::Patient)
    {
        let reference = p.external_reference.clone().unwrap_or_else(|| p.id.to_string());
        raw.push((
            p.received_at,
            StatementEntryKind::Payment,
            reference.clone(),
            Decimal::ZERO,
            p.amount.amount,
        ));
        for r in &p.refunds {
            raw.push((
                r.at,
                StatementEntryKind::Refund,
                reference.clone(),
                r.amount.amount,
                Decimal::ZERO,
            ));
        }
    }
    raw.sort_by_key(|a| (a.0, a.1));
    let mut balance = Decimal::ZERO;
    let entries = raw
        .into_iter()
        .map(|(at, kind, reference, charge, credit)| {
            balance += charge - credit;
            StatementEntry {
                at,
                kind,
                reference,
                charge: Money::new(charge, currency),
                credit: Money::new(credit, currency),
                balance: Money::new(balance, currency),
            }
        })
        .collect();
    Statement {
        patient,
        currency,
        as_of,
        entries,
        balance: Money::new(balance, currency),
        aging,
        payer_pending: Money::new(payer_pending, currency),
    }
}
