//! Koppeling rows, school locations and the audit trail. Keys arrive here sealed (see
//! [`crate::vault`]); this module never sees a key in the clear.

use super::{opt_ts, parse_ts, ts, Dialect, StoreError};
use crate::koppeling::{Kind, Koppeling, Status};
use crate::location::Location;
use crate::message::values::Schooljaar;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

/// One line of the audit trail: who did what to which link, when and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub koppeling_id: Option<i64>,
    pub location: String,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub reason: Option<String>,
}

const COLUMNS: &str =
    "id, location, schooljaar, kind, endpoint, status, key_sealed IS NOT NULL AS has_key, klantcode, \
                       klantnaam, process_changes, requested_at, activated_at, delta_since, last_full_at";

fn koppeling(row: &AnyRow) -> Result<Koppeling, StoreError> {
    let corrupt = StoreError::Corrupt;
    Ok(Koppeling {
        id: row.try_get("id")?,
        location: Location::parse(&row.try_get::<String, _>("location")?).map_err(|e| corrupt(e.to_string()))?,
        schooljaar: Schooljaar::parse(&row.try_get::<String, _>("schooljaar")?).map_err(corrupt)?,
        kind: Kind::parse(&row.try_get::<String, _>("kind")?).map_err(corrupt)?,
        endpoint: row.try_get("endpoint")?,
        status: Status::parse(&row.try_get::<String, _>("status")?).map_err(corrupt)?,
        has_key: flag(row, "has_key")?,
        klantcode: row.try_get("klantcode")?,
        klantnaam: row.try_get("klantnaam")?,
        process_changes: flag(row, "process_changes")?,
        requested_at: parse_ts(&row.try_get::<String, _>("requested_at")?)?,
        activated_at: opt_ts(row.try_get("activated_at")?)?,
        delta_since: opt_ts(row.try_get("delta_since")?)?,
        last_full_at: opt_ts(row.try_get("last_full_at")?)?,
    })
}

/// A 0/1 column (or a boolean expression, which PostgreSQL returns as a boolean).
pub(crate) fn flag(row: &AnyRow, col: &str) -> Result<bool, StoreError> {
    match row.try_get::<i64, _>(col) {
        Ok(v) => Ok(v != 0),
        Err(_) => Ok(row.try_get::<bool, _>(col)?),
    }
}

/// Makes sure the location exists (first link of a school creates it).
pub async fn ensure_location(
    conn: &mut AnyConnection,
    location: &Location,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (brin, dep) = location.brin_dependance().unzip();
    sqlx::query(
        "INSERT INTO locations (location, brincode, dependancecode, schoolkey, version, created_at) \
         VALUES ($1, $2, $3, $4, 0, $5) ON CONFLICT (location) DO NOTHING",
    )
    .bind(location.as_str())
    .bind(brin)
    .bind(dep)
    .bind(location.schoolkey())
    .bind(ts(now))
    .execute(conn)
    .await?;
    Ok(())
}

pub struct NewKoppeling<'a> {
    pub location: &'a Location,
    pub schooljaar: Schooljaar,
    pub kind: Kind,
    pub endpoint: Option<&'a str>,
    pub klantcode: &'a str,
    pub klantnaam: &'a str,
}

pub async fn insert(conn: &mut AnyConnection, k: &NewKoppeling<'_>, now: DateTime<Utc>) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO koppelingen (location, schooljaar, kind, endpoint, status, klantcode, klantnaam, process_changes, \
         requested_at, version) VALUES ($1, $2, $3, $4, 'requested', $5, $6, 1, $7, 0) RETURNING id",
    )
    .bind(k.location.as_str())
    .bind(k.schooljaar.to_string())
    .bind(k.kind.as_str())
    .bind(k.endpoint)
    .bind(k.klantcode)
    .bind(k.klantnaam)
    .bind(ts(now))
    .fetch_one(conn)
    .await?;
    Ok(row.try_get(0)?)
}

/// Takes link `id` for the rest of the transaction, so that the transactions that write its
/// proposals (fetch, decide, apply) run one after the other, also across gateway instances
/// sharing a PostgreSQL database: two fetches at once would otherwise each supersede only
/// the proposal they saw and leave two open. On SQLite the no-op write takes the database's
/// write lock now, rather than at the transaction's first write after its reads.
pub async fn lock(conn: &mut AnyConnection, dialect: Dialect, id: i64) -> Result<(), StoreError> {
    let sql = match dialect {
        Dialect::Postgres => "SELECT id FROM koppelingen WHERE id = $1 FOR UPDATE",
        Dialect::Sqlite => "UPDATE koppelingen SET id = id WHERE id = $1",
    };
    sqlx::query(sql).bind(id).execute(conn).await?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Koppeling, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!("SELECT {COLUMNS} FROM koppelingen WHERE id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no koppeling {id}")))?;
    koppeling(&row)
}

/// Links, newest first; optionally of one location.
pub async fn list(conn: &mut AnyConnection, location: Option<&str>) -> Result<Vec<Koppeling>, StoreError> {
    let rows = match location {
        Some(l) => {
            sqlx::query(AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM koppelingen WHERE location = $1 ORDER BY id DESC"
            )))
            .bind(l)
            .fetch_all(conn)
            .await?
        }
        None => {
            sqlx::query(AssertSqlSafe(format!("SELECT {COLUMNS} FROM koppelingen ORDER BY id DESC")))
                .fetch_all(conn)
                .await?
        }
    };
    rows.iter().map(koppeling).collect()
}

pub async fn set_status(
    conn: &mut AnyConnection,
    id: i64,
    status: Status,
    activated_at: Option<DateTime<Utc>>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE koppelingen SET status = $1, activated_at = COALESCE(activated_at, $2), version = version + 1 \
         WHERE id = $3",
    )
    .bind(status.as_str())
    .bind(activated_at.map(ts))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Stores a sealed key and its fingerprint; `None` forgets the key (revocation).
pub async fn set_key(
    conn: &mut AnyConnection,
    id: i64,
    sealed: Option<Vec<u8>>,
    fingerprint: Option<Vec<u8>>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE koppelingen SET key_sealed = $1, key_fingerprint = $2, version = version + 1 WHERE id = $3")
        .bind(sealed)
        .bind(fingerprint)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn sealed_key(conn: &mut AnyConnection, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
    let row = sqlx::query("SELECT key_sealed FROM koppelingen WHERE id = $1").bind(id).fetch_one(conn).await?;
    Ok(row.try_get(0)?)
}

/// The links that hold a key with this fingerprint: one, or a link and its continuations
/// into a new school year while that year is not completed.
pub async fn by_fingerprint(conn: &mut AnyConnection, fingerprint: &[u8]) -> Result<Vec<Koppeling>, StoreError> {
    let rows =
        sqlx::query(AssertSqlSafe(format!("SELECT {COLUMNS} FROM koppelingen WHERE key_fingerprint = $1 ORDER BY id")))
            .bind(fingerprint.to_vec())
            .fetch_all(conn)
            .await?;
    rows.iter().map(koppeling).collect()
}

pub async fn set_process_changes(conn: &mut AnyConnection, id: i64, on: bool) -> Result<(), StoreError> {
    sqlx::query("UPDATE koppelingen SET process_changes = $1, version = version + 1 WHERE id = $2")
        .bind(i64::from(on))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// After a fetch's proposal is applied (or it found nothing new): where the next delta starts.
pub async fn set_watermark(
    conn: &mut AnyConnection,
    id: i64,
    delta_since: DateTime<Utc>,
    full: bool,
) -> Result<(), StoreError> {
    let sql = if full {
        "UPDATE koppelingen SET delta_since = $1, last_full_at = $1 WHERE id = $2"
    } else {
        "UPDATE koppelingen SET delta_since = $1 WHERE id = $2"
    };
    sqlx::query(sql).bind(ts(delta_since)).bind(id).execute(conn).await?;
    Ok(())
}

/// Forgets the watermark, so the next fetch is a full one (after clearing external numbers).
pub async fn clear_watermarks(conn: &mut AnyConnection, location: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE koppelingen SET delta_since = NULL, last_full_at = NULL WHERE location = $1")
        .bind(location)
        .execute(conn)
        .await?;
    Ok(())
}

pub struct AuditLine<'a> {
    pub koppeling_id: Option<i64>,
    pub location: &'a str,
    pub actor: &'a str,
    pub action: &'a str,
    pub from: Option<Status>,
    pub to: Option<Status>,
    pub reason: Option<&'a str>,
}

pub async fn audit(conn: &mut AnyConnection, line: &AuditLine<'_>, now: DateTime<Utc>) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit (koppeling_id, location, at, actor, action, from_status, to_status, reason) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(line.koppeling_id)
    .bind(line.location)
    .bind(ts(now))
    .bind(line.actor)
    .bind(line.action)
    .bind(line.from.map(Status::as_str))
    .bind(line.to.map(Status::as_str))
    .bind(line.reason)
    .execute(conn)
    .await?;
    Ok(())
}

/// The audit trail of one location, oldest first.
pub async fn audit_trail(conn: &mut AnyConnection, location: &str) -> Result<Vec<AuditEntry>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, koppeling_id, location, at, actor, action, from_status, to_status, reason FROM audit \
         WHERE location = $1 ORDER BY id",
    )
    .bind(location)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AuditEntry {
                id: r.try_get("id")?,
                koppeling_id: r.try_get("koppeling_id")?,
                location: r.try_get("location")?,
                at: parse_ts(&r.try_get::<String, _>("at")?)?,
                actor: r.try_get("actor")?,
                action: r.try_get("action")?,
                from_status: r.try_get("from_status")?,
                to_status: r.try_get("to_status")?,
                reason: r.try_get("reason")?,
            })
        })
        .collect()
}
