//! Crash safety of the results delivery: `uwlr results deliver` is killed with SIGKILL at
//! random moments, again and again, and restarted; in the end the LAS holds every recorded
//! result exactly once, at its latest version, and every delivery row is sent or
//! superseded.
//!
//! The gateway's state is a SQLite data folder prepared through the library (so the CLI
//! opens the same database and master key); the mock LAS is served in this process, so it
//! outlives every deliverer. Between kills the test re-norms some results, so a restarted
//! deliverer also finds new versions of results that were sent (or half-sent) before.
//!
//! Leases: a killed deliverer leaves its claims behind, leased for `lease` (5 minutes by
//! default; `uwlr results deliver` has no `--lease` flag). Every deliverer here runs under
//! one `--owner` name, and a restarted instance under the same name takes its own claims
//! back at once (`store::results::claim`), which is what a restarted gateway does in
//! production. No lease is touched by the test.
//!
//! Only the timing is random (from a fixed seed, `UWLR_CRASH_SEED` to try another): which
//! results are re-normed, and how, is fixed, so the expected end state is exact.

use crate::results_support;
use crate::store_support;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use results_support::*;
use std::time::{Duration, Instant};
use uwlr::gateway::{Gateway, Settings};
use uwlr::mock::{FaultKind, FaultSetting, Profile};

const PUPILS: usize = 200;
/// Results per pupil (3 sittings × 4 test parts): N = 2,400.
const PER_PUPIL: usize = 12;
/// Every this many-th result is re-normed before the first delivery.
const RENORM_EVERY: usize = 10;
/// Results re-normed between two deliverers.
const RENORM_PER_ROUND: usize = 60;
/// Deliverers killed while running, at least.
const KILLS: usize = 20;
/// Rounds at most (a deliverer that finishes before its kill is no kill).
const MAX_ROUNDS: usize = 80;
/// How long the LAS takes to answer a results message.
const LAS_DELAY_MS: u64 = 10;
const OWNER: &str = "crash-test";

#[test]
fn killed_deliverers_leave_every_result_delivered_exactly_once() {
    let started = Instant::now();
    let seed: u64 = std::env::var("UWLR_CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(20_261_123);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("gateway");

    // The data folder, as the CLI opens it; the LAS in this process; the import applied;
    // N results recorded, some re-normed already.
    let (gw, las, plan, mut book) = rt.block_on(async {
        let gw = Gateway::open(&dir, None, Settings::default()).await.unwrap();
        let las = store_support::las(Profile::Parnassys, PUPILS, store_support::clock()).await;
        // A LAS that takes a moment to answer, as a real one does: the backlog lasts
        // across many deliverers, so most kills land in the middle of a delivery.
        let slow = FaultSetting {
            operations: vec!["leerresultaten_verzoek".into()],
            ..FaultSetting::always(FaultKind::Delay { ms: LAS_DELAY_MS })
        };
        las.las.set_fault(Some(slow)).unwrap();
        let (_, pupils) = imported(&gw, &las).await;
        assert_eq!(pupils.len(), PUPILS);
        let plan = plan(&pupils, PER_PUPIL);
        let mut book = Book::record_plan(&gw, &plan, 1).await;
        for i in (0..plan.len()).step_by(RENORM_EVERY) {
            book.renorm(&gw, &plan, i).await;
        }
        (gw, las, plan, book)
    });
    let n = book.results();
    assert!(n >= 2_000);
    let setup = started.elapsed();

    let deliver = |round: usize| {
        let log = tmp.path().join(format!("deliver-{round}.log"));
        let args = ["results", "deliver", "--until-empty", "--max-message-bytes", "16384", "--owner", OWNER, "--json"];
        (uwlr(&args, &dir, &log).spawn().unwrap(), log)
    };
    let (mut kills, mut mid_delivery, mut finished, mut rounds) = (0, 0, 0, 0);
    while kills < KILLS {
        assert!(rounds < MAX_ROUNDS, "only {kills} of {rounds} deliverers were still running when killed");
        if rounds > 0 {
            rt.block_on(async {
                for _ in 0..RENORM_PER_ROUND {
                    let i = rng.random_range(0..plan.len());
                    book.renorm(&gw, &plan, i).await;
                }
            });
        }
        let (mut child, log) = deliver(rounds);
        let ms = rng.random_range(20..=300);
        std::thread::sleep(Duration::from_millis(ms));
        match child.try_wait().unwrap() {
            None => {
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap();
                kills += 1;
                let left =
                    rt.block_on(number(gw.store().pool(), "SELECT COUNT(*) FROM deliveries WHERE status = 'pending'"));
                if left > 0 {
                    mid_delivery += 1;
                }
            }
            Some(status) => {
                assert!(status.success(), "deliverer {rounds}: {status:?}\n{}", results_support::log(&log));
                finished += 1;
            }
        }
        rounds += 1;
    }

    // The last deliverer runs to the end.
    let (mut child, log) = deliver(rounds);
    let mut stdout = child.stdout.take().unwrap();
    let status = wait(&mut child, Duration::from_secs(60), "the last deliverer");
    assert!(status.success(), "{status:?}\n{}", results_support::log(&log));
    let mut out = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut out).unwrap();
    let last: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out:?}"));
    assert_eq!(last["refused"], 0, "{last}");

    rt.block_on(async {
        let got = book.assert_delivered(&las).await;
        let pool = gw.store().pool();
        let statuses = statuses(pool).await;
        let sent = statuses.get("sent").copied().unwrap_or(0);
        let superseded = statuses.get("superseded").copied().unwrap_or(0);
        assert_eq!(sent + superseded, statuses.values().sum::<i64>(), "every row sent or superseded: {statuses:?}");
        // One row per recorded version; the latest version of every result is the one sent.
        assert_eq!(sent + superseded, book.recorded_versions as i64);
        let latest_sent = number(
            pool,
            "SELECT COUNT(*) FROM deliveries d JOIN resultaten r ON r.id = d.resultaat_id \
             WHERE d.version = r.version AND d.status = 'sent'",
        )
        .await;
        assert_eq!(latest_sent, n as i64);
        let leased = number(pool, "SELECT COUNT(*) FROM deliveries WHERE lease_owner IS NOT NULL").await;
        assert_eq!(leased, 0, "no claim is left behind");

        let delivered_batches =
            number(pool, "SELECT COUNT(*) FROM delivery_batches WHERE outcome = 'delivered'").await as u64;
        let carried = number(
            pool,
            "SELECT CAST(COALESCE(SUM(results), 0) AS BIGINT) FROM delivery_batches WHERE outcome = 'delivered'",
        )
        .await;
        // A batch a killed process never closed is closed as abandoned by its successor
        // (same owner name); only the last process's open batches could remain open, and it
        // ran to the end.
        let unclosed = number(pool, "SELECT COUNT(*) FROM delivery_batches WHERE outcome IS NULL").await;
        assert_eq!(unclosed, 0, "every batch is closed");
        let unclosed = number(pool, "SELECT COUNT(*) FROM delivery_batches WHERE outcome = 'abandoned'").await;
        let others =
            number(pool, "SELECT COUNT(*) FROM delivery_batches WHERE outcome NOT IN ('delivered', 'abandoned')").await;
        assert_eq!(others, 0, "no batch failed");
        // Every batch that closed as delivered did arrive; a batch killed before it closed
        // may have arrived too (then it is a repeat the LAS absorbed).
        assert!(got.deliveries >= delivered_batches, "{} < {delivered_batches}", got.deliveries);
        assert!(got.deliveries <= delivered_batches + unclosed as u64);
        let received = receptions(&got);
        assert!(received >= sent as u64, "every sent version arrived: {received} < {sent}");
        let repeats = received - sent as u64;

        eprintln!(
            "results crash test, seed {seed}: N = {n} results, {} versions recorded\n  \
             deliverers: {kills} killed ({mid_delivery} left results pending), {finished} finished before their \
             kill, then a last run: {} delivered in {} messages\n  \
             LAS: {} messages accepted carrying {received} results; batches: {delivered_batches} delivered \
             carrying {carried} results, {unclosed} killed before closing; {sent} versions sent\n  \
             repeats absorbed: {repeats} results received more than once ({} carried again by delivered \
             batches)\n  time: setup {:.1} s, total {:.1} s",
            book.recorded_versions,
            last["delivered"],
            last["messages"],
            got.deliveries,
            carried - sent,
            setup.as_secs_f64(),
            started.elapsed().as_secs_f64(),
        );
        las.server.shutdown().await;
    });
}
