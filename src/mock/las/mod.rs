//! The mock LAS: a [`LasProvider`](crate::server::LasProvider) over in-memory schools, with the key handshake of
//! ParnasSys or ESIS, change tracking for `laatstontvangengegevens`, received results and
//! fault injection. One [`MockLas`] is a cheap handle (an `Arc`): the server and the admin
//! API share it.
//!
//! Split by job: this file holds the state, its builder and the key handshake;
//! `data` the school data as the admin API reads and changes it; `provider` the UWLR
//! side (answers served, results received and the rules they are checked by).

mod data;
mod provider;

pub use data::{
    GroepInfo, GroepUpdate, LeerkrachtInfo, LeerkrachtUpdate, LeerlingInfo, LeerlingUpdate, NewGroep, NewLeerkracht,
    NewLeerling, RolloverReport, SchoolSummary,
};
pub use provider::{check_normering, check_score, MAX_SCORE};

use super::answers::CannedAnswers;
use super::clock::{Clock, SystemClock};
use super::faults::{FaultInjector, FaultSetting, FaultStatus};
use super::keys::{generate_key, IssuedKey, KeyStore, ALPHANUMERIC};
use super::results::ResultStore;
use super::{pick_klant, AdminError, Klant, SchoolName};
use crate::koppeling::check_esis_verificatiecode;
use crate::location::Location;
use crate::message::fault::Fault;
use crate::message::leerlinggegevens::{
    GroepItem, GroepSoort, Leerkracht, Leerling, Leerlinggegevens, SchoolIdentificatie, Verzoek,
};
use crate::message::leerresultaten::Toetsafname;
use crate::message::values::{SchoolId, Schooljaar};
use crate::message::{Body, Kind};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
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

/// Issue call: `klantcode` defaults to the first klant; ESIS needs `verificatiecode`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct IssueKeyRequest {
    #[serde(default)]
    pub klantcode: Option<String>,
    #[serde(default)]
    pub verificatiecode: Option<String>,
}

fn bad(e: String) -> AdminError {
    AdminError::bad_request(e)
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
            let location = Location::brin(brin, s.name.dependancecode.as_deref().unwrap_or("00"))
                .map_err(|e| bad(e.to_string()))?;
            let code = req.verificatiecode.as_deref().ok_or_else(|| {
                AdminError::bad_request(format!(
                    "ESIS needs a verificatiecode: starting with '{location}', 20 to 50 characters"
                ))
            })?;
            check_esis_verificatiecode(code, &location).map_err(bad)?;
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
