//! Two gateway instances on one PostgreSQL database deliver 10,000 results together: every
//! result arrives at the LAS exactly once, and no batch is sent by both.
//!
//! The results are recorded through the library first (250 pupils × 40 results, several
//! tasks at once); then two `uwlr serve` processes, each with its own `--owner` and data
//! folder (the same master key through `UWLR_MASTER_KEY`), deliver every second. Their
//! claims meet in `FOR UPDATE SKIP LOCKED`; the mock LAS (served in this process) answers
//! each message after a short delay, as a real one does, so the two runs overlap.
//!
//! PostgreSQL comes from `store_support::postgres()`: skipped with a note where there is
//! none, a failure under `CI=true`.

use crate::results_support;
use crate::store_support;

use results_support::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::Arc;
use std::time::{Duration, Instant};
use uwlr::clock::SystemClock;
use uwlr::gateway::{Gateway, Settings};
use uwlr::mock::{FaultKind, FaultSetting, Profile};
use uwlr::vault::Vault;

const PUPILS: usize = 250;
const PER_PUPIL: usize = 40;
const RESULTS: usize = PUPILS * PER_PUPIL;
const MASTER: [u8; 32] = [7; 32];
const OWNERS: [&str; 2] = ["gateway-a", "gateway-b"];
/// How long the LAS takes to answer a results message.
const LAS_DELAY_MS: u64 = 20;

/// A `uwlr serve` that is killed when dropped (also when the test fails).
struct Serve {
    child: Child,
    /// Standard error (the log) and standard output.
    log: PathBuf,
    out: PathBuf,
}

impl Serve {
    fn start(owner: &str, database: &str, dir: &Path) -> Serve {
        std::fs::create_dir_all(dir).unwrap();
        let log = dir.join("serve.log");
        let args =
            ["serve", "--listen", "127.0.0.1:0", "--database", database, "--deliver-every", "1s", "--owner", owner];
        let hex: String = MASTER.iter().map(|b| format!("{b:02x}")).collect();
        let out = dir.join("serve.out");
        let child = uwlr(&args, dir, &log)
            .stdout(std::fs::File::create(&out).unwrap())
            .env("UWLR_MASTER_KEY", hex)
            .env("RUST_LOG", "info")
            .spawn()
            .unwrap();
        Serve { child, log, out }
    }

    /// Waits for `admin API: …` on its standard output: the instance is up.
    fn started(&mut self) {
        let t = Instant::now();
        while !std::fs::read_to_string(&self.out).unwrap_or_default().starts_with("admin API: ") {
            self.assert_running();
            assert!(t.elapsed() < Duration::from_secs(30), "uwlr serve did not start\n{}", log(&self.log));
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn assert_running(&mut self) {
        if let Some(s) = self.child.try_wait().unwrap() {
            panic!("uwlr serve ended: {s:?}\n{}", log(&self.log));
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn two_instances_on_one_database_deliver_every_result_once() {
    let started = Instant::now();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = rt.block_on(store_support::postgres()) else {
        return; // no PostgreSQL here (noted by store_support); under CI=true that fails
    };
    let tmp = tempfile::tempdir().unwrap();

    let (gw, las, book) = rt.block_on(async {
        let gw =
            Gateway::new(db.store().await, Vault::from_master(&MASTER), Arc::new(SystemClock), Settings::default());
        let las = store_support::las(Profile::Parnassys, PUPILS, store_support::clock()).await;
        let (_, pupils) = imported(&gw, &las).await;
        assert_eq!(pupils.len(), PUPILS);
        let book = Book::record_plan(&gw, &plan(&pupils, PER_PUPIL), 8).await;
        let slow = FaultSetting {
            operations: vec!["leerresultaten_verzoek".into()],
            ..FaultSetting::always(FaultKind::Delay { ms: LAS_DELAY_MS })
        };
        las.las.set_fault(Some(slow)).unwrap();
        (gw, las, book)
    });
    assert_eq!(book.results(), RESULTS);
    let recorded = started.elapsed();

    let mut serves: Vec<Serve> = OWNERS.iter().map(|o| Serve::start(o, &db.url, &tmp.path().join(o))).collect();
    for s in &mut serves {
        s.started();
    }
    let pool = gw.store().pool();
    // Until the LAS holds everything and both instances have closed their last batch.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        for s in &mut serves {
            s.assert_running();
        }
        let (distinct, open) = rt.block_on(async {
            let distinct = las.las.results(SCHOOL).await.unwrap().distinct;
            let open = number(
                pool,
                "SELECT (SELECT COUNT(*) FROM deliveries WHERE status = 'pending') + \
                 (SELECT COUNT(*) FROM delivery_batches WHERE outcome IS NULL)",
            )
            .await;
            (distinct, open)
        });
        if distinct == RESULTS && open == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "after 120 s the LAS holds {distinct} of {RESULTS}; {open} open");
        std::thread::sleep(Duration::from_millis(200));
    }
    let delivering = started.elapsed() - recorded;

    rt.block_on(async {
        let got = book.assert_delivered(&las).await;
        assert_eq!(receptions(&got), RESULTS as u64, "no result arrived twice");
        let every_row_sent = HashMap::from([("sent".to_string(), RESULTS as i64)]);
        assert_eq!(statuses(pool).await, every_row_sent, "one row per result, every one sent");
        let delivered = number(pool, "SELECT COUNT(*) FROM delivery_batches WHERE outcome = 'delivered'").await;
        assert_eq!(got.deliveries, delivered as u64, "every message the LAS accepted is one delivered batch");
        let others = number(pool, "SELECT COUNT(*) FROM delivery_batches WHERE outcome <> 'delivered'").await;
        assert_eq!(others, 0, "no batch failed");
        let carried = number(
            pool,
            "SELECT CAST(COALESCE(SUM(results), 0) AS BIGINT) FROM delivery_batches WHERE outcome = 'delivered'",
        )
        .await;
        assert_eq!(carried, RESULTS as i64, "no result was carried by two batches");

        let mut split = Vec::new();
        for owner in OWNERS {
            let sql = format!(
                "SELECT COUNT(*), CAST(COALESCE(SUM(results), 0) AS BIGINT) FROM delivery_batches WHERE owner = '{owner}'"
            );
            let row = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await.unwrap();
            let (batches, results): (i64, i64) = (sqlx::Row::get(&row, 0), sqlx::Row::get(&row, 1));
            // And each row's last batch is its owner's: the rows an owner marked sent are
            // exactly the results its batches carried.
            let marked = number(
                pool,
                &format!(
                    "SELECT COUNT(*) FROM deliveries d JOIN delivery_batches b ON b.id = d.batch_id \
                     WHERE b.owner = '{owner}'"
                ),
            )
            .await;
            assert_eq!(marked, results, "{owner}: rows marked sent by its batches");
            split.push((owner, batches, results));
        }
        assert_eq!(split.iter().map(|s| s.1).sum::<i64>(), delivered, "only the two instances sent batches");
        for (owner, batches, _) in &split {
            assert!(*batches > 0, "{owner} sent no batch: {split:?}");
        }
        eprintln!(
            "two instances, one PostgreSQL database: {RESULTS} results (recorded in {:.1} s) delivered within {:.1} s of starting the instances, \
             {} messages, each result received once\n  split: {}",
            recorded.as_secs_f64(),
            delivering.as_secs_f64(),
            got.deliveries,
            split
                .iter()
                .map(|(o, b, r)| format!("{o} {b} batches / {r} results"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    });
    drop(serves);
    rt.block_on(las.server.shutdown());
}
