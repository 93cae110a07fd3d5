//! The LAS answer, normalised into the shape a proposal compares: per tab a list of records
//! with their [`RecordRef`], their external keys and their fields as plain strings.
//!
//! Normalising is what keeps a re-fetch of applied data quiet: text is trimmed and inner
//! runs of white space are one space, blank means absent, and codes are in their wire form,
//! the same on both sides of every comparison.

use super::proposal::{GroepFields, LeerkrachtFields, LeerlingFields};
use super::snapshot::nonempty;
use super::{ExternalRef, RecordRef, Tab};
use crate::message::leerlinggegevens::{GroepItem, Leerlinggegevens};

/// One incoming record of one tab, in answer order.
#[derive(Debug)]
pub(crate) struct Incoming<F> {
    pub record: RecordRef,
    pub external: ExternalRef,
    pub fields: F,
}

#[derive(Debug)]
pub(crate) struct Answer {
    pub groepen: Vec<Incoming<GroepFields>>,
    pub leerkrachten: Vec<Incoming<LeerkrachtFields>>,
    pub leerlingen: Vec<Incoming<LeerlingFields>>,
}

impl Answer {
    /// The `RecordRef`s and external keys of one tab: all that matching and decisions need.
    pub(crate) fn records(&self, tab: Tab) -> Vec<(&RecordRef, &ExternalRef)> {
        fn pairs<F>(v: &[Incoming<F>]) -> Vec<(&RecordRef, &ExternalRef)> {
            v.iter().map(|r| (&r.record, &r.external)).collect()
        }
        match tab {
            Tab::Groepen => pairs(&self.groepen),
            Tab::Leerkrachten => pairs(&self.leerkrachten),
            Tab::Leerlingen => pairs(&self.leerlingen),
        }
    }
}

pub(crate) fn normalise(a: &Leerlinggegevens) -> Answer {
    let groepen = a
        .groepen
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let key = record_key(Some(g.key()), None, i);
            let fields = match g {
                GroepItem::Groep(g) => GroepFields {
                    naam: text(Some(&g.naam)).unwrap_or_default(),
                    jaargroep: Some(g.jaargroep.as_str().to_string()),
                    samengesteld: false,
                },
                GroepItem::SamengesteldeGroep(g) => {
                    GroepFields { naam: text(Some(&g.naam)).unwrap_or_default(), jaargroep: None, samengesteld: true }
                }
            };
            Incoming {
                external: ExternalRef { las_key: Some(key.clone()), eckid: None },
                record: RecordRef::new(Tab::Groepen, key),
                fields,
            }
        })
        .collect();
    let leerkrachten = a
        .leerkrachten
        .iter()
        .enumerate()
        .map(|(i, l)| Incoming {
            record: RecordRef::new(Tab::Leerkrachten, record_key(Some(&l.key), None, i)),
            external: external(Some(&l.key), l.eckid.as_deref()),
            fields: LeerkrachtFields {
                achternaam: text(l.naam.achternaam.as_deref()),
                voorvoegsel: text(l.naam.voorvoegsel.as_deref()),
                voorletters: text(l.naam.voorletters.as_deref()),
                roepnaam: text(l.naam.roepnaam.as_deref()),
                emailadres: text(l.emailadres.as_deref()),
                groepen: l.groepen.iter().filter_map(|g| key(Some(&g.key))).collect(),
            },
        })
        .collect();
    let leerlingen = a
        .leerlingen
        .iter()
        .enumerate()
        .map(|(i, l)| Incoming {
            record: RecordRef::new(Tab::Leerlingen, record_key(l.key.as_deref(), l.eckid.as_deref(), i)),
            external: external(l.key.as_deref(), l.eckid.as_deref()),
            fields: LeerlingFields {
                achternaam: text(l.naam.achternaam.as_deref()),
                voorvoegsel: text(l.naam.voorvoegsel.as_deref()),
                voorletters: text(l.naam.voorletters.as_deref()),
                roepnaam: text(l.naam.roepnaam.as_deref()),
                geboortedatum: l.geboortedatum,
                geslacht: l.geslacht.map(|g| g.as_str().to_string()),
                jaargroep: l.jaargroep.map(|j| j.as_str().to_string()),
                groep: key(l.groep.as_deref()),
                samengestelde_groepen: l.samengestelde_groepen.iter().filter_map(|g| key(Some(g))).collect(),
            },
        })
        .collect();
    Answer { groepen, leerkrachten, leerlingen }
}

/// Text as a proposal compares and stores it: trimmed, inner white space as single spaces,
/// absent when blank.
pub(crate) fn text(s: Option<&str>) -> Option<String> {
    let s = s?;
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    (!out.is_empty()).then_some(out)
}

fn key(s: Option<&str>) -> Option<String> {
    nonempty(s).map(str::to_string)
}

fn external(las_key: Option<&str>, eckid: Option<&str>) -> ExternalRef {
    ExternalRef { las_key: key(las_key), eckid: key(eckid) }
}

/// The LAS key, else the eckid. The codec refuses a record with neither, but a proposal must
/// still name every record: such a one is `#n`, its position in the answer (1-based), which
/// is stable for one answer only.
fn record_key(las_key: Option<&str>, eckid: Option<&str>, position: usize) -> String {
    key(las_key).or_else(|| key(eckid)).unwrap_or_else(|| format!("#{}", position + 1))
}
