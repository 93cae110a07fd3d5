//! The import carried out: fetch leerlinggegevens through an active link, keep the answer,
//! compute the proposal against the store, let an admin decide, apply it guarded.
//!
//! The delta watermark (`laatstontvangengegevens`) moves only when a fetch's proposal is
//! applied (or had nothing in it), and to the moment *before* that fetch was sent: a
//! proposal nobody applied loses no change, and a change made while the LAS was answering
//! comes again next time.

use super::journal::{Belongs, Recorder};
use super::{Gateway, GatewayError};
use crate::client::{Client, ClientError};
use crate::import::{propose, Decision, FetchMode, Proposal, Settings as ImportSettings};
use crate::koppeling::Koppeling;
use crate::koppeling::Status;
use crate::location::Location;
use crate::message::leerlinggegevens::{Antwoord, Leerlinggegevens, School, SchoolIdentificatie, Verzoek};
use crate::message::values::{DateTime as UwlrDateTime, SchoolId, Schooljaar, Zone};
use crate::message::{Autorisatie, Body};
use crate::notify::Notification;
use crate::store::apply::{self, ApplyReport, FailPoint};
use crate::store::imports::{self as rows, FetchRow, NewFetch, ProposalRow};
use crate::store::koppelingen::{self as links, AuditLine};
use crate::store::{outbox, records};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;
use std::sync::Arc;
use std::time::Instant;
use tracing::Instrument;

/// Where a fetch is, for a progress display.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// The request went out; `mode` says full or delta.
    Calling { endpoint: String, mode: FetchMode },
    /// The LAS answered.
    Received { groepen: usize, leerkrachten: usize, leerlingen: usize },
    /// The proposal is being computed.
    Proposing,
}

/// What one fetch brought.
#[derive(Debug, Clone, Serialize)]
pub struct FetchOutcome {
    pub fetch: FetchRow,
    pub proposal_id: i64,
    pub proposal: Proposal,
    /// Nothing to review: the watermark moved on already (the proposal stays open for
    /// unskipping what was skipped earlier).
    pub nothing_to_do: bool,
}

/// A stored proposal with its computed content.
#[derive(Debug, Clone, Serialize)]
pub struct ProposalView {
    pub id: i64,
    pub koppeling_id: i64,
    pub fetch_id: i64,
    pub status: String,
    pub decisions: Vec<Decision>,
    pub proposal: Proposal,
}

/// How to apply.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApplyOptions<'a> {
    /// Apply although it deactivates more pupils than the safety limit allows.
    pub override_safety: bool,
    /// Why the safety limit is overridden, for the audit line (the console asks for it).
    pub reason: Option<&'a str>,
    #[doc(hidden)]
    pub fail: FailPoint,
}

impl Gateway {
    /// Fetches through an active LAS link (delta when possible) and stores the proposal.
    pub async fn fetch(
        &self,
        koppeling_id: i64,
        force_full: bool,
        actor: &str,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<FetchOutcome, GatewayError> {
        // Every line logged during the fetch carries the link and (once read) its location.
        let span = tracing::info_span!("fetch", koppeling = koppeling_id, location = tracing::field::Empty);
        let started = Instant::now();
        let recorder = self.recorder();
        let result =
            self.fetch_once(koppeling_id, force_full, actor, progress, recorder.clone()).instrument(span.clone()).await;
        if let Some(r) = recorder.as_deref().filter(|r| r.has_captured()) {
            // The location of a link that exists: a link that does not made no exchange.
            if let Ok(k) = self.koppeling(koppeling_id).await {
                let fetch_id = result.as_ref().ok().map(|o| o.fetch.id);
                let to = Belongs { koppeling_id, location: &k.location, kind: "fetch", fetch_id, batch_id: None };
                self.write_journal(Some(r), to).instrument(span.clone()).await;
            }
        }
        let outcome = match &result {
            Ok(o) if o.nothing_to_do => "nothing_to_do",
            Ok(_) => "proposal",
            Err(GatewayError::Upstream(ClientError::Fault(_))) => "las_fault",
            Err(GatewayError::Upstream(_)) => "las_unreachable",
            Err(_) => "failed",
        };
        self.metrics.fetch(outcome, started.elapsed());
        if let Err(e) = &result {
            span.in_scope(|| tracing::debug!(outcome, error = %e, "fetch failed"));
        }
        result
    }

    async fn fetch_once(
        &self,
        koppeling_id: i64,
        force_full: bool,
        actor: &str,
        progress: &(dyn Fn(Progress) + Send + Sync),
        recorder: Option<Arc<Recorder>>,
    ) -> Result<FetchOutcome, GatewayError> {
        let k = self.koppeling(koppeling_id).await?;
        tracing::Span::current().record("location", k.location.as_str());
        if k.kind.is_dashboard() {
            return Err(GatewayError::Invalid(format!(
                "koppeling {} is a {} dashboard link: dashboards receive results, they are never fetched from",
                k.id,
                k.kind.label()
            )));
        }
        let key = self.active_key(&k).await?;
        let now = self.now();
        let fresh_full = k.last_full_at.is_some_and(|t| now - t < self.settings.full_fetch_every);
        let (mode, since) = match k.delta_since {
            Some(since) if fresh_full && !force_full => (FetchMode::Delta, Some(since)),
            _ => (FetchMode::Full, None),
        };
        let endpoint = format!("{}/leerlinggegevens", k.endpoint.as_deref().unwrap_or_default());
        let mut config = self.client_config(endpoint.clone());
        config.capture = recorder.map(|r| r as Arc<dyn crate::client::Capture>);
        let client = Client::new(config)?;
        let schooljaar = k.schooljaar;
        let verzoek = Verzoek {
            schooljaar,
            school: k.location.school_id(),
            xsdversie: "2.3".into(),
            gegevenssetid: None,
            laatstontvangengegevens: since.map(|t| UwlrDateTime { local: t.naive_utc(), zone: Zone::Utc }),
        };
        let auth = Autorisatie {
            autorisatiesleutel: key.expose().to_string(),
            klantcode: k.klantcode.clone(),
            klantnaam: k.klantnaam.clone(),
        };
        progress(Progress::Calling { endpoint, mode });
        let answer = client.haal_leerlinggegevens(&auth, &verzoek).await?;
        // The answer is kept as the LAS sent it (a proposal is recomputed and applied from
        // it, and an admin may need to see what came in), not as we re-encode our model of
        // it: the bytes are the evidence. Only the key is taken out, should the LAS have
        // echoed it, since a key is never stored in the clear.
        let received = crate::redact::key_in_bytes(&answer.received, &auth.autorisatiesleutel);
        let answer = answer.value;
        drop(auth);
        let (outcome, data) = match answer {
            Antwoord::Gegevens(g) => ("gegevens", Some(g)),
            Antwoord::GeenWijzigingen => ("geenwijzigingen", None),
            // Nothing for this school: in a full fetch, everyone known has gone, which the
            // safety gate then holds up for an admin.
            Antwoord::GeenGegevens => ("geengegevens", None),
        };
        if let Some(g) = &data {
            check_same_school(&k, g)?;
            progress(Progress::Received {
                groepen: g.groepen.len(),
                leerkrachten: g.leerkrachten.len(),
                leerlingen: g.leerlingen.len(),
            });
        }
        let incoming = match (&data, outcome) {
            (Some(g), _) => g.clone(),
            (None, _) => empty_answer(&k, schooljaar),
        };
        let mode = if outcome == "geenwijzigingen" { FetchMode::Delta } else { mode };
        let answer_xml = data.is_some().then_some(received);
        let digest = hex(&Sha256::digest(answer_xml.as_deref().unwrap_or(outcome.as_bytes())));

        progress(Progress::Proposing);
        let mut tx = self.store.pool().begin().await?;
        links::lock(&mut tx, self.store.dialect(), k.id).await?;
        let fetch_id = rows::insert_fetch(
            &mut tx,
            NewFetch {
                koppeling_id: k.id,
                at: now,
                mode: mode_str(mode),
                since,
                outcome,
                digest: &digest,
                answer: answer_xml,
                pupils: incoming.leerlingen.len() as i64,
            },
        )
        .await?;
        let version = records::location_version(&mut tx, &k.location).await?;
        let snapshot =
            records::snapshot(&mut tx, &k.location, &k.schooljaar.to_string(), Some(k.id), records::Scope::Import)
                .await?;
        // An admin's decisions on the proposal this fetch supersedes carry over, as far as
        // they still apply to the new answer.
        let open = match rows::list_proposals(&mut tx, k.id).await?.into_iter().find(|(_, s)| s == "open") {
            Some((open, _)) => Some(rows::get_proposal(&mut tx, open).await?),
            None => None,
        };
        let carried = open.as_ref().map(|o| parse_json(&o.decisions)).transpose()?.unwrap_or_default();
        let (proposal, decisions) = propose_keeping(&snapshot, &incoming, mode, carried, &self.import_settings())?;
        let proposal_json = json(&proposal)?;
        let id =
            rows::insert_proposal(&mut tx, k.id, fetch_id, version, &json(&decisions)?, &proposal_json, now).await?;
        let nothing_to_do = proposal.is_empty();
        if nothing_to_do {
            // Nothing to review, so the watermark moves on now. The proposal stays open all
            // the same: it lists the records skipped earlier, which an admin may unskip.
            links::set_watermark(&mut tx, k.id, now, mode == FetchMode::Full).await?;
        } else if open.is_none_or(|o| o.proposal != proposal_json) {
            // Admins hear of new data once: a scheduled re-fetch that finds the same
            // pending changes as the proposal it replaces mails nobody.
            self.announce_review(&mut tx, &k, id, &proposal).await?;
        }
        let line = AuditLine {
            koppeling_id: Some(k.id),
            location: &k.location,
            actor,
            action: if mode == FetchMode::Full { "fetch-full" } else { "fetch-delta" },
            from: None,
            to: None,
            reason: Some(outcome),
        };
        links::audit(&mut tx, &line, now).await?;
        let fetch = rows::get_fetch(&mut tx, fetch_id).await?;
        tx.commit().await?;
        tracing::info!(koppeling = k.id, fetch = fetch_id, proposal = id, mode = mode_str(mode), outcome, "fetched");
        Ok(FetchOutcome { fetch, proposal_id: id, proposal, nothing_to_do })
    }

    /// Proposal `id`, read again once its link is locked (`links::lock`): a fetch that
    /// superseded it meanwhile shows.
    async fn locked_proposal(&self, tx: &mut sqlx::AnyConnection, id: i64) -> Result<rows::ProposalRow, GatewayError> {
        let koppeling_id = rows::get_proposal(&mut *tx, id).await?.koppeling_id;
        links::lock(&mut *tx, self.store.dialect(), koppeling_id).await?;
        Ok(rows::get_proposal(tx, id).await?)
    }

    pub async fn proposal(&self, id: i64) -> Result<ProposalView, GatewayError> {
        let row = rows::get_proposal(&mut *self.store.pool().acquire().await?, id).await?;
        view(row)
    }

    /// The open proposal of a link, if any, else its newest.
    pub async fn latest_proposal(&self, koppeling_id: i64) -> Result<Option<ProposalView>, GatewayError> {
        let list = rows::list_proposals(&mut *self.store.pool().acquire().await?, koppeling_id).await?;
        match list.first() {
            Some((id, _)) => Ok(Some(self.proposal(*id).await?)),
            None => Ok(None),
        }
    }

    /// Adds decisions and recomputes against the current store (an empty list just
    /// recomputes: after a stale refusal, say).
    pub async fn decide(&self, id: i64, more: &[Decision], actor: &str) -> Result<ProposalView, GatewayError> {
        self.decide_with(id, more, false, actor).await
    }

    /// "Accept every suggestion": links every new record that holds the proposal up to its
    /// one strong candidate ([`Proposal::suggested_links`]), as one link decision each, so
    /// the stored decisions say exactly what was linked. Records with several candidates, or
    /// sharing theirs with another record, stay undecided.
    pub async fn accept_suggestions(&self, id: i64, actor: &str) -> Result<ProposalView, GatewayError> {
        self.decide_with(id, &[], true, actor).await
    }

    /// [`Gateway::decide`], then (with `accept_suggestions`) [`Gateway::accept_suggestions`],
    /// in one transaction.
    pub async fn decide_with(
        &self,
        id: i64,
        more: &[Decision],
        accept_suggestions: bool,
        actor: &str,
    ) -> Result<ProposalView, GatewayError> {
        let now = self.now();
        let mut tx = self.store.pool().begin().await?;
        let row = self.locked_proposal(&mut tx, id).await?;
        if row.status != "open" {
            return Err(GatewayError::Conflict(format!("proposal {id} is {}; fetch again for a new one", row.status)));
        }
        let k = links::get(&mut tx, row.koppeling_id).await?;
        let mut decisions: Vec<Decision> = parse_json(&row.decisions)?;
        decisions.extend_from_slice(more);
        let fetch = rows::get_fetch(&mut tx, row.fetch_id).await?;
        let incoming = self.stored_answer(&mut tx, &k, &fetch).await?;
        let version = records::location_version(&mut tx, &k.location).await?;
        let snapshot =
            records::snapshot(&mut tx, &k.location, &k.schooljaar.to_string(), Some(k.id), records::Scope::Import)
                .await?;
        let invalid = |e: crate::import::DecisionError| GatewayError::Invalid(e.to_string());
        let mut proposal =
            propose(&snapshot, &incoming, mode_of(&fetch), &decisions, &self.import_settings()).map_err(invalid)?;
        let mut reason = format!("proposal {id}: {} decision(s) added", more.len());
        if accept_suggestions {
            let links = proposal.suggested_links();
            reason.push_str(&format!("; {} suggestion(s) accepted", links.len()));
            if !links.is_empty() {
                decisions.extend(links);
                proposal = propose(&snapshot, &incoming, mode_of(&fetch), &decisions, &self.import_settings())
                    .map_err(invalid)?;
            }
            let left = proposal.undecided().len();
            if left > 0 {
                reason.push_str(&format!(", {left} record(s) left undecided"));
            }
        }
        rows::update_proposal(&mut tx, id, version, &json(&decisions)?, &json(&proposal)?).await?;
        let line = AuditLine {
            koppeling_id: Some(k.id),
            location: &k.location,
            actor,
            action: "decide",
            from: None,
            to: None,
            reason: Some(&reason),
        };
        links::audit(&mut tx, &line, now).await?;
        let row = rows::get_proposal(&mut tx, id).await?;
        tx.commit().await?;
        view(row)
    }

    /// Applies a reviewed proposal in one transaction. Refused when the link is no longer
    /// active, when the LAS sent newer data or the school's records changed since it was
    /// computed (recompute), or when it deactivates too many pupils without an override.
    pub async fn apply_proposal(
        &self,
        id: i64,
        actor: &str,
        opts: ApplyOptions<'_>,
    ) -> Result<ApplyReport, GatewayError> {
        if let Some(why) = opts.reason.and_then(crate::free_text::refusal) {
            return Err(GatewayError::Invalid(format!("reason: {why}")));
        }
        let now = self.now();
        let mut tx = self.store.pool().begin().await?;
        let row = self.locked_proposal(&mut tx, id).await?;
        if row.status != "open" {
            return Err(GatewayError::Conflict(format!("proposal {id} is {}; nothing to apply", row.status)));
        }
        let k = links::get(&mut tx, row.koppeling_id).await?;
        if k.status != Status::Active {
            return Err(GatewayError::Conflict(format!(
                "koppeling {} is {}; nothing is imported through it",
                k.id, k.status
            )));
        }
        let latest = rows::latest_fetch(&mut tx, k.id).await?;
        if latest.as_ref().is_some_and(|f| f.id != row.fetch_id) {
            return Err(GatewayError::Conflict(format!(
                "the LAS sent newer data (fetch {}) since proposal {id} was computed; review the newer proposal",
                latest.map(|f| f.id).unwrap_or_default()
            )));
        }
        let version = records::location_version(&mut tx, &k.location).await?;
        if version != row.location_version {
            return Err(GatewayError::Conflict(format!(
                "the records of {} changed since proposal {id} was computed; recompute it (decide with no \
                 decisions) and review it again",
                k.location
            )));
        }
        let proposal: Proposal = parse_json(&row.proposal)?;
        // A new year's empty answer first: it says why the pupils would all go.
        self.check_year_answer(&mut tx, &k, &proposal).await?;
        if proposal.safety.needs_override && !opts.override_safety {
            let s = &proposal.safety;
            return Err(GatewayError::Conflict(format!(
                "proposal {id} deactivates {} of {} active pupils ({:.0}%), more than the {:.0}% allowed: an empty or \
                 truncated LAS answer looks like this. Check the LAS; apply with the override if they really left",
                s.deactivating,
                s.active_pupils,
                s.share * 100.0,
                self.settings.max_deactivation_share * 100.0
            )));
        }
        check_decided(id, &proposal, &parse_json::<Vec<Decision>>(&row.decisions)?)?;
        let report =
            apply::apply(&mut tx, k.id, (&k.location, &k.schooljaar.to_string()), &proposal, now, opts.fail).await?;
        for (name, email) in &report.invitations {
            let n = Notification::TeacherInvitation {
                school: k.location.to_string(),
                teacher_name: name.clone(),
                email: email.clone(),
            };
            outbox::push(&mut tx, email, &json(&n)?, now).await?;
        }
        rows::mark_applied(&mut tx, id, actor, now).await?;
        let fetch = rows::get_fetch(&mut tx, row.fetch_id).await?;
        links::set_watermark(&mut tx, k.id, fetch.at, fetch.mode == "full").await?;
        let overridden = match opts.reason.map(str::trim).filter(|r| !r.is_empty()) {
            _ if !(opts.override_safety && proposal.safety.needs_override) => String::new(),
            Some(why) => format!("; safety limit overridden: {why}"),
            None => "; safety limit overridden".into(),
        };
        let reason = format!(
            "proposal {id}: created {:?}, updated {:?}, skipped {:?}, deactivated {:?} (groepen, leerkrachten, \
             leerlingen){overridden}",
            report.created, report.updated, report.skipped, report.deactivated,
        );
        let line = AuditLine {
            koppeling_id: Some(k.id),
            location: &k.location,
            actor,
            action: "apply",
            from: None,
            to: None,
            reason: Some(&reason),
        };
        links::audit(&mut tx, &line, now).await?;
        self.complete_year(&mut tx, &k, actor).await?;
        tx.commit().await?;
        tracing::info!(proposal = id, koppeling = k.id, actor, "proposal applied");
        Ok(report)
    }

    /// Adds a school admin who hears that a proposal waits; adding one twice is no error.
    pub async fn add_school_admin(&self, location: &str, email: &str, actor: &str) -> Result<(), GatewayError> {
        let email = email.trim();
        if !email.contains('@') || email.contains(char::is_whitespace) {
            return Err(GatewayError::Invalid(format!("'{email}' is not an e-mail address")));
        }
        let now = self.now();
        let mut tx = self.store.pool().begin().await?;
        links::ensure_location(&mut tx, &Location::parse(location)?, now).await?;
        sqlx::query("INSERT INTO school_admins (location, email) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(location)
            .bind(email)
            .execute(&mut *tx)
            .await?;
        let reason = format!("school admin {email}");
        let line = AuditLine {
            koppeling_id: None,
            location,
            actor,
            action: "add-admin",
            from: None,
            to: None,
            reason: Some(&reason),
        };
        links::audit(&mut tx, &line, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// What the store knows of a location in its current year, with that year's LAS link's
    /// keys if it is active.
    pub async fn records(&self, location: &str) -> Result<crate::import::Snapshot, GatewayError> {
        self.records_of_year(location, None).await
    }

    /// What the store knows of a location in a school year, with the keys of that year's
    /// active LAS link. `None`: the current year, the newest year of a LAS link that is not
    /// started-and-waiting (a new year counts once its first import is applied); no LAS link
    /// at all: nothing.
    pub async fn records_of_year(
        &self,
        location: &str,
        schooljaar: Option<&str>,
    ) -> Result<crate::import::Snapshot, GatewayError> {
        let links = self.koppelingen(Some(location)).await?;
        let las = |k: &&Koppeling| !k.kind.is_dashboard();
        let year = match schooljaar {
            Some(y) => {
                Schooljaar::parse(y.trim()).map_err(|e| GatewayError::Invalid(format!("schooljaar: {e}")))?.to_string()
            }
            None => match self.current_schooljaar(location).await? {
                Some(y) => y,
                None => return Ok(crate::import::Snapshot::default()),
            },
        };
        let link = links
            .iter()
            .filter(las)
            .find(|k| k.schooljaar.to_string() == year && k.status == Status::Active)
            .map(|k| k.id);
        Ok(records::snapshot(&mut *self.store.pool().acquire().await?, location, &year, link, records::Scope::Year)
            .await?)
    }

    /// The location's current school year: the newest year of a LAS link that is not
    /// started-and-waiting (a new year counts once its first import is applied); `None`
    /// without a LAS link.
    pub async fn current_schooljaar(&self, location: &str) -> Result<Option<String>, GatewayError> {
        let links = self.koppelingen(Some(location)).await?;
        let waiting: Vec<String> = self
            .school_years(location)
            .await?
            .into_iter()
            .filter(|y| y.completed_at.is_none())
            .map(|y| y.schooljaar)
            .collect();
        let years = || links.iter().filter(|k| !k.kind.is_dashboard()).map(|k| k.schooljaar.to_string());
        Ok(years().filter(|y| !waiting.contains(y)).max().or_else(|| years().max()))
    }

    fn import_settings(&self) -> ImportSettings {
        ImportSettings { max_deactivation_share: self.settings.max_deactivation_share }
    }

    async fn announce_review(
        &self,
        conn: &mut AnyConnection,
        k: &Koppeling,
        id: i64,
        p: &Proposal,
    ) -> Result<(), GatewayError> {
        let admins: Vec<String> =
            sqlx::query_scalar("SELECT email FROM school_admins WHERE location = $1 ORDER BY email")
                .bind(k.location.as_str())
                .fetch_all(&mut *conn)
                .await?;
        let s = &p.summary;
        let counts = format!(
            "{} new, {} changed, {} deactivated",
            [&s.groepen, &s.leerkrachten, &s.leerlingen].iter().map(|t| t.new).sum::<usize>(),
            [&s.groepen, &s.leerkrachten, &s.leerlingen].iter().map(|t| t.existing_changed).sum::<usize>(),
            p.deactivations.len()
        );
        for admin in admins {
            let n = Notification::ReviewWaiting {
                school: k.location.to_string(),
                proposal_id: id,
                counts: counts.clone(),
                admin: admin.clone(),
            };
            outbox::push(conn, &admin, &json(&n)?, self.now()).await?;
        }
        Ok(())
    }

    async fn stored_answer(
        &self,
        conn: &mut AnyConnection,
        k: &Koppeling,
        fetch: &FetchRow,
    ) -> Result<Leerlinggegevens, GatewayError> {
        let schooljaar = k.schooljaar;
        let Some(xml) = rows::fetch_answer(conn, fetch.id).await? else {
            return Ok(empty_answer(k, schooljaar));
        };
        let decoded = crate::decode(&xml, &crate::DecodeOptions::lenient())
            .map_err(|e| GatewayError::Store(crate::store::StoreError::Corrupt(format!("fetch {}: {e}", fetch.id))))?;
        match decoded.body {
            Body::LeerlinggegevensAntwoord(Antwoord::Gegevens(g)) => Ok(g),
            _ => Ok(empty_answer(k, schooljaar)),
        }
    }
}

/// How many undecided records a refusal names; the rest are counted (the proposal lists all).
const NAMED_UNDECIDED: usize = 20;

/// No silent duplicates: a proposal whose new records have strong candidates applies only
/// once each is linked or explicitly created anyway. The refusal names them. A `new`
/// decision counts also for a proposal stored before items carried `create_anyway`.
fn check_decided(id: i64, p: &Proposal, decisions: &[Decision]) -> Result<(), GatewayError> {
    let said_new = |r: &crate::import::RecordRef| {
        let same = |d: &crate::import::RecordRef| d.tab == r.tab && d.key.trim() == r.key;
        decisions.iter().any(|d| matches!(d, Decision::New { record } if same(record)))
    };
    let undecided: Vec<_> = p.undecided().into_iter().filter(|u| !said_new(&u.record)).collect();
    if undecided.is_empty() {
        return Ok(());
    }
    let mut named: Vec<String> = undecided.iter().take(NAMED_UNDECIDED).map(|u| format!("  {u}")).collect();
    if undecided.len() > NAMED_UNDECIDED {
        named.push(format!("  … and {} more (the proposal lists them all)", undecided.len() - NAMED_UNDECIDED));
    }
    let links = p.suggested_links().len();
    Err(GatewayError::Conflict(format!(
        "proposal {id} is not applied: {} new record(s) look like records the school already has (same eckid, name \
         and birth date, a teacher's e-mail address or name, a group's name) and are undecided:\n{}\nLink each to its candidate (uwlr import decide {id} --link \
         TAB/KEY=ID), accept every suggestion in one step ({links} of them: uwlr import decide {id} \
         --accept-suggestions, or POST /api/v1/proposals/{id}/accept-suggestions), or create a record anyway \
         (--new TAB/KEY)",
        undecided.len(),
        named.join("\n")
    )))
}

/// Proposes with the carried decisions; when some no longer apply (their record left, say),
/// keeps those that still do, in order.
fn propose_keeping(
    known: &crate::import::Snapshot,
    incoming: &Leerlinggegevens,
    mode: FetchMode,
    carried: Vec<Decision>,
    settings: &ImportSettings,
) -> Result<(Proposal, Vec<Decision>), GatewayError> {
    let invalid = |e: crate::import::DecisionError| GatewayError::Invalid(e.to_string());
    if let Ok(p) = propose(known, incoming, mode, &carried, settings) {
        return Ok((p, carried));
    }
    let mut kept: Vec<Decision> = Vec::with_capacity(carried.len());
    for d in carried {
        kept.push(d);
        if propose(known, incoming, mode, &kept, settings).is_err() {
            tracing::info!(decision = %kept[kept.len() - 1], "an earlier decision no longer applies; dropped");
            kept.pop();
        }
    }
    Ok((propose(known, incoming, mode, &kept, settings).map_err(invalid)?, kept))
}

/// A key opens one school location: an answer about another school is refused whole.
fn check_same_school(k: &Koppeling, g: &Leerlinggegevens) -> Result<(), GatewayError> {
    let asked = k.location.school_id();
    let same = match (&g.school.id, &asked) {
        (
            SchoolIdentificatie::Brin { brincode, dependancecode, .. },
            SchoolId::Brin { brincode: b, dependancecode: d },
        ) => brincode == b && dependancecode.as_deref().unwrap_or("00") == d.as_deref().unwrap_or("00"),
        (id, SchoolId::Schoolkey(key)) => id.to_school_id().is_some_and(|s| s == SchoolId::Schoolkey(key.clone())),
        _ => false,
    };
    if same {
        Ok(())
    } else {
        Err(GatewayError::Conflict(format!(
            "the LAS answered with data of another school ({:?}) than koppeling {} is for ({}); nothing was imported",
            g.school.id.to_school_id(),
            k.id,
            k.location
        )))
    }
}

pub(super) fn empty_answer(k: &Koppeling, schooljaar: Schooljaar) -> Leerlinggegevens {
    let id = match k.location.school_id() {
        SchoolId::Brin { brincode, dependancecode } => {
            SchoolIdentificatie::Brin { brincode, dependancecode, schoolkey: None }
        }
        SchoolId::Schoolkey(key) => SchoolIdentificatie::Schoolkey(Some(key)),
    };
    Leerlinggegevens { school: School { schooljaar, id, ..School::default() }, ..Default::default() }
}

fn mode_str(m: FetchMode) -> &'static str {
    match m {
        FetchMode::Full => "full",
        FetchMode::Delta => "delta",
    }
}

fn mode_of(f: &FetchRow) -> FetchMode {
    if f.mode == "full" {
        FetchMode::Full
    } else {
        FetchMode::Delta
    }
}

fn view(row: ProposalRow) -> Result<ProposalView, GatewayError> {
    Ok(ProposalView {
        id: row.id,
        koppeling_id: row.koppeling_id,
        fetch_id: row.fetch_id,
        status: row.status,
        decisions: parse_json(&row.decisions)?,
        proposal: parse_json(&row.proposal)?,
    })
}

fn json<T: Serialize>(v: &T) -> Result<String, GatewayError> {
    serde_json::to_string(v).map_err(|e| GatewayError::Invalid(format!("cannot store as JSON: {e}")))
}

pub(super) fn parse_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, GatewayError> {
    serde_json::from_str(s).map_err(|e| GatewayError::Store(crate::store::StoreError::Corrupt(e.to_string())))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
