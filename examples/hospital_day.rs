//! The main job: one realistic day of a 200-bed hospital's outpatient side.
//!
//! ```text
//! cargo run --release --example hospital_day -- [--seed N] [--patients N]
//! ```
use std::process::ExitCode;

use hms_core::store::MemoryStore;
use hms_examples::{run_day, DayConfig};

fn parse_args() -> Result<DayConfig, String> {
    let mut config = DayConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("`{name}` needs a value"));
        match flag.as_str() {
            "--seed" => config.seed = value("--seed")?.parse().map_err(|_| "`--seed` takes a number")?,
            "--patients" => {
                config.patients = value("--patients")?
                    .parse()
                    .map_err(|_| "`--patients` takes a number")?
            }
            "--help" | "-h" => return Err("usage: hospital_day [--seed N] [--patients N]".into()),
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    Ok(config)
}

fn main() -> ExitCode {
    let config = match parse_args() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    println!(
        "hospital day {} (seed {}), {} patients expected",
        config.date, config.seed, config.patients
    );
    match run_day(MemoryStore::new(), &config, &mut |line| println!("{line}")) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error [{}]: {e}", e.code());
            ExitCode::FAILURE
        }
    }
}
