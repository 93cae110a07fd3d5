//! The school-year transition carried out (DOMAIN.md §4; the calendar is
//! [`crate::school_year`]).
//!
//! Starting a year (an admin in the window 1 August – 1 October, or the gateway itself from
//! 1 October) continues every active link of the school's current year as a link of the new
//! year, with the same endpoint and key, and fetches the new year's answer into a proposal.
//! Nothing is applied: the year is *completed* when an admin applies its first import. Until
//! then the old year goes on as before (its records take results, its links deliver them),
//! and from 1 October every school admin gets a reminder once a day. Completing closes the
//! earlier years: their groups are deactivated, and so are the pupils and teachers who were
//! not in the new year (they left; their results stay), and their links are closed and
//! forget the key.
//!
//! Groups belong to one school year; pupils and teachers carry on. The continued link takes
//! the keys its pupils and teachers came in with, so the new year's import finds every
//! continuing pupil and teacher as existing (with its new group, nothing to link by hand, no
//! second invitation); only its groups and newcomers are new, and the pupils the LAS no
//! longer has are proposed as leavers. Each year's enrolments keep who was in which group.

use super::{Gateway, GatewayError};
use crate::clock::dutch_date;
use crate::import::{Category, Proposal};
use crate::koppeling::Koppeling;
use crate::koppeling::Status;
use crate::message::values::Schooljaar;
use crate::notify::Notification;
use crate::school_year::{self as calendar, Window};
use crate::store::koppelingen::{self as links, AuditLine, NewKoppeling};
use crate::store::school_years::{self as rows, SchoolYear};
use crate::store::{imports as fetches, outbox};
use serde::Serialize;
use sqlx::AnyConnection;

/// What starting a year did.
#[derive(Debug, Clone, Serialize)]
pub struct YearStart {
    pub location: String,
    pub schooljaar: String,
    pub automatic: bool,
    /// (old link, new link) for every link carried into the new year.
    pub koppelingen: Vec<(i64, i64)>,
    /// The new year's import proposal, when the LAS answered.
    pub proposal_id: Option<i64>,
    /// Why the first fetch failed; the scheduled fetches try again.
    pub fetch_error: Option<String>,
}

/// What one pass of the school-year scheduler did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct YearTick {
    /// Years the gateway started itself (1 October has come and the school did not).
    pub started: Vec<YearStart>,
    /// Reminder mails queued (one per school admin of each waiting year).
    pub reminders: usize,
    /// Locations the pass could not handle, and why; the next pass tries again.
    pub failures: Vec<(String, String)>,
}

impl Gateway {
    /// An admin starts the next school year of `location` (from 1 August until 1 October).
    pub async fn prepare_school_year(&self, location: &str, actor: &str) -> Result<YearStart, GatewayError> {
        let current = self.current_links(location).await?;
        let year = current[0].schooljaar;
        let next = calendar::next(year)
            .ok_or_else(|| GatewayError::Invalid(format!("there is no school year after {year}")))?;
        // Started already: the next year (a race), or the current one, not completed yet.
        let mut conn = self.store.pool().acquire().await?;
        let current_start = rows::get(&mut conn, location, &year.to_string()).await?;
        if let Some(y) = rows::get(&mut conn, location, &next.to_string()).await? {
            return Err(GatewayError::Conflict(started_already(&y)));
        }
        if let Some(y) = current_start.filter(|y| y.completed_at.is_none()) {
            return Err(GatewayError::Conflict(started_already(&y)));
        }
        drop(conn);
        let today = dutch_date(self.now());
        match calendar::window(next, today) {
            Window::NotYet { opens } => Err(GatewayError::Conflict(format!(
                "school year {next} can be prepared from {} on; today is {}",
                long_date(opens),
                long_date(today)
            ))),
            Window::Closed { since } => Err(GatewayError::Conflict(format!(
                "preparing school year {next} was possible until {}; since then the gateway starts it itself \
                 (`uwlr school year tick` does so now)",
                long_date(since)
            ))),
            Window::Open { .. } => self.start_year(location, &current, next, actor, false).await,
        }
    }

    /// The school years started at `location`, newest first.
    pub async fn school_years(&self, location: &str) -> Result<Vec<SchoolYear>, GatewayError> {
        Ok(rows::list(&mut *self.store.pool().acquire().await?, location).await?)
    }

    /// Starts the years that are due (1 October has come) and queues the day's reminders
    /// for years not completed. Safe to run as often as wanted: a year starts once, a
    /// reminder goes once a day.
    pub async fn school_year_tick(&self) -> Result<YearTick, GatewayError> {
        let today = dutch_date(self.now());
        let mut tick = YearTick::default();
        let all = self.koppelingen(None).await?;
        let mut locations: Vec<&str> = all.iter().map(|k| k.location.as_str()).collect();
        locations.sort_unstable();
        locations.dedup();
        for location in locations {
            let current = current_of(&all, location);
            let Some(first) = current.first() else { continue };
            let Some(due) = calendar::due_automatically(first.schooljaar, today) else {
                continue;
            };
            let mut conn = self.store.pool().acquire().await?;
            if rows::get(&mut conn, location, &due.to_string()).await?.is_some() {
                continue;
            }
            drop(conn);
            match self.start_year(location, &current, due, "gateway", true).await {
                Ok(s) => tick.started.push(s),
                Err(e) => tick.failures.push((location.to_string(), e.to_string())),
            }
        }
        let open = rows::open(&mut *self.store.pool().acquire().await?).await?;
        for y in open {
            let Ok(year) = Schooljaar::parse(&y.schooljaar) else { continue };
            if !calendar::reminder_due(year, dutch_date(y.started_at), y.reminded_on, today) {
                continue;
            }
            match self.remind(&y, today).await {
                Ok(n) => tick.reminders += n,
                Err(e) => tick.failures.push((y.location.clone(), e.to_string())),
            }
        }
        Ok(tick)
    }

    /// Applying the first import of a started year that brings no pupil would close the
    /// earlier years with every pupil counted as a leaver: refused, as the LAS most likely
    /// still serves the old year.
    pub(crate) async fn check_year_answer(
        &self,
        conn: &mut AnyConnection,
        k: &Koppeling,
        p: &Proposal,
    ) -> Result<(), GatewayError> {
        if k.kind.is_dashboard() {
            return Ok(());
        }
        let Some(y) = rows::get(conn, &k.location, &k.schooljaar.to_string()).await? else { return Ok(()) };
        let pupils = p.leerlingen.iter().filter(|i| !matches!(i.category, Category::Skip { .. })).count();
        if y.completed_at.is_none() && pupils == 0 {
            return Err(GatewayError::Conflict(format!(
                "the first import of school year {} at {} brings no pupils: the LAS most likely still serves the \
                 old year. Fetch again once it has moved to {}",
                k.schooljaar, k.location, k.schooljaar
            )));
        }
        Ok(())
    }

    /// After an import of `k` was applied: if it was the first of a started year, the year
    /// is complete and the years before it close.
    pub(crate) async fn complete_year(
        &self,
        conn: &mut AnyConnection,
        k: &Koppeling,
        actor: &str,
    ) -> Result<(), GatewayError> {
        let now = self.now();
        if k.kind.is_dashboard() || !rows::complete(conn, &k.location, &k.schooljaar.to_string(), actor, now).await? {
            return Ok(());
        }
        let closed = rows::close_earlier(conn, &k.location, &k.schooljaar.to_string(), now).await?;
        let links_closed = self.close_earlier_links(conn, k, actor).await?;
        let reason = format!(
            "school year {} complete; earlier years closed: {} group(s) and {} teacher(s) deactivated, {} pupil(s) \
             who left deactivated, {links_closed} link(s) closed",
            k.schooljaar, closed.groepen, closed.leerkrachten, closed.leerlingen_left
        );
        let line = AuditLine {
            koppeling_id: Some(k.id),
            location: &k.location,
            actor,
            action: "school-year-complete",
            from: None,
            to: None,
            reason: Some(&reason),
        };
        links::audit(conn, &line, now).await?;
        Ok(())
    }

    /// The active links of the location's newest year with an active LAS link: LAS link first.
    async fn current_links(&self, location: &str) -> Result<Vec<Koppeling>, GatewayError> {
        let all = self.koppelingen(Some(location)).await?;
        let current = current_of(&all, location);
        if current.is_empty() {
            return Err(GatewayError::Conflict(format!(
                "{location} has no active LAS koppeling: a new school year continues the links of the current one"
            )));
        }
        Ok(current)
    }

    async fn start_year(
        &self,
        location: &str,
        current: &[Koppeling],
        year: Schooljaar,
        actor: &str,
        automatic: bool,
    ) -> Result<YearStart, GatewayError> {
        let now = self.now();
        let schooljaar = year.to_string();
        let mut tx = self.store.pool().begin().await?;
        rows::insert(&mut tx, location, &schooljaar, actor, automatic, now).await?;
        let mut carried = Vec::with_capacity(current.len());
        for old in current {
            let new = self.continue_link(&mut tx, old, &schooljaar, actor).await?;
            carried.push((old.id, new));
        }
        let reason = format!(
            "school year {schooljaar} started{}; {} link(s) carried over",
            if automatic { " automatically (not prepared by 1 October)" } else { "" },
            carried.len()
        );
        let line = AuditLine {
            koppeling_id: None,
            location,
            actor,
            action: "school-year-start",
            from: None,
            to: None,
            reason: Some(&reason),
        };
        links::audit(&mut tx, &line, now).await?;
        tx.commit().await?;
        tracing::info!(location, schooljaar = %schooljaar, automatic, actor, "school year started");

        // The new year's first fetch; a LAS that is down or not moved on yet is no reason
        // to undo the start: the scheduled fetches try again, and the reminders say so.
        let las = carried[0].1;
        let (proposal_id, fetch_error) = match self.fetch(las, true, actor, &|_| {}).await {
            Ok(f) => (Some(f.proposal_id), None),
            Err(e) => {
                let reason = format!("first fetch of school year {schooljaar} failed: {e}");
                let line = AuditLine {
                    koppeling_id: Some(las),
                    location,
                    actor,
                    action: "fetch-failed",
                    from: None,
                    to: None,
                    reason: Some(&reason),
                };
                let mut conn = self.store.pool().acquire().await?;
                links::audit(&mut conn, &line, self.now()).await?;
                (None, Some(e.to_string()))
            }
        };
        Ok(YearStart {
            location: location.to_string(),
            schooljaar,
            automatic,
            koppelingen: carried,
            proposal_id,
            fetch_error,
        })
    }

    /// Continues one active link into `schooljaar`: a new link with the same endpoint,
    /// settings and key, active at once. The old link stays active (results of the old year
    /// still flow through it) until the new year is completed.
    async fn continue_link(
        &self,
        conn: &mut AnyConnection,
        old: &Koppeling,
        schooljaar: &str,
        actor: &str,
    ) -> Result<i64, GatewayError> {
        let now = self.now();
        let new = NewKoppeling {
            location: &old.location,
            schooljaar: Schooljaar::parse(schooljaar).map_err(GatewayError::Invalid)?,
            kind: old.kind,
            endpoint: old.endpoint.as_deref(),
            klantcode: &old.klantcode,
            klantnaam: &old.klantnaam,
        };
        let id = links::insert(conn, &new, now).await?;
        links::set_process_changes(conn, id, old.process_changes).await?;
        let key = self.key_of(conn, old).await?;
        self.store_key(conn, id, old.kind, &key).await?;
        links::set_status(conn, id, Status::Active, Some(now)).await?;
        // Pupils and teachers carry on: the new link knows them by the keys they came in
        // with, so its first import finds them (groups belong to one year and do not).
        let carried = sqlx::query(
            "INSERT INTO external_keys (koppeling_id, tab, record_id, las_key, eckid, skipped) \
             SELECT $1, tab, record_id, las_key, eckid, skipped FROM external_keys \
             WHERE koppeling_id = $2 AND tab IN ('leerlingen', 'leerkrachten')",
        )
        .bind(id)
        .bind(old.id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        let reason = format!(
            "continues koppeling {} of {}: endpoint and key carried over, and the keys of {carried} pupil(s) and \
             teacher(s)",
            old.id, old.schooljaar
        );
        let line = AuditLine {
            koppeling_id: Some(id),
            location: &old.location,
            actor,
            action: "school-year",
            from: Some(Status::Requested),
            to: Some(Status::Active),
            reason: Some(&reason),
        };
        links::audit(conn, &line, now).await?;
        Ok(id)
    }

    /// Closes the open links of the years before `k`'s: they forget their key, which their
    /// continuation in `k`'s year holds. LAS links first, each taking the dashboard links
    /// that depend on it along ([`Gateway::close_dependents`]); a dashboard link left open
    /// without one (a store from before that rule) is closed after them.
    async fn close_earlier_links(
        &self,
        conn: &mut AnyConnection,
        k: &Koppeling,
        actor: &str,
    ) -> Result<usize, GatewayError> {
        let now = self.now();
        let open_earlier = |all: Vec<Koppeling>| -> Vec<Koppeling> {
            all.into_iter().filter(|o| o.schooljaar < k.schooljaar && !o.status.is_final()).collect()
        };
        let mut earlier = open_earlier(links::list(conn, Some(&k.location)).await?);
        earlier.sort_by_key(|o| (o.kind.is_dashboard(), o.id));
        let mut closed = 0;
        for old in &earlier {
            if old.kind.is_dashboard() && links::get(conn, old.id).await?.status.is_final() {
                continue; // closed along with its LAS link just now
            }
            closed += 1;
            links::set_key(conn, old.id, None, None).await?;
            links::set_status(conn, old.id, Status::Revoked, None).await?;
            let why = format!("school year {} closed before this result was delivered", old.schooljaar);
            let stranded = crate::store::results::close_pending(conn, old.id, &why, now).await?;
            let reason = format!(
                "school year {} closed: {} completed; {stranded} queued result(s) kept as delivery errors",
                old.schooljaar, k.schooljaar
            );
            let line = AuditLine {
                koppeling_id: Some(old.id),
                location: &old.location,
                actor,
                action: "school-year",
                from: Some(old.status),
                to: Some(Status::Revoked),
                reason: Some(&reason),
            };
            links::audit(conn, &line, now).await?;
            if !old.kind.is_dashboard() {
                let why = format!("school year {} closed with its LAS koppeling {}", old.schooljaar, old.id);
                closed += self.close_dependents(conn, old, actor, &why).await?;
            }
        }
        Ok(closed)
    }

    async fn remind(&self, y: &SchoolYear, today: chrono::NaiveDate) -> Result<usize, GatewayError> {
        let now = self.now();
        let mut tx = self.store.pool().begin().await?;
        let las = links::list(&mut tx, Some(&y.location))
            .await?
            .into_iter()
            .find(|k| k.schooljaar.to_string() == y.schooljaar && !k.kind.is_dashboard() && k.status == Status::Active);
        let proposal_id = match &las {
            Some(k) => {
                fetches::list_proposals(&mut tx, k.id).await?.into_iter().find(|(_, s)| s == "open").map(|p| p.0)
            }
            None => None,
        };
        let admins: Vec<String> =
            sqlx::query_scalar("SELECT email FROM school_admins WHERE location = $1 ORDER BY email")
                .bind(&y.location)
                .fetch_all(&mut *tx)
                .await?;
        for admin in &admins {
            let n = Notification::SchoolYearWaiting {
                school: y.location.clone(),
                schooljaar: y.schooljaar.clone(),
                proposal_id,
                koppeling_gone: las.is_none(),
                admin: admin.clone(),
            };
            let json = serde_json::to_string(&n).map_err(|e| GatewayError::Invalid(e.to_string()))?;
            outbox::push(&mut tx, admin, &json, now).await?;
        }
        rows::set_reminded(&mut tx, &y.location, &y.schooljaar, today).await?;
        let reason = format!("school year {} not completed: reminder to {} admin(s)", y.schooljaar, admins.len());
        let line = AuditLine {
            koppeling_id: las.map(|k| k.id),
            location: &y.location,
            actor: "gateway",
            action: "school-year-reminder",
            from: None,
            to: None,
            reason: Some(&reason),
        };
        links::audit(&mut tx, &line, now).await?;
        tx.commit().await?;
        Ok(admins.len())
    }
}

/// The active links of the location's newest year that has an active LAS link, LAS first.
fn current_of(all: &[Koppeling], location: &str) -> Vec<Koppeling> {
    let active = |k: &&Koppeling| k.location == location && k.status == Status::Active;
    let Some(year) = all.iter().filter(active).filter(|k| !k.kind.is_dashboard()).map(|k| &k.schooljaar).max() else {
        return Vec::new();
    };
    let mut v: Vec<Koppeling> = all.iter().filter(active).filter(|k| k.schooljaar == *year).cloned().collect();
    v.sort_by_key(|k| (k.kind.is_dashboard(), k.id));
    v
}

fn started_already(y: &SchoolYear) -> String {
    let how = if y.automatic { "automatically by the gateway".to_string() } else { format!("by {}", y.started_by) };
    let state = match y.completed_at {
        Some(at) => format!(" and completed on {}", long_date(dutch_date(at))),
        None => "; review and apply its import to complete it".to_string(),
    };
    format!(
        "school year {} was already started at {} on {} {how}{state}",
        y.schooljaar,
        y.location,
        long_date(dutch_date(y.started_at))
    )
}

fn long_date(d: chrono::NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}
