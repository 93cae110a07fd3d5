//! The mocks over real loopback HTTP(S): the admin API (reqwest) and the UWLR client of
//! this crate against `serve`, including ESIS's demand for a client certificate.

use crate::mock_support;

use mock_support::*;
use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair};
use serde_json::{json, Value};
use std::sync::Arc;
use uwlr::client::{Client, ClientConfig, ClientError, RetryPolicy};
use uwlr::generate::{results, ResultsSpec};
use uwlr::message::fault::FaultCode;
use uwlr::message::leerlinggegevens::Antwoord;
use uwlr::mock::admin::{dashboard_router, las_router, serve_admin, AdminServer};
use uwlr::mock::dashboard::DashboardSchool;
use uwlr::mock::{DashboardKind, Klant, MockDashboard, MockLas, Profile, SchoolName};
use uwlr::server::{serve, LasProvider, RunningServer, ServerConfig, TlsConfig};

const TOKEN: &str = "admin-token-for-tests";

async fn start<P: LasProvider>(p: P, tls: Option<TlsConfig>) -> RunningServer {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    serve(Arc::new(p), l, ServerConfig { tls, ..Default::default() }).await.unwrap()
}

async fn start_admin(router: axum::Router) -> AdminServer {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    serve_admin(router, l).await.unwrap()
}

/// One admin call; (status, JSON).
async fn api(admin: &AdminServer, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = reqwest::Client::new().request(method, format!("{}{path}", admin.base_url())).bearer_auth(TOKEN);
    if let Some(b) = body {
        req = req.header("content-type", "application/json").body(b.to_string());
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, serde_json::from_str(&resp.text().await.unwrap()).unwrap_or(Value::Null))
}

fn client(endpoint: String) -> Client {
    Client::new(ClientConfig { retry: RetryPolicy::none(), ..ClientConfig::new(endpoint) }).unwrap()
}

#[tokio::test]
async fn las_over_http_with_admin_api() {
    let las = las(Profile::Parnassys, clock());
    let server = start(las.clone(), None).await;
    let admin = start_admin(las_router(las.clone(), TOKEN)).await;
    use reqwest::Method as M;

    // The admin API wants the token.
    let r = reqwest::get(format!("{}/schools", admin.base_url())).await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let r =
        reqwest::Client::new().get(format!("{}/schools", admin.base_url())).bearer_auth("wrong").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);

    let (s, schools) = api(&admin, M::GET, "/schools", None).await;
    assert_eq!(s, 200);
    assert_eq!(schools.as_array().unwrap().len(), 3);
    let (s, issued) = api(&admin, M::POST, "/schools/99DE00/keys", None).await;
    assert_eq!(s, 200, "{issued}");
    let key = issued["autorisatiesleutel"].as_str().unwrap().to_owned();
    let (_, schools) = api(&admin, M::GET, "/schools", None).await;
    assert!(!schools.to_string().contains(&key), "listing never shows keys");

    let c = client(format!("{}/uwlr", server.base_url()));
    let a = c.haal_leerlinggegevens(&auth(&key), &verzoek("99DE")).await.unwrap();
    let Antwoord::Gegevens(data) = a.value else { panic!() };
    let r = results(&data, &ResultsSpec { max_pupils: Some(2), ..Default::default() });
    c.breng_leerresultaten(&auth(&key), &r).await.unwrap();
    c.breng_leerresultaten(&auth(&key), &r).await.unwrap();
    let (_, rep) = api(&admin, M::GET, "/schools/99DE00/results", None).await;
    assert_eq!(rep["deliveries"], 2);
    assert_eq!(
        rep["distinct"].as_u64().unwrap() as usize,
        r.toetsafnames.iter().map(|a| a.resultaten.len()).sum::<usize>()
    );

    // Pupils, teachers and groups through the API.
    let (s, _) = api(
        &admin,
        M::POST,
        "/schools/99DE00/groepen",
        Some(json!({"key": "G1", "naam": "Groep nieuw", "jaargroep": "3"})),
    )
    .await;
    assert_eq!(s, 200);
    let (s, added) = api(
        &admin,
        M::POST,
        "/schools/99DE00/leerlingen",
        Some(json!({"key": "L1", "roepnaam": "Daan", "achternaam": "Vos", "groep": "G1", "jaargroep": "3"})),
    )
    .await;
    assert_eq!(s, 200, "{added}");
    assert!(added["mutatiedatum"].is_string());
    let (s, _) = api(&admin, M::PATCH, "/schools/99DE00/leerlingen/L1", Some(json!({"roepnaam": "Daantje"}))).await;
    assert_eq!(s, 200);
    let (s, e) = api(&admin, M::PATCH, "/schools/99DE00/leerlingen/L1", Some(json!({"bogus": 1}))).await;
    assert_eq!(s, 400, "{e}");
    let (s, _) = api(
        &admin,
        M::POST,
        "/schools/99DE00/leerkrachten",
        Some(json!({"key": "T1", "roepnaam": "Els", "groepen": ["G1"]})),
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = api(&admin, M::GET, "/schools/99XX00/leerlingen", None).await;
    assert_eq!(s, 404);
    let (_, log) = api(&admin, M::GET, "/schools/99DE00/changes", None).await;
    assert!(log.to_string().contains("leerling L1 added"));
    let (s, roll) = api(&admin, M::POST, "/schools/99DE00/rollover", None).await;
    assert_eq!((s, roll["schooljaar"].as_str()), (200, Some("2026-2027")));

    // Fault injection set through the API, seen by the client.
    let (s, _) = api(&admin, M::PUT, "/faults", Some(json!({"kind": "http_status", "status": 503, "count": 1}))).await;
    assert_eq!(s, 200);
    let e = c.haal_leerlinggegevens(&auth(&key), &verzoek("99DE")).await.unwrap_err();
    assert!(matches!(e, ClientError::Http { status: 503, .. }), "{e:?}");
    assert!(e.is_transient());
    assert!(c.haal_leerlinggegevens(&auth(&key), &verzoek("99DE")).await.is_ok(), "back to normal");

    api(&admin, M::PUT, "/faults", Some(json!({"kind": "drop_connection", "count": 1}))).await;
    let e = c.haal_leerlinggegevens(&auth(&key), &verzoek("99DE")).await.unwrap_err();
    assert!(matches!(e, ClientError::Connect(_)), "{e:?}");

    api(&admin, M::PUT, "/faults", Some(json!({"kind": "tijdelijk_niet_beschikbaar"}))).await;
    for _ in 0..2 {
        let e = c.haal_leerlinggegevens(&auth(&key), &verzoek("99DE")).await.unwrap_err();
        assert_eq!(e.fault_code(), Some(FaultCode::TijdelijkNietBeschikbaar));
    }
    let (_, st) = api(&admin, M::DELETE, "/faults", None).await;
    assert_eq!(st["setting"], Value::Null);
    assert_eq!(st["injected"], 4);

    api(&admin, M::PUT, "/faults", Some(json!({"kind": "schema_invalid", "count": 1}))).await;
    let e = c.haal_leerlinggegevens(&auth(&key), &verzoek("99DE")).await.unwrap_err();
    assert!(matches!(e, ClientError::Decode(_)), "{e:?}");
    let (s, e) = api(&admin, M::PUT, "/faults", Some(json!({"kind": "explode"}))).await;
    assert_eq!(s, 400, "{e}");

    // A revoked key is refused over the wire as well.
    api(&admin, M::DELETE, "/schools/99DE00/keys", None).await;
    let e = c.breng_leerresultaten(&auth(&key), &r).await.unwrap_err();
    assert_eq!(e.fault_code(), Some(FaultCode::AutorisatieOngeldig));

    admin.shutdown().await;
    server.shutdown().await;
}

struct Pki {
    ca_pem: Vec<u8>,
    server_cert: String,
    server_key: String,
    client_identity: Vec<u8>,
}

fn pki() -> Pki {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, "Mock ESIS test CA");
    let ca_key = KeyPair::generate().unwrap();
    let ca_pem = params.self_signed(&ca_key).unwrap().pem();
    let issuer = Issuer::from_params(&params, &ca_key);
    let leaf = |names: &[&str], eku| {
        let mut p = CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
        p.distinguished_name.push(DnType::CommonName, names[0]);
        p.extended_key_usages = vec![eku];
        let k = KeyPair::generate().unwrap();
        (p.signed_by(&k, &issuer).unwrap().pem(), k.serialize_pem())
    };
    let (server_cert, server_key) = leaf(&["localhost", "127.0.0.1"], ExtendedKeyUsagePurpose::ServerAuth);
    let (cc, ck) = leaf(&["boom-testcentrum.example"], ExtendedKeyUsagePurpose::ClientAuth);
    Pki { ca_pem: ca_pem.into_bytes(), server_cert, server_key, client_identity: format!("{cc}{ck}").into_bytes() }
}

#[tokio::test]
async fn esis_over_https_demands_a_client_certificate() {
    let pki = pki();
    let las = las(Profile::Esis, clock());
    assert!(las.profile().requires_client_cert());
    let tls = TlsConfig {
        cert_chain_pem: pki.server_cert.clone().into_bytes(),
        key_pem: pki.server_key.clone().into_bytes(),
        client_ca_pem: Some(pki.ca_pem.clone()),
    };
    let server = start(las.clone(), Some(tls)).await;
    assert!(server.base_url().starts_with("https://"));
    let admin = start_admin(las_router(las.clone(), TOKEN)).await;
    let (s, e) = api(
        &admin,
        reqwest::Method::POST,
        "/schools/99QQ00/keys",
        Some(json!({"verificatiecode": "99OI001234567890abcd"})),
    )
    .await;
    assert_eq!(s, 400);
    assert!(e["error"].as_str().unwrap().contains("must start with BRIN + vestigingsnummer '99QQ00'"));
    let (s, issued) = api(
        &admin,
        reqwest::Method::POST,
        "/schools/99QQ00/keys",
        Some(json!({"verificatiecode": "99QQ001234567890abcd"})),
    )
    .await;
    assert_eq!(s, 200);
    let key = issued["autorisatiesleutel"].as_str().unwrap().to_owned();
    let endpoint = format!("{}/uwlr2.2.svc", server.base_url());

    let anonymous = Client::new(ClientConfig {
        ca_pem: Some(pki.ca_pem.clone()),
        retry: RetryPolicy::none(),
        ..ClientConfig::new(endpoint.clone())
    })
    .unwrap();
    let e = anonymous.haal_leerlinggegevens(&auth(&key), &verzoek("99QQ")).await.unwrap_err();
    assert!(matches!(e, ClientError::Tls(_) | ClientError::Connect(_)), "{e:?}");

    let with_cert = Client::new(ClientConfig {
        ca_pem: Some(pki.ca_pem.clone()),
        client_identity_pem: Some(pki.client_identity.clone()),
        retry: RetryPolicy::none(),
        ..ClientConfig::new(endpoint)
    })
    .unwrap();
    let a = with_cert.haal_leerlinggegevens(&auth(&key), &verzoek("99QQ")).await.unwrap();
    assert!(matches!(a.value, Antwoord::Gegevens(_)));
    admin.shutdown().await;
    server.shutdown().await;
}

#[tokio::test]
async fn dashboard_over_http_with_a_manual_key() {
    let dash = MockDashboard::with_clock(
        DashboardKind::Schoolkr8,
        vec![Klant::boom()],
        vec![DashboardSchool::new(SchoolName::brin("99DE", "00"))],
        clock(),
    );
    let server = start(dash.clone(), None).await;
    let admin = start_admin(dashboard_router(dash.clone(), TOKEN)).await;
    use reqwest::Method as M;
    let manual = "khasgdkj76&g7d^%$gjhsdd<>";
    let (s, k) = api(&admin, M::POST, "/schools/99DE00/keys", Some(json!({"autorisatiesleutel": manual}))).await;
    assert_eq!((s, k["autorisatiesleutel"].as_str()), (200, Some(manual)));

    let data = uwlr::generate::school(&uwlr::generate::SchoolSpec { pupils: 20, ..Default::default() });
    let mut r = results(&data, &ResultsSpec { max_pupils: Some(2), ..Default::default() });
    for a in &mut r.toetsafnames {
        a.eckid = None;
    }
    let c = client(format!("{}/resultaten", server.base_url()));
    // Nothing entered yet: the pupil number is unknown.
    let e = c.breng_leerresultaten(&auth(manual), &r).await.unwrap_err();
    assert_eq!(e.fault_code(), Some(FaultCode::LeerlingOngeldig));

    let nummers: Vec<&str> = r.toetsafnames.iter().map(|a| a.leerlingid.as_deref().unwrap()).collect();
    let (s, _) =
        api(&admin, M::POST, "/schools/99DE00/leerlingnummers", Some(json!({"leerlingnummers": nummers}))).await;
    assert_eq!(s, 200);
    // A dashboard that knows no Boom test at all: "toets niet gevonden".
    let (s, _) = api(&admin, M::PUT, "/catalogue", Some(json!({"toetsen": []}))).await;
    assert_eq!(s, 200);
    let e = c.breng_leerresultaten(&auth(manual), &r).await.unwrap_err();
    assert_eq!(e.fault_code(), Some(FaultCode::VocabulaireTermOngeldig));
    let (s, _) = api(&admin, M::PUT, "/catalogue", Some(json!({"toetsen": null}))).await;
    assert_eq!(s, 200);
    // Known but not activated by the school: taken, outside the growth chart.
    c.breng_leerresultaten(&auth(manual), &r).await.unwrap();
    let (_, rep) = api(&admin, M::GET, "/schools/99DE00/results", None).await;
    assert_eq!(rep["outside_growth_chart"], rep["distinct"]);
    assert_eq!(rep["results"][0]["in_growth_chart"], false);
    for t in &r.toetsen {
        api(&admin, M::POST, "/schools/99DE00/toetsen", Some(json!({"toetscode": t.toetscode.value}))).await;
    }
    let (_, rep) = api(&admin, M::GET, "/schools/99DE00/results", None).await;
    assert_eq!(rep["outside_growth_chart"], 0);

    let (_, errors) = api(&admin, M::GET, "/schools/99DE00/errors", None).await;
    let kinds: Vec<&str> = errors.as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"leerlingnummer_niet_gevonden") && kinds.contains(&"toets_niet_gevonden"), "{kinds:?}");
    let (_, rep) = api(&admin, M::GET, "/schools/99DE00/results", None).await;
    assert_eq!(rep["deliveries"], 1);
    let (s, set) = api(&admin, M::PUT, "/schools/99DE00/settings", Some(json!({"process_changes": false}))).await;
    assert_eq!((s, set["process_changes"].as_bool()), (200, Some(false)));

    // A LAS key is not a dashboard key.
    let las: MockLas = las(Profile::Parnassys, clock());
    let las_key = las.issue_key("99DE00", &Default::default()).await.unwrap().autorisatiesleutel;
    let e = c.breng_leerresultaten(&auth(&las_key), &r).await.unwrap_err();
    assert_eq!(e.fault_code(), Some(FaultCode::AutorisatieOngeldig));
    admin.shutdown().await;
    server.shutdown().await;
}
