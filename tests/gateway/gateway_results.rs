//! The results pipeline end to end against the mocks, on SQLite and on PostgreSQL: not
//! retroactive, re-norming overwrites, dashboards get our pupil number and no re-normed
//! versions when they process no changes, backfill, outage with backoff, a permanent
//! refusal bisected down to its pupil and retried after the fix, the message size limit.

use crate::store_support;

use chrono::{Duration, NaiveDate};
use std::sync::Arc;
use store_support::*;
use uwlr::clock::Clock;
use uwlr::gateway::delivery::DeliverOptions;
use uwlr::gateway::imports::ApplyOptions;
use uwlr::gateway::koppelingen::KoppelingRequest;
use uwlr::gateway::Gateway;
use uwlr::koppeling::Kind;
use uwlr::mock::dashboard::{ActivateToets, DashboardKeyRequest, DashboardSchool};
use uwlr::mock::faults::{FaultKind, FaultSetting};
use uwlr::mock::{DashboardKind, Klant, MockDashboard, Profile, SchoolName};
use uwlr::results::{NewResult, Scores};
use uwlr::server::{bind, serve, RunningServer, ServerConfig};

fn result(pupil: i64, afname: &str, score: u64, normed_at: chrono::DateTime<chrono::Utc>) -> NewResult {
    NewResult {
        leerling_id: pupil,
        toetscode: "REK".into(),
        toetsonderdeel: None,
        afname: afname.into(),
        afnamedatum: NaiveDate::from_ymd_opt(2025, 9, 20).unwrap(),
        scores: Scores::Raw { score },
        normed_at,
    }
}

fn fast() -> DeliverOptions {
    DeliverOptions { backoff: Duration::seconds(10), ..Default::default() }
}

/// A gateway with an active ParnasSys link and its first import applied; the pupils' ids.
async fn imported(gw: &Gateway, las: &Las) -> (i64, Vec<i64>) {
    let id = active_link(gw, las).await;
    let out = gw.fetch(id, false, "admin", &no_progress()).await.unwrap();
    gw.apply_proposal(out.proposal_id, "admin", ApplyOptions::default()).await.unwrap();
    let ids = gw.records("99DE00").await.unwrap().leerlingen.iter().map(|l| l.id).collect();
    (id, ids)
}

#[tokio::test]
async fn results_flow_from_activation_on_and_re_norming_overwrites() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Parnassys, 10, clock.clone()).await;
        let (link, pupils) = imported(&gw, &las).await;
        let activated = gw.koppeling(link).await.unwrap().activated_at.unwrap();

        // Normed before activation: not sent. After: sent at the next run.
        gw.record_result(&result(pupils[0], "s1", 10, activated - Duration::days(3)), "platform").await.unwrap();
        let r =
            gw.record_result(&result(pupils[1], "s1", 20, activated + Duration::hours(1)), "platform").await.unwrap();
        let report = gw.deliver(&fast()).await.unwrap();
        assert_eq!((report.delivered, report.messages), (1, 1), "{}", db.name);
        let got = las.las.results("99DE00").await.unwrap();
        assert_eq!(got.distinct, 1);
        assert_eq!(got.results[0].key, r.key);
        assert_eq!(got.results[0].score, Some(20));

        // Re-normed: same key, new value, still one result.
        let again = gw.record_result(&result(pupils[1], "s1", 23, clock.now()), "platform").await.unwrap();
        assert_eq!((again.key.as_str(), again.version), (r.key.as_str(), 2));
        gw.deliver(&fast()).await.unwrap();
        let got = las.las.results("99DE00").await.unwrap();
        assert_eq!((got.deliveries, got.distinct), (2, 1), "{}", db.name);
        assert_eq!(got.results[0].score, Some(23));

        // Nothing left: a run sends nothing.
        assert_eq!(gw.deliver(&fast()).await.unwrap().messages, 0);

        // A backfill of the school year sends the older one too.
        // (What was sent already is not queued again.)
        assert_eq!(gw.backfill(link, SCHOOLJAAR, "admin").await.unwrap(), 1);
        let report = gw.deliver(&fast()).await.unwrap();
        assert_eq!(report.delivered, 1);
        let got = las.las.results("99DE00").await.unwrap();
        assert_eq!(got.distinct, 2, "{}", db.name);
        assert_eq!(gw.backfill(link, SCHOOLJAAR, "admin").await.unwrap(), 0, "a second backfill queues nothing");
        las.server.shutdown().await;
    }
}

async fn dashboard(clock: Arc<uwlr::mock::ManualClock>) -> (MockDashboard, RunningServer, String) {
    let d = MockDashboard::with_clock(
        DashboardKind::Schoolkr8,
        vec![Klant::boom()],
        vec![DashboardSchool::new(SchoolName::brin("99DE", "00"))],
        clock,
    );
    let server = serve(Arc::new(d.clone()), bind("127.0.0.1:0".parse().unwrap()).unwrap(), ServerConfig::default())
        .await
        .unwrap();
    let endpoint = format!("{}/uwlr", server.base_url());
    (d, server, endpoint)
}

#[tokio::test]
async fn a_dashboard_gets_our_pupil_number_and_no_re_normed_versions_when_it_processes_no_changes() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Parnassys, 10, clock.clone()).await;
        let (_, pupils) = imported(&gw, &las).await;
        let (dash, server, endpoint) = dashboard(clock.clone()).await;
        let key = "khasgdkj76&g7d^%$gjhsdd";
        let req = DashboardKeyRequest { klantcode: None, autorisatiesleutel: Some(key.into()) };
        dash.issue_key("99DE00", &req).await.unwrap();
        let recs = gw.records("99DE00").await.unwrap();
        let boom = |id: i64| recs.leerlingen.iter().find(|l| l.id == id).and_then(|l| l.boom_nummer.clone()).unwrap();
        let numbers: Vec<String> = pupils.iter().map(|&p| boom(p)).collect();
        dash.add_leerlingnummers("99DE00", &numbers).await.unwrap();
        dash.activate_toets("99DE00", &ActivateToets { toetscode: "REK".into(), onderdelen: vec![] }).await.unwrap();
        let req = KoppelingRequest {
            location: "99DE00".into(),
            schooljaar: SCHOOLJAAR.into(),
            kind: Kind::Schoolkr8,
            endpoint: Some(endpoint),
            key: Some(key.into()),
            reason: None,
        };
        let d = gw.request_koppeling(&req, "admin").await.unwrap();
        gw.approve_koppeling(d.id, "support", None).await.unwrap();
        gw.set_process_changes(d.id, false, "admin").await.unwrap();
        clock.advance(Duration::minutes(1));

        gw.record_result(&result(pupils[2], "s1", 31, clock.now()), "platform").await.unwrap();
        let report = gw.deliver(&fast()).await.unwrap();
        assert_eq!(report.delivered, 2, "{}: to the LAS and to the dashboard", db.name);
        let got = dash.results("99DE00").await.unwrap();
        assert_eq!(got.distinct, 1);
        assert_eq!(got.results[0].leerling, boom(pupils[2]), "the Boom number, nothing else");
        // Re-normed: the LAS gets it, the dashboard does not.
        gw.record_result(&result(pupils[2], "s1", 35, clock.now()), "platform").await.unwrap();
        let report = gw.deliver(&fast()).await.unwrap();
        assert_eq!(report.delivered, 1, "{}", db.name);
        assert_eq!(dash.results("99DE00").await.unwrap().deliveries, 1);
        assert_eq!(las.las.results("99DE00").await.unwrap().results[0].score, Some(35));
        server.shutdown().await;
        las.server.shutdown().await;
    }
}

#[tokio::test]
async fn an_outage_is_waited_out_and_a_refused_pupil_is_kept_until_fixed() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Parnassys, 12, clock.clone()).await;
        let (_, pupils) = imported(&gw, &las).await;
        clock.advance(Duration::minutes(1));
        for p in &pupils {
            gw.record_result(&result(*p, "s1", 5, clock.now()), "platform").await.unwrap();
        }

        // The LAS is down for a while: 503, then TijdelijkNietBeschikbaar.
        las.las.set_fault(Some(FaultSetting::always(FaultKind::HttpStatus { status: 503 }))).unwrap();
        let report = gw.deliver(&fast()).await.unwrap();
        assert_eq!((report.delivered, report.postponed), (0, 12), "{}", db.name);
        las.las.set_fault(Some(FaultSetting::always(FaultKind::TijdelijkNietBeschikbaar))).unwrap();
        assert_eq!(gw.deliver(&fast()).await.unwrap().messages, 0, "backing off: nothing is due yet");
        clock.advance(Duration::seconds(11));
        assert_eq!(gw.deliver(&fast()).await.unwrap().postponed, 12);
        // Backoff doubled: 20 s is not enough, 40 s is.
        las.las.set_fault(None).unwrap();
        clock.advance(Duration::seconds(15));
        assert_eq!(gw.deliver(&fast()).await.unwrap().messages, 0);
        clock.advance(Duration::seconds(30));
        let report = gw.deliver(&fast()).await.unwrap();
        assert_eq!(report.delivered, 12, "{}", db.name);
        assert_eq!(las.las.results("99DE00").await.unwrap().distinct, 12);

        // One pupil left the LAS: the whole message is refused; bisection puts the fault on
        // that pupil and the others arrive.
        let gone = las.las.leerlingen("99DE00").await.unwrap()[3].clone();
        las.las.remove_leerling("99DE00", gone.key.as_deref().unwrap()).await.unwrap();
        for p in &pupils {
            gw.record_result(&result(*p, "s2", 7, clock.now()), "platform").await.unwrap();
        }
        let report = gw.deliver(&fast()).await.unwrap();
        assert_eq!((report.delivered, report.refused), (11, 1), "{}", db.name);
        assert!(report.messages > 2, "bisected: {}", report.messages);
        let errors = gw.delivery_errors(None).await.unwrap();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].kind, "leerling_onbekend");
        assert!(errors[0].error.contains("pupil number not found"), "{}", errors[0].error);
        // Fixed in the LAS; retried; delivered.
        let back = uwlr::mock::las::NewLeerling {
            key: gone.key.clone().unwrap(),
            roepnaam: gone.roepnaam.clone().unwrap_or_else(|| "Terug".into()),
            achternaam: gone.achternaam.clone(),
            ..Default::default()
        };
        las.las.add_leerling("99DE00", back).await.unwrap();
        assert_eq!(gw.retry_deliveries(errors[0].koppeling_id, "admin").await.unwrap(), 1);
        assert_eq!(gw.deliver(&fast()).await.unwrap().delivered, 1);
        assert!(gw.delivery_errors(None).await.unwrap().is_empty());
        assert_eq!(las.las.results("99DE00").await.unwrap().distinct, 24, "{}", db.name);
        las.server.shutdown().await;
    }
}

#[tokio::test]
async fn messages_stay_under_the_size_limit_and_a_deactivated_pupil_gets_no_result() {
    let db = sqlite();
    let clock = clock();
    let gw = gateway(&db, clock.clone()).await;
    let las = las(Profile::Parnassys, 40, clock.clone()).await;
    let (_, pupils) = imported(&gw, &las).await;
    clock.advance(Duration::minutes(1));
    for p in &pupils {
        for s in 0..5 {
            gw.record_result(&result(*p, &format!("s{s}"), s, clock.now()), "platform").await.unwrap();
        }
    }
    let opts = DeliverOptions { max_message_bytes: 8 * 1024, ..fast() };
    let report = gw.deliver(&opts).await.unwrap();
    assert_eq!(report.delivered, 200);
    assert!(report.messages >= 200 * 300 / (8 * 1024), "split into several messages: {}", report.messages);
    assert_eq!(las.las.results("99DE00").await.unwrap().distinct, 200);

    // A leaver keeps its results and gets no new one.
    let leaver = las.las.leerlingen("99DE00").await.unwrap()[0].key.clone().unwrap();
    las.las.remove_leerling("99DE00", &leaver).await.unwrap();
    let out = gw.fetch(1, true, "admin", &no_progress()).await.unwrap();
    gw.apply_proposal(out.proposal_id, "admin", ApplyOptions::default()).await.unwrap();
    let gone = gw.records("99DE00").await.unwrap().leerlingen.into_iter().find(|l| !l.active).unwrap();
    let e = gw.record_result(&result(gone.id, "s9", 1, clock.now()), "platform").await.unwrap_err();
    assert!(e.to_string().contains("deactivated"), "{e}");
    las.server.shutdown().await;
}

#[tokio::test]
async fn a_refused_link_is_not_bisected_and_other_links_are_still_served() {
    let db = sqlite();
    let clock = clock();
    let gw = gateway(&db, clock.clone()).await;
    let las = las(Profile::Parnassys, 10, clock.clone()).await;
    let (_, pupils) = imported(&gw, &las).await;
    clock.advance(Duration::minutes(1));
    for p in &pupils {
        gw.record_result(&result(*p, "s1", 5, clock.now()), "platform").await.unwrap();
    }
    // The school revoked the key in its LAS: every message gets Client.AutorisatieOngeldig.
    las.las.revoke_keys("99DE00").await.unwrap();
    let report = gw.deliver(&fast()).await.unwrap();
    assert_eq!((report.messages, report.postponed, report.refused), (1, 10, 0), "one message, no halving");
    assert_eq!(report.failed_links.len(), 1);
    assert!(report.failed_links[0].contains("AutorisatieOngeldig"), "{:?}", report.failed_links);
    assert!(gw.delivery_errors(None).await.unwrap().is_empty(), "no pupil is blamed");
    las.server.shutdown().await;
}

#[tokio::test]
async fn a_revoked_link_keeps_its_queued_results_as_delivery_errors() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Parnassys, 6, clock.clone()).await;
        let (link, pupils) = imported(&gw, &las).await;
        clock.advance(Duration::hours(1));
        for (i, p) in pupils.iter().take(3).enumerate() {
            gw.record_result(&result(*p, "s1", 10 + i as u64, clock.now()), "platform").await.unwrap();
        }
        gw.revoke_koppeling(link, "admin@school", Some("school left the platform")).await.unwrap();
        let errors = gw.delivery_errors(Some(link)).await.unwrap();
        assert_eq!(errors.len(), 3, "{}: nothing waits for ever on a closed link", db.name);
        assert!(errors.iter().all(|e| e.kind == "koppeling_gesloten" && e.error.contains("revoked")), "{errors:?}");
        let counts = gw.delivery_counts(link).await.unwrap();
        assert!(!counts.iter().any(|(s, n)| s == "pending" && *n > 0), "{counts:?}");
        let e = conflict(gw.retry_deliveries(link, "admin").await.unwrap_err());
        assert!(e.contains("is revoked"), "{e}");
        let trail = gw.audit_trail("99DE00").await.unwrap();
        let revoke = trail.iter().find(|a| a.action == "revoke").unwrap();
        assert_eq!(
            revoke.reason.as_deref(),
            Some("school left the platform; 3 queued result(s) kept as delivery errors"),
            "{}",
            db.name
        );
    }
}

/// The console's retry of one delivery error, and the per-link history of messages.
#[tokio::test]
async fn one_delivery_error_is_retried_alone_and_every_message_offered_is_in_the_history() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Parnassys, 4, clock.clone()).await;
        let (link, pupils) = imported(&gw, &las).await;
        // A dashboard that knows none of our pupil numbers: it refuses every result.
        let (dash, server, endpoint) = dashboard(clock.clone()).await;
        let key = "dashboard-sleutel-0123456789";
        let req = DashboardKeyRequest { klantcode: None, autorisatiesleutel: Some(key.into()) };
        dash.issue_key("99DE00", &req).await.unwrap();
        let req = KoppelingRequest {
            location: "99DE00".into(),
            schooljaar: SCHOOLJAAR.into(),
            kind: Kind::Schoolkr8,
            endpoint: Some(endpoint),
            key: Some(key.into()),
            reason: None,
        };
        let other = gw.request_koppeling(&req, "admin").await.unwrap().id;
        gw.approve_koppeling(other, "support", None).await.unwrap();
        clock.advance(Duration::minutes(1));
        // Two pupils left the LAS: their results are refused for good, the others arrive.
        for gone in las.las.leerlingen("99DE00").await.unwrap().iter().take(2) {
            las.las.remove_leerling("99DE00", gone.key.as_deref().unwrap()).await.unwrap();
        }
        for p in &pupils {
            gw.record_result(&result(*p, "s1", 5, clock.now()), "platform").await.unwrap();
        }
        let report = gw.deliver(&DeliverOptions { koppeling: Some(link), ..fast() }).await.unwrap();
        assert_eq!((report.delivered, report.refused), (2, 2), "{}", db.name);
        let errors = gw.delivery_errors(Some(link)).await.unwrap();
        assert_eq!(errors.len(), 2);
        gw.deliver(&DeliverOptions { koppeling: Some(other), ..fast() }).await.unwrap();
        let theirs = gw.delivery_errors(Some(other)).await.unwrap();
        assert_eq!(theirs.len(), 4, "{}: the dashboard refused all", db.name);
        // Another link's error, through this link: not found, and it stays an error.
        let crossed = gw.retry_delivery(link, theirs[0].delivery_id, "admin").await.unwrap_err();
        assert!(matches!(crossed, uwlr::gateway::GatewayError::NotFound(_)), "{crossed:?}");
        assert_eq!(gw.delivery_errors(Some(other)).await.unwrap().len(), 4);

        // Not this link's error, or none at all: not found, nothing queued.
        let missing = gw.retry_delivery(link, errors[1].delivery_id + 1000, "admin").await.unwrap_err();
        assert!(matches!(missing, uwlr::gateway::GatewayError::NotFound(_)), "{missing:?}");
        gw.retry_delivery(link, errors[0].delivery_id, "admin").await.unwrap();
        let left = gw.delivery_errors(Some(link)).await.unwrap();
        assert_eq!(left, vec![errors[1].clone()], "{}: only the one retried left the list", db.name);
        let again = gw.retry_delivery(link, errors[0].delivery_id, "admin").await.unwrap_err();
        assert!(matches!(again, uwlr::gateway::GatewayError::NotFound(_)), "queued already: {again:?}");
        let trail = gw.audit_trail("99DE00").await.unwrap();
        assert!(trail.iter().any(|a| a.action == "retry-delivery" && a.actor == "admin"), "{trail:?}");

        // The history: every message offered, newest first, with its count and outcome.
        let batches = gw.delivery_batches(link, 100).await.unwrap();
        assert_eq!(batches.len() as usize, report.messages, "{}", db.name);
        assert!(batches.windows(2).all(|w| w[0].id > w[1].id), "newest first");
        assert_eq!(batches.last().unwrap().results, 4, "the first message carried all four");
        assert!(batches.iter().all(|b| b.outcome.is_some()));
        let delivered: i64 =
            batches.iter().filter(|b| b.outcome.as_deref() == Some("delivered")).map(|b| b.results).sum();
        assert_eq!(delivered, 2);
        assert!(batches.iter().any(|b| b.outcome.as_deref() == Some("refused") && b.fault.is_some()));
        assert_eq!(gw.delivery_batches(link, 1).await.unwrap().len(), 1, "the limit holds");
        revoke_and_retry_is_refused(&gw, link, errors[1].delivery_id).await;
        server.shutdown().await;
        las.server.shutdown().await;
    }
}

async fn revoke_and_retry_is_refused(gw: &Gateway, link: i64, delivery: i64) {
    gw.revoke_koppeling(link, "admin", None).await.unwrap();
    let e = conflict(gw.retry_delivery(link, delivery, "admin").await.unwrap_err());
    assert!(e.contains("is revoked"), "{e}");
}
