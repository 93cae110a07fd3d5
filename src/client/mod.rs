//! The UWLR SOAP client: what the gateway uses to pull pupil data from a LAS and push
//! results back (the educational application is always the caller, UWLR.md §1).
//!
//! One [`Client`] per LAS endpoint. Each operation encodes the request in a SOAP 1.1
//! envelope with the `autorisatie` header, POSTs it with the operation's SOAPAction
//! (quoted, as SOAP 1.1 says), reads the answer streamed under a size cap, and decodes it
//! (lenient by default: real LAS answers deviate, and the deviations come back as
//! warnings). A SOAP fault becomes [`ClientError::Fault`], matched on the local part of
//! `faultcode` whatever its prefix.
//!
//! Retries: only for [`ClientError::is_transient`] errors (connection errors, timeouts,
//! HTTP 502/503/504, `Server.TijdelijkNietBeschikbaar`), with exponential backoff and
//! jitter, honouring `Retry-After` up to `max_delay`. A `Client.*` fault is never retried.
//! Re-sending `BrengLeerresultaten` after a connection broke mid-answer is safe in UWLR:
//! results are identified by their keys and a re-sent result overwrites (UWLR.md §4).
//!
//! TLS: rustls (aws-lc-rs) through reqwest. `ca_pem` adds roots to the platform's; a client
//! certificate (`client_identity_pem`) is presented when the server asks for one.
//!
//! Privacy: request and answer bodies are never logged; [`Capture`] receives them with the
//! `autorisatiesleutel` replaced by `***REDACTED***` (the element content in the request,
//! and every occurrence of the key, raw or XML-escaped, in both directions).

pub(crate) mod error;
mod pool;

pub use error::ClientError;
pub use pool::Pool;

use crate::message::leerlinggegevens::{
    GroepenVerzoek, LeerkrachtenAntwoord, LeerlingenAntwoord, LeerlinggegevensAntwoord, StructuurAntwoord, Verzoek,
};
use crate::message::leerresultaten::LeerresultatenVerzoek;
use crate::message::{Autorisatie, Body, EncodeOptions, Kind};
use crate::xml::{DecodeOptions, Diagnostic};
use hyper::body::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE, RETRY_AFTER};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What replaces the key in captured exchanges.
pub use crate::redact::REDACTED;

/// Receives every exchange for audit (the gateway's exchange journal is one): called once per
/// attempt, retries included, with the key redacted everywhere in it.
pub trait Capture: Send + Sync {
    fn exchange(&self, exchange: &Exchange<'_>);
}

/// One attempt of one operation, as [`Capture`] receives it. Every byte and text in it has
/// the key replaced by [`REDACTED`] (raw and XML-escaped).
#[derive(Debug, Clone, Copy)]
pub struct Exchange<'a> {
    /// `HaalLeerlinggegevens`, `HaalStructuur`, `BrengLeerresultaten`...
    pub operation: &'a str,
    /// 1 for the first try.
    pub attempt: u32,
    /// The request as sent.
    pub request: &'a [u8],
    /// `None` when no complete answer arrived (then `response` is empty).
    pub status: Option<u16>,
    /// The answer as received.
    pub response: &'a [u8],
    /// From sending to the whole answer read (or the failure).
    pub elapsed: Duration,
    /// What the attempt failed with: the UWLR fault code (`Client.AutorisatieOngeldig`) or
    /// the kind of failure (`timeout`, `connect`, `http`, `decode`...), and its text.
    pub fault: Option<(&'a str, &'a str)>,
}

/// Retry schedule for transient errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all, the first included (1 = no retry).
    pub attempts: u32,
    /// Delay before the first retry; it doubles per retry.
    pub base_delay: Duration,
    /// Upper bound of any delay (also of a `Retry-After`).
    pub max_delay: Duration,
}

impl RetryPolicy {
    pub fn none() -> Self {
        RetryPolicy { attempts: 1, ..Default::default() }
    }

    /// The delay after failed attempt `n` (1-based): `base * 2^(n-1)` capped at `max`,
    /// then drawn uniformly from its upper half ("equal jitter", so that callers that
    /// failed together do not retry together, yet never retry at once).
    pub fn delay(&self, n: u32) -> Duration {
        let exp = self.base_delay.saturating_mul(1u32 << (n.saturating_sub(1)).min(20)).min(self.max_delay);
        exp / 2 + exp.mul_f64(random_fraction() / 2.0)
    }
}

impl Default for RetryPolicy {
    /// 4 tries, 250 ms first delay, 10 s at most.
    fn default() -> Self {
        RetryPolicy { attempts: 4, base_delay: Duration::from_millis(250), max_delay: Duration::from_secs(10) }
    }
}

/// A number in [0, 1), different per call (std's per-instance random hash keys plus the
/// clock); good enough for jitter, not for anything secret.
fn random_fraction() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos());
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// How to reach one LAS endpoint.
#[derive(Clone)]
pub struct ClientConfig {
    /// The service URL (`http://` or `https://`).
    pub endpoint: String,
    /// Extra trusted root certificate(s), PEM, added to the platform's roots.
    pub ca_pem: Option<Vec<u8>>,
    /// Our certificate chain and private key in one PEM (ESIS demands a client
    /// certificate).
    pub client_identity_pem: Option<Vec<u8>>,
    /// Time to set up TCP (and TLS). Default 10 s.
    pub connect_timeout: Duration,
    /// Time for one whole exchange: sending, waiting, reading the answer. Default 120 s
    /// (a large school's answer is built and sent slowly by some LAS systems).
    pub response_timeout: Duration,
    /// Largest answer accepted. Default 64 MiB. The decoder's byte limit is raised to
    /// this if it is lower.
    pub max_response_bytes: usize,
    pub retry: RetryPolicy,
    /// Sent with every request, e.g. `IddinkHub-Subscription-Key`. Never logged.
    pub extra_headers: Vec<(String, String)>,
    pub capture: Option<Arc<dyn Capture>>,
    /// How answers are read. Default lenient.
    pub decode: DecodeOptions,
    /// Share the HTTP client (TLS verifier, connections) with the other clients of this
    /// pool that have the same TLS setting; `None` builds one for this client alone.
    pub pool: Option<Pool>,
}

impl ClientConfig {
    /// Defaults for everything but the endpoint.
    pub fn new(endpoint: impl Into<String>) -> Self {
        ClientConfig {
            endpoint: endpoint.into(),
            ca_pem: None,
            client_identity_pem: None,
            connect_timeout: Duration::from_secs(10),
            response_timeout: Duration::from_secs(120),
            max_response_bytes: 64 << 20,
            retry: RetryPolicy::default(),
            extra_headers: Vec::new(),
            capture: None,
            decode: DecodeOptions::lenient(),
            pool: None,
        }
    }
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig::new("")
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header_names: Vec<&str> = self.extra_headers.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("ClientConfig")
            .field("endpoint", &self.endpoint)
            .field("ca_pem", &self.ca_pem.as_ref().map(|c| format!("{} bytes", c.len())))
            .field("client_identity_pem", &self.client_identity_pem.as_ref().map(|_| "<redacted>"))
            .field("connect_timeout", &self.connect_timeout)
            .field("response_timeout", &self.response_timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("retry", &self.retry)
            .field("extra_headers (values redacted)", &header_names)
            .field("capture", &self.capture.is_some())
            .field("decode", &self.decode)
            .field("pool", &self.pool)
            .finish()
    }
}

/// A decoded answer with what lenient reading let through, and the bytes it was decoded
/// from: the HTTP body exactly as the other side sent it (the gateway keeps a LAS answer
/// as received, see `Gateway::fetch`).
#[derive(Debug, Clone, PartialEq)]
pub struct Answer<T> {
    pub value: T,
    pub warnings: Vec<Diagnostic>,
    pub received: Vec<u8>,
}

/// One UWLR operation: its name, SOAPAction (UWLR.md §1) and the answer it expects.
#[derive(Debug, Clone, Copy)]
struct Operation {
    name: &'static str,
    soap_action: &'static str,
    answer: Kind,
}

const HAAL_LEERLINGGEGEVENS: Operation = Operation {
    name: "HaalLeerlinggegevens",
    soap_action: "\"HaalLeerlinggegevens\"",
    answer: Kind::LeerlinggegevensAntwoord,
};
const HAAL_STRUCTUUR: Operation = Operation {
    name: "HaalStructuur",
    soap_action: "\"http://www.edustandaard.nl/leerresultaten/2/leerlinggegevens/structuur_verzoek\"",
    answer: Kind::StructuurAntwoord,
};
const HAAL_LEERLINGEN: Operation = Operation {
    name: "HaalLeerlingen",
    soap_action: "\"http://www.edustandaard.nl/leerresultaten/2/leerlinggegevens/leerlingen_verzoek\"",
    answer: Kind::LeerlingenAntwoord,
};
const HAAL_LEERKRACHTEN: Operation = Operation {
    name: "HaalLeerkrachten",
    soap_action: "\"http://www.edustandaard.nl/leerresultaten/2/leerlinggegevens/leerkrachten_verzoek\"",
    answer: Kind::LeerkrachtenAntwoord,
};
const BRENG_LEERRESULTATEN: Operation = Operation {
    name: "BrengLeerresultaten",
    soap_action: "\"BrengLeerresultaten\"",
    answer: Kind::LeerresultatenBevestiging,
};

/// A UWLR client for one endpoint. Cheap to clone (connections are pooled and shared).
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    endpoint: reqwest::Url,
    headers: HeaderMap,
    response_timeout: Duration,
    max_response_bytes: usize,
    retry: RetryPolicy,
    capture: Option<Arc<dyn Capture>>,
    decode: DecodeOptions,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("endpoint", &self.endpoint.as_str()).finish_non_exhaustive()
    }
}

/// A complete HTTP answer.
struct Raw {
    status: u16,
    retry_after: Option<Duration>,
    body: Vec<u8>,
}

impl Client {
    pub fn new(config: ClientConfig) -> Result<Client, ClientError> {
        let endpoint = reqwest::Url::parse(&config.endpoint)
            .map_err(|e| ClientError::Config(format!("endpoint '{}': {e}", config.endpoint)))?;
        if !matches!(endpoint.scheme(), "http" | "https") {
            return Err(ClientError::Config(format!("endpoint '{}': not an http(s) URL", config.endpoint)));
        }
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/xml; charset=utf-8"));
        for (k, v) in &config.extra_headers {
            let name = HeaderName::from_bytes(k.as_bytes())
                .map_err(|_| ClientError::Config(format!("extra header name '{k}' is not valid")))?;
            let mut value = HeaderValue::from_str(v)
                .map_err(|_| ClientError::Config(format!("the value of extra header '{k}' is not valid")))?;
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        let setting = pool::Setting {
            connect_timeout: config.connect_timeout,
            ca_pem: config.ca_pem,
            identity_pem: config.client_identity_pem,
        };
        let http = match &config.pool {
            Some(p) => p.client(&setting)?,
            None => pool::build(&setting)?,
        };
        let mut decode = config.decode;
        decode.limits.max_bytes = decode.limits.max_bytes.max(config.max_response_bytes);
        Ok(Client {
            http,
            endpoint,
            headers,
            response_timeout: config.response_timeout,
            max_response_bytes: config.max_response_bytes,
            retry: config.retry,
            capture: config.capture,
            decode,
        })
    }

    pub fn endpoint(&self) -> &str {
        self.endpoint.as_str()
    }

    /// HaalLeerlinggegevens: everything about one school location in one answer.
    pub async fn haal_leerlinggegevens(
        &self,
        auth: &Autorisatie,
        req: &Verzoek,
    ) -> Result<Answer<LeerlinggegevensAntwoord>, ClientError> {
        let body = Body::LeerlinggegevensVerzoek(req.clone());
        match self.call(HAAL_LEERLINGGEGEVENS, auth, &body).await? {
            (Body::LeerlinggegevensAntwoord(value), warnings, received) => Ok(Answer { value, warnings, received }),
            (other, ..) => Err(ClientError::UnexpectedAnswer(other.kind())),
        }
    }

    /// HaalStructuur (getrapt): school, locations and groups.
    pub async fn haal_structuur(
        &self,
        auth: &Autorisatie,
        req: &Verzoek,
    ) -> Result<Answer<StructuurAntwoord>, ClientError> {
        let body = Body::StructuurVerzoek(req.clone());
        match self.call(HAAL_STRUCTUUR, auth, &body).await? {
            (Body::StructuurAntwoord(value), warnings, received) => Ok(Answer { value, warnings, received }),
            (other, ..) => Err(ClientError::UnexpectedAnswer(other.kind())),
        }
    }

    /// HaalLeerlingen (getrapt): the pupils of the selected groups.
    pub async fn haal_leerlingen(
        &self,
        auth: &Autorisatie,
        req: &GroepenVerzoek,
    ) -> Result<Answer<LeerlingenAntwoord>, ClientError> {
        let body = Body::LeerlingenVerzoek(req.clone());
        match self.call(HAAL_LEERLINGEN, auth, &body).await? {
            (Body::LeerlingenAntwoord(value), warnings, received) => Ok(Answer { value, warnings, received }),
            (other, ..) => Err(ClientError::UnexpectedAnswer(other.kind())),
        }
    }

    /// HaalLeerkrachten (getrapt): the teachers of the selected groups.
    pub async fn haal_leerkrachten(
        &self,
        auth: &Autorisatie,
        req: &GroepenVerzoek,
    ) -> Result<Answer<LeerkrachtenAntwoord>, ClientError> {
        let body = Body::LeerkrachtenVerzoek(req.clone());
        match self.call(HAAL_LEERKRACHTEN, auth, &body).await? {
            (Body::LeerkrachtenAntwoord(value), warnings, received) => Ok(Answer { value, warnings, received }),
            (other, ..) => Err(ClientError::UnexpectedAnswer(other.kind())),
        }
    }

    /// BrengLeerresultaten: the whole message is accepted (`Ok`) or refused with one fault.
    pub async fn breng_leerresultaten(
        &self,
        auth: &Autorisatie,
        req: &LeerresultatenVerzoek,
    ) -> Result<Answer<()>, ClientError> {
        let body = Body::LeerresultatenVerzoek(req.clone());
        match self.call(BRENG_LEERRESULTATEN, auth, &body).await? {
            (Body::LeerresultatenBevestiging(_), warnings, received) => Ok(Answer { value: (), warnings, received }),
            (other, ..) => Err(ClientError::UnexpectedAnswer(other.kind())),
        }
    }

    /// Encodes once, then tries up to `retry.attempts` times.
    async fn call(
        &self,
        op: Operation,
        auth: &Autorisatie,
        body: &Body,
    ) -> Result<(Body, Vec<Diagnostic>, Vec<u8>), ClientError> {
        let opts = EncodeOptions { envelope: true, indent: false, declaration: true };
        let bytes = crate::message::encode_to_vec(body, Some(auth), &opts).map_err(ClientError::Encode)?;
        let redacted_request =
            self.capture.as_ref().map(|_| crate::redact::key_in_request(&bytes, &auth.autorisatiesleutel));
        let bytes = Bytes::from(bytes);
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let started = Instant::now();
            let raw = match tokio::time::timeout(self.response_timeout, self.exchange(op, bytes.clone())).await {
                Ok(r) => r,
                Err(_) => Err(ClientError::Timeout),
            };
            let elapsed = started.elapsed();
            let captured = match (&self.capture, &raw) {
                (Some(_), Ok(r)) => {
                    Some((Some(r.status), crate::redact::key_in_bytes(&r.body, &auth.autorisatiesleutel)))
                }
                (Some(_), Err(_)) => Some((None, Vec::new())),
                (None, _) => None,
            };
            let retry_after = raw.as_ref().ok().and_then(|r| r.retry_after);
            let result = raw.and_then(|r| {
                let (body, warnings) = self.interpret(op, &r, &auth.autorisatiesleutel)?;
                Ok((body, warnings, r.body))
            });
            if let (Some(capture), Some(request), Some((status, response))) =
                (&self.capture, &redacted_request, &captured)
            {
                let failure = result.as_ref().err().map(|e| {
                    let text = crate::redact::key_in_text(&e.to_string(), &auth.autorisatiesleutel);
                    (e.kind_code(), text)
                });
                capture.exchange(&Exchange {
                    operation: op.name,
                    attempt,
                    request,
                    status: *status,
                    response,
                    elapsed,
                    fault: failure.as_ref().map(|(c, t)| (c.as_str(), t.as_str())),
                });
            }
            match result {
                Ok(answer) => {
                    tracing::debug!(
                        operation = op.name,
                        attempt,
                        elapsed_ms = started.elapsed().as_millis() as u64,
                        warnings = answer.1.len(),
                        "UWLR exchange done"
                    );
                    return Ok(answer);
                }
                Err(e) if e.is_transient() && attempt < self.retry.attempts.max(1) => {
                    let delay =
                        self.retry.delay(attempt).max(retry_after.unwrap_or_default()).min(self.retry.max_delay);
                    tracing::info!(operation = op.name, attempt, error = %e, delay_ms = delay.as_millis() as u64,
                        "transient failure: retrying");
                    tokio::time::sleep(delay).await;
                }
                Err(e) => {
                    tracing::debug!(operation = op.name, attempt, error = %e, "UWLR exchange failed");
                    return Err(e);
                }
            }
        }
    }

    /// One POST, the answer read in full under the size cap.
    async fn exchange(&self, op: Operation, body: Bytes) -> Result<Raw, ClientError> {
        let mut resp = self
            .http
            .post(self.endpoint.clone())
            .headers(self.headers.clone())
            .header("SOAPAction", op.soap_action)
            .body(body)
            .send()
            .await
            .map_err(|e| error::from_reqwest(&e))?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let limit = self.max_response_bytes;
        if resp.content_length().is_some_and(|n| n > limit as u64) {
            return Err(ClientError::TooLarge { limit });
        }
        let mut buf = Vec::with_capacity(resp.content_length().map_or(16 << 10, |n| n as usize));
        while let Some(chunk) = resp.chunk().await.map_err(|e| error::from_reqwest(&e))? {
            if buf.len() + chunk.len() > limit {
                return Err(ClientError::TooLarge { limit });
            }
            buf.extend_from_slice(&chunk);
        }
        Ok(Raw { status, retry_after, body: buf })
    }

    /// An answer's bytes to a UWLR body, or the error they amount to.
    fn interpret(&self, op: Operation, raw: &Raw, key: &str) -> Result<(Body, Vec<Diagnostic>), ClientError> {
        let ok = (200..300).contains(&raw.status);
        let http_error = |raw: &Raw| {
            let shown = crate::redact::key_in_bytes(&raw.body[..raw.body.len().min(600)], key);
            let text: String = String::from_utf8_lossy(&shown).chars().take(200).collect();
            ClientError::Http { status: raw.status, body_start: text.trim().to_string() }
        };
        if !ok && raw.body.is_empty() {
            return Err(http_error(raw));
        }
        match crate::message::decode(&raw.body, &self.decode) {
            Ok(d) => match d.body {
                Body::Fault(f) => Err(ClientError::Fault(f)),
                b if !ok => {
                    tracing::debug!(
                        operation = op.name,
                        kind = b.kind().element(),
                        "a UWLR answer with an error status"
                    );
                    Err(http_error(raw))
                }
                b if b.kind() == op.answer => Ok((b, d.warnings)),
                b => Err(ClientError::UnexpectedAnswer(b.kind())),
            },
            Err(_) if !ok => Err(http_error(raw)),
            Err(e) => Err(ClientError::Decode(e)),
        }
    }
}

fn error_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy { attempts: 10, base_delay: Duration::from_millis(100), max_delay: Duration::from_secs(1) };
        for _ in 0..50 {
            let d1 = p.delay(1);
            assert!(d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100), "{d1:?}");
            let d3 = p.delay(3);
            assert!(d3 >= Duration::from_millis(200) && d3 <= Duration::from_millis(400), "{d3:?}");
            assert!(p.delay(30) <= Duration::from_secs(1));
        }
    }

    #[test]
    fn transient_classification() {
        use crate::message::fault::{Fault, FaultCode};
        assert!(ClientError::Timeout.is_transient());
        assert!(ClientError::Http { status: 503, body_start: String::new() }.is_transient());
        assert!(!ClientError::Http { status: 500, body_start: String::new() }.is_transient());
        assert!(ClientError::Fault(Fault::standard(FaultCode::TijdelijkNietBeschikbaar)).is_transient());
        assert!(!ClientError::Fault(Fault::standard(FaultCode::AutorisatieOngeldig)).is_transient());
        assert!(!ClientError::Tls("x".into()).is_transient());
    }
}
