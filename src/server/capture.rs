//! The server's side of the exchange journal: an embedder (a LAS vendor, `uwlr mock-las
//! --journal-served`) may keep every exchange the server serves, as the gateway keeps every
//! exchange it makes (docs/journal.md). Off unless [`super::ServerConfig::capture`] is set;
//! then each POST, answered or not, is handed to the hook once, with the key masked.
//!
//! The hook cannot fail or hold up the exchange it records: it returns nothing, it is called
//! after the answer is ready, on tokio's blocking pool (a panic in it ends that task, not the
//! exchange), and when [`MAX_PENDING`] calls are still waiting the exchange is not recorded
//! (logged, and counted in `uwlr_journal_write_failures_total` when the server counts metrics)
//! rather than queued without bound. Bodies are only kept for it (no copy: the request and
//! answer buffers are shared) when a hook is set.
//!
//! Masking: the server knows no key beforehand, so it takes it from the request: the content
//! of every `autorisatiesleutel` element is replaced ([`crate::redact::key_elements`]), and
//! every other occurrence of that content, as written, unescaped or trimmed, raw or
//! XML-escaped ([`crate::redact::key_forms`]), in the request, the answer and the fault text.

use crate::message::values::SchoolId;
use crate::message::Kind;
use crate::metrics::Metrics;
use hyper::body::Bytes;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::Semaphore;

/// Receives every exchange the server serves, with the key masked everywhere in it.
/// Called once per POST, on tokio's blocking pool: it may take its time (a database
/// write), though calls beyond [`MAX_PENDING`] waiting are dropped.
pub trait ServedCapture: Send + Sync + 'static {
    fn served(&self, exchange: &Served<'_>);
}

/// One exchange as [`ServedCapture`] receives it. Every byte and text in it has the key
/// replaced by [`crate::redact::REDACTED`] (raw and XML-escaped).
#[derive(Debug, Clone, Copy)]
pub struct Served<'a> {
    /// When the request arrived.
    pub at: SystemTime,
    /// The UWLR operation (`HaalLeerlinggegevens`, `BrengLeerresultaten`...) the request
    /// asked for, the element it sent when that is no request, or `unreadable`.
    pub operation: &'a str,
    /// The request's kind, when its body could be read.
    pub kind: Option<Kind>,
    /// The school location the request names, when it could be read.
    pub school: Option<&'a SchoolId>,
    /// The HTTP status answered; `None` when the connection was closed without an answer
    /// (a body that broke off, fault injection's drop).
    pub status: Option<u16>,
    /// The fault answered: its code as sent (`Client.AutorisatieOngeldig`, or SOAP's own
    /// `VersionMismatch`) and its text.
    pub fault: Option<(&'a str, &'a str)>,
    /// From the request's arrival to the answer ready (writing it out is not counted).
    pub elapsed: Duration,
    /// The request body as received; empty when it was refused unread (413, 415) or broke off.
    pub request: &'a [u8],
    /// The answer body as sent.
    pub response: &'a [u8],
}

/// Hook calls waiting or under way at most; beyond it an exchange is not recorded.
pub const MAX_PENDING: usize = 64;

/// The operation a request kind asks for, as the client names it (so a journal says the
/// same on both sides); another element is named as sent.
pub fn operation_name(kind: Option<Kind>) -> &'static str {
    match kind {
        Some(Kind::LeerlinggegevensVerzoek) => "HaalLeerlinggegevens",
        Some(Kind::StructuurVerzoek) => "HaalStructuur",
        Some(Kind::LeerlingenVerzoek) => "HaalLeerlingen",
        Some(Kind::LeerkrachtenVerzoek) => "HaalLeerkrachten",
        Some(Kind::LeerresultatenVerzoek) => "BrengLeerresultaten",
        Some(other) => other.element(),
        None => "unreadable",
    }
}

/// One served exchange as the HTTP layer saw it, unmasked (it never leaves this module so).
#[derive(Debug, Default)]
pub(crate) struct Seen {
    pub kind: Option<Kind>,
    pub school: Option<SchoolId>,
    pub fault: Option<(String, String)>,
    pub request: Bytes,
}

/// The hook of one server, with its bound on pending calls.
pub(crate) struct Hook {
    capture: Arc<dyn ServedCapture>,
    pending: Arc<Semaphore>,
    metrics: Option<Metrics>,
}

impl Hook {
    pub(crate) fn new(capture: Arc<dyn ServedCapture>, metrics: Option<Metrics>) -> Hook {
        Hook { capture, pending: Arc::new(Semaphore::new(MAX_PENDING)), metrics }
    }

    /// Hands one exchange to the hook off the request's path; never fails, never waits.
    pub(crate) fn record(&self, at: SystemTime, elapsed: Duration, seen: Seen, status: Option<u16>, response: Bytes) {
        let Ok(permit) = self.pending.clone().try_acquire_owned() else {
            if let Some(m) = &self.metrics {
                m.journal_write_failed();
            }
            tracing::warn!(
                operation = operation_name(seen.kind),
                pending = MAX_PENDING,
                "the served-exchange hook is behind: this exchange is not recorded"
            );
            return;
        };
        let capture = self.capture.clone();
        // Not awaited: the answer goes out meanwhile. A panic in the hook ends this task only.
        drop(tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let (request, answer, fault) = masked(&seen.request, &response, seen.fault.as_ref());
            capture.served(&Served {
                at,
                operation: operation_name(seen.kind),
                kind: seen.kind,
                school: seen.school.as_ref(),
                status,
                fault: fault.as_ref().map(|(c, t)| (c.as_str(), t.as_str())),
                elapsed,
                request: &request,
                response: &answer,
            });
        }));
    }
}

/// The request, answer and fault with the request's key masked everywhere.
pub(crate) fn masked(
    request: &[u8],
    answer: &[u8],
    fault: Option<&(String, String)>,
) -> (Vec<u8>, Vec<u8>, Option<(String, String)>) {
    use crate::redact::{key_elements, key_forms, key_in_bytes, key_in_text};
    let (mut request, contents) = key_elements(request);
    let mut forms: Vec<String> = Vec::new();
    for f in contents.iter().flat_map(|c| key_forms(c)) {
        if !forms.contains(&f) {
            forms.push(f);
        }
    }
    let mut answer = answer.to_vec();
    let mut fault = fault.cloned();
    for f in &forms {
        request = key_in_bytes(&request, f);
        answer = key_in_bytes(&answer, f);
        if let Some((_, text)) = &mut fault {
            *text = key_in_text(text, f);
        }
    }
    (request, answer, fault)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_of_the_request_goes_from_request_answer_and_fault() {
        let request = b"<s:Header><a:autorisatiesleutel> k&amp;1 </a:autorisatiesleutel></s:Header><x>k&1</x>";
        let answer = b"<faultstring>bad key 'k&amp;1' and k&1</faultstring>";
        let fault = ("Client.X".to_string(), "bad key 'k&1'".to_string());
        let (rq, an, f) = masked(request, answer, Some(&fault));
        let rq = String::from_utf8(rq).unwrap();
        let an = String::from_utf8(an).unwrap();
        assert_eq!(
            rq,
            "<s:Header><a:autorisatiesleutel>***REDACTED***</a:autorisatiesleutel></s:Header><x>***REDACTED***</x>"
        );
        assert_eq!(an, "<faultstring>bad key '***REDACTED***' and ***REDACTED***</faultstring>");
        assert_eq!(f.unwrap().1, "bad key '***REDACTED***'");
        // No key element: nothing to mask but nothing lost either.
        let (rq, an, _) = masked(b"<x/>", b"<y/>", None);
        assert_eq!((rq.as_slice(), an.as_slice()), (&b"<x/>"[..], &b"<y/>"[..]));
    }

    #[test]
    fn operations_are_named_as_the_client_names_them() {
        assert_eq!(operation_name(Some(Kind::LeerlinggegevensVerzoek)), "HaalLeerlinggegevens");
        assert_eq!(operation_name(Some(Kind::LeerresultatenVerzoek)), "BrengLeerresultaten");
        assert_eq!(operation_name(None), "unreadable");
    }
}
