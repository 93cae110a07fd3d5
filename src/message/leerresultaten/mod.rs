//! Leerresultaten: results pushed to a LAS (`leerresultaten_verzoek`) and its empty
//! confirmation. A whole message is accepted or refused with one fault: there is no
//! per-result status in UWLR.

pub(crate) mod read;
pub(crate) mod rules;
pub(crate) mod write;

use crate::message::values::{DateTime, Decimal, SchoolId, Schooljaar, Vocab, XsiType};
use chrono::NaiveDate;

/// Namespace of the results message.
pub use crate::xml::LEERRESULTATEN_NS as NS;
/// Namespace of the OSO elements inside `osoresultaat`.
pub use crate::xml::OSO_NS;

#[derive(Debug, Clone, PartialEq)]
pub struct LeerresultatenVerzoek {
    pub school: ResultatenSchool,
    /// At least one; one per pupil.
    pub toetsafnames: Vec<Toetsafname>,
    /// At least one; every `resultaat/toetscode` must name one of these.
    pub toetsen: Vec<Toets>,
}

/// The answer to a results message that was accepted whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LeerresultatenBevestiging;

#[derive(Debug, Clone, PartialEq)]
pub struct ResultatenSchool {
    pub schooljaar: Schooljaar,
    pub id: SchoolId,
    /// Required here (unlike in leerlinggegevens).
    pub aanmaakdatum: DateTime,
    pub auteur: Option<String>,
    pub xsdversie: String,
    pub commentaar: Option<String>,
}

/// The results of one pupil. 2.3: the pupil is named by eckid, LAS key, or both (at least one).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Toetsafname {
    pub leerlingid: Option<String>,
    pub eckid: Option<String>,
    pub resultaatverwerkerid: Option<String>,
    /// At least one.
    pub resultaten: Vec<Resultaat>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Resultaat {
    /// Identifies this test (part) sitting; stable across re-norming, so that a re-send
    /// overwrites at the receiver. Unique in the message.
    pub key: String,
    pub afnamedatum: NaiveDate,
    pub toetscode: String,
    pub versie: Option<Vocab>,
    /// Absent: the result is for the whole test.
    pub toetsonderdeelcode: Option<String>,
    pub waarde: ResultaatWaarde,
    pub infourl: Option<String>,
}

/// Exactly one of the three result forms.
#[derive(Debug, Clone, PartialEq)]
pub enum ResultaatWaarde {
    /// A raw score (non-negative integer).
    Score(u64),
    /// Normed scores in the OSO vocabulary.
    Oso(OsoResultaat),
    /// A bilaterally agreed format, named by its `xsi:type`.
    Ander(AnderResultaat),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct OsoResultaat {
    pub toetsscore: Option<Toetsscore>,
    pub referentiescores: Vec<Referentiescore>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Toetsscore {
    pub aantalopgaven: Option<i32>,
    pub aantalgoed: Option<i32>,
    pub aantalfout: Option<i32>,
    pub aantalgelezen: Option<i32>,
    /// Seconds.
    pub tijd: Option<Decimal>,
    pub vaardigheidsscore: Option<Decimal>,
    pub codevaardigheidsschaal: Option<String>,
    pub betrouwbaarheidsinterval: Option<(Decimal, Decimal)>,
}

/// A normed score: `codereferentiescore` from OSO list 11 (DLE, Percentiel, Norm...),
/// `codevergelijkingsgroep` from list 22 (Landelijk...).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Referentiescore {
    pub codereferentiescore: String,
    pub codevergelijkingsgroep: String,
    pub waarde: String,
    pub kwalificatie: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AnderResultaat {
    /// The agreed format; required (the schema type is abstract).
    pub xsi_type: XsiType,
    pub andere_score: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Toets {
    pub toetscode: Vocab,
    pub versie: Option<Vocab>,
    pub toetsnaam: Option<String>,
    pub leerjaar: Option<Vocab>,
    pub vakgebied: Option<Vocab>,
    pub toetsnormering: Option<Normering>,
    /// `toetshierarchie/ingang`: (niveau, value).
    pub toetshierarchie: Vec<Ingang>,
    pub toetsonderdelen: Vec<Toetsonderdeel>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ingang {
    pub niveau: i64,
    pub waarde: Vocab,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Toetsonderdeel {
    /// Positive, unique within the test.
    pub volgnummer: u64,
    pub code: Vocab,
    pub naam: Option<String>,
    pub normering: Option<Normering>,
}

/// How raw scores map to norms; meaningful only for `score` results.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Normering {
    pub vocabulaire: Option<String>,
    pub vocabulairelocatie: Option<String>,
    pub toetscategorie: Option<Vocab>,
    pub toetsniveau: Option<Vocab>,
    pub wegingsfactor: Option<Decimal>,
    /// At least one.
    pub normen: Vec<Norm>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Norm {
    pub term: String,
    pub omschrijving: Option<String>,
    pub beginnormwaarde: u64,
    pub eindnormwaarde: u64,
    pub normkleur: Option<Normkleur>,
    pub schoolcijfer_vanaf: Option<Decimal>,
    pub schoolcijfer_totenmet: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Normkleur {
    pub rood: u8,
    pub groen: u8,
    pub blauw: u8,
    /// 0.00 ..= 1.00.
    pub transparantie: Decimal,
}
