//! `uwlr mail …`: the outbox. `send` drains it through a transport (by default `.eml`
//! files in the data folder's `mail/`); `list` shows what was and what waits.

use super::output::{opt_when, when, Table};
use super::{Context, Failure, GatewayArgs};
use crate::gateway::mail::MailReport;
use crate::gateway::Gateway;
use crate::notify::MailTransport;
use crate::store::outbox::OutboxEntry;
use clap::{Args, Subcommand};

/// `uwlr mail`.
#[derive(Debug, Args)]
pub struct MailArgs {
    #[command(flatten)]
    pub gateway: GatewayArgs,
    #[command(subcommand)]
    pub command: MailCommand,
}

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Send what waits in the outbox.
    Send {
        /// file (into DATA_DIR/mail), file:DIR, smtp://USER:PASS@HOST:PORT or smtps://… (login optional)
        #[arg(long, default_value = "file", value_name = "TRANSPORT")]
        transport: String,
        /// The console's address as browsers reach it: mails link to their page under it.
        #[arg(long, value_name = "URL")]
        public_url: Option<String>,
    },
    /// The newest outbox entries.
    List {
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
}

/// Mails per round of [`drain`].
const BATCH: i64 = 100;

/// Sends everything that is due, in batches; stops when a round leaves nothing due (a
/// failed mail waits for its retry moment, so it is not due again at once).
pub async fn drain(gw: &Gateway, transport: &MailTransport) -> Result<MailReport, crate::gateway::GatewayError> {
    let mut total = MailReport::default();
    for _ in 0..1000 {
        let r = gw.send_mail(transport, BATCH).await?;
        let handled = r.sent + r.retrying + r.failed;
        total.sent += r.sent;
        total.retrying += r.retrying;
        total.failed += r.failed;
        if (handled as i64) < BATCH {
            break;
        }
    }
    Ok(total)
}

/// Runs `uwlr mail …`.
pub async fn run(args: MailArgs) -> Result<(), Failure> {
    let cx = Context::open(&args.gateway, false).await?;
    match args.command {
        MailCommand::Send { transport, public_url } => {
            let transport =
                MailTransport::parse(&transport, &cx.data_dir).map_err(|e| Failure::usage(e.to_string()))?;
            let public_url = public_url
                .as_deref()
                .map(crate::gateway::check_public_url)
                .transpose()
                .map_err(|e| Failure::usage(e.to_string()))?;
            let gw = cx.gateway.with_settings(|s| s.public_url = public_url);
            let r = drain(&gw, &transport).await?;
            cx.out.print(&r, || {
                let mut s = format!("sent {} mail{} via {transport}", r.sent, if r.sent == 1 { "" } else { "s" });
                if r.retrying > 0 {
                    s.push_str(&format!("; {} will be retried later", r.retrying));
                }
                if r.failed > 0 {
                    s.push_str(&format!("; {} failed for good (uwlr mail list{})", r.failed, cx.repeat));
                }
                s + "\n"
            });
            if r.failed > 0 || r.retrying > 0 {
                return Err(Failure::upstream(format!(
                    "{} of {} mails not sent; see uwlr mail list{}",
                    r.failed + r.retrying,
                    r.sent + r.failed + r.retrying,
                    cx.repeat
                )));
            }
        }
        MailCommand::List { limit } => {
            let list = cx.gateway.outbox(limit).await?;
            cx.out.print(&list, || list_text(&list));
        }
    }
    Ok(())
}

/// The notification's kind from its JSON (`review_waiting`, `teacher_invitation`).
fn kind(e: &OutboxEntry) -> String {
    serde_json::from_str::<serde_json::Value>(&e.notification)
        .ok()
        .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

fn list_text(list: &[OutboxEntry]) -> String {
    if list.is_empty() {
        return "the outbox is empty\n".into();
    }
    let mut t = Table::new(&[
        ("ID", 6),
        ("CREATED (UTC)", 19),
        ("KIND", 18),
        ("TO", 36),
        ("STATUS", 8),
        ("TRIES", 5),
        ("SENT", 19),
        ("LAST ERROR", 200),
    ]);
    for e in list {
        t.row(vec![
            e.id.to_string(),
            when(e.created_at),
            kind(e),
            e.recipient.clone(),
            e.status.clone(),
            e.attempts.to_string(),
            opt_when(e.sent_at),
            e.last_error.clone().unwrap_or_default(),
        ]);
    }
    t.render(0)
}
