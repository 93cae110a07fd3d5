//! The exchange journal: every SOAP exchange the gateway makes with a LAS or a dashboard
//! (each attempt of a fetch or a delivery) kept with its metadata and its bodies, the key
//! masked, so that support can answer "what did the LAS send last night" from what was
//! actually said (docs/journal.md).
//!
//! The client's [`Capture`] hook hands each attempt to a `Recorder` (in memory, already
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

/// What [`Gateway::replay`] found: the stored answer through today's decoder and today's
/// proposal code against the store as it is now, beside the proposal the fetch made then.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Replay {
    pub exchange_id: i64,
    pub fetch_id: Option<i64>,
    /// The proposal the original fetch made, when there is one to compare with.
    pub original_proposal_id: Option<i64>,
    /// Today's decoder's warnings on the stored answer.
    pub warnings: Vec<String>,
    /// What would be proposed now.
    pub proposal: crate::import::Proposal,
    /// The same proposal as the original (always false without an original).
    pub same: bool,
    /// Lines of the original proposal's rendering that today's lacks, and the other way round.
    pub removed: Vec<String>,
    pub added: Vec<String>,
}

/// One exchange for `uwlr exchange show` and the console: metadata, bodies pretty-printed,
/// and today's decoder's findings on the answer.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Shown {
    pub exchange: ExchangeRow,
    pub request: Option<String>,
    pub answer: Option<String>,
    /// Warnings (and, for an answer that no longer decodes, errors) of today's decoder.
    pub findings: Vec<String>,
}

impl Gateway {
    /// An exchange with its bodies pretty-printed and the answer's decoder findings.
    pub async fn show_exchange(&self, id: i64) -> Result<Shown, GatewayError> {
        let exchange = self.exchange(id).await?;
        let bodies = self.exchange_bodies(id).await?;
        let findings = match bodies.answer.as_deref().filter(|a| !a.is_empty()) {
            Some(a) => match crate::decode(a, &crate::DecodeOptions::lenient()) {
                Ok(d) => d.warnings.iter().map(|w| format!("warning: {w}")).collect(),
                Err(e) => e.diagnostics.iter().map(|d| format!("error: {d}")).collect(),
            },
            None => Vec::new(),
        };
        Ok(Shown {
            exchange,
            request: bodies.request.as_deref().map(pretty),
            answer: bodies.answer.as_deref().map(pretty),
            findings,
        })
    }

    /// Feeds the stored answer of fetch exchange `id` through today's decoder and
    /// `import::propose` against the store as it is now, with the original proposal's
    /// decisions, and compares with the proposal the fetch made. A dry run: nothing is
    /// written.
    pub async fn replay(&self, id: i64) -> Result<Replay, GatewayError> {
        use super::imports::{empty_answer, parse_json};
        use crate::import::{propose, render, Decision, FetchMode, Proposal};
        use crate::message::leerlinggegevens::Antwoord;

        use crate::message::Body;
        use crate::store::{imports as fetches, records};

        let e = self.exchange(id).await?;
        if e.kind != "fetch" {
            return Err(GatewayError::Invalid(format!(
                "exchange {id} is a {} ({}): only a fetch's answer can be replayed into a proposal",
                e.kind, e.operation
            )));
        }
        let bodies = self.exchange_bodies(id).await?;
        let Some(answer) = bodies.answer.filter(|a| !a.is_empty()) else {
            return Err(GatewayError::Conflict(format!(
                "exchange {id} has no answer body (none arrived, or it was dropped past retention or with a \
                 deleted pupil); nothing to replay"
            )));
        };
        let decoded = crate::decode(&answer, &crate::DecodeOptions::lenient()).map_err(|err| {
            GatewayError::Invalid(format!("the stored answer of exchange {id} does not decode today: {err}"))
        })?;
        let warnings = decoded.warnings.iter().map(ToString::to_string).collect();
        let k = self.koppeling(e.koppeling_id).await?;
        let schooljaar = k.schooljaar;
        let (incoming, delta_answer) = match decoded.body {
            Body::LeerlinggegevensAntwoord(Antwoord::Gegevens(g)) => (g, false),
            Body::LeerlinggegevensAntwoord(Antwoord::GeenWijzigingen) => (empty_answer(&k, schooljaar), true),
            Body::LeerlinggegevensAntwoord(Antwoord::GeenGegevens) => (empty_answer(&k, schooljaar), false),
            other => {
                return Err(GatewayError::Invalid(format!(
                    "exchange {id} holds a <{}>, not pupil data; nothing to replay",
                    other.kind().element()
                )))
            }
        };
        let mut conn = self.store.pool().acquire().await?;
        let fetch = match e.fetch_id {
            Some(f) => fetches::get_fetch(&mut conn, f).await.ok(),
            None => None,
        };
        let request_was_delta =
            bodies.request.as_deref().is_some_and(|r| memchr::memmem::find(r, b"laatstontvangengegevens>").is_some());
        let mode = match &fetch {
            Some(f) if f.mode == "full" => FetchMode::Full,
            Some(_) => FetchMode::Delta,
            None if delta_answer || request_was_delta => FetchMode::Delta,
            None => FetchMode::Full,
        };
        let original = match &fetch {
            Some(f) => {
                let list = fetches::list_proposals(&mut conn, k.id).await?;
                let mut found = None;
                for (pid, _) in list {
                    let p = fetches::get_proposal(&mut conn, pid).await?;
                    if p.fetch_id == f.id {
                        found = Some(p);
                        break;
                    }
                }
                found
            }
            None => None,
        };
        let decisions: Vec<Decision> =
            original.as_ref().map(|o| parse_json(&o.decisions)).transpose()?.unwrap_or_default();
        let snapshot =
            records::snapshot(&mut conn, &k.location, &k.schooljaar.to_string(), Some(k.id), records::Scope::Import)
                .await?;
        drop(conn);
        let settings = crate::import::Settings { max_deactivation_share: self.settings.max_deactivation_share };
        let proposal = propose(&snapshot, &incoming, mode, &decisions, &settings)
            .or_else(|_| propose(&snapshot, &incoming, mode, &[], &settings))
            .map_err(|err| GatewayError::Invalid(err.to_string()))?;
        let text = |p: &Proposal| {
            let mut out = String::new();
            render(p, &mut out);
            out.lines().map(str::to_string).collect::<Vec<_>>()
        };
        let now_lines = text(&proposal);
        let (same, removed, added) = match &original {
            Some(o) => {
                let then: Proposal = parse_json(&o.proposal)?;
                let then_lines = text(&then);
                let (removed, added) = line_difference(&then_lines, &now_lines);
                (then == proposal, removed, added)
            }
            None => (false, Vec::new(), now_lines),
        };
        Ok(Replay {
            exchange_id: id,
            fetch_id: fetch.map(|f| f.id),
            original_proposal_id: original.map(|o| o.id),
            warnings,
            proposal,
            same,
            removed,
            added,
        })
    }

    /// A support bundle: a zip with, per exchange, its metadata (JSON) and its bodies as
    /// stored (key masked), written to `out` as a private file (0600).
    pub async fn export_exchanges(&self, ids: &[i64], out: &std::path::Path) -> Result<usize, GatewayError> {
        use std::io::Write as _;
        if ids.is_empty() {
            return Err(GatewayError::Invalid("name the exchanges to export by id".into()));
        }
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(0o600);
        let io = |e: zip::result::ZipError| GatewayError::Invalid(format!("the support bundle: {e}"));
        for &id in ids {
            let e = self.exchange(id).await?;
            let bodies = self.exchange_bodies(id).await?;
            let meta = serde_json::to_vec_pretty(&e).map_err(|err| GatewayError::Invalid(err.to_string()))?;
            let dir = format!("exchange-{id}");
            for (name, bytes) in
                [("metadata.json", Some(meta)), ("request.xml", bodies.request), ("answer.xml", bodies.answer)]
            {
                let Some(bytes) = bytes else { continue };
                zip.start_file(format!("{dir}/{name}"), options).map_err(io)?;
                zip.write_all(&bytes).map_err(|err| GatewayError::Invalid(format!("the support bundle: {err}")))?;
            }
        }
        let bytes = zip.finish().map_err(io)?.into_inner();
        crate::private::write(out, &bytes)
            .map_err(|e| GatewayError::Invalid(format!("cannot write {}: {e}", out.display())))?;
        Ok(ids.len())
    }
}

/// The lines only in `a` and only in `b`, each in its own order, counting repeats.
fn line_difference(a: &[String], b: &[String]) -> (Vec<String>, Vec<String>) {
    use std::collections::HashMap;
    fn count(v: &[String]) -> HashMap<&str, usize> {
        let mut m: HashMap<&str, usize> = HashMap::new();
        for l in v {
            *m.entry(l.as_str()).or_default() += 1;
        }
        m
    }
    let only = |v: &[String], mut other: HashMap<&str, usize>| {
        v.iter()
            .filter(|l| match other.get_mut(l.as_str()) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    false
                }
                _ => true,
            })
            .cloned()
            .collect::<Vec<_>>()
    };
    (only(a, count(b)), only(b, count(a)))
}

/// XML indented for reading; what is not well-formed comes back as text unchanged.
pub fn pretty(xml: &[u8]) -> String {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(xml);
    reader.config_mut().trim_text(true);
    let mut writer = quick_xml::Writer::new_with_indent(Vec::new(), b' ', 2);
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => break,
            // A DOCTYPE is never expanded; the gateway's decoder refuses it anyway.
            Ok(Event::DocType(_)) => {}
            Ok(ev) => {
                if writer.write_event(ev).is_err() {
                    return String::from_utf8_lossy(xml).into_owned();
                }
            }
            Err(_) => return String::from_utf8_lossy(xml).into_owned(),
        }
    }
    String::from_utf8_lossy(&writer.into_inner()).into_owned()
}
