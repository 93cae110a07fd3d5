//! Writing `leerresultaten_verzoek` in schema order, checking facets, ranges and the
//! identity rules as it goes.

use super::*;
use crate::message::field::{BRINCODE, DEPENDANCECODE, NON_EMPTY, S128, S256, S32, S64};
use crate::message::values::DateText;
use crate::xml::writer::XmlWriter;
use std::io::{self, Write};

type W<'a, T> = &'a mut XmlWriter<T>;

pub(crate) fn verzoek<T: Write>(w: W<'_, T>, v: &LeerresultatenVerzoek) -> io::Result<()> {
    let mut found = Vec::new();
    rules::verzoek(v, &mut |a, m| found.push((a, m)));
    for (a, m) in found {
        w.problem(Some(&format!("leerresultaten_verzoek/{}", a.path())), m);
    }
    w.start("leerresultaten_verzoek", &[("xmlns", NS), ("xmlns:oso", OSO_NS)]);
    school(w, &v.school)?;
    w.start("toetsafnames", &[]);
    if v.toetsafnames.is_empty() {
        w.problem(None, "<toetsafnames> needs at least one <toetsafname>");
    }
    for (i, a) in v.toetsafnames.iter().enumerate() {
        w.start("toetsafname", &[]);
        w.set_index(i + 1);
        w.opt_field("leerlingid", a.leerlingid.as_deref(), S256);
        w.opt_field("eckid", a.eckid.as_deref(), S256);
        w.opt_field("resultaatverwerkerid", a.resultaatverwerkerid.as_deref(), S256);
        w.start("resultaten", &[]);
        if a.resultaten.is_empty() {
            w.problem(None, "<resultaten> needs at least one <resultaat>");
        }
        for (j, r) in a.resultaten.iter().enumerate() {
            resultaat(w, r, j + 1)?;
        }
        w.end()?;
        w.end()?;
    }
    w.end()?;
    w.start("toetsen", &[]);
    if v.toetsen.is_empty() {
        w.problem(None, "<toetsen> needs at least one <toets>");
    }
    for (i, t) in v.toetsen.iter().enumerate() {
        toets(w, t, i + 1)?;
    }
    w.end()?;
    w.end()
}

fn school<T: Write>(w: W<'_, T>, s: &ResultatenSchool) -> io::Result<()> {
    w.start("school", &[]);
    w.leaf("schooljaar", &s.schooljaar.to_string());
    match &s.id {
        SchoolId::Brin { brincode, dependancecode } => {
            w.field("brincode", brincode, BRINCODE);
            w.opt_field("dependancecode", dependancecode.as_deref(), DEPENDANCECODE);
        }
        SchoolId::Schoolkey(k) => w.field("schoolkey", k, S256),
    }
    // At most 6 fractional digits, cut off: see `DateTime::to_micros`.
    w.leaf("aanmaakdatum", &s.aanmaakdatum.to_micros().to_string());
    w.opt_field("auteur", s.auteur.as_deref(), S128);
    w.field("xsdversie", &s.xsdversie, S32);
    w.opt_field("commentaar", s.commentaar.as_deref(), S128);
    w.end()
}

fn vocab<T: Write>(w: W<'_, T>, name: &'static str, v: &Vocab) {
    vocab_with(w, name, v, None);
}

fn vocab_with<T: Write>(w: W<'_, T>, name: &'static str, v: &Vocab, niveau: Option<&str>) {
    if let Err(m) = S256.check(&v.value) {
        w.problem(Some(name), format!("<{name}> {m}"));
    }
    let mut attrs: Vec<(&str, &str)> = Vec::with_capacity(3);
    if let Some(x) = &v.vocabulaire {
        attrs.push(("vocabulaire", x));
    }
    if let Some(x) = &v.vocabulairelocatie {
        attrs.push(("vocabulairelocatie", x));
    }
    if let Some(n) = niveau {
        attrs.push(("niveau", n));
    }
    w.leaf_with(name, &attrs, &v.value);
}

fn resultaat<T: Write>(w: W<'_, T>, r: &Resultaat, index: usize) -> io::Result<()> {
    w.check_attr("key", &r.key, S256);
    w.start("resultaat", &[("key", &r.key)]);
    w.set_index(index);
    w.leaf("afnamedatum", DateText::new(r.afnamedatum).as_str());
    w.field("toetscode", &r.toetscode, S256);
    if let Some(v) = &r.versie {
        vocab(w, "versie", v);
    }
    w.opt_field("toetsonderdeelcode", r.toetsonderdeelcode.as_deref(), S256);
    match &r.waarde {
        ResultaatWaarde::Score(s) => w.leaf("score", &s.to_string()),
        ResultaatWaarde::Oso(o) => oso(w, o)?,
        ResultaatWaarde::Ander(a) => {
            let owned = w.xsi_type_attrs(&a.xsi_type, NS);
            let attrs: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            match &a.andere_score {
                Some(s) => {
                    w.start("anderresultaat", &attrs);
                    w.leaf("andere_score", s);
                    w.end()?;
                }
                None => w.empty("anderresultaat", &attrs),
            }
        }
    }
    w.opt_field("infourl", r.infourl.as_deref(), S256);
    w.end()
}

fn oso<T: Write>(w: W<'_, T>, o: &OsoResultaat) -> io::Result<()> {
    if o.toetsscore.is_none() && o.referentiescores.is_empty() {
        w.empty("osoresultaat", &[]);
        return Ok(());
    }
    w.start("osoresultaat", &[]);
    if let Some(t) = &o.toetsscore {
        w.start("oso:toetsscore", &[]);
        for (name, v) in [
            ("oso:aantalopgaven", t.aantalopgaven),
            ("oso:aantalgoed", t.aantalgoed),
            ("oso:aantalfout", t.aantalfout),
            ("oso:aantalgelezen", t.aantalgelezen),
        ] {
            if let Some(v) = v {
                w.leaf(name, &v.to_string());
            }
        }
        w.opt("oso:tijd", t.tijd.as_ref().map(Decimal::as_str));
        w.opt("oso:vaardigheidsscore", t.vaardigheidsscore.as_ref().map(Decimal::as_str));
        w.opt_field("oso:codevaardigheidsschaal", t.codevaardigheidsschaal.as_deref(), NON_EMPTY);
        if let Some((laag, hoog)) = &t.betrouwbaarheidsinterval {
            w.start("oso:betrouwbaarheidsinterval", &[]);
            w.leaf("oso:bivlaag", laag.as_str());
            w.leaf("oso:bivhoog", hoog.as_str());
            w.end()?;
        }
        w.end()?;
    }
    for (i, s) in o.referentiescores.iter().enumerate() {
        w.start("oso:referentiescore", &[]);
        w.set_index(i + 1);
        w.field("oso:codereferentiescore", &s.codereferentiescore, NON_EMPTY);
        w.field("oso:codevergelijkingsgroep", &s.codevergelijkingsgroep, NON_EMPTY);
        w.field("oso:waarde", &s.waarde, NON_EMPTY);
        w.opt_field("oso:kwalificatie", s.kwalificatie.as_deref(), NON_EMPTY);
        w.end()?;
    }
    w.end()
}

fn toets<T: Write>(w: W<'_, T>, t: &Toets, index: usize) -> io::Result<()> {
    w.start("toets", &[]);
    w.set_index(index);
    vocab(w, "toetscode", &t.toetscode);
    if let Some(v) = &t.versie {
        vocab(w, "versie", v);
    }
    w.opt_field("toetsnaam", t.toetsnaam.as_deref(), S128);
    if let Some(v) = &t.leerjaar {
        vocab(w, "leerjaar", v);
    }
    if let Some(v) = &t.vakgebied {
        vocab(w, "vakgebied", v);
    }
    if let Some(n) = &t.toetsnormering {
        normering(w, "toetsnormering", n)?;
    }
    if !t.toetshierarchie.is_empty() {
        w.start("toetshierarchie", &[]);
        for i in &t.toetshierarchie {
            vocab_with(w, "ingang", &i.waarde, Some(&i.niveau.to_string()));
        }
        w.end()?;
    }
    if !t.toetsonderdelen.is_empty() {
        w.start("toetsonderdelen", &[]);
        for (i, o) in t.toetsonderdelen.iter().enumerate() {
            w.start("toetsonderdeel", &[]);
            w.set_index(i + 1);
            if o.volgnummer == 0 {
                w.problem(Some("toetsonderdeelvolgnummer"), "toetsonderdeelvolgnummer must be positive");
            }
            w.leaf("toetsonderdeelvolgnummer", &o.volgnummer.to_string());
            vocab(w, "toetsonderdeelcode", &o.code);
            w.opt_field("toetsonderdeelnaam", o.naam.as_deref(), S128);
            if let Some(n) = &o.normering {
                normering(w, "toetsonderdeelnormering", n)?;
            }
            w.end()?;
        }
        w.end()?;
    }
    w.end()
}

fn in_range<T: Write>(w: W<'_, T>, name: &'static str, d: &Decimal, lo: f64, hi: f64) {
    if !(lo..=hi).contains(&d.to_f64()) {
        w.problem(Some(name), format!("<{name}> {d} lies outside {lo:.2} ..= {hi:.2}"));
    }
    w.leaf(name, d.as_str());
}

fn normering<T: Write>(w: W<'_, T>, name: &'static str, n: &Normering) -> io::Result<()> {
    let mut attrs: Vec<(&str, &str)> = Vec::new();
    if let Some(x) = &n.vocabulaire {
        attrs.push(("vocabulaire", x));
    }
    if let Some(x) = &n.vocabulairelocatie {
        attrs.push(("vocabulairelocatie", x));
    }
    w.start(name, &attrs);
    if let Some(v) = &n.toetscategorie {
        vocab(w, "toetscategorie", v);
    }
    if let Some(v) = &n.toetsniveau {
        vocab(w, "toetsniveau", v);
    }
    w.opt("wegingsfactor", n.wegingsfactor.as_ref().map(Decimal::as_str));
    if n.normen.is_empty() {
        w.problem(None, format!("<{name}> needs at least one <norm>"));
    }
    for (i, m) in n.normen.iter().enumerate() {
        w.start("norm", &[]);
        w.set_index(i + 1);
        w.field("term", &m.term, S64);
        w.opt_field("omschrijving", m.omschrijving.as_deref(), S128);
        w.leaf("beginnormwaarde", &m.beginnormwaarde.to_string());
        w.leaf("eindnormwaarde", &m.eindnormwaarde.to_string());
        if let Some(k) = &m.normkleur {
            w.start("normkleur", &[]);
            w.leaf("rood_code", &k.rood.to_string());
            w.leaf("groen_code", &k.groen.to_string());
            w.leaf("blauw_code", &k.blauw.to_string());
            in_range(w, "transparantie", &k.transparantie, 0.0, 1.0);
            w.end()?;
        }
        if let Some(d) = &m.schoolcijfer_vanaf {
            in_range(w, "schoolcijfer_vanaf", d, 1.0, 10.0);
        }
        if let Some(d) = &m.schoolcijfer_totenmet {
            in_range(w, "schoolcijfer_totenmet", d, 1.0, 10.0);
        }
        w.end()?;
    }
    w.end()
}
