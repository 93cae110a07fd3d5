//! Fetches (what a LAS answered, kept for recompute and audit) and proposals (what an
//! admin reviews). Applying a proposal is [`super::apply`].

use super::{opt_ts, parse_ts, ts, StoreError};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FetchRow {
    pub id: i64,
    pub koppeling_id: i64,
    pub at: DateTime<Utc>,
    /// `full` or `delta`.
    pub mode: String,
    pub since: Option<DateTime<Utc>>,
    /// `gegevens`, `geenwijzigingen` or `geengegevens`.
    pub outcome: String,
    pub digest: String,
    pub pupils: i64,
}

pub struct NewFetch<'a> {
    pub koppeling_id: i64,
    pub at: DateTime<Utc>,
    pub mode: &'a str,
    pub since: Option<DateTime<Utc>>,
    pub outcome: &'a str,
    pub digest: &'a str,
    pub answer: Option<Vec<u8>>,
    pub pupils: i64,
}

pub async fn insert_fetch(conn: &mut AnyConnection, f: NewFetch<'_>) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO fetches (koppeling_id, at, mode, since, outcome, digest, answer, pupils) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(f.koppeling_id)
    .bind(ts(f.at))
    .bind(f.mode)
    .bind(f.since.map(ts))
    .bind(f.outcome)
    .bind(f.digest)
    .bind(f.answer)
    .bind(f.pupils)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get(0)?)
}

const FETCH_COLUMNS: &str = "id, koppeling_id, at, mode, since, outcome, digest, pupils";

fn fetch_row(r: &sqlx::any::AnyRow) -> Result<FetchRow, StoreError> {
    Ok(FetchRow {
        id: r.try_get("id")?,
        koppeling_id: r.try_get("koppeling_id")?,
        at: parse_ts(&r.try_get::<String, _>("at")?)?,
        mode: r.try_get("mode")?,
        since: opt_ts(r.try_get("since")?)?,
        outcome: r.try_get("outcome")?,
        digest: r.try_get("digest")?,
        pupils: r.try_get("pupils")?,
    })
}

pub async fn get_fetch(conn: &mut AnyConnection, id: i64) -> Result<FetchRow, StoreError> {
    let r = sqlx::query(AssertSqlSafe(format!("SELECT {FETCH_COLUMNS} FROM fetches WHERE id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no fetch {id}")))?;
    fetch_row(&r)
}

/// The LAS answer of a fetch, as stored (UWLR XML), if it held data.
pub async fn fetch_answer(conn: &mut AnyConnection, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
    let r = sqlx::query("SELECT answer FROM fetches WHERE id = $1").bind(id).fetch_one(conn).await?;
    Ok(r.try_get(0)?)
}

/// The newest fetch of a link that held data or said nothing changed.
pub async fn latest_fetch(conn: &mut AnyConnection, koppeling_id: i64) -> Result<Option<FetchRow>, StoreError> {
    let r = sqlx::query(AssertSqlSafe(format!(
        "SELECT {FETCH_COLUMNS} FROM fetches WHERE koppeling_id = $1 ORDER BY id DESC LIMIT 1"
    )))
    .bind(koppeling_id)
    .fetch_optional(conn)
    .await?;
    r.as_ref().map(fetch_row).transpose()
}

pub async fn list_fetches(conn: &mut AnyConnection, koppeling_id: i64) -> Result<Vec<FetchRow>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {FETCH_COLUMNS} FROM fetches WHERE koppeling_id = $1 ORDER BY id DESC"
    )))
    .bind(koppeling_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(fetch_row).collect()
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProposalRow {
    pub id: i64,
    pub koppeling_id: i64,
    pub fetch_id: i64,
    pub created_at: DateTime<Utc>,
    pub location_version: i64,
    /// JSON list of decisions.
    pub decisions: String,
    /// JSON of the computed proposal.
    pub proposal: String,
    /// `open`, `applied` or `superseded`.
    pub status: String,
    pub applied_at: Option<DateTime<Utc>>,
    pub applied_by: Option<String>,
}

/// Stores a new proposal; earlier open proposals of the link are superseded by it.
pub async fn insert_proposal(
    conn: &mut AnyConnection,
    koppeling_id: i64,
    fetch_id: i64,
    location_version: i64,
    decisions: &str,
    proposal: &str,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    sqlx::query("UPDATE proposals SET status = 'superseded' WHERE koppeling_id = $1 AND status = 'open'")
        .bind(koppeling_id)
        .execute(&mut *conn)
        .await?;
    let row = sqlx::query(
        "INSERT INTO proposals (koppeling_id, fetch_id, created_at, location_version, decisions, proposal, status) \
         VALUES ($1, $2, $3, $4, $5, $6, 'open') RETURNING id",
    )
    .bind(koppeling_id)
    .bind(fetch_id)
    .bind(ts(now))
    .bind(location_version)
    .bind(decisions)
    .bind(proposal)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get(0)?)
}

const PROPOSAL_COLUMNS: &str =
    "id, koppeling_id, fetch_id, created_at, location_version, decisions, proposal, status, applied_at, applied_by";

pub async fn get_proposal(conn: &mut AnyConnection, id: i64) -> Result<ProposalRow, StoreError> {
    let r = sqlx::query(AssertSqlSafe(format!("SELECT {PROPOSAL_COLUMNS} FROM proposals WHERE id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no proposal {id}")))?;
    Ok(ProposalRow {
        id: r.try_get("id")?,
        koppeling_id: r.try_get("koppeling_id")?,
        fetch_id: r.try_get("fetch_id")?,
        created_at: parse_ts(&r.try_get::<String, _>("created_at")?)?,
        location_version: r.try_get("location_version")?,
        decisions: r.try_get("decisions")?,
        proposal: r.try_get("proposal")?,
        status: r.try_get("status")?,
        applied_at: opt_ts(r.try_get("applied_at")?)?,
        applied_by: r.try_get("applied_by")?,
    })
}

/// Proposal ids of a link, newest first, with their status.
pub async fn list_proposals(conn: &mut AnyConnection, koppeling_id: i64) -> Result<Vec<(i64, String)>, StoreError> {
    let rows = sqlx::query("SELECT id, status FROM proposals WHERE koppeling_id = $1 ORDER BY id DESC")
        .bind(koppeling_id)
        .fetch_all(conn)
        .await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
}

/// A recomputation after new decisions (against the same fetch and location version).
pub async fn update_proposal(
    conn: &mut AnyConnection,
    id: i64,
    location_version: i64,
    decisions: &str,
    proposal: &str,
) -> Result<(), StoreError> {
    let done = sqlx::query(
        "UPDATE proposals SET location_version = $1, decisions = $2, proposal = $3 WHERE id = $4 AND status = 'open'",
    )
    .bind(location_version)
    .bind(decisions)
    .bind(proposal)
    .bind(id)
    .execute(conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict(format!("proposal {id} is no longer open")));
    }
    Ok(())
}

pub async fn mark_applied(conn: &mut AnyConnection, id: i64, by: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    let done = sqlx::query(
        "UPDATE proposals SET status = 'applied', applied_at = $1, applied_by = $2 WHERE id = $3 AND status = 'open'",
    )
    .bind(ts(now))
    .bind(by)
    .bind(id)
    .execute(conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict(format!("proposal {id} is no longer open (applied or superseded)")));
    }
    Ok(())
}
