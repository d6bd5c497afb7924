//! Shared helpers of the benchmarks: percentile timing for the summaries the issues ask for
//! (criterion reports its own estimates; these give median and p99 per call in one table).

use std::time::Instant;

/// Median and 99th percentile of a measurement, in nanoseconds per call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    /// The median.
    pub median_ns: f64,
    /// The 99th percentile.
    pub p99_ns: f64,
}

/// Times `rounds` batches of `batch` calls of `f` and returns per-call median and p99 over batches.
///
/// A batch amortizes the clock's own cost (tens of nanoseconds) over many calls; `batch = 1` gives
/// true per-call percentiles for calls that take a microsecond or more.
pub fn per_call(rounds: usize, batch: usize, mut f: impl FnMut(usize)) -> Stats {
    let mut samples = Vec::with_capacity(rounds);
    let mut k = 0usize;
    for _ in 0..rounds {
        let t = Instant::now();
        for _ in 0..batch {
            f(k);
            k = k.wrapping_add(1);
        }
        samples.push(t.elapsed().as_nanos() as f64 / batch.max(1) as f64);
    }
    percentiles(&mut samples)
}

/// Median and p99 of samples (sorted in place).
pub fn percentiles(samples: &mut [f64]) -> Stats {
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| {
        if samples.is_empty() {
            return f64::NAN;
        }
        let i = ((samples.len() - 1) as f64 * q).round() as usize;
        samples.get(i).copied().unwrap_or(f64::NAN)
    };
    Stats {
        median_ns: at(0.5),
        p99_ns: at(0.99),
    }
}

/// Whether the benchmark binary runs as a real benchmark (`cargo bench`) rather than as a smoke test
/// (`cargo test --benches`), where the summaries are skipped.
pub fn benchmarking() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// The reproducible random generator of the hospital-day simulation, reused for benchmark data.
pub use hms_examples::Rng;
