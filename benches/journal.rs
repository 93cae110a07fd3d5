//! The exchange journal's cost (docs/journal.md): a full fetch of a 1,500-pupil school and a
//! delivery run of 1,500 results, each with the journal on and off, on one SQLite store
//! against a mock ParnasSys on loopback; printed as the ratio on/off (goal ≤ 1.1×) and the
//! journal's stored bytes per exchange.
//!
//! `cargo bench --bench journal` (~1 min on 2 cores). Under `cargo test --all-targets` (no
//! `--bench` argument) it runs each case once with 100 pupils, as a smoke test.
//!
//! Both gateways share the store, the key and the link (`with_settings` flips only
//! `journal.enabled`), so the difference is the journal: the capture's copies, compression
//! and the inserts. Each fetch is a forced full fetch of the same answer (nothing to do);
//! each delivery run first puts every result back in the queue (not timed).

use std::sync::Arc;
use std::time::{Duration, Instant};
use uwlr::gateway::delivery::DeliverOptions;
use uwlr::gateway::imports::ApplyOptions;
use uwlr::gateway::koppelingen::KoppelingRequest;
use uwlr::gateway::{Gateway, Settings};
use uwlr::message::values::Schooljaar;
use uwlr::mock::las::{IssueKeyRequest, SchoolSetup};
use uwlr::mock::{Klant, MockLas, Profile};
use uwlr::results::{NewResult, Scores};
use uwlr::server::{bind, serve, RunningServer, ServerConfig};

struct Bench {
    rt: tokio::runtime::Runtime,
    on: Gateway,
    off: Gateway,
    link: i64,
    results: usize,
    _server: RunningServer,
    _dir: tempfile::TempDir,
}

fn setup(pupils: usize) -> Bench {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let (on, link, server) = rt.block_on(async {
        let gw = Gateway::open(dir.path(), None, Settings::default()).await.expect("gateway");
        let year = Schooljaar::new(2025).expect("year");
        let las = MockLas::builder(Profile::Parnassys)
            .klant(Klant::boom())
            .school(SchoolSetup::generated("99DE", "00", pupils, 1, year))
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
        let ids: Vec<i64> = gw.records("99DE00").await.expect("records").leerlingen.iter().map(|l| l.id).collect();
        let results: Vec<NewResult> = ids
            .iter()
            .map(|&leerling_id| NewResult {
                leerling_id,
                toetscode: "REK".into(),
                toetsonderdeel: None,
                afname: "s1".into(),
                afnamedatum: chrono::NaiveDate::from_ymd_opt(2025, 11, 20).expect("date"),
                scores: Scores::Raw { score: (leerling_id % 100) as u64 },
                normed_at: chrono::Utc::now(),
            })
            .collect();
        gw.record_results(&results, "bench").await.expect("record");
        (gw, k.id, server)
    });
    let off = on.with_settings(|s| s.journal.enabled = false);
    Bench { rt, on, off, link, results: pupils, _server: server, _dir: dir }
}

impl Bench {
    fn fetch(&self, gw: &Gateway) -> Duration {
        let t = Instant::now();
        self.rt.block_on(gw.fetch(self.link, true, "bench", &|_| {})).expect("fetch");
        t.elapsed()
    }

    fn deliver(&self, gw: &Gateway) -> Duration {
        self.rt.block_on(async {
            let pool = gw.store().pool();
            sqlx::query(
                "UPDATE deliveries SET status = 'pending', lease_owner = NULL, lease_until = NULL, batch_id = NULL, \
                 sent_at = NULL, attempts = 0, next_attempt_at = '2000-01-01T00:00:00.000000Z'",
            )
            .execute(pool)
            .await
            .expect("requeue");
            sqlx::query("DELETE FROM delivery_batches").execute(pool).await.expect("batches");
        });
        let opts = DeliverOptions { owner: "bench".into(), ..Default::default() };
        let t = Instant::now();
        let r = self.rt.block_on(gw.deliver(&opts)).expect("deliver");
        assert_eq!(r.delivered, self.results, "{r:?}");
        t.elapsed()
    }

    /// The journal's rows and stored body bytes.
    fn journal(&self) -> (i64, i64) {
        self.rt.block_on(async {
            sqlx::query_as(
                "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(stored_bytes), 0) AS BIGINT) FROM exchanges",
            )
            .fetch_one(self.on.store().pool())
            .await
            .expect("journal size")
        })
    }
}

/// Runs of each case, after a warm-up: each round times the journal on and off back to back
/// (in alternating order), so a drift of the machine or of the store over the minutes of a
/// run (the delivery's "off" figure moved 10 % between two runs when all "on" runs came
/// first) falls on both sides alike.
const ROUNDS: usize = 100;
const WARM_UP: usize = 3;

fn median(mut d: Vec<Duration>) -> Duration {
    d.sort();
    d[d.len() / 2]
}

fn main() {
    let bench_mode = std::env::args().any(|a| a == "--bench");
    let b = setup(if bench_mode { 1_500 } else { 100 });
    let (rounds, warm_up) = if bench_mode { (ROUNDS, WARM_UP) } else { (1, 0) };
    for (what, op) in [("fetch", Bench::fetch as fn(&Bench, &Gateway) -> Duration), ("deliver", Bench::deliver)] {
        for _ in 0..warm_up {
            op(&b, &b.on);
            op(&b, &b.off);
        }
        let before = b.journal();
        let (mut on, mut off, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..rounds {
            let (t_on, t_off) = if round % 2 == 0 {
                let t = op(&b, &b.on);
                (t, op(&b, &b.off))
            } else {
                let t = op(&b, &b.off);
                (op(&b, &b.on), t)
            };
            on.push(t_on);
            off.push(t_off);
            ratios.push(t_on.as_secs_f64() / t_off.as_secs_f64());
        }
        let after = b.journal();
        let rows = after.0 - before.0;
        let bytes_per_exchange = if rows > 0 { (after.1 - before.1) / rows } else { 0 };
        ratios.sort_by(f64::total_cmp);
        let (on, off) = (median(on), median(off));
        eprintln!(
            "{what} of {} pupils, {rounds} rounds: journal on {:.1} ms, off {:.1} ms (medians): {:.3}x; per round \
             ratio p25 {:.3}x, p50 {:.3}x, p75 {:.3}x; {rows} exchanges journaled, {bytes_per_exchange} bytes stored \
             per exchange",
            b.results,
            on.as_secs_f64() * 1000.0,
            off.as_secs_f64() * 1000.0,
            on.as_secs_f64() / off.as_secs_f64(),
            ratios[ratios.len() / 4],
            ratios[ratios.len() / 2],
            ratios[ratios.len() * 3 / 4],
        );
    }
}
