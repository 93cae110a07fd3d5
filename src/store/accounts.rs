//! Console accounts, the locations granted to them, their sessions and the sign-in throttle,
//! as rows. Passwords arrive here hashed and session tokens as their digest (see
//! [`crate::console::accounts`]): nothing in these tables opens a session or reveals a
//! password.

use super::koppelingen::flag;
use super::{opt_ts, parse_ts, ts, StoreError};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// An account as stored, without its password hash.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AccountRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: String,
    pub has_password: bool,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, email, name, role, password_hash IS NOT NULL AS has_password, disabled, created_at";

fn account(row: &AnyRow) -> Result<AccountRow, StoreError> {
    Ok(AccountRow {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        role: row.try_get("role")?,
        has_password: flag(row, "has_password")?,
        disabled: flag(row, "disabled")?,
        created_at: parse_ts(&row.try_get::<String, _>("created_at")?)?,
    })
}

/// A new account; `email` is already lower case and trimmed.
pub async fn insert(
    conn: &mut AnyConnection,
    email: &str,
    name: &str,
    role: &str,
    password_hash: Option<&str>,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO accounts (email, name, role, password_hash, disabled, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 0, $5, $5) RETURNING id",
    )
    .bind(email)
    .bind(name)
    .bind(role)
    .bind(password_hash)
    .bind(ts(now))
    .fetch_one(conn)
    .await
    .map_err(|e| match e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            StoreError::Conflict(format!("there is already an account for {email}"))
        }
        other => other.into(),
    })?;
    Ok(row.try_get(0)?)
}

pub async fn by_email(conn: &mut AnyConnection, email: &str) -> Result<Option<AccountRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM accounts WHERE email = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(email).fetch_optional(conn).await?;
    row.as_ref().map(account).transpose()
}

pub async fn by_id(conn: &mut AnyConnection, id: i64) -> Result<Option<AccountRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM accounts WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(account).transpose()
}

/// Every account, by e-mail address.
pub async fn list(conn: &mut AnyConnection) -> Result<Vec<AccountRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM accounts ORDER BY email");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(conn).await?;
    rows.iter().map(account).collect()
}

/// The argon2id PHC string of an account, to verify a sign-in.
pub async fn password_hash(conn: &mut AnyConnection, id: i64) -> Result<Option<String>, StoreError> {
    let row = sqlx::query("SELECT password_hash FROM accounts WHERE id = $1").bind(id).fetch_one(conn).await?;
    Ok(row.try_get(0)?)
}

pub async fn set_password(conn: &mut AnyConnection, id: i64, hash: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    sqlx::query("UPDATE accounts SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(ts(now))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Grants a location; granting it again changes nothing.
pub async fn grant(conn: &mut AnyConnection, id: i64, location: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO account_locations (account_id, location, granted_at) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id, location) DO NOTHING",
    )
    .bind(id)
    .bind(location)
    .bind(ts(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// The locations granted to an account, sorted.
pub async fn locations(conn: &mut AnyConnection, id: i64) -> Result<Vec<String>, StoreError> {
    let rows = sqlx::query("SELECT location FROM account_locations WHERE account_id = $1 ORDER BY location")
        .bind(id)
        .fetch_all(conn)
        .await?;
    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
}

pub async fn insert_session(
    conn: &mut AnyConnection,
    token_hash: &str,
    account_id: i64,
    now: DateTime<Utc>,
    expires: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, account_id, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $3, $4)",
    )
    .bind(token_hash)
    .bind(account_id)
    .bind(ts(now))
    .bind(ts(expires))
    .execute(conn)
    .await?;
    Ok(())
}

/// The account of a session and when the session ends, if it exists.
pub async fn session(conn: &mut AnyConnection, token_hash: &str) -> Result<Option<(i64, DateTime<Utc>)>, StoreError> {
    let row = sqlx::query("SELECT account_id, expires_at FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(conn)
        .await?;
    row.map(|r| Ok((r.try_get(0)?, parse_ts(&r.try_get::<String, _>(1)?)?))).transpose()
}

/// Moves a session's end on (an idle session ends, a used one stays).
pub async fn touch_session(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: DateTime<Utc>,
    expires: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE token_hash = $3")
        .bind(ts(now))
        .bind(ts(expires))
        .bind(token_hash)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_session(conn: &mut AnyConnection, token_hash: &str) -> Result<u64, StoreError> {
    let r = sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(conn).await?;
    Ok(r.rows_affected())
}

/// Ends every session of an account ("overal afmelden", a password reset).
pub async fn delete_sessions_of(conn: &mut AnyConnection, account_id: i64) -> Result<u64, StoreError> {
    let r = sqlx::query("DELETE FROM sessions WHERE account_id = $1").bind(account_id).execute(conn).await?;
    Ok(r.rows_affected())
}

/// Sessions that ended; removed now and then so the table stays small.
pub async fn delete_expired_sessions(conn: &mut AnyConnection, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let r = sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(ts(now)).execute(conn).await?;
    Ok(r.rows_affected())
}

/// One throttle scope: failures in a row, the last one, and the lock.
#[derive(Debug, Clone, PartialEq)]
pub struct Throttle {
    pub failures: i64,
    pub last_failure_at: DateTime<Utc>,
    pub locked_until: Option<DateTime<Utc>>,
}

pub async fn throttle(conn: &mut AnyConnection, scope: &str) -> Result<Option<Throttle>, StoreError> {
    let row = sqlx::query("SELECT failures, last_failure_at, locked_until FROM sign_in_throttle WHERE scope = $1")
        .bind(scope)
        .fetch_optional(conn)
        .await?;
    row.map(|r| {
        Ok(Throttle {
            failures: r.try_get(0)?,
            last_failure_at: parse_ts(&r.try_get::<String, _>(1)?)?,
            locked_until: opt_ts(r.try_get(2)?)?,
        })
    })
    .transpose()
}

pub async fn set_throttle(conn: &mut AnyConnection, scope: &str, t: &Throttle) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sign_in_throttle (scope, failures, last_failure_at, locked_until) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (scope) DO UPDATE SET failures = $2, last_failure_at = $3, locked_until = $4",
    )
    .bind(scope)
    .bind(t.failures)
    .bind(ts(t.last_failure_at))
    .bind(t.locked_until.map(ts))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn clear_throttle(conn: &mut AnyConnection, scope: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sign_in_throttle WHERE scope = $1").bind(scope).execute(conn).await?;
    Ok(())
}

/// An account granted a location, with where its invitation stands.
#[derive(Debug, Clone, PartialEq)]
pub struct LocationAccount {
    pub account: AccountRow,
    /// Until when its newest unused invitation link works (it may have passed).
    pub invited_until: Option<DateTime<Utc>>,
}

/// The accounts granted `location` (support sees every location without a grant, so it is
/// not among them), school admins first, then by e-mail address.
pub async fn of_location(conn: &mut AnyConnection, location: &str) -> Result<Vec<LocationAccount>, StoreError> {
    let rows = sqlx::query(
        "SELECT a.id, a.email, a.name, a.role, a.password_hash IS NOT NULL AS has_password, a.disabled, \
         a.created_at, (SELECT MAX(i.expires_at) FROM invitations i \
                        WHERE i.account_id = a.id AND i.used_at IS NULL) AS invited_until \
         FROM accounts a JOIN account_locations g ON g.account_id = a.id \
         WHERE g.location = $1 ORDER BY a.role, a.email",
    )
    .bind(location)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok(LocationAccount { account: account(r)?, invited_until: opt_ts(r.try_get("invited_until")?)? }))
        .collect()
}

/// Takes a location from an account; its other locations stay. `false` when it had no
/// such grant.
pub async fn revoke_grant(conn: &mut AnyConnection, id: i64, location: &str) -> Result<bool, StoreError> {
    let r = sqlx::query("DELETE FROM account_locations WHERE account_id = $1 AND location = $2")
        .bind(id)
        .bind(location)
        .execute(conn)
        .await?;
    Ok(r.rows_affected() == 1)
}
