//! The identity rules of the leerlinggegevens schema (unique keys, references to declared
//! groups and locations) and the 2.3 rule that a pupil has a key or an ECK iD. They run
//! over a whole decoded record list, for the reader and for the writer alike, and name the
//! record they are about by an [`Anchor`].
//!
//! The sets are generic over their hasher: the reader sees hostile input and keeps std's
//! SipHash ([`ForInput`]), which crafted keys cannot drive into quadratic time; the writer
//! checks our own model (values a reader has already judged, or an embedder's data) and takes
//! foldhash ([`ForModel`], seeded from address-space randomisation), several times faster
//! on ~150-byte ECK iDs.

use super::{GroepItem, GroepSoort, Leerkracht, Leerling, Leerlinggegevens, Vestiging};
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;

/// The hasher of the rules run over a message being read.
pub(crate) type ForInput = std::hash::RandomState;
/// The hasher of the rules run over a model being written.
pub(crate) type ForModel = foldhash::fast::RandomState;

type Set<'a, S> = HashSet<&'a str, S>;

/// Which record a finding is about (index into its list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Anchor {
    School,
    Vestiging(usize),
    Groep(usize),
    Leerling(usize),
    Leerkracht(usize),
}

impl Anchor {
    /// Path relative to the data element (`leerlingen/leerling[3]`).
    pub(crate) fn path(self) -> String {
        match self {
            Anchor::School => "school".to_string(),
            Anchor::Vestiging(i) => format!("vestigingen/vestiging[{}]", i + 1),
            Anchor::Groep(i) => format!("groepen/*[{}]", i + 1),
            Anchor::Leerling(i) => format!("leerlingen/leerling[{}]", i + 1),
            Anchor::Leerkracht(i) => format!("leerkrachten/leerkracht[{}]", i + 1),
        }
    }
}

pub(crate) type Report<'a> = dyn FnMut(Anchor, String) + 'a;

pub(crate) fn leerlinggegevens<S: BuildHasher + Default>(d: &Leerlinggegevens, report: &mut Report<'_>) {
    let (groepen, samengesteld) = structuur::<S>(&d.vestigingen, &d.groepen, report);
    let vestigingen: Set<'_, S> = d.vestigingen.iter().map(|v| v.key.as_str()).collect();
    leerlingen::<S>(&d.leerlingen, report);
    for (i, l) in d.leerlingen.iter().enumerate() {
        if let Some(g) = &l.groep {
            if !groepen.contains(g.as_str()) {
                report(Anchor::Leerling(i), format!("groep key '{g}' names no <groep> in this message"));
            }
        }
        for g in &l.samengestelde_groepen {
            if !samengesteld.contains(g.as_str()) {
                report(
                    Anchor::Leerling(i),
                    format!("samengestelde_groep key '{g}' names no <samengestelde_groep> in this message"),
                );
            }
        }
        if let Some(v) = &l.vestiging {
            if !vestigingen.contains(v.as_str()) {
                report(Anchor::Leerling(i), format!("vestiging key '{v}' names no <vestiging> in this message"));
            }
        }
    }
    leerkrachten::<S>(&d.leerkrachten, report);
    for (i, l) in d.leerkrachten.iter().enumerate() {
        for g in &l.groepen {
            let (set, what) = match g.soort {
                GroepSoort::Groep => (&groepen, "groep"),
                GroepSoort::SamengesteldeGroep => (&samengesteld, "samengestelde_groep"),
            };
            if !set.contains(g.key.as_str()) {
                report(Anchor::Leerkracht(i), format!("{what} key '{}' names no <{what}> in this message", g.key));
            }
        }
    }
}

/// Unique location keys and group keys (over both kinds). Returns the keys of each kind.
pub(crate) fn structuur<'a, S: BuildHasher + Default>(
    vestigingen: &[Vestiging],
    items: &'a [GroepItem],
    report: &mut Report<'_>,
) -> (Set<'a, S>, Set<'a, S>) {
    let mut seen: Set<'_, S> = HashSet::with_capacity_and_hasher(vestigingen.len(), S::default());
    for (i, v) in vestigingen.iter().enumerate() {
        if !seen.insert(v.key.as_str()) {
            report(Anchor::Vestiging(i), format!("vestiging key '{}' occurs more than once", v.key));
        }
    }
    let (mut groepen, mut samengesteld): (Set<'a, S>, Set<'a, S>) = (HashSet::default(), HashSet::default());
    let mut all: HashMap<&str, usize, S> = HashMap::with_capacity_and_hasher(items.len(), S::default());
    for (i, g) in items.iter().enumerate() {
        if let Some(first) = all.insert(g.key(), i) {
            report(
                Anchor::Groep(i),
                format!(
                    "group key '{}' is already used by group {} (keys are unique over groep and samengestelde_groep)",
                    g.key(),
                    first + 1
                ),
            );
        }
        match g {
            GroepItem::Groep(g) => groepen.insert(g.key.as_str()),
            GroepItem::SamengesteldeGroep(g) => samengesteld.insert(g.key.as_str()),
        };
    }
    (groepen, samengesteld)
}

/// Unique keys and ECK iDs; every pupil has one of them (2.3).
pub(crate) fn leerlingen<S: BuildHasher + Default>(list: &[Leerling], report: &mut Report<'_>) {
    let mut keys: Set<'_, S> = HashSet::with_capacity_and_hasher(list.len(), S::default());
    let mut eckids: Set<'_, S> = HashSet::with_capacity_and_hasher(list.len(), S::default());
    for (i, l) in list.iter().enumerate() {
        if l.key.is_none() && l.eckid.is_none() {
            report(Anchor::Leerling(i), "a leerling needs a key or an eckid (UWLR 2.3: at least one)".into());
        }
        if let Some(k) = &l.key {
            if !keys.insert(k.as_str()) {
                report(Anchor::Leerling(i), format!("leerling key '{k}' occurs more than once"));
            }
        }
        if let Some(k) = &l.eckid {
            if !eckids.insert(k.as_str()) {
                report(Anchor::Leerling(i), format!("leerling eckid '{k}' occurs more than once"));
            }
        }
    }
}

pub(crate) fn leerkrachten<S: BuildHasher + Default>(list: &[Leerkracht], report: &mut Report<'_>) {
    let mut keys: Set<'_, S> = HashSet::with_capacity_and_hasher(list.len(), S::default());
    let mut eckids: Set<'_, S> = HashSet::with_capacity_and_hasher(list.len(), S::default());
    for (i, l) in list.iter().enumerate() {
        if !keys.insert(l.key.as_str()) {
            report(Anchor::Leerkracht(i), format!("leerkracht key '{}' occurs more than once", l.key));
        }
        if let Some(k) = &l.eckid {
            if !eckids.insert(k.as_str()) {
                report(Anchor::Leerkracht(i), format!("leerkracht eckid '{k}' occurs more than once"));
            }
        }
    }
}
