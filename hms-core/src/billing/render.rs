//! A plain-text rendering of an invoice or credit note, for people (and for snapshot tests): every
//! line with its arithmetic, the tax subtotals, the totals and who pays what.

use std::fmt::Write as _;

use super::calc::Breakdown;
use super::coverage::ShareBasis;
use super::invoice::{Invoice, InvoiceKind};
use crate::money::Money;

fn amt(m: &Money) -> String {
    let mut a = m.amount;
    if a.scale() < m.currency.minor_units() {
        a.rescale(m.currency.minor_units());
    }
    a.to_string()
}

fn basis(b: ShareBasis) -> &'static str {
    match b {
        ShareBasis::SelfPay => "self-pay",
        ShareBasis::NotCovered => "not covered",
        ShareBasis::PreauthorizationMissing => "no pre-auth",
        ShareBasis::Copay => "copay",
        ShareBasis::DeductibleCoinsurance => "deductible+coins",
    }
}

/// Renders `invoice` with the figures of `breakdown` (its own, or a draft's preview).
///
/// `original_number` is the number of the invoice a credit note corrects.
pub fn render(invoice: &Invoice, breakdown: &Breakdown, original_number: Option<&str>) -> String {
    let mut s = String::new();
    let number = invoice.number.as_deref().unwrap_or("(draft)");
    match &invoice.kind {
        InvoiceKind::Invoice => {
            let _ = writeln!(s, "INVOICE {number}  [{}]", invoice.status);
        }
        InvoiceKind::CreditNote { reason, .. } => {
            let _ = writeln!(
                s,
                "CREDIT NOTE {number} for invoice {}  [{}]",
                original_number.unwrap_or("?"),
                invoice.status
            );
            let _ = writeln!(s, "reason: {reason}");
        }
    }
    if let Some(d) = invoice.issue_date {
        let _ = write!(s, "date {d}");
        if let Some(due) = invoice.due_date {
            let _ = write!(s, "  due {due}");
        }
        s.push('\n');
    }
    match &invoice.coverage {
        Some(c) => {
            let plan = if c.plan.is_empty() { "-" } else { c.plan.as_str() };
            let _ = writeln!(
                s,
                "coverage: {} / {plan}, member {}, plan year {}",
                c.payer, c.member_id, c.year
            );
        }
        None => s.push_str("coverage: none (self-pay)\n"),
    }
    let _ = writeln!(
        s,
        "rounding: {}   currency: {}",
        match breakdown.rounding {
            super::RoundingMode::PerLine => "per line",
            super::RoundingMode::PerTaxCategory => "per tax category",
        },
        breakdown.currency
    );
    s.push_str(
        " #  description                                 qty      unit    amount discount       net     tax     gross     payer   patient  rate        basis\n",
    );
    for (i, (l, p)) in invoice.lines.iter().zip(&breakdown.lines).enumerate() {
        let desc: String = l.description.chars().take(40).collect();
        // A credit line credits an amount, not a quantity at a price.
        let (qty, unit) = match l.credits_line {
            Some(_) => (String::new(), String::new()),
            None => (l.quantity.normalize().to_string(), amt(&l.unit_price)),
        };
        let disc = Money::new(p.line_discount.amount + p.invoice_discount.amount, p.net.currency);
        let mut inc = l.tax.to_string();
        if l.tax_inclusive {
            inc.push_str(" incl");
        }
        let _ = write!(
            s,
            "{:>2}  {:<40} {:>6} {:>9} {:>9} {:>8} {:>9} {:>7} {:>9} {:>9} {:>9}  {:<11} {}",
            i + 1,
            desc,
            qty,
            unit,
            amt(&p.extended),
            amt(&disc),
            amt(&p.net),
            amt(&p.tax),
            amt(&p.gross),
            amt(&p.share.payer),
            amt(&p.share.patient),
            inc,
            basis(p.share.basis)
        );
        let mut parts = Vec::new();
        for (name, m) in [
            ("copay", &p.share.copay),
            ("deductible", &p.share.deductible),
            ("coinsurance", &p.share.coinsurance),
        ] {
            if !m.is_zero() {
                parts.push(format!("{name} {}", amt(m)));
            }
        }
        if p.share.capped {
            parts.push("out-of-pocket max reached".into());
        }
        if let Some(c) = l.credits_line {
            parts.push(format!("credits line {}", c + 1));
        }
        if !parts.is_empty() {
            let _ = write!(s, " ({})", parts.join(", "));
        }
        s.push('\n');
    }
    for t in &breakdown.taxes {
        let _ = writeln!(
            s,
            "tax {:<10} taxable {:>10}  tax {:>9}",
            t.tax.to_string(),
            amt(&t.taxable),
            amt(&t.amount)
        );
    }
    let t = &breakdown.totals;
    let _ = writeln!(s, "line amounts     {:>10}", amt(&t.extended));
    let _ = writeln!(s, "line discounts   {:>10}", amt(&t.line_discounts));
    let _ = writeln!(s, "invoice discount {:>10}", amt(&t.invoice_discount));
    let _ = writeln!(s, "net              {:>10}", amt(&t.net));
    let _ = writeln!(s, "tax              {:>10}", amt(&t.tax));
    let _ = writeln!(s, "TOTAL            {:>10}", amt(&t.gross));
    let _ = writeln!(s, "payer share      {:>10}", amt(&t.payer));
    let _ = writeln!(s, "patient share    {:>10}", amt(&t.patient));
    s
}
