//! `uwlr simulate`: the flags of [`crate::simulate`], the progress bars on a terminal, the
//! report as text or JSON, and exit code 1 when a check failed (so CI can assert them).

use super::Failure;
use crate::simulate::{run as simulate, Options};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct SimulateArgs {
    /// School locations (the Netherlands has about 6,000).
    #[arg(long, default_value_t = 200)]
    pub schools: usize,
    /// Seed of the school sizes and their data.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Gateway instances; more than one needs --database-url (PostgreSQL).
    #[arg(long, default_value_t = 1)]
    pub instances: usize,
    /// Run the instances as separate processes of this program (PostgreSQL); the mocks and
    /// the checks stay in this one.
    #[arg(long)]
    pub processes: bool,
    /// With --processes: SIGKILL a random instance about every MS milliseconds (seeded by
    /// --seed) and start it again; nothing may be lost or doubled.
    #[arg(long, value_name = "MS")]
    pub kill_every_ms: Option<u64>,
    /// Internal: run as instance process N of a --processes simulation (jobs on standard
    /// input, events on standard output).
    #[arg(long, hide = true, value_name = "N")]
    pub worker: Option<usize>,
    /// The store all instances share (postgres://…); default SQLite in a temporary folder.
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// Keep the store (SQLite) and master key here instead of a temporary folder removed
    /// afterwards; the folder must hold no database yet.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Results recorded per pupil.
    #[arg(long, default_value_t = 1)]
    pub results_per_pupil: usize,
    /// Fetches at once against one LAS (a real LAS should not get thousands at once).
    #[arg(long, default_value_t = 4)]
    pub fetch_per_las: usize,
    /// Fetches at once in all.
    #[arg(long, default_value_t = 32)]
    pub fetch_global: usize,
    /// Schools served by one mock LAS server.
    #[arg(long, default_value_t = 250)]
    pub schools_per_las: usize,
    /// Delivery runs at once per gateway instance.
    #[arg(long, default_value_t = 8)]
    pub delivery_workers: usize,
    /// The report as JSON on standard output (no progress bars).
    #[arg(long)]
    pub json: bool,
}

pub async fn run(args: SimulateArgs) -> Result<(), Failure> {
    if args.worker.is_some() {
        let (Some(url), Some(dir)) = (&args.database_url, &args.data_dir) else {
            return Err(Failure::usage("a simulate worker needs --database-url and --data-dir"));
        };
        return crate::simulate::worker::serve(url, dir).await;
    }
    let opts = Options {
        schools: args.schools,
        seed: args.seed,
        instances: args.instances,
        processes: args.processes,
        kill_every: args.kill_every_ms.map(std::time::Duration::from_millis),
        database_url: args.database_url,
        data_dir: args.data_dir,
        results_per_pupil: args.results_per_pupil,
        fetch_per_las: args.fetch_per_las,
        fetch_global: args.fetch_global,
        schools_per_las: args.schools_per_las,
        delivery_workers: args.delivery_workers,
        progress: !args.json && std::io::stderr().is_terminal(),
    };
    let report = simulate(&opts).await?;
    let text = if args.json {
        serde_json::to_string_pretty(&report).map_err(|e| Failure::usage(format!("cannot write the report: {e}")))?
    } else {
        report.text()
    };
    let mut out = std::io::stdout();
    writeln!(out, "{}", text.trim_end()).map_err(|e| Failure::usage(format!("cannot write the report: {e}")))?;
    if report.ok() {
        Ok(())
    } else {
        let failed: Vec<&str> = report.checks.iter().filter(|c| !c.ok).map(|c| c.name.as_str()).collect();
        Err(Failure::refused(format!("simulation checks failed: {}", failed.join("; "))))
    }
}
