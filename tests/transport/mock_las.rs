//! The mock LAS through dispatch (no socket): the key handshake of each profile, the
//! check order, change tracking, results and fault injection.

use crate::mock_support;

use chrono::Duration;
use mock_support::*;
use uwlr::generate::{results, ResultsSpec};
use uwlr::message::fault::FaultCode;
use uwlr::message::leerlinggegevens::{Antwoord, Verzoek};
use uwlr::message::leerresultaten::{OsoResultaat, ResultaatWaarde};
use uwlr::message::Body;
use uwlr::mock::clock::to_uwlr;
use uwlr::mock::las::{
    DeltaMode, GroepUpdate, IssueKeyRequest, LeerkrachtUpdate, LeerlingUpdate, NewGroep, NewLeerkracht, NewLeerling,
    SchoolSetup,
};
use uwlr::mock::{FaultKind, FaultSetting, Klant, MockLas, Profile};
use uwlr::server::{handle_with_injection, DispatchOptions, Injected, Outcome};
use uwlr::DecodeOptions;

async fn parnassys_key(las: &MockLas, school: &str) -> String {
    las.issue_key(school, &IssueKeyRequest::default()).await.unwrap().autorisatiesleutel
}

#[tokio::test]
async fn parnassys_take_koppeling_issue_rotate_revoke() {
    let las = las(Profile::Parnassys, clock());
    // Before any key: nothing opens the school.
    assert_eq!(code(pupils(&las, verzoek("99DE"), &auth("anything")).await), FaultCode::AutorisatieOngeldig);

    let k1 = parnassys_key(&las, "99DE00").await;
    assert_eq!(k1.len(), 20);
    assert!(matches!(pupils(&las, verzoek("99DE"), &auth(&k1)).await.unwrap(), Antwoord::Gegevens(_)));

    // A new key replaces the old one for that school.
    let k2 = parnassys_key(&las, "99DE00").await;
    assert_ne!(k1, k2);
    assert_eq!(code(pupils(&las, verzoek("99DE"), &auth(&k1)).await), FaultCode::AutorisatieOngeldig);
    assert!(pupils(&las, verzoek("99DE"), &auth(&k2)).await.is_ok());
    let listed = las.schools().await;
    assert_eq!(listed.iter().find(|s| s.id == "99DE00").unwrap().keys.len(), 1);

    assert_eq!(las.revoke_keys("99DE00").await.unwrap(), 1);
    assert_eq!(code(pupils(&las, verzoek("99DE"), &auth(&k2)).await), FaultCode::AutorisatieOngeldig);
    assert_eq!(las.revoke_keys("99XX00").await.unwrap_err().status, 404);
}

#[tokio::test]
async fn esis_verification_code_rules_each_refused_with_its_reason() {
    let las = las(Profile::Esis, clock());
    let issue = |code: Option<&str>| {
        let las = las.clone();
        let req = IssueKeyRequest { klantcode: None, verificatiecode: code.map(str::to_owned) };
        async move { las.issue_key("99QQ00", &req).await }
    };
    let e = issue(None).await.unwrap_err();
    assert!(e.message.contains("needs a verificatiecode") && e.message.contains("99QQ00"), "{e}");
    // Prefix rule: the manual's own example starts with 99OI00 although the BRIN is 99QQ.
    let e = issue(Some("99OI001234567890abcd")).await.unwrap_err();
    assert_eq!(e.status, 400);
    assert!(e.message.contains("must start with BRIN + vestigingsnummer '99QQ00'"), "{e}");
    // Length rule, naming the actual length.
    let e = issue(Some("99QQ00123")).await.unwrap_err();
    assert!(e.message.contains("20 to 50 characters") && e.message.contains("it has 9"), "{e}");
    let long = format!("99QQ00{}", "x".repeat(45));
    let e = issue(Some(&long)).await.unwrap_err();
    assert!(e.message.contains("it has 51"), "{e}");
    assert_eq!(las.schools().await.iter().find(|s| s.id == "99QQ00").unwrap().keys.len(), 0, "nothing issued");

    // Both bounds are allowed; the key is shown once and works.
    for ok in ["99QQ001234567890abcd".to_string(), format!("99QQ00{}", "y".repeat(44))] {
        let k = issue(Some(&ok)).await.unwrap();
        assert_eq!(k.school, "99QQ00");
        assert!(pupils(&las, verzoek("99QQ"), &auth(&k.autorisatiesleutel)).await.is_ok());
    }
    assert!(format!("{:?}", issue(Some("99QQ001234567890abcd")).await.unwrap()).contains("<redacted>"));
}

#[tokio::test]
async fn a_key_opens_only_its_own_school() {
    let las = las(Profile::Parnassys, clock());
    let a = parnassys_key(&las, "99DE00").await;
    let b = parnassys_key(&las, "99DF00").await;
    assert_eq!(code(pupils(&las, verzoek("99DF"), &auth(&a)).await), FaultCode::AutorisatieOngeldig);
    assert_eq!(code(pupils(&las, verzoek("99DE"), &auth(&b)).await), FaultCode::AutorisatieOngeldig);
    // An unknown school looks like a wrong key: the answer does not tell which schools exist.
    assert_eq!(code(pupils(&las, verzoek("99ZZ"), &auth(&a)).await), FaultCode::AutorisatieOngeldig);
    // Results are checked the same way.
    let data = las.data("99DE00").await.unwrap();
    let r = results(&data, &ResultsSpec { max_pupils: Some(1), ..Default::default() });
    assert_eq!(code(send_results(&las, &r, &auth(&b)).await), FaultCode::AutorisatieOngeldig);
}

#[tokio::test]
async fn klant_is_checked_before_the_key() {
    let las = las(Profile::Parnassys, clock());
    let k = parnassys_key(&las, "99DE00").await;
    let mut wrong_pair = auth(&k);
    wrong_pair.klantnaam = "Ander platform".into(); // OTHER's name with BOOM's code
    assert_eq!(code(pupils(&las, verzoek("99DE"), &wrong_pair).await), FaultCode::OngeldigeKlantIdentificatie);
    // Wrong klant and wrong key: the klant error wins.
    let mut both = auth("not-a-key");
    both.klantcode = "NOPE".into();
    assert_eq!(code(pupils(&las, verzoek("99DE"), &both).await), FaultCode::OngeldigeKlantIdentificatie);
    // A valid key for BOOM, sent by another known klant: the key is tied to its klant.
    let other = uwlr::message::Autorisatie {
        autorisatiesleutel: k.clone(),
        klantcode: "OTHER".into(),
        klantnaam: "Ander platform".into(),
    };
    assert_eq!(code(pupils(&las, verzoek("99DE"), &other).await), FaultCode::AutorisatieOngeldig);
    // A key issued to OTHER works for OTHER only.
    let ko = las
        .issue_key("99DE00", &IssueKeyRequest { klantcode: Some("OTHER".into()), verificatiecode: None })
        .await
        .unwrap();
    let other = uwlr::message::Autorisatie { autorisatiesleutel: ko.autorisatiesleutel.clone(), ..other };
    assert!(pupils(&las, verzoek("99DE"), &other).await.is_ok());
    assert_eq!(
        code(pupils(&las, verzoek("99DE"), &auth(&ko.autorisatiesleutel)).await),
        FaultCode::AutorisatieOngeldig
    );
}

#[tokio::test]
async fn laatstontvangengegevens_gives_geenwijzigingen_until_something_changes() {
    let clock = clock();
    let las = las(Profile::Parnassys, clock.clone());
    let k = parnassys_key(&las, "99DE00").await;
    clock.advance(Duration::minutes(5));
    let Antwoord::Gegevens(first) = pupils(&las, verzoek("99DE"), &auth(&k)).await.unwrap() else { panic!() };
    let since = first.school.aanmaakdatum.expect("the mock stamps its answers");

    clock.advance(Duration::hours(1));
    let mut v = verzoek("99DE");
    v.laatstontvangengegevens = Some(since);
    assert_eq!(pupils(&las, v.clone(), &auth(&k)).await.unwrap(), Antwoord::GeenWijzigingen);

    // The admin moves a pupil to another group.
    let key = first.leerlingen[0].key.clone().unwrap();
    let other_group = first
        .groepen
        .iter()
        .filter_map(|g| match g {
            uwlr::message::leerlinggegevens::GroepItem::Groep(g) => Some(g.key.clone()),
            _ => None,
        })
        .find(|g| Some(g) != first.leerlingen[0].groep.as_ref())
        .unwrap();
    clock.advance(Duration::minutes(1));
    las.update_leerling("99DE00", &key, LeerlingUpdate { groep: Some(other_group.clone()), ..Default::default() })
        .await
        .unwrap();
    let Antwoord::Gegevens(delta) = pupils(&las, v.clone(), &auth(&k)).await.unwrap() else { panic!() };
    let moved = delta.leerlingen.iter().find(|l| l.key.as_deref() == Some(key.as_str())).unwrap();
    assert_eq!(moved.groep.as_deref(), Some(other_group.as_str()));
    assert_eq!(moved.mutatiedatum, Some(to_uwlr(clock_now(&clock))));
    // Full mode: everyone is there, only the moved pupil carries a new mutatiedatum.
    assert_eq!(delta.leerlingen.len(), first.leerlingen.len());
    assert_eq!(delta.leerlingen.iter().filter(|l| l.mutatiedatum.is_some()).count(), 1);
    // Asking from the new answer's moment: nothing new again.
    v.laatstontvangengegevens = delta.school.aanmaakdatum;
    assert_eq!(pupils(&las, v, &auth(&k)).await.unwrap(), Antwoord::GeenWijzigingen);
    let log = las.changes("99DE00").await.unwrap();
    assert!(log.last().unwrap().what.contains("moved to groep"), "{log:?}");
}

fn clock_now(c: &uwlr::mock::ManualClock) -> chrono::DateTime<chrono::Utc> {
    use uwlr::mock::Clock;
    c.now()
}

#[tokio::test]
async fn changed_mode_sends_only_the_changed_pupils() {
    let clock = clock();
    let las = MockLas::builder(Profile::Parnassys)
        .clock(clock.clone())
        .delta(DeltaMode::Changed)
        .klant(Klant::boom())
        .school(SchoolSetup::generated("99DE", "00", 30, 1, year()))
        .key("vaste-sleutel", "BOOM", vec!["99DE00".into()])
        .build()
        .unwrap();
    let a = auth("vaste-sleutel");
    let Antwoord::Gegevens(first) = pupils(&las, verzoek("99DE"), &a).await.unwrap() else { panic!() };
    clock.advance(Duration::minutes(1));
    let key = first.leerlingen[3].key.clone().unwrap();
    las.update_leerling("99DE00", &key, LeerlingUpdate { roepnaam: Some("Ilse".into()), ..Default::default() })
        .await
        .unwrap();
    let mut v = verzoek("99DE");
    v.laatstontvangengegevens = first.school.aanmaakdatum;
    let Antwoord::Gegevens(delta) = pupils(&las, v, &a).await.unwrap() else { panic!() };
    assert_eq!(delta.leerlingen.len(), 1);
    assert_eq!(delta.leerlingen[0].naam.roepnaam.as_deref(), Some("Ilse"));
    assert_eq!(delta.groepen.len(), first.groepen.len(), "groups stay, so references hold");
}

#[tokio::test]
async fn admin_changes_pupils_teachers_groups_and_rolls_over() {
    let clock = clock();
    let las = las(Profile::Parnassys, clock.clone());
    let k = parnassys_key(&las, "99DE00").await;

    las.add_groep(
        "99DE00",
        NewGroep { key: "G-NEW".into(), naam: "Nieuwkomers".into(), jaargroep: Some("4".into()), ..Default::default() },
    )
    .await
    .unwrap();
    assert_eq!(
        las.add_groep(
            "99DE00",
            NewGroep { key: "G-NEW".into(), naam: "x".into(), jaargroep: Some("4".into()), ..Default::default() }
        )
        .await
        .unwrap_err()
        .status,
        409
    );
    las.add_leerling(
        "99DE00",
        NewLeerling {
            key: "L-NEW".into(),
            achternaam: Some("Jansen".into()),
            roepnaam: "Noor".into(),
            geboortedatum: Some("2017-03-04".into()),
            jaargroep: Some("4".into()),
            groep: Some("G-NEW".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let bad = NewLeerling { key: "L-X".into(), roepnaam: "X".into(), groep: Some("nope".into()), ..Default::default() };
    assert_eq!(las.add_leerling("99DE00", bad).await.unwrap_err().status, 400);
    las.update_leerling(
        "99DE00",
        "L-NEW",
        LeerlingUpdate { achternaam: Some("Jansen-de Vries".into()), ..Default::default() },
    )
    .await
    .unwrap();
    las.add_leerkracht(
        "99DE00",
        NewLeerkracht {
            key: "T-NEW".into(),
            roepnaam: "Sanne".into(),
            groepen: vec!["G-NEW".into()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    las.update_leerkracht(
        "99DE00",
        "T-NEW",
        LeerkrachtUpdate { emailadres: Some("sanne@school.example".into()), ..Default::default() },
    )
    .await
    .unwrap();
    assert_eq!(las.remove_groep("99DE00", "G-NEW").await.unwrap_err().status, 409, "pupils still in it");
    las.update_groep("99DE00", "G-NEW", GroepUpdate { naam: Some("Instroomgroep".into()), ..Default::default() })
        .await
        .unwrap();

    let Antwoord::Gegevens(d) = pupils(&las, verzoek("99DE"), &auth(&k)).await.unwrap() else { panic!() };
    let noor = d.leerlingen.iter().find(|l| l.key.as_deref() == Some("L-NEW")).unwrap();
    assert_eq!(noor.naam.achternaam.as_deref(), Some("Jansen-de Vries"));
    assert!(d.groepen.iter().any(|g| g.naam() == "Instroomgroep"));
    assert!(d.leerkrachten.iter().any(|t| t.key == "T-NEW" && t.emailadres.is_some()));

    las.remove_leerling("99DE00", "L-NEW").await.unwrap();
    las.remove_leerkracht("99DE00", "T-NEW").await.unwrap();
    las.remove_groep("99DE00", "G-NEW").await.unwrap();
    assert_eq!(las.remove_leerling("99DE00", "L-NEW").await.unwrap_err().status, 404);

    // Rollover: groep 8 leaves, everyone else moves up, groups are new.
    let before = las.data("99DE00").await.unwrap();
    let in8 = before.leerlingen.iter().filter(|l| l.jaargroep == Some(uwlr::message::values::Jaargroep::G8)).count();
    assert!(in8 > 0);
    clock.advance(Duration::days(300));
    let r = las.rollover("99DE00").await.unwrap();
    assert_eq!(r.schooljaar, "2026-2027");
    assert_eq!(r.left, in8);
    assert_eq!(r.moved_up, before.leerlingen.len() - in8);
    // The old year has no data any more; the new year's answer is valid UWLR.
    assert_eq!(pupils(&las, verzoek("99DE"), &auth(&k)).await.unwrap(), Antwoord::GeenGegevens);
    let mut v = verzoek("99DE");
    v.schooljaar = uwlr::message::values::Schooljaar::new(2026).unwrap();
    let Antwoord::Gegevens(after) = pupils(&las, v, &auth(&k)).await.unwrap() else { panic!() };
    assert_eq!(after.leerlingen.len(), before.leerlingen.len() - in8);
    let moved = &after.leerlingen[0];
    let was = before.leerlingen.iter().find(|l| l.key == moved.key).unwrap();
    assert_ne!(moved.groep, was.groep, "class groups get new keys in a new year");
}

#[tokio::test]
async fn results_need_a_known_pupil_and_resend_overwrites() {
    let las = las(Profile::Parnassys, clock());
    let k = parnassys_key(&las, "99DE00").await;
    let data = las.data("99DE00").await.unwrap();
    let mut r = results(&data, &ResultsSpec { max_pupils: Some(3), per_pupil: 2, ..Default::default() });
    let n = r.toetsafnames.iter().map(|a| a.resultaten.len()).sum::<usize>();

    send_results(&las, &r, &auth(&k)).await.unwrap();
    let rep = las.results("99DE00").await.unwrap();
    assert_eq!((rep.deliveries, rep.distinct), (1, n));

    // Re-normed: same keys, other values. Overwritten, not added.
    for a in &mut r.toetsafnames {
        for x in &mut a.resultaten {
            if let ResultaatWaarde::Score(s) = &mut x.waarde {
                *s += 1;
            }
        }
    }
    send_results(&las, &r, &auth(&k)).await.unwrap();
    let rep = las.results("99DE00").await.unwrap();
    assert_eq!((rep.deliveries, rep.distinct), (2, n));
    assert!(rep.results.iter().all(|x| x.times_received == 2));
    let scored = r.toetsafnames.iter().flat_map(|a| &a.resultaten).find_map(|x| match x.waarde {
        ResultaatWaarde::Score(s) => Some((x.key.clone(), s)),
        _ => None,
    });
    if let Some((key, s)) = scored {
        assert_eq!(rep.results.iter().find(|x| x.key == key).unwrap().score, Some(s));
    }

    // Unknown pupil: the whole message is refused, naming the pupil; nothing stored.
    let mut bad = r.clone();
    bad.toetsafnames[1].leerlingid = Some("999999999".into());
    bad.toetsafnames[1].eckid = None;
    let f = send_results(&las, &bad, &auth(&k)).await.unwrap_err();
    assert_eq!(f.code, Some(FaultCode::LeerlingOngeldig));
    assert!(f.message.contains("'999999999'") && f.message.contains("99DE00"), "{}", f.message);
    assert_eq!(las.results("99DE00").await.unwrap().deliveries, 2);

    // ECK iD first: a wrong LAS key does not matter when the ECK iD is known.
    let mut by_eckid = r.clone();
    by_eckid.toetsafnames.retain(|a| a.eckid.is_some());
    by_eckid.toetsafnames[0].leerlingid = Some("onbekend".into());
    send_results(&las, &by_eckid, &auth(&k)).await.unwrap();
}

#[tokio::test]
async fn scores_out_of_bounds_are_refused() {
    let las = las(Profile::Parnassys, clock());
    let k = parnassys_key(&las, "99DE00").await;
    let data = las.data("99DE00").await.unwrap();
    let base = results(&data, &ResultsSpec { max_pupils: Some(1), per_pupil: 1, ..Default::default() });

    let mut high = base.clone();
    high.toetsafnames[0].resultaten[0].waarde = ResultaatWaarde::Score(1001);
    let f = send_results(&las, &high, &auth(&k)).await.unwrap_err();
    assert_eq!(f.code, Some(FaultCode::ScoreOngeldig));
    assert!(f.message.contains("1001"), "{}", f.message);
    let mut edge = base.clone();
    edge.toetsafnames[0].resultaten[0].waarde = ResultaatWaarde::Score(1000);
    send_results(&las, &edge, &auth(&k)).await.unwrap();

    let mut empty = base.clone();
    empty.toetsafnames[0].resultaten[0].waarde = ResultaatWaarde::Oso(OsoResultaat::default());
    let f = send_results(&las, &empty, &auth(&k)).await.unwrap_err();
    assert_eq!(f.code, Some(FaultCode::ScoreOngeldig));
    assert!(f.message.contains("toetsscore or a referentiescore"), "{}", f.message);
    assert_eq!(las.results("99DE00").await.unwrap().deliveries, 1);
}

/// One request through the injecting dispatch.
async fn inject(las: &MockLas, k: &str) -> Outcome {
    let body = envelope(Body::LeerlinggegevensVerzoek(verzoek("99DE")), &auth(k));
    handle_with_injection(las, &body, &DispatchOptions::default()).await
}

fn respond(o: Outcome) -> (u16, Vec<u8>) {
    match o {
        Outcome::Respond(r) => (r.status, r.body),
        Outcome::Drop { .. } => panic!("dropped"),
    }
}

#[tokio::test]
async fn every_fault_injection_setting_has_its_effect() {
    let las = las(Profile::Parnassys, clock());
    let k = parnassys_key(&las, "99DE00").await;
    let normal = respond(inject(&las, &k).await);
    assert_eq!(normal.0, 200);

    // Delay: the normal answer, later.
    las.set_fault(Some(FaultSetting::times(FaultKind::Delay { ms: 120 }, 1))).unwrap();
    let t = std::time::Instant::now();
    let (status, body) = respond(inject(&las, &k).await);
    assert!(t.elapsed() >= std::time::Duration::from_millis(120));
    assert_eq!(status, 200);
    assert!(uwlr::decode(&body, &DecodeOptions::strict()).is_ok());

    las.set_fault(Some(FaultSetting::times(FaultKind::DropConnection, 1))).unwrap();
    assert!(matches!(inject(&las, &k).await, Outcome::Drop { operation: Some(_), school: Some(_) }));

    las.set_fault(Some(FaultSetting::times(FaultKind::HttpStatus { status: 503 }, 1))).unwrap();
    assert_eq!(respond(inject(&las, &k).await), (503, Vec::new()));

    las.set_fault(Some(FaultSetting::times(FaultKind::TijdelijkNietBeschikbaar, 1))).unwrap();
    let (status, body) = respond(inject(&las, &k).await);
    assert_eq!(status, 500);
    let Body::Fault(f) = uwlr::decode(&body, &DecodeOptions::strict()).unwrap().body else { panic!() };
    assert_eq!(f.code, Some(FaultCode::TijdelijkNietBeschikbaar));

    las.set_fault(Some(FaultSetting::times(FaultKind::MalformedXml, 1))).unwrap();
    let (status, body) = respond(inject(&las, &k).await);
    assert_eq!(status, 200);
    assert!(!well_formed(&body), "malformed");
    assert!(uwlr::decode(&body, &DecodeOptions::lenient()).is_err());

    // Schema-invalid, for every operation: well-formed, yet not valid UWLR.
    for kind in [
        uwlr::Kind::LeerlinggegevensVerzoek,
        uwlr::Kind::StructuurVerzoek,
        uwlr::Kind::LeerlingenVerzoek,
        uwlr::Kind::LeerkrachtenVerzoek,
        uwlr::Kind::LeerresultatenVerzoek,
    ] {
        las.set_fault(Some(FaultSetting::times(FaultKind::SchemaInvalid, 1))).unwrap();
        let Some(Injected::RawBody { status, body }) = uwlr::server::LasProvider::intercept(&las, kind).await else {
            panic!()
        };
        assert_eq!(status, 200);
        assert!(well_formed(&body), "{kind:?} well-formed");
        assert!(uwlr::decode(&body, &DecodeOptions::strict()).is_err(), "{kind:?} schema-invalid");
    }
    las.set_fault(Some(FaultSetting::times(FaultKind::SchemaInvalid, 1))).unwrap();
    let (_, body) = respond(inject(&las, &k).await);
    let e = uwlr::decode(&body, &DecodeOptions::strict()).unwrap_err();
    assert!(e.to_string().contains("leerlingen"), "{e}");

    // A wrong fault code for a request that deserved an answer.
    las.set_fault(Some(FaultSetting::times(FaultKind::WrongFaultCode { code: None }, 1))).unwrap();
    let (_, body) = respond(inject(&las, &k).await);
    let Body::Fault(f) = uwlr::decode(&body, &DecodeOptions::strict()).unwrap().body else { panic!() };
    assert_eq!(f.code, Some(FaultCode::OngeldigBericht));
    las.set_fault(Some(FaultSetting::times(
        FaultKind::WrongFaultCode { code: Some("Client.LeerlingOngeldig".into()) },
        1,
    )))
    .unwrap();
    let (_, body) = respond(inject(&las, &k).await);
    let Body::Fault(f) = uwlr::decode(&body, &DecodeOptions::strict()).unwrap().body else { panic!() };
    assert_eq!(f.code, Some(FaultCode::LeerlingOngeldig));

    // "For the next N requests", then back to normal.
    las.set_fault(Some(FaultSetting::times(FaultKind::HttpStatus { status: 503 }, 2))).unwrap();
    assert_eq!(respond(inject(&las, &k).await).0, 503);
    assert_eq!(respond(inject(&las, &k).await).0, 503);
    assert_eq!(respond(inject(&las, &k).await).0, 200);
    // Until cleared, and only for the operations named.
    las.set_fault(Some(FaultSetting {
        kind: FaultKind::HttpStatus { status: 503 },
        count: None,
        operations: vec!["leerresultaten_verzoek".into()],
    }))
    .unwrap();
    assert_eq!(respond(inject(&las, &k).await).0, 200);
    las.set_fault(Some(FaultSetting::always(FaultKind::HttpStatus { status: 503 }))).unwrap();
    for _ in 0..3 {
        assert_eq!(respond(inject(&las, &k).await).0, 503);
    }
    las.set_fault(None).unwrap();
    assert_eq!(respond(inject(&las, &k).await).0, 200);
    assert_eq!(las.fault().injected, 18);
    assert!(las
        .set_fault(Some(FaultSetting {
            operations: vec!["nope".into()],
            ..FaultSetting::always(FaultKind::DropConnection)
        }))
        .is_err());
}

/// Reads every event; false at the first syntax error.
fn well_formed(bytes: &[u8]) -> bool {
    let mut r = quick_xml::Reader::from_reader(bytes);
    r.config_mut().check_end_names = true;
    let mut buf = Vec::new();
    loop {
        match r.read_event_into(&mut buf) {
            Ok(quick_xml::events::Event::Eof) => return true,
            Ok(_) => buf.clear(),
            Err(_) => return false,
        }
    }
}

#[tokio::test]
async fn demo_setup_matches_the_documentation() {
    let (las, key) = MockLas::demo(Profile::Parnassys, clock());
    assert_eq!(key.school, "99DE00");
    let s = las.schools().await;
    assert_eq!((s.len(), s[0].id.as_str(), s[0].leerlingen), (1, "99DE00", 200));
    assert_eq!(s[0].schooljaar, "2025-2026");
    assert!(pupils(&las, verzoek("99DE"), &auth(&key.autorisatiesleutel)).await.is_ok());
}

#[tokio::test]
async fn a_school_known_by_schoolkey_from_a_config_file() {
    let cfg = uwlr::mock::config::LasConfig::parse(
        r#"
        [[school]]
        schoolkey = "sk-0042"
        pupils = 8
        schooljaar = "2025-2026"
        [[key]]
        autorisatiesleutel = "key/with=odd+chars"
        schools = ["sk-0042"]
        "#,
    )
    .unwrap();
    let las = cfg.build(None, std::path::Path::new("."), clock()).unwrap();
    assert_eq!(las.profile(), Profile::Parnassys);
    let mut v = verzoek("99DE");
    v.school = uwlr::message::values::SchoolId::Schoolkey("sk-0042".into());
    let Antwoord::Gegevens(d) = pupils(&las, v, &auth("key/with=odd+chars")).await.unwrap() else { panic!() };
    assert_eq!(d.leerlingen.len(), 8);
    assert_eq!(d.school.id, uwlr::message::leerlinggegevens::SchoolIdentificatie::Schoolkey(Some("sk-0042".into())));
    // A pre-issued key for an unknown school is refused at load.
    let cfg =
        uwlr::mock::config::LasConfig::parse("[[key]]\nautorisatiesleutel = \"k\"\nschools = [\"99XX00\"]").unwrap();
    let e = cfg.build(None, std::path::Path::new("."), clock()).unwrap_err();
    assert!(e.contains("99XX00"), "{e}");
}

#[tokio::test]
async fn a_school_loaded_from_a_fixture_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = uwlr::generate::school(&uwlr::generate::SchoolSpec { pupils: 5, ..Default::default() });
    let bytes = uwlr::encode_to_vec(
        &Body::LeerlinggegevensAntwoord(Antwoord::Gegevens(data.clone())),
        None,
        &Default::default(),
    )
    .unwrap();
    std::fs::write(dir.path().join("school.xml"), bytes).unwrap();
    let cfg = uwlr::mock::config::LasConfig::parse(
        "[[school]]\nbrincode = \"99DE\"\nfixture = \"school.xml\"\n[[key]]\nautorisatiesleutel = \"k1\"\nschools = [\"99DE00\"]",
    )
    .unwrap();
    let las = cfg.build(Some(Profile::Esis), dir.path(), clock()).unwrap();
    let Antwoord::Gegevens(d) = pupils(&las, verzoek("99DE"), &auth("k1")).await.unwrap() else { panic!() };
    assert_eq!(d.leerlingen, data.leerlingen);
}

/// `--answer FILE`: a request whose gegevenssetid names a file gets that file's data,
/// through each operation, after the usual checks; other requests are answered as before.
#[tokio::test]
async fn canned_answers_are_served_by_gegevenssetid_after_the_checks() {
    use uwlr::message::leerlinggegevens::{GroepSelectie, GroepSoort, GroepenVerzoek, SchoolIdentificatie};
    let las = las(Profile::Parnassys, clock());
    let key = parnassys_key(&las, "99DE00").await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/valid");
    for f in [
        "leerlinggegevens_antwoord_geenwijzigingen",
        "leerkrachten_antwoord",
        "structuur_fault",
        "land_historic.v23only",
    ] {
        las.add_answer_file(&dir.join(format!("{f}.xml"))).await.unwrap();
    }
    let with = |id: &str| Verzoek { gegevenssetid: Some(id.into()), ..verzoek("99DE") };

    let a = pupils(&las, with("leerlinggegevens_antwoord_geenwijzigingen"), &auth(&key)).await.unwrap();
    assert_eq!(a, Antwoord::GeenWijzigingen);
    let Antwoord::Gegevens(d) = pupils(&las, with("land_historic.v23only"), &auth(&key)).await.unwrap() else {
        panic!()
    };
    assert_eq!(d.leerlingen.len(), 2, "the file's pupils, not the school's 30");

    let getrapt = GroepenVerzoek {
        verzoek: with("leerkrachten_antwoord"),
        groepen: vec![GroepSelectie { soort: GroepSoort::Groep, key: Some("G1".into()) }],
    };
    match call(&las, Body::LeerkrachtenVerzoek(getrapt.clone()), &auth(&key)).await.unwrap() {
        Body::LeerkrachtenAntwoord(Antwoord::Gegevens(t)) => {
            assert_eq!(t.school.id, SchoolIdentificatie::Schoolkey(Some("k".into())), "the file's school");
            assert_eq!(t.leerkrachten[0].key, "T1");
        }
        other => panic!("{other:?}"),
    }
    // The same name through another operation is refused, naming both; a fault file is its fault.
    let wrong = call(&las, Body::StructuurVerzoek(with("leerkrachten_antwoord")), &auth(&key)).await.unwrap_err();
    assert_eq!(wrong.code, Some(FaultCode::OngeldigBericht));
    assert!(wrong.message.contains("<leerkrachten_antwoord>"), "{}", wrong.message);
    let fault = call(&las, Body::StructuurVerzoek(with("structuur_fault")), &auth(&key)).await.unwrap_err();
    assert_eq!(fault.code, Some(FaultCode::AutorisatieOngeldig));

    // The checks still come first: a wrong key gets no canned data.
    assert_eq!(
        code(call(&las, Body::LeerkrachtenVerzoek(getrapt), &auth("wrong")).await),
        FaultCode::AutorisatieOngeldig
    );
    // Any other gegevenssetid is answered from the school.
    let Antwoord::Gegevens(d) = pupils(&las, with("Smalle-set-VO"), &auth(&key)).await.unwrap() else { panic!() };
    assert_eq!(d.leerlingen.len(), 30);
}
