//! Identity rules of the results message, for reader and writer alike: unique result keys,
//! unique toetscodes that every result refers to, unique part numbers per test, and the
//! 2.3 rule that a pupil is named by leerlingid or eckid (at least one).

use super::LeerresultatenVerzoek;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Anchor {
    Toetsafname(usize),
    Resultaat(usize, usize),
    Toets(usize),
    Toetsonderdeel(usize, usize),
}

impl Anchor {
    pub(crate) fn path(self) -> String {
        match self {
            Anchor::Toetsafname(i) => format!("toetsafnames/toetsafname[{}]", i + 1),
            Anchor::Resultaat(i, j) => format!("toetsafnames/toetsafname[{}]/resultaten/resultaat[{}]", i + 1, j + 1),
            Anchor::Toets(i) => format!("toetsen/toets[{}]", i + 1),
            Anchor::Toetsonderdeel(i, j) => {
                format!("toetsen/toets[{}]/toetsonderdelen/toetsonderdeel[{}]", i + 1, j + 1)
            }
        }
    }
}

/// The end of the message for a `resultaat/toetscode` that no `<toets>` declares
/// (`toetscode 'X' names no <toets> in this message`). The server answers a message whose
/// only errors are these with `Client.VocabulaireTermOngeldig` instead of
/// `Client.OngeldigBericht` (`server::dispatch`), so the two share this text.
pub(crate) const UNDECLARED_TOETSCODE: &str = "names no <toets> in this message";

pub(crate) fn verzoek(v: &LeerresultatenVerzoek, report: &mut dyn FnMut(Anchor, String)) {
    let mut codes: HashMap<&str, usize> = HashMap::with_capacity(v.toetsen.len());
    for (i, t) in v.toetsen.iter().enumerate() {
        if let Some(first) = codes.insert(t.toetscode.value.as_str(), i) {
            report(
                Anchor::Toets(i),
                format!("toetscode '{}' is already declared by toets {}", t.toetscode.value, first + 1),
            );
        }
        let mut nrs = HashSet::with_capacity(t.toetsonderdelen.len());
        for (j, o) in t.toetsonderdelen.iter().enumerate() {
            if !nrs.insert(o.volgnummer) {
                report(
                    Anchor::Toetsonderdeel(i, j),
                    format!("toetsonderdeelvolgnummer {} occurs more than once in this toets", o.volgnummer),
                );
            }
        }
    }
    let mut keys = HashSet::new();
    for (i, a) in v.toetsafnames.iter().enumerate() {
        if a.leerlingid.is_none() && a.eckid.is_none() {
            report(
                Anchor::Toetsafname(i),
                "a toetsafname needs a leerlingid or an eckid (UWLR 2.3: at least one)".into(),
            );
        }
        for (j, r) in a.resultaten.iter().enumerate() {
            if !keys.insert(r.key.as_str()) {
                report(
                    Anchor::Resultaat(i, j),
                    format!("resultaat key '{}' occurs more than once in this message", r.key),
                );
            }
            if !codes.contains_key(r.toetscode.as_str()) {
                report(Anchor::Resultaat(i, j), format!("toetscode '{}' {UNDECLARED_TOETSCODE}", r.toetscode));
            }
        }
    }
}
