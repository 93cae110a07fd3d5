//! The mock dashboard (SchoolKr8 / Focus PO): its keys, pupil numbers, its catalogue of Boom
//! tests and the tests a school activated (a result of a test not activated is taken, kept
//! out of the growth chart), error list and "process changes"; and that LAS and dashboard
//! keys never cross.

use crate::mock_support;

use mock_support::*;
use uwlr::generate::{results, ResultsSpec};
use uwlr::message::fault::FaultCode;
use uwlr::message::leerresultaten::{LeerresultatenVerzoek, ResultaatWaarde};
use uwlr::mock::dashboard::{ActivateToets, DashboardKeyRequest, DashboardSchool, DashboardSettings, ErrorKind};
use uwlr::mock::las::IssueKeyRequest;
use uwlr::mock::{DashboardKind, Klant, MockDashboard, Profile, SchoolName};

const MANUAL_KEY: &str = "khasgdkj76&g7d^%$gjhsdd";

fn dashboard() -> MockDashboard {
    MockDashboard::with_clock(
        DashboardKind::Schoolkr8,
        vec![Klant::boom()],
        vec![
            DashboardSchool::new(SchoolName::brin("99DE", "00")),
            DashboardSchool::new(SchoolName::brin("99DF", "00")),
        ],
        clock(),
    )
}

/// Results for three pupils whose LAS keys serve as Boom numbers, with every test
/// activated and every number entered unless the test says otherwise.
async fn setup(d: &MockDashboard) -> LeerresultatenVerzoek {
    let data = uwlr::generate::school(&uwlr::generate::SchoolSpec { pupils: 30, ..Default::default() });
    let mut r = results(&data, &ResultsSpec { max_pupils: Some(3), per_pupil: 2, ..Default::default() });
    for a in &mut r.toetsafnames {
        a.eckid = None; // a dashboard gets the Boom number only
    }
    let nummers: Vec<String> = r.toetsafnames.iter().map(|a| a.leerlingid.clone().unwrap()).collect();
    d.add_leerlingnummers("99DE00", &nummers).await.unwrap();
    for t in &r.toetsen {
        d.activate_toets("99DE00", &ActivateToets { toetscode: t.toetscode.value.clone(), onderdelen: vec![] })
            .await
            .unwrap();
    }
    r
}

async fn manual_key(d: &MockDashboard) -> String {
    d.issue_key("99DE00", &DashboardKeyRequest { klantcode: None, autorisatiesleutel: Some(MANUAL_KEY.into()) })
        .await
        .unwrap()
        .autorisatiesleutel
}

#[tokio::test]
async fn keys_with_xml_special_characters_survive_the_envelope() {
    let d = dashboard();
    let r = setup(&d).await;
    let k = manual_key(&d).await;
    assert_eq!(k, MANUAL_KEY);
    send_results(&d, &r, &auth(MANUAL_KEY)).await.unwrap();
    let tricky = "a<b>&c\"d'e]]>f";
    d.issue_key("99DE00", &DashboardKeyRequest { klantcode: None, autorisatiesleutel: Some(tricky.into()) })
        .await
        .unwrap();
    send_results(&d, &r, &auth(tricky)).await.unwrap();
    assert_eq!(code(send_results(&d, &r, &auth(MANUAL_KEY)).await), FaultCode::AutorisatieOngeldig, "replaced");
    // Generated keys use printable characters, and work.
    let g = d.issue_key("99DE00", &DashboardKeyRequest::default()).await.unwrap().autorisatiesleutel;
    assert_eq!(g.len(), 24);
    assert!(g.bytes().all(|b| b.is_ascii_graphic()));
    send_results(&d, &r, &auth(&g)).await.unwrap();
    // Not for another school, and a space or a 65th character is refused.
    assert_eq!(
        code(
            send_results(
                &d,
                &{
                    let mut o = r.clone();
                    o.school.id = school("99DF");
                    o
                },
                &auth(&g)
            )
            .await
        ),
        FaultCode::AutorisatieOngeldig
    );
    for bad in ["met spatie", &"x".repeat(65), ""] {
        let e = d
            .issue_key("99DE00", &DashboardKeyRequest { klantcode: None, autorisatiesleutel: Some(bad.into()) })
            .await
            .unwrap_err();
        assert_eq!(e.status, 400, "{bad}");
    }
    assert_eq!(d.revoke_keys("99DE00").await.unwrap(), 1);
    assert_eq!(code(send_results(&d, &r, &auth(&g)).await), FaultCode::AutorisatieOngeldig);
}

#[tokio::test]
async fn unknown_pupil_number_and_unknown_test_are_listed_and_refused() {
    let d = dashboard();
    let r = setup(&d).await;
    let k = manual_key(&d).await;
    // The dashboard knows the Boom tests of the message, and no others.
    let known = |t: &uwlr::message::leerresultaten::Toets| ActivateToets {
        toetscode: t.toetscode.value.clone(),
        onderdelen: vec![],
    };
    d.set_catalogue(Some(r.toetsen.iter().map(known).collect())).await.unwrap();

    let mut unknown_pupil = r.clone();
    unknown_pupil.toetsafnames[0].leerlingid = Some("4866010819".into());
    let f = send_results(&d, &unknown_pupil, &auth(&k)).await.unwrap_err();
    assert_eq!(f.code, Some(FaultCode::LeerlingOngeldig));
    assert!(f.message.contains("4866010819"), "{}", f.message);

    let mut unknown_test = r.clone();
    let code0 = unknown_test.toetsen[0].toetscode.value.clone();
    d.set_catalogue(Some(r.toetsen.iter().skip(1).map(known).collect())).await.unwrap();
    let f = send_results(&d, &unknown_test, &auth(&k)).await.unwrap_err();
    assert_eq!(f.code, Some(FaultCode::VocabulaireTermOngeldig));
    assert!(f.message.contains(&code0), "{}", f.message);
    // A school cannot activate a test the dashboard does not know.
    let e = d.activate_toets("99DE00", &ActivateToets { toetscode: code0.clone(), onderdelen: vec![] }).await;
    assert_eq!(e.unwrap_err().status, 400);

    // The dashboard knows only some parts: a result for another part is "test part not found".
    let with_part = unknown_test
        .toetsafnames
        .iter_mut()
        .flat_map(|a| a.resultaten.iter_mut())
        .find(|x| x.toetscode == code0)
        .expect("a result of the first test");
    with_part.toetsonderdeelcode = Some("ONBEKEND-DEEL".into());
    let mut parts: Vec<ActivateToets> = r.toetsen.iter().map(known).collect();
    parts[0].onderdelen = vec!["GET".into()];
    d.set_catalogue(Some(parts)).await.unwrap();
    let f = send_results(&d, &unknown_test, &auth(&k)).await.unwrap_err();
    assert_eq!(f.code, Some(FaultCode::VocabulaireTermOngeldig));
    assert!(f.message.contains("toetsonderdeel 'ONBEKEND-DEEL'"), "{}", f.message);

    let errors = d.errors("99DE00").await.unwrap();
    assert_eq!(errors[0].kind, ErrorKind::LeerlingnummerNietGevonden);
    assert!(errors.iter().filter(|e| e.kind == ErrorKind::ToetsNietGevonden).count() >= 2);
    let rep = d.results("99DE00").await.unwrap();
    assert_eq!((rep.deliveries, rep.distinct), (0, 0), "refused messages store nothing");
}

#[tokio::test]
async fn a_test_the_school_did_not_activate_is_taken_and_kept_out_of_the_growth_chart() {
    let d = dashboard();
    let r = setup(&d).await;
    let k = manual_key(&d).await;
    let code0 = r.toetsen[0].toetscode.value.clone();
    d.deactivate_toets("99DE00", &code0).await.unwrap();
    // Step 4 of the SchoolKr8 manual skipped for this test: the results arrive all the same.
    send_results(&d, &r, &auth(&k)).await.unwrap();
    assert!(d.errors("99DE00").await.unwrap().is_empty(), "not activated is no delivery error");
    let rep = d.results("99DE00").await.unwrap();
    let all = r.toetsafnames.iter().map(|a| a.resultaten.len()).sum::<usize>();
    assert_eq!((rep.deliveries, rep.distinct), (1, all));
    let outside: Vec<_> = rep.results.iter().filter(|x| x.in_growth_chart == Some(false)).collect();
    assert!(!outside.is_empty() && outside.iter().all(|x| x.toetscode == code0), "{outside:?}");
    assert!(rep.results.iter().filter(|x| x.toetscode != code0).all(|x| x.in_growth_chart == Some(true)));
    assert_eq!(rep.outside_growth_chart, Some(outside.len()));
    // Activated later, its results are points in the chart.
    d.activate_toets("99DE00", &ActivateToets { toetscode: code0, onderdelen: vec![] }).await.unwrap();
    assert_eq!(d.results("99DE00").await.unwrap().outside_growth_chart, Some(0));
}

#[tokio::test]
async fn process_changes_off_keeps_the_first_result() {
    let d = dashboard();
    let r = setup(&d).await;
    let k = manual_key(&d).await;
    send_results(&d, &r, &auth(&k)).await.unwrap();

    let mut renormed = r.clone();
    let (key, old) = renormed
        .toetsafnames
        .iter_mut()
        .flat_map(|a| a.resultaten.iter_mut())
        .find_map(|x| match &mut x.waarde {
            ResultaatWaarde::Score(s) => {
                let old = *s;
                *s += 5;
                Some((x.key.clone(), old))
            }
            _ => None,
        })
        .expect("a raw score");

    assert!(!d.settings("99DE00", &DashboardSettings { process_changes: Some(false) }).await.unwrap());
    send_results(&d, &renormed, &auth(&k)).await.unwrap();
    let rep = d.results("99DE00").await.unwrap();
    assert_eq!(rep.results.iter().find(|x| x.key == key).unwrap().score, Some(old));
    assert_eq!(rep.deliveries, 2);
    assert!(rep.ignored_changes > 0);

    assert!(d.settings("99DE00", &DashboardSettings { process_changes: Some(true) }).await.unwrap());
    send_results(&d, &renormed, &auth(&k)).await.unwrap();
    let rep = d.results("99DE00").await.unwrap();
    assert_eq!(rep.results.iter().find(|x| x.key == key).unwrap().score, Some(old + 5));
    assert_eq!(rep.distinct, r.toetsafnames.iter().map(|a| a.resultaten.len()).sum::<usize>());
}

#[tokio::test]
async fn a_dashboard_serves_results_only() {
    let d = dashboard();
    setup(&d).await;
    let k = manual_key(&d).await;
    let f = pupils(&d, verzoek("99DE"), &auth(&k)).await.unwrap_err();
    assert_eq!(f.code, Some(FaultCode::OngeldigBericht));
    assert!(f.message.contains("BrengLeerresultaten only"));
}

#[tokio::test]
async fn dashboard_and_las_keys_never_cross() {
    let d = dashboard();
    let r = setup(&d).await;
    let las = las(Profile::Parnassys, clock());
    let las_key = las.issue_key("99DE00", &IssueKeyRequest::default()).await.unwrap().autorisatiesleutel;
    // The same string issued on both sides would be two separate keys; a key of one side
    // is unknown to the other.
    let dash_key = manual_key(&d).await;
    assert_eq!(code(send_results(&d, &r, &auth(&las_key)).await), FaultCode::AutorisatieOngeldig);
    assert_eq!(code(pupils(&las, verzoek("99DE"), &auth(&dash_key)).await), FaultCode::AutorisatieOngeldig);
    let las_data = las.data("99DE00").await.unwrap();
    let las_results = results(&las_data, &ResultsSpec { max_pupils: Some(1), ..Default::default() });
    assert_eq!(code(send_results(&las, &las_results, &auth(&dash_key)).await), FaultCode::AutorisatieOngeldig);
    // Each works on its own side.
    send_results(&d, &r, &auth(&dash_key)).await.unwrap();
    assert!(pupils(&las, verzoek("99DE"), &auth(&las_key)).await.is_ok());
}
