//! The gateway end to end: koppelingen, imports, results, the archive, the admin API, the
//! gateway commands of the `uwlr` binary, the demo, crash safety and two instances. The
//! tests here share one throwaway PostgreSQL cluster (`store_support`).
//!
//! One test binary per folder, its test modules declared here, instead of one per file:
//! each test binary links the whole crate and its dependencies. Helpers shared between
//! binaries are in `tests/support/`.
// A test binary exports nothing: its helpers are `pub` for the sibling modules.
#![allow(unreachable_pub)]

#[path = "../support/cli_support.rs"]
mod cli_support;
#[path = "../support/log_capture.rs"]
mod log_capture;
#[path = "../support/results_support.rs"]
mod results_support;
#[path = "../support/serve_support.rs"]
mod serve_support;
#[path = "../support/store_support.rs"]
mod store_support;

mod api_connections;
mod cli_gateway;
mod cli_results;
mod console;
mod console_beheer;
mod console_browser;
mod console_import;
mod console_invitations;
mod console_journal;
mod console_users;
mod demo;
mod free_text;
mod gateway_api;
mod gateway_archive;
mod gateway_import;
mod gateway_koppeling;
mod gateway_results;
mod journal;
mod journal_served;
mod metrics;
mod private_files;
mod pupils;
mod results_bulk;
mod results_crash;
mod results_instances;
mod school_year;
mod simulate_processes;
mod stale_batches;
mod store_upgrade;
