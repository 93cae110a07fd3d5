//! Leerlinggegevens: the pupil-data request and answer, alles-in-een and getrapt
//! (structuur, leerlingen, leerkrachten). The model is plain data; `read` and `write`
//! beside it are its XML codec, `rules` the checks the schema cannot express.

pub(crate) mod order;
pub(crate) mod profile;
pub(crate) mod read;
pub(crate) mod rules;
pub(crate) mod write;

use crate::message::values::{
    DateTime, Etniciteit, Geslacht, Gewicht, GewichtNieuw, Jaargroep, Land, Rol, SchoolId, Schooljaar, XsiType,
};
use chrono::NaiveDate;

/// Namespace of every leerlinggegevens element.
pub use crate::xml::LEERLINGGEGEVENS_NS as NS;

/// `leerlinggegevens_verzoek` and `structuur_verzoek`: which school, which year, since when.
#[derive(Debug, Clone, PartialEq)]
pub struct Verzoek {
    pub schooljaar: Schooljaar,
    pub school: SchoolId,
    /// `2.3` from us; a LAS answers 2.2 callers in the 2.2 shape.
    pub xsdversie: String,
    /// The data set agreed for the link (e.g. `Smalle-set-VO`).
    pub gegevenssetid: Option<String>,
    /// Only changes since this moment are asked for; absent means everything.
    pub laatstontvangengegevens: Option<DateTime>,
}

/// A group reference in a getrapt request; without key it asks for everyone not in a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroepSelectie {
    pub soort: GroepSoort,
    pub key: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroepSoort {
    Groep,
    SamengesteldeGroep,
}

/// `leerlingen_verzoek` / `leerkrachten_verzoek`: the base request plus the groups asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct GroepenVerzoek {
    pub verzoek: Verzoek,
    /// At least one.
    pub groepen: Vec<GroepSelectie>,
}

/// An answer: the data, or one of the two empty exceptions.
#[derive(Debug, Clone, PartialEq)]
pub enum Antwoord<T> {
    Gegevens(T),
    /// Nothing changed since `laatstontvangengegevens`.
    GeenWijzigingen,
    /// Nothing found for this school.
    GeenGegevens,
}

/// `leerlinggegevens`: everything about one school location.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Leerlinggegevens {
    pub school: School,
    pub vestigingen: Vec<Vestiging>,
    pub groepen: Vec<GroepItem>,
    /// At least one.
    pub leerlingen: Vec<Leerling>,
    pub leerkrachten: Vec<Leerkracht>,
}

/// `leerlinggegevens-structuur`: school, locations and groups.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Structuur {
    pub school: School,
    pub vestigingen: Vec<Vestiging>,
    pub groepen: Vec<GroepItem>,
}

/// `leerlinggegevens-leerlingen`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Leerlingen {
    pub school: School,
    pub leerlingen: Vec<Leerling>,
}

/// `leerlinggegevens-leerkrachten`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Leerkrachten {
    pub school: School,
    pub leerkrachten: Vec<Leerkracht>,
}

pub type LeerlinggegevensAntwoord = Antwoord<Leerlinggegevens>;
pub type StructuurAntwoord = Antwoord<Structuur>;
pub type LeerlingenAntwoord = Antwoord<Leerlingen>;
pub type LeerkrachtenAntwoord = Antwoord<Leerkrachten>;

/// The school block of an answer.
#[derive(Debug, Clone, PartialEq)]
pub struct School {
    pub schooljaar: Schooljaar,
    pub peildatum: Option<NaiveDate>,
    pub id: SchoolIdentificatie,
    pub aanmaakdatum: Option<DateTime>,
    pub auteur: Option<String>,
    pub xsdversie: Option<String>,
    pub commentaar: Option<String>,
    pub toevoegingen: Option<Toevoegingen>,
}

impl Default for School {
    fn default() -> Self {
        School {
            schooljaar: Schooljaar::new(2024).expect("valid year"),
            peildatum: None,
            id: SchoolIdentificatie::Brin { brincode: "00AA".into(), dependancecode: None, schoolkey: None },
            aanmaakdatum: None,
            auteur: None,
            xsdversie: None,
            commentaar: None,
            toevoegingen: None,
        }
    }
}

/// How an answer names its school: BRIN (+ dependance, + LAS key), a Flemish
/// instellingsnummer (+ LAS key), or only a LAS key (possibly none at all: the schema allows it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchoolIdentificatie {
    Brin { brincode: String, dependancecode: Option<String>, schoolkey: Option<String> },
    Instelling { instellingsnummer: String, schoolkey: Option<String> },
    Schoolkey(Option<String>),
}

impl SchoolIdentificatie {
    /// The school location this answer is about, as a request would name it.
    pub fn to_school_id(&self) -> Option<SchoolId> {
        match self {
            SchoolIdentificatie::Brin { brincode, dependancecode, .. } => {
                Some(SchoolId::Brin { brincode: brincode.clone(), dependancecode: dependancecode.clone() })
            }
            SchoolIdentificatie::Instelling { schoolkey, .. } | SchoolIdentificatie::Schoolkey(schoolkey) => {
                schoolkey.clone().map(SchoolId::Schoolkey)
            }
        }
    }
}

/// The `toevoegingen` extension block: 1..n `blok` elements of a bilaterally agreed
/// `xsi:type`. Kept as written (code, omschrijving) so it can be passed on; profiles forbid it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Toevoegingen {
    pub blokken: Vec<Blok>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Blok {
    /// The agreed block type; required by the schema (the block type is abstract).
    pub xsi_type: Option<XsiType>,
    pub code: String,
    pub omschrijving: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Vestiging {
    pub key: String,
    pub naam: String,
    pub omschrijving: Option<String>,
    pub mutatiedatum: Option<DateTime>,
}

/// One entry of `groepen`: a class group or a composed group, in the order the LAS sent them.
#[derive(Debug, Clone, PartialEq)]
pub enum GroepItem {
    Groep(Groep),
    SamengesteldeGroep(SamengesteldeGroep),
}

impl GroepItem {
    pub fn key(&self) -> &str {
        match self {
            GroepItem::Groep(g) => &g.key,
            GroepItem::SamengesteldeGroep(g) => &g.key,
        }
    }
    pub fn naam(&self) -> &str {
        match self {
            GroepItem::Groep(g) => &g.naam,
            GroepItem::SamengesteldeGroep(g) => &g.naam,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Groep {
    pub key: String,
    pub naam: String,
    pub jaargroep: Jaargroep,
    pub omschrijving: Option<String>,
    pub toevoegingen: Option<Toevoegingen>,
    pub mutatiedatum: Option<DateTime>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct SamengesteldeGroep {
    pub key: String,
    pub naam: String,
    pub omschrijving: Option<String>,
    pub toevoegingen: Option<Toevoegingen>,
    pub mutatiedatum: Option<DateTime>,
}

/// A person's name as EDEXML has it: either a surname with the optional parts, or only a
/// first name (`roepnaam`), which is what a LAS sends under data minimisation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Naam {
    /// `None` means the roepnaam-only form; then `roepnaam` is required.
    pub achternaam: Option<String>,
    pub voorvoegsel: Option<String>,
    pub voornamen: Option<String>,
    pub voorletters: Option<String>,
    pub roepnaam: Option<String>,
}

/// One of the national identification numbers; a pupil has at most one in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Persoonsnummer {
    Sofinummer(String),
    Bsn(String),
    Onderwijsnummer(String),
    /// The last four digits of BSN or onderwijsnummer.
    BsnOndwnr4(String),
    /// Belgium.
    Rijksregisternummer(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Postcode {
    Nl(String),
    Be(String),
    Overig(String),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Leerling {
    /// The LAS key. Required in 2.2; in 2.3 a pupil needs a key or an eckid, at least one.
    pub key: Option<String>,
    /// ECK iD (`https://ketenid.nl/...`), the primary identifier in 2.3. Opaque.
    pub eckid: Option<String>,
    pub naam: Naam,
    pub geboortedatum: Option<NaiveDate>,
    pub geslacht: Option<Geslacht>,
    pub start_ondw_jgr3: Option<NaiveDate>,
    pub jaargroep: Option<Jaargroep>,
    /// Key of the pupil's `groep`.
    pub groep: Option<String>,
    /// Keys of the pupil's `samengestelde_groep`s.
    pub samengestelde_groepen: Vec<String>,
    /// Key of the pupil's `vestiging`.
    pub vestiging: Option<String>,
    pub gebruikersnaam: Option<String>,
    pub emailadres: Option<String>,
    pub fotourl: Option<String>,
    pub etniciteit: Option<Etniciteit>,
    pub land: Option<Land>,
    pub land_vader: Option<Land>,
    pub land_moeder: Option<Land>,
    pub persoonsnummer: Option<Persoonsnummer>,
    pub gewicht_nieuw: Option<GewichtNieuw>,
    pub gewicht: Option<Gewicht>,
    pub postcode: Option<Postcode>,
    pub instroomdatum: Option<NaiveDate>,
    pub uitstroomdatum: Option<NaiveDate>,
    pub toevoegingen: Option<Toevoegingen>,
    pub mutatiedatum: Option<DateTime>,
}

/// A role: from the closed list, or a free description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RolItem {
    Rol(Rol),
    Omschrijving(String),
}

/// A teacher's membership of a group, with roles in that group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeerkrachtGroep {
    pub soort: GroepSoort,
    pub key: String,
    pub rollen: Vec<RolItem>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Leerkracht {
    pub key: String,
    pub eckid: Option<String>,
    pub naam: Naam,
    pub gebruikersnaam: Option<String>,
    pub emailadres: Option<String>,
    pub rollen: Vec<RolItem>,
    pub groepen: Vec<LeerkrachtGroep>,
    pub toevoegingen: Option<Toevoegingen>,
    pub mutatiedatum: Option<DateTime>,
}
