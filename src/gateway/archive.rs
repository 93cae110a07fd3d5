//! The archive (DOMAIN.md §4, §5): pupils who left the LAS and groups of an old year are
//! deactivated by an applied import, or archived by hand by an admin (singly or in bulk),
//! keep their results, and are listed apart; an admin may reactivate them, or delete them
//! for good: an explicit step, confirmed by typing what it does
//! (`DELETE 3 leerlingen OF 99DE00`), audited with ids and counts only, and not undoable.
//! A deleted pupil leaves nothing behind: its row, results, memberships, external keys, and
//! its traces in kept LAS answers and proposals go, and every exchange journal body that
//! names it is dropped whole (the exchange's metadata stays). A deleted group takes no results with
//! it (they hang on pupils); its pupils lose only the reference.

use super::{Gateway, GatewayError};
use crate::import::Tab;
use crate::location::Location;
use crate::store::archive::{self as rows, ArchivedGroep, ArchivedLeerling, Removed};
use crate::store::koppelingen::{self as links, AuditLine};
use crate::store::records;
use serde::Serialize;
use sqlx::AnyConnection;

/// The "deactivated" list of a location.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deactivated {
    pub location: String,
    pub leerlingen: Vec<ArchivedLeerling>,
    pub groepen: Vec<ArchivedGroep>,
}

/// What a deletion would remove, and the phrase that confirms it; nothing is changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeletePreview {
    pub location: String,
    pub tab: Tab,
    /// Exactly what the admin types to confirm.
    pub phrase: String,
    pub leerlingen: Vec<ArchivedLeerling>,
    pub groepen: Vec<ArchivedGroep>,
}

/// What a deletion removed: the records by id, and row counts summed over them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeleteReport {
    pub location: String,
    pub tab: Tab,
    pub deleted: Vec<i64>,
    pub removed: Removed,
}

/// What archiving or reactivating by hand did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArchiveReport {
    pub location: String,
    pub tab: Tab,
    /// The records changed, sorted.
    pub ids: Vec<i64>,
    /// Whether they are active now: false after archiving, true after reactivating.
    pub active: bool,
}

/// The phrase that confirms deleting `n` records of `tab` at `location` for good.
pub fn confirmation_phrase(location: &str, tab: Tab, n: usize) -> String {
    format!("DELETE {n} {} OF {location}", tab.as_str())
}

impl Gateway {
    /// Deactivates (archives) pupils or groups of a location by hand, in one transaction:
    /// all of `ids` or none (DOMAIN.md §4: leavers singly or in bulk; last year's groups).
    /// An archived pupil keeps its results and gets no new one; an archived group takes no
    /// new pupils. Both go to the deactivated list, from where they can be reactivated or
    /// deleted for good. A pupil the LAS still sends comes back with the next import
    /// ("back: …"), as any deactivated record does. One audit line per record; the reason
    /// may not name a pupil (the trail outlives it, should it be deleted later).
    pub async fn archive(
        &self,
        location: &str,
        tab: Tab,
        ids: &[i64],
        actor: &str,
        reason: Option<&str>,
    ) -> Result<ArchiveReport, GatewayError> {
        self.set_active(location, tab, ids, false, actor, reason).await
    }

    /// Reactivates archived pupils or groups of a location by hand, all of `ids` or none.
    pub async fn reactivate(
        &self,
        location: &str,
        tab: Tab,
        ids: &[i64],
        actor: &str,
        reason: Option<&str>,
    ) -> Result<ArchiveReport, GatewayError> {
        self.set_active(location, tab, ids, true, actor, reason).await
    }

    async fn set_active(
        &self,
        location: &str,
        tab: Tab,
        ids: &[i64],
        active: bool,
        actor: &str,
        reason: Option<&str>,
    ) -> Result<ArchiveReport, GatewayError> {
        let location = Location::parse(location)?;
        let now = self.now();
        let mut tx = self.store.pool().begin().await?;
        let ids = check_switch(&mut tx, &location, tab, ids, active).await?;
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        check_reason(&mut tx, tab, &ids, reason).await?;
        let (verb, action) = if active { ("reactivated", "reactivate") } else { ("archived", "archive") };
        let action = format!("{action}-{}", tab.noun());
        for &id in &ids {
            rows::set_active(&mut tx, &location, tab, id, active, now).await?;
            let what = format!("{} {id} {verb} by hand", tab.noun());
            let text = match reason {
                Some(r) => format!("{what}; reason: {r}"),
                None => what,
            };
            let line = AuditLine {
                koppeling_id: None,
                location: &location,
                actor,
                action: &action,
                from: None,
                to: None,
                reason: Some(&text),
            };
            links::audit(&mut tx, &line, now).await?;
        }
        tx.commit().await?;
        tracing::info!(location = %location, tab = tab.as_str(), n = ids.len(), active, actor, "archive by hand");
        Ok(ArchiveReport { location: location.to_string(), tab, ids, active })
    }

    /// The deactivated pupils (with the number of results each keeps) and groups of a location.
    pub async fn deactivated(&self, location: &str) -> Result<Deactivated, GatewayError> {
        let location = Location::parse(location)?;
        let mut conn = self.store.pool().acquire().await?;
        records::location_version(&mut conn, &location).await?;
        Ok(Deactivated {
            leerlingen: rows::deactivated_leerlingen(&mut conn, &location).await?,
            groepen: rows::deactivated_groepen(&mut conn, &location).await?,
            location: location.to_string(),
        })
    }

    /// What [`Gateway::delete_deactivated`] would remove, with the phrase to confirm it.
    /// Refused, as the deletion would be, for ids that are unknown, active or elsewhere.
    pub async fn delete_preview(&self, location: &str, tab: Tab, ids: &[i64]) -> Result<DeletePreview, GatewayError> {
        let location = Location::parse(location)?;
        let mut conn = self.store.pool().acquire().await?;
        let ids = check_targets(&mut conn, &location, tab, ids).await?;
        let mut preview = DeletePreview {
            phrase: confirmation_phrase(&location, tab, ids.len()),
            location: location.to_string(),
            tab,
            leerlingen: vec![],
            groepen: vec![],
        };
        match tab {
            Tab::Leerlingen => {
                preview.leerlingen = rows::deactivated_leerlingen(&mut conn, &location).await?;
                preview.leerlingen.retain(|l| ids.contains(&l.id));
            }
            _ => {
                preview.groepen = rows::deactivated_groepen(&mut conn, &location).await?;
                preview.groepen.retain(|g| ids.contains(&g.id));
            }
        }
        Ok(preview)
    }

    /// Deletes deactivated pupils or groups of a location for good, in one transaction:
    /// all of `ids` or none. `confirm` must be exactly [`confirmation_phrase`]; the reason
    /// goes into the audit trail, which outlives the pupil, so it may not name one.
    pub async fn delete_deactivated(
        &self,
        location: &str,
        tab: Tab,
        ids: &[i64],
        confirm: &str,
        actor: &str,
        reason: Option<&str>,
    ) -> Result<DeleteReport, GatewayError> {
        let location = Location::parse(location)?;
        let now = self.now();
        let mut tx = self.store.pool().begin().await?;
        let ids = check_targets(&mut tx, &location, tab, ids).await?;
        let phrase = confirmation_phrase(&location, tab, ids.len());
        if confirm.trim() != phrase {
            return Err(GatewayError::Invalid(format!(
                "deleting for good cannot be undone; to confirm, type exactly: {phrase}"
            )));
        }
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        check_reason(&mut tx, tab, &ids, reason).await?;
        let mut total = Removed::default();
        for &id in &ids {
            let removed = match tab {
                Tab::Leerlingen => rows::delete_leerling(&mut tx, &location, id, now).await?,
                _ => rows::delete_groep(&mut tx, &location, id).await?,
            };
            let what = format!("{} {id} deleted for good: {}", tab.noun(), counts(tab, &removed));
            let text = match reason {
                Some(r) => format!("{what}; reason: {r}"),
                None => what,
            };
            let action = format!("delete-{}", tab.noun());
            let line = AuditLine {
                koppeling_id: None,
                location: &location,
                actor,
                action: &action,
                from: None,
                to: None,
                reason: Some(&text),
            };
            links::audit(&mut tx, &line, now).await?;
            add(&mut total, &removed);
        }
        tx.commit().await?;
        tracing::info!(location = %location, tab = tab.as_str(), deleted = ids.len(), actor, "deleted for good");
        Ok(DeleteReport { location: location.to_string(), tab, deleted: ids, removed: total })
    }
}

/// The ids, sorted and without repeats, once each is a deactivated pupil or group of
/// `location`; otherwise one refusal naming every id that is not. An id of another
/// location reads as unknown: a location's admin learns nothing of another school.
async fn check_targets(
    conn: &mut AnyConnection,
    location: &str,
    tab: Tab,
    ids: &[i64],
) -> Result<Vec<i64>, GatewayError> {
    if tab == Tab::Leerkrachten {
        return Err(GatewayError::Invalid("only leerlingen and groepen are deleted from the archive".into()));
    }
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Err(GatewayError::Invalid(format!("name the {} to delete by id", tab.as_str())));
    }
    records::location_version(conn, location).await?;
    let (mut unknown, mut active) = (vec![], vec![]);
    for &id in &ids {
        match rows::target(conn, tab, id).await? {
            Some(t) if t.location == location && !t.active => {}
            Some(t) if t.location == location => active.push(id.to_string()),
            _ => unknown.push(id.to_string()),
        }
    }
    let mut problems = vec![];
    if !unknown.is_empty() {
        problems.push(format!("no {} {} at {location}", tab.noun(), unknown.join(", ")));
    }
    if !active.is_empty() {
        problems.push(format!(
            "{} {} still active: only deactivated (archived) records are deleted; a record is \
             deactivated when an applied import no longer has it, or archived by hand",
            tab.noun(),
            active.join(", ")
        ));
    }
    if !problems.is_empty() {
        return Err(GatewayError::Conflict(format!("nothing deleted: {}", problems.join("; "))));
    }
    Ok(ids)
}

/// A reason for the audit trail may not name a pupil: the trail outlives it.
async fn check_reason(
    conn: &mut AnyConnection,
    tab: Tab,
    ids: &[i64],
    reason: Option<&str>,
) -> Result<(), GatewayError> {
    if let (Some(r), Tab::Leerlingen) = (reason, tab) {
        for &id in ids {
            if rows::leerling_names(conn, id).await?.iter().any(|n| names(r, n)) {
                return Err(GatewayError::Invalid(format!(
                    "the reason names leerling {id}; the audit trail outlives the pupil, so give ids only"
                )));
            }
        }
    }
    Ok(())
}

/// The ids, sorted and without repeats, once each is a pupil or group of `location` that is
/// not already as `active` asks; otherwise one refusal naming every id that is not.
async fn check_switch(
    conn: &mut AnyConnection,
    location: &str,
    tab: Tab,
    ids: &[i64],
    active: bool,
) -> Result<Vec<i64>, GatewayError> {
    let verb = if active { "reactivate" } else { "archive" };
    if tab == Tab::Leerkrachten {
        return Err(GatewayError::Invalid(
            "only leerlingen and groepen are archived and reactivated by hand; a teacher follows the LAS".into(),
        ));
    }
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Err(GatewayError::Invalid(format!("name the {} to {verb} by id", tab.as_str())));
    }
    records::location_version(conn, location).await?;
    let (mut unknown, mut already) = (vec![], vec![]);
    for &id in &ids {
        match rows::target(conn, tab, id).await? {
            Some(t) if t.location == location && t.active != active => {}
            Some(t) if t.location == location => already.push(id.to_string()),
            _ => unknown.push(id.to_string()),
        }
    }
    let mut problems = vec![];
    if !unknown.is_empty() {
        problems.push(format!("no {} {} at {location}", tab.noun(), unknown.join(", ")));
    }
    if !already.is_empty() {
        let state = if active { "active" } else { "deactivated (archived)" };
        problems.push(format!("{} {} already {state}", tab.noun(), already.join(", ")));
    }
    if !problems.is_empty() {
        let done = if active { "reactivated" } else { "archived" };
        return Err(GatewayError::Conflict(format!("nothing {done}: {}", problems.join("; "))));
    }
    Ok(ids)
}

/// Whether `text` mentions `name` as words (case-insensitive): every part of the name of
/// two letters or more is a word of the text.
fn names(text: &str, name: &str) -> bool {
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric()).filter(|w| w.chars().count() >= 2).map(str::to_lowercase).collect()
    };
    let (text, parts) = (words(text), words(name));
    !parts.is_empty() && parts.iter().all(|p| text.contains(p))
}

fn counts(tab: Tab, r: &Removed) -> String {
    match tab {
        Tab::Leerlingen => format!(
            "{} result(s), {} version(s), {} delivery row(s), {} membership(s), {} external key(s), \
             {} proposal(s) scrubbed, {} LAS answer(s) forgotten, {} journal bodies dropped",
            r.results,
            r.result_versions,
            r.deliveries,
            r.memberships,
            r.external_keys,
            r.proposals_scrubbed,
            r.answers_forgotten,
            r.journal_bodies
        ),
        _ => format!(
            "{} membership(s), {} external key(s), {} pupil(s) lost it as class group (their results stay)",
            r.memberships, r.external_keys, r.ungrouped
        ),
    }
}

fn add(total: &mut Removed, r: &Removed) {
    total.results += r.results;
    total.result_versions += r.result_versions;
    total.deliveries += r.deliveries;
    total.memberships += r.memberships;
    total.external_keys += r.external_keys;
    total.ungrouped += r.ungrouped;
    total.proposals_scrubbed += r.proposals_scrubbed;
    total.answers_forgotten += r.answers_forgotten;
    total.journal_bodies += r.journal_bodies;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_phrase_says_what_happens() {
        assert_eq!(confirmation_phrase("99DE00", Tab::Leerlingen, 3), "DELETE 3 leerlingen OF 99DE00");
        assert_eq!(confirmation_phrase("99DE00", Tab::Groepen, 1), "DELETE 1 groepen OF 99DE00");
    }

    #[test]
    fn a_reason_that_names_a_pupil_is_caught() {
        assert!(names("left for Jansen school, Piet moved", "Piet"));
        assert!(names("JANSEN-de Vries moved", "Jansen-de Vries"));
        assert!(!names("left in January", "Jan"));
        assert!(!names("moved abroad", ""));
    }
}
