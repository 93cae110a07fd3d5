//! `uwlr serve`: the gateway process. It serves the admin API ([`crate::api`]) and runs the
//! [`schedule`](super::schedule): a fetch through every active LAS koppeling every
//! `--fetch-every`, and the outbox every minute. Ctrl-C or SIGTERM stops it cleanly: the
//! API finishes the requests in flight, a job under way gets a grace period.

use super::mail::drain;
use super::schedule::{parse_period, Schedule, Timing};
use super::{Context, Failure, GatewayArgs};
use crate::api::{AdminToken, PREFIX};
use crate::gateway::Gateway;
use crate::notify::MailTransport;
use clap::Args;
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
    /// Where mail goes: file (into DATA_DIR/mail), file:DIR, smtp://USER:PASS@HOST:PORT
    /// or smtps://…
    #[arg(long, default_value = "file", value_name = "TRANSPORT")]
    pub mail_transport: String,
}

/// The actor the audit trail records for scheduled work.
pub const SCHEDULER: &str = "scheduler";

/// Runs `uwlr serve` until Ctrl-C or SIGTERM.
pub async fn run(args: ServeArgs) -> Result<(), Failure> {
    init_logging();
    let cx = Context::open(&args.gateway, true).await?;
    let transport =
        MailTransport::parse(&args.mail_transport, &cx.data_dir).map_err(|e| Failure::usage(e.to_string()))?;
    let (token, created) = AdminToken::load_or_create(&cx.data_dir)
        .map_err(|e| Failure::usage(format!("the admin token in {}: {e}", cx.data_dir.display())))?;
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .map_err(|e| Failure::usage(format!("cannot listen on {}: {e}", args.listen)))?;
    let addr = listener.local_addr().map_err(|e| Failure::usage(format!("cannot listen on {}: {e}", args.listen)))?;
    println!("admin API: http://{addr}{PREFIX}");
    if created {
        // Where the token is, never the token itself: this output ends up in logs.
        let file = cx.data_dir.join(crate::api::auth::TOKEN_FILE);
        println!("admin token created and stored in {} (send it as: Authorization: Bearer …)", file.display());
    }
    println!("mail: {transport}; fetch every {}", human(args.fetch_every));
    use std::io::Write;
    let _ = std::io::stdout().flush();

    let schedule = jobs(&cx.gateway, args.fetch_every, transport);
    for (name, timing) in schedule.describe() {
        tracing::info!(job = %name, timing = ?timing, "scheduled");
    }
    let running = schedule.start();
    let served = crate::api::serve(cx.gateway.clone(), token, listener, stop_signal()).await;
    tracing::info!("stopping");
    running.stop(GRACE).await;
    cx.gateway.store().close().await;
    tracing::info!("stopped");
    served.map_err(|e| Failure::usage(format!("the admin API stopped: {e}")))
}

/// The gateway's timed work. Each job logs its own failures: a LAS that is down today is
/// fetched again next time.
pub fn jobs(gateway: &Gateway, fetch_every: Duration, transport: MailTransport) -> Schedule {
    let gw = gateway.clone();
    let fetch = move || {
        let gw = gw.clone();
        async move { fetch_all(&gw).await }
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

/// One fetch through every active LAS koppeling, one after the other.
pub async fn fetch_all(gw: &Gateway) {
    let links = match gw.koppelingen(None).await {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(error = %e, "scheduled fetch: cannot list the koppelingen");
            return;
        }
    };
    for k in links.iter().filter(|k| k.status == crate::koppeling::Status::Active && !k.kind.is_dashboard()) {
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
        _ if s % 86_400 == 0 => format!("{}d", s / 86_400),
        _ if s % 3600 == 0 => format!("{}h", s / 3600),
        _ if s % 60 == 0 => format!("{}m", s / 60),
        _ => format!("{s}s"),
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(std::io::stderr).try_init();
}
