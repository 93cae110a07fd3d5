//! The mock results dashboard (SchoolKr8, Focus PO): hosts BrengLeerresultaten only.
//! It issues its own keys (any printable characters), knows pupils only by the test
//! platform's pupil number (the `leerlingid` of a toetsafname, entered by hand per pupil),
//! keeps the delivery errors the manuals name (pupil number not found; test or test part
//! not found), and may ignore re-normed results ("Boom wijzigingen verwerken" off).
//!
//! Which Boom tests a school activated decides only where a result shows, not whether it
//! is taken (the SchoolKr8 manual, step 4: without it "you do see the results, but no
//! points in the growth chart"): a result of a test the school did not activate is stored
//! and reported with `in_growth_chart: false`. A test is "not found" when the dashboard
//! does not know it at all: its catalogue of Boom tests (any test, unless one is set).

use super::clock::{Clock, SystemClock};
use super::faults::{FaultInjector, FaultSetting, FaultStatus};
use super::keys::{generate_key, IssuedKey, KeyInfo, KeyStore, PRINTABLE};
use super::results::{ResultStore, ResultsReport};
use super::{klant_known, pick_klant, AdminError, Klant, SchoolName};
use crate::message::fault::{Fault, FaultCode};
use crate::message::leerlinggegevens::{LeerlinggegevensAntwoord, Verzoek};
use crate::message::leerresultaten::LeerresultatenVerzoek;
use crate::message::values::SchoolId;
use crate::message::{Autorisatie, Kind};
use crate::server::{ongeldige_school, Injected, LasProvider};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;
use tokio::sync::RwLock;

/// Which dashboard the mock plays. They behave alike; the kind shows in the admin API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DashboardKind {
    Schoolkr8,
    Focuspo,
}

impl DashboardKind {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "schoolkr8" => Ok(DashboardKind::Schoolkr8),
            "focuspo" | "focus-po" => Ok(DashboardKind::Focuspo),
            _ => Err(format!("unknown dashboard '{s}'; expected schoolkr8 or focuspo")),
        }
    }
}

/// The two kinds of delivery error the dashboards' manuals name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The Boom pupil number is not entered for any pupil (`Client.LeerlingOngeldig`).
    LeerlingnummerNietGevonden,
    /// The test or test part is not in the dashboard's catalogue of Boom tests
    /// (`Client.VocabulaireTermOngeldig`).
    ToetsNietGevonden,
}

/// One delivery error, as the dashboard's admin screen lists it.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryError {
    #[serde(serialize_with = "crate::mock::clock::ser_utc")]
    pub at: DateTime<Utc>,
    pub kind: ErrorKind,
    pub leerlingid: Option<String>,
    pub toetscode: Option<String>,
    pub toetsonderdeelcode: Option<String>,
    pub message: String,
}

/// One school (account) in the dashboard.
#[derive(Debug, Clone)]
pub struct DashboardSchool {
    pub name: SchoolName,
    /// Boom pupil numbers entered by the school.
    pub leerlingnummers: BTreeSet<String>,
    /// Activated tests, each with its activated parts (empty: every part): their results
    /// are points in the growth chart.
    pub toetsen: BTreeMap<String, BTreeSet<String>>,
    /// "Boom wijzigingen verwerken": when off, a result key already received is not
    /// overwritten.
    pub process_changes: bool,
    pub errors: Vec<DeliveryError>,
    pub results: ResultStore,
}

impl DashboardSchool {
    pub fn new(name: SchoolName) -> Self {
        DashboardSchool {
            name,
            leerlingnummers: BTreeSet::new(),
            toetsen: BTreeMap::new(),
            process_changes: true,
            errors: Vec::new(),
            results: ResultStore::default(),
        }
    }
}

/// Tests by code, each with its parts (empty: every part).
pub type Toetsen = BTreeMap<String, BTreeSet<String>>;

struct State {
    klanten: Vec<Klant>,
    schools: Vec<DashboardSchool>,
    keys: KeyStore,
    /// The Boom tests the dashboard knows (a school activates from these); `None`: every
    /// test a message names.
    catalogue: Option<Toetsen>,
}

impl State {
    fn school(&self, id: &str) -> Result<&DashboardSchool, AdminError> {
        super::school_by_id(&self.schools, id)
    }
    fn school_mut(&mut self, id: &str) -> Result<&mut DashboardSchool, AdminError> {
        super::school_by_id_mut(&mut self.schools, id)
    }
    fn find(&self, id: &SchoolId) -> Option<&DashboardSchool> {
        super::school_for(&self.schools, id)
    }
}

impl super::PerSchool for DashboardSchool {
    fn school_name(&self) -> &SchoolName {
        &self.name
    }
}

struct Inner {
    kind: DashboardKind,
    clock: Arc<dyn Clock>,
    state: RwLock<State>,
    faults: FaultInjector,
}

/// The mock dashboard. Clone it to share it between the server and the admin API.
#[derive(Clone)]
pub struct MockDashboard {
    inner: Arc<Inner>,
}

impl fmt::Debug for MockDashboard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockDashboard").field("kind", &self.inner.kind).finish_non_exhaustive()
    }
}

/// A school in the admin API's list.
#[derive(Debug, Clone, Serialize)]
pub struct DashboardSchoolSummary {
    pub id: String,
    pub leerlingnummers: Vec<String>,
    pub toetsen: BTreeMap<String, Vec<String>>,
    pub process_changes: bool,
    pub keys: Vec<KeyInfo>,
    pub errors: usize,
    pub deliveries: u64,
    pub distinct_results: usize,
}

/// Issue call: a given key (as the vendor mails it) or a generated one.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DashboardKeyRequest {
    #[serde(default)]
    pub klantcode: Option<String>,
    /// Printable ASCII, 1 to 64 characters; generated (24 characters) when absent.
    #[serde(default)]
    pub autorisatiesleutel: Option<String>,
}

/// Activates a test (and optionally only some of its parts).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ActivateToets {
    pub toetscode: String,
    #[serde(default)]
    pub onderdelen: Vec<String>,
}

/// Dashboard settings.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DashboardSettings {
    #[serde(default)]
    pub process_changes: Option<bool>,
}

/// Is this a key a dashboard may hand out: printable ASCII (no space), 1 to 64 characters?
pub fn check_dashboard_key(k: &str) -> Result<(), String> {
    if k.is_empty() || k.len() > 64 {
        return Err(format!("a key must be 1 to 64 characters; it has {}", k.chars().count()));
    }
    if !k.bytes().all(|b| PRINTABLE.contains(&b)) {
        return Err("a key may hold printable ASCII characters only (no spaces)".into());
    }
    Ok(())
}

impl MockDashboard {
    pub fn new(kind: DashboardKind, klanten: Vec<Klant>, schools: Vec<DashboardSchool>) -> Self {
        MockDashboard::with_clock(kind, klanten, schools, Arc::new(SystemClock))
    }

    pub fn with_clock(
        kind: DashboardKind,
        klanten: Vec<Klant>,
        schools: Vec<DashboardSchool>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        MockDashboard {
            inner: Arc::new(Inner {
                kind,
                clock,
                state: RwLock::new(State { klanten, schools, keys: KeyStore::new(), catalogue: None }),
                faults: FaultInjector::default(),
            }),
        }
    }

    pub fn kind(&self) -> DashboardKind {
        self.inner.kind
    }

    /// Issues a key for a school (a given one, or generated from printable characters
    /// including `&<>`); it replaces earlier keys of the school. Returned once.
    pub async fn issue_key(&self, school: &str, req: &DashboardKeyRequest) -> Result<IssuedKey, AdminError> {
        let now = self.inner.clock.now();
        let mut st = self.inner.state.write().await;
        let klantcode = pick_klant(&st.klanten, req.klantcode.as_deref())?;
        let id = st.school(school)?.name.id();
        let key = match &req.autorisatiesleutel {
            Some(k) => {
                check_dashboard_key(k).map_err(AdminError::bad_request)?;
                k.clone()
            }
            None => generate_key(24, PRINTABLE),
        };
        st.keys.revoke_school(&id);
        st.keys.insert(&key, &klantcode, [id.clone()], now);
        tracing::info!(school = %id, klantcode = %klantcode, "dashboard autorisatiesleutel issued");
        Ok(IssuedKey { school: id, klantcode, autorisatiesleutel: key })
    }

    pub async fn revoke_keys(&self, school: &str) -> Result<usize, AdminError> {
        let mut st = self.inner.state.write().await;
        let id = st.school(school)?.name.id();
        Ok(st.keys.revoke_school(&id))
    }

    pub async fn schools(&self) -> Vec<DashboardSchoolSummary> {
        let st = self.inner.state.read().await;
        st.schools
            .iter()
            .map(|s| DashboardSchoolSummary {
                id: s.name.id(),
                leerlingnummers: s.leerlingnummers.iter().cloned().collect(),
                toetsen: s.toetsen.iter().map(|(k, v)| (k.clone(), v.iter().cloned().collect())).collect(),
                process_changes: s.process_changes,
                keys: st.keys.for_school(&s.name.id()),
                errors: s.errors.len(),
                deliveries: s.results.deliveries,
                distinct_results: s.results.distinct(),
            })
            .collect()
    }

    /// Enters Boom pupil numbers (the school copies them by hand from the testcentrum).
    pub async fn add_leerlingnummers(&self, school: &str, nummers: &[String]) -> Result<usize, AdminError> {
        let mut st = self.inner.state.write().await;
        let s = st.school_mut(school)?;
        for n in nummers {
            if n.trim().is_empty() {
                return Err(AdminError::bad_request("a leerlingnummer must not be empty"));
            }
        }
        s.leerlingnummers.extend(nummers.iter().cloned());
        Ok(s.leerlingnummers.len())
    }

    pub async fn remove_leerlingnummer(&self, school: &str, nummer: &str) -> Result<(), AdminError> {
        let mut st = self.inner.state.write().await;
        if st.school_mut(school)?.leerlingnummers.remove(nummer) {
            Ok(())
        } else {
            Err(AdminError::not_found(format!("leerlingnummer '{nummer}' is not entered")))
        }
    }

    /// Sets the catalogue of Boom tests the dashboard knows (`None`: every test); a result
    /// of a test (or part) outside it is refused as "not found".
    pub async fn set_catalogue(&self, catalogue: Option<Vec<ActivateToets>>) -> Result<(), AdminError> {
        let mut known = Toetsen::new();
        for t in catalogue.iter().flatten() {
            if t.toetscode.trim().is_empty() {
                return Err(AdminError::bad_request("toetscode must not be empty"));
            }
            known.insert(t.toetscode.clone(), t.onderdelen.iter().cloned().collect());
        }
        self.inner.state.write().await.catalogue = catalogue.map(|_| known);
        Ok(())
    }

    /// Activates a test (all its parts, or only `onderdelen`): its results become points in
    /// the growth chart. Only a test of the catalogue can be activated.
    pub async fn activate_toets(&self, school: &str, t: &ActivateToets) -> Result<(), AdminError> {
        if t.toetscode.trim().is_empty() {
            return Err(AdminError::bad_request("toetscode must not be empty"));
        }
        let mut st = self.inner.state.write().await;
        if let Some(message) = st.catalogue.as_ref().and_then(|c| not_found(c, &t.toetscode, None)) {
            return Err(AdminError::bad_request(message));
        }
        st.school_mut(school)?.toetsen.insert(t.toetscode.clone(), t.onderdelen.iter().cloned().collect());
        Ok(())
    }

    pub async fn deactivate_toets(&self, school: &str, toetscode: &str) -> Result<(), AdminError> {
        let mut st = self.inner.state.write().await;
        match st.school_mut(school)?.toetsen.remove(toetscode) {
            Some(_) => Ok(()),
            None => Err(AdminError::not_found(format!("toets '{toetscode}' is not activated"))),
        }
    }

    pub async fn settings(&self, school: &str, set: &DashboardSettings) -> Result<bool, AdminError> {
        let mut st = self.inner.state.write().await;
        let s = st.school_mut(school)?;
        if let Some(p) = set.process_changes {
            s.process_changes = p;
        }
        Ok(s.process_changes)
    }

    pub async fn errors(&self, school: &str) -> Result<Vec<DeliveryError>, AdminError> {
        Ok(self.inner.state.read().await.school(school)?.errors.clone())
    }

    /// What the school received, each result with whether it is in the growth chart (as
    /// the activated tests are now: activating a test later puts its results in).
    pub async fn results(&self, school: &str) -> Result<ResultsReport, AdminError> {
        let st = self.inner.state.read().await;
        let s = st.school(school)?;
        let mut report = s.results.report(&s.name.id());
        for r in &mut report.results {
            let charted = not_found(&s.toetsen, &r.toetscode, r.toetsonderdeelcode.as_deref()).is_none();
            r.in_growth_chart = Some(charted);
        }
        report.outside_growth_chart = Some(report.results.iter().filter(|r| r.in_growth_chart == Some(false)).count());
        Ok(report)
    }

    pub fn set_fault(&self, f: Option<FaultSetting>) -> Result<(), AdminError> {
        if let Some(f) = &f {
            f.check().map_err(AdminError::bad_request)?;
        }
        self.inner.faults.set(f);
        Ok(())
    }

    pub fn fault(&self) -> FaultStatus {
        self.inner.faults.status()
    }

    /// Pre-issued key for scripted setups (config file).
    pub(crate) async fn preissue(&self, key: &str, klantcode: &str, school: &str) -> Result<(), String> {
        check_dashboard_key(key)?;
        let now = self.inner.clock.now();
        let mut st = self.inner.state.write().await;
        if !st.klanten.iter().any(|k| k.klantcode == klantcode) {
            return Err(format!("klantcode '{klantcode}' is not a configured klant"));
        }
        let id = st.school(school).map_err(|e| e.message)?.name.id();
        st.keys.insert(key, klantcode, [id], now);
        Ok(())
    }
}

/// Why `toetscode` (and `onderdeel`) is not among `toetsen`, in the dashboard's words; `None`
/// when it is.
fn not_found(toetsen: &Toetsen, toetscode: &str, onderdeel: Option<&str>) -> Option<String> {
    match (toetsen.get(toetscode), onderdeel) {
        (None, _) => Some(format!("toets '{toetscode}' is niet gevonden")),
        (Some(parts), Some(p)) if !parts.is_empty() && !parts.contains(p) => {
            Some(format!("toetsonderdeel '{p}' van toets '{toetscode}' is niet gevonden"))
        }
        _ => None,
    }
}

fn only_results() -> Fault {
    Fault::new(
        FaultCode::OngeldigBericht,
        "Inhoud van het bericht is ongeldig: this dashboard hosts BrengLeerresultaten only",
    )
}

impl LasProvider for MockDashboard {
    async fn klant(&self, klantcode: &str, klantnaam: &str) -> bool {
        klant_known(&self.inner.state.read().await.klanten, klantcode, klantnaam)
    }

    async fn autoriseer(&self, auth: &Autorisatie, school: &SchoolId) -> bool {
        let st = self.inner.state.read().await;
        let Some(s) = st.find(school) else { return false };
        st.keys.verify(&auth.autorisatiesleutel, &auth.klantcode, &s.name.id())
    }

    async fn leerlinggegevens(&self, _req: &Verzoek) -> Result<LeerlinggegevensAntwoord, Fault> {
        Err(only_results())
    }

    async fn leerresultaten(&self, _auth: &Autorisatie, req: &LeerresultatenVerzoek) -> Result<(), Fault> {
        let now = self.inner.clock.now();
        let mut st = self.inner.state.write().await;
        let st = &mut *st;
        let catalogue = &st.catalogue;
        let s = st.schools.iter_mut().find(|s| s.name.matches(&req.school.id)).ok_or_else(ongeldige_school)?;
        let mut found = Vec::new();
        for a in &req.toetsafnames {
            // Only the Boom pupil number identifies a pupil here; an ECK iD is ignored.
            let known = a.leerlingid.as_deref().is_some_and(|n| s.leerlingnummers.contains(n));
            if !known {
                found.push(DeliveryError {
                    at: now,
                    kind: ErrorKind::LeerlingnummerNietGevonden,
                    leerlingid: a.leerlingid.clone(),
                    toetscode: None,
                    toetsonderdeelcode: None,
                    message: format!(
                        "leerlingnummer '{}' is niet gevonden",
                        a.leerlingid.as_deref().unwrap_or("(none)")
                    ),
                });
            }
            for r in &a.resultaten {
                // Not activated by the school is no error (it only stays out of the growth
                // chart); unknown to the dashboard is.
                let unknown =
                    catalogue.as_ref().and_then(|c| not_found(c, &r.toetscode, r.toetsonderdeelcode.as_deref()));
                if let Some(message) = unknown {
                    found.push(DeliveryError {
                        at: now,
                        kind: ErrorKind::ToetsNietGevonden,
                        leerlingid: a.leerlingid.clone(),
                        toetscode: Some(r.toetscode.clone()),
                        toetsonderdeelcode: r.toetsonderdeelcode.clone(),
                        message,
                    });
                }
            }
        }
        if !found.is_empty() {
            let code = if found.iter().any(|e| e.kind == ErrorKind::LeerlingnummerNietGevonden) {
                FaultCode::LeerlingOngeldig
            } else {
                FaultCode::VocabulaireTermOngeldig
            };
            let first = found
                .iter()
                .find(|e| code != FaultCode::LeerlingOngeldig || e.kind == ErrorKind::LeerlingnummerNietGevonden);
            let mut f = Fault::new(
                code,
                format!("{}: {}", code.default_message(), first.map(|e| e.message.as_str()).unwrap_or_default()),
            );
            if found.len() > 1 {
                f.detail = Some(found.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("\n"));
            }
            tracing::info!(school = %s.name.id(), errors = found.len(), "dashboard delivery refused");
            s.errors.extend(found);
            return Err(f);
        }
        s.results.deliveries += 1;
        let overwrite = s.process_changes;
        for a in &req.toetsafnames {
            let nummer = a.leerlingid.as_deref().unwrap_or_default();
            for r in &a.resultaten {
                s.results.put(nummer, r, now, overwrite);
            }
        }
        Ok(())
    }

    async fn intercept(&self, kind: Kind) -> Option<Injected> {
        self.inner.faults.next(kind)
    }
}
