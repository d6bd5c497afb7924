//! Checking a whole schedule in one pass (the Python package's `check_schedule`): 100,000 rows of
//! 10-minute visits, 100 doctors and 1,000 patients, the rows in time order and shuffled, a tenth of
//! them colliding with an earlier row.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::hint::black_box;

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{BenchmarkId, Criterion, Throughput};
use hms_benches::{benchmarking, wall_and_cpu};
use hms_core::scheduling::schedule_check::{check_schedule, NumberedCheck, RowVerdict};
use hms_core::time::Interval;
use hms_examples::Rng;

const DOCTORS: u32 = 100;
const ROWS: usize = 100_000;

fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 3, 8, 0, 0).unwrap()
}

/// Row `i`: doctor `i % 100`, one of ten patients of that doctor, the doctor's next 10-minute slot
/// of a 08:00-20:00 day; every tenth row repeats the time of the row before it with the same doctor
/// (a double booking to report). Calendars are numbered: doctors 0..100, patients from 100.
fn rows(shuffled: bool) -> Vec<([u32; 2], Interval)> {
    let mut out: Vec<([u32; 2], Interval)> = (0..ROWS)
        .map(|i| {
            let d = i as u32 % DOCTORS;
            let s = i / DOCTORS as usize;
            let s = if s % 10 == 9 { s - 1 } else { s };
            let (day, slot) = (s / 72, s % 72);
            let start = base() + Duration::days(day as i64) + Duration::minutes(10 * slot as i64);
            let patient = DOCTORS + d + DOCTORS * (s as u32 % 10);
            (
                [d, patient],
                Interval::new(start, start + Duration::minutes(10)).unwrap(),
            )
        })
        .collect();
    if shuffled {
        let mut rng = Rng::new(11);
        for i in (1..out.len()).rev() {
            out.swap(i, rng.below(i as u64 + 1) as usize);
        }
    }
    out
}

fn check(rows: &[([u32; 2], Interval)]) -> Vec<RowVerdict<u32>> {
    check_schedule(rows.iter().map(|(who, time)| (who.as_slice(), *time)))
}

/// The same rows as the Python package checks them: calendars by number, times in whole
/// microseconds, one `bool` a row and the clashes as (row, where, earlier row).
fn check_numbered(rows: &[([u32; 2], Interval)]) -> (Vec<bool>, Vec<(usize, usize, usize)>) {
    let mut check = NumberedCheck::with_capacity(rows.len(), 1_100);
    let (mut accepted, mut clashes) = (Vec::with_capacity(rows.len()), Vec::new());
    for (i, (who, time)) in rows.iter().enumerate() {
        let numbers = [who[0] as usize, who[1] as usize];
        let (start, end) = (time.start().timestamp_micros(), time.end().timestamp_micros());
        accepted.push(check.offer(&numbers, start, end, |at, row| clashes.push((i, at, row))));
    }
    (accepted, clashes)
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("check_schedule");
    g.sample_size(20);
    g.throughput(Throughput::Elements(ROWS as u64));
    for shuffled in [false, true] {
        let rows = rows(shuffled);
        let name = if shuffled { "shuffled" } else { "in_time_order" };
        g.bench_with_input(BenchmarkId::new(name, ROWS), &rows, |b, rows| {
            b.iter(|| black_box(check(rows)))
        });
        let numbered = format!("{name}_numbered");
        g.bench_with_input(BenchmarkId::new(numbered, ROWS), &rows, |b, rows| {
            b.iter(|| black_box(check_numbered(rows)))
        });
    }
    g.finish();
}

fn summary() {
    println!("\nschedule check summary (100,000 rows, 2 calendars each; best of 5 runs)");
    for shuffled in [false, true] {
        let rows = rows(shuffled);
        let (mut wall, mut cpu) = (f64::MAX, f64::MAX);
        let mut rejected = 0;
        for _ in 0..5 {
            let (verdicts, w, c) = wall_and_cpu(|| check(&rows));
            rejected = verdicts.iter().filter(|v| !v.is_accepted()).count();
            wall = wall.min(w);
            cpu = cpu.min(c);
        }
        println!(
            "  {:<14} wall {:>6.1} ms  cpu {:>6.1} ms  ({:.0} ns a row; {rejected} rows rejected)",
            if shuffled { "shuffled" } else { "in time order" },
            wall * 1e3,
            cpu * 1e3,
            wall * 1e9 / ROWS as f64
        );
        let (mut wall, mut agree) = (f64::MAX, true);
        let want: Vec<bool> = check(&rows).iter().map(RowVerdict::is_accepted).collect();
        for _ in 0..5 {
            let ((accepted, _), w, _) = wall_and_cpu(|| check_numbered(&rows));
            agree &= accepted == want;
            wall = wall.min(w);
        }
        assert!(agree, "the numbered check disagrees with the named one");
        println!(
            "  {:<14} wall {:>6.1} ms  ({:.0} ns a row; numbered calendars, times in microseconds)",
            "",
            wall * 1e3,
            wall * 1e9 / ROWS as f64
        );
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
    if benchmarking() {
        summary();
    }
}
