//! Results, their versions, and the per-link delivery outbox with leases.
//!
//! A delivery row is one version of one result for one link; `(link, result, version)` is
//! unique, so queuing twice is harmless. A newer version supersedes an older one that was
//! not sent yet. A sender claims due rows under a lease (PostgreSQL: `FOR UPDATE SKIP
//! LOCKED`, so two gateway instances never claim the same row; SQLite has one writer), and
//! marks them sent only while it still holds the lease.
//!
//! A batch of results (a school's night) is written a chunk at a time ([`upsert_many`],
//! [`enqueue_many`]): on SQLite every statement is a round trip to sqlx's worker thread, and
//! about ten per result were most of the time a night spent recording. A full chunk's
//! statement text comes again and again, so it stays prepared; a shorter last chunk's text
//! seldom does, so it is not kept (`persistent(false)`) and pushes nothing useful out of the
//! connection's statement cache.

use super::bulk::{Placeholders, CHUNK};
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
    let row = sqlx::query("SELECT location, active, schooljaar FROM leerlingen WHERE id = $1")
        .bind(r.leerling_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| no_pupil(r.leerling_id))?;
    let pupil =
        Pupil { location: row.try_get(0)?, active: row.try_get::<i64, _>(1)? != 0, schooljaar: row.try_get(2)? };
    may_record(conn, r.leerling_id, &pupil, &mut HashMap::new()).await?;
    let Pupil { location, schooljaar, .. } = pupil;
    let score = score_json(r)?;
    let (_, _, onderdeel, _) = sitting(r);
    let datum = r.afnamedatum.format("%Y-%m-%d").to_string();
    let existing = sqlx::query(
        "SELECT id, version, resultaat_key FROM resultaten WHERE leerling_id = $1 AND toetscode = $2 \
         AND onderdeel = $3 AND afname = $4",
    )
    .bind(r.leerling_id)
    .bind(&r.toetscode)
    .bind(onderdeel)
    .bind(&r.afname)
    .fetch_optional(&mut *conn)
    .await?;
    let (id, version, key) = match existing {
        Some(row) => {
            let id: i64 = row.try_get(0)?;
            let version = row.try_get::<i64, _>(1)? + 1;
            new_version(conn, id, version, r, &score, now).await?;
            (id, version, row.try_get(2)?)
        }
        None => {
            // The key is the row id, given once: unique, short, never reused.
            let row = sqlx::query(
                "INSERT INTO resultaten (leerling_id, resultaat_key, toetscode, onderdeel, score, normed_at, \
                 recorded_at, afname, afnamedatum, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1) RETURNING id",
            )
            .bind(r.leerling_id)
            .bind(provisional_key(r))
            .bind(&r.toetscode)
            .bind(onderdeel)
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

/// [`upsert`] for many results with a handful of statements per chunk of 400 instead
/// of about six per result: on SQLite each statement is a round trip to sqlx's worker
/// thread, which cost a night of results most of its time. The same checks and errors: the
/// first result in `rs`'s order that [`upsert`] would refuse refuses them all, before
/// anything is written. A sitting twice in `rs` is recorded as [`upsert`] after [`upsert`]
/// would (the second is a new version of the first), and new rows get their ids in `rs`'s
/// order as they would one by one. The recorded versions come back in `rs`'s order.
pub async fn upsert_many(
    conn: &mut AnyConnection,
    rs: &[NewResult],
    now: DateTime<Utc>,
) -> Result<Vec<Recorded>, StoreError> {
    let mut ids: Vec<i64> = rs.iter().map(|r| r.leerling_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut pupils = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let sql = format!(
            "SELECT id, location, active, schooljaar FROM leerlingen WHERE id IN ({})",
            Placeholders::on(conn).list(chunk.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).persistent(chunk.len() == CHUNK);
        for id in chunk {
            q = q.bind(*id);
        }
        for row in q.fetch_all(&mut *conn).await? {
            let pupil = Pupil {
                location: row.try_get(1)?,
                active: row.try_get::<i64, _>(2)? != 0,
                schooljaar: row.try_get(3)?,
            };
            pupils.insert(row.try_get::<i64, _>(0)?, pupil);
        }
    }
    let mut closed = HashMap::new();
    for r in rs {
        let pupil = pupils.get(&r.leerling_id).ok_or_else(|| no_pupil(r.leerling_id))?;
        may_record(conn, r.leerling_id, pupil, &mut closed).await?;
    }
    // The n-th time a sitting is in `rs` it is written in round n, so a repeat finds the
    // earlier one in the store as it would one by one; round 0 holds every other result.
    let mut seen: HashMap<(i64, &str, &str, &str), usize> = HashMap::with_capacity(rs.len());
    let mut rounds: Vec<Vec<usize>> = Vec::new();
    for (i, r) in rs.iter().enumerate() {
        let n = seen.entry(sitting(r)).or_insert(0);
        if rounds.len() == *n {
            rounds.push(Vec::new());
        }
        rounds[*n].push(i);
        *n += 1;
    }
    let mut out: Vec<Option<Recorded>> = vec![None; rs.len()];
    for round in &rounds {
        for chunk in round.chunks(CHUNK) {
            write_chunk(conn, rs, chunk, &pupils, now, &mut out).await?;
        }
    }
    out.into_iter().map(|r| r.ok_or_else(|| StoreError::Corrupt("a result was not recorded".into()))).collect()
}

/// Writes `rs[i]` for each `i` of `chunk` (no sitting twice), its version into `out[i]`.
async fn write_chunk(
    conn: &mut AnyConnection,
    rs: &[NewResult],
    chunk: &[usize],
    pupils: &HashMap<i64, Pupil>,
    now: DateTime<Utc>,
    out: &mut [Option<Recorded>],
) -> Result<(), StoreError> {
    let full = chunk.len() == CHUNK;
    let scores: Vec<String> = chunk.iter().map(|&i| score_json(&rs[i])).collect::<Result<_, _>>()?;
    let recorded = |i: usize, id: i64, key: String, version: i64| -> Result<Recorded, StoreError> {
        let p = pupils.get(&rs[i].leerling_id).ok_or_else(|| no_pupil(rs[i].leerling_id))?;
        Ok(Recorded { id, key, version, location: p.location.clone(), schooljaar: p.schooljaar.clone() })
    };

    // What is known already: the chunk's pupils' rows of its tests, matched here.
    let mut ps: Vec<i64> = chunk.iter().map(|&i| rs[i].leerling_id).collect();
    ps.sort_unstable();
    ps.dedup();
    let mut codes: Vec<&str> = chunk.iter().map(|&i| rs[i].toetscode.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    let mut p = Placeholders::on(conn);
    let sql = format!(
        "SELECT id, version, resultaat_key, leerling_id, toetscode, onderdeel, afname FROM resultaten \
         WHERE leerling_id IN ({}) AND toetscode IN ({})",
        p.list(ps.len()),
        p.list(codes.len())
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).persistent(false);
    for p in &ps {
        q = q.bind(*p);
    }
    for c in &codes {
        q = q.bind(*c);
    }
    // Sitting → id, version, key.
    let mut existing: HashMap<SittingKey, (i64, i64, String)> = HashMap::new();
    for row in q.fetch_all(&mut *conn).await? {
        // A row without an onderdeel matches no sitting (`onderdeel = ''` is not NULL).
        let Some(onderdeel) = row.try_get::<Option<String>, _>(5)? else { continue };
        existing.insert(
            (row.try_get(3)?, row.try_get(4)?, onderdeel, row.try_get(6)?),
            (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?),
        );
    }

    // Known sittings get a new version, one row at a time (re-norming is rare); the others
    // are inserted together.
    let mut new = Vec::new();
    for (j, &i) in chunk.iter().enumerate() {
        let r = &rs[i];
        let (p, t, o, a) = sitting(r);
        match existing.remove(&(p, t.to_string(), o.to_string(), a.to_string())) {
            Some((id, version, key)) => {
                new_version(conn, id, version + 1, r, &scores[j], now).await?;
                out[i] = Some(recorded(i, id, key, version + 1)?);
            }
            None => new.push(j),
        }
    }
    if !new.is_empty() {
        let sql = format!(
            "INSERT INTO resultaten (leerling_id, resultaat_key, toetscode, onderdeel, score, normed_at, recorded_at, \
             afname, afnamedatum, version) VALUES {} RETURNING id, resultaat_key",
            Placeholders::on(conn).values(new.len(), 10)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).persistent(new.len() == CHUNK);
        for &j in &new {
            let r = &rs[chunk[j]];
            q = q
                .bind(r.leerling_id)
                .bind(provisional_key(r))
                .bind(&r.toetscode)
                .bind(sitting(r).2)
                .bind(&scores[j])
                .bind(ts(r.normed_at))
                .bind(ts(now))
                .bind(&r.afname)
                .bind(r.afnamedatum.format("%Y-%m-%d").to_string())
                .bind(1i64);
        }
        // RETURNING gives no promise of order: the provisional keys tell the rows apart.
        let mut ids = HashMap::with_capacity(new.len());
        for row in q.fetch_all(&mut *conn).await? {
            ids.insert(row.try_get::<String, _>(1)?, row.try_get::<i64, _>(0)?);
        }
        let mut given = Vec::with_capacity(new.len());
        for &j in &new {
            let i = chunk[j];
            let id = ids.remove(&provisional_key(&rs[i])).ok_or_else(|| {
                StoreError::Corrupt(format!("no id came back for a new result of pupil {}", rs[i].leerling_id))
            })?;
            given.push(id);
            out[i] = Some(recorded(i, id, format!("R{id}"), 1)?);
        }
        // The key is the row id, given once: unique, short, never reused.
        let sql = format!(
            "UPDATE resultaten SET resultaat_key = 'R' || CAST(id AS TEXT) WHERE id IN ({})",
            Placeholders::on(conn).list(given.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).persistent(given.len() == CHUNK);
        for id in given {
            q = q.bind(id);
        }
        q.execute(&mut *conn).await?;
    }

    let sql = format!(
        "INSERT INTO result_versions (resultaat_id, version, score, normed_at, recorded_at) VALUES {}",
        Placeholders::on(conn).values(chunk.len(), 5)
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).persistent(full);
    for (j, &i) in chunk.iter().enumerate() {
        let rec = out[i].as_ref().ok_or_else(|| StoreError::Corrupt("a result was not recorded".into()))?;
        q = q.bind(rec.id).bind(rec.version).bind(&scores[j]).bind(ts(rs[i].normed_at)).bind(ts(now));
    }
    q.execute(&mut *conn).await?;
    Ok(())
}

/// What recording a result needs to know of its pupil.
struct Pupil {
    location: String,
    active: bool,
    schooljaar: String,
}

fn no_pupil(id: i64) -> StoreError {
    StoreError::NotFound(format!("no pupil {id}"))
}

/// Refuses a new result for a deactivated pupil, or for a pupil's record of a school year
/// that closed; `closed` keeps the later completed year per location and school year.
async fn may_record(
    conn: &mut AnyConnection,
    id: i64,
    pupil: &Pupil,
    closed: &mut HashMap<(String, String), Option<String>>,
) -> Result<(), StoreError> {
    let Pupil { location, active, schooljaar } = pupil;
    if !active {
        return Err(StoreError::Conflict(format!(
            "pupil {id} is deactivated (archived): it keeps its results but gets no new ones"
        )));
    }
    let year = (location.clone(), schooljaar.clone());
    let later = match closed.get(&year) {
        Some(later) => later.clone(),
        None => {
            let later = super::school_years::later_year(conn, location, schooljaar).await?;
            closed.insert(year, later.clone());
            later
        }
    };
    if let Some(later) = later {
        return Err(StoreError::Conflict(format!(
            "pupil {id} is the {schooljaar} record, a school year that closed when {later} was completed at {location}: \
             it keeps its results but gets no new ones; record on the pupil's {later} record"
        )));
    }
    Ok(())
}

/// A sitting as read back from the store.
type SittingKey = (i64, String, String, String);

/// Pupil, test, part (`''` for the whole test) and sitting: one result each.
fn sitting(r: &NewResult) -> (i64, &str, &str, &str) {
    (r.leerling_id, &r.toetscode, r.toetsonderdeel.as_deref().unwrap_or_default(), &r.afname)
}

/// The key a new row holds until its id is known: unique per sitting, so rows inserted
/// together are told apart by it and writers of other sittings never wait on each other's.
/// The lengths keep it unambiguous (a `-` in a toetscode cannot make two sittings one).
fn provisional_key(r: &NewResult) -> String {
    let (p, t, o, a) = sitting(r);
    format!("new-{p}-{}:{t}-{}:{o}-{a}", t.len(), o.len())
}

fn score_json(r: &NewResult) -> Result<String, StoreError> {
    serde_json::to_string(&r.scores).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Makes `version` the current one of result `id`.
async fn new_version(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    r: &NewResult,
    score: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE resultaten SET version = $1, score = $2, normed_at = $3, afnamedatum = $4, recorded_at = $5 \
         WHERE id = $6",
    )
    .bind(version)
    .bind(score)
    .bind(ts(r.normed_at))
    .bind(r.afnamedatum.format("%Y-%m-%d").to_string())
    .bind(ts(now))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Queues one version for one link; an older unsent version of it is superseded.
pub async fn enqueue(
    conn: &mut AnyConnection,
    koppeling_id: i64,
    resultaat_id: i64,
    version: i64,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    supersede(conn, koppeling_id, resultaat_id, version).await?;
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

/// [`enqueue`] for many `(koppeling_id, resultaat_id, version)`: one INSERT per 400
/// rows, in the given order (the order they are claimed and sent in), then the older
/// unsent versions superseded row by row for each version past the first. The same end
/// state as [`enqueue`] one by one: a superseding UPDATE only touches older versions, so it
/// may as well come after the newer ones are queued. Returns how many rows were new.
pub async fn enqueue_many(
    conn: &mut AnyConnection,
    queue: &[(i64, i64, i64)],
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let now = ts(now);
    let mut added = 0;
    for chunk in queue.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO deliveries (koppeling_id, resultaat_id, version, status, attempts, next_attempt_at, \
             created_at) VALUES {} ON CONFLICT (koppeling_id, resultaat_id, version) DO NOTHING",
            Placeholders::on(conn).values(chunk.len(), 7)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).persistent(chunk.len() == CHUNK);
        for &(koppeling_id, resultaat_id, version) in chunk {
            q = q.bind(koppeling_id).bind(resultaat_id).bind(version).bind("pending").bind(0i64).bind(&now).bind(&now);
        }
        added += q.execute(&mut *conn).await?.rows_affected();
    }
    for &(koppeling_id, resultaat_id, version) in queue {
        supersede(conn, koppeling_id, resultaat_id, version).await?;
    }
    Ok(added)
}

/// Marks the link's unsent versions of a result older than `version` superseded; a first
/// version has none, so it costs no statement.
async fn supersede(
    conn: &mut AnyConnection,
    koppeling_id: i64,
    resultaat_id: i64,
    version: i64,
) -> Result<(), StoreError> {
    if version <= 1 {
        return Ok(());
    }
    sqlx::query(
        "UPDATE deliveries SET status = 'superseded', lease_owner = NULL, lease_until = NULL \
         WHERE koppeling_id = $1 AND resultaat_id = $2 AND version < $3 AND status IN ('pending', 'failed')",
    )
    .bind(koppeling_id)
    .bind(resultaat_id)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(())
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

/// The claimed rows as results to send, with the pupil's keys through the link.
pub async fn outgoing(conn: &mut AnyConnection, koppeling_id: i64, ids: &[i64]) -> Result<Vec<Outgoing>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut p = Placeholders::on(conn);
    let sql = format!(
        "SELECT d.id, r.leerling_id, e.las_key, e.eckid, r.resultaat_key, r.toetscode, r.onderdeel, r.afnamedatum, \
         v.score, l.boom_nummer FROM deliveries d JOIN resultaten r ON r.id = d.resultaat_id \
         JOIN leerlingen l ON l.id = r.leerling_id \
         JOIN result_versions v ON v.resultaat_id = d.resultaat_id AND v.version = d.version \
         LEFT JOIN external_keys e ON e.koppeling_id = {} AND e.tab = 'leerlingen' AND e.record_id = r.leerling_id \
         WHERE d.id IN ({}) ORDER BY d.id",
        p.one(),
        p.list(ids.len())
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
    let mut p = Placeholders::on(conn);
    let sql = format!(
        "UPDATE deliveries SET status = 'sent', sent_at = {}, batch_id = {}, attempts = attempts + 1, \
         lease_owner = NULL, lease_until = NULL WHERE lease_owner = {} AND status = 'pending' AND id IN ({})",
        p.one(),
        p.one(),
        p.one(),
        p.list(ids.len())
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
    let mut p = Placeholders::on(conn);
    let sql = format!(
        "UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = {}, last_error = {}, lease_owner = NULL, \
         lease_until = NULL WHERE lease_owner = {} AND status = 'pending' AND id IN ({})",
        p.one(),
        p.one(),
        p.one(),
        p.list(ids.len())
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
    let mut p = Placeholders::on(conn);
    let sql = format!(
        "UPDATE deliveries SET status = 'failed', error_kind = {}, last_error = {}, batch_id = {}, \
         attempts = attempts + 1, lease_owner = NULL, lease_until = NULL \
         WHERE lease_owner = {} AND status = 'pending' AND id IN ({})",
        p.one(),
        p.one(),
        p.one(),
        p.one(),
        p.list(ids.len())
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
    let sql = format!(
        "SELECT COALESCE(MAX(attempts), 0) FROM deliveries WHERE id IN ({})",
        Placeholders::on(conn).list(ids.len())
    );
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

#[cfg(test)]
mod tests {
    use super::*;

    fn sitting_of(toets: &str, onderdeel: Option<&str>, afname: &str) -> NewResult {
        NewResult {
            leerling_id: 5,
            toetscode: toets.into(),
            toetsonderdeel: onderdeel.map(Into::into),
            afname: afname.into(),
            afnamedatum: NaiveDate::from_ymd_opt(2025, 9, 20).unwrap_or_default(),
            scores: Scores::Raw { score: 1 },
            normed_at: DateTime::<Utc>::default(),
        }
    }

    #[test]
    fn provisional_keys_tell_sittings_apart_and_a_missing_part_is_an_empty_one() {
        // `new-5-REK-1--s` both ways without the lengths.
        let a = sitting_of("REK-1", None, "s");
        let b = sitting_of("REK", Some("1-"), "s");
        assert_ne!(provisional_key(&a), provisional_key(&b));
        let c = sitting_of("REK", Some("1"), "-s");
        assert_ne!(provisional_key(&b), provisional_key(&c));
        let whole = sitting_of("REK", Some(""), "s");
        assert_eq!(provisional_key(&whole), provisional_key(&sitting_of("REK", None, "s")));
        assert_eq!(sitting(&whole), (5, "REK", "", "s"));
    }
}
