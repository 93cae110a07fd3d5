//! The `uwlr mock-las` and `uwlr mock-dashboard` commands: argument types and runners (the
//! mocks themselves are [`crate::mock`]), so that `src/main.rs` stays a dispatcher. Serving
//! prints the URLs (and, without a config file, the demo key) to standard output, one fact
//! per line; `admin` steps call a running mock's admin API and print its JSON answer.

use crate::gateway::journal::ServedJournal;
use crate::mock::admin::{dashboard_router, las_router, serve_admin, AdminServer};
use crate::mock::config::{DashboardConfig, LasConfig};
use crate::mock::dashboard::{DashboardKind, MockDashboard};
use crate::mock::faults::{FaultKind, FaultSetting};
use crate::mock::keys::{generate_key, ALPHANUMERIC};
use crate::mock::las::{DeltaMode, MockLas, Profile};
use crate::mock::{Clock, SystemClock};
use crate::server::listener::bind_str;
use crate::server::{serve, LasProvider, RunningServer, ServerConfig, TlsConfig};
use clap::{Args, Subcommand};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// `uwlr mock-las`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct MockLasArgs {
    #[command(subcommand)]
    pub admin: Option<LasAdminCommand>,
    /// Which LAS to play (the config file's profile otherwise; default parnassys).
    #[arg(long, value_parser = Profile::parse)]
    pub profile: Option<Profile>,
    #[command(flatten)]
    pub serve: ServeArgs,
    /// With `laatstontvangengegevens` and changes: send everything (full) or only the
    /// changed pupils and teachers (changed). Overrides the config file.
    #[arg(long, value_parser = parse_delta)]
    pub delta: Option<DeltaMode>,
    /// Serve this answer file (a pupil-data answer or a fault, bare or enveloped) to
    /// pupil-data requests whose gegevenssetid is the file name without .xml; repeatable.
    #[arg(long = "answer", value_name = "FILE")]
    pub answers: Vec<PathBuf>,
}

/// `uwlr mock-dashboard`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct MockDashboardArgs {
    #[command(subcommand)]
    pub admin: Option<DashboardAdminCommand>,
    /// Which dashboard to play (default schoolkr8).
    #[arg(long, value_parser = DashboardKind::parse)]
    pub kind: Option<DashboardKind>,
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// What both mocks take to serve.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address of the UWLR (SOAP) listener.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Server certificate chain (PEM): serve HTTPS.
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// Private key of the server certificate (PEM).
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// CA (PEM) that client certificates must chain to: demand a client certificate.
    /// Required for the esis profile over TLS.
    #[arg(long, requires = "tls_cert")]
    pub client_ca: Option<PathBuf>,
    /// Configuration file (TOML); see docs/mock-las.md.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Address of the admin API (JSON over HTTP); none without it.
    #[arg(long)]
    pub admin_listen: Option<String>,
    /// Bearer token of the admin API; generated and printed when absent.
    #[arg(long, requires = "admin_listen")]
    pub admin_token: Option<String>,
    /// Start with fault injection: delay:MS, drop, http or http:STATUS, tijdelijk, malformed,
    /// schema-invalid, wrong-code or wrong-code:CODE, internal, serve-2.2-only.
    #[arg(long, value_parser = FaultKind::parse_cli)]
    pub fault: Option<FaultKind>,
    /// Only for the next N requests.
    #[arg(long, requires = "fault")]
    pub fault_count: Option<u32>,
    /// Only for these request elements (e.g. leerresultaten_verzoek); repeatable.
    #[arg(long, requires = "fault")]
    pub fault_operation: Vec<String>,
    /// Keep every exchange served in a gateway's exchange journal, key masked
    /// (docs/journal.md): the gateway's data folder (its SQLite database) or a database URL
    /// (sqlite://FILE, postgres://…). Off by default.
    #[arg(long, value_name = "DIR|URL")]
    pub journal_served: Option<String>,
}

fn parse_delta(s: &str) -> Result<DeltaMode, String> {
    match s {
        "full" => Ok(DeltaMode::Full),
        "changed" => Ok(DeltaMode::Changed),
        _ => Err(format!("'{s}': expected full or changed")),
    }
}

/// Where an admin step is sent.
#[derive(Debug, Args)]
pub struct AdminTarget {
    /// Base URL of the admin API, e.g. http://127.0.0.1:9090.
    #[arg(long)]
    pub admin_url: String,
    /// The admin bearer token.
    #[arg(long)]
    pub token: String,
}

#[derive(Debug, Subcommand)]
pub enum LasAdminCommand {
    /// Call a running mock LAS's admin API and print the JSON answer.
    Admin {
        #[command(flatten)]
        target: AdminTarget,
        #[command(subcommand)]
        step: LasStep,
    },
}

#[derive(Debug, Subcommand)]
pub enum DashboardAdminCommand {
    /// Call a running mock dashboard's admin API and print the JSON answer.
    Admin {
        #[command(flatten)]
        target: AdminTarget,
        #[command(subcommand)]
        step: DashboardStep,
    },
}

#[derive(Debug, Args)]
pub struct SchoolArg {
    /// BRIN + dependance (99DE00) or schoolkey.
    #[arg(long)]
    pub school: String,
}

#[derive(Debug, Subcommand)]
pub enum LasStep {
    /// List the schools (keys as metadata only).
    Schools,
    /// ParnasSys: take the koppeling and set a new key. ESIS: activate with a
    /// verificatiecode. Prints the key (shown once).
    IssueKey {
        #[command(flatten)]
        school: SchoolArg,
        #[arg(long)]
        klantcode: Option<String>,
        #[arg(long)]
        verificatiecode: Option<String>,
    },
    /// Revoke every key of the school.
    RevokeKey {
        #[command(flatten)]
        school: SchoolArg,
    },
    /// List pupils.
    Pupils {
        #[command(flatten)]
        school: SchoolArg,
    },
    AddPupil {
        #[command(flatten)]
        school: SchoolArg,
        #[arg(long)]
        key: String,
        #[arg(long)]
        roepnaam: String,
        #[arg(long)]
        achternaam: Option<String>,
        #[arg(long)]
        voorvoegsel: Option<String>,
        #[arg(long)]
        geboortedatum: Option<String>,
        #[arg(long)]
        jaargroep: Option<String>,
        #[arg(long)]
        groep: Option<String>,
        #[arg(long)]
        eckid: Option<String>,
    },
    /// Move a pupil to another group and/or year level.
    MovePupil {
        #[command(flatten)]
        school: SchoolArg,
        #[arg(long)]
        key: String,
        #[arg(long)]
        groep: Option<String>,
        #[arg(long)]
        jaargroep: Option<String>,
    },
    RenamePupil {
        #[command(flatten)]
        school: SchoolArg,
        #[arg(long)]
        key: String,
        #[arg(long)]
        roepnaam: Option<String>,
        #[arg(long)]
        achternaam: Option<String>,
        #[arg(long)]
        voorvoegsel: Option<String>,
    },
    RemovePupil {
        #[command(flatten)]
        school: SchoolArg,
        #[arg(long)]
        key: String,
    },
    Teachers {
        #[command(flatten)]
        school: SchoolArg,
    },
    AddTeacher {
        #[command(flatten)]
        school: SchoolArg,
        #[arg(long)]
        key: String,
        #[arg(long)]
        roepnaam: String,
        #[arg(long)]
        achternaam: Option<String>,
        #[arg(long)]
        emailadres: Option<String>,
        /// Class group key; repeatable.
        #[arg(long)]
        groep: Vec<String>,
    },
    RenameTeacher {
        #[command(flatten)]
        school: SchoolArg,
        #[arg(long)]
        key: String,
        #[arg(long)]
        roepnaam: Option<String>,
        #[arg(long)]
        achternaam: Option<String>,
        #[arg(long)]
        emailadres: Option<String>,
    },
    RemoveTeacher {
        #[command(flatten)]
        school: SchoolArg,
        #[arg(long)]
        key: String,
    },
    Groups {
        #[command(flatten)]
        school: SchoolArg,
    },
    AddGroup {
        #[command(flatten)]
        school: SchoolArg,
        #[arg(long)]
        key: String,
        #[arg(long)]
        naam: String,
        #[arg(long)]
        jaargroep: Option<String>,
        /// A samengestelde_groep.
        #[arg(long)]
        samengesteld: bool,
    },
    RenameGroup {
        #[command(flatten)]
        school: SchoolArg,
        #[arg(long)]
        key: String,
        #[arg(long)]
        naam: String,
    },
    RemoveGroup {
        #[command(flatten)]
        school: SchoolArg,
        #[arg(long)]
        key: String,
    },
    /// Roll over to the next school year.
    Rollover {
        #[command(flatten)]
        school: SchoolArg,
    },
    /// The change log.
    Changes {
        #[command(flatten)]
        school: SchoolArg,
    },
    /// Received results: list, distinct count, delivery count.
    Results {
        #[command(flatten)]
        school: SchoolArg,
    },
    /// Show, set or clear fault injection.
    Fault(FaultArgs),
}

#[derive(Debug, Args)]
pub struct FaultArgs {
    /// delay:MS, drop, http or http:STATUS, tijdelijk, malformed, schema-invalid, wrong-code or wrong-code:CODE,
    /// internal, serve-2.2-only.
    #[arg(long, value_parser = FaultKind::parse_cli, conflicts_with = "clear")]
    pub set: Option<FaultKind>,
    #[arg(long, requires = "set")]
    pub count: Option<u32>,
    #[arg(long, requires = "set")]
    pub operation: Vec<String>,
    #[arg(long)]
    pub clear: bool,
}

#[derive(Debug, Subcommand)]
pub enum DashboardStep {
    Schools,
    /// Issue a dashboard key (given with --key, or generated). Prints it (shown once).
    IssueKey {
        #[command(flatten)]
        school: SchoolArg,
        #[arg(long)]
        key: Option<String>,
        #[arg(long)]
        klantcode: Option<String>,
    },
    RevokeKey {
        #[command(flatten)]
        school: SchoolArg,
    },
    /// Enter Boom pupil numbers; repeatable.
    AddNumbers {
        #[command(flatten)]
        school: SchoolArg,
        #[arg(long = "nummer", required = true)]
        nummers: Vec<String>,
    },
    RemoveNumber {
        #[command(flatten)]
        school: SchoolArg,
        #[arg(long)]
        nummer: String,
    },
    /// Activate a test (all parts, or those given with --onderdeel).
    ActivateTest {
        #[command(flatten)]
        school: SchoolArg,
        #[arg(long)]
        toetscode: String,
        #[arg(long)]
        onderdeel: Vec<String>,
    },
    DeactivateTest {
        #[command(flatten)]
        school: SchoolArg,
        #[arg(long)]
        toetscode: String,
    },
    /// "Boom wijzigingen verwerken" on or off.
    Settings {
        #[command(flatten)]
        school: SchoolArg,
        #[arg(long, action = clap::ArgAction::Set)]
        process_changes: bool,
    },
    Errors {
        #[command(flatten)]
        school: SchoolArg,
    },
    Results {
        #[command(flatten)]
        school: SchoolArg,
    },
    Fault(FaultArgs),
}

/// Percent-encodes one path segment.
fn seg(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn school_path(s: &SchoolArg, rest: &str) -> String {
    format!("/schools/{}{rest}", seg(&s.school))
}

/// Drops `null` fields so that the API sees only what was given.
fn body(v: Value) -> Option<Value> {
    match v {
        Value::Object(m) => Some(Value::Object(m.into_iter().filter(|(_, v)| !v.is_null()).collect())),
        other => Some(other),
    }
}

type Call = (reqwest::Method, String, Option<Value>);

fn fault_call(f: FaultArgs) -> Call {
    use reqwest::Method;
    match (f.set, f.clear) {
        (Some(kind), _) => {
            let s = FaultSetting { kind, count: f.count, operations: f.operation };
            (Method::PUT, "/faults".into(), serde_json::to_value(s).ok())
        }
        (None, true) => (Method::DELETE, "/faults".into(), None),
        (None, false) => (Method::GET, "/faults".into(), None),
    }
}

fn las_call(step: LasStep) -> Call {
    use reqwest::Method as M;
    match step {
        LasStep::Schools => (M::GET, "/schools".into(), None),
        LasStep::IssueKey { school, klantcode, verificatiecode } => (
            M::POST,
            school_path(&school, "/keys"),
            body(json!({ "klantcode": klantcode, "verificatiecode": verificatiecode })),
        ),
        LasStep::RevokeKey { school } => (M::DELETE, school_path(&school, "/keys"), None),
        LasStep::Pupils { school } => (M::GET, school_path(&school, "/leerlingen"), None),
        LasStep::AddPupil {
            school,
            key,
            roepnaam,
            achternaam,
            voorvoegsel,
            geboortedatum,
            jaargroep,
            groep,
            eckid,
        } => (
            M::POST,
            school_path(&school, "/leerlingen"),
            body(json!({ "key": key, "roepnaam": roepnaam, "achternaam": achternaam, "voorvoegsel": voorvoegsel,
                "geboortedatum": geboortedatum, "jaargroep": jaargroep, "groep": groep, "eckid": eckid })),
        ),
        LasStep::MovePupil { school, key, groep, jaargroep } => (
            M::PATCH,
            school_path(&school, &format!("/leerlingen/{}", seg(&key))),
            body(json!({ "groep": groep, "jaargroep": jaargroep })),
        ),
        LasStep::RenamePupil { school, key, roepnaam, achternaam, voorvoegsel } => (
            M::PATCH,
            school_path(&school, &format!("/leerlingen/{}", seg(&key))),
            body(json!({ "roepnaam": roepnaam, "achternaam": achternaam, "voorvoegsel": voorvoegsel })),
        ),
        LasStep::RemovePupil { school, key } => {
            (M::DELETE, school_path(&school, &format!("/leerlingen/{}", seg(&key))), None)
        }
        LasStep::Teachers { school } => (M::GET, school_path(&school, "/leerkrachten"), None),
        LasStep::AddTeacher { school, key, roepnaam, achternaam, emailadres, groep } => (
            M::POST,
            school_path(&school, "/leerkrachten"),
            body(json!({ "key": key, "roepnaam": roepnaam, "achternaam": achternaam, "emailadres": emailadres,
                "groepen": groep })),
        ),
        LasStep::RenameTeacher { school, key, roepnaam, achternaam, emailadres } => (
            M::PATCH,
            school_path(&school, &format!("/leerkrachten/{}", seg(&key))),
            body(json!({ "roepnaam": roepnaam, "achternaam": achternaam, "emailadres": emailadres })),
        ),
        LasStep::RemoveTeacher { school, key } => {
            (M::DELETE, school_path(&school, &format!("/leerkrachten/{}", seg(&key))), None)
        }
        LasStep::Groups { school } => (M::GET, school_path(&school, "/groepen"), None),
        LasStep::AddGroup { school, key, naam, jaargroep, samengesteld } => (
            M::POST,
            school_path(&school, "/groepen"),
            body(json!({ "key": key, "naam": naam, "jaargroep": jaargroep, "samengesteld": samengesteld })),
        ),
        LasStep::RenameGroup { school, key, naam } => {
            (M::PATCH, school_path(&school, &format!("/groepen/{}", seg(&key))), body(json!({ "naam": naam })))
        }
        LasStep::RemoveGroup { school, key } => {
            (M::DELETE, school_path(&school, &format!("/groepen/{}", seg(&key))), None)
        }
        LasStep::Rollover { school } => (M::POST, school_path(&school, "/rollover"), None),
        LasStep::Changes { school } => (M::GET, school_path(&school, "/changes"), None),
        LasStep::Results { school } => (M::GET, school_path(&school, "/results"), None),
        LasStep::Fault(f) => fault_call(f),
    }
}

fn dashboard_call(step: DashboardStep) -> Call {
    use reqwest::Method as M;
    match step {
        DashboardStep::Schools => (M::GET, "/schools".into(), None),
        DashboardStep::IssueKey { school, key, klantcode } => {
            (M::POST, school_path(&school, "/keys"), body(json!({ "autorisatiesleutel": key, "klantcode": klantcode })))
        }
        DashboardStep::RevokeKey { school } => (M::DELETE, school_path(&school, "/keys"), None),
        DashboardStep::AddNumbers { school, nummers } => {
            (M::POST, school_path(&school, "/leerlingnummers"), body(json!({ "leerlingnummers": nummers })))
        }
        DashboardStep::RemoveNumber { school, nummer } => {
            (M::DELETE, school_path(&school, &format!("/leerlingnummers/{}", seg(&nummer))), None)
        }
        DashboardStep::ActivateTest { school, toetscode, onderdeel } => (
            M::POST,
            school_path(&school, "/toetsen"),
            body(json!({ "toetscode": toetscode, "onderdelen": onderdeel })),
        ),
        DashboardStep::DeactivateTest { school, toetscode } => {
            (M::DELETE, school_path(&school, &format!("/toetsen/{}", seg(&toetscode))), None)
        }
        DashboardStep::Settings { school, process_changes } => {
            (M::PUT, school_path(&school, "/settings"), body(json!({ "process_changes": process_changes })))
        }
        DashboardStep::Errors { school } => (M::GET, school_path(&school, "/errors"), None),
        DashboardStep::Results { school } => (M::GET, school_path(&school, "/results"), None),
        DashboardStep::Fault(f) => fault_call(f),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime")
}

/// Sends one admin call; prints the JSON answer to stdout (errors to stderr). Exit 0 on
/// success, 1 when the API refused, 2 when it could not be reached.
fn admin(target: AdminTarget, (method, path, body): Call) -> ExitCode {
    runtime().block_on(async move {
        let url = format!("{}{path}", target.admin_url.trim_end_matches('/'));
        let client = reqwest::Client::new();
        let mut req = client.request(method, &url).bearer_auth(&target.token);
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b.to_string());
        }
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("uwlr: cannot reach the admin API at {url}: {e}");
                return ExitCode::from(2);
            }
        };
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        let pretty = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or(text);
        if status.is_success() {
            println!("{pretty}");
            ExitCode::SUCCESS
        } else {
            eprintln!("uwlr: the admin API answered {status}: {pretty}");
            ExitCode::from(1)
        }
    })
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(std::io::stderr).try_init();
}

fn read(p: &Path, what: &str) -> Result<Vec<u8>, String> {
    std::fs::read(p).map_err(|e| format!("cannot read the {what} {}: {e}", p.display()))
}

fn tls(s: &ServeArgs, demand_client_cert: bool) -> Result<Option<TlsConfig>, String> {
    let (Some(cert), Some(key)) = (&s.tls_cert, &s.tls_key) else {
        return Ok(None);
    };
    if demand_client_cert && s.client_ca.is_none() {
        return Err("the esis profile demands a client certificate over TLS: pass --client-ca".into());
    }
    Ok(Some(TlsConfig {
        cert_chain_pem: read(cert, "certificate")?,
        key_pem: read(key, "private key")?,
        client_ca_pem: s.client_ca.as_deref().map(|p| read(p, "client CA")).transpose()?,
    }))
}

fn fault_setting(s: &ServeArgs) -> Option<FaultSetting> {
    s.fault.clone().map(|kind| FaultSetting { kind, count: s.fault_count, operations: s.fault_operation.clone() })
}

/// Starts the UWLR listener and (optionally) the admin API; prints the URLs.
async fn start<P: LasProvider>(
    provider: P,
    s: &ServeArgs,
    tls: Option<TlsConfig>,
    router: impl FnOnce(&str) -> axum::Router,
) -> Result<(RunningServer, Option<AdminServer>, Option<ServedJournal>), String> {
    let journal = match &s.journal_served {
        Some(target) => Some(served_journal(target).await?),
        None => None,
    };
    let capture = journal.clone().map(|j| Arc::new(j) as Arc<dyn crate::server::ServedCapture>);
    let listener = bind_str(&s.listen).await.map_err(|e| format!("cannot listen on {}: {e}", s.listen))?;
    let server = serve(Arc::new(provider), listener, ServerConfig { tls, capture, ..Default::default() })
        .await
        .map_err(|e| format!("cannot serve: {e}"))?;
    println!("UWLR endpoint: {}/uwlr", server.base_url());
    if journal.is_some() {
        // Where, without a database URL's password: this output ends up in logs.
        let target = crate::redact::url_password(s.journal_served.as_deref().unwrap_or_default());
        println!("served exchanges journaled into: {target} (uwlr exchange list --served)");
    }
    let admin = match &s.admin_listen {
        None => None,
        Some(addr) => {
            let token = match &s.admin_token {
                Some(t) => t.clone(),
                None => {
                    let t = generate_key(32, ALPHANUMERIC);
                    println!("admin token: {t}");
                    t
                }
            };
            let l = bind_str(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
            let a = serve_admin(router(&token), l).await.map_err(|e| format!("cannot serve the admin API: {e}"))?;
            println!("admin API: {}", a.base_url());
            Some(a)
        }
    };
    Ok((server, admin, journal))
}

/// The gateway journal served exchanges go into: a data folder's SQLite database, or a
/// database URL.
async fn served_journal(target: &str) -> Result<ServedJournal, String> {
    use crate::store::Store;
    let store =
        if target.contains("://") { Store::connect(target).await } else { Store::open_dir(Path::new(target)).await }
            .map_err(|e| format!("--journal-served {}: {e}", crate::redact::url_password(target)))?;
    let clock: Arc<dyn crate::clock::Clock> = Arc::new(crate::clock::SystemClock);
    Ok(ServedJournal::start(store, clock, crate::metrics::Metrics::new()))
}

async fn until_stopped(server: RunningServer, admin: Option<AdminServer>, journal: Option<ServedJournal>) {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let _ = tokio::signal::ctrl_c().await;
    if let Some(a) = admin {
        a.shutdown().await;
    }
    server.shutdown().await;
    if let Some(j) = journal {
        // The exchanges served last are still on their way to the store.
        j.flush().await;
    }
}

fn fail(e: String) -> ExitCode {
    eprintln!("uwlr: {e}");
    ExitCode::from(2)
}

/// Runs `uwlr mock-las`.
pub fn run_las(args: MockLasArgs) -> ExitCode {
    if let Some(LasAdminCommand::Admin { target, step }) = args.admin {
        return admin(target, las_call(step));
    }
    init_logging();
    runtime().block_on(async move {
        let s = &args.serve;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let (las, demo_key) = match &s.config {
            Some(path) => {
                let mut cfg = match LasConfig::read(path) {
                    Ok(c) => c,
                    Err(e) => return fail(e),
                };
                if let Some(d) = args.delta {
                    cfg.delta = d;
                }
                if let Some(f) = fault_setting(s) {
                    cfg.fault = Some(f);
                }
                let base = path.parent().unwrap_or(Path::new("."));
                match cfg.build(args.profile, base, clock) {
                    Ok(l) => (l, None),
                    Err(e) => return fail(e),
                }
            }
            None => {
                let (las, key) = MockLas::demo(args.profile.unwrap_or(Profile::Parnassys), clock);
                if let Err(e) = las.set_fault(fault_setting(s)) {
                    return fail(e.message);
                }
                (las, Some(key))
            }
        };
        let mut answers = Vec::new();
        for path in &args.answers {
            match las.add_answer_file(path).await {
                Ok(a) => answers.push(a),
                Err(e) => return fail(e),
            }
        }
        if s.config.is_none() && args.delta.is_some() {
            eprintln!("uwlr: --delta applies with --config only; the demo setup sends everything");
        }
        let tls = match tls(s, las.profile().requires_client_cert()) {
            Ok(t) => t,
            Err(e) => return fail(e),
        };
        let admin_las = las.clone();
        let (server, admin, journal) = match start(las.clone(), s, tls, |t| las_router(admin_las, t)).await {
            Ok(x) => x,
            Err(e) => return fail(e),
        };
        println!("profile: {}", las.profile().as_str());
        for school in las.schools().await {
            println!("school: {} ({} pupils, {})", school.id, school.leerlingen, school.schooljaar);
        }
        for (name, element) in &answers {
            println!("answer: gegevenssetid {name} gets <{element}>");
        }
        if let Some(k) = demo_key {
            println!("klant: klantcode BOOM, klantnaam Boom testcentrum");
            println!("autorisatiesleutel for {}: {}", k.school, k.autorisatiesleutel);
        }
        until_stopped(server, admin, journal).await;
        ExitCode::SUCCESS
    })
}

/// Runs `uwlr mock-dashboard`.
pub fn run_dashboard(args: MockDashboardArgs) -> ExitCode {
    if let Some(DashboardAdminCommand::Admin { target, step }) = args.admin {
        return admin(target, dashboard_call(step));
    }
    init_logging();
    runtime().block_on(async move {
        let s = &args.serve;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let cfg = match &s.config {
            Some(path) => match DashboardConfig::read(path) {
                Ok(c) => c,
                Err(e) => return fail(e),
            },
            None => match DashboardConfig::parse("[[school]]\nbrincode = \"99DE\"\n") {
                Ok(c) => c,
                Err(e) => return fail(e),
            },
        };
        let dash: MockDashboard = match cfg.build(args.kind, clock).await {
            Ok(d) => d,
            Err(e) => return fail(e),
        };
        if let Err(e) = dash.set_fault(fault_setting(s)) {
            return fail(e.message);
        }
        let tls = match tls(s, false) {
            Ok(t) => t,
            Err(e) => return fail(e),
        };
        let admin_dash = dash.clone();
        let (server, admin, journal) = match start(dash.clone(), s, tls, |t| dashboard_router(admin_dash, t)).await {
            Ok(x) => x,
            Err(e) => return fail(e),
        };
        println!("dashboard: {:?}", dash.kind());
        for school in dash.schools().await {
            println!(
                "school: {} ({} pupil numbers, {} tests)",
                school.id,
                school.leerlingnummers.len(),
                school.toetsen.len()
            );
        }
        until_stopped(server, admin, journal).await;
        ExitCode::SUCCESS
    })
}
