//! Shared by the `conformance*` tests: the mock LAS of `mock_support` served over HTTP or
//! HTTPS (test PKI of `transport_support`), a [`Target`] pointed at it, and a proxy that
//! answers chosen requests with a wrong fault code (a LAS with one bug), forwarding the
//! rest.
#![allow(dead_code)]

use crate::mock_support::{clock, las, year};
use crate::transport_support::{pki, Pki};
use axum::body::Body as AxumBody;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use uwlr::clock::ManualClock;
use uwlr::conformance::{CheckId, Outcome, Report, Status, Target, Timing};
use uwlr::message::fault::{Fault, FaultCode};
use uwlr::message::values::SchoolId;
use uwlr::message::Autorisatie;
use uwlr::mock::las::IssueKeyRequest;
use uwlr::mock::{MockLas, Profile};
use uwlr::server::{serve, RunningServer, ServerConfig};

/// A mock LAS served on loopback, with the key for 99DE00 and the clock it runs on.
pub struct Served {
    pub las: MockLas,
    pub server: RunningServer,
    pub key: String,
    pub clock: Arc<ManualClock>,
    pub pki: Option<Pki>,
}

/// `profile` over HTTP, or HTTPS with a test CA (a client certificate demanded for ESIS).
pub async fn served(profile: Profile, https: bool) -> Served {
    let clock = clock();
    let las = las(profile, clock.clone());
    let req = match profile {
        Profile::Esis => {
            IssueKeyRequest { verificatiecode: Some("99DE00-conformance-koppeling".into()), ..Default::default() }
        }
        Profile::Parnassys => IssueKeyRequest::default(),
    };
    let key = las.issue_key("99DE00", &req).await.unwrap().autorisatiesleutel;
    let pki = https.then(|| pki(profile.requires_client_cert()));
    let tls = pki.as_ref().map(|p| p.server.clone());
    let listener = uwlr::server::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let server = serve(Arc::new(las.clone()), listener, ServerConfig { tls, ..Default::default() }).await.unwrap();
    Served { las, server, key, clock, pki }
}

impl Served {
    /// The full target: results endpoint, test pupil, another school; three timing calls.
    pub async fn target(&self) -> Target {
        target_at(&self.server.base_url(), self, &self.las).await
    }
}

/// A target for `base` (the mock itself or a proxy in front of it).
pub async fn target_at(base: &str, s: &Served, las: &MockLas) -> Target {
    let auth = Autorisatie {
        autorisatiesleutel: s.key.clone(),
        klantcode: "BOOM".into(),
        klantnaam: "Boom testcentrum".into(),
    };
    let school = SchoolId::Brin { brincode: "99DE".into(), dependancecode: Some("00".into()) };
    let mut t = Target::new(format!("{base}/uwlr"), auth, school, year());
    t.results_endpoint = Some(format!("{base}/uwlr/leerresultaten"));
    let pupil = las.data("99DE00").await.unwrap().leerlingen[0].clone();
    t.test_pupil = pupil.key.or(pupil.eckid);
    t.other_school = Some(SchoolId::Brin { brincode: "99DF".into(), dependancecode: None });
    t.timing = Timing { calls: 3, ..Timing::default() };
    t.clock = s.clock.clone();
    if let Some(p) = &s.pki {
        t.ca_pem = Some(p.ca_pem.clone());
        t.client_identity_pem = Some(p.client_identity_pem.clone());
    }
    t
}

pub async fn run(t: &Target) -> Report {
    uwlr::conformance::run(t, |_| {}).await.expect("the suite runs")
}

pub fn status(r: &Report, id: CheckId) -> Status {
    r.outcome(id).unwrap_or_else(|| panic!("{id} ran")).status
}

pub fn outcome(r: &Report, id: CheckId) -> &Outcome {
    r.outcome(id).unwrap_or_else(|| panic!("{id} ran"))
}

/// No check failed; the table is printed when one did.
#[track_caller]
pub fn assert_green(r: &Report) {
    assert_eq!(r.summary.fail, 0, "expected no failure:\n{}", r.table());
    assert_eq!(r.exit_code(), 0);
}

/// Exactly `id` failed, and its `why` holds every one of `says`.
#[track_caller]
pub fn assert_only_failure(r: &Report, id: CheckId, says: &[&str]) {
    let failed: Vec<CheckId> = r.failed().map(|o| o.check).collect();
    assert_eq!(failed, vec![id], "exactly {id} should fail:\n{}", r.table());
    let o = outcome(r, id);
    for s in says {
        assert!(o.why.contains(s), "{id} should say '{s}': {}", o.why);
    }
    assert_eq!(r.exit_code(), 1);
}

// ---- a LAS with one bug: chosen requests get a wrong fault code -----------------------

/// Listens on loopback and forwards everything to `upstream`, except POSTs whose body is
/// one of the chosen requests: those get the chosen answer.
pub struct Misanswer {
    pub base: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Misanswer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Rule {
    upstream: String,
    requests: Vec<Vec<u8>>,
    status: u16,
    answer: Vec<u8>,
    http: reqwest::Client,
}

/// `requests` are answered with a SOAP fault with `code`.
pub async fn misanswer(upstream: &str, requests: Vec<Vec<u8>>, code: FaultCode) -> Misanswer {
    let f = Fault::new(code, format!("{} (the test's misanswer)", code.default_message()));
    proxy(upstream, requests, 500, uwlr::server::fault_response(&f).body).await
}

/// `request` is answered with `answer` and HTTP 200.
pub async fn replay(upstream: &str, request: Vec<u8>, answer: Vec<u8>) -> Misanswer {
    proxy(upstream, vec![request], 200, answer).await
}

async fn proxy(upstream: &str, requests: Vec<Vec<u8>>, status: u16, answer: Vec<u8>) -> Misanswer {
    let rule = Arc::new(Rule { upstream: upstream.into(), requests, status, answer, http: reqwest::Client::new() });
    let app = axum::Router::new().fallback(forward).with_state(rule);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Misanswer { base, task }
}

async fn forward(State(rule): State<Arc<Rule>>, req: Request) -> Response {
    let method = req.method().clone();
    let path = req.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_default();
    let headers = req.headers().clone();
    let body = axum::body::to_bytes(req.into_body(), 64 << 20).await.unwrap();
    if method == axum::http::Method::POST && rule.requests.iter().any(|r| r[..] == body[..]) {
        let status = axum::http::StatusCode::from_u16(rule.status).unwrap();
        return (status, [("content-type", "text/xml; charset=utf-8")], rule.answer.clone()).into_response();
    }
    let mut out = rule.http.request(method, format!("{}{path}", rule.upstream)).body(body.to_vec());
    // Host too, as a reverse proxy passes it on: the WSDL's soap:address then names the
    // proxy, which the suite calls (it follows the WSDL's addresses).
    for name in ["content-type", "soapaction", "host"] {
        if let Some(v) = headers.get(name) {
            out = out.header(name, v.as_bytes());
        }
    }
    match out.send().await {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let ct = resp.headers().get("content-type").map(|v| v.as_bytes().to_vec());
            let bytes = resp.bytes().await.unwrap_or_default();
            let mut r = Response::new(AxumBody::from(bytes));
            *r.status_mut() = axum::http::StatusCode::from_u16(status).unwrap();
            if let Some(ct) = ct {
                r.headers_mut().insert("content-type", axum::http::HeaderValue::from_bytes(&ct).unwrap());
            }
            r
        }
        // The upstream dropped the connection: drop ours too.
        Err(_) => panic!("upstream gone"),
    }
}
