//! `uwlr`: the command-line face of the library. Only parses and dispatches: every
//! command's arguments and code are in `uwlr::cli` (`src/cli/`).
#![forbid(unsafe_code)]

use clap::{Parser, Subcommand};
use std::process::ExitCode;

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
    Demo(uwlr::cli::demo::DemoArgs),
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
    Validate(uwlr::cli::validate::ValidateArgs),
    /// Generate realistic synthetic UWLR messages, deterministic per seed.
    Generate(uwlr::cli::generate::GenerateArgs),
    /// Run a mock LAS (ParnasSys or ESIS) with an admin API, or call its admin API
    /// (`uwlr mock-las admin ...`). See docs/mock-las.md.
    MockLas(uwlr::cli::mock::MockLasArgs),
    /// Run a mock results dashboard (SchoolKr8 or Focus PO), or call its admin API.
    MockDashboard(uwlr::cli::mock::MockDashboardArgs),
    /// Check a LAS's UWLR endpoint against the standard: WSDL, strict data, every fault
    /// case and the check order, delta, versions, getrapt, results, transport. Exit 0 when
    /// nothing failed, 1 when a check failed, 2 when the suite could not run. See
    /// docs/conformance.md.
    Conformance(uwlr::cli::conformance::ConformanceArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Validate(args) => uwlr::cli::validate::run(&args),
        Command::Generate(args) => uwlr::cli::generate::run(args),
        Command::Demo(args) => uwlr::cli::demo::run(args),
        Command::MockLas(args) => uwlr::cli::mock::run_las(args),
        Command::MockDashboard(args) => uwlr::cli::mock::run_dashboard(args),
        Command::Conformance(args) => uwlr::cli::conformance::run_command(&args),
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
