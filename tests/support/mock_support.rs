//! Shared by the `mock_*` tests: requests as the test platform sends them, and reading
//! the answers.
#![allow(dead_code)]

use chrono::{TimeZone, Utc};
use std::sync::Arc;
use uwlr::message::fault::{Fault, FaultCode};
use uwlr::message::leerlinggegevens::{LeerlinggegevensAntwoord, Verzoek};
use uwlr::message::leerresultaten::LeerresultatenVerzoek;
use uwlr::message::values::{SchoolId, Schooljaar};
use uwlr::message::{Autorisatie, Body, EncodeOptions};
use uwlr::mock::las::SchoolSetup;
use uwlr::mock::{Klant, ManualClock, MockLas, Profile};
use uwlr::server::{handle, DispatchOptions, LasProvider};
use uwlr::DecodeOptions;

pub const YEAR: u16 = 2025;

pub fn year() -> Schooljaar {
    Schooljaar::new(YEAR).unwrap()
}

pub fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2025, 10, 1, 8, 0, 0).unwrap()))
}

pub fn auth(key: &str) -> Autorisatie {
    Autorisatie { autorisatiesleutel: key.into(), klantcode: "BOOM".into(), klantnaam: "Boom testcentrum".into() }
}

pub fn school(brin: &str) -> SchoolId {
    SchoolId::Brin { brincode: brin.into(), dependancecode: Some("00".into()) }
}

pub fn verzoek(brin: &str) -> Verzoek {
    Verzoek {
        schooljaar: year(),
        school: school(brin),
        xsdversie: "2.3".into(),
        gegevenssetid: None,
        laatstontvangengegevens: None,
    }
}

/// A mock LAS with klanten BOOM and OTHER, schools 99DE00 and 99DF00 (and 99QQ00 for
/// ESIS examples), 30 pupils each.
pub fn las(profile: Profile, clock: Arc<ManualClock>) -> MockLas {
    MockLas::builder(profile)
        .clock(clock)
        .klant(Klant::boom())
        .klant(Klant { klantcode: "OTHER".into(), klantnaam: "Ander platform".into() })
        .school(SchoolSetup::generated("99DE", "00", 30, 1, year()))
        .school(SchoolSetup::generated("99DF", "00", 30, 2, year()))
        .school(SchoolSetup::generated("99QQ", "00", 30, 3, year()))
        .build()
        .unwrap()
}

pub fn envelope(body: Body, a: &Autorisatie) -> Vec<u8> {
    uwlr::encode_to_vec(&body, Some(a), &EncodeOptions { envelope: true, ..Default::default() }).unwrap()
}

/// Sends a request through dispatch (no socket) and decodes the answer.
pub async fn call<P: LasProvider>(p: &P, body: Body, a: &Autorisatie) -> Result<Body, Fault> {
    let r = handle(p, &envelope(body, a), &DispatchOptions::default()).await;
    match uwlr::decode(&r.body, &DecodeOptions::strict()).expect("the answer decodes").body {
        Body::Fault(f) => {
            assert_eq!(r.status, 500);
            Err(f)
        }
        other => {
            assert_eq!(r.status, 200);
            Ok(other)
        }
    }
}

pub async fn pupils<P: LasProvider>(p: &P, v: Verzoek, a: &Autorisatie) -> Result<LeerlinggegevensAntwoord, Fault> {
    match call(p, Body::LeerlinggegevensVerzoek(v), a).await? {
        Body::LeerlinggegevensAntwoord(x) => Ok(x),
        other => panic!("unexpected {:?}", other.kind()),
    }
}

pub async fn send_results<P: LasProvider>(p: &P, r: &LeerresultatenVerzoek, a: &Autorisatie) -> Result<(), Fault> {
    match call(p, Body::LeerresultatenVerzoek(r.clone()), a).await? {
        Body::LeerresultatenBevestiging(_) => Ok(()),
        other => panic!("unexpected {:?}", other.kind()),
    }
}

pub fn code(r: Result<impl std::fmt::Debug, Fault>) -> FaultCode {
    match r {
        Err(f) => f.code.expect("a UWLR fault code"),
        Ok(v) => panic!("expected a fault, got {v:?}"),
    }
}
