//! A yaserde-derived reader of `leerlinggegevens_antwoord`, mirroring the structure our
//! reader builds (school, vestigingen, groepen, leerlingen, leerkrachten) with the leaf
//! fields as Strings: the "derive a serde-like reader and be done" baseline.
//!
//! A crate of its own (like `fuzz/`), so that the main crate's `cargo test` never compiles
//! yaserde: `cargo bench --manifest-path benches/baseline/Cargo.toml` (docs/benchmarks.md).
#![allow(dead_code)]
use yaserde::YaDeserialize;

#[derive(Debug, Default, YaDeserialize)]
#[yaserde(
    rename = "leerlinggegevens_antwoord",
    prefix = "ll",
    default_namespace = "ll",
    namespaces = { "ll" = "http://www.edustandaard.nl/leerresultaten/2/leerlinggegevens" }
)]
pub struct LeerlinggegevensAntwoord {
    #[yaserde(prefix = "ll")]
    pub leerlinggegevens: Option<Leerlinggegevens>,
    #[yaserde(prefix = "ll")]
    pub geenwijzigingen: Option<String>,
    #[yaserde(prefix = "ll")]
    pub geengegevens: Option<String>,
}

impl LeerlinggegevensAntwoord {
    pub fn pupils(&self) -> usize {
        self.leerlinggegevens.as_ref().map_or(0, |g| g.leerlingen.leerling.len())
    }
}

pub fn parse(s: &str) -> Result<LeerlinggegevensAntwoord, String> {
    yaserde::de::from_str(s).map_err(|e| e.to_string())
}

#[derive(Debug, Default, YaDeserialize)]
#[yaserde(prefix = "ll", namespaces = { "ll" = "http://www.edustandaard.nl/leerresultaten/2/leerlinggegevens" })]
pub struct Leerlinggegevens {
    #[yaserde(prefix = "ll")]
    pub school: School,
    #[yaserde(prefix = "ll")]
    pub vestigingen: Vestigingen,
    #[yaserde(prefix = "ll")]
    pub groepen: Groepen,
    #[yaserde(prefix = "ll")]
    pub leerlingen: Leerlingen,
    #[yaserde(prefix = "ll")]
    pub leerkrachten: Leerkrachten,
}

#[derive(Debug, Default, YaDeserialize)]
#[yaserde(prefix = "ll", namespaces = { "ll" = "http://www.edustandaard.nl/leerresultaten/2/leerlinggegevens" })]
pub struct School {
    #[yaserde(prefix = "ll")]
    pub schooljaar: String,
    #[yaserde(prefix = "ll")]
    pub peildatum: Option<String>,
    #[yaserde(prefix = "ll")]
    pub brincode: Option<String>,
    #[yaserde(prefix = "ll")]
    pub dependancecode: Option<String>,
    #[yaserde(prefix = "ll")]
    pub instellingsnummer: Option<String>,
    #[yaserde(prefix = "ll")]
    pub schoolkey: Option<String>,
    #[yaserde(prefix = "ll")]
    pub aanmaakdatum: Option<String>,
    #[yaserde(prefix = "ll")]
    pub auteur: Option<String>,
    #[yaserde(prefix = "ll")]
    pub xsdversie: Option<String>,
    #[yaserde(prefix = "ll")]
    pub commentaar: Option<String>,
}

#[derive(Debug, Default, YaDeserialize)]
#[yaserde(prefix = "ll", namespaces = { "ll" = "http://www.edustandaard.nl/leerresultaten/2/leerlinggegevens" })]
pub struct Vestigingen {
    #[yaserde(prefix = "ll")]
    pub vestiging: Vec<Vestiging>,
}

#[derive(Debug, Default, YaDeserialize)]
#[yaserde(prefix = "ll", namespaces = { "ll" = "http://www.edustandaard.nl/leerresultaten/2/leerlinggegevens" })]
pub struct Vestiging {
    #[yaserde(attribute = true)]
    pub key: String,
    #[yaserde(prefix = "ll")]
    pub naam: String,
    #[yaserde(prefix = "ll")]
    pub omschrijving: Option<String>,
    #[yaserde(prefix = "ll")]
    pub mutatiedatum: Option<String>,
}

#[derive(Debug, Default, YaDeserialize)]
#[yaserde(prefix = "ll", namespaces = { "ll" = "http://www.edustandaard.nl/leerresultaten/2/leerlinggegevens" })]
pub struct Groepen {
    #[yaserde(prefix = "ll")]
    pub groep: Vec<Groep>,
    #[yaserde(prefix = "ll")]
    pub samengestelde_groep: Vec<Groep>,
}

#[derive(Debug, Default, YaDeserialize)]
#[yaserde(prefix = "ll", namespaces = { "ll" = "http://www.edustandaard.nl/leerresultaten/2/leerlinggegevens" })]
pub struct Groep {
    #[yaserde(attribute = true)]
    pub key: String,
    #[yaserde(prefix = "ll")]
    pub naam: String,
    #[yaserde(prefix = "ll")]
    pub jaargroep: Option<String>,
    #[yaserde(prefix = "ll")]
    pub omschrijving: Option<String>,
    #[yaserde(prefix = "ll")]
    pub mutatiedatum: Option<String>,
}

#[derive(Debug, Default, YaDeserialize)]
#[yaserde(prefix = "ll", namespaces = { "ll" = "http://www.edustandaard.nl/leerresultaten/2/leerlinggegevens" })]
pub struct KeyRef {
    #[yaserde(attribute = true)]
    pub key: String,
}

#[derive(Debug, Default, YaDeserialize)]
#[yaserde(prefix = "ll", namespaces = { "ll" = "http://www.edustandaard.nl/leerresultaten/2/leerlinggegevens" })]
pub struct SamengesteldeGroepen {
    #[yaserde(prefix = "ll")]
    pub samengestelde_groep: Vec<KeyRef>,
}

#[derive(Debug, Default, YaDeserialize)]
#[yaserde(prefix = "ll", namespaces = { "ll" = "http://www.edustandaard.nl/leerresultaten/2/leerlinggegevens" })]
pub struct Leerlingen {
    #[yaserde(prefix = "ll")]
    pub leerling: Vec<Leerling>,
}

#[derive(Debug, Default, YaDeserialize)]
#[yaserde(prefix = "ll", namespaces = { "ll" = "http://www.edustandaard.nl/leerresultaten/2/leerlinggegevens" })]
pub struct Leerling {
    #[yaserde(attribute = true)]
    pub key: Option<String>,
    #[yaserde(attribute = true)]
    pub eckid: Option<String>,
    #[yaserde(prefix = "ll")]
    pub achternaam: Option<String>,
    #[yaserde(prefix = "ll")]
    pub voorvoegsel: Option<String>,
    #[yaserde(prefix = "ll")]
    pub voornamen: Option<String>,
    #[yaserde(prefix = "ll", rename = "voorletters-1")]
    pub voorletters: Option<String>,
    #[yaserde(prefix = "ll")]
    pub roepnaam: Option<String>,
    #[yaserde(prefix = "ll")]
    pub geboortedatum: Option<String>,
    #[yaserde(prefix = "ll")]
    pub geslacht: Option<String>,
    #[yaserde(prefix = "ll")]
    pub start_ondw_jgr3: Option<String>,
    #[yaserde(prefix = "ll")]
    pub jaargroep: Option<String>,
    #[yaserde(prefix = "ll")]
    pub groep: Option<KeyRef>,
    #[yaserde(prefix = "ll")]
    pub samengestelde_groepen: Option<SamengesteldeGroepen>,
    #[yaserde(prefix = "ll")]
    pub vestiging: Option<KeyRef>,
    #[yaserde(prefix = "ll")]
    pub gebruikersnaam: Option<String>,
    #[yaserde(prefix = "ll")]
    pub emailadres: Option<String>,
    #[yaserde(prefix = "ll")]
    pub fotourl: Option<String>,
    #[yaserde(prefix = "ll")]
    pub etniciteit: Option<String>,
    #[yaserde(prefix = "ll")]
    pub land: Option<String>,
    #[yaserde(prefix = "ll")]
    pub land_vader: Option<String>,
    #[yaserde(prefix = "ll")]
    pub land_moeder: Option<String>,
    #[yaserde(prefix = "ll")]
    pub bsn: Option<String>,
    #[yaserde(prefix = "ll")]
    pub onderwijsnummer: Option<String>,
    #[yaserde(prefix = "ll", rename = "bsn_ondwnr-4")]
    pub bsn_ondwnr4: Option<String>,
    #[yaserde(prefix = "ll")]
    pub gewicht_nieuw: Option<String>,
    #[yaserde(prefix = "ll")]
    pub gewicht: Option<String>,
    #[yaserde(prefix = "ll")]
    pub postcodenl: Option<String>,
    #[yaserde(prefix = "ll")]
    pub instroomdatum: Option<String>,
    #[yaserde(prefix = "ll")]
    pub uitstroomdatum: Option<String>,
    #[yaserde(prefix = "ll")]
    pub mutatiedatum: Option<String>,
}

#[derive(Debug, Default, YaDeserialize)]
#[yaserde(prefix = "ll", namespaces = { "ll" = "http://www.edustandaard.nl/leerresultaten/2/leerlinggegevens" })]
pub struct Leerkrachten {
    #[yaserde(prefix = "ll")]
    pub leerkracht: Vec<Leerkracht>,
}

#[derive(Debug, Default, YaDeserialize)]
#[yaserde(prefix = "ll", namespaces = { "ll" = "http://www.edustandaard.nl/leerresultaten/2/leerlinggegevens" })]
pub struct Leerkracht {
    #[yaserde(attribute = true)]
    pub key: String,
    #[yaserde(attribute = true)]
    pub eckid: Option<String>,
    #[yaserde(prefix = "ll")]
    pub achternaam: Option<String>,
    #[yaserde(prefix = "ll")]
    pub voorvoegsel: Option<String>,
    #[yaserde(prefix = "ll")]
    pub voornamen: Option<String>,
    #[yaserde(prefix = "ll", rename = "voorletters-1")]
    pub voorletters: Option<String>,
    #[yaserde(prefix = "ll")]
    pub roepnaam: Option<String>,
    #[yaserde(prefix = "ll")]
    pub gebruikersnaam: Option<String>,
    #[yaserde(prefix = "ll")]
    pub emailadres: Option<String>,
    #[yaserde(prefix = "ll")]
    pub groepen: Option<LeerkrachtGroepen>,
    #[yaserde(prefix = "ll")]
    pub mutatiedatum: Option<String>,
}

#[derive(Debug, Default, YaDeserialize)]
#[yaserde(prefix = "ll", namespaces = { "ll" = "http://www.edustandaard.nl/leerresultaten/2/leerlinggegevens" })]
pub struct LeerkrachtGroepen {
    #[yaserde(prefix = "ll")]
    pub groep: Vec<LeerkrachtGroep>,
    #[yaserde(prefix = "ll")]
    pub samengestelde_groep: Vec<LeerkrachtGroep>,
}

#[derive(Debug, Default, YaDeserialize)]
#[yaserde(prefix = "ll", namespaces = { "ll" = "http://www.edustandaard.nl/leerresultaten/2/leerlinggegevens" })]
pub struct LeerkrachtGroep {
    #[yaserde(attribute = true)]
    pub key: String,
    #[yaserde(prefix = "ll")]
    pub rol: Vec<String>,
    #[yaserde(prefix = "ll")]
    pub rolomschrijving: Vec<String>,
}
