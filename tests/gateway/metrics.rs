//! `/metrics` and the JSON log. The scrape test does a known set of things (a fetch, SOAP
//! requests straight to the mock LAS, two of them refused, a delivery run), scrapes over
//! loopback HTTP with the admin token, parses the text with a Prometheus text-format parser
//! (`prometheus-parse`) and checks every counter against what it did. The `uwlr serve` test
//! checks the endpoint's guard on the real binary and that `--log-format json` writes JSON
//! lines, those of a fetch carrying the koppeling id and location.

use crate::results_support::{imported, plan, Book};
use crate::store_support::{self, Las};
use prometheus_parse::{Scrape, Value};
use std::sync::Arc;
use uwlr::api::AdminToken;
use uwlr::client::{Client, ClientConfig, ClientError, RetryPolicy};
use uwlr::gateway::delivery::DeliverOptions;
use uwlr::gateway::{Gateway, Settings};
use uwlr::message::fault::FaultCode;
use uwlr::message::leerlinggegevens::Verzoek;
use uwlr::message::values::{SchoolId, Schooljaar};
use uwlr::message::Autorisatie;
use uwlr::mock::las::SchoolSetup;
use uwlr::mock::{Klant, MockLas, Profile};
use uwlr::server::{bind, serve, ServerConfig};

const TOKEN: &str = "metrics-test-token-0123456789abcdef";

/// The store_support mock LAS (99DE00 with `pupils`, 99DF00 with 20), its UWLR server
/// counting into `metrics`.
async fn las_counting(metrics: uwlr::metrics::Metrics, pupils: usize) -> Las {
    let year = Schooljaar::new(2025).unwrap();
    let las = MockLas::builder(Profile::Parnassys)
        .clock(store_support::clock())
        .klant(Klant::boom())
        .school(SchoolSetup::generated("99DE", "00", pupils, 1, year))
        .school(SchoolSetup::generated("99DF", "00", 20, 2, year))
        .build()
        .unwrap();
    let config = ServerConfig { metrics: Some(metrics), ..Default::default() };
    let server = serve(Arc::new(las.clone()), bind("127.0.0.1:0".parse().unwrap()).unwrap(), config).await.unwrap();
    let endpoint = format!("{}/uwlr", server.base_url());
    Las { las, server, endpoint }
}

/// One HaalLeerlinggegevens for 99DF00 straight to the mock, with `key`.
async fn haal(las: &Las, key: &str) -> Result<(), ClientError> {
    let mut config = ClientConfig::new(format!("{}/leerlinggegevens", las.endpoint));
    config.retry = RetryPolicy::none();
    let client = Client::new(config).unwrap();
    let auth =
        Autorisatie { autorisatiesleutel: key.into(), klantcode: "BOOM".into(), klantnaam: "Boom testcentrum".into() };
    let verzoek = Verzoek {
        schooljaar: Schooljaar::new(2025).unwrap(),
        school: SchoolId::Brin { brincode: "99DF".into(), dependancecode: Some("00".into()) },
        xsdversie: "2.3".into(),
        gegevenssetid: None,
        laatstontvangengegevens: None,
    };
    client.haal_leerlinggegevens(&auth, &verzoek).await.map(|_| ())
}

/// A parsed scrape, looked up by metric name and labels.
struct Scraped(Scrape);

impl Scraped {
    fn parse(text: &str) -> Scraped {
        assert!(text.ends_with("# EOF\n"), "an OpenMetrics exposition ends in # EOF:\n{text}");
        Scraped(Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).unwrap())
    }

    /// The value of the sample `name{labels}`; 0 when there is none (a server's operation ×
    /// fault pair has no sample before its first request).
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let hits: Vec<f64> = self
            .0
            .samples
            .iter()
            .filter(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
            .filter(|s| s.labels.len() == labels.len())
            .map(|s| match s.value {
                Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => v,
                ref other => panic!("{name}: not a single value: {other:?}"),
            })
            .collect();
        assert!(hits.len() <= 1, "{name}{labels:?} is ambiguous");
        hits.first().copied().unwrap_or(0.0)
    }

    /// The observation count of histogram `name{labels}` (its `+Inf` bucket).
    fn observations(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let s = self
            .0
            .samples
            .iter()
            .find(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
            .unwrap_or_else(|| panic!("no histogram {name}{labels:?}"));
        match &s.value {
            Value::Histogram(buckets) => {
                buckets.iter().find(|b| b.less_than.is_infinite()).map(|b| b.count).expect("a +Inf bucket")
            }
            other => panic!("{name}: not a histogram: {other:?}"),
        }
    }
}

async fn scrape(url: &str) -> Scraped {
    let r = reqwest::Client::new().get(url).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let ct = r.headers()[reqwest::header::CONTENT_TYPE].to_str().unwrap().to_string();
    assert!(ct.starts_with("application/openmetrics-text"), "{ct}");
    Scraped::parse(&r.text().await.unwrap())
}

#[test]
fn metrics_count_what_was_done_and_parse_as_prometheus_text() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let gw = Gateway::open(dir.path(), None, Settings::default()).await.unwrap();
        // The mock LAS counts into the gateway's metrics, as a LAS vendor's embedded
        // server would into its own: one scrape shows both sides.
        let las = las_counting(gw.metrics().clone(), 10).await;
        let token = AdminToken::new(TOKEN.into());
        let app = uwlr::api::router(gw.clone(), token.clone()).merge(uwlr::metrics::router(gw.clone(), &token));
        let api =
            uwlr::api::spawn_router(app, bind("127.0.0.1:0".parse().unwrap()).unwrap(), Default::default()).unwrap();
        let url = format!("{}{}", api.base_url(), uwlr::metrics::PATH);

        // Before anything: every counter at zero (the outcomes' series there already),
        // nothing waits.
        let s = scrape(&url).await;
        assert!(s
            .0
            .samples
            .iter()
            .any(|x| x.metric == "uwlr_fetches_total" && x.labels.get("outcome") == Some("proposal")));
        assert_eq!(s.value("uwlr_fetches_total", &[("outcome", "proposal")]), 0.0);
        assert_eq!(s.value("uwlr_outbox_depth", &[("outbox", "results")]), 0.0);

        // One fetch (its proposal applied), two valid requests and one with a wrong key.
        let (_, pupils) = imported(&gw, &las).await;
        let key = las.issue_key("99DF00").await;
        haal(&las, &key).await.unwrap();
        haal(&las, &key).await.unwrap();
        match haal(&las, "not-the-key").await {
            Err(ClientError::Fault(f)) => assert_eq!(f.code, Some(FaultCode::AutorisatieOngeldig), "{f:?}"),
            other => panic!("a wrong key must be refused: {other:?}"),
        }
        // A SOAP 1.2 client: refused before its body is read, with SOAP's VersionMismatch.
        let r = reqwest::Client::new()
            .post(format!("{}/leerlinggegevens", las.endpoint))
            .header(reqwest::header::CONTENT_TYPE, "application/soap+xml; charset=utf-8")
            .body("<x/>")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 500);
        // Ten results recorded: they wait in the outbox until the delivery run.
        let book = Book::record_plan(&gw, &plan(&pupils, 1), 1).await;
        assert_eq!(book.results(), 10);
        let s = scrape(&url).await;
        assert_eq!(s.value("uwlr_outbox_depth", &[("outbox", "results")]), 10.0);
        let report = gw.deliver(&DeliverOptions::default()).await.unwrap();
        assert_eq!((report.delivered, report.messages), (10, 1), "{report:?}");
        book.assert_delivered(&las).await;

        let s = scrape(&url).await;
        let server = "uwlr_server_requests_total";
        // The fetch and the two direct requests answered; the wrong key refused.
        assert_eq!(s.value(server, &[("operation", "leerlinggegevens"), ("fault", "none")]), 3.0);
        assert_eq!(s.value(server, &[("operation", "leerlinggegevens"), ("fault", "Client.AutorisatieOngeldig")]), 1.0);
        // The delivery run's one message.
        assert_eq!(s.value(server, &[("operation", "leerresultaten"), ("fault", "none")]), 1.0);
        let all: f64 = s.0.samples.iter().filter(|x| x.metric == server).map(|x| s.value(server, &labels(x))).sum();
        assert_eq!(s.value(server, &[("operation", "unreadable"), ("fault", "other")]), 1.0);
        assert_eq!(all, 6.0, "no other request reached the server");
        let latency = "uwlr_server_request_duration_seconds";
        assert_eq!(s.observations(latency, &[("operation", "leerlinggegevens")]), 4.0);
        assert_eq!(s.observations(latency, &[("operation", "leerresultaten")]), 1.0);

        assert_eq!(s.value("uwlr_fetches_total", &[("outcome", "proposal")]), 1.0);
        assert_eq!(s.value("uwlr_fetches_total", &[("outcome", "las_fault")]), 0.0);
        assert_eq!(s.observations("uwlr_fetch_duration_seconds", &[("outcome", "proposal")]), 1.0);

        let messages = "uwlr_delivery_messages_total";
        assert_eq!(s.value(messages, &[("audience", "las"), ("outcome", "delivered")]), 1.0);
        assert_eq!(s.value(messages, &[("audience", "las"), ("outcome", "refused")]), 0.0);
        assert_eq!(s.observations("uwlr_delivery_duration_seconds", &[("audience", "las")]), 1.0);
        let results = "uwlr_delivery_results_total";
        assert_eq!(s.value(results, &[("audience", "las"), ("outcome", "delivered")]), 10.0);
        assert_eq!(s.value(results, &[("audience", "las"), ("outcome", "refused")]), 0.0);

        // The store's gauges: delivered, applied, no year under way.
        assert_eq!(s.value("uwlr_outbox_depth", &[("outbox", "results")]), 0.0);
        assert_eq!(s.value("uwlr_delivery_errors", &[]), 0.0);
        assert_eq!(s.value("uwlr_proposals_waiting", &[]), 0.0);
        assert_eq!(s.value("uwlr_school_years_waiting", &[]), 0.0);

        // A second fetch with nothing new leaves a proposal open with nothing to review.
        let out = gw.fetch(1, false, "admin", &store_support::no_progress()).await.unwrap();
        assert!(out.nothing_to_do);
        let s = scrape(&url).await;
        assert_eq!(s.value("uwlr_fetches_total", &[("outcome", "nothing_to_do")]), 1.0);
        assert_eq!(s.value("uwlr_proposals_waiting", &[]), 1.0);

        api.shutdown().await.unwrap();
        las.server.shutdown().await;
    });
}

fn labels(s: &prometheus_parse::Sample) -> Vec<(&str, &str)> {
    s.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[test]
fn metrics_need_the_admin_token() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let gw = Gateway::open(dir.path(), None, Settings::default()).await.unwrap();
        let token = AdminToken::new(TOKEN.into());
        let app = uwlr::api::router(gw.clone(), token.clone()).merge(uwlr::metrics::router(gw.clone(), &token));
        let api =
            uwlr::api::spawn_router(app, bind("127.0.0.1:0".parse().unwrap()).unwrap(), Default::default()).unwrap();
        let url = format!("{}/metrics", api.base_url());
        let client = reqwest::Client::new();
        for (what, header) in [
            ("no header", None),
            ("a wrong token", Some(format!("Bearer {TOKEN}x"))),
            ("another scheme", Some(format!("Basic {TOKEN}"))),
            ("an empty token", Some("Bearer ".to_string())),
        ] {
            let mut req = client.get(&url);
            if let Some(h) = header {
                req = req.header(reqwest::header::AUTHORIZATION, h);
            }
            let r = req.send().await.unwrap();
            assert_eq!(r.status(), 401, "{what}");
            assert!(r.headers().contains_key(reqwest::header::WWW_AUTHENTICATE), "{what}");
            let body = r.text().await.unwrap();
            assert!(!body.contains("uwlr_"), "{what}: no metric leaks: {body}");
        }
        let r = client.get(&url).bearer_auth(TOKEN).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let body = r.text().await.unwrap();
        assert!(body.contains("# TYPE uwlr_outbox_depth gauge") && body.ends_with("# EOF\n"), "{body}");
        // An empty token (a missing secret) opens nothing.
        let locked = AdminToken::new(String::new());
        let app = uwlr::metrics::router(gw.clone(), &locked);
        let open =
            uwlr::api::spawn_router(app, bind("127.0.0.1:0".parse().unwrap()).unwrap(), Default::default()).unwrap();
        let r = client.get(format!("{}/metrics", open.base_url())).bearer_auth("").send().await.unwrap();
        assert_eq!(r.status(), 401);
        open.shutdown().await.unwrap();
        api.shutdown().await.unwrap();
    });
}

#[test]
fn serve_logs_json_and_guards_metrics() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let las = rt.block_on(store_support::las(Profile::Parnassys, 10, store_support::clock()));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("gateway");
    rt.block_on(async {
        let gw = Gateway::open(&dir, None, Settings::default()).await.unwrap();
        store_support::active_link(&gw, &las).await;
        gw.store().close().await;
    });

    let mut child = Command::new(env!("CARGO_BIN_EXE_uwlr"))
        .args(["serve", "--listen", "127.0.0.1:0", "--fetch-every", "1h", "--log-format", "json", "--data-dir"])
        .arg(&dir)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let api = first.trim().strip_prefix("admin API: ").unwrap_or_else(|| panic!("{first:?}")).to_string();
    let url = api.replace("/api/v1", "/metrics");
    let token = std::fs::read_to_string(dir.join("admin.token")).unwrap().trim().to_string();
    let client = reqwest::Client::new();

    // Guarded on the real binary too.
    let r = rt.block_on(client.get(&url).send()).unwrap();
    assert_eq!(r.status(), 401);
    let r = rt.block_on(client.get(&url).bearer_auth("wrong").send()).unwrap();
    assert_eq!(r.status(), 401);

    // The scheduler fetches at start; the scrape shows it.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = rt.block_on(client.get(&url).bearer_auth(&token).send()).unwrap();
        assert_eq!(r.status(), 200);
        let s = Scraped::parse(&rt.block_on(r.text()).unwrap());
        // (The school-year pass may start the next year and fetch through its new link too:
        // the mock's year is 2025-2026, the system clock's may be later.)
        if s.value("uwlr_fetches_total", &[("outcome", "proposal")]) >= 1.0 {
            assert!(s.value("uwlr_proposals_waiting", &[]) >= 1.0);
            break;
        }
        assert!(Instant::now() < deadline, "no fetch counted");
        std::thread::sleep(Duration::from_millis(100));
    }

    let stopped = crate::serve_support::stop(&mut child, &mut stdout);
    assert!(stopped.status.success(), "{:?}\n{}", stopped.status, stopped.err);
    let lines: Vec<serde_json::Value> = stopped
        .err
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect();
    assert!(lines.len() >= 3, "{}", stopped.err);
    for l in &lines {
        assert!(l["timestamp"].is_string() && l["level"].is_string() && l["fields"].is_object(), "{l}");
    }
    // Every line logged during the fetch carries the koppeling and its location.
    let of_fetch: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["spans"].as_array().is_some_and(|s| s.iter().any(|s| s["name"] == "fetch")))
        .collect();
    assert!(
        of_fetch.iter().any(|l| l["fields"]["message"] == "fetched"),
        "the fetch logged its lines in its span:\n{}",
        stopped.err
    );
    for l in &of_fetch {
        let spans = l["spans"].as_array().unwrap();
        let fetch = spans.iter().find(|s| s["name"] == "fetch").unwrap();
        assert!(fetch["koppeling"].as_i64().is_some_and(|k| k >= 1), "{l}");
        assert_eq!(fetch["location"], "99DE00", "{l}");
        if l["fields"]["message"] == "fetched" {
            assert_eq!(l["fields"]["koppeling"], fetch["koppeling"], "the span names the link that fetched: {l}");
        }
    }
    assert!(!stopped.err.contains(&token), "the token stays out of the log");
    rt.block_on(las.server.shutdown());
}

#[test]
fn the_gauges_query_runs_on_both_databases() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        for db in store_support::databases().await {
            let gw = store_support::gateway(&db, store_support::clock()).await;
            assert_eq!(uwlr::store::waiting(gw.store()).await.unwrap(), uwlr::store::Waiting::default(), "{}", db.name);
            let text = uwlr::metrics::render_gateway(&gw).await.unwrap();
            assert!(text.contains("uwlr_school_years_waiting 0\n"), "{}: {text}", db.name);
            gw.store().close().await;
        }
    });
}
