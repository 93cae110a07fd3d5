//! The gateway's part of the metrics: a scrape adds the store's gauges to the gateway's
//! counters, and `uwlr serve` answers it at `/metrics` behind the admin token. Apart from
//! [`super`] because it reads the store and uses the admin API's guard: a LAS vendor's
//! server counts into a [`super::Metrics`] without compiling either (feature `gateway`).

use super::{CONTENT_TYPE, PATH};
use crate::api::AdminToken;
use crate::gateway::Gateway;
use crate::store::StoreError;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use prometheus_client::encoding::text::{encode_eof, encode_registry};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Outbox {
    outbox: &'static str,
}

pub use crate::store::Waiting;

/// The gateway's metrics ([`Gateway::metrics`]) and the store's gauges ([`Waiting`]), in
/// the OpenMetrics text format: what `uwlr serve` answers at `/metrics`.
pub async fn render_gateway(gw: &Gateway) -> Result<String, StoreError> {
    let w = crate::store::waiting(gw.store()).await?;
    let mut gauges = Registry::with_prefix("uwlr");
    let outbox = Family::<Outbox, Gauge>::default();
    outbox.get_or_create(&Outbox { outbox: "results" }).set(w.results_outbox);
    outbox.get_or_create(&Outbox { outbox: "mail" }).set(w.mail_outbox);
    gauges.register("outbox_depth", "Rows waiting in an outbox: results to deliver, mails to send", outbox);
    let gauge = |v: i64| {
        let g = Gauge::<i64>::default();
        g.set(v);
        g
    };
    gauges.register(
        "delivery_errors",
        "Results refused for good and kept as delivery errors",
        gauge(w.delivery_errors),
    );
    gauges.register("proposals_waiting", "Import proposals waiting for review", gauge(w.proposals));
    gauges.register(
        "school_years_waiting",
        "School years started whose first import is not applied yet",
        gauge(w.school_years),
    );
    let journal = crate::store::journal::size(&mut *gw.store().pool().acquire().await?).await?;
    gauges.register("journal_exchanges", "Exchanges kept in the journal (with or without bodies)", gauge(journal.rows));
    gauges.register(
        "journal_exchanges_with_bodies",
        "Exchanges in the journal whose bodies are still kept (not yet past retention)",
        gauge(journal.with_bodies),
    );
    gauges.register_with_unit(
        "journal_body",
        "Bytes of the journal's bodies as stored (compressed)",
        Unit::Bytes,
        gauge(journal.body_bytes),
    );
    let mut out = String::new();
    let _ = encode_registry(&mut out, &gw.metrics().0.registry);
    let _ = encode_registry(&mut out, &gauges);
    let _ = encode_eof(&mut out);
    Ok(out)
}

/// `GET /metrics` for `uwlr serve`: [`render_gateway`] behind the admin bearer token (the
/// same guard as the admin API, compared in constant time). Merge it into the admin
/// listener's router; it has no fallback of its own.
pub fn router(gateway: Gateway, token: &AdminToken) -> Router {
    Router::new()
        .route(PATH, get(scrape))
        .route_layer(axum::middleware::from_fn_with_state(
            crate::api::auth::Guard::new(token),
            crate::api::auth::require_token,
        ))
        .with_state(gateway)
}

async fn scrape(State(gw): State<Gateway>) -> Response {
    match render_gateway(&gw).await {
        Ok(text) => ([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "metrics: the store could not be read");
            (StatusCode::SERVICE_UNAVAILABLE, "the store could not be read; see the gateway's log\n").into_response()
        }
    }
}
