//! The simulation's LAS servers: the mock LAS's rules over schools kept as a seed, not as
//! data. A country of 6,000 schools is 1.4 million pupils; a [`MockLas`] holding them all
//! (and every result received) needs well over a gigabyte, which is the mock's memory, not
//! the gateway's. So each school is kept as what makes it (its size and seed, the key it
//! issued, the changes made to it in order) and the results received as a set of hashed
//! (pupil, key) pairs; a one-school [`MockLas`] is built from that when a request or an
//! admin call needs the school, and kept for the schools in flight only (a small cache,
//! least recently used out). Keys, the ESIS activation, the answers, the results checks
//! and the rollover are the mock's own, so nothing of its behaviour is written twice.

use crate::message::fault::Fault;
use crate::message::leerlinggegevens::{
    GroepenVerzoek, LeerkrachtenAntwoord, LeerlingenAntwoord, LeerlinggegevensAntwoord, StructuurAntwoord, Verzoek,
};
use crate::message::leerresultaten::LeerresultatenVerzoek;
use crate::message::values::{SchoolId, Schooljaar};
use crate::message::{Autorisatie, Kind};
use crate::mock::faults::FaultInjector;
use crate::mock::las::{GroepInfo, IssueKeyRequest, NewLeerling, SchoolSetup};
use crate::mock::{AdminError, FaultSetting, IssuedKey, Klant, MockLas, Profile, SchoolName};
use crate::server::provider::ongeldige_school;
use crate::server::{Injected, LasProvider};
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

/// Schools kept built per LAS server, at most: the ones in flight (at most
/// `--fetch-per-las` fetches and a few delivery runs at once). Each holds its pupils as
/// data (about 1 KiB a pupil); 48 per server kept a fifth of a 6,000-school country built
/// (24 servers), so the few in flight and some slack.
const CACHED: usize = 12;

/// A change made to a school in the LAS, replayed on every build.
#[derive(Debug, Clone)]
enum Change {
    Add(Box<NewLeerling>),
    Rollover,
}

struct School {
    name: SchoolName,
    pupils: usize,
    seed: u64,
    /// The key the school issued, and to which klantcode.
    key: Option<(String, String)>,
    changes: Vec<Change>,
    /// Hashed (pupil, result key) pairs received.
    results: HashSet<(u64, u64)>,
}

struct Inner {
    profile: Profile,
    schooljaar: Schooljaar,
    klant: MockLas,
    schools: Vec<Mutex<School>>,
    by_id: HashMap<String, usize>,
    cache: Mutex<Cache>,
    faults: FaultInjector,
}

#[derive(Default)]
struct Cache {
    built: HashMap<usize, (MockLas, u64)>,
    tick: u64,
}

/// One LAS server of the simulation. Clone it to share it between the server and the night.
#[derive(Clone)]
pub struct LazyLas {
    inner: Arc<Inner>,
}

/// A hash of a pupil or result key, for the received set.
pub fn hashed(s: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

impl LazyLas {
    /// Schools as (BRIN, pupils, seed), dependance `00`, in `schooljaar`.
    pub fn new(profile: Profile, schooljaar: Schooljaar, schools: &[(String, usize, u64)]) -> Result<LazyLas, String> {
        let klant = MockLas::builder(profile).klant(Klant::boom()).build()?;
        let mut by_id = HashMap::new();
        let mut list = Vec::with_capacity(schools.len());
        for (i, (brin, pupils, seed)) in schools.iter().enumerate() {
            let name = SchoolName::brin(brin, "00");
            name.check()?;
            by_id.insert(name.id(), i);
            list.push(Mutex::new(School {
                name,
                pupils: *pupils,
                seed: *seed,
                key: None,
                changes: Vec::new(),
                results: HashSet::new(),
            }));
        }
        Ok(LazyLas {
            inner: Arc::new(Inner {
                profile,
                schooljaar,
                klant,
                schools: list,
                by_id,
                cache: Mutex::default(),
                faults: FaultInjector::default(),
            }),
        })
    }

    fn index(&self, school: &str) -> Result<usize, AdminError> {
        self.inner.by_id.get(school).copied().ok_or_else(|| AdminError::not_found(format!("no school '{school}'")))
    }

    fn index_of(&self, id: &SchoolId) -> Option<usize> {
        self.inner.schools.iter().position(|s| lock(s).name.matches(id))
    }

    /// School `i` as a one-school mock: from the cache, or generated and its changes
    /// replayed.
    async fn build(&self, i: usize) -> Result<MockLas, AdminError> {
        {
            let mut c = lock(&self.inner.cache);
            c.tick += 1;
            let tick = c.tick;
            if let Some((m, used)) = c.built.get_mut(&i) {
                *used = tick;
                return Ok(m.clone());
            }
        }
        let (name, pupils, seed, key, changes) = {
            let s = lock(&self.inner.schools[i]);
            (s.name.clone(), s.pupils, s.seed, s.key.clone(), s.changes.clone())
        };
        let id = name.id();
        let brin = name.brincode.clone().unwrap_or_default();
        let mut b = MockLas::builder(self.inner.profile).klant(Klant::boom()).school(SchoolSetup::generated(
            &brin,
            "00",
            pupils,
            seed,
            self.inner.schooljaar,
        ));
        if let Some((key, klantcode)) = key {
            b = b.key(key, klantcode, vec![id.clone()]);
        }
        let m = b.build().map_err(AdminError::bad_request)?;
        for c in changes {
            match c {
                Change::Add(n) => {
                    m.add_leerling(&id, *n).await?;
                }
                Change::Rollover => {
                    m.rollover(&id).await?;
                }
            }
        }
        let mut c = lock(&self.inner.cache);
        c.tick += 1;
        let tick = c.tick;
        c.built.insert(i, (m.clone(), tick));
        if c.built.len() > CACHED {
            if let Some(old) = c.built.iter().min_by_key(|(_, (_, used))| *used).map(|(k, _)| *k) {
                c.built.remove(&old);
            }
        }
        Ok(m)
    }

    /// A change in the LAS: kept for every later build (the built school is dropped).
    async fn change(&self, school: &str, c: Change) -> Result<(), AdminError> {
        let i = self.index(school)?;
        // Refused changes (a key taken, say) must not be kept: try it on the school first.
        let m = self.build(i).await?;
        match &c {
            Change::Add(n) => {
                m.add_leerling(school, (**n).clone()).await?;
            }
            Change::Rollover => {
                m.rollover(school).await?;
            }
        }
        lock(&self.inner.schools[i]).changes.push(c);
        lock(&self.inner.cache).built.remove(&i);
        Ok(())
    }

    /// As [`MockLas::issue_key`]; the key is kept to be issued again on every build.
    pub async fn issue_key(&self, school: &str, req: &IssueKeyRequest) -> Result<IssuedKey, AdminError> {
        let i = self.index(school)?;
        let key = self.build(i).await?.issue_key(school, req).await?;
        lock(&self.inner.schools[i]).key = Some((key.autorisatiesleutel.clone(), key.klantcode.clone()));
        lock(&self.inner.cache).built.remove(&i);
        Ok(key)
    }

    pub async fn groepen(&self, school: &str) -> Result<Vec<GroepInfo>, AdminError> {
        self.build(self.index(school)?).await?.groepen(school).await
    }

    pub async fn add_leerling(&self, school: &str, n: NewLeerling) -> Result<(), AdminError> {
        self.change(school, Change::Add(Box::new(n))).await
    }

    pub async fn rollover(&self, school: &str) -> Result<(), AdminError> {
        self.change(school, Change::Rollover).await
    }

    /// How many pupils the school has now.
    pub async fn pupils(&self, school: &str) -> Result<usize, AdminError> {
        Ok(self.build(self.index(school)?).await?.leerlingen(school).await?.len())
    }

    /// The hashed (pupil, result key) pairs received for the school.
    pub fn results(&self, school: &str) -> Result<Vec<(u64, u64)>, AdminError> {
        let i = self.index(school)?;
        Ok(lock(&self.inner.schools[i]).results.iter().copied().collect())
    }

    pub fn set_fault(&self, f: Option<FaultSetting>) -> Result<(), AdminError> {
        if let Some(f) = &f {
            f.check().map_err(AdminError::bad_request)?;
        }
        self.inner.faults.set(f);
        Ok(())
    }

    pub fn profile(&self) -> Profile {
        self.inner.profile
    }
}

impl LasProvider for LazyLas {
    async fn klant(&self, klantcode: &str, klantnaam: &str) -> bool {
        self.inner.klant.klant(klantcode, klantnaam).await
    }

    async fn autoriseer(&self, auth: &Autorisatie, school: &SchoolId) -> bool {
        let Some(i) = self.index_of(school) else { return false };
        match self.build(i).await {
            Ok(m) => m.autoriseer(auth, school).await,
            Err(_) => false,
        }
    }

    async fn leerlinggegevens(&self, req: &Verzoek) -> Result<LeerlinggegevensAntwoord, Fault> {
        let i = self.index_of(&req.school).ok_or_else(ongeldige_school)?;
        self.build(i).await.map_err(|_| ongeldige_school())?.leerlinggegevens(req).await
    }

    async fn leerresultaten(&self, auth: &Autorisatie, req: &LeerresultatenVerzoek) -> Result<(), Fault> {
        let i = self.index_of(&req.school.id).ok_or_else(ongeldige_school)?;
        let m = self.build(i).await.map_err(|_| ongeldige_school())?;
        m.leerresultaten(auth, req).await?;
        let id = lock(&self.inner.schools[i]).name.id();
        let got = m.results(&id).await.map_err(|_| ongeldige_school())?;
        let mut s = lock(&self.inner.schools[i]);
        for r in &got.results {
            s.results.insert((hashed(&r.leerling), hashed(&r.key)));
        }
        Ok(())
    }

    async fn intercept(&self, kind: Kind) -> Option<Injected> {
        self.inner.faults.next(kind)
    }

    async fn structuur(&self, req: &Verzoek) -> Result<StructuurAntwoord, Fault> {
        let i = self.index_of(&req.school).ok_or_else(ongeldige_school)?;
        LasProvider::structuur(&self.build(i).await.map_err(|_| ongeldige_school())?, req).await
    }

    async fn leerlingen(&self, req: &GroepenVerzoek) -> Result<LeerlingenAntwoord, Fault> {
        let i = self.index_of(&req.verzoek.school).ok_or_else(ongeldige_school)?;
        LasProvider::leerlingen(&self.build(i).await.map_err(|_| ongeldige_school())?, req).await
    }

    async fn leerkrachten(&self, req: &GroepenVerzoek) -> Result<LeerkrachtenAntwoord, Fault> {
        let i = self.index_of(&req.verzoek.school).ok_or_else(ongeldige_school)?;
        LasProvider::leerkrachten(&self.build(i).await.map_err(|_| ongeldige_school())?, req).await
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn year() -> Schooljaar {
        Schooljaar::new(2025).unwrap()
    }

    #[tokio::test]
    async fn a_school_built_again_has_its_changes_and_its_key() {
        let las = LazyLas::new(Profile::Parnassys, year(), &[("00AA".into(), 60, 7), ("01AA".into(), 45, 8)]).unwrap();
        let key = las.issue_key("00AA00", &IssueKeyRequest::default()).await.unwrap();
        let before = las.pupils("00AA00").await.unwrap();
        let n = NewLeerling { key: "SIM-0".into(), roepnaam: "Sam".into(), ..Default::default() };
        las.add_leerling("00AA00", n.clone()).await.unwrap();
        assert!(las.add_leerling("00AA00", n).await.is_err(), "the mock's rules hold: a key once");
        // Pushed out of the cache by other schools' builds, then built again.
        for _ in 0..CACHED + 2 {
            lock(&las.inner.cache).built.clear();
        }
        assert_eq!(las.pupils("00AA00").await.unwrap(), before + 1);
        let auth = Autorisatie {
            autorisatiesleutel: key.autorisatiesleutel,
            klantcode: key.klantcode,
            klantnaam: Klant::boom().klantnaam,
        };
        let school = SchoolId::Brin { brincode: "00AA".into(), dependancecode: Some("00".into()) };
        assert!(las.autoriseer(&auth, &school).await, "the issued key opens the rebuilt school");
        let other = SchoolId::Brin { brincode: "01AA".into(), dependancecode: Some("00".into()) };
        assert!(!las.autoriseer(&auth, &other).await, "and no other");
        las.rollover("00AA00").await.unwrap();
        assert!(las.pupils("00AA00").await.unwrap() < before + 1, "groep 8 left");
    }
}
