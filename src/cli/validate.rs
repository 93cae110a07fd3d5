//! `uwlr validate`: every error and warning of the codec for message files, one line each
//! (`FILE:LINE:COL: path: severity: message`), then a verdict per file.

use crate::{DecodeOptions, Mode, Profile};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// `uwlr validate FILE...`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Accept what real LAS systems send (order, empty optional elements, padded or
    /// quoted values), reporting each deviation as a warning.
    #[arg(long)]
    pub lenient: bool,
    /// Also check a data-minimisation profile.
    #[arg(long, value_parser = Profile::parse)]
    pub profile: Option<Profile>,
    /// Largest message accepted, in MiB.
    #[arg(long, default_value_t = 128)]
    pub max_mib: usize,
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// Exit code 0: all valid; 1: at least one invalid; 2: a file could not be read.
pub fn run(args: &ValidateArgs) -> ExitCode {
    let ValidateArgs { lenient, profile, max_mib, files } = args;
    let (lenient, profile, max_mib) = (*lenient, *profile, *max_mib);
    let limits = crate::Limits { max_bytes: max_mib.saturating_mul(1 << 20), ..Default::default() };
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
        let (diags, verdict) = match crate::decode(&bytes, &opts) {
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
