//! The data-minimisation profiles of UWLR (UWLR.md §3), in their 2.3 form: what a profile
//! does not name is forbidden, and some optional elements become required. A LAS agrees a
//! profile per link (`gegevenssetid`); nothing in an answer says which one it follows, so
//! the caller chooses the check.
//!
//! 2.3 changes applied [V/I]: the Smalle set drops leerling `geboortedatum`; the LVS-set
//! drops `voorletters-1` and `bsn_ondwnr-4` (the page text is cut off; inferred). Both no
//! longer require the LAS key of a pupil.

use super::rules::Anchor;
use super::{GroepItem, Leerkracht, Leerling, Naam, School};
use crate::xml::Profile;

pub(crate) type Report<'a> = dyn FnMut(Anchor, String) + 'a;

impl Profile {
    pub fn name(self) -> &'static str {
        match self {
            Profile::SmalleSet => "Smalle set",
            Profile::LvsSet => "LVS-set",
        }
    }

    /// Parses the CLI spelling (`smalle-set`, `lvs-set`).
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "smalle-set" => Ok(Profile::SmalleSet),
            "lvs-set" => Ok(Profile::LvsSet),
            _ => Err(format!("unknown profile '{s}'; expected smalle-set or lvs-set")),
        }
    }
}

fn forbid(p: Profile, report: &mut Report<'_>, a: Anchor, present: bool, what: &str) {
    if present {
        report(a, format!("{}: <{what}> is not part of the profile", p.name()));
    }
}

fn require(p: Profile, report: &mut Report<'_>, a: Anchor, present: bool, what: &str) {
    if !present {
        report(a, format!("{}: <{what}> is required by the profile", p.name()));
    }
}

pub(crate) fn school(p: Profile, s: &School, report: &mut Report<'_>) {
    let a = Anchor::School;
    forbid(p, report, a, s.toevoegingen.is_some(), "toevoegingen");
    if p == Profile::LvsSet {
        require(p, report, a, s.peildatum.is_some(), "peildatum");
        require(p, report, a, s.aanmaakdatum.is_some(), "aanmaakdatum");
        require(p, report, a, s.xsdversie.is_some(), "xsdversie");
    }
}

pub(crate) fn vestigingen(p: Profile, count: usize, report: &mut Report<'_>) {
    if p == Profile::SmalleSet && count > 0 {
        report(Anchor::Vestiging(0), format!("{}: <vestigingen> is not part of the profile", p.name()));
    }
}

pub(crate) fn groepen(p: Profile, items: &[GroepItem], report: &mut Report<'_>) {
    for (i, g) in items.iter().enumerate() {
        let a = Anchor::Groep(i);
        match g {
            GroepItem::Groep(g) => {
                forbid(p, report, a, g.omschrijving.is_some(), "omschrijving");
                forbid(p, report, a, g.toevoegingen.is_some(), "toevoegingen");
                forbid(p, report, a, g.mutatiedatum.is_some(), "mutatiedatum");
            }
            GroepItem::SamengesteldeGroep(g) => {
                forbid(p, report, a, g.toevoegingen.is_some(), "toevoegingen");
                forbid(p, report, a, g.mutatiedatum.is_some(), "mutatiedatum");
            }
        }
    }
}

fn naam(p: Profile, n: &Naam, a: Anchor, report: &mut Report<'_>) {
    forbid(p, report, a, n.voornamen.is_some(), "voornamen");
    forbid(p, report, a, n.voorletters.is_some(), "voorletters-1");
}

pub(crate) fn leerlingen(p: Profile, list: &[Leerling], report: &mut Report<'_>) {
    for (i, l) in list.iter().enumerate() {
        let a = Anchor::Leerling(i);
        naam(p, &l.naam, a, report);
        for (present, what) in [
            (l.vestiging.is_some(), "vestiging"),
            (l.gebruikersnaam.is_some(), "gebruikersnaam"),
            (l.emailadres.is_some(), "emailadres"),
            (l.fotourl.is_some(), "fotourl"),
            (l.etniciteit.is_some(), "etniciteit"),
            (l.land.is_some(), "land"),
            (l.land_vader.is_some(), "land_vader"),
            (l.land_moeder.is_some(), "land_moeder"),
            (l.persoonsnummer.is_some(), "sofinummer/bsn/onderwijsnummer/bsn_ondwnr-4/rijksregisternummer"),
            (l.gewicht_nieuw.is_some(), "gewicht_nieuw"),
            (l.gewicht.is_some(), "gewicht"),
            (l.postcode.is_some(), "postcodenl/postnummerbe/postcodeoverig"),
            (l.instroomdatum.is_some(), "instroomdatum"),
            (l.uitstroomdatum.is_some(), "uitstroomdatum"),
            (l.toevoegingen.is_some(), "toevoegingen"),
            (l.mutatiedatum.is_some(), "mutatiedatum"),
        ] {
            forbid(p, report, a, present, what);
        }
        match p {
            Profile::SmalleSet => {
                forbid(p, report, a, l.geboortedatum.is_some(), "geboortedatum");
                forbid(p, report, a, l.geslacht.is_some(), "geslacht");
                forbid(p, report, a, l.start_ondw_jgr3.is_some(), "start_ondw_jgr3");
            }
            Profile::LvsSet => {
                require(p, report, a, l.naam.roepnaam.is_some(), "roepnaam");
                require(p, report, a, l.geboortedatum.is_some(), "geboortedatum");
                require(p, report, a, l.geslacht.is_some(), "geslacht");
                require(p, report, a, l.jaargroep.is_some(), "jaargroep");
            }
        }
    }
}

pub(crate) fn leerkrachten(p: Profile, list: &[Leerkracht], report: &mut Report<'_>) {
    for (i, l) in list.iter().enumerate() {
        let a = Anchor::Leerkracht(i);
        naam(p, &l.naam, a, report);
        forbid(p, report, a, l.gebruikersnaam.is_some(), "gebruikersnaam");
        forbid(p, report, a, !l.rollen.is_empty(), "rol");
        forbid(p, report, a, l.toevoegingen.is_some(), "toevoegingen");
        forbid(p, report, a, l.mutatiedatum.is_some(), "mutatiedatum");
        if p == Profile::LvsSet {
            forbid(p, report, a, l.emailadres.is_some(), "emailadres");
        }
    }
}
