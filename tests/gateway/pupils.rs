//! A pupil for life, on SQLite and PostgreSQL: Boom numbers (ten digits, random, unique,
//! never reused, also after a merge or a delete for good), one active pupil per ECK iD and
//! LAS key in a school (the store refuses a second), and merging a doubled pupil back into
//! one record with its results.

use crate::store_support;

use chrono::Duration;
use store_support::*;
use uwlr::clock::Clock;
use uwlr::mock::Profile;
use uwlr::results::{NewResult, Scores};

/// 99DE00 linked to the mock ParnasSys, its first import applied.
async fn imported(gw: &uwlr::gateway::Gateway, las: &Las) {
    let link = active_link(gw, las).await;
    let out = gw.fetch(link, true, "admin", &no_progress()).await.unwrap();
    gw.apply_proposal(out.proposal_id, "admin", Default::default()).await.unwrap();
}

fn result(pupil: i64, afname: &str, at: chrono::DateTime<chrono::Utc>) -> NewResult {
    NewResult {
        leerling_id: pupil,
        toetscode: "REK".into(),
        toetsonderdeel: None,
        afname: afname.into(),
        afnamedatum: at.date_naive(),
        scores: Scores::Raw { score: 20 },
        normed_at: at,
    }
}

#[tokio::test]
async fn boom_numbers_are_ten_random_digits_unique_and_never_given_again() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Parnassys, 30, clock.clone()).await;
        imported(&gw, &las).await;
        let numbers = gw.boom_numbers("99DE00", None).await.unwrap();
        assert_eq!(numbers.len(), 30, "{}", db.name);
        let mut n: Vec<u64> = numbers.iter().map(|b| b.boom_nummer.parse().unwrap()).collect();
        assert!(numbers.iter().all(|b| b.boom_nummer.len() == 10), "{}", db.name);
        n.sort_unstable();
        n.dedup();
        assert_eq!(n.len(), 30, "{}: unique", db.name);
        // Not a count: spread over the whole range, not consecutive.
        assert!(n.windows(2).all(|w| w[1] - w[0] > 1), "{}: {n:?}", db.name);
        assert!(n[29] - n[0] > 1_000_000, "{}: {n:?}", db.name);
        // One group's.
        let groep = numbers[0].groep.clone().unwrap();
        let one = gw.boom_numbers("99DE00", Some(&groep)).await.unwrap();
        assert!(!one.is_empty() && one.len() < 30 && one.iter().all(|b| b.groep.as_deref() == Some(&groep)));

        // Merged: the survivor keeps its number, the other number stays issued, never reused.
        let (a, b) = (&numbers[0], &numbers[1]);
        clock.advance(Duration::minutes(1));
        gw.record_result(&result(b.leerling_id, "s1", clock.now()), "platform").await.unwrap();
        let m = gw.merge_leerlingen("99DE00", a.leerling_id, b.leerling_id, "admin").await.unwrap();
        assert_eq!((m.results, m.enrolments), (1, 0), "{}: same year, one enrolment kept", db.name);
        let after = gw.boom_numbers("99DE00", None).await.unwrap();
        assert_eq!(after.len(), 29);
        assert!(after.iter().any(|x| x.leerling_id == a.leerling_id && x.boom_nummer == a.boom_nummer));
        let mut conn = gw.store().pool().acquire().await.unwrap();
        let issued: Vec<String> =
            sqlx::query_scalar("SELECT nummer FROM boom_numbers").fetch_all(&mut *conn).await.unwrap();
        assert!(issued.contains(&b.boom_nummer), "{}: kept as issued", db.name);
        let results: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM resultaten WHERE leerling_id = $1")
            .bind(a.leerling_id)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(results, 1, "{}: the result moved", db.name);
        drop(conn);
        let trail = gw.audit_trail("99DE00").await.unwrap();
        let line = trail.iter().find(|l| l.action == "merge-leerling").expect("audited");
        assert!(line.reason.as_deref().unwrap().contains(&b.boom_nummer), "{line:?}");
        // Into itself, or a pupil of another school: refused.
        let e = gw.merge_leerlingen("99DE00", a.leerling_id, a.leerling_id, "admin").await.unwrap_err();
        assert!(e.to_string().contains("into itself"), "{e}");
        let e = gw.merge_leerlingen("99XX00", a.leerling_id, b.leerling_id, "admin").await.unwrap_err();
        assert!(e.to_string().contains("has no pupil"), "{e}");
    }
}

#[tokio::test]
async fn an_eckid_or_las_key_belongs_to_one_active_pupil_of_a_school() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Parnassys, 6, clock.clone()).await;
        imported(&gw, &las).await;
        let mut conn = gw.store().pool().acquire().await.unwrap();
        let (id, las_key): (i64, String) =
            sqlx::query_as("SELECT id, las_key FROM leerlingen WHERE las_key IS NOT NULL ORDER BY id LIMIT 1")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
        let insert = |active: i64| {
            sqlx::query(
                "INSERT INTO leerlingen (location, schooljaar, active, created_at, updated_at, las_key, eckid) \
                 VALUES ('99DE00', '2025-2026', $1, 't', 't', $2, NULL)",
            )
            .bind(active)
            .bind(las_key.clone())
        };
        let e = insert(1).execute(&mut *conn).await.unwrap_err();
        assert!(e.as_database_error().is_some_and(|d| d.is_unique_violation()), "{}: {e}", db.name);
        // An archived pupil may hold it (a pupil who left and another who came), and so may
        // a pupil of another school.
        insert(0).execute(&mut *conn).await.unwrap();
        sqlx::query("UPDATE leerlingen SET active = 0 WHERE id = $1").bind(id).execute(&mut *conn).await.unwrap();
        insert(1).execute(&mut *conn).await.unwrap();
        let e = sqlx::query("UPDATE leerlingen SET active = 1 WHERE id = $1").bind(id).execute(&mut *conn).await;
        assert!(e.is_err(), "{}: reactivating the first would make two", db.name);
    }
}

/// The 371-from-200 case at the store: after "Verwijder nummers" a full import that would
/// create every pupil again is refused as a whole (the ECK iDs are held by the active
/// pupils), whatever the proposal says; nothing is written.
#[tokio::test]
async fn a_second_active_pupil_with_a_known_eckid_is_refused_by_the_store() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Parnassys, 20, clock.clone()).await;
        let link = active_link(&gw, &las).await;
        let out = gw.fetch(link, true, "admin", &no_progress()).await.unwrap();
        gw.apply_proposal(out.proposal_id, "admin", Default::default()).await.unwrap();
        gw.clear_external_numbers("99DE00", "admin", None).await.unwrap();
        clock.advance(Duration::minutes(1));
        let again = gw.fetch(link, true, "admin", &no_progress()).await.unwrap();
        let p = gw.proposal(again.proposal_id).await.unwrap().proposal;
        assert!(p.summary.leerlingen.new > 0, "{}: numbers cleared, so the pupils look new", db.name);
        let mut tx = gw.store().pool().begin().await.unwrap();
        let e = uwlr::store::apply::apply(&mut tx, link, ("99DE00", SCHOOLJAAR), &p, clock.now(), Default::default())
            .await
            .unwrap_err();
        assert!(e.to_string().contains("already belongs to another active pupil"), "{}: {e}", db.name);
        tx.rollback().await.unwrap();
        let pupils = gw.records("99DE00").await.unwrap().leerlingen.len();
        assert_eq!(pupils, 20, "{}: no pupil doubled", db.name);
    }
}
