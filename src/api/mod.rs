//! The gateway's admin API: the [`Gateway`] over JSON and HTTP, for the test platform's
//! support staff and school admins (through the platform's own UI), behind one bearer
//! token.
//!
//! - [`auth`]: the [`AdminToken`] (kept in `<data dir>/admin.token`), the guard on every
//!   route but `/health` and `/openapi.json`, and `X-Actor`, the person the audit trail
//!   records.
//! - [`error`]: every refusal as an [`ApiError`], `{"error": "...", "status": N}`; one status
//!   per [`crate::gateway::GatewayError`] kind.
//! - `extract`: bodies, queries and path parameters read into types that refuse unknown
//!   fields, with messages that name what is wrong.
//! - `koppelingen`, `proposals`, `locations`, [`results`], `school_years`, `service`: the
//!   handlers, one [`Gateway`] call each.
//!
//! [`routes`] is the one list of what is served: the router is built from it, and the
//! tests hold `schemas/admin-api.openapi.json` (served at `/api/v1/openapi.json`) to it.
//! Unknown paths answer 404 without asking for the token: the list is public anyway.
//!
//! ```text
//!   request ──► log ──► body limit ──► route ──► token guard ──► extract ──► Gateway ──► JSON
//!                                                    │             │            │
//!                                                    └─────────────┴────────────┴──► ApiError JSON
//! ```

pub mod auth;
pub mod error;
mod extract;
mod koppelingen;
mod locations;
mod proposals;
pub mod results;
mod school_years;
mod service;

pub use auth::{AdminToken, ACTOR_HEADER, DEFAULT_ACTOR, TOKEN_FILE};
pub use error::ApiError;
pub use service::OPENAPI;

use crate::gateway::Gateway;
use crate::server::listener::{ConnectionPolicy, RouterApp, RunningServer};
use axum::extract::{DefaultBodyLimit, Request};
use axum::handler::Handler;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{on, MethodFilter, MethodRouter};
use axum::Router;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

/// Every route is under this prefix; a later, incompatible API gets `/api/v2`.
pub const PREFIX: &str = "/api/v1";

/// The largest request body accepted (1 MiB): the biggest real body, a list of decisions for
/// a large school, is a fraction of it.
pub const BODY_LIMIT: usize = 1 << 20;

/// The HTTP methods the API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Verb {
    Get,
    Post,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "GET",
            Verb::Post => "POST",
        }
    }

    fn filter(self) -> MethodFilter {
        match self {
            Verb::Get => MethodFilter::GET,
            Verb::Post => MethodFilter::POST,
        }
    }
}

/// One route as the OpenAPI document names it: method, full path with `{param}`s, and
/// whether it is open without the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Route {
    pub verb: Verb,
    pub path: &'static str,
    pub public: bool,
}

/// A route and its handler, stated once.
struct Entry {
    route: Route,
    handler: MethodRouter<Gateway>,
}

fn entry<H: Handler<T, Gateway>, T: 'static>(verb: Verb, path: &'static str, public: bool, h: H) -> Entry {
    Entry { route: Route { verb, path, public }, handler: on(verb.filter(), h) }
}

/// The table the router is built from. Paths are written out in full (not joined from
/// [`PREFIX`]) so they read as the OpenAPI document writes them.
fn table() -> Vec<Entry> {
    use Verb::{Get, Post};
    let (open, guarded) = (true, false);
    vec![
        entry(Get, "/api/v1/health", open, service::health),
        entry(Get, "/api/v1/openapi.json", open, service::openapi),
        entry(Get, "/api/v1/koppelingen", guarded, koppelingen::list),
        entry(Post, "/api/v1/koppelingen", guarded, koppelingen::request),
        entry(Get, "/api/v1/koppelingen/{id}", guarded, koppelingen::get),
        entry(Post, "/api/v1/koppelingen/{id}/approve", guarded, koppelingen::approve),
        entry(Post, "/api/v1/koppelingen/{id}/reject", guarded, koppelingen::reject),
        entry(Post, "/api/v1/koppelingen/{id}/key", guarded, koppelingen::set_key),
        entry(Post, "/api/v1/koppelingen/{id}/rotate", guarded, koppelingen::rotate),
        entry(Post, "/api/v1/koppelingen/{id}/revoke", guarded, koppelingen::revoke),
        entry(Post, "/api/v1/koppelingen/{id}/process-changes", guarded, koppelingen::process_changes),
        entry(Post, "/api/v1/koppelingen/{id}/fetch", guarded, koppelingen::fetch),
        entry(Get, "/api/v1/koppelingen/{id}/proposal", guarded, koppelingen::latest_proposal),
        entry(Post, "/api/v1/koppelingen/{id}/retry-deliveries", guarded, results::retry),
        entry(Post, "/api/v1/koppelingen/{id}/backfill", guarded, results::backfill),
        entry(Get, "/api/v1/koppelingen/{id}/deliveries", guarded, results::counts),
        entry(Get, "/api/v1/proposals/{id}", guarded, proposals::get),
        entry(Get, "/api/v1/proposals/{id}/summary", guarded, proposals::summary),
        entry(Post, "/api/v1/proposals/{id}/decisions", guarded, proposals::decide),
        entry(Post, "/api/v1/proposals/{id}/accept-suggestions", guarded, proposals::accept_suggestions),
        entry(Post, "/api/v1/proposals/{id}/apply", guarded, proposals::apply),
        entry(Get, "/api/v1/locations/{location}/records", guarded, locations::records),
        entry(Post, "/api/v1/locations/{location}/clear-external-numbers", guarded, locations::clear_external_numbers),
        entry(Get, "/api/v1/locations/{location}/audit", guarded, locations::audit),
        entry(Post, "/api/v1/locations/{location}/admins", guarded, locations::add_admin),
        entry(Post, "/api/v1/locations/{location}/archive", guarded, locations::archive),
        entry(Post, "/api/v1/locations/{location}/reactivate", guarded, locations::reactivate),
        entry(Get, "/api/v1/locations/{location}/deactivated", guarded, locations::deactivated),
        entry(Post, "/api/v1/locations/{location}/delete", guarded, locations::delete),
        entry(Get, "/api/v1/locations/{location}/numbers", guarded, locations::numbers),
        entry(Post, "/api/v1/locations/{location}/merge", guarded, locations::merge),
        entry(Get, "/api/v1/locations/{location}/school-years", guarded, school_years::list),
        entry(Post, "/api/v1/locations/{location}/school-years/prepare", guarded, school_years::prepare),
        entry(Post, "/api/v1/school-years/tick", guarded, school_years::tick),
        entry(Post, "/api/v1/results", guarded, results::record),
        entry(Post, "/api/v1/toetsen", guarded, results::define_toets),
        entry(Post, "/api/v1/deliveries/run", guarded, results::run),
        entry(Get, "/api/v1/deliveries/errors", guarded, results::errors),
        entry(Get, "/api/v1/outbox", guarded, service::outbox),
    ]
}

/// Every route the router serves, in table order.
pub fn routes() -> Vec<Route> {
    table().into_iter().map(|e| e.route).collect()
}

/// The admin API over `gateway`, guarded by `token`. Unknown paths answer 404 and known
/// paths with another method 405, both as JSON errors.
pub fn router(gateway: Gateway, token: AdminToken) -> Router {
    let mut public = Router::new();
    let mut guarded = Router::new();
    for Entry { route, handler } in table() {
        if route.public {
            public = public.route(route.path, handler);
        } else {
            guarded = guarded.route(route.path, handler);
        }
    }
    let guarded = guarded.route_layer(middleware::from_fn_with_state(auth::Guard::new(&token), auth::require_token));
    public
        .merge(guarded)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn(log))
        .with_state(gateway)
}

async fn not_found() -> ApiError {
    ApiError::not_found(format!("no such route; {PREFIX}/openapi.json lists them"))
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("this route has no such method; {PREFIX}/openapi.json lists them"),
    )
}

/// One line per request: method, path, status, time taken, actor. Never a header value
/// other than `X-Actor`, so the token stays out of the log.
async fn log(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let actor = req.headers().get(ACTOR_HEADER).and_then(|v| v.to_str().ok()).unwrap_or(DEFAULT_ACTOR);
    let actor: String = actor.chars().take(200).collect();
    let response = next.run(req).await;
    let status = response.status().as_u16();
    let ms = started.elapsed().as_millis() as u64;
    if response.status().is_server_error() {
        tracing::warn!(%method, path, status, ms, actor, "admin API");
    } else {
        tracing::info!(%method, path, status, ms, actor, "admin API");
    }
    response
}

/// Serves the admin API on `listener` until `shutdown` resolves, then lets requests in
/// flight finish. The bound address is the caller's: `listener.local_addr()` before the
/// call (bind to port 0 and read it there); it is also logged. [`spawn`] does both and
/// hands back a [`RunningApi`]. Connections follow `policy`, the limits every listener we
/// run shares ([`ConnectionPolicy`]; its default suits the API).
pub async fn serve(
    gateway: Gateway,
    token: AdminToken,
    listener: tokio::net::TcpListener,
    policy: ConnectionPolicy,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_router(router(gateway, token), listener, policy, shutdown).await
}

/// Serves `app` (the API's [`router`], merged with others such as the console's) under
/// `policy`, until `shutdown` resolves. Each request carries its client address
/// (`ConnectInfo<SocketAddr>`, set by `server::listener`), which the console's sign-in
/// throttle counts by.
pub async fn serve_router(
    app: Router,
    listener: tokio::net::TcpListener,
    policy: ConnectionPolicy,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let running = spawn_router(app, listener, policy)?;
    shutdown.await;
    running.shutdown().await
}

/// [`serve_router`] over HTTPS when `tls` is given (the same rustls setup as the UWLR
/// server, [`crate::server::tls`]), plain HTTP otherwise.
pub async fn serve_router_tls(
    app: Router,
    listener: tokio::net::TcpListener,
    tls: Option<crate::server::TlsConfig>,
    policy: ConnectionPolicy,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let running = spawn_router_tls(app, listener, tls, policy)?;
    shutdown.await;
    running.shutdown().await
}

/// A running admin API, from [`spawn`].
#[derive(Debug)]
pub struct RunningApi {
    pub local_addr: SocketAddr,
    server: RunningServer,
    scheme: &'static str,
}

impl RunningApi {
    /// `http://127.0.0.1:port` (`https://` under TLS): routes are under `{base_url}/api/v1`.
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme, self.local_addr)
    }

    /// Stops accepting and waits for requests in flight (up to the policy's
    /// `shutdown_timeout`).
    pub async fn shutdown(self) -> std::io::Result<()> {
        self.server.shutdown().await;
        Ok(())
    }
}

/// Serves the admin API on a task of the current tokio runtime, connections under
/// `policy`; stop it with [`RunningApi::shutdown`].
pub fn spawn(
    gateway: Gateway,
    token: AdminToken,
    listener: tokio::net::TcpListener,
    policy: ConnectionPolicy,
) -> std::io::Result<RunningApi> {
    spawn_router(router(gateway, token), listener, policy)
}

/// [`serve_router`] on a task of the current tokio runtime.
pub fn spawn_router(
    app: Router,
    listener: tokio::net::TcpListener,
    policy: ConnectionPolicy,
) -> std::io::Result<RunningApi> {
    spawn_router_tls(app, listener, None, policy)
}

/// [`spawn_router`], over HTTPS when `tls` is given.
pub fn spawn_router_tls(
    app: Router,
    listener: tokio::net::TcpListener,
    tls: Option<crate::server::TlsConfig>,
    policy: ConnectionPolicy,
) -> std::io::Result<RunningApi> {
    let local_addr = listener.local_addr()?;
    let acceptor = match &tls {
        Some(t) => Some(tokio_rustls::TlsAcceptor::from(crate::server::tls::server_config(t)?)),
        None => None,
    };
    let scheme = if acceptor.is_some() { "https" } else { "http" };
    let server = crate::server::listener::serve(Arc::new(RouterApp(app)), listener, acceptor, policy)?;
    tracing::info!(addr = %local_addr, "admin API listening on {scheme}://{local_addr}{PREFIX}");
    Ok(RunningApi { local_addr, server, scheme })
}
