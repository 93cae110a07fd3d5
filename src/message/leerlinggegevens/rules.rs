//! The identity rules of the leerlinggegevens schema (unique keys, references to declared
//! groups and locations) and the 2.3 rule that a pupil has a key or an ECK iD. They run
//! over a whole decoded record list, for the reader and for the writer alike, and name the
//! record they are about by an [`Anchor`].

use super::{GroepItem, GroepSoort, Leerkracht, Leerling, Leerlinggegevens, Vestiging};
use std::collections::{HashMap, HashSet};

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
    pub fn path(self) -> String {
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

pub(crate) fn leerlinggegevens(d: &Leerlinggegevens, report: &mut Report<'_>) {
    let (groepen, samengesteld) = structuur(&d.vestigingen, &d.groepen, report);
    let vestigingen: HashSet<&str> = d.vestigingen.iter().map(|v| v.key.as_str()).collect();
    leerlingen(&d.leerlingen, report);
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
    leerkrachten(&d.leerkrachten, report);
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
pub(crate) fn structuur<'a>(
    vestigingen: &[Vestiging],
    items: &'a [GroepItem],
    report: &mut Report<'_>,
) -> (HashSet<&'a str>, HashSet<&'a str>) {
    let mut seen = HashSet::with_capacity(vestigingen.len());
    for (i, v) in vestigingen.iter().enumerate() {
        if !seen.insert(v.key.as_str()) {
            report(Anchor::Vestiging(i), format!("vestiging key '{}' occurs more than once", v.key));
        }
    }
    let (mut groepen, mut samengesteld) = (HashSet::new(), HashSet::new());
    let mut all: HashMap<&str, usize> = HashMap::with_capacity(items.len());
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
pub(crate) fn leerlingen(list: &[Leerling], report: &mut Report<'_>) {
    let mut keys = HashSet::with_capacity(list.len());
    let mut eckids = HashSet::with_capacity(list.len());
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

pub(crate) fn leerkrachten(list: &[Leerkracht], report: &mut Report<'_>) {
    let mut keys = HashSet::with_capacity(list.len());
    let mut eckids = HashSet::with_capacity(list.len());
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
