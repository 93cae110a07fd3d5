//! The country the night runs on: schools of realistic sizes, spread over mock LAS servers on
//! loopback (ParnasSys and ESIS), a share of them slow and a share failing now and then, and
//! one mock dashboard for the schools that have one.
//!
//! Sizes follow Dutch primary schools: about 6,000 locations and 1.4 million pupils, so a
//! mean of about 230, most between 100 and 400, a few of 40 or of 1,000. A log-normal
//! spread clipped to 40..=1,000 gives that shape from one seed.

use super::las::LazyLas;
use crate::message::values::Schooljaar;
use crate::mock::dashboard::{DashboardKind, DashboardSchool};
use crate::mock::{FaultKind, FaultSetting, Klant, MockDashboard, Profile, SchoolName};
use crate::server::{bind, serve, RunningServer, ServerConfig};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;

/// Smallest and largest school.
pub const MIN_PUPILS: usize = 40;
pub const MAX_PUPILS: usize = 1000;
/// The log-normal's median and spread (in log space): mean ≈ 230 after clipping.
const MEDIAN: f64 = 200.0;
const SIGMA: f64 = 0.55;
/// Extra time a slow LAS takes per request.
pub const SLOW_MS: u64 = 50;

/// School sizes, deterministic per seed.
pub fn sizes(n: usize, seed: u64) -> Vec<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5349_4d55_4c41_5445);
    (0..n)
        .map(|_| {
            // Box–Muller: one standard normal from two uniforms.
            let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
            let u2: f64 = rng.random();
            let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
            let v = (MEDIAN.ln() + SIGMA * z).exp().round() as usize;
            v.clamp(MIN_PUPILS, MAX_PUPILS)
        })
        .collect()
}

/// The BRIN of school `i`: two digits and two capitals (67,600 in all), dependance `00`.
pub fn brin(i: usize) -> String {
    let letters = i / 100;
    let a = (b'A' + (letters / 26 % 26) as u8) as char;
    let b = (b'A' + (letters % 26) as u8) as char;
    format!("{:02}{a}{b}", i % 100)
}

/// How a mock LAS misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Behaviour {
    Normal,
    /// Every request [`SLOW_MS`] late.
    Slow,
    /// At the start of every phase the next few requests get `Server.TijdelijkNietBeschikbaar`.
    Flaky,
}

/// One mock LAS server and the schools it serves.
pub struct Las {
    pub las: LazyLas,
    pub profile: Profile,
    pub behaviour: Behaviour,
    pub endpoint: String,
    /// Indexes into [`World::schools`].
    pub schools: Vec<usize>,
    _server: RunningServer,
}

impl Las {
    /// Sets the phase's faults: a flaky LAS fails its next requests (one per ten schools).
    pub fn arm(&self) {
        let f = match self.behaviour {
            Behaviour::Normal => None,
            Behaviour::Slow => Some(FaultSetting::always(FaultKind::Delay { ms: SLOW_MS })),
            Behaviour::Flaky => Some(FaultSetting::times(
                FaultKind::TijdelijkNietBeschikbaar,
                u32::try_from(1 + self.schools.len() / 10).unwrap_or(u32::MAX),
            )),
        };
        // The settings are valid by construction.
        let _ = self.las.set_fault(f);
    }
}

/// One school location.
#[derive(Debug, Clone)]
pub struct School {
    pub location: String,
    pub pupils: usize,
    /// Index into [`World::las`].
    pub las: usize,
    /// Whether the school also sends results to the dashboard.
    pub dashboard: bool,
}

pub struct World {
    pub schooljaar: Schooljaar,
    pub schools: Vec<School>,
    pub las: Vec<Las>,
    pub dashboard: MockDashboard,
    pub dashboard_endpoint: String,
    _dashboard_server: RunningServer,
}

/// The tests results are recorded for (and the dashboard has activated).
pub const TOETSEN: [&str; 4] = ["REK", "BL", "SP", "TBL"];

impl World {
    /// Generates the schools and serves the mocks. `per_las`: schools per LAS server.
    pub async fn build(n: usize, seed: u64, per_las: usize, year: Schooljaar) -> Result<World, String> {
        let sizes = sizes(n, seed);
        let servers = n.div_ceil(per_las.max(1)).max(4);
        let mut schools = Vec::with_capacity(n);
        let mut setups: Vec<Vec<(String, usize, u64)>> = (0..servers).map(|_| Vec::new()).collect();
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); servers];
        for (i, pupils) in sizes.iter().enumerate() {
            let b = brin(i);
            let las = i % servers;
            setups[las].push((b.clone(), *pupils, seed.wrapping_add(i as u64)));
            members[las].push(i);
            schools.push(School { location: format!("{b}00"), pupils: *pupils, las, dashboard: i % 4 == 1 });
        }
        let mut las = Vec::with_capacity(servers);
        for (k, (setup, members)) in setups.into_iter().zip(members).enumerate() {
            // Two of three LAS servers are ParnasSys, one ESIS (roughly the market); of
            // every eight, one is slow and one flaky.
            let profile = if k % 3 == 2 { Profile::Esis } else { Profile::Parnassys };
            let behaviour = match k % 8 {
                1 => Behaviour::Slow,
                2 => Behaviour::Flaky,
                _ => Behaviour::Normal,
            };
            let mock = LazyLas::new(profile, year, &setup)?;
            let server = serve_on_loopback(Arc::new(mock.clone())).await?;
            let endpoint = format!("{}/uwlr", server.base_url());
            las.push(Las { las: mock, profile, behaviour, endpoint, schools: members, _server: server });
        }
        let dashboard_schools = schools
            .iter()
            .filter(|s| s.dashboard)
            .map(|s| DashboardSchool::new(SchoolName::brin(&s.location[..4], "00")))
            .collect();
        let dashboard = MockDashboard::new(DashboardKind::Schoolkr8, vec![Klant::boom()], dashboard_schools);
        let server = serve_on_loopback(Arc::new(dashboard.clone())).await?;
        let dashboard_endpoint = format!("{}/uwlr", server.base_url());
        Ok(World { schooljaar: year, schools, las, dashboard, dashboard_endpoint, _dashboard_server: server })
    }

    /// Every LAS's faults for the phase that starts.
    pub fn arm(&self) {
        for l in &self.las {
            l.arm();
        }
    }

    /// No faults (for the checks at the end).
    pub fn disarm(&self) {
        for l in &self.las {
            let _ = l.las.set_fault(None);
        }
    }

    pub fn las_of(&self, school: usize) -> &Las {
        &self.las[self.schools[school].las]
    }
}

async fn serve_on_loopback<P: crate::server::LasProvider + 'static>(p: Arc<P>) -> Result<RunningServer, String> {
    let listener = bind("127.0.0.1:0".parse().expect("a loopback address"))
        .map_err(|e| format!("cannot listen on loopback: {e}"))?;
    serve(p, listener, ServerConfig::default()).await.map_err(|e| format!("cannot serve a mock: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_spread_like_dutch_primary_schools() {
        let s = sizes(6000, 1);
        let mean = s.iter().sum::<usize>() as f64 / s.len() as f64;
        assert!((200.0..260.0).contains(&mean), "mean {mean}");
        assert!(s.iter().all(|n| (MIN_PUPILS..=MAX_PUPILS).contains(n)));
        assert!(s.iter().any(|n| *n < 80) && s.iter().any(|n| *n > 600), "a spread, not all alike");
        assert_eq!(s, sizes(6000, 1), "deterministic per seed");
        assert_ne!(s, sizes(6000, 2));
    }

    #[test]
    fn brins_are_distinct_and_well_formed() {
        let all: std::collections::HashSet<String> = (0..6000).map(brin).collect();
        assert_eq!(all.len(), 6000);
        for b in &all {
            SchoolName::brin(b, "00").check().unwrap();
        }
    }
}
