//! Writing leerlinggegevens messages, in schema order, checking each value's facets and the
//! identity rules as it goes (problems void the output; see `XmlWriter::problems`).

use super::order::{
    BlockChild, BlokChild, GroepChild, LeerkrachtChild, LeerlingChild, NaamChild, SamengesteldeGroepChild, SchoolChild,
    VerzoekChild, VestigingChild,
};
use super::*;
use crate::message::field::{ANY, BRINCODE, DEPENDANCECODE, INSTELLINGSNUMMER, S10, S128, S200, S256, S32, S6, S64};
use crate::message::field::{ELEVEN_DIGITS, FOUR_DIGITS, NINE_DIGITS, POSTCODE_NL};
use crate::message::values::DateText;
use crate::xml::writer::{Tag, XmlWriter};
use std::io::{self, Write};

type W<'a, T> = &'a mut XmlWriter<T>;

pub(crate) fn verzoek<T: Write>(
    w: W<'_, T>,
    root: &'static str,
    v: &Verzoek,
    groepen: Option<&[GroepSelectie]>,
    xmlns: &[(&str, &str)],
) -> io::Result<()> {
    use VerzoekChild as V;
    w.start(root, xmlns);
    w.leaf(V::Schooljaar, &v.schooljaar.to_string());
    match &v.school {
        SchoolId::Brin { brincode, dependancecode } => {
            w.field(V::Brincode, brincode, BRINCODE);
            w.opt_field(V::Dependancecode, dependancecode.as_deref(), DEPENDANCECODE);
        }
        SchoolId::Schoolkey(k) => w.field(V::Schoolkey, k, S256),
    }
    w.field(V::Xsdversie, &v.xsdversie, S32);
    w.opt_field(V::Gegevenssetid, v.gegevenssetid.as_deref(), S64);
    if let Some(t) = &v.laatstontvangengegevens {
        w.leaf(V::Laatstontvangengegevens, &t.to_string());
    }
    if let Some(groepen) = groepen {
        w.start(V::Groepen, &[]);
        if groepen.is_empty() {
            w.problem(None, "<groepen> needs at least one <groep> or <samengestelde_groep>");
        }
        for g in groepen {
            let name = soort_name(g.soort);
            match &g.key {
                Some(k) => {
                    w.check_attr("key", k, S256);
                    w.empty(name, &[("key", k)]);
                }
                None => w.empty(name, &[]),
            }
        }
        w.end()?;
    }
    w.end()
}

fn soort_name(s: GroepSoort) -> &'static str {
    match s {
        GroepSoort::Groep => "groep",
        GroepSoort::SamengesteldeGroep => "samengestelde_groep",
    }
}

pub(crate) fn antwoord<T: Write, D>(
    w: W<'_, T>,
    root: &'static str,
    a: &Antwoord<D>,
    xmlns: &[(&str, &str)],
    write_inner: fn(W<'_, T>, &D) -> io::Result<()>,
) -> io::Result<()> {
    w.start(root, xmlns);
    match a {
        Antwoord::Gegevens(d) => write_inner(w, d)?,
        Antwoord::GeenWijzigingen => w.empty("geenwijzigingen", &[]),
        Antwoord::GeenGegevens => w.empty("geengegevens", &[]),
    }
    w.end()
}

fn rules_problems<T: Write>(w: W<'_, T>, base: &str, run: impl FnOnce(&mut rules::Report<'_>)) {
    let mut found = Vec::new();
    run(&mut |a: rules::Anchor, m: String| found.push((a, m)));
    for (a, m) in found {
        w.problem(Some(&format!("{base}/{}", a.path())), m);
    }
}

pub(crate) fn leerlinggegevens<T: Write>(w: W<'_, T>, d: &Leerlinggegevens) -> io::Result<()> {
    rules_problems(w, "leerlinggegevens", |rep| rules::leerlinggegevens::<rules::ForModel>(d, rep));
    w.start("leerlinggegevens", &[]);
    school(w, &d.school)?;
    vestigingen(w, &d.vestigingen)?;
    groepen(w, &d.groepen)?;
    list(w, BlockChild::Leerlingen, "leerling", &d.leerlingen, true, leerling)?;
    list(w, BlockChild::Leerkrachten, "leerkracht", &d.leerkrachten, false, leerkracht)?;
    w.end()
}

pub(crate) fn structuur<T: Write>(w: W<'_, T>, d: &Structuur) -> io::Result<()> {
    rules_problems(w, "leerlinggegevens-structuur", |rep| {
        rules::structuur::<rules::ForModel>(&d.vestigingen, &d.groepen, rep);
    });
    w.start("leerlinggegevens-structuur", &[]);
    school(w, &d.school)?;
    vestigingen(w, &d.vestigingen)?;
    groepen(w, &d.groepen)?;
    w.end()
}

pub(crate) fn leerlingen<T: Write>(w: W<'_, T>, d: &Leerlingen) -> io::Result<()> {
    rules_problems(w, "leerlinggegevens-leerlingen", |rep| rules::leerlingen::<rules::ForModel>(&d.leerlingen, rep));
    w.start("leerlinggegevens-leerlingen", &[]);
    school(w, &d.school)?;
    list(w, BlockChild::Leerlingen, "leerling", &d.leerlingen, true, leerling)?;
    w.end()
}

pub(crate) fn leerkrachten<T: Write>(w: W<'_, T>, d: &Leerkrachten) -> io::Result<()> {
    rules_problems(w, "leerlinggegevens-leerkrachten", |rep| {
        rules::leerkrachten::<rules::ForModel>(&d.leerkrachten, rep)
    });
    w.start("leerlinggegevens-leerkrachten", &[]);
    school(w, &d.school)?;
    list(w, BlockChild::Leerkrachten, "leerkracht", &d.leerkrachten, false, leerkracht)?;
    w.end()
}

/// A list wrapper; an empty optional list is left out, an empty required one is a problem.
fn list<T: Write, X>(
    w: W<'_, T>,
    outer: BlockChild,
    item: &'static str,
    xs: &[X],
    required: bool,
    write: fn(W<'_, T>, &X) -> io::Result<()>,
) -> io::Result<()> {
    if xs.is_empty() {
        if required {
            let outer = outer.name();
            w.problem(Some(outer), format!("<{outer}> needs at least one <{item}>"));
            w.empty(outer, &[]);
        }
        return Ok(());
    }
    w.start(outer, &[]);
    for x in xs {
        write(w, x)?;
    }
    w.end()
}

fn school<T: Write>(w: W<'_, T>, s: &School) -> io::Result<()> {
    use SchoolChild as S;
    w.start(BlockChild::School, &[]);
    w.leaf(S::Schooljaar, &s.schooljaar.to_string());
    if let Some(d) = s.peildatum {
        w.leaf(S::Peildatum, DateText::new(d).as_str());
    }
    match &s.id {
        SchoolIdentificatie::Brin { brincode, dependancecode, schoolkey } => {
            w.field(S::Brincode, brincode, BRINCODE);
            w.opt_field(S::Dependancecode, dependancecode.as_deref(), DEPENDANCECODE);
            w.opt_field(S::Schoolkey, schoolkey.as_deref(), S256);
        }
        SchoolIdentificatie::Instelling { instellingsnummer, schoolkey } => {
            w.field(S::Instellingsnummer, instellingsnummer, INSTELLINGSNUMMER);
            w.opt_field(S::Schoolkey, schoolkey.as_deref(), S256);
        }
        SchoolIdentificatie::Schoolkey(k) => w.opt_field(S::Schoolkey, k.as_deref(), S256),
    }
    if let Some(t) = &s.aanmaakdatum {
        // At most 6 fractional digits, cut off: see `DateTime::to_micros`.
        w.leaf(S::Aanmaakdatum, &t.to_micros().to_string());
    }
    w.opt_field(S::Auteur, s.auteur.as_deref(), S128);
    w.opt_field(S::Xsdversie, s.xsdversie.as_deref(), S32);
    w.opt_field(S::Commentaar, s.commentaar.as_deref(), ANY);
    toevoegingen(w, S::Toevoegingen, s.toevoegingen.as_ref())?;
    w.end()
}

/// `tag`: the `toevoegingen` child of the record at hand (its place differs per record).
fn toevoegingen<T: Write>(w: W<'_, T>, tag: impl Tag, t: Option<&Toevoegingen>) -> io::Result<()> {
    let Some(t) = t else { return Ok(()) };
    w.start(tag, &[]);
    if t.blokken.is_empty() {
        w.problem(None, "<toevoegingen> needs at least one <blok>");
    }
    for (i, b) in t.blokken.iter().enumerate() {
        match &b.xsi_type {
            Some(ty) => {
                let owned = w.xsi_type_attrs(ty, NS);
                let attrs: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                w.start("blok", &attrs);
            }
            None => {
                w.start("blok", &[]);
                w.problem(None, "<blok> is of an abstract type and needs an xsi:type");
            }
        }
        w.set_index(i + 1);
        w.field(BlokChild::Code, &b.code, S64);
        w.opt_field(BlokChild::Omschrijving, b.omschrijving.as_deref(), ANY);
        w.end()?;
    }
    w.end()
}

fn vestigingen<T: Write>(w: W<'_, T>, vs: &[Vestiging]) -> io::Result<()> {
    if vs.is_empty() {
        return Ok(());
    }
    w.start(BlockChild::Vestigingen, &[]);
    for (i, v) in vs.iter().enumerate() {
        w.check_attr("key", &v.key, S256);
        w.start("vestiging", &[("key", &v.key)]);
        w.set_index(i + 1);
        w.field(VestigingChild::Naam, &v.naam, S64);
        w.opt_field(VestigingChild::Omschrijving, v.omschrijving.as_deref(), S256);
        if let Some(t) = &v.mutatiedatum {
            w.leaf(VestigingChild::Mutatiedatum, &t.to_string());
        }
        w.end()?;
    }
    w.end()
}

fn groepen<T: Write>(w: W<'_, T>, gs: &[GroepItem]) -> io::Result<()> {
    if gs.is_empty() {
        return Ok(());
    }
    w.start(BlockChild::Groepen, &[]);
    for (i, g) in gs.iter().enumerate() {
        match g {
            GroepItem::Groep(g) => {
                w.check_attr("key", &g.key, S256);
                w.start("groep", &[("key", &g.key)]);
                w.set_index(i + 1);
                w.field(GroepChild::Naam, &g.naam, S64);
                w.leaf(GroepChild::Jaargroep, g.jaargroep.as_str());
                w.opt_field(GroepChild::Omschrijving, g.omschrijving.as_deref(), S256);
                toevoegingen(w, GroepChild::Toevoegingen, g.toevoegingen.as_ref())?;
                if let Some(t) = &g.mutatiedatum {
                    w.leaf(GroepChild::Mutatiedatum, &t.to_string());
                }
            }
            GroepItem::SamengesteldeGroep(g) => {
                w.check_attr("key", &g.key, S256);
                w.start("samengestelde_groep", &[("key", &g.key)]);
                w.set_index(i + 1);
                w.field(SamengesteldeGroepChild::Naam, &g.naam, S64);
                w.opt_field(SamengesteldeGroepChild::Omschrijving, g.omschrijving.as_deref(), S256);
                toevoegingen(w, SamengesteldeGroepChild::Toevoegingen, g.toevoegingen.as_ref())?;
                if let Some(t) = &g.mutatiedatum {
                    w.leaf(SamengesteldeGroepChild::Mutatiedatum, &t.to_string());
                }
            }
        }
        w.end()?;
    }
    w.end()
}

fn naam<T: Write>(w: W<'_, T>, n: &Naam) {
    use NaamChild as N;
    match &n.achternaam {
        Some(a) => {
            w.field(N::Achternaam, a, S200);
            w.opt_field(N::Voorvoegsel, n.voorvoegsel.as_deref(), S10);
            w.opt_field(N::Voornamen, n.voornamen.as_deref(), S200);
            w.opt_field(N::Voorletters, n.voorletters.as_deref(), S6);
            w.opt_field(N::Roepnaam, n.roepnaam.as_deref(), S64);
        }
        None => {
            if n.voorvoegsel.is_some() || n.voornamen.is_some() || n.voorletters.is_some() {
                w.problem(None, "voorvoegsel, voornamen and voorletters-1 need an achternaam");
            }
            match &n.roepnaam {
                Some(r) => w.field(N::Roepnaam, r, S64),
                None => w.problem(None, "a name needs an achternaam or a roepnaam"),
            }
        }
    }
}

fn key_ref<T: Write>(w: W<'_, T>, name: impl Tag, key: &str) {
    w.empty_checked(name, &[("key", key)], S256);
}

fn date<T: Write>(w: W<'_, T>, name: impl Tag, d: Option<chrono::NaiveDate>) {
    if let Some(d) = d {
        w.leaf_plain(name, DateText::new(d).as_str());
    }
}

fn leerling<T: Write>(w: W<'_, T>, l: &Leerling) -> io::Result<()> {
    let mut attrs: [(&str, &str); 2] = [("", ""); 2];
    let mut n = 0;
    if let Some(k) = &l.key {
        attrs[n] = ("key", k);
        n += 1;
    }
    if let Some(k) = &l.eckid {
        attrs[n] = ("eckid", k);
        n += 1;
    }
    w.start_checked("leerling", &attrs[..n], S256);
    use LeerlingChild as L;
    naam(w, &l.naam);
    date(w, L::Geboortedatum, l.geboortedatum);
    if let Some(g) = l.geslacht {
        w.leaf_plain(L::Geslacht, g.as_str());
    }
    date(w, L::StartOndwJgr3, l.start_ondw_jgr3);
    if let Some(j) = l.jaargroep {
        w.leaf_plain(L::Jaargroep, j.as_str());
    }
    if let Some(g) = &l.groep {
        key_ref(w, L::Groep, g);
    }
    if !l.samengestelde_groepen.is_empty() {
        w.start(L::SamengesteldeGroepen, &[]);
        for g in &l.samengestelde_groepen {
            key_ref(w, "samengestelde_groep", g);
        }
        w.end()?;
    }
    if let Some(v) = &l.vestiging {
        key_ref(w, L::Vestiging, v);
    }
    w.opt_field(L::Gebruikersnaam, l.gebruikersnaam.as_deref(), S64);
    w.opt_field(L::Emailadres, l.emailadres.as_deref(), S256);
    w.opt_field(L::Fotourl, l.fotourl.as_deref(), S256);
    if let Some(x) = l.etniciteit {
        w.leaf_plain(L::Etniciteit, x.as_str());
    }
    for (name, land) in [(L::Land, &l.land), (L::LandVader, &l.land_vader), (L::LandMoeder, &l.land_moeder)] {
        if let Some(x) = land {
            w.leaf_plain(name, x.as_str());
        }
    }
    match &l.persoonsnummer {
        Some(Persoonsnummer::Sofinummer(v)) => w.field(L::Sofinummer, v, NINE_DIGITS),
        Some(Persoonsnummer::Bsn(v)) => w.field(L::Bsn, v, NINE_DIGITS),
        Some(Persoonsnummer::Onderwijsnummer(v)) => w.field(L::Onderwijsnummer, v, NINE_DIGITS),
        Some(Persoonsnummer::BsnOndwnr4(v)) => w.field(L::BsnOndwnr4, v, FOUR_DIGITS),
        Some(Persoonsnummer::Rijksregisternummer(v)) => w.field(L::Rijksregisternummer, v, ELEVEN_DIGITS),
        None => {}
    }
    if let Some(x) = l.gewicht_nieuw {
        w.leaf_plain(L::GewichtNieuw, x.as_str());
    }
    if let Some(x) = l.gewicht {
        w.leaf_plain(L::Gewicht, x.as_str());
    }
    match &l.postcode {
        Some(Postcode::Nl(v)) => w.field(L::Postcodenl, v, POSTCODE_NL),
        Some(Postcode::Be(v)) => w.field(L::Postnummerbe, v, FOUR_DIGITS),
        Some(Postcode::Overig(v)) => w.field(L::Postcodeoverig, v, S32),
        None => {}
    }
    date(w, L::Instroomdatum, l.instroomdatum);
    date(w, L::Uitstroomdatum, l.uitstroomdatum);
    toevoegingen(w, L::Toevoegingen, l.toevoegingen.as_ref())?;
    if let Some(t) = &l.mutatiedatum {
        w.leaf(L::Mutatiedatum, &t.to_string());
    }
    w.end()
}

fn rollen<T: Write>(w: W<'_, T>, rs: &[RolItem]) {
    for r in rs {
        match r {
            RolItem::Rol(x) => w.leaf(LeerkrachtChild::Rol, x.as_str()),
            RolItem::Omschrijving(x) => w.field(LeerkrachtChild::Rolomschrijving, x, S64),
        }
    }
}

fn leerkracht<T: Write>(w: W<'_, T>, l: &Leerkracht) -> io::Result<()> {
    w.check_attr("key", &l.key, S256);
    match &l.eckid {
        Some(e) => {
            w.check_attr("eckid", e, S256);
            w.start("leerkracht", &[("key", &l.key), ("eckid", e)]);
        }
        None => w.start("leerkracht", &[("key", &l.key)]),
    }
    use LeerkrachtChild as K;
    naam(w, &l.naam);
    w.opt_field(K::Gebruikersnaam, l.gebruikersnaam.as_deref(), S64);
    w.opt_field(K::Emailadres, l.emailadres.as_deref(), S256);
    rollen(w, &l.rollen);
    if !l.groepen.is_empty() {
        w.start(K::Groepen, &[]);
        for g in &l.groepen {
            let name = soort_name(g.soort);
            w.check_attr("key", &g.key, S256);
            if g.rollen.is_empty() {
                w.empty(name, &[("key", &g.key)]);
            } else {
                w.start(name, &[("key", &g.key)]);
                rollen(w, &g.rollen);
                w.end()?;
            }
        }
        w.end()?;
    }
    toevoegingen(w, K::Toevoegingen, l.toevoegingen.as_ref())?;
    if let Some(t) = &l.mutatiedatum {
        w.leaf(K::Mutatiedatum, &t.to_string());
    }
    w.end()
}
