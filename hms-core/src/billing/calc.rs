//! Invoice calculation: a pure function from lines, discounts, tax rates and coverage to a breakdown
//! whose lines always add up to its totals.
//!
//! The arithmetic, in the order an accountant does it:
//! 1. **Line amount** = quantity × unit price, rounded half-up to the minor unit.
//! 2. **Line discount**: a percentage of the line amount (rounded half-up) or a fixed amount.
//! 3. **Invoice discount**: a percentage of (or an amount off) the sum of the discounted lines, spread
//!    over the lines in proportion to their discounted amounts by largest remainder, so the line
//!    shares add up to the invoice discount exactly.
//! 4. **Tax**, per category and rate. A tax-exclusive line's discounted amount is its net amount and
//!    its tax is added on top; a tax-inclusive line's discounted amount is its gross amount and its tax
//!    is taken out of it (`gross × rate / (100 + rate)`), so 24.99 at 20 % stays 24.99 (20.82 + 4.17).
//!    With [`RoundingMode::PerLine`] each line's tax is rounded on its own. With
//!    [`RoundingMode::PerTaxCategory`] (EN 16931 BR-CO-17) the category's tax is computed from its
//!    total and rounded once, then spread back over its lines by largest remainder.
//! 5. **Coverage** (optional): every line's gross amount is split into the payer's and the patient's
//!    share ([`super::coverage`]).
//!
//! Every figure is a whole number of minor units; `net + tax = gross` on every line, and every total
//! is the sum of its lines.
//!
//! # Implementation
//! Amounts are handled as integers of minor units and percentages as exact fractions, so a division
//! is one integer division with an exact half-up tie test. A line's figures are `i64`s (a line amount
//! that does not fit one is refused as too large when it is read, and every sum is checked); only the
//! products of an amount and a rate are widened to `i128`. The work is a few passes over one small
//! record per line: the tax groups are found while the lines are read (a rate written like the
//! previous line's is not read again), the invoice discount and each category's tax are spread over
//! the lines in place (`spread`, pinned to [`allocate_minor`], the integer twin of
//! [`Money::allocate`]), and the coverage split is made line by line while the priced lines are
//! written, so a 50-line invoice prices in a few microseconds. An amount too large for the
//! arithmetic is an `invalid_input` error, never a wrong figure.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use super::coverage::{self, CoveragePlan, CoverageUsage, Share};
use super::{Discount, RoundingMode, TaxRate};
use crate::error::{Error, FieldCode, Result, ValidationError};
use crate::money::{Currency, Money, MoneyError};

/// One line to price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineInput {
    /// The price-list item code (coverage rules name items by code).
    pub item_code: String,
    /// How many (may be fractional: 2.5 hours, 0.5 days). Must be above zero.
    pub quantity: Decimal,
    /// The price of one, possibly with more places than the minor unit. Must not be negative.
    pub unit_price: Money,
    /// The tax category and rate.
    pub tax: TaxRate,
    /// Whether the unit price already includes the tax.
    pub tax_inclusive: bool,
    /// A discount on this line.
    #[serde(default)]
    pub discount: Option<Discount>,
    /// The visit type, for a consultation (coverage copays are per visit type).
    #[serde(default)]
    pub visit_type: Option<String>,
    /// Whether the payer pre-authorized this service.
    #[serde(default)]
    pub preauthorized: bool,
}

impl LineInput {
    /// A tax-exclusive line with no discount, visit type or pre-authorization.
    pub fn new(item_code: impl Into<String>, quantity: Decimal, unit_price: Money, tax: TaxRate) -> Self {
        LineInput {
            item_code: item_code.into(),
            quantity,
            unit_price,
            tax,
            tax_inclusive: false,
            discount: None,
            visit_type: None,
            preauthorized: false,
        }
    }
}

/// Everything an invoice's figures depend on.
#[derive(Debug, Clone, Copy)]
pub struct InvoiceInput<'a> {
    /// The invoice currency; every amount must be in it.
    pub currency: Currency,
    /// How tax is rounded.
    pub rounding: RoundingMode,
    /// The lines, in invoice order.
    pub lines: &'a [LineInput],
    /// A discount on the whole invoice.
    pub invoice_discount: Option<Discount>,
    /// The patient's coverage plan and what they have used of it this year; `None` for self-pay.
    pub coverage: Option<(&'a CoveragePlan, CoverageUsage)>,
}

/// The figures of one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedLine {
    /// Quantity × unit price, rounded.
    pub extended: Money,
    /// The line's own discount.
    pub line_discount: Money,
    /// The line's share of the invoice discount.
    pub invoice_discount: Money,
    /// The amount before tax.
    pub net: Money,
    /// The tax.
    pub tax: Money,
    /// The amount with tax: `net + tax`.
    pub gross: Money,
    /// Who pays the gross amount.
    pub share: Share,
}

/// One tax category's subtotal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxSubtotal {
    /// The category and rate.
    pub tax: TaxRate,
    /// The sum of the category's net line amounts.
    pub taxable: Money,
    /// The category's tax (the sum of its lines' taxes).
    pub amount: Money,
}

/// The invoice totals: each is the sum of the lines' figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Σ line amounts.
    pub extended: Money,
    /// Σ line discounts.
    pub line_discounts: Money,
    /// The invoice discount.
    pub invoice_discount: Money,
    /// Σ net amounts (the taxable total).
    pub net: Money,
    /// Σ taxes.
    pub tax: Money,
    /// The invoice total: Σ gross amounts.
    pub gross: Money,
    /// The payer's total share.
    pub payer: Money,
    /// The patient's total share.
    pub patient: Money,
}

/// The priced invoice: a [`PricedLine`] per input line (same order), the tax subtotals in order of
/// first appearance, and the totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Breakdown {
    /// The currency.
    pub currency: Currency,
    /// How the tax was rounded.
    pub rounding: RoundingMode,
    /// One entry per input line.
    pub lines: Vec<PricedLine>,
    /// One entry per tax category and rate.
    pub taxes: Vec<TaxSubtotal>,
    /// The totals.
    pub totals: Totals,
}

/// Prices an invoice.
///
/// # Errors
/// `currency_mismatch` when an amount is in another currency; `invalid_input` listing every bad
/// term of the coverage plan (at `coverage.plan.<field>`, as [`coverage::validate_plan`] names them)
/// and of its usage (`coverage.usage.<field>`: negative, or not whole minor units of the currency),
/// then every bad line (a quantity not above zero, a negative price, a rate or discount outside
/// 0–100 %, an amount discount larger than what it discounts or not in whole minor units), then a
/// figure too large.
///
/// # Example
/// ```
/// # use hms_core::billing::{calculate, InvoiceInput, LineInput, RoundingMode, TaxRate};
/// # use hms_core::money::{Currency, Money};
/// # use rust_decimal_macros::dec;
/// // A tax-inclusive price of 24.99 at 20 %: tax = 24.99 × 20/120 = 4.165 → 4.17, net = 20.82.
/// let mut line = LineInput::new("otc.bandage", dec!(1), Money::new(dec!(24.99), Currency::GBP), TaxRate::new("S", dec!(20)));
/// line.tax_inclusive = true;
/// let lines = [line];
/// let b = calculate(&InvoiceInput {
///     currency: Currency::GBP,
///     rounding: RoundingMode::PerTaxCategory,
///     lines: &lines,
///     invoice_discount: None,
///     coverage: None,
/// })?;
/// assert_eq!(b.totals.gross.amount, dec!(24.99));
/// assert_eq!(b.totals.tax.amount, dec!(4.17));
/// assert_eq!(b.totals.net.amount, dec!(20.82));
/// # Ok::<(), hms_core::Error>(())
/// ```
pub fn calculate(input: &InvoiceInput<'_>) -> Result<Breakdown> {
    let cur = input.currency;
    let m = cur.minor_units();
    check_currencies(input)?;
    let n = input.lines.len();
    let mut problems = ValidationError::default();
    // The coverage terms are checked here, where the figures depend on them, so that every caller
    // of the pure function (not only the facade) gets the plan's own problems rather than a figure
    // that does not compute.
    if let Some((plan, usage)) = input.coverage {
        if let Err(e) = coverage::validate_plan(plan, cur) {
            problems.extend_prefixed("coverage.plan", e);
        }
        coverage::check_usage(&usage, cur, &mut problems);
    }

    // 1–2. Line amounts and line discounts; each line joins its tax group (category and rate) on the
    // way (the group of the previous line is tried first).
    let mut work: Vec<Work> = Vec::with_capacity(n);
    let mut groups: Vec<Group<'_>> = Vec::new();
    let mut last = usize::MAX;
    let mut last_percent: Option<(Decimal, Pct)> = None;
    let mut base: i64 = 0;
    for (i, l) in input.lines.iter().enumerate() {
        // Signs read off the mantissas: no decimal comparison needed.
        if l.quantity.mantissa() <= 0 {
            problems.push(
                format!("lines[{i}].quantity"),
                FieldCode::OutOfRange,
                format!("a quantity of `{}` is not above zero", l.quantity),
            );
        }
        if l.unit_price.amount.mantissa() < 0 {
            problems.push(
                format!("lines[{i}].unit_price"),
                FieldCode::OutOfRange,
                format!("a unit price of `{}` is negative", l.unit_price.amount),
            );
        }
        // The same rate written the same way as the previous line's, or else as an earlier group's:
        // that group, with no need to read the rate again.
        let written_alike = |g: &Group<'_>| {
            same_bits(g.rate.percent, l.tax.percent) && same_str(&g.rate.category, &l.tax.category)
        };
        let known = match groups.get(last) {
            Some(g) if written_alike(g) => Some(last),
            _ => groups.iter().position(written_alike),
        };
        let group = match known {
            Some(g) => Some(g),
            None => match Pct::of(l.tax.percent) {
                None => {
                    problems.push(
                        format!("lines[{i}].tax"),
                        FieldCode::OutOfRange,
                        format!("a tax rate of `{}` is not between 0 and 100 %", l.tax.percent),
                    );
                    None
                }
                Some(pct) => {
                    let same = |g: &Group<'_>| g.pct == pct && same_str(&g.rate.category, &l.tax.category);
                    Some(match groups.iter().position(same) {
                        Some(g) => g,
                        None => {
                            groups.push(Group {
                                rate: &l.tax,
                                pct,
                                exclusive: 0,
                                inclusive: 0,
                                tax: 0,
                                net: 0,
                            });
                            groups.len() - 1
                        }
                    })
                }
            },
        };
        if let Some(g) = group {
            last = g;
        }
        let ext = line_amount(l.quantity, l.unit_price.amount, m)
            .and_then(|v| i64::try_from(v).ok())
            .ok_or_else(too_large)?;
        let disc = match l.discount {
            None => 0,
            // The same percentage written the same way as the last one read: no need to read it again.
            Some(Discount::Percent(p)) if last_percent.is_some_and(|(q, _)| same_bits(p, q)) => {
                match last_percent.and_then(|(_, pct)| pct.part_of(i128::from(ext))) {
                    Some(d) => i64::try_from(d).map_err(|_| too_large())?,
                    None => return Err(too_large()),
                }
            }
            Some(d) => match discount_on(Some(d), ext, m) {
                Ok(d) => d,
                Err(msg) => {
                    problems.push(format!("lines[{i}].discount"), FieldCode::OutOfRange, msg);
                    0
                }
            },
        };
        if let Some(Discount::Percent(p)) = l.discount {
            if !last_percent.is_some_and(|(q, _)| same_bits(p, q)) {
                last_percent = Pct::of(p).map(|pct| (p, pct)).or(last_percent);
            }
        }
        let after = ext - disc;
        base = base.checked_add(after).ok_or_else(too_large)?;
        work.push(Work {
            ext,
            line_disc: disc,
            inv_disc: 0,
            after,
            tax: 0,
            group: group.unwrap_or(0),
            inclusive: l.tax_inclusive,
        });
    }

    // 3. The invoice discount, spread over the discounted lines.
    let inv_disc = match discount_on(input.invoice_discount, base, m) {
        Ok(d) => d,
        Err(msg) => {
            problems.push("invoice_discount", FieldCode::OutOfRange, msg);
            0
        }
    };
    problems.into_result()?;
    let mut keys: Vec<u128> = Vec::with_capacity(n);
    if inv_disc != 0 {
        spread(
            inv_disc,
            &mut work,
            |_| true,
            |w| Some(i128::from(w.after)),
            |w| &mut w.inv_disc,
            &mut keys,
        )
        .ok_or_else(too_large)?;
        for w in &mut work {
            w.after -= w.inv_disc;
        }
    }

    // 4. Tax, per category and rate.
    for w in &work {
        if let Some(grp) = groups.get_mut(w.group) {
            let side = if w.inclusive {
                &mut grp.inclusive
            } else {
                &mut grp.exclusive
            };
            *side = side.checked_add(w.after).ok_or_else(too_large)?;
        }
    }
    match input.rounding {
        RoundingMode::PerLine => {
            for w in &mut work {
                let pct = groups.get(w.group).map(|g| g.pct).ok_or_else(too_large)?;
                w.tax = pct
                    .tax_of(i128::from(w.after), w.inclusive)
                    .and_then(|t| i64::try_from(t).ok())
                    .ok_or_else(too_large)?;
            }
        }
        RoundingMode::PerTaxCategory => {
            for (gi, g) in groups.iter().enumerate() {
                let pct = g.pct;
                let total = pct
                    .category_tax(i128::from(g.exclusive), i128::from(g.inclusive))
                    .and_then(|t| i64::try_from(t).ok())
                    .ok_or_else(too_large)?;
                if total == 0 {
                    // No tax to spread (an exempt or zero-rated category): every line's tax stays 0.
                    continue;
                }
                spread(
                    total,
                    &mut work,
                    |w| w.group == gi,
                    |w| pct.tax_weight(i128::from(w.after), w.inclusive),
                    |w| &mut w.tax,
                    &mut keys,
                )
                .ok_or_else(too_large)?;
            }
        }
    }
    drop(keys);

    // 5. Net and gross per line, coverage, and the totals.
    let mut split = coverage::Splitter::new(input.coverage, cur)?;
    let money = minor_money(cur)?;
    let mut lines = Vec::with_capacity(n);
    let mut t = [0i64; 6]; // extended, line discounts, net, tax, gross, payer
    for (w, l) in work.iter().zip(input.lines) {
        let (net, gross) = if w.inclusive {
            (w.after - w.tax, w.after)
        } else {
            (w.after, w.after.checked_add(w.tax).ok_or_else(too_large)?)
        };
        if let Some(g) = groups.get_mut(w.group) {
            g.tax = g.tax.checked_add(w.tax).ok_or_else(too_large)?;
            g.net = g.net.checked_add(net).ok_or_else(too_large)?;
        }
        let s = split.share(gross, l)?;
        for (acc, v) in t.iter_mut().zip([w.ext, w.line_disc, net, w.tax, gross, s.payer]) {
            *acc = acc.checked_add(v).ok_or_else(too_large)?;
        }
        lines.push(PricedLine {
            extended: money(w.ext),
            line_discount: money(w.line_disc),
            invoice_discount: money(w.inv_disc),
            net: money(net),
            tax: money(w.tax),
            gross: money(gross),
            share: Share {
                payer: money(s.payer),
                patient: money(s.patient),
                copay: money(s.copay),
                deductible: money(s.deductible),
                coinsurance: money(s.coinsurance),
                not_covered: money(s.not_covered),
                basis: s.basis,
                capped: s.capped,
            },
        });
    }
    let taxes = groups
        .iter()
        .map(|g| TaxSubtotal {
            tax: g.rate.clone(),
            taxable: money(g.net),
            amount: money(g.tax),
        })
        .collect();
    let [extended, line_discounts, net, tax, total, payer] = t;
    let totals = Totals {
        extended: money(extended),
        line_discounts: money(line_discounts),
        invoice_discount: money(inv_disc),
        net: money(net),
        tax: money(tax),
        gross: money(total),
        payer: money(payer),
        patient: money(total - payer),
    };
    Ok(Breakdown {
        currency: cur,
        rounding: input.rounding,
        lines,
        taxes,
        totals,
    })
}

/// One line's figures in minor units while the invoice is priced. Every figure fits an `i64`: a
/// line amount that does not is refused as too large when it is read, and every sum is checked.
struct Work {
    ext: i64,
    line_disc: i64,
    inv_disc: i64,
    after: i64,
    tax: i64,
    group: usize,
    inclusive: bool,
}

struct Group<'a> {
    rate: &'a TaxRate,
    pct: Pct,
    exclusive: i64,
    inclusive: i64,
    tax: i64,
    net: i64,
}

/// Whether two decimals are written alike (same digits, same scale): equal for sure, without a
/// decimal comparison. (`20` and `20.0` are not written alike; they are compared as rates.)
#[inline]
fn same_bits(a: Decimal, b: Decimal) -> bool {
    a.serialize() == b.serialize()
}

/// String equality without a library call for the short codes (tax categories) compared per line.
#[inline]
fn same_str(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

/// Spreads `total` minor units over the lines `member` picks, in proportion to their `weight`, by
/// largest remainder, writing each part into the line's `slot`: the rule of [`allocate_minor`] (and
/// of [`Money::allocate`]) without a vector per call. `keys` is scratch space. `None` when a
/// product overflows.
fn spread(
    total: i64,
    work: &mut [Work],
    member: impl Fn(&Work) -> bool,
    weight: impl Fn(&Work) -> Option<i128>,
    slot: fn(&mut Work) -> &mut i64,
    keys: &mut Vec<u128>,
) -> Option<()> {
    let mut sum: i128 = 0;
    let mut first = None;
    for (i, w) in work.iter().enumerate() {
        if member(w) {
            first.get_or_insert(i);
            sum = sum.checked_add(weight(w)?.max(0))?;
        }
    }
    let Some(first) = first else { return Some(()) };
    if sum == 0 {
        for (i, w) in work.iter_mut().enumerate() {
            if member(w) {
                *slot(w) = if i == first { total } else { 0 };
            }
        }
        return Some(());
    }
    let Ok(rank_sum) = u64::try_from(sum) else {
        // Weights summing past 2^64 (never met with money): the general path.
        let members: Vec<usize> = (0..work.len())
            .filter(|i| work.get(*i).is_some_and(&member))
            .collect();
        let weights = members
            .iter()
            .map(|i| work.get(*i).and_then(&weight))
            .collect::<Option<Vec<i128>>>()?;
        let parts = allocate_minor(i128::from(total), &weights)?;
        for (i, p) in members.iter().zip(parts) {
            if let Some(w) = work.get_mut(*i) {
                *slot(w) = i64::try_from(p).ok()?;
            }
        }
        return Some(());
    };
    let magnitude = i128::from(total).abs();
    let small_sum = i64::try_from(sum).ok();
    let mut assigned: i128 = 0;
    keys.clear();
    for (i, w) in work.iter_mut().enumerate() {
        if !member(w) {
            continue;
        }
        let wt = weight(w)?.max(0);
        let (floor, r) = if wt == 0 {
            (0, 0)
        } else {
            let p = mul(magnitude, wt)?;
            match (i64::try_from(p), small_sum) {
                (Ok(p), Some(s)) => (i128::from(p / s), i128::from(p % s)),
                _ => (p / sum, p % sum),
            }
        };
        *slot(w) = i64::try_from(floor).ok()?;
        assigned += floor;
        if r > 0 {
            // Smallest keys first: the largest remainders, an earlier line first on a tie.
            let rank = u128::from(rank_sum - 1 - u64::try_from(r).ok()?);
            keys.push((rank << 64) | i as u128);
        }
    }
    // INVARIANT: the leftover is below the number of positive remainders, since each floor lost
    // less than one unit.
    let k = usize::try_from(magnitude - assigned).ok()?.min(keys.len());
    if k > 0 {
        if k < keys.len() {
            keys.select_nth_unstable(k);
        }
        for key in keys.iter().take(k) {
            if let Some(w) = work.get_mut((*key as u64) as usize) {
                *slot(w) += 1;
            }
        }
    }
    if total < 0 {
        for w in work.iter_mut() {
            if member(w) {
                *slot(w) = -*slot(w);
            }
        }
    }
    Some(())
}

fn check_currencies(input: &InvoiceInput<'_>) -> Result<()> {
    let cur = input.currency;
    let mismatch = |other: Currency| -> Error {
        MoneyError::CurrencyMismatch {
            left: cur,
            right: other,
        }
        .into()
    };
    for l in input.lines {
        if l.unit_price.currency != cur {
            return Err(mismatch(l.unit_price.currency));
        }
        if let Some(Discount::Amount(a)) = l.discount {
            if a.currency != cur {
                return Err(mismatch(a.currency));
            }
        }
    }
    if let Some(Discount::Amount(a)) = input.invoice_discount {
        if a.currency != cur {
            return Err(mismatch(a.currency));
        }
    }
    if let Some((plan, _)) = input.coverage {
        if plan.currency != cur {
            return Err(mismatch(plan.currency));
        }
    }
    Ok(())
}

pub(crate) fn too_large() -> Error {
    ValidationError::single(
        "amount",
        FieldCode::OutOfRange,
        "an amount is too large to compute exactly",
    )
    .into()
}

/// The discount in minor units on `amount`, or a message saying what is wrong with it.
fn discount_on(discount: Option<Discount>, amount: i64, m: u32) -> std::result::Result<i64, String> {
    match discount {
        None => Ok(0),
        Some(Discount::Percent(p)) => {
            let pct = Pct::of(p).ok_or_else(|| format!("a discount of `{p}` % is not between 0 and 100"))?;
            pct.part_of(i128::from(amount))
                .and_then(|d| i64::try_from(d).ok())
                .ok_or_else(|| "the discount is too large to compute".to_owned())
        }
        Some(Discount::Amount(a)) => {
            let v = to_minor(a.amount, m)
                .ok_or_else(|| format!("`{}` is not a whole number of minor units", a.amount))?;
            if v < 0 {
                Err(format!("a discount of `{}` is negative", a.amount))
            } else if v > i128::from(amount) {
                Err(format!(
                    "a discount of `{}` is more than the {} it discounts",
                    a.amount,
                    Decimal::from_i128_with_scale(i128::from(amount), m)
                ))
            } else {
                // INVARIANT: 0 ≤ v ≤ amount, an i64.
                Ok(i64::try_from(v).unwrap_or(amount))
            }
        }
    }
}

/// Powers of ten that fit an `i128`.
#[expect(
    clippy::indexing_slicing,
    reason = "a compile-time loop: an index out of bounds is a build error, never a panic"
)]
const POW10: [i128; 39] = {
    let mut t = [1i128; 39];
    let mut i = 1;
    while i < 39 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

fn pow10(e: u32) -> Option<i128> {
    POW10.get(e as usize).copied()
}

/// `a × b`, exactly. When both fit 64 bits this is one widening multiply (the product of two 64-bit
/// numbers always fits 128 bits); otherwise a checked 128-bit multiply.
#[inline]
pub(crate) fn mul(a: i128, b: i128) -> Option<i128> {
    match (i64::try_from(a), i64::try_from(b)) {
        (Ok(x), Ok(y)) => Some(i128::from(x) * i128::from(y)),
        _ => a.checked_mul(b),
    }
}

/// `a / b` rounded half-up (a tie goes away from zero); `b > 0`.
#[inline]
pub(crate) fn div_half_up(a: i128, b: i128) -> Option<i128> {
    // Fast path: 64-bit division is a single instruction, 128-bit division a library call.
    if let (Ok(a), Ok(b)) = (i64::try_from(a), i64::try_from(b)) {
        let q = a.checked_div(b)?;
        let r = a.checked_rem(b)?;
        let up = r.unsigned_abs().checked_mul(2)? >= b.unsigned_abs();
        return Some(i128::from(if up { q.checked_add(a.signum())? } else { q }));
    }
    let q = a.checked_div(b)?;
    let r = a.checked_rem(b)?;
    if r.checked_abs()?.checked_mul(2)? >= b {
        q.checked_add(a.signum())
    } else {
        Some(q)
    }
}

/// An exact decimal amount as whole minor units, if it is one.
pub(crate) fn to_minor(amount: Decimal, m: u32) -> Option<i128> {
    let s = amount.scale();
    let mant = amount.mantissa();
    if s <= m {
        mant.checked_mul(pow10(m - s)?)
    } else {
        let d = pow10(s - m)?;
        (mant % d == 0).then_some(mant / d)
    }
}

/// A maker of money in `cur` from minor units (an `i64`), infallible once the currency's places are
/// known to be a decimal scale.
///
/// # Errors
/// `invalid_input` (too large) for a currency with more places than a decimal holds (none has).
#[inline]
pub(crate) fn minor_money(cur: Currency) -> Result<impl Fn(i64) -> Money> {
    let m = cur.minor_units();
    Decimal::try_new(0, m).map_err(|_| too_large())?;
    // INVARIANT: `m` is a valid scale (checked above), so `try_new` cannot fail below.
    Ok(move |v: i64| Money::new(Decimal::try_new(v, m).unwrap_or_default(), cur))
}

/// `quantity × unit_price` rounded half-up to `m` places, in minor units.
fn line_amount(quantity: Decimal, unit_price: Decimal, m: u32) -> Option<i128> {
    let prod = mul(quantity.mantissa(), unit_price.mantissa());
    let scale = quantity.scale() + unit_price.scale();
    match prod {
        Some(p) if scale == m => Some(p),
        Some(p) if scale < m => p.checked_mul(pow10(m - scale)?),
        Some(p) if scale - m < 39 => div_half_up(p, pow10(scale - m)?),
        _ => {
            let exact = quantity.checked_mul(unit_price)?;
            to_minor(
                exact.round_dp_with_strategy(m, RoundingStrategy::MidpointAwayFromZero),
                m,
            )
        }
    }
}

/// A percentage as the exact fraction `num / den` of a whole (`den = 100 × 10^scale`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pct {
    pub(crate) num: i128,
    pub(crate) den: i128,
}

/// Equal fractions are equal percentages: 20 % and 20.0 % are one rate.
impl PartialEq for Pct {
    fn eq(&self, other: &Pct) -> bool {
        if self.den == other.den {
            return self.num == other.num;
        }
        // INVARIANT: num ≤ den ≤ 10^8, so the cross products fit an i128.
        self.num * other.den == other.num * self.den
    }
}

impl Eq for Pct {}

impl Pct {
    /// `percent` (0 to 100, at most 6 decimal places) as a fraction.
    pub(crate) fn of(percent: Decimal) -> Option<Pct> {
        let p = if percent.scale() > 6 {
            percent.normalize()
        } else {
            percent
        };
        let den = 100i128.checked_mul(pow10(p.scale()).filter(|_| p.scale() <= 6)?)?;
        let num = p.mantissa();
        // 0 ≤ p ≤ 100 ⟺ 0 ≤ num ≤ den (p = num / 10^scale, den = 100 · 10^scale).
        (0..=den).contains(&num).then_some(Pct { num, den })
    }

    /// This percentage of `amount`, rounded half-up.
    pub(crate) fn part_of(self, amount: i128) -> Option<i128> {
        div_half_up(mul(amount, self.num)?, self.den)
    }

    /// One line's tax, rounded on its own: `net × r` or `gross × r / (1 + r)`.
    fn tax_of(self, amount: i128, inclusive: bool) -> Option<i128> {
        let den = if inclusive {
            self.den.checked_add(self.num)?
        } else {
            self.den
        };
        div_half_up(mul(amount, self.num)?, den)
    }

    /// A category's tax rounded once: `(exclusive × r) + (inclusive × r / (1 + r))`, as one fraction
    /// over `den × (den + num)`.
    fn category_tax(self, exclusive: i128, inclusive: i128) -> Option<i128> {
        let dn = self.den.checked_add(self.num)?;
        let numerator = mul(
            mul(exclusive, dn)?.checked_add(mul(inclusive, self.den)?)?,
            self.num,
        )?;
        div_half_up(numerator, mul(self.den, dn)?)
    }

    /// A line's exact tax up to the category's common factor `r / (den × (den + num))`: the weight it
    /// gets in the spread of the category's rounded tax.
    fn tax_weight(self, amount: i128, inclusive: bool) -> Option<i128> {
        if inclusive {
            mul(amount, self.den)
        } else {
            mul(amount, self.den.checked_add(self.num)?)
        }
    }
}

/// Splits `total` minor units into parts proportional to `weights` by largest remainder: the same
/// rule as [`Money::allocate`] (floors first, then one unit each to the largest remainders, a tie
/// going to the earlier part; weights at or below zero get nothing; with no positive weight the first
/// part gets everything). `None` when a product overflows.
pub(crate) fn allocate_minor(total: i128, weights: &[i128]) -> Option<Vec<i128>> {
    let n = weights.len();
    if n == 0 {
        return Some(Vec::new());
    }
    let mut sum: i128 = 0;
    for w in weights {
        sum = sum.checked_add((*w).max(0))?;
    }
    let mut out = vec![0i128; n];
    if sum == 0 {
        if let Some(first) = out.first_mut() {
            *first = total;
        }
        return Some(out);
    }
    let negative = total < 0;
    let magnitude = total.checked_abs()?;
    let mut assigned: i128 = 0;
    // A remainder and its part's index packed in one key, so that the smallest keys are the largest
    // remainders, earlier parts first on a tie: key = (sum − 1 − remainder) · 2^64 + index.
    let mut keys: Vec<u128> = Vec::with_capacity(n);
    let small_sum = i64::try_from(sum).ok();
    for (i, (w, o)) in weights.iter().zip(out.iter_mut()).enumerate() {
        let w = (*w).max(0);
        if w == 0 {
            continue;
        }
        let p = mul(magnitude, w)?;
        let (floor, r) = match (i64::try_from(p), small_sum) {
            (Ok(p), Some(s)) => (i128::from(p / s), i128::from(p % s)),
            _ => (p / sum, p % sum),
        };
        *o = floor;
        assigned += floor;
        if r > 0 {
            match u64::try_from(sum - 1 - r) {
                Ok(rank) => keys.push((u128::from(rank) << 64) | i as u128),
                // Weights summing past 2^64 (never met with money): the general, slower path.
                Err(_) => return allocate_wide(total, weights, sum),
            }
        }
    }
    let leftover = usize::try_from(magnitude - assigned).ok()?;
    if leftover > 0 {
        // INVARIANT: leftover < number of positive remainders, since each floor lost less than one.
        let k = leftover.min(keys.len());
        if k < keys.len() {
            keys.select_nth_unstable(k);
        }
        for key in keys.iter().take(k) {
            if let Some(o) = out.get_mut((*key as u64) as usize) {
                *o += 1;
            }
        }
    }
    if negative {
        for o in &mut out {
            *o = -*o;
        }
    }
    Some(out)
}

/// [`allocate_minor`] for weights whose sum passes 2^64: the same rule, with wide keys.
fn allocate_wide(total: i128, weights: &[i128], sum: i128) -> Option<Vec<i128>> {
    let magnitude = total.checked_abs()?;
    let mut out = vec![0i128; weights.len()];
    let mut assigned: i128 = 0;
    let mut keys: Vec<(i128, usize)> = Vec::with_capacity(weights.len());
    for (i, (w, o)) in weights.iter().zip(out.iter_mut()).enumerate() {
        let w = (*w).max(0);
        if w == 0 {
            continue;
        }
        let p = mul(magnitude, w)?;
        *o = p / sum;
        assigned += *o;
        if p % sum > 0 {
            keys.push((sum - 1 - p % sum, i));
        }
    }
    let k = usize::try_from(magnitude - assigned).ok()?.min(keys.len());
    if k < keys.len() {
        keys.select_nth_unstable(k);
    }
    for (_, i) in keys.iter().take(k) {
        if let Some(o) = out.get_mut(*i) {
            *o += 1;
        }
    }
    if total < 0 {
        for o in &mut out {
            *o = -*o;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests;
