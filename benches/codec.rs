//! Codec throughput: our strict reader against quick-xml event scans (the floor of any
//! correct reader); our writer against quick-xml's `Writer` emitting the same events. See
//! docs/benchmarks.md. The yaserde-derived reader, the other baseline, is its own crate
//! (`benches/baseline/`), so that `cargo test` does not compile yaserde.
//!
//! `cargo bench --bench codec` (all, ~5 min on 2 cores), `cargo bench --bench codec -- decode/1k`
//! (one group), `cargo bench --bench codec -- --quick` (short sampling).
//! `UWLR_BENCH_SIZES=1k` builds and runs only the 1,000-pupil input.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use quick_xml::events::Event;
use quick_xml::reader::{NsReader, Reader};
use quick_xml::writer::Writer;
use std::hint::black_box;
use std::time::Duration;
use uwlr::message::leerlinggegevens::{Antwoord, Leerlinggegevens};
use uwlr::{Body, EncodeOptions};

const SIZES: [(usize, &str); 2] = [(1_000, "1k"), (100_000, "100k")];

fn generate(pupils: usize) -> Leerlinggegevens {
    uwlr::generate::school(&uwlr::generate::SchoolSpec { pupils, ..Default::default() })
}

fn body(pupils: usize) -> Body {
    Body::LeerlinggegevensAntwoord(Antwoord::Gegevens(generate(pupils)))
}

const INDENTED: EncodeOptions = EncodeOptions { envelope: false, indent: true, declaration: true };
const COMPACT: EncodeOptions = EncodeOptions { envelope: false, indent: false, declaration: true };

/// Strict, with the size limits raised to fit the input: a generated 100,000-pupil answer is
/// ~72 MB indented, over the default `Limits::max_bytes` (64 MiB).
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

fn ns_scan(input: &[u8]) -> usize {
    let mut r = NsReader::from_reader(input);
    let mut n = 0;
    loop {
        match r.read_resolved_event() {
            Ok((_, Event::Eof)) => return n,
            Ok(ev) => {
                black_box(&ev);
                n += 1;
            }
            Err(e) => panic!("{e}"),
        }
    }
}

fn plain_scan(input: &[u8]) -> usize {
    let mut r = Reader::from_reader(input);
    let mut n = 0;
    loop {
        match r.read_event() {
            Ok(Event::Eof) => return n,
            Ok(ev) => {
                black_box(&ev);
                n += 1;
            }
            Err(e) => panic!("{e}"),
        }
    }
}

fn owned_events(input: &[u8]) -> Vec<Event<'static>> {
    let mut r = Reader::from_reader(input);
    let mut out = Vec::new();
    loop {
        match r.read_event().expect("well-formed") {
            Event::Eof => return out,
            ev => out.push(ev.into_owned()),
        }
    }
}

/// `UWLR_BENCH_SIZES=1k` (or `100k`) restricts the inputs built at start (criterion's
/// filter only skips the timing, not the setup of a 100,000-pupil document).
fn sizes() -> Vec<(usize, &'static str)> {
    let only = std::env::var("UWLR_BENCH_SIZES").unwrap_or_default();
    SIZES.into_iter().filter(|(_, l)| only.is_empty() || only.split(',').any(|o| o == *l)).collect()
}

fn decode(c: &mut Criterion) {
    for (n, label) in sizes() {
        let input = uwlr::encode_to_vec(&body(n), None, &INDENTED).expect("encodes");
        if let Ok(dir) = std::env::var("UWLR_BENCH_DUMP") {
            std::fs::write(format!("{dir}/leerlinggegevens_{label}.xml"), &input).unwrap();
        }
        // Honesty checks, once: every reader really reads all of it.
        let opts = strict_for(&input);
        if opts != uwlr::DecodeOptions::strict() {
            eprintln!("note: {label}: {} bytes, decoding with limits raised above the defaults", input.len());
        }
        let ours = uwlr::decode(&input, &opts).expect("strict decode");
        assert_eq!(pupils_of(&ours.body), n);

        let mut g = c.benchmark_group(format!("decode/{label}"));
        g.throughput(Throughput::Bytes(input.len() as u64));
        if n > 10_000 {
            g.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
        }
        g.bench_function("uwlr_strict", |b| b.iter(|| uwlr::decode(black_box(&input), &opts).unwrap()));
        g.bench_function("quickxml_nsreader_scan", |b| b.iter(|| ns_scan(black_box(&input))));
        g.bench_function("quickxml_reader_scan", |b| b.iter(|| plain_scan(black_box(&input))));
        g.finish();
    }
}

fn encode(c: &mut Criterion) {
    for (n, label) in sizes() {
        let b = body(n);
        let compact = uwlr::encode_to_vec(&b, None, &COMPACT).expect("encodes");
        let events = owned_events(&compact);
        let cap = compact.len();
        let mut g = c.benchmark_group(format!("encode/{label}"));
        g.throughput(Throughput::Bytes(cap as u64));
        if n > 10_000 {
            g.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
        }
        g.bench_function(BenchmarkId::new("uwlr_compact", cap), |bch| {
            bch.iter(|| uwlr::encode(black_box(&b), None, &COMPACT, Vec::with_capacity(cap)).unwrap())
        });
        g.bench_function(BenchmarkId::new("quickxml_writer_events", cap), |bch| {
            bch.iter(|| {
                let mut w = Writer::new(Vec::with_capacity(cap));
                for ev in black_box(&events) {
                    w.write_event(ev.borrow()).unwrap();
                }
                w.into_inner()
            })
        });
        g.finish();
    }
}

criterion_group!(benches, decode, encode);
criterion_main!(benches);
