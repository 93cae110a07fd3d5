//! The admin console: the web pages that school admins and the platform's support desk
//! (klantenservice) use, served by `uwlr serve` beside the admin API, from the same process
//! and store. Server-rendered HTML from compile-time checked templates (askama, under
//! `templates/console/`), no JavaScript, one small stylesheet compiled into the binary.
//!
//! - [`accounts`]: roles, argon2id passwords, sessions in the store, the sign-in throttle.
//! - [`invitations`]: accounts from invitation mails: a single-use link sets the first
//!   password; support's "uitnodigen".
//! - `pages`: the handlers, one [`Gateway`] call each, as the signed-in person.
//! - `views`: the templates' data and the Dutch labels.
//! - `beheer`: a location's management pages: deactivated pupils and groups, the school
//!   year, results with delivery errors, a dashboard's setting, "Verwijder nummers".
//! - `import`: Controle import uit LAS (the review of a proposal, its search, summary and
//!   two confirmations); `records`: the records per school year and the Boom numbers as CSV.
//! - `journal`: a link's exchanges with its LAS or dashboard, and one exchange (support only).
//!
//! Every page but the sign-in needs a session (cookie `uwlr_session`: HttpOnly,
//! SameSite=Strict, Secure when [`ConsoleSettings::secure_cookies`]); the store keeps only
//! the token's SHA-256. Every POST carries a CSRF token derived from the session token
//! (the sign-in form: a double-submit token in its own cookie), checked here, before any
//! handler, so a new form cannot forget it. A person sees only the locations granted to
//! their account (support: all); another location's pages answer 404, as if it did not
//! exist, and support-only actions answer 403.
//!
//! ```text
//!   request ──► headers + log ──► session (cookie → account) ──► CSRF (POST) ──► page ──► Gateway
//!                                      └─ none: 303 to /console/aanmelden   └─ bad: 403
//! ```

pub mod accounts;
mod beheer;
mod import;
pub mod invitations;
mod journal;
mod pages;
mod records;
mod users;
mod views;

use crate::gateway::Gateway;
use accounts::Account;
use axum::body::{to_bytes, Body};
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use subtle::ConstantTimeEq;

/// Every page is under this prefix.
pub const PREFIX: &str = "/console";
/// The session cookie.
pub const SESSION_COOKIE: &str = "uwlr_session";
/// The sign-in form's double-submit cookie.
pub const SIGN_IN_COOKIE: &str = "uwlr_signin";
/// The largest form accepted: the biggest real one (a link request) is well under it.
pub const FORM_LIMIT: usize = 16 * 1024;

/// How the console is served.
#[derive(Debug, Clone, Default)]
pub struct ConsoleSettings {
    /// Mark cookies `Secure`: set when the console is reached over HTTPS (directly or
    /// behind a proxy that terminates TLS), so the browser never sends them in the clear.
    pub secure_cookies: bool,
    /// Proxies in front (their addresses as this server sees them). Only for a request from
    /// one of them is `X-Forwarded-For` believed: the client is the nearest address in it
    /// that is not a trusted proxy. Empty: the connection's address, always.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

#[derive(Clone)]
pub(crate) struct ConsoleState {
    pub gw: Gateway,
    pub settings: Arc<ConsoleSettings>,
}

/// The signed-in person of a request, put there by the session middleware.
#[derive(Clone)]
pub(crate) struct Signed {
    pub account: Account,
    pub token: String,
    pub csrf: String,
}

/// One console route, for the docs and the authorization tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    /// Open without a session (the sign-in, the stylesheet, the redirect home).
    pub public: bool,
}

/// A route and its handler, stated once: the router is built from [`table`], and
/// [`routes`] lists the same, so the tests cannot miss a route.
struct Entry {
    route: Route,
    handler: MethodRouter<ConsoleState>,
}

fn entry(method: &'static str, path: &'static str, public: bool, handler: MethodRouter<ConsoleState>) -> Entry {
    Entry { route: Route { method, path, public }, handler }
}

/// Every page and form. Paths are written out in full, as a browser asks for them.
fn table() -> Vec<Entry> {
    let (open, guarded) = (true, false);
    let home = || async { Redirect::to("/console/locaties") };
    vec![
        entry("GET", "/console/", open, get(home)),
        entry("GET", "/console/console.css", open, get(stylesheet)),
        entry("GET", "/console/aanmelden", open, get(pages::sign_in_form)),
        entry("POST", "/console/aanmelden", open, post(pages::sign_in)),
        entry("POST", "/console/afmelden", guarded, post(pages::sign_out)),
        entry("POST", "/console/overal-afmelden", guarded, post(pages::sign_out_everywhere)),
        entry("GET", "/console/locaties", guarded, get(pages::locations)),
        entry("GET", "/console/locatie", guarded, get(pages::open_location)),
        entry("GET", "/console/locaties/{location}/koppelen", guarded, get(pages::koppelen)),
        entry("POST", "/console/locaties/{location}/koppelen", guarded, post(pages::request)),
        entry("POST", "/console/koppelingen/{id}/goedkeuren", guarded, post(pages::approve)),
        entry("POST", "/console/koppelingen/{id}/afwijzen", guarded, post(pages::reject)),
        entry("POST", "/console/koppelingen/{id}/sleutel", guarded, post(pages::key)),
        entry("POST", "/console/koppelingen/{id}/intrekken", guarded, post(pages::revoke)),
        // Beheer of a location (src/console/beheer.rs): deactivated pupils and groups, the
        // school-year transition, results with delivery errors, dashboard setting, numbers.
        entry("GET", "/console/locaties/{location}/gedeactiveerd", guarded, get(beheer::deactivated)),
        entry("POST", "/console/locaties/{location}/deactiveren", guarded, post(beheer::archive)),
        entry("POST", "/console/locaties/{location}/heractiveren", guarded, post(beheer::reactivate)),
        entry("POST", "/console/locaties/{location}/verwijderen", guarded, post(beheer::delete)),
        entry("GET", "/console/locaties/{location}/schooljaar", guarded, get(beheer::school_year)),
        entry("POST", "/console/locaties/{location}/schooljaar", guarded, post(beheer::prepare)),
        entry("GET", "/console/locaties/{location}/resultaten", guarded, get(beheer::results)),
        entry("POST", "/console/koppelingen/{id}/opnieuw-aanbieden", guarded, post(beheer::retry)),
        entry("POST", "/console/koppelingen/{id}/wijzigingen-verwerken", guarded, post(beheer::process_changes)),
        entry("POST", "/console/locaties/{location}/nummers-verwijderen", guarded, post(beheer::clear_numbers)),
        // Import review (Controle import uit LAS) and records per school year: import.rs, records.rs.
        // The exchange journal for support (src/console/journal.rs).
        entry("GET", "/console/koppelingen/{id}/uitwisselingen", guarded, get(journal::list)),
        entry("GET", "/console/uitwisselingen/{id}", guarded, get(journal::one)),
        entry("GET", "/console/voorstellen/{id}", guarded, get(import::review_page)),
        entry("POST", "/console/voorstellen/{id}/beslissen", guarded, post(import::decide)),
        entry("POST", "/console/voorstellen/{id}/suggesties", guarded, post(import::accept_all)),
        entry("GET", "/console/voorstellen/{id}/zoeken", guarded, get(import::search)),
        entry("GET", "/console/voorstellen/{id}/bevestigen", guarded, get(import::confirm_page)),
        entry("POST", "/console/voorstellen/{id}/importeren", guarded, post(import::apply)),
        entry("GET", "/console/locaties/{location}/gegevens", guarded, get(records::records_page)),
        entry("GET", "/console/locaties/{location}/import", guarded, get(records::import_of_location)),
        entry("GET", "/console/locaties/{location}/boom-nummers.csv", guarded, get(records::numbers)),
        // Invitations: the link's page sets a first password (open: the link is the proof),
        // support invites a school admin.
        entry("GET", "/console/uitnodiging", open, get(invitations::password_form)),
        entry("POST", "/console/uitnodiging", open, post(invitations::set_password)),
        entry("GET", "/console/uitnodigen", guarded, get(invitations::invite_form)),
        entry("POST", "/console/uitnodigen", guarded, post(invitations::invite_post)),
        // Gebruikers of a location (src/console/users.rs): who may sign in, invite again,
        // take a location from a teacher.
        entry("GET", "/console/locaties/{location}/gebruikers", guarded, get(users::users)),
        entry("POST", "/console/locaties/{location}/gebruikers/{id}/uitnodigen", guarded, post(users::invite_again)),
        entry("POST", "/console/locaties/{location}/gebruikers/{id}/toegang-intrekken", guarded, post(users::remove)),
    ]
}

/// Every route the console serves, in table order.
pub fn routes() -> Vec<Route> {
    table().into_iter().map(|e| e.route).collect()
}

/// The console's pages over `gateway`: `/` and `/console/` redirect to the overview. Merge
/// it with the admin API's router ([`crate::api::router`]) and serve both with the client's
/// address (`into_make_service_with_connect_info::<SocketAddr>()`, as
/// [`crate::api::serve_router`] does), which the sign-in throttle counts by.
pub fn router(gateway: Gateway, settings: ConsoleSettings) -> Router {
    let state = ConsoleState { gw: gateway, settings: Arc::new(settings) };
    let (mut public, mut guarded) = (Router::new(), Router::new());
    let mut outer = Router::new().route("/", get(|| async { Redirect::to("/console/locaties") }));
    for Entry { route, handler } in table() {
        // `/console/` itself is outside the nest: nested, `/` would answer `/console`.
        match route.path.strip_prefix(PREFIX).unwrap_or(route.path) {
            "/" => outer = outer.route(route.path, handler.with_state(state.clone())),
            inner if route.public => public = public.route(inner, handler),
            inner => guarded = guarded.route(inner, handler),
        }
    }
    let guarded = guarded
        .route_layer(middleware::from_fn(check_csrf))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_session));
    let pages =
        public.merge(guarded).fallback(pages::not_found).layer(DefaultBodyLimit::max(FORM_LIMIT)).with_state(state);
    outer.nest(PREFIX, pages).layer(middleware::from_fn(headers_and_log))
}

const STYLESHEET: &str = include_str!("console.css");

async fn stylesheet() -> Response {
    let headers = [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")];
    (headers, STYLESHEET).into_response()
}

/// A cookie's value from the request, if sent.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` value: HttpOnly and SameSite=Strict always, Secure under TLS. `max_age`
/// 0 deletes it.
pub(crate) fn set_cookie(settings: &ConsoleSettings, name: &str, value: &str, max_age: Option<i64>) -> HeaderValue {
    let mut c = format!("{name}={value}; Path={PREFIX}; HttpOnly; SameSite=Strict");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if settings.secure_cookies {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

/// The client's address, as the throttle counts it: the connection's, or behind a trusted
/// proxy the nearest untrusted address of `X-Forwarded-For` (the proxy appends the address
/// it saw; whatever the client wrote itself stays to the left and is not believed).
pub(crate) fn address(settings: &ConsoleSettings, headers: &HeaderMap, req_ext: &axum::http::Extensions) -> String {
    let Some(peer) = req_ext.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()) else {
        return "unknown".to_string();
    };
    if !settings.trusted_proxies.contains(&peer) {
        return peer.to_string();
    }
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    for hop in forwarded.iter().rev() {
        match hop.parse::<std::net::IpAddr>() {
            Ok(ip) if settings.trusted_proxies.contains(&ip) => continue,
            Ok(ip) => return ip.to_string(),
            // Garbage where the proxy should have written an address: count the proxy.
            Err(_) => break,
        }
    }
    peer.to_string()
}

/// Resolves the session cookie to the signed-in person; without one, a GET goes to the
/// sign-in page and anything else is refused.
async fn require_session(State(state): State<ConsoleState>, mut req: Request, next: Next) -> Response {
    let token = cookie(req.headers(), SESSION_COOKIE).map(str::to_string);
    let account = match &token {
        Some(t) if t.len() == 64 => match accounts::session_account(&state.gw, t).await {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(error = %e, "console: the session could not be read");
                return pages::failure(StatusCode::INTERNAL_SERVER_ERROR, None);
            }
        },
        _ => None,
    };
    let (Some(account), Some(token)) = (account, token) else {
        if req.method() == Method::GET {
            return Redirect::to("/console/aanmelden").into_response();
        }
        return pages::failure(StatusCode::UNAUTHORIZED, None);
    };
    let csrf = accounts::csrf_token(&token);
    req.extensions_mut().insert(Signed { account, token, csrf });
    next.run(req).await
}

/// Refuses a POST whose form does not carry the session's CSRF token (field `csrf`).
async fn check_csrf(req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(signed) = req.extensions().get::<Signed>().cloned() else {
        return pages::failure(StatusCode::UNAUTHORIZED, None);
    };
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, FORM_LIMIT).await else {
        return pages::failure(StatusCode::PAYLOAD_TOO_LARGE, Some(&signed));
    };
    if !csrf_matches(&bytes, &signed.csrf) {
        tracing::info!(
            path = parts.uri.path(),
            account = signed.account.id,
            "console: form refused, no valid CSRF token"
        );
        return pages::failure(StatusCode::FORBIDDEN, Some(&signed));
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// Whether the url-encoded form `body` has `csrf` equal to `expected` (compared in
/// constant time).
pub(crate) fn csrf_matches(body: &[u8], expected: &str) -> bool {
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    let given: Vec<&str> = fields.iter().filter(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).collect();
    matches!(given.as_slice(), [one] if one.len() == expected.len() && bool::from(one.as_bytes().ct_eq(expected.as_bytes())))
}

/// Security headers on every answer, and one log line per request: method, path, status,
/// time. Never a cookie, a query string or a form field.
async fn headers_and_log(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; \
             base-uri 'none'",
        ),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let status = response.status().as_u16();
    let ms = started.elapsed().as_millis() as u64;
    tracing::info!(%method, path, status, ms, "console");
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_needs_exactly_one_matching_field() {
        let t = "a".repeat(64);
        assert!(csrf_matches(format!("x=1&csrf={t}").as_bytes(), &t));
        assert!(!csrf_matches(b"x=1", &t));
        assert!(!csrf_matches(format!("csrf={t}&csrf={t}").as_bytes(), &t));
        assert!(!csrf_matches(format!("csrf={}", "b".repeat(64)).as_bytes(), &t));
        assert!(!csrf_matches(b"csrf=", &t));
        assert!(!csrf_matches(b"%%%", &t));
    }

    #[test]
    fn forwarded_addresses_are_believed_only_from_a_trusted_proxy() {
        let proxy: std::net::IpAddr = "10.0.0.1".parse().unwrap();
        let mut ext = axum::http::Extensions::new();
        ext.insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 1], 443))));
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_static("6.6.6.6, 192.0.2.7"));
        let plain = ConsoleSettings::default();
        assert_eq!(address(&plain, &h, &ext), "10.0.0.1", "no trusted proxy: the connection's address");
        let behind = ConsoleSettings { trusted_proxies: vec![proxy], ..Default::default() };
        assert_eq!(address(&behind, &h, &ext), "192.0.2.7", "the address the proxy appended");
        h.insert("x-forwarded-for", HeaderValue::from_static("192.0.2.7, 10.0.0.1"));
        assert_eq!(address(&behind, &h, &ext), "192.0.2.7", "trusted hops are skipped");
        h.insert("x-forwarded-for", HeaderValue::from_static("nonsense"));
        assert_eq!(address(&behind, &h, &ext), "10.0.0.1");
        h.remove("x-forwarded-for");
        assert_eq!(address(&behind, &h, &ext), "10.0.0.1");
        let mut other = axum::http::Extensions::new();
        other.insert(ConnectInfo(SocketAddr::from(([192, 0, 2, 9], 5000))));
        h.insert("x-forwarded-for", HeaderValue::from_static("1.2.3.4"));
        assert_eq!(address(&behind, &h, &other), "192.0.2.9", "a client cannot claim an address itself");
    }

    #[test]
    fn cookies_are_read_and_set_strictly() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; uwlr_session=abc; b=2"));
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
        let plain = set_cookie(&ConsoleSettings::default(), SESSION_COOKIE, "v", None);
        assert_eq!(plain, "uwlr_session=v; Path=/console; HttpOnly; SameSite=Strict");
        let tls =
            set_cookie(&ConsoleSettings { secure_cookies: true, ..Default::default() }, SESSION_COOKIE, "", Some(0));
        assert_eq!(tls, "uwlr_session=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0; Secure");
    }
}
