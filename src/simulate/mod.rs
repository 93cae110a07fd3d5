//! `uwlr simulate`: one night for a whole country of schools, in one process, to size a
//! deployment and to show nothing is lost or doubled at that scale.
//!
//! The [`world`] is N generated schools of realistic sizes behind mock LAS servers on
//! loopback (ParnasSys and ESIS; a share slow, a share failing now and then) and a mock
//! dashboard. M gateway instances share one store (SQLite for one, PostgreSQL for several).
//! The night, phase by phase: the links (the handshake through the library, not a process
//! per school), a full fetch of every link with its proposal applied as a scripted admin
//! would (accept the suggestions, apply), a change per school in the LAS and a delta fetch,
//! results recorded (K per pupil) and delivered to the LAS and the dashboard, and then the
//! school-year transition (the LAS rolls over; prepare, fetch, apply). Fetches go through
//! [`FetchLimits`] (per LAS and in all). The [`report`] gives wall time per phase, latency
//! percentiles, peak memory and store size, and the [`checks`].

pub mod checks;
pub mod jobs;
pub mod las;
pub mod report;
pub mod worker;
pub mod workers;
pub mod world;

use crate::cli::Failure;
use crate::gateway::fetch_limits::FetchLimits;
use crate::gateway::koppelingen::KoppelingRequest;
use crate::gateway::{Gateway, GatewayError, Settings};
use crate::koppeling::Kind;
use crate::message::values::Schooljaar;
use crate::mock::dashboard::{ActivateToets, DashboardKeyRequest};
use crate::mock::las::{IssueKeyRequest, NewLeerling};
use crate::mock::{AdminError, Profile};
use crate::results::{NewResult, Scores};
use checks::{Check, Tally};
use indicatif::{ProgressBar, ProgressStyle};
use jobs::{Job, Outcome};
use report::{Latency, Phase, Report};
use sqlx::Row;
use std::collections::HashSet;
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use workers::Workers;
use world::World;

/// Who the scripted admin is in the audit trail.
pub(crate) const ADMIN: &str = "simulate@boom";
/// Delivery passes over links whose results were postponed.
const DELIVERY_PASSES: usize = 30;

/// How to run the simulation.
#[derive(Debug, Clone)]
pub struct Options {
    pub schools: usize,
    pub seed: u64,
    /// Gateway instances (several need PostgreSQL).
    pub instances: usize,
    /// The instances as separate processes of this binary (PostgreSQL), the mocks and
    /// the checks staying in this one.
    pub processes: bool,
    /// With `processes`: SIGKILL to a random instance every so often (on average; seeded),
    /// which is then started again.
    pub kill_every: Option<Duration>,
    /// The store: `None` is SQLite in `data_dir`.
    pub database_url: Option<String>,
    /// Where SQLite and the master key go; `None`: a fresh temporary folder, removed after.
    pub data_dir: Option<PathBuf>,
    pub results_per_pupil: usize,
    /// Fetches at once against one LAS, and in all.
    pub fetch_per_las: usize,
    pub fetch_global: usize,
    /// Schools per mock LAS server.
    pub schools_per_las: usize,
    /// Delivery runs at once per instance (each its own lease owner).
    pub delivery_workers: usize,
    /// Draw progress bars (on a terminal only).
    pub progress: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            schools: 200,
            seed: 1,
            instances: 1,
            processes: false,
            kill_every: None,
            database_url: None,
            data_dir: None,
            results_per_pupil: 1,
            fetch_per_las: 4,
            fetch_global: 32,
            schools_per_las: 250,
            delivery_workers: 8,
            progress: false,
        }
    }
}

/// Runs the night; the report says what happened and whether every check passed.
pub async fn run(opts: &Options) -> Result<Report, Failure> {
    if opts.schools == 0 || opts.instances == 0 {
        return Err(Failure::usage("--schools and --instances must be at least 1"));
    }
    if opts.instances > 1 && opts.database_url.is_none() {
        return Err(Failure::usage(
            "several gateway instances share one PostgreSQL database: pass --database-url postgres://…",
        ));
    }
    if opts.database_url.as_deref().is_some_and(|u| u.starts_with("sqlite:")) && opts.instances > 1 {
        return Err(Failure::usage("SQLite serves one gateway instance; use PostgreSQL for several"));
    }
    let postgres = opts.database_url.as_deref().is_some_and(|u| u.starts_with("postgres"));
    if opts.processes && !postgres {
        return Err(Failure::usage(
            "--processes runs instances that share one PostgreSQL: pass --database-url postgres://…",
        ));
    }
    if opts.kill_every.is_some() && !opts.processes {
        return Err(Failure::usage("--kill-every kills instance processes: add --processes"));
    }
    let (dir, temporary) = match &opts.data_dir {
        Some(d) => (d.clone(), false),
        None => (std::env::temp_dir().join(format!("uwlr-simulate-{}", std::process::id())), true),
    };
    if dir.join("uwlr.sqlite3").exists() && opts.database_url.is_none() {
        return Err(Failure::usage(format!(
            "{} holds a database already; the simulation starts from an empty store (pass another --data-dir)",
            dir.display()
        )));
    }
    crate::private::create_dir_all(&dir)
        .map_err(|e| Failure::usage(format!("cannot create {}: {e}", dir.display())))?;
    let result = Night::run(opts, &dir).await;
    if temporary {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

/// Every sample the phases take.
#[derive(Default)]
struct Samples {
    fetch: Vec<Duration>,
    apply: Vec<Duration>,
    delivery: Vec<Duration>,
    fetch_retries: usize,
    delivery_retries: usize,
    messages: usize,
    applied: Vec<i64>,
    years_resumed: usize,
}

impl Samples {
    fn add(&mut self, o: &Outcome) {
        let d = |ms: f64| Duration::from_secs_f64(ms / 1000.0);
        self.fetch.extend(o.fetch_ms.iter().map(|m| d(*m)));
        self.apply.extend(o.apply_ms.map(d));
        self.delivery.extend(o.delivery_ms.map(d));
        self.applied.extend(o.applied);
        self.fetch_retries += o.fetch_retries;
        self.messages += o.messages;
        self.years_resumed += usize::from(o.resumed);
    }
}

struct Night<'a> {
    opts: &'a Options,
    world: Arc<World>,
    /// The instances in this process; with `processes`, the one this process uses for the
    /// links, the results and the checks.
    gws: Vec<Gateway>,
    workers: Option<Workers>,
    limits: FetchLimits,
    samples: Arc<Mutex<Samples>>,
    phases: Vec<Phase>,
    checks: Vec<Check>,
}

/// One school's links.
#[derive(Debug, Clone, Copy)]
struct Links {
    las: i64,
    dashboard: Option<i64>,
}

impl<'a> Night<'a> {
    async fn run(opts: &'a Options, dir: &std::path::Path) -> Result<Report, Failure> {
        let started = Instant::now();
        let year = Schooljaar::containing(crate::clock::dutch_date(chrono::Utc::now()))
            .or_else(|| Schooljaar::new(2025))
            .ok_or_else(|| Failure::usage("no school year for today"))?;
        let t = Instant::now();
        let world = World::build(opts.schools, opts.seed, opts.schools_per_las, year).await.map_err(Failure::usage)?;
        let pupils: usize = world.schools.iter().map(|s| s.pupils).sum();
        let mut gws = Vec::new();
        for _ in 0..if opts.processes { 1 } else { opts.instances } {
            gws.push(Gateway::open(dir, opts.database_url.as_deref(), Settings::default()).await?);
        }
        let workers = match (&opts.database_url, opts.processes) {
            (Some(url), true) => Some(Workers::start(opts.instances, url, dir)?),
            _ => None,
        };
        let mut night = Night {
            opts,
            world: Arc::new(world),
            gws,
            workers,
            limits: FetchLimits::new(opts.fetch_per_las, opts.fetch_global),
            samples: Arc::default(),
            phases: Vec::new(),
            checks: Vec::new(),
        };
        night.phase("mocks", t, opts.schools, "school");
        let links = night.links().await?;
        let night_started = Instant::now();
        if let (Some(w), Some(every)) = (night.workers.as_mut(), opts.kill_every) {
            w.start_kills(every, opts.seed);
        }
        night.imports(&links, true).await?;
        night.dashboards(&links).await?;
        night.changes().await?;
        night.imports(&links, false).await?;
        night.dashboards(&links).await?;
        night.pupil_check("pupils after the night's imports equal the LAS's").await?;
        let expected = night.record(&links).await?;
        night.deliver().await?;
        night.results_checks(&expected).await?;
        drop(expected);
        night.year(&links).await?;
        let night_seconds = night_started.elapsed().as_secs_f64();
        let (mut kills, mut requeued, mut worker_rss, mut applying) = (0, 0, Vec::new(), Vec::new());
        if let Some(w) = night.workers.take() {
            let tallies = w.tallies.clone();
            w.shut_down().await?;
            kills = tallies.kills.load(Ordering::SeqCst);
            requeued = tallies.requeued.load(Ordering::SeqCst);
            worker_rss = tallies.peak_rss_mib.lock().unwrap_or_else(|e| e.into_inner()).clone();
            applying = std::mem::take(&mut *tallies.applying.lock().unwrap_or_else(|e| e.into_inner()));
        }
        night.pupil_check("pupils after the school-year transition equal the LAS's").await?;
        night.store_checks(&applying).await?;
        let store_bytes = night.store_bytes(dir).await;
        let mut s = std::mem::take(&mut *night.samples.lock().unwrap_or_else(|e| e.into_inner()));
        let (peak_global, peak_las) = night.limits.peaks();
        let store = match (&opts.database_url, opts.processes) {
            (None, _) => "SQLite".to_string(),
            (Some(_), false) => "PostgreSQL".to_string(),
            (Some(_), true) => "PostgreSQL, instances as processes".to_string(),
        };
        let results = night.phases.iter().find(|p| p.name == "record results").map_or(0, |p| p.items);
        for gw in &night.gws {
            gw.store().close().await;
        }
        Ok(Report {
            schools: opts.schools,
            pupils,
            las_servers: night.world.las.len(),
            dashboard_schools: night.world.schools.iter().filter(|s| s.dashboard).count(),
            instances: opts.instances,
            processes: opts.processes,
            kills,
            jobs_rerun: requeued,
            years_resumed: s.years_resumed,
            worker_peak_rss_mib: worker_rss,
            store,
            results,
            phases: night.phases,
            night_seconds,
            total_seconds: started.elapsed().as_secs_f64(),
            fetch: Latency::of(&mut s.fetch),
            apply: Latency::of(&mut s.apply),
            delivery: Latency::of(&mut s.delivery),
            messages: s.messages,
            fetch_limit_per_las: opts.fetch_per_las.max(1),
            fetch_limit_global: opts.fetch_global.max(1),
            fetch_peak_per_las: peak_las,
            fetch_peak_global: peak_global,
            fetch_retries: s.fetch_retries,
            delivery_retries: s.delivery_retries,
            peak_rss_mib: report::peak_rss_mib(),
            store_bytes,
            checks: night.checks,
        })
    }

    fn phase(&mut self, name: &str, since: Instant, items: usize, unit: &str) {
        let seconds = since.elapsed().as_secs_f64();
        let per_second = if seconds > 0.0 { items as f64 / seconds } else { 0.0 };
        self.phases.push(Phase { name: name.into(), seconds, items, unit: unit.into(), per_second });
    }

    fn bar(&self, name: &str, n: usize) -> ProgressBar {
        if !self.opts.progress {
            return ProgressBar::hidden();
        }
        let b = ProgressBar::new(n as u64);
        if let Ok(style) = ProgressStyle::with_template("{prefix:>22} [{bar:40}] {pos}/{len} {elapsed}") {
            b.set_style(style.progress_chars("=> "));
        }
        b.set_prefix(name.to_string());
        b
    }

    fn gw(&self, i: usize) -> Gateway {
        self.gws[i % self.gws.len()].clone()
    }

    /// The handshake for every school: ParnasSys (key in the LAS first, then request and
    /// approval), ESIS (request, approval, then the key after activation with a
    /// verification code); a dashboard link (SchoolKr8) for a quarter of the schools.
    async fn links(&mut self) -> Result<Vec<Links>, Failure> {
        let t = Instant::now();
        let bar = self.bar("links", self.world.schools.len());
        let jobs: Vec<_> = (0..self.world.schools.len())
            .map(|i| {
                let (gw, world, year, bar) = (self.gw(i), self.world.clone(), self.world.schooljaar, bar.clone());
                async move {
                    let r = link(&gw, &world, i, year).await;
                    bar.inc(1);
                    r
                }
            })
            .collect();
        let links = all(jobs, 16).await?;
        bar.finish_and_clear();
        let n = links.len() + links.iter().filter(|l| l.dashboard.is_some()).count();
        self.phase("links", t, n, "link");
        Ok(links)
    }

    /// A fetch of every LAS link (full, or delta when possible), its proposal applied.
    async fn imports(&mut self, links: &[Links], full: bool) -> Result<(), Failure> {
        self.world.arm();
        let t = Instant::now();
        let name = if full { "full fetch + apply" } else { "delta fetch + apply" };
        let jobs = links
            .iter()
            .enumerate()
            .map(|(i, l)| Job::Import { link: l.las, endpoint: self.world.las_of(i).endpoint.clone(), full })
            .collect();
        self.run_jobs(name, jobs, self.opts.fetch_global.max(1) * 2).await?;
        self.phase(name, t, links.len(), "fetch");
        Ok(())
    }

    /// Runs jobs (job `i` on instance `i` mod M in this process, or on whichever worker
    /// process is free), `lanes` at once in all; the outcomes in job order, in the samples.
    async fn run_jobs(&mut self, name: &str, jobs: Vec<Job>, lanes: usize) -> Result<Vec<Outcome>, Failure> {
        let bar = self.bar(name, jobs.len());
        let outcomes = match &self.workers {
            Some(w) => w.run_all(jobs, &self.limits, lanes, &bar).await?,
            None => {
                let tasks: Vec<_> = jobs
                    .into_iter()
                    .enumerate()
                    .map(|(i, job)| {
                        let (gw, limits, bar) = (self.gw(i), self.limits.clone(), bar.clone());
                        async move {
                            let o = jobs::execute(&gw, Some(&limits), &job, &()).await;
                            bar.inc(1);
                            o
                        }
                    })
                    .collect();
                all(tasks, lanes).await?
            }
        };
        bar.finish_and_clear();
        let mut s = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        for o in &outcomes {
            s.add(o);
        }
        Ok(outcomes)
    }

    /// The dashboard knows the school's pupils by their Boom numbers, and has the tests
    /// activated (as a school sets it up).
    async fn dashboards(&mut self, links: &[Links]) -> Result<(), Failure> {
        let t = Instant::now();
        let jobs: Vec<_> = links
            .iter()
            .enumerate()
            .filter(|(_, l)| l.dashboard.is_some())
            .map(|(i, _)| {
                let (gw, world) = (self.gw(i), self.world.clone());
                async move {
                    let loc = &world.schools[i].location;
                    let numbers: Vec<String> =
                        gw.boom_numbers(loc, None).await?.into_iter().map(|b| b.boom_nummer).collect();
                    world.dashboard.add_leerlingnummers(loc, &numbers).await.map_err(mock_err)?;
                    for code in world::TOETSEN {
                        let a = ActivateToets { toetscode: code.into(), onderdelen: Vec::new() };
                        world.dashboard.activate_toets(loc, &a).await.map_err(mock_err)?;
                    }
                    Ok::<_, Failure>(())
                }
            })
            .collect();
        let n = jobs.len();
        all(jobs, 8).await?;
        self.phase("dashboard pupils", t, n, "school");
        Ok(())
    }

    /// One pupil joins every school in the LAS, for the delta to bring.
    async fn changes(&mut self) -> Result<(), Failure> {
        let t = Instant::now();
        for (i, s) in self.world.schools.iter().enumerate() {
            let las = &self.world.las_of(i).las;
            let groep = las
                .groepen(&s.location)
                .await
                .map_err(mock_err)?
                .into_iter()
                .find(|g| !g.samengesteld && g.jaargroep.as_deref().is_some_and(|j| j.parse::<u8>().is_ok()));
            let jaargroep = groep.as_ref().and_then(|g| g.jaargroep.clone());
            let age = jaargroep.as_deref().and_then(|j| j.parse::<i32>().ok()).map_or(8, |j| j + 4);
            let new = NewLeerling {
                key: format!("SIM-{i}"),
                achternaam: Some(format!("Nieuw{i}")),
                roepnaam: "Sam".into(),
                geboortedatum: Some(format!("{}-05-06", i32::from(self.world.schooljaar.start()) - age)),
                geslacht: Some("9".into()),
                jaargroep,
                groep: groep.map(|g| g.key),
                ..Default::default()
            };
            las.add_leerling(&s.location, new).await.map_err(mock_err)?;
        }
        self.phase("changes in the LAS", t, self.world.schools.len(), "school");
        Ok(())
    }

    /// K results per pupil, a school's in one transaction; the result keys per school.
    async fn record(&mut self, links: &[Links]) -> Result<Vec<HashSet<u64>>, Failure> {
        let t = Instant::now();
        let k = self.opts.results_per_pupil;
        let bar = self.bar("record results", links.len());
        let day = chrono::NaiveDate::from_ymd_opt(i32::from(self.world.schooljaar.start()), 11, 20)
            .ok_or_else(|| Failure::usage("no 20 November"))?;
        let jobs: Vec<_> = (0..links.len())
            .map(|i| {
                let (gw, world, bar) = (self.gw(i), self.world.clone(), bar.clone());
                async move {
                    let loc = &world.schools[i].location;
                    let pupils: Vec<i64> =
                        gw.records(loc).await?.leerlingen.iter().filter(|l| l.active).map(|l| l.id).collect();
                    let now = chrono::Utc::now();
                    let rs: Vec<NewResult> = (0..k)
                        .flat_map(|j| {
                            pupils.iter().map(move |p| NewResult {
                                leerling_id: *p,
                                toetscode: world::TOETSEN[j % world::TOETSEN.len()].into(),
                                toetsonderdeel: None,
                                afname: format!("s{}", j / world::TOETSEN.len()),
                                afnamedatum: day,
                                scores: Scores::Raw { score: ((*p as u64) * 7 + j as u64) % 1000 },
                                normed_at: now,
                            })
                        })
                        .collect();
                    let keys: HashSet<u64> =
                        gw.record_results(&rs, ADMIN).await?.iter().map(|r| las::hashed(&r.key)).collect();
                    bar.inc(1);
                    Ok::<_, Failure>(keys)
                }
            })
            .collect();
        let keys = all(jobs, 2 * self.gws.len()).await?;
        bar.finish_and_clear();
        let n = keys.iter().map(HashSet::len).sum();
        self.phase("record results", t, n, "result");
        Ok(keys)
    }

    /// Every active link's results delivered: `--delivery-workers` runs at once per
    /// instance, one link each; links with postponed results again after the backoff.
    async fn deliver(&mut self) -> Result<(), Failure> {
        self.world.arm();
        let t = Instant::now();
        let mut todo: Vec<i64> = self.gws[0]
            .koppelingen(None)
            .await?
            .into_iter()
            .filter(|k| k.status == crate::koppeling::Status::Active)
            .map(|k| k.id)
            .collect();
        let lanes = self.opts.delivery_workers.max(1) * self.opts.instances.max(1);
        let mut pass = 0;
        while !todo.is_empty() {
            if pass > 0 {
                self.samples.lock().unwrap_or_else(|e| e.into_inner()).delivery_retries += todo.len();
                tokio::time::sleep(Duration::from_millis(1100)).await;
            }
            if pass == DELIVERY_PASSES {
                break;
            }
            let jobs = todo.iter().map(|link| Job::Deliver { link: *link }).collect();
            let outcomes = self.run_jobs("deliver", jobs, lanes).await?;
            todo = todo.into_iter().zip(outcomes).filter(|(_, o)| o.again).map(|(l, _)| l).collect();
            pass += 1;
        }
        let results = self.count("SELECT COUNT(*) FROM deliveries WHERE status = 'sent'").await?;
        self.phase("deliver", t, usize::try_from(results).unwrap_or(0), "result");
        Ok(())
    }

    /// The next school year: every school's LAS rolls over, the admin prepares the year on
    /// 20 August (the gateway's clock moved there), and its import is applied.
    async fn year(&mut self, links: &[Links]) -> Result<(), Failure> {
        let t = Instant::now();
        for (i, s) in self.world.schools.iter().enumerate() {
            self.world.las_of(i).las.rollover(&s.location).await.map_err(mock_err)?;
        }
        self.world.arm();
        let at = chrono::NaiveDate::from_ymd_opt(i32::from(self.world.schooljaar.start()) + 1, 8, 20)
            .and_then(|d| d.and_hms_opt(9, 0, 0))
            .ok_or_else(|| Failure::usage("no 20 August"))?
            .and_utc();
        let jobs = links
            .iter()
            .enumerate()
            .map(|(i, l)| Job::Year {
                location: self.world.schools[i].location.clone(),
                link: l.las,
                endpoint: self.world.las_of(i).endpoint.clone(),
                at,
            })
            .collect();
        self.run_jobs("school year", jobs, self.opts.fetch_global.max(1) * 2).await?;
        self.phase("school year", t, links.len(), "school");
        Ok(())
    }

    /// The gateway's active pupils of every school against its LAS's.
    async fn pupil_check(&mut self, name: &str) -> Result<(), Failure> {
        self.world.disarm();
        let mut counts = Vec::with_capacity(self.world.schools.len());
        for (i, s) in self.world.schools.iter().enumerate() {
            let ours = self.gw(i).records(&s.location).await?.leerlingen.iter().filter(|l| l.active).count();
            let theirs = self.world.las_of(i).las.pupils(&s.location).await.map_err(mock_err)?;
            counts.push((s.location.clone(), ours, theirs));
        }
        self.checks.push(checks::pupils_equal(name, &counts));
        Ok(())
    }

    /// Each school's results at its LAS, and at the dashboard where it has one.
    async fn results_checks(&mut self, expected: &[HashSet<u64>]) -> Result<(), Failure> {
        self.world.disarm();
        let (mut las, mut dash) = (Tally::default(), Tally::default());
        for (i, s) in self.world.schools.iter().enumerate() {
            let got = self.world.las_of(i).las.results(&s.location).map_err(mock_err)?;
            las.add(&checks::results_once(&expected[i], got));
            if s.dashboard {
                let got = self.world.dashboard.results(&s.location).await.map_err(mock_err)?;
                dash.add(&checks::results_once(
                    &expected[i],
                    got.results.iter().map(|r| (las::hashed(&r.leerling), las::hashed(&r.key))),
                ));
            }
        }
        self.checks.push(checks::results_check("each result at its LAS exactly once", &las));
        self.checks.push(checks::results_check("each result at its dashboard exactly once", &dash));
        let left = self.count("SELECT COUNT(*) FROM deliveries WHERE status IN ('pending', 'failed')").await?;
        self.checks.push(Check {
            name: "the delivery outbox is empty".into(),
            ok: left == 0,
            detail: format!("{left} delivery row(s) pending or failed"),
        });
        Ok(())
    }

    /// `applying`: the proposals worker processes said they were about to apply; one whose
    /// worker was killed before it answered is the admin's if the store has it applied.
    async fn store_checks(&mut self, applying: &[i64]) -> Result<(), Failure> {
        let rows = sqlx::query("SELECT id FROM proposals WHERE status = 'applied'")
            .fetch_all(self.gws[0].store().pool())
            .await
            .map_err(GatewayError::from)?;
        let store: Vec<i64> = rows.iter().filter_map(|r| r.try_get::<i64, _>(0).ok()).collect();
        let mut ours = self.samples.lock().unwrap_or_else(|e| e.into_inner()).applied.clone();
        let answered: HashSet<i64> = ours.iter().copied().collect();
        let in_store: HashSet<i64> = store.iter().copied().collect();
        let unanswered: HashSet<i64> =
            applying.iter().copied().filter(|p| !answered.contains(p) && in_store.contains(p)).collect();
        ours.extend(&unanswered);
        let mut check = checks::proposals_once(&ours, &store);
        if !unanswered.is_empty() {
            check.detail.push_str(&format!(" ({} of them by a worker killed before it answered)", unanswered.len()));
        }
        self.checks.push(check);
        Ok(())
    }

    async fn count(&self, sql: &'static str) -> Result<i64, Failure> {
        let row = sqlx::query(sql).fetch_one(self.gws[0].store().pool()).await.map_err(GatewayError::from)?;
        Ok(row.try_get::<i64, _>(0).map_err(GatewayError::from)?)
    }

    async fn store_bytes(&self, dir: &std::path::Path) -> u64 {
        if self.opts.database_url.is_some() {
            let q = "SELECT CAST(pg_database_size(current_database()) AS BIGINT)";
            return match sqlx::query(q).fetch_one(self.gws[0].store().pool()).await {
                Ok(r) => r.try_get::<i64, _>(0).map_or(0, |n| u64::try_from(n).unwrap_or(0)),
                Err(_) => 0,
            };
        }
        ["uwlr.sqlite3", "uwlr.sqlite3-wal"]
            .iter()
            .filter_map(|f| std::fs::metadata(dir.join(f)).ok())
            .map(|m| m.len())
            .sum()
    }
}

/// One school's links, as its admins and support set them up.
async fn link(gw: &Gateway, world: &World, i: usize, year: Schooljaar) -> Result<Links, Failure> {
    let school = &world.schools[i];
    let las = world.las_of(i);
    let loc = school.location.clone();
    let mut req = KoppelingRequest {
        location: loc.clone(),
        schooljaar: year.to_string(),
        kind: if las.profile == Profile::Esis { Kind::Esis } else { Kind::Parnassys },
        endpoint: Some(las.endpoint.clone()),
        key: None,
        reason: None,
    };
    let id = match las.profile {
        Profile::Parnassys => {
            req.key =
                Some(las.las.issue_key(&loc, &IssueKeyRequest::default()).await.map_err(mock_err)?.autorisatiesleutel);
            let k = gw.request_koppeling(&req, ADMIN).await?;
            gw.approve_koppeling(k.id, ADMIN, None).await?.id
        }
        Profile::Esis => {
            let k = gw.request_koppeling(&req, ADMIN).await?;
            gw.approve_koppeling(k.id, ADMIN, None).await?;
            let code = IssueKeyRequest { klantcode: None, verificatiecode: Some(format!("{loc}-simulatie-activatie")) };
            let key = las.las.issue_key(&loc, &code).await.map_err(mock_err)?.autorisatiesleutel;
            gw.set_koppeling_key(k.id, &key, ADMIN).await?.id
        }
    };
    let dashboard = if school.dashboard {
        let key = world.dashboard.issue_key(&loc, &DashboardKeyRequest::default()).await.map_err(mock_err)?;
        let req = KoppelingRequest {
            location: loc,
            schooljaar: year.to_string(),
            kind: Kind::Schoolkr8,
            endpoint: Some(world.dashboard_endpoint.clone()),
            key: Some(key.autorisatiesleutel),
            reason: None,
        };
        let k = gw.request_koppeling(&req, ADMIN).await?;
        Some(gw.approve_koppeling(k.id, ADMIN, None).await?.id)
    } else {
        None
    };
    Ok(Links { las: id, dashboard })
}

/// Runs the jobs, at most `n` at once, in tasks; the results in order, or the first failure.
async fn all<T, F>(jobs: Vec<F>, n: usize) -> Result<Vec<T>, Failure>
where
    T: Send + 'static,
    F: Future<Output = Result<T, Failure>> + Send + 'static,
{
    let gate = Arc::new(tokio::sync::Semaphore::new(n.max(1)));
    let mut set = tokio::task::JoinSet::new();
    let count = jobs.len();
    for (i, job) in jobs.into_iter().enumerate() {
        let gate = gate.clone();
        set.spawn(async move {
            let _p = gate.acquire_owned().await;
            (i, job.await)
        });
    }
    let mut out: Vec<Option<T>> = (0..count).map(|_| None).collect();
    while let Some(r) = set.join_next().await {
        let (i, r) = r.map_err(|e| Failure::usage(format!("a simulation task failed: {e}")))?;
        out[i] = Some(r?);
    }
    Ok(out.into_iter().flatten().collect())
}

fn mock_err(e: AdminError) -> Failure {
    Failure::usage(format!("a mock: {e}"))
}
