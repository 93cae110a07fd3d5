//! The TOML configuration of the mocks. Keys may be written here in plain text for
//! scripted setups; they are hashed on load and the plain text is dropped.
//!
//! ```toml
//! profile = "parnassys"          # or "esis"; the CLI flag wins
//! delta = "full"                 # or "changed"
//! anderresultaat_types = []      # agreed anderresultaat xsi:types (default none)
//!
//! [[klant]]
//! klantcode = "BOOM"
//! klantnaam = "Boom testcentrum"
//!
//! [[school]]
//! brincode = "99DE"
//! dependancecode = "00"
//! pupils = 200                   # generated with this seed...
//! seed = 1
//! schooljaar = "2025-2026"       # default: the current school year
//! # fixture = "school.xml"       # ...or loaded from a leerlinggegevens_antwoord file
//!
//! [[key]]
//! autorisatiesleutel = "plain-key-for-scripts"
//! klantcode = "BOOM"
//! schools = ["99DE00"]
//!
//! [fault]                        # optional: start with fault injection on
//! kind = "http_status"
//! status = 503
//! count = 2
//! ```

use super::clock::Clock;
use super::dashboard::{ActivateToets, DashboardKind, DashboardSchool, MockDashboard};
use super::faults::FaultSetting;
use super::las::{DeltaMode, MockLas, Profile, SchoolSetup};
use super::{Klant, SchoolName};
use crate::message::leerlinggegevens::{Antwoord, Leerlinggegevens};
use crate::message::values::Schooljaar;
use crate::message::Body;
use crate::DecodeOptions;
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A pre-issued key. `Debug` redacts it.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyConfig {
    pub autorisatiesleutel: String,
    /// Default: the first klant.
    #[serde(default)]
    pub klantcode: Option<String>,
    /// Canonical school ids (`99DE00`) or schoolkeys.
    pub schools: Vec<String>,
}

impl fmt::Debug for KeyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyConfig")
            .field("autorisatiesleutel", &"<redacted>")
            .field("klantcode", &self.klantcode)
            .field("schools", &self.schools)
            .finish()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LasSchoolConfig {
    #[serde(default)]
    pub brincode: Option<String>,
    #[serde(default)]
    pub dependancecode: Option<String>,
    #[serde(default)]
    pub schoolkey: Option<String>,
    #[serde(default)]
    pub schooljaar: Option<String>,
    #[serde(default = "default_pupils")]
    pub pupils: usize,
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// A `leerlinggegevens_antwoord` file (bare or enveloped); relative to the config file.
    #[serde(default)]
    pub fixture: Option<PathBuf>,
}

fn default_pupils() -> usize {
    200
}
fn default_seed() -> u64 {
    1
}

/// `uwlr mock-las --config FILE`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LasConfig {
    #[serde(default)]
    pub profile: Option<Profile>,
    #[serde(default)]
    pub delta: DeltaMode,
    #[serde(default, rename = "klant")]
    pub klanten: Vec<Klant>,
    #[serde(default, rename = "school")]
    pub schools: Vec<LasSchoolConfig>,
    #[serde(default, rename = "key")]
    pub keys: Vec<KeyConfig>,
    #[serde(default)]
    pub fault: Option<FaultSetting>,
    /// `anderresultaat` formats (`xsi:type` local name, or `{namespace}local`) agreed with
    /// this LAS; any other gets `Client.EldResultaatOngeldig`. Default: none.
    #[serde(default)]
    pub anderresultaat_types: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DashboardSchoolConfig {
    #[serde(default)]
    pub brincode: Option<String>,
    #[serde(default)]
    pub dependancecode: Option<String>,
    #[serde(default)]
    pub schoolkey: Option<String>,
    #[serde(default)]
    pub leerlingnummers: Vec<String>,
    /// Activated tests (all parts).
    #[serde(default)]
    pub toetsen: Vec<String>,
    #[serde(default = "yes")]
    pub process_changes: bool,
}

fn yes() -> bool {
    true
}

/// `uwlr mock-dashboard --config FILE`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DashboardConfig {
    #[serde(default)]
    pub kind: Option<DashboardKind>,
    #[serde(default, rename = "klant")]
    pub klanten: Vec<Klant>,
    #[serde(default, rename = "school")]
    pub schools: Vec<DashboardSchoolConfig>,
    #[serde(default, rename = "key")]
    pub keys: Vec<KeyConfig>,
    /// The Boom tests the dashboard knows (all parts); a result of any other is refused as
    /// "toets niet gevonden". Default: every test.
    #[serde(default)]
    pub catalogue: Option<Vec<String>>,
}

fn name(brincode: &Option<String>, dependancecode: &Option<String>, schoolkey: &Option<String>) -> SchoolName {
    SchoolName {
        brincode: brincode.clone(),
        dependancecode: brincode.as_ref().map(|_| dependancecode.clone().unwrap_or_else(|| "00".into())),
        schoolkey: schoolkey.clone(),
    }
}

/// Reads a school's data from a `leerlinggegevens_antwoord` file.
pub fn load_fixture(path: &Path) -> Result<Leerlinggegevens, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    match crate::decode(&bytes, &DecodeOptions::lenient()) {
        Ok(d) => match d.body {
            Body::LeerlinggegevensAntwoord(Antwoord::Gegevens(g)) => Ok(g),
            other => Err(format!(
                "{}: expected a leerlinggegevens_antwoord with data, found <{}>",
                path.display(),
                other.kind().element()
            )),
        },
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

impl LasConfig {
    pub fn parse(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| format!("config: {e}"))
    }

    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Builds the mock. `base` is the directory fixture paths are relative to; `profile`
    /// (from the CLI) wins over the file's.
    pub fn build(self, profile: Option<Profile>, base: &Path, clock: Arc<dyn Clock>) -> Result<MockLas, String> {
        let profile = profile.or(self.profile).unwrap_or(Profile::Parnassys);
        let current = Schooljaar::containing(crate::clock::dutch_date(clock.now()))
            .unwrap_or(Schooljaar::new(2025).expect("year"));
        let klanten = if self.klanten.is_empty() { vec![Klant::boom()] } else { self.klanten };
        let first_klant = klanten[0].klantcode.clone();
        let mut b = MockLas::builder(profile).clock(clock).delta(self.delta).fault(self.fault);
        for t in self.anderresultaat_types {
            b = b.anderresultaat_type(t);
        }
        for k in klanten {
            b = b.klant(k);
        }
        for s in self.schools {
            let name = name(&s.brincode, &s.dependancecode, &s.schoolkey);
            name.check()?;
            let data = match &s.fixture {
                Some(p) => load_fixture(&base.join(p))?,
                None => {
                    let year = s.schooljaar.as_deref().map(Schooljaar::parse).transpose()?.unwrap_or(current);
                    let brin = s.brincode.clone().unwrap_or_else(|| "99DE".into());
                    crate::generate::school(&crate::generate::SchoolSpec {
                        pupils: s.pupils,
                        seed: s.seed,
                        schooljaar: year,
                        brincode: brin,
                        dependancecode: name.dependancecode.clone().or(Some("00".into())),
                    })
                }
            };
            b = b.school(SchoolSetup { name, data });
        }
        for k in self.keys {
            b = b.key(k.autorisatiesleutel, k.klantcode.unwrap_or_else(|| first_klant.clone()), k.schools);
        }
        b.build()
    }
}

impl DashboardConfig {
    pub fn parse(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| format!("config: {e}"))
    }

    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub async fn build(self, kind: Option<DashboardKind>, clock: Arc<dyn Clock>) -> Result<MockDashboard, String> {
        let kind = kind.or(self.kind).unwrap_or(DashboardKind::Schoolkr8);
        let klanten = if self.klanten.is_empty() { vec![Klant::boom()] } else { self.klanten };
        let first_klant = klanten[0].klantcode.clone();
        let mut schools = Vec::new();
        for s in self.schools {
            let name = name(&s.brincode, &s.dependancecode, &s.schoolkey);
            name.check()?;
            let mut d = DashboardSchool::new(name);
            d.leerlingnummers = s.leerlingnummers.into_iter().collect();
            d.toetsen = s.toetsen.into_iter().map(|t| (t, Default::default())).collect();
            d.process_changes = s.process_changes;
            schools.push(d);
        }
        let dash = MockDashboard::with_clock(kind, klanten, schools, clock);
        let catalogue = self
            .catalogue
            .map(|codes| codes.into_iter().map(|toetscode| ActivateToets { toetscode, onderdelen: vec![] }).collect());
        dash.set_catalogue(catalogue).await.map_err(|e| e.message)?;
        for k in self.keys {
            let klantcode = k.klantcode.unwrap_or_else(|| first_klant.clone());
            for s in &k.schools {
                dash.preissue(&k.autorisatiesleutel, &klantcode, s).await?;
            }
        }
        Ok(dash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn las_config_parses_and_redacts_keys() {
        let c = LasConfig::parse(
            r#"
            profile = "esis"
            anderresultaat_types = ["EldResultaat", "{urn:example}Ander"]
            [[klant]]
            klantcode = "BOOM"
            klantnaam = "Boom testcentrum"
            [[school]]
            brincode = "99QQ"
            pupils = 5
            [[key]]
            autorisatiesleutel = "geheim-123"
            schools = ["99QQ00"]
            [fault]
            kind = "delay"
            ms = 10
            count = 1
            "#,
        )
        .unwrap();
        assert_eq!(c.profile, Some(Profile::Esis));
        assert_eq!(c.anderresultaat_types, ["EldResultaat", "{urn:example}Ander"]);
        assert!(!format!("{c:?}").contains("geheim-123"));
        assert!(LasConfig::parse("[[school]]\nbrin = \"99DE\"").is_err(), "unknown fields are refused");
    }

    #[tokio::test]
    async fn a_dashboard_catalogue_decides_which_tests_are_known() {
        let c = DashboardConfig::parse(
            r#"
            catalogue = ["RW"]
            [[school]]
            brincode = "99DE"
            toetsen = ["RW"]
            "#,
        )
        .unwrap();
        let d = c.build(None, Arc::new(crate::mock::clock::SystemClock)).await.unwrap();
        let t = |code: &str| ActivateToets { toetscode: code.into(), onderdelen: vec![] };
        assert!(d.activate_toets("99DE00", &t("RW")).await.is_ok());
        let e = d.activate_toets("99DE00", &t("BL")).await.unwrap_err();
        assert!(e.message.contains("toets 'BL' is niet gevonden"), "{}", e.message);
    }
}
