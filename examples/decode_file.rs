//! Decodes one file strictly and prints its kind and pupil count (for memory measurements:
//! `cargo build --release --example decode_file && /usr/bin/time -v target/release/examples/decode_file FILE`).
use uwlr::message::leerlinggegevens::Antwoord;
use uwlr::Body;

fn main() {
    let path = std::env::args().nth(1).expect("usage: decode_file FILE");
    let input = std::fs::read(&path).expect("readable file");
    let len = input.len();
    match uwlr::decode(&input, &uwlr::DecodeOptions::strict()) {
        Ok(d) => {
            let pupils = match &d.body {
                Body::LeerlinggegevensAntwoord(Antwoord::Gegevens(g)) => g.leerlingen.len(),
                Body::LeerlingenAntwoord(Antwoord::Gegevens(g)) => g.leerlingen.len(),
                _ => 0,
            };
            println!(
                "{:?} pupils={} bytes={} warnings={}",
                d.body.kind(),
                pupils,
                len,
                d.warnings.len()
            );
        }
        Err(e) => {
            for d in e.diagnostics.iter().take(20) {
                eprintln!("{d}");
            }
            std::process::exit(1);
        }
    }
}
