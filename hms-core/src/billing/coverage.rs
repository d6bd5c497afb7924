//! Insurance coverage: who pays each line of an invoice, the payer or the patient.
//!
//! A patient's insurance policy (on their registration record) says *who* covers them; a
//! [`CoveragePlan`], keyed by payer and plan name, says *on what terms*. The rules, per line in
//! invoice order:
//! - an item the plan does not cover, or one that needs a pre-authorization the charge does not have,
//!   is the patient's in full and counts towards nothing;
//! - a visit whose type has a copay costs the patient the copay (at most the line), the payer the
//!   rest; copays do not count towards the deductible;
//! - any other covered line is the patient's up to what is left of the annual deductible; of the rest
//!   the patient pays the coinsurance percentage, the payer the remainder (the leftover cent of that
//!   split goes by largest remainder, a tie to the patient);
//! - once the patient's cost sharing (copays, deductible, coinsurance) reaches the annual
//!   out-of-pocket maximum, the payer pays the rest of every covered line.
//!
//! Every share is a whole number of minor units and `payer + patient = line` exactly.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::calc::{div_half_up, to_minor, to_money, too_large, LineInput, Pct};
use crate::error::{FieldCode, Result, ValidationError};
use crate::money::{Currency, Money};

/// The terms of an insurance plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoveragePlan {
    /// The payer, as written on patients' policies.
    pub payer: String,
    /// The plan name, as written on patients' policies (empty when policies name no plan).
    #[serde(default)]
    pub plan: String,
    /// The currency of the plan's amounts.
    pub currency: Currency,
    /// What the patient pays each year before coinsurance starts.
    pub annual_deductible: Money,
    /// Copay per visit, by visit type code.
    #[serde(default)]
    pub copays: BTreeMap<String, Money>,
    /// The patient's percentage of a covered amount after the deductible (0 to 100).
    pub coinsurance_percent: Decimal,
    /// The most the patient pays in cost sharing in a year; `None` for no cap.
    #[serde(default)]
    pub out_of_pocket_max: Option<Money>,
    /// Item codes the plan never pays for.
    #[serde(default)]
    pub not_covered: BTreeSet<String>,
    /// Item codes the plan pays for only with a pre-authorization.
    #[serde(default)]
    pub preauthorization_required: BTreeSet<String>,
}

impl CoveragePlan {
    /// A plan with no deductible, copay, coinsurance, cap or exclusions: the payer pays everything.
    pub fn full(payer: impl Into<String>, plan: impl Into<String>, currency: Currency) -> Self {
        CoveragePlan {
            payer: payer.into(),
            plan: plan.into(),
            currency,
            annual_deductible: Money::zero(currency),
            copays: BTreeMap::new(),
            coinsurance_percent: Decimal::ZERO,
            out_of_pocket_max: None,
            not_covered: BTreeSet::new(),
            preauthorization_required: BTreeSet::new(),
        }
    }
}

/// What a patient has used of a plan this year, from their issued invoices and credit notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageUsage {
    /// Deductible paid so far this year.
    pub deductible_used: Money,
    /// Cost sharing (copays, deductible, coinsurance) paid so far this year.
    pub out_of_pocket_used: Money,
}

impl CoverageUsage {
    /// Nothing used yet.
    pub fn none(currency: Currency) -> Self {
        CoverageUsage {
            deductible_used: Money::zero(currency),
            out_of_pocket_used: Money::zero(currency),
        }
    }
}

/// Why a line was split the way it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShareBasis {
    /// No coverage: the patient pays.
    SelfPay,
    /// The plan does not cover the item.
    NotCovered,
    /// The item needs a pre-authorization the charge does not have.
    PreauthorizationMissing,
    /// A visit with a copay.
    Copay,
    /// Deductible first, then coinsurance.
    DeductibleCoinsurance,
}

/// How one line's gross amount splits between the payer and the patient.
///
/// `patient = copay + deductible + coinsurance + not_covered` and `payer + patient = line`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    /// The payer's share.
    pub payer: Money,
    /// The patient's share.
    pub patient: Money,
    /// The patient's copay.
    pub copay: Money,
    /// The patient's deductible.
    pub deductible: Money,
    /// The patient's coinsurance.
    pub coinsurance: Money,
    /// What the patient pays because the payer does not (self-pay, not covered, no pre-authorization).
    pub not_covered: Money,
    /// Why.
    pub basis: ShareBasis,
    /// Whether the out-of-pocket maximum lowered the patient's share.
    pub capped: bool,
}

impl Share {
    /// The patient's cost sharing under the plan (what counts towards the out-of-pocket maximum).
    pub fn cost_sharing(&self) -> Money {
        Money::new(
            self.copay.amount + self.deductible.amount + self.coinsurance.amount,
            self.copay.currency,
        )
    }
}

/// Checks a plan's terms.
///
/// # Errors
/// A validation error listing every bad field: blank payer, amounts negative, not in whole minor units
/// or not in `currency`, a coinsurance outside 0–100 %.
pub fn validate_plan(plan: &CoveragePlan, currency: Currency) -> Result<(), ValidationError> {
    let mut e = ValidationError::default();
    if plan.payer.trim().is_empty() {
        e.push("payer", FieldCode::Required, "the payer is required");
    }
    if plan.currency != currency {
        e.push(
            "currency",
            FieldCode::Inconsistent,
            format!(
                "the plan is in `{}`, the hospital bills in `{currency}`",
                plan.currency
            ),
        );
    }
    let mut amount = |field: String, m: &Money| {
        if m.currency != plan.currency || m.is_negative() || !m.is_rounded() {
            e.push(
                field,
                FieldCode::OutOfRange,
                format!(
                    "`{m}` is not a non-negative amount of whole minor units in `{}`",
                    plan.currency
                ),
            );
        }
    };
    amount("annual_deductible".into(), &plan.annual_deductible);
    for (visit, c) in &plan.copays {
        amount(format!("copays.{visit}"), c);
    }
    if let Some(max) = &plan.out_of_pocket_max {
        amount("out_of_pocket_max".into(), max);
    }
    if Pct::of(plan.coinsurance_percent).is_none() {
        e.push(
            "coinsurance_percent",
            FieldCode::OutOfRange,
            format!(
                "a coinsurance of `{}` % is not between 0 and 100",
                plan.coinsurance_percent
            ),
        );
    }
    e.into_result()
}

/// Checks what a patient has used of a plan: each figure a non-negative amount of whole minor units
/// in `currency`. Problems are pushed at `coverage.usage.<field>`.
pub(crate) fn check_usage(usage: &CoverageUsage, currency: Currency, into: &mut ValidationError) {
    for (field, m) in [
        ("coverage.usage.deductible_used", &usage.deductible_used),
        ("coverage.usage.out_of_pocket_used", &usage.out_of_pocket_used),
    ] {
        if m.currency != currency || m.is_negative() || !m.is_rounded() {
            into.push(
                field,
                FieldCode::OutOfRange,
                format!("`{m}` is not a non-negative amount of whole minor units in `{currency}`"),
            );
        }
    }
}

/// Splits every line's gross amount (in minor units) between payer and patient. Returns the shares
/// and the payer's total in minor units.
pub(crate) fn split(
    gross: &[i128],
    lines: &[LineInput],
    coverage: Option<(&CoveragePlan, CoverageUsage)>,
    cur: Currency,
) -> Result<(Vec<Share>, i128)> {
    let m = cur.minor_units();
    let zero = Money::zero(cur);
    let mut out = Vec::with_capacity(gross.len());
    let Some((plan, usage)) = coverage else {
        for g in gross {
            let all = to_money(*g, cur)?;
            out.push(Share {
                payer: zero,
                patient: all,
                copay: zero,
                deductible: zero,
                coinsurance: zero,
                not_covered: all,
                basis: ShareBasis::SelfPay,
                capped: false,
            });
        }
        return Ok((out, 0));
    };
    let minor = |x: &Money| to_minor(x.amount, m).ok_or_else(too_large);
    let mut deductible_left = (minor(&plan.annual_deductible)? - minor(&usage.deductible_used)?).max(0);
    let mut oop_left = match &plan.out_of_pocket_max {
        Some(max) => Some((minor(max)? - minor(&usage.out_of_pocket_used)?).max(0)),
        None => None,
    };
    let coins = Pct::of(plan.coinsurance_percent).ok_or_else(too_large)?;
    let mut payer_total: i128 = 0;
    for (g, l) in gross.iter().zip(lines) {
        let g = *g;
        let (mut copay, mut deductible, mut coinsurance, mut not_covered) = (0, 0, 0, 0);
        let basis = if plan.not_covered.contains(&l.item_code) {
            not_covered = g;
            ShareBasis::NotCovered
        } else if !l.preauthorized && plan.preauthorization_required.contains(&l.item_code) {
            not_covered = g;
            ShareBasis::PreauthorizationMissing
        } else if let Some(c) = l.visit_type.as_deref().and_then(|v| plan.copays.get(v)) {
            copay = minor(c)?.min(g);
            ShareBasis::Copay
        } else {
            deductible = deductible_left.min(g);
            deductible_left -= deductible;
            let rest = g - deductible;
            // Two-part largest remainder [coinsurance, payer] with a tie to the first part is exactly
            // a half-up rounding of the coinsurance.
            coinsurance = div_half_up(rest.checked_mul(coins.num).ok_or_else(too_large)?, coins.den)
                .ok_or_else(too_large)?;
            ShareBasis::DeductibleCoinsurance
        };
        let mut capped = false;
        if let Some(left) = oop_left.as_mut() {
            let mut excess = copay + deductible + coinsurance - *left;
            if excess > 0 {
                capped = true;
                for part in [&mut coinsurance, &mut copay] {
                    let cut = excess.min(*part);
                    *part -= cut;
                    excess -= cut;
                }
                let cut = excess.min(deductible);
                deductible -= cut;
                deductible_left += cut;
            }
            *left -= copay + deductible + coinsurance;
        }
        let patient = copay + deductible + coinsurance + not_covered;
        let payer = g - patient;
        payer_total += payer;
        out.push(Share {
            payer: to_money(payer, cur)?,
            patient: to_money(patient, cur)?,
            copay: to_money(copay, cur)?,
            deductible: to_money(deductible, cur)?,
            coinsurance: to_money(coinsurance, cur)?,
            not_covered: to_money(not_covered, cur)?,
            basis,
            capped,
        });
    }
    Ok((out, payer_total))
}
