//! What migration 0005 cannot do in SQL, done once right after it when a store is opened:
//! the pupils and teachers that the old school-year transition doubled (a second record in
//! the new year, which came in through the old link's continuation under the same LAS key
//! or ECK iD) are merged into the first record, every pupil gets a Boom number, and each
//! pupil's latest LAS key and ECK iD are written where the store enforces them. Marked done
//! in `upgrades` in the same transaction, so it runs once and never half.

use super::{pupils, ts, StoreError};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

const NAME: &str = "0005-pupils-carry-on";

/// What the upgrade did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Upgraded {
    pub pupils_merged: u64,
    pub teachers_merged: u64,
    pub numbered: u64,
    /// Pupils whose key another active pupil already holds: left without it (a person merges them).
    pub keys_left_out: u64,
}

/// Runs the upgrade if it has not run yet; `None` when it had.
pub async fn run(conn: &mut AnyConnection, now: DateTime<Utc>) -> Result<Option<Upgraded>, StoreError> {
    let done: Option<String> =
        sqlx::query_scalar("SELECT name FROM upgrades WHERE name = $1").bind(NAME).fetch_optional(&mut *conn).await?;
    if done.is_some() {
        return Ok(None);
    }
    let mut up = Upgraded::default();
    for (survivor, merged) in doubles(conn, "leerlingen").await? {
        match pupils::merge(conn, survivor, merged, "gateway (upgrade 0005)", now).await {
            Ok(_) => up.pupils_merged += 1,
            // Two results of one sitting: both records stay, for a person to merge.
            Err(StoreError::Conflict(why)) => tracing::warn!(survivor, merged, "not merged: {why}"),
            Err(e) => return Err(e),
        }
    }
    for (survivor, merged) in doubles(conn, "leerkrachten").await? {
        pupils::merge_leerkracht(conn, survivor, merged, "gateway (upgrade 0005)", now).await?;
        up.teachers_merged += 1;
    }
    up.numbered = pupils::number_all(conn, now).await?;
    up.keys_left_out = identity_keys(conn).await?;
    let report = serde_json::to_string(&up).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    sqlx::query("INSERT INTO upgrades (name, done_at, report) VALUES ($1, $2, $3)")
        .bind(NAME)
        .bind(ts(now))
        .bind(report)
        .execute(&mut *conn)
        .await?;
    Ok(Some(up))
}

/// (first record, later double) pairs of `tab`: a record that came in through a link of a
/// later year under a key that an earlier record of the same location came in with through
/// an earlier link, the later link being a continuation (same location, later year). Each
/// double maps to the first record of its chain, so three years make one pupil.
async fn doubles(conn: &mut AnyConnection, tab: &'static str) -> Result<Vec<(i64, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT DISTINCT o.record_id, n.record_id FROM external_keys o \
         JOIN koppelingen ko ON ko.id = o.koppeling_id \
         JOIN external_keys n ON n.tab = o.tab AND (n.las_key = o.las_key OR n.eckid = o.eckid) \
         JOIN koppelingen kn ON kn.id = n.koppeling_id \
         WHERE o.tab = $1 AND o.record_id IS NOT NULL AND n.record_id IS NOT NULL AND n.record_id <> o.record_id \
           AND kn.location = ko.location AND kn.schooljaar > ko.schooljaar AND kn.kind = ko.kind \
         ORDER BY 2, 1",
    )
    .bind(tab)
    .fetch_all(&mut *conn)
    .await?;
    let mut root: HashMap<i64, i64> = HashMap::new();
    let mut pairs = Vec::new();
    for r in rows {
        let (old, new): (i64, i64) = (r.try_get(0)?, r.try_get(1)?);
        if root.contains_key(&new) || old > new {
            continue;
        }
        let first = *root.get(&old).unwrap_or(&old);
        root.insert(new, first);
        pairs.push((first, new));
    }
    Ok(pairs)
}

/// Writes each pupil's LAS key and ECK iD (from the newest link it came in through) where the
/// unique indexes hold them; a key another active pupil holds already is left out and counted.
async fn identity_keys(conn: &mut AnyConnection) -> Result<u64, StoreError> {
    let rows = sqlx::query(
        "SELECT e.record_id, e.las_key, e.eckid FROM external_keys e JOIN koppelingen k ON k.id = e.koppeling_id \
         WHERE e.tab = 'leerlingen' AND e.record_id IS NOT NULL ORDER BY k.schooljaar, e.koppeling_id, e.record_id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut newest: HashMap<i64, (Option<String>, Option<String>)> = HashMap::new();
    let mut order = Vec::new();
    for r in rows {
        let id: i64 = r.try_get(0)?;
        if newest.insert(id, (r.try_get(1)?, r.try_get(2)?)).is_none() {
            order.push(id);
        }
    }
    order.sort_unstable();
    let mut left_out = 0;
    for id in order {
        let (las_key, eckid) = &newest[&id];
        for (column, value) in [("las_key", las_key), ("eckid", eckid)] {
            let Some(v) = value else { continue };
            let sql = format!("UPDATE leerlingen SET {column} = $1 WHERE id = $2");
            // A savepoint, so that a refused key leaves the transaction usable on PostgreSQL.
            sqlx::query("SAVEPOINT identity_key").execute(&mut *conn).await?;
            match sqlx::query(sqlx::AssertSqlSafe(sql)).bind(v).bind(id).execute(&mut *conn).await {
                Ok(_) => {
                    sqlx::query("RELEASE SAVEPOINT identity_key").execute(&mut *conn).await?;
                }
                Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
                    sqlx::query("ROLLBACK TO SAVEPOINT identity_key").execute(&mut *conn).await?;
                    left_out += 1;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(left_out)
}
