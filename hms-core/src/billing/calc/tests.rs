//! Worked examples and properties of invoice calculation and coverage splits. Each example writes
//! the accountant's arithmetic in its comments.

use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;
use crate::billing::coverage::{CoveragePlan, CoverageUsage, ShareBasis};

fn usd(d: Decimal) -> Money {
    Money::new(d, Currency::USD)
}

fn std20() -> TaxRate {
    TaxRate::new("S", dec!(20))
}

fn line(code: &str, qty: Decimal, price: Decimal, tax: TaxRate) -> LineInput {
    LineInput::new(code, qty, usd(price), tax)
}

fn price(lines: &[LineInput], rounding: RoundingMode, discount: Option<Discount>) -> Breakdown {
    calculate(&InvoiceInput {
        currency: Currency::USD,
        rounding,
        lines,
        invoice_discount: discount,
        coverage: None,
    })
    .unwrap()
}

fn amounts(b: &Breakdown, f: impl Fn(&PricedLine) -> Money) -> Vec<Decimal> {
    b.lines.iter().map(|l| f(l).amount).collect()
}

#[test]
fn line_amount_is_quantity_times_price_rounded_half_up() {
    // 3 × 12.345 = 37.035 → 37.04 (a tie rounds up); 2.5 h × 80.10 = 200.25 exactly.
    let b = price(
        &[
            line("physio", dec!(3), dec!(12.345), TaxRate::exempt()),
            line("nursing.hour", dec!(2.5), dec!(80.10), TaxRate::exempt()),
        ],
        RoundingMode::PerLine,
        None,
    );
    assert_eq!(amounts(&b, |l| l.extended), [dec!(37.04), dec!(200.25)]);
    assert_eq!(b.totals.gross.amount, dec!(237.29));
}

#[test]
fn line_discounts_by_percent_and_by_amount() {
    // 37.04 less 10 % = 37.04 − 3.704 (→ 3.70) = 33.34; 200.25 less 0.25 = 200.00.
    let mut a = line("physio", dec!(3), dec!(12.345), TaxRate::exempt());
    a.discount = Some(Discount::Percent(dec!(10)));
    let mut b = line("nursing.hour", dec!(2.5), dec!(80.10), TaxRate::exempt());
    b.discount = Some(Discount::Amount(usd(dec!(0.25))));
    let r = price(&[a, b], RoundingMode::PerLine, None);
    assert_eq!(amounts(&r, |l| l.line_discount), [dec!(3.70), dec!(0.25)]);
    assert_eq!(amounts(&r, |l| l.net), [dec!(33.34), dec!(200.00)]);
    assert_eq!(r.totals.line_discounts.amount, dec!(3.95));
}

#[test]
fn invoice_discount_is_spread_by_largest_remainder() {
    // 1.00 off three lines of 10.00: each exact share is 0.3333…; floors 0.33 × 3 = 0.99, the one
    // cent left goes to the first of the tied lines: 0.34 + 0.33 + 0.33 = 1.00.
    let lines: Vec<_> = (0..3)
        .map(|_| line("x", dec!(1), dec!(10), TaxRate::exempt()))
        .collect();
    let b = price(
        &lines,
        RoundingMode::PerLine,
        Some(Discount::Amount(usd(dec!(1)))),
    );
    assert_eq!(
        amounts(&b, |l| l.invoice_discount),
        [dec!(0.34), dec!(0.33), dec!(0.33)]
    );
    assert_eq!(b.totals.gross.amount, dec!(29.00));
    // 5 % off 19.99 + 0.01: 5 % of 20.00 = 1.00, spread 19.99 : 0.01 → exact 0.9995 and 0.0005,
    // floors 0.99 + 0.00, the cent goes to the larger remainder (0.0095 > 0.0005): 1.00 + 0.00.
    let lines = [
        line("a", dec!(1), dec!(19.99), TaxRate::exempt()),
        line("b", dec!(1), dec!(0.01), TaxRate::exempt()),
    ];
    let b = price(&lines, RoundingMode::PerLine, Some(Discount::Percent(dec!(5))));
    assert_eq!(amounts(&b, |l| l.invoice_discount), [dec!(1.00), dec!(0.00)]);
}

#[test]
fn a_tax_inclusive_price_adds_back_exactly() {
    // 24.99 including 20 %: tax = 24.99 × 20 / 120 = 4.165 → 4.17; net = 24.99 − 4.17 = 20.82.
    // (Rounding the net first would give 20.83 + 4.17 = 25.00: one cent too much.)
    for rounding in [RoundingMode::PerLine, RoundingMode::PerTaxCategory] {
        let mut l = line("otc", dec!(1), dec!(24.99), std20());
        l.tax_inclusive = true;
        let b = price(&[l], rounding, None);
        assert_eq!(b.lines[0].net.amount, dec!(20.82));
        assert_eq!(b.lines[0].tax.amount, dec!(4.17));
        assert_eq!(b.lines[0].gross.amount, dec!(24.99));
    }
}

#[test]
fn per_line_and_per_category_rounding_differ_by_cents_on_fifty_lines() {
    // 50 lines of 0.99 at 7 %, tax exclusive.
    // Per line: 0.99 × 7 % = 0.0693 → 0.07 each; 50 × 0.07 = 3.50; total 49.50 + 3.50 = 53.00.
    // Per category (BR-CO-17): 49.50 × 7 % = 3.465 → 3.47, rounded once; total 52.97.
    // The 3.47 is spread back over the 50 equal lines: 0.0694 each → floors 0.06 (3.00), the 47
    // cents left go one each to the first 47 lines: 47 × 0.07 + 3 × 0.06 = 3.47.
    let lines: Vec<_> = (0..50)
        .map(|_| line("item", dec!(1), dec!(0.99), TaxRate::new("S", dec!(7))))
        .collect();
    let per_line = price(&lines, RoundingMode::PerLine, None);
    let per_cat = price(&lines, RoundingMode::PerTaxCategory, None);
    assert_eq!(per_line.totals.tax.amount, dec!(3.50));
    assert_eq!(per_line.totals.gross.amount, dec!(53.00));
    assert_eq!(per_cat.totals.tax.amount, dec!(3.47));
    assert_eq!(per_cat.totals.gross.amount, dec!(52.97));
    let taxes = amounts(&per_cat, |l| l.tax);
    assert!(taxes[..47].iter().all(|t| *t == dec!(0.07)));
    assert!(taxes[47..].iter().all(|t| *t == dec!(0.06)));
    assert_eq!(per_cat.taxes[0].amount.amount, dec!(3.47));
    assert_eq!(per_cat.taxes[0].taxable.amount, dec!(49.50));
}

#[test]
fn two_tax_categories_get_their_own_subtotals() {
    // S 20 %: 2 × 15.00 = 30.00 → tax 6.00.  Z 0 %: 1 × 4.50 → tax 0.  E: 100.00 → tax 0.
    // Subtotals appear in order of first appearance.
    let b = price(
        &[
            line("dressing", dec!(2), dec!(15), std20()),
            line("food", dec!(1), dec!(4.50), TaxRate::new("Z", dec!(0))),
            line("consult", dec!(1), dec!(100), TaxRate::exempt()),
        ],
        RoundingMode::PerTaxCategory,
        None,
    );
    let cats: Vec<_> = b
        .taxes
        .iter()
        .map(|t| (t.tax.category.as_str(), t.taxable.amount, t.amount.amount))
        .collect();
    assert_eq!(
        cats,
        [
            ("S", dec!(30.00), dec!(6.00)),
            ("Z", dec!(4.50), dec!(0)),
            ("E", dec!(100.00), dec!(0))
        ]
    );
    assert_eq!(b.totals.gross.amount, dec!(140.50));
}

#[test]
fn inclusive_and_exclusive_lines_of_one_category_are_rounded_once() {
    // S 20 %: an exclusive 10.01 (exact tax 2.002) and an inclusive 10.01 (exact tax 10.01/6 =
    // 1.668333…). Per category: 2.002 + 1.668333 = 3.670333 → 3.67, rounded once.
    // Per line: 2.00 + 1.67 = 3.67 as well; spread per category: weights 2.002 : 1.668333 →
    // floors 2.00 + 1.66, one cent left to the larger remainder (0.008333 > 0.002) → 2.00 + 1.67.
    let ex = line("a", dec!(1), dec!(10.01), std20());
    let mut inc = line("b", dec!(1), dec!(10.01), std20());
    inc.tax_inclusive = true;
    let b = price(&[ex, inc], RoundingMode::PerTaxCategory, None);
    assert_eq!(amounts(&b, |l| l.tax), [dec!(2.00), dec!(1.67)]);
    assert_eq!(amounts(&b, |l| l.gross), [dec!(12.01), dec!(10.01)]);
    assert_eq!(amounts(&b, |l| l.net), [dec!(10.01), dec!(8.34)]);
}

#[test]
fn currencies_without_cents_and_with_fils() {
    // JPY has no minor unit: 3 × 333.5 = 1000.5 → 1001; 10 % tax → 100.1 → 100.
    let b = calculate(&InvoiceInput {
        currency: Currency::JPY,
        rounding: RoundingMode::PerLine,
        lines: &[LineInput::new(
            "x",
            dec!(3),
            Money::new(dec!(333.5), Currency::JPY),
            TaxRate::new("S", dec!(10)),
        )],
        invoice_discount: None,
        coverage: None,
    })
    .unwrap();
    assert_eq!(b.totals.net.amount, dec!(1001));
    assert_eq!(b.totals.tax.amount, dec!(100));
    // KWD has three places: 1 × 1.2345 → 1.235 (tie up); 5 % → 0.06175 → 0.062.
    let b = calculate(&InvoiceInput {
        currency: Currency::KWD,
        rounding: RoundingMode::PerLine,
        lines: &[LineInput::new(
            "x",
            dec!(1),
            Money::new(dec!(1.2345), Currency::KWD),
            TaxRate::new("S", dec!(5)),
        )],
        invoice_discount: None,
        coverage: None,
    })
    .unwrap();
    assert_eq!(b.totals.net.amount, dec!(1.235));
    assert_eq!(b.totals.tax.amount, dec!(0.062));
}

#[test]
fn mixed_currencies_are_rejected() {
    let lines = [
        line("a", dec!(1), dec!(1), TaxRate::exempt()),
        LineInput::new(
            "b",
            dec!(1),
            Money::new(dec!(1), Currency::EUR),
            TaxRate::exempt(),
        ),
    ];
    let e = calculate(&InvoiceInput {
        currency: Currency::USD,
        rounding: RoundingMode::PerLine,
        lines: &lines,
        invoice_discount: None,
        coverage: None,
    })
    .unwrap_err();
    assert_eq!(e.code(), "currency_mismatch");
}

#[test]
fn every_bad_line_is_listed() {
    let mut bad_discount = line("c", dec!(1), dec!(5), TaxRate::exempt());
    bad_discount.discount = Some(Discount::Amount(usd(dec!(6))));
    let lines = [
        line("a", dec!(0), dec!(1), TaxRate::exempt()),
        line("b", dec!(1), dec!(-1), TaxRate::new("S", dec!(120))),
        bad_discount,
    ];
    let e = calculate(&InvoiceInput {
        currency: Currency::USD,
        rounding: RoundingMode::PerLine,
        lines: &lines,
        invoice_discount: Some(Discount::Percent(dec!(101))),
        coverage: None,
    })
    .unwrap_err();
    let Error::Validation(v) = e else {
        panic!("expected a validation error")
    };
    let fields: Vec<_> = v.problems().iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "lines[0].quantity",
            "lines[1].unit_price",
            "lines[1].tax",
            "lines[2].discount",
            "invoice_discount"
        ]
    );
}

/// The field paths of a validation error.
fn bad_fields(e: Error) -> Vec<String> {
    let Error::Validation(v) = e else {
        panic!("expected a validation error, got {e:?}")
    };
    v.problems().iter().map(|p| p.field.clone()).collect()
}

#[test]
fn a_bad_coverage_plan_is_named_field_by_field_before_the_lines() {
    // A pure caller (a binding's quote, a test) with a bad plan gets the plan's own problems, not a
    // figure that does not compute: a coinsurance of -5 %, a copay in euros on a dollar invoice, a
    // deductible of a tenth of a cent and a blank payer; then the bad line.
    let mut p = plan();
    p.payer = " ".into();
    p.coinsurance_percent = dec!(-5);
    p.copays
        .insert("new_patient".into(), Money::new(dec!(25), Currency::EUR));
    p.annual_deductible = usd(dec!(500.001));
    let lines = [
        line("lab", dec!(1), dec!(10), TaxRate::exempt()),
        line("lab", dec!(0), dec!(10), TaxRate::exempt()),
    ];
    let e = calculate(&InvoiceInput {
        currency: Currency::USD,
        rounding: RoundingMode::PerLine,
        lines: &lines,
        invoice_discount: None,
        coverage: Some((&p, used(dec!(0), dec!(0)))),
    })
    .unwrap_err();
    assert_eq!(e.code(), "invalid_input");
    assert_eq!(
        bad_fields(e),
        [
            "coverage.plan.payer",
            "coverage.plan.annual_deductible",
            "coverage.plan.copays.new_patient",
            "coverage.plan.coinsurance_percent",
            "lines[1].quantity",
        ]
    );
}

#[test]
fn a_coinsurance_above_100_percent_and_bad_usage_are_refused() {
    // 120 % coinsurance would make the payer's share negative; usage below zero or finer than the
    // cent cannot be what a patient paid.
    let mut p = plan();
    p.coinsurance_percent = dec!(120);
    let lines = [line("lab", dec!(1), dec!(10), TaxRate::exempt())];
    let e = calculate(&InvoiceInput {
        currency: Currency::USD,
        rounding: RoundingMode::PerTaxCategory,
        lines: &lines,
        invoice_discount: None,
        coverage: Some((&p, used(dec!(-1), dec!(0.001)))),
    })
    .unwrap_err();
    assert_eq!(
        bad_fields(e),
        [
            "coverage.plan.coinsurance_percent",
            "coverage.usage.deductible_used",
            "coverage.usage.out_of_pocket_used",
        ]
    );
}

#[test]
fn a_plan_in_another_currency_is_a_currency_mismatch() {
    // The plan's own currency is the invoice's or nothing on it can apply.
    let p = CoveragePlan::full("Acme Health", "Silver", Currency::EUR);
    let lines = [line("lab", dec!(1), dec!(10), TaxRate::exempt())];
    let e = calculate(&InvoiceInput {
        currency: Currency::USD,
        rounding: RoundingMode::PerLine,
        lines: &lines,
        invoice_discount: None,
        coverage: Some((&p, CoverageUsage::none(Currency::USD))),
    })
    .unwrap_err();
    assert_eq!(e.code(), "currency_mismatch");
}

fn plan() -> CoveragePlan {
    let mut p = CoveragePlan::full("Acme Health", "Silver", Currency::USD);
    p.annual_deductible = usd(dec!(500));
    p.coinsurance_percent = dec!(20);
    p.copays.insert("new_patient".into(), usd(dec!(25)));
    p.out_of_pocket_max = Some(usd(dec!(1000)));
    p.not_covered.insert("cosmetic".into());
    p.preauthorization_required.insert("mri".into());
    p
}

fn split(lines: &[LineInput], usage: CoverageUsage) -> Breakdown {
    let plan = plan();
    calculate(&InvoiceInput {
        currency: Currency::USD,
        rounding: RoundingMode::PerLine,
        lines,
        invoice_discount: None,
        coverage: Some((&plan, usage)),
    })
    .unwrap()
}

fn used(deductible: Decimal, oop: Decimal) -> CoverageUsage {
    CoverageUsage {
        deductible_used: usd(deductible),
        out_of_pocket_used: usd(oop),
    }
}

#[test]
fn copay_deductible_and_coinsurance() {
    // Plan: deductible 500.00 a year (300.00 used), coinsurance 20 %, copay 25.00 for a new-patient
    // visit, out-of-pocket max 1,000.00 (300.00 used).
    // Line 1, new-patient visit 150.00: copay 25.00, payer 125.00 (no deductible on copay visits).
    // Line 2, lab 300.00: deductible left 200.00 → patient 200.00; the other 100.00 × 20 % = 20.00
    //         coinsurance; payer 80.00. Patient 220.00.
    // Line 3, lab 100.00: deductible used up; 100.00 × 20 % = 20.00 patient, 80.00 payer.
    let mut visit = line("consultation.new_patient", dec!(1), dec!(150), TaxRate::exempt());
    visit.visit_type = Some("new_patient".into());
    let b = split(
        &[
            visit,
            line("lab.panel", dec!(1), dec!(300), TaxRate::exempt()),
            line("lab.cbc", dec!(1), dec!(100), TaxRate::exempt()),
        ],
        used(dec!(300), dec!(300)),
    );
    let s: Vec<_> = b
        .lines
        .iter()
        .map(|l| {
            (
                l.share.payer.amount,
                l.share.copay.amount,
                l.share.deductible.amount,
                l.share.coinsurance.amount,
            )
        })
        .collect();
    assert_eq!(
        s,
        [
            (dec!(125), dec!(25), dec!(0), dec!(0)),
            (dec!(80), dec!(0), dec!(200), dec!(20)),
            (dec!(80), dec!(0), dec!(0), dec!(20)),
        ]
    );
    assert_eq!(b.lines[0].share.basis, ShareBasis::Copay);
    assert_eq!(b.totals.payer.amount, dec!(285));
    assert_eq!(b.totals.patient.amount, dec!(265));
}

#[test]
fn the_out_of_pocket_maximum_caps_the_patients_share() {
    // Out-of-pocket max 1,000.00 with 900.00 used: 100.00 left. Deductible 500.00 with 300.00 used.
    // Lab 300.00: deductible 200.00 + coinsurance 20.00 = 220.00 > 100.00 left, so 120.00 is cut:
    // coinsurance first (20.00 → 0), then deductible (200.00 → 100.00). Patient 100.00, payer 200.00.
    // Lab 50.00 after that: the maximum is reached, the payer pays all 50.00.
    let b = split(
        &[
            line("lab.panel", dec!(1), dec!(300), TaxRate::exempt()),
            line("lab.cbc", dec!(1), dec!(50), TaxRate::exempt()),
        ],
        used(dec!(300), dec!(900)),
    );
    assert_eq!(b.lines[0].share.patient.amount, dec!(100));
    assert_eq!(b.lines[0].share.deductible.amount, dec!(100));
    assert_eq!(b.lines[0].share.coinsurance.amount, dec!(0));
    assert!(b.lines[0].share.capped);
    assert_eq!(b.lines[1].share.payer.amount, dec!(50));
    assert_eq!(b.lines[1].share.patient.amount, dec!(0));
}

#[test]
fn not_covered_items_and_missing_preauthorization_are_the_patients() {
    // Cosmetic 80.00 is excluded; an MRI of 400.00 needs a pre-authorization. Neither counts towards
    // the deductible: the lab after them still meets 200.00 of deductible.
    let mri = line("mri", dec!(1), dec!(400), TaxRate::exempt());
    let mut authorized = mri.clone();
    authorized.preauthorized = true;
    let b = split(
        &[
            line("cosmetic", dec!(1), dec!(80), TaxRate::exempt()),
            mri,
            line("lab.panel", dec!(1), dec!(300), TaxRate::exempt()),
        ],
        used(dec!(300), dec!(300)),
    );
    assert_eq!(b.lines[0].share.basis, ShareBasis::NotCovered);
    assert_eq!(b.lines[0].share.not_covered.amount, dec!(80));
    assert_eq!(b.lines[1].share.basis, ShareBasis::PreauthorizationMissing);
    assert_eq!(b.lines[1].share.patient.amount, dec!(400));
    assert_eq!(b.lines[2].share.deductible.amount, dec!(200));
    // With the pre-authorization the MRI is covered: deductible 200.00 + 20 % of 200.00.
    let b = split(&[authorized], used(dec!(300), dec!(300)));
    assert_eq!(b.lines[0].share.patient.amount, dec!(240));
    assert_eq!(b.lines[0].share.payer.amount, dec!(160));
}

#[test]
fn the_coinsurance_cent_goes_by_largest_remainder() {
    // No deductible left. 0.05 × 10 % = 0.005: floors 0.00 (patient) + 0.04 (payer, 0.045), the cent
    // left is a tie (0.005 each) and goes to the first part, the patient: 0.01 + 0.04 = 0.05.
    // 10.03 × 15 % = 1.5045 → patient 1.50, payer 8.53 (remainders .0045 < .0055).
    let mut p = plan();
    p.coinsurance_percent = dec!(10);
    let b = calculate(&InvoiceInput {
        currency: Currency::USD,
        rounding: RoundingMode::PerLine,
        lines: &[line("x", dec!(1), dec!(0.05), TaxRate::exempt())],
        invoice_discount: None,
        coverage: Some((&p, used(dec!(500), dec!(0)))),
    })
    .unwrap();
    assert_eq!(
        (b.lines[0].share.patient.amount, b.lines[0].share.payer.amount),
        (dec!(0.01), dec!(0.04))
    );
    let two = Money::new(dec!(0.05), Currency::USD)
        .allocate(&[dec!(10), dec!(90)])
        .unwrap();
    assert_eq!(
        two[0].amount,
        dec!(0.01),
        "the same as the largest-remainder rule of Money::allocate"
    );
    p.coinsurance_percent = dec!(15);
    let b = calculate(&InvoiceInput {
        currency: Currency::USD,
        rounding: RoundingMode::PerLine,
        lines: &[line("x", dec!(1), dec!(10.03), TaxRate::exempt())],
        invoice_discount: None,
        coverage: Some((&p, used(dec!(500), dec!(0)))),
    })
    .unwrap();
    assert_eq!(
        (b.lines[0].share.patient.amount, b.lines[0].share.payer.amount),
        (dec!(1.50), dec!(8.53))
    );
}

// ---- properties ----

fn rate() -> impl Strategy<Value = TaxRate> {
    prop_oneof![
        Just(TaxRate::new("S", dec!(20))),
        Just(TaxRate::new("S", dec!(7.5))),
        Just(TaxRate::new("AA", dec!(5))),
        Just(TaxRate::new("Z", dec!(0))),
        Just(TaxRate::exempt()),
    ]
}

fn discount(max_cents: i64) -> impl Strategy<Value = Option<Discount>> {
    prop_oneof![
        Just(None),
        (0_u32..=10_000).prop_map(|bp| Some(Discount::Percent(Decimal::new(i64::from(bp), 2)))),
        (0..=max_cents).prop_map(|c| Some(Discount::Amount(Money::from_minor(c, Currency::USD)))),
    ]
}

fn line_strategy() -> impl Strategy<Value = LineInput> {
    (
        1_i64..2_000,
        1_i64..5_000_000,
        rate(),
        any::<bool>(),
        prop_oneof![Just(None), Just(Some("new_patient".to_owned()))],
        prop_oneof![Just("lab"), Just("cosmetic"), Just("mri"), Just("bed")],
        any::<bool>(),
    )
        .prop_flat_map(|(qty, price, tax, inc, visit, code, pre)| {
            // quantities with up to one decimal place, prices with up to three (unit prices may be
            // finer than the cent).
            let quantity = Decimal::new(qty, 1);
            let unit = Decimal::new(price, 3);
            let ext = (quantity * unit).round_dp(2);
            let max_cents =
                i64::try_from((ext * dec!(100)).mantissa() / 10_i128.pow((ext * dec!(100)).scale()))
                    .unwrap_or(0);
            discount(max_cents).prop_map(move |d| LineInput {
                item_code: code.to_owned(),
                quantity,
                unit_price: Money::new(unit, Currency::USD),
                tax: tax.clone(),
                tax_inclusive: inc,
                discount: d,
                visit_type: visit.clone(),
                preauthorized: pre,
            })
        })
}

fn plan_strategy() -> impl Strategy<Value = Option<(CoveragePlan, CoverageUsage)>> {
    prop_oneof![
        Just(None),
        (
            0_i64..100_000,
            0_i64..100_000,
            0_u32..=100,
            0_i64..5_000,
            proptest::option::of(0_i64..200_000),
            0_i64..300_000
        )
            .prop_map(|(ded, ded_used, coins, copay, oop, oop_used)| {
                let mut p = CoveragePlan::full("P", "", Currency::USD);
                p.annual_deductible = Money::from_minor(ded, Currency::USD);
                p.coinsurance_percent = Decimal::from(coins);
                p.copays
                    .insert("new_patient".into(), Money::from_minor(copay, Currency::USD));
                p.out_of_pocket_max = oop.map(|o| Money::from_minor(o, Currency::USD));
                p.not_covered.insert("cosmetic".into());
                p.preauthorization_required.insert("mri".into());
                Some((
                    p,
                    CoverageUsage {
                        deductible_used: Money::from_minor(ded_used, Currency::USD),
                        out_of_pocket_used: Money::from_minor(oop_used, Currency::USD),
                    },
                ))
            }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn lines_always_add_up_to_the_totals(
        lines in proptest::collection::vec(line_strategy(), 1..40),
        per_line in any::<bool>(),
        inv_pct in proptest::option::of(0_u32..=10_000),
        coverage in plan_strategy(),
    ) {
        let rounding = if per_line { RoundingMode::PerLine } else { RoundingMode::PerTaxCategory };
        let b = calculate(&InvoiceInput {
            currency: Currency::USD,
            rounding,
            lines: &lines,
            invoice_discount: inv_pct.map(|bp| Discount::Percent(Decimal::new(i64::from(bp), 2))),
            coverage: coverage.as_ref().map(|(p, u)| (p, *u)),
        }).unwrap();
        let sum = |f: &dyn Fn(&PricedLine) -> Decimal| -> Decimal { b.lines.iter().map(f).sum() };
        // total = Σ rounded lines, in every column
        prop_assert_eq!(b.totals.gross.amount, sum(&|l| l.gross.amount));
        prop_assert_eq!(b.totals.net.amount, sum(&|l| l.net.amount));
        prop_assert_eq!(b.totals.tax.amount, sum(&|l| l.tax.amount));
        prop_assert_eq!(b.totals.invoice_discount.amount, sum(&|l| l.invoice_discount.amount));
        prop_assert_eq!(b.totals.payer.amount + b.totals.patient.amount, b.totals.gross.amount);
        let tax_sub: Decimal = b.taxes.iter().map(|t| t.amount.amount).sum();
        prop_assert_eq!(tax_sub, b.totals.tax.amount);
        for (l, i) in b.lines.iter().zip(&lines) {
            for m in [l.extended, l.line_discount, l.invoice_discount, l.net, l.tax, l.gross, l.share.payer, l.share.patient] {
                prop_assert!(m.is_rounded());
                prop_assert!(!m.is_negative());
            }
            prop_assert_eq!(l.net.amount + l.tax.amount, l.gross.amount);
            // payer + patient = line, and the patient's parts add up
            prop_assert_eq!(l.share.payer.amount + l.share.patient.amount, l.gross.amount);
            prop_assert_eq!(
                l.share.copay.amount + l.share.deductible.amount + l.share.coinsurance.amount + l.share.not_covered.amount,
                l.share.patient.amount
            );
            // the discounted amount is the net (exclusive) or the gross (inclusive)
            let after = l.extended.amount - l.line_discount.amount - l.invoice_discount.amount;
            prop_assert_eq!(if i.tax_inclusive { l.gross.amount } else { l.net.amount }, after);
            // Per line, a line's tax is its exact tax rounded (at most half a cent off). Per category,
            // the category's tax is off by at most half a cent and its spread by less than one cent
            // more, so a line's share is less than 1.5 cents off its exact tax.
            let r = i.tax.percent / dec!(100);
            let exact = if i.tax_inclusive { after * r / (Decimal::ONE + r) } else { after * r };
            let bound = if per_line { dec!(0.005) } else { dec!(0.015) };
            let off = (l.tax.amount - exact).abs();
            prop_assert!(off <= bound && (per_line || off < bound), "line tax {} vs exact {}", l.tax.amount, exact);
        }
        if rounding == RoundingMode::PerTaxCategory {
            // BR-CO-17: a category with only exclusive lines has tax = round(taxable × rate)
            for t in &b.taxes {
                let all_exclusive = lines.iter().filter(|l| l.tax == t.tax).all(|l| !l.tax_inclusive);
                if all_exclusive {
                    prop_assert_eq!(t.amount, t.taxable.times(t.tax.percent / dec!(100)).round());
                }
            }
        }
    }

    #[test]
    fn wide_weights_allocate_like_narrow_ones(
        total in -10_000_000_i64..10_000_000,
        weights in proptest::collection::vec(0_i64..100_000, 1..30),
    ) {
        // Scaling every weight by 10^15 pushes the sum past 2^64 but keeps the proportions.
        let narrow: Vec<i128> = weights.iter().map(|w| i128::from(*w)).collect();
        let wide: Vec<i128> = narrow.iter().map(|w| w * 1_000_000_000_000_000).collect();
        prop_assume!(wide.iter().sum::<i128>() > i128::from(u64::MAX));
        prop_assert_eq!(allocate_minor(i128::from(total), &wide), allocate_minor(i128::from(total), &narrow));
    }

    #[test]
    fn integer_allocation_agrees_with_money_allocate(
        total in -10_000_000_i64..10_000_000,
        weights in proptest::collection::vec(0_i64..100_000, 1..30),
    ) {
        let ours = allocate_minor(i128::from(total), &weights.iter().map(|w| i128::from(*w)).collect::<Vec<_>>()).unwrap();
        let theirs = Money::from_minor(total, Currency::USD)
            .allocate(&weights.iter().map(|w| Decimal::from(*w)).collect::<Vec<_>>())
                .unwrap();
        let theirs: Vec<i128> = theirs.iter().map(|m| i128::from(m.to_minor().unwrap())).collect();
        prop_assert_eq!(ours, theirs);
    }

    #[test]
    fn spreading_over_the_lines_of_a_group_is_allocate_minor(
        total in -10_000_000_i64..10_000_000,
        lines in proptest::collection::vec((0_i64..100_000, 0_usize..3), 1..60),
        group in 0_usize..3,
        wide in any::<bool>(),
    ) {
        // The in-place spread over the lines of one group (the invoice discount: every line; a
        // category's tax: its lines) gives each line what allocate_minor gives it, on both of its
        // paths (weights summing past 2^64 when `wide`).
        let scale: i128 = if wide { 1_000_000_000_000_000 } else { 1 };
        let mut work: Vec<Work> = lines
            .iter()
            .map(|(after, g)| Work { ext: 0, line_disc: 0, inv_disc: 0, after: *after, tax: 0, group: *g, inclusive: false })
            .collect();
        let mut keys = Vec::new();
        spread(total, &mut work, |w| w.group == group, |w| Some(i128::from(w.after) * scale), |w| &mut w.tax, &mut keys).unwrap();
        let weights: Vec<i128> = lines.iter().filter(|(_, g)| *g == group).map(|(a, _)| i128::from(*a) * scale).collect();
        let got: Vec<i128> = work.iter().filter(|w| w.group == group).map(|w| i128::from(w.tax)).collect();
        if weights.is_empty() {
            prop_assert!(got.is_empty());
        } else {
            prop_assert_eq!(got, allocate_minor(i128::from(total), &weights).unwrap());
        }
        // Lines of other groups are left alone.
        prop_assert!(work.iter().filter(|w| w.group != group).all(|w| w.tax == 0));
    }
}
