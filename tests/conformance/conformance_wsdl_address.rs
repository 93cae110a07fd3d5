//! The suite calls each operation where the WSDL it read says it is served, as clients
//! generated from that WSDL do: a LAS whose `--endpoint` serves alles-in-een only and
//! whose WSDL names another address for the getrapt port (as a LAS built on node `soap`
//! may) passes the getrapt checks, with a warning that names both addresses;
//! `--force-endpoint` sends them to the endpoint given instead.

use crate::conformance_support::{self, served, target_at};
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use uwlr::conformance::{CheckId, Status};
use uwlr::mock::Profile;

/// In front of the mock: its own WSDL (alles-in-een here, getrapt at the mock), alles-in-een
/// forwarded, getrapt requests answered 404 (not served here).
struct Front {
    upstream: String,
    wsdl: String,
    http: reqwest::Client,
}

async fn front(State(f): State<Arc<Front>>, req: Request) -> Response {
    let query = req.uri().query().unwrap_or("").to_string();
    if req.method() == axum::http::Method::GET && query.eq_ignore_ascii_case("wsdl") {
        return ([("content-type", "text/xml; charset=utf-8")], f.wsdl.clone()).into_response();
    }
    let action = req.headers().get("soapaction").map(|v| v.as_bytes().to_vec()).unwrap_or_default();
    let body = axum::body::to_bytes(req.into_body(), 64 << 20).await.unwrap();
    // The getrapt operations' SOAPActions end in their element names.
    let action_text = String::from_utf8_lossy(&action).to_string();
    let getrapt = ["structuur_verzoek", "leerlingen_verzoek", "leerkrachten_verzoek"]
        .iter()
        .any(|e| action_text.trim_matches('"').ends_with(e));
    if getrapt {
        return (axum::http::StatusCode::NOT_FOUND, "no getrapt here").into_response();
    }
    let r = f
        .http
        .post(format!("{}/uwlr", f.upstream))
        .header("content-type", "text/xml; charset=utf-8")
        .header("soapaction", action)
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    let status = axum::http::StatusCode::from_u16(r.status().as_u16()).unwrap();
    (status, [("content-type", "text/xml; charset=utf-8")], r.bytes().await.unwrap().to_vec()).into_response()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn getrapt_goes_to_the_wsdls_address_unless_forced() {
    let s = served(Profile::Parnassys, false).await;
    let upstream = s.server.base_url();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    // The mock's WSDL names itself for both ports: the first (alles-in-een) now names the front.
    let mock_wsdl = reqwest::get(format!("{upstream}/uwlr?wsdl")).await.unwrap().text().await.unwrap();
    let own = format!("<soap:address location=\"{upstream}/uwlr\"/>");
    assert_eq!(mock_wsdl.matches(&own).count(), 2, "{mock_wsdl}");
    let wsdl = mock_wsdl.replacen(&own, &format!("<soap:address location=\"{base}/uwlr\"/>"), 1);
    let app = axum::Router::new().fallback(front).with_state(Arc::new(Front {
        upstream: upstream.clone(),
        wsdl,
        http: reqwest::Client::new(),
    }));
    let task = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let mut t = target_at(&base, &s, &s.las).await;
    t.only = vec!["wsdl.leerlinggegevens".into(), "data.strict".into(), "getrapt.".into()];
    let r = conformance_support::run(&t).await;
    conformance_support::assert_green(&r);
    for id in [CheckId::GetraptStructuur, CheckId::GetraptLeerlingen, CheckId::GetraptLeerkrachten] {
        assert_eq!(conformance_support::status(&r, id), Status::Pass, "{id}:\n{}", r.table());
    }
    let w = conformance_support::outcome(&r, CheckId::WsdlLeerlinggegevens);
    assert_eq!(w.status, Status::Warn, "{}", r.table());
    let said = format!("{} {:?}", w.why, w.details);
    assert!(
        said.contains(&format!(
            "HaalStructuur: the WSDL's soap:address is '{upstream}/uwlr', not the endpoint given ('{base}/uwlr')"
        )) && said.contains("the checks call the WSDL's address"),
        "{said}"
    );

    // Forced: the getrapt requests go to the endpoint given, which does not serve them.
    t.force_endpoint = true;
    let r = conformance_support::run(&t).await;
    for id in [CheckId::GetraptStructuur, CheckId::GetraptLeerlingen, CheckId::GetraptLeerkrachten] {
        assert_eq!(conformance_support::status(&r, id), Status::Fail, "{id}:\n{}", r.table());
    }
    let w = conformance_support::outcome(&r, CheckId::WsdlLeerlinggegevens);
    assert!(format!("{} {:?}", w.why, w.details).contains("--force-endpoint, so the checks call the endpoint given"));
    task.abort();
}
