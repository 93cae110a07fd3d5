//! Our strict reader against a yaserde-derived reader of the same structure
//! (`uwlr_bench_baseline`), on the input of the main crate's `benches/codec.rs`. Both run in
//! one group, so one run gives the ratio docs/benchmarks.md reports.
//!
//! `cargo bench --manifest-path benches/baseline/Cargo.toml` (both sizes);
//! `UWLR_BENCH_SIZES=1k` runs only the 1,000-pupil input (yaserde takes ~4 s per parse of
//! the 100,000-pupil one).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use std::time::Duration;
use uwlr::message::leerlinggegevens::Antwoord;
use uwlr::{Body, EncodeOptions};

const SIZES: [(usize, &str); 2] = [(1_000, "1k"), (100_000, "100k")];

const INDENTED: EncodeOptions = EncodeOptions { envelope: false, indent: true, declaration: true };

fn body(pupils: usize) -> Body {
    let school = uwlr::generate::school(&uwlr::generate::SchoolSpec { pupils, ..Default::default() });
    Body::LeerlinggegevensAntwoord(Antwoord::Gegevens(school))
}

/// Strict, with the size limits raised to fit the input (as in `benches/codec.rs`).
fn strict_for(input: &[u8]) -> uwlr::DecodeOptions {
    let mut o = uwlr::DecodeOptions::strict();
    o.limits.max_bytes = o.limits.max_bytes.max(input.len());
    o.limits.max_elements = o.limits.max_elements.max(input.len() as u64 / 8);
    o
}

fn pupils_of(body: &Body) -> usize {
    match body {
        Body::LeerlinggegevensAntwoord(Antwoord::Gegevens(g)) => g.leerlingen.len(),
        _ => 0,
    }
}

fn sizes() -> Vec<(usize, &'static str)> {
    let only = std::env::var("UWLR_BENCH_SIZES").unwrap_or_default();
    SIZES.into_iter().filter(|(_, l)| only.is_empty() || only.split(',').any(|o| o == *l)).collect()
}

fn decode(c: &mut Criterion) {
    for (n, label) in sizes() {
        let input = uwlr::encode_to_vec(&body(n), None, &INDENTED).expect("encodes");
        // Honesty checks, once: both readers really read all of it.
        let opts = strict_for(&input);
        let ours = uwlr::decode(&input, &opts).expect("strict decode");
        assert_eq!(pupils_of(&ours.body), n);
        let text = std::str::from_utf8(&input).unwrap();
        let y = uwlr_bench_baseline::parse(text).expect("yaserde parses");
        assert_eq!(y.pupils(), n, "yaserde must see every pupil");

        let mut g = c.benchmark_group(format!("decode/{label}"));
        g.throughput(Throughput::Bytes(input.len() as u64));
        if n > 10_000 {
            g.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
        }
        g.bench_function("uwlr_strict", |b| b.iter(|| uwlr::decode(black_box(&input), &opts).unwrap()));
        g.bench_function("yaserde", |b| b.iter(|| uwlr_bench_baseline::parse(black_box(text)).unwrap()));
        g.finish();
    }
}

criterion_group!(benches, decode);
criterion_main!(benches);
