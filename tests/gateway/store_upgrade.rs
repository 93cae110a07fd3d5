//! A store written by the release before migration 0005 (fixtures/stores/pre_0005.sqlite3,
//! made once with that release's binary by fixtures/stores/make_pre_0005.sh) opens with
//! today's code without loss: every result, version and audit line stays, the years stay
//! queryable, and the pupils and teachers the old school-year transition doubled are one
//! record each again, with their results together and a Boom number.

use chrono::{TimeZone, Utc};
use std::path::Path;
use std::sync::Arc;
use uwlr::clock::ManualClock;
use uwlr::gateway::{Gateway, Settings};
use uwlr::store::Store;
use uwlr::vault::Vault;

async fn count(store: &Store, sql: &'static str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql).fetch_one(store.pool()).await.unwrap()
}

#[tokio::test]
async fn a_store_doubled_by_the_old_transition_upgrades_into_one_pupil_per_pupil() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/stores/pre_0005.sqlite3");
    std::fs::copy(&fixture, dir.path().join("uwlr.sqlite3")).unwrap();
    let store = Store::open_dir(dir.path()).await.unwrap();

    // Before: 12 pupils in 2025-2026, 11 doubled in 2026-2027; 10 + 10 teachers; 3 results
    // (4 versions), 12 audit lines. After: one record per person.
    assert_eq!(count(&store, "SELECT COUNT(*) FROM leerlingen").await, 12);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM leerkrachten").await, 10);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM groepen").await, 14, "groups stay per year");
    assert_eq!(count(&store, "SELECT COUNT(*) FROM resultaten").await, 3);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM result_versions").await, 4);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM deliveries").await, 4);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM audit WHERE action NOT LIKE 'merge-%'").await, 12);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM audit WHERE action = 'merge-leerling'").await, 11);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM audit WHERE action = 'merge-leerkracht'").await, 10);
    // Pupil A (record 1) has its 2025-2026 results and the one recorded on its double.
    assert_eq!(count(&store, "SELECT COUNT(*) FROM resultaten WHERE leerling_id = 1").await, 2);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM enrolments WHERE leerling_id = 1").await, 2);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM enrolments").await, 23, "12 + 11 enrolments, none lost");
    // Every pupil has a Boom number: ten digits, all different.
    let numbers: Vec<String> =
        sqlx::query_scalar("SELECT boom_nummer FROM leerlingen").fetch_all(store.pool()).await.unwrap();
    assert!(numbers.iter().all(|n| n.len() == 10 && n.bytes().all(|b| b.is_ascii_digit())), "{numbers:?}");
    let mut distinct = numbers.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 12);
    // The one who left with groep 8 is archived; the others are active.
    assert_eq!(count(&store, "SELECT COUNT(*) FROM leerlingen WHERE active = 1").await, 11);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM leerlingen WHERE las_key IS NOT NULL").await, 12);

    // Each year stays queryable as it was.
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 10, 1, 9, 0, 0).unwrap()));
    let gw = Gateway::new(store.clone(), Vault::open(dir.path()).unwrap(), clock, Settings::default());
    let y1 = gw.records_of_year("99DE00", Some("2025-2026")).await.unwrap();
    let y2 = gw.records_of_year("99DE00", Some("2026-2027")).await.unwrap();
    assert_eq!((y1.leerlingen.len(), y1.groepen.len()), (12, 7));
    assert_eq!((y2.leerlingen.len(), y2.groepen.len()), (11, 7));
    let a1 = y1.leerlingen.iter().find(|l| l.id == 1).unwrap();
    let a2 = y2.leerlingen.iter().find(|l| l.id == 1).unwrap();
    assert_ne!(a1.groep, a2.groep, "pupil A was in another group each year");
    assert!(y1.groepen.iter().any(|g| Some(g.id) == a1.groep) && y2.groepen.iter().any(|g| Some(g.id) == a2.groep));
    assert_eq!(a1.boom_nummer, a2.boom_nummer);

    // Opening again changes nothing: the upgrade ran once.
    store.close().await;
    let store = Store::open_dir(dir.path()).await.unwrap();
    assert_eq!(count(&store, "SELECT COUNT(*) FROM audit WHERE action LIKE 'merge-%'").await, 21);
    let again: Vec<String> =
        sqlx::query_scalar("SELECT boom_nummer FROM leerlingen").fetch_all(store.pool()).await.unwrap();
    assert_eq!(again, numbers);
}

/// The same upgrade on both databases, from a schema at migration 0004 written by hand: a
/// pupil doubled by the old transition (same LAS key through the link's continuation), each
/// record with a result, and a pupil of another school with the same key left alone.
#[tokio::test]
async fn the_upgrade_merges_on_sqlite_and_postgresql() {
    use sqlx::Executor;
    for db in crate::store_support::databases().await {
        sqlx::any::install_default_drivers();
        let pool = sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&db.url).await.unwrap();
        let migrator = if db.name == "sqlite" {
            sqlx::migrate!("./migrations/sqlite")
        } else {
            sqlx::migrate!("./migrations/postgres")
        };
        migrator.run_to(4, &pool).await.unwrap();
        for sql in [
            "INSERT INTO locations (location, created_at) VALUES ('99DE00', 't'), ('99XX00', 't')",
            "INSERT INTO koppelingen (id, location, schooljaar, kind, status, klantcode, klantnaam, requested_at) \
             VALUES (1, '99DE00', '2025-2026', 'parnassys', 'revoked', 'B', 'B', 't'), \
                    (2, '99DE00', '2026-2027', 'parnassys', 'active', 'B', 'B', 't'), \
                    (3, '99XX00', '2026-2027', 'parnassys', 'active', 'B', 'B', 't')",
            "INSERT INTO groepen (id, location, schooljaar, naam, created_at, updated_at) \
             VALUES (1, '99DE00', '2025-2026', '5A', 't', 't'), (2, '99DE00', '2026-2027', '6A', 't', 't')",
            "INSERT INTO leerlingen (id, location, schooljaar, achternaam, jaargroep, groep_id, active, created_at, \
             updated_at) VALUES (1, '99DE00', '2025-2026', 'Jansen', '5', 1, 1, 't', '2025'), \
                                (2, '99DE00', '2026-2027', 'Jansen', '6', 2, 1, 't', '2026'), \
                                (3, '99XX00', '2026-2027', 'Elders', '6', NULL, 1, 't', '2026')",
            "INSERT INTO external_keys (koppeling_id, tab, record_id, las_key) \
             VALUES (1, 'leerlingen', 1, 'L1'), (2, 'leerlingen', 2, 'L1'), (3, 'leerlingen', 3, 'L1')",
            "INSERT INTO resultaten (id, leerling_id, resultaat_key, toetscode, onderdeel, normed_at, recorded_at, \
             afname) VALUES (1, 1, 'R1', 'REK', '', 't', 't', 'a1'), (2, 2, 'R2', 'REK', '', 't', 't', 'a2')",
            "INSERT INTO audit (location, at, actor, action) VALUES ('99DE00', 't', 'admin', 'apply')",
        ] {
            pool.execute(sql).await.unwrap_or_else(|e| panic!("{}: {e}", db.name));
        }
        pool.close().await;
        // Two instances open the old store at once: the upgrade runs once, and both open.
        let (store, other) = tokio::join!(Store::connect(&db.url), async {
            tokio::task::yield_now().await;
            Store::connect(&db.url).await
        });
        let (store, other) =
            (store.unwrap(), other.unwrap_or_else(|e| panic!("{}: the second instance: {e}", db.name)));
        other.close().await;
        assert_eq!(count(&store, "SELECT COUNT(*) FROM upgrades").await, 1, "{}", db.name);
        let rows: Vec<(i64, String, Option<String>)> =
            sqlx::query_as("SELECT id, schooljaar, las_key FROM leerlingen ORDER BY id")
                .fetch_all(store.pool())
                .await
                .unwrap();
        let one = Some("L1".to_string());
        assert_eq!(
            rows,
            [(1, "2026-2027".to_string(), one.clone()), (3, "2026-2027".to_string(), one)],
            "{}: pupil 2 merged into 1, which takes the newer details; the other school's pupil stays",
            db.name
        );
        let results: Vec<(i64, i64)> =
            sqlx::query_as("SELECT id, leerling_id FROM resultaten ORDER BY id").fetch_all(store.pool()).await.unwrap();
        assert_eq!(results, [(1, 1), (2, 1)], "{}", db.name);
        let years: Vec<(String, Option<i64>)> =
            sqlx::query_as("SELECT schooljaar, groep_id FROM enrolments WHERE leerling_id = 1 ORDER BY schooljaar")
                .fetch_all(store.pool())
                .await
                .unwrap();
        assert_eq!(years, [("2025-2026".to_string(), Some(1)), ("2026-2027".to_string(), Some(2))], "{}", db.name);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM audit").await, 2, "{}: the old line and the merge", db.name);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM leerlingen WHERE boom_nummer IS NOT NULL").await, 2);
        store.close().await;
    }
}
