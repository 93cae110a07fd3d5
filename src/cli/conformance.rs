//! `uwlr conformance`: flags to a [`Target`] of the suite ([`crate::conformance`]), a
//! progress bar on standard error while the checks run, the table on standard output,
//! JUnit and JSON files on request.
//!
//! Exit codes: 0 when no check failed (warnings, n/a and skipped allowed); 1 when at
//! least one failed; 2 when the suite could not run or its report could not be written
//! (unreadable files, an unusable URL, a `--check` that selects nothing). clap's own
//! usage errors exit 2 as well.

use crate::conformance::target::{is_brin, parse_school, Target, Timing};
use crate::conformance::{Progress, Report};
use crate::message::values::{SchoolId, Schooljaar};
use crate::message::Autorisatie;
use crate::xml::Profile;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Runs the UWLR conformance checks against a LAS endpoint.
#[derive(Debug, Clone, Args)]
pub struct ConformanceArgs {
    /// The pupil-data (alles-in-een) service URL.
    #[arg(long)]
    pub endpoint: String,
    /// The autorisatiesleutel (visible in the process list: prefer --key-file).
    #[arg(long, required_unless_present = "key_file", conflicts_with = "key_file")]
    pub key: Option<String>,
    /// A file holding the autorisatiesleutel (surrounding whitespace ignored).
    #[arg(long)]
    pub key_file: Option<PathBuf>,
    /// The test platform's klantcode, as the LAS vendor issued it.
    #[arg(long)]
    pub klantcode: String,
    /// The klantnaam that goes with --klantcode.
    #[arg(long)]
    pub klantnaam: String,
    /// BRIN of the school location (two digits, two capitals).
    #[arg(long, required_unless_present = "schoolkey", conflicts_with = "schoolkey")]
    pub brin: Option<String>,
    /// Dependancecode (two digits; absent means 00).
    #[arg(long, requires = "brin")]
    pub dependance: Option<String>,
    /// The LAS's own school key, instead of --brin.
    #[arg(long)]
    pub schoolkey: Option<String>,
    /// School year, e.g. 2025-2026.
    #[arg(long)]
    pub schooljaar: String,
    /// Sent as gegevenssetid in every pupil-data request (e.g. Smalle-set-VO).
    #[arg(long)]
    pub gegevenssetid: Option<String>,
    /// The BrengLeerresultaten service URL; without it the results checks do not apply.
    #[arg(long)]
    pub results_endpoint: Option<String>,
    /// LAS key or ECK iD of a pupil of the school that test results may be written for.
    #[arg(long, requires = "results_endpoint")]
    pub test_pupil: Option<String>,
    /// Where the getrapt operations are served, if not at --endpoint (or at the address
    /// the WSDL gives them).
    #[arg(long)]
    pub getrapt_endpoint: Option<String>,
    /// Send every request to the endpoints given, even where the WSDL read names another
    /// soap:address for the operation's port (by default that address is used, as clients
    /// generated from the WSDL do, with a warning).
    #[arg(long)]
    pub force_endpoint: bool,
    /// A school the LAS serves that this key does not open: BRIN (99DF), BRIN/dependance
    /// (99DF/01) or a schoolkey.
    #[arg(long)]
    pub other_brin: Option<String>,
    /// Extra trusted CA certificate(s), PEM (for a test CA).
    #[arg(long)]
    pub ca: Option<PathBuf>,
    /// Our client certificate and private key in one PEM, for a LAS that demands one (ESIS).
    #[arg(long)]
    pub client_identity: Option<PathBuf>,
    /// Check the answer against a data-minimisation profile: smalle-set or lvs-set.
    #[arg(long, value_parser = parse_profile)]
    pub profiel: Option<Profile>,
    /// Seconds for one whole exchange.
    #[arg(long, default_value_t = 120)]
    pub timeout: u64,
    /// Requests timed by transport.timing.
    #[arg(long, default_value_t = 5)]
    pub timing_calls: usize,
    /// transport.timing fails when p99 is above this many milliseconds.
    #[arg(long, default_value_t = 60_000)]
    pub max_p99_ms: u64,
    /// transport.timing warns when p50 is above this many milliseconds.
    #[arg(long, default_value_t = 10_000)]
    pub slow_p50_ms: u64,
    /// Run only checks whose name starts with this (fault., data.strict); repeatable.
    #[arg(long = "check")]
    pub checks: Vec<String>,
    /// Write a JUnit XML report here.
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Write a JSON report here.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

fn parse_profile(s: &str) -> Result<Profile, String> {
    match s.to_ascii_lowercase().as_str() {
        "smalle-set" | "smalle" => Ok(Profile::SmalleSet),
        "lvs-set" | "lvs" => Ok(Profile::LvsSet),
        _ => Err(format!("'{s}': expected smalle-set or lvs-set")),
    }
}

impl ConformanceArgs {
    /// The target these flags describe; the error says which flag is wrong.
    pub fn target(&self) -> Result<Target, String> {
        let key = match (&self.key, &self.key_file) {
            (Some(k), _) => k.clone(),
            (None, Some(f)) => read(f, "--key-file").map(|b| String::from_utf8_lossy(&b).trim().to_string())?,
            (None, None) => return Err("--key or --key-file is required".into()),
        };
        if key.is_empty() {
            return Err("the key is empty".into());
        }
        let school = match (&self.brin, &self.schoolkey) {
            (Some(b), _) => {
                if !is_brin(b) {
                    return Err(format!("--brin '{b}': two digits and two capitals expected (e.g. 99DE)"));
                }
                if let Some(d) = &self.dependance {
                    if d.len() != 2 || !d.bytes().all(|c| c.is_ascii_digit()) {
                        return Err(format!("--dependance '{d}': two digits expected (e.g. 00)"));
                    }
                }
                SchoolId::Brin { brincode: b.clone(), dependancecode: self.dependance.clone() }
            }
            (None, Some(k)) => SchoolId::Schoolkey(k.clone()),
            (None, None) => return Err("--brin or --schoolkey is required".into()),
        };
        let schooljaar = Schooljaar::parse(&self.schooljaar).map_err(|e| format!("--schooljaar: {e}"))?;
        let auth = Autorisatie {
            autorisatiesleutel: key,
            klantcode: self.klantcode.clone(),
            klantnaam: self.klantnaam.clone(),
        };
        let mut t = Target::new(self.endpoint.clone(), auth, school, schooljaar);
        t.results_endpoint.clone_from(&self.results_endpoint);
        t.getrapt_endpoint.clone_from(&self.getrapt_endpoint);
        t.force_endpoint = self.force_endpoint;
        t.gegevenssetid.clone_from(&self.gegevenssetid);
        t.test_pupil.clone_from(&self.test_pupil);
        t.other_school =
            self.other_brin.as_deref().map(parse_school).transpose().map_err(|e| format!("--other-brin: {e}"))?;
        t.ca_pem = self.ca.as_deref().map(|p| read(p, "--ca")).transpose()?;
        t.client_identity_pem = self.client_identity.as_deref().map(|p| read(p, "--client-identity")).transpose()?;
        t.profile = self.profiel;
        t.timeout = Duration::from_secs(self.timeout.max(1));
        t.timing = Timing {
            calls: self.timing_calls.max(1),
            slow_p50: Duration::from_millis(self.slow_p50_ms),
            max_p99: Duration::from_millis(self.max_p99_ms),
        };
        t.only.clone_from(&self.checks);
        Ok(t)
    }
}

fn read(p: &Path, flag: &str) -> Result<Vec<u8>, String> {
    std::fs::read(p).map_err(|e| format!("{flag} {}: {e}", p.display()))
}

/// Runs the suite as `uwlr conformance` does and returns the exit code (0, 1 or 2; see
/// the module documentation). The table goes to standard output, the progress bar and
/// errors to standard error.
pub async fn run(args: &ConformanceArgs) -> i32 {
    let target = match args.target() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("uwlr conformance: {e}");
            return 2;
        }
    };
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let report = crate::conformance::run(&target, |p| match p {
        Progress::Started { total, check, .. } => {
            bar.set_length(total as u64);
            bar.set_message(check.name);
        }
        Progress::Finished { .. } => bar.inc(1),
    })
    .await;
    bar.finish_and_clear();
    let report = match report {
        Ok(r) => r,
        Err(e) => {
            eprintln!("uwlr conformance: {e}");
            return 2;
        }
    };
    print!("{}", report.table());
    if let Err(e) = write_reports(&report, args) {
        eprintln!("uwlr conformance: {e}");
        return 2;
    }
    report.exit_code()
}

fn write_reports(r: &Report, args: &ConformanceArgs) -> Result<(), String> {
    if let Some(p) = &args.junit {
        std::fs::write(p, r.to_junit()).map_err(|e| format!("--junit {}: {e}", p.display()))?;
    }
    if let Some(p) = &args.json {
        std::fs::write(p, r.to_json()).map_err(|e| format!("--json {}: {e}", p.display()))?;
    }
    Ok(())
}

/// `uwlr conformance` from `main`: [`run`] on a runtime of its own, its exit code.
pub fn run_command(args: &ConformanceArgs) -> std::process::ExitCode {
    use std::process::ExitCode;
    match tokio::runtime::Runtime::new() {
        Ok(rt) => ExitCode::from(u8::try_from(rt.block_on(run(args))).unwrap_or(2)),
        Err(e) => {
            eprintln!("uwlr: cannot start the async runtime: {e}");
            ExitCode::from(2)
        }
    }
}
