//! The databases every store test runs against: a fresh SQLite file, and a fresh database
//! in a throwaway PostgreSQL cluster that this test binary starts with the machine's
//! `initdb` and `postgres` (found on PATH, in `UWLR_PG_BIN`, or under
//! /usr/lib/postgresql/*/bin). `UWLR_TEST_POSTGRES=postgres://…` uses a running server
//! instead. Without PostgreSQL the PostgreSQL half is skipped with a message, except under
//! `CI=true`, where a skipped database is a failure.
//!
//! The cluster dies with the test binary: postgres is started with a parent-death signal
//! from a thread that lives as long as the process, and an exit handler stops it and removes
//! its folder. The folders of test binaries killed before their handler could run are
//! removed by the next cluster start.
// libc calls (process groups, signals, umask) need `unsafe`; the library forbids it.
#![allow(unsafe_code)]
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use uwlr::store::Store;

/// One database under test; the SQLite file and the PostgreSQL database are removed with it
/// (the cluster's folder goes when the process ends).
pub struct TestDb {
    pub name: &'static str,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn store(&self) -> Store {
        Store::connect(&self.url).await.unwrap_or_else(|e| panic!("{}: {e}", self.name))
    }
}

/// SQLite, then PostgreSQL (unless unavailable outside CI).
pub async fn databases() -> Vec<TestDb> {
    let mut v = vec![sqlite()];
    if let Some(pg) = postgres().await {
        v.push(pg);
    }
    v
}

pub fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.sqlite3").display());
    TestDb { name: "sqlite", url, _dir: Some(dir) }
}

/// A new, empty PostgreSQL database.
pub async fn postgres() -> Option<TestDb> {
    let server = match server() {
        Ok(url) => url,
        Err(why) => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("PostgreSQL is required under CI=true and could not be started: {why}");
            }
            eprintln!("note: PostgreSQL half of the store tests skipped: {why}");
            return None;
        }
    };
    static N: AtomicUsize = AtomicUsize::new(0);
    let db = format!("t{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
    let admin = format!("{server}/postgres");
    use sqlx::{Connection, Executor};
    let t = Instant::now();
    let mut conn = loop {
        match sqlx::PgConnection::connect(&admin).await {
            Ok(c) => break c,
            Err(e) if t.elapsed() > Duration::from_secs(20) => panic!("connect to the test cluster: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    };
    conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}"))).await.expect("create a test database");
    Some(TestDb { name: "postgres", url: format!("{server}/{db}"), _dir: None })
}

/// `postgres://user@host:port` of the cluster, started once per test binary.
fn server() -> Result<String, String> {
    static SERVER: OnceLock<Result<String, String>> = OnceLock::new();
    SERVER
        .get_or_init(|| {
            if let Ok(url) = std::env::var("UWLR_TEST_POSTGRES") {
                return Ok(url.trim_end_matches('/').to_string());
            }
            // A thread that never ends spawns the cluster: the parent-death signal fires
            // when the spawning thread ends, and a test's own thread ends with the test.
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                match start_cluster() {
                    Ok((url, child, dir)) => {
                        // Nothing is dropped at exit (this thread is parked, the others are
                        // not joined), so the folder would stay behind without the handler.
                        if CLUSTER.set((child.id() as libc::pid_t, dir.path().to_path_buf())).is_ok() {
                            // SAFETY: registering a handler has no preconditions; the handler
                            // only reads CLUSTER, which is set before.
                            unsafe { libc::atexit(stop_cluster) };
                        }
                        let _ = tx.send(Ok(url));
                        // Keeps the data folder (and this thread) alive until the process ends.
                        loop {
                            std::thread::park();
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                    }
                }
            });
            rx.recv().map_err(|e| e.to_string())?
        })
        .clone()
}

/// In the cluster's folder: the pid of the test binary it belongs to, for
/// [`sweep_stale_clusters`].
const OWNER: &str = "owner.pid";

/// The postmaster's pid and the cluster's folder, for [`stop_cluster`].
static CLUSTER: OnceLock<(libc::pid_t, PathBuf)> = OnceLock::new();

/// Exit handler: an immediate shutdown (SIGQUIT; the databases are throwaway, so nothing
/// needs to be flushed), then the folder (~140 MB) goes.
extern "C" fn stop_cluster() {
    let Some((pid, dir)) = CLUSTER.get() else { return };
    // SAFETY: the postmaster is our child and nothing else waits for it, so until it is
    // reaped here its pid cannot be reused by another process.
    unsafe { libc::kill(*pid, libc::SIGQUIT) };
    let t = Instant::now();
    loop {
        let mut status = 0;
        // SAFETY: a valid pointer to a status; WNOHANG returns at once.
        let r = unsafe { libc::waitpid(*pid, &mut status, libc::WNOHANG) };
        if r != 0 {
            break; // reaped, or not ours to wait for (-1)
        }
        if t.elapsed() > Duration::from_secs(5) {
            // Removing the folder under a running postmaster would leave a broken cluster
            // behind, so one that ignores SIGQUIT is killed.
            // SAFETY: as above, the pid is still our unreaped child.
            unsafe {
                libc::kill(*pid, libc::SIGKILL);
                libc::waitpid(*pid, &mut status, 0);
            }
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// Removes the folders of clusters whose test binary was killed (SIGKILL runs no exit
/// handler): the postmaster named in `data/postmaster.pid` is gone, or there is no such file
/// (a postmaster removes it when it stops, and the parent-death signal stops it when the
/// test binary dies) and the test binary named in `owner.pid` is gone. A folder without
/// either pid is removed only after an hour, since another test binary may be creating it
/// right now. A folder whose postmaster is alive is never touched.
fn sweep_stale_clusters() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else { return };
    for e in entries.flatten() {
        if !e.file_name().to_string_lossy().starts_with("uwlr-pg-") {
            continue;
        }
        let dir = e.path();
        // symlink_metadata: a link named like ours is not ours to follow.
        let Ok(meta) = std::fs::symlink_metadata(&dir) else { continue };
        if !meta.is_dir() {
            continue;
        }
        let old =
            || meta.modified().ok().and_then(|m| m.elapsed().ok()).is_some_and(|age| age > Duration::from_secs(3600));
        let stale = match (first_pid(&dir.join("data").join("postmaster.pid")), first_pid(&dir.join(OWNER))) {
            (Some(postmaster), _) => !alive(postmaster),
            (None, Some(owner)) => !alive(owner) || old(),
            (None, None) => old(),
        };
        if stale {
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}

/// The pid on the first line of `file`, if there is one.
fn first_pid(file: &Path) -> Option<libc::pid_t> {
    let text = std::fs::read_to_string(file).ok()?;
    text.lines().next()?.trim().parse().ok().filter(|&pid| pid > 0)
}

/// Whether a process with this pid exists (EPERM: it exists, as another user).
fn alive(pid: libc::pid_t) -> bool {
    // SAFETY: signal 0 sends nothing, it only checks the pid.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

fn bin_dir() -> Result<PathBuf, String> {
    if let Ok(d) = std::env::var("UWLR_PG_BIN") {
        return Ok(PathBuf::from(d));
    }
    if let Some(p) = std::env::var_os("PATH") {
        for d in std::env::split_paths(&p) {
            if d.join("initdb").exists() && d.join("postgres").exists() {
                return Ok(d);
            }
        }
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|rd| {
            rd.filter_map(|e| e.ok()).map(|e| e.path().join("bin")).filter(|b| b.join("initdb").exists()).collect()
        })
        .unwrap_or_default();
    found.sort();
    found.pop().ok_or_else(|| {
        "no initdb/postgres found (install PostgreSQL, e.g. apt-get install postgresql, or set UWLR_PG_BIN)".into()
    })
}

/// PostgreSQL refuses to run as root: as root, run it as the `postgres` user (or `nobody`).
fn run_as() -> Option<(u32, u32)> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    for name in [c"postgres", c"nobody"] {
        // SAFETY: a valid NUL-terminated name; the result is read before any other getpw call.
        let pw = unsafe { libc::getpwnam(name.as_ptr()) };
        if !pw.is_null() {
            // SAFETY: non-null result of getpwnam.
            return Some(unsafe { ((*pw).pw_uid, (*pw).pw_gid) });
        }
    }
    None
}

fn command(bin: &Path, as_user: Option<(u32, u32)>, die_with_parent: bool) -> Command {
    use std::os::unix::process::CommandExt;
    let mut c = Command::new(bin);
    // SAFETY: only async-signal-safe calls between fork and exec. The credentials change
    // first because changing them clears the parent-death signal.
    unsafe {
        c.pre_exec(move || {
            if let Some((uid, gid)) = as_user {
                if libc::setgid(gid) != 0 || libc::setuid(uid) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            if die_with_parent {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            }
            Ok(())
        });
    }
    c
}

fn start_cluster() -> Result<(String, Child, tempfile::TempDir), String> {
    sweep_stale_clusters();
    let bin = bin_dir()?;
    let user = run_as();
    let dir = tempfile::Builder::new().prefix("uwlr-pg-").tempdir().map_err(|e| e.to_string())?;
    std::fs::write(dir.path().join(OWNER), std::process::id().to_string()).map_err(|e| e.to_string())?;
    if let Some((uid, gid)) = user {
        std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).map_err(|e| e.to_string())?;
    }
    let data = dir.path().join("data");
    let out = command(&bin.join("initdb"), user, false)
        .args(["-A", "trust", "-U", "uwlr", "-E", "UTF8", "--no-sync", "-D"])
        .arg(&data)
        .output()
        .map_err(|e| format!("initdb: {e}"))?;
    if !out.status.success() {
        return Err(format!("initdb failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let port =
        std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?.port();
    let log = std::fs::File::create(dir.path().join("postgres.log")).map_err(|e| e.to_string())?;
    if let Some((uid, gid)) = user {
        std::os::unix::fs::chown(dir.path().join("postgres.log"), Some(uid), Some(gid)).map_err(|e| e.to_string())?;
    }
    let child = command(&bin.join("postgres"), user, true)
        .arg("-D")
        .arg(&data)
        .args(["-p", &port.to_string(), "-c", "listen_addresses=127.0.0.1", "-k"])
        .arg(dir.path())
        .args(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"])
        .args(["-c", "max_connections=200"])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map_err(|e| format!("postgres: {e}"))?;
    let t = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if t.elapsed() > Duration::from_secs(30) {
            let log = std::fs::read_to_string(dir.path().join("postgres.log")).unwrap_or_default();
            return Err(format!("postgres did not start within 30 s: {log}"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok((format!("postgres://uwlr@127.0.0.1:{port}"), child, dir))
}

// ---- the gateway and a mock LAS on loopback ------------------------------------------------

use chrono::{TimeZone, Utc};
use std::sync::Arc;
use uwlr::gateway::{Gateway, Settings};
use uwlr::message::values::Schooljaar;
use uwlr::mock::las::{DeltaMode, IssueKeyRequest, SchoolSetup};
use uwlr::mock::{Klant, ManualClock, MockLas, Profile};
use uwlr::server::{bind, serve, RunningServer, ServerConfig};
use uwlr::vault::Vault;

pub const SCHOOLJAAR: &str = "2025-2026";

pub fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2025, 10, 1, 8, 0, 0).unwrap()))
}

pub async fn gateway(db: &TestDb, clock: Arc<ManualClock>) -> Gateway {
    Gateway::new(db.store().await, Vault::from_master(&[7; 32]), clock, Settings::default())
}

/// A mock LAS serving school 99DE00 (`pupils` generated pupils) and 99DF00 on loopback.
pub struct Las {
    pub las: MockLas,
    pub server: RunningServer,
    /// The UWLR base URL: `…/leerlinggegevens` and `…/leerresultaten` are under it.
    pub endpoint: String,
}

pub async fn las(profile: Profile, pupils: usize, clock: Arc<ManualClock>) -> Las {
    las_with(profile, pupils, clock, DeltaMode::Full).await
}

/// As [`las`], answering requests with `laatstontvangengegevens` as `delta` says.
pub async fn las_with(profile: Profile, pupils: usize, clock: Arc<ManualClock>, delta: DeltaMode) -> Las {
    let year = Schooljaar::new(2025).unwrap();
    let las = MockLas::builder(profile)
        .delta(delta)
        .clock(clock)
        .klant(Klant::boom())
        .school(SchoolSetup::generated("99DE", "00", pupils, 1, year))
        .school(SchoolSetup::generated("99DF", "00", 20, 2, year))
        .build()
        .unwrap();
    let server = serve(Arc::new(las.clone()), bind("127.0.0.1:0".parse().unwrap()).unwrap(), ServerConfig::default())
        .await
        .unwrap();
    let endpoint = format!("{}/uwlr", server.base_url());
    Las { las, server, endpoint }
}

impl Las {
    /// The school takes the koppeling in its LAS and gets a key (ParnasSys), or activates
    /// it with a verification code (ESIS).
    pub async fn issue_key(&self, school: &str) -> String {
        let verificatiecode = (self.las.profile() == Profile::Esis).then(|| format!("{school}-boom-testcentrum-2025"));
        let req = IssueKeyRequest { klantcode: None, verificatiecode };
        self.las.issue_key(school, &req).await.unwrap().autorisatiesleutel
    }
}

/// The message of a refusal that conflicts with the state; anything else fails the test.
pub fn conflict(e: uwlr::gateway::GatewayError) -> String {
    match e {
        uwlr::gateway::GatewayError::Conflict(m) => m,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

pub fn no_progress() -> impl Fn(uwlr::gateway::imports::Progress) + Send + Sync {
    |_| {}
}

/// A gateway with an active ParnasSys link to 99DE00 of `las`; returns the link's id.
pub async fn active_link(gw: &Gateway, las: &Las) -> i64 {
    use uwlr::gateway::koppelingen::KoppelingRequest;
    let key = las.issue_key("99DE00").await;
    let req = KoppelingRequest {
        location: "99DE00".into(),
        schooljaar: SCHOOLJAAR.into(),
        kind: uwlr::koppeling::Kind::Parnassys,
        endpoint: Some(las.endpoint.clone()),
        key: Some(key),
        reason: None,
    };
    let k = gw.request_koppeling(&req, "admin@school").await.unwrap();
    gw.approve_koppeling(k.id, "support@boom", None).await.unwrap();
    k.id
}
