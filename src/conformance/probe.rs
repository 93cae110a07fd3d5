//! Raw HTTP exchanges with the endpoint under test. The suite sends bytes it made itself
//! (many of its requests are broken on purpose, which the typed client cannot express)
//! and keeps everything about the answer: status, content type, bytes, time.
//!
//! Same TLS stack as [`crate::client`]: reqwest with rustls, the platform's roots plus
//! `--ca`, our client certificate when given. No retries: a conformance run reports what
//! happened the first time.

use super::target::Target;
use crate::client::error::{chain_text, is_tls};
use std::fmt;
use std::time::{Duration, Instant};

/// Largest answer read (a big school is tens of MB).
const MAX_ANSWER: usize = 64 << 20;

/// One complete HTTP answer.
#[derive(Debug, Clone)]
pub(super) struct Exchange {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    /// From sending the request to the last byte of the answer.
    pub elapsed: Duration,
}

/// No complete answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ProbeError {
    /// The TLS handshake failed (certificate, version, client certificate...).
    Tls(String),
    /// No connection, or it broke before the answer was complete.
    Connect(String),
    Timeout(Duration),
    TooLarge,
}

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProbeError::Tls(t) => write!(f, "TLS failed: {t}"),
            ProbeError::Connect(t) => write!(f, "no answer: {t}"),
            ProbeError::Timeout(d) => write!(f, "no complete answer within {} s", d.as_secs_f64()),
            ProbeError::TooLarge => write!(f, "the answer is larger than {} MB", MAX_ANSWER >> 20),
        }
    }
}

impl ProbeError {
    /// What to look at, by kind of failure.
    pub(super) fn fix(&self) -> &'static str {
        match self {
            ProbeError::Tls(_) => "See transport.tls: the TLS handshake must succeed before anything else can",
            ProbeError::Connect(_) => {
                "Is the endpoint URL right and reachable from here? A connection closed without an answer is never \
                 a valid UWLR answer: answer with a SOAP fault instead"
            }
            ProbeError::Timeout(_) => "Answer within the timeout (--timeout); see transport.timing",
            ProbeError::TooLarge => "Answers this large cannot be the answer for one school location",
        }
    }
}

/// The HTTP side of a run.
pub(super) struct Probe {
    http: reqwest::Client,
    timeout: Duration,
}

impl Probe {
    pub(super) fn new(t: &Target) -> Result<Probe, String> {
        let mut builder = reqwest::Client::builder()
            .tls_backend_rustls()
            .connect_timeout(t.timeout.min(Duration::from_secs(15)))
            .user_agent(concat!("uwlr-conformance/", env!("CARGO_PKG_VERSION")));
        if let Some(ca) = &t.ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(ca).map_err(|e| format!("--ca: {e}"))?;
            if certs.is_empty() {
                return Err("--ca: no CERTIFICATE block in the PEM".into());
            }
            builder = builder.tls_certs_merge(certs);
        }
        if let Some(id) = &t.client_identity_pem {
            let identity =
                reqwest::Identity::from_pem(id).map_err(|e| format!("--client-identity: {}", chain_text(&e)))?;
            builder = builder.identity(identity);
        }
        let http = builder.build().map_err(|e| chain_text(&e))?;
        for url in [Some(&t.endpoint), t.getrapt_endpoint.as_ref(), t.results_endpoint.as_ref()].into_iter().flatten() {
            let u = reqwest::Url::parse(url).map_err(|e| format!("'{url}': {e}"))?;
            if !matches!(u.scheme(), "http" | "https") {
                return Err(format!("'{url}': not an http(s) URL"));
            }
        }
        Ok(Probe { http, timeout: t.timeout })
    }

    /// POSTs a SOAP request. `soap_action: None` sends no SOAPAction header; the value is
    /// sent as given (quote it yourself).
    pub(super) async fn post(
        &self,
        url: &str,
        soap_action: Option<&str>,
        body: Vec<u8>,
    ) -> Result<Exchange, ProbeError> {
        let mut req = self.http.post(url).header("Content-Type", "text/xml; charset=utf-8").body(body);
        if let Some(a) = soap_action {
            req = req.header("SOAPAction", a);
        }
        self.send(req).await
    }

    pub(super) async fn get(&self, url: &str) -> Result<Exchange, ProbeError> {
        self.send(self.http.get(url)).await
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<Exchange, ProbeError> {
        let started = Instant::now();
        let work = async {
            let mut resp = req.send().await.map_err(|e| classify(&e, self.timeout))?;
            let status = resp.status().as_u16();
            let content_type =
                resp.headers().get(reqwest::header::CONTENT_TYPE).map(|v| String::from_utf8_lossy(v.as_bytes()).into());
            if resp.content_length().is_some_and(|n| n > MAX_ANSWER as u64) {
                return Err(ProbeError::TooLarge);
            }
            let mut body = Vec::new();
            while let Some(chunk) = resp.chunk().await.map_err(|e| classify(&e, self.timeout))? {
                if body.len() + chunk.len() > MAX_ANSWER {
                    return Err(ProbeError::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            Ok((status, content_type, body))
        };
        match tokio::time::timeout(self.timeout, work).await {
            Ok(Ok((status, content_type, body))) => {
                Ok(Exchange { status, content_type, body, elapsed: started.elapsed() })
            }
            Ok(Err(e)) => Err(e),
            Err(_) => Err(ProbeError::Timeout(self.timeout)),
        }
    }
}

fn classify(e: &reqwest::Error, timeout: Duration) -> ProbeError {
    if e.is_timeout() {
        return ProbeError::Timeout(timeout);
    }
    let text = chain_text(e);
    let lower = text.to_ascii_lowercase();
    // reqwest passes rustls' errors on as text: recognise rustls' wording.
    let tls = ["certificate", "handshake", "received fatal alert", "peer is incompatible", "peer misbehaved", "tls"];
    if is_tls(e) || tls.iter().any(|w| lower.contains(w)) {
        ProbeError::Tls(text)
    } else {
        ProbeError::Connect(text)
    }
}

/// `url` with `?wsdl` (or `&wsdl` after an existing query).
pub(super) fn wsdl_url(url: &str) -> String {
    if url.contains('?') {
        format!("{url}&wsdl")
    } else {
        format!("{url}?wsdl")
    }
}

/// The first bytes of an answer as text, for messages.
pub(super) fn body_start(body: &[u8]) -> String {
    let t: String = String::from_utf8_lossy(&body[..body.len().min(400)]).chars().take(160).collect();
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}
