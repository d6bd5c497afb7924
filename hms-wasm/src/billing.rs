//! Pricing an invoice in the page (a quote at the front desk, a cart before checkout): hms-core's pure
//! `billing::calculate` with JavaScript shapes.
//!
//! Every amount, quantity and percentage crosses as a decimal **string** (`"12.50"`), never a
//! JavaScript number: binary floats cannot hold most cents (`0.1 + 0.2`), and a total off by a cent is
//! a wrong invoice. A number where a decimal belongs is `invalid_input` naming the field. Amounts are
//! in the invoice's currency; results carry at least the currency's minor-unit places (`"0.00"`,
//! JPY `"1200"`). The figures are the server's: the same function prices the issued invoice.

use std::collections::{BTreeMap, BTreeSet};

use hms_core::billing::{
    self, Breakdown, CoveragePlan, CoverageUsage, Discount, InvoiceInput, LineInput, RoundingMode,
    ShareBasis, TaxRate,
};
use hms_core::error::{FieldCode, ValidationError};
use hms_core::money::{Currency, Money};
use hms_core::Error;
use rust_decimal::Decimal;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

/// Declarations for TypeScript, checked against the core by the tests below.
#[cfg_attr(not(test), allow(dead_code))] // read by the section below on wasm32 and by the tests
const TS_BILLING_TEXT: &str = r#"
/** A decimal number as a string, e.g. `"12.50"`; never a JavaScript number (floats lose cents). */
export type DecimalString = string;
/** How tax is rounded: each line on its own, or once per tax category (EN 16931 BR-CO-17). */
export type RoundingMode = "per_line" | "per_tax_category";
/** A percentage off (0 to 100) or an amount off (whole minor units, at most what it discounts). */
export type Discount = { kind: "percent"; value: DecimalString } | { kind: "amount"; value: DecimalString };
/** A tax category (e.g. `S` standard, `Z` zero-rated, `E` exempt) and its rate in percent. */
export interface TaxRate { category: string; percent: DecimalString; }
/** One line to price; `unitPrice` may have more places than the minor unit. */
export interface InvoiceLine {
  itemCode: string;
  /** Above zero; may be fractional (`"2.5"` hours). */
  quantity: DecimalString;
  unitPrice: DecimalString;
  tax: TaxRate;
  /** Whether `unitPrice` already includes the tax (default false). */
  taxInclusive?: boolean;
  discount?: Discount | null;
  /** For a consultation: its visit type (coverage copays are per visit type). */
  visitType?: string | null;
  /** Whether the payer pre-authorized this service (default false). */
  preauthorized?: boolean;
}
/** The terms of the patient's insurance plan; amounts in the invoice's currency. */
export interface CoveragePlan {
  payer: string;
  plan?: string;
  annualDeductible: DecimalString;
  /** Copay per visit, by visit type code. */
  copays?: Record<string, DecimalString>;
  /** The patient's percentage of a covered amount after the deductible. */
  coinsurancePercent: DecimalString;
  /** The most the patient pays in cost sharing in a year; null for no cap. */
  outOfPocketMax?: DecimalString | null;
  /** Item codes the plan never pays for. */
  notCovered?: string[];
  /** Item codes the plan pays for only with a pre-authorization. */
  preauthorizationRequired?: string[];
}
/** What the patient has used of the plan this year (nothing when left out). */
export interface CoverageUsage { deductibleUsed: DecimalString; outOfPocketUsed: DecimalString; }
/** Everything an invoice's figures depend on. */
export interface PriceInvoiceInput {
  /** ISO 4217, e.g. `USD`; every amount is in it. */
  currency: string;
  rounding: RoundingMode;
  lines: InvoiceLine[];
  invoiceDiscount?: Discount | null;
  /** The patient's coverage; left out or null for self-pay. */
  coverage?: { plan: CoveragePlan; usage?: CoverageUsage | null } | null;
}
/** Why a line was split between payer and patient the way it was. */
export type ShareBasis =
  | "self_pay" | "not_covered" | "preauthorization_missing" | "copay" | "deductible_coinsurance";
/** The figures of one line: `net + tax = gross`, `payer + patient = gross`. */
export interface PricedLine {
  extended: DecimalString; lineDiscount: DecimalString; invoiceDiscount: DecimalString;
  net: DecimalString; tax: DecimalString; gross: DecimalString;
  payer: DecimalString; patient: DecimalString;
  /** The patient's share: `copay + deductible + coinsurance + notCovered`. */
  copay: DecimalString; deductible: DecimalString; coinsurance: DecimalString; notCovered: DecimalString;
  basis: ShareBasis;
  /** Whether the out-of-pocket maximum lowered the patient's share. */
  capped: boolean;
}
/** One tax category's subtotal. */
export interface TaxSubtotal { category: string; percent: DecimalString; taxable: DecimalString; amount: DecimalString; }
/** The invoice totals, each the sum of the lines' figures. */
export interface InvoiceTotals {
  extended: DecimalString; lineDiscounts: DecimalString; invoiceDiscount: DecimalString;
  net: DecimalString; tax: DecimalString; gross: DecimalString; payer: DecimalString; patient: DecimalString;
}
/** The priced invoice: a line per input line (same order), tax subtotals in order of first appearance. */
export interface InvoiceBreakdown {
  currency: string;
  rounding: RoundingMode;
  lines: PricedLine[];
  taxes: TaxSubtotal[];
  totals: InvoiceTotals;
}
"#;
#[wasm_bindgen::prelude::wasm_bindgen(typescript_custom_section)]
const TS_BILLING: &str = TS_BILLING_TEXT;

/// A decimal as JavaScript sends it: its text, or `None` for a number (refused later, with the
/// field's path, which a serde error cannot name).
#[derive(Debug, Clone, Default)]
pub struct Dec(Option<String>);

impl<'de> Deserialize<'de> for Dec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Dec;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a decimal number as a string")
            }

            fn visit_str<E: de::Error>(self, s: &str) -> Result<Dec, E> {
                Ok(Dec(Some(s.to_owned())))
            }

            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Dec, E> {
                Ok(Dec(None))
            }

            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Dec, E> {
                Ok(Dec(None))
            }

            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Dec, E> {
                Ok(Dec(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// What kind of discount a [`DiscountDto`] is.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscountKind {
    /// A percentage of the amount.
    Percent,
    /// An amount off.
    Amount,
}

/// `{ kind, value }`.
#[derive(Debug, Clone, Deserialize)]
pub struct DiscountDto {
    kind: DiscountKind,
    value: Dec,
}

/// `{ category, percent }`.
#[derive(Debug, Clone, Deserialize)]
pub struct TaxRateDto {
    category: String,
    percent: Dec,
}

/// One line with camelCase keys.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LineDto {
    item_code: String,
    quantity: Dec,
    unit_price: Dec,
    tax: TaxRateDto,
    #[serde(default)]
    tax_inclusive: bool,
    #[serde(default)]
    discount: Option<DiscountDto>,
    #[serde(default)]
    visit_type: Option<String>,
    #[serde(default)]
    preauthorized: bool,
}

/// A coverage plan with camelCase keys, amounts in the invoice's currency.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanDto {
    payer: String,
    #[serde(default)]
    plan: String,
    annual_deductible: Dec,
    #[serde(default)]
    copays: BTreeMap<String, Dec>,
    coinsurance_percent: Dec,
    #[serde(default)]
    out_of_pocket_max: Option<Dec>,
    #[serde(default)]
    not_covered: BTreeSet<String>,
    #[serde(default)]
    preauthorization_required: BTreeSet<String>,
}

/// What the patient has used of the plan this year.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageDto {
    deductible_used: Dec,
    out_of_pocket_used: Dec,
}

/// `{ plan, usage? }`.
#[derive(Debug, Clone, Deserialize)]
pub struct CoverageDto {
    plan: PlanDto,
    #[serde(default)]
    usage: Option<UsageDto>,
}

/// The input of `priceInvoice`. Keys the shapes do not know are ignored, as elsewhere in this crate.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PriceInvoiceInput {
    currency: String,
    rounding: RoundingMode,
    lines: Vec<LineDto>,
    #[serde(default)]
    invoice_discount: Option<DiscountDto>,
    #[serde(default)]
    coverage: Option<CoverageDto>,
}

/// Reads decimals, collecting every bad one as a problem at its (snake_case) path.
struct Reader {
    problems: ValidationError,
}

impl Reader {
    /// The decimal at `field`, or zero after recording why it is not one.
    fn dec(&mut self, field: impl FnOnce() -> String, d: &Dec) -> Decimal {
        let message = match &d.0 {
            Some(s) => match Decimal::from_str_exact(s.trim()) {
                Ok(v) => return v,
                Err(_) => format!("`{s}` is not a decimal number"),
            },
            None => "a decimal is given as a string such as `\"12.50\"`, not as a number".to_owned(),
        };
        self.problems.push(field(), FieldCode::InvalidFormat, message);
        Decimal::ZERO
    }

    fn discount(&mut self, field: &str, d: &Option<DiscountDto>, cur: Currency) -> Option<Discount> {
        let d = d.as_ref()?;
        let value = self.dec(|| format!("{field}.value"), &d.value);
        Some(match d.kind {
            DiscountKind::Percent => Discount::Percent(value),
            DiscountKind::Amount => Discount::Amount(Money::new(value, cur)),
        })
    }

    /// A usage amount: a non-negative whole number of minor units.
    fn used(&mut self, field: &str, d: &Dec, cur: Currency) -> Money {
        let m = Money::new(self.dec(|| field.to_owned(), d), cur);
        if m.is_negative() || !m.is_rounded() {
            self.problems.push(
                field,
                FieldCode::OutOfRange,
                format!("`{}` is not a non-negative amount of whole minor units", m.amount),
            );
        }
        m
    }
}

/// The core names a copay's problem `coverage.plan.copays.<visit type>`; a visit type is the caller's
/// own text, not a field name, so it crosses in brackets and quotes (`coverage.plan.copays["new_patient"]`)
/// and is not turned into camelCase.
fn copay_paths(e: Error) -> Error {
    let Error::Validation(v) = e else { return e };
    let mut out = ValidationError::default();
    for p in v.problems() {
        let field = match p.field.strip_prefix("coverage.plan.copays.") {
            Some(visit) => format!("coverage.plan.copays[\"{visit}\"]"),
            None => p.field.clone(),
        };
        out.push(field, p.code, p.message.clone());
    }
    out.into()
}

/// Prices an invoice.
///
/// # Errors
/// `unknown_currency`; `invalid_input` listing every decimal that is not one (or is a number), every
/// bad term of the coverage plan and usage, then every bad line (hms-core's checks).
pub fn price_invoice(input: PriceInvoiceInput) -> Result<PricedInvoice, Error> {
    let cur = Currency::from_code(input.currency.trim())?;
    let mut r = Reader {
        problems: ValidationError::default(),
    };
    let mut lines = Vec::with_capacity(input.lines.len());
    for (i, l) in input.lines.into_iter().enumerate() {
        let quantity = r.dec(|| format!("lines[{i}].quantity"), &l.quantity);
        let unit_price = Money::new(r.dec(|| format!("lines[{i}].unit_price"), &l.unit_price), cur);
        let percent = r.dec(|| format!("lines[{i}].tax.percent"), &l.tax.percent);
        let discount = r.discount(&format!("lines[{i}].discount"), &l.discount, cur);
        lines.push(LineInput {
            item_code: l.item_code,
            quantity,
            unit_price,
            tax: TaxRate::new(l.tax.category, percent),
            tax_inclusive: l.tax_inclusive,
            discount,
            visit_type: l.visit_type,
            preauthorized: l.preauthorized,
        });
    }
    let invoice_discount = r.discount("invoice_discount", &input.invoice_discount, cur);
    let coverage = input.coverage.map(|c| {
        let p = c.plan;
        let mut money = |field: &str, d: &Dec| Money::new(r.dec(|| format!("coverage.plan.{field}"), d), cur);
        let annual_deductible = money("annual_deductible", &p.annual_deductible);
        let coinsurance_percent = money("coinsurance_percent", &p.coinsurance_percent).amount;
        let out_of_pocket_max = p
            .out_of_pocket_max
            .as_ref()
            .map(|d| money("out_of_pocket_max", d));
        // Inserted one by one, not collected: collecting into a map sorts first, and that sort of
        // (visit type, amount) pairs was 4 KB of the module for keys that already come in order.
        let mut copays = BTreeMap::new();
        for (visit, d) in &p.copays {
            let m = Money::new(r.dec(|| format!("coverage.plan.copays[\"{visit}\"]"), d), cur);
            copays.insert(visit.clone(), m);
        }
        let usage = match &c.usage {
            Some(u) => CoverageUsage {
                deductible_used: r.used("coverage.usage.deductible_used", &u.deductible_used, cur),
                out_of_pocket_used: r.used("coverage.usage.out_of_pocket_used", &u.out_of_pocket_used, cur),
            },
            None => CoverageUsage::none(cur),
        };
        let plan = CoveragePlan {
            payer: p.payer,
            plan: p.plan,
            currency: cur,
            annual_deductible,
            copays,
            coinsurance_percent,
            out_of_pocket_max,
            not_covered: p.not_covered,
            preauthorization_required: p.preauthorization_required,
        };
        (plan, usage)
    });
    // Unreadable decimals first (a bad decimal reads as zero); the plan's terms and the lines are
    // then checked by the core.
    r.problems.into_result()?;
    let b = billing::calculate(&InvoiceInput {
        currency: cur,
        rounding: input.rounding,
        lines: &lines,
        invoice_discount,
        coverage: coverage.as_ref().map(|(p, u)| (p, *u)),
    })
    .map_err(copay_paths)?;
    Ok(PricedInvoice::from(&b))
}

/// `amount` with at least the currency's minor-unit places: `0` USD is `"0.00"`.
fn text(m: &Money) -> String {
    let mut a = m.amount;
    if a.scale() < m.currency.minor_units() {
        a.rescale(m.currency.minor_units());
    }
    a.to_string()
}

/// One priced line, flat: its figures and its payer/patient share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PricedLineDto {
    extended: String,
    line_discount: String,
    invoice_discount: String,
    net: String,
    tax: String,
    gross: String,
    payer: String,
    patient: String,
    copay: String,
    deductible: String,
    coinsurance: String,
    not_covered: String,
    basis: ShareBasis,
    capped: bool,
}

/// One tax subtotal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaxSubtotalDto {
    category: String,
    percent: String,
    taxable: String,
    amount: String,
}

/// The totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TotalsDto {
    extended: String,
    line_discounts: String,
    invoice_discount: String,
    net: String,
    tax: String,
    gross: String,
    payer: String,
    patient: String,
}

/// The result of `priceInvoice`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PricedInvoice {
    currency: String,
    rounding: RoundingMode,
    lines: Vec<PricedLineDto>,
    taxes: Vec<TaxSubtotalDto>,
    totals: TotalsDto,
}

impl From<&Breakdown> for PricedInvoice {
    fn from(b: &Breakdown) -> Self {
        let t = &b.totals;
        PricedInvoice {
            currency: b.currency.code().to_owned(),
            rounding: b.rounding,
            lines: b
                .lines
                .iter()
                .map(|l| PricedLineDto {
                    extended: text(&l.extended),
                    line_discount: text(&l.line_discount),
                    invoice_discount: text(&l.invoice_discount),
                    net: text(&l.net),
                    tax: text(&l.tax),
                    gross: text(&l.gross),
                    payer: text(&l.share.payer),
                    patient: text(&l.share.patient),
                    copay: text(&l.share.copay),
                    deductible: text(&l.share.deductible),
                    coinsurance: text(&l.share.coinsurance),
                    not_covered: text(&l.share.not_covered),
                    basis: l.share.basis,
                    capped: l.share.capped,
                })
                .collect(),
            taxes: b
                .taxes
                .iter()
                .map(|s| TaxSubtotalDto {
                    category: s.tax.category.clone(),
                    percent: s.tax.percent.to_string(),
                    taxable: text(&s.taxable),
                    amount: text(&s.amount),
                })
                .collect(),
            totals: TotalsDto {
                extended: text(&t.extended),
                line_discounts: text(&t.line_discounts),
                invoice_discount: text(&t.invoice_discount),
                net: text(&t.net),
                tax: text(&t.tax),
                gross: text(&t.gross),
                payer: text(&t.payer),
                patient: text(&t.patient),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declared_union;

    /// A host test (plain `cargo test`): a basis or rounding mode added to the core without being
    /// declared here fails before any wasm build.
    #[test]
    fn the_declared_unions_are_the_core_values() {
        let basis = [
            ShareBasis::SelfPay,
            ShareBasis::NotCovered,
            ShareBasis::PreauthorizationMissing,
            ShareBasis::Copay,
            ShareBasis::DeductibleCoinsurance,
        ];
        let names = |v: Vec<serde_json::Value>| -> Vec<String> {
            v.into_iter().map(|x| x.as_str().unwrap().to_owned()).collect()
        };
        let basis = names(basis.iter().map(|b| serde_json::to_value(b).unwrap()).collect());
        assert_eq!(declared_union(TS_BILLING_TEXT, "ShareBasis"), basis);
        let modes = [RoundingMode::PerLine, RoundingMode::PerTaxCategory];
        let modes = names(modes.iter().map(|m| serde_json::to_value(m).unwrap()).collect());
        assert_eq!(declared_union(TS_BILLING_TEXT, "RoundingMode"), modes);
    }

    fn dec(s: &str) -> Dec {
        Dec(Some(s.to_owned()))
    }

    fn line(quantity: Dec, unit_price: Dec, percent: &str) -> LineDto {
        LineDto {
            item_code: "lab.cbc".into(),
            quantity,
            unit_price,
            tax: TaxRateDto {
                category: "S".into(),
                percent: dec(percent),
            },
            tax_inclusive: false,
            discount: None,
            visit_type: None,
            preauthorized: false,
        }
    }

    fn invoice(currency: &str, lines: Vec<LineDto>) -> PriceInvoiceInput {
        PriceInvoiceInput {
            currency: currency.into(),
            rounding: RoundingMode::PerTaxCategory,
            lines,
            invoice_discount: None,
            coverage: None,
        }
    }

    fn fields(e: &Error) -> Vec<(String, FieldCode)> {
        let Error::Validation(v) = e else {
            panic!("expected invalid input, got {e:?}")
        };
        v.problems().iter().map(|p| (p.field.clone(), p.code)).collect()
    }

    #[test]
    fn amounts_come_back_with_the_minor_unit_places() {
        // 3 × 12.5 at 10 %: 37.50 + 3.75 = 41.25; the payer's nothing is "0.00", not "0".
        let p = price_invoice(invoice("USD", vec![line(dec("3"), dec("12.5"), "10")])).unwrap();
        assert_eq!(p.totals.gross, "41.25");
        assert_eq!(p.totals.net, "37.50");
        assert_eq!(p.totals.payer, "0.00");
        assert_eq!(p.lines[0].payer, "0.00");
        assert_eq!(p.taxes[0].percent, "10");
        // JPY has no minor unit: 2 × 600 = 1200, tax-exempt.
        let p = price_invoice(invoice("JPY", vec![line(dec("2"), dec("600"), "0")])).unwrap();
        assert_eq!(p.totals.gross, "1200");
    }

    #[test]
    fn a_number_or_bad_text_where_a_decimal_belongs_is_invalid_input_at_its_field() {
        // Every bad decimal at once, in line order, before the core's own checks (the quantity of
        // zero on line 1 is not reported while the decimals are wrong).
        let e = price_invoice(invoice(
            "USD",
            vec![line(Dec(None), dec("1,50"), "20"), line(dec("0"), dec("1"), "x")],
        ))
        .unwrap_err();
        assert_eq!(
            fields(&e),
            [
                ("lines[0].quantity".to_owned(), FieldCode::InvalidFormat),
                ("lines[0].unit_price".to_owned(), FieldCode::InvalidFormat),
                ("lines[1].tax.percent".to_owned(), FieldCode::InvalidFormat),
            ]
        );
    }

    #[test]
    fn the_core_checks_come_through_at_their_fields() {
        let e = price_invoice(invoice("USD", vec![line(dec("0"), dec("-1"), "20")])).unwrap_err();
        assert_eq!(
            fields(&e),
            [
                ("lines[0].quantity".to_owned(), FieldCode::OutOfRange),
                ("lines[0].unit_price".to_owned(), FieldCode::OutOfRange),
            ]
        );
        let e = price_invoice(invoice("XYZ", vec![])).unwrap_err();
        assert_eq!(e.code(), "unknown_currency");
    }

    #[test]
    fn a_bad_plan_and_usage_are_invalid_input_under_coverage() {
        let mut input = invoice("USD", vec![line(dec("1"), dec("100"), "0")]);
        input.coverage = Some(CoverageDto {
            plan: PlanDto {
                payer: " ".into(),
                plan: String::new(),
                annual_deductible: dec("100.001"),
                copays: [("new_patient".to_owned(), dec("-5"))].into_iter().collect(),
                coinsurance_percent: dec("120"),
                out_of_pocket_max: None,
                not_covered: BTreeSet::new(),
                preauthorization_required: BTreeSet::new(),
            },
            usage: None,
        });
        let e = price_invoice(input.clone()).unwrap_err();
        assert_eq!(
            fields(&e),
            [
                ("coverage.plan.payer".to_owned(), FieldCode::Required),
                (
                    "coverage.plan.annual_deductible".to_owned(),
                    FieldCode::OutOfRange
                ),
                (
                    "coverage.plan.copays[\"new_patient\"]".to_owned(),
                    FieldCode::OutOfRange
                ),
                (
                    "coverage.plan.coinsurance_percent".to_owned(),
                    FieldCode::OutOfRange
                ),
            ]
        );
        // A usage below zero is refused even with a good plan.
        let cov = input.coverage.as_mut().unwrap();
        cov.plan = PlanDto {
            payer: "Acme".into(),
            annual_deductible: dec("100"),
            copays: BTreeMap::new(),
            coinsurance_percent: dec("20"),
            ..cov.plan.clone()
        };
        cov.usage = Some(UsageDto {
            deductible_used: dec("-1"),
            out_of_pocket_used: dec("0"),
        });
        let e = price_invoice(input.clone()).unwrap_err();
        assert_eq!(
            fields(&e),
            [("coverage.usage.deductible_used".to_owned(), FieldCode::OutOfRange)]
        );
        // With nothing used, a 100.00 line is all deductible: the patient pays it.
        input.coverage.as_mut().unwrap().usage = None;
        let p = price_invoice(input).unwrap();
        assert_eq!(p.lines[0].deductible, "100.00");
        assert_eq!(p.totals.patient, "100.00");
        assert_eq!(p.lines[0].basis, ShareBasis::DeductibleCoinsurance);
    }
}
