//! Decodes one file strictly and prints its kind and pupil count (for memory measurements:
//! `cargo build --release --example decode_file && /usr/bin/time -v target/release/examples/decode_file FILE`).
use uwlr::message::leerlinggegevens::Antwoord;
use uwlr::Body;

fn main() {
    let path = std::env::args().nth(1).expect("usage: decode_file FILE");
    let input = std::fs::read(&path).expect("readable file");
    let len = input.len();
    let mut opts = uwlr::DecodeOptions::strict();
    if len > opts.limits.max_bytes {
        // A generated 100,000-pupil answer (~72 MB indented) is over the default 64 MiB.
        eprintln!("note: {len} bytes is over the default limit; raising limits.max_bytes for this run");
        opts.limits.max_bytes = len;
        opts.limits.max_elements = opts.limits.max_elements.max(len as u64 / 8);
    }
    match uwlr::decode(&input, &opts) {
        Ok(d) => {
            let pupils = match &d.body {
                Body::LeerlinggegevensAntwoord(Antwoord::Gegevens(g)) => g.leerlingen.len(),
                Body::LeerlingenAntwoord(Antwoord::Gegevens(g)) => g.leerlingen.len(),
                _ => 0,
            };
            println!("{:?} pupils={} bytes={} warnings={}", d.body.kind(), pupils, len, d.warnings.len());
        }
        Err(e) => {
            for d in e.diagnostics.iter().take(20) {
                eprintln!("{d}");
            }
            std::process::exit(1);
        }
    }
}
