//! The main job: one realistic day of a 200-bed hospital's outpatient side.
//!
//! ```text
//! cargo run --release --example hospital_day -- [--seed N] [--patients N] [--db PATH | --memory]
//! cargo run --release --example hospital_day --features postgres -- --postgres URL
//! ```
//!
//! By default the hospital lives in the SQLite file `hospital_day.db` in the current directory; running
//! again on the same file (or the same PostgreSQL database) simulates the next day of the same
//! hospital.
use std::path::PathBuf;
use std::process::ExitCode;

use hms_core::store::sqlite::SqliteStore;
use hms_core::store::MemoryStore;
use hms_examples::{run_day, DayConfig, DaySummary};

const USAGE: &str = "usage: hospital_day [--seed N] [--patients N] [--db PATH | --memory | --postgres URL]";

/// Where the hospital lives.
#[derive(Debug)]
enum Backend {
    Sqlite(PathBuf),
    Postgres(
        #[cfg_attr(
            not(feature = "postgres"),
            expect(dead_code, reason = "only builds with PostgreSQL support connect")
        )]
        String,
    ),
    Memory,
}

fn parse_args() -> Result<(DayConfig, Backend), String> {
    let mut config = DayConfig::default();
    let mut backend = Backend::Sqlite(PathBuf::from("hospital_day.db"));
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
            "--db" => backend = Backend::Sqlite(PathBuf::from(value("--db")?)),
            "--postgres" => backend = Backend::Postgres(value("--postgres")?),
            "--memory" => backend = Backend::Memory,
            "--help" | "-h" => return Err(USAGE.into()),
            other => return Err(format!("unknown option `{other}`\n{USAGE}")),
        }
    }
    Ok((config, backend))
}

fn run(config: &DayConfig, backend: &Backend) -> hms_core::Result<DaySummary> {
    let mut progress = |line: &str| println!("{line}");
    match backend {
        Backend::Sqlite(path) => {
            println!("store: SQLite file `{}`", path.display());
            run_day(SqliteStore::open(path)?, config, &mut progress)
        }
        Backend::Memory => {
            println!("store: memory (gone at exit)");
            run_day(MemoryStore::new(), config, &mut progress)
        }
        #[cfg(feature = "postgres")]
        Backend::Postgres(url) => {
            println!("store: PostgreSQL");
            run_day(
                hms_core::store::postgres::PostgresStore::connect(url)?,
                config,
                &mut progress,
            )
        }
        #[cfg(not(feature = "postgres"))]
        Backend::Postgres(_) => Err(hms_core::error::ValidationError::single(
            "postgres",
            hms_core::error::FieldCode::Inconsistent,
            "this build has no PostgreSQL support; run it with `--features postgres`",
        )
        .into()),
    }
}

fn main() -> ExitCode {
    let (config, backend) = match parse_args() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    println!(
        "hospital day (seed {}), {} patients expected",
        config.seed, config.patients
    );
    match run(&config, &backend) {
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
