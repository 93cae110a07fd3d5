//! A pupil is one pupil for life (DOMAIN.md §3, §4): the Boom pupil number it gets once,
//! the enrolment each school year adds, the LAS key and ECK iD the store lets belong to one
//! active pupil of a school only, and merging two records of one pupil into one.

use super::koppelingen::{self as links, AuditLine};
use super::{ts, StoreError};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

/// A new Boom pupil number: ten digits, the first not 0, drawn from the system's secure
/// random source (so it says nothing of how many pupils there are and cannot be guessed from
/// a neighbour's), recorded in `boom_numbers` so that it is never issued again, also after
/// its pupil is deleted for good.
pub async fn issue_boom_number(conn: &mut AnyConnection, now: DateTime<Utc>) -> Result<String, StoreError> {
    let rng = SystemRandom::new();
    // 9·10⁹ numbers: a clash is rare; a few tries make it vanishingly so.
    for _ in 0..16 {
        let nummer = random_boom_number(&rng)?;
        let done = sqlx::query("INSERT INTO boom_numbers (nummer, issued_at) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(&nummer)
            .bind(ts(now))
            .execute(&mut *conn)
            .await?;
        if done.rows_affected() == 1 {
            return Ok(nummer);
        }
    }
    Err(StoreError::Conflict("no free Boom pupil number found in 16 tries".into()))
}

/// `n` new Boom pupil numbers (at most [`super::bulk::CHUNK`]) in one statement per try, as
/// [`issue_boom_number`] gives one.
pub(crate) async fn issue_boom_numbers(
    conn: &mut AnyConnection,
    n: usize,
    now: DateTime<Utc>,
) -> Result<Vec<String>, StoreError> {
    let rng = SystemRandom::new();
    let at = ts(now);
    let mut issued = Vec::with_capacity(n);
    for _ in 0..16 {
        if issued.len() == n {
            break;
        }
        let mut drawn = std::collections::BTreeSet::new();
        while drawn.len() < n - issued.len() {
            drawn.insert(random_boom_number(&rng)?);
        }
        let sql = format!(
            "INSERT INTO boom_numbers (nummer, issued_at) VALUES {} ON CONFLICT DO NOTHING RETURNING nummer",
            super::bulk::Placeholders::on(conn).values(drawn.len(), 2)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(false);
        for nummer in &drawn {
            q = q.bind(nummer).bind(&at);
        }
        for row in q.fetch_all(&mut *conn).await? {
            issued.push(row.try_get::<String, _>(0)?);
        }
    }
    if issued.len() < n {
        return Err(StoreError::Conflict("no free Boom pupil numbers found in 16 tries".into()));
    }
    Ok(issued)
}

fn random_boom_number(rng: &SystemRandom) -> Result<String, StoreError> {
    let mut b = [0u8; 8];
    rng.fill(&mut b).map_err(|_| StoreError::Corrupt("the system's random source failed".into()))?;
    Ok((1_000_000_000 + u64::from_le_bytes(b) % 9_000_000_000).to_string())
}

/// Gives every pupil without a Boom number one (pupils of a store from before numbers).
pub async fn number_all(conn: &mut AnyConnection, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM leerlingen WHERE boom_nummer IS NULL ORDER BY id")
        .fetch_all(&mut *conn)
        .await?;
    for id in &ids {
        let n = issue_boom_number(conn, now).await?;
        sqlx::query("UPDATE leerlingen SET boom_nummer = $1 WHERE id = $2")
            .bind(n)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(ids.len() as u64)
}

/// The pupil's enrolment in `schooljaar`: its class group and jaargroep that year.
pub async fn enrol(
    conn: &mut AnyConnection,
    leerling_id: i64,
    schooljaar: &str,
    groep_id: Option<i64>,
    jaargroep: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO enrolments (leerling_id, schooljaar, groep_id, jaargroep) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (leerling_id, schooljaar) DO UPDATE SET groep_id = $3, jaargroep = $4",
    )
    .bind(leerling_id)
    .bind(schooljaar)
    .bind(groep_id)
    .bind(jaargroep)
    .execute(conn)
    .await?;
    Ok(())
}

/// A unique-index refusal on the pupils' identity keys, said in the school's words.
pub fn identity_clash(e: sqlx::Error, what: &str) -> StoreError {
    match e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(format!(
            "{what}: its ECK iD or LAS key already belongs to another active pupil of this school (one pupil, one \
             record: link the incoming pupil to that record, or merge the two with `uwlr school merge`)"
        )),
        other => other.into(),
    }
}

/// What a merge moved onto the surviving record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Merged {
    pub survivor: i64,
    pub merged: i64,
    pub results: u64,
    pub enrolments: u64,
    pub external_keys: u64,
    pub memberships: u64,
}

/// Merges pupil `merged` into pupil `survivor` (both of one location): every result,
/// enrolment, composed-group membership and external key moves to the survivor, which keeps
/// its Boom number and takes the newer record's current details; `merged` is deleted (its
/// number stays issued, so it is never given again). Audited. Refused when both records have
/// a result of the same sitting: which one counts is for a person to say.
pub async fn merge(
    conn: &mut AnyConnection,
    survivor: i64,
    merged: i64,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Merged, StoreError> {
    if survivor == merged {
        return Err(StoreError::Conflict(format!("pupil {survivor} cannot be merged into itself")));
    }
    let row = |id: i64| {
        sqlx::query("SELECT location, schooljaar, updated_at, boom_nummer FROM leerlingen WHERE id = $1").bind(id)
    };
    let s = row(survivor)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no pupil {survivor}")))?;
    let m = row(merged)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no pupil {merged}")))?;
    let location: String = s.try_get(0)?;
    if m.try_get::<String, _>(0)? != location {
        return Err(StoreError::Conflict(format!("pupils {survivor} and {merged} are not of one school location")));
    }
    let clash: Vec<String> = sqlx::query_scalar(
        "SELECT a.toetscode || ' ' || a.afname FROM resultaten a JOIN resultaten b ON b.leerling_id = $2 \
         AND b.toetscode = a.toetscode AND b.onderdeel = a.onderdeel AND b.afname = a.afname WHERE a.leerling_id = $1",
    )
    .bind(survivor)
    .bind(merged)
    .fetch_all(&mut *conn)
    .await?;
    if !clash.is_empty() {
        return Err(StoreError::Conflict(format!(
            "pupils {survivor} and {merged} both have a result of the same sitting ({}): decide which counts and \
             delete the other before merging",
            clash.join(", ")
        )));
    }
    let exec = |sql: &'static str| sqlx::query(sql).bind(survivor).bind(merged);
    let gone = |sql: &'static str| sqlx::query(sql).bind(merged);
    let mut out = Merged { survivor, merged, ..Merged::default() };
    out.results = exec("UPDATE resultaten SET leerling_id = $1 WHERE leerling_id = $2")
        .execute(&mut *conn)
        .await?
        .rows_affected();
    out.enrolments = exec(
        "UPDATE enrolments SET leerling_id = $1 WHERE leerling_id = $2 \
         AND schooljaar NOT IN (SELECT schooljaar FROM enrolments WHERE leerling_id = $1)",
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    gone("DELETE FROM enrolments WHERE leerling_id = $1").execute(&mut *conn).await?;
    out.memberships = exec(
        "INSERT INTO leerling_groepen (leerling_id, groep_id) SELECT $1, groep_id FROM leerling_groepen \
         WHERE leerling_id = $2 ON CONFLICT DO NOTHING",
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    gone("DELETE FROM leerling_groepen WHERE leerling_id = $1").execute(&mut *conn).await?;
    out.external_keys = exec(
        "UPDATE external_keys SET record_id = $1 WHERE tab = 'leerlingen' AND record_id = $2 AND koppeling_id NOT IN \
         (SELECT koppeling_id FROM external_keys WHERE tab = 'leerlingen' AND record_id = $1)",
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    gone("DELETE FROM external_keys WHERE tab = 'leerlingen' AND record_id = $1").execute(&mut *conn).await?;

    // The survivor takes the details of whichever record is the newer (the later year, then
    // the later change): the pupil as the school knows it now.
    let newer = (m.try_get::<String, _>(1)?, m.try_get::<String, _>(2)?) > (s.try_get(1)?, s.try_get(2)?);
    let (las_key, eckid): (Option<String>, Option<String>) = {
        let r = sqlx::query("SELECT las_key, eckid FROM leerlingen WHERE id = $1")
            .bind(merged)
            .fetch_one(&mut *conn)
            .await?;
        (r.try_get(0)?, r.try_get(1)?)
    };
    gone("UPDATE leerlingen SET las_key = NULL, eckid = NULL WHERE id = $1").execute(&mut *conn).await?;
    if newer {
        exec(
            "UPDATE leerlingen SET (achternaam, voorvoegsel, voorletters, roepnaam, geboortedatum, geslacht, jaargroep, \
             groep_id, active, deactivated_at, schooljaar, updated_at) = (SELECT achternaam, voorvoegsel, voorletters, \
             roepnaam, geboortedatum, geslacht, jaargroep, groep_id, active, deactivated_at, schooljaar, updated_at \
             FROM leerlingen WHERE id = $2) WHERE id = $1",
        )
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query("UPDATE leerlingen SET las_key = COALESCE($2, las_key), eckid = COALESCE($3, eckid) WHERE id = $1")
        .bind(survivor)
        .bind(las_key)
        .bind(eckid)
        .execute(&mut *conn)
        .await
        .map_err(|e| identity_clash(e, &format!("merging pupil {merged} into {survivor}")))?;
    gone("DELETE FROM leerlingen WHERE id = $1").execute(&mut *conn).await?;

    let boom = |r: &sqlx::any::AnyRow| r.try_get::<Option<String>, _>(3).map(|b| b.unwrap_or_else(|| "-".into()));
    let reason = format!(
        "pupil {merged} (Boom {}) merged into pupil {survivor} (Boom {}): {} result(s), {} enrolment(s), {} external \
         key(s) moved",
        boom(&m)?,
        boom(&s)?,
        out.results,
        out.enrolments,
        out.external_keys
    );
    let line = AuditLine {
        koppeling_id: None,
        location: &location,
        actor,
        action: "merge-leerling",
        from: None,
        to: None,
        reason: Some(&reason),
    };
    links::audit(conn, &line, now).await?;
    super::records::bump_location(conn, &location).await?;
    Ok(out)
}

/// Merges teacher `merged` into teacher `survivor`: group memberships and external keys
/// move, the survivor takes the newer details, `merged` is deleted. Audited.
pub async fn merge_leerkracht(
    conn: &mut AnyConnection,
    survivor: i64,
    merged: i64,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let location: String = sqlx::query_scalar("SELECT location FROM leerkrachten WHERE id = $1")
        .bind(survivor)
        .fetch_one(&mut *conn)
        .await?;
    let exec = |sql: &'static str| sqlx::query(sql).bind(survivor).bind(merged);
    let gone = |sql: &'static str| sqlx::query(sql).bind(merged);
    exec(
        "INSERT INTO leerkracht_groepen (leerkracht_id, groep_id) SELECT $1, groep_id FROM leerkracht_groepen \
         WHERE leerkracht_id = $2 ON CONFLICT DO NOTHING",
    )
    .execute(&mut *conn)
    .await?;
    gone("DELETE FROM leerkracht_groepen WHERE leerkracht_id = $1").execute(&mut *conn).await?;
    exec(
        "UPDATE external_keys SET record_id = $1 WHERE tab = 'leerkrachten' AND record_id = $2 AND koppeling_id NOT IN \
         (SELECT koppeling_id FROM external_keys WHERE tab = 'leerkrachten' AND record_id = $1)",
    )
    .execute(&mut *conn)
    .await?;
    gone("DELETE FROM external_keys WHERE tab = 'leerkrachten' AND record_id = $1").execute(&mut *conn).await?;
    exec(
        "UPDATE leerkrachten SET (achternaam, voorvoegsel, voorletters, roepnaam, emailadres, active, schooljaar, \
         updated_at) = (SELECT achternaam, voorvoegsel, voorletters, roepnaam, emailadres, active, schooljaar, \
         updated_at FROM leerkrachten WHERE id = $2) WHERE id = $1",
    )
    .execute(&mut *conn)
    .await?;
    gone("DELETE FROM leerkrachten WHERE id = $1").execute(&mut *conn).await?;
    let reason = format!("teacher {merged} merged into teacher {survivor}");
    let line = AuditLine {
        koppeling_id: None,
        location: &location,
        actor,
        action: "merge-leerkracht",
        from: None,
        to: None,
        reason: Some(&reason),
    };
    links::audit(conn, &line, now).await?;
    Ok(())
}
