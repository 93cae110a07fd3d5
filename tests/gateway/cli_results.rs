//! `uwlr results …` and the delivery job of `uwlr serve` as an operator runs them: the built
//! binary against a data folder set up through the library (the same state the CLI opens),
//! with a mock ParnasSys served in this process. Define a toets, record from a file and
//! from standard input, deliver, a refused pupil kept as a delivery error and retried after
//! the fix, backfill, status, `--json` that parses, refusals with their exit codes, and a
//! serve process that delivers on its own.

use crate::cli_support::{ok, refused, uwlr, Run};
use crate::serve_support;
use crate::store_support;

use chrono::Utc;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use store_support::*;
use uwlr::gateway::imports::ApplyOptions;
use uwlr::gateway::{Gateway, Settings};
use uwlr::mock::Profile;

fn json_of(r: &Run) -> Value {
    serde_json::from_str(ok(r)).unwrap_or_else(|e| panic!("not JSON ({e}): {}", r.out))
}

/// A data folder with an active ParnasSys link to 99DE00 of `las` and its first import
/// applied, made through the library; the link's id and the pupils as (record id, LAS key).
async fn imported(dir: &Path, las: &Las) -> (i64, Vec<(i64, String)>) {
    let gw = Gateway::open(dir, None, Settings::default()).await.unwrap();
    let id = active_link(&gw, las).await;
    let out = gw.fetch(id, false, "admin", &no_progress()).await.unwrap();
    gw.apply_proposal(out.proposal_id, "admin", ApplyOptions::default()).await.unwrap();
    let pupils = gw
        .records("99DE00")
        .await
        .unwrap()
        .leerlingen
        .iter()
        .map(|l| (l.id, l.external.as_ref().and_then(|e| e.las_key.clone()).unwrap()))
        .collect();
    gw.store().close().await;
    (id, pupils)
}

/// A result as the test platform sends it: normed now unless `normed_at` says otherwise.
fn result(pupil: i64, afname: &str, score: u64, normed_at: Option<&str>) -> Value {
    let normed_at = normed_at.map(str::to_string).unwrap_or_else(|| Utc::now().to_rfc3339());
    json!({
        "leerling_id": pupil,
        "toetscode": "REK",
        "toetsonderdeel": "A",
        "afname": afname,
        "afnamedatum": "2025-11-20",
        "scores": { "kind": "raw", "score": score },
        "normed_at": normed_at,
    })
}

fn write(dir: &Path, name: &str, v: &Value) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, v.to_string()).unwrap();
    p
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

#[test]
fn define_record_deliver_errors_retry_backfill_and_status() {
    let rt = runtime();
    let las = rt.block_on(las(Profile::Parnassys, 8, clock()));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("gateway");
    let (link, pupils) = rt.block_on(imported(&dir, &las));
    let link_s = link.to_string();

    // A toets and its onderdelen, one object or an array.
    let toets = json!({ "toetscode": "REK", "naam": "Rekenen", "onderdelen": [{ "code": "A", "naam": "Getallen" }] });
    let f = write(tmp.path(), "toets.json", &toets);
    let out = ok(&uwlr(&dir, &["results", "define-toets", "--file", f.to_str().unwrap()], None)).to_string();
    assert!(out.contains("defined 1 toets(en): REK"), "{out}");
    let two = json!([toets, { "toetscode": "TAAL" }]);
    let f = write(tmp.path(), "toetsen.json", &two);
    let v = json_of(&uwlr(&dir, &["results", "define-toets", "--file", f.to_str().unwrap(), "--json"], None));
    assert_eq!(v, json!({ "defined": 2, "toetscodes": ["REK", "TAAL"] }));

    // Nothing recorded: a run sends nothing.
    let out = ok(&uwlr(&dir, &["results", "deliver"], None)).to_string();
    assert!(out.starts_with("delivered 0 results in 0 messages; refused 0; postponed 0 (encode "), "{out}");

    // Record every pupil's result from a file, then one more from standard input.
    let all: Vec<Value> = pupils.iter().map(|(id, _)| result(*id, "s1", 10, None)).collect();
    let f = write(tmp.path(), "results.json", &Value::Array(all));
    let out = ok(&uwlr(&dir, &["results", "record", "--file", f.to_str().unwrap()], None)).to_string();
    assert!(out.starts_with(&format!("recorded {} results\n", pupils.len())), "{out}");
    assert!(out.contains("KEY") && out.contains("VERSION"), "{out}");
    let one = result(pupils[0].0, "s2", 12, None).to_string();
    let v = json_of(&uwlr(&dir, &["results", "record", "--file", "-", "--json"], Some(&one)));
    assert_eq!(v["recorded"], 1);
    assert_eq!(v["results"][0]["version"], 1);
    assert_eq!(v["results"][0]["location"], "99DE00");
    let key = v["results"][0]["key"].as_str().unwrap().to_string();
    // The same sitting again: a new version of the same result.
    let renormed = result(pupils[0].0, "s2", 14, None).to_string();
    let v = json_of(&uwlr(&dir, &["results", "record", "--file", "-", "--json"], Some(&renormed)));
    assert_eq!((v["results"][0]["key"].as_str(), v["results"][0]["version"].as_i64()), (Some(key.as_str()), Some(2)));

    // Bad input: usage errors (exit 2) that name what is wrong; an unknown pupil is refused.
    let r = uwlr(&dir, &["results", "record", "--file", "-"], Some(r#"[{"leerling_id": 1}]"#));
    assert!(refused(&r, 2).contains("[0]: missing field"), "{}", r.err);
    let r = uwlr(&dir, &["results", "record", "--file", "/nonexistent.json"], None);
    assert!(refused(&r, 2).contains("cannot read /nonexistent.json"), "{}", r.err);
    let r = uwlr(&dir, &["results", "record", "--file", "-"], Some(&result(999_999, "s1", 1, None).to_string()));
    assert!(refused(&r, 1).contains("result 1 of 1 (pupil 999999, REK)"), "{}", r.err);

    // Deliver: every pupil's result, and the latest version of the other.
    let v = json_of(&uwlr(&dir, &["results", "deliver", "--json"], None));
    assert_eq!(v["delivered"].as_u64(), Some(pupils.len() as u64 + 1), "{v}");
    assert_eq!((v["messages"].as_u64(), v["refused"].as_u64(), v["postponed"].as_u64()), (Some(1), Some(0), Some(0)));
    for field in ["encode", "transport", "store"] {
        assert!(v[field].is_f64(), "{field} in seconds: {v}");
    }
    let got = rt.block_on(las.las.results("99DE00")).unwrap();
    assert_eq!(got.distinct, pupils.len() + 1);
    let mine = got.results.iter().find(|r| r.key == key).unwrap();
    assert_eq!(mine.score, Some(14), "the re-normed version");
    assert_eq!(mine.toetsonderdeelcode.as_deref(), Some("A"));

    // One pupil left the LAS: the message is refused, bisected, and only that pupil's
    // result is kept as a delivery error. Exit 0: the run did its work.
    let (gone_id, gone_key) = pupils[3].clone();
    let gone =
        rt.block_on(las.las.leerlingen("99DE00")).unwrap().into_iter().find(|l| l.key.as_ref() == Some(&gone_key));
    let gone = gone.unwrap();
    rt.block_on(las.las.remove_leerling("99DE00", &gone_key)).unwrap();
    let all: Vec<Value> = pupils.iter().map(|(id, _)| result(*id, "s3", 20, None)).collect();
    let f = write(tmp.path(), "s3.json", &Value::Array(all));
    ok(&uwlr(&dir, &["results", "record", "--file", f.to_str().unwrap()], None));
    let r = uwlr(&dir, &["results", "deliver", "--koppeling", &link_s, "--max-message-bytes", "200000"], None);
    let out = ok(&r);
    assert!(out.starts_with(&format!("delivered {} results in ", pupils.len() - 1)), "{out}");
    assert!(out.contains("; refused 1; postponed 0"), "{out}");
    assert!(r.err.contains("1 refused result(s) are kept: uwlr results errors"), "{}", r.err);

    let out = ok(&uwlr(&dir, &["results", "errors"], None)).to_string();
    assert!(out.contains("KOPPELING") && out.contains("TOETS/ONDERDEEL"), "{out}");
    let line = out.lines().find(|l| l.contains(&format!(" {gone_id} "))).unwrap_or_else(|| panic!("{out}"));
    assert!(line.contains("REK/A") && line.contains("pupil number not found"), "{line}");
    let errors = json_of(&uwlr(&dir, &["results", "errors", "--koppeling", &link_s, "--json"], None));
    let errors = errors.as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(
        (errors[0]["leerling_id"].as_i64(), errors[0]["kind"].as_str()),
        (Some(gone_id), Some("leerling_onbekend"))
    );

    let status = json_of(&uwlr(&dir, &["results", "status", "--json"], None));
    assert_eq!(status[0]["koppeling"], link);
    assert_eq!(status[0]["status"], "active");
    assert_eq!(status[0]["counts"]["failed"], 1, "{status}");
    assert_eq!(status[0]["counts"]["pending"], 0, "{status}");

    // Back in the LAS; retried; delivered.
    let back = uwlr::mock::las::NewLeerling {
        key: gone_key.clone(),
        roepnaam: gone.roepnaam.clone().unwrap_or_else(|| "Terug".into()),
        achternaam: gone.achternaam.clone(),
        ..Default::default()
    };
    rt.block_on(las.las.add_leerling("99DE00", back)).unwrap();
    let out = ok(&uwlr(&dir, &["results", "retry", &link_s], None)).to_string();
    assert!(out.contains(&format!("queued 1 result(s) of koppeling {link} again")), "{out}");
    let v = json_of(&uwlr(&dir, &["results", "retry", &link_s, "--json"], None));
    assert_eq!(v, json!({ "queued": 0 }));
    let out = ok(&uwlr(&dir, &["results", "deliver", "--until-empty"], None)).to_string();
    assert!(out.starts_with("delivered 1 result in 1 message; refused 0"), "{out}");
    assert!(ok(&uwlr(&dir, &["results", "errors"], None)).contains("no delivery errors"));

    // A result normed before the link was activated is not sent, until a backfill.
    let old = result(pupils[1].0, "s0", 3, Some("2025-11-01T10:00:00Z"));
    ok(&uwlr(&dir, &["results", "record", "--file", "-"], Some(&old.to_string())));
    let v = json_of(&uwlr(&dir, &["results", "deliver", "--json"], None));
    assert_eq!(v["messages"], 0, "not retroactive: {v}");
    let r = uwlr(&dir, &["results", "backfill", &link_s, "--schooljaar", "2025-2026"], None);
    assert!(ok(&r).contains("queued 1 result(s) of 2025-2026"), "{}", r.out);
    let before = rt.block_on(las.las.results("99DE00")).unwrap().distinct;
    let v = json_of(&uwlr(&dir, &["results", "deliver", "--json", "--claim", "1", "--until-empty"], None));
    assert_eq!(v["delivered"], 1, "{v}");
    assert_eq!(rt.block_on(las.las.results("99DE00")).unwrap().distinct, before + 1);
    let v = json_of(&uwlr(&dir, &["results", "backfill", &link_s, "--schooljaar", "2025-2026", "--json"], None));
    assert_eq!(v, json!({ "queued": 0 }), "what was sent is not queued again");

    // The status table, and the audit trail of retry and backfill.
    let out = ok(&uwlr(&dir, &["results", "status", "--koppeling", &link_s], None)).to_string();
    assert!(out.contains("PENDING") && out.contains("SUPERSEDED"), "{out}");
    let row = out.lines().nth(1).unwrap();
    assert!(row.starts_with(&format!("{link} ")) && row.contains("99DE00") && row.contains("active"), "{row}");
    let audit = ok(&uwlr(&dir, &["koppeling", "audit", "--location", "99DE00"], None)).to_string();
    assert!(audit.contains("retry-deliveries") && audit.contains("backfill"), "{audit}");

    // Refusals: an unknown koppeling (exit 1), a wrong school year, a bad flag (exit 2).
    let r = uwlr(&dir, &["results", "deliver", "--koppeling", "42"], None);
    assert!(refused(&r, 1).contains("42"), "{}", r.err);
    let r = uwlr(&dir, &["results", "backfill", &link_s, "--schooljaar", "2025"], None);
    assert!(refused(&r, 1).contains("schooljaar"), "{}", r.err);
    let r = uwlr(&dir, &["results", "retry", "42"], None);
    refused(&r, 1);
    let r = uwlr(&dir, &["results", "status", "--koppeling", "42"], None);
    refused(&r, 1);
    assert_eq!(uwlr(&dir, &["results", "deliver", "--claim", "0"], None).code, 2);
    assert_eq!(uwlr(&dir, &["results", "deliver", "--max-message-bytes", "lots"], None).code, 2);
    let empty = tmp.path().join("nothing-here");
    let r = uwlr(&empty, &["results", "deliver"], None);
    assert!(refused(&r, 2).contains("holds no gateway database"), "{}", r.err);
    rt.block_on(las.server.shutdown());
}

#[test]
fn a_revoked_link_is_refused_and_an_unreachable_one_postpones() {
    let rt = runtime();
    let las = rt.block_on(las(Profile::Parnassys, 4, clock()));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("gateway");
    let (link, pupils) = rt.block_on(imported(&dir, &las));
    let link_s = link.to_string();
    let all: Vec<Value> = pupils.iter().map(|(id, _)| result(*id, "s1", 10, None)).collect();
    ok(&uwlr(&dir, &["results", "record", "--file", "-"], Some(&Value::Array(all).to_string())));

    // The LAS is down: the results wait with backoff, the run still succeeds, and
    // --until-empty does not spin on them.
    rt.block_on(las.server.shutdown());
    let t = Instant::now();
    let v = json_of(&uwlr(&dir, &["results", "deliver", "--until-empty", "--json"], None));
    assert!(t.elapsed() < Duration::from_secs(30), "returned: {:?}", t.elapsed());
    assert_eq!((v["delivered"].as_u64(), v["postponed"].as_u64()), (Some(0), Some(pupils.len() as u64)), "{v}");
    let status = json_of(&uwlr(&dir, &["results", "status", "--koppeling", &link_s, "--json"], None));
    assert_eq!(status[0]["counts"]["pending"], pupils.len(), "{status}");

    ok(&uwlr(&dir, &["koppeling", "revoke", &link_s], None));
    let r = uwlr(&dir, &["results", "deliver", "--koppeling", &link_s], None);
    assert!(refused(&r, 1).contains("revoked"), "{}", r.err);
    let r = uwlr(&dir, &["results", "backfill", &link_s, "--schooljaar", "2025-2026"], None);
    assert!(refused(&r, 1).contains("revoked"), "{}", r.err);
}

#[test]
fn serve_delivers_on_its_own_and_stops_on_sigterm() {
    use std::io::{BufRead, BufReader};
    let rt = runtime();
    let las = rt.block_on(las(Profile::Parnassys, 6, clock()));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("gateway");
    let (_, pupils) = rt.block_on(imported(&dir, &las));
    let all: Vec<Value> = pupils.iter().map(|(id, _)| result(*id, "s1", 10, None)).collect();
    ok(&uwlr(&dir, &["results", "record", "--file", "-"], Some(&Value::Array(all).to_string())));

    // A bad time of day is a usage error.
    let r = uwlr(&dir, &["serve", "--deliver-at", "25:00"], None);
    assert_eq!(r.code, 2, "{}", r.err);
    assert!(r.err.contains("HH:MM"), "{}", r.err);

    let mut child = Command::new(env!("CARGO_BIN_EXE_uwlr"))
        .args(["serve", "--listen", "127.0.0.1:0", "--fetch-every", "1d", "--deliver-at", "03:30"])
        .args(["--deliver-every", "1s", "--owner", "instance-a", "--data-dir"])
        .arg(&dir)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(first.starts_with("admin API: http://127.0.0.1:"), "{first:?}");

    // Nobody asks: the periodic job delivers.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let got = rt.block_on(las.las.results("99DE00")).unwrap();
        if got.distinct == pupils.len() {
            break;
        }
        assert!(Instant::now() < deadline, "not delivered within 10 s: {} of {}", got.distinct, pupils.len());
        std::thread::sleep(Duration::from_millis(100));
    }
    let serve_support::Stopped { status, out: rest, err } = serve_support::stop(&mut child, &mut stdout);
    assert!(status.success(), "{status:?}\n{err}");
    assert!(rest.contains("deliver results at 03:30 and every 1s as instance-a"), "{rest}");
    assert!(err.contains(&format!("delivered {} results in 1 message", pupils.len())), "{err}");
    rt.block_on(las.server.shutdown());
}

#[test]
fn serve_keeps_running_when_a_delivery_run_fails() {
    use std::io::{BufRead, BufReader};
    let rt = runtime();
    let las = rt.block_on(las(Profile::Parnassys, 3, clock()));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("gateway");
    let (link, pupils) = rt.block_on(imported(&dir, &las));
    let all: Vec<Value> = pupils.iter().map(|(id, _)| result(*id, "s1", 10, None)).collect();
    ok(&uwlr(&dir, &["results", "record", "--file", "-"], Some(&Value::Array(all).to_string())));
    // The master key is gone: the link's key cannot be opened, so every run fails.
    let gw = rt.block_on(Gateway::open(&dir, None, Settings::default())).unwrap();
    assert!(rt.block_on(gw.koppeling(link)).unwrap().has_key);
    rt.block_on(gw.store().close());
    std::fs::write(dir.join("master.key"), [9u8; 32]).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_uwlr"))
        .args(["serve", "--listen", "127.0.0.1:0", "--fetch-every", "1d", "--deliver-every", "1s", "--data-dir"])
        .arg(&dir)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let url = first.trim().strip_prefix("admin API: ").unwrap_or_else(|| panic!("{first:?}")).to_string();
    // Three runs have failed by now; the process is alive and answers.
    std::thread::sleep(Duration::from_millis(2500));
    assert!(child.try_wait().unwrap().is_none(), "serve stopped after a failed delivery run");
    let health = rt.block_on(reqwest::Client::new().get(format!("{url}/health")).send()).unwrap();
    assert_eq!(health.status(), 200);
    let serve_support::Stopped { status, err, .. } = serve_support::stop(&mut child, &mut stdout);
    assert!(status.success(), "{status:?}\n{err}");
    assert!(err.matches("the results delivery failed").count() >= 2, "{err}");
    assert_eq!(rt.block_on(las.las.results("99DE00")).unwrap().distinct, 0);

    // The CLI says the run failed; the master key is local trouble: exit 2.
    let r = uwlr(&dir, &["results", "deliver"], None);
    assert!(refused(&r, 2).contains("the delivery run failed"), "{}", r.err);
    rt.block_on(las.server.shutdown());
}
