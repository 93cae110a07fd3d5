//! The mock LAS: a [`LasProvider`] over in-memory schools, with the key handshake of
//! ParnasSys or ESIS, change tracking for `laatstontvangengegevens`, received results and
//! fault injection. One [`MockLas`] is a cheap handle (an `Arc`): the server and the admin
//! API share it.

use super::answers::CannedAnswers;
use super::clock::{to_utc, to_uwlr, Clock, SystemClock};
use super::faults::{FaultInjector, FaultSetting, FaultStatus};
use super::keys::{generate_key, IssuedKey, KeyInfo, KeyStore, ALPHANUMERIC};
use super::results::{ResultStore, ResultsReport};
use super::{klant_known, pick_klant, AdminError, Klant, SchoolName};
use crate::message::fault::{Fault, FaultCode};
use crate::message::leerlinggegevens::{
    Antwoord, Groep, GroepItem, GroepSoort, GroepenVerzoek, Leerkracht, LeerkrachtGroep, LeerkrachtenAntwoord,
    Leerling, LeerlingenAntwoord, Leerlinggegevens, LeerlinggegevensAntwoord, Naam, RolItem, SamengesteldeGroep,
    SchoolIdentificatie, StructuurAntwoord, Verzoek,
};
use crate::message::leerresultaten::{
    LeerresultatenVerzoek, Norm, Normering, Resultaat, ResultaatWaarde, Toets, Toetsafname,
};
use crate::message::values::{parse_date, Geslacht, Jaargroep, Rol, SchoolId, Schooljaar, XsiType};
use crate::message::{Autorisatie, Body, Kind};
use crate::server::provider::{leerkrachten_uit, leerlingen_uit, structuur_uit};
use crate::server::{ongeldige_school, Injected, LasProvider};
use chrono::{DateTime, Months, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use tokio::sync::RwLock;

/// Which LAS the mock behaves like: how keys are issued, and whether TLS needs a client
/// certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Topicus ParnasSys: the school admin takes the koppeling and sets a new key, shown
    /// once; a new key replaces the old one.
    Parnassys,
    /// Rovict ESIS: the admin activates the resultatenkoppeling with a verification code
    /// (BRIN + vestigingsnummer first, 20 to 50 characters); the key is shown once. Over
    /// TLS a client certificate is required.
    Esis,
}

impl Profile {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "parnassys" => Ok(Profile::Parnassys),
            "esis" => Ok(Profile::Esis),
            _ => Err(format!("unknown LAS profile '{s}'; expected parnassys or esis")),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Parnassys => "parnassys",
            Profile::Esis => "esis",
        }
    }
    /// Whether a TLS endpoint of this LAS demands a client certificate (ESIS does).
    pub fn requires_client_cert(self) -> bool {
        self == Profile::Esis
    }
    /// Length of a generated key.
    fn key_len(self) -> usize {
        match self {
            Profile::Parnassys => 20,
            Profile::Esis => 32,
        }
    }
}

/// What an answer to a request with `laatstontvangengegevens` holds when something changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeltaMode {
    /// Everything (removals show as absence). The default.
    #[default]
    Full,
    /// Only pupils and teachers changed since that moment (all groups, so references
    /// hold); the full set when no pupil changed.
    Changed,
}

/// The ESIS verification-code rules: starts with BRIN + vestigingsnummer, 20 to 50
/// characters. The refusal names the rule that failed.
pub fn check_verificatiecode(code: &str, brin_vestiging: &str) -> Result<(), String> {
    if !code.starts_with(brin_vestiging) {
        return Err(format!("the verificatiecode must start with BRIN + vestigingsnummer '{brin_vestiging}'"));
    }
    let n = code.chars().count();
    if !(20..=50).contains(&n) {
        return Err(format!("the verificatiecode must be 20 to 50 characters long; it has {n}"));
    }
    Ok(())
}

/// The highest raw `score` the mock accepts (the test centre's longest tests have a few
/// hundred items); higher gives `Client.ScoreOngeldig`.
pub const MAX_SCORE: u64 = 1000;

/// One change to a school's data, for the change log.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    #[serde(serialize_with = "crate::mock::clock::ser_utc")]
    pub at: DateTime<Utc>,
    pub what: String,
}

/// One school location of the mock.
#[derive(Debug, Clone)]
pub struct MockSchool {
    pub name: SchoolName,
    pub data: Leerlinggegevens,
    pub changes: Vec<Change>,
    /// The moment of the latest change (load time at first).
    pub last_change: DateTime<Utc>,
    pub results: ResultStore,
    next_key: u64,
}

impl MockSchool {
    fn new(name: SchoolName, mut data: Leerlinggegevens, at: DateTime<Utc>) -> Self {
        // The answer names the school as the mock knows it, whatever the data came with.
        data.school.id = match &name.brincode {
            Some(b) => SchoolIdentificatie::Brin {
                brincode: b.clone(),
                dependancecode: name.dependancecode.clone(),
                schoolkey: name.schoolkey.clone(),
            },
            None => SchoolIdentificatie::Schoolkey(name.schoolkey.clone()),
        };
        let next_key = data
            .groepen
            .iter()
            .map(GroepItem::key)
            .chain(data.leerkrachten.iter().map(|t| t.key.as_str()))
            .filter_map(|k| k.parse::<u64>().ok())
            .max()
            .unwrap_or(1000)
            + 1;
        MockSchool {
            name,
            data,
            changes: vec![Change { at, what: "loaded".into() }],
            last_change: at,
            results: ResultStore::default(),
            next_key,
        }
    }

    fn record(&mut self, at: DateTime<Utc>, what: String) {
        tracing::info!(school = %self.name.id(), change = %what, "school data changed");
        self.changes.push(Change { at, what });
        self.last_change = at;
    }

    fn groep_exists(&self, key: &str, soort: GroepSoort) -> bool {
        self.data.groepen.iter().any(|g| match (g, soort) {
            (GroepItem::Groep(g), GroepSoort::Groep) => g.key == key,
            (GroepItem::SamengesteldeGroep(g), GroepSoort::SamengesteldeGroep) => g.key == key,
            _ => false,
        })
    }

    fn any_key_taken(&self, key: &str) -> bool {
        self.data.groepen.iter().any(|g| g.key() == key)
    }

    fn leerling_mut(&mut self, key: &str) -> Result<&mut Leerling, AdminError> {
        self.data
            .leerlingen
            .iter_mut()
            .find(|l| l.key.as_deref() == Some(key))
            .ok_or_else(|| AdminError::not_found(format!("no leerling with key '{key}'")))
    }

    fn leerkracht_mut(&mut self, key: &str) -> Result<&mut Leerkracht, AdminError> {
        self.data
            .leerkrachten
            .iter_mut()
            .find(|l| l.key == key)
            .ok_or_else(|| AdminError::not_found(format!("no leerkracht with key '{key}'")))
    }

    /// The pupil a toetsafname names: by ECK iD first, then by LAS key (UWLR 2.3).
    fn pupil_of(&self, a: &Toetsafname) -> Option<String> {
        let by_eckid =
            a.eckid.as_deref().and_then(|e| self.data.leerlingen.iter().find(|l| l.eckid.as_deref() == Some(e)));
        let by_key =
            || a.leerlingid.as_deref().and_then(|k| self.data.leerlingen.iter().find(|l| l.key.as_deref() == Some(k)));
        by_eckid.or_else(by_key).map(|l| l.key.clone().or_else(|| l.eckid.clone()).unwrap_or_default())
    }
}

/// A school to start with: its name and data.
#[derive(Debug, Clone)]
pub struct SchoolSetup {
    pub name: SchoolName,
    pub data: Leerlinggegevens,
}

impl SchoolSetup {
    /// A generated school (see [`crate::generate::school`]) at `99DE`-style BRIN + dependance.
    pub fn generated(brincode: &str, dependancecode: &str, pupils: usize, seed: u64, schooljaar: Schooljaar) -> Self {
        let data = crate::generate::school(&crate::generate::SchoolSpec {
            pupils,
            seed,
            schooljaar,
            brincode: brincode.into(),
            dependancecode: Some(dependancecode.into()),
        });
        SchoolSetup { name: SchoolName::brin(brincode, dependancecode), data }
    }
}

struct LasState {
    klanten: Vec<Klant>,
    schools: Vec<MockSchool>,
    keys: KeyStore,
    /// Answers read from files, served by `gegevenssetid` (`uwlr mock-las --answer`).
    answers: CannedAnswers,
}

impl LasState {
    fn school(&self, id: &str) -> Result<&MockSchool, AdminError> {
        super::school_by_id(&self.schools, id)
    }
    fn school_mut(&mut self, id: &str) -> Result<&mut MockSchool, AdminError> {
        super::school_by_id_mut(&mut self.schools, id)
    }
    fn find(&self, id: &SchoolId) -> Option<&MockSchool> {
        super::school_for(&self.schools, id)
    }
}

impl super::PerSchool for MockSchool {
    fn school_name(&self) -> &SchoolName {
        &self.name
    }
}

struct Inner {
    profile: Profile,
    delta: DeltaMode,
    clock: Arc<dyn Clock>,
    state: RwLock<LasState>,
    faults: FaultInjector,
    ander_types: Vec<String>,
}

/// The mock LAS. Clone it to share it between the server and the admin API.
#[derive(Clone)]
pub struct MockLas {
    inner: Arc<Inner>,
}

impl fmt::Debug for MockLas {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockLas").field("profile", &self.inner.profile).finish_non_exhaustive()
    }
}

/// Builds a [`MockLas`].
pub struct MockLasBuilder {
    profile: Profile,
    delta: DeltaMode,
    clock: Arc<dyn Clock>,
    klanten: Vec<Klant>,
    schools: Vec<SchoolSetup>,
    keys: Vec<(String, String, Vec<String>)>,
    fault: Option<FaultSetting>,
    ander_types: Vec<String>,
}

impl MockLasBuilder {
    pub fn klant(mut self, k: Klant) -> Self {
        self.klanten.push(k);
        self
    }
    pub fn school(mut self, s: SchoolSetup) -> Self {
        self.schools.push(s);
        self
    }
    pub fn clock(mut self, c: Arc<dyn Clock>) -> Self {
        self.clock = c;
        self
    }
    pub fn delta(mut self, d: DeltaMode) -> Self {
        self.delta = d;
        self
    }
    /// A key issued beforehand (scripted setups): stored as a digest, opening `schools`
    /// (canonical ids such as `99DE00`) for `klantcode`.
    pub fn key(mut self, key: impl Into<String>, klantcode: impl Into<String>, schools: Vec<String>) -> Self {
        self.keys.push((key.into(), klantcode.into(), schools));
        self
    }
    pub fn fault(mut self, f: Option<FaultSetting>) -> Self {
        self.fault = f;
        self
    }
    /// An `anderresultaat` format (its `xsi:type`) agreed with this LAS: the local name
    /// (`EldResultaat`) or `{namespace}local`. None is agreed unless added here; an
    /// `anderresultaat` of any other type gets `Client.EldResultaatOngeldig`.
    pub fn anderresultaat_type(mut self, t: impl Into<String>) -> Self {
        self.ander_types.push(t.into());
        self
    }

    /// Checks names and key scopes; refuses duplicates and keys for unknown schools.
    pub fn build(self) -> Result<MockLas, String> {
        let now = self.clock.now();
        let mut schools: Vec<MockSchool> = Vec::new();
        for s in self.schools {
            s.name.check()?;
            if schools.iter().any(|o| o.name.id() == s.name.id()) {
                return Err(format!("school '{}' is configured twice", s.name.id()));
            }
            schools.push(MockSchool::new(s.name, s.data, now));
        }
        let mut keys = KeyStore::new();
        for (key, klantcode, scope) in self.keys {
            if !self.klanten.iter().any(|k| k.klantcode == klantcode) {
                return Err(format!("a pre-issued key names klantcode '{klantcode}', which is not a configured klant"));
            }
            if key.is_empty() || key.chars().count() > 64 {
                return Err("a pre-issued key must be 1 to 64 characters".into());
            }
            let mut ids = Vec::new();
            for s in scope {
                let school = schools
                    .iter()
                    .find(|m| m.name.is(&s))
                    .ok_or_else(|| format!("a pre-issued key names school '{s}', which is not configured"))?;
                ids.push(school.name.id());
            }
            keys.insert(&key, &klantcode, ids, now);
        }
        if let Some(f) = &self.fault {
            f.check()?;
        }
        if let Some(t) = self.ander_types.iter().find(|t| t.trim().is_empty() || t.contains(char::is_whitespace)) {
            return Err(format!("anderresultaat type '{t}' is empty or holds spaces"));
        }
        let faults = FaultInjector::default();
        faults.set(self.fault);
        Ok(MockLas {
            inner: Arc::new(Inner {
                profile: self.profile,
                delta: self.delta,
                clock: self.clock,
                state: RwLock::new(LasState {
                    klanten: self.klanten,
                    schools,
                    keys,
                    answers: CannedAnswers::default(),
                }),
                faults,
                ander_types: self.ander_types,
            }),
        })
    }
}

/// A school in the admin API's list.
#[derive(Debug, Clone, Serialize)]
pub struct SchoolSummary {
    pub id: String,
    pub brincode: Option<String>,
    pub dependancecode: Option<String>,
    pub schoolkey: Option<String>,
    pub schooljaar: String,
    pub leerlingen: usize,
    pub groepen: usize,
    pub leerkrachten: usize,
    pub keys: Vec<KeyInfo>,
    #[serde(serialize_with = "crate::mock::clock::ser_utc")]
    pub last_change: DateTime<Utc>,
    pub deliveries: u64,
    pub distinct_results: usize,
}

/// A pupil in the admin API.
#[derive(Debug, Clone, Serialize)]
pub struct LeerlingInfo {
    pub key: Option<String>,
    pub eckid: Option<String>,
    pub roepnaam: Option<String>,
    pub voorvoegsel: Option<String>,
    pub achternaam: Option<String>,
    pub geboortedatum: Option<String>,
    pub jaargroep: Option<String>,
    pub groep: Option<String>,
    pub mutatiedatum: Option<String>,
}

impl From<&Leerling> for LeerlingInfo {
    fn from(l: &Leerling) -> Self {
        LeerlingInfo {
            key: l.key.clone(),
            eckid: l.eckid.clone(),
            roepnaam: l.naam.roepnaam.clone(),
            voorvoegsel: l.naam.voorvoegsel.clone(),
            achternaam: l.naam.achternaam.clone(),
            geboortedatum: l.geboortedatum.map(|d| d.to_string()),
            jaargroep: l.jaargroep.map(|j| j.as_str().to_owned()),
            groep: l.groep.clone(),
            mutatiedatum: l.mutatiedatum.map(|d| d.to_string()),
        }
    }
}

/// A teacher in the admin API.
#[derive(Debug, Clone, Serialize)]
pub struct LeerkrachtInfo {
    pub key: String,
    pub roepnaam: Option<String>,
    pub voorvoegsel: Option<String>,
    pub achternaam: Option<String>,
    pub emailadres: Option<String>,
    pub groepen: Vec<String>,
}

/// A group in the admin API.
#[derive(Debug, Clone, Serialize)]
pub struct GroepInfo {
    pub key: String,
    pub naam: String,
    pub samengesteld: bool,
    pub jaargroep: Option<String>,
    pub leerlingen: usize,
}

/// Issue call: `klantcode` defaults to the first klant; ESIS needs `verificatiecode`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct IssueKeyRequest {
    #[serde(default)]
    pub klantcode: Option<String>,
    #[serde(default)]
    pub verificatiecode: Option<String>,
}

/// A new pupil. `jaargroep` as on the wire (`1`..`8`, ...), dates as `2016-05-31`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewLeerling {
    pub key: String,
    #[serde(default)]
    pub eckid: Option<String>,
    #[serde(default)]
    pub achternaam: Option<String>,
    #[serde(default)]
    pub voorvoegsel: Option<String>,
    pub roepnaam: String,
    #[serde(default)]
    pub geboortedatum: Option<String>,
    /// `0` onbekend, `1` jongen, `2` meisje, `9` niet gespecificeerd.
    #[serde(default)]
    pub geslacht: Option<String>,
    #[serde(default)]
    pub jaargroep: Option<String>,
    #[serde(default)]
    pub groep: Option<String>,
}

/// Changes to a pupil: move (`groep`, `jaargroep`) or rename; absent fields stay.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeerlingUpdate {
    #[serde(default)]
    pub eckid: Option<String>,
    #[serde(default)]
    pub achternaam: Option<String>,
    #[serde(default)]
    pub voorvoegsel: Option<String>,
    #[serde(default)]
    pub roepnaam: Option<String>,
    #[serde(default)]
    pub geboortedatum: Option<String>,
    #[serde(default)]
    pub jaargroep: Option<String>,
    #[serde(default)]
    pub groep: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewLeerkracht {
    pub key: String,
    #[serde(default)]
    pub eckid: Option<String>,
    #[serde(default)]
    pub achternaam: Option<String>,
    #[serde(default)]
    pub voorvoegsel: Option<String>,
    pub roepnaam: String,
    #[serde(default)]
    pub emailadres: Option<String>,
    /// Keys of (class) groups the teacher teaches (role LRK).
    #[serde(default)]
    pub groepen: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeerkrachtUpdate {
    #[serde(default)]
    pub achternaam: Option<String>,
    #[serde(default)]
    pub voorvoegsel: Option<String>,
    #[serde(default)]
    pub roepnaam: Option<String>,
    #[serde(default)]
    pub emailadres: Option<String>,
    /// Replaces the teacher's class groups.
    #[serde(default)]
    pub groepen: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewGroep {
    pub key: String,
    pub naam: String,
    /// Required for a class group; ignored for a composed group.
    #[serde(default)]
    pub jaargroep: Option<String>,
    #[serde(default)]
    pub omschrijving: Option<String>,
    /// A `samengestelde_groep` instead of a `groep`.
    #[serde(default)]
    pub samengesteld: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroepUpdate {
    #[serde(default)]
    pub naam: Option<String>,
    #[serde(default)]
    pub jaargroep: Option<String>,
    #[serde(default)]
    pub omschrijving: Option<String>,
}

/// What a school-year rollover did.
#[derive(Debug, Clone, Serialize)]
pub struct RolloverReport {
    pub schooljaar: String,
    /// Pupils who moved up a year.
    pub moved_up: usize,
    /// Pupils of groep 8 who left.
    pub left: usize,
    /// Class groups renewed (new keys); groep-8 groups are gone.
    pub groepen: usize,
}

fn bad(e: String) -> AdminError {
    AdminError::bad_request(e)
}

fn jaargroep(s: &str) -> Result<Jaargroep, AdminError> {
    Jaargroep::parse(s).map_err(bad)
}

fn up(j: Jaargroep) -> Jaargroep {
    use Jaargroep::*;
    match j {
        G1 => G2,
        G2 => G3,
        G3 => G4,
        G4 => G5,
        G5 => G6,
        G6 => G7,
        G7 => G8,
        other => other,
    }
}

fn nonempty(field: &str, v: &str) -> Result<(), AdminError> {
    if v.trim().is_empty() {
        Err(AdminError::bad_request(format!("{field} must not be empty")))
    } else {
        Ok(())
    }
}

impl MockLas {
    pub fn builder(profile: Profile) -> MockLasBuilder {
        MockLasBuilder {
            profile,
            delta: DeltaMode::Full,
            clock: Arc::new(SystemClock),
            klanten: Vec::new(),
            schools: Vec::new(),
            keys: Vec::new(),
            fault: None,
            ander_types: Vec::new(),
        }
    }

    /// The setup without a config file: klant `BOOM` / `Boom testcentrum`, school
    /// `99DE`/`00` with 200 generated pupils (seed 1) in the current school year, and one
    /// key for it, returned here once.
    pub fn demo(profile: Profile, clock: Arc<dyn Clock>) -> (MockLas, IssuedKey) {
        let year = Schooljaar::containing(crate::clock::dutch_date(clock.now()))
            .unwrap_or(Schooljaar::new(2025).expect("year"));
        let key = generate_key(profile.key_len(), ALPHANUMERIC);
        let las = MockLas::builder(profile)
            .clock(clock)
            .klant(Klant::boom())
            .school(SchoolSetup::generated("99DE", "00", 200, 1, year))
            .key(key.clone(), "BOOM", vec!["99DE00".into()])
            .build()
            .expect("the demo setup is valid");
        (las, IssuedKey { school: "99DE00".into(), klantcode: "BOOM".into(), autorisatiesleutel: key })
    }

    pub fn profile(&self) -> Profile {
        self.inner.profile
    }

    /// Serves the answer in `path` (a pupil-data answer or a fault, see
    /// [`CannedAnswers::load`]) to every pupil-data request whose `gegevenssetid` is the
    /// file name without `.xml`, once the request passed the server's checks. Returns that
    /// name and the answer's element.
    pub async fn add_answer_file(&self, path: &std::path::Path) -> Result<(String, &'static str), String> {
        let (name, body) = CannedAnswers::load(path)?;
        let element = body.kind().element();
        self.inner.state.write().await.answers.insert(name.clone(), body)?;
        Ok((name, element))
    }

    async fn canned(&self, req: &Verzoek, want: Kind) -> Result<Option<Body>, Fault> {
        self.inner.state.read().await.answers.pick(req, want)
    }

    fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    // ---- keys -------------------------------------------------------------------------

    /// ParnasSys: take the koppeling and set a new key. ESIS: activate the
    /// resultatenkoppeling with `verificatiecode`. Either way the new key replaces every
    /// earlier key of the school and is returned here, once.
    pub async fn issue_key(&self, school: &str, req: &IssueKeyRequest) -> Result<IssuedKey, AdminError> {
        let now = self.now();
        let profile = self.inner.profile;
        let mut st = self.inner.state.write().await;
        let klantcode = pick_klant(&st.klanten, req.klantcode.as_deref())?;
        let s = st.school(school)?;
        let id = s.name.id();
        if profile == Profile::Esis {
            let Some(brin) = s.name.brincode.as_deref() else {
                return Err(AdminError::bad_request("ESIS activates a koppeling by BRIN; this school has none"));
            };
            let prefix = format!("{brin}{}", s.name.dependancecode.as_deref().unwrap_or("00"));
            let code = req.verificatiecode.as_deref().ok_or_else(|| {
                AdminError::bad_request(format!(
                    "ESIS needs a verificatiecode: starting with '{prefix}', 20 to 50 characters"
                ))
            })?;
            check_verificatiecode(code, &prefix).map_err(bad)?;
        }
        let key = generate_key(profile.key_len(), ALPHANUMERIC);
        let replaced = st.keys.revoke_school(&id);
        st.keys.insert(&key, &klantcode, [id.clone()], now);
        tracing::info!(school = %id, klantcode = %klantcode, profile = profile.as_str(), replaced, "autorisatiesleutel issued");
        Ok(IssuedKey { school: id, klantcode, autorisatiesleutel: key })
    }

    /// Revokes every key of the school; returns how many there were.
    pub async fn revoke_keys(&self, school: &str) -> Result<usize, AdminError> {
        let mut st = self.inner.state.write().await;
        let id = st.school(school)?.name.id();
        let n = st.keys.revoke_school(&id);
        tracing::info!(school = %id, revoked = n, "autorisatiesleutels revoked");
        Ok(n)
    }

    // ---- reading ------------------------------------------------------------------------

    pub async fn schools(&self) -> Vec<SchoolSummary> {
        let st = self.inner.state.read().await;
        st.schools
            .iter()
            .map(|s| SchoolSummary {
                id: s.name.id(),
                brincode: s.name.brincode.clone(),
                dependancecode: s.name.dependancecode.clone(),
                schoolkey: s.name.schoolkey.clone(),
                schooljaar: s.data.school.schooljaar.to_string(),
                leerlingen: s.data.leerlingen.len(),
                groepen: s.data.groepen.len(),
                leerkrachten: s.data.leerkrachten.len(),
                keys: st.keys.for_school(&s.name.id()),
                last_change: s.last_change,
                deliveries: s.results.deliveries,
                distinct_results: s.results.distinct(),
            })
            .collect()
    }

    /// A copy of the school's data as it stands.
    pub async fn data(&self, school: &str) -> Result<Leerlinggegevens, AdminError> {
        Ok(self.inner.state.read().await.school(school)?.data.clone())
    }

    pub async fn leerlingen(&self, school: &str) -> Result<Vec<LeerlingInfo>, AdminError> {
        Ok(self.inner.state.read().await.school(school)?.data.leerlingen.iter().map(LeerlingInfo::from).collect())
    }

    pub async fn leerkrachten(&self, school: &str) -> Result<Vec<LeerkrachtInfo>, AdminError> {
        let st = self.inner.state.read().await;
        Ok(st
            .school(school)?
            .data
            .leerkrachten
            .iter()
            .map(|t| LeerkrachtInfo {
                key: t.key.clone(),
                roepnaam: t.naam.roepnaam.clone(),
                voorvoegsel: t.naam.voorvoegsel.clone(),
                achternaam: t.naam.achternaam.clone(),
                emailadres: t.emailadres.clone(),
                groepen: t.groepen.iter().map(|g| g.key.clone()).collect(),
            })
            .collect())
    }

    pub async fn groepen(&self, school: &str) -> Result<Vec<GroepInfo>, AdminError> {
        let st = self.inner.state.read().await;
        let s = st.school(school)?;
        Ok(s.data
            .groepen
            .iter()
            .map(|g| {
                let (samengesteld, jaargroep) = match g {
                    GroepItem::Groep(g) => (false, Some(g.jaargroep.as_str().to_owned())),
                    GroepItem::SamengesteldeGroep(_) => (true, None),
                };
                let leerlingen = s
                    .data
                    .leerlingen
                    .iter()
                    .filter(|l| {
                        if samengesteld {
                            l.samengestelde_groepen.iter().any(|k| k == g.key())
                        } else {
                            l.groep.as_deref() == Some(g.key())
                        }
                    })
                    .count();
                GroepInfo { key: g.key().to_owned(), naam: g.naam().to_owned(), samengesteld, jaargroep, leerlingen }
            })
            .collect())
    }

    pub async fn changes(&self, school: &str) -> Result<Vec<Change>, AdminError> {
        Ok(self.inner.state.read().await.school(school)?.changes.clone())
    }

    pub async fn results(&self, school: &str) -> Result<ResultsReport, AdminError> {
        let st = self.inner.state.read().await;
        let s = st.school(school)?;
        Ok(s.results.report(&s.name.id()))
    }

    // ---- changing data ------------------------------------------------------------------

    async fn mutate<T>(
        &self,
        school: &str,
        f: impl FnOnce(&mut MockSchool, DateTime<Utc>) -> Result<(T, String), AdminError>,
    ) -> Result<T, AdminError> {
        let now = self.now();
        let mut st = self.inner.state.write().await;
        let s = st.school_mut(school)?;
        let (t, what) = f(s, now)?;
        s.record(now, what);
        Ok(t)
    }

    pub async fn add_leerling(&self, school: &str, n: NewLeerling) -> Result<LeerlingInfo, AdminError> {
        self.mutate(school, |s, now| {
            nonempty("key", &n.key)?;
            nonempty("roepnaam", &n.roepnaam)?;
            if s.data.leerlingen.iter().any(|l| l.key.as_deref() == Some(n.key.as_str())) {
                return Err(AdminError::conflict(format!("a leerling with key '{}' exists", n.key)));
            }
            if let Some(g) = &n.groep {
                if !s.groep_exists(g, GroepSoort::Groep) {
                    return Err(AdminError::bad_request(format!("no groep with key '{g}'")));
                }
            }
            let l = Leerling {
                key: Some(n.key.clone()),
                eckid: n.eckid,
                naam: Naam {
                    achternaam: n.achternaam,
                    voorvoegsel: n.voorvoegsel,
                    roepnaam: Some(n.roepnaam),
                    ..Default::default()
                },
                geboortedatum: n.geboortedatum.as_deref().map(parse_date).transpose().map_err(bad)?,
                geslacht: n.geslacht.as_deref().map(Geslacht::parse).transpose().map_err(bad)?,
                jaargroep: n.jaargroep.as_deref().map(jaargroep).transpose()?,
                groep: n.groep,
                vestiging: s.data.vestigingen.first().map(|v| v.key.clone()),
                mutatiedatum: Some(to_uwlr(now)),
                ..Default::default()
            };
            let info = LeerlingInfo::from(&l);
            s.data.leerlingen.push(l);
            Ok((info, format!("leerling {} added", n.key)))
        })
        .await
    }

    /// Moves (groep, jaargroep) or renames a pupil.
    pub async fn update_leerling(
        &self,
        school: &str,
        key: &str,
        u: LeerlingUpdate,
    ) -> Result<LeerlingInfo, AdminError> {
        self.mutate(school, |s, now| {
            if let Some(g) = &u.groep {
                if !s.groep_exists(g, GroepSoort::Groep) {
                    return Err(AdminError::bad_request(format!("no groep with key '{g}'")));
                }
            }
            let j = u.jaargroep.as_deref().map(jaargroep).transpose()?;
            let d = u.geboortedatum.as_deref().map(parse_date).transpose().map_err(bad)?;
            let l = s.leerling_mut(key)?;
            let mut what = Vec::new();
            if let Some(g) = u.groep {
                what.push(format!("moved to groep {g}"));
                l.groep = Some(g);
            }
            if let Some(j) = j {
                what.push(format!("jaargroep {j}"));
                l.jaargroep = Some(j);
            }
            for (field, new, old) in [
                ("achternaam", u.achternaam, &mut l.naam.achternaam),
                ("voorvoegsel", u.voorvoegsel, &mut l.naam.voorvoegsel),
                ("roepnaam", u.roepnaam, &mut l.naam.roepnaam),
                ("eckid", u.eckid, &mut l.eckid),
            ] {
                if let Some(v) = new {
                    what.push(format!("{field} changed"));
                    *old = (!v.is_empty()).then_some(v);
                }
            }
            if let Some(d) = d {
                what.push("geboortedatum changed".into());
                l.geboortedatum = Some(d);
            }
            if what.is_empty() {
                return Err(AdminError::bad_request("nothing to change"));
            }
            l.mutatiedatum = Some(to_uwlr(now));
            Ok((LeerlingInfo::from(&*l), format!("leerling {key}: {}", what.join(", "))))
        })
        .await
    }

    pub async fn remove_leerling(&self, school: &str, key: &str) -> Result<(), AdminError> {
        self.mutate(school, |s, _| {
            let before = s.data.leerlingen.len();
            s.data.leerlingen.retain(|l| l.key.as_deref() != Some(key));
            if s.data.leerlingen.len() == before {
                return Err(AdminError::not_found(format!("no leerling with key '{key}'")));
            }
            Ok(((), format!("leerling {key} removed")))
        })
        .await
    }

    pub async fn add_leerkracht(&self, school: &str, n: NewLeerkracht) -> Result<(), AdminError> {
        self.mutate(school, |s, now| {
            nonempty("key", &n.key)?;
            nonempty("roepnaam", &n.roepnaam)?;
            if s.data.leerkrachten.iter().any(|t| t.key == n.key) {
                return Err(AdminError::conflict(format!("a leerkracht with key '{}' exists", n.key)));
            }
            let groepen = class_groups(s, &n.groepen)?;
            s.data.leerkrachten.push(Leerkracht {
                key: n.key.clone(),
                eckid: n.eckid,
                naam: Naam {
                    achternaam: n.achternaam,
                    voorvoegsel: n.voorvoegsel,
                    roepnaam: Some(n.roepnaam),
                    ..Default::default()
                },
                emailadres: n.emailadres,
                rollen: vec![RolItem::Rol(Rol::Lrk)],
                groepen,
                mutatiedatum: Some(to_uwlr(now)),
                ..Default::default()
            });
            Ok(((), format!("leerkracht {} added", n.key)))
        })
        .await
    }

    pub async fn update_leerkracht(&self, school: &str, key: &str, u: LeerkrachtUpdate) -> Result<(), AdminError> {
        self.mutate(school, |s, now| {
            let groepen = u.groepen.as_deref().map(|g| class_groups(s, g)).transpose()?;
            let t = s.leerkracht_mut(key)?;
            let mut what = Vec::new();
            for (field, new, old) in [
                ("achternaam", u.achternaam, &mut t.naam.achternaam),
                ("voorvoegsel", u.voorvoegsel, &mut t.naam.voorvoegsel),
                ("roepnaam", u.roepnaam, &mut t.naam.roepnaam),
                ("emailadres", u.emailadres, &mut t.emailadres),
            ] {
                if let Some(v) = new {
                    what.push(format!("{field} changed"));
                    *old = (!v.is_empty()).then_some(v);
                }
            }
            if let Some(g) = groepen {
                // Composed-group memberships stay; class groups are replaced.
                t.groepen.retain(|m| m.soort == GroepSoort::SamengesteldeGroep);
                t.groepen.extend(g);
                what.push("groepen changed".into());
            }
            if what.is_empty() {
                return Err(AdminError::bad_request("nothing to change"));
            }
            t.mutatiedatum = Some(to_uwlr(now));
            Ok(((), format!("leerkracht {key}: {}", what.join(", "))))
        })
        .await
    }

    pub async fn remove_leerkracht(&self, school: &str, key: &str) -> Result<(), AdminError> {
        self.mutate(school, |s, _| {
            let before = s.data.leerkrachten.len();
            s.data.leerkrachten.retain(|t| t.key != key);
            if s.data.leerkrachten.len() == before {
                return Err(AdminError::not_found(format!("no leerkracht with key '{key}'")));
            }
            Ok(((), format!("leerkracht {key} removed")))
        })
        .await
    }

    pub async fn add_groep(&self, school: &str, n: NewGroep) -> Result<(), AdminError> {
        self.mutate(school, |s, now| {
            nonempty("key", &n.key)?;
            nonempty("naam", &n.naam)?;
            if s.any_key_taken(&n.key) {
                return Err(AdminError::conflict(format!("a group with key '{}' exists", n.key)));
            }
            let item = if n.samengesteld {
                GroepItem::SamengesteldeGroep(SamengesteldeGroep {
                    key: n.key.clone(),
                    naam: n.naam,
                    omschrijving: n.omschrijving,
                    toevoegingen: None,
                    mutatiedatum: Some(to_uwlr(now)),
                })
            } else {
                let j = n.jaargroep.as_deref().ok_or_else(|| AdminError::bad_request("a groep needs a jaargroep"))?;
                GroepItem::Groep(Groep {
                    key: n.key.clone(),
                    naam: n.naam,
                    jaargroep: jaargroep(j)?,
                    omschrijving: n.omschrijving,
                    toevoegingen: None,
                    mutatiedatum: Some(to_uwlr(now)),
                })
            };
            s.data.groepen.push(item);
            Ok(((), format!("groep {} added", n.key)))
        })
        .await
    }

    pub async fn update_groep(&self, school: &str, key: &str, u: GroepUpdate) -> Result<(), AdminError> {
        self.mutate(school, |s, now| {
            let j = u.jaargroep.as_deref().map(jaargroep).transpose()?;
            let g = s
                .data
                .groepen
                .iter_mut()
                .find(|g| g.key() == key)
                .ok_or_else(|| AdminError::not_found(format!("no group with key '{key}'")))?;
            let stamp = Some(to_uwlr(now));
            match g {
                GroepItem::Groep(g) => {
                    if let Some(n) = u.naam {
                        g.naam = n;
                    }
                    if let Some(j) = j {
                        g.jaargroep = j;
                    }
                    if let Some(o) = u.omschrijving {
                        g.omschrijving = (!o.is_empty()).then_some(o);
                    }
                    g.mutatiedatum = stamp;
                }
                GroepItem::SamengesteldeGroep(g) => {
                    if let Some(n) = u.naam {
                        g.naam = n;
                    }
                    if let Some(o) = u.omschrijving {
                        g.omschrijving = (!o.is_empty()).then_some(o);
                    }
                    g.mutatiedatum = stamp;
                }
            }
            Ok(((), format!("groep {key} changed")))
        })
        .await
    }

    /// Removes an empty group (teachers lose it); refuses while pupils are in it.
    pub async fn remove_groep(&self, school: &str, key: &str) -> Result<(), AdminError> {
        self.mutate(school, |s, now| {
            if !s.any_key_taken(key) {
                return Err(AdminError::not_found(format!("no group with key '{key}'")));
            }
            let n = s
                .data
                .leerlingen
                .iter()
                .filter(|l| l.groep.as_deref() == Some(key) || l.samengestelde_groepen.iter().any(|k| k == key))
                .count();
            if n > 0 {
                return Err(AdminError::conflict(format!("group '{key}' still has {n} pupils; move them first")));
            }
            s.data.groepen.retain(|g| g.key() != key);
            for t in &mut s.data.leerkrachten {
                let before = t.groepen.len();
                t.groepen.retain(|g| g.key != key);
                if t.groepen.len() != before {
                    t.mutatiedatum = Some(to_uwlr(now));
                }
            }
            Ok(((), format!("groep {key} removed")))
        })
        .await
    }

    /// The next school year: pupils move up a jaargroep with their group, groep 8
    /// leaves, class groups get new keys (every group is new in a new year's import) and
    /// groep-8 groups disappear; composed groups stay.
    pub async fn rollover(&self, school: &str) -> Result<RolloverReport, AdminError> {
        self.mutate(school, |s, now| {
            let year = Schooljaar::new(s.data.school.schooljaar.start() + 1)
                .ok_or_else(|| AdminError::bad_request("no school year after this one"))?;
            let stamp = Some(to_uwlr(now));
            let d = &mut s.data;
            d.school.schooljaar = year;
            d.school.peildatum = d.school.peildatum.and_then(|p| p.checked_add_months(Months::new(12)));
            let mut renamed: HashMap<String, Option<String>> = HashMap::new();
            let mut next = s.next_key;
            d.groepen.retain_mut(|g| match g {
                GroepItem::Groep(g) if g.jaargroep == Jaargroep::G8 => {
                    renamed.insert(g.key.clone(), None);
                    false
                }
                GroepItem::Groep(g) => {
                    let new = next.to_string();
                    next += 1;
                    renamed.insert(std::mem::replace(&mut g.key, new.clone()), Some(new));
                    let old = g.jaargroep;
                    g.jaargroep = up(old);
                    if g.naam == format!("Groep {}", old.as_str()) {
                        g.naam = format!("Groep {}", g.jaargroep.as_str());
                    }
                    g.mutatiedatum = stamp;
                    true
                }
                GroepItem::SamengesteldeGroep(g) => {
                    g.mutatiedatum = stamp;
                    true
                }
            });
            s.next_key = next;
            let before = d.leerlingen.len();
            d.leerlingen.retain(|l| l.jaargroep != Some(Jaargroep::G8));
            let left = before - d.leerlingen.len();
            for l in &mut d.leerlingen {
                l.jaargroep = l.jaargroep.map(up);
                l.groep = l.groep.take().and_then(|k| renamed.get(&k).cloned().unwrap_or(Some(k)));
                l.mutatiedatum = stamp;
            }
            for t in &mut d.leerkrachten {
                t.groepen.retain_mut(|m| match renamed.get(&m.key) {
                    Some(Some(new)) if m.soort == GroepSoort::Groep => {
                        m.key = new.clone();
                        true
                    }
                    Some(None) if m.soort == GroepSoort::Groep => false,
                    _ => true,
                });
                t.mutatiedatum = stamp;
            }
            let groepen = renamed.values().filter(|v| v.is_some()).count();
            let report = RolloverReport { schooljaar: year.to_string(), moved_up: d.leerlingen.len(), left, groepen };
            Ok((report, format!("school year rolled over to {year}: {left} pupils left")))
        })
        .await
    }

    // ---- faults -----------------------------------------------------------------------

    /// Sets (or with `None` clears) fault injection.
    pub fn set_fault(&self, f: Option<FaultSetting>) -> Result<(), AdminError> {
        if let Some(f) = &f {
            f.check().map_err(bad)?;
        }
        self.inner.faults.set(f);
        Ok(())
    }

    pub fn fault(&self) -> FaultStatus {
        self.inner.faults.status()
    }
}

/// Teacher memberships of class groups (role LRK), checking each group exists.
fn class_groups(s: &MockSchool, keys: &[String]) -> Result<Vec<LeerkrachtGroep>, AdminError> {
    keys.iter()
        .map(|k| {
            if s.groep_exists(k, GroepSoort::Groep) {
                Ok(LeerkrachtGroep { soort: GroepSoort::Groep, key: k.clone(), rollen: vec![RolItem::Rol(Rol::Lrk)] })
            } else {
                Err(AdminError::bad_request(format!("no groep with key '{k}'")))
            }
        })
        .collect()
}

/// Says which pupil a toetsafname names, for fault messages.
fn describe(a: &Toetsafname) -> String {
    match (&a.leerlingid, &a.eckid) {
        (Some(k), Some(e)) => format!("leerlingid '{k}' / eckid '{e}'"),
        (Some(k), None) => format!("leerlingid '{k}'"),
        (None, Some(e)) => format!("eckid '{e}'"),
        (None, None) => "(no leerlingid or eckid)".into(),
    }
}

/// The score rules of the mock: a raw score at most [`MAX_SCORE`]; an OSO result with a
/// toetsscore or at least one referentiescore, and no negative counts.
pub fn check_score(r: &Resultaat) -> Result<(), Fault> {
    let refuse = |why: String| {
        Err(Fault::new(FaultCode::ScoreOngeldig, format!("Score ongeldig: resultaat '{}': {why}", r.key)))
    };
    match &r.waarde {
        ResultaatWaarde::Score(s) if *s > MAX_SCORE => refuse(format!("score {s} is above {MAX_SCORE}")),
        ResultaatWaarde::Oso(o) if o.toetsscore.is_none() && o.referentiescores.is_empty() => {
            refuse("an osoresultaat needs a toetsscore or a referentiescore".into())
        }
        ResultaatWaarde::Oso(o) => {
            if let Some(t) = &o.toetsscore {
                for (name, v) in [
                    ("aantalopgaven", t.aantalopgaven),
                    ("aantalgoed", t.aantalgoed),
                    ("aantalfout", t.aantalfout),
                    ("aantalgelezen", t.aantalgelezen),
                ] {
                    if let Some(v) = v.filter(|v| *v < 0) {
                        return refuse(format!("{name} {v} is negative"));
                    }
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The normering rules of the mock, for every `toetsnormering` and
/// `toetsonderdeelnormering` of the declared tests: each norm's `beginnormwaarde` at most
/// its `eindnormwaarde`, and no raw score in two norms (ranges are inclusive: 0-28 and
/// 29-33 fit, 0-30 and 30-40 overlap). Otherwise `Client.ToetsNormeringOngeldig`, naming
/// the toets (and onderdeel) and the term(s).
pub fn check_normering(toetsen: &[Toets]) -> Result<(), Fault> {
    for t in toetsen {
        let code = &t.toetscode.value;
        let whole = t.toetsnormering.as_ref().map(|n| (format!("toets '{code}'"), n));
        let parts = t
            .toetsonderdelen
            .iter()
            .filter_map(|o| o.normering.as_ref().map(|n| (format!("toets '{code}' onderdeel '{}'", o.code.value), n)));
        for (what, n) in whole.into_iter().chain(parts) {
            normen_consistent(n).map_err(|why| {
                Fault::new(FaultCode::ToetsNormeringOngeldig, format!("Toetsnormering ongeldig: {what}: {why}"))
            })?;
        }
    }
    Ok(())
}

fn normen_consistent(n: &Normering) -> Result<(), String> {
    if let Some(x) = n.normen.iter().find(|x| x.beginnormwaarde > x.eindnormwaarde) {
        return Err(format!(
            "norm '{}': beginnormwaarde {} is above eindnormwaarde {}",
            x.term, x.beginnormwaarde, x.eindnormwaarde
        ));
    }
    // Sorted by start, a norm overlaps an earlier one iff it starts at or before the
    // furthest end so far (n log n: a message may hold many norms).
    let mut sorted: Vec<_> = n.normen.iter().collect();
    sorted.sort_by_key(|x| (x.beginnormwaarde, x.eindnormwaarde));
    let mut furthest: Option<&Norm> = None;
    for x in sorted {
        if let Some(f) = furthest.filter(|f| x.beginnormwaarde <= f.eindnormwaarde) {
            return Err(format!(
                "norms '{}' ({}-{}) and '{}' ({}-{}) overlap",
                f.term, f.beginnormwaarde, f.eindnormwaarde, x.term, x.beginnormwaarde, x.eindnormwaarde
            ));
        }
        if furthest.is_none_or(|f| x.eindnormwaarde > f.eindnormwaarde) {
            furthest = Some(x);
        }
    }
    Ok(())
}

/// Is `t` one of the `agreed` anderresultaat formats (local name, or `{namespace}local`)?
fn ander_agreed(agreed: &[String], t: &XsiType) -> bool {
    let local = t.name.rsplit(':').next().unwrap_or(&t.name);
    agreed.iter().any(|a| match a.strip_prefix('{').and_then(|r| r.split_once('}')) {
        Some((ns, l)) => l == local && t.namespace.as_deref() == Some(ns),
        None => a == local,
    })
}

/// [inferred] "ELD resultaat" is read as an `anderresultaat` (a bilaterally agreed format,
/// UWLR.md §4): one whose `xsi:type` the LAS has not agreed is refused with
/// `Client.EldResultaatOngeldig`, naming the type.
fn check_ander(agreed: &[String], r: &Resultaat) -> Result<(), Fault> {
    match &r.waarde {
        ResultaatWaarde::Ander(a) if !ander_agreed(agreed, &a.xsi_type) => Err(Fault::new(
            FaultCode::EldResultaatOngeldig,
            format!(
                "ELD resultaat ongeldig: resultaat '{}': anderresultaat type '{}'{} is not agreed with this LAS",
                r.key,
                a.xsi_type.name,
                a.xsi_type.namespace.as_deref().map(|ns| format!(" (namespace '{ns}')")).unwrap_or_default()
            ),
        )),
        _ => Ok(()),
    }
}

/// Breaks a pupil-data answer the way a bad import would (fault injection `internal`):
/// the school's BRIN cut to three characters, which the schema refuses.
fn break_schema(d: &mut Leerlinggegevens) {
    let brincode = match &d.school.id {
        SchoolIdentificatie::Brin { brincode, .. } => brincode.chars().take(3).collect(),
        _ => "9DE".to_string(),
    };
    d.school.id = SchoolIdentificatie::Brin { brincode, dependancecode: None, schoolkey: None };
}

impl LasProvider for MockLas {
    async fn klant(&self, klantcode: &str, klantnaam: &str) -> bool {
        klant_known(&self.inner.state.read().await.klanten, klantcode, klantnaam)
    }

    async fn autoriseer(&self, auth: &Autorisatie, school: &SchoolId) -> bool {
        let st = self.inner.state.read().await;
        let Some(s) = st.find(school) else { return false };
        st.keys.verify(&auth.autorisatiesleutel, &auth.klantcode, &s.name.id())
    }

    async fn leerlinggegevens(&self, req: &Verzoek) -> Result<LeerlinggegevensAntwoord, Fault> {
        if let Some(Body::LeerlinggegevensAntwoord(a)) = self.canned(req, Kind::LeerlinggegevensAntwoord).await? {
            return Ok(a);
        }
        let now = self.now();
        let st = self.inner.state.read().await;
        let s = st.find(&req.school).ok_or_else(ongeldige_school)?;
        if req.schooljaar != s.data.school.schooljaar || s.data.leerlingen.is_empty() {
            return Ok(Antwoord::GeenGegevens);
        }
        let since = req.laatstontvangengegevens.as_ref().map(to_utc);
        if let Some(since) = since {
            if s.last_change <= since {
                return Ok(Antwoord::GeenWijzigingen);
            }
        }
        let mut d = s.data.clone();
        d.school.aanmaakdatum = Some(to_uwlr(now).to_micros());
        d.school.xsdversie = Some("2.3".into());
        if let (Some(since), DeltaMode::Changed) = (since, self.inner.delta) {
            let changed = |m: &Option<crate::message::values::DateTime>| m.as_ref().is_some_and(|m| to_utc(m) > since);
            if d.leerlingen.iter().any(|l| changed(&l.mutatiedatum)) {
                d.leerlingen.retain(|l| changed(&l.mutatiedatum));
                d.leerkrachten.retain(|t| changed(&t.mutatiedatum));
            }
        }
        if self.inner.faults.take_internal() {
            break_schema(&mut d);
        }
        Ok(Antwoord::Gegevens(d))
    }

    async fn leerresultaten(&self, _auth: &Autorisatie, req: &LeerresultatenVerzoek) -> Result<(), Fault> {
        let now = self.now();
        let mut st = self.inner.state.write().await;
        let s = st.schools.iter_mut().find(|s| s.name.matches(&req.school.id)).ok_or_else(ongeldige_school)?;
        // The whole message is checked before anything is stored: it is accepted whole
        // or refused with one fault. Declarations first, then each toetsafname in order.
        check_normering(&req.toetsen)?;
        let mut pupils = Vec::with_capacity(req.toetsafnames.len());
        for a in &req.toetsafnames {
            let p = s.pupil_of(a).ok_or_else(|| {
                Fault::new(
                    FaultCode::LeerlingOngeldig,
                    format!("Leerling ongeldig: {} is not a pupil of school {}", describe(a), s.name.id()),
                )
            })?;
            for r in &a.resultaten {
                check_score(r)?;
                check_ander(&self.inner.ander_types, r)?;
            }
            pupils.push(p);
        }
        s.results.deliveries += 1;
        let mut n = 0;
        for (a, p) in req.toetsafnames.iter().zip(&pupils) {
            for r in &a.resultaten {
                s.results.put(p, r, now, true);
                n += 1;
            }
        }
        tracing::info!(school = %s.name.id(), results = n, "leerresultaten received");
        Ok(())
    }

    async fn intercept(&self, kind: Kind) -> Option<Injected> {
        self.inner.faults.next(kind)
    }

    // The getrapt answers are cut from the alles-in-een one, as by default, unless a
    // canned answer is asked for.
    async fn structuur(&self, req: &Verzoek) -> Result<StructuurAntwoord, Fault> {
        if let Some(Body::StructuurAntwoord(a)) = self.canned(req, Kind::StructuurAntwoord).await? {
            return Ok(a);
        }
        Ok(structuur_uit(self.leerlinggegevens(req).await?))
    }

    async fn leerlingen(&self, req: &GroepenVerzoek) -> Result<LeerlingenAntwoord, Fault> {
        if let Some(Body::LeerlingenAntwoord(a)) = self.canned(&req.verzoek, Kind::LeerlingenAntwoord).await? {
            return Ok(a);
        }
        Ok(leerlingen_uit(self.leerlinggegevens(&req.verzoek).await?, &req.groepen))
    }

    async fn leerkrachten(&self, req: &GroepenVerzoek) -> Result<LeerkrachtenAntwoord, Fault> {
        if let Some(Body::LeerkrachtenAntwoord(a)) = self.canned(&req.verzoek, Kind::LeerkrachtenAntwoord).await? {
            return Ok(a);
        }
        Ok(leerkrachten_uit(self.leerlinggegevens(&req.verzoek).await?, &req.groepen))
    }

    /// Both versions, or 2.2 alone under the `serve_2_2_only` setting.
    fn xsd_versies(&self) -> &[&str] {
        if self.inner.faults.serves_22_only() {
            &["2.2"]
        } else {
            &["2.2", "2.3"]
        }
    }
}
