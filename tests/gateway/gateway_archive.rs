//! The archive end to end against the mock LAS, on SQLite and on PostgreSQL: pupils who
//! leave the LAS are deactivated, keep their results, get no new one and are listed apart;
//! deleting them for good needs the typed phrase, refuses active and unknown ids as a
//! whole, is audited without personal data, and leaves nothing of them in any table.
//! Deleting a group keeps its pupils' results and clears their class group. An admin
//! archives and reactivates pupils and groups by hand, in bulk, all or nothing, audited.

use crate::store_support;

use chrono::{Duration, NaiveDate};
use sqlx::Row;
use std::collections::BTreeSet;
use store_support::*;
use uwlr::clock::Clock;
use uwlr::gateway::archive::confirmation_phrase;
use uwlr::gateway::delivery::DeliverOptions;
use uwlr::gateway::imports::ApplyOptions;
use uwlr::gateway::{Gateway, GatewayError};
use uwlr::import::{Category, Proposal, Tab};
use uwlr::mock::Profile;
use uwlr::results::{NewResult, Scores};
use uwlr::store::Dialect;

const LOCATION: &str = "99DE00";

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

/// A gateway with an active ParnasSys link and its first import applied; the link's id.
async fn imported(gw: &Gateway, las: &Las) -> i64 {
    let id = active_link(gw, las).await;
    let out = gw.fetch(id, false, "admin", &no_progress()).await.unwrap();
    gw.apply_proposal(out.proposal_id, "admin", ApplyOptions::default()).await.unwrap();
    id
}

/// A full fetch, applied (with the safety override: the tests remove many pupils at once).
async fn full_import(gw: &Gateway, link: i64) {
    let out = gw.fetch(link, true, "admin", &no_progress()).await.unwrap();
    let opts = ApplyOptions { override_safety: true, ..Default::default() };
    gw.apply_proposal(out.proposal_id, "admin", opts).await.unwrap();
}

/// Our id of the pupil the LAS knows under `las_key`.
async fn pupil_id(gw: &Gateway, las_key: &str) -> i64 {
    let records = gw.records(LOCATION).await.unwrap();
    records
        .leerlingen
        .iter()
        .find(|l| l.external.as_ref().and_then(|e| e.las_key.as_deref()) == Some(las_key))
        .unwrap_or_else(|| panic!("no pupil under {las_key}"))
        .id
}

async fn count(gw: &Gateway, sql: &str, id: i64) -> i64 {
    let row = sqlx::query(sqlx::AssertSqlSafe(sql.to_string())).bind(id).fetch_one(gw.store().pool()).await.unwrap();
    row.try_get(0).unwrap()
}

async fn all_results(gw: &Gateway) -> i64 {
    let mut conn = gw.store().pool().acquire().await.unwrap();
    uwlr::store::records::count_results(&mut conn, LOCATION).await.unwrap()
}

/// The tables of the schema; a new table makes the inspection below fail until it is
/// considered there.
async fn tables(gw: &Gateway) -> BTreeSet<String> {
    let sql = match gw.store().dialect() {
        Dialect::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'"
        }
        Dialect::Postgres => {
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() \
             AND table_name NOT LIKE '_sqlx%'"
        }
    };
    sqlx::query(sql)
        .fetch_all(gw.store().pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String, _>(0).unwrap())
        .collect()
}

/// What identifies a pupil: our id, its result ids, its LAS key and its names.
struct Gone {
    id: i64,
    results: Vec<i64>,
    las_key: String,
    roepnaam: String,
    achternaam: String,
}

/// Looks in every table for anything of `g`; returns what it found.
async fn traces(gw: &Gateway, g: &Gone) -> Vec<String> {
    let pool = gw.store().pool();
    let mut found = vec![];
    let inspected: BTreeSet<String> = [
        "locations",
        "school_admins",
        "koppelingen",
        "audit",
        "groepen",
        "leerkrachten",
        "leerkracht_groepen",
        "leerlingen",
        "leerling_groepen",
        "external_keys",
        "fetches",
        "proposals",
        "resultaten",
        "result_versions",
        "toetsen",
        "delivery_batches",
        "deliveries",
        "outbox",
        // The exchange journal: its bodies naming the pupil are dropped whole
        // (journal::deleting_a_pupil_for_good_leaves_no_journal_body_naming_it checks them).
        "exchanges",
        // No pupil in it: locations, years, who started and completed them.
        "school_years",
        "enrolments",
        // The numbers ever issued, without a pupil: kept so that none is given twice.
        "boom_numbers",
        // Which once-only upgrades ran, with counts.
        "upgrades",
        // No pupil in them: console accounts (staff), their locations, sessions, sign-in throttle.
        "accounts",
        "account_locations",
        "sessions",
        "sign_in_throttle",
        // No pupil in it: invitation links of staff accounts (digests only).
        "invitations",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(tables(gw).await, inspected, "every table of the schema is inspected");

    // Tables that refer to a pupil by id.
    for (table, sql) in [
        ("leerlingen", "SELECT COUNT(*) FROM leerlingen WHERE id = $1"),
        ("leerling_groepen", "SELECT COUNT(*) FROM leerling_groepen WHERE leerling_id = $1"),
        ("enrolments", "SELECT COUNT(*) FROM enrolments WHERE leerling_id = $1"),
        ("external_keys", "SELECT COUNT(*) FROM external_keys WHERE tab = 'leerlingen' AND record_id = $1"),
        ("resultaten", "SELECT COUNT(*) FROM resultaten WHERE leerling_id = $1"),
    ] {
        if count(gw, sql, g.id).await > 0 {
            found.push(format!("{table} refers to pupil {}", g.id));
        }
    }
    for &r in &g.results {
        for (table, sql) in [
            ("resultaten", "SELECT COUNT(*) FROM resultaten WHERE id = $1"),
            ("result_versions", "SELECT COUNT(*) FROM result_versions WHERE resultaat_id = $1"),
            ("deliveries", "SELECT COUNT(*) FROM deliveries WHERE resultaat_id = $1"),
        ] {
            if count(gw, sql, r).await > 0 {
                found.push(format!("{table} refers to result {r} of pupil {}", g.id));
            }
        }
    }
    // External keys by the LAS key (remembered skips carry no record id).
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM external_keys WHERE las_key = $1 OR eckid = $1")
        .bind(&g.las_key)
        .fetch_one(pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    if n > 0 {
        found.push(format!("external_keys holds LAS key {}", g.las_key));
    }
    // Kept LAS answers.
    for r in sqlx::query("SELECT id, answer FROM fetches WHERE answer IS NOT NULL").fetch_all(pool).await.unwrap() {
        let answer: Vec<u8> = r.try_get("answer").unwrap();
        if String::from_utf8_lossy(&answer).contains(&g.las_key) {
            found.push(format!("fetch {} keeps an answer with pupil {}", r.try_get::<i64, _>("id").unwrap(), g.id));
        }
    }
    // Kept proposals: no item, candidate, deactivation or decision of the pupil.
    for r in sqlx::query("SELECT id, proposal, decisions FROM proposals").fetch_all(pool).await.unwrap() {
        let id: i64 = r.try_get("id").unwrap();
        let text: String = r.try_get("proposal").unwrap();
        let decisions: String = r.try_get("decisions").unwrap();
        if text.contains(&g.las_key) || decisions.contains(&g.las_key) {
            found.push(format!("proposal {id} names LAS key {}", g.las_key));
        }
        let p: Proposal = serde_json::from_str(&text).unwrap();
        for item in &p.leerlingen {
            let f = &item.fields;
            if matches!(item.category, Category::Existing { id, .. } if id == g.id)
                || (f.roepnaam.as_deref() == Some(&g.roepnaam) && f.achternaam.as_deref() == Some(&g.achternaam))
                || item.candidates.iter().any(|c| c.id == g.id)
            {
                found.push(format!("proposal {id} lists pupil {}", g.id));
            }
        }
        if p.deactivations.iter().any(|d| d.tab == Tab::Leerlingen && d.id == g.id) {
            found.push(format!("proposal {id} deactivates pupil {}", g.id));
        }
    }
    // Free text: the audit trail, the mail outbox, delivery faults.
    for (table, sql) in [
        ("audit", "SELECT COALESCE(reason, '') || ' ' || actor FROM audit"),
        ("outbox", "SELECT notification FROM outbox"),
        ("deliveries", "SELECT COALESCE(last_error, '') FROM deliveries"),
        ("delivery_batches", "SELECT COALESCE(fault, '') FROM delivery_batches"),
    ] {
        for r in sqlx::query(sql).fetch_all(pool).await.unwrap() {
            let text: String = r.try_get(0).unwrap();
            if text.contains(&g.achternaam) || text.contains(&g.las_key) {
                found.push(format!("{table} names pupil {}: {text}", g.id));
            }
        }
    }
    found
}

#[tokio::test]
async fn leavers_keep_their_results_and_deleted_pupils_leave_nothing_behind() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Parnassys, 30, clock.clone()).await;
        let link = imported(&gw, &las).await;
        clock.advance(Duration::minutes(1));
        let pupils: Vec<i64> = gw.records(LOCATION).await.unwrap().leerlingen.iter().map(|l| l.id).collect();
        for p in &pupils {
            gw.record_result(&result(*p, "s1", 5, clock.now()), "platform").await.unwrap();
        }
        let fast = DeliverOptions { backoff: Duration::seconds(10), ..Default::default() };
        assert_eq!(gw.deliver(&fast).await.unwrap().delivered, 30, "{}", db.name);
        for p in &pupils {
            gw.record_result(&result(*p, "s1", 6, clock.now()), "platform").await.unwrap(); // re-normed
            gw.record_result(&result(*p, "s2", 7, clock.now()), "platform").await.unwrap();
            // pending
        }
        let results_before = all_results(&gw).await;
        assert_eq!(results_before, 60);

        // Two pupils leave the LAS; the next full import deactivates them.
        let leavers: Vec<_> = las.las.leerlingen(LOCATION).await.unwrap().into_iter().take(2).collect();
        let mut gone = vec![];
        for l in &leavers {
            let key = l.key.clone().unwrap();
            let id = pupil_id(&gw, &key).await;
            let results: Vec<i64> = sqlx::query("SELECT id FROM resultaten WHERE leerling_id = $1 ORDER BY id")
                .bind(id)
                .fetch_all(gw.store().pool())
                .await
                .unwrap()
                .iter()
                .map(|r| r.try_get(0).unwrap())
                .collect();
            gone.push(Gone {
                id,
                results,
                las_key: key.clone(),
                roepnaam: l.roepnaam.clone().unwrap(),
                achternaam: l.achternaam.clone().unwrap(),
            });
            las.las.remove_leerling(LOCATION, &key).await.unwrap();
        }
        full_import(&gw, link).await;
        let ids: Vec<i64> = gone.iter().map(|g| g.id).collect();

        // They keep their results, get no new one, and are listed as deactivated.
        for g in &gone {
            assert_eq!(count(&gw, "SELECT COUNT(*) FROM resultaten WHERE leerling_id = $1", g.id).await, 2);
            let e = gw.record_result(&result(g.id, "s3", 1, clock.now()), "platform").await.unwrap_err();
            assert!(e.to_string().contains("deactivated"), "{e}");
        }
        let list = gw.deactivated(LOCATION).await.unwrap();
        assert_eq!(list.leerlingen.iter().map(|l| l.id).collect::<Vec<_>>(), ids, "{}", db.name);
        assert!(list.leerlingen.iter().all(|l| l.results == 2 && l.deactivated_at.is_some()));
        assert!(list.leerlingen[0].naam.contains(&gone[0].achternaam));

        // Refused, with nothing changed: a wrong phrase, an active pupil, an unknown id, a
        // reason that names the pupil.
        let phrase = confirmation_phrase(LOCATION, Tab::Leerlingen, 2);
        assert_eq!(phrase, "DELETE 2 leerlingen OF 99DE00");
        for wrong in ["", "yes", "DELETE 2 leerlingen OF 99DF00", "delete 2 leerlingen of 99DE00"] {
            let e = gw.delete_deactivated(LOCATION, Tab::Leerlingen, &ids, wrong, "admin", None).await.unwrap_err();
            assert!(matches!(e, GatewayError::Invalid(_)), "{e}");
            assert!(e.to_string().contains(&phrase), "the message states the phrase: {e}");
        }
        let active = *pupils.iter().find(|p| !ids.contains(p)).unwrap();
        let with_active = [ids.clone(), vec![active]].concat();
        let e = gw
            .delete_deactivated(LOCATION, Tab::Leerlingen, &with_active, "DELETE 3 leerlingen OF 99DE00", "admin", None)
            .await
            .unwrap_err();
        assert!(matches!(e, GatewayError::Conflict(_)) && e.to_string().contains("still active"), "{e}");
        let e = gw
            .delete_deactivated(LOCATION, Tab::Leerlingen, &[ids[0], 999_999], &phrase, "admin", None)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("no leerling 999999"), "{e}");
        let naming = format!("{} moved abroad", gone[0].achternaam);
        let e =
            gw.delete_deactivated(LOCATION, Tab::Leerlingen, &ids, &phrase, "admin", Some(&naming)).await.unwrap_err();
        assert!(e.to_string().contains("ids only"), "{e}");
        assert_eq!(all_results(&gw).await, results_before, "{}: refusals delete nothing", db.name);
        assert_eq!(gw.deactivated(LOCATION).await.unwrap().leerlingen.len(), 2);
        assert!(!traces(&gw, &gone[0]).await.is_empty(), "the inspection sees a pupil that is there");

        // Confirmed: gone, audited with ids and counts.
        let report = gw
            .delete_deactivated(LOCATION, Tab::Leerlingen, &ids, &format!(" {phrase} "), "admin", Some("left school"))
            .await
            .unwrap();
        assert_eq!(report.deleted, ids);
        assert_eq!((report.removed.results, report.removed.result_versions), (4, 6), "{}", db.name);
        assert!(report.removed.deliveries >= 4, "{:?}", report.removed);
        assert!(report.removed.answers_forgotten >= 1, "the first answer named them: {:?}", report.removed);
        for g in &gone {
            let found = traces(&gw, g).await;
            assert!(found.is_empty(), "{}: {found:#?}", db.name);
        }
        let audit = gw.audit_trail(LOCATION).await.unwrap();
        let lines: Vec<_> = audit.iter().filter(|a| a.action == "delete-leerling").collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0]
            .reason
            .as_deref()
            .unwrap()
            .contains(&format!("leerling {} deleted for good: 2 result(s)", ids[0])));
        assert!(lines[0].reason.as_deref().unwrap().ends_with("reason: left school"));

        // Everyone else keeps everything; the link works on.
        assert_eq!(all_results(&gw).await, results_before - 4);
        assert!(gw.deactivated(LOCATION).await.unwrap().leerlingen.is_empty());
        let e = gw.delete_deactivated(LOCATION, Tab::Leerlingen, &ids, &phrase, "admin", None).await.unwrap_err();
        assert!(e.to_string().contains("no leerling"), "deleted once: {e}");
        gw.deliver(&fast).await.unwrap();
        full_import(&gw, link).await;
        assert_eq!(gw.records(LOCATION).await.unwrap().leerlingen.len(), 28, "{}", db.name);
        las.server.shutdown().await;
    }
}

#[tokio::test]
async fn a_deleted_group_takes_no_results_with_it() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Parnassys, 30, clock.clone()).await;
        let link = imported(&gw, &las).await;
        clock.advance(Duration::minutes(1));
        let records = gw.records(LOCATION).await.unwrap();
        for l in &records.leerlingen {
            gw.record_result(&result(l.id, "s1", 5, clock.now()), "platform").await.unwrap();
        }

        // A class group ends: its pupils leave, then the group goes.
        let groep = las.las.groepen(LOCATION).await.unwrap().into_iter().find(|g| !g.samengesteld && g.leerlingen > 0);
        let groep = groep.expect("a class group with pupils");
        let groep_id = records
            .groepen
            .iter()
            .find(|g| g.external.as_ref().and_then(|e| e.las_key.as_deref()) == Some(groep.key.as_str()))
            .unwrap()
            .id;
        let members: Vec<i64> = records.leerlingen.iter().filter(|l| l.groep == Some(groep_id)).map(|l| l.id).collect();
        assert!(!members.is_empty());
        for l in las.las.leerlingen(LOCATION).await.unwrap() {
            if l.groep.as_deref() == Some(groep.key.as_str()) {
                las.las.remove_leerling(LOCATION, l.key.as_deref().unwrap()).await.unwrap();
            }
        }
        las.las.remove_groep(LOCATION, &groep.key).await.unwrap();
        full_import(&gw, link).await;

        let list = gw.deactivated(LOCATION).await.unwrap();
        assert_eq!(list.groepen.iter().map(|g| g.id).collect::<Vec<_>>(), vec![groep_id], "{}", db.name);
        assert_eq!(list.groepen[0].leerlingen, members.len() as i64);

        // An active group is refused.
        let other = records.groepen.iter().find(|g| g.id != groep_id && g.active).unwrap().id;
        let e = gw
            .delete_deactivated(LOCATION, Tab::Groepen, &[other], "DELETE 1 groepen OF 99DE00", "admin", None)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("still active"), "{e}");

        let before = all_results(&gw).await;
        let phrase = confirmation_phrase(LOCATION, Tab::Groepen, 1);
        let report = gw.delete_deactivated(LOCATION, Tab::Groepen, &[groep_id], &phrase, "admin", None).await.unwrap();
        assert_eq!(report.removed.ungrouped, members.len() as u64, "{}", db.name);
        assert_eq!(all_results(&gw).await, before, "{}: a group holds no results", db.name);
        for m in &members {
            assert_eq!(count(&gw, "SELECT COUNT(*) FROM resultaten WHERE leerling_id = $1", *m).await, 1);
            assert_eq!(count(&gw, "SELECT COUNT(*) FROM leerlingen WHERE id = $1 AND groep_id IS NULL", *m).await, 1);
        }
        for sql in [
            "SELECT COUNT(*) FROM groepen WHERE id = $1",
            "SELECT COUNT(*) FROM leerlingen WHERE groep_id = $1",
            "SELECT COUNT(*) FROM leerling_groepen WHERE groep_id = $1",
            "SELECT COUNT(*) FROM leerkracht_groepen WHERE groep_id = $1",
            "SELECT COUNT(*) FROM external_keys WHERE tab = 'groepen' AND record_id = $1",
        ] {
            assert_eq!(count(&gw, sql, groep_id).await, 0, "{}: {sql}", db.name);
        }
        assert!(gw.audit_trail(LOCATION).await.unwrap().iter().any(|a| a.action == "delete-groep"));
        // The pupils stay deactivated and can be deleted on their own later.
        assert_eq!(gw.deactivated(LOCATION).await.unwrap().leerlingen.len(), members.len());
        full_import(&gw, link).await;
        las.server.shutdown().await;
    }
}

#[tokio::test]
async fn an_admin_archives_and_reactivates_pupils_and_groups_by_hand() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Parnassys, 10, clock.clone()).await;
        imported(&gw, &las).await;
        let records = gw.records(LOCATION).await.unwrap();
        let ids: Vec<i64> = records.leerlingen.iter().map(|l| l.id).collect();
        let (a, b, c) = (ids[0], ids[1], ids[2]);
        let groep = records.groepen[0].id;
        clock.advance(Duration::minutes(1));
        gw.record_result(&result(a, "s1", 10, clock.now()), "platform").await.unwrap();

        // In bulk, in the order given or not: both or neither.
        let r = gw.archive(LOCATION, Tab::Leerlingen, &[b, a, b], "admin", Some("left for secondary school")).await;
        let r = r.unwrap();
        assert_eq!((r.ids.clone(), r.active), (vec![a, b], false), "{}", db.name);
        let list = gw.deactivated(LOCATION).await.unwrap();
        let listed: Vec<(i64, i64)> = list.leerlingen.iter().map(|l| (l.id, l.results)).collect();
        assert_eq!(listed, [(a, 1), (b, 0)], "{}: listed, results kept", db.name);
        assert!(list.leerlingen.iter().all(|l| l.deactivated_at == Some(clock.now())));
        // An archived pupil gets no new result.
        assert!(gw.record_result(&result(a, "s2", 11, clock.now()), "platform").await.is_err());

        // One id already archived, one unknown: nothing happens, and the refusal names them.
        let e = conflict(gw.archive(LOCATION, Tab::Leerlingen, &[a, c, 999_999], "admin", None).await.unwrap_err());
        assert!(e.contains(&format!("leerling {a} already deactivated")) && e.contains("no leerling 999999"), "{e}");
        assert!(gw.records(LOCATION).await.unwrap().leerlingen.iter().find(|l| l.id == c).unwrap().active);
        // Another school's admin learns nothing: an id of another location is unknown there.
        gw.add_school_admin("99DF00", "admin@other.school", "admin").await.unwrap();
        let e = conflict(gw.reactivate("99DF00", Tab::Leerlingen, &[a], "admin", None).await.unwrap_err());
        assert!(e.contains(&format!("no leerling {a} at 99DF00")), "{e}");
        // A reason that names the pupil is refused; teachers follow the LAS.
        let pupil = gw.records(LOCATION).await.unwrap().leerlingen.into_iter().find(|l| l.id == c).unwrap();
        let named = format!("{} moved away", pupil.achternaam.clone().unwrap());
        let e = gw.archive(LOCATION, Tab::Leerlingen, &[c], "admin", Some(&named)).await.unwrap_err();
        assert!(matches!(e, GatewayError::Invalid(ref m) if m.contains("ids only")), "{e:?}");
        assert!(matches!(
            gw.archive(LOCATION, Tab::Leerkrachten, &[1], "admin", None).await,
            Err(GatewayError::Invalid(_))
        ));

        // Reactivated: active again, off the list, and takes results again.
        let r = gw.reactivate(LOCATION, Tab::Leerlingen, &[b], "admin", None).await.unwrap();
        assert_eq!((r.ids, r.active), (vec![b], true));
        let list = gw.deactivated(LOCATION).await.unwrap();
        assert_eq!(list.leerlingen.iter().map(|l| l.id).collect::<Vec<_>>(), [a]);
        gw.record_result(&result(b, "s1", 12, clock.now()), "platform").await.unwrap();
        let e = conflict(gw.reactivate(LOCATION, Tab::Leerlingen, &[b], "admin", None).await.unwrap_err());
        assert!(e.contains("already active"), "{e}");

        // A group, the same way.
        gw.archive(LOCATION, Tab::Groepen, &[groep], "admin", Some("school year 2024-2025")).await.unwrap();
        assert_eq!(gw.deactivated(LOCATION).await.unwrap().groepen.iter().map(|g| g.id).collect::<Vec<_>>(), [groep]);
        gw.reactivate(LOCATION, Tab::Groepen, &[groep], "admin", None).await.unwrap();
        assert!(gw.deactivated(LOCATION).await.unwrap().groepen.is_empty());

        // Every step audited, one line per record, ids only.
        let trail = gw.audit_trail(LOCATION).await.unwrap();
        let actions: Vec<&str> = trail
            .iter()
            .map(|t| t.action.as_str())
            .filter(|a| a.contains("activate") || a.starts_with("archive"))
            .collect();
        assert_eq!(
            actions,
            ["archive-leerling", "archive-leerling", "reactivate-leerling", "archive-groep", "reactivate-groep"]
        );
        let line = trail.iter().find(|t| t.action == "archive-leerling").unwrap();
        assert_eq!(
            line.reason.as_deref(),
            Some(format!("leerling {a} archived by hand; reason: left for secondary school").as_str())
        );

        // Deleting for good is as before: only with the phrase, and the results go with it.
        let e = gw.delete_deactivated(LOCATION, Tab::Leerlingen, &[a], "yes", "admin", None).await.unwrap_err();
        assert!(matches!(e, GatewayError::Invalid(ref m) if m.contains("DELETE 1 leerlingen OF 99DE00")), "{e:?}");
        let phrase = confirmation_phrase(LOCATION, Tab::Leerlingen, 1);
        let report = gw.delete_deactivated(LOCATION, Tab::Leerlingen, &[a], &phrase, "admin", None).await.unwrap();
        assert_eq!((report.deleted, report.removed.results), (vec![a], 1), "{}", db.name);
        las.server.shutdown().await;
    }
}
