//! The school-year transitions of each location, and closing the years before one: their
//! groups are deactivated, and so are the pupils and teachers who did not come back in the
//! new year. Records, enrolments and results stay, queryable by year.

use super::{opt_ts, parse_ts, ts, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

/// One school year's start at one location.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SchoolYear {
    pub location: String,
    pub schooljaar: String,
    pub started_at: DateTime<Utc>,
    pub started_by: String,
    /// Started by the gateway on 1 October, not by an admin.
    pub automatic: bool,
    /// When its first import was applied.
    pub completed_at: Option<DateTime<Utc>>,
    pub completed_by: Option<String>,
    /// The last day a reminder was queued.
    pub reminded_on: Option<NaiveDate>,
}

const COLUMNS: &str =
    "location, schooljaar, started_at, started_by, automatic, completed_at, completed_by, reminded_on";

fn row(r: &AnyRow) -> Result<SchoolYear, StoreError> {
    let reminded: Option<String> = r.try_get("reminded_on")?;
    Ok(SchoolYear {
        location: r.try_get("location")?,
        schooljaar: r.try_get("schooljaar")?,
        started_at: parse_ts(&r.try_get::<String, _>("started_at")?)?,
        started_by: r.try_get("started_by")?,
        automatic: r.try_get::<i64, _>("automatic")? != 0,
        completed_at: opt_ts(r.try_get("completed_at")?)?,
        completed_by: r.try_get("completed_by")?,
        reminded_on: reminded
            .map(|d| {
                NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                    .map_err(|e| StoreError::Corrupt(format!("school_years.reminded_on '{d}': {e}")))
            })
            .transpose()?,
    })
}

/// Records the start of `schooljaar` at `location`; a year starts once.
pub async fn insert(
    conn: &mut AnyConnection,
    location: &str,
    schooljaar: &str,
    actor: &str,
    automatic: bool,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO school_years (location, schooljaar, started_at, started_by, automatic) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(location)
    .bind(schooljaar)
    .bind(ts(now))
    .bind(actor)
    .bind(i64::from(automatic))
    .execute(conn)
    .await
    .map_err(|e| match e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            StoreError::Conflict(format!("school year {schooljaar} was already started at {location}"))
        }
        other => other.into(),
    })?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, location: &str, schooljaar: &str) -> Result<Option<SchoolYear>, StoreError> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM school_years WHERE location = $1 AND schooljaar = $2"
    )))
    .bind(location)
    .bind(schooljaar)
    .fetch_optional(conn)
    .await?;
    r.as_ref().map(row).transpose()
}

/// A location's year starts, newest first.
pub async fn list(conn: &mut AnyConnection, location: &str) -> Result<Vec<SchoolYear>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM school_years WHERE location = $1 ORDER BY schooljaar DESC"
    )))
    .bind(location)
    .fetch_all(conn)
    .await?;
    rows.iter().map(row).collect()
}

/// Years started and not completed, at every location.
pub async fn open(conn: &mut AnyConnection) -> Result<Vec<SchoolYear>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM school_years WHERE completed_at IS NULL ORDER BY location, schooljaar"
    )))
    .fetch_all(conn)
    .await?;
    rows.iter().map(row).collect()
}

/// Marks the year completed, if it was started and not completed yet; says whether it did.
pub async fn complete(
    conn: &mut AnyConnection,
    location: &str,
    schooljaar: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE school_years SET completed_at = $1, completed_by = $2 \
         WHERE location = $3 AND schooljaar = $4 AND completed_at IS NULL",
    )
    .bind(ts(now))
    .bind(actor)
    .bind(location)
    .bind(schooljaar)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_reminded(
    conn: &mut AnyConnection,
    location: &str,
    schooljaar: &str,
    on: NaiveDate,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE school_years SET reminded_on = $1 WHERE location = $2 AND schooljaar = $3")
        .bind(on.format("%Y-%m-%d").to_string())
        .bind(location)
        .bind(schooljaar)
        .execute(conn)
        .await?;
    Ok(())
}

/// The newest year completed at the location after `schooljaar`, if any: records of
/// `schooljaar` then belong to a closed year.
pub async fn later_year(
    conn: &mut AnyConnection,
    location: &str,
    schooljaar: &str,
) -> Result<Option<String>, StoreError> {
    let r = sqlx::query(
        "SELECT MAX(schooljaar) FROM school_years WHERE location = $1 AND schooljaar > $2 AND completed_at IS NOT NULL",
    )
    .bind(location)
    .bind(schooljaar)
    .fetch_one(conn)
    .await?;
    Ok(r.try_get(0)?)
}

/// What closing the earlier years deactivated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Closed {
    pub groepen: u64,
    /// Teachers not in the new year's import: they left.
    pub leerkrachten: u64,
    /// Pupils not in the new year's import: they left.
    pub leerlingen_left: u64,
}

/// Closes the years before `schooljaar` at `location`: their groups are deactivated (groups
/// belong to one year), and so are the pupils and teachers whose latest year is an earlier
/// one: the new year's import did not bring them, so they left. They keep their records,
/// enrolments and results; those who continue are the same records, now in the new year.
pub async fn close_earlier(
    conn: &mut AnyConnection,
    location: &str,
    schooljaar: &str,
    now: DateTime<Utc>,
) -> Result<Closed, StoreError> {
    let now = ts(now);
    let mut ended = [0u64; 3];
    for (n, table) in ended.iter_mut().zip(["groepen", "leerkrachten", "leerlingen"]) {
        let left = if table == "leerlingen" { ", deactivated_at = $1" } else { "" };
        let sql = format!(
            "UPDATE {table} SET active = 0, updated_at = $1{left} WHERE location = $2 AND schooljaar < $3 AND active = 1"
        );
        *n = sqlx::query(AssertSqlSafe(sql))
            .bind(&now)
            .bind(location)
            .bind(schooljaar)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    }
    let [groepen, leerkrachten, leerlingen_left] = ended;
    Ok(Closed { groepen, leerkrachten, leerlingen_left })
}
