//! Invitations as rows: the digest of a link's token, the account it sets the first password
//! of, and until when. The token itself is never here (see
//! [`crate::console::invitations`]); using a row is one conditional `UPDATE`, so two
//! requests with the same link cannot both succeed, on SQLite or on PostgreSQL.

use super::{ts, StoreError};
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

pub async fn insert(
    conn: &mut AnyConnection,
    token_hash: &str,
    account_id: i64,
    location: &str,
    now: DateTime<Utc>,
    expires: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO invitations (token_hash, account_id, location, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(account_id)
    .bind(location)
    .bind(ts(now))
    .bind(ts(expires))
    .execute(conn)
    .await?;
    Ok(())
}

/// The account and location of a link that is neither used nor expired at `now`.
pub async fn open(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<(i64, String)>, StoreError> {
    let row = sqlx::query(
        "SELECT account_id, location FROM invitations WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(token_hash)
    .bind(ts(now))
    .fetch_optional(conn)
    .await?;
    row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
}

/// Marks an open link used; `false` when it was not open (used, expired or unknown), so
/// the caller refuses.
pub async fn use_once(conn: &mut AnyConnection, token_hash: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE invitations SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(ts(now))
    .bind(token_hash)
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Ends the account's other open links once one is used: only the newest mail's link was
/// meant to work, and none is needed after the password is set.
pub async fn close_others(conn: &mut AnyConnection, account_id: i64, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let r = sqlx::query("UPDATE invitations SET used_at = $1 WHERE account_id = $2 AND used_at IS NULL")
        .bind(ts(now))
        .bind(account_id)
        .execute(conn)
        .await?;
    Ok(r.rows_affected())
}
