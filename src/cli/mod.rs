//! The gateway on the command line: `uwlr koppeling | school | import | mail | results |
//! account | serve`. The same operations as the admin JSON API, run against the store directly, so an
//! operator needs nothing but the binary and the data folder.
//!
//! - [`koppeling`]: request, approve, reject, key, rotate, revoke, list, audit trail.
//! - [`school`]: clear external numbers, school admins, the imported records (per school
//!   year), the archive, and the school-year transition (prepare, list, the daily pass).
//! - [`import`]: fetch (with a progress spinner), show, decide, apply.
//! - [`mail`]: drain the outbox, list it.
//! - [`results`]: record results and tests, deliver them, delivery errors, retry, backfill.
//! - [`account`]: console accounts: add, grant, reset a password, list.
//! - [`serve`]: the gateway process: admin API, console and `/metrics` plus the [`schedule`]d
//!   jobs; [`logging`]: its log as text or JSON.
//! - [`output`]: tables, `--json`, and proposals shortened for a terminal.
//!
//! The binary's other commands live here too, so that `src/main.rs` only dispatches:
//! [`demo`], [`simulate`], [`validate`] and [`generate`] (the codec on files), [`mock`]
//! (`uwlr mock-las`, `uwlr mock-dashboard`) and [`conformance`] (`uwlr conformance`).
//!
//! Each command parses its arguments (clap derive), opens the [`Gateway`] from the global
//! options ([`GatewayArgs`]), makes one call and prints the result. Failures become one
//! line on standard error and an exit code ([`Failure`]): 1 when the gateway refused (the
//! message says what to fix), 2 for usage, I/O and store errors, 3 when the other side (the
//! LAS; for `mail send`, the mail server) could not be reached or refused (for `results
//! deliver`: the run itself failed; results the receiver refused are kept, exit 0).

pub mod account;
pub mod conformance;
pub mod demo;
pub mod exchange;
pub mod generate;
pub mod import;
pub mod koppeling;
pub mod logging;
pub mod mail;
pub mod mock;
pub mod output;
pub mod results;
pub mod schedule;
pub mod school;
pub mod serve;
pub mod simulate;
pub mod validate;

use crate::gateway::{Gateway, GatewayError, Settings};
use output::Output;
use std::future::Future;
use std::path::PathBuf;
use std::process::ExitCode;

/// Where the data folder is when neither `--data-dir` nor this is given: `./uwlr-data`.
pub const DATA_DIR_ENV: &str = "UWLR_DATA_DIR";
/// A database URL used instead of SQLite in the data folder.
pub const DATABASE_ENV: &str = "UWLR_DATABASE";
/// The SQLite file the gateway keeps in its data folder.
const SQLITE_FILE: &str = "uwlr.sqlite3";

/// The options every gateway command takes, before or after its subcommand.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct GatewayArgs {
    /// The gateway's data folder: SQLite database, master key, mail [env: UWLR_DATA_DIR;
    /// default: ./uwlr-data]
    #[arg(long, global = true, value_name = "DIR", help_heading = "Gateway options")]
    pub data_dir: Option<PathBuf>,
    /// Database URL (sqlite://FILE or postgres://USER@HOST/DB) instead of SQLite in the
    /// data folder; the master key stays in the data folder [env: UWLR_DATABASE]
    #[arg(long, global = true, value_name = "URL", help_heading = "Gateway options")]
    pub database: Option<String>,
    /// Who acts, as recorded in the audit trail [default: $USER, else "cli"]
    #[arg(long, global = true, value_name = "NAME", value_parser = crate::free_text::parse_line, help_heading = "Gateway options")]
    pub actor: Option<String>,
    /// Print the result as JSON instead of tables.
    #[arg(long, global = true, help_heading = "Gateway options")]
    pub json: bool,
}

impl GatewayArgs {
    pub fn data_dir(&self) -> PathBuf {
        self.data_dir
            .clone()
            .or_else(|| std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()).map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("./uwlr-data"))
    }

    pub fn database(&self) -> Option<String> {
        self.database.clone().or_else(|| std::env::var(DATABASE_ENV).ok().filter(|v| !v.trim().is_empty()))
    }

    pub fn actor(&self) -> String {
        self.actor
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty())
            .unwrap_or_else(|| "cli".into())
    }

    /// The options to repeat in a suggested next command, so it reaches the same state.
    pub fn repeat(&self) -> String {
        let mut s = String::new();
        if let Some(d) = &self.data_dir {
            s.push_str(&format!(" --data-dir {}", shell_word(&d.display().to_string())));
        }
        if self.database.is_some() {
            s.push_str(" --database …");
        }
        s
    }
}

/// Quotes a word for a shell when it needs it.
pub(crate) fn shell_word(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:@+=,".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// An opened gateway and how to talk back.
pub struct Context {
    pub gateway: Gateway,
    pub data_dir: PathBuf,
    pub actor: String,
    pub out: Output,
    /// See [`GatewayArgs::repeat`].
    pub repeat: String,
}

impl Context {
    /// Opens the gateway. Without `create`, a data folder without a database is refused
    /// rather than silently started empty: it is almost always a mistyped `--data-dir`.
    pub async fn open(args: &GatewayArgs, create: bool) -> Result<Context, Failure> {
        let data_dir = args.data_dir();
        let database = args.database();
        if !create && database.is_none() && !data_dir.join(SQLITE_FILE).exists() {
            return Err(Failure::usage(format!(
                "{} holds no gateway database; pass the right --data-dir (or set {DATA_DIR_ENV}), or start with \
                 `uwlr koppeling request`",
                data_dir.display()
            )));
        }
        let gateway = Gateway::open(&data_dir, database.as_deref(), Settings::default()).await?;
        Ok(Context { gateway, data_dir, actor: args.actor(), out: Output { json: args.json }, repeat: args.repeat() })
    }
}

/// Why a command did not succeed: one line for standard error and the exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    /// The gateway refused: the request is wrong or conflicts with the state (exit 1).
    pub fn refused(m: impl Into<String>) -> Failure {
        Failure { code: 1, message: m.into() }
    }
    /// Usage, I/O or store trouble (exit 2).
    pub fn usage(m: impl Into<String>) -> Failure {
        Failure { code: 2, message: m.into() }
    }
    /// The LAS (or the mail server) could not be reached or answered with a fault (exit 3).
    pub fn upstream(m: impl Into<String>) -> Failure {
        Failure { code: 3, message: m.into() }
    }
}

impl From<GatewayError> for Failure {
    fn from(e: GatewayError) -> Failure {
        let message = e.to_string();
        match e {
            GatewayError::Invalid(_) | GatewayError::NotFound(_) | GatewayError::Conflict(_) => {
                Failure::refused(message)
            }
            GatewayError::Upstream(_) => Failure::upstream(message),
            GatewayError::Store(_) | GatewayError::Vault(_) => Failure::usage(message),
        }
    }
}

/// A location that does not parse is refused like any other wrong request (exit 1).
impl From<crate::location::InvalidLocation> for Failure {
    fn from(e: crate::location::InvalidLocation) -> Failure {
        Failure::refused(e.to_string())
    }
}

/// Runs one command on a fresh runtime and turns its outcome into the exit code, printing a
/// failure as `uwlr: message` on standard error.
pub fn run<F: Future<Output = Result<(), Failure>>>(command: F) -> ExitCode {
    let result = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt.block_on(command),
        Err(e) => Err(Failure::usage(format!("cannot start the async runtime: {e}"))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            // One line, whatever the message holds.
            eprintln!("uwlr: {}", f.message.replace('\n', " "));
            ExitCode::from(f.code)
        }
    }
}

/// Reads a secret from standard input (the first line) or a file (all of it, trimmed): a
/// key is never a command-line argument, where shell history and `ps` would keep it.
pub fn read_secret(stdin: bool, file: Option<&std::path::Path>) -> Result<String, Failure> {
    let raw = match (stdin, file) {
        (true, _) => {
            use std::io::{BufRead, IsTerminal};
            let failed = |e: std::io::Error| Failure::usage(format!("cannot read the key from standard input: {e}"));
            if std::io::stdin().is_terminal() {
                // Typed or pasted at a terminal: not echoed, so the key stays off the screen
                // and out of the scrollback.
                let config = rpassword::ConfigBuilder::new()
                    .input_file_path("/dev/stdin")
                    .output_file_path("/dev/stderr")
                    .password_feedback_hide()
                    .build();
                rpassword::prompt_password_with_config("paste the key and press Enter (it is not shown): ", config)
                    .map_err(failed)?
            } else {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line).map_err(failed)?;
                line
            }
        }
        (false, Some(p)) => std::fs::read_to_string(p)
            .map_err(|e| Failure::usage(format!("cannot read the key file {}: {e}", p.display())))?,
        (false, None) => return Err(Failure::usage("give the key with --key-stdin or --key-file FILE")),
    };
    let key = raw.trim().to_string();
    if key.is_empty() {
        return Err(Failure::usage(if stdin {
            "no key on standard input; pipe it in, e.g. `uwlr koppeling set-key 1 --key-stdin < key.txt`"
        } else {
            "the key file is empty"
        }));
    }
    Ok(key)
}

/// Where a key comes from, when the command needs one.
#[derive(Debug, Clone, clap::Args)]
#[group(id = "key", required = true, multiple = false)]
pub struct KeyInput {
    /// Read the key from the first line of standard input.
    #[arg(long)]
    pub key_stdin: bool,
    /// Read the key from this file.
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,
}

impl KeyInput {
    pub fn read(&self) -> Result<String, Failure> {
        read_secret(self.key_stdin, self.key_file.as_deref())
    }
}

/// Where a key comes from, when the command may go without one.
#[derive(Debug, Clone, clap::Args)]
#[group(id = "optional_key", required = false, multiple = false)]
pub struct OptionalKeyInput {
    /// Read the key the LAS or dashboard showed from the first line of standard input.
    #[arg(long)]
    pub key_stdin: bool,
    /// Read the key from this file.
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,
}

impl OptionalKeyInput {
    pub fn read(&self) -> Result<Option<String>, Failure> {
        if !self.key_stdin && self.key_file.is_none() {
            return Ok(None);
        }
        read_secret(self.key_stdin, self.key_file.as_deref()).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_upstream_and_store_errors_get_their_exit_codes() {
        assert_eq!(Failure::from(GatewayError::Conflict("x".into())).code, 1);
        assert_eq!(Failure::from(GatewayError::NotFound("x".into())).code, 1);
        assert_eq!(Failure::from(GatewayError::Invalid("x".into())).code, 1);
        let up = GatewayError::Upstream(crate::client::ClientError::Timeout);
        assert_eq!(Failure::from(up).code, 3);
        let store = GatewayError::Store(crate::store::StoreError::Url("x".into()));
        assert_eq!(Failure::from(store).code, 2);
    }

    #[test]
    fn suggested_commands_repeat_the_data_folder() {
        let args = GatewayArgs { data_dir: Some("/tmp/my demo".into()), ..Default::default() };
        assert_eq!(args.repeat(), " --data-dir '/tmp/my demo'");
        assert_eq!(GatewayArgs::default().repeat(), "");
    }
}
