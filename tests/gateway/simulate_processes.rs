//! `uwlr simulate --processes` on PostgreSQL: two gateway instances as processes of the
//! built binary, one of them killed (SIGKILL) at random moments and started again, and the
//! night's checks hold all the same: every result at its LAS and dashboard exactly once,
//! every proposal applied once, pupil counts equal, the outbox empty.
//!
//! Kept small (3 schools, a kill about every 0.7 s, so one lands even when the night takes a few seconds) for CI's budget; the scaling runs are in docs/benchmarks.md.

use crate::cli_support::uwlr;
use crate::store_support;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_night_with_instances_killed_loses_and_doubles_nothing() {
    let Some(db) = store_support::postgres().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "simulate",
        "--schools",
        "3",
        "--seed",
        "3",
        "--database-url",
        &db.url,
        "--instances",
        "2",
        "--processes",
        "--kill-every-ms",
        "700",
        "--json",
    ];
    let run = tokio::task::spawn_blocking({
        let (args, dir) = (args.map(String::from), dir.path().to_path_buf());
        move || uwlr(&dir, &args.iter().map(String::as_str).collect::<Vec<_>>(), None)
    })
    .await
    .unwrap();
    assert_eq!(run.code, 0, "stdout:\n{}\nstderr:\n{}", run.out, run.err);
    let report: serde_json::Value = serde_json::from_str(&run.out).unwrap();
    assert_eq!(report["processes"], true);
    assert!(report["kills"].as_u64().unwrap() >= 1, "no instance was killed: {report}");
    let checks = report["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 6, "{report}");
    for c in checks {
        assert_eq!(c["ok"], true, "{c}");
    }
    let names: Vec<&str> = checks.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"each result at its LAS exactly once"), "{names:?}");
    assert!(names.contains(&"each proposal applied once"), "{names:?}");
    assert!(report["results"].as_u64().unwrap() > 100, "{report}");
    assert_eq!(report["worker_peak_rss_mib"].as_array().unwrap().len(), 2);
}
