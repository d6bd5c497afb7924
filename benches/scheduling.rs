//! Scheduling benchmarks (issue #3): conflict checks against one calendar of 100,000 and 1,000,000
//! bookings with the linear-scan ratio in the same run, and book + cancel at 100,000.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use std::hint::black_box;

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{BenchmarkId, Criterion};
use hms_benches::{benchmarking, per_call, Rng};
use hms_core::ids::AppointmentId;
use hms_core::scheduling::calendar::CalendarIndex;
use hms_core::time::Interval;

fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 3, 30, 0).unwrap()
}

/// A calendar of `n` 15-minute visits on a 20-minute grid (so there are gaps to find), and the list
/// a linear scan would walk.
fn calendar(n: usize) -> (CalendarIndex, Vec<(AppointmentId, Interval)>) {
    let mut c = CalendarIndex::new();
    let mut list = Vec::with_capacity(n);
    for i in 0..n {
        let s = base() + Duration::minutes(i as i64 * 20);
        let iv = Interval::new(s, s + Duration::minutes(15)).unwrap();
        let id = AppointmentId::from_uuid(uuid::Uuid::from_u128(i as u128 + 1));
        c.insert(id, iv, false);
        list.push((id, iv));
    }
    (c, list)
}

/// Random 15-minute requests across the calendar's span: about a quarter land in a gap.
fn queries(n: usize, count: usize) -> Vec<Interval> {
    let mut rng = Rng(7);
    (0..count)
        .map(|_| {
            let s = base() + Duration::minutes(rng.below(n as u64 * 20) as i64);
            Interval::new(s, s + Duration::minutes(15)).unwrap()
        })
        .collect()
}

fn linear_any_overlap(list: &[(AppointmentId, Interval)], q: &Interval) -> bool {
    list.iter().any(|(_, iv)| iv.overlaps(q))
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("conflict_check");
    for n in [100_000usize, 1_000_000] {
        let (cal, _) = calendar(n);
        let qs = queries(n, 4096);
        g.bench_with_input(BenchmarkId::new("index", n), &n, |b, _| {
            let mut k = 0;
            b.iter(|| {
                k = (k + 1) & 4095;
                black_box(cal.any_overlap(&qs[k]))
            })
        });
    }
    let (_, list) = calendar(100_000);
    let qs = queries(100_000, 4096);
    g.sample_size(10);
    g.bench_function("linear_scan/100000", |b| {
        let mut k = 0;
        b.iter(|| {
            k = (k + 1) & 4095;
            black_box(linear_any_overlap(&list, &qs[k]))
        })
    });
    g.finish();

    let (mut cal, _) = calendar(100_000);
    let qs = queries(100_000, 4096);
    c.bench_function("book_and_cancel/100000", |b| {
        let mut k = 0u128;
        b.iter(|| {
            k += 1;
            let q = qs[(k & 4095) as usize];
            let id = AppointmentId::from_uuid(uuid::Uuid::from_u128(10_000_000 + k));
            if !cal.any_overlap(&q) {
                cal.insert(id, q, false);
                cal.remove(id, q);
            }
        })
    });
}

fn summary() {
    println!("\nscheduling summary (ns per call, median / p99 over batches)");
    for n in [100_000usize, 1_000_000] {
        let (cal, list) = calendar(n);
        let qs = queries(n, 4096);
        let idx = per_call(201, 1000, |k| {
            black_box(cal.any_overlap(&qs[k & 4095]));
        });
        println!(
            "  conflict check, index,       {n:>9} bookings: {:>8.0} / {:>8.0}",
            idx.median_ns, idx.p99_ns
        );
        if n == 100_000 {
            let lin = per_call(31, 20, |k| {
                black_box(linear_any_overlap(&list, &qs[k & 4095]));
            });
            println!(
                "  conflict check, linear scan, {n:>9} bookings: {:>8.0} / {:>8.0}",
                lin.median_ns, lin.p99_ns
            );
            println!(
                "  index is {:.0}x faster than a linear scan",
                lin.median_ns / idx.median_ns
            );
        }
    }
    let (mut cal, _) = calendar(100_000);
    let qs = queries(100_000, 4096);
    let bc = per_call(201, 1000, |k| {
        let q = qs[k & 4095];
        let id = AppointmentId::from_uuid(uuid::Uuid::from_u128(10_000_000 + k as u128));
        if !cal.any_overlap(&q) {
            cal.insert(id, q, false);
            cal.remove(id, q);
        }
    });
    println!(
        "  check + book + cancel,          100000 bookings: {:>8.0} / {:>8.0}",
        bc.median_ns, bc.p99_ns
    );
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
    if benchmarking() {
        summary();
    }
}
