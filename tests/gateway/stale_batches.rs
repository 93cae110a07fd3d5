//! A delivery run killed while sending leaves its `delivery_batches` row without an
//! outcome. The next run closes it as `abandoned` once its lease has run out, whoever
//! opened it: an instance named `host:pid` never comes back under its own name. A batch
//! of another instance whose lease still runs is left to that instance. On SQLite and on
//! PostgreSQL (the timestamps are compared as stored).

use crate::store_support::*;
use chrono::Duration;
use uwlr::clock::Clock;
use uwlr::gateway::delivery::DeliverOptions;
use uwlr::gateway::koppelingen::KoppelingRequest;
use uwlr::koppeling::Kind;

async fn open_batches_are_closed_when_their_lease_expires(db: &TestDb) {
    let clock = clock();
    let gw = gateway(db, clock.clone()).await;
    let req = KoppelingRequest {
        location: "99DE00".into(),
        schooljaar: SCHOOLJAAR.into(),
        kind: Kind::Uwlr,
        endpoint: Some("https://las.example/uwlr".into()),
        key: None,
        reason: None,
    };
    let k = gw.request_koppeling(&req, "tester").await.unwrap();
    let now = clock.now();
    let pool = gw.store().pool();
    for (owner, minutes_ago) in [("host-a:101", 30), ("host-b:202", 2), ("host-c:303", 6)] {
        let started = (now - Duration::minutes(minutes_ago)).to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        sqlx::query(
            "INSERT INTO delivery_batches (koppeling_id, owner, started_at, results, bytes) VALUES ($1, $2, $3, 10, 999)",
        )
        .bind(k.id)
        .bind(owner)
        .bind(started)
        .execute(pool)
        .await
        .unwrap();
    }
    let opts = DeliverOptions { owner: "host-d:404".into(), lease: Duration::minutes(5), ..Default::default() };
    gw.deliver(&opts).await.unwrap();
    let open: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT owner, outcome FROM delivery_batches ORDER BY owner").fetch_all(pool).await.unwrap();
    assert_eq!(
        open,
        [
            ("host-a:101".to_string(), Some("abandoned".to_string())),
            ("host-b:202".to_string(), None),
            ("host-c:303".to_string(), Some("abandoned".to_string())),
        ],
        "killed runs' batches closed once their lease ran out; a live one left open"
    );
}

#[tokio::test]
async fn stale_open_batches_are_closed_on_sqlite() {
    open_batches_are_closed_when_their_lease_expires(&sqlite()).await;
}

#[tokio::test]
async fn stale_open_batches_are_closed_on_postgres() {
    let Some(db) = postgres().await else { return };
    open_batches_are_closed_when_their_lease_expires(&db).await;
}
