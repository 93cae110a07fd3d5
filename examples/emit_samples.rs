//! Writes one encoded sample of every message kind into a folder, for the independent
//! schema check in `.ci/run` (`scripts/check_schemas.py` validates them with Python
//! xmlschema against our 2.3 XSDs and the public 2.2 ones).
//!
//! Sources: every valid fixture, decoded and re-encoded by our writer (bare and in an
//! envelope), plus generated schools and results. File names keep a `.v23only.` marker
//! where the content uses 2.3-only features.
//!
//! Usage: `cargo run --example emit_samples -- OUTDIR`

use std::path::Path;
use uwlr::message::leerlinggegevens::Antwoord;
use uwlr::message::values::Schooljaar;
use uwlr::{Body, DecodeOptions, EncodeOptions};

fn main() {
    let out = std::env::args().nth(1).expect("usage: emit_samples OUTDIR");
    let out = Path::new(&out);
    std::fs::create_dir_all(out).expect("create OUTDIR");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/valid");
    let mut n = 0;
    let mut entries: Vec<_> =
        std::fs::read_dir(&fixtures).expect("fixtures/valid").map(|e| e.unwrap().path()).collect();
    entries.sort();
    for f in entries.iter().filter(|p| p.extension().is_some_and(|e| e == "xml")) {
        let d = uwlr::decode(&std::fs::read(f).unwrap(), &DecodeOptions::strict()).expect("valid fixture");
        let stem = f.file_stem().unwrap().to_string_lossy().into_owned();
        for (suffix, envelope) in [("bare", false), ("env", true)] {
            let opts = EncodeOptions { envelope, ..Default::default() };
            let header = if envelope { d.header.as_ref() } else { None };
            let bytes = uwlr::encode_to_vec(&d.body, header, &opts).expect("re-encode");
            std::fs::write(out.join(format!("{stem}.{suffix}.xml")), bytes).unwrap();
            n += 1;
        }
    }
    // Generated data: 2.3 school years (after the 2.2 enumeration's end) and pupils
    // without a LAS key are 2.3-only; 2024-2025 keeps the 2.2 check meaningful.
    for (year, tag) in [(2024, ""), (2030, ".v23only")] {
        let spec = uwlr::generate::SchoolSpec {
            pupils: 300,
            seed: 7,
            schooljaar: Schooljaar::new(year).unwrap(),
            ..Default::default()
        };
        let school = uwlr::generate::school(&spec);
        let results = uwlr::generate::results(&school, &uwlr::generate::ResultsSpec::default());
        let bodies = [
            ("generated_school", Body::LeerlinggegevensAntwoord(Antwoord::Gegevens(school))),
            ("generated_results", Body::LeerresultatenVerzoek(results)),
        ];
        for (name, body) in bodies {
            let bytes = uwlr::encode_to_vec(&body, None, &EncodeOptions::default()).expect("generated data is valid");
            std::fs::write(out.join(format!("{name}_{year}{tag}.xml")), bytes).unwrap();
            n += 1;
        }
    }
    println!("wrote {n} samples to {}", out.display());
}
