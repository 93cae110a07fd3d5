//! What the results crash test and the two-instance test share: a gateway whose LAS link
//! is active and imported, results recorded through the library from a fixed plan (several
//! per pupil, some re-normed), the book of what was recorded, the checks of what the mock
//! LAS holds against that book, and the `uwlr` binary as a child process.
//!
//! Every score is a function of the result's place in the plan and its version, so a test
//! knows exactly what the LAS must hold at the end, whatever the timing was.

#![allow(dead_code)]

use crate::store_support::{active_link, no_progress, Las};
use chrono::{NaiveDate, Utc};
use sqlx::{AnyPool, AssertSqlSafe, Row};
use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use uwlr::gateway::imports::ApplyOptions;
use uwlr::gateway::Gateway;
use uwlr::mock::results::ResultsReport;
use uwlr::results::{NewResult, Scores};

/// The location results are recorded for (the store_support mock LAS's first school).
pub const SCHOOL: &str = "99DE00";

/// The tests (and parts) a pupil sits, in turn; sitting `s` of a pupil is named `s{s}`.
const TOETSEN: [(&str, Option<&str>); 4] = [("REK", None), ("BL", None), ("SP", Some("A")), ("SP", Some("B"))];

/// Activates a link to the mock's 99DE00, fetches and applies the import; the link's id
/// and the imported pupils' ids.
pub async fn imported(gw: &Gateway, las: &Las) -> (i64, Vec<i64>) {
    let id = active_link(gw, las).await;
    let out = gw.fetch(id, false, "admin", &no_progress()).await.unwrap();
    gw.apply_proposal(out.proposal_id, "admin", ApplyOptions::default()).await.unwrap();
    let pupils: Vec<i64> = gw.records(SCHOOL).await.unwrap().leerlingen.iter().map(|l| l.id).collect();
    (id, pupils)
}

/// One result of the plan: the pupil, the test (part) and the sitting.
#[derive(Debug, Clone)]
pub struct Planned {
    pub leerling_id: i64,
    pub toetscode: &'static str,
    pub toetsonderdeel: Option<&'static str>,
    pub afname: String,
}

/// `per_pupil` results for each pupil, sitting by sitting across all pupils (as a class
/// sits a test together): a delivery batch holds many pupils.
pub fn plan(pupils: &[i64], per_pupil: usize) -> Vec<Planned> {
    let mut v = Vec::with_capacity(pupils.len() * per_pupil);
    for j in 0..per_pupil {
        let (toetscode, toetsonderdeel) = TOETSEN[j % TOETSEN.len()];
        for p in pupils {
            v.push(Planned { leerling_id: *p, toetscode, toetsonderdeel, afname: format!("s{}", j / TOETSEN.len()) });
        }
    }
    v
}

/// The raw score of result `i` of the plan at `version`: a new version always differs
/// from the one before, and stays within the mock's maximum (1000).
pub fn score(i: usize, version: i64) -> u64 {
    ((i * 7 + version as usize * 101) % 1001) as u64
}

fn new_result(p: &Planned, score: u64) -> NewResult {
    NewResult {
        leerling_id: p.leerling_id,
        toetscode: p.toetscode.into(),
        toetsonderdeel: p.toetsonderdeel.map(str::to_string),
        afname: p.afname.clone(),
        afnamedatum: NaiveDate::from_ymd_opt(2025, 11, 20).unwrap(),
        scores: Scores::Raw { score },
        // After the link's activation (this is the system clock, as the gateway's).
        normed_at: Utc::now(),
    }
}

/// What was recorded: per plan entry its key and current version, and the latest score per key.
#[derive(Debug, Default)]
pub struct Book {
    pub keys: Vec<String>,
    pub versions: Vec<i64>,
    /// Result key → the score of its latest version: what the LAS must hold.
    pub latest: HashMap<String, u64>,
    /// Versions recorded in all (first versions and re-normed ones).
    pub recorded_versions: usize,
}

impl Book {
    pub fn results(&self) -> usize {
        self.latest.len()
    }

    /// Records every entry of `plan` at version 1, `tasks` at a time (each task its own
    /// pupils, so no two tasks touch one result).
    pub async fn record_plan(gw: &Gateway, plan: &[Planned], tasks: usize) -> Book {
        let mut handles = Vec::new();
        for t in 0..tasks {
            let gw = gw.clone();
            let mine: Vec<(usize, Planned)> = plan
                .iter()
                .enumerate()
                .filter(|(_, p)| p.leerling_id.rem_euclid(tasks as i64) == t as i64)
                .map(|(i, p)| (i, p.clone()))
                .collect();
            handles.push(tokio::spawn(async move {
                let mut done = Vec::with_capacity(mine.len());
                for (i, p) in mine {
                    let rec = gw.record_result(&new_result(&p, score(i, 1)), "platform").await.unwrap();
                    assert_eq!(rec.version, 1, "plan entry {i} is new");
                    done.push((i, rec.key));
                }
                done
            }));
        }
        let mut book = Book { keys: vec![String::new(); plan.len()], versions: vec![1; plan.len()], ..Book::default() };
        for h in handles {
            for (i, key) in h.await.unwrap() {
                book.latest.insert(key.clone(), score(i, 1));
                book.keys[i] = key;
            }
        }
        book.recorded_versions = plan.len();
        assert_eq!(book.latest.len(), plan.len(), "every plan entry is its own result");
        book
    }

    /// Records the next version of plan entry `i` (re-normed).
    pub async fn renorm(&mut self, gw: &Gateway, plan: &[Planned], i: usize) {
        let version = self.versions[i] + 1;
        let rec = gw.record_result(&new_result(&plan[i], score(i, version)), "platform").await.unwrap();
        assert_eq!((rec.key.as_str(), rec.version), (self.keys[i].as_str(), version), "plan entry {i}");
        self.versions[i] = version;
        self.latest.insert(rec.key, score(i, version));
        self.recorded_versions += 1;
    }

    /// The mock holds every result once, each at its latest version; its report.
    pub async fn assert_delivered(&self, las: &Las) -> ResultsReport {
        let got = las.las.results(SCHOOL).await.unwrap();
        assert_eq!(got.distinct, self.results(), "the LAS holds every recorded result once");
        assert_eq!(got.results.len(), self.results());
        let mut seen = HashMap::new();
        for r in &got.results {
            let want = self.latest.get(&r.key).unwrap_or_else(|| panic!("the LAS holds an unknown result {}", r.key));
            assert_eq!(r.score, Some(*want), "result {} at its latest version", r.key);
            assert!(seen.insert(r.key.clone(), ()).is_none(), "result {} under two pupils", r.key);
        }
        got
    }
}

/// Times the LAS received results, re-sends included (the sum of `times_received`).
pub fn receptions(r: &ResultsReport) -> u64 {
    r.results.iter().map(|s| u64::from(s.times_received)).sum()
}

/// One number from the database (`CAST(… AS BIGINT)` around a SUM: PostgreSQL sums to numeric).
pub async fn number(pool: &AnyPool, sql: &str) -> i64 {
    sqlx::query(AssertSqlSafe(sql.to_string()))
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .try_get(0)
        .unwrap()
}

/// Delivery rows per status.
pub async fn statuses(pool: &AnyPool) -> HashMap<String, i64> {
    sqlx::query("SELECT status, COUNT(*) FROM deliveries GROUP BY status")
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

/// `uwlr ARGS`, with no gateway settings from the environment, output into `log`.
pub fn uwlr(args: &[&str], dir: &Path, log: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_uwlr"));
    let file = std::fs::File::create(log).unwrap();
    c.args(args)
        .arg("--data-dir")
        .arg(dir)
        .env_remove("UWLR_DATA_DIR")
        .env_remove("UWLR_DATABASE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(file);
    c
}

/// Waits for `child` to end, at most `limit`; kills it (and fails) after that.
pub fn wait(child: &mut Child, limit: Duration, what: &str) -> std::process::ExitStatus {
    let t = Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if t.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The log a child wrote, for a failure message.
pub fn log(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}
