//! Import proposal cost beside decode cost, for one 1,500-pupil school and for a board of
//! 50 such schools (the nightly fetch of a school board). See docs/benchmarks.md.
//!
//! `cargo bench --bench import` (~2 min on 2 cores); `-- --quick` samples less.
//!
//! Each case starts from the same encoded LAS answers:
//! - `decode`: bytes → model, strict (the floor: any import reads the answer);
//! - `decode+propose/first`: a first import, everything new (against an empty store);
//! - `decode+propose/refetch`: the nightly case, the same school again against the store
//!   as it is after the first import (every record matched, nothing to change);
//! - `snapshot`: reading that store state from SQLite (what `fetch` reads besides).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use std::time::Duration;
use uwlr::import::{propose, FetchMode, Settings, Snapshot};
use uwlr::message::leerlinggegevens::{Antwoord, Leerlinggegevens};
use uwlr::store::apply::{apply, FailPoint};
use uwlr::store::koppelingen::{ensure_location, insert, NewKoppeling};
use uwlr::store::{records, Store};
use uwlr::{Body, DecodeOptions, EncodeOptions};

const PUPILS: usize = 1_500;
const BOARD: usize = 50;

struct School {
    location: String,
    bytes: Vec<u8>,
    /// The store's view after the first import of this school.
    applied: Snapshot,
}

fn encode(g: &Leerlinggegevens) -> Vec<u8> {
    let body = Body::LeerlinggegevensAntwoord(Antwoord::Gegevens(g.clone()));
    uwlr::encode_to_vec(&body, None, &EncodeOptions::default()).expect("a generated school encodes")
}

fn decode(bytes: &[u8]) -> Leerlinggegevens {
    match uwlr::decode(bytes, &DecodeOptions::strict()).expect("decodes").body {
        Body::LeerlinggegevensAntwoord(Antwoord::Gegevens(g)) => g,
        _ => unreachable!("a leerlinggegevens answer"),
    }
}

/// Builds the board: each school generated, encoded, imported once into a SQLite store
/// (through the real apply path), and its snapshot read back.
fn board(rt: &tokio::runtime::Runtime, dir: &std::path::Path) -> (Store, Vec<School>) {
    rt.block_on(async {
        let store = Store::open_dir(dir).await.expect("store");
        let mut schools = Vec::new();
        for i in 0..BOARD {
            // BRINs 10AA..: distinct test locations.
            let brin = format!("{:02}{}{}", 10 + i / 26, (b'A' + (i % 26) as u8) as char, 'A');
            let spec = uwlr::generate::SchoolSpec {
                pupils: PUPILS,
                seed: i as u64 + 1,
                brincode: brin.clone(),
                ..Default::default()
            };
            let answer = uwlr::generate::school(&spec);
            let location = uwlr::location::Location::brin(&brin, "00").expect("location");
            let now = chrono::Utc::now();
            let mut conn = store.pool().acquire().await.expect("connection");
            ensure_location(&mut conn, &location, now).await.expect("location");
            let new = NewKoppeling {
                location: &location,
                schooljaar: uwlr::message::values::Schooljaar::new(2025).expect("year"),
                kind: uwlr::koppeling::Kind::Parnassys,
                endpoint: Some("http://127.0.0.1:9/uwlr"),
                klantcode: "BOOM",
                klantnaam: "Boom testcentrum",
            };
            let k = insert(&mut conn, &new, now).await.expect("koppeling");
            let first = propose(&Snapshot::default(), &answer, FetchMode::Full, &[], &Settings::default()).unwrap();
            apply(&mut conn, k, (&location, "2025-2026"), &first, now, FailPoint::default()).await.expect("apply");
            let applied = records::snapshot(&mut conn, &location, "2025-2026", Some(k), records::Scope::Import)
                .await
                .expect("snapshot");
            schools.push(School { location: location.to_string(), bytes: encode(&answer), applied });
        }
        (store, schools)
    })
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (store, schools) = board(&rt, dir.path());
    let one = &schools[0];
    let settings = Settings::default();
    assert!(
        propose(&one.applied, &decode(&one.bytes), FetchMode::Full, &[], &settings).unwrap().is_empty(),
        "the re-fetch case must find nothing to change"
    );

    let mut g = c.benchmark_group("import/school_1500");
    g.throughput(Throughput::Bytes(one.bytes.len() as u64));
    g.bench_function("decode", |b| b.iter(|| black_box(decode(&one.bytes))));
    g.bench_function("decode+propose/first", |b| {
        b.iter(|| {
            let a = decode(&one.bytes);
            black_box(propose(&Snapshot::default(), &a, FetchMode::Full, &[], &settings).unwrap())
        })
    });
    g.bench_function("decode+propose/refetch", |b| {
        b.iter(|| {
            let a = decode(&one.bytes);
            black_box(propose(&one.applied, &a, FetchMode::Full, &[], &settings).unwrap())
        })
    });
    g.bench_function("snapshot", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut conn = store.pool().acquire().await.unwrap();
                black_box(
                    records::snapshot(&mut conn, &one.location, "2025-2026", Some(1), records::Scope::Import)
                        .await
                        .unwrap(),
                )
            })
        })
    });
    g.finish();

    let total: u64 = schools.iter().map(|s| s.bytes.len() as u64).sum();
    let mut g = c.benchmark_group("import/board_50x1500");
    g.sample_size(10).measurement_time(Duration::from_secs(20)).throughput(Throughput::Bytes(total));
    g.bench_function("decode", |b| b.iter(|| schools.iter().map(|s| decode(&s.bytes).leerlingen.len()).sum::<usize>()));
    g.bench_function("decode+propose/refetch", |b| {
        b.iter(|| {
            schools
                .iter()
                .map(|s| {
                    propose(&s.applied, &decode(&s.bytes), FetchMode::Full, &[], &settings).unwrap().leerlingen.len()
                })
                .sum::<usize>()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
