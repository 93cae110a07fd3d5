//! Reading `leerresultaten_verzoek`. Slots in `Order::at` follow the schema's sequence.

use super::*;
use crate::message::field::{attr_text, int32, non_negative, text, unexpected, value, Order};
use crate::message::field::{BRINCODE, DEPENDANCECODE, NON_EMPTY, S128, S256, S32, S64};
use crate::message::values::parse_date;
use crate::xml::reader::{Elem, XmlReader, R};
use crate::xml::Ns;

fn ours(e: &Elem<'_>) -> bool {
    e.ns == Ns::Leerresultaten
}

/// Record offsets for rules checked after reading.
#[derive(Default)]
pub(crate) struct Offsets {
    pub base_path: String,
    pub toetsafnames: Vec<u64>,
    /// (toetsafname index, resultaat index) -> offset.
    pub resultaten: Vec<Vec<u64>>,
    pub toetsen: Vec<u64>,
}

/// `school_seen` gets the school's identity as soon as its block is read: a server needs it
/// to check the key before judging the rest of a refused message.
pub(crate) fn verzoek<'i>(
    r: &mut XmlReader<'i>,
    e: Elem<'i>,
    school_seen: &mut Option<SchoolId>,
) -> R<LeerresultatenVerzoek> {
    r.attrs(&e, [])?;
    let mut offs = Offsets { base_path: r.path(), ..Default::default() };
    let mut ord = Order::new();
    let (mut school_v, mut afnames, mut toetsen_v) = (None, Vec::new(), Vec::new());
    while let Some(c) = r.child(&e)? {
        match (ours(&c), c.name) {
            (true, "school") => {
                ord.at(r, &c, "school", 0, false);
                let s = school(r, c)?;
                *school_seen = Some(s.id.clone());
                school_v = Some(s);
            }
            (true, "toetsafnames") => {
                ord.at(r, &c, "toetsafnames", 1, false);
                let list = c;
                r.attrs(&list, [])?;
                while let Some(a) = r.child(&list)? {
                    if ours(&a) && a.name == "toetsafname" {
                        r.set_index(afnames.len() + 1);
                        offs.toetsafnames.push(a.offset);
                        let mut ro = Vec::new();
                        afnames.push(toetsafname(r, a, &mut ro)?);
                        offs.resultaten.push(ro);
                    } else {
                        unexpected(r, a, "toetsafnames", "<toetsafname>")?;
                    }
                }
                if afnames.is_empty() {
                    r.error_after(&list, "<toetsafnames> needs at least one <toetsafname>");
                }
            }
            (true, "toetsen") => {
                ord.at(r, &c, "toetsen", 2, false);
                let list = c;
                r.attrs(&list, [])?;
                while let Some(t) = r.child(&list)? {
                    if ours(&t) && t.name == "toets" {
                        r.set_index(toetsen_v.len() + 1);
                        offs.toetsen.push(t.offset);
                        toetsen_v.push(toets(r, t)?);
                    } else {
                        unexpected(r, t, "toetsen", "<toets>")?;
                    }
                }
                if toetsen_v.is_empty() {
                    r.error_after(&list, "<toetsen> needs at least one <toets>");
                }
            }
            _ => unexpected(r, c, "leerresultaten_verzoek", "school, toetsafnames, toetsen")?,
        }
    }
    ord.require(r, &e, 0, "<school>");
    ord.require(r, &e, 1, "<toetsafnames>");
    ord.require(r, &e, 2, "<toetsen>");
    let v = LeerresultatenVerzoek {
        school: school_v.unwrap_or_else(placeholder_school),
        toetsafnames: afnames,
        toetsen: toetsen_v,
    };
    rules::verzoek(&v, &mut |a, msg| {
        let offset = match a {
            rules::Anchor::Toetsafname(i) => offs.toetsafnames.get(i).copied(),
            rules::Anchor::Resultaat(i, j) => offs.resultaten.get(i).and_then(|v| v.get(j)).copied(),
            rules::Anchor::Toets(i) => offs.toetsen.get(i).copied(),
            rules::Anchor::Toetsonderdeel(i, _) => offs.toetsen.get(i).copied(),
        };
        r.error_with_path(offset.unwrap_or(0), format!("{}/{}", offs.base_path, a.path()), msg);
    });
    Ok(v)
}

fn placeholder_school() -> ResultatenSchool {
    ResultatenSchool {
        schooljaar: Schooljaar::new(2024).expect("valid"),
        id: SchoolId::Schoolkey(String::new()),
        aanmaakdatum: DateTime::parse("2024-01-01T00:00:00").expect("valid"),
        auteur: None,
        xsdversie: String::new(),
        commentaar: None,
    }
}

fn school<'i>(r: &mut XmlReader<'i>, e: Elem<'i>) -> R<ResultatenSchool> {
    r.attrs(&e, [])?;
    let mut s = placeholder_school();
    let mut ord = Order::new();
    let (mut brin, mut dep, mut skey) = (None, None, None);
    while let Some(c) = r.child(&e)? {
        match (ours(&c), c.name) {
            (true, "schooljaar") => {
                ord.at(r, &c, "schooljaar", 0, false);
                if let Some(j) = value(r, c, Schooljaar::parse)? {
                    s.schooljaar = j;
                }
            }
            (true, "brincode") => {
                ord.at(r, &c, "brincode", 1, false);
                brin = text(r, c, BRINCODE)?;
            }
            (true, "dependancecode") => {
                ord.at(r, &c, "dependancecode", 2, false);
                dep = text(r, c, DEPENDANCECODE)?;
            }
            (true, "schoolkey") => {
                ord.at(r, &c, "schoolkey", 1, false);
                skey = text(r, c, S256)?;
            }
            (true, "aanmaakdatum") => {
                ord.at(r, &c, "aanmaakdatum", 3, false);
                if let Some(t) = value(r, c, DateTime::parse)? {
                    s.aanmaakdatum = t;
                }
            }
            (true, "auteur") => {
                ord.at(r, &c, "auteur", 4, false);
                s.auteur = text(r, c, S128)?;
            }
            (true, "xsdversie") => {
                ord.at(r, &c, "xsdversie", 5, false);
                s.xsdversie = text(r, c, S32)?.unwrap_or_default();
            }
            (true, "commentaar") => {
                ord.at(r, &c, "commentaar", 6, false);
                s.commentaar = text(r, c, S128)?;
            }
            _ => unexpected(
                r,
                c,
                "school",
                "schooljaar, brincode/dependancecode or schoolkey, aanmaakdatum, auteur, xsdversie, commentaar",
            )?,
        }
    }
    ord.require(r, &e, 0, "<schooljaar>");
    ord.require(r, &e, 3, "<aanmaakdatum>");
    ord.require(r, &e, 5, "<xsdversie>");
    s.id = match (brin, skey) {
        (Some(brincode), None) => SchoolId::Brin { brincode, dependancecode: dep },
        (None, Some(k)) => {
            if dep.is_some() {
                r.error_after(&e, "<dependancecode> goes with <brincode>, not with <schoolkey>");
            }
            SchoolId::Schoolkey(k)
        }
        (None, None) => {
            if !ord.seen(1) {
                r.error_after(
                    &e,
                    "<school> names no school: give <brincode> (with optional <dependancecode>) or <schoolkey>",
                );
            }
            SchoolId::Schoolkey(String::new())
        }
        (Some(_), Some(_)) => SchoolId::Schoolkey(String::new()), // reported as a choice conflict
    };
    Ok(s)
}

fn toetsafname<'i>(r: &mut XmlReader<'i>, e: Elem<'i>, offsets: &mut Vec<u64>) -> R<Toetsafname> {
    r.attrs(&e, [])?;
    let mut t = Toetsafname::default();
    let mut ord = Order::new();
    while let Some(c) = r.child(&e)? {
        match (ours(&c), c.name) {
            (true, "leerlingid") => {
                ord.at(r, &c, "leerlingid", 0, false);
                t.leerlingid = text(r, c, S256)?;
            }
            (true, "eckid") => {
                ord.at(r, &c, "eckid", 1, false);
                t.eckid = text(r, c, S256)?;
            }
            (true, "resultaatverwerkerid") => {
                ord.at(r, &c, "resultaatverwerkerid", 2, false);
                t.resultaatverwerkerid = text(r, c, S256)?;
            }
            (true, "resultaten") => {
                ord.at(r, &c, "resultaten", 3, false);
                let list = c;
                r.attrs(&list, [])?;
                while let Some(x) = r.child(&list)? {
                    if ours(&x) && x.name == "resultaat" {
                        r.set_index(t.resultaten.len() + 1);
                        offsets.push(x.offset);
                        t.resultaten.push(resultaat(r, x)?);
                    } else {
                        unexpected(r, x, "resultaten", "<resultaat>")?;
                    }
                }
                if t.resultaten.is_empty() {
                    r.error_after(&list, "<resultaten> needs at least one <resultaat>");
                }
            }
            _ => unexpected(r, c, "toetsafname", "leerlingid, eckid, resultaatverwerkerid, resultaten")?,
        }
    }
    ord.require(r, &e, 3, "<resultaten>");
    Ok(t)
}

fn vocab<'i>(r: &mut XmlReader<'i>, e: Elem<'i>) -> R<Option<Vocab>> {
    let [voc, loc] = r.attrs(&e, ["vocabulaire", "vocabulairelocatie"])?;
    Ok(text(r, e, S256)?.map(|value| Vocab { value, vocabulaire: voc, vocabulairelocatie: loc }))
}

fn resultaat<'i>(r: &mut XmlReader<'i>, e: Elem<'i>) -> R<Resultaat> {
    let [key] = r.attrs(&e, ["key"])?;
    let key = match key {
        Some(k) => attr_text(r, &e, "key", Some(k), S256).unwrap_or_default(),
        None => {
            r.error(e.offset, None, "<resultaat> lacks the required attribute key");
            String::new()
        }
    };
    let mut ord = Order::new();
    let (mut datum, mut code, mut versie, mut onderdeel, mut waarde, mut info) = (None, None, None, None, None, None);
    while let Some(c) = r.child(&e)? {
        match (ours(&c), c.name) {
            (true, "afnamedatum") => {
                ord.at(r, &c, "afnamedatum", 0, false);
                datum = value(r, c, parse_date)?;
            }
            (true, "toetscode") => {
                ord.at(r, &c, "toetscode", 1, false);
                code = text(r, c, S256)?;
            }
            (true, "versie") => {
                ord.at(r, &c, "versie", 2, false);
                versie = vocab(r, c)?;
            }
            (true, "toetsonderdeelcode") => {
                ord.at(r, &c, "toetsonderdeelcode", 3, false);
                onderdeel = text(r, c, S256)?;
            }
            (true, "score") => {
                ord.at(r, &c, "score", 4, false);
                waarde = value(r, c, non_negative)?.map(ResultaatWaarde::Score);
            }
            (true, "osoresultaat") => {
                ord.at(r, &c, "osoresultaat", 4, false);
                waarde = Some(ResultaatWaarde::Oso(oso(r, c)?));
            }
            (true, "anderresultaat") => {
                ord.at(r, &c, "anderresultaat", 4, false);
                waarde = Some(ResultaatWaarde::Ander(ander(r, c)?));
            }
            (true, "infourl") => {
                ord.at(r, &c, "infourl", 5, false);
                info = text(r, c, S256)?;
            }
            _ => unexpected(
                r,
                c,
                "resultaat",
                "afnamedatum, toetscode, versie, toetsonderdeelcode, score | osoresultaat | anderresultaat, infourl",
            )?,
        }
    }
    ord.require(r, &e, 0, "<afnamedatum>");
    ord.require(r, &e, 1, "<toetscode>");
    ord.require(r, &e, 4, "result: one of <score>, <osoresultaat>, <anderresultaat>");
    Ok(Resultaat {
        key,
        afnamedatum: datum.unwrap_or_default(),
        toetscode: code.unwrap_or_default(),
        versie,
        toetsonderdeelcode: onderdeel,
        waarde: waarde.unwrap_or(ResultaatWaarde::Score(0)),
        infourl: info,
    })
}

fn ander<'i>(r: &mut XmlReader<'i>, e: Elem<'i>) -> R<AnderResultaat> {
    let ty = r.xsi_type(&e);
    r.attrs(&e, [])?;
    let mut a = AnderResultaat::default();
    match ty {
        Some(t) => a.xsi_type = t,
        None => r.error(
            e.offset,
            None,
            "<anderresultaat> is of an abstract type: it needs an xsi:type naming the agreed format",
        ),
    }
    let mut ord = Order::new();
    while let Some(c) = r.child(&e)? {
        if c.name == "andere_score" && ours(&c) {
            ord.at(r, &c, "andere_score", 0, false);
            a.andere_score = Some(r.text(c)?.into_owned());
        } else {
            // Content of the bilaterally agreed extension: not ours to judge, not kept.
            r.deviation(c.offset, None, format!("<{}> belongs to the agreed extension type and is not kept", c.name));
            r.skip(c)?;
        }
    }
    Ok(a)
}

fn oso<'i>(r: &mut XmlReader<'i>, e: Elem<'i>) -> R<OsoResultaat> {
    r.attrs(&e, [])?;
    let mut o = OsoResultaat::default();
    let mut ord = Order::new();
    while let Some(c) = r.child(&e)? {
        match (c.ns == Ns::Oso, c.name) {
            (true, "toetsscore") => {
                ord.at(r, &c, "toetsscore", 0, false);
                o.toetsscore = Some(toetsscore(r, c)?);
            }
            (true, "referentiescore") => {
                ord.at(r, &c, "referentiescore", 1, true);
                r.set_index(o.referentiescores.len() + 1);
                o.referentiescores.push(referentiescore(r, c)?);
            }
            _ => unexpected(r, c, "osoresultaat", "oso:toetsscore, oso:referentiescore")?,
        }
    }
    Ok(o)
}

fn decimal<'i>(r: &mut XmlReader<'i>, c: Elem<'i>) -> R<Option<Decimal>> {
    value(r, c, Decimal::parse)
}

fn toetsscore<'i>(r: &mut XmlReader<'i>, e: Elem<'i>) -> R<Toetsscore> {
    r.attrs(&e, [])?;
    let mut t = Toetsscore::default();
    let mut ord = Order::new();
    while let Some(c) = r.child(&e)? {
        if c.ns != Ns::Oso {
            unexpected(r, c, "toetsscore", "the OSO toetsscore elements")?;
            continue;
        }
        match c.name {
            "aantalopgaven" => {
                ord.at(r, &c, "aantalopgaven", 0, false);
                t.aantalopgaven = value(r, c, int32)?;
            }
            "aantalgoed" => {
                ord.at(r, &c, "aantalgoed", 1, false);
                t.aantalgoed = value(r, c, int32)?;
            }
            "aantalfout" => {
                ord.at(r, &c, "aantalfout", 2, false);
                t.aantalfout = value(r, c, int32)?;
            }
            "aantalgelezen" => {
                ord.at(r, &c, "aantalgelezen", 3, false);
                t.aantalgelezen = value(r, c, int32)?;
            }
            "tijd" => {
                ord.at(r, &c, "tijd", 4, false);
                t.tijd = decimal(r, c)?;
            }
            "vaardigheidsscore" => {
                ord.at(r, &c, "vaardigheidsscore", 5, false);
                t.vaardigheidsscore = decimal(r, c)?;
            }
            "codevaardigheidsschaal" => {
                ord.at(r, &c, "codevaardigheidsschaal", 6, false);
                t.codevaardigheidsschaal = text(r, c, NON_EMPTY)?;
            }
            "betrouwbaarheidsinterval" => {
                ord.at(r, &c, "betrouwbaarheidsinterval", 7, false);
                let bi = c;
                let (mut laag, mut hoog) = (None, None);
                let mut o2 = Order::new();
                while let Some(x) = r.child(&bi)? {
                    match (x.ns == Ns::Oso, x.name) {
                        (true, "bivlaag") => {
                            o2.at(r, &x, "bivlaag", 0, false);
                            laag = decimal(r, x)?;
                        }
                        (true, "bivhoog") => {
                            o2.at(r, &x, "bivhoog", 1, false);
                            hoog = decimal(r, x)?;
                        }
                        _ => unexpected(r, x, "betrouwbaarheidsinterval", "bivlaag, bivhoog")?,
                    }
                }
                o2.require(r, &bi, 0, "<bivlaag>");
                o2.require(r, &bi, 1, "<bivhoog>");
                if let (Some(l), Some(h)) = (laag, hoog) {
                    t.betrouwbaarheidsinterval = Some((l, h));
                }
            }
            _ => unexpected(r, c, "toetsscore", "the OSO toetsscore elements")?,
        }
    }
    Ok(t)
}

fn referentiescore<'i>(r: &mut XmlReader<'i>, e: Elem<'i>) -> R<Referentiescore> {
    r.attrs(&e, [])?;
    let mut s = Referentiescore::default();
    let mut ord = Order::new();
    while let Some(c) = r.child(&e)? {
        match (c.ns == Ns::Oso, c.name) {
            (true, "codereferentiescore") => {
                ord.at(r, &c, "codereferentiescore", 0, false);
                s.codereferentiescore = text(r, c, NON_EMPTY)?.unwrap_or_default();
            }
            (true, "codevergelijkingsgroep") => {
                ord.at(r, &c, "codevergelijkingsgroep", 1, false);
                s.codevergelijkingsgroep = text(r, c, NON_EMPTY)?.unwrap_or_default();
            }
            (true, "waarde") => {
                ord.at(r, &c, "waarde", 2, false);
                s.waarde = text(r, c, NON_EMPTY)?.unwrap_or_default();
            }
            (true, "kwalificatie") => {
                ord.at(r, &c, "kwalificatie", 3, false);
                s.kwalificatie = text(r, c, NON_EMPTY)?;
            }
            _ => unexpected(
                r,
                c,
                "referentiescore",
                "codereferentiescore, codevergelijkingsgroep, waarde, kwalificatie",
            )?,
        }
    }
    ord.require(r, &e, 0, "<codereferentiescore>");
    ord.require(r, &e, 1, "<codevergelijkingsgroep>");
    ord.require(r, &e, 2, "<waarde>");
    Ok(s)
}

fn toets<'i>(r: &mut XmlReader<'i>, e: Elem<'i>) -> R<Toets> {
    r.attrs(&e, [])?;
    let mut t = Toets::default();
    let mut ord = Order::new();
    while let Some(c) = r.child(&e)? {
        match (ours(&c), c.name) {
            (true, "toetscode") => {
                ord.at(r, &c, "toetscode", 0, false);
                t.toetscode = vocab(r, c)?.unwrap_or_default();
            }
            (true, "versie") => {
                ord.at(r, &c, "versie", 1, false);
                t.versie = vocab(r, c)?;
            }
            (true, "toetsnaam") => {
                ord.at(r, &c, "toetsnaam", 2, false);
                t.toetsnaam = text(r, c, S128)?;
            }
            (true, "leerjaar") => {
                ord.at(r, &c, "leerjaar", 3, false);
                t.leerjaar = vocab(r, c)?;
            }
            (true, "vakgebied") => {
                ord.at(r, &c, "vakgebied", 4, false);
                t.vakgebied = vocab(r, c)?;
            }
            (true, "toetsnormering") => {
                ord.at(r, &c, "toetsnormering", 5, false);
                t.toetsnormering = Some(normering(r, c)?);
            }
            (true, "toetshierarchie") => {
                ord.at(r, &c, "toetshierarchie", 6, false);
                let h = c;
                r.attrs(&h, [])?;
                while let Some(x) = r.child(&h)? {
                    if ours(&x) && x.name == "ingang" {
                        r.set_index(t.toetshierarchie.len() + 1);
                        let [voc, loc, niveau] = r.attrs(&x, ["vocabulaire", "vocabulairelocatie", "niveau"])?;
                        let niveau = match niveau.as_deref().map(|n| n.trim().parse::<i64>()) {
                            Some(Ok(n)) => n,
                            Some(Err(_)) => {
                                r.error(x.offset, None, "attribute niveau must be a whole number");
                                0
                            }
                            None => {
                                r.error(x.offset, None, "<ingang> lacks the required attribute niveau");
                                0
                            }
                        };
                        let value = text(r, x, S256)?.unwrap_or_default();
                        t.toetshierarchie.push(Ingang {
                            niveau,
                            waarde: Vocab { value, vocabulaire: voc, vocabulairelocatie: loc },
                        });
                    } else {
                        unexpected(r, x, "toetshierarchie", "<ingang>")?;
                    }
                }
                if t.toetshierarchie.is_empty() {
                    r.error_after(&h, "<toetshierarchie> needs at least one <ingang>");
                }
            }
            (true, "toetsonderdelen") => {
                ord.at(r, &c, "toetsonderdelen", 7, false);
                let l = c;
                r.attrs(&l, [])?;
                while let Some(x) = r.child(&l)? {
                    if ours(&x) && x.name == "toetsonderdeel" {
                        r.set_index(t.toetsonderdelen.len() + 1);
                        t.toetsonderdelen.push(toetsonderdeel(r, x)?);
                    } else {
                        unexpected(r, x, "toetsonderdelen", "<toetsonderdeel>")?;
                    }
                }
                if t.toetsonderdelen.is_empty() {
                    r.error_after(&l, "<toetsonderdelen> needs at least one <toetsonderdeel>");
                }
            }
            _ => unexpected(
                r,
                c,
                "toets",
                "toetscode, versie, toetsnaam, leerjaar, vakgebied, toetsnormering, toetshierarchie, toetsonderdelen",
            )?,
        }
    }
    ord.require(r, &e, 0, "<toetscode>");
    Ok(t)
}

fn toetsonderdeel<'i>(r: &mut XmlReader<'i>, e: Elem<'i>) -> R<Toetsonderdeel> {
    r.attrs(&e, [])?;
    let mut t = Toetsonderdeel::default();
    let mut ord = Order::new();
    while let Some(c) = r.child(&e)? {
        match (ours(&c), c.name) {
            (true, "toetsonderdeelvolgnummer") => {
                ord.at(r, &c, "toetsonderdeelvolgnummer", 0, false);
                t.volgnummer = value(r, c, |s| match non_negative(s) {
                    Ok(0) => Err(format!("'{s}' is not a positive whole number")),
                    other => other,
                })?
                .unwrap_or(1);
            }
            (true, "toetsonderdeelcode") => {
                ord.at(r, &c, "toetsonderdeelcode", 1, false);
                t.code = vocab(r, c)?.unwrap_or_default();
            }
            (true, "toetsonderdeelnaam") => {
                ord.at(r, &c, "toetsonderdeelnaam", 2, false);
                t.naam = text(r, c, S128)?;
            }
            (true, "toetsonderdeelnormering") => {
                ord.at(r, &c, "toetsonderdeelnormering", 3, false);
                t.normering = Some(normering(r, c)?);
            }
            _ => unexpected(
                r,
                c,
                "toetsonderdeel",
                "toetsonderdeelvolgnummer, toetsonderdeelcode, toetsonderdeelnaam, toetsonderdeelnormering",
            )?,
        }
    }
    ord.require(r, &e, 0, "<toetsonderdeelvolgnummer>");
    ord.require(r, &e, 1, "<toetsonderdeelcode>");
    Ok(t)
}

fn normering<'i>(r: &mut XmlReader<'i>, e: Elem<'i>) -> R<Normering> {
    let [voc, loc] = r.attrs(&e, ["vocabulaire", "vocabulairelocatie"])?;
    let mut n = Normering { vocabulaire: voc, vocabulairelocatie: loc, ..Default::default() };
    let mut ord = Order::new();
    while let Some(c) = r.child(&e)? {
        match (ours(&c), c.name) {
            (true, "toetscategorie") => {
                ord.at(r, &c, "toetscategorie", 0, false);
                n.toetscategorie = vocab(r, c)?;
            }
            (true, "toetsniveau") => {
                ord.at(r, &c, "toetsniveau", 1, false);
                n.toetsniveau = vocab(r, c)?;
            }
            (true, "wegingsfactor") => {
                ord.at(r, &c, "wegingsfactor", 2, false);
                n.wegingsfactor = decimal(r, c)?;
            }
            (true, "norm") => {
                ord.at(r, &c, "norm", 3, true);
                r.set_index(n.normen.len() + 1);
                n.normen.push(norm(r, c)?);
            }
            _ => unexpected(r, c, e.name, "toetscategorie, toetsniveau, wegingsfactor, norm")?,
        }
    }
    ord.require(r, &e, 3, "<norm>");
    Ok(n)
}

fn ranged<'i>(r: &mut XmlReader<'i>, c: Elem<'i>, lo: f64, hi: f64) -> R<Option<Decimal>> {
    value(r, c, |s| {
        let d = Decimal::parse(s)?;
        let f = d.to_f64();
        if (lo..=hi).contains(&f) {
            Ok(d)
        } else {
            Err(format!("{s} lies outside {lo:.2} ..= {hi:.2}"))
        }
    })
}

fn norm<'i>(r: &mut XmlReader<'i>, e: Elem<'i>) -> R<Norm> {
    r.attrs(&e, [])?;
    let mut n = Norm::default();
    let mut ord = Order::new();
    while let Some(c) = r.child(&e)? {
        match (ours(&c), c.name) {
            (true, "term") => {
                ord.at(r, &c, "term", 0, false);
                n.term = text(r, c, S64)?.unwrap_or_default();
            }
            (true, "omschrijving") => {
                ord.at(r, &c, "omschrijving", 1, false);
                n.omschrijving = text(r, c, S128)?;
            }
            (true, "beginnormwaarde") => {
                ord.at(r, &c, "beginnormwaarde", 2, false);
                n.beginnormwaarde = value(r, c, non_negative)?.unwrap_or(0);
            }
            (true, "eindnormwaarde") => {
                ord.at(r, &c, "eindnormwaarde", 3, false);
                n.eindnormwaarde = value(r, c, non_negative)?.unwrap_or(0);
            }
            (true, "normkleur") => {
                ord.at(r, &c, "normkleur", 4, false);
                n.normkleur = normkleur(r, c)?;
            }
            (true, "schoolcijfer_vanaf") => {
                ord.at(r, &c, "schoolcijfer_vanaf", 5, false);
                n.schoolcijfer_vanaf = ranged(r, c, 1.0, 10.0)?;
            }
            (true, "schoolcijfer_totenmet") => {
                ord.at(r, &c, "schoolcijfer_totenmet", 6, false);
                n.schoolcijfer_totenmet = ranged(r, c, 1.0, 10.0)?;
            }
            _ => unexpected(r, c, "norm", "term, omschrijving, beginnormwaarde, eindnormwaarde, normkleur, schoolcijfer_vanaf, schoolcijfer_totenmet")?,
        }
    }
    ord.require(r, &e, 0, "<term>");
    ord.require(r, &e, 2, "<beginnormwaarde>");
    ord.require(r, &e, 3, "<eindnormwaarde>");
    Ok(n)
}

fn normkleur<'i>(r: &mut XmlReader<'i>, e: Elem<'i>) -> R<Option<Normkleur>> {
    r.attrs(&e, [])?;
    let mut ord = Order::new();
    let (mut rood, mut groen, mut blauw, mut tr) = (None, None, None, None);
    let kleur = |s: &str| -> Result<u8, String> {
        let v = non_negative(s)?;
        u8::try_from(v).map_err(|_| format!("{s} lies outside 0 ..= 255"))
    };
    while let Some(c) = r.child(&e)? {
        match (ours(&c), c.name) {
            (true, "rood_code") => {
                ord.at(r, &c, "rood_code", 0, false);
                rood = value(r, c, kleur)?;
            }
            (true, "groen_code") => {
                ord.at(r, &c, "groen_code", 1, false);
                groen = value(r, c, kleur)?;
            }
            (true, "blauw_code") => {
                ord.at(r, &c, "blauw_code", 2, false);
                blauw = value(r, c, kleur)?;
            }
            (true, "transparantie") => {
                ord.at(r, &c, "transparantie", 3, false);
                tr = ranged(r, c, 0.0, 1.0)?;
            }
            _ => unexpected(r, c, "normkleur", "rood_code, groen_code, blauw_code, transparantie")?,
        }
    }
    for (slot, name) in [(0, "<rood_code>"), (1, "<groen_code>"), (2, "<blauw_code>"), (3, "<transparantie>")] {
        ord.require(r, &e, slot, name);
    }
    Ok(match (rood, groen, blauw, tr) {
        (Some(rood), Some(groen), Some(blauw), Some(transparantie)) => {
            Some(Normkleur { rood, groen, blauw, transparantie })
        }
        _ => None,
    })
}
