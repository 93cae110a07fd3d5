//! `uwlr`: the command-line face of the library. Thin by design: parsing arguments,
//! calling the library, printing, choosing the exit code.

use clap::{Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use uwlr::message::leerlinggegevens::Antwoord;
use uwlr::message::values::Schooljaar;
use uwlr::{Body, DecodeOptions, EncodeOptions, Mode, Profile};

#[derive(Parser)]
#[command(name = "uwlr", version, about = "UWLR 2.3 gateway: koppelingen, imports, codec, validation, mocks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the gateway end to end on loopback, with nothing to set up.
    ///
    /// A mock ParnasSys, the koppeling handshake, an import proposal, changes in the LAS
    /// and the next proposal. Leaves its database for the commands below to inspect.
    Demo {
        /// Where the demo's database goes; a previous demo's database there is replaced.
        #[arg(long, default_value = "./uwlr-demo", value_name = "DIR")]
        data_dir: PathBuf,
    },
    /// Koppelingen: request, approve, reject, set-key, rotate, revoke, list, audit.
    Koppeling(uwlr::cli::koppeling::KoppelingArgs),
    /// A school location: clear external numbers, admins, imported records, the archive, the
    /// school-year transition.
    School(uwlr::cli::school::SchoolArgs),
    /// Imports: fetch from the LAS, show, decide and apply proposals.
    Import(uwlr::cli::import::ImportArgs),
    /// The outbox: send mail, list it.
    Mail(uwlr::cli::mail::MailArgs),
    /// Results: record them and their tests, deliver them to LAS systems and dashboards,
    /// delivery errors, retry, backfill, status.
    Results(uwlr::cli::results::ResultsArgs),
    /// The exchange journal: list, show, replay and export what was said with a LAS or a
    /// dashboard; prune and purge it. See docs/journal.md.
    Exchange(uwlr::cli::exchange::ExchangeArgs),
    /// Console accounts: add, grant a location, reset a password, list.
    Account(uwlr::cli::account::AccountArgs),
    /// Run the gateway: the admin API and console, scheduled fetches, results delivery and mail.
    Serve(uwlr::cli::serve::ServeArgs),
    /// Simulate one night for many schools on loopback (mock LAS servers, in-process
    /// gateway instances): wall time per phase, latencies, peak memory, store size, and
    /// checks that nothing was lost or doubled (exit 1 if one fails). See docs/simulate.md.
    Simulate(uwlr::cli::simulate::SimulateArgs),
    /// Validate UWLR message files (bare or in a SOAP envelope).
    ///
    /// Prints every error and warning as FILE:LINE:COL: path: message.
    /// Exit code 0: all valid; 1: at least one invalid; 2: usage or I/O error.
    Validate {
        /// Accept what real LAS systems send (order, empty optional elements, padded or
        /// quoted values), reporting each deviation as a warning.
        #[arg(long)]
        lenient: bool,
        /// Also check a data-minimisation profile.
        #[arg(long, value_parser = Profile::parse)]
        profile: Option<Profile>,
        /// Largest message accepted, in MiB.
        #[arg(long, default_value_t = 128)]
        max_mib: usize,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Generate realistic synthetic UWLR messages, deterministic per seed.
    Generate {
        #[command(subcommand)]
        what: Generate,
    },
    /// Run a mock LAS (ParnasSys or ESIS) with an admin API, or call its admin API
    /// (`uwlr mock-las admin ...`). See docs/mock-las.md.
    MockLas(uwlr::mock::cli::MockLasArgs),
    /// Run a mock results dashboard (SchoolKr8 or Focus PO), or call its admin API.
    MockDashboard(uwlr::mock::cli::MockDashboardArgs),
    /// Check a LAS's UWLR endpoint against the standard: WSDL, strict data, every fault
    /// case and the check order, delta, versions, getrapt, results, transport. Exit 0 when
    /// nothing failed, 1 when a check failed, 2 when the suite could not run. See
    /// docs/conformance.md.
    Conformance(uwlr::conformance::ConformanceArgs),
}

#[derive(clap::Args)]
struct SchoolArgs {
    /// Number of pupils.
    #[arg(long, default_value_t = 200)]
    pupils: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// School year, e.g. 2025-2026.
    #[arg(long, default_value = "2025-2026", value_parser = Schooljaar::parse)]
    schooljaar: Schooljaar,
    #[arg(long, default_value = "99DE")]
    brin: String,
    /// Write here instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Wrap the message in a SOAP 1.1 envelope.
    #[arg(long)]
    envelope: bool,
}

#[derive(Subcommand)]
enum Generate {
    /// A leerlinggegevens_antwoord for one school.
    School(SchoolArgs),
    /// A leerresultaten_verzoek for the pupils of a generated school.
    Results {
        #[command(flatten)]
        school: SchoolArgs,
        /// Results per pupil.
        #[arg(long, default_value_t = 2)]
        per_pupil: usize,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Validate { lenient, profile, max_mib, files } => validate(lenient, profile, max_mib, &files),
        Command::Generate { what } => generate(what),
        Command::Demo { data_dir } => demo(data_dir),
        Command::MockLas(args) => uwlr::mock::cli::run_las(args),
        Command::MockDashboard(args) => uwlr::mock::cli::run_dashboard(args),
        Command::Conformance(args) => conformance(&args),
        Command::Koppeling(args) => uwlr::cli::run(uwlr::cli::koppeling::run(args)),
        Command::School(args) => uwlr::cli::run(uwlr::cli::school::run(args)),
        Command::Import(args) => uwlr::cli::run(uwlr::cli::import::run(args)),
        Command::Mail(args) => uwlr::cli::run(uwlr::cli::mail::run(args)),
        Command::Results(args) => uwlr::cli::run(uwlr::cli::results::run(args)),
        Command::Account(args) => uwlr::cli::run(uwlr::cli::account::run(args)),
        Command::Exchange(args) => uwlr::cli::run(uwlr::cli::exchange::run(args)),
        Command::Serve(args) => uwlr::cli::run(uwlr::cli::serve::run(args)),
        Command::Simulate(args) => uwlr::cli::run(uwlr::cli::simulate::run(args)),
    }
}

fn validate(lenient: bool, profile: Option<Profile>, max_mib: usize, files: &[PathBuf]) -> ExitCode {
    let limits = uwlr::Limits { max_bytes: max_mib.saturating_mul(1 << 20), ..Default::default() };
    let opts = DecodeOptions { mode: if lenient { Mode::Lenient } else { Mode::Strict }, profile, limits };
    let (mut invalid, mut io_error) = (false, false);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for f in files {
        let name = f.display();
        let bytes = match std::fs::read(f) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{name}: cannot read: {e}");
                io_error = true;
                continue;
            }
        };
        let (diags, verdict) = match uwlr::decode(&bytes, &opts) {
            Ok(d) => {
                let v = format!("valid {}{}", d.body.kind().element(), if d.enveloped { " (enveloped)" } else { "" });
                (d.warnings, v)
            }
            Err(e) => {
                invalid = true;
                let n = e.errors().count();
                (e.diagnostics, format!("invalid ({n} error{})", if n == 1 { "" } else { "s" }))
            }
        };
        for d in &diags {
            let pos = d.position.map(|p| format!("{}:{}", p.line, p.column)).unwrap_or_else(|| "0:0".into());
            let sev = if d.is_error() { "error" } else { "warning" };
            let _ = writeln!(out, "{name}:{pos}: {}: {sev}: {}", d.path, d.message);
        }
        let _ = writeln!(out, "{name}: {verdict}");
    }
    if io_error {
        ExitCode::from(2)
    } else if invalid {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn demo(data_dir: PathBuf) -> ExitCode {
    let options = uwlr::demo::Options { data_dir, ..Default::default() };
    let mut out = std::io::stdout();
    uwlr::cli::run(async move { uwlr::demo::run(&options, &mut out).await.map(|_| ()) })
}

fn generate(what: Generate) -> ExitCode {
    let (args, body) = match what {
        Generate::School(a) => {
            let school = uwlr::generate::school(&spec(&a));
            (a, Body::LeerlinggegevensAntwoord(Antwoord::Gegevens(school)))
        }
        Generate::Results { school: a, per_pupil } => {
            let school = uwlr::generate::school(&spec(&a));
            let rs = uwlr::generate::ResultsSpec { seed: a.seed, per_pupil, ..Default::default() };
            (a, Body::LeerresultatenVerzoek(uwlr::generate::results(&school, &rs)))
        }
    };
    let opts = EncodeOptions { envelope: args.envelope, ..Default::default() };
    let bytes = match uwlr::encode_to_vec(&body, None, &opts) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("uwlr generate: internal error, the generated message is invalid: {e}");
            return ExitCode::from(2);
        }
    };
    let written = match &args.out {
        Some(p) => std::fs::write(p, &bytes).map_err(|e| format!("cannot write {}: {e}", p.display())),
        None => std::io::stdout().lock().write_all(&bytes).map_err(|e| format!("cannot write to standard output: {e}")),
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("uwlr generate: {e}");
            ExitCode::from(2)
        }
    }
}

fn spec(a: &SchoolArgs) -> uwlr::generate::SchoolSpec {
    uwlr::generate::SchoolSpec {
        pupils: a.pupils,
        seed: a.seed,
        schooljaar: a.schooljaar,
        brincode: a.brin.clone(),
        dependancecode: Some("00".into()),
    }
}

fn conformance(args: &uwlr::conformance::ConformanceArgs) -> ExitCode {
    match tokio::runtime::Runtime::new() {
        Ok(rt) => ExitCode::from(u8::try_from(rt.block_on(uwlr::conformance::run_cli(args))).unwrap_or(2)),
        Err(e) => {
            eprintln!("uwlr: cannot start the async runtime: {e}");
            ExitCode::from(2)
        }
    }
}
