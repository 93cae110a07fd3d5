//! Writes a reviewed proposal: creates the new records, updates the existing ones, keeps the
//! external keys they came in under, remembers skips and deactivates leavers. A pupil or
//! teacher carries on across school years: applying a year's import enrols each pupil in
//! that year (its group that year) and replaces only that year's group memberships. It runs
//! inside the caller's transaction, so a failure anywhere leaves nothing half-written.

use super::pupils::{enrol, identity_clash, issue_boom_number};
use super::records::bump_location;
use super::{ts, StoreError};
use crate::import::{Category, ExternalRef, Item, Proposal, SkipReason, Tab};
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

/// What applying wrote.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ApplyReport {
    pub created: [usize; 3],
    pub updated: [usize; 3],
    pub skipped: [usize; 3],
    pub deactivated: [usize; 3],
    /// New teachers with an e-mail address: (name, address), to invite.
    pub invitations: Vec<(String, String)>,
}

/// Test hook: fail after this many record writes, to prove the transaction holds.
#[derive(Debug, Clone, Copy, Default)]
pub struct FailPoint(pub Option<usize>);

struct Writer<'a> {
    conn: &'a mut AnyConnection,
    koppeling_id: i64,
    location: &'a str,
    schooljaar: &'a str,
    now: String,
    writes: usize,
    fail: FailPoint,
}

/// Applies `p`, computed for the link `koppeling_id` of `location` in `schooljaar`: new
/// records belong to that school year.
pub async fn apply(
    conn: &mut AnyConnection,
    koppeling_id: i64,
    (location, schooljaar): (&str, &str),
    p: &Proposal,
    now: DateTime<Utc>,
    fail: FailPoint,
) -> Result<ApplyReport, StoreError> {
    let mut w = Writer { conn, koppeling_id, location, schooljaar, now: ts(now), writes: 0, fail };
    let mut report = ApplyReport::default();
    // Groups first: people refer to them by LAS key, also to groups this proposal leaves
    // unchanged (and so does not list), which the link's external keys resolve.
    let mut groups = w.known_groups().await?;
    for item in &p.groepen {
        let f = &item.fields;
        let id = match &item.category {
            Category::New => {
                let r = sqlx::query(
                    "INSERT INTO groepen (location, schooljaar, naam, jaargroep, samengesteld, active, created_at, \
                     updated_at) VALUES ($1, $6, $2, $3, $4, 1, $5, $5) RETURNING id",
                )
                .bind(w.location)
                .bind(&f.naam)
                .bind(&f.jaargroep)
                .bind(i64::from(f.samengesteld))
                .bind(&w.now)
                .bind(w.schooljaar)
                .fetch_one(&mut *w.conn)
                .await?;
                report.created[0] += 1;
                r.try_get(0)?
            }
            Category::Existing { id, .. } => {
                sqlx::query("UPDATE groepen SET naam = $1, jaargroep = $2, active = 1, updated_at = $3 WHERE id = $4")
                    .bind(&f.naam)
                    .bind(&f.jaargroep)
                    .bind(&w.now)
                    .bind(id)
                    .execute(&mut *w.conn)
                    .await?;
                report.updated[0] += 1;
                *id
            }
            Category::Skip { reason } => {
                w.skip(Tab::Groepen, item, reason, &mut report).await?;
                groups.remove(&item.record.key);
                continue;
            }
        };
        w.link(Tab::Groepen, id, &item.external).await?;
        groups.insert(item.record.key.clone(), id);
    }

    for item in &p.leerkrachten {
        let f = &item.fields;
        let id = match &item.category {
            Category::New => {
                let r = sqlx::query(
                    "INSERT INTO leerkrachten (location, schooljaar, achternaam, voorvoegsel, voorletters, roepnaam, \
                     emailadres, active, created_at, updated_at) VALUES ($1, $8, $2, $3, $4, $5, $6, 1, $7, $7) \
                     RETURNING id",
                )
                .bind(w.location)
                .bind(&f.achternaam)
                .bind(&f.voorvoegsel)
                .bind(&f.voorletters)
                .bind(&f.roepnaam)
                .bind(&f.emailadres)
                .bind(&w.now)
                .bind(w.schooljaar)
                .fetch_one(&mut *w.conn)
                .await?;
                report.created[1] += 1;
                if let Some(mail) = &f.emailadres {
                    let name = [&f.roepnaam, &f.voorvoegsel, &f.achternaam]
                        .into_iter()
                        .flatten()
                        .map(String::as_str)
                        .collect::<Vec<_>>()
                        .join(" ");
                    report.invitations.push((name, mail.clone()));
                }
                r.try_get(0)?
            }
            Category::Existing { id, .. } => {
                sqlx::query(
                    "UPDATE leerkrachten SET achternaam = $1, voorvoegsel = $2, voorletters = $3, roepnaam = $4, \
                     emailadres = $5, active = 1, updated_at = $6, schooljaar = $8 WHERE id = $7",
                )
                .bind(&f.achternaam)
                .bind(&f.voorvoegsel)
                .bind(&f.voorletters)
                .bind(&f.roepnaam)
                .bind(&f.emailadres)
                .bind(&w.now)
                .bind(id)
                .bind(w.schooljaar)
                .execute(&mut *w.conn)
                .await?;
                // Only this year's memberships: earlier years' groups keep who taught them.
                sqlx::query(
                    "DELETE FROM leerkracht_groepen WHERE leerkracht_id = $1 \
                     AND groep_id IN (SELECT id FROM groepen WHERE schooljaar = $2)",
                )
                .bind(id)
                .bind(w.schooljaar)
                .execute(&mut *w.conn)
                .await?;
                report.updated[1] += 1;
                *id
            }
            Category::Skip { reason } => {
                w.skip(Tab::Leerkrachten, item, reason, &mut report).await?;
                continue;
            }
        };
        for g in unique(f.groepen.iter().filter_map(|k| groups.get(k))) {
            sqlx::query("INSERT INTO leerkracht_groepen (leerkracht_id, groep_id) VALUES ($1, $2)")
                .bind(id)
                .bind(g)
                .execute(&mut *w.conn)
                .await?;
        }
        w.link(Tab::Leerkrachten, id, &item.external).await?;
    }

    // Teachers who carry on unchanged into a new year's groups.
    for (id, keys) in &p.year_groups {
        for g in unique(keys.iter().filter_map(|k| groups.get(k))) {
            sqlx::query(
                "INSERT INTO leerkracht_groepen (leerkracht_id, groep_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(g)
            .execute(&mut *w.conn)
            .await?;
        }
    }

    for item in &p.leerlingen {
        let f = &item.fields;
        let groep = f.groep.as_ref().and_then(|k| groups.get(k)).copied();
        let geboortedatum = f.geboortedatum.map(|d| d.format("%Y-%m-%d").to_string());
        let id = match &item.category {
            Category::New => {
                let boom = issue_boom_number(w.conn, now).await?;
                let r = sqlx::query(
                    "INSERT INTO leerlingen (location, schooljaar, achternaam, voorvoegsel, voorletters, roepnaam, \
                     geboortedatum, geslacht, jaargroep, groep_id, active, created_at, updated_at, boom_nummer, \
                     las_key, eckid) VALUES ($1, $11, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $10, $12, $13, $14) \
                     RETURNING id",
                )
                .bind(w.location)
                .bind(&f.achternaam)
                .bind(&f.voorvoegsel)
                .bind(&f.voorletters)
                .bind(&f.roepnaam)
                .bind(&geboortedatum)
                .bind(&f.geslacht)
                .bind(&f.jaargroep)
                .bind(groep)
                .bind(&w.now)
                .bind(w.schooljaar)
                .bind(&boom)
                .bind(&item.external.las_key)
                .bind(&item.external.eckid)
                .fetch_one(&mut *w.conn)
                .await
                .map_err(|e| identity_clash(e, &format!("new pupil {}", item.record.key)))?;
                report.created[2] += 1;
                r.try_get(0)?
            }
            Category::Existing { id, .. } => {
                sqlx::query(
                    "UPDATE leerlingen SET achternaam = $1, voorvoegsel = $2, voorletters = $3, roepnaam = $4, \
                     geboortedatum = $5, geslacht = $6, jaargroep = $7, groep_id = $8, active = 1, \
                     deactivated_at = NULL, updated_at = $9, schooljaar = $11, las_key = COALESCE($12, las_key), \
                     eckid = COALESCE($13, eckid) WHERE id = $10",
                )
                .bind(&f.achternaam)
                .bind(&f.voorvoegsel)
                .bind(&f.voorletters)
                .bind(&f.roepnaam)
                .bind(&geboortedatum)
                .bind(&f.geslacht)
                .bind(&f.jaargroep)
                .bind(groep)
                .bind(&w.now)
                .bind(id)
                .bind(w.schooljaar)
                .bind(&item.external.las_key)
                .bind(&item.external.eckid)
                .execute(&mut *w.conn)
                .await
                .map_err(|e| identity_clash(e, &format!("pupil {}", item.record.key)))?;
                // Only this year's composed groups: earlier years' stay as they were.
                sqlx::query(
                    "DELETE FROM leerling_groepen WHERE leerling_id = $1 \
                     AND groep_id IN (SELECT id FROM groepen WHERE schooljaar = $2)",
                )
                .bind(id)
                .bind(w.schooljaar)
                .execute(&mut *w.conn)
                .await?;
                report.updated[2] += 1;
                *id
            }
            Category::Skip { reason } => {
                w.skip(Tab::Leerlingen, item, reason, &mut report).await?;
                continue;
            }
        };
        enrol(w.conn, id, w.schooljaar, groep, f.jaargroep.as_deref()).await?;
        for g in unique(f.samengestelde_groepen.iter().filter_map(|k| groups.get(k))) {
            sqlx::query("INSERT INTO leerling_groepen (leerling_id, groep_id) VALUES ($1, $2)")
                .bind(id)
                .bind(g)
                .execute(&mut *w.conn)
                .await?;
        }
        w.link(Tab::Leerlingen, id, &item.external).await?;
    }

    for d in &p.deactivations {
        let sql = match d.tab {
            Tab::Groepen => "UPDATE groepen SET active = 0, updated_at = $1 WHERE id = $2 AND location = $3",
            Tab::Leerkrachten => "UPDATE leerkrachten SET active = 0, updated_at = $1 WHERE id = $2 AND location = $3",
            Tab::Leerlingen => {
                "UPDATE leerlingen SET active = 0, deactivated_at = $1, updated_at = $1 WHERE id = $2 AND location = $3"
            }
        };
        sqlx::query(sql).bind(&w.now).bind(d.id).bind(w.location).execute(&mut *w.conn).await?;
        w.wrote()?;
        report.deactivated[d.tab as usize] += 1;
    }
    w.carry_on_unlisted().await?;
    bump_location(w.conn, location).await?;
    Ok(report)
}

impl Writer<'_> {
    fn wrote(&mut self) -> Result<(), StoreError> {
        self.writes += 1;
        match self.fail.0 {
            Some(n) if self.writes > n => Err(StoreError::Conflict(format!("injected failure after {n} writes"))),
            _ => Ok(()),
        }
    }

    /// The pupils and teachers this link knows who are still active and whom the proposal
    /// does not list (identical to what the LAS sent, so unchanged) carry on into the
    /// proposal's year as well: a pupil without a group and with nothing else to change is
    /// as much in the new year as one who moved. Pupils get the year's enrolment (their
    /// class group only if it is one of that year's), and both the year as their latest.
    async fn carry_on_unlisted(&mut self) -> Result<(), StoreError> {
        let known = "SELECT record_id FROM external_keys WHERE koppeling_id = $1 AND tab = '{tab}' \
                     AND record_id IS NOT NULL";
        let pupils = known.replace("{tab}", "leerlingen");
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO enrolments (leerling_id, schooljaar, groep_id, jaargroep) \
             SELECT l.id, $2, (SELECT g.id FROM groepen g WHERE g.id = l.groep_id AND g.schooljaar = $2), l.jaargroep \
             FROM leerlingen l WHERE l.location = $3 AND l.active = 1 AND l.id IN ({pupils}) \
             ON CONFLICT (leerling_id, schooljaar) DO NOTHING"
        )))
        .bind(self.koppeling_id)
        .bind(self.schooljaar)
        .bind(self.location)
        .execute(&mut *self.conn)
        .await?;
        for (table, tab) in [("leerlingen", "leerlingen"), ("leerkrachten", "leerkrachten")] {
            let ids = known.replace("{tab}", tab);
            let sql = format!(
                "UPDATE {table} SET schooljaar = $2 WHERE location = $3 AND active = 1 AND schooljaar < $2 \
                 AND id IN ({ids})"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(self.koppeling_id)
                .bind(self.schooljaar)
                .bind(self.location)
                .execute(&mut *self.conn)
                .await?;
        }
        Ok(())
    }

    /// Group LAS key → record id, for the groups that came in through this link.
    async fn known_groups(&mut self) -> Result<HashMap<String, i64>, StoreError> {
        let rows = sqlx::query(
            "SELECT las_key, record_id FROM external_keys WHERE koppeling_id = $1 AND tab = 'groepen' \
             AND record_id IS NOT NULL AND las_key IS NOT NULL",
        )
        .bind(self.koppeling_id)
        .fetch_all(&mut *self.conn)
        .await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
    }

    /// Records that the record came in under these keys through this link (and that it is
    /// no longer skipped), replacing whatever the link said of the record or the keys before.
    async fn link(&mut self, tab: Tab, id: i64, ext: &ExternalRef) -> Result<(), StoreError> {
        self.forget(tab, Some(id), ext).await?;
        sqlx::query(
            "INSERT INTO external_keys (koppeling_id, tab, record_id, las_key, eckid, skipped) \
             VALUES ($1, $2, $3, $4, $5, 0)",
        )
        .bind(self.koppeling_id)
        .bind(tab.as_str())
        .bind(id)
        .bind(&ext.las_key)
        .bind(&ext.eckid)
        .execute(&mut *self.conn)
        .await?;
        self.wrote()
    }

    async fn forget(&mut self, tab: Tab, id: Option<i64>, ext: &ExternalRef) -> Result<(), StoreError> {
        sqlx::query(
            "DELETE FROM external_keys WHERE koppeling_id = $1 AND tab = $2 \
             AND (record_id = $3 OR las_key = $4 OR eckid = $5)",
        )
        .bind(self.koppeling_id)
        .bind(tab.as_str())
        .bind(id)
        .bind(&ext.las_key)
        .bind(&ext.eckid)
        .execute(&mut *self.conn)
        .await?;
        Ok(())
    }

    /// An admin's skip is remembered, so the record does not come back as new on every
    /// fetch; a skip that follows from a skipped group is not (it follows again).
    async fn skip<F>(
        &mut self,
        tab: Tab,
        item: &Item<F>,
        reason: &SkipReason,
        report: &mut ApplyReport,
    ) -> Result<(), StoreError> {
        report.skipped[tab as usize] += 1;
        if *reason != SkipReason::Admin {
            return Ok(());
        }
        self.forget(tab, None, &item.external).await?;
        sqlx::query(
            "INSERT INTO external_keys (koppeling_id, tab, record_id, las_key, eckid, skipped) \
             VALUES ($1, $2, NULL, $3, $4, 1)",
        )
        .bind(self.koppeling_id)
        .bind(tab.as_str())
        .bind(&item.external.las_key)
        .bind(&item.external.eckid)
        .execute(&mut *self.conn)
        .await?;
        self.wrote()
    }
}

fn unique<'a>(ids: impl Iterator<Item = &'a i64>) -> Vec<i64> {
    let mut v: Vec<i64> = ids.copied().collect();
    v.sort_unstable();
    v.dedup();
    v
}
