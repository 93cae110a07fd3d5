//! Results delivery throughput: results per second from the outbox to a mock LAS on loopback,
//! and where the time goes (encode, transport, store), from `DeliveryReport`'s timings. See
//! docs/benchmarks.md.
//!
//! `cargo bench --bench delivery` (~1 min on 2 cores). Knob: `UWLR_BENCH_RESULTS` (results
//! per iteration, default 2000). Under `cargo test --all-targets` (no `--bench` argument) it
//! delivers 100 results once, as a smoke test.
//!
//! Setup, once: a SQLite store in a temporary folder (`Gateway::open`, as the CLI opens it), a
//! mock ParnasSys served on 127.0.0.1 in this process, an active link, the 200 pupils
//! imported, and the results recorded (10 per pupil, raw scores). Each iteration puts every
//! delivery row back in the queue (pending, unleased, due, no batch; the batches removed),
//! which is not timed, and then times one `Gateway::deliver`: claim, read, encode (with the
//! size search), send, mark sent. The mock overwrites by key, so its state does not grow.
//!
//! Two cases: the defaults (64 KiB messages, claims of 500) and 16 KiB messages (4× the
//! messages for the same results).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uwlr::gateway::delivery::{DeliverOptions, DeliveryReport};
use uwlr::gateway::imports::ApplyOptions;
use uwlr::gateway::koppelingen::KoppelingRequest;
use uwlr::gateway::{Gateway, Settings};
use uwlr::message::values::Schooljaar;
use uwlr::mock::las::{IssueKeyRequest, SchoolSetup};
use uwlr::mock::{Klant, MockLas, Profile};
use uwlr::results::{NewResult, Scores};
use uwlr::server::{bind, serve, RunningServer, ServerConfig};

const PUPILS: usize = 200;
const TOETSEN: [(&str, Option<&str>); 4] = [("REK", None), ("BL", None), ("SP", Some("A")), ("SP", Some("B"))];

struct Bench {
    rt: tokio::runtime::Runtime,
    gw: Gateway,
    results: usize,
    _server: RunningServer,
    _dir: tempfile::TempDir,
}

fn setup(results: usize) -> Bench {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let (gw, server) = rt.block_on(async {
        let gw = Gateway::open(dir.path(), None, Settings::default()).await.expect("gateway");
        let year = Schooljaar::new(2025).expect("year");
        let las = MockLas::builder(Profile::Parnassys)
            .klant(Klant::boom())
            .school(SchoolSetup::generated("99DE", "00", PUPILS, 1, year))
            .build()
            .expect("mock LAS");
        let server = serve(Arc::new(las.clone()), bind("127.0.0.1:0".parse().expect("addr")).expect("bind"), {
            ServerConfig::default()
        })
        .await
        .expect("serve");
        let key = las
            .issue_key("99DE00", &IssueKeyRequest { klantcode: None, verificatiecode: None })
            .await
            .expect("key")
            .autorisatiesleutel;
        let req = KoppelingRequest {
            location: "99DE00".into(),
            schooljaar: "2025-2026".into(),
            kind: uwlr::koppeling::Kind::Parnassys,
            endpoint: Some(format!("{}/uwlr", server.base_url())),
            key: Some(key),
            reason: None,
        };
        let k = gw.request_koppeling(&req, "bench").await.expect("request");
        gw.approve_koppeling(k.id, "bench", None).await.expect("approve");
        let fetched = gw.fetch(k.id, false, "bench", &|_| {}).await.expect("fetch");
        gw.apply_proposal(fetched.proposal_id, "bench", ApplyOptions::default()).await.expect("apply");
        let pupils: Vec<i64> = gw.records("99DE00").await.expect("records").leerlingen.iter().map(|l| l.id).collect();
        for i in 0..results {
            let (toetscode, part) = TOETSEN[(i / pupils.len()) % TOETSEN.len()];
            let r = NewResult {
                leerling_id: pupils[i % pupils.len()],
                toetscode: toetscode.into(),
                toetsonderdeel: part.map(str::to_string),
                afname: format!("s{}", i / (pupils.len() * TOETSEN.len())),
                afnamedatum: chrono::NaiveDate::from_ymd_opt(2025, 11, 20).expect("date"),
                scores: Scores::Raw { score: (i % 1000) as u64 },
                normed_at: chrono::Utc::now(),
            };
            gw.record_result(&r, "bench").await.expect("record");
        }
        (gw, server)
    });
    Bench { rt, gw, results, _server: server, _dir: dir }
}

impl Bench {
    /// Every delivery row due again, as if just recorded; not timed.
    fn requeue(&self) {
        self.rt.block_on(async {
            let pool = self.gw.store().pool();
            sqlx::query(
                "UPDATE deliveries SET status = 'pending', lease_owner = NULL, lease_until = NULL, batch_id = NULL, \
                 sent_at = NULL, attempts = 0, next_attempt_at = '2000-01-01T00:00:00.000000Z'",
            )
            .execute(pool)
            .await
            .expect("requeue");
            sqlx::query("DELETE FROM delivery_batches").execute(pool).await.expect("batches");
        });
    }

    fn deliver(&self, opts: &DeliverOptions) -> (Duration, DeliveryReport) {
        self.requeue();
        let t = Instant::now();
        let report = self.rt.block_on(self.gw.deliver(opts)).expect("deliver");
        let took = t.elapsed();
        assert_eq!((report.delivered, report.refused, report.postponed), (self.results, 0, 0), "{report:?}");
        (took, report)
    }
}

/// The timings of every timed run of one case, added up.
#[derive(Default)]
struct Totals {
    runs: u32,
    wall: Duration,
    messages: usize,
    encode: Duration,
    transport: Duration,
    store: Duration,
}

impl Totals {
    fn add(&mut self, wall: Duration, r: &DeliveryReport) {
        self.runs += 1;
        self.wall += wall;
        self.messages += r.messages;
        self.encode += r.encode;
        self.transport += r.transport;
        self.store += r.store;
    }

    fn print(&self, name: &str, results: usize) {
        if self.runs == 0 {
            return;
        }
        let wall = self.wall.as_secs_f64();
        let share = |d: Duration| 100.0 * d.as_secs_f64() / wall;
        let rest = self.wall.saturating_sub(self.encode + self.transport + self.store);
        eprintln!(
            "{name}: {:.0} results/s ({} results, {:.1} messages per run, {:.1} ms per run, {} runs); share of the \
             run: encode {:.1} %, transport {:.1} %, store {:.1} %, other {:.1} %",
            results as f64 * f64::from(self.runs) / wall,
            results,
            self.messages as f64 / f64::from(self.runs),
            1000.0 * wall / f64::from(self.runs),
            self.runs,
            share(self.encode),
            share(self.transport),
            share(self.store),
            share(rest),
        );
    }
}

fn delivery(c: &mut Criterion) {
    let bench_mode = std::env::args().any(|a| a == "--bench");
    let results = if bench_mode {
        std::env::var("UWLR_BENCH_RESULTS").ok().and_then(|v| v.parse().ok()).unwrap_or(2000)
    } else {
        100
    };
    let b = setup(results);
    let cases = [
        ("default", DeliverOptions { owner: "bench".into(), ..Default::default() }),
        ("16k", DeliverOptions { owner: "bench".into(), max_message_bytes: 16 * 1024, ..Default::default() }),
    ];
    let mut g = c.benchmark_group("deliver");
    g.throughput(Throughput::Elements(results as u64)).sample_size(20).measurement_time(Duration::from_secs(15));
    let mut all = Vec::new();
    for (name, opts) in &cases {
        let totals = Mutex::new(Totals::default());
        g.bench_function(format!("{name}/{results}"), |bencher| {
            bencher.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                for _ in 0..iters {
                    let (took, report) = b.deliver(opts);
                    timed += took;
                    totals.lock().expect("totals").add(took, &report);
                }
                timed
            })
        });
        all.push((format!("deliver/{name}/{results}"), totals.into_inner().expect("totals")));
    }
    g.finish();
    for (name, totals) in &all {
        totals.print(name, results);
    }
}

criterion_group!(benches, delivery);
criterion_main!(benches);
