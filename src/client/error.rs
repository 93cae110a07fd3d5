//! What can go wrong calling a LAS, and which of it is worth a retry.

use crate::message::fault::{Fault, FaultCode};
use crate::message::{DecodeError, EncodeError, Kind};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The LAS answered with a SOAP fault. `Fault::code` was read from the local part of
    /// `faultcode`, whatever its prefix.
    #[error("the LAS answered with a fault: {0}")]
    Fault(Fault),
    /// No connection, or the connection broke before the answer was complete.
    #[error("connection error: {0}")]
    Connect(String),
    /// No complete answer within `connect_timeout` / `response_timeout`.
    #[error("no complete answer in time")]
    Timeout,
    /// An HTTP error status without a SOAP fault in the body.
    #[error("HTTP {status}: {body_start}")]
    Http { status: u16, body_start: String },
    /// The answer is larger than `max_response_bytes`.
    #[error("the answer is larger than the limit of {limit} bytes")]
    TooLarge { limit: usize },
    /// The answer could not be read as UWLR.
    #[error("the answer is not valid UWLR: {0}")]
    Decode(DecodeError),
    /// A valid UWLR message, but not the answer to this request.
    #[error("unexpected answer <{}>", .0.element())]
    UnexpectedAnswer(Kind),
    /// Our own request breaks the schema; nothing was sent.
    #[error("the request cannot be encoded: {0}")]
    Encode(EncodeError),
    /// The TLS handshake failed: unknown CA, name mismatch, client certificate refused...
    #[error("TLS: {0}")]
    Tls(String),
    /// The `ClientConfig` is unusable (endpoint URL, PEM material).
    #[error("client configuration: {0}")]
    Config(String),
}

impl ClientError {
    /// Whether the same request may succeed later without anyone changing anything:
    /// connection errors, timeouts, HTTP 502/503/504 and `Server.TijdelijkNietBeschikbaar`.
    /// Never a `Client.*` fault, a TLS or a decoding problem.
    pub fn is_transient(&self) -> bool {
        match self {
            ClientError::Connect(_) | ClientError::Timeout => true,
            ClientError::Http { status, .. } => matches!(status, 502..=504),
            ClientError::Fault(f) => f.code.is_some_and(FaultCode::is_transient),
            _ => false,
        }
    }

    /// A short code for what went wrong, for the exchange journal: the fault's own code as
    /// sent (`Client.AutorisatieOngeldig`), else the kind of failure (`timeout`, `http`...).
    pub fn kind_code(&self) -> String {
        match self {
            ClientError::Fault(f) => {
                let local = f.raw_code.rsplit(':').next().unwrap_or_default().trim();
                if local.is_empty() {
                    "fault".into()
                } else {
                    local.to_string()
                }
            }
            ClientError::Connect(_) => "connect".into(),
            ClientError::Timeout => "timeout".into(),
            ClientError::Http { .. } => "http".into(),
            ClientError::TooLarge { .. } => "too_large".into(),
            ClientError::Decode(_) => "decode".into(),
            ClientError::UnexpectedAnswer(_) => "unexpected_answer".into(),
            ClientError::Encode(_) => "encode".into(),
            ClientError::Tls(_) => "tls".into(),
            ClientError::Config(_) => "config".into(),
        }
    }

    /// The UWLR fault code, when this is a fault with a known code.
    pub fn fault_code(&self) -> Option<FaultCode> {
        match self {
            ClientError::Fault(f) => f.code,
            _ => None,
        }
    }
}

/// Sorts a reqwest error: TLS problems (found anywhere in its source chain), timeouts,
/// and everything else as a connection error. The text is the whole chain.
pub(crate) fn from_reqwest(e: &reqwest::Error) -> ClientError {
    let chain = chain_text(e);
    if e.is_timeout() {
        return ClientError::Timeout;
    }
    if is_tls(e) {
        return ClientError::Tls(chain);
    }
    ClientError::Connect(chain)
}

/// An error and its sources, without repeating what an outer message already says.
pub(crate) fn chain_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let t = s.to_string();
        if !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        cur = s.source();
    }
    parts.join(": ")
}

pub(crate) fn is_tls(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = cur {
        if s.downcast_ref::<rustls::Error>().is_some() {
            return true;
        }
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            if io.get_ref().is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some()) {
                return true;
            }
        }
        // reqwest's connector passes rustls errors on as text in an `io::Error`: recognise
        // rustls' own wording.
        let text = s.to_string().to_ascii_lowercase();
        if TLS_WORDING.iter().any(|w| text.contains(w)) {
            return true;
        }
        cur = s.source();
    }
    false
}

/// Fragments of rustls' `Error` display texts.
const TLS_WORDING: &[&str] = &[
    "invalid peer certificate",
    "received fatal alert",
    "peer is incompatible",
    "peer misbehaved",
    "no certificates",
    "handshake",
];
