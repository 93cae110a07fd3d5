//! Results, their versions, and the per-link delivery outbox with leases.
//!
//! A delivery row is one version of one result for one link; `(link, result, version)` is
//! unique, so queuing twice is harmless. A newer version supersedes an older one that was
//! not sent yet. A sender claims due rows under a lease (PostgreSQL: `FOR UPDATE SKIP
//! LOCKED`, so two gateway instances never claim the same row; SQLite has one writer), and
//! marks them sent only while it still holds the lease.

use super::{parse_ts, ts, Dialect, StoreError};
use crate::results::{NewResult, Outgoing, Scores, ToetsDef};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use std::collections::HashMap;

/// A recorded result version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recorded {
    pub id: i64,
    /// Stable per pupil × test (part) × sitting; what a receiver overwrites by.
    pub key: String,
    pub version: i64,
    pub location: String,
    /// The school year of the pupil's record: only that year's links carry the result.
    pub schooljaar: String,
}

pub async fn define_toets(conn: &mut AnyConnection, def: &ToetsDef) -> Result<(), StoreError> {
    let json = serde_json::to_string(def).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    sqlx::query(
        "INSERT INTO toetsen (toetscode, definition) VALUES ($1, $2) \
         ON CONFLICT (toetscode) DO UPDATE SET definition = excluded.definition",
    )
    .bind(&def.toetscode)
    .bind(json)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn toetsen(conn: &mut AnyConnection) -> Result<HashMap<String, ToetsDef>, StoreError> {
    let rows = sqlx::query("SELECT toetscode, definition FROM toetsen").fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            let def: ToetsDef = serde_json::from_str(&r.try_get::<String, _>(1)?)
                .map_err(|e| StoreError::Corrupt(format!("toets definition: {e}")))?;
            Ok((r.try_get(0)?, def))
        })
        .collect()
}

/// Records a result, or a new version of it when the pupil, test, part and sitting are
/// known already. A deactivated pupil gets no new result.
pub async fn upsert(conn: &mut AnyConnection, r: &NewResult, now: DateTime<Utc>) -> Result<Recorded, StoreError> {
    let pupil = sqlx::query("SELECT location, active, schooljaar FROM leerlingen WHERE id = $1")
        .bind(r.leerling_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no pupil {}", r.leerling_id)))?;
    let location: String = pupil.try_get(0)?;
    let schooljaar: String = pupil.try_get(2)?;
    if pupil.try_get::<i64, _>(1)? == 0 {
        return Err(StoreError::Conflict(format!(
            "pupil {} is deactivated (archived): it keeps its results but gets no new ones",
            r.leerling_id
        )));
    }
    if let Some(later) = super::school_years::later_year(conn, &location, &schooljaar).await? {
        return Err(StoreError::Conflict(format!(
            "pupil {} is the {schooljaar} record, a school year that closed when {later} was completed at {location}: \
             it keeps its results but gets no new ones; record on the pupil's {later} record",
            r.leerling_id
        )));
    }
    let score = serde_json::to_string(&r.scores).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let onderdeel = r.toetsonderdeel.clone().unwrap_or_default();
    let datum = r.afnamedatum.format("%Y-%m-%d").to_string();
    let existing = sqlx::query(
        "SELECT id, version, resultaat_key FROM resultaten WHERE leerling_id = $1 AND toetscode = $2 \
         AND onderdeel = $3 AND afname = $4",
    )
    .bind(r.leerling_id)
    .bind(&r.toetscode)
    .bind(&onderdeel)
    .bind(&r.afname)
    .fetch_optional(&mut *conn)
    .await?;
    let (id, version, key) = match existing {
        Some(row) => {
            let id: i64 = row.try_get(0)?;
            let version = row.try_get::<i64, _>(1)? + 1;
            sqlx::query(
                "UPDATE resultaten SET version = $1, score = $2, normed_at = $3, afnamedatum = $4, recorded_at = $5 \
                 WHERE id = $6",
            )
            .bind(version)
            .bind(&score)
            .bind(ts(r.normed_at))
            .bind(&datum)
            .bind(ts(now))
            .bind(id)
            .execute(&mut *conn)
            .await?;
            (id, version, row.try_get(2)?)
        }
        None => {
            // The key is the row id, given once: unique, short, never reused.
            let provisional = format!("new-{}-{}-{}-{}", r.leerling_id, r.toetscode, onderdeel, r.afname);
            let row = sqlx::query(
                "INSERT INTO resultaten (leerling_id, resultaat_key, toetscode, onderdeel, score, normed_at, \
                 recorded_at, afname, afnamedatum, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1) RETURNING id",
            )
            .bind(r.leerling_id)
            .bind(&provisional)
            .bind(&r.toetscode)
            .bind(&onderdeel)
            .bind(&score)
            .bind(ts(r.normed_at))
            .bind(ts(now))
            .bind(&r.afname)
            .bind(&datum)
            .fetch_one(&mut *conn)
            .await?;
            let id: i64 = row.try_get(0)?;
            let key = format!("R{id}");
            sqlx::query("UPDATE resultaten SET resultaat_key = $1 WHERE id = $2")
                .bind(&key)
                .bind(id)
                .execute(&mut *conn)
                .await?;
            (id, 1, key)
        }
    };
    sqlx::query(
        "INSERT INTO result_versions (resultaat_id, version, score, normed_at, recorded_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(version)
    .bind(&score)
    .bind(ts(r.normed_at))
    .bind(ts(now))
    .execute(&mut *conn)
    .await?;
    Ok(Recorded { id, key, version, location, schooljaar })
}

/// Queues one version for one link; an older unsent version of it is superseded.
pub async fn enqueue(
    conn: &mut AnyConnection,
    koppeling_id: i64,
    resultaat_id: i64,
    version: i64,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    sqlx::query(
        "UPDATE deliveries SET status = 'superseded', lease_owner = NULL, lease_until = NULL \
         WHERE koppeling_id = $1 AND resultaat_id = $2 AND version < $3 AND status IN ('pending', 'failed')",
    )
    .bind(koppeling_id)
    .bind(resultaat_id)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    let done = sqlx::query(
        "INSERT INTO deliveries (koppeling_id, resultaat_id, version, status, attempts, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, 'pending', 0, $4, $4) ON CONFLICT (koppeling_id, resultaat_id, version) DO NOTHING",
    )
    .bind(koppeling_id)
    .bind(resultaat_id)
    .bind(version)
    .bind(ts(now))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Results of the pupils of a location's school year normed in `[from, to)`, at their
/// current version: a backfill.
pub async fn normed_between(
    conn: &mut AnyConnection,
    (location, schooljaar): (&str, &str),
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(i64, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT r.id, r.version FROM resultaten r JOIN leerlingen l ON l.id = r.leerling_id \
         WHERE l.location = $1 AND l.schooljaar = $4 AND r.normed_at >= $2 AND r.normed_at < $3 ORDER BY r.id",
    )
    .bind(location)
    .bind(ts(from))
    .bind(ts(to))
    .bind(schooljaar)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
}

/// Claims up to `limit` due rows of a link for `owner` until `lease_until`: rows nobody
/// holds, rows whose lease ran out, and rows `owner` itself held (an instance restarted under
/// the same name takes its claims back at once instead of waiting for them to expire).
pub async fn claim(
    conn: &mut AnyConnection,
    dialect: Dialect,
    koppeling_id: i64,
    owner: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<i64>, StoreError> {
    let lock = match dialect {
        Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
        Dialect::Sqlite => "",
    };
    let sql = format!(
        "UPDATE deliveries SET lease_owner = $1, lease_until = $2 WHERE id IN (SELECT id FROM deliveries \
         WHERE koppeling_id = $3 AND status = 'pending' AND next_attempt_at <= $4 \
         AND (lease_until IS NULL OR lease_until < $4 OR lease_owner = $1) ORDER BY id LIMIT $5{lock}) RETURNING id"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(owner)
        .bind(ts(lease_until))
        .bind(koppeling_id)
        .bind(ts(now))
        .bind(limit)
        .fetch_all(conn)
        .await?;
    let mut ids: Vec<i64> = rows.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?;
    ids.sort_unstable();
    Ok(ids)
}

/// `$first, $first+1, …` for an IN list of `n` ids.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// The claimed rows as results to send, with the pupil's keys through the link.
pub async fn outgoing(conn: &mut AnyConnection, koppeling_id: i64, ids: &[i64]) -> Result<Vec<Outgoing>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT d.id, r.leerling_id, e.las_key, e.eckid, r.resultaat_key, r.toetscode, r.onderdeel, r.afnamedatum, \
         v.score, l.boom_nummer FROM deliveries d JOIN resultaten r ON r.id = d.resultaat_id \
         JOIN leerlingen l ON l.id = r.leerling_id \
         JOIN result_versions v ON v.resultaat_id = d.resultaat_id AND v.version = d.version \
         LEFT JOIN external_keys e ON e.koppeling_id = $1 AND e.tab = 'leerlingen' AND e.record_id = r.leerling_id \
         WHERE d.id IN ({}) ORDER BY d.id",
        placeholders(2, ids.len())
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(koppeling_id);
    for id in ids {
        q = q.bind(*id);
    }
    let rows = q.fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            let onderdeel: Option<String> = r.try_get(6)?;
            let datum: String = r.try_get(7)?;
            let scores: Scores = serde_json::from_str(&r.try_get::<String, _>(8)?)
                .map_err(|e| StoreError::Corrupt(format!("scores: {e}")))?;
            Ok(Outgoing {
                delivery_id: r.try_get(0)?,
                leerling_id: r.try_get(1)?,
                boom_nummer: r.try_get(9)?,
                las_key: r.try_get(2)?,
                eckid: r.try_get(3)?,
                key: r.try_get(4)?,
                toetscode: r.try_get(5)?,
                toetsonderdeel: onderdeel.filter(|o| !o.is_empty()),
                afnamedatum: NaiveDate::parse_from_str(&datum, "%Y-%m-%d")
                    .map_err(|e| StoreError::Corrupt(format!("afnamedatum '{datum}': {e}")))?,
                scores,
            })
        })
        .collect()
}

pub async fn open_batch(
    conn: &mut AnyConnection,
    koppeling_id: i64,
    owner: &str,
    now: DateTime<Utc>,
    results: usize,
    bytes: usize,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO delivery_batches (koppeling_id, owner, started_at, results, bytes) VALUES ($1, $2, $3, $4, $5) \
         RETURNING id",
    )
    .bind(koppeling_id)
    .bind(owner)
    .bind(ts(now))
    .bind(results as i64)
    .bind(bytes as i64)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get(0)?)
}

pub async fn close_batch(
    conn: &mut AnyConnection,
    batch: i64,
    outcome: &str,
    fault: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE delivery_batches SET outcome = $1, fault = $2 WHERE id = $3")
        .bind(outcome)
        .bind(fault)
        .bind(batch)
        .execute(conn)
        .await?;
    Ok(())
}

/// Closes the batches a killed run opened and never closed: its rows are claimed again, so
/// the batch is history. Those of `owner` (an earlier process under this name), and those of
/// any owner started before `lease_expired` (now minus the lease): that run's claims have
/// run out, so it is dead or has lost them (an instance named `host:pid` never comes back
/// under its name). A run that is still sending after all and closes its batch later
/// overwrites `abandoned` with what happened.
pub async fn abandon_open_batches(
    conn: &mut AnyConnection,
    owner: &str,
    lease_expired: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE delivery_batches SET outcome = 'abandoned' WHERE outcome IS NULL AND (owner = $1 OR started_at < $2)",
    )
    .bind(owner)
    .bind(ts(lease_expired))
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Marks rows sent, only those `owner` still holds; returns how many.
pub async fn mark_sent(
    conn: &mut AnyConnection,
    ids: &[i64],
    owner: &str,
    batch: i64,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let sql = format!(
        "UPDATE deliveries SET status = 'sent', sent_at = $1, batch_id = $2, attempts = attempts + 1, \
         lease_owner = NULL, lease_until = NULL WHERE lease_owner = $3 AND status = 'pending' AND id IN ({})",
        placeholders(4, ids.len())
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(ts(now)).bind(batch).bind(owner);
    for id in ids {
        q = q.bind(*id);
    }
    Ok(q.execute(conn).await?.rows_affected())
}

/// Gives rows back after a transient failure, due again at `next`.
pub async fn release(
    conn: &mut AnyConnection,
    ids: &[i64],
    owner: &str,
    error: &str,
    next: DateTime<Utc>,
) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2, lease_owner = NULL, \
         lease_until = NULL WHERE lease_owner = $3 AND status = 'pending' AND id IN ({})",
        placeholders(4, ids.len())
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(ts(next)).bind(error).bind(owner);
    for id in ids {
        q = q.bind(*id);
    }
    q.execute(conn).await?;
    Ok(())
}

/// Keeps rows as delivery errors for an admin (a permanent refusal).
pub async fn mark_failed(
    conn: &mut AnyConnection,
    ids: &[i64],
    owner: &str,
    kind: &str,
    error: &str,
    batch: Option<i64>,
) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "UPDATE deliveries SET status = 'failed', error_kind = $1, last_error = $2, batch_id = $3, \
         attempts = attempts + 1, lease_owner = NULL, lease_until = NULL \
         WHERE lease_owner = $4 AND status = 'pending' AND id IN ({})",
        placeholders(5, ids.len())
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(kind).bind(error).bind(batch).bind(owner);
    for id in ids {
        q = q.bind(*id);
    }
    q.execute(conn).await?;
    Ok(())
}

/// A link closed (revoked, or its school year closed) with results still queued: they are
/// kept as delivery errors of kind `koppeling_gesloten` for an admin to see, instead of
/// waiting for ever. A row a deliverer holds under a live lease is left to that run.
pub async fn close_pending(
    conn: &mut AnyConnection,
    koppeling_id: i64,
    error: &str,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE deliveries SET status = 'failed', error_kind = 'koppeling_gesloten', last_error = $1 \
         WHERE koppeling_id = $2 AND status = 'pending' AND (lease_until IS NULL OR lease_until < $3)",
    )
    .bind(error)
    .bind(koppeling_id)
    .bind(ts(now))
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// The highest attempt count among rows, for the backoff.
pub async fn max_attempts(conn: &mut AnyConnection, ids: &[i64]) -> Result<i64, StoreError> {
    if ids.is_empty() {
        return Ok(0);
    }
    let sql = format!("SELECT COALESCE(MAX(attempts), 0) FROM deliveries WHERE id IN ({})", placeholders(1, ids.len()));
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for id in ids {
        q = q.bind(*id);
    }
    Ok(q.fetch_one(conn).await?.try_get(0)?)
}

/// One kept delivery error, in the manuals' terms.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeliveryError {
    pub delivery_id: i64,
    pub koppeling_id: i64,
    pub leerling_id: i64,
    pub resultaat_key: String,
    pub toetscode: String,
    pub toetsonderdeel: Option<String>,
    pub version: i64,
    /// `leerling_onbekend` (pupil number not found), `toets_onbekend` (test or test part
    /// not found), `geweigerd` (another refusal) or `koppeling_gesloten` (the link was
    /// closed with the result still queued).
    pub kind: String,
    pub error: String,
    pub attempts: i64,
}

pub async fn errors(conn: &mut AnyConnection, koppeling_id: Option<i64>) -> Result<Vec<DeliveryError>, StoreError> {
    let base = "SELECT d.id, d.koppeling_id, r.leerling_id, r.resultaat_key, r.toetscode, r.onderdeel, d.version, \
                d.error_kind, d.last_error, d.attempts FROM deliveries d JOIN resultaten r ON r.id = d.resultaat_id \
                WHERE d.status = 'failed'";
    let rows = match koppeling_id {
        Some(k) => {
            sqlx::query(AssertSqlSafe(format!("{base} AND d.koppeling_id = $1 ORDER BY d.id")))
                .bind(k)
                .fetch_all(conn)
                .await?
        }
        None => sqlx::query(AssertSqlSafe(format!("{base} ORDER BY d.id"))).fetch_all(conn).await?,
    };
    rows.iter()
        .map(|r| {
            let onderdeel: Option<String> = r.try_get(5)?;
            Ok(DeliveryError {
                delivery_id: r.try_get(0)?,
                koppeling_id: r.try_get(1)?,
                leerling_id: r.try_get(2)?,
                resultaat_key: r.try_get(3)?,
                toetscode: r.try_get(4)?,
                toetsonderdeel: onderdeel.filter(|o| !o.is_empty()),
                version: r.try_get(6)?,
                kind: r.try_get::<Option<String>, _>(7)?.unwrap_or_default(),
                error: r.try_get::<Option<String>, _>(8)?.unwrap_or_default(),
                attempts: r.try_get(9)?,
            })
        })
        .collect()
}

/// Puts a link's delivery errors back in the queue, due now (after the cause was fixed).
pub async fn retry(conn: &mut AnyConnection, koppeling_id: i64, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE deliveries SET status = 'pending', next_attempt_at = $1, attempts = 0, error_kind = NULL \
         WHERE koppeling_id = $2 AND status = 'failed'",
    )
    .bind(ts(now))
    .bind(koppeling_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Puts one delivery error of a link back in the queue, due now; 0 when the link has no
/// such error (another link's, or not failed).
pub async fn retry_one(
    conn: &mut AnyConnection,
    koppeling_id: i64,
    delivery_id: i64,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE deliveries SET status = 'pending', next_attempt_at = $1, attempts = 0, error_kind = NULL \
         WHERE koppeling_id = $2 AND id = $3 AND status = 'failed'",
    )
    .bind(ts(now))
    .bind(koppeling_id)
    .bind(delivery_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// One results message offered to a link: when, how many results, and how it went.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeliveryBatch {
    pub id: i64,
    pub started_at: DateTime<Utc>,
    pub results: i64,
    pub bytes: i64,
    /// `delivered`, `transient`, `refused`, `abandoned`; `None` while it is being sent.
    pub outcome: Option<String>,
    pub fault: Option<String>,
}

/// A link's latest `limit` batches, newest first.
pub async fn batches(
    conn: &mut AnyConnection,
    koppeling_id: i64,
    limit: i64,
) -> Result<Vec<DeliveryBatch>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, started_at, results, bytes, outcome, fault FROM delivery_batches WHERE koppeling_id = $1 \
         ORDER BY id DESC LIMIT $2",
    )
    .bind(koppeling_id)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(DeliveryBatch {
                id: r.try_get(0)?,
                started_at: parse_ts(&r.try_get::<String, _>(1)?)?,
                results: r.try_get(2)?,
                bytes: r.try_get(3)?,
                outcome: r.try_get(4)?,
                fault: r.try_get(5)?,
            })
        })
        .collect()
}

/// Rows per status for a link.
pub async fn status_counts(conn: &mut AnyConnection, koppeling_id: i64) -> Result<Vec<(String, i64)>, StoreError> {
    let rows =
        sqlx::query("SELECT status, COUNT(*) FROM deliveries WHERE koppeling_id = $1 GROUP BY status ORDER BY status")
            .bind(koppeling_id)
            .fetch_all(conn)
            .await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
}
