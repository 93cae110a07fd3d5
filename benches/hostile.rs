//! Decoding cost of hostile input (issue 13): a request with N empty sibling elements where
//! none belongs, each one a finding (an error in strict mode, as the server reads requests
//! and `uwlr validate` files; a warning in lenient mode, as the gateway's client reads
//! answers), all on one line or one per line. Time must grow linearly with N: docs/benchmarks.md
//! gives the ratios.
//!
//! `cargo bench --bench hostile` (~1 min), `cargo bench --bench hostile -- strict/one-line`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use std::time::Duration;
use uwlr::DecodeOptions;

const SIZES: [(usize, &str); 3] = [(10_000, "10k"), (80_000, "80k"), (1_000_000, "1M")];

/// A HaalLeerlinggegevens request whose verzoek holds `n` empty `<x/>` after its school.
fn siblings(n: usize, sep: &str) -> Vec<u8> {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\">\
         <soap:Header><autorisatie xmlns=\"http://www.edustandaard.nl/leerresultaten/2/autorisatie\">\
         <autorisatiesleutel>k</autorisatiesleutel><klantcode>c</klantcode><klantnaam>n</klantnaam></autorisatie>\
         </soap:Header><soap:Body><leerlinggegevens_verzoek xmlns=\"http://www.edustandaard.nl/leerresultaten/2/leerlinggegevens\">\
         <schooljaar>2025-2026</schooljaar><brincode>99DE</brincode><dependancecode>00</dependancecode>",
    );
    for _ in 0..n {
        s.push_str("<x/>");
        s.push_str(sep);
    }
    s.push_str("<xsdversie>2.3</xsdversie></leerlinggegevens_verzoek></soap:Body></soap:Envelope>");
    s.into_bytes()
}

fn bench(c: &mut Criterion) {
    for (mode, opts) in [("strict", DecodeOptions::strict()), ("lenient", DecodeOptions::lenient())] {
        for (layout, sep) in [("one-line", ""), ("lines", "\n")] {
            let mut g = c.benchmark_group(format!("{mode}/{layout}"));
            g.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
            for (n, label) in SIZES {
                let input = siblings(n, sep);
                let d = uwlr::decode(&input, &opts);
                // Strict refuses the message, lenient takes it with warnings; either way at
                // most 100 findings and one "and N more".
                let found = match &d {
                    Ok(ok) => ok.warnings.len(),
                    Err(e) => e.diagnostics.len(),
                };
                assert_eq!(found, uwlr::xml::diag::MAX_DIAGNOSTICS + 1, "{mode}/{layout}/{label}");
                g.throughput(Throughput::Elements(n as u64));
                g.bench_with_input(BenchmarkId::from_parameter(label), &input, |b, input| {
                    b.iter(|| black_box(uwlr::decode(black_box(input), &opts).is_ok()))
                });
            }
            g.finish();
        }
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
