//! The exchange journal on SQLite and on PostgreSQL against a running mock ParnasSys: a
//! fetch and a delivery each leave their exchanges with the key masked (checked on the
//! stored bytes after decompression, raw and XML-escaped), a LAS fault is kept with its
//! code, the journal switched off keeps nothing, pruning drops bodies and then rows past
//! their retention, a purge empties a location, and deleting a pupil for good leaves no
//! body naming it.

use crate::results_support::imported;
use crate::store_support;

use chrono::{Duration, NaiveDate};
use store_support::*;
use uwlr::gateway::delivery::DeliverOptions;
use uwlr::gateway::Gateway;
use uwlr::import::Tab;
use uwlr::mock::faults::{FaultKind, FaultSetting};
use uwlr::mock::Profile;
use uwlr::results::{NewResult, Scores};
use uwlr::store::journal::{decompress, Filter};

/// A journal row's id and its two bodies as stored (compressed; NULL once dropped).
type StoredRow = (i64, Option<Vec<u8>>, Option<Vec<u8>>);

/// Every stored body of the journal, decompressed: (id, request, answer).
async fn stored_bodies(gw: &Gateway) -> Vec<(i64, Vec<u8>, Vec<u8>)> {
    let rows: Vec<StoredRow> = sqlx::query_as("SELECT id, request, answer FROM exchanges ORDER BY id")
        .fetch_all(gw.store().pool())
        .await
        .unwrap();
    rows.into_iter()
        .filter_map(|(id, rq, an)| Some((id, decompress(&rq?).unwrap(), decompress(&an?).unwrap())))
        .collect()
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// The key, raw and XML-escaped, is in no stored byte.
async fn assert_key_nowhere(gw: &Gateway, key: &str, db: &str) {
    let escaped = key.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let bodies = stored_bodies(gw).await;
    assert!(!bodies.is_empty(), "{db}");
    for (id, request, answer) in &bodies {
        for form in [key, escaped.as_str()] {
            assert!(!contains(request, form) && !contains(answer, form), "{db}: exchange {id} holds the key");
        }
    }
    let texts: Vec<Option<String>> =
        sqlx::query_scalar("SELECT fault_text FROM exchanges").fetch_all(gw.store().pool()).await.unwrap();
    assert!(texts.iter().flatten().all(|t| !t.contains(key)), "{db}");
}

/// As `results_support::imported`, with the key the LAS issued.
async fn imported_with_key(gw: &Gateway, las: &Las) -> (i64, Vec<i64>, String) {
    use uwlr::gateway::imports::ApplyOptions;
    use uwlr::gateway::koppelingen::KoppelingRequest;
    let key = las.issue_key("99DE00").await;
    let req = KoppelingRequest {
        location: "99DE00".into(),
        schooljaar: SCHOOLJAAR.into(),
        kind: uwlr::koppeling::Kind::Parnassys,
        endpoint: Some(las.endpoint.clone()),
        key: Some(key.clone()),
        reason: None,
    };
    let k = gw.request_koppeling(&req, "admin@school").await.unwrap();
    gw.approve_koppeling(k.id, "support@boom", None).await.unwrap();
    let out = gw.fetch(k.id, false, "admin", &no_progress()).await.unwrap();
    gw.apply_proposal(out.proposal_id, "admin", ApplyOptions::default()).await.unwrap();
    let ids = gw.records("99DE00").await.unwrap().leerlingen.iter().map(|l| l.id).collect();
    (k.id, ids, key)
}

fn result(pupil: i64, score: u64, normed_at: chrono::DateTime<chrono::Utc>) -> NewResult {
    NewResult {
        leerling_id: pupil,
        toetscode: "REK".into(),
        toetsonderdeel: None,
        afname: "s1".into(),
        afnamedatum: NaiveDate::from_ymd_opt(2025, 9, 20).unwrap(),
        scores: Scores::Raw { score },
        normed_at,
    }
}

#[tokio::test]
async fn a_fetch_and_a_delivery_leave_their_exchanges_without_the_key() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Parnassys, 12, clock.clone()).await;
        let (link, pupils, key) = imported_with_key(&gw, &las).await;

        let fetches = gw.exchanges(&Filter { koppeling_id: Some(link), ..Default::default() }).await.unwrap();
        assert_eq!(fetches.len(), 1, "{}: {fetches:#?}", db.name);
        let f = &fetches[0];
        assert_eq!((f.kind.as_str(), f.operation.as_str(), f.attempt), ("fetch", "HaalLeerlinggegevens", 1));
        assert_eq!((f.location.as_str(), f.http_status, f.fault_code.as_deref()), ("99DE00", Some(200), None));
        assert!(f.fetch_id.is_some() && f.answer_bytes > 1000 && f.request_bytes > 100, "{f:#?}");
        assert!(f.stored_bytes > 0 && f.stored_bytes < f.answer_bytes, "compressed: {f:#?}");
        let bodies = gw.exchange_bodies(f.id).await.unwrap();
        let answer = String::from_utf8(bodies.answer.unwrap()).unwrap();
        assert!(answer.contains("leerlinggegevens_antwoord"), "{answer:.300}");
        let request = String::from_utf8(bodies.request.unwrap()).unwrap();
        assert!(request.contains("***REDACTED***"), "{request}");

        // A delivery: one BrengLeerresultaten exchange, with its batch.
        let activated = gw.koppeling(link).await.unwrap().activated_at.unwrap();
        gw.record_result(&result(pupils[0], 10, activated + Duration::hours(1)), "platform").await.unwrap();
        let report = gw.deliver(&DeliverOptions::default()).await.unwrap();
        assert_eq!(report.delivered, 1, "{}", db.name);
        let all = gw.exchanges(&Filter::default()).await.unwrap();
        let d = all.iter().find(|e| e.kind == "delivery").expect("the delivery is journaled");
        assert_eq!(
            (d.operation.as_str(), d.http_status, d.batch_id.is_some()),
            ("BrengLeerresultaten", Some(200), true)
        );
        let sent = String::from_utf8(gw.exchange_bodies(d.id).await.unwrap().request.unwrap()).unwrap();
        assert!(sent.contains("leerresultaten_verzoek"), "{sent:.300}");

        // Two faults, then an answer: each attempt is kept, the faults with code and text.
        las.las.set_fault(Some(FaultSetting::times(FaultKind::TijdelijkNietBeschikbaar, 2))).unwrap();
        clock.advance(Duration::minutes(5));
        gw.fetch(link, true, "admin", &no_progress()).await.unwrap();
        let faults = gw.exchanges(&Filter { faults_only: true, ..Default::default() }).await.unwrap();
        let attempts: Vec<i64> = faults.iter().map(|e| e.attempt).collect();
        assert_eq!(attempts, [2, 1], "{}: {faults:#?}", db.name);
        assert!(
            faults.iter().all(|e| e.fault_code.as_deref() == Some("Server.TijdelijkNietBeschikbaar")),
            "{faults:#?}"
        );
        assert!(faults[0].fault_text.as_deref().is_some_and(|t| !t.is_empty()), "{faults:#?}");
        let last = &gw.exchanges(&Filter::default()).await.unwrap()[0];
        assert_eq!((last.attempt, last.fault_code.as_deref(), last.http_status), (3, None, Some(200)), "{last:#?}");

        assert_key_nowhere(&gw, &key, db.name).await;
        las.server.shutdown().await;
    }
}

#[tokio::test]
async fn the_journal_switched_off_keeps_nothing() {
    let db = sqlite();
    let clock = clock();
    let gw = gateway(&db, clock.clone()).await.with_settings(|s| s.journal.enabled = false);
    let las = las(Profile::Parnassys, 5, clock.clone()).await;
    imported(&gw, &las).await;
    assert!(gw.exchanges(&Filter::default()).await.unwrap().is_empty());
    las.server.shutdown().await;
}

#[tokio::test]
async fn pruning_drops_bodies_then_rows_and_a_purge_empties_a_location() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Parnassys, 5, clock.clone()).await;
        let (link, _) = imported(&gw, &las).await;
        clock.advance(Duration::days(10));
        gw.fetch(link, true, "admin", &no_progress()).await.unwrap();
        assert_eq!(gw.prune_journal().await.unwrap(), Default::default(), "{}: nothing is old yet", db.name);

        // 15 days after the first fetch: its bodies go, the second's stay.
        clock.advance(Duration::days(5));
        let pruned = gw.prune_journal().await.unwrap();
        assert_eq!((pruned.bodies, pruned.rows), (1, 0), "{}", db.name);
        let list = gw.exchanges(&Filter::default()).await.unwrap();
        assert_eq!(list.len(), 2);
        let (newer, older) = (&list[0], &list[1]);
        assert!(older.bodies_dropped_at.is_some() && older.stored_bytes == 0, "{older:#?}");
        assert!(newer.bodies_dropped_at.is_none(), "{newer:#?}");
        let b = gw.exchange_bodies(older.id).await.unwrap();
        assert!(b.request.is_none() && b.answer.is_none());
        assert!(gw.metrics().render().contains("uwlr_journal_pruned_total{what=\"bodies\"} 1"));
        let text = uwlr::metrics::render_gateway(&gw).await.unwrap();
        for line in ["uwlr_journal_exchanges 2", "uwlr_journal_exchanges_with_bodies 1"] {
            assert!(text.lines().any(|l| l == line), "{}: {line} in {text}", db.name);
        }
        let bytes = text.lines().find_map(|l| l.strip_prefix("uwlr_journal_body_bytes ")).unwrap();
        assert_eq!(bytes.parse::<i64>().unwrap(), newer.stored_bytes, "{}", db.name);

        // A year on, the rows go too.
        clock.advance(Duration::days(366));
        let pruned = gw.prune_journal().await.unwrap();
        assert_eq!((pruned.bodies, pruned.rows), (0, 2), "{}", db.name);

        gw.fetch(link, true, "admin", &no_progress()).await.unwrap();
        assert_eq!(gw.purge_journal("99DE00", "support").await.unwrap(), 1, "{}", db.name);
        assert!(gw.exchanges(&Filter::default()).await.unwrap().is_empty());
        las.server.shutdown().await;
    }
}

#[tokio::test]
async fn deleting_a_pupil_for_good_leaves_no_journal_body_naming_it() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Parnassys, 8, clock.clone()).await;
        let (link, pupils) = imported(&gw, &las).await;
        let activated = gw.koppeling(link).await.unwrap().activated_at.unwrap();
        for (i, p) in pupils.iter().enumerate() {
            gw.record_result(&result(*p, 10 + i as u64, activated + Duration::hours(1)), "platform").await.unwrap();
        }
        gw.deliver(&DeliverOptions::default()).await.unwrap();
        let known = gw.records("99DE00").await.unwrap();
        let gone = known.leerlingen.iter().find(|l| l.id == pupils[0]).unwrap().clone();
        let las_key = gone.external.as_ref().and_then(|e| e.las_key.clone()).unwrap();
        let surname = gone.achternaam.clone().unwrap();
        let naming = |b: &(i64, Vec<u8>, Vec<u8>)| {
            [&b.1, &b.2].iter().any(|x| contains(x, &format!("\"{las_key}\"")) || contains(x, &surname))
        };
        assert!(stored_bodies(&gw).await.iter().any(naming), "{}: the fetch and the delivery named it", db.name);
        let kept_before = stored_bodies(&gw).await.len();

        gw.archive("99DE00", Tab::Leerlingen, &[gone.id], "admin", None).await.unwrap();
        let phrase = uwlr::gateway::archive::confirmation_phrase("99DE00", Tab::Leerlingen, 1);
        let report =
            gw.delete_deactivated("99DE00", Tab::Leerlingen, &[gone.id], &phrase, "admin", None).await.unwrap();
        assert!(report.removed.journal_bodies >= 2, "{}: {:?}", db.name, report.removed);
        let left = stored_bodies(&gw).await;
        assert!(!left.iter().any(naming), "{}: a body still names the pupil", db.name);
        // The metadata of the dropped ones stays.
        assert_eq!(gw.exchanges(&Filter::default()).await.unwrap().len(), kept_before, "{}", db.name);
        las.server.shutdown().await;
    }
}

#[tokio::test]
async fn replay_gives_the_same_proposal_until_the_store_changes() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Parnassys, 6, clock.clone()).await;
        let link = active_link(&gw, &las).await;
        let out = gw.fetch(link, false, "admin", &no_progress()).await.unwrap();
        let e = gw.exchanges(&Filter { koppeling_id: Some(link), ..Default::default() }).await.unwrap()[0].clone();

        let r = gw.replay(e.id).await.unwrap();
        assert_eq!((r.original_proposal_id, r.fetch_id), (Some(out.proposal_id), Some(out.fetch.id)), "{}", db.name);
        assert!(r.same && r.removed.is_empty() && r.added.is_empty(), "{}: {r:#?}", db.name);
        assert_eq!(r.proposal, out.proposal);

        // Applied: the store now knows every pupil, so the same answer proposes nothing new.
        gw.apply_proposal(out.proposal_id, "admin", uwlr::gateway::imports::ApplyOptions::default()).await.unwrap();
        let r = gw.replay(e.id).await.unwrap();
        assert!(!r.same, "{}", db.name);
        assert!(!r.removed.is_empty() && r.proposal.is_empty(), "{}: {r:#?}", db.name);
        // A dry run: no new fetch or proposal.
        assert_eq!(gw.latest_proposal(link).await.unwrap().unwrap().id, out.proposal_id);

        let shown = gw.show_exchange(e.id).await.unwrap();
        assert!(shown.answer.unwrap().contains("\n  "), "pretty-printed");
        las.server.shutdown().await;
    }
}

#[tokio::test]
async fn export_writes_a_private_zip_with_metadata_and_masked_bodies() {
    use std::os::unix::fs::PermissionsExt;
    let db = sqlite();
    let clock = clock();
    let gw = gateway(&db, clock.clone()).await;
    let las = las(Profile::Parnassys, 4, clock.clone()).await;
    let (_, _, key) = imported_with_key(&gw, &las).await;
    let id = gw.exchanges(&Filter::default()).await.unwrap()[0].id;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bundle.zip");
    assert_eq!(gw.export_exchanges(&[id], &file).await.unwrap(), 1);
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes.starts_with(b"PK"));
    let names = [format!("exchange-{id}/metadata.json"), format!("exchange-{id}/request.xml")];
    for n in &names {
        assert!(contains(&bytes, n), "{n}");
    }
    assert!(!contains(&bytes, &key));
    las.server.shutdown().await;
}

/// `uwlr exchange …` as support runs it, over the built binary: list (all, by link, faults
/// only), show, replay, export, purge; the key in no output.
#[test]
fn the_exchange_commands() {
    use crate::cli_support::{link_and_fetch, ok, refused, uwlr};
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let clock = clock();
    let las = rt.block_on(las(Profile::Parnassys, 6, clock));
    let key = rt.block_on(las.issue_key("99DE00"));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("gateway");
    let mut seen = String::new();
    let mut run = |args: &[&str], stdin: Option<&str>| {
        let r = uwlr(&dir, args, stdin);
        seen.push_str(&r.out);
        seen.push_str(&r.err);
        r
    };
    link_and_fetch(&mut run, &las.endpoint, &key);

    let r = run(&["exchange", "list", "--link", "1"], None);
    let out = ok(&r);
    assert!(out.contains("HaalLeerlinggegevens") && out.contains("99DE00") && out.contains("kept"), "{out}");
    let r = run(&["exchange", "list", "--fault"], None);
    assert!(ok(&r).contains("no exchanges"), "{}", r.out);
    let r = run(&["exchange", "list", "--since", "2026-99-01"], None);
    assert_eq!(r.code, 2, "{}", r.err);
    let r = run(&["exchange", "show", "1"], None);
    let out = ok(&r);
    assert!(out.contains("attempt 1") && out.contains("***REDACTED***") && out.contains("--- answer"), "{out}");
    let r = run(&["exchange", "replay", "1"], None);
    assert!(ok(&r).contains("the same proposal"), "{}", r.out);
    ok(&run(&["import", "apply", "1"], None));
    let r = run(&["exchange", "replay", "1", "--json"], None);
    let v: serde_json::Value = serde_json::from_str(ok(&r)).unwrap();
    assert_eq!(v["same"], false, "{v}");
    let zip = tmp.path().join("case.zip");
    ok(&run(&["exchange", "export", "1", "--out", zip.to_str().unwrap()], None));
    assert!(std::fs::read(&zip).unwrap().starts_with(b"PK"));
    let r = run(&["exchange", "show", "99"], None);
    assert!(refused(&r, 1).contains("no exchange 99"), "{}", r.err);
    let r = run(&["exchange", "purge", "--location", "99DE00"], None);
    assert!(ok(&r).contains("1 exchange(s) of 99DE00 deleted"), "{}", r.out);
    assert!(!seen.contains(&key), "the key in some output");
    rt.block_on(las.server.shutdown());
}
