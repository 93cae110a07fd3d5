//! The koppeling handshake against running mocks, on SQLite and on PostgreSQL: ParnasSys
//! (key set in the LAS first, shown once), ESIS (request first, verification-code rule,
//! key), dashboards only after an active LAS link, key kinds never mixed, revoke stops
//! fetching, a revoked LAS link closes its dashboard links in the same transaction, and
//! clearing external numbers keeps results.

use crate::store_support;

use store_support::*;
use uwlr::clock::Clock;
use uwlr::gateway::koppelingen::KoppelingRequest;
use uwlr::gateway::GatewayError;
use uwlr::koppeling::{Kind, Status};
use uwlr::mock::las::IssueKeyRequest;
use uwlr::mock::Profile;

fn request(kind: Kind, endpoint: &str, key: Option<&str>) -> KoppelingRequest {
    KoppelingRequest {
        location: "99DE00".into(),
        schooljaar: SCHOOLJAAR.into(),
        kind,
        endpoint: Some(endpoint.into()),
        key: key.map(str::to_string),
        reason: None,
    }
}

#[tokio::test]
async fn parnassys_key_first_then_approval_activates_and_fetches() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Parnassys, 30, clock.clone()).await;
        // The school sets the key in ParnasSys; ParnasSys shows it once.
        let key = las.issue_key("99DE00").await;
        let k =
            gw.request_koppeling(&request(Kind::Parnassys, &las.endpoint, Some(&key)), "admin@school").await.unwrap();
        assert_eq!((k.status, k.has_key, k.activated_at), (Status::Requested, true, None), "{}", db.name);
        // Not active yet: nothing is fetched.
        let e = gw.fetch(k.id, false, "admin", &no_progress()).await.unwrap_err();
        assert!(conflict(e).contains("requested"), "{}", db.name);
        let k = gw.approve_koppeling(k.id, "support@boom", None).await.unwrap();
        assert_eq!(k.status, Status::Active);
        assert_eq!(k.activated_at, Some(clock.now()));
        let out = gw.fetch(k.id, false, "admin", &no_progress()).await.unwrap();
        assert_eq!(out.proposal.leerlingen.len(), 30, "{}", db.name);
        // The audit trail tells who did what, and never the key.
        let trail = gw.audit_trail("99DE00").await.unwrap();
        let actions: Vec<&str> = trail.iter().map(|a| a.action.as_str()).collect();
        assert_eq!(actions, ["request", "set-key", "approve", "fetch-full"], "{}", db.name);
        assert_eq!(trail[2].actor, "support@boom");
        assert_eq!(
            (trail[2].from_status.as_deref(), trail[2].to_status.as_deref()),
            (Some("requested"), Some("active"))
        );
        assert!(!format!("{trail:?}").contains(&key));
        las.server.shutdown().await;
    }
}

#[tokio::test]
async fn esis_request_first_then_verification_code_then_key() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Esis, 25, clock.clone()).await;
        let k = gw.request_koppeling(&request(Kind::Esis, &las.endpoint, None), "admin").await.unwrap();
        let k = gw.approve_koppeling(k.id, "support", None).await.unwrap();
        assert_eq!((k.status, k.has_key), (Status::Approved, false), "{}", db.name);
        // ESIS refuses a verification code that breaks its rule ...
        for bad in ["99DE00-too-short", "12AB00-starts-with-another-brin-code"] {
            let req = IssueKeyRequest { klantcode: None, verificatiecode: Some(bad.into()) };
            let e = las.las.issue_key("99DE00", &req).await.unwrap_err();
            assert_eq!(e.status, 400, "{bad}: {e}");
        }
        // ... and shows the key for a good one; pasted here, the link becomes active.
        let key = las.issue_key("99DE00").await;
        let k = gw.set_koppeling_key(k.id, &format!("  {key}\n"), "admin").await.unwrap();
        assert_eq!(k.status, Status::Active, "{}", db.name);
        let out = gw.fetch(k.id, false, "admin", &no_progress()).await.unwrap();
        assert_eq!(out.proposal.leerlingen.len(), 25);
        // A second key (the school re-activated in ESIS) is a rotation; the old one is gone.
        let e = gw.set_koppeling_key(k.id, "another", "admin").await.unwrap_err();
        assert!(conflict(e).contains("rotate"));
        let new_key = las.issue_key("99DE00").await;
        gw.rotate_koppeling_key(k.id, &new_key, "admin", Some("re-activated in ESIS")).await.unwrap();
        gw.fetch(k.id, true, "admin", &no_progress()).await.unwrap();
        las.server.shutdown().await;
    }
}

#[tokio::test]
async fn a_wrong_key_is_the_las_fault_and_changes_nothing() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Parnassys, 10, clock.clone()).await;
        let k = gw.request_koppeling(&request(Kind::Parnassys, &las.endpoint, Some("not-the-key")), "a").await.unwrap();
        gw.approve_koppeling(k.id, "support", None).await.unwrap();
        match gw.fetch(k.id, false, "admin", &no_progress()).await.unwrap_err() {
            GatewayError::Upstream(e) => {
                assert!(e.to_string().contains("AutorisatieOngeldig") || e.to_string().contains("Autorisatie"), "{e}")
            }
            other => panic!("{other:?}"),
        }
        assert!(gw.records("99DE00").await.unwrap().leerlingen.is_empty());
        las.server.shutdown().await;
    }
}

#[tokio::test]
async fn dashboards_need_an_active_las_link_and_key_kinds_never_mix() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Parnassys, 10, clock.clone()).await;
        let dash_key = "khasgdkj76&g7d^%$gjhsdd";
        let dash = request(Kind::Schoolkr8, "http://127.0.0.1:9/dashboard", Some(dash_key));
        // No LAS link at all, then a LAS link that is only requested: refused.
        assert!(conflict(gw.request_koppeling(&dash, "a").await.unwrap_err()).contains("active LAS koppeling"));
        let key = las.issue_key("99DE00").await;
        let k = gw.request_koppeling(&request(Kind::Parnassys, &las.endpoint, Some(&key)), "a").await.unwrap();
        assert!(conflict(gw.request_koppeling(&dash, "a").await.unwrap_err()).contains("active LAS koppeling"));
        gw.approve_koppeling(k.id, "support", None).await.unwrap();
        // The LAS key offered as a dashboard key: refused, naming the kind.
        let wrong = request(Kind::FocusPo, "http://127.0.0.1:9/dashboard", Some(&key));
        let m = conflict(gw.request_koppeling(&wrong, "a").await.unwrap_err());
        assert!(m.contains("ParnasSys UWLR") && m.contains("dashboard"), "{m}");
        // The right dashboard key is taken; offered again for a LAS link, refused.
        let d = gw.request_koppeling(&dash, "a").await.unwrap();
        let d = gw.approve_koppeling(d.id, "support", None).await.unwrap();
        assert_eq!(d.status, Status::Active, "{}", db.name);
        let other =
            KoppelingRequest { location: "99DF00".into(), ..request(Kind::Parnassys, &las.endpoint, Some(dash_key)) };
        let m = conflict(gw.request_koppeling(&other, "a").await.unwrap_err());
        assert!(m.contains("SchoolKr8") && m.contains("the LAS"), "{m}");
        // A dashboard is never fetched from.
        assert!(matches!(gw.fetch(d.id, false, "a", &no_progress()).await, Err(GatewayError::Invalid(_))));
        // Only one LAS link per location and year.
        let again = request(Kind::Esis, &las.endpoint, None);
        assert!(conflict(gw.request_koppeling(&again, "a").await.unwrap_err()).contains("revoke it first"));
        las.server.shutdown().await;
    }
}

#[tokio::test]
async fn revoke_stops_fetching_and_forgets_the_key() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Parnassys, 10, clock.clone()).await;
        let key = las.issue_key("99DE00").await;
        let k = gw.request_koppeling(&request(Kind::Parnassys, &las.endpoint, Some(&key)), "a").await.unwrap();
        gw.approve_koppeling(k.id, "support", None).await.unwrap();
        gw.fetch(k.id, false, "a", &no_progress()).await.unwrap();
        let k = gw.revoke_koppeling(k.id, "admin", Some("school switched LAS")).await.unwrap();
        assert_eq!((k.status, k.has_key), (Status::Revoked, false), "{}", db.name);
        assert!(conflict(gw.fetch(k.id, false, "a", &no_progress()).await.unwrap_err()).contains("revoked"));
        assert!(conflict(gw.approve_koppeling(k.id, "support", None).await.unwrap_err()).contains("request a new"));
        // The key is free again: a new link may use it.
        let k2 = gw.request_koppeling(&request(Kind::Parnassys, &las.endpoint, Some(&key)), "a").await.unwrap();
        assert_eq!(k2.status, Status::Requested);
        let trail = gw.audit_trail("99DE00").await.unwrap();
        let revoke = trail.iter().find(|a| a.action == "revoke").unwrap();
        assert_eq!(revoke.reason.as_deref(), Some("school switched LAS"));
        las.server.shutdown().await;
    }
}

#[tokio::test]
async fn clearing_external_numbers_keeps_records_and_results() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Parnassys, 12, clock.clone()).await;
        let key = las.issue_key("99DE00").await;
        let k = gw.request_koppeling(&request(Kind::Parnassys, &las.endpoint, Some(&key)), "a").await.unwrap();
        gw.approve_koppeling(k.id, "support", None).await.unwrap();
        let out = gw.fetch(k.id, false, "a", &no_progress()).await.unwrap();
        gw.apply_proposal(out.proposal_id, "admin", Default::default()).await.unwrap();
        let pupils = gw.records("99DE00").await.unwrap().leerlingen;
        assert_eq!(pupils.len(), 12);
        assert!(pupils.iter().all(|p| p.external.is_some()));
        for p in &pupils {
            let r = uwlr::results::NewResult {
                leerling_id: p.id,
                toetscode: "REKENEN".into(),
                toetsonderdeel: None,
                afname: "2025-10-01".into(),
                afnamedatum: chrono::NaiveDate::from_ymd_opt(2025, 10, 1).unwrap(),
                scores: uwlr::results::Scores::Raw { score: 42 },
                normed_at: clock.now(),
            };
            gw.record_result(&r, "platform").await.unwrap();
        }
        let cleared = gw.clear_external_numbers("99DE00", "admin", Some("new LAS link")).await.unwrap();
        assert!(cleared >= 12, "{cleared}");
        let after = gw.records("99DE00").await.unwrap();
        assert_eq!(after.leerlingen.len(), 12, "{}", db.name);
        assert!(after.leerlingen.iter().all(|p| p.external.is_none() && p.active));
        let mut conn = gw.store().pool().acquire().await.unwrap();
        assert_eq!(uwlr::store::records::count_results(&mut conn, "99DE00").await.unwrap(), 12);
        drop(conn);
        // The next fetch is full and links nothing automatically: every pupil is new, with
        // the known pupil as a candidate by name and birth date.
        let out = gw.fetch(k.id, false, "a", &no_progress()).await.unwrap();
        assert_eq!(out.fetch.mode, "full");
        assert!(out.proposal.leerlingen.iter().all(|i| i.category == uwlr::import::Category::New));
        assert!(out.proposal.leerlingen.iter().all(|i| !i.candidates.is_empty()), "{}", db.name);
        las.server.shutdown().await;
    }
}

#[tokio::test]
async fn the_database_holds_one_open_las_link_per_location_and_year_even_when_instances_race() {
    use uwlr::store::koppelingen::{ensure_location, insert, NewKoppeling};
    for db in databases().await {
        let store = db.store().await;
        let mut conn = store.pool().acquire().await.unwrap();
        let now = chrono::Utc::now();
        let at = uwlr::location::Location::parse("99DE00").unwrap();
        ensure_location(&mut conn, &at, now).await.unwrap();
        let link = |kind| NewKoppeling {
            location: &at,
            schooljaar: uwlr::message::values::Schooljaar::parse(SCHOOLJAAR).unwrap(),
            kind,
            endpoint: Some("http://127.0.0.1:9/uwlr"),
            klantcode: "BOOM",
            klantnaam: "Boom testcentrum",
        };
        // Straight to the store, as a second instance past the gateway's own check would.
        insert(&mut conn, &link(Kind::Parnassys), now).await.unwrap();
        let e = insert(&mut conn, &link(Kind::Esis), now).await.unwrap_err();
        assert!(e.to_string().to_lowercase().contains("unique"), "{}: {e}", db.name);
        insert(&mut conn, &link(Kind::Schoolkr8), now).await.unwrap();
        assert!(insert(&mut conn, &link(Kind::Schoolkr8), now).await.is_err(), "{}", db.name);
        insert(&mut conn, &link(Kind::FocusPo), now).await.unwrap();
    }
}

/// A trigger that makes closing a SchoolKr8 link fail, on either database: what fails
/// after the LAS link's own rows were written, inside the same transaction.
async fn refuse_closing_dashboards(pool: &sqlx::AnyPool, name: &str) {
    let statements: &[&str] = if name == "postgres" {
        &[
            "CREATE FUNCTION refuse_dashboard_close() RETURNS trigger AS $$ BEGIN \
             IF NEW.kind = 'schoolkr8' AND NEW.status = 'revoked' THEN RAISE EXCEPTION 'test: refused'; END IF; \
             RETURN NEW; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_dashboard_close BEFORE UPDATE ON koppelingen FOR EACH ROW \
             EXECUTE FUNCTION refuse_dashboard_close()",
        ]
    } else {
        &["CREATE TRIGGER refuse_dashboard_close BEFORE UPDATE OF status ON koppelingen \
           WHEN NEW.kind = 'schoolkr8' AND NEW.status = 'revoked' BEGIN SELECT RAISE(ABORT, 'test: refused'); END"]
    };
    for s in statements {
        sqlx::query(sqlx::AssertSqlSafe(s.to_string())).execute(pool).await.unwrap();
    }
}

#[tokio::test]
async fn revoking_a_las_link_closes_its_dashboard_links_in_the_same_transaction() {
    use uwlr::results::{NewResult, Scores};
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Parnassys, 6, clock.clone()).await;
        let (link, pupils) = crate::results_support::imported(&gw, &las).await;
        let dash = request(Kind::Schoolkr8, "http://127.0.0.1:9/dashboard", Some("khasgdkj76&g7d^%$gjhsdd"));
        let d = gw.request_koppeling(&dash, "admin").await.unwrap();
        let d = gw.approve_koppeling(d.id, "support", None).await.unwrap();
        // Focus PO only requested, not approved yet: it depends on the LAS link all the same.
        let focus = request(Kind::FocusPo, "http://127.0.0.1:9/focus", Some("focus-po-key-123"));
        let f = gw.request_koppeling(&focus, "admin").await.unwrap();
        clock.advance(chrono::Duration::minutes(1));
        let r = NewResult {
            leerling_id: pupils[0],
            toetscode: "REK".into(),
            toetsonderdeel: None,
            afname: "s1".into(),
            afnamedatum: chrono::NaiveDate::from_ymd_opt(2025, 9, 20).unwrap(),
            scores: Scores::Raw { score: 12 },
            normed_at: clock.now(),
        };
        gw.record_result(&r, "platform").await.unwrap();
        assert_eq!(gw.delivery_counts(d.id).await.unwrap(), [("pending".to_string(), 1)], "{}", db.name);

        // Closing the dashboard link fails: the LAS link's revocation is undone with it.
        let pool = gw.store().pool().clone();
        refuse_closing_dashboards(&pool, db.name).await;
        assert!(gw.revoke_koppeling(link, "admin", Some("school switched LAS")).await.is_err(), "{}", db.name);
        let k = gw.koppeling(link).await.unwrap();
        assert_eq!((k.status, k.has_key), (Status::Active, true), "{}: one transaction", db.name);
        assert_eq!(gw.koppeling(d.id).await.unwrap().status, Status::Active, "{}", db.name);
        assert_eq!(gw.delivery_counts(d.id).await.unwrap(), [("pending".to_string(), 1)], "{}", db.name);
        assert!(!gw.audit_trail("99DE00").await.unwrap().iter().any(|a| a.action == "revoke"), "{}", db.name);
        sqlx::query("DROP TRIGGER refuse_dashboard_close ON koppelingen")
            .execute(&pool)
            .await
            .or(sqlx::query("DROP TRIGGER refuse_dashboard_close").execute(&pool).await)
            .unwrap();

        // Now it goes through, taking both dashboard links along.
        let k = gw.revoke_koppeling(link, "admin", Some("school switched LAS")).await.unwrap();
        assert_eq!(k.status, Status::Revoked);
        for id in [d.id, f.id] {
            let x = gw.koppeling(id).await.unwrap();
            assert_eq!((x.status, x.has_key), (Status::Revoked, false), "{}: koppeling {id}", db.name);
        }
        let errors = gw.delivery_errors(Some(d.id)).await.unwrap();
        assert_eq!(errors.len(), 1, "{}", db.name);
        assert_eq!(errors[0].kind, "koppeling_gesloten");
        assert!(errors[0].error.contains(&format!("LAS koppeling {link}")), "{}", errors[0].error);
        let trail = gw.audit_trail("99DE00").await.unwrap();
        let closed = trail.iter().find(|a| a.koppeling_id == Some(d.id) && a.action == "revoke").unwrap();
        let reason = closed.reason.as_deref().unwrap();
        assert!(reason.contains(&format!("its LAS koppeling {link} was revoked")), "{reason}");
        assert!(reason.contains("1 queued result(s) kept as delivery errors"), "{reason}");
        assert_eq!((closed.from_status.as_deref(), closed.to_status.as_deref()), (Some("active"), Some("revoked")));
        assert!(trail.iter().any(|a| a.koppeling_id == Some(f.id) && a.from_status.as_deref() == Some("requested")));

        // No dashboard link is (re)activated without an active LAS link: not the closed
        // ones, not a new request, not one that reached the store past the request check.
        assert!(conflict(gw.approve_koppeling(f.id, "support", None).await.unwrap_err()).contains("request a new"));
        assert!(conflict(gw.request_koppeling(&dash, "a").await.unwrap_err()).contains("active LAS koppeling"));
        let mut conn = pool.acquire().await.unwrap();
        let at = uwlr::location::Location::parse("99DE00").unwrap();
        let stray = uwlr::store::koppelingen::NewKoppeling {
            location: &at,
            schooljaar: uwlr::message::values::Schooljaar::parse(SCHOOLJAAR).unwrap(),
            kind: Kind::Schoolkr8,
            endpoint: Some("http://127.0.0.1:9/dashboard"),
            klantcode: "BOOM",
            klantnaam: "Boom testcentrum",
        };
        let stray = uwlr::store::koppelingen::insert(&mut conn, &stray, clock.now()).await.unwrap();
        drop(conn);
        // Approved without a key it is not active yet; the key would make it so: refused.
        assert_eq!(gw.approve_koppeling(stray, "support", None).await.unwrap().status, Status::Approved);
        let e = conflict(gw.set_koppeling_key(stray, "another-dashboard-key", "a").await.unwrap_err());
        assert!(e.contains("needs an active LAS koppeling for 99DE00"), "{e}");
        assert!(!gw.koppeling(stray).await.unwrap().has_key, "{}", db.name);
        las.server.shutdown().await;
    }
}
