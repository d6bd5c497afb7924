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

use super::calc::{div_half_up, mul, to_minor, too_large, LineInput, Pct};
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
    // The field's name is only written out when the amount is wrong: pricing checks the plan on
    // every invoice, and a good plan should cost no allocation.
    let mut amount = |field: &dyn Fn() -> String, m: &Money| {
        if m.currency != plan.currency || m.is_negative() || !whole_minor(m) {
            e.push(
                field(),
                FieldCode::OutOfRange,
                format!(
                    "`{m}` is not a non-negative amount of whole minor units in `{}`",
                    plan.currency
                ),
            );
        }
    };
    amount(&|| "annual_deductible".into(), &plan.annual_deductible);
    for (visit, c) in &plan.copays {
        amount(&|| format!("copays.{visit}"), c);
    }
    if let Some(max) = &plan.out_of_pocket_max {
        amount(&|| "out_of_pocket_max".into(), max);
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

/// Whether an amount is a whole number of its currency's minor units (as [`Money::is_rounded`],
/// read off the digits rather than by rounding).
fn whole_minor(m: &Money) -> bool {
    to_minor(m.amount, m.currency.minor_units()).is_some()
}

/// Checks what a patient has used of a plan: each figure a non-negative amount of whole minor units
/// in `currency`. Problems are pushed at `coverage.usage.<field>`.
pub(crate) fn check_usage(usage: &CoverageUsage, currency: Currency, into: &mut ValidationError) {
    for (field, m) in [
        ("coverage.usage.deductible_used", &usage.deductible_used),
        ("coverage.usage.out_of_pocket_used", &usage.out_of_pocket_used),
    ] {
        if m.currency != currency || m.is_negative() || !whole_minor(m) {
            into.push(
                field,
                FieldCode::OutOfRange,
                format!("`{m}` is not a non-negative amount of whole minor units in `{currency}`"),
            );
        }
    }
}

/// Splits line after line of an invoice between payer and patient, in invoice order: what is left
/// of the deductible and of the out-of-pocket maximum carries from one line to the next.
pub(crate) struct Splitter<'a> {
    m: u32,
    terms: Option<Terms<'a>>,
}

struct Terms<'a> {
    plan: &'a CoveragePlan,
    not_covered: Codes<'a>,
    preauthorization_required: Codes<'a>,
    deductible_left: i64,
    oop_left: Option<i64>,
    coins: Pct,
}

impl<'a> Splitter<'a> {
    /// A splitter for `coverage` (`None`: self-pay) on an invoice in `cur`.
    pub(crate) fn new(coverage: Option<(&'a CoveragePlan, CoverageUsage)>, cur: Currency) -> Result<Self> {
        let m = cur.minor_units();
        let minor = |x: &Money| {
            to_minor(x.amount, m)
                .and_then(|v| i64::try_from(v).ok())
                .ok_or_else(too_large)
        };
        let terms = match coverage {
            None => None,
            Some((plan, usage)) => Some(Terms {
                plan,
                not_covered: Codes::of(&plan.not_covered),
                preauthorization_required: Codes::of(&plan.preauthorization_required),
                deductible_left: (minor(&plan.annual_deductible)? - minor(&usage.deductible_used)?).max(0),
                oop_left: match &plan.out_of_pocket_max {
                    Some(max) => Some((minor(max)? - minor(&usage.out_of_pocket_used)?).max(0)),
                    None => None,
                },
                coins: Pct::of(plan.coinsurance_percent).ok_or_else(too_large)?,
            }),
        };
        Ok(Splitter { m, terms })
    }

    /// The share of the next line, of gross amount `g` minor units.
    #[inline]
    pub(crate) fn share(&mut self, g: i64, l: &LineInput) -> Result<ShareMinor> {
        let Some(t) = self.terms.as_mut() else {
            return Ok(ShareMinor {
                payer: 0,
                patient: g,
                copay: 0,
                deductible: 0,
                coinsurance: 0,
                not_covered: g,
                basis: ShareBasis::SelfPay,
                capped: false,
            });
        };
        let plan = t.plan;
        let (mut copay, mut deductible, mut coinsurance, mut not_covered) = (0i64, 0i64, 0i64, 0i64);
        let basis = if t.not_covered.holds(&l.item_code) {
            not_covered = g;
            ShareBasis::NotCovered
        } else if !l.preauthorized && t.preauthorization_required.holds(&l.item_code) {
            not_covered = g;
            ShareBasis::PreauthorizationMissing
        } else if let Some(c) = l.visit_type.as_deref().and_then(|v| plan.copays.get(v)) {
            copay = to_minor(c.amount, self.m)
                .and_then(|v| i64::try_from(v).ok())
                .ok_or_else(too_large)?
                .min(g);
            ShareBasis::Copay
        } else {
            deductible = t.deductible_left.min(g);
            t.deductible_left -= deductible;
            let rest = i128::from(g - deductible);
            // Two-part largest remainder [coinsurance, payer] with a tie to the first part is exactly
            // a half-up rounding of the coinsurance.
            coinsurance = div_half_up(mul(rest, t.coins.num).ok_or_else(too_large)?, t.coins.den)
                .and_then(|v| i64::try_from(v).ok())
                .ok_or_else(too_large)?;
            ShareBasis::DeductibleCoinsurance
        };
        let mut capped = false;
        if let Some(left) = t.oop_left.as_mut() {
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
                t.deductible_left += cut;
            }
            *left -= copay + deductible + coinsurance;
        }
        let patient = copay + deductible + coinsurance + not_covered;
        Ok(ShareMinor {
            payer: g - patient,
            patient,
            copay,
            deductible,
            coinsurance,
            not_covered,
            basis,
            capped,
        })
    }
}

/// A [`Share`] in minor units.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ShareMinor {
    pub(crate) payer: i64,
    pub(crate) patient: i64,
    pub(crate) copay: i64,
    pub(crate) deductible: i64,
    pub(crate) coinsurance: i64,
    pub(crate) not_covered: i64,
    pub(crate) basis: ShareBasis,
    pub(crate) capped: bool,
}

/// A plan's list of item codes (not covered, pre-authorization required), as asked about line after
/// line: a short list is compared code by code (lengths first), a long one searched in its set.
enum Codes<'a> {
    Few(Vec<&'a str>),
    Many(&'a BTreeSet<String>),
}

impl<'a> Codes<'a> {
    fn of(set: &'a BTreeSet<String>) -> Self {
        if set.len() <= 8 {
            Codes::Few(set.iter().map(String::as_str).collect())
        } else {
            Codes::Many(set)
        }
    }

    /// Whether `code` is on the list.
    #[inline]
    fn holds(&self, code: &str) -> bool {
        match self {
            Codes::Few(codes) => codes
                .iter()
                .any(|c| c.len() == code.len() && c.bytes().zip(code.bytes()).all(|(x, y)| x == y)),
            Codes::Many(set) => set.contains(code),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn whole_minor_units_are_what_rounding_leaves_alone(
            mantissa in any::<i64>(),
            scale in 0_u32..12,
            cur in prop_oneof![Just(Currency::USD), Just(Currency::JPY), Just(Currency::KWD)],
        ) {
            let m = Money::new(Decimal::new(mantissa, scale), cur);
            prop_assert_eq!(whole_minor(&m), m.is_rounded());
        }
    }
}
