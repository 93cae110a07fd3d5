//! Deactivated (archived) pupils and groups of a location, archiving and reactivating them
//! by hand, and deleting them for good.
//!
//! A pupil's personal data lives in more places than its row: its results (with their
//! versions and delivery rows), its group memberships, the external keys it came in under,
//! the kept LAS answers and import proposals that named it, and the exchange journal's
//! bodies that named it (dropped whole). Deleting a pupil removes or
//! scrubs all of them, inside the caller's transaction. A group holds no results (they hang
//! on pupils), so deleting one loses none: its pupils only lose the reference.

use super::records::bump_location;
use super::{opt_ts, StoreError};
use crate::import::{Category, Decision, Proposal, Tab};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{AnyConnection, Row};
use std::collections::HashSet;

/// A deactivated pupil as the "deactivated" list shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArchivedLeerling {
    pub id: i64,
    /// "Piet de Vries".
    pub naam: String,
    pub deactivated_at: Option<DateTime<Utc>>,
    /// Results kept for it; deleting the pupil deletes them.
    pub results: i64,
}

/// A deactivated group. Groups keep no separate deactivation moment: it is the last change
/// of the row, which nothing writes after deactivation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArchivedGroep {
    pub id: i64,
    pub naam: String,
    pub deactivated_at: Option<DateTime<Utc>>,
    /// Pupils (active or not) whose class group it is, or who are in it as a composed group.
    pub leerlingen: i64,
}

/// A record named for deletion, as the store knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub id: i64,
    pub location: String,
    pub active: bool,
}

/// What deleting one record removed, row counts per table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Removed {
    pub results: u64,
    pub result_versions: u64,
    pub deliveries: u64,
    pub memberships: u64,
    pub external_keys: u64,
    /// Groups: pupils whose class group it was (their `groep_id` is cleared).
    pub ungrouped: u64,
    /// Pupils: kept import proposals it was scrubbed from.
    pub proposals_scrubbed: u64,
    /// Pupils: kept LAS answers that named it and were forgotten (digest and counts stay).
    pub answers_forgotten: u64,
    /// Pupils: exchange journal entries whose bodies named it and were dropped (their
    /// metadata stays).
    pub journal_bodies: u64,
}

pub async fn deactivated_leerlingen(
    conn: &mut AnyConnection,
    location: &str,
) -> Result<Vec<ArchivedLeerling>, StoreError> {
    let rows = sqlx::query(
        "SELECT l.id, l.roepnaam, l.voorvoegsel, l.achternaam, l.deactivated_at, \
         (SELECT COUNT(*) FROM resultaten r WHERE r.leerling_id = l.id) AS results \
         FROM leerlingen l WHERE l.location = $1 AND l.active = 0 ORDER BY l.id",
    )
    .bind(location)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let parts: [Option<String>; 3] =
                [r.try_get("roepnaam")?, r.try_get("voorvoegsel")?, r.try_get("achternaam")?];
            Ok(ArchivedLeerling {
                id: r.try_get("id")?,
                naam: parts.iter().flatten().map(String::as_str).collect::<Vec<_>>().join(" "),
                deactivated_at: opt_ts(r.try_get("deactivated_at")?)?,
                results: r.try_get("results")?,
            })
        })
        .collect()
}

pub async fn deactivated_groepen(conn: &mut AnyConnection, location: &str) -> Result<Vec<ArchivedGroep>, StoreError> {
    let rows = sqlx::query(
        "SELECT g.id, g.naam, g.updated_at, \
         (SELECT COUNT(*) FROM leerlingen l WHERE l.groep_id = g.id \
            OR l.id IN (SELECT lg.leerling_id FROM leerling_groepen lg WHERE lg.groep_id = g.id)) AS leerlingen \
         FROM groepen g WHERE g.location = $1 AND g.active = 0 ORDER BY g.id",
    )
    .bind(location)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ArchivedGroep {
                id: r.try_get("id")?,
                naam: r.try_get("naam")?,
                deactivated_at: opt_ts(r.try_get("updated_at")?)?,
                leerlingen: r.try_get("leerlingen")?,
            })
        })
        .collect()
}

/// The record `id` of `tab` (pupils and groups only), if there is one.
pub async fn target(conn: &mut AnyConnection, tab: Tab, id: i64) -> Result<Option<Target>, StoreError> {
    let sql = match tab {
        Tab::Leerlingen => "SELECT id, location, active FROM leerlingen WHERE id = $1",
        Tab::Groepen => "SELECT id, location, active FROM groepen WHERE id = $1",
        Tab::Leerkrachten => return Err(StoreError::Conflict("teachers are not deleted through the archive".into())),
    };
    let row = sqlx::query(sql).bind(id).fetch_optional(conn).await?;
    row.map(|r| {
        Ok(Target {
            id: r.try_get("id")?,
            location: r.try_get("location")?,
            active: r.try_get::<i64, _>("active")? != 0,
        })
    })
    .transpose()
}

/// Names a pupil goes by, for keeping them out of an audit reason.
pub async fn leerling_names(conn: &mut AnyConnection, id: i64) -> Result<Vec<String>, StoreError> {
    let r = sqlx::query("SELECT roepnaam, achternaam FROM leerlingen WHERE id = $1").bind(id).fetch_one(conn).await?;
    let names: [Option<String>; 2] = [r.try_get(0)?, r.try_get(1)?];
    Ok(names.into_iter().flatten().collect())
}

/// What identifies a pupil in kept LAS answers and proposals.
struct Identity {
    id: i64,
    keys: HashSet<String>,
    /// What a dashboard knows the pupil by.
    boom_nummer: Option<String>,
    achternaam: Option<String>,
    roepnaam: Option<String>,
    geboortedatum: Option<NaiveDate>,
}

async fn identity(conn: &mut AnyConnection, id: i64) -> Result<Identity, StoreError> {
    let r = sqlx::query("SELECT achternaam, roepnaam, geboortedatum, boom_nummer FROM leerlingen WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    let birth: Option<String> = r.try_get("geboortedatum")?;
    let mut keys = HashSet::new();
    for k in sqlx::query("SELECT las_key, eckid FROM external_keys WHERE tab = 'leerlingen' AND record_id = $1")
        .bind(id)
        .fetch_all(&mut *conn)
        .await?
    {
        let (las, eck): (Option<String>, Option<String>) = (k.try_get(0)?, k.try_get(1)?);
        keys.extend(las.into_iter().chain(eck).filter(|s| !s.is_empty()));
    }
    Ok(Identity {
        id,
        keys,
        boom_nummer: r.try_get("boom_nummer")?,
        achternaam: r.try_get("achternaam")?,
        roepnaam: r.try_get("roepnaam")?,
        geboortedatum: birth.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok()),
    })
}

/// Deletes the deactivated pupil `id` of `location` and everything that names it.
pub async fn delete_leerling(
    conn: &mut AnyConnection,
    location: &str,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Removed, StoreError> {
    let who = identity(conn, id).await?;
    let mut removed = Removed::default();
    let results = "SELECT id FROM resultaten WHERE leerling_id = $1";
    removed.deliveries = exec(conn, &format!("DELETE FROM deliveries WHERE resultaat_id IN ({results})"), id).await?;
    removed.result_versions =
        exec(conn, &format!("DELETE FROM result_versions WHERE resultaat_id IN ({results})"), id).await?;
    removed.results = exec(conn, "DELETE FROM resultaten WHERE leerling_id = $1", id).await?;
    removed.memberships = exec(conn, "DELETE FROM leerling_groepen WHERE leerling_id = $1", id).await?;
    // Its enrolments go too; its Boom number stays issued (boom_numbers), never given again.
    exec(conn, "DELETE FROM enrolments WHERE leerling_id = $1", id).await?;
    removed.external_keys =
        exec(conn, "DELETE FROM external_keys WHERE tab = 'leerlingen' AND record_id = $1", id).await?;
    // Remembered skips carry no record id, only the key the LAS sent.
    for key in &who.keys {
        removed.external_keys += sqlx::query(
            "DELETE FROM external_keys WHERE tab = 'leerlingen' AND record_id IS NULL AND (las_key = $1 OR eckid = $1) \
             AND koppeling_id IN (SELECT id FROM koppelingen WHERE location = $2)",
        )
        .bind(key)
        .bind(location)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    }
    let (scrubbed, forgotten) = scrub_imports(conn, location, &who).await?;
    removed.proposals_scrubbed = scrubbed;
    removed.answers_forgotten = forgotten;
    // The journal's bodies that name it are dropped whole (request and answer): a SOAP body
    // is evidence of what was said, and a redacted one would no longer be.
    let mut journal_needles = needles(&who);
    journal_needles.extend(who.boom_nummer.iter().filter(|n| n.len() >= 4).cloned());
    removed.journal_bodies = super::journal::drop_bodies_naming(conn, location, &journal_needles, now).await?;
    exec(conn, "DELETE FROM leerlingen WHERE id = $1", id).await?;
    bump_location(conn, location).await?;
    Ok(removed)
}

/// Deletes the deactivated group `id` of `location`; its pupils and their results stay.
pub async fn delete_groep(conn: &mut AnyConnection, location: &str, id: i64) -> Result<Removed, StoreError> {
    let pupils = exec(conn, "DELETE FROM leerling_groepen WHERE groep_id = $1", id).await?;
    // Enrolments of its year keep the pupil's year, without the group.
    exec(conn, "UPDATE enrolments SET groep_id = NULL WHERE groep_id = $1", id).await?;
    let teachers = exec(conn, "DELETE FROM leerkracht_groepen WHERE groep_id = $1", id).await?;
    let removed = Removed {
        memberships: pupils + teachers,
        ungrouped: exec(conn, "UPDATE leerlingen SET groep_id = NULL WHERE groep_id = $1", id).await?,
        external_keys: exec(conn, "DELETE FROM external_keys WHERE tab = 'groepen' AND record_id = $1", id).await?,
        ..Removed::default()
    };
    exec(conn, "DELETE FROM groepen WHERE id = $1", id).await?;
    bump_location(conn, location).await?;
    Ok(removed)
}

/// Deactivates (archives) or reactivates pupil or group `id` of `location`, as an admin
/// does by hand. A pupil's deactivation moment is kept (and cleared on reactivation); a
/// group's is its last change. Returns whether a row changed.
pub async fn set_active(
    conn: &mut AnyConnection,
    location: &str,
    tab: Tab,
    id: i64,
    active: bool,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let sql = match (tab, active) {
        (Tab::Leerlingen, false) => {
            "UPDATE leerlingen SET active = 0, deactivated_at = $1, updated_at = $1 WHERE id = $2 AND location = $3"
        }
        (Tab::Leerlingen, true) => {
            "UPDATE leerlingen SET active = 1, deactivated_at = NULL, updated_at = $1 WHERE id = $2 AND location = $3"
        }
        (Tab::Groepen, false) => "UPDATE groepen SET active = 0, updated_at = $1 WHERE id = $2 AND location = $3",
        (Tab::Groepen, true) => "UPDATE groepen SET active = 1, updated_at = $1 WHERE id = $2 AND location = $3",
        (Tab::Leerkrachten, _) => return Err(StoreError::Conflict("teachers are not archived by hand".into())),
    };
    let done = sqlx::query(sql).bind(super::ts(now)).bind(id).bind(location).execute(&mut *conn).await?;
    bump_location(conn, location).await?;
    Ok(done.rows_affected() == 1)
}

async fn exec(conn: &mut AnyConnection, sql: &str, id: i64) -> Result<u64, StoreError> {
    Ok(sqlx::query(sqlx::AssertSqlSafe(sql.to_string())).bind(id).execute(conn).await?.rows_affected())
}

/// Removes the pupil from every kept proposal of the location (its items, candidates,
/// deactivation lines and decisions), and forgets every kept LAS answer that names it. An
/// open proposal whose answer is forgotten is superseded: the next fetch makes a new one.
async fn scrub_imports(conn: &mut AnyConnection, location: &str, who: &Identity) -> Result<(u64, u64), StoreError> {
    let rows = sqlx::query(
        "SELECT p.id, p.proposal, p.decisions FROM proposals p JOIN koppelingen k ON k.id = p.koppeling_id \
         WHERE k.location = $1 ORDER BY p.id",
    )
    .bind(location)
    .fetch_all(&mut *conn)
    .await?;
    let mut scrubbed = 0;
    for r in rows {
        let id: i64 = r.try_get("id")?;
        let text: String = r.try_get("proposal")?;
        let mut p: Proposal =
            serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("proposal {id}: {e}")))?;
        let decisions: String = r.try_get("decisions")?;
        let mut d: Vec<Decision> = serde_json::from_str(&decisions)
            .map_err(|e| StoreError::Corrupt(format!("proposal {id} decisions: {e}")))?;
        let before = (p.leerlingen.len(), p.deactivations.len(), d.len());
        let candidates = |p: &Proposal| p.leerlingen.iter().map(|i| i.candidates.len()).sum::<usize>();
        let before_candidates = candidates(&p);
        p.leerlingen.retain(|item| {
            let ext = &item.external;
            let by_id = matches!(item.category, Category::Existing { id, .. } if id == who.id);
            let by_key = [&ext.las_key, &ext.eckid].into_iter().flatten().any(|k| who.keys.contains(k))
                || who.keys.contains(&item.record.key);
            let f = &item.fields;
            let by_person = who.geboortedatum.is_some()
                && f.geboortedatum == who.geboortedatum
                && f.achternaam == who.achternaam
                && f.roepnaam == who.roepnaam;
            !(by_id || by_key || by_person)
        });
        for item in &mut p.leerlingen {
            item.candidates.retain(|c| c.id != who.id);
        }
        p.deactivations.retain(|x| !(x.tab == Tab::Leerlingen && x.id == who.id));
        d.retain(|x| {
            let r = x.record();
            let named = r.tab == Tab::Leerlingen && who.keys.contains(&r.key);
            let linked = matches!(x, Decision::Link { to, record } if record.tab == Tab::Leerlingen && *to == who.id);
            !(named || linked)
        });
        if (p.leerlingen.len(), p.deactivations.len(), d.len()) == before && candidates(&p) == before_candidates {
            continue;
        }
        sqlx::query("UPDATE proposals SET proposal = $1, decisions = $2 WHERE id = $3")
            .bind(to_json(&p)?)
            .bind(to_json(&d)?)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        scrubbed += 1;
    }

    let needles = needles(who);
    let rows = sqlx::query(
        "SELECT f.id, f.answer FROM fetches f JOIN koppelingen k ON k.id = f.koppeling_id \
         WHERE k.location = $1 AND f.answer IS NOT NULL ORDER BY f.id",
    )
    .bind(location)
    .fetch_all(&mut *conn)
    .await?;
    let mut forgotten = 0;
    for r in rows {
        let id: i64 = r.try_get("id")?;
        let answer: Vec<u8> = r.try_get("answer")?;
        if !needles.iter().any(|n| contains(&answer, n.as_bytes())) && !names_pupil(&answer, who) {
            continue;
        }
        sqlx::query("UPDATE fetches SET answer = NULL WHERE id = $1").bind(id).execute(&mut *conn).await?;
        sqlx::query("UPDATE proposals SET status = 'superseded' WHERE fetch_id = $1 AND status = 'open'")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        forgotten += 1;
    }
    Ok((scrubbed, forgotten))
}

/// What a kept answer that names the pupil contains: its keys, or its surname (as written
/// and XML-escaped). A surname shared with another pupil forgets an answer too many, never
/// one too few.
fn needles(who: &Identity) -> Vec<String> {
    let mut v: Vec<String> = who.keys.iter().cloned().collect();
    if let Some(a) = who.achternaam.as_deref().filter(|a| a.chars().count() >= 2) {
        v.push(a.to_string());
        let escaped = a
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('\'', "&apos;")
            .replace('"', "&quot;");
        v.push(escaped);
    }
    v
}

/// Whether a kept answer, decoded, names the pupil by a key or the surname. The answer is
/// kept as the LAS sent it, so it may write a name with character references or in a CDATA
/// section that the byte search above does not see; one that no longer decodes is
/// forgotten too (an answer too many, never one too few).
fn names_pupil(answer: &[u8], who: &Identity) -> bool {
    use crate::message::leerlinggegevens::Antwoord;
    let Ok(decoded) = crate::decode(answer, &crate::DecodeOptions::lenient()) else { return true };
    let crate::Body::LeerlinggegevensAntwoord(Antwoord::Gegevens(g)) = decoded.body else { return false };
    g.leerlingen.iter().any(|l| {
        [&l.key, &l.eckid].into_iter().flatten().any(|k| who.keys.contains(k))
            || (who.achternaam.is_some() && l.naam.achternaam == who.achternaam)
    })
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

fn to_json<T: Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(format!("re-encoding a scrubbed proposal: {e}")))
}
