//! The exchange journal as stored: one row per SOAP exchange the gateway made (each attempt
//! of a fetch or a delivery, and each replay) or a UWLR server served with the journal's
//! hook (`direction` `served`), its metadata in columns and its two bodies
//! deflate-compressed (the key already masked by the client's capture or the server's hook).
//!
//! Bodies hold personal data and are what support needs least long, so they go first:
//! pruning clears them after one retention and deletes the whole row after a longer one.
//! A purge drops a location's rows at once; deleting a pupil for good drops every body that
//! names it ([`drop_bodies_naming`], called by [`super::archive`]).

use super::{opt_ts, parse_ts, ts, StoreError};
use chrono::{DateTime, Utc};
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use serde::Serialize;
use sqlx::{AnyConnection, Row};
use std::io::{Read, Write};

/// Largest body [`decompress`] gives back: the client takes answers up to 64 MiB; a damaged
/// row must not inflate into all memory.
pub const MAX_BODY: u64 = 128 << 20;

/// `direction` of an exchange the gateway made as a client.
pub const SENT: &str = "sent";
/// `direction` of an exchange a UWLR server served (with the journal's hook).
pub const SERVED: &str = "served";

/// One exchange to store.
#[derive(Debug, Clone)]
pub struct NewExchange<'a> {
    pub at: DateTime<Utc>,
    /// The link it went over; `None` for a served exchange (no link of ours).
    pub koppeling_id: Option<i64>,
    /// The location; for a served exchange the one its request named, or `""`.
    pub location: &'a str,
    /// [`SENT`] or [`SERVED`].
    pub direction: &'a str,
    /// `fetch` (pupil data asked for) or `delivery` (results sent).
    pub kind: &'a str,
    pub operation: &'a str,
    pub attempt: i64,
    pub http_status: Option<i64>,
    pub fault_code: Option<&'a str>,
    pub fault_text: Option<&'a str>,
    pub duration_ms: i64,
    /// The request and answer as sent and received (key masked), uncompressed.
    pub request: &'a [u8],
    pub answer: &'a [u8],
    /// The fetch this exchange brought (its proposal is what a replay compares with).
    pub fetch_id: Option<i64>,
    /// The results message (delivery batch) this exchange carried.
    pub batch_id: Option<i64>,
    /// The exchange whose stored request this one sent again (`replay --send`).
    pub replay_of: Option<i64>,
}

/// One stored exchange without its bodies.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExchangeRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// `None` for a served exchange.
    pub koppeling_id: Option<i64>,
    pub location: String,
    /// [`SENT`] or [`SERVED`].
    pub direction: String,
    pub kind: String,
    pub operation: String,
    pub attempt: i64,
    pub http_status: Option<i64>,
    pub fault_code: Option<String>,
    pub fault_text: Option<String>,
    pub duration_ms: i64,
    pub request_bytes: i64,
    pub answer_bytes: i64,
    /// Bytes of both bodies as stored (compressed); 0 once pruned.
    pub stored_bytes: i64,
    pub fetch_id: Option<i64>,
    pub batch_id: Option<i64>,
    /// The exchange whose request this one sent again.
    pub replay_of: Option<i64>,
    /// When the bodies were dropped (retention, or a pupil deleted for good).
    pub bodies_dropped_at: Option<DateTime<Utc>>,
}

/// Which exchanges [`list`] returns, newest first.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub koppeling_id: Option<i64>,
    pub location: Option<String>,
    pub since: Option<DateTime<Utc>>,
    /// Only this direction ([`SENT`] or [`SERVED`]).
    pub direction: Option<String>,
    /// Only failed attempts (a fault, an HTTP error, no answer).
    pub faults_only: bool,
    pub limit: i64,
}

/// The bodies of one exchange, decompressed; `None` once dropped.
#[derive(Debug, Clone, Default)]
pub struct Bodies {
    pub request: Option<Vec<u8>>,
    pub answer: Option<Vec<u8>>,
}

/// What the journal holds, for the metrics gauges.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Size {
    pub rows: i64,
    /// Rows that still have their bodies.
    pub with_bodies: i64,
    /// Bytes of the bodies as stored.
    pub body_bytes: i64,
}

/// What a prune removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Pruned {
    /// Rows whose bodies were dropped (the metadata stays).
    pub bodies: u64,
    /// Rows deleted whole.
    pub rows: u64,
}

/// Deflate at level 2 (zlib-rs): a 1,500-pupil answer (1.17 MB as generated) is kept in
/// 193 KB in about 4 ms. Level 1 is zlib-rs's "quick" strategy: 40 % faster but 44 % larger
/// (278 KB), and 41 % larger on a results message; level 6 saves another 11 % for twice the
/// time, on every fetch's path (docs/benchmarks.md, "The exchange journal").
pub fn compress(bytes: &[u8]) -> Vec<u8> {
    let mut e = DeflateEncoder::new(Vec::with_capacity(bytes.len() / 6 + 64), flate2::Compression::new(2));
    // Writing into a Vec cannot fail.
    let _ = e.write_all(bytes);
    e.finish().unwrap_or_default()
}

/// The stored bytes inflated, up to [`MAX_BODY`].
pub fn decompress(stored: &[u8]) -> Result<Vec<u8>, StoreError> {
    let mut out = Vec::with_capacity(stored.len() * 8);
    DeflateDecoder::new(stored)
        .take(MAX_BODY + 1)
        .read_to_end(&mut out)
        .map_err(|e| StoreError::Corrupt(format!("journal body: {e}")))?;
    if out.len() as u64 > MAX_BODY {
        return Err(StoreError::Corrupt(format!("journal body larger than {MAX_BODY} bytes")));
    }
    Ok(out)
}

/// An exchange's two bodies compressed, as stored.
#[derive(Debug, Clone, Default)]
pub struct Packed {
    pub request: Vec<u8>,
    pub answer: Vec<u8>,
}

impl Packed {
    pub fn of(request: &[u8], answer: &[u8]) -> Packed {
        Packed { request: compress(request), answer: compress(answer) }
    }
}

/// Stores one exchange; returns its id.
pub async fn insert(conn: &mut AnyConnection, e: &NewExchange<'_>) -> Result<i64, StoreError> {
    insert_packed(conn, e, Packed::of(e.request, e.answer)).await
}

/// Stores one exchange whose bodies were compressed already (the gateway compresses a
/// captured exchange on the blocking pool while the fetch goes on); returns its id.
/// `packed` must be `e`'s bodies: the sizes stored are `e`'s.
pub async fn insert_packed(conn: &mut AnyConnection, e: &NewExchange<'_>, packed: Packed) -> Result<i64, StoreError> {
    let Packed { request, answer } = packed;
    let stored = (request.len() + answer.len()) as i64;
    let row = sqlx::query(
        "INSERT INTO exchanges (at, koppeling_id, location, kind, operation, attempt, http_status, fault_code, \
         fault_text, duration_ms, request_bytes, answer_bytes, stored_bytes, fetch_id, batch_id, request, answer, \
         direction, replay_of) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING id",
    )
    .bind(ts(e.at))
    // No link is stored as 0 (migration 0016): ids start at 1.
    .bind(e.koppeling_id.unwrap_or(0))
    .bind(e.location)
    .bind(e.kind)
    .bind(e.operation)
    .bind(e.attempt)
    .bind(e.http_status)
    .bind(e.fault_code)
    .bind(e.fault_text)
    .bind(e.duration_ms)
    .bind(e.request.len() as i64)
    .bind(e.answer.len() as i64)
    .bind(stored)
    .bind(e.fetch_id)
    .bind(e.batch_id)
    .bind(request)
    .bind(answer)
    .bind(e.direction)
    .bind(e.replay_of)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get(0)?)
}

const COLUMNS: &str = "id, at, koppeling_id, location, direction, kind, operation, attempt, http_status, fault_code, \
                       fault_text, duration_ms, request_bytes, answer_bytes, stored_bytes, fetch_id, batch_id, \
                       replay_of, bodies_dropped_at";

fn row(r: &sqlx::any::AnyRow) -> Result<ExchangeRow, StoreError> {
    Ok(ExchangeRow {
        id: r.try_get("id")?,
        at: parse_ts(&r.try_get::<String, _>("at")?)?,
        koppeling_id: Some(r.try_get::<i64, _>("koppeling_id")?).filter(|&k| k != 0),
        location: r.try_get("location")?,
        direction: r.try_get("direction")?,
        kind: r.try_get("kind")?,
        operation: r.try_get("operation")?,
        attempt: r.try_get("attempt")?,
        http_status: r.try_get("http_status")?,
        fault_code: r.try_get("fault_code")?,
        fault_text: r.try_get("fault_text")?,
        duration_ms: r.try_get("duration_ms")?,
        request_bytes: r.try_get("request_bytes")?,
        answer_bytes: r.try_get("answer_bytes")?,
        stored_bytes: r.try_get("stored_bytes")?,
        fetch_id: r.try_get("fetch_id")?,
        batch_id: r.try_get("batch_id")?,
        replay_of: r.try_get("replay_of")?,
        bodies_dropped_at: opt_ts(r.try_get("bodies_dropped_at")?)?,
    })
}

/// Exchanges by the filter, newest first.
pub async fn list(conn: &mut AnyConnection, f: &Filter) -> Result<Vec<ExchangeRow>, StoreError> {
    // Each condition is off when its parameter is NULL: one statement for every filter.
    let sql = format!(
        "SELECT {COLUMNS} FROM exchanges WHERE ($1 IS NULL OR koppeling_id = $1) AND ($2 IS NULL OR location = $2) \
         AND ($3 IS NULL OR at >= $3) AND ($4 = 0 OR fault_code IS NOT NULL) AND ($6 IS NULL OR direction = $6) \
         ORDER BY id DESC LIMIT $5"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(f.koppeling_id)
        .bind(f.location.as_deref())
        .bind(f.since.map(ts))
        .bind(i64::from(f.faults_only))
        .bind(if f.limit > 0 { f.limit } else { 100 })
        .bind(f.direction.as_deref())
        .fetch_all(conn)
        .await?;
    rows.iter().map(row).collect()
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<ExchangeRow, StoreError> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM exchanges WHERE id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no exchange {id} in the journal")))?;
    row(&r)
}

/// The bodies of exchange `id`, decompressed.
pub async fn bodies(conn: &mut AnyConnection, id: i64) -> Result<Bodies, StoreError> {
    let r = sqlx::query("SELECT request, answer FROM exchanges WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no exchange {id} in the journal")))?;
    let request: Option<Vec<u8>> = r.try_get("request")?;
    let answer: Option<Vec<u8>> = r.try_get("answer")?;
    Ok(Bodies {
        request: request.as_deref().map(decompress).transpose()?,
        answer: answer.as_deref().map(decompress).transpose()?,
    })
}

/// Drops the bodies of exchanges older than `bodies_before` and deletes the rows older than
/// `rows_before`.
pub async fn prune(
    conn: &mut AnyConnection,
    bodies_before: DateTime<Utc>,
    rows_before: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Pruned, StoreError> {
    let rows = sqlx::query("DELETE FROM exchanges WHERE at < $1").bind(ts(rows_before)).execute(&mut *conn).await?;
    let bodies = sqlx::query(
        "UPDATE exchanges SET request = NULL, answer = NULL, stored_bytes = 0, bodies_dropped_at = $1 \
         WHERE at < $2 AND bodies_dropped_at IS NULL",
    )
    .bind(ts(now))
    .bind(ts(bodies_before))
    .execute(&mut *conn)
    .await?;
    Ok(Pruned { bodies: bodies.rows_affected(), rows: rows.rows_affected() })
}

/// Deletes every exchange of a location (metadata and bodies).
pub async fn purge_location(conn: &mut AnyConnection, location: &str) -> Result<u64, StoreError> {
    Ok(sqlx::query("DELETE FROM exchanges WHERE location = $1").bind(location).execute(conn).await?.rows_affected())
}

/// Drops (whole: request and answer) the bodies of a location's exchanges that contain any of
/// `needles`, and of served exchanges whose location could not be read (`""`: they may be
/// about any school); the metadata stays, marked as dropped. Returns how many rows lost
/// their bodies.
pub async fn drop_bodies_naming(
    conn: &mut AnyConnection,
    location: &str,
    needles: &[String],
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let needles: Vec<&[u8]> = needles.iter().map(|n| n.as_bytes()).filter(|n| !n.is_empty()).collect();
    if needles.is_empty() {
        return Ok(0);
    }
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM exchanges WHERE (location = $1 OR location = '') AND bodies_dropped_at IS NULL ORDER BY id",
    )
    .bind(location)
    .fetch_all(&mut *conn)
    .await?;
    let mut dropped = 0;
    for id in ids {
        // One row at a time: a location's bodies together may be large.
        let b = bodies(conn, id).await?;
        let names = |body: &Option<Vec<u8>>| {
            body.as_deref().is_some_and(|b| needles.iter().any(|n| memchr::memmem::find(b, n).is_some()))
        };
        if names(&b.request) || names(&b.answer) {
            sqlx::query(
                "UPDATE exchanges SET request = NULL, answer = NULL, stored_bytes = 0, bodies_dropped_at = $1 \
                 WHERE id = $2",
            )
            .bind(ts(now))
            .bind(id)
            .execute(&mut *conn)
            .await?;
            dropped += 1;
        }
    }
    Ok(dropped)
}

/// Rows, rows with bodies, and body bytes.
pub async fn size(conn: &mut AnyConnection) -> Result<Size, StoreError> {
    let r = sqlx::query(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n, \
         CAST(COALESCE(SUM(CASE WHEN bodies_dropped_at IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS b, \
         CAST(COALESCE(SUM(stored_bytes), 0) AS BIGINT) AS s FROM exchanges",
    )
    .fetch_one(conn)
    .await?;
    Ok(Size { rows: r.try_get("n")?, with_bodies: r.try_get("b")?, body_bytes: r.try_get("s")? })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_survive_compression() {
        let xml = "<leerling key=\"1\"/>".repeat(1000);
        let c = compress(xml.as_bytes());
        assert!(c.len() < xml.len() / 10, "{} of {}", c.len(), xml.len());
        assert_eq!(decompress(&c).unwrap(), xml.as_bytes());
        assert!(decompress(b"not deflate at all").is_err());
    }
}
