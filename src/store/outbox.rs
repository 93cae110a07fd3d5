//! Notifications waiting to be mailed. Rows are written in the same transaction as the
//! change they announce (an applied import invites its teachers), so a mail is never
//! promised for a change that did not happen, nor lost for one that did; a sender drains
//! them afterwards, with retries.

use super::{opt_ts, parse_ts, ts, StoreError};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxEntry {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub recipient: String,
    /// The notification as JSON (see [`crate::notify::Notification`]).
    pub notification: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// After this many failed attempts an entry stays `failed` for an admin to see.
pub const MAX_ATTEMPTS: i64 = 8;

pub async fn push(
    conn: &mut AnyConnection,
    recipient: &str,
    notification_json: &str,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO outbox (created_at, recipient, notification, status, attempts, next_attempt_at) \
         VALUES ($1, $2, $3, 'pending', 0, $1) RETURNING id",
    )
    .bind(ts(now))
    .bind(recipient)
    .bind(notification_json)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get(0)?)
}

fn entry(r: &sqlx::any::AnyRow) -> Result<OutboxEntry, StoreError> {
    Ok(OutboxEntry {
        id: r.try_get("id")?,
        created_at: parse_ts(&r.try_get::<String, _>("created_at")?)?,
        recipient: r.try_get("recipient")?,
        notification: r.try_get("notification")?,
        status: r.try_get("status")?,
        attempts: r.try_get("attempts")?,
        last_error: r.try_get("last_error")?,
        sent_at: opt_ts(r.try_get("sent_at")?)?,
    })
}

const COLUMNS: &str = "id, created_at, recipient, notification, status, attempts, last_error, sent_at";

/// Pending entries whose next attempt is due, oldest first.
pub async fn due(conn: &mut AnyConnection, now: DateTime<Utc>, limit: i64) -> Result<Vec<OutboxEntry>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY id LIMIT $2"
    )))
    .bind(ts(now))
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(entry).collect()
}

pub async fn list(conn: &mut AnyConnection, limit: i64) -> Result<Vec<OutboxEntry>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!("SELECT {COLUMNS} FROM outbox ORDER BY id DESC LIMIT $1")))
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(entry).collect()
}

pub async fn mark_sent(conn: &mut AnyConnection, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
    sqlx::query("UPDATE outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1 WHERE id = $2")
        .bind(ts(now))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A failed attempt: retried with exponential backoff (1 min, 2, 4, …) unless `permanent`
/// or out of attempts, in which case the entry stays `failed` with its error.
pub async fn mark_failed(
    conn: &mut AnyConnection,
    id: i64,
    attempts_before: i64,
    error: &str,
    permanent: bool,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let attempts = attempts_before + 1;
    let status = if permanent || attempts >= MAX_ATTEMPTS { "failed" } else { "pending" };
    let next = now + Duration::minutes(1 << attempts_before.clamp(0, 10));
    sqlx::query("UPDATE outbox SET status = $1, attempts = $2, last_error = $3, next_attempt_at = $4 WHERE id = $5")
        .bind(status)
        .bind(attempts)
        .bind(error)
        .bind(ts(next))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}
