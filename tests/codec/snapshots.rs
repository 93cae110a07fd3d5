//! Snapshots of the XML we write for every message kind, from realistic hand-written values.
//! Each test also decodes its output and checks it gives back the value it came from.
//! Review changes with `cargo insta review` (or `INSTA_UPDATE=always` and `git diff`).

use chrono::NaiveDate;
use uwlr::message::fault::{Fault, FaultCode};
use uwlr::message::leerlinggegevens::*;
use uwlr::message::leerresultaten::*;
use uwlr::message::values::{
    DateTime, Decimal, Etniciteit, Geslacht, Gewicht, GewichtNieuw, Jaargroep, Land, Rol, SchoolId, Schooljaar, Vocab,
    XsiType,
};
use uwlr::message::{decode, encode_to_vec, Autorisatie, Body, EncodeOptions};
use uwlr::DecodeOptions;

const OPTS: EncodeOptions = EncodeOptions { envelope: false, indent: true, declaration: true };
const ENVELOPED: EncodeOptions = EncodeOptions { envelope: true, indent: true, declaration: true };

/// Encodes, decodes the result back (it must give the same value) and returns the XML.
fn xml(body: &Body, header: Option<&Autorisatie>, opts: &EncodeOptions) -> String {
    let bytes = encode_to_vec(body, header, opts).expect("valid message");
    let decoded = decode(&bytes, &DecodeOptions::strict()).expect("our own output decodes");
    assert_eq!(&decoded.body, body);
    assert_eq!(decoded.header.as_ref(), header);
    assert!(decoded.warnings.is_empty(), "{:#?}", decoded.warnings);
    String::from_utf8(bytes).expect("UTF-8")
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn dt(s: &str) -> DateTime {
    DateTime::parse(s).unwrap()
}

fn dec(s: &str) -> Decimal {
    Decimal::parse(s).unwrap()
}

fn jaar() -> Schooljaar {
    Schooljaar::new(2024).unwrap()
}

/// An ECK iD: the ketenid prefix and 128 hex digits.
fn eckid(seed: &str) -> String {
    let mut hex = String::new();
    let mut x: u64 = seed.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3));
    while hex.len() < 128 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        hex.push_str(&format!("{x:016x}"));
    }
    format!("https://ketenid.nl/201703/{}", &hex[..128])
}

fn brin() -> SchoolId {
    SchoolId::Brin { brincode: "99DE".into(), dependancecode: Some("00".into()) }
}

fn verzoek() -> Verzoek {
    Verzoek {
        schooljaar: jaar(),
        school: brin(),
        xsdversie: "2.3".into(),
        gegevenssetid: Some("Smalle-set-PO".into()),
        laatstontvangengegevens: Some(dt("2024-11-15T08:30:00+01:00")),
    }
}

fn school() -> School {
    School {
        schooljaar: jaar(),
        peildatum: Some(d(2024, 10, 1)),
        id: SchoolIdentificatie::Brin {
            brincode: "99DE".into(),
            dependancecode: Some("00".into()),
            schoolkey: Some("OBS-De-Regenboog".into()),
        },
        aanmaakdatum: Some(dt("2024-11-20T14:05:12+01:00")),
        auteur: Some("ParnasSys".into()),
        xsdversie: Some("2.3".into()),
        commentaar: Some("Export t.b.v. toetsplatform & LVS".into()),
        toevoegingen: None,
    }
}

fn vestigingen() -> Vec<Vestiging> {
    vec![
        Vestiging {
            key: "V1".into(),
            naam: "Hoofdvestiging Regenboog".into(),
            omschrijving: Some("Kerkstraat 12, Utrecht".into()),
            mutatiedatum: Some(dt("2024-08-19T09:00:00")),
        },
        Vestiging { key: "V2".into(), naam: "Dependance Zonnestraal".into(), omschrijving: None, mutatiedatum: None },
    ]
}

fn groepen() -> Vec<GroepItem> {
    vec![
        GroepItem::Groep(Groep {
            key: "G-3A".into(),
            naam: "Groep 3a".into(),
            jaargroep: Jaargroep::G3,
            omschrijving: None,
            toevoegingen: None,
            mutatiedatum: Some(dt("2024-08-19T09:00:00Z")),
        }),
        GroepItem::Groep(Groep {
            key: "G-78".into(),
            naam: "Groep 7/8".into(),
            jaargroep: Jaargroep::Combinatie,
            omschrijving: Some("Combinatiegroep 7 en 8".into()),
            toevoegingen: None,
            mutatiedatum: None,
        }),
        GroepItem::SamengesteldeGroep(SamengesteldeGroep {
            key: "SG-PLUS".into(),
            naam: "Plusklas".into(),
            omschrijving: Some("Verrijkingsgroep bovenbouw".into()),
            toevoegingen: None,
            mutatiedatum: None,
        }),
    ]
}

fn leerlingen() -> Vec<Leerling> {
    vec![
        Leerling {
            key: Some("LL-1001".into()),
            eckid: Some(eckid("LL-1001")),
            naam: Naam {
                achternaam: Some("Vries".into()),
                voorvoegsel: Some("de".into()),
                voornamen: Some("Sanne Marije".into()),
                voorletters: Some("S.M.".into()),
                roepnaam: Some("Sanne".into()),
            },
            geboortedatum: Some(d(2013, 5, 14)),
            geslacht: Some(Geslacht::Meisje),
            start_ondw_jgr3: Some(d(2019, 8, 19)),
            jaargroep: Some(Jaargroep::G7),
            groep: Some("G-78".into()),
            samengestelde_groepen: vec!["SG-PLUS".into()],
            vestiging: Some("V1".into()),
            gebruikersnaam: Some("sanne.devries".into()),
            emailadres: Some("sanne.devries@leerling.regenboog.nl".into()),
            fotourl: None,
            etniciteit: Some(Etniciteit::Onbekend),
            land: Some(Land::parse("NL").unwrap()),
            land_vader: Some(Land::parse("NL").unwrap()),
            land_moeder: Some(Land::parse("BE").unwrap()),
            persoonsnummer: Some(Persoonsnummer::Bsn("123456782".into())),
            gewicht_nieuw: Some(GewichtNieuw::Nul),
            gewicht: Some(Gewicht::G000),
            postcode: Some(Postcode::Nl("3511AB".into())),
            instroomdatum: Some(d(2017, 8, 21)),
            uitstroomdatum: None,
            toevoegingen: None,
            mutatiedatum: Some(dt("2024-09-02T10:15:00+02:00")),
        },
        Leerling {
            key: Some("LL-1002".into()),
            eckid: Some(eckid("LL-1002")),
            naam: Naam {
                achternaam: Some("Bakker".into()),
                voorvoegsel: Some("van den".into()),
                voornamen: Some("Daan".into()),
                voorletters: Some("D.".into()),
                roepnaam: None,
            },
            geboortedatum: Some(d(2017, 11, 2)),
            geslacht: Some(Geslacht::Jongen),
            jaargroep: Some(Jaargroep::G3),
            groep: Some("G-3A".into()),
            vestiging: Some("V2".into()),
            ..Leerling::default()
        },
        // Data minimisation: only an ECK iD and a first name.
        Leerling {
            key: None,
            eckid: Some(eckid("anon")),
            naam: Naam { roepnaam: Some("Noë".into()), ..Naam::default() },
            jaargroep: Some(Jaargroep::G8),
            groep: Some("G-78".into()),
            ..Leerling::default()
        },
    ]
}

fn leerkrachten() -> Vec<Leerkracht> {
    vec![
        Leerkracht {
            key: "LK-17".into(),
            eckid: Some(eckid("LK-17")),
            naam: Naam {
                achternaam: Some("Jong".into()),
                voorvoegsel: Some("de".into()),
                voornamen: Some("Pieter Jan".into()),
                voorletters: Some("P.J.".into()),
                roepnaam: Some("Pieter".into()),
            },
            gebruikersnaam: Some("p.dejong".into()),
            emailadres: Some("p.dejong@regenboog.nl".into()),
            rollen: vec![RolItem::Rol(Rol::Lrk), RolItem::Rol(Rol::Ib)],
            groepen: vec![
                LeerkrachtGroep { soort: GroepSoort::Groep, key: "G-78".into(), rollen: vec![RolItem::Rol(Rol::Lrk)] },
                LeerkrachtGroep {
                    soort: GroepSoort::SamengesteldeGroep,
                    key: "SG-PLUS".into(),
                    rollen: vec![RolItem::Omschrijving("Begeleider plusklas".into())],
                },
            ],
            toevoegingen: None,
            mutatiedatum: Some(dt("2024-08-26T07:45:00Z")),
        },
        Leerkracht {
            key: "LK-23".into(),
            eckid: None,
            naam: Naam {
                achternaam: Some("Yılmaz".into()),
                voorvoegsel: None,
                voornamen: None,
                voorletters: Some("E.".into()),
                roepnaam: Some("Elif".into()),
            },
            gebruikersnaam: None,
            emailadres: None,
            rollen: vec![],
            groepen: vec![LeerkrachtGroep { soort: GroepSoort::Groep, key: "G-3A".into(), rollen: vec![] }],
            toevoegingen: None,
            mutatiedatum: None,
        },
    ]
}

#[test]
fn leerlinggegevens_verzoek() {
    insta::assert_snapshot!("leerlinggegevens_verzoek", xml(&Body::LeerlinggegevensVerzoek(verzoek()), None, &OPTS));
}

#[test]
fn structuur_verzoek() {
    let v = Verzoek {
        school: SchoolId::Schoolkey("OBS-De-Regenboog".into()),
        gegevenssetid: None,
        laatstontvangengegevens: None,
        ..verzoek()
    };
    insta::assert_snapshot!("structuur_verzoek", xml(&Body::StructuurVerzoek(v), None, &OPTS));
}

fn groepen_verzoek() -> GroepenVerzoek {
    GroepenVerzoek {
        verzoek: verzoek(),
        groepen: vec![
            GroepSelectie { soort: GroepSoort::Groep, key: Some("G-78".into()) },
            GroepSelectie { soort: GroepSoort::SamengesteldeGroep, key: Some("SG-PLUS".into()) },
            // Everyone not in a group.
            GroepSelectie { soort: GroepSoort::Groep, key: None },
        ],
    }
}

#[test]
fn leerlingen_verzoek() {
    insta::assert_snapshot!("leerlingen_verzoek", xml(&Body::LeerlingenVerzoek(groepen_verzoek()), None, &OPTS));
}

#[test]
fn leerkrachten_verzoek() {
    insta::assert_snapshot!("leerkrachten_verzoek", xml(&Body::LeerkrachtenVerzoek(groepen_verzoek()), None, &OPTS));
}

#[test]
fn leerlinggegevens_antwoord() {
    let data = Leerlinggegevens {
        school: school(),
        vestigingen: vestigingen(),
        groepen: groepen(),
        leerlingen: leerlingen(),
        leerkrachten: leerkrachten(),
    };
    insta::assert_snapshot!(
        "leerlinggegevens_antwoord",
        xml(&Body::LeerlinggegevensAntwoord(Antwoord::Gegevens(data)), None, &OPTS)
    );
}

#[test]
fn leerlinggegevens_antwoord_geenwijzigingen() {
    insta::assert_snapshot!(
        "leerlinggegevens_antwoord_geenwijzigingen",
        xml(&Body::LeerlinggegevensAntwoord(Antwoord::GeenWijzigingen), None, &OPTS)
    );
}

#[test]
fn structuur_antwoord() {
    let data = Structuur { school: school(), vestigingen: vestigingen(), groepen: groepen() };
    insta::assert_snapshot!("structuur_antwoord", xml(&Body::StructuurAntwoord(Antwoord::Gegevens(data)), None, &OPTS));
}

#[test]
fn structuur_antwoord_geengegevens() {
    insta::assert_snapshot!(
        "structuur_antwoord_geengegevens",
        xml(&Body::StructuurAntwoord(Antwoord::GeenGegevens), None, &OPTS)
    );
}

#[test]
fn leerlingen_antwoord() {
    let data = Leerlingen { school: school(), leerlingen: leerlingen() };
    insta::assert_snapshot!(
        "leerlingen_antwoord",
        xml(&Body::LeerlingenAntwoord(Antwoord::Gegevens(data)), None, &OPTS)
    );
}

#[test]
fn leerkrachten_antwoord() {
    let data = Leerkrachten { school: school(), leerkrachten: leerkrachten() };
    insta::assert_snapshot!(
        "leerkrachten_antwoord",
        xml(&Body::LeerkrachtenAntwoord(Antwoord::Gegevens(data)), None, &OPTS)
    );
}

fn vocab(value: &str, vocabulaire: &str) -> Vocab {
    Vocab { value: value.into(), vocabulaire: Some(vocabulaire.into()), vocabulairelocatie: None }
}

fn norm(term: &str, omschrijving: &str, van: u64, tot: u64, rgb: (u8, u8, u8), cijfer: (&str, &str)) -> Norm {
    Norm {
        term: term.into(),
        omschrijving: Some(omschrijving.into()),
        beginnormwaarde: van,
        eindnormwaarde: tot,
        normkleur: Some(Normkleur { rood: rgb.0, groen: rgb.1, blauw: rgb.2, transparantie: dec("0.00") }),
        schoolcijfer_vanaf: Some(dec(cijfer.0)),
        schoolcijfer_totenmet: Some(dec(cijfer.1)),
    }
}

fn leerresultaten_verzoek() -> LeerresultatenVerzoek {
    let oso = OsoResultaat {
        toetsscore: Some(Toetsscore {
            aantalopgaven: Some(40),
            aantalgoed: Some(31),
            aantalfout: Some(9),
            aantalgelezen: None,
            tijd: Some(dec("1820")),
            vaardigheidsscore: Some(dec("212.5")),
            codevaardigheidsschaal: Some("RW-M7".into()),
            betrouwbaarheidsinterval: Some((dec("205.1"), dec("219.9"))),
        }),
        referentiescores: vec![
            Referentiescore {
                codereferentiescore: "DLE".into(),
                codevergelijkingsgroep: "Landelijk".into(),
                waarde: "44".into(),
                kwalificatie: None,
            },
            Referentiescore {
                codereferentiescore: "Percentiel".into(),
                codevergelijkingsgroep: "Landelijk".into(),
                waarde: "63".into(),
                kwalificatie: Some("II".into()),
            },
        ],
    };
    LeerresultatenVerzoek {
        school: ResultatenSchool {
            schooljaar: jaar(),
            id: brin(),
            aanmaakdatum: dt("2025-01-31T16:20:00+01:00"),
            auteur: Some("Toetsplatform Rekenwijzer".into()),
            xsdversie: "2.3".into(),
            commentaar: Some("Midden-toetsen januari".into()),
        },
        toetsafnames: vec![
            Toetsafname {
                leerlingid: Some("LL-1001".into()),
                eckid: Some(eckid("LL-1001")),
                resultaatverwerkerid: None,
                resultaten: vec![
                    Resultaat {
                        key: "RW-M7-2025-LL-1001".into(),
                        afnamedatum: d(2025, 1, 22),
                        toetscode: "RW-M7".into(),
                        versie: Some(vocab("2024", "http://toetsplatform.example/vdex/versies")),
                        toetsonderdeelcode: None,
                        waarde: ResultaatWaarde::Oso(oso),
                        infourl: Some("https://toetsplatform.example/r/RW-M7-2025-LL-1001".into()),
                    },
                    Resultaat {
                        key: "RW-M7-2025-LL-1001-BW".into(),
                        afnamedatum: d(2025, 1, 22),
                        toetscode: "RW-M7".into(),
                        versie: None,
                        toetsonderdeelcode: Some("BW".into()),
                        waarde: ResultaatWaarde::Score(17),
                        infourl: None,
                    },
                ],
            },
            Toetsafname {
                leerlingid: None,
                eckid: Some(eckid("anon")),
                resultaatverwerkerid: Some("RV-9".into()),
                resultaten: vec![Resultaat {
                    key: "SP-M8-2025-anon".into(),
                    afnamedatum: d(2025, 1, 23),
                    toetscode: "SP-M8".into(),
                    versie: None,
                    toetsonderdeelcode: None,
                    waarde: ResultaatWaarde::Ander(AnderResultaat {
                        xsi_type: XsiType { name: "ext:MijnScore".into(), namespace: Some("urn:example:ext".into()) },
                        andere_score: Some("B+".into()),
                    }),
                    infourl: None,
                }],
            },
        ],
        toetsen: vec![
            Toets {
                toetscode: vocab("RW-M7", "http://toetsplatform.example/vdex/toetsen"),
                versie: Some(Vocab::plain("2024")),
                toetsnaam: Some("Rekenen-Wiskunde midden groep 7".into()),
                leerjaar: Some(Vocab::plain("7")),
                vakgebied: Some(vocab("Rekenen-Wiskunde", "http://purl.edustandaard.nl/vdex_vakgebied")),
                toetsnormering: None,
                toetshierarchie: vec![
                    Ingang { niveau: 1, waarde: Vocab::plain("Rekenwijzer") },
                    Ingang { niveau: 2, waarde: Vocab::plain("Midden") },
                ],
                toetsonderdelen: vec![Toetsonderdeel {
                    volgnummer: 1,
                    code: Vocab::plain("BW"),
                    naam: Some("Bewerkingen".into()),
                    normering: Some(Normering {
                        vocabulaire: Some("http://toetsplatform.example/vdex/normen".into()),
                        vocabulairelocatie: None,
                        toetscategorie: Some(Vocab::plain("Midden")),
                        toetsniveau: Some(Vocab::plain("M7")),
                        wegingsfactor: Some(dec("1.5")),
                        normen: vec![
                            norm("I", "ver boven het gemiddelde", 19, 20, (0, 128, 0), ("8.5", "10")),
                            norm("II", "boven het gemiddelde", 16, 18, (144, 238, 144), ("7", "8.4")),
                            norm("III", "gemiddeld", 12, 15, (255, 255, 0), ("5.5", "6.9")),
                            norm("IV", "onder het gemiddelde", 8, 11, (255, 165, 0), ("4", "5.4")),
                            norm("V", "ver onder het gemiddelde", 0, 7, (255, 0, 0), ("1", "3.9")),
                        ],
                    }),
                }],
            },
            Toets {
                toetscode: Vocab::plain("SP-M8"),
                versie: None,
                toetsnaam: Some("Spelling midden groep 8".into()),
                leerjaar: None,
                vakgebied: None,
                toetsnormering: None,
                toetshierarchie: vec![],
                toetsonderdelen: vec![],
            },
        ],
    }
}

#[test]
fn leerresultaten_verzoek_snapshot() {
    insta::assert_snapshot!(
        "leerresultaten_verzoek",
        xml(&Body::LeerresultatenVerzoek(leerresultaten_verzoek()), None, &OPTS)
    );
}

#[test]
fn leerresultaten_bevestiging() {
    insta::assert_snapshot!(
        "leerresultaten_bevestiging",
        xml(&Body::LeerresultatenBevestiging(LeerresultatenBevestiging), None, &OPTS)
    );
}

#[test]
fn enveloped_with_autorisatie() {
    let header = Autorisatie {
        autorisatiesleutel: "k3y-1234-abcd-5678".into(),
        klantcode: "TP042".into(),
        klantnaam: "Toetsplatform Rekenwijzer".into(),
    };
    insta::assert_snapshot!(
        "enveloped_leerlinggegevens_verzoek",
        xml(&Body::LeerlinggegevensVerzoek(verzoek()), Some(&header), &ENVELOPED)
    );
}

#[test]
fn fault_autorisatie_ongeldig() {
    let fault = Fault {
        detail: Some("Onbekende autorisatiesleutel voor school 99DE".into()),
        ..Fault::standard(FaultCode::AutorisatieOngeldig)
    };
    insta::assert_snapshot!("fault_autorisatie_ongeldig", xml(&Body::Fault(fault), None, &ENVELOPED));
}
