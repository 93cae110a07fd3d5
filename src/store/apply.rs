//! Writes a reviewed proposal: creates the new records, updates the existing ones, keeps the
//! external keys they came in under, remembers skips and deactivates leavers. A pupil or
//! teacher carries on across school years: applying a year's import enrols each pupil in
//! that year (its group that year) and replaces only that year's group memberships. It runs
//! inside the caller's transaction, so a failure anywhere leaves nothing half-written.

use super::bulk;
use super::pupils::{enrol, identity_clash, issue_boom_number, issue_boom_numbers};
use super::records::bump_location;
use super::{ts, StoreError};
use crate::import::{
    Category, Deactivation, ExternalRef, GroepFields, Item, LeerkrachtFields, LeerlingFields, Proposal, SkipReason, Tab,
};
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeMap, HashMap};

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

impl ApplyReport {
    fn add(&mut self, other: &ApplyReport) {
        for tab in 0..3 {
            self.created[tab] += other.created[tab];
            self.updated[tab] += other.updated[tab];
            self.skipped[tab] += other.skipped[tab];
            self.deactivated[tab] += other.deactivated[tab];
        }
        self.invitations.extend(other.invitations.iter().cloned());
    }
}

/// Test hook: fail after this many record writes, to prove the transaction holds.
#[derive(Debug, Clone, Copy, Default)]
pub struct FailPoint(pub Option<usize>);

struct Writer<'a> {
    conn: &'a mut AnyConnection,
    koppeling_id: i64,
    location: &'a str,
    schooljaar: &'a str,
    at: DateTime<Utc>,
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
    let mut w = Writer { conn, koppeling_id, location, schooljaar, at: now, now: ts(now), writes: 0, fail };
    let mut report = ApplyReport::default();
    // Groups first: people refer to them by LAS key, also to groups this proposal leaves
    // unchanged (and so does not list), which the link's external keys resolve.
    let groups = w.groepen(&p.groepen, &mut report).await?;
    w.leerkrachten(&p.leerkrachten, &groups, &mut report).await?;
    w.year_groups(&p.year_groups, &groups).await?;
    w.leerlingen(&p.leerlingen, &groups, &mut report).await?;
    w.deactivations(&p.deactivations, &mut report).await?;
    w.carry_on_unlisted().await?;
    bump_location(w.conn, location).await?;
    Ok(report)
}

/// Group LAS key → record id of the groups a proposal's people refer to.
type Groups = HashMap<String, i64>;

impl Writer<'_> {
    /// The groups: created, updated or skipped; returns every group people may name.
    async fn groepen(&mut self, items: &[Item<GroepFields>], report: &mut ApplyReport) -> Result<Groups, StoreError> {
        let mut groups = self.known_groups().await?;
        for item in items {
            let f = &item.fields;
            let id = match &item.category {
                Category::New => {
                    let r = sqlx::query(
                        "INSERT INTO groepen (location, schooljaar, naam, jaargroep, samengesteld, active, created_at, \
                         updated_at) VALUES ($1, $6, $2, $3, $4, 1, $5, $5) RETURNING id",
                    )
                    .bind(self.location)
                    .bind(&f.naam)
                    .bind(&f.jaargroep)
                    .bind(i64::from(f.samengesteld))
                    .bind(&self.now)
                    .bind(self.schooljaar)
                    .fetch_one(&mut *self.conn)
                    .await?;
                    report.created[0] += 1;
                    r.try_get(0)?
                }
                Category::Existing { id, .. } => {
                    sqlx::query(
                        "UPDATE groepen SET naam = $1, jaargroep = $2, active = 1, updated_at = $3 WHERE id = $4",
                    )
                    .bind(&f.naam)
                    .bind(&f.jaargroep)
                    .bind(&self.now)
                    .bind(id)
                    .execute(&mut *self.conn)
                    .await?;
                    report.updated[0] += 1;
                    *id
                }
                Category::Skip { reason } => {
                    self.skip(Tab::Groepen, item, reason, report).await?;
                    groups.remove(&item.record.key);
                    continue;
                }
            };
            self.link(Tab::Groepen, id, &item.external).await?;
            groups.insert(item.record.key.clone(), id);
        }
        Ok(groups)
    }

    /// The teachers, with this year's memberships of `groups`; a new one with an e-mail
    /// address is to be invited.
    async fn leerkrachten(
        &mut self,
        items: &[Item<LeerkrachtFields>],
        groups: &Groups,
        report: &mut ApplyReport,
    ) -> Result<(), StoreError> {
        for item in items {
            let f = &item.fields;
            let id = match &item.category {
                Category::New => {
                    let r = sqlx::query(
                        "INSERT INTO leerkrachten (location, schooljaar, achternaam, voorvoegsel, voorletters, roepnaam, \
                         emailadres, active, created_at, updated_at) VALUES ($1, $8, $2, $3, $4, $5, $6, 1, $7, $7) \
                         RETURNING id",
                    )
                    .bind(self.location)
                    .bind(&f.achternaam)
                    .bind(&f.voorvoegsel)
                    .bind(&f.voorletters)
                    .bind(&f.roepnaam)
                    .bind(&f.emailadres)
                    .bind(&self.now)
                    .bind(self.schooljaar)
                    .fetch_one(&mut *self.conn)
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
                    .bind(&self.now)
                    .bind(id)
                    .bind(self.schooljaar)
                    .execute(&mut *self.conn)
                    .await?;
                    // Only this year's memberships: earlier years' groups keep who taught them.
                    sqlx::query(
                        "DELETE FROM leerkracht_groepen WHERE leerkracht_id = $1 \
                         AND groep_id IN (SELECT id FROM groepen WHERE location = $3 AND schooljaar = $2)",
                    )
                    .bind(id)
                    .bind(self.schooljaar)
                    .bind(self.location)
                    .execute(&mut *self.conn)
                    .await?;
                    report.updated[1] += 1;
                    *id
                }
                Category::Skip { reason } => {
                    self.skip(Tab::Leerkrachten, item, reason, report).await?;
                    continue;
                }
            };
            for g in unique(f.groepen.iter().filter_map(|k| groups.get(k))) {
                sqlx::query("INSERT INTO leerkracht_groepen (leerkracht_id, groep_id) VALUES ($1, $2)")
                    .bind(id)
                    .bind(g)
                    .execute(&mut *self.conn)
                    .await?;
            }
            self.link(Tab::Leerkrachten, id, &item.external).await?;
        }
        Ok(())
    }

    /// Teachers who carry on unchanged into a new year's groups.
    async fn year_groups(
        &mut self,
        year_groups: &BTreeMap<i64, Vec<String>>,
        groups: &Groups,
    ) -> Result<(), StoreError> {
        for (id, keys) in year_groups {
            for g in unique(keys.iter().filter_map(|k| groups.get(k))) {
                sqlx::query(
                    "INSERT INTO leerkracht_groepen (leerkracht_id, groep_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                )
                .bind(id)
                .bind(g)
                .execute(&mut *self.conn)
                .await?;
            }
        }
        Ok(())
    }

    /// The pupils, each enrolled in this year with its group and composed groups: a chunk
    /// of pupils at a time, each step one statement for the chunk (on SQLite a statement
    /// costs a thread round trip: [`super::bulk`]). A chunk the database refuses (an
    /// identity clash) is written again pupil by pupil, so that the refusal names the pupil;
    /// a proposal whose pupils share a key or a record goes pupil by pupil throughout, where
    /// the order of the writes decides.
    async fn leerlingen(
        &mut self,
        items: &[Item<LeerlingFields>],
        groups: &Groups,
        report: &mut ApplyReport,
    ) -> Result<(), StoreError> {
        if !distinct(items) {
            return self.leerlingen_one_by_one(items, groups, report).await;
        }
        for chunk in items.chunks(bulk::CHUNK) {
            sqlx::query("SAVEPOINT pupils").execute(&mut *self.conn).await?;
            let writes = self.writes;
            let mut wrote = ApplyReport::default();
            match self.leerlingen_chunk(chunk, groups, &mut wrote).await {
                Ok(()) => {
                    sqlx::query("RELEASE SAVEPOINT pupils").execute(&mut *self.conn).await?;
                    report.add(&wrote);
                }
                Err(StoreError::Db(_)) => {
                    sqlx::query("ROLLBACK TO SAVEPOINT pupils").execute(&mut *self.conn).await?;
                    sqlx::query("RELEASE SAVEPOINT pupils").execute(&mut *self.conn).await?;
                    self.writes = writes;
                    self.leerlingen_one_by_one(chunk, groups, report).await?;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// One chunk of [`Self::leerlingen`]: the new pupils inserted, the known ones updated,
    /// then every written pupil's enrolment, composed groups and keys.
    async fn leerlingen_chunk(
        &mut self,
        items: &[Item<LeerlingFields>],
        groups: &Groups,
        report: &mut ApplyReport,
    ) -> Result<(), StoreError> {
        let new: Vec<&Item<LeerlingFields>> = items.iter().filter(|i| i.category == Category::New).collect();
        let mut written: Vec<(i64, &Item<LeerlingFields>)> = Vec::with_capacity(items.len());
        if !new.is_empty() {
            for (id, item) in self.insert_pupils(&new, groups).await?.into_iter().zip(&new) {
                written.push((id, item));
            }
            report.created[2] += new.len();
        }
        let known: Vec<(i64, &Item<LeerlingFields>)> = items
            .iter()
            .filter_map(|i| match i.category {
                Category::Existing { id, .. } => Some((id, i)),
                _ => None,
            })
            .collect();
        if !known.is_empty() {
            self.update_pupils(&known, groups).await?;
            report.updated[2] += known.len();
            written.extend(known);
        }
        for item in items {
            if let Category::Skip { reason } = &item.category {
                self.skip(Tab::Leerlingen, item, reason, report).await?;
            }
        }
        if written.is_empty() {
            return Ok(());
        }
        self.enrol_pupils(&written, groups).await?;
        let composed: Vec<(i64, i64)> = written
            .iter()
            .flat_map(|(id, item)| {
                unique(item.fields.samengestelde_groepen.iter().filter_map(|k| groups.get(k)))
                    .into_iter()
                    .map(move |g| (*id, g))
            })
            .collect();
        if !composed.is_empty() {
            let sql = format!(
                "INSERT INTO leerling_groepen (leerling_id, groep_id) VALUES {}",
                bulk::Placeholders::on(self.conn).values(composed.len(), 2)
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(false);
            for (id, g) in &composed {
                q = q.bind(id).bind(g);
            }
            q.execute(&mut *self.conn).await?;
        }
        self.link_all(Tab::Leerlingen, &written.iter().map(|(id, i)| (*id, &i.external)).collect::<Vec<_>>()).await
    }

    /// Inserts new pupils, each with a new Boom number; their ids in the order given.
    async fn insert_pupils(&mut self, new: &[&Item<LeerlingFields>], groups: &Groups) -> Result<Vec<i64>, StoreError> {
        let booms = issue_boom_numbers(self.conn, new.len(), self.at).await?;
        let sql = format!(
            "INSERT INTO leerlingen (location, schooljaar, achternaam, voorvoegsel, voorletters, roepnaam, \
             geboortedatum, geslacht, jaargroep, groep_id, active, created_at, updated_at, boom_nummer, las_key, \
             eckid) VALUES {} RETURNING id, boom_nummer",
            bulk::Placeholders::on(self.conn).values(new.len(), 16)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(false);
        for (item, boom) in new.iter().zip(&booms) {
            q = bind_fields(q.bind(self.location).bind(self.schooljaar), &item.fields, groups)
                .bind(1_i64)
                .bind(&self.now)
                .bind(&self.now)
                .bind(boom)
                .bind(&item.external.las_key)
                .bind(&item.external.eckid);
        }
        // RETURNING's order is not promised: the Boom number says which row is whose.
        let mut ids: HashMap<String, i64> = HashMap::with_capacity(new.len());
        for row in q.fetch_all(&mut *self.conn).await? {
            ids.insert(row.try_get(1)?, row.try_get(0)?);
        }
        booms
            .iter()
            .map(|b| ids.get(b).copied().ok_or_else(|| StoreError::Corrupt(format!("pupil {b} was not inserted"))))
            .collect()
    }

    /// Updates known pupils from the incoming fields, and drops their composed groups of
    /// this year (the chunk writes them again).
    async fn update_pupils(
        &mut self,
        known: &[(i64, &Item<LeerlingFields>)],
        groups: &Groups,
    ) -> Result<(), StoreError> {
        let mut p = bulk::Placeholders::on(self.conn);
        let sql = format!(
            "UPDATE leerlingen SET achternaam = v.column2, voorvoegsel = v.column3, voorletters = v.column4, \
             roepnaam = v.column5, geboortedatum = v.column6, geslacht = v.column7, jaargroep = v.column8, \
             groep_id = v.column9, active = 1, deactivated_at = NULL, updated_at = {}, schooljaar = {}, \
             las_key = COALESCE(v.column10, leerlingen.las_key), eckid = COALESCE(v.column11, leerlingen.eckid) \
             FROM (VALUES {}) AS v WHERE leerlingen.id = v.column1",
            p.one(),
            p.one(),
            p.values(known.len(), 11)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(false).bind(&self.now).bind(self.schooljaar);
        for (id, item) in known {
            q = bind_fields(q.bind(id), &item.fields, groups).bind(&item.external.las_key).bind(&item.external.eckid);
        }
        q.execute(&mut *self.conn).await?;
        // Only this year's composed groups (of this school: the index on location and year):
        // earlier years' stay as they were.
        let mut p = bulk::Placeholders::on(self.conn);
        let sql = format!(
            "DELETE FROM leerling_groepen WHERE groep_id IN (SELECT id FROM groepen WHERE location = {} \
             AND schooljaar = {}) AND leerling_id IN ({})",
            p.one(),
            p.one(),
            p.list(known.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(false).bind(self.location).bind(self.schooljaar);
        for (id, _) in known {
            q = q.bind(id);
        }
        q.execute(&mut *self.conn).await?;
        Ok(())
    }

    /// Each pupil's enrolment in this year, as [`enrol`] writes one.
    async fn enrol_pupils(
        &mut self,
        written: &[(i64, &Item<LeerlingFields>)],
        groups: &Groups,
    ) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO enrolments (leerling_id, schooljaar, groep_id, jaargroep) VALUES {} \
             ON CONFLICT (leerling_id, schooljaar) DO UPDATE SET groep_id = excluded.groep_id, \
             jaargroep = excluded.jaargroep",
            bulk::Placeholders::on(self.conn).values(written.len(), 4)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(false);
        for (id, item) in written {
            q = q
                .bind(id)
                .bind(self.schooljaar)
                .bind(item.fields.groep.as_ref().and_then(|k| groups.get(k)).copied())
                .bind(&item.fields.jaargroep);
        }
        q.execute(&mut *self.conn).await?;
        Ok(())
    }

    /// The pupils one at a time.
    async fn leerlingen_one_by_one(
        &mut self,
        items: &[Item<LeerlingFields>],
        groups: &Groups,
        report: &mut ApplyReport,
    ) -> Result<(), StoreError> {
        for item in items {
            let f = &item.fields;
            let groep = f.groep.as_ref().and_then(|k| groups.get(k)).copied();
            let geboortedatum = f.geboortedatum.map(|d| d.format("%Y-%m-%d").to_string());
            let id = match &item.category {
                Category::New => {
                    let boom = issue_boom_number(self.conn, self.at).await?;
                    let r = sqlx::query(
                        "INSERT INTO leerlingen (location, schooljaar, achternaam, voorvoegsel, voorletters, roepnaam, \
                         geboortedatum, geslacht, jaargroep, groep_id, active, created_at, updated_at, boom_nummer, \
                         las_key, eckid) VALUES ($1, $11, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $10, $12, $13, $14) \
                         RETURNING id",
                    )
                    .bind(self.location)
                    .bind(&f.achternaam)
                    .bind(&f.voorvoegsel)
                    .bind(&f.voorletters)
                    .bind(&f.roepnaam)
                    .bind(&geboortedatum)
                    .bind(&f.geslacht)
                    .bind(&f.jaargroep)
                    .bind(groep)
                    .bind(&self.now)
                    .bind(self.schooljaar)
                    .bind(&boom)
                    .bind(&item.external.las_key)
                    .bind(&item.external.eckid)
                    .fetch_one(&mut *self.conn)
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
                    .bind(&self.now)
                    .bind(id)
                    .bind(self.schooljaar)
                    .bind(&item.external.las_key)
                    .bind(&item.external.eckid)
                    .execute(&mut *self.conn)
                    .await
                    .map_err(|e| identity_clash(e, &format!("pupil {}", item.record.key)))?;
                    // Only this year's composed groups: earlier years' stay as they were.
                    sqlx::query(
                        "DELETE FROM leerling_groepen WHERE leerling_id = $1 \
                         AND groep_id IN (SELECT id FROM groepen WHERE location = $3 AND schooljaar = $2)",
                    )
                    .bind(id)
                    .bind(self.schooljaar)
                    .bind(self.location)
                    .execute(&mut *self.conn)
                    .await?;
                    report.updated[2] += 1;
                    *id
                }
                Category::Skip { reason } => {
                    self.skip(Tab::Leerlingen, item, reason, report).await?;
                    continue;
                }
            };
            enrol(self.conn, id, self.schooljaar, groep, f.jaargroep.as_deref()).await?;
            for g in unique(f.samengestelde_groepen.iter().filter_map(|k| groups.get(k))) {
                sqlx::query("INSERT INTO leerling_groepen (leerling_id, groep_id) VALUES ($1, $2)")
                    .bind(id)
                    .bind(g)
                    .execute(&mut *self.conn)
                    .await?;
            }
            self.link(Tab::Leerlingen, id, &item.external).await?;
        }
        Ok(())
    }

    /// The leavers the proposal lists, in any tab: one statement per tab and chunk.
    async fn deactivations(&mut self, items: &[Deactivation], report: &mut ApplyReport) -> Result<(), StoreError> {
        for tab in [Tab::Groepen, Tab::Leerkrachten, Tab::Leerlingen] {
            let ids: Vec<i64> = items.iter().filter(|d| d.tab == tab).map(|d| d.id).collect();
            for chunk in ids.chunks(bulk::CHUNK) {
                let mut p = bulk::Placeholders::on(self.conn);
                let set = match tab {
                    Tab::Groepen => format!("groepen SET active = 0, updated_at = {}", p.one()),
                    Tab::Leerkrachten => format!("leerkrachten SET active = 0, updated_at = {}", p.one()),
                    Tab::Leerlingen => {
                        format!("leerlingen SET active = 0, deactivated_at = {}, updated_at = {}", p.one(), p.one())
                    }
                };
                let sql = format!("UPDATE {set} WHERE location = {} AND id IN ({})", p.one(), p.list(chunk.len()));
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(false).bind(&self.now);
                if tab == Tab::Leerlingen {
                    q = q.bind(&self.now);
                }
                q = q.bind(self.location);
                for id in chunk {
                    q = q.bind(id);
                }
                q.execute(&mut *self.conn).await?;
                for _ in chunk {
                    self.wrote()?;
                }
                report.deactivated[tab as usize] += chunk.len();
            }
        }
        Ok(())
    }

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

    /// [`Self::link`] for many records at once (their keys all different).
    async fn link_all(&mut self, tab: Tab, records: &[(i64, &ExternalRef)]) -> Result<(), StoreError> {
        let ids: Vec<i64> = records.iter().map(|(id, _)| *id).collect();
        let las_keys: Vec<&String> = records.iter().filter_map(|(_, e)| e.las_key.as_ref()).collect();
        let eckids: Vec<&String> = records.iter().filter_map(|(_, e)| e.eckid.as_ref()).collect();
        let mut p = bulk::Placeholders::on(self.conn);
        let head = format!("DELETE FROM external_keys WHERE koppeling_id = {} AND tab = {}", p.one(), p.one());
        let mut which = vec![format!("record_id IN ({})", p.list(ids.len()))];
        for (column, n) in [("las_key", las_keys.len()), ("eckid", eckids.len())] {
            if n > 0 {
                which.push(format!("{column} IN ({})", p.list(n)));
            }
        }
        let sql = format!("{head} AND ({})", which.join(" OR "));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(false).bind(self.koppeling_id).bind(tab.as_str());
        for id in &ids {
            q = q.bind(id);
        }
        for key in las_keys.iter().chain(&eckids) {
            q = q.bind(*key);
        }
        q.execute(&mut *self.conn).await?;
        let sql = format!(
            "INSERT INTO external_keys (koppeling_id, tab, record_id, las_key, eckid, skipped) VALUES {}",
            bulk::Placeholders::on(self.conn).values(records.len(), 6)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(false);
        for (id, ext) in records {
            q = q.bind(self.koppeling_id).bind(tab.as_str()).bind(id).bind(&ext.las_key).bind(&ext.eckid).bind(0_i64);
        }
        q.execute(&mut *self.conn).await?;
        for _ in records {
            self.wrote()?;
        }
        Ok(())
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

type Query<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// A pupil's fields in the order both bulk statements write them: achternaam, voorvoegsel,
/// voorletters, roepnaam, geboortedatum, geslacht, jaargroep, class group.
fn bind_fields<'q>(q: Query<'q>, f: &'q LeerlingFields, groups: &Groups) -> Query<'q> {
    q.bind(&f.achternaam)
        .bind(&f.voorvoegsel)
        .bind(&f.voorletters)
        .bind(&f.roepnaam)
        .bind(f.geboortedatum.map(|d| d.format("%Y-%m-%d").to_string()))
        .bind(&f.geslacht)
        .bind(&f.jaargroep)
        .bind(f.groep.as_ref().and_then(|k| groups.get(k)).copied())
}

/// No two pupils of the proposal share a LAS key, an ECK iD or a known record, so the order of
/// their writes cannot matter.
fn distinct(items: &[Item<LeerlingFields>]) -> bool {
    let mut seen = std::collections::HashSet::with_capacity(items.len() * 3);
    items.iter().all(|item| {
        let record = match item.category {
            Category::Existing { id, .. } => Some(id.to_string()),
            _ => None,
        };
        [
            item.external.las_key.as_ref().map(|k| format!("k{k}")),
            item.external.eckid.as_ref().map(|k| format!("e{k}")),
            record.map(|r| format!("r{r}")),
        ]
        .into_iter()
        .flatten()
        .all(|k| seen.insert(k))
    })
}

fn unique<'a>(ids: impl Iterator<Item = &'a i64>) -> Vec<i64> {
    let mut v: Vec<i64> = ids.copied().collect();
    v.sort_unstable();
    v.dedup();
    v
}
