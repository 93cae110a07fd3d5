//! Acceptance over real loopback sockets: this crate's client against both mock LAS
//! profiles served by `uwlr::server::serve` — ParnasSys over HTTP and HTTPS (test CA made
//! with rcgen), ESIS over HTTPS with the client certificate it demands (and refused
//! without one). Each run fetches alles-in-een and the three getrapt operations, checks
//! that the getrapt answers agree with alles-in-een, sends results for a pupil, and
//! re-sends one result with the same key and a new score: the LAS keeps the new value,
//! the number of distinct results stays, the delivery count goes up by one.

use crate::mock_support;
use crate::transport_support;

use mock_support::{auth, clock, las, verzoek};
use std::sync::Arc;
use uwlr::client::{Client, ClientConfig, ClientError, RetryPolicy};
use uwlr::generate::{results, ResultsSpec};
use uwlr::message::leerlinggegevens::{Antwoord, GroepItem, GroepSelectie, GroepSoort, GroepenVerzoek};
use uwlr::message::leerresultaten::ResultaatWaarde;
use uwlr::mock::las::IssueKeyRequest;
use uwlr::mock::{MockLas, Profile};
use uwlr::server::{serve, RunningServer, ServerConfig, TlsConfig};

async fn start(las: &MockLas, tls: Option<TlsConfig>) -> RunningServer {
    let listener = uwlr::server::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    serve(Arc::new(las.clone()), listener, ServerConfig { tls, ..Default::default() }).await.unwrap()
}

fn client(config: ClientConfig) -> Client {
    Client::new(ClientConfig { retry: RetryPolicy::none(), ..config }).unwrap()
}

/// The whole exchange a test platform has with a LAS, for school `brin` + `00`.
async fn acceptance(c: &Client, las: &MockLas, key: &str, brin: &str) {
    let school = format!("{brin}00");
    let a = auth(key);

    // Alles-in-een: the school's data as the LAS holds it.
    let alles = match c.haal_leerlinggegevens(&a, &verzoek(brin)).await.unwrap().value {
        Antwoord::Gegevens(d) => d,
        other => panic!("expected data, got {other:?}"),
    };
    let held = las.data(&school).await.unwrap();
    assert_eq!(alles.leerlingen, held.leerlingen, "every pupil, unchanged by the trip");
    assert_eq!(alles.groepen, held.groepen);

    // Getrapt 1: the structure, the same groups.
    let structuur = match c.haal_structuur(&a, &verzoek(brin)).await.unwrap().value {
        Antwoord::Gegevens(s) => s,
        other => panic!("expected a structure, got {other:?}"),
    };
    assert_eq!(structuur.groepen, alles.groepen);
    assert_eq!(structuur.vestigingen, alles.vestigingen);

    // Getrapt 2 and 3, for a class group taken from the structure answer.
    let groep = structuur
        .groepen
        .iter()
        .find_map(|g| match g {
            GroepItem::Groep(g) if alles.leerlingen.iter().any(|l| l.groep.as_deref() == Some(g.key.as_str())) => {
                Some(g.key.clone())
            }
            _ => None,
        })
        .expect("a class group with pupils");
    let gv = GroepenVerzoek {
        verzoek: verzoek(brin),
        groepen: vec![GroepSelectie { soort: GroepSoort::Groep, key: Some(groep.clone()) }],
    };
    let leerlingen = match c.haal_leerlingen(&a, &gv).await.unwrap().value {
        Antwoord::Gegevens(l) => l.leerlingen,
        other => panic!("expected pupils, got {other:?}"),
    };
    let expected: Vec<_> =
        alles.leerlingen.iter().filter(|l| l.groep.as_deref() == Some(groep.as_str())).cloned().collect();
    assert!(!expected.is_empty());
    assert_eq!(leerlingen, expected, "the group's pupils, as in the alles-in-een answer");

    let teachers: Vec<_> = alles
        .leerkrachten
        .iter()
        .filter(|t| t.groepen.iter().any(|g| g.soort == GroepSoort::Groep && g.key == groep))
        .cloned()
        .collect();
    assert!(!teachers.is_empty(), "generated groups have a teacher");
    match c.haal_leerkrachten(&a, &gv).await.unwrap().value {
        Antwoord::Gegevens(t) => assert_eq!(t.leerkrachten, teachers, "the group's teachers"),
        other => panic!("expected teachers, got {other:?}"),
    }

    // Results for one pupil of that group: an OSO result and a raw score.
    let pupil = expected[0].clone();
    let one = uwlr::message::leerlinggegevens::Leerlinggegevens { leerlingen: vec![pupil.clone()], ..alles.clone() };
    let mut r = results(&one, &ResultsSpec { per_pupil: 2, ..Default::default() });
    assert_eq!(r.toetsafnames.len(), 1);
    let before = las.results(&school).await.unwrap();
    c.breng_leerresultaten(&a, &r).await.unwrap();
    let after = las.results(&school).await.unwrap();
    assert_eq!(after.deliveries, before.deliveries + 1);
    assert_eq!(after.distinct, before.distinct + 2);

    // Re-normed: the same result key, a new score.
    let res = r.toetsafnames[0].resultaten.iter_mut().find(|x| matches!(x.waarde, ResultaatWaarde::Score(_))).unwrap();
    let ResultaatWaarde::Score(old) = res.waarde else { unreachable!() };
    let new = if old == 7 { 8 } else { 7 };
    res.waarde = ResultaatWaarde::Score(new);
    let rkey = res.key.clone();
    c.breng_leerresultaten(&a, &r).await.unwrap();
    let again = las.results(&school).await.unwrap();
    assert_eq!(again.deliveries, after.deliveries + 1, "one more delivery");
    assert_eq!(again.distinct, after.distinct, "no new result: the key was known");
    let leerling = pupil.key.clone().or(pupil.eckid.clone()).unwrap();
    let stored = again.results.iter().find(|x| x.key == rkey && x.leerling == leerling).expect("the result is stored");
    assert_eq!(stored.score, Some(new), "the new value replaced {old}");
    assert_eq!(stored.times_received, 2);
}

#[tokio::test]
async fn parnassys_over_http() {
    let las = las(Profile::Parnassys, clock());
    let key = las.issue_key("99DE00", &IssueKeyRequest::default()).await.unwrap().autorisatiesleutel;
    let server = start(&las, None).await;
    assert!(server.base_url().starts_with("http://127.0.0.1:"));
    let c = client(ClientConfig::new(format!("{}/uwlr", server.base_url())));
    acceptance(&c, &las, &key, "99DE").await;
    server.shutdown().await;
}

#[tokio::test]
async fn parnassys_over_https_with_a_test_ca() {
    let pki = transport_support::pki(false);
    let las = las(Profile::Parnassys, clock());
    let key = las.issue_key("99DF00", &IssueKeyRequest::default()).await.unwrap().autorisatiesleutel;
    let server = start(&las, Some(pki.server.clone())).await;
    assert!(server.base_url().starts_with("https://127.0.0.1:"));
    let endpoint = format!("{}/uwlr", server.base_url());
    let c = client(ClientConfig { ca_pem: Some(pki.ca_pem.clone()), ..ClientConfig::new(endpoint.clone()) });
    acceptance(&c, &las, &key, "99DF").await;

    // The server's certificate is trusted only through the test CA.
    let e = client(ClientConfig::new(endpoint)).haal_structuur(&auth(&key), &verzoek("99DF")).await.unwrap_err();
    assert!(matches!(e, ClientError::Tls(_)), "{e:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn esis_over_https_with_the_required_client_certificate() {
    let pki = transport_support::pki(true);
    let las = las(Profile::Esis, clock());
    assert!(las.profile().requires_client_cert());
    let req = IssueKeyRequest { verificatiecode: Some("99QQ00-boom-koppeling-01".into()), ..Default::default() };
    let key = las.issue_key("99QQ00", &req).await.unwrap().autorisatiesleutel;
    assert_eq!(key.len(), 32, "an ESIS key");
    let server = start(&las, Some(pki.server.clone())).await;
    let endpoint = format!("{}/uwlr2.2.svc", server.base_url());

    let with_cert = client(ClientConfig {
        ca_pem: Some(pki.ca_pem.clone()),
        client_identity_pem: Some(pki.client_identity_pem.clone()),
        ..ClientConfig::new(endpoint.clone())
    });
    acceptance(&with_cert, &las, &key, "99QQ").await;
    let delivered = las.results("99QQ00").await.unwrap().deliveries;

    // Without a client certificate the handshake is refused: no pupil data, no results.
    let without = client(ClientConfig { ca_pem: Some(pki.ca_pem.clone()), ..ClientConfig::new(endpoint) });
    let e = without.haal_leerlinggegevens(&auth(&key), &verzoek("99QQ")).await.unwrap_err();
    assert!(matches!(e, ClientError::Tls(_) | ClientError::Connect(_)), "{e:?}");
    assert!(e.to_string().to_lowercase().contains("certificate"), "says a certificate is the problem: {e}");
    let d = match with_cert.haal_leerlinggegevens(&auth(&key), &verzoek("99QQ")).await.unwrap().value {
        Antwoord::Gegevens(d) => d,
        other => panic!("{other:?}"),
    };
    let r = results(&d, &ResultsSpec { max_pupils: Some(1), ..Default::default() });
    let e = without.breng_leerresultaten(&auth(&key), &r).await.unwrap_err();
    assert!(matches!(e, ClientError::Tls(_) | ClientError::Connect(_)), "{e:?}");
    assert_eq!(las.results("99QQ00").await.unwrap().deliveries, delivered, "nothing got through");
    server.shutdown().await;
}
