//! The imported records (groups, teachers, pupils) of a school location, read as the
//! snapshot an import proposal is computed against, and the results that hang on pupils.
//!
//! Groups belong to one school year; pupils and teachers carry on (DOMAIN.md §4). So a
//! snapshot for an import holds the year's groups and *every* pupil and teacher of the
//! school, each with its group memberships of that year: a continuing pupil is found by the
//! key it came in with and moves to its new group. A snapshot of a year as it was holds the
//! pupils enrolled that year, with the group they were in that year.

use super::StoreError;
use crate::import::{ExternalRef, KnownGroep, KnownLeerkracht, KnownLeerling, SkipMarker, Snapshot, Tab};
use chrono::NaiveDate;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

/// Which pupils and teachers a snapshot of a school year holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every pupil and teacher of the school: what an import of the year matches against.
    Import,
    /// The pupils enrolled in the year and the teachers imported in it or later that had a
    /// group that year: who was in which group, as it was.
    Year,
}

/// Everything known of a location in one school year, with the external keys that came in
/// through `koppeling_id` (none: as a school admin sees it, without any link's keys).
pub async fn snapshot(
    conn: &mut AnyConnection,
    location: &str,
    schooljaar: &str,
    koppeling_id: Option<i64>,
    scope: Scope,
) -> Result<Snapshot, StoreError> {
    let mut external: HashMap<(String, i64), ExternalRef> = HashMap::new();
    let mut skipped = Vec::new();
    if let Some(k) = koppeling_id {
        let rows = sqlx::query(
            "SELECT tab, record_id, las_key, eckid, skipped FROM external_keys WHERE koppeling_id = $1 ORDER BY id",
        )
        .bind(k)
        .fetch_all(&mut *conn)
        .await?;
        for r in rows {
            let tab: String = r.try_get("tab")?;
            let las_key: Option<String> = r.try_get("las_key")?;
            let eckid: Option<String> = r.try_get("eckid")?;
            if r.try_get::<i64, _>("skipped")? != 0 {
                let key = las_key.or(eckid).unwrap_or_default();
                skipped.push(SkipMarker { tab: Tab::parse(&tab).map_err(StoreError::Corrupt)?, key });
            } else if let Some(id) = r.try_get::<Option<i64>, _>("record_id")? {
                external.insert((tab, id), ExternalRef { las_key, eckid });
            }
        }
    }
    let mut ext = |tab: &str, id: i64| external.remove(&(tab.to_string(), id));

    let rows = sqlx::query(
        "SELECT id, naam, jaargroep, samengesteld, active FROM groepen WHERE location = $1 AND schooljaar = $2 \
             ORDER BY id",
    )
    .bind(location)
    .bind(schooljaar)
    .fetch_all(&mut *conn)
    .await?;
    let mut groepen = Vec::with_capacity(rows.len());
    for r in rows {
        let id: i64 = r.try_get("id")?;
        groepen.push(KnownGroep {
            id,
            naam: r.try_get("naam")?,
            jaargroep: r.try_get("jaargroep")?,
            samengesteld: r.try_get::<i64, _>("samengesteld")? != 0,
            active: r.try_get::<i64, _>("active")? != 0,
            external: ext("groepen", id),
        });
    }

    let mut teacher_groups: HashMap<i64, Vec<i64>> = HashMap::new();
    for r in sqlx::query(
        "SELECT lg.leerkracht_id, lg.groep_id FROM leerkracht_groepen lg JOIN groepen g ON g.id = lg.groep_id \
         WHERE g.location = $1 AND g.schooljaar = $2 ORDER BY lg.leerkracht_id, lg.groep_id",
    )
    .bind(location)
    .bind(schooljaar)
    .fetch_all(&mut *conn)
    .await?
    {
        teacher_groups.entry(r.try_get(0)?).or_default().push(r.try_get(1)?);
    }
    // A year as it was: the teachers imported that year, and those of later years who had
    // one of its groups.
    let rows = sqlx::query(
        "SELECT id, achternaam, voorvoegsel, voorletters, roepnaam, emailadres, active, schooljaar FROM leerkrachten \
         WHERE location = $1 ORDER BY id",
    )
    .bind(location)
    .fetch_all(&mut *conn)
    .await?;
    let mut leerkrachten = Vec::with_capacity(rows.len());
    for r in rows {
        let id: i64 = r.try_get("id")?;
        if scope == Scope::Year
            && r.try_get::<String, _>("schooljaar")? != schooljaar
            && !teacher_groups.contains_key(&id)
        {
            continue;
        }
        leerkrachten.push(KnownLeerkracht {
            id,
            achternaam: r.try_get("achternaam")?,
            voorvoegsel: r.try_get("voorvoegsel")?,
            voorletters: r.try_get("voorletters")?,
            roepnaam: r.try_get("roepnaam")?,
            emailadres: r.try_get("emailadres")?,
            groepen: teacher_groups.remove(&id).unwrap_or_default(),
            active: r.try_get::<i64, _>("active")? != 0,
            external: ext("leerkrachten", id),
        });
    }

    let mut composed: HashMap<i64, Vec<i64>> = HashMap::new();
    for r in sqlx::query(
        "SELECT lg.leerling_id, lg.groep_id FROM leerling_groepen lg JOIN groepen g ON g.id = lg.groep_id \
         WHERE g.location = $1 AND g.schooljaar = $2 ORDER BY lg.leerling_id, lg.groep_id",
    )
    .bind(location)
    .bind(schooljaar)
    .fetch_all(&mut *conn)
    .await?
    {
        composed.entry(r.try_get(0)?).or_default().push(r.try_get(1)?);
    }
    let eckids = eckids(conn, location).await?;
    // The group and jaargroep come from the pupil's enrolment in the year; a pupil not
    // enrolled in it (yet) has no group there, and its current jaargroep.
    let join = match scope {
        Scope::Import => "LEFT JOIN",
        Scope::Year => "JOIN",
    };
    let sql = format!(
        "SELECT l.id, l.achternaam, l.voorvoegsel, l.voorletters, l.roepnaam, l.geboortedatum, l.geslacht, \
         CASE WHEN e.leerling_id IS NULL THEN l.jaargroep ELSE e.jaargroep END AS jaargroep, e.groep_id, l.active, \
         l.boom_nummer FROM leerlingen l {join} enrolments e ON e.leerling_id = l.id AND e.schooljaar = $2 \
         WHERE l.location = $1 ORDER BY l.id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(location).bind(schooljaar).fetch_all(&mut *conn).await?;
    let mut leerlingen = Vec::with_capacity(rows.len());
    for r in rows {
        let id: i64 = r.try_get("id")?;
        leerlingen.push(KnownLeerling {
            id,
            achternaam: r.try_get("achternaam")?,
            voorvoegsel: r.try_get("voorvoegsel")?,
            voorletters: r.try_get("voorletters")?,
            roepnaam: r.try_get("roepnaam")?,
            geboortedatum: date(r.try_get("geboortedatum")?)?,
            geslacht: r.try_get("geslacht")?,
            jaargroep: r.try_get("jaargroep")?,
            groep: r.try_get("groep_id")?,
            samengestelde_groepen: composed.remove(&id).unwrap_or_default(),
            active: r.try_get::<i64, _>("active")? != 0,
            external: ext("leerlingen", id),
            boom_nummer: r.try_get("boom_nummer")?,
            eckid: eckids.get(&id).cloned(),
        });
    }
    Ok(Snapshot { groepen, leerkrachten, leerlingen, skipped })
}

/// The ECK iD each pupil of the location came in under, through any of its links (the
/// newest link's, when they differ): what makes a strong candidate across links.
async fn eckids(conn: &mut AnyConnection, location: &str) -> Result<HashMap<i64, String>, StoreError> {
    let rows = sqlx::query(
        "SELECT e.record_id, e.eckid FROM external_keys e JOIN koppelingen k ON k.id = e.koppeling_id \
         WHERE k.location = $1 AND e.tab = 'leerlingen' AND e.skipped = 0 AND e.record_id IS NOT NULL \
         AND e.eckid IS NOT NULL ORDER BY e.id",
    )
    .bind(location)
    .fetch_all(conn)
    .await?;
    let mut map = HashMap::with_capacity(rows.len());
    for r in rows {
        map.insert(r.try_get(0)?, r.try_get(1)?);
    }
    Ok(map)
}

fn date(s: Option<String>) -> Result<Option<NaiveDate>, StoreError> {
    s.map(|s| {
        NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|e| StoreError::Corrupt(format!("birth date '{s}': {e}")))
    })
    .transpose()
}

/// The location's record version: every applied change bumps it, so a proposal computed
/// against an older version is stale.
pub async fn location_version(conn: &mut AnyConnection, location: &str) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT version FROM locations WHERE location = $1")
        .bind(location)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no school location '{location}'")))?;
    Ok(row.try_get(0)?)
}

pub async fn bump_location(conn: &mut AnyConnection, location: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE locations SET version = version + 1 WHERE location = $1").bind(location).execute(conn).await?;
    Ok(())
}

/// "Verwijder nummers": forgets every external key (and remembered skip) that came in
/// through any link of the location. Records and their results stay; the next import
/// proposes links by name again.
pub async fn clear_external_numbers(conn: &mut AnyConnection, location: &str) -> Result<u64, StoreError> {
    let done =
        sqlx::query("DELETE FROM external_keys WHERE koppeling_id IN (SELECT id FROM koppelingen WHERE location = $1)")
            .bind(location)
            .execute(&mut *conn)
            .await?;
    // The LAS numbers go with them; the ECK iD is the pupil's own and stays.
    sqlx::query("UPDATE leerlingen SET las_key = NULL WHERE location = $1").bind(location).execute(&mut *conn).await?;
    super::koppelingen::clear_watermarks(conn, location).await?;
    bump_location(conn, location).await?;
    Ok(done.rows_affected())
}

pub async fn count_results(conn: &mut AnyConnection, location: &str) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) FROM resultaten r JOIN leerlingen l ON l.id = r.leerling_id WHERE l.location = $1",
    )
    .bind(location)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get(0)?)
}
