//! Billing benchmarks (issue #5): price a 50-line invoice with two tax categories, line discounts, an
//! invoice discount and insurance coverage (deductible, copay, coinsurance, out-of-pocket maximum) —
//! target ≤ 5 µs per invoice — and a 10,000-line one (target ≤ 1 ms), in both rounding modes; and
//! allocate one payment across 1,000 open invoices, oldest first.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use std::hint::black_box;

use chrono::{Duration, TimeZone, Utc};
use criterion::{BenchmarkId, Criterion};
use hms_benches::{benchmarking, per_call, Rng};
use hms_core::billing::payment::allocate_payment;
use hms_core::billing::{
    calculate, AllocationRule, CoveragePlan, CoverageUsage, Discount, InvoiceInput, LineInput, OpenItem,
    RoundingMode, TaxRate,
};
use hms_core::ids::InvoiceId;
use hms_core::money::{Currency, Money};
use rust_decimal::Decimal;

fn usd(cents: i64) -> Money {
    Money::from_minor(cents, Currency::USD)
}

/// `n` realistic lines: a consultation with a copay visit type first, then lab tests, medicines
/// (tax-inclusive, 19 %), supplies (tax-exclusive, 19 %) and procedures (exempt); every fifth line has
/// a 10 % discount.
fn lines(n: usize) -> Vec<LineInput> {
    let mut rng = Rng::new(5);
    (0..n)
        .map(|i| {
            let (code, tax, inclusive) = match i % 4 {
                0 => ("lab", TaxRate::exempt(), false),
                1 => ("med", TaxRate::new("S", Decimal::from(19)), true),
                2 => ("supply", TaxRate::new("S", Decimal::from(19)), false),
                _ => ("procedure", TaxRate::exempt(), false),
            };
            let mut l = LineInput::new(
                code,
                Decimal::from(1 + rng.below(5)),
                Money::new(Decimal::new(100 + rng.below(20_000) as i64, 2), Currency::USD),
                tax,
            );
            l.tax_inclusive = inclusive;
            if i % 5 == 4 {
                l.discount = Some(Discount::Percent(Decimal::from(10)));
            }
            if i == 0 {
                l.item_code = "consultation".into();
                l.visit_type = Some("new_patient".into());
            }
            l
        })
        .collect()
}

fn plan() -> CoveragePlan {
    let mut p = CoveragePlan::full("Acme Health", "Silver", Currency::USD);
    p.annual_deductible = usd(50_000);
    p.copays.insert("new_patient".into(), usd(2_500));
    p.coinsurance_percent = Decimal::from(20);
    p.out_of_pocket_max = Some(usd(500_000));
    p.not_covered.insert("cosmetic".into());
    p
}

fn usage() -> CoverageUsage {
    CoverageUsage {
        deductible_used: usd(20_000),
        out_of_pocket_used: usd(40_000),
    }
}

fn input<'a>(lines: &'a [LineInput], plan: &'a CoveragePlan, rounding: RoundingMode) -> InvoiceInput<'a> {
    InvoiceInput {
        currency: Currency::USD,
        rounding,
        lines,
        invoice_discount: Some(Discount::Percent(Decimal::from(5))),
        coverage: Some((plan, usage())),
    }
}

/// 1,000 open invoices a minute apart (in shuffled order), 1.00 to 500.00 due each.
fn open_items() -> Vec<OpenItem> {
    let mut rng = Rng::new(9);
    let base = Utc.with_ymd_and_hms(2026, 1, 1, 8, 0, 0).unwrap();
    let mut items: Vec<OpenItem> = (0..1000u64)
        .map(|i| OpenItem {
            invoice: InvoiceId::from_uuid(uuid::Uuid::from_u128(u128::from(i) + 1)),
            issued_at: base + Duration::minutes(i as i64),
            due: usd(100 + rng.below(49_900) as i64),
        })
        .collect();
    for i in (1..items.len()).rev() {
        let j = rng.below(i + 1);
        items.swap(i, j);
    }
    items
}

/// A payment of 90 % of everything due: it touches almost every invoice.
fn payment(items: &[OpenItem]) -> Money {
    let due: Decimal = items.iter().map(|o| o.due.amount).sum();
    Money::new((due * Decimal::new(9, 1)).round_dp(2), Currency::USD)
}

fn bench(c: &mut Criterion) {
    let plan = plan();
    let mut g = c.benchmark_group("price_invoice");
    for n in [50usize, 10_000] {
        let ls = lines(n);
        for (name, mode) in [
            ("per_category", RoundingMode::PerTaxCategory),
            ("per_line", RoundingMode::PerLine),
        ] {
            g.bench_with_input(BenchmarkId::new(name, n), &n, |b, _| {
                b.iter(|| black_box(calculate(&input(&ls, &plan, mode)).unwrap()))
            });
        }
    }
    g.finish();
    let items = open_items();
    let amount = payment(&items);
    c.bench_function("allocate_payment/1000_invoices", |b| {
        b.iter(|| black_box(allocate_payment(amount, &items, &AllocationRule::OldestFirst).unwrap()))
    });
}

/// Nanoseconds this thread has spent on a CPU (Linux `schedstat`), if the kernel reports it. Unlike
/// wall-clock time it leaves out the time the thread waited for a core, so it stays meaningful on a
/// machine shared with other work.
fn cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// Median on-CPU nanoseconds per call over `rounds` batches of `batch` calls.
fn cpu_median(rounds: usize, batch: usize, mut f: impl FnMut()) -> Option<f64> {
    let mut samples = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let start = cpu_ns()?;
        for _ in 0..batch {
            f();
        }
        samples.push((cpu_ns()? - start) as f64 / batch as f64);
    }
    Some(hms_benches::percentiles(&mut samples).median_ns)
}

fn show(label: &str, wall: hms_benches::Stats, cpu: Option<f64>) {
    let cpu = cpu.map_or_else(|| "n/a".to_owned(), |c| format!("{:.2} µs", c / 1000.0));
    println!(
        "  {label:<52} wall {:>9.2} µs (p99 {:>9.2} µs), on-CPU {cpu}",
        wall.median_ns / 1000.0,
        wall.p99_ns / 1000.0
    );
}

fn summary() {
    let plan = plan();
    println!("\nbilling summary (per call: wall-clock median and p99, and median on-CPU time)");
    for n in [50usize, 10_000] {
        let ls = lines(n);
        for (name, mode) in [
            ("per tax category", RoundingMode::PerTaxCategory),
            ("per line", RoundingMode::PerLine),
        ] {
            let (rounds, batch) = if n == 50 { (301, 200) } else { (101, 1) };
            let call = || {
                black_box(calculate(&input(&ls, &plan, mode)).unwrap());
            };
            let wall = per_call(rounds, batch, |_| call());
            let (cpu_rounds, cpu_batch) = if n == 50 { (101, 2000) } else { (31, 10) };
            let cpu = cpu_median(cpu_rounds, cpu_batch, call);
            show(&format!("price a {n}-line invoice, {name}"), wall, cpu);
        }
    }
    let items = open_items();
    let amount = payment(&items);
    let call = || {
        black_box(allocate_payment(amount, &items, &AllocationRule::OldestFirst).unwrap());
    };
    let wall = per_call(201, 10, |_| call());
    let cpu = cpu_median(51, 100, call);
    show("allocate one payment over 1000 open invoices", wall, cpu);
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
    if benchmarking() {
        summary();
    }
}
