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
//!
//! The served side: [`ServedJournal`] is the UWLR server's hook
//! ([`crate::server::ServedCapture`]) writing what a server serves into the same table
//! (`direction` `served`, no link), so the same retention, purge and pupil deletion cover it.
//! And [`Gateway::resend`] sends a stored request again with the link's key and compares the
//! answers (`uwlr exchange replay --send`).

use super::{Gateway, GatewayError};
use crate::client::{Capture, Exchange};
use crate::clock::Clock;
use crate::store::journal::{self as rows, Bodies, ExchangeRow, Filter, NewExchange, Packed, Pruned, SENT, SERVED};
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
#[derive(Debug)]
struct Captured {
    at: DateTime<Utc>,
    operation: String,
    attempt: u32,
    status: Option<u16>,
    request: Arc<[u8]>,
    answer: Arc<[u8]>,
    /// The bodies being compressed on the blocking pool, started at capture: the fetch's
    /// proposal and writes go on meanwhile, so the compression (about 4 ms for a
    /// 1,500-pupil answer) is off the call's path on a machine with a core to spare.
    packing: Option<tokio::task::JoinHandle<Packed>>,
    elapsed: Duration,
    fault: Option<(String, String)>,
}

impl Captured {
    /// The compressed bodies: from the blocking pool, or compressed here when there was no
    /// runtime to start it on or the task did not finish.
    async fn packed(&mut self) -> Packed {
        match self.packing.take() {
            Some(task) => match task.await {
                Ok(p) => p,
                Err(_) => Packed::of(&self.request, &self.answer),
            },
            None => Packed::of(&self.request, &self.answer),
        }
    }
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
        let (request, answer): (Arc<[u8]>, Arc<[u8]>) = (e.request.into(), e.response.into());
        let packing = tokio::runtime::Handle::try_current().ok().map(|rt| {
            let (request, answer) = (request.clone(), answer.clone());
            rt.spawn_blocking(move || Packed::of(&request, &answer))
        });
        let c = Captured {
            at: self.clock.now() - elapsed,
            operation: e.operation.to_string(),
            attempt: e.attempt,
            status: e.status,
            request,
            answer,
            packing,
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

/// A call's exchanges stored behind it (a delivery run's, message by message): each
/// message's write is a task that runs while the next message goes out, so the exchange's
/// compression and insert are off the run's path (on it, they were about a tenth of a
/// delivery run: docs/benchmarks.md, "The exchange journal"). At most one write is behind:
/// the next one first waits for it, so a slow store holds the run back instead of piling up
/// bodies in memory. [`Behind::finish`] waits for the last write; a write never fails the
/// run, as [`Gateway::write_journal`] never fails an exchange.
pub(crate) struct Behind {
    gw: Gateway,
    recorder: Arc<Recorder>,
    last: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Behind {
    pub(crate) fn new(gw: &Gateway, recorder: Arc<Recorder>) -> Behind {
        Behind { gw: gw.clone(), recorder, last: Mutex::default() }
    }

    /// Stores what the recorder captured since the last write, behind the caller, once the
    /// write before it is done.
    pub(crate) async fn write(&self, to: Belongs<'_>) {
        let mut captured = self.recorder.take();
        if captured.is_empty() {
            return;
        }
        self.finish().await;
        let gw = self.gw.clone();
        let (location, kind) = (to.location.to_string(), to.kind.to_string());
        let (koppeling_id, fetch_id, batch_id) = (to.koppeling_id, to.fetch_id, to.batch_id);
        let write = async move {
            let to = Belongs { koppeling_id, location: &location, kind: &kind, fetch_id, batch_id };
            gw.store_captured(&mut captured, to, None).await;
        };
        let task = tokio::spawn(tracing::Instrument::in_current_span(write));
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some(task);
    }

    /// Waits until the write behind is stored (or has failed, and was logged and counted).
    pub(crate) async fn finish(&self) {
        let last = self.last.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(last) = last {
            let _ = last.await;
        }
    }
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
        self.store_captured(&mut recorder.take(), to, None).await;
    }

    /// Writes captured attempts; the ids of those stored. Never fails (as `write_journal`).
    async fn store_captured(&self, captured: &mut [Captured], to: Belongs<'_>, replay_of: Option<i64>) -> Vec<i64> {
        let mut ids = Vec::new();
        for c in captured {
            let packed = c.packed().await;
            let e = NewExchange {
                at: c.at,
                koppeling_id: Some(to.koppeling_id),
                location: to.location,
                direction: SENT,
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
                replay_of,
            };
            match async { rows::insert_packed(&mut *self.store.pool().acquire().await?, &e, packed).await }.await {
                Ok(id) => ids.push(id),
                Err(e) => {
                    self.metrics.journal_write_failed();
                    tracing::warn!(koppeling = to.koppeling_id, operation = %c.operation, error = %e,
                        "the exchange journal could not store an exchange; the exchange itself went on");
                }
            }
        }
        ids
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
        let k = self.koppeling(linked(&e)?).await?;
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

/// The link an exchange went over; a served one has none to replay with.
fn linked(e: &ExchangeRow) -> Result<i64, GatewayError> {
    match e.koppeling_id {
        Some(k) if e.direction != SERVED => Ok(k),
        _ => Err(GatewayError::Invalid(format!(
            "exchange {} was served by a UWLR server ({}), not made by the gateway over a link: it has no link \
             whose store or key a replay could use",
            e.id, e.operation
        ))),
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

// ---------------------------------------------------------------------------------------
// The served side

/// The gateway's journal as a UWLR server's hook: every exchange the server serves stored
/// as `served`, with no link, under the location its request named (`""` when it could not
/// be read), so that retention, a purge and a pupil's deletion cover it as they cover what
/// the gateway sends. Set it as [`crate::server::ServerConfig::capture`]
/// (`uwlr mock-las --journal-served`).
///
/// Writing is a task of its own fed through a bounded queue: the hook only hands over, so
/// a slow or full store never holds up the server; an exchange that finds the queue full,
/// or that the store refuses, is logged and counted (`uwlr_journal_write_failures_total`).
#[derive(Clone)]
pub struct ServedJournal {
    queue: tokio::sync::mpsc::Sender<Queued>,
    clock: Arc<dyn Clock>,
    metrics: crate::metrics::Metrics,
}

/// Served exchanges waiting to be written at most; beyond it one is dropped (and counted).
pub const SERVED_QUEUE: usize = 256;

/// What the writer is handed.
enum Queued {
    Exchange(ServedEntry),
    /// Answered once everything handed over before it is written.
    Flush(tokio::sync::oneshot::Sender<()>),
}

/// One served exchange on its way to the store.
struct ServedEntry {
    at: DateTime<Utc>,
    location: String,
    kind: &'static str,
    operation: String,
    status: Option<u16>,
    fault: Option<(String, String)>,
    elapsed: Duration,
    request: Vec<u8>,
    answer: Vec<u8>,
}

impl ServedJournal {
    /// Starts the writer on the current tokio runtime, into `store`. It stops once every
    /// clone of the journal (the server's config holds one) is dropped, after writing what
    /// it was handed.
    pub fn start(store: crate::store::Store, clock: Arc<dyn Clock>, metrics: crate::metrics::Metrics) -> ServedJournal {
        let (queue, mut rx) = tokio::sync::mpsc::channel::<Queued>(SERVED_QUEUE);
        let counted = metrics.clone();
        tokio::spawn(async move {
            while let Some(q) = rx.recv().await {
                let s = match q {
                    Queued::Exchange(s) => s,
                    Queued::Flush(done) => {
                        let _ = done.send(());
                        continue;
                    }
                };
                let e = NewExchange {
                    at: s.at,
                    koppeling_id: None,
                    location: &s.location,
                    direction: SERVED,
                    kind: s.kind,
                    operation: &s.operation,
                    attempt: 1,
                    http_status: s.status.map(i64::from),
                    fault_code: s.fault.as_ref().map(|f| f.0.as_str()),
                    fault_text: s.fault.as_ref().map(|f| f.1.as_str()),
                    duration_ms: s.elapsed.as_millis() as i64,
                    request: &s.request,
                    answer: &s.answer,
                    fetch_id: None,
                    batch_id: None,
                    replay_of: None,
                };
                if let Err(err) = async { rows::insert(&mut *store.pool().acquire().await?, &e).await }.await {
                    counted.journal_write_failed();
                    tracing::warn!(operation = %s.operation, error = %err,
                        "the exchange journal could not store a served exchange; the exchange itself went on");
                }
            }
        });
        ServedJournal { queue, clock, metrics }
    }

    /// Returns once every exchange handed over so far is written (or its write failed):
    /// before a process that serves with this journal exits.
    pub async fn flush(&self) {
        let (done, written) = tokio::sync::oneshot::channel();
        if self.queue.send(Queued::Flush(done)).await.is_ok() {
            let _ = written.await;
        }
    }
}

impl crate::server::ServedCapture for ServedJournal {
    fn served(&self, e: &crate::server::Served<'_>) {
        use crate::location::Location;
        use crate::message::values::SchoolId;
        use crate::message::Kind;
        let location = match e.school {
            Some(s @ SchoolId::Brin { brincode, .. }) => {
                Location::brin(brincode, s.dependance_or_default().unwrap_or("00")).map(|l| l.to_string())
            }
            Some(SchoolId::Schoolkey(k)) => Location::parse(k).map(|l| l.to_string()),
            None => Ok(String::new()),
        };
        let kind = match e.kind {
            Some(Kind::LeerresultatenVerzoek) => "delivery",
            Some(
                Kind::LeerlinggegevensVerzoek
                | Kind::StructuurVerzoek
                | Kind::LeerlingenVerzoek
                | Kind::LeerkrachtenVerzoek,
            ) => "fetch",
            _ => "other",
        };
        // The hook runs a moment after the answer: the arrival, on this journal's clock.
        let ago = std::time::SystemTime::now().duration_since(e.at).unwrap_or(e.elapsed);
        let entry = ServedEntry {
            at: self.clock.now() - chrono::Duration::from_std(ago).unwrap_or_default(),
            // A name no location can have is kept as none: the row is then searched for every
            // location's pupils.
            location: location.unwrap_or_default(),
            kind,
            operation: e.operation.to_string(),
            status: e.status,
            fault: e.fault.map(|(c, t)| (c.to_string(), t.to_string())),
            elapsed: e.elapsed,
            request: e.request.to_vec(),
            answer: e.response.to_vec(),
        };
        if self.queue.try_send(Queued::Exchange(entry)).is_err() {
            self.metrics.journal_write_failed();
            tracing::warn!(
                operation = e.operation,
                "the exchange journal's queue is full: a served exchange is not kept"
            );
        }
    }
}

impl Gateway {
    /// The hook that journals what a UWLR server serves into this gateway's journal
    /// ([`ServedJournal`]), on this gateway's clock and metrics. Off unless a server is
    /// given it; it writes whatever [`JournalSettings::enabled`] says (the embedder asked).
    pub fn served_journal(&self) -> ServedJournal {
        ServedJournal::start(self.store.clone(), self.clock.clone(), self.metrics.clone())
    }
}

// ---------------------------------------------------------------------------------------
// Sending a stored request again

/// How an exchange ended, for [`Resent`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Ending {
    /// `None`: no complete answer.
    pub http_status: Option<i64>,
    pub fault_code: Option<String>,
    pub fault_text: Option<String>,
}

/// What [`Gateway::resend`] found: the stored request sent again and its answer beside the
/// stored one.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Resent {
    pub exchange_id: i64,
    /// The new exchange in the journal (its `replay_of` is `exchange_id`); `None` with the
    /// journal off, or when its write failed.
    pub replay_id: Option<i64>,
    pub operation: String,
    /// Where it was sent (a URL's password masked).
    pub endpoint: String,
    pub then: Ending,
    pub now: Ending,
    /// The same status, fault code and answer, fact by fact (`aanmaakdatum`, the moment an
    /// answer was made, left out).
    pub same: bool,
    /// Byte for byte the same answer.
    pub identical: bool,
    /// Facts of the stored answer the new one lacks, and the other way round, in document
    /// order, at most [`MAX_SHOWN`] each (each clipped to 300 characters); the totals count
    /// them all.
    pub removed: Vec<String>,
    pub added: Vec<String>,
    pub removed_total: usize,
    pub added_total: usize,
    /// The bodies could not be read as XML: `removed`/`added` are lines of the text.
    pub as_text: bool,
}

/// Most differences [`Resent`] lists per side.
pub const MAX_SHOWN: usize = 200;

impl Gateway {
    /// Sends the stored request of exchange `id` again, with the key of the link it went
    /// over (unsealed here, never shown; or `key` when given, e.g. a test endpoint's own) to
    /// the link's endpoint or to `to` (a mock, a test LAS), and compares the new answer with
    /// the stored one. One attempt, no retries. A dry run for the store: no fetch, proposal
    /// or delivery is written; the new exchange is journaled (when the journal is on) as a
    /// replay of `id`. Results (`BrengLeerresultaten`) are sent again only to `to`: at the
    /// link's receiver they would be written again.
    pub async fn resend(
        &self,
        id: i64,
        to: Option<&str>,
        key: Option<crate::vault::Secret>,
    ) -> Result<Resent, GatewayError> {
        use crate::client::{Client, ClientError, RetryPolicy};
        use crate::message::{Autorisatie, Body};
        let e = self.exchange(id).await?;
        let link = linked(&e)?;
        let bodies = self.exchange_bodies(id).await?;
        let Some(request) = bodies.request.filter(|r| !r.is_empty()) else {
            return Err(GatewayError::Conflict(format!(
                "exchange {id} has no request body (dropped past retention or with a deleted pupil); nothing to send \
                 again"
            )));
        };
        let decoded = crate::decode(&request, &crate::DecodeOptions::lenient()).map_err(|err| {
            GatewayError::Invalid(format!("the stored request of exchange {id} does not decode today: {err}"))
        })?;
        let service = match &decoded.body {
            Body::LeerresultatenVerzoek(_) => "leerresultaten",
            Body::LeerlinggegevensVerzoek(_)
            | Body::StructuurVerzoek(_)
            | Body::LeerlingenVerzoek(_)
            | Body::LeerkrachtenVerzoek(_) => "leerlinggegevens",
            other => {
                return Err(GatewayError::Invalid(format!(
                    "exchange {id} holds a <{}>, not a UWLR request; nothing to send again",
                    other.kind().element()
                )))
            }
        };
        let k = self.koppeling(link).await?;
        let endpoint = match to.map(str::trim) {
            Some(url) => url.to_string(),
            None if service == "leerresultaten" => {
                return Err(GatewayError::Invalid(format!(
                    "exchange {id} delivered results: sent again to the receiver of koppeling {link} they would be \
                     written there again; send them to a test endpoint with --to URL"
                )))
            }
            None => match k.endpoint.as_deref().filter(|e| !e.is_empty()) {
                Some(base) => format!("{base}/{service}"),
                None => {
                    return Err(GatewayError::Conflict(format!(
                        "koppeling {link} has no endpoint; name one with --to URL"
                    )))
                }
            },
        };
        let key = match key {
            Some(key) => key,
            None => self.key_of(&mut *self.store.pool().acquire().await?, &k).await?,
        };
        // The header as it was sent (klantcode and klantnaam are no secret), with the key.
        let header = decoded.header.unwrap_or(Autorisatie {
            autorisatiesleutel: String::new(),
            klantcode: k.klantcode.clone(),
            klantnaam: k.klantnaam.clone(),
        });
        let auth = Autorisatie { autorisatiesleutel: key.expose().to_string(), ..header };
        drop(key);
        let recorder = Arc::new(Recorder { clock: self.clock.clone(), captured: Mutex::default() });
        let mut config = self.client_config(endpoint.clone());
        config.retry = RetryPolicy::none();
        config.capture = Some(recorder.clone() as Arc<dyn Capture>);
        let client = Client::new(config).map_err(|err| match err {
            ClientError::Config(m) if to.is_some() => GatewayError::Invalid(format!("--to: {m}")),
            ClientError::Config(m) => GatewayError::Invalid(format!("koppeling {link}'s endpoint: {m}")),
            other => GatewayError::Upstream(other),
        })?;
        // The outcome is in what the recorder captured (masked): a fault is an answer here.
        let _ = match decoded.body {
            Body::LeerlinggegevensVerzoek(v) => client.haal_leerlinggegevens(&auth, &v).await.map(drop),
            Body::StructuurVerzoek(v) => client.haal_structuur(&auth, &v).await.map(drop),
            Body::LeerlingenVerzoek(v) => client.haal_leerlingen(&auth, &v).await.map(drop),
            Body::LeerkrachtenVerzoek(v) => client.haal_leerkrachten(&auth, &v).await.map(drop),
            Body::LeerresultatenVerzoek(v) => client.breng_leerresultaten(&auth, &v).await.map(drop),
            _ => Ok(()),
        };
        drop(auth);
        let mut captured = recorder.take();
        let replay_id = if self.settings.journal.enabled {
            let to =
                Belongs { koppeling_id: link, location: &e.location, kind: &e.kind, fetch_id: None, batch_id: None };
            self.store_captured(&mut captured, to, Some(id)).await.pop()
        } else {
            None
        };
        let Some(now) = captured.last() else {
            return Err(GatewayError::Invalid(format!("exchange {id}: nothing was sent")));
        };
        let then_answer = bodies.answer.unwrap_or_default();
        let d = compare(&then_answer, &now.answer);
        let then =
            Ending { http_status: e.http_status, fault_code: e.fault_code.clone(), fault_text: e.fault_text.clone() };
        let now_ending = Ending {
            http_status: now.status.map(i64::from),
            fault_code: now.fault.as_ref().map(|f| f.0.clone()),
            fault_text: now.fault.as_ref().map(|f| f.1.clone()),
        };
        Ok(Resent {
            exchange_id: id,
            replay_id,
            operation: now.operation.clone(),
            endpoint: crate::redact::url_password(&endpoint),
            same: then.http_status == now_ending.http_status && then.fault_code == now_ending.fault_code && d.same,
            identical: then_answer[..] == now.answer[..],
            then,
            now: now_ending,
            removed_total: d.removed.len(),
            added_total: d.added.len(),
            removed: shown(d.removed),
            added: shown(d.added),
            as_text: d.as_text,
        })
    }
}

/// Longest difference line shown: a text of a megabyte is still one fact.
const MAX_LINE: usize = 300;

/// The first [`MAX_SHOWN`] lines, each clipped to [`MAX_LINE`].
fn shown(lines: Vec<String>) -> Vec<String> {
    lines.into_iter().take(MAX_SHOWN).map(|l| crate::xml::diag::clip(&l, MAX_LINE).into_owned()).collect()
}

/// Two answers compared fact by fact ([`facts`]), or line by line when either is no XML.
struct Compared {
    same: bool,
    removed: Vec<String>,
    added: Vec<String>,
    as_text: bool,
}

fn compare(then: &[u8], now: &[u8]) -> Compared {
    // No answer at all (none arrived) has no facts, which is not the same as no XML.
    let facts = |x: &[u8]| if x.trim_ascii().is_empty() { Some(Vec::new()) } else { facts(x) };
    let (a, b, as_text) = match (facts(then), facts(now)) {
        (Some(a), Some(b)) => (a, b, false),
        _ => {
            let lines = |x: &[u8]| String::from_utf8_lossy(x).lines().map(str::to_string).collect::<Vec<_>>();
            (lines(then), lines(now), true)
        }
    };
    let (removed, added) = line_difference(&a, &b);
    Compared { same: removed.is_empty() && added.is_empty(), removed, added, as_text }
}

/// Deepest element [`facts`] follows (a UWLR answer in its envelope is about 7 deep).
const MAX_DEPTH: usize = 64;

/// Elements whose text is the moment the answer was made, not data: left out of a comparison.
const VOLATILE: &[&str] = &["aanmaakdatum"];

/// An XML body as facts, one line each: the path of element names, with the `key` of a keyed
/// record (`leerling[key=L1]`, so a line says whose it is), then an attribute or the text.
/// Prefixes and namespace declarations are left out, so the same answer with other prefixes
/// gives the same facts. Linear in the body (the path is at most [`MAX_DEPTH`] deep);
/// `None` when the body is not well-formed XML or deeper.
fn facts(xml: &[u8]) -> Option<Vec<String>> {
    use quick_xml::events::{BytesStart, Event};
    fn segment(e: &BytesStart<'_>) -> (String, Vec<(String, String)>) {
        let name = e.local_name().as_ref().to_string();
        let (mut key, mut attributes) = (None, Vec::new());
        for a in e.attributes().flatten() {
            let qname = a.key.as_ref();
            if qname == "xmlns" || qname.starts_with("xmlns:") {
                continue;
            }
            let local = a.key.local_name().as_ref().to_string();
            let value = a.value.to_string();
            if local == "key" {
                key = Some(value);
            } else {
                attributes.push((local, value));
            }
        }
        (key.map_or_else(|| name.clone(), |k| format!("{name}[key={k}]")), attributes)
    }
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut path: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let mut text = String::new();
    let mut seen_element = false;
    let flush = |path: &[String], text: &mut String, out: &mut Vec<String>| {
        let t = text.trim();
        let volatile = path.last().is_some_and(|l| VOLATILE.contains(&l.as_str()));
        if !t.is_empty() && !volatile {
            out.push(format!("{}: {t}", path.join("/")));
        }
        text.clear();
    };
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) => {
                flush(&path, &mut text, &mut out);
                seen_element = true;
                let (seg, attributes) = segment(&e);
                path.push(seg);
                if path.len() > MAX_DEPTH {
                    return None;
                }
                let here = path.join("/");
                out.extend(attributes.into_iter().map(|(k, v)| format!("{here}/@{k}: {v}")));
            }
            Event::Empty(e) => {
                flush(&path, &mut text, &mut out);
                seen_element = true;
                let (seg, attributes) = segment(&e);
                let here = if path.is_empty() { seg } else { format!("{}/{seg}", path.join("/")) };
                out.extend(attributes.into_iter().map(|(k, v)| format!("{here}/@{k}: {v}")));
                out.push(here);
            }
            Event::End(_) => {
                flush(&path, &mut text, &mut out);
                path.pop();
            }
            // Text outside every element: not an XML document (a plain error page, say).
            Event::Text(t) if path.is_empty() && !t.trim().is_empty() => return None,
            Event::Text(t) => text.push_str(&t),
            Event::CData(c) => text.push_str(&c),
            Event::GeneralRef(r) => {
                text.push('&');
                text.push_str(&r);
                text.push(';');
            }
            // Cut short (an element left open), or no element at all: no document.
            Event::Eof if !path.is_empty() || !seen_element => return None,
            Event::Eof => break,
            _ => {}
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_say_whose_they_are_and_ignore_prefixes_and_the_moment_made() {
        let a = br#"<s:Envelope xmlns:s="x"><s:Body><a xmlns="y"><school><aanmaakdatum>2026-01-01T00:00:00</aanmaakdatum></school><leerling key="L1" eckid="E"><achternaam>Jan &amp; sen</achternaam></leerling><leeg/></a></s:Body></s:Envelope>"#;
        let f = facts(a).unwrap();
        assert_eq!(
            f,
            [
                "Envelope/Body/a/leerling[key=L1]/@eckid: E",
                "Envelope/Body/a/leerling[key=L1]/achternaam: Jan &amp; sen",
                "Envelope/Body/a/leeg",
            ]
        );
        let b = br#"<Envelope><Body><a><school><aanmaakdatum>2027-01-01T00:00:00</aanmaakdatum></school><leerling eckid="E" key="L1"><achternaam>Jan &amp; sen</achternaam></leerling><leeg/></a></Body></Envelope>"#;
        assert!(compare(a, b).same);
        let c = br#"<Envelope><Body><a><leerling key="L1"><achternaam>Jansen</achternaam></leerling></a></Body></Envelope>"#;
        let d = compare(a, c);
        assert!(!d.same && !d.as_text);
        assert!(d.removed.contains(&"Envelope/Body/a/leerling[key=L1]/achternaam: Jan &amp; sen".to_string()));
        assert_eq!(d.added, ["Envelope/Body/a/leerling[key=L1]/achternaam: Jansen"]);
        // Not XML: line by line.
        let d = compare(b"", c);
        assert!(!d.as_text && d.removed.is_empty() && d.added.len() == 1, "no answer then: {:?}", d.added);
        let d = compare(b"one\ntwo", b"one\nthree");
        assert!(d.as_text && d.removed == ["two"] && d.added == ["three"]);
        assert!(facts(&b"<a>".repeat(MAX_DEPTH + 1)).is_none());
        assert!(facts(b"<a><b>cut short</b>").is_none() && facts(b"").is_none());
        assert_eq!(facts(b"<?xml version=\"1.0\"?>\n<a/>\n").unwrap(), ["a"]);
    }
}
