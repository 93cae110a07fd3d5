//! `xsdversie` 2.2 and 2.3 are both answered; a 2.2 caller gets the 2.2 shape (every pupil
//! with a LAS key), a version the server does not serve gets Client.XsdVersieOngeldig.

use uwlr::message::fault::{Fault, FaultCode};
use uwlr::message::leerlinggegevens::{Antwoord, LeerlinggegevensAntwoord, Verzoek};
use uwlr::message::leerresultaten::LeerresultatenVerzoek;
use uwlr::message::values::SchoolId;
use uwlr::message::Autorisatie;
use uwlr::server::{handle, DispatchOptions, LasProvider};
use uwlr::{Body, DecodeOptions, EncodeOptions};

struct OnePupilWithoutKey;

impl LasProvider for OnePupilWithoutKey {
    async fn klant(&self, _: &str, _: &str) -> bool {
        true
    }
    async fn autoriseer(&self, auth: &Autorisatie, _: &SchoolId) -> bool {
        auth.autorisatiesleutel == "k"
    }
    async fn leerlinggegevens(&self, _: &Verzoek) -> Result<LeerlinggegevensAntwoord, Fault> {
        let mut d = uwlr::generate::school(&uwlr::generate::SchoolSpec { pupils: 3, ..Default::default() });
        d.leerlingen[0].key = None;
        d.leerlingen[0].eckid = Some("https://ketenid.nl/201703/abc".into());
        Ok(Antwoord::Gegevens(d))
    }
    async fn leerresultaten(&self, _: &Autorisatie, _: &LeerresultatenVerzoek) -> Result<(), Fault> {
        Ok(())
    }
}

async fn ask(versie: &str) -> Body {
    let verzoek = Verzoek {
        schooljaar: uwlr::message::values::Schooljaar::new(2025).unwrap(),
        school: SchoolId::Brin { brincode: "99DE".into(), dependancecode: None },
        xsdversie: versie.into(),
        gegevenssetid: None,
        laatstontvangengegevens: None,
    };
    let auth = Autorisatie { autorisatiesleutel: "k".into(), klantcode: "C".into(), klantnaam: "N".into() };
    let req =
        uwlr::encode_to_vec(&Body::LeerlinggegevensVerzoek(verzoek), Some(&auth), &EncodeOptions::default()).unwrap();
    let resp = handle(&OnePupilWithoutKey, &req, &DispatchOptions::default()).await;
    uwlr::decode(&resp.body, &DecodeOptions::strict()).unwrap().body
}

fn pupils(b: &Body) -> usize {
    match b {
        Body::LeerlinggegevensAntwoord(Antwoord::Gegevens(d)) => d.leerlingen.len(),
        other => panic!("not data: {other:?}"),
    }
}

#[tokio::test]
async fn both_versions_are_answered_in_their_own_shape() {
    let b23 = ask("2.3").await;
    assert_eq!(pupils(&b23), 3, "2.3 carries the pupil known only by ECK iD");
    let b22 = ask("2.2").await;
    assert_eq!(pupils(&b22), 2, "2.2 cannot carry a pupil without LAS key");
    if let Body::LeerlinggegevensAntwoord(Antwoord::Gegevens(d)) = &b22 {
        assert_eq!(d.school.xsdversie.as_deref(), Some("2.2"));
        assert!(d.leerlingen.iter().all(|l| l.key.is_some()));
    }
    match ask("2.1").await {
        Body::Fault(f) => assert_eq!(f.code, Some(FaultCode::XsdVersieOngeldig)),
        other => panic!("{other:?}"),
    }
}
