//! `Gateway::record_results` writes a call's results a chunk at a time; these tests hold it
//! to what `record_result` one by one does, on SQLite and on PostgreSQL. Two gateways are
//! set up alike (two locations, each with a LAS link and a dashboard link, one of which
//! processes no changes): one records each call in bulk, the other result by result, and
//! the returned versions and the rows of `resultaten`, `result_versions` and `deliveries`
//! must be the same. Refusals (an unknown pupil, a deactivated one, a closed school year)
//! must give the error the first refused result gets one by one, and write nothing.

use crate::store_support;

use chrono::{Duration, NaiveDate};
use sqlx::Row;
use std::sync::Arc;
use store_support::*;
use uwlr::clock::Clock;
use uwlr::gateway::imports::ApplyOptions;
use uwlr::gateway::koppelingen::KoppelingRequest;
use uwlr::gateway::{Gateway, GatewayError};
use uwlr::koppeling::Kind;
use uwlr::mock::{ManualClock, Profile};
use uwlr::results::{NewResult, Scores};
use uwlr::store::results::Recorded;
use uwlr::store::school_years as years;

/// One gateway with its LAS: 30 pupils at 99DE00, 20 at 99DF00, interleaved.
struct World {
    gw: Gateway,
    las: Las,
    clock: Arc<ManualClock>,
    pupils: Vec<i64>,
    las_links: [i64; 2],
}

async fn world(db: &TestDb) -> World {
    let clock = clock();
    let gw = gateway(db, clock.clone()).await;
    let las = las(Profile::Parnassys, 30, clock.clone()).await;
    let mut las_links = [0; 2];
    let mut of = Vec::new();
    for (i, location) in ["99DE00", "99DF00"].into_iter().enumerate() {
        let req = KoppelingRequest {
            location: location.into(),
            schooljaar: SCHOOLJAAR.into(),
            kind: Kind::Parnassys,
            endpoint: Some(las.endpoint.clone()),
            key: Some(las.issue_key(location).await),
            reason: None,
        };
        let k = gw.request_koppeling(&req, "admin").await.unwrap();
        gw.approve_koppeling(k.id, "support", None).await.unwrap();
        let out = gw.fetch(k.id, false, "admin", &no_progress()).await.unwrap();
        gw.apply_proposal(out.proposal_id, "admin", ApplyOptions::default()).await.unwrap();
        las_links[i] = k.id;
        // A dashboard link beside it (never sent to here: only what is queued is compared).
        let req = KoppelingRequest {
            location: location.into(),
            schooljaar: SCHOOLJAAR.into(),
            kind: Kind::Schoolkr8,
            endpoint: Some("http://127.0.0.1:9/uwlr".into()),
            key: Some(format!("dashboard-sleutel-{location}-0123456789")),
            reason: None,
        };
        let d = gw.request_koppeling(&req, "admin").await.unwrap();
        gw.approve_koppeling(d.id, "support", None).await.unwrap();
        // 99DF00's dashboard gets first versions only.
        gw.set_process_changes(d.id, i == 0, "admin").await.unwrap();
        of.push(gw.records(location).await.unwrap().leerlingen.iter().map(|l| l.id).collect::<Vec<_>>());
    }
    let (de, df) = (&of[0], &of[1]);
    assert_eq!((de.len(), df.len()), (30, 20));
    let pupils = (0..30).flat_map(|i| std::iter::once(de[i]).chain(df.get(i).copied())).collect();
    clock.advance(Duration::minutes(1));
    World { gw, las, clock, pupils, las_links }
}

fn result(pupil: i64, toets: &str, onderdeel: Option<&str>, afname: &str, score: u64, w: &World) -> NewResult {
    NewResult {
        leerling_id: pupil,
        toetscode: toets.into(),
        toetsonderdeel: onderdeel.map(Into::into),
        afname: afname.into(),
        afnamedatum: NaiveDate::from_ymd_opt(2025, 9, 20).unwrap(),
        scores: Scores::Raw { score },
        normed_at: w.clock.now(),
    }
}

/// Every row the recording writes, in id order, as text.
async fn dump(gw: &Gateway) -> Vec<String> {
    let mut conn = gw.store().pool().acquire().await.unwrap();
    let mut out = Vec::new();
    let sql = "SELECT id, leerling_id, resultaat_key, toetscode, onderdeel, score, normed_at, recorded_at, afname, \
               afnamedatum, version FROM resultaten ORDER BY id";
    for r in sqlx::query(sql).fetch_all(&mut *conn).await.unwrap() {
        let row = (
            r.get::<i64, _>(0),
            r.get::<i64, _>(1),
            r.get::<String, _>(2),
            r.get::<String, _>(3),
            r.get::<Option<String>, _>(4),
            r.get::<Option<String>, _>(5),
            (r.get::<String, _>(6), r.get::<String, _>(7)),
            (r.get::<String, _>(8), r.get::<String, _>(9), r.get::<i64, _>(10)),
        );
        out.push(format!("resultaat {row:?}"));
    }
    let sql = "SELECT resultaat_id, version, score, normed_at, recorded_at FROM result_versions \
               ORDER BY resultaat_id, version";
    for r in sqlx::query(sql).fetch_all(&mut *conn).await.unwrap() {
        let row = (
            r.get::<i64, _>(0),
            r.get::<i64, _>(1),
            r.get::<String, _>(2),
            r.get::<String, _>(3),
            r.get::<String, _>(4),
        );
        out.push(format!("version {row:?}"));
    }
    let sql = "SELECT id, koppeling_id, resultaat_id, version, status, attempts, next_attempt_at, created_at, \
               lease_owner, lease_until FROM deliveries ORDER BY id";
    for r in sqlx::query(sql).fetch_all(&mut *conn).await.unwrap() {
        let row = (
            (r.get::<i64, _>(0), r.get::<i64, _>(1), r.get::<i64, _>(2), r.get::<i64, _>(3)),
            r.get::<String, _>(4),
            r.get::<i64, _>(5),
            (r.get::<String, _>(6), r.get::<String, _>(7)),
            (r.get::<Option<String>, _>(8), r.get::<Option<String>, _>(9)),
        );
        out.push(format!("delivery {row:?}"));
    }
    out
}

/// The same call on both gateways: `bulk` in one `record_results`, `single` one by one.
async fn both(bulk: &World, single: &World, rs: &[NewResult], db: &str) -> Vec<Recorded> {
    let got = bulk.gw.record_results(rs, "platform").await.unwrap();
    let mut want = Vec::new();
    for r in rs {
        want.push(single.gw.record_result(r, "platform").await.unwrap());
    }
    assert_eq!(got, want, "{db}: the versions recorded");
    assert_eq!(dump(&bulk.gw).await, dump(&single.gw).await, "{db}: the rows written");
    got
}

/// Three tests and parts for each pupil and sitting: 450 results for three sittings.
fn sittings(w: &World, afnames: &[&str]) -> Vec<NewResult> {
    let mut rs = Vec::new();
    for (s, afname) in afnames.iter().enumerate() {
        for (i, &pupil) in w.pupils.iter().enumerate() {
            rs.push(result(pupil, "REK", None, afname, (i + s) as u64, w));
            rs.push(result(pupil, "TAAL", Some("spelling"), afname, 7, w));
            rs.push(result(pupil, "TAAL", Some("lezen"), afname, 8, w));
        }
    }
    rs
}

fn message(e: GatewayError) -> String {
    match e {
        GatewayError::NotFound(m) => format!("not found: {m}"),
        GatewayError::Conflict(m) => format!("conflict: {m}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn results_recorded_in_bulk_are_recorded_as_one_by_one() {
    for db in databases().await {
        let other = match db.name {
            "sqlite" => sqlite(),
            _ => postgres().await.unwrap(),
        };
        let (bulk, single) = (world(&db).await, world(&other).await);
        let db = db.name;
        assert_eq!(bulk.pupils, single.pupils, "{db}: both gateways alike");
        let p = bulk.pupils.clone();
        let activated = bulk.gw.koppeling(bulk.las_links[0]).await.unwrap().activated_at.unwrap();

        // 450 new results (two chunks), three tests and parts per sitting; the first normed
        // before the links were active (not queued), one a whole test with an empty part.
        let mut first = sittings(&bulk, &["s0", "s1", "s2"]);
        first[0].normed_at = activated - Duration::days(1);
        first[4].toetsonderdeel = Some(String::new());
        let got = both(&bulk, &single, &first, db).await;
        assert_eq!(got.len(), 450);
        assert!(got.iter().all(|r| r.version == 1 && r.key == format!("R{}", r.id)), "{db}");
        assert_eq!(got.iter().filter(|r| r.location == "99DF00").count(), 180, "{db}");
        let ids: Vec<i64> = got.iter().map(|r| r.id).collect();
        assert!(ids.windows(2).all(|w| w[1] == w[0] + 1), "{db}: ids in the call's order");

        // Re-normed results among new ones (same key, a new version), and sittings twice and
        // three times in one call (each a new version of the one before), a whole test's
        // result once without a part and once with an empty one (the same sitting).
        let mut second: Vec<NewResult> = first.iter().step_by(7).cloned().collect();
        for r in &mut second {
            r.scores = Scores::Raw { score: 99 };
        }
        for &pupil in &p[..20] {
            second.push(result(pupil, "REK", None, "s9", 5, &bulk));
        }
        second.push(result(p[0], "REK", None, "s0", 50, &bulk)); // re-normed twice in this call
        second.push(result(p[2], "REK", None, "dubbel", 1, &bulk));
        second.push(result(p[2], "REK", Some(""), "dubbel", 2, &bulk));
        second.push(result(p[2], "REK", None, "dubbel", 3, &bulk));
        let got = both(&bulk, &single, &second, db).await;
        assert!(got[..3].iter().all(|r| r.version == 2 && ids.contains(&r.id)), "{db}: re-normed");
        let versions = |id: i64| got.iter().filter(|r| r.id == id).map(|r| r.version).collect::<Vec<_>>();
        assert_eq!(versions(ids[0]), [2, 3], "{db}: re-normed twice");
        let dubbel = got[got.len() - 1].id;
        assert!(!ids.contains(&dubbel), "{db}");
        assert_eq!(versions(dubbel), [1, 2, 3], "{db}: a new sitting three times");
        let counts = bulk.gw.delivery_counts(bulk.las_links[0]).await.unwrap();
        assert!(counts.iter().any(|(s, n)| s == "superseded" && *n > 0), "{db}: {counts:?}");

        // A refused result anywhere refuses the call, with the error it gets alone, and
        // nothing is written: an unknown pupil, a deactivated one, a closed school year.
        let leaver = bulk.las.las.leerlingen("99DE00").await.unwrap()[0].key.clone().unwrap();
        for w in [&bulk, &single] {
            w.las.las.remove_leerling("99DE00", &leaver).await.unwrap();
            let out = w.gw.fetch(w.las_links[0], true, "admin", &no_progress()).await.unwrap();
            w.gw.apply_proposal(out.proposal_id, "admin", ApplyOptions::default()).await.unwrap();
        }
        let gone = bulk.gw.records("99DE00").await.unwrap().leerlingen.into_iter().find(|l| !l.active).unwrap().id;
        // A record of the year before, which closed when 2025-2026 was completed.
        let old = p[5];
        assert_eq!(bulk.gw.records("99DF00").await.unwrap().leerlingen.iter().filter(|l| l.id == old).count(), 1);
        for w in [&bulk, &single] {
            let mut conn = w.gw.store().pool().acquire().await.unwrap();
            sqlx::query("UPDATE leerlingen SET schooljaar = '2024-2025' WHERE id = $1")
                .bind(old)
                .execute(&mut *conn)
                .await
                .unwrap();
            let now = w.clock.now();
            // Started by the first import, or not: either way it is completed now.
            let _ = years::insert(&mut conn, "99DF00", SCHOOLJAAR, "admin", false, now).await;
            years::complete(&mut conn, "99DF00", SCHOOLJAAR, "admin", now).await.unwrap();
        }
        let fine: Vec<i64> = p[6..].iter().copied().filter(|&q| q != gone).collect();
        let before = dump(&bulk.gw).await;
        for (refused, why) in [(999_999, "no pupil 999999"), (gone, "deactivated"), (old, "closed when 2025-2026")] {
            let mut rs: Vec<NewResult> = fine.iter().map(|&q| result(q, "REK", None, "s5", 3, &bulk)).collect();
            rs.insert(17, result(refused, "REK", None, "s5", 3, &bulk));
            rs.push(result(gone, "REK", None, "s6", 3, &bulk)); // later in the call: not the one named
            let e = message(bulk.gw.record_results(&rs, "platform").await.unwrap_err());
            let alone = message(single.gw.record_result(&rs[17], "platform").await.unwrap_err());
            assert_eq!(e, alone, "{db}");
            assert!(e.contains(why), "{db}: {e}");
            assert_eq!(dump(&bulk.gw).await, before, "{db}: nothing written");
        }

        // And after a refusal the next call goes on from where the store is.
        let third: Vec<NewResult> = fine.iter().map(|&q| result(q, "REK", None, "s5", 4, &bulk)).collect();
        both(&bulk, &single, &third, db).await;
        for w in [bulk, single] {
            w.las.server.shutdown().await;
        }
    }
}
