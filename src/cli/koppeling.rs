//! `uwlr koppeling …`: the link lifecycle (DOMAIN.md §1). Every step prints the link as it
//! now stands and what comes next; keys are read from standard input or a file, never
//! from the command line, and never printed.

use super::output::{opt_when, when, Table};
use super::{Context, Failure, GatewayArgs, KeyInput, OptionalKeyInput};
use crate::gateway::koppelingen::KoppelingRequest;
use crate::koppeling::Koppeling;
use crate::koppeling::{Kind, Status};
use crate::store::koppelingen::AuditEntry;
use clap::{Args, Subcommand};

/// `uwlr koppeling`.
#[derive(Debug, Args)]
pub struct KoppelingArgs {
    #[command(flatten)]
    pub gateway: GatewayArgs,
    #[command(subcommand)]
    pub command: KoppelingCommand,
}

#[derive(Debug, Subcommand)]
pub enum KoppelingCommand {
    /// List the koppelingen, of one school location or all.
    List {
        /// BRIN + dependance (99DE00) or schoolkey.
        #[arg(long)]
        location: Option<String>,
    },
    /// Request a new koppeling (the school admin's step). For ParnasSys, paste the key
    /// ParnasSys showed; for ESIS the key comes later (set-key).
    Request {
        /// BRIN + dependance (99DE00) or schoolkey.
        #[arg(long)]
        location: String,
        /// School year, e.g. 2025-2026.
        #[arg(long)]
        schooljaar: String,
        /// What is on the other side: a LAS (parnassys, esis, uwlr) or a dashboard.
        #[arg(long, value_parser = Kind::parse, value_name = "parnassys|esis|uwlr|schoolkr8|focus-po")]
        kind: Kind,
        /// The UWLR base URL of the LAS or dashboard (…/leerlinggegevens and
        /// …/leerresultaten are under it).
        #[arg(long, value_name = "URL")]
        endpoint: String,
        #[command(flatten)]
        key: OptionalKeyInput,
        /// Recorded in the audit trail.
        #[arg(long, value_parser = crate::free_text::parse_line)]
        reason: Option<String>,
    },
    /// Support approves a request; with a key it becomes active.
    Approve {
        id: i64,
        #[arg(long, value_parser = crate::free_text::parse_line)]
        reason: Option<String>,
    },
    /// Support rejects a request, with a reason the school can act on.
    Reject {
        id: i64,
        #[arg(long, value_parser = crate::free_text::parse_line)]
        reason: String,
    },
    /// Enter the key the LAS or dashboard showed; an approved koppeling becomes active.
    SetKey {
        id: i64,
        #[command(flatten)]
        key: KeyInput,
    },
    /// Replace the key of an active koppeling (the school set a new one in its LAS).
    Rotate {
        id: i64,
        #[command(flatten)]
        key: KeyInput,
        #[arg(long, value_parser = crate::free_text::parse_line)]
        reason: Option<String>,
    },
    /// End a koppeling: its key is forgotten, nothing goes through it again.
    Revoke {
        id: i64,
        #[arg(long, value_parser = crate::free_text::parse_line)]
        reason: Option<String>,
    },
    /// Who did what to the koppelingen of a school location, oldest first.
    Audit {
        /// BRIN + dependance (99DE00) or schoolkey.
        #[arg(long)]
        location: String,
    },
}

/// Runs `uwlr koppeling …`.
pub async fn run(args: KoppelingArgs) -> Result<(), Failure> {
    // Read the key before anything else: a missing key is a usage error, not a half-made link.
    let key = match &args.command {
        KoppelingCommand::Request { key, .. } => key.read()?,
        KoppelingCommand::SetKey { key, .. } | KoppelingCommand::Rotate { key, .. } => Some(key.read()?),
        _ => None,
    };
    let creates = matches!(args.command, KoppelingCommand::Request { .. });
    let cx = Context::open(&args.gateway, creates).await?;
    let gw = &cx.gateway;
    let actor = cx.actor.as_str();
    let k = match args.command {
        KoppelingCommand::List { location } => {
            let list = gw.koppelingen(location.as_deref()).await?;
            cx.out.print(&list, || list_text(&list));
            return Ok(());
        }
        KoppelingCommand::Audit { location } => {
            let trail = gw.audit_trail(location.trim()).await?;
            cx.out.print(&trail, || audit_text(location.trim(), &trail));
            return Ok(());
        }
        KoppelingCommand::Request { location, schooljaar, kind, endpoint, reason, key: _ } => {
            let req = KoppelingRequest { location, schooljaar, kind, endpoint: Some(endpoint), key, reason };
            gw.request_koppeling(&req, actor).await?
        }
        KoppelingCommand::Approve { id, reason } => gw.approve_koppeling(id, actor, reason.as_deref()).await?,
        KoppelingCommand::Reject { id, reason } => gw.reject_koppeling(id, actor, &reason).await?,
        KoppelingCommand::SetKey { id, .. } => gw.set_koppeling_key(id, key.as_deref().unwrap_or(""), actor).await?,
        KoppelingCommand::Rotate { id, reason, .. } => {
            gw.rotate_koppeling_key(id, key.as_deref().unwrap_or(""), actor, reason.as_deref()).await?
        }
        KoppelingCommand::Revoke { id, reason } => gw.revoke_koppeling(id, actor, reason.as_deref()).await?,
    };
    cx.out.print(&k, || format!("{}{}", line(&k), next_step(&k, &cx.repeat)));
    Ok(())
}

/// `koppeling 1: 99DE00 2025-2026 ParnasSys UWLR, active, key entered`.
pub fn line(k: &Koppeling) -> String {
    format!(
        "koppeling {}: {} {} {}, {}, {}\n",
        k.id,
        k.location,
        k.schooljaar,
        k.kind.label(),
        k.status,
        if k.has_key { "key entered" } else { "no key yet" }
    )
}

/// What the link waits for, as the command that does it.
pub fn next_step(k: &Koppeling, repeat: &str) -> String {
    let id = k.id;
    let hint = match (k.status, k.has_key) {
        (Status::Requested, true) => format!("support approves it: uwlr koppeling approve {id}{repeat}"),
        (Status::Requested, false) => format!(
            "support approves it (uwlr koppeling approve {id}{repeat}) and the key the {} shows is entered (uwlr \
             koppeling set-key {id} --key-stdin{repeat})",
            if k.kind.is_dashboard() { "dashboard" } else { "LAS" }
        ),
        (Status::Approved, _) => format!("enter the key: uwlr koppeling set-key {id} --key-stdin{repeat}"),
        (Status::Active, _) if !k.kind.is_dashboard() => format!("fetch: uwlr import fetch {id}{repeat}"),
        (Status::Active, _) => "results go to the dashboard with the nightly delivery".to_string(),
        (Status::Rejected | Status::Revoked, _) => return String::new(),
    };
    format!("  next: {hint}\n")
}

fn list_text(list: &[Koppeling]) -> String {
    if list.is_empty() {
        return "no koppelingen\n".into();
    }
    let mut t = Table::new(&[
        ("ID", 6),
        ("LOCATION", 12),
        ("SCHOOLJAAR", 10),
        ("KIND", 10),
        ("STATUS", 9),
        ("KEY", 3),
        ("ACTIVATED", 19),
        ("ENDPOINT", 48),
    ]);
    for k in list {
        t.row(vec![
            k.id.to_string(),
            k.location.to_string(),
            k.schooljaar.to_string(),
            k.kind.as_str().into(),
            k.status.as_str().into(),
            if k.has_key { "yes" } else { "no" }.into(),
            opt_when(k.activated_at),
            k.endpoint.clone().unwrap_or_default(),
        ]);
    }
    t.render(0)
}

fn audit_text(location: &str, trail: &[AuditEntry]) -> String {
    if trail.is_empty() {
        return format!("nothing recorded for {location}\n");
    }
    let mut t = Table::new(&[
        ("AT (UTC)", 19),
        ("KOPPELING", 9),
        ("ACTOR", 20),
        ("ACTION", 22),
        ("STATUS", 21),
        ("REASON", 400),
    ]);
    for a in trail {
        let status = match (&a.from_status, &a.to_status) {
            (Some(f), Some(t)) if f == t => f.clone(),
            (Some(f), Some(t)) => format!("{f} → {t}"),
            (None, Some(t)) => format!("→ {t}"),
            _ => String::new(),
        };
        t.row(vec![
            when(a.at),
            a.koppeling_id.map(|i| i.to_string()).unwrap_or_else(|| "-".into()),
            a.actor.clone(),
            a.action.clone(),
            status,
            a.reason.clone().unwrap_or_default(),
        ]);
    }
    t.render(0)
}
