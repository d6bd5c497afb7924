//! Pharmacy benchmarks (issue #6): FEFO allocation over a drug with 50 and 1,000 batches (the ordering
//! included: the batches arrive unsorted every call), rebuilding every balance from a
//! 1,000,000-movement ledger, and computing all alerts of a pharmacy of 5,000 drugs × 10 batches.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use std::collections::BTreeMap;
use std::hint::black_box;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use criterion::{BenchmarkId, Criterion};
use hms_benches::{benchmarking, per_call, Rng};
use hms_core::ids::{BatchId, DispenseId, DrugId, MovementId, TransferId};
use hms_core::pharmacy::alerts::{all_alerts, DrugStock, StockLine};
use hms_core::pharmacy::fefo::{allocate, Candidate};
use hms_core::pharmacy::ledger::{rebuild_balances, Movement, MovementKind, WriteOffReason};
use hms_core::pharmacy::{Location, ReorderRule};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
}

fn received(days_ago: u64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap() - Duration::days(days_ago as i64)
}

fn id(n: u64) -> uuid::Uuid {
    uuid::Uuid::from_u64_pair(0x0190_0000_0000_7000, n)
}

/// `n` batches of one drug in random order: expiries spread over two years (a few already expired,
/// a few without expiry), a few recalled, 0–40 units each.
fn candidates(n: usize, seed: u64) -> Vec<Candidate> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|i| {
            let expiry = match rng.below(20) {
                0 => None,
                1 => Some(today() - Duration::days(1 + rng.below(60) as i64)),
                _ => Some(today() + Duration::days(rng.below(730) as i64)),
            };
            Candidate {
                batch: BatchId::from_uuid(id(i as u64)),
                expiry,
                received_at: received(rng.below(400) as u64),
                recalled: rng.below(25) == 0,
                available: rng.below(41) as u32,
            }
        })
        .collect()
}

/// A request that typically spans two or three batches.
const FEFO_REQUEST: u32 = 60;

fn locations() -> [Location; 3] {
    [
        Location::parse("main").unwrap(),
        Location::parse("ward-3").unwrap(),
        Location::parse("er").unwrap(),
    ]
}

/// A ledger of `n` movements over 2,000 batches at three locations that never takes a balance below
/// zero: receipts, dispenses, returns, transfers, adjustments and write-offs.
fn ledger(n: usize) -> Vec<Movement> {
    let locs = locations();
    let batches = 2_000u64;
    let mut rng = Rng::new(42);
    let mut stock = vec![[0i64; 3]; batches as usize];
    let mut out = Vec::with_capacity(n);
    let at = received(0);
    let push = |out: &mut Vec<Movement>, b: u64, l: usize, quantity: i64, kind: MovementKind| {
        out.push(Movement {
            id: MovementId::from_uuid(id(out.len() as u64 + 1)),
            drug: DrugId::from_uuid(id(1_000_000 + b / 10)),
            batch: BatchId::from_uuid(id(b)),
            location: locs[l].clone(),
            quantity,
            kind,
            at,
            actor: None,
        });
    };
    while out.len() < n {
        let b = rng.below(batches as usize) as u64;
        let l = rng.below(3);
        let have = stock[b as usize][l];
        let roll = rng.below(100);
        if have < 5 || roll < 5 {
            let q = 50 + rng.below(200) as i64;
            push(&mut out, b, l, q, MovementKind::Receipt);
            stock[b as usize][l] += q;
        } else if roll < 80 {
            let q = 1 + rng.below(have.min(10) as usize) as i64;
            let dispense = DispenseId::from_uuid(id(out.len() as u64));
            push(&mut out, b, l, -q, MovementKind::Dispense { dispense });
            stock[b as usize][l] -= q;
        } else if roll < 85 {
            let dispense = DispenseId::from_uuid(id(out.len() as u64));
            push(&mut out, b, l, 1, MovementKind::Return { dispense });
            stock[b as usize][l] += 1;
        } else if roll < 95 && out.len() + 1 < n {
            let to = (l + 1 + rng.below(2)) % 3;
            let q = 1 + rng.below(have as usize / 2) as i64;
            let transfer = TransferId::from_uuid(id(out.len() as u64));
            push(
                &mut out,
                b,
                l,
                -q,
                MovementKind::TransferOut {
                    transfer,
                    to: locs[to].clone(),
                },
            );
            push(
                &mut out,
                b,
                to,
                q,
                MovementKind::TransferIn {
                    transfer,
                    from: locs[l].clone(),
                },
            );
            stock[b as usize][l] -= q;
            stock[b as usize][to] += q;
        } else if roll < 98 {
            push(
                &mut out,
                b,
                l,
                -1,
                MovementKind::Adjustment {
                    reason: "count".into(),
                },
            );
            stock[b as usize][l] -= 1;
        } else {
            push(
                &mut out,
                b,
                l,
                -1,
                MovementKind::WriteOff {
                    reason: WriteOffReason::Damaged,
                },
            );
            stock[b as usize][l] -= 1;
        }
    }
    out.truncate(n);
    out
}

/// A pharmacy of `drugs` drugs with 10 batches each over two locations, with reorder rules at both,
/// some stock on order, expiries from last month to two years ahead.
fn pharmacy(drugs: usize) -> Vec<DrugStock> {
    let [main, ward, _] = locations();
    let mut rng = Rng::new(7);
    (0..drugs)
        .map(|d| {
            let lines = (0..10)
                .map(|b| StockLine {
                    batch: BatchId::from_uuid(id((d * 10 + b) as u64)),
                    location: if b % 3 == 0 { ward.clone() } else { main.clone() },
                    expiry: match rng.below(30) {
                        0 => None,
                        1 => Some(today() - Duration::days(1 + rng.below(30) as i64)),
                        _ => Some(today() + Duration::days(rng.below(730) as i64)),
                    },
                    recalled: rng.below(100) == 0,
                    on_hand: rng.below(60) as u32,
                })
                .collect();
            let reorder: BTreeMap<Location, ReorderRule> = [
                (
                    main.clone(),
                    ReorderRule {
                        level: 100 + rng.below(100) as u32,
                        quantity: 200,
                    },
                ),
                (
                    ward.clone(),
                    ReorderRule {
                        level: 20,
                        quantity: 50,
                    },
                ),
            ]
            .into();
            let on_order = if rng.below(4) == 0 {
                [(main.clone(), 100)].into()
            } else {
                BTreeMap::new()
            };
            DrugStock {
                drug: DrugId::from_uuid(id(1_000_000 + d as u64)),
                pack_size: 10,
                reorder,
                lines,
                on_order,
            }
        })
        .collect()
}

fn through() -> NaiveDate {
    today() + Duration::days(6)
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("fefo_allocate");
    for n in [50usize, 1_000] {
        let cs = candidates(n, n as u64);
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| allocate(black_box(&cs), FEFO_REQUEST, today(), through()))
        });
    }
    g.finish();

    let movements = ledger(1_000_000);
    let mut g = c.benchmark_group("ledger");
    g.sample_size(10);
    g.bench_function("rebuild_balances/1000000", |b| {
        b.iter(|| rebuild_balances(black_box(&movements)).unwrap().len())
    });
    g.finish();

    let stock = pharmacy(5_000);
    let mut g = c.benchmark_group("alerts");
    g.sample_size(20);
    g.bench_function("all_alerts/5000x10", |b| {
        b.iter(|| all_alerts(black_box(&stock), today(), 90).len())
    });
    g.finish();
}

/// CPU time this thread has run, in nanoseconds (Linux `schedstat`; it advances at scheduler ticks,
/// so only a total over many calls means anything). `None` elsewhere.
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// Mean CPU time per call of `f` over `calls` calls, in nanoseconds: what a call costs when the
/// machine is shared and wall-clock medians include time spent waiting for a core.
fn cpu_per_call(calls: usize, mut f: impl FnMut(usize)) -> Option<f64> {
    let start = thread_cpu_ns()?;
    for k in 0..calls {
        f(k);
    }
    let end = thread_cpu_ns()?;
    Some(end.saturating_sub(start) as f64 / calls.max(1) as f64)
}

fn cpu_text(ns: Option<f64>, scale: f64, unit: &str) -> String {
    ns.map_or_else(|| "n/a".to_owned(), |v| format!("{:.2} {unit}", v / scale))
}

fn summary() {
    println!("\npharmacy summary: wall-clock median / p99 per call, then mean CPU time per call");
    for (n, target) in [(50usize, " (target <= 1 us)"), (1_000, "")] {
        let cs = candidates(n, n as u64);
        let call = |_| {
            black_box(allocate(black_box(&cs), FEFO_REQUEST, today(), through()).ok());
        };
        let s = per_call(201, 1_000, call);
        let cpu = cpu_per_call(if n == 50 { 2_000_000 } else { 100_000 }, call);
        println!(
            "  FEFO allocation, {n:>5} batches, ordering included: {:>9.0} ns / {:>9.0} ns; cpu {}{target}",
            s.median_ns,
            s.p99_ns,
            cpu_text(cpu, 1.0, "ns")
        );
    }
    let movements = ledger(1_000_000);
    let call = |_| {
        black_box(rebuild_balances(black_box(&movements)).unwrap().len());
    };
    let s = per_call(15, 1, call);
    let cpu = cpu_per_call(30, call);
    println!(
        "  rebuild all balances, 1,000,000 movements: {:>9.2} ms / {:>9.2} ms; cpu {} (target <= 100 ms)",
        s.median_ns / 1e6,
        s.p99_ns / 1e6,
        cpu_text(cpu, 1e6, "ms")
    );
    let stock = pharmacy(5_000);
    let alerts = all_alerts(&stock, today(), 90);
    let call = |_| {
        black_box(all_alerts(black_box(&stock), today(), 90).len());
    };
    let s = per_call(101, 1, call);
    let cpu = cpu_per_call(1_000, call);
    println!(
        "  all alerts, 5,000 drugs x 10 batches ({} alerts): {:>7.2} ms / {:>9.2} ms; cpu {} (target <= 5 ms)",
        alerts.len(),
        s.median_ns / 1e6,
        s.p99_ns / 1e6,
        cpu_text(cpu, 1e6, "ms")
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
