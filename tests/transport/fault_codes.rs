//! Every UWLR fault code (UWLR.md §2), each provoked through the real server: a mock LAS
//! (or the mock dashboard) served by `uwlr::server::serve` on a loopback socket, called
//! with this crate's client where it can express the request and with raw HTTP POSTs of
//! hand-made envelopes where it cannot (malformed, schema-invalid, missing header). Each
//! test checks the HTTP status (500), the faultcode's local part, and what the faultstring
//! says. Then the check order of §2 across codes, and a last test that the tests here
//! cover `FaultCode::ALL`.

use crate::mock_support;

use mock_support::{auth, clock, las, verzoek};
use std::sync::{Arc, Mutex};
use uwlr::client::{Capture, Client, ClientConfig, ClientError, RetryPolicy};
use uwlr::generate::{results, ResultsSpec};
use uwlr::message::fault::{Fault, FaultCode};
use uwlr::message::leerlinggegevens::{Antwoord, Leerlinggegevens};
use uwlr::message::leerresultaten::{AnderResultaat, LeerresultatenVerzoek, Norm, Normering, ResultaatWaarde};
use uwlr::message::values::XsiType;
use uwlr::message::{Autorisatie, Body, EncodeOptions};
use uwlr::mock::dashboard::{ActivateToets, DashboardKeyRequest, DashboardSchool};
use uwlr::mock::las::SchoolSetup;
use uwlr::mock::{DashboardKind, FaultKind, FaultSetting, Klant, MockDashboard, MockLas, Profile, SchoolName};
use uwlr::server::{serve, LasProvider, RunningServer, ServerConfig};
use uwlr::DecodeOptions;

// ---- the server, the two ways of calling it, and what a fault must look like -------------

/// Records the HTTP status of every exchange the client makes.
#[derive(Default)]
struct Statuses(Mutex<Vec<Option<u16>>>);

impl Capture for Statuses {
    fn exchange(&self, e: &uwlr::client::Exchange<'_>) {
        self.0.lock().unwrap().push(e.status);
    }
}

/// A provider served on 127.0.0.1 (plain HTTP), with a client for it.
struct Served {
    server: RunningServer,
    url: String,
    client: Client,
    statuses: Arc<Statuses>,
}

async fn served<P: LasProvider>(p: P) -> Served {
    let listener = uwlr::server::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let server = serve(Arc::new(p), listener, ServerConfig::default()).await.unwrap();
    let url = format!("{}/uwlr", server.base_url());
    let statuses = Arc::new(Statuses::default());
    let client = Client::new(ClientConfig {
        retry: RetryPolicy::none(),
        capture: Some(statuses.clone()),
        ..ClientConfig::new(url.clone())
    })
    .unwrap();
    Served { server, url, client, statuses }
}

/// The mock LAS of `mock_support` (klanten BOOM and OTHER, schools 99DE00, 99DF00, 99QQ00)
/// served, with a key for 99DE00.
async fn las_served() -> (MockLas, Served, String) {
    served_las(las(Profile::Parnassys, clock())).await
}

async fn served_las(las: MockLas) -> (MockLas, Served, String) {
    let key = las.issue_key("99DE00", &Default::default()).await.unwrap().autorisatiesleutel;
    let s = served(las.clone()).await;
    (las, s, key)
}

/// The fault of a client call and the HTTP status it came with.
fn client_fault<T: std::fmt::Debug>(s: &Served, r: Result<T, ClientError>) -> (u16, Fault) {
    let status = s.statuses.0.lock().unwrap().last().copied().flatten().expect("an answer came");
    match r {
        Err(ClientError::Fault(f)) => (status, f),
        other => panic!("expected a SOAP fault, got {other:?}"),
    }
}

/// POSTs `body` as it is; returns the status and the decoded fault.
async fn post(url: &str, body: impl Into<Vec<u8>>) -> (u16, Fault) {
    let resp = reqwest::Client::new()
        .post(url)
        .header("content-type", "text/xml; charset=utf-8")
        .header("soapaction", "\"\"")
        .body(body.into())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.unwrap();
    match uwlr::decode(&bytes, &DecodeOptions::strict()) {
        Ok(d) => match d.body {
            Body::Fault(f) => (status, f),
            other => panic!("expected a fault, got <{}>", other.kind().element()),
        },
        Err(e) => panic!("the answer is not UWLR: {e}\n{}", String::from_utf8_lossy(&bytes)),
    }
}

/// An enveloped request, with or without the autorisatie header.
fn envelope(body: &Body, header: Option<&Autorisatie>) -> String {
    let bytes =
        uwlr::encode_to_vec(body, header, &EncodeOptions { envelope: true, indent: false, declaration: true }).unwrap();
    String::from_utf8(bytes).unwrap()
}

/// `s` with `from` replaced exactly once (the test's premise is that it occurs once).
fn replace_once(s: &str, from: &str, to: &str) -> String {
    assert_eq!(s.matches(from).count(), 1, "'{from}' should occur once in\n{s}");
    s.replacen(from, to, 1)
}

/// The fault is a UWLR fault with this code, sent with HTTP 500, and its faultstring
/// holds every one of `says`.
#[track_caller]
fn expect_fault((status, f): (u16, Fault), code: FaultCode, says: &[&str]) -> Fault {
    assert_eq!(status, 500, "a fault goes with HTTP 500: {f}");
    assert_eq!(f.code, Some(code), "{f}");
    assert_eq!(f.raw_code.rsplit(':').next(), Some(code.as_str()), "faultcode local part: {}", f.raw_code);
    for s in says {
        assert!(f.message.contains(s), "the faultstring should say '{s}': {}", f.message);
    }
    f
}

/// The pupil data of 99DE00, as the LAS serves it.
async fn data(s: &Served, key: &str) -> Leerlinggegevens {
    match s.client.haal_leerlinggegevens(&auth(key), &verzoek("99DE")).await.unwrap().value {
        Antwoord::Gegevens(d) => d,
        other => panic!("expected data, got {other:?}"),
    }
}

/// Results for the first `pupils` pupils: one result each, alternating OSO and raw score
/// (the generator's pattern), every toets declared with a consistent normering.
fn some_results(d: &Leerlinggegevens, pupils: usize, per_pupil: usize) -> LeerresultatenVerzoek {
    results(d, &ResultsSpec { max_pupils: Some(pupils), per_pupil, ..Default::default() })
}

fn norm(term: &str, begin: u64, eind: u64) -> Norm {
    Norm { term: term.into(), beginnormwaarde: begin, eindnormwaarde: eind, ..Default::default() }
}

// ---- Server.* -------------------------------------------------------------------------

#[tokio::test]
async fn server_interne_fout_when_the_provider_hands_over_schema_breaking_data() {
    let (las, s, key) = las_served().await;
    // The mock builds an answer whose school brincode breaks the schema; the server's own
    // check of the answer (step 5) refuses to send it. No fault code is injected.
    las.set_fault(Some(FaultSetting::times(FaultKind::Internal, 1))).unwrap();
    let r = s.client.haal_leerlinggegevens(&auth(&key), &verzoek("99DE")).await;
    let f = expect_fault(client_fault(&s, r), FaultCode::InterneFout, &[]);
    assert_eq!(f.message, "Er is een interne fout opgetreden", "the standard text, nothing about the data");
    assert!(!f.message.contains("brincode") && f.detail.is_none(), "no internals leak: {f}");
    assert_eq!(las.fault().injected, 1);
    assert!(las.fault().setting.is_none(), "count ran out");

    // The same data, unbroken, is served again.
    assert_eq!(data(&s, &key).await.leerlingen.len(), 30);

    // The getrapt answers are cut from the same data: broken as well.
    las.set_fault(Some(FaultSetting::always(FaultKind::Internal))).unwrap();
    let r = s.client.haal_structuur(&auth(&key), &verzoek("99DE")).await;
    let f = expect_fault(client_fault(&s, r), FaultCode::InterneFout, &[]);
    assert_eq!(f.message, FaultCode::InterneFout.default_message());
    s.server.shutdown().await;
}

#[tokio::test]
async fn server_tijdelijk_niet_beschikbaar_by_injection() {
    let (las, s, key) = las_served().await;
    las.set_fault(Some(FaultSetting::times(FaultKind::TijdelijkNietBeschikbaar, 1))).unwrap();
    let r = s.client.haal_leerlinggegevens(&auth(&key), &verzoek("99DE")).await;
    let e = r.as_ref().unwrap_err();
    assert!(e.is_transient(), "a client may retry this one");
    let f = expect_fault(client_fault(&s, r), FaultCode::TijdelijkNietBeschikbaar, &[]);
    assert_eq!(f.message, "Server is tijdelijk niet beschikbaar");
    assert_eq!(data(&s, &key).await.leerlingen.len(), 30, "available again once the injection ran out");
    s.server.shutdown().await;
}

// ---- Client.OngeldigBericht -------------------------------------------------------------

#[tokio::test]
async fn client_ongeldig_bericht_for_xml_that_is_not_well_formed() {
    let (_las, s, key) = las_served().await;
    let good = envelope(&Body::LeerlinggegevensVerzoek(verzoek("99DE")), Some(&auth(&key)));
    // A mismatched end tag in the body.
    let broken = replace_once(&good, "</schooljaar>", "</schooljaar_>");
    let f =
        expect_fault(post(&s.url, broken).await, FaultCode::OngeldigBericht, &["Inhoud van het bericht is ongeldig: "]);
    assert!(f.message.contains("schooljaar"), "names where the XML breaks: {}", f.message);
    s.server.shutdown().await;
}

#[tokio::test]
async fn client_ongeldig_bericht_for_a_schema_invalid_body() {
    let (_las, s, key) = las_served().await;
    let good = envelope(&Body::LeerlinggegevensVerzoek(verzoek("99DE")), Some(&auth(&key)));
    // Well-formed, but a brincode is two digits and two capitals.
    let bad = replace_once(&good, ">99DE<", ">9DE<");
    expect_fault(
        post(&s.url, bad).await,
        FaultCode::OngeldigBericht,
        &["Inhoud van het bericht is ongeldig: ", "brincode"],
    );
    s.server.shutdown().await;
}

// ---- Client.OngeldigeKlantIdentificatie --------------------------------------------------

#[tokio::test]
async fn client_ongeldige_klant_identificatie_for_a_wrong_klant_pair() {
    let (_las, s, key) = las_served().await;
    // An unknown klantnaam...
    let wrong = Autorisatie { klantnaam: "Onbekend platform".into(), ..auth(&key) };
    let r = s.client.haal_leerlinggegevens(&wrong, &verzoek("99DE")).await;
    let f = expect_fault(client_fault(&s, r), FaultCode::OngeldigeKlantIdentificatie, &[]);
    assert_eq!(f.message, "Klantidentificatie onjuist");
    // ...and two known klanten's halves that are not a pair.
    let crossed = Autorisatie { klantcode: "OTHER".into(), ..auth(&key) };
    let r = s.client.haal_leerlinggegevens(&crossed, &verzoek("99DE")).await;
    expect_fault(client_fault(&s, r), FaultCode::OngeldigeKlantIdentificatie, &["Klantidentificatie onjuist"]);
    s.server.shutdown().await;
}

// ---- Client.AutorisatieOngeldig ---------------------------------------------------------

#[tokio::test]
async fn client_autorisatie_ongeldig_for_a_wrong_key() {
    let (las, s, key) = las_served().await;
    let r = s.client.haal_leerlinggegevens(&auth("not-the-key"), &verzoek("99DE")).await;
    let f = expect_fault(client_fault(&s, r), FaultCode::AutorisatieOngeldig, &[]);
    assert_eq!(f.message, "Autorisatie is ongeldig");
    // The right key for another school: the same words (no hint which keys exist).
    let r = s.client.haal_leerlinggegevens(&auth(&key), &verzoek("99DF")).await;
    let g = expect_fault(client_fault(&s, r), FaultCode::AutorisatieOngeldig, &[]);
    assert_eq!(g.message, f.message);
    // A revoked key.
    las.revoke_keys("99DE00").await.unwrap();
    let r = s.client.haal_leerlinggegevens(&auth(&key), &verzoek("99DE")).await;
    expect_fault(client_fault(&s, r), FaultCode::AutorisatieOngeldig, &["Autorisatie is ongeldig"]);
    s.server.shutdown().await;
}

#[tokio::test]
async fn client_autorisatie_ongeldig_for_a_missing_header() {
    let (_las, s, _key) = las_served().await;
    let no_header = envelope(&Body::LeerlinggegevensVerzoek(verzoek("99DE")), None);
    assert!(!no_header.contains("autorisatie"), "{no_header}");
    expect_fault(
        post(&s.url, no_header).await,
        FaultCode::AutorisatieOngeldig,
        &["Autorisatie is ongeldig: ", "autorisatie header is missing"],
    );
    s.server.shutdown().await;
}

// ---- Client.VocabulaireTermOngeldig -----------------------------------------------------

#[tokio::test]
async fn client_vocabulaire_term_ongeldig_for_a_toetscode_no_toets_declares() {
    let (las, s, key) = las_served().await;
    let d = data(&s, &key).await;
    let r = some_results(&d, 1, 1);
    assert_eq!(r.toetsen.len(), 1);
    let code = r.toetsen[0].toetscode.value.clone();
    let good = envelope(&Body::LeerresultatenVerzoek(r), Some(&auth(&key)));
    // Our encoder refuses such a message, so the declaration is renamed on the wire: the
    // result still names `code`, which no <toets> declares any more.
    let at = good.find("<toetsen>").expect("a toetsen block");
    let (head, tail) = good.split_at(at);
    let bad = format!("{head}{}", replace_once(tail, &format!(">{code}<"), ">BOOM-ANDERE-TOETS<"));
    let f = expect_fault(
        post(&s.url, bad.clone()).await,
        FaultCode::VocabulaireTermOngeldig,
        &["Vocabulairterm ongeldig: ", &format!("toetscode '{code}'"), "names no <toets>"],
    );
    assert!(!f.message.contains("BOOM-ANDERE-TOETS"), "names the undeclared code, not the unused one: {f}");
    assert_eq!(las.results("99DE00").await.unwrap().deliveries, 0, "nothing stored");

    // With another error besides, the message is malformed: OngeldigBericht.
    let worse = replace_once(&bad, ">99DE<", ">9DE<");
    expect_fault(post(&s.url, worse).await, FaultCode::OngeldigBericht, &["brincode"]);
    s.server.shutdown().await;
}

#[tokio::test]
async fn client_vocabulaire_term_ongeldig_for_a_test_the_dashboard_does_not_know() {
    let dash = MockDashboard::with_clock(
        DashboardKind::Focuspo,
        vec![Klant::boom()],
        vec![DashboardSchool::new(SchoolName::brin("99DE", "00"))],
        clock(),
    );
    let key = dash
        .issue_key("99DE00", &DashboardKeyRequest { autorisatiesleutel: Some("dash&<key>".into()), klantcode: None })
        .await
        .unwrap()
        .autorisatiesleutel;
    let school = uwlr::generate::school(&uwlr::generate::SchoolSpec { pupils: 10, ..Default::default() });
    let r = some_results(&school, 1, 1);
    let nummer = r.toetsafnames[0].leerlingid.clone().unwrap();
    dash.add_leerlingnummers("99DE00", std::slice::from_ref(&nummer)).await.unwrap();
    // Its catalogue holds another Boom test only. (A test it knows but the school did not
    // activate is no error: the result is taken, outside the growth chart.)
    let other = ActivateToets { toetscode: "BOOM-IETS-ANDERS".into(), onderdelen: vec![] };
    dash.set_catalogue(Some(vec![other])).await.unwrap();
    let s = served(dash.clone()).await;
    let code = &r.toetsen[0].toetscode.value;
    let res = s.client.breng_leerresultaten(&auth(&key), &r).await;
    expect_fault(
        client_fault(&s, res),
        FaultCode::VocabulaireTermOngeldig,
        &["Vocabulairterm ongeldig: ", &format!("toets '{code}' is niet gevonden")],
    );
    assert_eq!(dash.errors("99DE00").await.unwrap().len(), 1);
    s.server.shutdown().await;
}

// ---- Client.XsdVersieOngeldig -----------------------------------------------------------

#[tokio::test]
async fn client_xsd_versie_ongeldig_for_an_unsupported_version() {
    let (_las, s, key) = las_served().await;
    let mut v = verzoek("99DE");
    v.xsdversie = "9.9".into();
    let r = s.client.haal_leerlinggegevens(&auth(&key), &v).await;
    expect_fault(
        client_fault(&s, r),
        FaultCode::XsdVersieOngeldig,
        &["De opgegeven XSD-versie is onjuist", "'9.9'", "supported: 2.2, 2.3"],
    );
    s.server.shutdown().await;
}

#[tokio::test]
async fn client_xsd_versie_ongeldig_for_an_empty_xsdversie() {
    let (_las, s, key) = las_served().await;
    let good = envelope(&Body::LeerlinggegevensVerzoek(verzoek("99DE")), Some(&auth(&key)));
    let empty = replace_once(&good, ">2.3</", "></");
    expect_fault(
        post(&s.url, empty).await,
        FaultCode::XsdVersieOngeldig,
        &["De opgegeven XSD-versie is onjuist", "xsdversie"],
    );
    s.server.shutdown().await;
}

// ---- results: Client.LeerlingOngeldig, ToetsNormeringOngeldig, ScoreOngeldig, EldResultaatOngeldig

#[tokio::test]
async fn client_leerling_ongeldig_for_an_unknown_pupil() {
    let (las, s, key) = las_served().await;
    let d = data(&s, &key).await;
    let mut r = some_results(&d, 3, 1);
    r.toetsafnames[1].leerlingid = Some("ONBEKEND-42".into());
    r.toetsafnames[1].eckid = None;
    let res = s.client.breng_leerresultaten(&auth(&key), &r).await;
    expect_fault(
        client_fault(&s, res),
        FaultCode::LeerlingOngeldig,
        &["Leerling ongeldig: ", "leerlingid 'ONBEKEND-42'", "99DE00"],
    );
    assert_eq!(las.results("99DE00").await.unwrap().deliveries, 0, "refused whole: the known pupils are not stored");
    s.server.shutdown().await;
}

#[tokio::test]
async fn client_toets_normering_ongeldig_for_a_norm_that_ends_before_it_begins() {
    let (las, s, key) = las_served().await;
    let d = data(&s, &key).await;
    let mut r = some_results(&d, 1, 2);
    let code = r.toetsen[0].toetscode.value.clone();
    let n = r.toetsen[0].toetsnormering.as_mut().expect("generated toetsen have a normering");
    let iii = n.normen.iter_mut().find(|x| x.term == "III").unwrap();
    (iii.beginnormwaarde, iii.eindnormwaarde) = (38, 34);
    let res = s.client.breng_leerresultaten(&auth(&key), &r).await;
    expect_fault(
        client_fault(&s, res),
        FaultCode::ToetsNormeringOngeldig,
        &[
            "Toetsnormering ongeldig: ",
            &format!("toets '{code}'"),
            "norm 'III'",
            "beginnormwaarde 38 is above eindnormwaarde 34",
        ],
    );
    assert_eq!(las.results("99DE00").await.unwrap().deliveries, 0);
    s.server.shutdown().await;
}

#[tokio::test]
async fn client_toets_normering_ongeldig_for_overlapping_norms() {
    let (las, s, key) = las_served().await;
    let d = data(&s, &key).await;
    let mut r = some_results(&d, 1, 1);
    let t = &mut r.toetsen[0];
    let code = t.toetscode.value.clone();
    let onderdeel = t.toetsonderdelen[0].code.value.clone();
    // A toetsonderdeelnormering where a raw score of 20 falls in two norms.
    t.toetsonderdelen[0].normering = Some(Normering {
        normen: vec![norm("A", 21, 30), norm("C", 0, 10), norm("B", 11, 20), norm("D", 20, 25)],
        ..Default::default()
    });
    let res = s.client.breng_leerresultaten(&auth(&key), &r).await;
    expect_fault(
        client_fault(&s, res),
        FaultCode::ToetsNormeringOngeldig,
        &[
            "Toetsnormering ongeldig: ",
            &format!("toets '{code}' onderdeel '{onderdeel}'"),
            "norms 'B' (11-20) and 'D' (20-25) overlap",
        ],
    );
    // Adjacent ranges are fine: the same message with D moved up is accepted.
    let n = r.toetsen[0].toetsonderdelen[0].normering.as_mut().unwrap();
    n.normen[3] = norm("D", 31, 40);
    s.client.breng_leerresultaten(&auth(&key), &r).await.unwrap();
    assert_eq!(las.results("99DE00").await.unwrap().deliveries, 1);
    s.server.shutdown().await;
}

#[tokio::test]
async fn client_score_ongeldig_above_the_mock_bound() {
    let (las, s, key) = las_served().await;
    let d = data(&s, &key).await;
    let mut r = some_results(&d, 2, 2);
    let res = &mut r.toetsafnames[1].resultaten[1];
    assert!(matches!(res.waarde, ResultaatWaarde::Score(_)), "the second sitting is a raw score");
    res.waarde = ResultaatWaarde::Score(uwlr::mock::las::MAX_SCORE + 1);
    let rkey = res.key.clone();
    let e = s.client.breng_leerresultaten(&auth(&key), &r).await;
    expect_fault(
        client_fault(&s, e),
        FaultCode::ScoreOngeldig,
        &["Score ongeldig: ", &format!("resultaat '{rkey}'"), "score 1001 is above 1000"],
    );
    assert_eq!(las.results("99DE00").await.unwrap().deliveries, 0);
    s.server.shutdown().await;
}

#[tokio::test]
async fn client_eld_resultaat_ongeldig_for_an_anderresultaat_type_not_agreed() {
    let ander = |r: &mut LeerresultatenVerzoek| {
        let res = &mut r.toetsafnames[0].resultaten[0];
        res.waarde = ResultaatWaarde::Ander(AnderResultaat {
            xsi_type: XsiType { name: "eld:EldResultaat".into(), namespace: Some("urn:example:eld".into()) },
            andere_score: Some("B2".into()),
        });
        res.key.clone()
    };
    // The mock LAS agrees no anderresultaat format unless configured.
    let (las, s, key) = las_served().await;
    let d = data(&s, &key).await;
    let mut r = some_results(&d, 1, 1);
    let rkey = ander(&mut r);
    let e = s.client.breng_leerresultaten(&auth(&key), &r).await;
    expect_fault(
        client_fault(&s, e),
        FaultCode::EldResultaatOngeldig,
        &[
            "ELD resultaat ongeldig: ",
            &format!("resultaat '{rkey}'"),
            "anderresultaat type 'eld:EldResultaat' (namespace 'urn:example:eld') is not agreed",
        ],
    );
    assert_eq!(las.results("99DE00").await.unwrap().deliveries, 0);
    s.server.shutdown().await;

    // A LAS that agreed the format accepts the same message.
    let agreeing = MockLas::builder(Profile::Parnassys)
        .clock(clock())
        .klant(Klant::boom())
        .school(SchoolSetup { name: SchoolName::brin("99DE", "00"), data: d })
        .anderresultaat_type("{urn:example:eld}EldResultaat")
        .build()
        .unwrap();
    let (agreeing, s, key) = served_las(agreeing).await;
    s.client.breng_leerresultaten(&auth(&key), &r).await.unwrap();
    let rep = agreeing.results("99DE00").await.unwrap();
    assert_eq!((rep.deliveries, rep.results[0].vorm), (1, "anderresultaat"));
    s.server.shutdown().await;
}

// ---- the check order of UWLR.md §2, across codes -----------------------------------------

#[tokio::test]
async fn order_missing_header_beats_a_malformed_body_field() {
    let (_las, s, _key) = las_served().await;
    let no_header = envelope(&Body::LeerlinggegevensVerzoek(verzoek("99DE")), None);
    let both = replace_once(&no_header, ">99DE<", ">9DE<");
    let f = expect_fault(post(&s.url, both).await, FaultCode::AutorisatieOngeldig, &["Autorisatie is ongeldig: "]);
    assert!(!f.message.contains("brincode"), "the body is not judged: {f}");
    s.server.shutdown().await;
}

#[tokio::test]
async fn order_wrong_klant_beats_wrong_key() {
    let (_las, s, _key) = las_served().await;
    let both = Autorisatie { klantnaam: "Onbekend platform".into(), ..auth("not-the-key") };
    let r = s.client.haal_leerlinggegevens(&both, &verzoek("99DE")).await;
    expect_fault(client_fault(&s, r), FaultCode::OngeldigeKlantIdentificatie, &["Klantidentificatie onjuist"]);
    s.server.shutdown().await;
}

#[tokio::test]
async fn order_bad_xsdversie_beats_wrong_key() {
    let (_las, s, _key) = las_served().await;
    let mut v = verzoek("99DE");
    v.xsdversie = "9.9".into();
    let r = s.client.haal_leerlinggegevens(&auth("not-the-key"), &v).await;
    expect_fault(client_fault(&s, r), FaultCode::XsdVersieOngeldig, &["'9.9'"]);
    s.server.shutdown().await;
}

#[tokio::test]
async fn order_wrong_key_beats_an_undeclared_toetscode() {
    let (las, s, key) = las_served().await;
    let d = data(&s, &key).await;
    let r = some_results(&d, 1, 1);
    let code = r.toetsen[0].toetscode.value.clone();
    // The vocabulary fault is a data fault: a caller without a valid key learns nothing
    // about the codes, it gets AutorisatieOngeldig (steps 2 and 3 before step 4).
    let good = envelope(&Body::LeerresultatenVerzoek(r), Some(&auth("not-the-key")));
    let at = good.find("<toetsen>").expect("a toetsen block");
    let (head, tail) = good.split_at(at);
    let bad = format!("{head}{}", replace_once(tail, &format!(">{code}<"), ">BOOM-ANDERE-TOETS<"));
    let f = expect_fault(post(&s.url, bad).await, FaultCode::AutorisatieOngeldig, &["Autorisatie is ongeldig"]);
    assert!(!f.message.contains(&code), "{f}");
    assert_eq!(las.results("99DE00").await.unwrap().deliveries, 0);
    s.server.shutdown().await;
}

#[tokio::test]
async fn order_xml_that_is_not_well_formed_is_ongeldig_bericht_even_without_header() {
    let (_las, s, _key) = las_served().await;
    let no_header = envelope(&Body::LeerlinggegevensVerzoek(verzoek("99DE")), None);
    let broken = replace_once(&no_header, "</schooljaar>", "</schooljaar_>");
    expect_fault(post(&s.url, broken).await, FaultCode::OngeldigBericht, &["Inhoud van het bericht is ongeldig: "]);
    // Cut off before the header could have come.
    let cut = &no_header[..no_header.find("<soap:Body").or(no_header.find(":Body")).unwrap()];
    expect_fault(
        post(&s.url, cut.to_owned()).await,
        FaultCode::OngeldigBericht,
        &["Inhoud van het bericht is ongeldig"],
    );
    s.server.shutdown().await;
}

// ---- coverage -----------------------------------------------------------------------------

/// Each fault code with a test above that provokes it. The test below checks that this
/// list covers `FaultCode::ALL`, and that each named test exists in this file and expects
/// that code.
const COVERAGE: &[(FaultCode, &str)] = &[
    (FaultCode::InterneFout, "server_interne_fout_when_the_provider_hands_over_schema_breaking_data"),
    (FaultCode::TijdelijkNietBeschikbaar, "server_tijdelijk_niet_beschikbaar_by_injection"),
    (FaultCode::OngeldigBericht, "client_ongeldig_bericht_for_xml_that_is_not_well_formed"),
    (FaultCode::OngeldigBericht, "client_ongeldig_bericht_for_a_schema_invalid_body"),
    (FaultCode::OngeldigeKlantIdentificatie, "client_ongeldige_klant_identificatie_for_a_wrong_klant_pair"),
    (FaultCode::AutorisatieOngeldig, "client_autorisatie_ongeldig_for_a_wrong_key"),
    (FaultCode::AutorisatieOngeldig, "client_autorisatie_ongeldig_for_a_missing_header"),
    (FaultCode::VocabulaireTermOngeldig, "client_vocabulaire_term_ongeldig_for_a_toetscode_no_toets_declares"),
    (FaultCode::VocabulaireTermOngeldig, "client_vocabulaire_term_ongeldig_for_a_test_the_dashboard_does_not_know"),
    (FaultCode::XsdVersieOngeldig, "client_xsd_versie_ongeldig_for_an_unsupported_version"),
    (FaultCode::XsdVersieOngeldig, "client_xsd_versie_ongeldig_for_an_empty_xsdversie"),
    (FaultCode::LeerlingOngeldig, "client_leerling_ongeldig_for_an_unknown_pupil"),
    (FaultCode::ToetsNormeringOngeldig, "client_toets_normering_ongeldig_for_a_norm_that_ends_before_it_begins"),
    (FaultCode::ToetsNormeringOngeldig, "client_toets_normering_ongeldig_for_overlapping_norms"),
    (FaultCode::ScoreOngeldig, "client_score_ongeldig_above_the_mock_bound"),
    (FaultCode::EldResultaatOngeldig, "client_eld_resultaat_ongeldig_for_an_anderresultaat_type_not_agreed"),
];

#[test]
fn every_fault_code_is_provoked_by_a_test() {
    let source = include_str!("fault_codes.rs");
    let mut covered = std::collections::BTreeSet::new();
    for (code, test) in COVERAGE {
        let head = format!("#[tokio::test]\nasync fn {test}() {{\n");
        let start = source.find(&head).unwrap_or_else(|| panic!("no test '{test}' in this file"));
        let body = &source[start + head.len()..];
        let body = &body[..body.find("\n}\n").expect("the test's end")];
        let expects = format!("FaultCode::{code:?},");
        assert!(
            body.contains("expect_fault(") && body.contains(&expects),
            "'{test}' should expect_fault(.., {expects} ..)"
        );
        covered.insert(*code);
    }
    let all: std::collections::BTreeSet<FaultCode> = FaultCode::ALL.iter().copied().collect();
    let missing: Vec<_> = all.difference(&covered).collect();
    assert!(missing.is_empty(), "fault codes no test provokes: {missing:?}");
    assert_eq!(covered, all);
}
