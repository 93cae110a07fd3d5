//! Results to LAS systems and dashboards: record, queue per active link, deliver.
//!
//! Delivery is at-least-once with stable keys, so a repeat (after a crash between sending
//! and marking sent) is an overwrite at the receiver, never a second result. UWLR answers a
//! results message with one confirmation or one fault for the whole message; when a batch
//! is refused for good, it is split in halves until the fault lands on the pupil that
//! caused it, and the others still arrive. Transient failures (connection, 502–504,
//! `Server.TijdelijkNietBeschikbaar`) give the batch back with exponential backoff.

use super::journal::{Behind, Belongs};
use super::{Gateway, GatewayError};
use crate::client::{Client, ClientError, RetryPolicy};
use crate::koppeling::Koppeling;
use crate::koppeling::Status;
use crate::message::fault::FaultCode;
use crate::message::values::Schooljaar;
use crate::message::{Body, EncodeOptions};
use crate::results::{by_pupil, message, Audience, NewResult, Outgoing, ToetsDef};
use crate::store::koppelingen::{self as links, AuditLine};
use crate::store::results::{self as rows, DeliveryBatch, DeliveryError, Recorded};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracing::Instrument;

/// How one delivery run behaves.
#[derive(Debug, Clone)]
pub struct DeliverOptions {
    /// Who claims (a gateway instance): leases name it. Give each instance its own name; a
    /// restarted instance under the same name takes its earlier claims back at once.
    pub owner: String,
    /// Largest results message (default 64 KiB, the default limit of the WCF services some
    /// LAS systems run on).
    pub max_message_bytes: usize,
    /// Rows claimed at a time.
    pub claim: i64,
    /// How long a claim holds; an instance that dies loses its claims after this.
    pub lease: chrono::Duration,
    /// First backoff after a transient failure; doubles per attempt up to `max_backoff`.
    pub backoff: chrono::Duration,
    pub max_backoff: chrono::Duration,
    /// Only this link (default: every active link).
    pub koppeling: Option<i64>,
}

impl Default for DeliverOptions {
    fn default() -> Self {
        DeliverOptions {
            owner: default_owner(),
            max_message_bytes: 64 * 1024,
            claim: 500,
            lease: chrono::Duration::minutes(5),
            backoff: chrono::Duration::seconds(30),
            max_backoff: chrono::Duration::hours(1),
            koppeling: None,
        }
    }
}

/// `host:pid`, so the lease table says which instance holds what.
pub fn default_owner() -> String {
    let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_default();
    format!("{}:{}", if host.is_empty() { "gateway" } else { &host }, std::process::id())
}

/// What a delivery run did, and where its time went.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DeliveryReport {
    pub delivered: usize,
    pub messages: usize,
    /// Results refused for good (kept as delivery errors).
    pub refused: usize,
    /// Results given back after a transient failure.
    pub postponed: usize,
    /// Links whose run failed as a whole (the key cannot be opened, the LAS refuses the
    /// link itself); their results wait, the other links were served.
    pub failed_links: Vec<String>,
    #[serde(with = "secs")]
    pub encode: Duration,
    #[serde(with = "secs")]
    pub transport: Duration,
    #[serde(with = "secs")]
    pub store: Duration,
}

mod secs {
    pub(super) fn serialize<S: serde::Serializer>(d: &std::time::Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }
}

impl Gateway {
    /// Declares (or updates) a test, so messages name it and its parts.
    pub async fn define_toets(&self, def: &ToetsDef) -> Result<(), GatewayError> {
        if def.toetscode.trim().is_empty() {
            return Err(GatewayError::Invalid("a toets needs a toetscode".into()));
        }
        Ok(rows::define_toets(&mut *self.store.pool().acquire().await?, def).await?)
    }

    /// Records a result (or a re-normed version) and queues it for every active link of
    /// the pupil's school and school year it is due for: normed after the link's activation
    /// (links are not retroactive), and for a dashboard a re-normed version only when it
    /// processes changes. A pupil's record of a closed year gets no new result.
    pub async fn record_result(&self, r: &NewResult, actor: &str) -> Result<Recorded, GatewayError> {
        r.scores.check().map_err(GatewayError::Invalid)?;
        if r.toetscode.trim().is_empty() || r.afname.trim().is_empty() {
            return Err(GatewayError::Invalid("a result needs a toetscode and an afname (the sitting)".into()));
        }
        let now = self.now();
        let mut tx = self.store.pool().begin().await?;
        let rec = rows::upsert(&mut tx, r, now).await?;
        for k in links::list(&mut tx, Some(&rec.location)).await? {
            if k.schooljaar.to_string() == rec.schooljaar && due(&k, r.normed_at, rec.version) {
                rows::enqueue(&mut tx, k.id, rec.id, rec.version, now).await?;
            }
        }
        tx.commit().await?;
        tracing::debug!(result = rec.id, version = rec.version, actor, "result recorded");
        Ok(rec)
    }

    /// [`Gateway::record_result`] for many results in one transaction (a class's sitting, a
    /// night's normed results): all are recorded and queued, or none. Written a few hundred
    /// at a time with a handful of statements each ([`rows::upsert_many`],
    /// [`rows::enqueue_many`]), with the same outcome as one by one; the links of each
    /// location are read once.
    pub async fn record_results(&self, rs: &[NewResult], actor: &str) -> Result<Vec<Recorded>, GatewayError> {
        for r in rs {
            r.scores.check().map_err(GatewayError::Invalid)?;
            if r.toetscode.trim().is_empty() || r.afname.trim().is_empty() {
                return Err(GatewayError::Invalid("a result needs a toetscode and an afname (the sitting)".into()));
            }
        }
        let now = self.now();
        let mut tx = self.store.pool().begin().await?;
        let out = rows::upsert_many(&mut tx, rs, now).await?;
        let mut links_of: HashMap<&str, Vec<Koppeling>> = HashMap::new();
        let mut queue = Vec::new();
        for (r, rec) in rs.iter().zip(&out) {
            if !links_of.contains_key(rec.location.as_str()) {
                let ks = links::list(&mut tx, Some(&rec.location)).await?;
                links_of.insert(&rec.location, ks);
            }
            for k in links_of.get(rec.location.as_str()).map(Vec::as_slice).unwrap_or_default() {
                if k.schooljaar.to_string() == rec.schooljaar && due(k, r.normed_at, rec.version) {
                    queue.push((k.id, rec.id, rec.version));
                }
            }
        }
        rows::enqueue_many(&mut tx, &queue, now).await?;
        tx.commit().await?;
        tracing::debug!(results = out.len(), actor, "results recorded");
        Ok(out)
    }

    /// Queues a link's older results of a school year (normed before its activation): only
    /// on an admin's request.
    pub async fn backfill(&self, koppeling_id: i64, schooljaar: &str, actor: &str) -> Result<u64, GatewayError> {
        let year =
            Schooljaar::parse(schooljaar.trim()).map_err(|e| GatewayError::Invalid(format!("schooljaar: {e}")))?;
        let now = self.now();
        let mut tx = self.store.pool().begin().await?;
        let k = links::get(&mut tx, koppeling_id).await?;
        if k.status != Status::Active {
            return Err(GatewayError::Conflict(format!(
                "koppeling {} is {}; nothing is sent through it",
                k.id, k.status
            )));
        }
        let (from, to) = year_bounds(year);
        let mut queued = 0;
        for (id, version) in rows::normed_between(&mut tx, (&k.location, &k.schooljaar.to_string()), from, to).await? {
            if rows::enqueue(&mut tx, k.id, id, version, now).await? {
                queued += 1;
            }
        }
        let reason = format!("backfill {year}: {queued} result(s) queued");
        let line = AuditLine {
            koppeling_id: Some(k.id),
            location: &k.location,
            actor,
            action: "backfill",
            from: None,
            to: None,
            reason: Some(&reason),
        };
        links::audit(&mut tx, &line, now).await?;
        tx.commit().await?;
        Ok(queued)
    }

    /// Delivers what is due on every active link (or one), until nothing is left that is
    /// due now. Transient failures postpone a link's results with backoff and move on.
    pub async fn deliver(&self, opts: &DeliverOptions) -> Result<DeliveryReport, GatewayError> {
        let _one_at_a_time = self.delivering.lock().await;
        let mut report = DeliveryReport::default();
        let lease_expired = self.now() - opts.lease;
        rows::abandon_open_batches(&mut *self.store.pool().acquire().await?, &opts.owner, lease_expired).await?;
        // One link's run reads that link only: a caller that runs links side by side (the
        // simulation, thousands of links) would otherwise read every link per run.
        let all = match opts.koppeling {
            Some(id) => vec![self.koppeling(id).await?],
            None => self.koppelingen(None).await?,
        };
        for k in all.into_iter().filter(|k| k.status == Status::Active) {
            // One link's trouble (a key that cannot be opened, a LAS that refuses the link)
            // must not keep the others' results from their receivers.
            let before = (report.delivered, report.postponed, report.refused);
            // Every line logged while delivering through a link carries its id and location.
            let span = tracing::info_span!("deliver", koppeling = k.id, location = %k.location);
            let done = self.deliver_link(&k, opts, &mut report).instrument(span).await;
            let dashboard = k.kind.is_dashboard();
            self.metrics.delivery_results(dashboard, "delivered", report.delivered - before.0);
            self.metrics.delivery_results(dashboard, "postponed", report.postponed - before.1);
            self.metrics.delivery_results(dashboard, "refused", report.refused - before.2);
            if let Err(e) = done {
                // Local trouble (the database, the master key) is every link's: the run fails.
                if let GatewayError::Store(_) | GatewayError::Vault(_) = e {
                    return Err(e);
                }
                tracing::warn!(koppeling = k.id, location = %k.location, error = %e, "delivery run of this koppeling failed");
                report.failed_links.push(format!("koppeling {} ({}): {e}", k.id, k.location));
            }
        }
        Ok(report)
    }

    /// Kept delivery errors (all links, or one).
    pub async fn delivery_errors(&self, koppeling_id: Option<i64>) -> Result<Vec<DeliveryError>, GatewayError> {
        Ok(rows::errors(&mut *self.store.pool().acquire().await?, koppeling_id).await?)
    }

    /// Queues a link's delivery errors again, after the cause was fixed.
    pub async fn retry_deliveries(&self, koppeling_id: i64, actor: &str) -> Result<u64, GatewayError> {
        let now = self.now();
        let mut tx = self.store.pool().begin().await?;
        let k = links::get(&mut tx, koppeling_id).await?;
        if k.status != Status::Active {
            return Err(GatewayError::Conflict(format!(
                "koppeling {} is {}; nothing is sent through it, so its delivery errors stay as a record",
                k.id, k.status
            )));
        }
        let n = rows::retry(&mut tx, koppeling_id, now).await?;
        let reason = format!("{n} delivery error(s) queued again");
        let line = AuditLine {
            koppeling_id: Some(k.id),
            location: &k.location,
            actor,
            action: "retry-deliveries",
            from: None,
            to: None,
            reason: Some(&reason),
        };
        links::audit(&mut tx, &line, now).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Queues one delivery error of a link again (the console's retry of a single row).
    /// Refused as [`Gateway::retry_deliveries`] is for a link that sends nothing; an id that
    /// is not a delivery error of this link is not found.
    pub async fn retry_delivery(&self, koppeling_id: i64, delivery_id: i64, actor: &str) -> Result<(), GatewayError> {
        let now = self.now();
        let mut tx = self.store.pool().begin().await?;
        let k = links::get(&mut tx, koppeling_id).await?;
        if k.status != Status::Active {
            return Err(GatewayError::Conflict(format!(
                "koppeling {} is {}; nothing is sent through it, so its delivery errors stay as a record",
                k.id, k.status
            )));
        }
        if rows::retry_one(&mut tx, koppeling_id, delivery_id, now).await? == 0 {
            return Err(GatewayError::NotFound(format!(
                "koppeling {koppeling_id} has no delivery error {delivery_id}"
            )));
        }
        let reason = format!("delivery error {delivery_id} queued again");
        let line = AuditLine {
            koppeling_id: Some(k.id),
            location: &k.location,
            actor,
            action: "retry-delivery",
            from: None,
            to: None,
            reason: Some(&reason),
        };
        links::audit(&mut tx, &line, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// What was offered to a link when: its latest `limit` results messages, newest first.
    pub async fn delivery_batches(&self, koppeling_id: i64, limit: i64) -> Result<Vec<DeliveryBatch>, GatewayError> {
        Ok(rows::batches(&mut *self.store.pool().acquire().await?, koppeling_id, limit).await?)
    }

    /// Delivery rows per status for a link (pending, sent, failed, superseded).
    pub async fn delivery_counts(&self, koppeling_id: i64) -> Result<Vec<(String, i64)>, GatewayError> {
        Ok(rows::status_counts(&mut *self.store.pool().acquire().await?, koppeling_id).await?)
    }

    async fn deliver_link(
        &self,
        k: &Koppeling,
        opts: &DeliverOptions,
        report: &mut DeliveryReport,
    ) -> Result<(), GatewayError> {
        let audience = if k.kind.is_dashboard() { Audience::Dashboard } else { Audience::Las };
        let key = self.active_key(k).await?;
        let mut config = self.client_config(format!("{}/leerresultaten", k.endpoint.as_deref().unwrap_or_default()));
        // Retries are the outbox's job (with backoff and leases), not the client's.
        config.retry = RetryPolicy::none();
        let recorder = self.recorder();
        config.capture = recorder.clone().map(|r| r as Arc<dyn crate::client::Capture>);
        let client = Client::new(config)?;
        let auth = crate::message::Autorisatie {
            autorisatiesleutel: key.expose().to_string(),
            klantcode: k.klantcode.clone(),
            klantnaam: k.klantnaam.clone(),
        };
        let schooljaar = k.schooljaar;
        let send = Sender {
            gw: self,
            k,
            opts,
            audience,
            client: &client,
            auth: &auth,
            school: k.location.school_id(),
            schooljaar,
            toetsen: rows::toetsen(&mut *self.store.pool().acquire().await?).await?,
            journal: recorder.map(|r| Behind::new(self, r)),
        };
        let result = self.deliver_claims(&send, report).await;
        if let Some(journal) = &send.journal {
            journal.finish().await;
        }
        result
    }

    /// Claims a link's due results and sends them, a claim at a time, until none are left
    /// or a transient failure postpones the rest.
    async fn deliver_claims(&self, send: &Sender<'_>, report: &mut DeliveryReport) -> Result<(), GatewayError> {
        let (k, opts, audience) = (send.k, send.opts, send.audience);
        loop {
            let t = Instant::now();
            let now = self.now();
            let ids = rows::claim(
                &mut *self.store.pool().acquire().await?,
                self.store.dialect(),
                k.id,
                &opts.owner,
                now,
                now + opts.lease,
                opts.claim,
            )
            .await?;
            if ids.is_empty() {
                report.store += t.elapsed();
                return Ok(());
            }
            let items = rows::outgoing(&mut *self.store.pool().acquire().await?, k.id, &ids).await?;
            report.store += t.elapsed();
            let (ready, lost): (Vec<Outgoing>, Vec<Outgoing>) =
                items.into_iter().partition(|o| o.addressable(audience));
            if !lost.is_empty() {
                let ids: Vec<i64> = lost.iter().map(|o| o.delivery_id).collect();
                let why = "the pupil came in through no LAS key or eckid on this link: import it first, then retry";
                let mut conn = self.store.pool().acquire().await?;
                rows::mark_failed(&mut conn, &ids, &opts.owner, "leerling_onbekend", why, None).await?;
                report.refused += ids.len();
            }
            let pupils = by_pupil(&ready);
            match send.all(pupils, report).await? {
                Flow::Continue => {}
                Flow::Postponed => return Ok(()),
            }
        }
    }
}

/// Whether a version of a result normed at `normed_at` is due for link `k` when recorded.
fn due(k: &Koppeling, normed_at: DateTime<Utc>, version: i64) -> bool {
    k.status == Status::Active
        && k.activated_at.is_some_and(|a| normed_at >= a)
        && (!k.kind.is_dashboard() || version == 1 || k.process_changes)
}

/// 1 August of the first year up to 1 August of the next, in UTC.
fn year_bounds(y: Schooljaar) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = i32::from(y.start());
    let at = |year: i32| {
        let d = NaiveDate::from_ymd_opt(year, 8, 1).unwrap_or_default();
        Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
    };
    (at(start), at(start + 1))
}

enum Flow {
    Continue,
    /// A transient failure: the link's remaining results wait for their backoff.
    Postponed,
}

struct Sender<'a> {
    gw: &'a Gateway,
    k: &'a Koppeling,
    opts: &'a DeliverOptions,
    audience: Audience,
    client: &'a Client,
    auth: &'a crate::message::Autorisatie,
    school: crate::message::values::SchoolId,
    schooljaar: Schooljaar,
    toetsen: HashMap<String, ToetsDef>,
    /// The run's exchanges, stored behind it (`None` with the journal off).
    journal: Option<Behind>,
}

impl Sender<'_> {
    fn encode(&self, pupils: &[Vec<&Outgoing>], report: &mut DeliveryReport) -> Result<Vec<u8>, GatewayError> {
        let t = Instant::now();
        let items: Vec<&Outgoing> = pupils.iter().flatten().copied().collect();
        let m = message(&self.school, self.schooljaar, self.gw.now(), self.audience, &items, &self.toetsen);
        let bytes = crate::encode_to_vec(&Body::LeerresultatenVerzoek(m), None, &EncodeOptions::default())
            .map_err(|e| GatewayError::Invalid(format!("results message: {e}")));
        report.encode += t.elapsed();
        bytes
    }

    /// Sends the claimed pupils in messages that fit, in order.
    async fn all(&self, pupils: Vec<Vec<&Outgoing>>, report: &mut DeliveryReport) -> Result<Flow, GatewayError> {
        let mut rest: &[Vec<&Outgoing>] = &pupils;
        while !rest.is_empty() {
            // The largest prefix that fits, halving from all that is left.
            let mut n = rest.len();
            let size = loop {
                let size = self.encode(&rest[..n], report)?.len();
                if size <= self.opts.max_message_bytes || n == 1 {
                    break size;
                }
                n = n.div_ceil(2);
            };
            let flow = match self.one(&rest[..n], Some(size), report).await {
                Ok(f) => f,
                Err(e) => {
                    // The link was refused: what is left of this claim waits with it.
                    let ids: Vec<i64> = rest[n..].iter().flatten().map(|o| o.delivery_id).collect();
                    self.postpone(&ids, &e.to_string(), report).await?;
                    return Err(e);
                }
            };
            match flow {
                Flow::Continue => rest = &rest[n..],
                Flow::Postponed => {
                    let ids: Vec<i64> = rest[n..].iter().flatten().map(|o| o.delivery_id).collect();
                    self.postpone(&ids, "an earlier message of this run failed transiently", report).await?;
                    return Ok(Flow::Postponed);
                }
            }
        }
        Ok(Flow::Continue)
    }

    /// One message; a permanent refusal of several pupils is bisected.
    async fn one(
        &self,
        pupils: &[Vec<&Outgoing>],
        size: Option<usize>,
        report: &mut DeliveryReport,
    ) -> Result<Flow, GatewayError> {
        let ids: Vec<i64> = pupils.iter().flatten().map(|o| o.delivery_id).collect();
        let xml_len = match size {
            Some(n) => n,
            None => self.encode(pupils, report)?.len(),
        };
        if xml_len > self.opts.max_message_bytes {
            let why = format!("the results of this pupil alone make a message of {xml_len} bytes, over the limit");
            let mut conn = self.gw.store.pool().acquire().await?;
            rows::mark_failed(&mut conn, &ids, &self.opts.owner, "geweigerd", &why, None).await?;
            report.refused += ids.len();
            return Ok(Flow::Continue);
        }
        let t = Instant::now();
        let batch = {
            let mut conn = self.gw.store.pool().acquire().await?;
            rows::open_batch(&mut conn, self.k.id, &self.opts.owner, self.gw.now(), ids.len(), xml_len).await?
        };
        report.store += t.elapsed();
        let items: Vec<&Outgoing> = pupils.iter().flatten().copied().collect();
        let m = message(&self.school, self.schooljaar, self.gw.now(), self.audience, &items, &self.toetsen);
        let t = Instant::now();
        let answer = self.client.breng_leerresultaten(self.auth, &m).await;
        let took = t.elapsed();
        let to = Belongs {
            koppeling_id: self.k.id,
            location: &self.k.location,
            kind: "delivery",
            fetch_id: None,
            batch_id: Some(batch),
        };
        if let Some(journal) = &self.journal {
            journal.write(to).await;
        }
        report.transport += took;
        report.messages += 1;
        let outcome = match &answer {
            Ok(_) => "delivered",
            Err(e) if e.is_transient() => "transient",
            Err(e) if refuses_the_link(e) => "link_refused",
            Err(_) => "refused",
        };
        self.gw.metrics.delivery_message(self.k.kind.is_dashboard(), outcome, took);
        let t = Instant::now();
        let mut conn = self.gw.store.pool().acquire().await?;
        let flow = match answer {
            Ok(_) => {
                // One transaction: a batch is never "delivered" with its rows still pending.
                drop(conn);
                let mut tx = self.gw.store.pool().begin().await?;
                rows::close_batch(&mut tx, batch, "delivered", None).await?;
                report.delivered +=
                    rows::mark_sent(&mut tx, &ids, &self.opts.owner, batch, self.gw.now()).await? as usize;
                tx.commit().await?;
                Flow::Continue
            }
            Err(e) if e.is_transient() => {
                rows::close_batch(&mut conn, batch, "transient", Some(&e.to_string())).await?;
                drop(conn);
                self.postpone(&ids, &e.to_string(), report).await?;
                Flow::Postponed
            }
            Err(e) if refuses_the_link(&e) => {
                // Not about any pupil: the key, the klant or the version. Splitting would
                // only turn every result into an error; the link waits for an admin.
                rows::close_batch(&mut conn, batch, "refused", Some(&e.to_string())).await?;
                drop(conn);
                self.postpone(&ids, &e.to_string(), report).await?;
                return Err(GatewayError::Upstream(e));
            }
            Err(e) => {
                rows::close_batch(&mut conn, batch, "refused", Some(&e.to_string())).await?;
                drop(conn);
                if pupils.len() > 1 {
                    // One fault for the whole message: halve it until the fault has a pupil.
                    let (left, right) = pupils.split_at(pupils.len() / 2);
                    report.store += t.elapsed();
                    if let Flow::Postponed = Box::pin(self.one(left, None, report)).await? {
                        let rest: Vec<i64> = right.iter().flatten().map(|o| o.delivery_id).collect();
                        self.postpone(&rest, "an earlier message of this run failed transiently", report).await?;
                        return Ok(Flow::Postponed);
                    }
                    return Box::pin(self.one(right, None, report)).await;
                }
                let (kind, why) = refusal(&e);
                let mut conn = self.gw.store.pool().acquire().await?;
                rows::mark_failed(&mut conn, &ids, &self.opts.owner, kind, &why, Some(batch)).await?;
                report.refused += ids.len();
                Flow::Continue
            }
        };
        report.store += t.elapsed();
        Ok(flow)
    }

    async fn postpone(&self, ids: &[i64], why: &str, report: &mut DeliveryReport) -> Result<(), GatewayError> {
        let mut conn = self.gw.store.pool().acquire().await?;
        let attempts = rows::max_attempts(&mut conn, ids).await?;
        let wait = (self.opts.backoff * 2i32.pow(attempts.clamp(0, 20) as u32)).min(self.opts.max_backoff);
        rows::release(&mut conn, ids, &self.opts.owner, why, self.gw.now() + wait).await?;
        report.postponed += ids.len();
        tracing::warn!(koppeling = self.k.id, results = ids.len(), wait_s = wait.num_seconds(), %why, "delivery postponed");
        Ok(())
    }
}

/// Faults about the link rather than the message's content.
fn refuses_the_link(e: &ClientError) -> bool {
    matches!(
        e.fault_code(),
        Some(FaultCode::AutorisatieOngeldig | FaultCode::OngeldigeKlantIdentificatie | FaultCode::XsdVersieOngeldig)
    )
}

/// A permanent refusal in the manuals' terms.
fn refusal(e: &ClientError) -> (&'static str, String) {
    match e.fault_code() {
        Some(FaultCode::LeerlingOngeldig) => ("leerling_onbekend", format!("pupil number not found: {e}")),
        Some(FaultCode::VocabulaireTermOngeldig | FaultCode::ToetsNormeringOngeldig) => {
            ("toets_onbekend", format!("test or test part not found: {e}"))
        }
        _ => ("geweigerd", e.to_string()),
    }
}
