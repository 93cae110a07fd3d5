//! `uwlr results …`: test results on their way to LAS systems and dashboards (DOMAIN.md §3).
//! `record` and `define-toets` put results and tests in; `deliver` sends what is due (the
//! same run `uwlr serve` does nightly); `errors`, `retry`, `backfill` and `status` are for
//! support when a school asks where its results are.

use super::output::Table;
use super::{Context, Failure, GatewayArgs};
use crate::api::results::{one_or_many_json as one_or_many, DeliveryCounts, Queued, RecordedResults, ToetsenDefined};
use crate::gateway::delivery::{DeliverOptions, DeliveryReport};
use crate::gateway::{Gateway, GatewayError};
use crate::koppeling::Status;
use crate::results::{NewResult, ToetsDef};
use crate::store::results::DeliveryError;
use clap::{Args, Subcommand};
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};

/// `uwlr results`.
#[derive(Debug, Args)]
pub struct ResultsArgs {
    #[command(flatten)]
    pub gateway: GatewayArgs,
    #[command(subcommand)]
    pub command: ResultsCommand,
}

#[derive(Debug, Subcommand)]
pub enum ResultsCommand {
    /// Send the results that are due, through every active koppeling (or one).
    ///
    /// Exit 0 also when some results were refused (they are kept as delivery errors, see
    /// `uwlr results errors`) or postponed after a transient failure. Exit 3 when the run
    /// itself failed, 2 when the database or the master key did.
    Deliver {
        /// Only this koppeling.
        #[arg(long, value_name = "ID")]
        koppeling: Option<i64>,
        /// Who claims the results, as the leases record it [default: host:pid]
        #[arg(long, value_name = "NAME")]
        owner: Option<String>,
        /// Largest results message in bytes [default: 65536]
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
        max_message_bytes: Option<u64>,
        /// Results claimed at a time [default: 500]
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(i64).range(1..))]
        claim: Option<i64>,
        /// How long a claim holds before another instance may take it over (e.g. 5m, 30s)
        /// [default: 5m]
        #[arg(long, value_name = "PERIOD", value_parser = crate::cli::schedule::parse_period)]
        lease: Option<std::time::Duration>,
        /// Run again until a run sends nothing (results that wait for a retry after a
        /// transient failure, or that another instance holds, are left for later).
        #[arg(long)]
        until_empty: bool,
    },
    /// Record results from a JSON file: one result or an array (`-` reads standard input).
    Record {
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
    },
    /// Declare tests and their parts from a JSON file: one or an array (`-`: standard input).
    DefineToets {
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
    },
    /// The results a LAS or dashboard refused, kept until they are retried.
    Errors {
        #[arg(long, value_name = "ID")]
        koppeling: Option<i64>,
    },
    /// Queue a koppeling's delivery errors again, after the cause was fixed.
    Retry { koppeling_id: i64 },
    /// Queue a koppeling's results of a school year normed before it was activated.
    Backfill {
        koppeling_id: i64,
        /// School year, e.g. 2025-2026.
        #[arg(long)]
        schooljaar: String,
    },
    /// Delivery counts per status, per koppeling.
    Status {
        #[arg(long, value_name = "ID")]
        koppeling: Option<i64>,
    },
}

/// Most runs `--until-empty` makes: a guard, far above anything a real queue needs.
const MAX_RUNS: usize = 10_000;

/// Runs `uwlr results …`.
pub async fn run(args: ResultsArgs) -> Result<(), Failure> {
    let cx = Context::open(&args.gateway, false).await?;
    match args.command {
        ResultsCommand::Deliver { koppeling, owner, max_message_bytes, claim, lease, until_empty } => {
            let mut opts = DeliverOptions { koppeling, ..Default::default() };
            if let Some(l) = lease.and_then(|l| chrono::Duration::from_std(l).ok()) {
                opts.lease = l;
            }
            if let Some(o) = owner.map(|o| o.trim().to_string()).filter(|o| !o.is_empty()) {
                opts.owner = o;
            }
            if let Some(n) = max_message_bytes {
                opts.max_message_bytes = usize::try_from(n).unwrap_or(usize::MAX);
            }
            if let Some(n) = claim {
                opts.claim = n;
            }
            if let Some(id) = koppeling {
                deliverable(&cx.gateway, id).await?;
            }
            let (report, failed) = deliver(&cx.gateway, &opts, until_empty).await;
            if let Some(e) = failed {
                if report != DeliveryReport::default() {
                    cx.out.print(&report, || format!("before the failure: {}\n", report_line(&report)));
                }
                return Err(run_failed(e));
            }
            cx.out.print(&report, || report_line(&report) + "\n");
            if report.refused > 0 && !cx.out.json {
                eprintln!("uwlr: {} refused result(s) are kept: uwlr results errors{}", report.refused, cx.repeat);
            }
        }
        ResultsCommand::Record { file } => {
            let list: Vec<NewResult> = read_one_or_many(&file, "result")?;
            let mut recorded = Vec::with_capacity(list.len());
            for (i, r) in list.iter().enumerate() {
                match cx.gateway.record_result(r, &cx.actor).await {
                    Ok(rec) => recorded.push(rec),
                    Err(e) => {
                        let done = RecordedResults::new(recorded);
                        if done.recorded > 0 {
                            cx.out.print(&done, || record_text(&done));
                        }
                        let mut f = Failure::from(e);
                        f.message = format!(
                            "result {} of {} (pupil {}, {}): {}; the {} before it are recorded",
                            i + 1,
                            list.len(),
                            r.leerling_id,
                            r.toetscode,
                            f.message,
                            done.recorded
                        );
                        return Err(f);
                    }
                }
            }
            let done = RecordedResults::new(recorded);
            cx.out.print(&done, || record_text(&done));
        }
        ResultsCommand::DefineToets { file } => {
            let defs: Vec<ToetsDef> = read_one_or_many(&file, "toets")?;
            for d in &defs {
                cx.gateway.define_toets(d).await.map_err(|e| {
                    let mut f = Failure::from(e);
                    f.message = format!("toets {}: {}", d.toetscode, f.message);
                    f
                })?;
            }
            let done =
                ToetsenDefined { defined: defs.len(), toetscodes: defs.into_iter().map(|d| d.toetscode).collect() };
            cx.out.print(&done, || format!("defined {} toets(en): {}\n", done.defined, done.toetscodes.join(", ")));
        }
        ResultsCommand::Errors { koppeling } => {
            if let Some(id) = koppeling {
                cx.gateway.koppeling(id).await?;
            }
            let list = cx.gateway.delivery_errors(koppeling).await?;
            cx.out.print(&list, || errors_text(&list, &cx.repeat));
        }
        ResultsCommand::Retry { koppeling_id } => {
            let queued = Queued { queued: cx.gateway.retry_deliveries(koppeling_id, &cx.actor).await? };
            cx.out.print(&queued, || {
                if queued.queued == 0 {
                    format!("koppeling {koppeling_id} has no delivery errors to retry\n")
                } else {
                    format!(
                        "queued {} result(s) of koppeling {koppeling_id} again; they go with the next delivery \
                         (uwlr results deliver --koppeling {koppeling_id}{})\n",
                        queued.queued, cx.repeat
                    )
                }
            });
        }
        ResultsCommand::Backfill { koppeling_id, schooljaar } => {
            let queued = Queued { queued: cx.gateway.backfill(koppeling_id, &schooljaar, &cx.actor).await? };
            cx.out.print(&queued, || {
                format!(
                    "queued {} result(s) of {} for koppeling {koppeling_id}; they go with the next delivery \
                     (uwlr results deliver --koppeling {koppeling_id}{})\n",
                    queued.queued,
                    schooljaar.trim(),
                    cx.repeat
                )
            });
        }
        ResultsCommand::Status { koppeling } => {
            let links = match koppeling {
                Some(id) => vec![cx.gateway.koppeling(id).await?],
                None => {
                    let mut all = cx.gateway.koppelingen(None).await?;
                    all.sort_by_key(|k| k.id);
                    all
                }
            };
            let mut counts = Vec::with_capacity(links.len());
            for k in &links {
                counts.push(DeliveryCounts::of(&cx.gateway, k).await?);
            }
            cx.out.print(&counts, || status_text(&counts));
        }
    }
    Ok(())
}

/// Refuses a `--koppeling` that is unknown or not active before anything runs: delivery
/// would pass it by without a word.
async fn deliverable(gw: &Gateway, id: i64) -> Result<(), Failure> {
    let k = gw.koppeling(id).await?;
    if k.status != Status::Active {
        return Err(Failure::refused(format!("koppeling {id} is {}; nothing is sent through it", k.status)));
    }
    Ok(())
}

/// One delivery run, or with `until_empty` runs until one sends nothing. The report adds
/// up every run; a failure ends the runs and comes back with what was done before it.
pub async fn deliver(gw: &Gateway, opts: &DeliverOptions, until_empty: bool) -> (DeliveryReport, Option<GatewayError>) {
    let mut total = DeliveryReport::default();
    for _ in 0..MAX_RUNS {
        match gw.deliver(opts).await {
            Ok(r) => {
                let sent_something = r.messages > 0 || r.delivered > 0 || r.refused > 0;
                add(&mut total, &r);
                // Nothing sent: what is pending is not due (backoff) or held by another
                // instance's lease. Waiting for it is the scheduler's job, not this loop's.
                if !until_empty || !sent_something {
                    break;
                }
            }
            Err(e) => return (total, Some(e)),
        }
    }
    if !total.failed_links.is_empty() {
        // The other links were served; the run still failed for these, and says so.
        let e = GatewayError::Conflict(total.failed_links.join("; "));
        return (total, Some(e));
    }
    (total, None)
}

fn add(total: &mut DeliveryReport, r: &DeliveryReport) {
    total.delivered += r.delivered;
    total.messages += r.messages;
    total.refused += r.refused;
    total.postponed += r.postponed;
    for f in &r.failed_links {
        if !total.failed_links.contains(f) {
            total.failed_links.push(f.clone());
        }
    }
    total.encode += r.encode;
    total.transport += r.transport;
    total.store += r.store;
}

/// A failed run. Local trouble (the database, the master key that opens the links' keys)
/// is exit 2 as everywhere; anything else failed the run itself (a link whose endpoint cannot
/// be called, a message that cannot be built): exit 3. Refusals never get here: they are
/// kept as delivery errors.
fn run_failed(e: GatewayError) -> Failure {
    let code = match e {
        GatewayError::Store(_) | GatewayError::Vault(_) => 2,
        _ => 3,
    };
    Failure { code, message: format!("the delivery run failed: {e}") }
}

/// `delivered 120 results in 3 messages; refused 1; postponed 0 (encode 0.01 s, transport
/// 0.20 s, store 0.05 s)`.
pub fn report_line(r: &DeliveryReport) -> String {
    format!(
        "delivered {} result{} in {} message{}; refused {}; postponed {} (encode {:.2} s, transport {:.2} s, \
         store {:.2} s)",
        r.delivered,
        if r.delivered == 1 { "" } else { "s" },
        r.messages,
        if r.messages == 1 { "" } else { "s" },
        r.refused,
        r.postponed,
        r.encode.as_secs_f64(),
        r.transport.as_secs_f64(),
        r.store.as_secs_f64()
    )
}

/// A JSON file (or standard input for `-`) holding one `T` or an array of them.
fn read_one_or_many<T: DeserializeOwned>(file: &Path, what: &str) -> Result<Vec<T>, Failure> {
    let text = if file == Path::new("-") {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin().lock(), &mut s)
            .map_err(|e| Failure::usage(format!("cannot read standard input: {e}")))?;
        s
    } else {
        std::fs::read_to_string(file).map_err(|e| Failure::usage(format!("cannot read {}: {e}", file.display())))?
    };
    let name = if file == Path::new("-") { "standard input".to_string() } else { file.display().to_string() };
    let list =
        one_or_many(&text).map_err(|e| Failure::usage(format!("{name}: not a {what} or an array of them: {e}")))?;
    if list.is_empty() {
        return Err(Failure::usage(format!("{name} holds no {what}")));
    }
    Ok(list)
}

fn record_text(done: &RecordedResults) -> String {
    let mut t = Table::new(&[("RESULT", 8), ("KEY", 60), ("VERSION", 7), ("LOCATION", 40)]);
    for r in &done.results {
        t.row(vec![r.id.to_string(), r.key.clone(), r.version.to_string(), r.location.clone()]);
    }
    format!("recorded {} result{}\n{}", done.recorded, if done.recorded == 1 { "" } else { "s" }, t.render(2))
}

/// A delivery error's kind as the LAS manuals name it.
pub fn kind_text(kind: &str) -> &str {
    match kind {
        "leerling_onbekend" => "pupil number not found",
        "toets_onbekend" => "test or test part not found",
        "geweigerd" => "refused",
        "koppeling_gesloten" => "link closed before delivery",
        other => other,
    }
}

fn errors_text(list: &[DeliveryError], repeat: &str) -> String {
    if list.is_empty() {
        return "no delivery errors\n".into();
    }
    let mut t = Table::new(&[
        ("KOPPELING", 9),
        ("PUPIL", 10),
        ("RESULT KEY", 40),
        ("TOETS/ONDERDEEL", 24),
        ("KIND", 28),
        ("MESSAGE", 300),
    ]);
    let mut links: Vec<i64> = Vec::new();
    for e in list {
        let toets = match &e.toetsonderdeel {
            Some(o) => format!("{}/{o}", e.toetscode),
            None => e.toetscode.clone(),
        };
        let kind = kind_text(&e.kind);
        // The message often starts with the kind; the table shows that once.
        let message = e.error.strip_prefix(kind).and_then(|m| m.strip_prefix(": ")).unwrap_or(&e.error);
        t.row(vec![
            e.koppeling_id.to_string(),
            e.leerling_id.to_string(),
            e.resultaat_key.clone(),
            toets,
            kind.to_string(),
            message.to_string(),
        ]);
        if !links.contains(&e.koppeling_id) {
            links.push(e.koppeling_id);
        }
    }
    let retry = match links.as_slice() {
        [one] => format!("uwlr results retry {one}{repeat}"),
        _ => format!("uwlr results retry KOPPELING{repeat}, for each koppeling"),
    };
    format!(
        "{}\n{} delivery error(s). Fix the cause (import the pupil, activate the test at the receiver), then: {retry}\n",
        t.render(0),
        list.len()
    )
}

fn status_text(counts: &[DeliveryCounts]) -> String {
    if counts.is_empty() {
        return "no koppelingen\n".into();
    }
    let mut t = Table::new(&[
        ("KOPPELING", 9),
        ("LOCATION", 40),
        ("KIND", 10),
        ("STATUS", 10),
        ("PENDING", 8),
        ("SENT", 8),
        ("FAILED", 8),
        ("SUPERSEDED", 10),
        ("OTHER", 30),
    ]);
    for c in counts {
        let n = |s: &str| c.counts.get(s).copied().unwrap_or(0).to_string();
        let other: Vec<String> = c
            .counts
            .iter()
            .filter(|(s, _)| !DeliveryCounts::STATUSES.contains(&s.as_str()))
            .map(|(s, n)| format!("{s} {n}"))
            .collect();
        t.row(vec![
            c.koppeling.to_string(),
            c.location.clone(),
            c.kind.to_string(),
            c.status.to_string(),
            n("pending"),
            n("sent"),
            n("failed"),
            n("superseded"),
            other.join(", "),
        ]);
    }
    t.render(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_report_is_one_line() {
        let r = DeliveryReport {
            delivered: 120,
            messages: 3,
            refused: 1,
            postponed: 0,
            failed_links: Vec::new(),
            encode: Duration::from_millis(10),
            transport: Duration::from_millis(200),
            store: Duration::from_millis(50),
        };
        assert_eq!(
            report_line(&r),
            "delivered 120 results in 3 messages; refused 1; postponed 0 (encode 0.01 s, transport 0.20 s, store 0.05 s)"
        );
    }

    #[test]
    fn one_or_an_array() {
        let one: Vec<serde_json::Map<String, serde_json::Value>> = one_or_many(r#"{"a": 1}"#).unwrap();
        assert_eq!(one.len(), 1);
        let two: Vec<ToetsDef> = one_or_many(r#"[{"toetscode": "A"}, {"toetscode": "B"}]"#).unwrap();
        assert_eq!(two.len(), 2);
        let bad = one_or_many::<ToetsDef>(r#"[{"toetscode": "A"}, {"toetscod": "B"}]"#).unwrap_err();
        assert!(bad.starts_with("[1]: unknown field"), "{bad}");
    }

    #[test]
    fn kinds_in_the_manuals_terms() {
        assert_eq!(kind_text("leerling_onbekend"), "pupil number not found");
        assert_eq!(kind_text("toets_onbekend"), "test or test part not found");
        assert_eq!(kind_text("geweigerd"), "refused");
    }
}
