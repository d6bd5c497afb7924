//! Invoices and credit notes, and their status machine (HL7 FHIR R4 `InvoiceStatus`).
//!
//! Rules:
//! - an invoice is a draft while charges are added and discounts set; issuing it prices it once
//!   (tax, coverage) and freezes the figures: an issued invoice's lines and breakdown never change;
//! - every status change goes through [`transition`]: draft → issued, cancelled or entered-in-error;
//!   issued → balanced (when nothing is due) or entered-in-error (only if nothing was paid or
//!   credited); balanced → issued (a refund reopens a balance); cancelled and entered-in-error are
//!   final; a credit note is issued once and never moves;
//! - a correction is a credit note that references the original invoice and its lines
//!   ([`credit_note`]); it can credit at most what is still open on each line and on the invoice.

use std::fmt;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::calc::{Breakdown, LineInput, PricedLine, TaxSubtotal, Totals};
use super::charge::{Charge, ChargeSource};
use super::coverage::{CoverageUsage, Share};
use super::{BillingError, Discount, RoundingMode, TaxRate};
use crate::error::{FieldCode, Result, ValidationError};
use crate::ids::{AccountId, ChargeId, InvoiceId, PatientId};
use crate::money::{Currency, Money};

/// FHIR R4 invoice statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InvoiceStatus {
    /// Being prepared; charges may still be added.
    Draft,
    /// Sent to the patient; its figures are final.
    Issued,
    /// Nothing is due any more.
    Balanced,
    /// Called off before it was issued.
    Cancelled,
    /// Made by mistake; as if it never existed.
    EnteredInError,
}

impl InvoiceStatus {
    /// The FHIR code.
    pub fn code(&self) -> &'static str {
        match self {
            InvoiceStatus::Draft => "draft",
            InvoiceStatus::Issued => "issued",
            InvoiceStatus::Balanced => "balanced",
            InvoiceStatus::Cancelled => "cancelled",
            InvoiceStatus::EnteredInError => "entered-in-error",
        }
    }

    /// Rule: the legal moves of the status machine (see the module documentation).
    pub fn can_become(&self, to: InvoiceStatus) -> bool {
        use InvoiceStatus::*;
        matches!(
            (self, to),
            (Draft, Issued | Cancelled | EnteredInError)
                | (Issued, Balanced | EnteredInError)
                | (Balanced, Issued)
        )
    }

    /// Whether the invoice's figures count (issued or balanced).
    pub fn counts(&self) -> bool {
        matches!(self, InvoiceStatus::Issued | InvoiceStatus::Balanced)
    }
}

impl fmt::Display for InvoiceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An invoice, or a credit note against one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum InvoiceKind {
    /// An invoice.
    Invoice,
    /// A credit note.
    CreditNote {
        /// The invoice it corrects.
        original: InvoiceId,
        /// Why.
        reason: String,
    },
}

/// One line: a charge, with the figures it was priced with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    /// The charge billed.
    pub charge: ChargeId,
    /// The event charged.
    pub source: ChargeSource,
    /// The price-list item.
    pub item_code: String,
    /// The line text.
    pub description: String,
    /// The day of service.
    pub service_date: NaiveDate,
    /// How many.
    pub quantity: Decimal,
    /// The unit price.
    pub unit_price: Money,
    /// The tax category and rate.
    pub tax: TaxRate,
    /// Whether the unit price includes the tax.
    pub tax_inclusive: bool,
    /// A discount on the line.
    #[serde(default)]
    pub discount: Option<Discount>,
    /// The visit type, for a consultation.
    #[serde(default)]
    pub visit_type: Option<String>,
    /// The payer's pre-authorization number.
    #[serde(default)]
    pub preauthorization: Option<String>,
    /// For a credit note: the line of the original invoice credited (0-based).
    #[serde(default)]
    pub credits_line: Option<usize>,
}

impl InvoiceLine {
    /// The line for a charge.
    pub fn from_charge(c: &Charge) -> Self {
        InvoiceLine {
            charge: c.id,
            source: c.source.clone(),
            item_code: c.item_code.clone(),
            description: c.description.clone(),
            service_date: c.service_date,
            quantity: c.quantity,
            unit_price: c.unit_price,
            tax: c.tax.clone(),
            tax_inclusive: c.tax_inclusive,
            discount: None,
            visit_type: c.visit_type.clone(),
            preauthorization: c.preauthorization.clone(),
            credits_line: None,
        }
    }

    /// The line as input to [`super::calculate`].
    pub fn to_input(&self) -> LineInput {
        LineInput {
            item_code: self.item_code.clone(),
            quantity: self.quantity,
            unit_price: self.unit_price,
            tax: self.tax.clone(),
            tax_inclusive: self.tax_inclusive,
            discount: self.discount,
            visit_type: self.visit_type.clone(),
            preauthorized: self.preauthorization.is_some(),
        }
    }
}

/// The insurance an issued invoice was split with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedCoverage {
    /// The payer.
    pub payer: String,
    /// The plan.
    pub plan: String,
    /// The patient's member id.
    pub member_id: String,
    /// The plan year whose deductible and out-of-pocket maximum the invoice counts towards.
    pub year: i32,
}

/// A due-date reminder stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReminderStage {
    /// The due date is at most three days away.
    Upcoming,
    /// The due date has come.
    Due,
    /// The due date passed thirty days ago or more.
    Overdue,
}

/// One status change of an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceChange {
    /// When.
    pub at: DateTime<Utc>,
    /// By whom (none for a system job).
    pub by: Option<AccountId>,
    /// The status before.
    pub from: Option<InvoiceStatus>,
    /// The status after.
    pub to: InvoiceStatus,
    /// Why.
    pub reason: Option<String>,
}

/// An invoice or a credit note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    /// The id.
    pub id: InvoiceId,
    /// Invoice or credit note.
    pub kind: InvoiceKind,
    /// The number, given at issue (`INV-000042`, `CN-000007`); unique.
    pub number: Option<String>,
    /// The patient billed.
    pub patient: PatientId,
    /// The currency.
    pub currency: Currency,
    /// The status.
    pub status: InvoiceStatus,
    /// The lines.
    pub lines: Vec<InvoiceLine>,
    /// A discount on the whole invoice.
    pub invoice_discount: Option<Discount>,
    /// How tax is rounded (the hospital's setting when the invoice was made).
    pub rounding: RoundingMode,
    /// The insurance applied at issue.
    pub coverage: Option<AppliedCoverage>,
    /// The figures, frozen at issue (none while a draft).
    pub breakdown: Option<Breakdown>,
    /// When it was issued.
    pub issued_at: Option<DateTime<Utc>>,
    /// The invoice date (the hospital's local date at issue).
    pub issue_date: Option<NaiveDate>,
    /// When the patient's share is due.
    pub due_date: Option<NaiveDate>,
    /// Paid by the patient, net of refunds.
    pub paid_patient: Money,
    /// Paid by the payer, net of refunds.
    pub paid_payer: Money,
    /// The patient's share credited by credit notes.
    pub credited_patient: Money,
    /// The payer's share credited by credit notes.
    pub credited_payer: Money,
    /// Reminder stages already sent.
    pub reminders: Vec<ReminderStage>,
    /// Status changes, oldest first.
    pub history: Vec<InvoiceChange>,
    /// Who made it.
    pub created_by: AccountId,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Incremented on every change.
    pub version: u32,
}

impl Invoice {
    /// A new, empty draft.
    pub fn draft(
        id: InvoiceId,
        patient: PatientId,
        currency: Currency,
        rounding: RoundingMode,
        by: AccountId,
        at: DateTime<Utc>,
    ) -> Self {
        let zero = Money::zero(currency);
        Invoice {
            id,
            kind: InvoiceKind::Invoice,
            number: None,
            patient,
            currency,
            status: InvoiceStatus::Draft,
            lines: Vec::new(),
            invoice_discount: None,
            rounding,
            coverage: None,
            breakdown: None,
            issued_at: None,
            issue_date: None,
            due_date: None,
            paid_patient: zero,
            paid_payer: zero,
            credited_patient: zero,
            credited_payer: zero,
            reminders: Vec::new(),
            history: vec![InvoiceChange {
                at,
                by: Some(by),
                from: None,
                to: InvoiceStatus::Draft,
                reason: None,
            }],
            created_by: by,
            created_at: at,
            version: 1,
        }
    }

    /// Whether this is a credit note.
    pub fn is_credit_note(&self) -> bool {
        matches!(self.kind, InvoiceKind::CreditNote { .. })
    }

    /// The lines as input to [`super::calculate`].
    pub fn line_inputs(&self) -> Vec<LineInput> {
        self.lines.iter().map(InvoiceLine::to_input).collect()
    }

    fn total(&self, pick: impl Fn(&Totals) -> Money) -> Money {
        self.breakdown
            .as_ref()
            .map_or(Money::zero(self.currency), |b| pick(&b.totals))
    }

    /// The invoice total (zero while a draft).
    pub fn gross(&self) -> Money {
        self.total(|t| t.gross)
    }

    /// What the patient still owes on it.
    pub fn patient_due(&self) -> Money {
        let share = self.total(|t| t.patient);
        Money::new(
            share.amount - self.credited_patient.amount - self.paid_patient.amount,
            self.currency,
        )
    }

    /// What the payer still owes on it.
    pub fn payer_due(&self) -> Money {
        let share = self.total(|t| t.payer);
        Money::new(
            share.amount - self.credited_payer.amount - self.paid_payer.amount,
            self.currency,
        )
    }

    /// Whether payments can be taken against it: an issued invoice (not a credit note).
    pub fn is_open(&self) -> bool {
        self.status == InvoiceStatus::Issued && !self.is_credit_note()
    }

    /// The status that fits the balance: balanced when nothing is due, otherwise issued.
    pub fn settled_status(&self) -> InvoiceStatus {
        if self.patient_due().is_zero() && self.payer_due().is_zero() {
            InvoiceStatus::Balanced
        } else {
            InvoiceStatus::Issued
        }
    }
}

/// Moves an invoice to `to`, recording who, when and why.
///
/// # Errors
/// `invalid_transition` when the status machine does not allow the move, for any move of a credit
/// note, and for marking an issued invoice entered-in-error once something was paid or credited.
pub fn transition(
    invoice: &Invoice,
    to: InvoiceStatus,
    at: DateTime<Utc>,
    by: Option<AccountId>,
    reason: Option<String>,
) -> Result<Invoice, BillingError> {
    let touched = !invoice.paid_patient.is_zero()
        || !invoice.paid_payer.is_zero()
        || !invoice.credited_patient.is_zero()
        || !invoice.credited_payer.is_zero();
    let refused = !invoice.status.can_become(to)
        || invoice.is_credit_note()
        || (to == InvoiceStatus::EnteredInError && invoice.status == InvoiceStatus::Issued && touched);
    if refused {
        return Err(BillingError::InvalidTransition {
            invoice: invoice.id,
            from: invoice.status,
            to,
        });
    }
    let mut next = invoice.clone();
    next.status = to;
    next.version += 1;
    next.history.push(InvoiceChange {
        at,
        by,
        from: Some(invoice.status),
        to,
        reason,
    });
    Ok(next)
}

/// Rule: the due date is the invoice date plus the payment terms.
pub fn due_date(issue_date: NaiveDate, terms_days: u32) -> NaiveDate {
    issue_date + Duration::days(i64::from(terms_days))
}

/// Rule: the reminder to send today for an invoice due on `due`, if any: `upcoming` from three days
/// before, `due` from the due date, `overdue` from thirty days after. Only the latest stage reached
/// is sent, and a stage is sent once.
pub fn reminder_due(due: NaiveDate, today: NaiveDate, sent: &[ReminderStage]) -> Option<ReminderStage> {
    let stage = if today >= due + Duration::days(30) {
        ReminderStage::Overdue
    } else if today >= due {
        ReminderStage::Due
    } else if today >= due - Duration::days(3) {
        ReminderStage::Upcoming
    } else {
        return None;
    };
    (!sent.contains(&stage)).then_some(stage)
}

/// Rule: what a patient has used of a plan in a plan year: the deductible and cost sharing of their
/// issued (or balanced) invoices split under that plan in that year, less what credit notes gave back.
pub fn coverage_usage(
    documents: &[Invoice],
    payer: &str,
    plan: &str,
    year: i32,
    currency: Currency,
) -> CoverageUsage {
    let mut deductible = Decimal::ZERO;
    let mut oop = Decimal::ZERO;
    for d in documents {
        let (Some(c), Some(b)) = (&d.coverage, &d.breakdown) else {
            continue;
        };
        if !d.status.counts() || c.payer != payer || c.plan != plan || c.year != year {
            continue;
        }
        let sign = if d.is_credit_note() {
            Decimal::NEGATIVE_ONE
        } else {
            Decimal::ONE
        };
        for l in &b.lines {
            deductible += sign * l.share.deductible.amount;
            oop += sign * l.share.cost_sharing().amount;
        }
    }
    CoverageUsage {
        deductible_used: Money::new(deductible, currency),
        out_of_pocket_used: Money::new(oop, currency),
    }
}

/// The plan year of an invoice date (calendar years).
pub fn plan_year(issue_date: NaiveDate) -> i32 {
    issue_date.year()
}

/// One line to credit: the line's index on the original invoice and how much of its gross amount
/// (`None`: all that is still open on it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditRequest {
    /// The line of the original invoice (0-based).
    pub line: usize,
    /// The amount to credit, with tax; all that is open when not given.
    #[serde(default)]
    pub amount: Option<Money>,
}

/// What is being credited, and by whom: the inputs of [`credit_note`] besides the invoices.
#[derive(Debug, Clone)]
pub struct CreditNoteHeader {
    /// The credit note's id.
    pub id: InvoiceId,
    /// Its number.
    pub number: String,
    /// Why.
    pub reason: String,
    /// Who issues it.
    pub by: AccountId,
    /// When.
    pub at: DateTime<Utc>,
    /// The local date.
    pub date: NaiveDate,
}

/// Builds a credit note against `original`, given the credit notes already issued against it.
///
/// Each credited amount is split like the line it credits — into net and tax, and into the payer's
/// and the patient's parts (copay, deductible, coinsurance, not covered) — by largest remainder
/// ([`Money::allocate`]); crediting the rest of a line takes exactly what is left of each part, so
/// a line credited in full nets to zero in every column.
///
/// # Errors
/// `invalid_input` for an unknown line, a line credited twice in one note, a zero or ill-formed amount,
/// or an original that is not an issued or balanced invoice; `currency_mismatch`; `over_credit` when
/// an amount is more than is open on its line, or when the note would take the patient's or the
/// payer's balance below zero (refund the payment first).
pub fn credit_note(
    original: &Invoice,
    earlier: &[Invoice],
    requests: &[CreditRequest],
    header: CreditNoteHeader,
) -> Result<Invoice> {
    let cur = original.currency;
    let breakdown = match (&original.breakdown, original.status.counts(), &original.kind) {
        (Some(b), true, InvoiceKind::Invoice) => b,
        _ => {
            return Err(ValidationError::single(
                "invoice",
                FieldCode::Inconsistent,
                format!(
                    "only an issued invoice can be credited, and `{}` is not one",
                    original.id
                ),
            )
            .into())
        }
    };
    if requests.is_empty() {
        return Err(ValidationError::single(
            "lines",
            FieldCode::Required,
            "name at least one line to credit",
        )
        .into());
    }
    let mut lines = Vec::with_capacity(requests.len());
    let mut priced = Vec::with_capacity(requests.len());
    let mut seen = Vec::with_capacity(requests.len());
    for (i, r) in requests.iter().enumerate() {
        let (Some(line), Some(p)) = (original.lines.get(r.line), breakdown.lines.get(r.line)) else {
            return Err(ValidationError::single(
                format!("lines[{i}].line"),
                FieldCode::OutOfRange,
                format!("invoice `{}` has no line {}", original.id, r.line),
            )
            .into());
        };
        if seen.contains(&r.line) {
            return Err(ValidationError::single(
                format!("lines[{i}].line"),
                FieldCode::Inconsistent,
                format!("line {} is named twice", r.line),
            )
            .into());
        }
        seen.push(r.line);
        let left = remaining(p, earlier, r.line);
        let open = left.gross;
        let amount = match r.amount {
            None => open,
            Some(a) => {
                if a.currency != cur {
                    return Err(crate::money::MoneyError::CurrencyMismatch {
                        left: cur,
                        right: a.currency,
                    }
                    .into());
                }
                if !a.is_rounded() || !a.amount.is_sign_positive() || a.is_zero() {
                    return Err(ValidationError::single(
                        format!("lines[{i}].amount"),
                        FieldCode::OutOfRange,
                        format!("`{}` is not an amount above zero in whole minor units", a.amount),
                    )
                    .into());
                }
                a
            }
        };
        if amount.amount > open.amount || amount.is_zero() {
            return Err(BillingError::OverCredit {
                invoice: original.id,
                amount,
                open,
            }
            .into());
        }
        priced.push(if amount == open {
            left
        } else {
            scale(&left, amount)?
        });
        lines.push(InvoiceLine {
            credits_line: Some(r.line),
            discount: None,
            ..line.clone()
        });
    }
    let credit = summarize(cur, original.rounding, priced)?;
    let patient_due = original.patient_due();
    let payer_due = original.payer_due();
    for (part, due) in [
        (credit.totals.patient, patient_due),
        (credit.totals.payer, payer_due),
    ] {
        if part.amount > due.amount {
            return Err(BillingError::OverCredit {
                invoice: original.id,
                amount: part,
                open: due,
            }
            .into());
        }
    }
    let zero = Money::zero(cur);
    let mut note = Invoice {
        id: header.id,
        kind: InvoiceKind::CreditNote {
            original: original.id,
            reason: header.reason.clone(),
        },
        number: Some(header.number),
        patient: original.patient,
        currency: cur,
        status: InvoiceStatus::Issued,
        lines,
        invoice_discount: None,
        rounding: original.rounding,
        coverage: original.coverage.clone(),
        breakdown: Some(credit),
        issued_at: Some(header.at),
        issue_date: Some(header.date),
        due_date: None,
        paid_patient: zero,
        paid_payer: zero,
        credited_patient: zero,
        credited_payer: zero,
        reminders: Vec::new(),
        history: vec![InvoiceChange {
            at: header.at,
            by: Some(header.by),
            from: None,
            to: InvoiceStatus::Issued,
            reason: Some(header.reason),
        }],
        created_by: header.by,
        created_at: header.at,
        version: 1,
    };
    fill_tax_subtotals(&mut note);
    Ok(note)
}

/// What is left of a priced line after earlier credit notes: every column less what they took.
fn remaining(line: &PricedLine, earlier: &[Invoice], index: usize) -> PricedLine {
    let mut left = line.clone();
    for cn in earlier {
        let Some(b) = &cn.breakdown else { continue };
        for (l, p) in cn.lines.iter().zip(&b.lines) {
            if l.credits_line != Some(index) {
                continue;
            }
            let sub = |a: &mut Money, b: Money| a.amount -= b.amount;
            sub(&mut left.net, p.net);
            sub(&mut left.tax, p.tax);
            sub(&mut left.gross, p.gross);
            sub(&mut left.share.payer, p.share.payer);
            sub(&mut left.share.patient, p.share.patient);
            sub(&mut left.share.copay, p.share.copay);
            sub(&mut left.share.deductible, p.share.deductible);
            sub(&mut left.share.coinsurance, p.share.coinsurance);
            sub(&mut left.share.not_covered, p.share.not_covered);
        }
    }
    left.extended = left.net;
    left.line_discount = Money::zero(left.net.currency);
    left.invoice_discount = Money::zero(left.net.currency);
    left
}

/// `amount` of a line, split like it.
///
/// # Errors
/// `amount_overflow` when a split does not fit a decimal.
fn scale(line: &PricedLine, amount: Money) -> Result<PricedLine, crate::money::MoneyError> {
    let pair = amount.allocate(&[line.net.amount, line.tax.amount])?;
    let at = |v: &[Money], i: usize| v.get(i).copied().unwrap_or(Money::zero(amount.currency));
    let parts = amount.allocate(&[
        line.share.payer.amount,
        line.share.copay.amount,
        line.share.deductible.amount,
        line.share.coinsurance.amount,
        line.share.not_covered.amount,
    ])?;
    let (copay, deductible, coinsurance, not_covered) =
        (at(&parts, 1), at(&parts, 2), at(&parts, 3), at(&parts, 4));
    let net = at(&pair, 0);
    Ok(PricedLine {
        extended: net,
        line_discount: Money::zero(amount.currency),
        invoice_discount: Money::zero(amount.currency),
        net,
        tax: at(&pair, 1),
        gross: amount,
        share: Share {
            payer: at(&parts, 0),
            patient: Money::new(
                copay.amount + deductible.amount + coinsurance.amount + not_covered.amount,
                amount.currency,
            ),
            copay,
            deductible,
            coinsurance,
            not_covered,
            basis: line.share.basis,
            capped: line.share.capped,
        },
    })
}

/// A breakdown whose totals and tax subtotals are the sums of `lines`.
fn summarize(cur: Currency, rounding: RoundingMode, lines: Vec<PricedLine>) -> Result<Breakdown> {
    let sum =
        |f: &dyn Fn(&PricedLine) -> Money| -> Result<Money> { Ok(Money::sum(cur, lines.iter().map(f))?) };
    let totals = Totals {
        extended: sum(&|l| l.extended)?,
        line_discounts: sum(&|l| l.line_discount)?,
        invoice_discount: Money::zero(cur),
        net: sum(&|l| l.net)?,
        tax: sum(&|l| l.tax)?,
        gross: sum(&|l| l.gross)?,
        payer: sum(&|l| l.share.payer)?,
        patient: sum(&|l| l.share.patient)?,
    };
    Ok(Breakdown {
        currency: cur,
        rounding,
        lines,
        taxes: Vec::new(),
        totals,
    })
}

/// Fills a credit note's tax subtotals from its lines (grouped by the lines' rates, in order).
fn fill_tax_subtotals(invoice: &mut Invoice) {
    let Some(b) = invoice.breakdown.as_mut() else {
        return;
    };
    let mut taxes: Vec<TaxSubtotal> = Vec::new();
    for (l, p) in invoice.lines.iter().zip(&b.lines) {
        match taxes.iter_mut().find(|t| t.tax == l.tax) {
            Some(t) => {
                t.taxable.amount += p.net.amount;
                t.amount.amount += p.tax.amount;
            }
            None => taxes.push(TaxSubtotal {
                tax: l.tax.clone(),
                taxable: p.net,
                amount: p.tax,
            }),
        }
    }
    b.taxes = taxes;
}
