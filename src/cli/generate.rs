//! `uwlr generate`: deterministic synthetic messages ([`crate::generate`]) written to a
//! file or standard output, bare or in a SOAP envelope.

use crate::message::leerlinggegevens::Antwoord;
use crate::message::values::Schooljaar;
use crate::{Body, EncodeOptions};
use clap::Subcommand;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// `uwlr generate school|results`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    #[command(subcommand)]
    pub what: Generate,
}

#[derive(Debug, clap::Args)]
pub struct SchoolSpecArgs {
    /// Number of pupils.
    #[arg(long, default_value_t = 200)]
    pub pupils: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// School year, e.g. 2025-2026.
    #[arg(long, default_value = "2025-2026", value_parser = Schooljaar::parse)]
    pub schooljaar: Schooljaar,
    #[arg(long, default_value = "99DE")]
    pub brin: String,
    /// Write here instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Wrap the message in a SOAP 1.1 envelope.
    #[arg(long)]
    pub envelope: bool,
}

#[derive(Debug, Subcommand)]
pub enum Generate {
    /// A leerlinggegevens_antwoord for one school.
    School(SchoolSpecArgs),
    /// A leerresultaten_verzoek for the pupils of a generated school.
    Results {
        #[command(flatten)]
        school: SchoolSpecArgs,
        /// Results per pupil.
        #[arg(long, default_value_t = 2)]
        per_pupil: usize,
    },
}

pub fn run(args: GenerateArgs) -> ExitCode {
    let (args, body) = match args.what {
        Generate::School(a) => {
            let school = crate::generate::school(&spec(&a));
            (a, Body::LeerlinggegevensAntwoord(Antwoord::Gegevens(school)))
        }
        Generate::Results { school: a, per_pupil } => {
            let school = crate::generate::school(&spec(&a));
            let rs = crate::generate::ResultsSpec { seed: a.seed, per_pupil, ..Default::default() };
            (a, Body::LeerresultatenVerzoek(crate::generate::results(&school, &rs)))
        }
    };
    let opts = EncodeOptions { envelope: args.envelope, ..Default::default() };
    let bytes = match crate::encode_to_vec(&body, None, &opts) {
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

fn spec(a: &SchoolSpecArgs) -> crate::generate::SchoolSpec {
    crate::generate::SchoolSpec {
        pupils: a.pupils,
        seed: a.seed,
        schooljaar: a.schooljaar,
        brincode: a.brin.clone(),
        dependancecode: Some("00".into()),
    }
}
