//! `uwlr serve`: the gateway process. It serves the admin API ([`crate::api`]), the
//! console ([`crate::console`]) and `/metrics` ([`crate::metrics`], behind the admin token)
//! on one listener, logs as text or JSON ([`super::logging`]), and runs the
//! [`schedule`](super::schedule): a fetch through every active LAS koppeling every
//! `--fetch-every` (at most `--fetch-per-las` at once per LAS, `--fetch-global` in all), the results delivery nightly at `--deliver-at` (and, when given, every
//! `--deliver-every` too), the school-year pass every `--year-tick-every` (years due on
//! 1 October started, the day's reminders queued), and the outbox every minute. Ctrl-C or
//! SIGTERM stops it cleanly: the API finishes the requests in flight, a job under way gets a
//! grace period.

use super::mail::drain;
use super::schedule::{parse_period, Schedule, Timing};
use super::{Context, Failure, GatewayArgs};
use crate::api::{AdminToken, PREFIX};
use crate::gateway::delivery::DeliverOptions;
use crate::gateway::fetch_limits::FetchLimits;
use crate::gateway::Gateway;
use crate::notify::MailTransport;
use chrono::NaiveTime;
use clap::Args;
use std::sync::Arc;
use std::time::Duration;

/// How long a job under way may take to finish after a stop signal.
const GRACE: Duration = Duration::from_secs(10);

/// `uwlr serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub gateway: GatewayArgs,
    /// Address of the admin API.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: String,
    /// How often every active LAS koppeling is fetched (e.g. 30m, 1h, 1d).
    #[arg(long, default_value = "1h", value_parser = parse_period, value_name = "PERIOD")]
    pub fetch_every: Duration,
    /// Scheduled fetches at once against one LAS (its host): a LAS serving many schools
    /// should not get them all at once.
    #[arg(long, default_value_t = 4, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub fetch_per_las: u32,
    /// Scheduled fetches at once in all.
    #[arg(long, default_value_t = 16, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub fetch_global: u32,
    /// Where mail goes: file (into DATA_DIR/mail), file:DIR, smtp://USER:PASS@HOST:PORT
    /// or smtps://…
    #[arg(long, default_value = "file", value_name = "TRANSPORT")]
    pub mail_transport: String,
    /// When the nightly results delivery runs, Dutch time (Europe/Amsterdam).
    #[arg(long, default_value = "02:00", value_parser = parse_time, value_name = "HH:MM")]
    pub deliver_at: NaiveTime,
    /// Also deliver results this often (e.g. 15m, 30s), besides the nightly run.
    #[arg(long, value_parser = parse_period, value_name = "PERIOD")]
    pub deliver_every: Option<Duration>,
    /// Who claims results for delivery, as the leases record it (one name per instance)
    /// [default: host:pid]
    #[arg(long, value_name = "NAME")]
    pub owner: Option<String>,
    /// How long a delivery claim holds before another instance may take it over [default: 5m]
    #[arg(long, value_parser = parse_period, value_name = "PERIOD")]
    pub lease: Option<Duration>,
    /// Largest results message in bytes (some LAS systems run WCF services with a 64 KiB
    /// default limit) [default: 65536]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_message_bytes: Option<u64>,
    /// How often the school-year pass runs: it starts the years due on 1 October and queues
    /// the day's reminders (each goes once a day, however often this runs).
    #[arg(long, default_value = "1h", value_parser = parse_period, value_name = "PERIOD")]
    pub year_tick_every: Duration,
    /// Mark the console's cookies Secure: set this when browsers reach the console over
    /// HTTPS (a proxy in front that terminates TLS).
    #[arg(long)]
    pub secure_cookies: bool,
    /// How the log on standard error is written: text, or one JSON object per line (each
    /// line of a fetch or delivery carries its koppeling id and location).
    #[arg(long, value_enum, default_value_t, value_name = "FORMAT")]
    pub log_format: super::logging::LogFormat,
    /// The console's address as browsers reach it (`https://uwlr.example.nl`): mails link to
    /// their page under it; without it they name the page in words.
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// How long an invitation's link (a teacher or school admin sets a first password) works.
    #[arg(long, default_value = "7d", value_parser = parse_period, value_name = "PERIOD")]
    pub invitation_valid: Duration,
    /// How long the exchange journal keeps request and answer bodies (docs/journal.md).
    #[arg(long, default_value = "14d", value_parser = parse_period, value_name = "PERIOD")]
    pub journal_bodies_kept: Duration,
    /// How long the exchange journal keeps its metadata (time, operation, status, fault).
    #[arg(long, default_value = "365d", value_parser = parse_period, value_name = "PERIOD")]
    pub journal_kept: Duration,
    /// Keep no exchange journal.
    #[arg(long)]
    pub no_journal: bool,
    /// Serve the API and console over HTTPS with this certificate chain (PEM); cookies
    /// are then marked Secure.
    #[arg(long, requires = "tls_key", value_name = "FILE")]
    pub tls_cert: Option<std::path::PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(long, requires = "tls_cert", value_name = "FILE")]
    pub tls_key: Option<std::path::PathBuf>,
    /// A proxy in front (its address as this server sees it): only for requests from it,
    /// the client address is read from X-Forwarded-For (the sign-in throttle counts by it).
    /// Repeat for several.
    #[arg(long, value_name = "ADDR")]
    pub trusted_proxy: Vec<std::net::IpAddr>,
}

/// Reads a time of day: `02:00`, `2:00`, `23:30`.
pub fn parse_time(s: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M")
        .map_err(|_| format!("'{s}' is not a time of day; write HH:MM, e.g. 02:00"))
}

/// The actor the audit trail records for scheduled work.
pub const SCHEDULER: &str = "scheduler";

/// Runs `uwlr serve` until Ctrl-C or SIGTERM.
pub async fn run(args: ServeArgs) -> Result<(), Failure> {
    super::logging::init(args.log_format);
    let mut cx = Context::open(&args.gateway, true).await?;
    let public_url = args
        .public_url
        .as_deref()
        .map(crate::gateway::check_public_url)
        .transpose()
        .map_err(|e| Failure::usage(e.to_string()))?;
    let invitation_valid = chrono::Duration::from_std(args.invitation_valid)
        .map_err(|_| Failure::usage("--invitation-valid is too long"))?;
    let journal = crate::gateway::journal::JournalSettings {
        enabled: !args.no_journal,
        bodies_kept: chrono::Duration::from_std(args.journal_bodies_kept)
            .map_err(|_| Failure::usage("--journal-bodies-kept is too long"))?,
        rows_kept: chrono::Duration::from_std(args.journal_kept)
            .map_err(|_| Failure::usage("--journal-kept is too long"))?,
    };
    cx.gateway = cx.gateway.with_settings(|s| {
        s.public_url = public_url;
        s.invitation_valid = invitation_valid;
        s.journal = journal;
    });
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => {
            let read = |p: &std::path::Path, what: &str| {
                std::fs::read(p).map_err(|e| Failure::usage(format!("cannot read the {what} {}: {e}", p.display())))
            };
            let config = crate::server::TlsConfig {
                cert_chain_pem: read(cert, "certificate")?,
                key_pem: read(key, "private key")?,
                client_ca_pem: None,
            };
            // Checked now, so a wrong file fails at start and not at the first browser.
            crate::server::tls::server_config(&config).map_err(|e| Failure::usage(e.to_string()))?;
            Some(config)
        }
        _ => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let transport =
        MailTransport::parse(&args.mail_transport, &cx.data_dir).map_err(|e| Failure::usage(e.to_string()))?;
    let (token, created) = AdminToken::load_or_create(&cx.data_dir)
        .map_err(|e| Failure::usage(format!("the admin token in {}: {e}", cx.data_dir.display())))?;
    let listener = crate::server::listener::bind_str(&args.listen)
        .await
        .map_err(|e| Failure::usage(format!("cannot listen on {}: {e}", args.listen)))?;
    let addr = listener.local_addr().map_err(|e| Failure::usage(format!("cannot listen on {}: {e}", args.listen)))?;
    let mut stdout = std::io::stdout();
    // Ignore a closed stdout (a supervisor that does not read it): serving matters, not printing.
    let _ = writeln!(stdout, "admin API: {scheme}://{addr}{PREFIX}");
    let _ = writeln!(stdout, "console: {scheme}://{addr}/console/ (accounts: `uwlr account add`)");
    let _ = writeln!(stdout, "metrics: {scheme}://{addr}{} (with the admin token)", crate::metrics::PATH);
    if created {
        // Where the token is, never the token itself: this output ends up in logs.
        let file = cx.data_dir.join(crate::api::auth::TOKEN_FILE);
        let _ = writeln!(
            stdout,
            "admin token created and stored in {} (send it as: Authorization: Bearer …)",
            file.display()
        );
    }
    let owner = args.owner.as_deref().map(str::trim).filter(|o| !o.is_empty());
    let delivery = Delivery {
        at: args.deliver_at,
        every: args.deliver_every,
        options: DeliverOptions {
            owner: owner.map(str::to_string).unwrap_or_else(|| DeliverOptions::default().owner),
            lease: args
                .lease
                .and_then(|l| chrono::Duration::from_std(l).ok())
                .unwrap_or_else(|| DeliverOptions::default().lease),
            max_message_bytes: args
                .max_message_bytes
                .map_or(DeliverOptions::default().max_message_bytes, |n| usize::try_from(n).unwrap_or(usize::MAX)),
            ..Default::default()
        },
    };
    let _ = writeln!(
        stdout,
        "mail: {transport}; fetch every {}; deliver results at {}{} as {}; school years every {}",
        human(args.fetch_every),
        delivery.at.format("%H:%M"),
        delivery.every.map(|e| format!(" and every {}", human(e))).unwrap_or_default(),
        delivery.options.owner,
        human(args.year_tick_every)
    );
    use std::io::Write;
    let _ = std::io::stdout().flush();

    let limits = FetchLimits::new(args.fetch_per_las as usize, args.fetch_global as usize);
    let schedule = jobs(&cx.gateway, args.fetch_every, limits, transport)
        .delivery(&cx.gateway, &delivery)
        .school_years(&cx.gateway, args.year_tick_every)
        .journal_pruning(&cx.gateway, Duration::from_secs(3600));
    for (name, timing) in schedule.describe() {
        tracing::info!(job = %name, timing = ?timing, "scheduled");
    }
    let running = schedule.start();
    let console = crate::console::ConsoleSettings {
        secure_cookies: args.secure_cookies || tls.is_some(),
        trusted_proxies: args.trusted_proxy.clone(),
    };
    let app = crate::api::router(cx.gateway.clone(), token.clone())
        .merge(crate::console::router(cx.gateway.clone(), console))
        .merge(crate::metrics::router(cx.gateway.clone(), &token));
    let served = crate::api::serve_router_tls(app, listener, tls, Default::default(), stop_signal()).await;
    tracing::info!("stopping");
    running.stop(GRACE).await;
    cx.gateway.store().close().await;
    tracing::info!("stopped");
    served.map_err(|e| Failure::usage(format!("the admin API stopped: {e}")))
}

/// The gateway's timed work. Each job logs its own failures: a LAS that is down today is
/// fetched again next time.
pub fn jobs(gateway: &Gateway, fetch_every: Duration, limits: FetchLimits, transport: MailTransport) -> Schedule {
    let gw = gateway.clone();
    let fetch = move || {
        let (gw, limits) = (gw.clone(), limits.clone());
        async move { fetch_all(&gw, &limits).await }
    };
    let gw = gateway.clone();
    let mail = move || {
        let (gw, transport) = (gw.clone(), transport.clone());
        async move {
            match drain(&gw, &transport).await {
                Ok(r) if r.sent + r.retrying + r.failed > 0 => {
                    tracing::info!(sent = r.sent, retrying = r.retrying, failed = r.failed, "outbox drained")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "the outbox could not be drained"),
            }
        }
    };
    Schedule::new().add("fetch", Timing::Every(fetch_every), fetch).add(
        "mail",
        Timing::Every(Duration::from_secs(60)),
        mail,
    )
}

/// When and as whom `serve` delivers results.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The nightly run, Dutch time (Europe/Amsterdam).
    pub at: NaiveTime,
    /// An extra run this often.
    pub every: Option<Duration>,
    pub options: DeliverOptions,
}

impl Schedule {
    /// Adds the results delivery: nightly, and every `every` when given. The two never run
    /// at once (they claim under one owner name). A failed run is logged and the next one
    /// tries again; the process keeps running.
    pub fn delivery(self, gateway: &Gateway, d: &Delivery) -> Schedule {
        let one_at_a_time = Arc::new(tokio::sync::Mutex::new(()));
        let job = |label: &'static str| {
            let (gw, options, lock) = (gateway.clone(), d.options.clone(), one_at_a_time.clone());
            move || {
                let (gw, options, lock) = (gw.clone(), options.clone(), lock.clone());
                async move {
                    let _running = lock.lock().await;
                    deliver(&gw, &options, label).await
                }
            }
        };
        let mut s = self.add("deliver", Timing::Daily(d.at), job("nightly"));
        if let Some(every) = d.every {
            s = s.add("deliver-every", Timing::Every(every), job("periodic"));
        }
        s
    }
}

impl Schedule {
    /// Adds the school-year pass ([`Gateway::school_year_tick`]) every `every`, from start.
    /// A pass is safe to repeat (a year starts once, a reminder goes once a day), so a
    /// short period only costs a few queries; the mail job sends the reminders it queues.
    pub fn school_years(self, gateway: &Gateway, every: Duration) -> Schedule {
        let gw = gateway.clone();
        self.add("school-years", Timing::Every(every), move || {
            let gw = gw.clone();
            async move { year_tick(&gw).await }
        })
    }
}

/// One school-year pass, logged: locations, years, koppeling and proposal ids, counts, and
/// the gateway's own error messages, which never hold a key.
pub async fn year_tick(gw: &Gateway) {
    let tick = match gw.school_year_tick().await {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(error = %e, "the school-year pass failed; the next one tries again");
            return;
        }
    };
    for y in &tick.started {
        let koppelingen = y.koppelingen.iter().map(|(old, new)| format!("{old}->{new}")).collect::<Vec<_>>().join(",");
        match (y.proposal_id, &y.fetch_error) {
            (Some(proposal), _) => tracing::info!(
                location = %y.location,
                schooljaar = %y.schooljaar,
                koppelingen,
                proposal,
                "school year started automatically; its import waits for review"
            ),
            (None, error) => tracing::warn!(
                location = %y.location,
                schooljaar = %y.schooljaar,
                koppelingen,
                error = error.as_deref().unwrap_or("no proposal"),
                "school year started automatically; its first fetch failed, the scheduled fetches try again"
            ),
        }
    }
    if tick.reminders > 0 {
        tracing::info!(reminders = tick.reminders, "school-year reminders queued");
    }
    for (location, error) in &tick.failures {
        tracing::warn!(
            location = %location,
            error = %error,
            "school-year pass: location not handled; the next pass tries again"
        );
    }
    if tick.started.is_empty() && tick.reminders == 0 && tick.failures.is_empty() {
        tracing::debug!("school-year pass: nothing due");
    }
}

/// One delivery run, logged.
pub async fn deliver(gw: &Gateway, options: &DeliverOptions, label: &str) {
    match gw.deliver(options).await {
        Ok(r) if r.messages + r.refused + r.postponed > 0 => tracing::info!(
            run = label,
            delivered = r.delivered,
            messages = r.messages,
            refused = r.refused,
            postponed = r.postponed,
            "results delivered: {}",
            super::results::report_line(&r)
        ),
        Ok(_) => tracing::debug!(run = label, "results delivery: nothing due"),
        Err(e) => tracing::warn!(run = label, error = %e, "the results delivery failed; the next run tries again"),
    }
}

/// One fetch through every active LAS koppeling, side by side within the limits (per LAS
/// and in all).
pub async fn fetch_all(gw: &Gateway, limits: &FetchLimits) {
    let links = match gw.koppelingen(None).await {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(error = %e, "scheduled fetch: cannot list the koppelingen");
            return;
        }
    };
    let mut running = tokio::task::JoinSet::new();
    for k in links.into_iter().filter(|k| k.status == crate::koppeling::Status::Active && !k.kind.is_dashboard()) {
        let (gw, limits) = (gw.clone(), limits.clone());
        running.spawn(async move {
            let _permit = limits.acquire(k.endpoint.as_deref().unwrap_or_default()).await;
            fetch_one(&gw, &k).await
        });
    }
    while running.join_next().await.is_some() {}
}

async fn fetch_one(gw: &Gateway, k: &crate::koppeling::Koppeling) {
    match gw.fetch(k.id, false, SCHEDULER, &|_| {}).await {
        Ok(o) if o.nothing_to_do => {
            tracing::info!(koppeling = k.id, location = %k.location, "scheduled fetch: nothing to review")
        }
        Ok(o) => tracing::info!(
            koppeling = k.id,
            location = %k.location,
            proposal = o.proposal_id,
            "scheduled fetch: a proposal waits for review"
        ),
        Err(e) => tracing::warn!(koppeling = k.id, location = %k.location, error = %e, "scheduled fetch failed"),
    }
}

/// Resolves on Ctrl-C, or on SIGTERM (what a service manager sends).
async fn stop_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    {
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term => {}
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await;
    tracing::info!("stop signal received");
}

fn human(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        _ if s.is_multiple_of(86_400) => format!("{}d", s / 86_400),
        _ if s.is_multiple_of(3600) => format!("{}h", s / 3600),
        _ if s.is_multiple_of(60) => format!("{}m", s / 60),
        _ => format!("{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_of_day() {
        assert_eq!(parse_time("02:00"), Ok(NaiveTime::from_hms_opt(2, 0, 0).unwrap()));
        assert_eq!(parse_time(" 23:30 "), Ok(NaiveTime::from_hms_opt(23, 30, 0).unwrap()));
        for bad in ["", "2", "25:00", "12:60", "noon", "02:00:00"] {
            assert!(parse_time(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_delivery_jobs() {
        let at = NaiveTime::from_hms_opt(2, 0, 0).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let gw = rt.block_on(Gateway::open(dir.path(), None, Default::default())).unwrap();
        let nightly = Delivery { at, every: None, options: DeliverOptions::default() };
        assert_eq!(Schedule::new().delivery(&gw, &nightly).describe(), [("deliver".to_string(), Timing::Daily(at))]);
        let both = Delivery { every: Some(Duration::from_secs(2)), ..nightly };
        let jobs = Schedule::new().delivery(&gw, &both).describe();
        assert_eq!(jobs[1], ("deliver-every".to_string(), Timing::Every(Duration::from_secs(2))));
    }

    #[test]
    fn the_school_year_pass_runs_every_period_an_hour_by_default() {
        use clap::Parser;
        #[derive(Parser)]
        struct Probe {
            #[command(flatten)]
            serve: ServeArgs,
        }
        let args = Probe::try_parse_from(["serve"]).unwrap().serve;
        assert_eq!(args.year_tick_every, Duration::from_secs(3600));
        let args = Probe::try_parse_from(["serve", "--year-tick-every", "15m"]).unwrap().serve;
        assert_eq!(args.year_tick_every, Duration::from_secs(900));
        assert!(Probe::try_parse_from(["serve", "--year-tick-every", "0m"]).is_err());

        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let gw = rt.block_on(Gateway::open(dir.path(), None, Default::default())).unwrap();
        let jobs = Schedule::new().school_years(&gw, args.year_tick_every).describe();
        assert_eq!(jobs, [("school-years".to_string(), Timing::Every(Duration::from_secs(900)))]);
        // A pass on an empty gateway does nothing and fails nothing.
        rt.block_on(year_tick(&gw));
    }
}
