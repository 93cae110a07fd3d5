//! The HTTP(S) face of the UWLR server: hyper 1 (HTTP/1.1 only, as SOAP 1.1 stacks
//! speak it) over tokio, optional TLS (`tls`), with the limits an internet-facing SOAP
//! endpoint needs, and the WSDL served at `?wsdl`.
//!
//! What each request gets:
//!
//! | request | answer |
//! |---|---|
//! | `POST` (any path), `Content-Type` `text/xml` / `application/xml` / absent | [`dispatch::handle_with_injection`]: 200 answer or 500 fault, `text/xml; charset=utf-8` |
//! | `POST` as SOAP 1.2 (`application/soap+xml`) | **500** + SOAP 1.1's `VersionMismatch` fault (SOAP 1.2 Appendix A: a SOAP 1.1 node answers a SOAP 1.2 message so); body not read, connection closed |
//! | `POST` with another content type, or a charset other than UTF-8 | **415** + fault `Client.OngeldigBericht` naming the expected type |
//! | `POST` with a body over `max_body_bytes` | **413** + fault `Client.OngeldigBericht` naming the limit; connection closed |
//! | `POST` whose body does not arrive within `body_read_timeout` | **408** + fault `Client.OngeldigBericht`; connection closed |
//! | `POST` whose body breaks off (client gone) | connection closed, nothing answered |
//! | `GET`/`HEAD` `?wsdl` (`?wsdl=leerresultaten`, or a path containing `leerresultaten`) | the WSDL, its address and imports rewritten to this server |
//! | `GET`/`HEAD` `?xsd=<file>` | one of the embedded UWLR 2.3 XSDs, imports rewritten likewise; unknown name: 404 |
//! | other `GET` | 404 plain text; other methods: 405 plain text with `Allow` |
//! | any request beyond `max_connections` | **503** + fault `Server.TijdelijkNietBeschikbaar`, `Retry-After: 1`, connection closed |
//!
//! SOAPAction is not looked at: quoted, unquoted, empty or absent are all fine, because
//! dispatch is on the body element (UWLR.md §1).
//!
//! Connections (how many at once, idle and slow heads, the deadline of a whole exchange,
//! requests per connection, shutdown) follow the one policy of every listener we run:
//! [`super::listener`], with the `ServerConfig::connection` given. Beyond
//! `max_connections` each request gets **503** + `Server.TijdelijkNietBeschikbaar` (a
//! transient fault: UWLR clients retry it) with `Retry-After: 1`.
//!
//! Slow bodies: `body_read_timeout` bounds the body (408 with a fault); keep it below the
//! policy's `exchange_timeout`, which closes the connection without an answer.
//!
//! Privacy: request bodies and headers are never logged (the `autorisatie` header holds
//! the school's key); the log has method, path, status, fault code, sizes and time.
//!
//! The served journal: with [`ServerConfig::capture`] set, every POST (answered or closed
//! without an answer) goes to that hook with the key masked, off the request's path
//! ([`super::capture`]). Off by default; the WSDL, 404s and the over-the-limit 503s are
//! not exchanges and are not recorded.

use super::capture::{self, Hook, ServedCapture};
use super::dispatch::{self, fault_response, DispatchOptions, Outcome};
use super::listener::{self, App, CloseConnection, ConnectionPolicy, RequestBody};
use super::provider::LasProvider;
use super::tls::{self, TlsConfig};
use crate::message::fault::{Fault, FaultCode};
use crate::message::Kind;
use crate::metrics::Metrics;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Bytes;
use hyper::header::{HeaderValue, ALLOW, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HOST, RETRY_AFTER};
use hyper::{Method, Request, Response, StatusCode};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tokio::net::TcpListener;

pub use super::listener::{bind, RunningServer, LISTEN_BACKLOG};

/// The content type of every SOAP answer.
pub const SOAP_CONTENT_TYPE: &str = "text/xml; charset=utf-8";

/// How the server listens and what it tolerates.
#[derive(Clone)]
pub struct ServerConfig {
    /// `Some`: HTTPS only on this listener.
    pub tls: Option<TlsConfig>,
    /// Largest request body; beyond it 413 + `Client.OngeldigBericht`. Default 16 MiB.
    pub max_body_bytes: usize,
    /// Time for the whole request body. Default 30 s.
    pub body_read_timeout: Duration,
    /// Connections: how many at once, head and exchange timeouts, requests per
    /// connection, shutdown (the policy of every listener we run).
    pub connection: ConnectionPolicy,
    pub dispatch: DispatchOptions,
    /// Where to count requests by operation and fault code, and their latency
    /// ([`crate::metrics`]); serve [`Metrics::render`] on a protected path of your own.
    /// `None` (the default): not counted.
    pub metrics: Option<Metrics>,
    /// Where every served exchange goes, key masked ([`super::capture`]): the gateway's
    /// journal (`Gateway::served_journal`) or an embedder's own. `None` (the default):
    /// nothing is recorded and no body is kept beyond its request.
    pub capture: Option<Arc<dyn ServedCapture>>,
}

impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("tls", &self.tls)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("body_read_timeout", &self.body_read_timeout)
            .field("connection", &self.connection)
            .field("dispatch", &self.dispatch)
            .field("metrics", &self.metrics.is_some())
            .field("capture", &self.capture.is_some())
            .finish()
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            tls: None,
            max_body_bytes: 16 << 20,
            body_read_timeout: Duration::from_secs(30),
            connection: ConnectionPolicy::default(),
            dispatch: DispatchOptions::default(),
            metrics: None,
            capture: None,
        }
    }
}

/// The UWLR server as an [`App`] of the listener.
struct Shared<P> {
    provider: Arc<P>,
    config: ServerConfig,
    local_addr: SocketAddr,
    hook: Option<Hook>,
}

impl<P: LasProvider> App for Shared<P> {
    type Body = Full<Bytes>;

    fn call(
        &self,
        req: Request<RequestBody>,
        scheme: &'static str,
    ) -> impl Future<Output = Result<Resp, CloseConnection>> + Send {
        route(self, req, scheme)
    }

    fn busy(&self, req: &Request<RequestBody>, _limit: usize) -> Resp {
        busy(self, req)
    }
}

/// Starts serving UWLR on `listener` and returns at once; the server runs on the tokio
/// runtime until [`RunningServer::shutdown`] (or until the handle is dropped).
///
/// Fails only on an unusable configuration (TLS material) or listener.
pub async fn serve<P: LasProvider>(
    provider: Arc<P>,
    listener: TcpListener,
    config: ServerConfig,
) -> std::io::Result<RunningServer> {
    let tls = match &config.tls {
        Some(t) => Some(tokio_rustls::TlsAcceptor::from(tls::server_config(t)?)),
        None => None,
    };
    let local_addr = listener.local_addr()?;
    let policy = config.connection.clone();
    let hook = config.capture.clone().map(|c| Hook::new(c, config.metrics.clone()));
    let shared = Arc::new(Shared { provider, config, local_addr, hook });
    let running = listener::serve(shared, listener, tls, policy)?;
    tracing::info!(%local_addr, url = running.base_url(), "UWLR server listening");
    Ok(running)
}

type Resp = Response<Full<Bytes>>;

async fn route<P: LasProvider>(
    shared: &Shared<P>,
    req: Request<RequestBody>,
    scheme: &'static str,
) -> Result<Resp, CloseConnection> {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let result = match method {
        Method::POST => {
            let arrived = SystemTime::now();
            let mut seen = Seen::default();
            let result = post(shared, req, &mut seen).await;
            if let (Some(m), Ok(r)) = (&shared.config.metrics, &result) {
                m.server_request(seen.operation, seen.fault, r.status().as_u16(), started.elapsed());
            }
            match &shared.hook {
                Some(hook) => journaled(hook, arrived, started.elapsed(), seen.journal, result).await,
                None => result,
            }
        }
        Method::GET | Method::HEAD => Ok(get(shared, &req, scheme)),
        _ => {
            let mut r = plain(StatusCode::METHOD_NOT_ALLOWED, "UWLR: POST a SOAP 1.1 request, or GET ?wsdl\n");
            r.headers_mut().insert(ALLOW, HeaderValue::from_static("GET, HEAD, POST"));
            Ok(r)
        }
    };
    match &result {
        Ok(r) => tracing::debug!(
            %method, %path, status = r.status().as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64, "request"
        ),
        Err(e) => tracing::debug!(%method, %path, reason = %e, "request: connection closed without an answer"),
    }
    result
}

/// What a POST turned out to be, for the metrics (and, with a hook, the served journal).
#[derive(Default)]
struct Seen {
    operation: Option<Kind>,
    fault: Option<FaultCode>,
    journal: capture::Seen,
}

impl Seen {
    /// The body of a fault answer, noting the fault for the journal.
    fn fault_body(&mut self, f: &Fault) -> Vec<u8> {
        let r = fault_response(f);
        self.journal.fault = r.fault_sent;
        r.body
    }
}

/// Hands the exchange to the hook and passes the answer on. The answer's bytes are shared
/// with the hook, not copied (`Full`'s one chunk comes out as it went in).
async fn journaled(
    hook: &Hook,
    arrived: SystemTime,
    elapsed: Duration,
    seen: capture::Seen,
    result: Result<Resp, CloseConnection>,
) -> Result<Resp, CloseConnection> {
    match result {
        Ok(r) => {
            let (parts, body) = r.into_parts();
            let bytes = match body.collect().await {
                Ok(c) => c.to_bytes(),
                Err(never) => match never {},
            };
            hook.record(arrived, elapsed, seen, Some(parts.status.as_u16()), bytes.clone());
            Ok(Response::from_parts(parts, Full::new(bytes)))
        }
        Err(e) => {
            hook.record(arrived, elapsed, seen, None, Bytes::new());
            Err(e)
        }
    }
}

async fn post<P: LasProvider>(
    shared: &Shared<P>,
    req: Request<RequestBody>,
    seen: &mut Seen,
) -> Result<Resp, CloseConnection> {
    let cfg = &shared.config;
    // Every refusal before dispatch is an OngeldigBericht; dispatch says what it found.
    seen.fault = Some(FaultCode::OngeldigBericht);
    if let Some(refusal) = content_type_refusal(req.headers().get(CONTENT_TYPE)) {
        let status =
            if refusal.soap12 { StatusCode::INTERNAL_SERVER_ERROR } else { StatusCode::UNSUPPORTED_MEDIA_TYPE };
        // SOAP 1.2's VersionMismatch has no UWLR code: counted as `other`.
        seen.fault = refusal.fault.code;
        let mut r = soap(status, seen.fault_body(&refusal.fault));
        // The body was not read: do not try to reuse the connection.
        close(&mut r);
        return Ok(r);
    }
    let too_large = |seen: &mut Seen| {
        let mut r = soap(
            StatusCode::PAYLOAD_TOO_LARGE,
            seen.fault_body(&Fault::new(
                FaultCode::OngeldigBericht,
                format!(
                    "{}: the request body is larger than this server's limit of {} bytes",
                    FaultCode::OngeldigBericht.default_message(),
                    cfg.max_body_bytes
                ),
            )),
        );
        close(&mut r);
        r
    };
    let declared =
        req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > cfg.max_body_bytes as u64) {
        return Ok(too_large(seen));
    }
    let body = Limited::new(req.into_body(), cfg.max_body_bytes);
    let bytes = match tokio::time::timeout(cfg.body_read_timeout, body.collect()).await {
        Ok(Ok(c)) => c.to_bytes(),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => return Ok(too_large(seen)),
        // Broken off or malformed chunking: the client is gone or confused; nothing to answer.
        Ok(Err(_)) => return Err(CloseConnection("the request body broke off")),
        Err(_) => {
            let mut r = soap(
                StatusCode::REQUEST_TIMEOUT,
                seen.fault_body(&Fault::new(
                    FaultCode::OngeldigBericht,
                    format!(
                        "{}: the request body did not arrive within {} s",
                        FaultCode::OngeldigBericht.default_message(),
                        cfg.body_read_timeout.as_secs_f64()
                    ),
                )),
            );
            close(&mut r);
            return Ok(r);
        }
    };
    if shared.hook.is_some() {
        // Shared, not copied: the hook sees the buffer dispatch reads.
        seen.journal.request = bytes.clone();
    }
    match dispatch::handle_with_injection(&*shared.provider, &bytes, &cfg.dispatch).await {
        Outcome::Drop { operation, school } => {
            (seen.journal.kind, seen.journal.school) = (operation, school);
            Err(CloseConnection("fault injection: drop"))
        }
        Outcome::Respond(r) => {
            (seen.operation, seen.fault) = (r.operation, r.fault);
            (seen.journal.kind, seen.journal.school, seen.journal.fault) = (r.operation, r.school, r.fault_sent);
            if let Some(code) = r.fault {
                tracing::debug!(fault = code.as_str(), "answering with a fault");
            }
            let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            if r.body.is_empty() {
                let mut resp = Response::new(Full::new(Bytes::new()));
                *resp.status_mut() = status;
                Ok(resp)
            } else {
                Ok(soap(status, r.body))
            }
        }
    }
}

/// A content type this server does not take, and the fault that says so.
struct ContentTypeRefusal {
    fault: Fault,
    /// `application/soap+xml`: a SOAP 1.2 client, answered with SOAP 1.1's `VersionMismatch`.
    soap12: bool,
}

/// `None` when the content type is acceptable for SOAP 1.1: `text/xml` (the standard),
/// `application/xml` (harmless), or absent (some scripts omit it; the body decides).
/// A charset other than UTF-8 is refused: UWLR is UTF-8 only.
fn content_type_refusal(ct: Option<&HeaderValue>) -> Option<ContentTypeRefusal> {
    let ct = ct?;
    let text = String::from_utf8_lossy(ct.as_bytes());
    let mut parts = text.split(';');
    let mime = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let expected = "expected Content-Type: text/xml; charset=utf-8 (SOAP 1.1)";
    let shown: String = text.chars().take(100).filter(|c| !c.is_control()).collect();
    let refuse = |message: String| {
        Some(ContentTypeRefusal { fault: Fault::new(FaultCode::OngeldigBericht, message), soap12: false })
    };
    if mime == "application/soap+xml" {
        let fault = dispatch::soap_fault(
            "VersionMismatch",
            format!("the request is sent as SOAP 1.2 (Content-Type '{shown}'); UWLR uses SOAP 1.1: {expected}, with the SOAP 1.1 envelope (namespace http://schemas.xmlsoap.org/soap/envelope/)"),
        );
        return Some(ContentTypeRefusal { fault, soap12: true });
    }
    if mime != "text/xml" && mime != "application/xml" {
        return refuse(format!(
            "{}: Content-Type '{shown}' is not accepted; {expected}",
            FaultCode::OngeldigBericht.default_message()
        ));
    }
    for p in parts {
        if let Some((k, v)) = p.split_once('=') {
            let v = v.trim().trim_matches('"').to_ascii_lowercase();
            if k.trim().eq_ignore_ascii_case("charset") && v != "utf-8" && v != "utf8" {
                return refuse(format!(
                    "{}: charset '{v}' is not accepted; UWLR messages are UTF-8; {expected}",
                    FaultCode::OngeldigBericht.default_message()
                ));
            }
        }
    }
    None
}

/// The overflow handler: every request gets 503 with a transient fault.
fn busy<P>(shared: &Shared<P>, req: &Request<RequestBody>) -> Resp {
    tracing::debug!(method = %req.method(), path = req.uri().path(), "over the connection limit: 503");
    if let Some(m) = &shared.config.metrics {
        m.server_request(None, Some(FaultCode::TijdelijkNietBeschikbaar), 503, Duration::ZERO);
    }
    let f = Fault::new(
        FaultCode::TijdelijkNietBeschikbaar,
        format!(
            "{}: too many connections (limit {}); try again shortly",
            FaultCode::TijdelijkNietBeschikbaar.default_message(),
            shared.config.connection.max_connections
        ),
    );
    let mut r = soap(StatusCode::SERVICE_UNAVAILABLE, fault_response(&f).body);
    r.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("1"));
    close(&mut r);
    r
}

fn soap(status: StatusCode, body: Vec<u8>) -> Resp {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(SOAP_CONTENT_TYPE));
    r
}

fn plain(status: StatusCode, text: &'static str) -> Resp {
    let mut r = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *r.status_mut() = status;
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    r
}

fn close(r: &mut Resp) {
    r.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
}

// ---------------------------------------------------------------------------------------
// WSDL and XSD

/// The embedded UWLR 2.3 service descriptions, by the file name they are served under.
const WSDL_LEERLINGGEGEVENS: &str = include_str!("../../schemas/uwlr-2.3/wsdl/uwlr-leerlinggegevens-2.3.wsdl");
const WSDL_LEERRESULTATEN: &str = include_str!("../../schemas/uwlr-2.3/wsdl/uwlr-leerresultaten-2.3.wsdl");
const XSDS: &[(&str, &str)] = &[
    ("uwlr-leerlinggegevens-2.3.xsd", include_str!("../../schemas/uwlr-2.3/uwlr-leerlinggegevens-2.3.xsd")),
    ("uwlr-leerresultaten-2.3.xsd", include_str!("../../schemas/uwlr-2.3/uwlr-leerresultaten-2.3.xsd")),
    ("uwlr-autorisatie-2.3.xsd", include_str!("../../schemas/uwlr-2.3/uwlr-autorisatie-2.3.xsd")),
    ("uwlr-toetsdefinities-2.3.xsd", include_str!("../../schemas/uwlr-2.3/uwlr-toetsdefinities-2.3.xsd")),
    ("oso-dossier-1.2.xsd", include_str!("../../schemas/uwlr-2.3/oso-dossier-1.2.xsd")),
    ("soap-envelope-1.1.xsd", include_str!("../../schemas/uwlr-2.3/soap-envelope-1.1.xsd")),
];

fn get<P>(shared: &Shared<P>, req: &Request<RequestBody>, scheme: &'static str) -> Resp {
    // The first parameter decides (`?wsdl`, `?WSDL`, `?wsdl=leerresultaten`, `?xsd=name`).
    let query = req.uri().query().unwrap_or("").split('&').next().unwrap_or("");
    let (key, value) = match query.split_once('=') {
        Some((k, v)) => (k, Some(v)),
        None => (query, None),
    };
    let url = service_url(shared, req, scheme);
    if key.eq_ignore_ascii_case("wsdl") {
        let resultaten = value.is_some_and(|v| v.eq_ignore_ascii_case("leerresultaten"))
            || (value.is_none_or(|v| v.is_empty()) && req.uri().path().to_ascii_lowercase().contains("leerresultaten"));
        let wsdl = if resultaten { WSDL_LEERRESULTATEN } else { WSDL_LEERLINGGEGEVENS };
        return xml_document(rewrite(wsdl, &url, true));
    }
    if key.eq_ignore_ascii_case("xsd") {
        if let Some((_, text)) = XSDS.iter().find(|(name, _)| Some(*name) == value) {
            return xml_document(rewrite(text, &url, false));
        }
        return plain(StatusCode::NOT_FOUND, "UWLR: no such schema; the WSDL names the ones served here\n");
    }
    plain(StatusCode::NOT_FOUND, "UWLR: POST a SOAP 1.1 request here; GET ?wsdl for the service description\n")
}

fn xml_document(text: String) -> Resp {
    let mut r = Response::new(Full::new(Bytes::from(text)));
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(SOAP_CONTENT_TYPE));
    r
}

/// `scheme://host/path` of this request, XML-escaped for an attribute. The Host header is
/// used when it looks like a host (name or address, optional port), else the listener's
/// address; a proxy in front must pass the Host header on.
fn service_url<P>(shared: &Shared<P>, req: &Request<RequestBody>, scheme: &str) -> String {
    let host = req
        .headers()
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty() && h.len() <= 255 && h.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]_".contains(&b))
        })
        .map(str::to_owned)
        .unwrap_or_else(|| shared.local_addr.to_string());
    let url = format!("{scheme}://{host}{}", req.uri().path());
    // Attribute escaping: the URL goes into double-quoted attributes (see `rewrite`).
    crate::xml::escape(&url, true).into_owned()
}

/// Points every `schemaLocation` naming an embedded XSD at `url?xsd=<name>` and, in a
/// WSDL, every `soap:address location` at `url`. `url` is already escaped.
fn rewrite(text: &str, url: &str, wsdl: bool) -> String {
    let mut out = replace_attr(text, "schemaLocation=\"", |old| {
        let name = old.rsplit('/').next().unwrap_or(old);
        XSDS.iter().any(|(n, _)| *n == name).then(|| format!("{url}?xsd={name}"))
    });
    if wsdl {
        out = replace_attr(&out, "<soap:address location=\"", |_| Some(url.to_owned()));
    }
    out
}

/// Replaces the value after each `prefix` (up to the closing `"`) with `f(value)` when it
/// gives one.
fn replace_attr(text: &str, prefix: &str, f: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len() + 512);
    let mut rest = text;
    while let Some(i) = rest.find(prefix) {
        let start = i + prefix.len();
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let Some(end) = rest.find('"') else { break };
        match f(&rest[..end]) {
            Some(new) => out.push_str(&new),
            None => out.push_str(&rest[..end]),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        let ok = |s: &'static str| content_type_refusal(Some(&HeaderValue::from_static(s))).is_none();
        assert!(content_type_refusal(None).is_none());
        assert!(ok("text/xml"));
        assert!(ok("text/xml; charset=utf-8"));
        assert!(ok("Text/XML;charset=\"UTF-8\""));
        assert!(ok("application/xml"));
        assert!(!ok("application/json"));
        assert!(!ok("text/xml; charset=iso-8859-1"));
        let r = content_type_refusal(Some(&HeaderValue::from_static("application/soap+xml"))).unwrap();
        assert!(r.soap12 && r.fault.raw_code == "VersionMismatch", "{:?}", r.fault);
        assert!(r.fault.message.contains("SOAP 1.2") && r.fault.message.contains("text/xml"), "{}", r.fault.message);
        let r = content_type_refusal(Some(&HeaderValue::from_static("application/json"))).unwrap();
        assert!(!r.soap12 && r.fault.code == Some(FaultCode::OngeldigBericht));
    }

    #[test]
    fn wsdl_rewrite_points_everything_at_the_server() {
        let url = "http://127.0.0.1:8080/uwlr";
        let w = rewrite(WSDL_LEERLINGGEGEVENS, url, true);
        assert!(w.contains("<soap:address location=\"http://127.0.0.1:8080/uwlr\"/>"));
        assert!(!w.contains("localhost:8080"));
        assert!(w.contains("schemaLocation=\"http://127.0.0.1:8080/uwlr?xsd=uwlr-leerlinggegevens-2.3.xsd\""));
        assert!(w.contains("schemaLocation=\"http://127.0.0.1:8080/uwlr?xsd=uwlr-autorisatie-2.3.xsd\""));
        assert!(!w.contains("schemaLocation=\"../"));
        for (_, xsd) in XSDS {
            let x = rewrite(xsd, url, false);
            let mut rest = x.as_str();
            while let Some(i) = rest.find("schemaLocation=\"") {
                rest = &rest[i + 16..];
                assert!(rest.starts_with("http://127.0.0.1:8080/uwlr?xsd="), "{}", &rest[..60.min(rest.len())]);
            }
        }
    }

    #[test]
    fn url_is_escaped() {
        assert_eq!(crate::xml::escape("http://h/a&b\"'<>", true), "http://h/a&amp;b&quot;'&lt;&gt;");
    }
}
