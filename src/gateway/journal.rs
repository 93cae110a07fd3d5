//! The exchange journal: every SOAP exchange the gateway makes with a LAS or a dashboard
//! (each attempt of a fetch or a delivery) kept with its metadata and its bodies, the key
//! masked, so that support can answer "what did the LAS send last night" from what was
//! actually said (docs/journal.md).
//!
//! The client's [`Capture`] hook hands each attempt to a [`Recorder`] (in memory, already
//! redacted); after the call the gateway writes what it recorded with the fetch or batch it
//! belongs to. A journal write never fails an exchange: an error is logged and counted
//! (`uwlr_journal_write_failures_total`), and the exchange's own outcome stands.
//!
//! Retention ([`JournalSettings`]): bodies (personal data) for 14 days, metadata for a year,
//! pruned by `uwlr serve`'s scheduler ([`Gateway::prune_journal`]); a location's journal can
//! be purged at once; deleting a pupil for good drops every body that names it
//! ([`crate::store::archive`]).

use super::{Gateway, GatewayError};
use crate::client::{Capture, Exchange};
use crate::clock::Clock;
use crate::store::journal::{self as rows, Bodies, ExchangeRow, Filter, NewExchange, Pruned};
use crate::store::koppelingen::{self as links, AuditLine};
use chrono::{DateTime, Utc};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long the journal keeps what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JournalSettings {
    /// Off: no exchange is recorded (what was recorded stays until pruned).
    pub enabled: bool,
    /// How long request and answer bodies are kept. Default 14 days.
    pub bodies_kept: chrono::Duration,
    /// How long the metadata (time, operation, status, fault, sizes) is kept. Default 365 days.
    pub rows_kept: chrono::Duration,
}

impl Default for JournalSettings {
    fn default() -> Self {
        JournalSettings {
            enabled: true,
            bodies_kept: chrono::Duration::days(14),
            rows_kept: chrono::Duration::days(365),
        }
    }
}

/// One attempt as captured, waiting to be written.
#[derive(Debug, Clone)]
struct Captured {
    at: DateTime<Utc>,
    operation: String,
    attempt: u32,
    status: Option<u16>,
    request: Vec<u8>,
    answer: Vec<u8>,
    elapsed: Duration,
    fault: Option<(String, String)>,
}

/// The client's capture for one call (or one link's delivery run): keeps each attempt in
/// memory until [`Gateway::write_journal`] stores it.
pub(crate) struct Recorder {
    clock: Arc<dyn Clock>,
    captured: Mutex<Vec<Captured>>,
}

impl Recorder {
    pub(crate) fn has_captured(&self) -> bool {
        !self.captured.lock().unwrap_or_else(|p| p.into_inner()).is_empty()
    }

    fn take(&self) -> Vec<Captured> {
        std::mem::take(&mut *self.captured.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl Capture for Recorder {
    fn exchange(&self, e: &Exchange<'_>) {
        let elapsed = chrono::Duration::from_std(e.elapsed).unwrap_or_default();
        let c = Captured {
            at: self.clock.now() - elapsed,
            operation: e.operation.to_string(),
            attempt: e.attempt,
            status: e.status,
            request: e.request.to_vec(),
            answer: e.response.to_vec(),
            elapsed: e.elapsed,
            fault: e.fault.map(|(c, t)| (c.to_string(), t.to_string())),
        };
        self.captured.lock().unwrap_or_else(|p| p.into_inner()).push(c);
    }
}

/// What a journal entry belongs to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Belongs<'a> {
    pub koppeling_id: i64,
    pub location: &'a str,
    /// `fetch` or `delivery`.
    pub kind: &'a str,
    pub fetch_id: Option<i64>,
    pub batch_id: Option<i64>,
}

impl Gateway {
    /// A recorder for the client of one exchange, or `None` with the journal off.
    pub(crate) fn recorder(&self) -> Option<Arc<Recorder>> {
        self.settings
            .journal
            .enabled
            .then(|| Arc::new(Recorder { clock: self.clock.clone(), captured: Mutex::default() }))
    }

    /// Writes what `recorder` captured. Never fails: the exchange has happened whatever the
    /// journal can store of it (a full disk is logged and counted, not fatal).
    pub(crate) async fn write_journal(&self, recorder: Option<&Recorder>, to: Belongs<'_>) {
        let Some(recorder) = recorder else { return };
        for c in recorder.take() {
            let e = NewExchange {
                at: c.at,
                koppeling_id: to.koppeling_id,
                location: to.location,
                kind: to.kind,
                operation: &c.operation,
                attempt: i64::from(c.attempt),
                http_status: c.status.map(i64::from),
                fault_code: c.fault.as_ref().map(|f| f.0.as_str()),
                fault_text: c.fault.as_ref().map(|f| f.1.as_str()),
                duration_ms: c.elapsed.as_millis() as i64,
                request: &c.request,
                answer: &c.answer,
                fetch_id: to.fetch_id,
                batch_id: to.batch_id,
            };
            let written = async { rows::insert(&mut *self.store.pool().acquire().await?, &e).await }.await;
            if let Err(e) = written {
                self.metrics.journal_write_failed();
                tracing::warn!(koppeling = to.koppeling_id, operation = %c.operation, error = %e,
                    "the exchange journal could not store an exchange; the exchange itself went on");
            }
        }
    }

    /// Exchanges by the filter, newest first.
    pub async fn exchanges(&self, filter: &Filter) -> Result<Vec<ExchangeRow>, GatewayError> {
        Ok(rows::list(&mut *self.store.pool().acquire().await?, filter).await?)
    }

    /// One exchange's metadata.
    pub async fn exchange(&self, id: i64) -> Result<ExchangeRow, GatewayError> {
        Ok(rows::get(&mut *self.store.pool().acquire().await?, id).await?)
    }

    /// One exchange's bodies (key masked), `None` where dropped.
    pub async fn exchange_bodies(&self, id: i64) -> Result<Bodies, GatewayError> {
        Ok(rows::bodies(&mut *self.store.pool().acquire().await?, id).await?)
    }

    /// Drops bodies and deletes rows past their retention; counted into the metrics.
    pub async fn prune_journal(&self) -> Result<Pruned, GatewayError> {
        let now = self.now();
        let s = self.settings.journal;
        let pruned =
            rows::prune(&mut *self.store.pool().acquire().await?, now - s.bodies_kept, now - s.rows_kept, now).await?;
        self.metrics.journal_pruned(pruned.bodies, pruned.rows);
        if pruned != Pruned::default() {
            tracing::info!(bodies = pruned.bodies, rows = pruned.rows, "exchange journal pruned");
        }
        Ok(pruned)
    }

    /// Deletes a location's whole journal (metadata and bodies), with an audit line.
    pub async fn purge_journal(&self, location: &str, actor: &str) -> Result<u64, GatewayError> {
        let now = self.now();
        let mut tx = self.store.pool().begin().await?;
        let n = rows::purge_location(&mut tx, location).await?;
        let reason = format!("{n} exchange(s) deleted from the journal");
        let line = AuditLine {
            koppeling_id: None,
            location,
            actor,
            action: "purge-journal",
            from: None,
            to: None,
            reason: Some(&reason),
        };
        links::audit(&mut tx, &line, now).await?;
        tx.commit().await?;
        Ok(n)
    }
}
