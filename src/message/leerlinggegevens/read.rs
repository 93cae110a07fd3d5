//! Reading leerlinggegevens messages. Slots in `Order::at` follow the schema's sequence.

use super::*;
use crate::message::field::{attr_text, text, unexpected, value, Order, Text};
use crate::message::field::{ANY, BRINCODE, DEPENDANCECODE, INSTELLINGSNUMMER, S10, S128, S200, S256, S32, S6, S64};
use crate::message::field::{ELEVEN_DIGITS, FOUR_DIGITS, NINE_DIGITS, POSTCODE_NL};
use crate::message::values::{parse_date, DateTime, Schooljaar};
use crate::profile;
use crate::xml::reader::{Elem, XmlReader, R};
use crate::xml::Ns;

fn ours(e: &Elem<'_>) -> bool {
    e.ns == Ns::Leerlinggegevens
}

/// `leerlinggegevens_verzoek` / `structuur_verzoek`.
pub(crate) fn verzoek<'i>(r: &mut XmlReader<'i>, root: Elem<'i>) -> R<Verzoek> {
    let (v, _) = verzoek_with_groepen(r, root, false)?;
    Ok(v)
}

/// `leerlingen_verzoek` / `leerkrachten_verzoek`.
pub(crate) fn groepen_verzoek<'i>(r: &mut XmlReader<'i>, root: Elem<'i>) -> R<GroepenVerzoek> {
    let (verzoek, groepen) = verzoek_with_groepen(r, root, true)?;
    Ok(GroepenVerzoek { verzoek, groepen })
}

fn verzoek_with_groepen<'i>(
    r: &mut XmlReader<'i>,
    root: Elem<'i>,
    with_groepen: bool,
) -> R<(Verzoek, Vec<GroepSelectie>)> {
    r.attrs(&root, [])?;
    let mut ord = Order::new();
    let (mut jaar, mut brin, mut dep, mut skey, mut xsd, mut set, mut laatst) =
        (None, None, None, None, None, None, None);
    let mut groepen = Vec::new();
    while let Some(c) = r.child(&root)? {
        match (ours(&c), c.name) {
            (true, "schooljaar") => {
                ord.at(r, &c, "schooljaar", 0, false);
                jaar = value(r, c, Schooljaar::parse)?;
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
                ord.at(r, &c, "schoolkey", 2, false);
                skey = text(r, c, S256)?;
            }
            (true, "xsdversie") => {
                ord.at(r, &c, "xsdversie", 3, false);
                xsd = text(r, c, S32)?;
            }
            (true, "gegevenssetid") => {
                ord.at(r, &c, "gegevenssetid", 4, false);
                set = text(r, c, S64)?;
            }
            (true, "laatstontvangengegevens") => {
                ord.at(r, &c, "laatstontvangengegevens", 5, false);
                laatst = value(r, c, DateTime::parse)?;
            }
            (true, "groepen") if with_groepen => {
                ord.at(r, &c, "groepen", 6, false);
                groepen = groepen_selectie(r, c)?;
            }
            _ => unexpected(
                r,
                c,
                root.name,
                "schooljaar, brincode/dependancecode or schoolkey, xsdversie, gegevenssetid, laatstontvangengegevens",
            )?,
        }
    }
    ord.require(r, &root, 0, "<schooljaar>");
    ord.require(r, &root, 3, "<xsdversie>");
    if with_groepen {
        ord.require(r, &root, 6, "<groepen>");
    }
    let school = match (brin, skey) {
        (Some(b), None) => Some(SchoolId::Brin { brincode: b, dependancecode: dep }),
        (None, Some(k)) if dep.is_none() => Some(SchoolId::Schoolkey(k)),
        (None, None) if !ord.seen(1) && !ord.seen(2) => {
            r.error_after(
                &root,
                format!(
                    "<{}> names no school: give <brincode> (with optional <dependancecode>) or <schoolkey>",
                    root.name
                ),
            );
            None
        }
        (Some(_), Some(_)) | (None, Some(_)) => {
            r.error_after(
                &root,
                format!("<{}>: <brincode>/<dependancecode> and <schoolkey> exclude each other", root.name),
            );
            None
        }
        _ => None,
    };
    let v = Verzoek {
        schooljaar: jaar.unwrap_or(Schooljaar::new(2024).expect("valid")),
        school: school.unwrap_or(SchoolId::Schoolkey(String::new())),
        xsdversie: xsd.unwrap_or_default(),
        gegevenssetid: set,
        laatstontvangengegevens: laatst,
    };
    Ok((v, groepen))
}

fn groepen_selectie<'i>(r: &mut XmlReader<'i>, e: Elem<'i>) -> R<Vec<GroepSelectie>> {
    let mut out = Vec::new();
    while let Some(c) = r.child(&e)? {
        let soort = match (ours(&c), c.name) {
            (true, "groep") => GroepSoort::Groep,
            (true, "samengestelde_groep") => GroepSoort::SamengesteldeGroep,
            _ => {
                unexpected(r, c, "groepen", "<groep> or <samengestelde_groep>")?;
                continue;
            }
        };
        r.set_index(out.len() + 1);
        let [key] = r.attrs(&c, ["key"])?;
        let key = attr_text(r, &c, "key", key, S256);
        r.skip(c)?;
        out.push(GroepSelectie { soort, key });
    }
    if out.is_empty() {
        r.error_after(&e, "<groepen> needs at least one <groep> or <samengestelde_groep>");
    }
    Ok(out)
}

/// An answer: the wrapper `inner` with its data, or `geenwijzigingen` / `geengegevens`.
pub(crate) fn antwoord<'i, T>(
    r: &mut XmlReader<'i>,
    root: Elem<'i>,
    inner: &'static str,
    read_inner: fn(&mut XmlReader<'i>, Elem<'i>) -> R<T>,
) -> R<Antwoord<T>> {
    r.attrs(&root, [])?;
    let mut out: Option<Antwoord<T>> = None;
    while let Some(c) = r.child(&root)? {
        if out.is_some() {
            r.error(c.offset, None, format!("<{}> holds exactly one answer; <{}> is one too many", root.name, c.name));
            r.skip(c)?;
            continue;
        }
        out = Some(match (ours(&c), c.name) {
            (true, n) if n == inner => Antwoord::Gegevens(read_inner(r, c)?),
            (true, "geenwijzigingen") => {
                empty(r, c)?;
                Antwoord::GeenWijzigingen
            }
            (true, "geengegevens") => {
                empty(r, c)?;
                Antwoord::GeenGegevens
            }
            _ => {
                unexpected(r, c, root.name, &format!("<{inner}>, <geenwijzigingen> or <geengegevens>"))?;
                continue;
            }
        });
    }
    match out {
        Some(a) => Ok(a),
        None => {
            r.error_after(
                &root,
                format!("<{}> is empty: expected <{inner}>, <geenwijzigingen> or <geengegevens>", root.name),
            );
            Ok(Antwoord::GeenGegevens)
        }
    }
}

/// An element of type ctpLeeg: no attributes, no content.
pub(crate) fn empty<'i>(r: &mut XmlReader<'i>, e: Elem<'i>) -> R<()> {
    r.attrs(&e, [])?;
    no_content(r, e)
}

/// Reports and passes over any child of an element that must have none.
fn no_content<'i>(r: &mut XmlReader<'i>, e: Elem<'i>) -> R<()> {
    while let Some(c) = r.child(&e)? {
        let name = c.name;
        r.error(c.offset, None, format!("<{name}> is not allowed here: the element must be empty"));
        r.skip(c)?;
    }
    Ok(())
}

/// Byte offsets of the records of a message, so that rules checked after reading can point
/// at the record they are about.
#[derive(Default)]
pub(crate) struct Offsets {
    pub base_path: String,
    pub school: u64,
    pub vestigingen: Vec<u64>,
    pub groepen: Vec<u64>,
    pub leerlingen: Vec<u64>,
    pub leerkrachten: Vec<u64>,
}

/// Which parts a data element may hold: the alles-in-een answer has them all, each getrapt
/// answer a subset, always in the same relative order.
struct Shape {
    element: &'static str,
    vestigingen_and_groepen: bool,
    leerlingen: Part,
    leerkrachten: Part,
}

#[derive(PartialEq, Eq)]
enum Part {
    Absent,
    Optional,
    Required,
}

const ALLES_IN_EEN: Shape = Shape {
    element: "leerlinggegevens",
    vestigingen_and_groepen: true,
    leerlingen: Part::Required,
    leerkrachten: Part::Optional,
};
const STRUCTUUR: Shape = Shape {
    element: "leerlinggegevens-structuur",
    vestigingen_and_groepen: true,
    leerlingen: Part::Absent,
    leerkrachten: Part::Absent,
};
const LEERLINGEN: Shape = Shape {
    element: "leerlinggegevens-leerlingen",
    vestigingen_and_groepen: false,
    leerlingen: Part::Required,
    leerkrachten: Part::Absent,
};
const LEERKRACHTEN: Shape = Shape {
    element: "leerlinggegevens-leerkrachten",
    vestigingen_and_groepen: false,
    leerlingen: Part::Absent,
    leerkrachten: Part::Optional,
};

pub(crate) fn leerlinggegevens<'i>(r: &mut XmlReader<'i>, e: Elem<'i>) -> R<Leerlinggegevens> {
    block(r, e, &ALLES_IN_EEN)
}

pub(crate) fn structuur<'i>(r: &mut XmlReader<'i>, e: Elem<'i>) -> R<Structuur> {
    let d = block(r, e, &STRUCTUUR)?;
    Ok(Structuur { school: d.school, vestigingen: d.vestigingen, groepen: d.groepen })
}

pub(crate) fn leerlingen_wrapper<'i>(r: &mut XmlReader<'i>, e: Elem<'i>) -> R<Leerlingen> {
    let d = block(r, e, &LEERLINGEN)?;
    Ok(Leerlingen { school: d.school, leerlingen: d.leerlingen })
}

pub(crate) fn leerkrachten_wrapper<'i>(r: &mut XmlReader<'i>, e: Elem<'i>) -> R<Leerkrachten> {
    let d = block(r, e, &LEERKRACHTEN)?;
    Ok(Leerkrachten { school: d.school, leerkrachten: d.leerkrachten })
}

/// Reads a data element of the given shape, then checks the identity rules (and the
/// profile, if asked) over what it holds.
fn block<'i>(r: &mut XmlReader<'i>, e: Elem<'i>, shape: &Shape) -> R<Leerlinggegevens> {
    let mut d = Leerlinggegevens::default();
    let mut offs = Offsets { base_path: r.path(), ..Default::default() };
    r.attrs(&e, [])?;
    let mut ord = Order::new();
    let with_structure = shape.vestigingen_and_groepen;
    while let Some(c) = r.child(&e)? {
        match (ours(&c), c.name) {
            (true, "school") => {
                ord.at(r, &c, "school", 0, false);
                offs.school = c.offset;
                d.school = school(r, c)?;
            }
            (true, "vestigingen") if with_structure => {
                ord.at(r, &c, "vestigingen", 1, false);
                d.vestigingen = list(r, c, "vestiging", &mut offs.vestigingen, vestiging)?;
            }
            (true, "groepen") if with_structure => {
                ord.at(r, &c, "groepen", 2, false);
                d.groepen = groepen(r, c, &mut offs.groepen)?;
            }
            (true, "leerlingen") if shape.leerlingen != Part::Absent => {
                ord.at(r, &c, "leerlingen", 3, false);
                d.leerlingen = list(r, c, "leerling", &mut offs.leerlingen, leerling)?;
            }
            (true, "leerkrachten") if shape.leerkrachten != Part::Absent => {
                ord.at(r, &c, "leerkrachten", 4, false);
                d.leerkrachten = list(r, c, "leerkracht", &mut offs.leerkrachten, leerkracht)?;
            }
            _ => {
                let mut expected = vec!["school"];
                if with_structure {
                    expected.extend(["vestigingen", "groepen"]);
                }
                if shape.leerlingen != Part::Absent {
                    expected.push("leerlingen");
                }
                if shape.leerkrachten != Part::Absent {
                    expected.push("leerkrachten");
                }
                unexpected(r, c, shape.element, &expected.join(", "))?
            }
        }
    }
    ord.require(r, &e, 0, "<school>");
    if shape.leerlingen == Part::Required {
        ord.require(r, &e, 3, "<leerlingen>");
    }
    let rep = &mut |a, msg| report(r, &offs, a, msg);
    if shape.leerlingen != Part::Absent && with_structure {
        // Both sides of the references are here: the full rule set.
        rules::leerlinggegevens(&d, rep);
    } else if with_structure {
        rules::structuur(&d.vestigingen, &d.groepen, rep);
    } else {
        rules::leerlingen(&d.leerlingen, rep);
        rules::leerkrachten(&d.leerkrachten, rep);
    }
    if let Some(p) = r.opts.profile {
        let rep = &mut |a, msg| report(r, &offs, a, msg);
        profile::school(p, &d.school, rep);
        if with_structure {
            profile::vestigingen(p, d.vestigingen.len(), rep);
            profile::groepen(p, &d.groepen, rep);
        }
        profile::leerlingen(p, &d.leerlingen, rep);
        profile::leerkrachten(p, &d.leerkrachten, rep);
    }
    Ok(d)
}

fn report(r: &mut XmlReader<'_>, offs: &Offsets, a: rules::Anchor, msg: String) {
    use rules::Anchor::*;
    let offset = match a {
        School => Some(offs.school),
        Vestiging(i) => offs.vestigingen.get(i).copied(),
        Groep(i) => offs.groepen.get(i).copied(),
        Leerling(i) => offs.leerlingen.get(i).copied(),
        Leerkracht(i) => offs.leerkrachten.get(i).copied(),
    }
    .unwrap_or(0);
    r.error_with_path(offset, format!("{}/{}", offs.base_path, a.path()), msg);
}

/// A list wrapper (`leerlingen`, `vestigingen`...) of one repeated record element.
fn list<'i, T>(
    r: &mut XmlReader<'i>,
    e: Elem<'i>,
    item: &'static str,
    offsets: &mut Vec<u64>,
    read: fn(&mut XmlReader<'i>, Elem<'i>) -> R<T>,
) -> R<Vec<T>> {
    r.attrs(&e, [])?;
    let mut out = Vec::new();
    while let Some(c) = r.child(&e)? {
        if ours(&c) && c.name == item {
            r.set_index(out.len() + 1);
            offsets.push(c.offset);
            out.push(read(r, c)?);
        } else {
            let parent = e.name;
            unexpected(r, c, parent, &format!("<{item}>"))?;
        }
    }
    if out.is_empty() {
        r.error_after(&e, format!("<{}> needs at least one <{item}>", e.name));
    }
    Ok(out)
}

fn groepen<'i>(r: &mut XmlReader<'i>, e: Elem<'i>, offsets: &mut Vec<u64>) -> R<Vec<GroepItem>> {
    r.attrs(&e, [])?;
    let mut out = Vec::new();
    while let Some(c) = r.child(&e)? {
        match (ours(&c), c.name) {
            (true, "groep") => {
                r.set_index(out.len() + 1);
                offsets.push(c.offset);
                out.push(GroepItem::Groep(groep(r, c)?));
            }
            (true, "samengestelde_groep") => {
                r.set_index(out.len() + 1);
                offsets.push(c.offset);
                out.push(GroepItem::SamengesteldeGroep(samengestelde_groep(r, c)?));
            }
            _ => unexpected(r, c, "groepen", "<groep> or <samengestelde_groep>")?,
        }
    }
    if out.is_empty() {
        r.error_after(&e, "<groepen> needs at least one <groep> or <samengestelde_groep>");
    }
    Ok(out)
}

fn required_key(r: &mut XmlReader<'_>, e: &Elem<'_>, v: Option<String>) -> String {
    match v {
        Some(k) => attr_text(r, e, "key", Some(k), S256).unwrap_or_default(),
        None => {
            r.error(e.offset, None, format!("<{}> lacks the required attribute key", e.name));
            String::new()
        }
    }
}

pub(crate) fn school<'i>(r: &mut XmlReader<'i>, e: Elem<'i>) -> R<School> {
    r.attrs(&e, [])?;
    let mut s = School::default();
    let mut ord = Order::new();
    let (mut jaar, mut brin, mut dep, mut inst, mut skey) = (None, None, None, None, None);
    while let Some(c) = r.child(&e)? {
        match (ours(&c), c.name) {
            (true, "schooljaar") => {
                ord.at(r, &c, "schooljaar", 0, false);
                jaar = value(r, c, Schooljaar::parse)?;
            }
            (true, "peildatum") => {
                ord.at(r, &c, "peildatum", 1, false);
                s.peildatum = value(r, c, parse_date)?;
            }
            (true, "brincode") => {
                ord.at(r, &c, "brincode", 2, false);
                brin = text(r, c, BRINCODE)?;
            }
            (true, "instellingsnummer") => {
                ord.at(r, &c, "instellingsnummer", 2, false);
                inst = text(r, c, INSTELLINGSNUMMER)?;
            }
            (true, "dependancecode") => {
                ord.at(r, &c, "dependancecode", 3, false);
                dep = text(r, c, DEPENDANCECODE)?;
            }
            (true, "schoolkey") => {
                ord.at(r, &c, "schoolkey", 4, false);
                skey = text(r, c, S256)?;
            }
            (true, "aanmaakdatum") => {
                ord.at(r, &c, "aanmaakdatum", 5, false);
                s.aanmaakdatum = value(r, c, DateTime::parse)?;
            }
            (true, "auteur") => {
                ord.at(r, &c, "auteur", 6, false);
                s.auteur = text(r, c, S128)?;
            }
            (true, "xsdversie") => {
                ord.at(r, &c, "xsdversie", 7, false);
                s.xsdversie = text(r, c, S32)?;
            }
            (true, "commentaar") => {
                ord.at(r, &c, "commentaar", 8, false);
                s.commentaar = text(r, c, ANY)?;
            }
            (true, "toevoegingen") => {
                ord.at(r, &c, "toevoegingen", 9, false);
                s.toevoegingen = Some(toevoegingen(r, c)?);
            }
            _ => unexpected(r, c, "school", "schooljaar, peildatum, brincode, dependancecode, schoolkey, aanmaakdatum, auteur, xsdversie, commentaar")?,
        }
    }
    ord.require(r, &e, 0, "<schooljaar>");
    if let Some(j) = jaar {
        s.schooljaar = j;
    }
    s.id = match (brin, inst) {
        (Some(brincode), None) => SchoolIdentificatie::Brin { brincode, dependancecode: dep, schoolkey: skey },
        (None, Some(instellingsnummer)) => {
            if dep.is_some() {
                r.error_after(&e, "<dependancecode> goes with <brincode>, not with <instellingsnummer>");
            }
            SchoolIdentificatie::Instelling { instellingsnummer, schoolkey: skey }
        }
        (None, None) => {
            if dep.is_some() {
                r.error_after(&e, "<dependancecode> needs a <brincode>");
            }
            SchoolIdentificatie::Schoolkey(skey)
        }
        (Some(_), Some(_)) => SchoolIdentificatie::Schoolkey(skey), // reported by Order as a choice conflict
    };
    Ok(s)
}

fn toevoegingen<'i>(r: &mut XmlReader<'i>, e: Elem<'i>) -> R<Toevoegingen> {
    r.attrs(&e, [])?;
    let mut t = Toevoegingen::default();
    while let Some(c) = r.child(&e)? {
        if !(ours(&c) && c.name == "blok") {
            unexpected(r, c, "toevoegingen", "<blok>")?;
            continue;
        }
        r.set_index(t.blokken.len() + 1);
        let xsi_type = r.xsi_type(&c);
        r.attrs(&c, [])?;
        let mut b = Blok { xsi_type, ..Default::default() };
        let mut ord = Order::new();
        let blok = c;
        while let Some(c) = r.child(&blok)? {
            match (ours(&c), c.name) {
                (true, "code") => {
                    ord.at(r, &c, "code", 0, false);
                    b.code = text(r, c, S64)?.unwrap_or_default();
                }
                (true, "omschrijving") => {
                    ord.at(r, &c, "omschrijving", 1, false);
                    b.omschrijving = text(r, c, ANY)?;
                }
                // Extension content of a bilaterally agreed type: not ours to judge.
                _ => r.skip(c)?,
            }
        }
        ord.require(r, &blok, 0, "<code>");
        t.blokken.push(b);
    }
    if t.blokken.is_empty() {
        r.error_after(&e, "<toevoegingen> needs at least one <blok>");
    }
    Ok(t)
}

fn vestiging<'i>(r: &mut XmlReader<'i>, e: Elem<'i>) -> R<Vestiging> {
    let [key] = r.attrs(&e, ["key"])?;
    let mut v = Vestiging { key: required_key(r, &e, key), ..Default::default() };
    let mut ord = Order::new();
    while let Some(c) = r.child(&e)? {
        match (ours(&c), c.name) {
            (true, "naam") => {
                ord.at(r, &c, "naam", 0, false);
                v.naam = text(r, c, S64)?.unwrap_or_default();
            }
            (true, "omschrijving") => {
                ord.at(r, &c, "omschrijving", 1, false);
                v.omschrijving = text(r, c, S256)?;
            }
            (true, "mutatiedatum") => {
                ord.at(r, &c, "mutatiedatum", 2, false);
                v.mutatiedatum = value(r, c, DateTime::parse)?;
            }
            _ => unexpected(r, c, "vestiging", "naam, omschrijving, mutatiedatum")?,
        }
    }
    ord.require(r, &e, 0, "<naam>");
    Ok(v)
}

fn groep<'i>(r: &mut XmlReader<'i>, e: Elem<'i>) -> R<Groep> {
    let [key] = r.attrs(&e, ["key"])?;
    let key = required_key(r, &e, key);
    let (mut naam, mut jaargroep, mut omschrijving, mut toev, mut mutatie) = (None, None, None, None, None);
    let mut ord = Order::new();
    while let Some(c) = r.child(&e)? {
        match (ours(&c), c.name) {
            (true, "naam") => {
                ord.at(r, &c, "naam", 0, false);
                naam = text(r, c, S64)?;
            }
            (true, "jaargroep") => {
                ord.at(r, &c, "jaargroep", 1, false);
                jaargroep = value(r, c, Jaargroep::parse)?;
            }
            (true, "omschrijving") => {
                ord.at(r, &c, "omschrijving", 2, false);
                omschrijving = text(r, c, S256)?;
            }
            (true, "toevoegingen") => {
                ord.at(r, &c, "toevoegingen", 3, false);
                toev = Some(toevoegingen(r, c)?);
            }
            (true, "mutatiedatum") => {
                ord.at(r, &c, "mutatiedatum", 4, false);
                mutatie = value(r, c, DateTime::parse)?;
            }
            _ => unexpected(r, c, "groep", "naam, jaargroep, omschrijving, toevoegingen, mutatiedatum")?,
        }
    }
    ord.require(r, &e, 0, "<naam>");
    ord.require(r, &e, 1, "<jaargroep>");
    Ok(Groep {
        key,
        naam: naam.unwrap_or_default(),
        jaargroep: jaargroep.unwrap_or(Jaargroep::Overig),
        omschrijving,
        toevoegingen: toev,
        mutatiedatum: mutatie,
    })
}

fn samengestelde_groep<'i>(r: &mut XmlReader<'i>, e: Elem<'i>) -> R<SamengesteldeGroep> {
    let [key] = r.attrs(&e, ["key"])?;
    let mut g = SamengesteldeGroep { key: required_key(r, &e, key), ..Default::default() };
    let mut ord = Order::new();
    while let Some(c) = r.child(&e)? {
        match (ours(&c), c.name) {
            (true, "naam") => {
                ord.at(r, &c, "naam", 0, false);
                g.naam = text(r, c, S64)?.unwrap_or_default();
            }
            (true, "omschrijving") => {
                ord.at(r, &c, "omschrijving", 1, false);
                g.omschrijving = text(r, c, S256)?;
            }
            (true, "toevoegingen") => {
                ord.at(r, &c, "toevoegingen", 2, false);
                g.toevoegingen = Some(toevoegingen(r, c)?);
            }
            (true, "mutatiedatum") => {
                ord.at(r, &c, "mutatiedatum", 3, false);
                g.mutatiedatum = value(r, c, DateTime::parse)?;
            }
            _ => unexpected(r, c, "samengestelde_groep", "naam, omschrijving, toevoegingen, mutatiedatum")?,
        }
    }
    ord.require(r, &e, 0, "<naam>");
    Ok(g)
}

/// The name parts, slots 0..=4 in both leerling and leerkracht. Returns true if `c` was one.
fn naam_part<'i>(r: &mut XmlReader<'i>, ord: &mut Order, n: &mut Naam, c: Elem<'i>) -> R<Option<Elem<'i>>> {
    let (slot, spec, name): (u8, Text, &'static str) = match c.name {
        "achternaam" => (0, S200, "achternaam"),
        "voorvoegsel" => (1, S10, "voorvoegsel"),
        "voornamen" => (2, S200, "voornamen"),
        "voorletters-1" => (3, S6, "voorletters-1"),
        "roepnaam" => (4, S64, "roepnaam"),
        _ => return Ok(Some(c)),
    };
    if !ours(&c) {
        return Ok(Some(c));
    }
    ord.at(r, &c, name, slot, false);
    let v = text(r, c, spec)?;
    match slot {
        0 => n.achternaam = v,
        1 => n.voorvoegsel = v,
        2 => n.voornamen = v,
        3 => n.voorletters = v,
        _ => n.roepnaam = v,
    }
    Ok(None)
}

/// The name choice: a surname with its optional parts, or a roepnaam alone.
fn check_naam<'i>(r: &mut XmlReader<'i>, e: &Elem<'i>, ord: &Order) {
    if !ord.seen(0) {
        if ord.seen(1) || ord.seen(2) || ord.seen(3) {
            r.error_after(e, format!("<{}>: voorvoegsel, voornamen and voorletters-1 need an <achternaam>", e.name));
        } else if !ord.seen(4) {
            r.error_after(
                e,
                format!("<{}> lacks a name: give <achternaam> (with optional parts) or <roepnaam>", e.name),
            );
        }
    }
}

fn key_ref<'i>(r: &mut XmlReader<'i>, e: Elem<'i>) -> R<Option<String>> {
    let [key] = r.attrs(&e, ["key"])?;
    let key = match key {
        Some(k) => attr_text(r, &e, "key", Some(k), S256),
        None => {
            r.error(e.offset, None, format!("<{}> lacks the required attribute key", e.name));
            None
        }
    };
    no_content(r, e)?;
    Ok(key)
}

pub(crate) fn leerling<'i>(r: &mut XmlReader<'i>, e: Elem<'i>) -> R<Leerling> {
    let [key, eckid] = r.attrs(&e, ["key", "eckid"])?;
    let mut l = Leerling {
        key: key.and_then(|k| attr_text(r, &e, "key", Some(k), S256)),
        eckid: eckid.and_then(|k| attr_text(r, &e, "eckid", Some(k), S256)),
        ..Default::default()
    };
    let mut ord = Order::new();
    while let Some(c) = r.child(&e)? {
        let Some(c) = naam_part(r, &mut ord, &mut l.naam, c)? else {
            continue;
        };
        if !ours(&c) {
            unexpected(r, c, "leerling", "the elements of LeerlingType")?;
            continue;
        }
        match c.name {
            "geboortedatum" => {
                ord.at(r, &c, "geboortedatum", 5, false);
                l.geboortedatum = value(r, c, parse_date)?;
            }
            "geslacht" => {
                ord.at(r, &c, "geslacht", 6, false);
                l.geslacht = value(r, c, Geslacht::parse)?;
            }
            "start_ondw_jgr3" => {
                ord.at(r, &c, "start_ondw_jgr3", 7, false);
                l.start_ondw_jgr3 = value(r, c, parse_date)?;
            }
            "jaargroep" => {
                ord.at(r, &c, "jaargroep", 8, false);
                l.jaargroep = value(r, c, Jaargroep::parse)?;
            }
            "groep" => {
                ord.at(r, &c, "groep", 9, false);
                l.groep = key_ref(r, c)?;
            }
            "samengestelde_groepen" => {
                ord.at(r, &c, "samengestelde_groepen", 10, false);
                let list_e = c;
                r.attrs(&list_e, [])?;
                let mut n = 0;
                while let Some(g) = r.child(&list_e)? {
                    if ours(&g) && g.name == "samengestelde_groep" {
                        n += 1;
                        r.set_index(n);
                        if let Some(k) = key_ref(r, g)? {
                            l.samengestelde_groepen.push(k);
                        }
                    } else {
                        unexpected(r, g, "samengestelde_groepen", "<samengestelde_groep>")?;
                    }
                }
                if n == 0 {
                    r.error_after(&list_e, "<samengestelde_groepen> needs at least one <samengestelde_groep>");
                }
            }
            "vestiging" => {
                ord.at(r, &c, "vestiging", 11, false);
                l.vestiging = key_ref(r, c)?;
            }
            "gebruikersnaam" => {
                ord.at(r, &c, "gebruikersnaam", 12, false);
                l.gebruikersnaam = text(r, c, S64)?;
            }
            "emailadres" => {
                ord.at(r, &c, "emailadres", 13, false);
                l.emailadres = text(r, c, S256)?;
            }
            "fotourl" => {
                ord.at(r, &c, "fotourl", 14, false);
                l.fotourl = text(r, c, S256)?;
            }
            "etniciteit" => {
                ord.at(r, &c, "etniciteit", 15, false);
                l.etniciteit = value(r, c, Etniciteit::parse)?;
            }
            "land" => {
                ord.at(r, &c, "land", 16, false);
                l.land = value(r, c, Land::parse)?;
            }
            "land_vader" => {
                ord.at(r, &c, "land_vader", 17, false);
                l.land_vader = value(r, c, Land::parse)?;
            }
            "land_moeder" => {
                ord.at(r, &c, "land_moeder", 18, false);
                l.land_moeder = value(r, c, Land::parse)?;
            }
            "sofinummer" | "bsn" | "onderwijsnummer" | "bsn_ondwnr-4" | "rijksregisternummer" => {
                let (name, spec, make): (&'static str, Text, fn(String) -> Persoonsnummer) = match c.name {
                    "sofinummer" => ("sofinummer", NINE_DIGITS, Persoonsnummer::Sofinummer),
                    "bsn" => ("bsn", NINE_DIGITS, Persoonsnummer::Bsn),
                    "onderwijsnummer" => ("onderwijsnummer", NINE_DIGITS, Persoonsnummer::Onderwijsnummer),
                    "bsn_ondwnr-4" => ("bsn_ondwnr-4", FOUR_DIGITS, Persoonsnummer::BsnOndwnr4),
                    _ => ("rijksregisternummer", ELEVEN_DIGITS, Persoonsnummer::Rijksregisternummer),
                };
                ord.at(r, &c, name, 19, false);
                l.persoonsnummer = text(r, c, spec)?.map(make);
            }
            "gewicht_nieuw" => {
                ord.at(r, &c, "gewicht_nieuw", 20, false);
                l.gewicht_nieuw = value(r, c, GewichtNieuw::parse)?;
            }
            "gewicht" => {
                ord.at(r, &c, "gewicht", 21, false);
                l.gewicht = value(r, c, Gewicht::parse)?;
            }
            "postcodenl" | "postnummerbe" | "postcodeoverig" => {
                let (name, spec, make): (&'static str, Text, fn(String) -> Postcode) = match c.name {
                    "postcodenl" => ("postcodenl", POSTCODE_NL, Postcode::Nl),
                    "postnummerbe" => ("postnummerbe", FOUR_DIGITS, Postcode::Be),
                    _ => ("postcodeoverig", S32, Postcode::Overig),
                };
                ord.at(r, &c, name, 22, false);
                l.postcode = text(r, c, spec)?.map(make);
            }
            "instroomdatum" => {
                ord.at(r, &c, "instroomdatum", 23, false);
                l.instroomdatum = value(r, c, parse_date)?;
            }
            "uitstroomdatum" => {
                ord.at(r, &c, "uitstroomdatum", 24, false);
                l.uitstroomdatum = value(r, c, parse_date)?;
            }
            "toevoegingen" => {
                ord.at(r, &c, "toevoegingen", 25, false);
                l.toevoegingen = Some(toevoegingen(r, c)?);
            }
            "mutatiedatum" => {
                ord.at(r, &c, "mutatiedatum", 26, false);
                l.mutatiedatum = value(r, c, DateTime::parse)?;
            }
            _ => unexpected(r, c, "leerling", "the elements of LeerlingType")?,
        }
    }
    check_naam(r, &e, &ord);
    Ok(l)
}

fn rol_item<'i>(r: &mut XmlReader<'i>, c: Elem<'i>) -> R<Option<RolItem>> {
    Ok(if c.name == "rol" {
        value(r, c, Rol::parse)?.map(RolItem::Rol)
    } else {
        text(r, c, S64)?.map(RolItem::Omschrijving)
    })
}

pub(crate) fn leerkracht<'i>(r: &mut XmlReader<'i>, e: Elem<'i>) -> R<Leerkracht> {
    let [key, eckid] = r.attrs(&e, ["key", "eckid"])?;
    let mut l = Leerkracht {
        key: required_key(r, &e, key),
        eckid: eckid.and_then(|k| attr_text(r, &e, "eckid", Some(k), S256)),
        ..Default::default()
    };
    let mut ord = Order::new();
    while let Some(c) = r.child(&e)? {
        let Some(c) = naam_part(r, &mut ord, &mut l.naam, c)? else {
            continue;
        };
        if !ours(&c) {
            unexpected(r, c, "leerkracht", "the elements of LeerkrachtType")?;
            continue;
        }
        match c.name {
            "gebruikersnaam" => {
                ord.at(r, &c, "gebruikersnaam", 5, false);
                l.gebruikersnaam = text(r, c, S64)?;
            }
            "emailadres" => {
                ord.at(r, &c, "emailadres", 6, false);
                l.emailadres = text(r, c, S256)?;
            }
            "rol" | "rolomschrijving" => {
                ord.at(r, &c, if c.name == "rol" { "rol" } else { "rolomschrijving" }, 7, true);
                if let Some(x) = rol_item(r, c)? {
                    l.rollen.push(x);
                }
            }
            "groepen" => {
                ord.at(r, &c, "groepen", 8, false);
                let list_e = c;
                r.attrs(&list_e, [])?;
                while let Some(g) = r.child(&list_e)? {
                    let soort = match (ours(&g), g.name) {
                        (true, "groep") => GroepSoort::Groep,
                        (true, "samengestelde_groep") => GroepSoort::SamengesteldeGroep,
                        _ => {
                            unexpected(r, g, "groepen", "<groep> or <samengestelde_groep>")?;
                            continue;
                        }
                    };
                    r.set_index(l.groepen.len() + 1);
                    let [key] = r.attrs(&g, ["key"])?;
                    let key = required_key(r, &g, key);
                    let mut rollen = Vec::new();
                    let ge = g;
                    while let Some(x) = r.child(&ge)? {
                        if ours(&x) && (x.name == "rol" || x.name == "rolomschrijving") {
                            if let Some(ri) = rol_item(r, x)? {
                                rollen.push(ri);
                            }
                        } else {
                            unexpected(r, x, ge.name, "<rol> or <rolomschrijving>")?;
                        }
                    }
                    l.groepen.push(LeerkrachtGroep { soort, key, rollen });
                }
                if l.groepen.is_empty() {
                    r.error_after(&list_e, "<groepen> needs at least one <groep> or <samengestelde_groep>");
                }
            }
            "toevoegingen" => {
                ord.at(r, &c, "toevoegingen", 9, false);
                l.toevoegingen = Some(toevoegingen(r, c)?);
            }
            "mutatiedatum" => {
                ord.at(r, &c, "mutatiedatum", 10, false);
                l.mutatiedatum = value(r, c, DateTime::parse)?;
            }
            _ => unexpected(r, c, "leerkracht", "the elements of LeerkrachtType")?,
        }
    }
    check_naam(r, &e, &ord);
    Ok(l)
}
