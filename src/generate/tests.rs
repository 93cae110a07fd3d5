//! The generator's promises: deterministic per seed, valid for the codec, and faithful
//! through an encode/decode round trip.

use super::*;
use crate::message::leerlinggegevens::Antwoord;
use crate::{decode, encode_to_vec, Body, DecodeOptions, EncodeOptions};

fn spec(pupils: usize, seed: u64) -> SchoolSpec {
    SchoolSpec { pupils, seed, ..Default::default() }
}

fn round_trip(body: Body) {
    let bytes = match encode_to_vec(&body, None, &EncodeOptions::default()) {
        Ok(b) => b,
        Err(e) => panic!("encoding failed: {e}"),
    };
    let decoded = match decode(&bytes, &DecodeOptions::strict()) {
        Ok(d) => d,
        Err(e) => panic!("decoding failed: {e}"),
    };
    assert!(decoded.warnings.is_empty(), "{:?}", decoded.warnings);
    assert_eq!(decoded.body, body);
}

#[test]
fn same_seed_same_school_other_seed_other_school() {
    assert_eq!(school(&spec(120, 7)), school(&spec(120, 7)));
    assert_ne!(school(&spec(120, 7)), school(&spec(120, 8)));
    let s = school(&spec(120, 7));
    let r = ResultsSpec::default();
    assert_eq!(results(&s, &r), results(&s, &r));
    assert_ne!(results(&s, &r), results(&s, &ResultsSpec { seed: 2, ..r }));
}

#[test]
fn schools_encode_and_round_trip() {
    for n in [1, 30, 500] {
        let s = school(&spec(n, 42));
        assert_eq!(s.leerlingen.len(), n);
        round_trip(Body::LeerlinggegevensAntwoord(Antwoord::Gegevens(s)));
    }
}

#[test]
fn results_encode_and_round_trip() {
    for n in [1, 30, 500] {
        let s = school(&spec(n, 42));
        for per_pupil in [1, 2, 5] {
            let r = results(&s, &ResultsSpec { per_pupil, ..Default::default() });
            assert_eq!(r.toetsafnames.len(), n);
            round_trip(Body::LeerresultatenVerzoek(r));
        }
    }
    let s = school(&spec(100, 3));
    let r = results(&s, &ResultsSpec { max_pupils: Some(10), ..Default::default() });
    assert_eq!(r.toetsafnames.len(), 10);
}

#[test]
fn pupils_look_like_a_real_school() {
    let s = school(&SchoolSpec::default());
    let start = i32::from(s.school.schooljaar.start());
    let oct1 = ymd(start, 10, 1);
    let mut combinatie = 0;
    for g in &s.groepen {
        if let GroepItem::Groep(g) = g {
            combinatie += usize::from(g.jaargroep == Jaargroep::Combinatie);
        }
    }
    assert!(combinatie >= 1);
    assert!(s.leerlingen.iter().any(|l| !l.samengestelde_groepen.is_empty()));
    for l in &s.leerlingen {
        let year: i32 = l.jaargroep.unwrap().as_str().parse().unwrap();
        let age = oct1.years_since(l.geboortedatum.unwrap()).unwrap() as i32;
        assert!(age == year + 3 || age == year + 4, "groep {year}, age {age}");
        let key = l.key.as_deref().unwrap();
        assert!((6..=8).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_digit()));
        if let Some(e) = &l.eckid {
            let hex = e.strip_prefix("https://ketenid.nl/201703/").unwrap();
            assert!(hex.len() == 128 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')));
        }
        assert!(l.naam.voorletters.as_ref().unwrap().chars().count() <= 6);
    }
    assert!(s.leerlingen.iter().any(|l| l.eckid.is_none()));
    assert!(s.leerkrachten.iter().any(|t| t.emailadres.is_none()));
    // Group sizes stay realistic.
    for g in s.groepen.iter().filter(|g| matches!(g, GroepItem::Groep(_))) {
        let n = s.leerlingen.iter().filter(|l| l.groep.as_deref() == Some(g.key())).count();
        assert!(n <= MAX_GROEP, "{} has {n} pupils", g.naam());
    }
}

#[test]
fn large_school_is_valid() {
    let s = school(&spec(1000, 5));
    let r = results(&s, &ResultsSpec::default());
    assert!(
        encode_to_vec(&Body::LeerlinggegevensAntwoord(Antwoord::Gegevens(s)), None, &EncodeOptions::default()).is_ok()
    );
    assert!(encode_to_vec(&Body::LeerresultatenVerzoek(r), None, &EncodeOptions::default()).is_ok());
}
