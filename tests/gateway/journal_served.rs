//! The exchange journal's served side and `replay --send`, on SQLite and on PostgreSQL over
//! loopback HTTP: a mock ParnasSys served with the gateway's `ServedJournal` as its hook keeps
//! every exchange it serves (the key nowhere in the stored bytes, raw or XML-escaped, after
//! decompression), a server without the hook keeps nothing, pruning, a purge and deleting a
//! pupil for good cover served rows, and a stored request sent again gives the same answer
//! until the mock's data changes, then the differences.

use crate::store_support::*;

use chrono::Duration;
use std::sync::Arc;
use uwlr::gateway::Gateway;
use uwlr::import::Tab;
use uwlr::message::leerlinggegevens::Verzoek;
use uwlr::message::values::{SchoolId, Schooljaar};
use uwlr::message::{Autorisatie, Body, EncodeOptions};
use uwlr::mock::las::SchoolSetup;
use uwlr::mock::{Klant, ManualClock, MockLas, Profile};
use uwlr::server::{bind, serve, ServerConfig};
use uwlr::store::journal::{decompress, ExchangeRow, Filter};

/// A mock LAS as `store_support::las`, serving with `gw`'s served journal as its hook.
async fn journaled_las(gw: &Gateway, pupils: usize, clock: Arc<ManualClock>) -> Las {
    let year = Schooljaar::new(2025).unwrap();
    let las = MockLas::builder(Profile::Parnassys)
        .clock(clock)
        .klant(Klant::boom())
        .school(SchoolSetup::generated("99DE", "00", pupils, 1, year))
        .school(SchoolSetup::generated("99DF", "00", 20, 2, year))
        .build()
        .unwrap();
    let config = ServerConfig { capture: Some(Arc::new(gw.served_journal())), ..Default::default() };
    let server = serve(Arc::new(las.clone()), bind("127.0.0.1:0".parse().unwrap()).unwrap(), config).await.unwrap();
    let endpoint = format!("{}/uwlr", server.base_url());
    Las { las, server, endpoint }
}

fn served_filter() -> Filter {
    Filter { direction: Some("served".into()), ..Default::default() }
}

/// The served exchanges once there are `n` (the hook writes after the answer went out).
async fn served(gw: &Gateway, n: usize) -> Vec<ExchangeRow> {
    for _ in 0..500 {
        let list = gw.exchanges(&served_filter()).await.unwrap();
        if list.len() >= n {
            return list;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("fewer than {n} served exchanges: {:#?}", gw.exchanges(&served_filter()).await.unwrap());
}

/// A journal row's id and its two bodies as stored (compressed; NULL once dropped).
type StoredRow = (i64, Option<Vec<u8>>, Option<Vec<u8>>);

/// Every stored body, decompressed: (id, request, answer).
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
    memchr::memmem::find(hay, needle.as_bytes()).is_some()
}

/// No key, raw or XML-escaped, in any stored body or fault text.
async fn assert_keys_nowhere(gw: &Gateway, keys: &[&str], db: &str) {
    let bodies = stored_bodies(gw).await;
    assert!(!bodies.is_empty(), "{db}");
    let texts: Vec<Option<String>> =
        sqlx::query_scalar("SELECT fault_text FROM exchanges").fetch_all(gw.store().pool()).await.unwrap();
    for key in keys {
        let escaped = key.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        for form in [*key, escaped.as_str()] {
            for (id, request, answer) in &bodies {
                assert!(!contains(request, form) && !contains(answer, form), "{db}: exchange {id} holds a key");
            }
            assert!(texts.iter().flatten().all(|t| !t.contains(form)), "{db}");
        }
    }
}

/// POSTs `body` to the mock's endpoint; the HTTP status.
async fn post(endpoint: &str, body: Vec<u8>) -> u16 {
    reqwest::Client::new()
        .post(endpoint)
        .header("content-type", "text/xml; charset=utf-8")
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn request_with_key(key: &str) -> Vec<u8> {
    let v = Verzoek {
        schooljaar: Schooljaar::new(2025).unwrap(),
        school: SchoolId::Brin { brincode: "99DE".into(), dependancecode: Some("00".into()) },
        xsdversie: "2.3".into(),
        gegevenssetid: None,
        laatstontvangengegevens: None,
    };
    let auth =
        Autorisatie { autorisatiesleutel: key.into(), klantcode: "BOOM".into(), klantnaam: "Boom testcentrum".into() };
    uwlr::message::encode_to_vec(
        &Body::LeerlinggegevensVerzoek(v),
        Some(&auth),
        &EncodeOptions { envelope: true, ..Default::default() },
    )
    .unwrap()
}

#[tokio::test]
async fn a_server_with_the_hook_keeps_what_it_serves_without_the_key() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = journaled_las(&gw, 6, clock.clone()).await;
        let key = las.issue_key("99DE00").await;
        // The gateway fetches from it: one exchange sent, the same one served.
        let link = active_link(&gw, &las).await;
        gw.fetch(link, false, "admin", &no_progress()).await.unwrap();
        // A wrong key with characters XML escapes, and a body that is no XML at all.
        let wrong = "W<r&o>ng'\"key";
        assert_eq!(post(&las.endpoint, request_with_key(wrong)).await, 500);
        assert_eq!(post(&las.endpoint, b"<not xml".to_vec()).await, 500);

        let list = served(&gw, 3).await;
        assert_eq!(list.len(), 3, "{}: {list:#?}", db.name);
        // The hook writes after each answer went out: found by what they are, not by order.
        let fetched = list.iter().find(|e| e.http_status == Some(200)).expect("the fetch");
        let refused =
            list.iter().find(|e| e.fault_code.as_deref() == Some("Client.AutorisatieOngeldig")).expect("the wrong key");
        let garbage = list.iter().find(|e| e.operation == "unreadable").expect("the body that is no XML");

        assert!(list.iter().all(|e| e.direction == "served" && e.koppeling_id.is_none()), "{list:#?}");
        assert_eq!(
            (fetched.operation.as_str(), fetched.kind.as_str(), fetched.location.as_str(), fetched.http_status),
            ("HaalLeerlinggegevens", "fetch", "99DE00", Some(200)),
            "{}",
            db.name
        );
        assert!(fetched.answer_bytes > 1000 && fetched.stored_bytes < fetched.answer_bytes, "{fetched:#?}");
        let bodies = gw.exchange_bodies(fetched.id).await.unwrap();
        let request = String::from_utf8(bodies.request.unwrap()).unwrap();
        assert!(request.contains("autorisatiesleutel>***REDACTED***</"), "{request}");
        assert!(String::from_utf8(bodies.answer.unwrap()).unwrap().contains("leerlinggegevens_antwoord"));
        assert_eq!(
            (refused.http_status, refused.fault_code.as_deref(), refused.location.as_str()),
            (Some(500), Some("Client.AutorisatieOngeldig"), "99DE00"),
            "{refused:#?}"
        );
        assert_eq!(
            (garbage.operation.as_str(), garbage.fault_code.as_deref(), garbage.location.as_str()),
            ("unreadable", Some("Client.OngeldigBericht"), ""),
            "{garbage:#?}"
        );
        // The gateway's own side of the fetch is there too, sent over its link.
        let sent = gw.exchanges(&Filter { direction: Some("sent".into()), ..Default::default() }).await.unwrap();
        assert_eq!((sent.len(), sent[0].koppeling_id), (1, Some(link)), "{}", db.name);
        assert_keys_nowhere(&gw, &[&key, wrong], db.name).await;
        las.server.shutdown().await;
    }
}

#[tokio::test]
async fn a_server_without_the_hook_keeps_nothing() {
    let db = sqlite();
    let clock = clock();
    let gw = gateway(&db, clock.clone()).await;
    let plain = las(Profile::Parnassys, 4, clock.clone()).await;
    assert!(ServerConfig::default().capture.is_none(), "off by default");
    let link = active_link(&gw, &plain).await;
    gw.fetch(link, false, "admin", &no_progress()).await.unwrap();
    assert_eq!(post(&plain.endpoint, b"<not xml".to_vec()).await, 500);
    // One with the hook beside it, so that "nothing" is not the hook being slow.
    let hooked = journaled_las(&gw, 4, clock.clone()).await;
    assert_eq!(post(&hooked.endpoint, b"<not xml".to_vec()).await, 500);
    let list = served(&gw, 1).await;
    assert_eq!(list.len(), 1, "only the hooked server's exchange: {list:#?}");
    assert_eq!(gw.exchanges(&Filter::default()).await.unwrap().len(), 2, "one sent, one served");
    plain.server.shutdown().await;
    hooked.server.shutdown().await;
}

#[tokio::test]
async fn pruning_a_purge_and_deleting_a_pupil_cover_served_exchanges() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await.with_settings(|s| s.journal.enabled = false);
        let las = journaled_las(&gw, 8, clock.clone()).await;
        // Only served rows: the gateway's own journal is off.
        let link = active_link(&gw, &las).await;
        let out = gw.fetch(link, false, "admin", &no_progress()).await.unwrap();
        gw.apply_proposal(out.proposal_id, "admin", uwlr::gateway::imports::ApplyOptions::default()).await.unwrap();
        let known = gw.records("99DE00").await.unwrap();
        let gone = known.leerlingen[0].clone();
        let surname = gone.achternaam.clone().unwrap();
        // A body no server could read, naming the pupil: it has no location, so it is searched too.
        assert_eq!(post(&las.endpoint, format!("<not xml {surname}").into_bytes()).await, 500);
        // And one about another school, which stays.
        clock.advance(Duration::days(1));
        let mut other = request_with_key("whatever");
        other = String::from_utf8(other).unwrap().replace("99DE", "99DF").into_bytes();
        assert_eq!(post(&las.endpoint, other).await, 500);
        let list = served(&gw, 3).await;
        assert_eq!(list.len(), 3, "{}: {list:#?}", db.name);
        let naming = |b: &(i64, Vec<u8>, Vec<u8>)| [&b.1, &b.2].iter().any(|x| contains(x, &surname));
        assert_eq!(stored_bodies(&gw).await.iter().filter(|b| naming(b)).count(), 2, "{}", db.name);

        gw.archive("99DE00", Tab::Leerlingen, &[gone.id], "admin", None).await.unwrap();
        let phrase = uwlr::gateway::archive::confirmation_phrase("99DE00", Tab::Leerlingen, 1);
        let report =
            gw.delete_deactivated("99DE00", Tab::Leerlingen, &[gone.id], &phrase, "admin", None).await.unwrap();
        assert_eq!(report.removed.journal_bodies, 2, "{}: {:?}", db.name, report.removed);
        assert!(!stored_bodies(&gw).await.iter().any(naming), "{}: a served body still names the pupil", db.name);
        assert_eq!(stored_bodies(&gw).await.len(), 1, "{}: the other school's body stays", db.name);

        // Past retention: the last body goes, then the rows.
        clock.advance(Duration::days(15));
        assert_eq!(gw.prune_journal().await.unwrap().bodies, 1, "{}", db.name);
        clock.advance(Duration::days(366));
        assert_eq!(gw.prune_journal().await.unwrap().rows, 3, "{}", db.name);

        // A purge takes a location's served rows.
        gw.fetch(link, true, "admin", &no_progress()).await.unwrap();
        served(&gw, 1).await;
        assert_eq!(gw.purge_journal("99DE00", "support").await.unwrap(), 1, "{}", db.name);
        assert!(gw.exchanges(&Filter::default()).await.unwrap().is_empty(), "{}", db.name);
        las.server.shutdown().await;
    }
}

#[tokio::test]
async fn a_stored_request_sent_again_gives_the_same_answer_until_the_las_changes() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Parnassys, 6, clock.clone()).await;
        let key = las.issue_key("99DE00").await;
        let link = active_link(&gw, &las).await;
        let out = gw.fetch(link, false, "admin", &no_progress()).await.unwrap();
        let original = gw.exchanges(&Filter::default()).await.unwrap()[0].clone();

        let r = gw.resend(original.id, None, None).await.unwrap();
        assert!(r.same && r.removed.is_empty() && r.added.is_empty(), "{}: {r:#?}", db.name);
        assert_eq!((r.now.http_status, r.operation.as_str()), (Some(200), "HaalLeerlinggegevens"));
        let replay = gw.exchange(r.replay_id.expect("journaled")).await.unwrap();
        assert_eq!(
            (replay.replay_of, replay.koppeling_id, replay.kind.as_str(), replay.fetch_id),
            (Some(original.id), Some(link), "fetch", None),
            "{}",
            db.name
        );
        // A dry run: no fetch, no proposal.
        assert_eq!(gw.latest_proposal(link).await.unwrap().unwrap().id, out.proposal_id, "{}", db.name);

        // The LAS's data changes: the differences, by pupil.
        let leaving = las.las.leerlingen("99DE00").await.unwrap()[0].key.clone().unwrap();
        las.las.remove_leerling("99DE00", &leaving).await.unwrap();
        let r = gw.resend(original.id, None, None).await.unwrap();
        assert!(!r.same && r.added.is_empty() && r.removed_total == r.removed.len(), "{}: {r:#?}", db.name);
        assert!(r.removed.iter().all(|l| l.contains(&format!("leerling[key={leaving}]"))), "{r:#?}");
        assert!(r.removed.len() > 2, "{r:#?}");

        // To another endpoint: a wrong key there is a fault, and the answers differ.
        let other = crate::store_support::las(Profile::Parnassys, 3, clock.clone()).await;
        let r = gw.resend(original.id, Some(&other.endpoint), None).await.unwrap();
        assert_eq!(r.now.fault_code.as_deref(), Some("Client.AutorisatieOngeldig"), "{}: {r:#?}", db.name);
        assert!(!r.same && r.endpoint == other.endpoint, "{r:#?}");
        // With that endpoint's own key it answers.
        let other_key = other.issue_key("99DE00").await;
        let r = gw.resend(original.id, Some(&other.endpoint), Some(other_key.clone().into())).await.unwrap();
        assert_eq!((r.now.http_status, r.now.fault_code.as_deref()), (Some(200), None), "{}: {r:#?}", db.name);

        // Results go again only to a test endpoint.
        let activated = gw.koppeling(link).await.unwrap().activated_at.unwrap();
        gw.apply_proposal(out.proposal_id, "admin", uwlr::gateway::imports::ApplyOptions::default()).await.unwrap();
        let pupil = gw.records("99DE00").await.unwrap().leerlingen[0].id;
        let result = uwlr::results::NewResult {
            leerling_id: pupil,
            toetscode: "REK".into(),
            toetsonderdeel: None,
            afname: "s1".into(),
            afnamedatum: chrono::NaiveDate::from_ymd_opt(2025, 9, 20).unwrap(),
            scores: uwlr::results::Scores::Raw { score: 7 },
            normed_at: activated + Duration::hours(1),
        };
        gw.record_result(&result, "platform").await.unwrap();
        gw.deliver(&Default::default()).await.unwrap();
        let delivery =
            gw.exchanges(&Filter::default()).await.unwrap().into_iter().find(|e| e.kind == "delivery").unwrap();
        let refused = gw.resend(delivery.id, None, None).await.unwrap_err().to_string();
        assert!(refused.contains("--to"), "{refused}");
        let r = gw.resend(delivery.id, Some(&las.endpoint), None).await.unwrap();
        assert!(r.same, "{}: the LAS confirms again: {r:#?}", db.name);

        assert_keys_nowhere(&gw, &[&key, &other_key], db.name).await;
        las.server.shutdown().await;
        other.server.shutdown().await;
    }
}

/// `uwlr exchange replay --send` and `list --served` over the built binary; the key in no
/// output.
#[test]
fn the_replay_send_command() {
    use crate::cli_support::{link_and_fetch, ok, refused, uwlr};
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let clock = clock();
    let las = rt.block_on(las(Profile::Parnassys, 5, clock));
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

    let r = run(&["exchange", "replay", "1", "--send"], None);
    let out = ok(&r);
    assert!(out.contains("sent again to") && out.contains("as exchange 2") && out.contains("the same answer"), "{out}");
    let r = run(&["exchange", "show", "2"], None);
    assert!(ok(&r).contains("a replay of exchange 1"), "{}", r.out);

    let leaving = rt.block_on(las.las.leerlingen("99DE00")).unwrap()[1].key.clone().unwrap();
    rt.block_on(las.las.remove_leerling("99DE00", &leaving)).unwrap();
    let r = run(&["exchange", "replay", "1", "--send"], None);
    let out = ok(&r);
    assert!(out.contains("the answer differs") && out.contains("\n- "), "{out}");
    assert!(out.contains(&format!("leerling[key={leaving}]")), "{out}");
    let r = run(&["exchange", "replay", "1", "--send", "--json"], None);
    let v: serde_json::Value = serde_json::from_str(ok(&r)).unwrap();
    assert_eq!((v["same"].as_bool(), v["replay_id"].as_i64()), (Some(false), Some(4)), "{v}");

    let r = run(&["exchange", "replay", "1", "--send", "--to", "not a url"], None);
    assert!(refused(&r, 1).contains("--to"), "{}", r.err);
    let r = run(&["exchange", "list", "--served"], None);
    assert!(ok(&r).contains("no exchanges"), "{}", r.out);
    let r = run(&["exchange", "list"], None);
    assert!(ok(&r).contains("sent"), "{}", r.out);
    assert!(!seen.contains(&key), "the key in some output");
    rt.block_on(las.server.shutdown());
}

/// A hook that panics (or is slow) fails no exchange: the answer went out before it ran.
#[tokio::test]
async fn a_hook_that_panics_fails_no_exchange() {
    struct Panics(std::sync::atomic::AtomicUsize);
    impl uwlr::server::ServedCapture for Panics {
        fn served(&self, e: &uwlr::server::Served<'_>) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(200));
            panic!("a hook that fails: {}", e.operation);
        }
    }
    let db = sqlite();
    let clock = clock();
    let gw = gateway(&db, clock.clone()).await;
    let year = Schooljaar::new(2025).unwrap();
    let las = MockLas::builder(Profile::Parnassys)
        .clock(clock)
        .klant(Klant::boom())
        .school(SchoolSetup::generated("99DE", "00", 4, 1, year))
        .build()
        .unwrap();
    let hook = Arc::new(Panics(Default::default()));
    let config = ServerConfig { capture: Some(hook.clone()), ..Default::default() };
    let server = serve(Arc::new(las.clone()), bind("127.0.0.1:0".parse().unwrap()).unwrap(), config).await.unwrap();
    let las = Las { las, endpoint: format!("{}/uwlr", server.base_url()), server };
    let link = active_link(&gw, &las).await;
    for _ in 0..3 {
        gw.fetch(link, true, "admin", &no_progress()).await.unwrap();
    }
    for _ in 0..100 {
        if hook.0.load(std::sync::atomic::Ordering::SeqCst) == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(hook.0.load(std::sync::atomic::Ordering::SeqCst), 3, "called once per exchange");
    las.server.shutdown().await;
}

/// As long as `***REDACTED***`: a request masked keeps its length.
const KEY14: &str = "K2345678901234";

/// Every POST reaches the hook once, answered or not: refused unread (415, 413), closed
/// without an answer (fault injection's drop: no status); a `?wsdl` is no exchange.
#[tokio::test]
async fn the_hook_sees_every_post_answered_or_not() {
    type Seen = (String, Option<u16>, Option<String>, usize);
    #[derive(Default)]
    struct Keeps(std::sync::Mutex<Vec<Seen>>);
    impl uwlr::server::ServedCapture for Keeps {
        fn served(&self, e: &uwlr::server::Served<'_>) {
            let fault = e.fault.map(|(c, _)| c.to_string());
            self.0.lock().unwrap().push((e.operation.to_string(), e.status, fault, e.request.len()));
        }
    }
    let clock = clock();
    let year = Schooljaar::new(2025).unwrap();
    let las = MockLas::builder(Profile::Parnassys)
        .clock(clock)
        .klant(Klant::boom())
        .school(SchoolSetup::generated("99DE", "00", 2, 1, year))
        .build()
        .unwrap();
    let hook = Arc::new(Keeps::default());
    let config = ServerConfig { capture: Some(hook.clone()), max_body_bytes: 4000, ..Default::default() };
    let server = serve(Arc::new(las.clone()), bind("127.0.0.1:0".parse().unwrap()).unwrap(), config).await.unwrap();
    let endpoint = format!("{}/uwlr", server.base_url());
    let http = reqwest::Client::new();
    let r = http.post(&endpoint).header("content-type", "application/json").body("{}").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 415);
    let r = http.post(&endpoint).header("content-type", "text/xml").body(vec![b' '; 5000]).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 413);
    assert_eq!(http.get(format!("{endpoint}?wsdl")).send().await.unwrap().status().as_u16(), 200);
    use uwlr::mock::faults::{FaultKind, FaultSetting};
    las.set_fault(Some(FaultSetting::times(FaultKind::DropConnection, 1))).unwrap();
    assert!(http.post(&endpoint).body(request_with_key(KEY14)).send().await.is_err(), "dropped");
    for _ in 0..100 {
        if hook.0.lock().unwrap().len() >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let mut seen = hook.0.lock().unwrap().clone();
    seen.sort();
    let ongeldig = Some("Client.OngeldigBericht".to_string());
    assert_eq!(
        seen,
        [
            ("HaalLeerlinggegevens".to_string(), None, None, request_with_key(KEY14).len()),
            ("unreadable".to_string(), Some(413), ongeldig.clone(), 0),
            ("unreadable".to_string(), Some(415), ongeldig, 0),
        ]
    );
    server.shutdown().await;
}
