//! Stand-in data until `uwlr::generate::school` exists.
#![allow(dead_code)]
use chrono::NaiveDate;
use uwlr::message::leerlinggegevens::*;
use uwlr::message::values::*;

pub fn school(pupils: usize) -> Leerlinggegevens {
    let groups = pupils.div_ceil(25).max(1);
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    let mut g = Leerlinggegevens::default();
    g.school.auteur = Some("bench".into());
    g.school.xsdversie = Some("2.3".into());
    for i in 0..groups {
        g.groepen.push(GroepItem::Groep(Groep {
            key: format!("G{i}"),
            naam: format!("Groep {}{}", i % 8 + 1, (b'A' + (i / 8 % 26) as u8) as char),
            jaargroep: Jaargroep::ALL[3 + i % 8],
            omschrijving: None,
            toevoegingen: None,
            mutatiedatum: None,
        }));
        g.leerkrachten.push(Leerkracht {
            key: format!("T{i}"),
            naam: Naam {
                achternaam: Some(format!("Leraar{i}")),
                roepnaam: Some("Anna".into()),
                ..Default::default()
            },
            emailadres: Some(format!("t{i}@school.example")),
            groepen: vec![LeerkrachtGroep {
                soort: GroepSoort::Groep,
                key: format!("G{i}"),
                rollen: vec![RolItem::Rol(Rol::Lrk)],
            }],
            ..Default::default()
        });
    }
    for i in 0..pupils {
        g.leerlingen.push(Leerling {
            key: Some(format!("L{i:07}")),
            eckid: Some(format!("https://ketenid.nl/201703/{i:064x}")),
            naam: Naam {
                achternaam: Some(format!("Jansen{i}")),
                voorvoegsel: if i % 3 == 0 { Some("van".into()) } else { None },
                voornamen: Some("Pieter Jan".into()),
                voorletters: Some("P.J.".into()),
                roepnaam: Some("Piet".into()),
            },
            geboortedatum: Some(d(
                2012 + (i % 8) as i32,
                1 + (i % 12) as u32,
                1 + (i % 28) as u32,
            )),
            geslacht: Some(Geslacht::ALL[1 + i % 2]),
            jaargroep: Some(Jaargroep::ALL[3 + (i / 25) % 8]),
            groep: Some(format!("G{}", i / 25)),
            emailadres: Some(format!("l{i}@school.example")),
            ..Default::default()
        });
    }
    g
}
