//! Reading leerlinggegevens messages. Each record's children are found, and their order
//! checked, by the record's table in `order.rs` (which the writer uses too).

use super::order::{
    BlockChild, BlokChild, GroepChild, LeerkrachtChild, LeerlingChild, NaamChild, SamengesteldeGroepChild, SchoolChild,
    VerzoekChild, VestigingChild,
};
use super::profile;
use super::*;
use crate::message::field::{attr_text, text, unexpected, value, Child, Order};
use crate::message::field::{ANY, BRINCODE, DEPENDANCECODE, INSTELLINGSNUMMER, S10, S128, S200, S256, S32, S6, S64};
use crate::message::field::{ELEVEN_DIGITS, FOUR_DIGITS, NINE_DIGITS, POSTCODE_NL};
use crate::message::values::{parse_date, DateTime, Schooljaar};
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
        let child = ours(&c).then(|| VerzoekChild::of(c.name)).flatten();
        let Some(k) = child.filter(|k| with_groepen || *k != VerzoekChild::Groepen) else {
            unexpected(
                r,
                c,
                root.name,
                "schooljaar, brincode/dependancecode or schoolkey, xsdversie, gegevenssetid, laatstontvangengegevens",
            )?;
            continue;
        };
        ord.child(r, &c, k);
        match k {
            VerzoekChild::Schooljaar => jaar = value(r, c, Schooljaar::parse)?,
            VerzoekChild::Brincode => brin = text(r, c, BRINCODE)?,
            VerzoekChild::Dependancecode => dep = text(r, c, DEPENDANCECODE)?,
            VerzoekChild::Schoolkey => skey = text(r, c, S256)?,
            VerzoekChild::Xsdversie => xsd = text(r, c, S32)?,
            VerzoekChild::Gegevenssetid => set = text(r, c, S64)?,
            VerzoekChild::Laatstontvangengegevens => laatst = value(r, c, DateTime::parse)?,
            VerzoekChild::Groepen => groepen = groepen_selectie(r, c)?,
        }
    }
    ord.require(r, &root, VerzoekChild::Schooljaar.place(), "<schooljaar>");
    ord.require(r, &root, VerzoekChild::Xsdversie.place(), "<xsdversie>");
    if with_groepen {
        ord.require(r, &root, VerzoekChild::Groepen.place(), "<groepen>");
    }
    let school = match (brin, skey) {
        (Some(b), None) => Some(SchoolId::Brin { brincode: b, dependancecode: dep }),
        (None, Some(k)) if dep.is_none() => Some(SchoolId::Schoolkey(k)),
        (None, None) if !ord.seen(VerzoekChild::Brincode.place()) && !ord.seen(VerzoekChild::Schoolkey.place()) => {
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
        let child = ours(&c).then(|| BlockChild::of(c.name)).flatten();
        let Some(k) = child.filter(|k| match k {
            BlockChild::School => true,
            BlockChild::Vestigingen | BlockChild::Groepen => with_structure,
            BlockChild::Leerlingen => shape.leerlingen != Part::Absent,
            BlockChild::Leerkrachten => shape.leerkrachten != Part::Absent,
        }) else {
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
            unexpected(r, c, shape.element, &expected.join(", "))?;
            continue;
        };
        ord.child(r, &c, k);
        match k {
            BlockChild::School => {
                offs.school = c.offset;
                d.school = school(r, c)?;
            }
            BlockChild::Vestigingen => d.vestigingen = list(r, c, "vestiging", &mut offs.vestigingen, vestiging)?,
            BlockChild::Groepen => d.groepen = groepen(r, c, &mut offs.groepen)?,
            BlockChild::Leerlingen => d.leerlingen = list(r, c, "leerling", &mut offs.leerlingen, leerling)?,
            BlockChild::Leerkrachten => {
                d.leerkrachten = list(r, c, "leerkracht", &mut offs.leerkrachten, leerkracht)?;
            }
        }
    }
    ord.require(r, &e, BlockChild::School.place(), "<school>");
    if shape.leerlingen == Part::Required {
        ord.require(r, &e, BlockChild::Leerlingen.place(), "<leerlingen>");
    }
    let rep = &mut |a, msg| report(r, &offs, a, msg);
    if shape.leerlingen != Part::Absent && with_structure {
        // Both sides of the references are here: the full rule set.
        rules::leerlinggegevens::<rules::ForInput>(&d, rep);
    } else if with_structure {
        rules::structuur::<rules::ForInput>(&d.vestigingen, &d.groepen, rep);
    } else {
        rules::leerlingen::<rules::ForInput>(&d.leerlingen, rep);
        rules::leerkrachten::<rules::ForInput>(&d.leerkrachten, rep);
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
        let Some(k) = ours(&c).then(|| SchoolChild::of(c.name)).flatten() else {
            unexpected(r, c, "school", "schooljaar, peildatum, brincode, dependancecode, schoolkey, aanmaakdatum, auteur, xsdversie, commentaar")?;
            continue;
        };
        ord.child(r, &c, k);
        match k {
            SchoolChild::Schooljaar => jaar = value(r, c, Schooljaar::parse)?,
            SchoolChild::Peildatum => s.peildatum = value(r, c, parse_date)?,
            SchoolChild::Brincode => brin = text(r, c, BRINCODE)?,
            SchoolChild::Instellingsnummer => inst = text(r, c, INSTELLINGSNUMMER)?,
            SchoolChild::Dependancecode => dep = text(r, c, DEPENDANCECODE)?,
            SchoolChild::Schoolkey => skey = text(r, c, S256)?,
            SchoolChild::Aanmaakdatum => s.aanmaakdatum = value(r, c, DateTime::parse)?,
            SchoolChild::Auteur => s.auteur = text(r, c, S128)?,
            SchoolChild::Xsdversie => s.xsdversie = text(r, c, S32)?,
            SchoolChild::Commentaar => s.commentaar = text(r, c, ANY)?,
            SchoolChild::Toevoegingen => s.toevoegingen = Some(toevoegingen(r, c)?),
        }
    }
    ord.require(r, &e, SchoolChild::Schooljaar.place(), "<schooljaar>");
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
            match ours(&c).then(|| BlokChild::of(c.name)).flatten() {
                Some(k @ BlokChild::Code) => {
                    ord.child(r, &c, k);
                    b.code = text(r, c, S64)?.unwrap_or_default();
                }
                Some(k @ BlokChild::Omschrijving) => {
                    ord.child(r, &c, k);
                    b.omschrijving = text(r, c, ANY)?;
                }
                // Extension content of a bilaterally agreed type: not ours to judge.
                None => r.skip(c)?,
            }
        }
        ord.require(r, &blok, BlokChild::Code.place(), "<code>");
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
        let Some(k) = ours(&c).then(|| VestigingChild::of(c.name)).flatten() else {
            unexpected(r, c, "vestiging", "naam, omschrijving, mutatiedatum")?;
            continue;
        };
        ord.child(r, &c, k);
        match k {
            VestigingChild::Naam => v.naam = text(r, c, S64)?.unwrap_or_default(),
            VestigingChild::Omschrijving => v.omschrijving = text(r, c, S256)?,
            VestigingChild::Mutatiedatum => v.mutatiedatum = value(r, c, DateTime::parse)?,
        }
    }
    ord.require(r, &e, VestigingChild::Naam.place(), "<naam>");
    Ok(v)
}

fn groep<'i>(r: &mut XmlReader<'i>, e: Elem<'i>) -> R<Groep> {
    let [key] = r.attrs(&e, ["key"])?;
    let key = required_key(r, &e, key);
    let (mut naam, mut jaargroep, mut omschrijving, mut toev, mut mutatie) = (None, None, None, None, None);
    let mut ord = Order::new();
    while let Some(c) = r.child(&e)? {
        let Some(k) = ours(&c).then(|| GroepChild::of(c.name)).flatten() else {
            unexpected(r, c, "groep", "naam, jaargroep, omschrijving, toevoegingen, mutatiedatum")?;
            continue;
        };
        ord.child(r, &c, k);
        match k {
            GroepChild::Naam => naam = text(r, c, S64)?,
            GroepChild::Jaargroep => jaargroep = value(r, c, Jaargroep::parse)?,
            GroepChild::Omschrijving => omschrijving = text(r, c, S256)?,
            GroepChild::Toevoegingen => toev = Some(toevoegingen(r, c)?),
            GroepChild::Mutatiedatum => mutatie = value(r, c, DateTime::parse)?,
        }
    }
    ord.require(r, &e, GroepChild::Naam.place(), "<naam>");
    ord.require(r, &e, GroepChild::Jaargroep.place(), "<jaargroep>");
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
        let Some(k) = ours(&c).then(|| SamengesteldeGroepChild::of(c.name)).flatten() else {
            unexpected(r, c, "samengestelde_groep", "naam, omschrijving, toevoegingen, mutatiedatum")?;
            continue;
        };
        ord.child(r, &c, k);
        match k {
            SamengesteldeGroepChild::Naam => g.naam = text(r, c, S64)?.unwrap_or_default(),
            SamengesteldeGroepChild::Omschrijving => g.omschrijving = text(r, c, S256)?,
            SamengesteldeGroepChild::Toevoegingen => g.toevoegingen = Some(toevoegingen(r, c)?),
            SamengesteldeGroepChild::Mutatiedatum => g.mutatiedatum = value(r, c, DateTime::parse)?,
        }
    }
    ord.require(r, &e, SamengesteldeGroepChild::Naam.place(), "<naam>");
    Ok(g)
}

/// The name parts, which open both leerling and leerkracht. Gives `c` back if it is not one.
fn naam_part<'i>(r: &mut XmlReader<'i>, ord: &mut Order, n: &mut Naam, c: Elem<'i>) -> R<Option<Elem<'i>>> {
    let Some(k) = ours(&c).then(|| NaamChild::of(c.name)).flatten() else {
        return Ok(Some(c));
    };
    ord.child(r, &c, k);
    match k {
        NaamChild::Achternaam => n.achternaam = text(r, c, S200)?,
        NaamChild::Voorvoegsel => n.voorvoegsel = text(r, c, S10)?,
        NaamChild::Voornamen => n.voornamen = text(r, c, S200)?,
        NaamChild::Voorletters => n.voorletters = text(r, c, S6)?,
        NaamChild::Roepnaam => n.roepnaam = text(r, c, S64)?,
    }
    Ok(None)
}

/// The name choice: a surname with its optional parts, or a roepnaam alone.
fn check_naam<'i>(r: &mut XmlReader<'i>, e: &Elem<'i>, ord: &Order) {
    use NaamChild::*;
    if !ord.seen(Achternaam.place()) {
        if ord.seen(Voorvoegsel.place()) || ord.seen(Voornamen.place()) || ord.seen(Voorletters.place()) {
            r.error_after(e, format!("<{}>: voorvoegsel, voornamen and voorletters-1 need an <achternaam>", e.name));
        } else if !ord.seen(Roepnaam.place()) {
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
        let Some(k) = ours(&c).then(|| LeerlingChild::of(c.name)).flatten() else {
            unexpected(r, c, "leerling", "the elements of LeerlingType")?;
            continue;
        };
        ord.child(r, &c, k);
        use LeerlingChild as L;
        match k {
            L::Geboortedatum => l.geboortedatum = value(r, c, parse_date)?,
            L::Geslacht => l.geslacht = value(r, c, Geslacht::parse)?,
            L::StartOndwJgr3 => l.start_ondw_jgr3 = value(r, c, parse_date)?,
            L::Jaargroep => l.jaargroep = value(r, c, Jaargroep::parse)?,
            L::Groep => l.groep = key_ref(r, c)?,
            L::SamengesteldeGroepen => {
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
            L::Vestiging => l.vestiging = key_ref(r, c)?,
            L::Gebruikersnaam => l.gebruikersnaam = text(r, c, S64)?,
            L::Emailadres => l.emailadres = text(r, c, S256)?,
            L::Fotourl => l.fotourl = text(r, c, S256)?,
            L::Etniciteit => l.etniciteit = value(r, c, Etniciteit::parse)?,
            L::Land => l.land = value(r, c, Land::parse)?,
            L::LandVader => l.land_vader = value(r, c, Land::parse)?,
            L::LandMoeder => l.land_moeder = value(r, c, Land::parse)?,
            L::Sofinummer => l.persoonsnummer = text(r, c, NINE_DIGITS)?.map(Persoonsnummer::Sofinummer),
            L::Bsn => l.persoonsnummer = text(r, c, NINE_DIGITS)?.map(Persoonsnummer::Bsn),
            L::Onderwijsnummer => l.persoonsnummer = text(r, c, NINE_DIGITS)?.map(Persoonsnummer::Onderwijsnummer),
            L::BsnOndwnr4 => l.persoonsnummer = text(r, c, FOUR_DIGITS)?.map(Persoonsnummer::BsnOndwnr4),
            L::Rijksregisternummer => {
                l.persoonsnummer = text(r, c, ELEVEN_DIGITS)?.map(Persoonsnummer::Rijksregisternummer);
            }
            L::GewichtNieuw => l.gewicht_nieuw = value(r, c, GewichtNieuw::parse)?,
            L::Gewicht => l.gewicht = value(r, c, Gewicht::parse)?,
            L::Postcodenl => l.postcode = text(r, c, POSTCODE_NL)?.map(Postcode::Nl),
            L::Postnummerbe => l.postcode = text(r, c, FOUR_DIGITS)?.map(Postcode::Be),
            L::Postcodeoverig => l.postcode = text(r, c, S32)?.map(Postcode::Overig),
            L::Instroomdatum => l.instroomdatum = value(r, c, parse_date)?,
            L::Uitstroomdatum => l.uitstroomdatum = value(r, c, parse_date)?,
            L::Toevoegingen => l.toevoegingen = Some(toevoegingen(r, c)?),
            L::Mutatiedatum => l.mutatiedatum = value(r, c, DateTime::parse)?,
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
        let Some(k) = ours(&c).then(|| LeerkrachtChild::of(c.name)).flatten() else {
            unexpected(r, c, "leerkracht", "the elements of LeerkrachtType")?;
            continue;
        };
        ord.child(r, &c, k);
        use LeerkrachtChild as K;
        match k {
            K::Gebruikersnaam => l.gebruikersnaam = text(r, c, S64)?,
            K::Emailadres => l.emailadres = text(r, c, S256)?,
            K::Rol | K::Rolomschrijving => {
                if let Some(x) = rol_item(r, c)? {
                    l.rollen.push(x);
                }
            }
            K::Groepen => {
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
            K::Toevoegingen => l.toevoegingen = Some(toevoegingen(r, c)?),
            K::Mutatiedatum => l.mutatiedatum = value(r, c, DateTime::parse)?,
        }
    }
    check_naam(r, &e, &ord);
    Ok(l)
}
