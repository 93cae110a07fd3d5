//! `uwlr exchange …`: the exchange journal for support (docs/journal.md). `list` what was
//! said with a link (or served, with `--served`), `show` one exchange (metadata, bodies
//! pretty-printed, today's decoder's findings), `replay` a stored answer through today's
//! decoder and proposal code (a dry run), or with `--send` the stored request to the LAS (or
//! `--to` a mock) again and the answers compared, `export` a support bundle, `prune` past
//! retention and `purge` a location. And the scheduler's pruning job that `uwlr serve` runs.

use super::output::{opt_when, when, Table};
use super::schedule::{parse_period, Schedule, Timing};
use super::{Context, Failure, GatewayArgs, OptionalKeyInput};
use crate::gateway::journal::{Replay, Resent, Shown};
use crate::gateway::Gateway;
use crate::store::journal::{ExchangeRow, Filter, SENT, SERVED};
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

/// `uwlr exchange`.
#[derive(Debug, Args)]
pub struct ExchangeArgs {
    #[command(flatten)]
    pub gateway: GatewayArgs,
    #[command(subcommand)]
    pub command: ExchangeCommand,
}

#[derive(Debug, Subcommand)]
pub enum ExchangeCommand {
    /// The newest exchanges: time, link, operation, attempt, status, fault, time taken, sizes.
    List {
        /// Only this koppeling.
        #[arg(long, value_name = "K")]
        link: Option<i64>,
        /// Only this location (BRIN + dependance, e.g. 99DE00).
        #[arg(long)]
        location: Option<String>,
        /// Only since: 2026-12-01, an RFC 3339 time, or a period ago (24h, 7d).
        #[arg(long, value_name = "T", value_parser = parse_since)]
        since: Option<DateTime<Utc>>,
        /// Only failed attempts (a fault, an HTTP error, no answer).
        #[arg(long)]
        fault: bool,
        /// Only exchanges a UWLR server served (`uwlr mock-las --journal-served`).
        #[arg(long, conflicts_with = "sent")]
        served: bool,
        /// Only exchanges the gateway made (fetches, deliveries, replays).
        #[arg(long)]
        sent: bool,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// One exchange: metadata, request and answer pretty-printed (key masked), and what
    /// today's decoder says of the answer.
    Show { id: i64 },
    /// A fetch's stored answer through today's decoder and proposal code against the store
    /// as it is now (nothing is written): the proposal it would make, and how it differs
    /// from the one the fetch made. With --send: the stored request sent again (with the
    /// link's key, never shown) and the new answer compared with the stored one.
    Replay {
        id: i64,
        /// Send the stored request again (to the link's LAS, or --to) and compare the answers;
        /// nothing is imported, the new exchange is journaled as a replay.
        #[arg(long)]
        send: bool,
        /// Send it here instead (a mock LAS, a test endpoint: the full service URL). Results
        /// are only ever sent again to such an endpoint.
        #[arg(long, requires = "send", value_name = "URL")]
        to: Option<String>,
        /// With --to: the key that endpoint knows (default: the link's own).
        #[command(flatten)]
        key: OptionalKeyInput,
    },
    /// A support bundle: a zip with the exchanges' metadata and masked bodies (file 0600).
    Export {
        #[arg(required = true)]
        ids: Vec<i64>,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Drop bodies and rows past retention now (`uwlr serve` does it every hour).
    Prune {
        /// How long bodies are kept.
        #[arg(long, default_value = "14d", value_parser = parse_period, value_name = "PERIOD")]
        bodies_kept: Duration,
        /// How long the metadata is kept.
        #[arg(long, default_value = "365d", value_parser = parse_period, value_name = "PERIOD")]
        kept: Duration,
    },
    /// Delete a location's whole journal (metadata and bodies), audited.
    Purge {
        #[arg(long)]
        location: String,
    },
}

/// `--since`: a date (midnight UTC), an RFC 3339 moment, or a period before now.
pub fn parse_since(s: &str) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
    }
    let ago = parse_period(s)
        .map_err(|_| format!("'{s}' is not a date (2026-12-01), a time (RFC 3339) or a period (24h, 7d)"))?;
    Ok(Utc::now() - chrono::Duration::from_std(ago).map_err(|_| format!("'{s}' is too long ago"))?)
}

fn chrono_period(d: Duration, flag: &str) -> Result<chrono::Duration, Failure> {
    chrono::Duration::from_std(d).map_err(|_| Failure::usage(format!("{flag} is too long")))
}

/// Runs `uwlr exchange …`.
pub async fn run(args: ExchangeArgs) -> Result<(), Failure> {
    let cx = Context::open(&args.gateway, false).await?;
    match args.command {
        ExchangeCommand::List { link, location, since, fault, served, sent, limit } => {
            let direction = match (served, sent) {
                (true, _) => Some(SERVED.to_string()),
                (_, true) => Some(SENT.to_string()),
                _ => None,
            };
            let filter = Filter { koppeling_id: link, location, since, direction, faults_only: fault, limit };
            let list = cx.gateway.exchanges(&filter).await?;
            cx.out.print(&list, || list_text(&list));
        }
        ExchangeCommand::Show { id } => {
            let shown = cx.gateway.show_exchange(id).await?;
            cx.out.print(&shown, || show_text(&shown));
        }
        ExchangeCommand::Replay { id, send: false, key, .. } => {
            if key.key_stdin || key.key_file.is_some() {
                return Err(Failure::usage("a key is only used with --send --to URL"));
            }
            let r = cx.gateway.replay(id).await?;
            cx.out.print(&r, || replay_text(&r));
        }
        ExchangeCommand::Replay { id, send: true, to, key } => {
            let key = key.read()?;
            if key.is_some() && to.is_none() {
                return Err(Failure::usage(
                    "a key is only given with --to: to the link's endpoint the link's key goes",
                ));
            }
            let r = cx.gateway.resend(id, to.as_deref(), key.map(crate::vault::Secret::from)).await?;
            cx.out.print(&r, || resent_text(&r));
        }
        ExchangeCommand::Export { ids, out } => {
            let n = cx.gateway.export_exchanges(&ids, &out).await?;
            cx.out.print(&serde_json::json!({ "exported": n, "file": out }), || {
                format!("{n} exchange(s) written to {} (keys masked; it still holds personal data)\n", out.display())
            });
        }
        ExchangeCommand::Prune { bodies_kept, kept } => {
            let (bodies_kept, rows_kept) =
                (chrono_period(bodies_kept, "--bodies-kept")?, chrono_period(kept, "--kept")?);
            let gw = cx.gateway.with_settings(|s| {
                s.journal.bodies_kept = bodies_kept;
                s.journal.rows_kept = rows_kept;
            });
            let p = gw.prune_journal().await?;
            cx.out.print(&p, || {
                format!("bodies dropped from {} exchange(s); {} exchange(s) deleted\n", p.bodies, p.rows)
            });
        }
        ExchangeCommand::Purge { location } => {
            let n = cx.gateway.purge_journal(location.trim(), &args.gateway.actor()).await?;
            cx.out.print(&serde_json::json!({ "deleted": n }), || {
                format!("{n} exchange(s) of {} deleted from the journal\n", location.trim())
            });
        }
    }
    Ok(())
}

impl Schedule {
    /// Adds the journal's pruning every `every`, from start: bodies and rows past the
    /// gateway's retention ([`crate::gateway::journal::JournalSettings`]).
    pub fn journal_pruning(self, gateway: &Gateway, every: Duration) -> Schedule {
        let gw = gateway.clone();
        self.add("journal-prune", Timing::Every(every), move || {
            let gw = gw.clone();
            async move {
                if let Err(e) = gw.prune_journal().await {
                    tracing::warn!(error = %e, "the exchange journal could not be pruned; the next run tries again");
                }
            }
        })
    }
}

fn size(n: i64) -> String {
    if n >= 10 * 1024 {
        format!("{} KiB", n / 1024)
    } else {
        format!("{n} B")
    }
}

fn list_text(list: &[ExchangeRow]) -> String {
    if list.is_empty() {
        return "no exchanges in the journal match\n".into();
    }
    let mut t = Table::new(&[
        ("ID", 6),
        ("AT (UTC)", 19),
        ("LINK", 5),
        ("SIDE", 6),
        ("LOCATION", 8),
        ("OPERATION", 20),
        ("TRY", 3),
        ("HTTP", 4),
        ("MS", 6),
        ("SENT", 9),
        ("ANSWER", 9),
        ("BODIES", 7),
        ("FAULT", 120),
    ]);
    for e in list {
        t.row(vec![
            e.id.to_string(),
            when(e.at),
            e.koppeling_id.map_or_else(|| "-".into(), |k| k.to_string()),
            e.direction.clone(),
            if e.location.is_empty() { "?".into() } else { e.location.clone() },
            e.operation.clone(),
            e.attempt.to_string(),
            e.http_status.map(|s| s.to_string()).unwrap_or_else(|| "-".into()),
            e.duration_ms.to_string(),
            size(e.request_bytes),
            size(e.answer_bytes),
            if e.bodies_dropped_at.is_some() { "dropped".into() } else { "kept".into() },
            match (&e.fault_code, &e.fault_text) {
                (Some(c), Some(t)) => format!("{c}: {t}"),
                (Some(c), None) => c.clone(),
                _ => String::new(),
            },
        ]);
    }
    t.render(0)
}

fn show_text(s: &Shown) -> String {
    let e = &s.exchange;
    let free = |t: &str| crate::free_text::printable(t).into_owned();
    let whose = match e.koppeling_id {
        Some(k) => format!("for koppeling {k} ({})", e.location),
        None if e.location.is_empty() => "served (the request named no readable location)".to_string(),
        None => format!("served for {}", e.location),
    };
    let mut out = format!(
        "exchange {} — {} {} (attempt {}) {whose}\n  at: {}\n  HTTP status: {}\n  took: {} ms\n  \
         sizes: request {} B, answer {} B, stored {} B\n",
        e.id,
        e.kind,
        e.operation,
        e.attempt,
        when(e.at),
        e.http_status.map(|s| s.to_string()).unwrap_or_else(|| "none (no complete answer)".into()),
        e.duration_ms,
        e.request_bytes,
        e.answer_bytes,
        e.stored_bytes,
    );
    if let Some(f) = e.fetch_id {
        out.push_str(&format!("  fetch: {f} (uwlr exchange replay {})\n", e.id));
    }
    if let Some(b) = e.batch_id {
        out.push_str(&format!("  results message (batch): {b}\n"));
    }
    if let Some(r) = e.replay_of {
        out.push_str(&format!("  a replay of exchange {r} (its request sent again)\n"));
    }
    if let Some(c) = &e.fault_code {
        out.push_str(&format!("  fault: {c}: {}\n", free(e.fault_text.as_deref().unwrap_or_default())));
    }
    if e.bodies_dropped_at.is_some() {
        out.push_str(&format!(
            "  bodies dropped at {} (retention or a pupil deleted)\n",
            opt_when(e.bodies_dropped_at)
        ));
    }
    for f in &s.findings {
        out.push_str(&format!("  decoder {}\n", free(f)));
    }
    for (name, body) in [("request", &s.request), ("answer", &s.answer)] {
        if let Some(b) = body {
            // The LAS wrote it: printed with control characters escaped.
            out.push_str(&format!("\n--- {name} (key masked) ---\n{}\n", crate::free_text::printable_lines(b)));
        }
    }
    out
}

fn replay_text(r: &Replay) -> String {
    let mut out = String::new();
    for w in &r.warnings {
        out.push_str(&format!("decoder warning: {}\n", crate::free_text::printable(w)));
    }
    match r.original_proposal_id {
        Some(p) if r.same => out.push_str(&format!(
            "exchange {}: today's decoder and proposal give the same proposal as fetch {} did (proposal {p})\n",
            r.exchange_id,
            r.fetch_id.unwrap_or_default()
        )),
        Some(p) => {
            out.push_str(&format!(
                "exchange {}: the proposal differs from proposal {p} of fetch {} (the store or the code changed \
                 since):\n",
                r.exchange_id,
                r.fetch_id.unwrap_or_default()
            ));
            for l in &r.removed {
                out.push_str(&format!("- {l}\n"));
            }
            for l in &r.added {
                out.push_str(&format!("+ {l}\n"));
            }
        }
        None => {
            out.push_str(&format!(
                "exchange {}: no proposal of the original fetch to compare with; what would be proposed now:\n",
                r.exchange_id
            ));
            out.push_str(&super::output::proposal_text(&r.proposal, None));
        }
    }
    out
}

fn resent_text(r: &Resent) -> String {
    let free = |t: &str| crate::free_text::printable(t).into_owned();
    let ending = |e: &crate::gateway::journal::Ending| {
        let status = e.http_status.map_or_else(|| "no complete answer".to_string(), |s| format!("HTTP {s}"));
        match (&e.fault_code, &e.fault_text) {
            (Some(c), Some(t)) => format!("{status}, {c}: {}", free(t)),
            (Some(c), None) => format!("{status}, {c}"),
            _ => status,
        }
    };
    let mut out = format!(
        "exchange {} ({}) sent again to {}{}\n  then: {}\n  now:  {}\n",
        r.exchange_id,
        r.operation,
        free(&r.endpoint),
        r.replay_id.map(|n| format!(" as exchange {n}")).unwrap_or_default(),
        ending(&r.then),
        ending(&r.now),
    );
    if r.same {
        out.push_str(if r.identical {
            "the same answer, byte for byte\n"
        } else {
            "the same answer (fact by fact; the moment it was made aside)\n"
        });
        return out;
    }
    let what = if r.as_text { "line(s)" } else { "fact(s)" };
    out.push_str(&format!(
        "the answer differs: {} {what} of the stored answer went (-), {} came (+)\n",
        r.removed_total, r.added_total
    ));
    for l in &r.removed {
        out.push_str(&format!("- {}\n", free(l)));
    }
    if r.removed_total > r.removed.len() {
        out.push_str(&format!("- … and {} more\n", r.removed_total - r.removed.len()));
    }
    for l in &r.added {
        out.push_str(&format!("+ {}\n", free(l)));
    }
    if r.added_total > r.added.len() {
        out.push_str(&format!("+ … and {} more\n", r.added_total - r.added.len()));
    }
    out
}
