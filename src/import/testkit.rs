//! Test helpers: small answers and snapshots written out by hand, and [`applied`], which
//! turns a proposal into the snapshot an apply step would leave, so "a re-fetch of applied
//! data proposes nothing" can be tested without a database.

use super::proposal::{Category, Proposal, SkipReason};
use super::{ExternalRef, KnownGroep, KnownLeerkracht, KnownLeerling, RecordRef, SkipMarker, Snapshot, Tab};
use crate::message::leerlinggegevens::{
    Groep, GroepItem, GroepSoort, Leerkracht, LeerkrachtGroep, Leerling, Leerlinggegevens, Naam, SamengesteldeGroep,
};
use crate::message::values::{Geslacht, Jaargroep};
use chrono::NaiveDate;
use std::collections::HashMap;

pub(crate) fn date((y, m, d): (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

pub(crate) fn naam(roepnaam: &str, voorvoegsel: Option<&str>, achternaam: &str) -> Naam {
    Naam {
        achternaam: Some(achternaam.into()),
        voorvoegsel: voorvoegsel.map(Into::into),
        voorletters: Some(format!("{}.", roepnaam.chars().next().unwrap_or('X'))),
        roepnaam: Some(roepnaam.into()),
        voornamen: None,
    }
}

pub(crate) fn answer(
    groepen: Vec<GroepItem>,
    leerkrachten: Vec<Leerkracht>,
    leerlingen: Vec<Leerling>,
) -> Leerlinggegevens {
    Leerlinggegevens { groepen, leerkrachten, leerlingen, ..Default::default() }
}

pub(crate) fn groep(key: &str, naam: &str, jaargroep: &str) -> GroepItem {
    GroepItem::Groep(Groep {
        key: key.into(),
        naam: naam.into(),
        jaargroep: Jaargroep::parse(jaargroep).expect("valid jaargroep"),
        omschrijving: None,
        toevoegingen: None,
        mutatiedatum: None,
    })
}

pub(crate) fn samengesteld(key: &str, naam: &str) -> GroepItem {
    GroepItem::SamengesteldeGroep(SamengesteldeGroep { key: key.into(), naam: naam.into(), ..Default::default() })
}

/// A pupil in groep 5, a boy, with LAS key `key` (no eckid).
pub(crate) fn leerling(key: &str, naam: Naam, born: (i32, u32, u32), groep: Option<&str>) -> Leerling {
    Leerling {
        key: Some(key.into()),
        naam,
        geboortedatum: Some(date(born)),
        geslacht: Some(Geslacht::Jongen),
        jaargroep: Some(Jaargroep::G5),
        groep: groep.map(Into::into),
        ..Default::default()
    }
}

pub(crate) fn leerkracht(key: &str, naam: Naam, email: Option<&str>, groepen: &[&str]) -> Leerkracht {
    Leerkracht {
        key: key.into(),
        naam,
        emailadres: email.map(Into::into),
        groepen: groepen
            .iter()
            .map(|k| LeerkrachtGroep { soort: GroepSoort::Groep, key: (*k).into(), rollen: Vec::new() })
            .collect(),
        ..Default::default()
    }
}

pub(crate) fn ext(las_key: Option<&str>, eckid: Option<&str>) -> Option<ExternalRef> {
    Some(ExternalRef { las_key: las_key.map(Into::into), eckid: eckid.map(Into::into) })
}

/// An active class group; `las_key: None` means it never came in through this link.
pub(crate) fn known_groep(id: i64, naam: &str, jaargroep: Option<&str>, las_key: Option<&str>) -> KnownGroep {
    KnownGroep {
        id,
        naam: naam.into(),
        jaargroep: jaargroep.map(Into::into),
        samengesteld: false,
        active: true,
        external: las_key.and_then(|k| ext(Some(k), None)),
    }
}

/// An active pupil as [`leerling`] would be stored; `las_key: None`: not through this link.
pub(crate) fn known_leerling(
    id: i64,
    naam: &Naam,
    born: (i32, u32, u32),
    groep: Option<i64>,
    las_key: Option<&str>,
) -> KnownLeerling {
    KnownLeerling {
        id,
        achternaam: naam.achternaam.clone(),
        voorvoegsel: naam.voorvoegsel.clone(),
        voorletters: naam.voorletters.clone(),
        roepnaam: naam.roepnaam.clone(),
        geboortedatum: Some(date(born)),
        geslacht: Some("1".into()),
        jaargroep: Some("5".into()),
        groep,
        samengestelde_groepen: Vec::new(),
        active: true,
        external: las_key.and_then(|k| ext(Some(k), None)),
        boom_nummer: None,
        eckid: None,
    }
}

pub(crate) fn known_leerkracht(
    id: i64,
    naam: &Naam,
    email: Option<&str>,
    groepen: &[i64],
    las_key: Option<&str>,
) -> KnownLeerkracht {
    KnownLeerkracht {
        id,
        achternaam: naam.achternaam.clone(),
        voorvoegsel: naam.voorvoegsel.clone(),
        voorletters: naam.voorletters.clone(),
        roepnaam: naam.roepnaam.clone(),
        emailadres: email.map(Into::into),
        groepen: groepen.to_vec(),
        active: true,
        external: las_key.and_then(|k| ext(Some(k), None)),
    }
}

/// The snapshot an apply step leaves behind: new records get the next free ids (1..n on an
/// empty snapshot), existing ones take the fields, every imported record keeps the keys it
/// came in under (taken away from any other record of its tab), an admin's skip is
/// remembered as a marker (a cascaded one is not: it follows from the group again), an
/// imported record loses its marker, and deactivated records become inactive.
pub(crate) fn applied(before: &Snapshot, p: &Proposal) -> Snapshot {
    let mut s = before.clone();
    let next = |ids: &mut dyn Iterator<Item = i64>| ids.max().unwrap_or(0) + 1;
    // Groups by the LAS key they came in under, for unchanged groups that are not listed.
    let mut group_ids: HashMap<String, i64> =
        before.groepen.iter().filter_map(|g| Some((g.external.as_ref()?.las_key.clone()?, g.id))).collect();

    for item in &p.groepen {
        let f = &item.fields;
        let id = match &item.category {
            Category::New => {
                let id = next(&mut s.groepen.iter().map(|g| g.id));
                let (naam, jaargroep, samengesteld) = (f.naam.clone(), f.jaargroep.clone(), f.samengesteld);
                s.groepen.push(KnownGroep { id, naam, jaargroep, samengesteld, active: true, external: None });
                id
            }
            Category::Existing { id, .. } => {
                let g = s.groepen.iter_mut().find(|g| g.id == *id).expect("existing group");
                (g.naam, g.jaargroep, g.samengesteld, g.active) =
                    (f.naam.clone(), f.jaargroep.clone(), f.samengesteld, true);
                *id
            }
            Category::Skip { reason } => {
                group_ids.remove(&item.record.key);
                skip(&mut s, &item.record, &item.external, reason);
                continue;
            }
        };
        group_ids.insert(item.record.key.clone(), id);
        take_keys(&mut s.groepen, id, &item.external, |g| (g.id, &mut g.external));
        unmark(&mut s, &item.record);
    }

    for item in &p.leerkrachten {
        let f = &item.fields;
        let groepen: Vec<i64> = f.groepen.iter().filter_map(|k| group_ids.get(k).copied()).collect();
        let id = match &item.category {
            Category::New => {
                let id = next(&mut s.leerkrachten.iter().map(|l| l.id));
                s.leerkrachten.push(KnownLeerkracht {
                    id,
                    achternaam: f.achternaam.clone(),
                    voorvoegsel: f.voorvoegsel.clone(),
                    voorletters: f.voorletters.clone(),
                    roepnaam: f.roepnaam.clone(),
                    emailadres: f.emailadres.clone(),
                    groepen,
                    active: true,
                    external: None,
                });
                id
            }
            Category::Existing { id, .. } => {
                let l = s.leerkrachten.iter_mut().find(|l| l.id == *id).expect("existing teacher");
                l.achternaam = f.achternaam.clone();
                l.voorvoegsel = f.voorvoegsel.clone();
                l.voorletters = f.voorletters.clone();
                l.roepnaam = f.roepnaam.clone();
                l.emailadres = f.emailadres.clone();
                l.groepen = groepen;
                l.active = true;
                *id
            }
            Category::Skip { reason } => {
                skip(&mut s, &item.record, &item.external, reason);
                continue;
            }
        };
        take_keys(&mut s.leerkrachten, id, &item.external, |l| (l.id, &mut l.external));
        unmark(&mut s, &item.record);
    }

    for item in &p.leerlingen {
        let f = &item.fields;
        let groep = f.groep.as_ref().and_then(|k| group_ids.get(k).copied());
        let samengestelde_groepen: Vec<i64> =
            f.samengestelde_groepen.iter().filter_map(|k| group_ids.get(k).copied()).collect();
        let id = match &item.category {
            Category::New => {
                let id = next(&mut s.leerlingen.iter().map(|l| l.id));
                s.leerlingen.push(KnownLeerling {
                    id,
                    achternaam: f.achternaam.clone(),
                    voorvoegsel: f.voorvoegsel.clone(),
                    voorletters: f.voorletters.clone(),
                    roepnaam: f.roepnaam.clone(),
                    geboortedatum: f.geboortedatum,
                    geslacht: f.geslacht.clone(),
                    jaargroep: f.jaargroep.clone(),
                    groep,
                    samengestelde_groepen,
                    active: true,
                    external: None,
                    boom_nummer: None,
                    eckid: item.external.eckid.clone(),
                });
                id
            }
            Category::Existing { id, .. } => {
                let l = s.leerlingen.iter_mut().find(|l| l.id == *id).expect("existing pupil");
                l.achternaam = f.achternaam.clone();
                l.voorvoegsel = f.voorvoegsel.clone();
                l.voorletters = f.voorletters.clone();
                l.roepnaam = f.roepnaam.clone();
                l.geboortedatum = f.geboortedatum;
                l.geslacht = f.geslacht.clone();
                l.jaargroep = f.jaargroep.clone();
                l.groep = groep;
                l.samengestelde_groepen = samengestelde_groepen;
                l.active = true;
                *id
            }
            Category::Skip { reason } => {
                skip(&mut s, &item.record, &item.external, reason);
                continue;
            }
        };
        take_keys(&mut s.leerlingen, id, &item.external, |l| (l.id, &mut l.external));
        unmark(&mut s, &item.record);
    }

    for d in &p.deactivations {
        match d.tab {
            Tab::Groepen => s.groepen.iter_mut().filter(|g| g.id == d.id).for_each(|g| g.active = false),
            Tab::Leerkrachten => s.leerkrachten.iter_mut().filter(|l| l.id == d.id).for_each(|l| l.active = false),
            Tab::Leerlingen => s.leerlingen.iter_mut().filter(|l| l.id == d.id).for_each(|l| l.active = false),
        }
    }
    s
}

/// Gives record `id` the keys `ext` and takes them from every other record of the tab.
fn take_keys<R>(
    records: &mut [R],
    id: i64,
    ext: &ExternalRef,
    parts: impl Fn(&mut R) -> (i64, &mut Option<ExternalRef>),
) {
    for r in records {
        let (rid, external) = parts(r);
        if rid == id {
            *external = Some(ext.clone());
        } else if let Some(e) = external {
            if (e.las_key.is_some() && e.las_key == ext.las_key) || (e.eckid.is_some() && e.eckid == ext.eckid) {
                *external = None;
            }
        }
    }
}

fn skip(s: &mut Snapshot, record: &RecordRef, ext: &ExternalRef, reason: &SkipReason) {
    if *reason != SkipReason::Admin {
        return;
    }
    let forget = |e: &mut Option<ExternalRef>| {
        if let Some(x) = e {
            if (x.las_key.is_some() && x.las_key == ext.las_key) || (x.eckid.is_some() && x.eckid == ext.eckid) {
                *e = None;
            }
        }
    };
    match record.tab {
        Tab::Groepen => s.groepen.iter_mut().for_each(|r| forget(&mut r.external)),
        Tab::Leerkrachten => s.leerkrachten.iter_mut().for_each(|r| forget(&mut r.external)),
        Tab::Leerlingen => s.leerlingen.iter_mut().for_each(|r| forget(&mut r.external)),
    }
    let marker = SkipMarker { tab: record.tab, key: record.key.clone() };
    if !s.skipped.contains(&marker) {
        s.skipped.push(marker);
    }
}

fn unmark(s: &mut Snapshot, record: &RecordRef) {
    s.skipped.retain(|m| !(m.tab == record.tab && m.key == record.key));
}
