//! The native side of the WASM bench (`hms-wasm/bench/run`): the same Rust loop as the module's
//! `benchValidate`, compiled for this machine, over the same fixture.
//!
//! ```sh
//! cargo run --release -p hms-wasm --example bench_native -- hms-wasm/bench/fixture.json
//! ```
//!
//! Prints one line of JSON: `{"iterations", "seconds", "perSecond", "findings"}`.
use std::time::Instant;

use hms_wasm::scheduling::{Calendar, CalendarInput, Proposal};
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixture {
    calendar: CalendarInput,
    proposal: Proposal,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "hms-wasm/bench/fixture.json".to_owned());
    let fixture: Fixture = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    let calendar = Calendar::new(fixture.calendar)?;
    // Grow the batch until one takes at least a second, then report that batch.
    let mut iterations: u32 = 1_000;
    loop {
        let started = Instant::now();
        let findings = calendar.bench_validate(&fixture.proposal, iterations)?;
        let seconds = started.elapsed().as_secs_f64();
        if seconds >= 1.0 || iterations >= 1 << 30 {
            println!(
                "{{\"iterations\":{iterations},\"seconds\":{seconds:.3},\"perSecond\":{:.0},\"findings\":{findings}}}",
                f64::from(iterations) / seconds
            );
            return Ok(());
        }
        iterations = iterations.saturating_mul(2);
    }
}
