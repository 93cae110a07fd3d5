//! Writes the seed corpus: small generated schools (bare, compact, enveloped), every valid
//! and lenient fixture re-encoded by our writer, and the hand-written malformed inputs in
//! `seeds/` stay as they are. Files over 20 KB are skipped.
//!
//! With a second folder, writes there the seeds of the `dispatch` target: one valid request
//! of every operation, with the key and klant that target's provider accepts.
//!
//! `cargo run --manifest-path fuzz/Cargo.toml --bin make_seeds -- fuzz/seeds fuzz/seeds_dispatch`

use std::path::Path;
use uwlr::message::leerlinggegevens::Antwoord;
use uwlr::{Body, DecodeOptions, EncodeOptions};

const MAX: usize = 20_000;

fn main() {
    let out = std::env::args().nth(1).expect("usage: make_seeds OUTDIR");
    let out = Path::new(&out);
    std::fs::create_dir_all(out).unwrap();
    let mut n = 0;
    let mut put = |name: &str, bytes: &[u8]| {
        if bytes.len() <= MAX {
            std::fs::write(out.join(name), bytes).unwrap();
            n += 1;
        }
    };
    for (pupils, seed) in [(1, 1), (3, 2), (12, 3)] {
        let g = uwlr::generate::school(&uwlr::generate::SchoolSpec { pupils, seed, ..Default::default() });
        let body = Body::LeerlinggegevensAntwoord(Antwoord::Gegevens(g));
        for (tag, envelope, indent) in [("bare", false, true), ("compact", false, false), ("env", true, false)] {
            let bytes =
                uwlr::encode_to_vec(&body, None, &EncodeOptions { envelope, indent, declaration: true }).unwrap();
            put(&format!("gen_school_{pupils}_{tag}.xml"), &bytes);
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    for (dir, opts) in [("valid", DecodeOptions::strict()), ("lenient", DecodeOptions::lenient())] {
        let mut files: Vec<_> = std::fs::read_dir(root.join(dir)).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        for f in files.iter().filter(|p| p.extension().is_some_and(|e| e == "xml")) {
            let raw = std::fs::read(f).unwrap();
            let stem = f.file_stem().unwrap().to_string_lossy().into_owned();
            // The fixture as written (lenient ones keep their deviations) ...
            put(&format!("fx_{dir}_{stem}.xml"), &raw);
            // ... with a byte order mark, which quick-xml handles apart from its positions ...
            if dir == "valid" {
                put(&format!("fx_{dir}_{stem}.bom.xml"), &[&b"\xEF\xBB\xBF"[..], &raw].concat());
            }
            // ... and as our writer puts it.
            if let Ok(d) = uwlr::decode(&raw, &opts) {
                let o = EncodeOptions { envelope: d.enveloped, indent: false, declaration: true };
                if let Ok(b) = uwlr::encode_to_vec(&d.body, d.header.as_ref(), &o) {
                    put(&format!("fx_{dir}_{stem}.reenc.xml"), &b);
                }
            }
        }
    }
    println!("{n} seeds written to {}", out.display());
    if let Some(dir) = std::env::args().nth(2) {
        requests(Path::new(&dir));
    }
}

/// One valid request of every operation, enveloped with the dispatch target's header.
fn requests(out: &Path) {
    use uwlr::message::leerlinggegevens::{GroepSelectie, GroepSoort, GroepenVerzoek, Verzoek};
    use uwlr::message::values::{SchoolId, Schooljaar};
    use uwlr::message::Autorisatie;
    std::fs::create_dir_all(out).unwrap();
    let auth = Autorisatie {
        autorisatiesleutel: "sleutel-GEHEIM-7f3a9c21".into(),
        klantcode: "TP01".into(),
        klantnaam: "Toetsplatform Test".into(),
    };
    let v = Verzoek {
        schooljaar: Schooljaar::new(2025).unwrap(),
        school: SchoolId::Brin { brincode: "99DE".into(), dependancecode: Some("00".into()) },
        xsdversie: "2.3".into(),
        gegevenssetid: None,
        laatstontvangengegevens: None,
    };
    let groepen = GroepenVerzoek {
        verzoek: v.clone(),
        groepen: vec![GroepSelectie { soort: GroepSoort::Groep, key: Some("G1".into()) }],
    };
    let school = uwlr::generate::school(&uwlr::generate::SchoolSpec { pupils: 2, seed: 7, ..Default::default() });
    let results =
        uwlr::generate::results(&school, &uwlr::generate::ResultsSpec { max_pupils: Some(1), ..Default::default() });
    let bodies = [
        ("leerlinggegevens", Body::LeerlinggegevensVerzoek(v.clone())),
        ("structuur", Body::StructuurVerzoek(v.clone())),
        ("leerlingen", Body::LeerlingenVerzoek(groepen.clone())),
        ("leerkrachten", Body::LeerkrachtenVerzoek(groepen)),
        ("leerresultaten", Body::LeerresultatenVerzoek(results)),
    ];
    let count = bodies.len();
    for (name, body) in bodies {
        let bytes = uwlr::encode_to_vec(
            &body,
            Some(&auth),
            &EncodeOptions { envelope: true, indent: false, declaration: true },
        )
        .unwrap();
        std::fs::write(out.join(format!("req_{name}.xml")), bytes).unwrap();
    }
    println!("{count} request seeds written to {}", out.display());
}
