//! What an operator watches the gateway and the UWLR server by: Prometheus metrics.
//!
//! Why `prometheus-client` (the Prometheus project's own Rust client) and not the
//! `metrics` facade with an exporter: its registry is a value, not a process-wide
//! recorder, so each [`Gateway`](crate::gateway::Gateway) (and each embedded UWLR server given one) counts into its
//! own [`Metrics`], two gateways in one process (or two tests) never mix their figures,
//! and nothing has to be installed globally before the first request. Its text encoder
//! writes the OpenMetrics text format, which Prometheus scrapes natively; we never format
//! the exposition by hand.
//!
//! Labels are bounded by construction: every label value is a `&'static str` taken from a
//! closed list (the UWLR operations, the eleven fault codes, the outcomes below), never a
//! location, a koppeling id, a pupil or a key. Per-link detail belongs in the logs, which
//! carry the koppeling id and location on every line of a fetch or a delivery.
//!
//! What is counted ([`Metrics`], docs/operations.md lists each metric):
//! - the UWLR server ([`crate::server`]): requests by operation and fault code, latency;
//! - the gateway's fetches ([`Gateway::fetch`](crate::gateway::Gateway::fetch)): by outcome, latency;
//! - results deliveries ([`Gateway::deliver`](crate::gateway::Gateway::deliver)): BrengLeerresultaten messages by outcome and
//!   their latency, results by outcome;
//! - at scrape time, from the store ([`render_gateway`]): the results outbox and the mail
//!   outbox depth, kept delivery errors, proposals waiting for review, school years waiting
//!   to be completed.
//!
//! Exposed by `uwlr serve` at `/metrics` on the admin listener, behind the admin bearer
//! token ([`router`]). A LAS vendor embedding [`crate::server`] passes a [`Metrics`] in
//! [`crate::server::ServerConfig::metrics`] and serves [`Metrics::render`] wherever its
//! own monitoring is protected.

use crate::message::fault::FaultCode;
use crate::message::Kind;
use prometheus_client::encoding::text::{encode_eof, encode_registry};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::{Family, MetricConstructor};
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::{Registry, Unit};
use std::sync::Arc;
use std::time::Duration;

/// The content type of [`Metrics::render`]'s text (OpenMetrics 1.0, which Prometheus
/// asks for and reads).
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The path `uwlr serve` answers metrics on.
pub const PATH: &str = "/metrics";

/// Request latencies: 1 ms to about 24 s.
fn request_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.5, 12))
}

/// Whole fetches (call, proposal): 10 ms to about 10 min.
fn fetch_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.01, 2.5, 13))
}

#[derive(Clone)]
struct Buckets(fn() -> Histogram);

impl MetricConstructor<Histogram> for Buckets {
    fn new_metric(&self) -> Histogram {
        (self.0)()
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ServerRequest {
    operation: &'static str,
    fault: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Operation {
    operation: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Outcome {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AudienceOutcome {
    audience: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Audience {
    audience: &'static str,
}

// The gateway's counters are registered in every `Metrics` (one shape of scrape whatever
// the features), but only the gateway counts into them.
#[cfg_attr(not(feature = "gateway"), allow(dead_code))]
struct Inner {
    registry: Registry,
    server_requests: Family<ServerRequest, Counter>,
    server_seconds: Family<Operation, Histogram, Buckets>,
    fetches: Family<Outcome, Counter>,
    fetch_seconds: Family<Outcome, Histogram, Buckets>,
    delivery_messages: Family<AudienceOutcome, Counter>,
    delivery_seconds: Family<Audience, Histogram, Buckets>,
    delivery_results: Family<AudienceOutcome, Counter>,
    journal_pruned: Family<Pruned, Counter>,
    journal_write_failures: Counter,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Pruned {
    what: &'static str,
}

/// One set of counters and histograms: cheap to clone (the clones count into the same
/// figures), safe to share between tasks. A [`Gateway`](crate::gateway::Gateway) makes its own; give the same one
/// to an embedded UWLR server ([`crate::server::ServerConfig::metrics`]) to see both in
/// one scrape.
#[derive(Clone)]
pub struct Metrics(Arc<Inner>);

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// A fresh registry with every metric at zero.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("uwlr");
        let server_requests = Family::<ServerRequest, Counter>::default();
        registry.register(
            "server_requests",
            "UWLR SOAP requests answered by this server, by operation and UWLR fault code (none: an answer)",
            server_requests.clone(),
        );
        let server_seconds = Family::new_with_constructor(Buckets(request_buckets));
        registry.register_with_unit(
            "server_request_duration",
            "Time from the request body read to the answer ready, by operation",
            Unit::Seconds,
            server_seconds.clone(),
        );
        let fetches = Family::<Outcome, Counter>::default();
        registry.register(
            "fetches",
            "Fetches of pupil data from a LAS (HaalLeerlinggegevens and the proposal), by outcome",
            fetches.clone(),
        );
        let fetch_seconds = Family::new_with_constructor(Buckets(fetch_buckets));
        registry.register_with_unit(
            "fetch_duration",
            "Time of a whole fetch: the LAS call and the proposal, by outcome",
            Unit::Seconds,
            fetch_seconds.clone(),
        );
        let delivery_messages = Family::<AudienceOutcome, Counter>::default();
        registry.register(
            "delivery_messages",
            "BrengLeerresultaten messages sent, by receiver (las, dashboard) and outcome",
            delivery_messages.clone(),
        );
        let delivery_seconds = Family::new_with_constructor(Buckets(request_buckets));
        registry.register_with_unit(
            "delivery_duration",
            "Time of one BrengLeerresultaten call, by receiver",
            Unit::Seconds,
            delivery_seconds.clone(),
        );
        let delivery_results = Family::<AudienceOutcome, Counter>::default();
        registry.register(
            "delivery_results",
            "Results handled by delivery runs, by receiver and outcome (delivered, postponed, refused: kept as a delivery error)",
            delivery_results.clone(),
        );
        let journal_pruned = Family::<Pruned, Counter>::default();
        registry.register(
            "journal_pruned",
            "Exchange journal rows pruned past retention: bodies dropped (metadata kept), rows deleted",
            journal_pruned.clone(),
        );
        let journal_write_failures = Counter::default();
        registry.register(
            "journal_write_failures",
            "Exchanges the journal could not store (the exchange itself went on; see the log)",
            journal_write_failures.clone(),
        );
        for what in ["bodies", "rows"] {
            let _ = journal_pruned.get_or_create(&Pruned { what });
        }
        // The outcomes' series exist from the start at 0, so a rate over them is defined
        // before the first fetch or delivery (a server's operation × fault pairs appear at
        // their first request: 7 × 12 series that mostly stay empty).
        for outcome in FETCH_OUTCOMES {
            let _ = fetches.get_or_create(&Outcome { outcome });
        }
        for audience in ["las", "dashboard"] {
            for outcome in MESSAGE_OUTCOMES {
                let _ = delivery_messages.get_or_create(&AudienceOutcome { audience, outcome });
            }
            for outcome in RESULT_OUTCOMES {
                let _ = delivery_results.get_or_create(&AudienceOutcome { audience, outcome });
            }
        }
        Metrics(Arc::new(Inner {
            registry,
            server_requests,
            server_seconds,
            fetches,
            fetch_seconds,
            delivery_messages,
            delivery_seconds,
            delivery_results,
            journal_pruned,
            journal_write_failures,
        }))
    }

    /// The counters and histograms in the OpenMetrics text format ([`CONTENT_TYPE`]),
    /// ending in `# EOF`. A gateway's scrape adds the store's gauges: [`render_gateway`].
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode_registry(&mut out, &self.0.registry);
        let _ = encode_eof(&mut out);
        out
    }

    /// One UWLR request answered with HTTP `status`: its operation (`None`: the body could
    /// not be read) and UWLR fault code (`None` with status 200: an answer; `None` with
    /// another status: `other`, a SOAP-level fault or a bare HTTP error).
    pub(crate) fn server_request(
        &self,
        operation: Option<Kind>,
        fault: Option<FaultCode>,
        status: u16,
        took: Duration,
    ) {
        let operation = operation_label(operation);
        let fault = match fault {
            Some(code) => code.as_str(),
            None if status == 200 => "none",
            None => "other",
        };
        self.0.server_requests.get_or_create(&ServerRequest { operation, fault }).inc();
        self.0.server_seconds.get_or_create(&Operation { operation }).observe(took.as_secs_f64());
    }

    /// One fetch done: `outcome` is one of [`FETCH_OUTCOMES`].
    #[cfg(feature = "gateway")]
    pub(crate) fn fetch(&self, outcome: &'static str, took: Duration) {
        debug_assert!(FETCH_OUTCOMES.contains(&outcome));
        self.0.fetches.get_or_create(&Outcome { outcome }).inc();
        self.0.fetch_seconds.get_or_create(&Outcome { outcome }).observe(took.as_secs_f64());
    }

    /// One BrengLeerresultaten message: `outcome` is one of [`MESSAGE_OUTCOMES`].
    #[cfg(feature = "gateway")]
    pub(crate) fn delivery_message(&self, dashboard: bool, outcome: &'static str, took: Duration) {
        debug_assert!(MESSAGE_OUTCOMES.contains(&outcome));
        let audience = audience(dashboard);
        self.0.delivery_messages.get_or_create(&AudienceOutcome { audience, outcome }).inc();
        self.0.delivery_seconds.get_or_create(&Audience { audience }).observe(took.as_secs_f64());
    }

    /// `n` results handled: `outcome` is one of [`RESULT_OUTCOMES`].
    #[cfg(feature = "gateway")]
    pub(crate) fn delivery_results(&self, dashboard: bool, outcome: &'static str, n: usize) {
        debug_assert!(RESULT_OUTCOMES.contains(&outcome));
        if n > 0 {
            let audience = audience(dashboard);
            self.0.delivery_results.get_or_create(&AudienceOutcome { audience, outcome }).inc_by(n as u64);
        }
    }
}

#[cfg(feature = "gateway")]
impl Metrics {
    pub(crate) fn journal_pruned(&self, bodies: u64, rows: u64) {
        self.0.journal_pruned.get_or_create(&Pruned { what: "bodies" }).inc_by(bodies);
        self.0.journal_pruned.get_or_create(&Pruned { what: "rows" }).inc_by(rows);
    }
}

impl Metrics {
    /// An exchange the journal could not store: the gateway's write failed, or the UWLR
    /// server's served-exchange hook was behind (so always built).
    pub(crate) fn journal_write_failed(&self) {
        self.0.journal_write_failures.inc();
    }
}

/// The `outcome` of `uwlr_fetches_total`: a proposal waits for review; nothing to review;
/// the LAS answered with a fault; the LAS could not be reached or answered no UWLR (time-out,
/// HTTP error, TLS, unreadable answer); anything else (the link, the store).
pub const FETCH_OUTCOMES: [&str; 5] = ["proposal", "nothing_to_do", "las_fault", "las_unreachable", "failed"];

/// The `outcome` of `uwlr_delivery_messages_total`: confirmed; failed transiently (sent
/// again later); refused for the whole link (key, klant, version: waits for an admin);
/// refused for its content (split until the fault has its pupil).
pub const MESSAGE_OUTCOMES: [&str; 4] = ["delivered", "transient", "link_refused", "refused"];

/// The `outcome` of `uwlr_delivery_results_total`.
pub const RESULT_OUTCOMES: [&str; 3] = ["delivered", "postponed", "refused"];

#[cfg(feature = "gateway")]
fn audience(dashboard: bool) -> &'static str {
    if dashboard {
        "dashboard"
    } else {
        "las"
    }
}

/// The operation label: the request's element, without its namespace.
fn operation_label(kind: Option<Kind>) -> &'static str {
    match kind {
        Some(Kind::LeerlinggegevensVerzoek) => "leerlinggegevens",
        Some(Kind::StructuurVerzoek) => "structuur",
        Some(Kind::LeerlingenVerzoek) => "leerlingen",
        Some(Kind::LeerkrachtenVerzoek) => "leerkrachten",
        Some(Kind::LeerresultatenVerzoek) => "leerresultaten",
        // An answer or a fault sent as a request: not an operation.
        Some(_) => "other",
        None => "unreadable",
    }
}

#[cfg(feature = "gateway")]
mod scrape;
#[cfg(feature = "gateway")]
pub use scrape::{render_gateway, router, Waiting};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(feature = "gateway")]
    fn labels_come_from_closed_lists() {
        let m = Metrics::new();
        m.server_request(Some(Kind::LeerlingenVerzoek), Some(FaultCode::AutorisatieOngeldig), 500, Duration::ZERO);
        m.server_request(None, Some(FaultCode::OngeldigBericht), 415, Duration::from_millis(3));
        m.fetch("proposal", Duration::from_secs(1));
        m.delivery_message(true, "delivered", Duration::from_millis(20));
        m.delivery_results(false, "refused", 2);
        let text = m.render();
        assert!(text.ends_with("# EOF\n"), "{text}");
        for line in [
            r#"uwlr_server_requests_total{operation="leerlingen",fault="Client.AutorisatieOngeldig"} 1"#,
            r#"uwlr_server_requests_total{operation="unreadable",fault="Client.OngeldigBericht"} 1"#,
            r#"uwlr_fetches_total{outcome="proposal"} 1"#,
            r#"uwlr_delivery_messages_total{audience="dashboard",outcome="delivered"} 1"#,
            r#"uwlr_delivery_results_total{audience="las",outcome="refused"} 2"#,
            r#"uwlr_server_request_duration_seconds_count{operation="unreadable"} 1"#,
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line} in\n{text}");
        }
        // Two values of one Metrics share their figures; a new one starts at zero.
        let clone = m.clone();
        clone.fetch("proposal", Duration::ZERO);
        assert!(m.render().contains(r#"uwlr_fetches_total{outcome="proposal"} 2"#));
        let fresh = Metrics::new().render();
        assert!(fresh.contains("uwlr_fetches_total{outcome=\"las_fault\"} 0\n"), "{fresh}");
        assert!(!fresh.contains("uwlr_server_requests_total{"), "{fresh}");
    }
}
