//! `uwlr import …`: fetch from the LAS into a proposal, show it, decide on it, apply it
//! (DOMAIN.md §2). Nothing reaches the school's records before `apply`.

use super::output::proposal_text;
use super::{Context, Failure, GatewayArgs};
use crate::gateway::imports::{ApplyOptions, FetchOutcome, Progress, ProposalView};
use crate::import::{Decision, FetchMode, RecordRef, Tab};
use crate::store::apply::ApplyReport;
use clap::builder::ValueParser;
use clap::{Arg, ArgAction, ArgMatches, Args, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// `uwlr import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub gateway: GatewayArgs,
    #[command(subcommand)]
    pub command: ImportCommand,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Fetch leerlinggegevens through an active LAS koppeling and show the import proposal
    /// (a delta when possible). Nothing is imported yet.
    Fetch {
        koppeling_id: i64,
        /// Ask for everything, not only what changed: only a full answer shows who left.
        #[arg(long)]
        full: bool,
        /// Show at most N rows per tab (the counts stay complete).
        #[arg(long, value_name = "N")]
        rows: Option<usize>,
    },
    /// Show a proposal with the decisions taken on it.
    Show {
        proposal_id: i64,
        /// Show at most N rows per tab (the counts stay complete).
        #[arg(long, value_name = "N")]
        rows: Option<usize>,
    },
    /// Decide on records of an open proposal, in the order given, and show the result.
    /// TAB is groepen, leerkrachten or leerlingen; KEY the record's LAS key (or eckid).
    Decide {
        proposal_id: i64,
        #[command(flatten)]
        decisions: Decisions,
        /// After the decisions given: link every undecided new record to its one strong
        /// candidate (same eckid, or same name and birth date), one link decision each.
        #[arg(long)]
        accept_suggestions: bool,
        /// Show at most N rows per tab (the counts stay complete).
        #[arg(long, value_name = "N")]
        rows: Option<usize>,
    },
    /// Apply a reviewed proposal in one transaction.
    Apply {
        proposal_id: i64,
        /// Apply although it deactivates more pupils than the safety limit allows (check
        /// the LAS first: an empty or truncated answer looks like this).
        #[arg(long)]
        override_safety: bool,
    },
}

/// Runs `uwlr import …`.
pub async fn run(args: ImportArgs) -> Result<(), Failure> {
    let cx = Context::open(&args.gateway, false).await?;
    let gw = &cx.gateway;
    let repeat = cx.repeat.as_str();
    match args.command {
        ImportCommand::Fetch { koppeling_id, full, rows } => {
            let spinner = Spinner::start();
            let result = gw.fetch(koppeling_id, full, &cx.actor, &|p| spinner.show(&p)).await;
            spinner.stop();
            let outcome = result?;
            cx.out.print(&outcome, || fetch_text(&outcome, rows, repeat));
        }
        ImportCommand::Show { proposal_id, rows } => {
            let view = gw.proposal(proposal_id).await?;
            cx.out.print(&view, || view_text(&view, rows, repeat));
        }
        ImportCommand::Decide { proposal_id, decisions, accept_suggestions, rows } => {
            let view = gw.decide_with(proposal_id, &decisions.0, accept_suggestions, &cx.actor).await?;
            cx.out.print(&view, || view_text(&view, rows, repeat));
        }
        ImportCommand::Apply { proposal_id, override_safety } => {
            let opts = ApplyOptions { override_safety, ..Default::default() };
            let report = gw.apply_proposal(proposal_id, &cx.actor, opts).await?;
            cx.out.print(&report, || apply_text(proposal_id, &report, repeat));
        }
    }
    Ok(())
}

/// A spinner on standard error while a fetch runs, fed by the fetch's progress; hidden
/// when standard error is not a terminal, so logs and pipes get no control characters.
pub struct Spinner(ProgressBar);

impl Spinner {
    pub fn start() -> Spinner {
        if !std::io::stderr().is_terminal() {
            return Spinner(ProgressBar::hidden());
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
            bar.set_style(style);
        }
        bar.set_message("opening the koppeling");
        bar.enable_steady_tick(Duration::from_millis(100));
        Spinner(bar)
    }

    pub fn show(&self, p: &Progress) {
        self.0.set_message(progress_text(p));
    }

    pub fn stop(self) {
        self.0.finish_and_clear();
    }
}

/// One progress step in words.
pub fn progress_text(p: &Progress) -> String {
    match p {
        Progress::Calling { endpoint, mode: FetchMode::Full } => format!("asking the LAS for all data at {endpoint}"),
        Progress::Calling { endpoint, mode: FetchMode::Delta } => format!("asking the LAS for changes at {endpoint}"),
        Progress::Received { groepen, leerkrachten, leerlingen } => {
            format!("received {groepen} groepen, {leerkrachten} leerkrachten, {leerlingen} leerlingen")
        }
        Progress::Proposing => "computing the proposal".into(),
    }
}

fn fetch_text(o: &FetchOutcome, rows: Option<usize>, repeat: &str) -> String {
    let f = &o.fetch;
    let mut s = format!(
        "fetch {} through koppeling {} ({}): {}\n",
        f.id,
        f.koppeling_id,
        f.mode,
        match f.outcome.as_str() {
            "gegevens" => format!("the LAS sent {} leerlingen", f.pupils),
            "geenwijzigingen" => "geenwijzigingen, nothing changed in the LAS".into(),
            "geengegevens" => "geengegevens, the LAS has no data for this school and year".into(),
            other => other.to_string(),
        }
    );
    if o.nothing_to_do {
        s.push_str(&format!("proposal {}: nothing to review\n", o.proposal_id));
        return s;
    }
    s.push_str(&format!("proposal {}, open:\n\n", o.proposal_id));
    s.push_str(&proposal_text(&o.proposal, rows));
    s.push_str(&next_for(o.proposal_id, &o.proposal, repeat));
    s
}

fn view_text(v: &ProposalView, rows: Option<usize>, repeat: &str) -> String {
    let mut s = format!("proposal {} (koppeling {}, fetch {}): {}\n", v.id, v.koppeling_id, v.fetch_id, v.status);
    if v.decisions.is_empty() {
        s.push_str("decisions: none\n");
    } else {
        s.push_str("decisions, applied in this order:\n");
        for (i, d) in v.decisions.iter().enumerate() {
            s.push_str(&format!("  {}. {d}\n", i + 1));
        }
    }
    s.push('\n');
    s.push_str(&proposal_text(&v.proposal, rows));
    if v.status == "open" && !v.proposal.is_empty() {
        s.push_str(&next_for(v.id, &v.proposal, repeat));
    }
    s
}

fn next(id: i64, repeat: &str) -> String {
    format!(
        "\nnext: decide (uwlr import decide {id} --skip leerlingen/KEY …{repeat}) or apply (uwlr import apply \
         {id}{repeat})\n"
    )
}

/// What to do next; with undecided records, deciding them comes first.
fn next_for(id: i64, p: &crate::import::Proposal, repeat: &str) -> String {
    let undecided = p.undecided().len();
    if undecided == 0 {
        return next(id, repeat);
    }
    format!(
        "\nnext: {undecided} new record(s) with strong candidates wait for a decision: link them (uwlr import decide \
         {id} --link leerlingen/KEY=ID{repeat}), accept every suggestion ({} of them: uwlr import decide {id} \
         --accept-suggestions{repeat}), or create one anyway (--new leerlingen/KEY); then apply (uwlr import apply \
         {id}{repeat})\n",
        p.suggested_links().len()
    )
}

fn apply_text(id: i64, r: &ApplyReport, repeat: &str) -> String {
    let mut s = format!("applied proposal {id}\n");
    for (i, tab) in Tab::ALL.iter().enumerate() {
        s.push_str(&format!(
            "  {:<12}  created {}, updated {}, skipped {}, deactivated {}\n",
            tab.as_str(),
            r.created[i],
            r.updated[i],
            r.skipped[i],
            r.deactivated[i]
        ));
    }
    let n = r.invitations.len();
    if n > 0 {
        s.push_str(&format!(
            "  {n} teacher invitation{} queued (uwlr mail send{repeat})\n",
            if n == 1 { "" } else { "s" }
        ));
    }
    s
}

// ---- decisions --------------------------------------------------------------------------

/// The decisions of `uwlr import decide`, in the order they were given on the command line,
/// whichever flag each came with (clap keeps one list per flag; the indices restore the order).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Decisions(pub Vec<Decision>);

/// `(flag, value name, help)`.
const FLAGS: [(&str, &str, &str); 5] = [
    ("link", "TAB/KEY=ID", "Link the record to the known record ID instead of creating it"),
    ("skip", "TAB/KEY", "Do not import the record (a skipped group takes its pupils along)"),
    ("unskip", "TAB/KEY", "Import the record after all"),
    ("new", "TAB/KEY", "Create the record new instead of linking it"),
    ("email", "leerkrachten/KEY=ADDR", "Fill in a teacher's e-mail address (for the invitation)"),
];

impl clap::FromArgMatches for Decisions {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let mut all: Vec<(usize, Decision)> = Vec::new();
        for (flag, ..) in FLAGS {
            if let (Some(values), Some(indices)) = (m.get_many::<Decision>(flag), m.indices_of(flag)) {
                all.extend(indices.zip(values.cloned()));
            }
        }
        all.sort_by_key(|(i, _)| *i);
        Ok(Decisions(all.into_iter().map(|(_, d)| d).collect()))
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

impl clap::Args for Decisions {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        FLAGS.iter().fold(cmd, |cmd, &(flag, value, help)| {
            cmd.arg(
                Arg::new(flag)
                    .long(flag)
                    .value_name(value)
                    .help(help)
                    .action(ArgAction::Append)
                    .value_parser(ValueParser::new(move |s: &str| parse_decision(flag, s))),
            )
        })
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

/// One decision from its flag and value: `leerlingen/L12=45` for a link, `groepen/G5` for a
/// skip, `leerkrachten/T1=anna@school.nl` for an e-mail address. A key may hold `/` (an eckid
/// is a URL), so the tab ends at the first `/`; a link's id starts after the last `=`.
pub fn parse_decision(flag: &str, s: &str) -> Result<Decision, String> {
    let record = |s: &str| -> Result<RecordRef, String> {
        let (tab, key) = s.split_once('/').ok_or_else(|| {
            format!("'{s}' is not TAB/KEY (e.g. leerlingen/L123; TAB is groepen, leerkrachten or leerlingen)")
        })?;
        let tab = Tab::parse(tab.trim())?;
        if key.trim().is_empty() {
            return Err(format!("'{s}' names no key after the '/'"));
        }
        Ok(RecordRef::new(tab, key.trim()))
    };
    match flag {
        "link" => {
            let (r, id) =
                s.rsplit_once('=').ok_or_else(|| format!("'{s}' is not TAB/KEY=ID (e.g. leerlingen/L123=45)"))?;
            let to = id.trim().parse::<i64>().map_err(|_| format!("'{id}' is not a record id (a number)"))?;
            Ok(Decision::Link { record: record(r)?, to })
        }
        "email" => {
            let (r, email) = s.split_once('=').ok_or_else(|| format!("'{s}' is not leerkrachten/KEY=ADDRESS"))?;
            Ok(Decision::Email { record: record(r)?, email: email.trim().to_string() })
        }
        "skip" => Ok(Decision::Skip { record: record(s)? }),
        "unskip" => Ok(Decision::Unskip { record: record(s)? }),
        "new" => Ok(Decision::New { record: record(s)? }),
        other => Err(format!("unknown decision --{other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Probe {
        #[command(flatten)]
        d: Decisions,
    }

    #[test]
    fn decisions_keep_the_command_line_order_across_flags() {
        let p = Probe::try_parse_from([
            "x",
            "--skip",
            "groepen/G1",
            "--link",
            "leerlingen/https://ketenid.nl/a=b=7",
            "--unskip",
            "leerlingen/L2",
            "--skip",
            "leerlingen/L3",
            "--email",
            "leerkrachten/T1=anna@school.nl",
            "--new",
            "leerkrachten/T2",
        ])
        .unwrap();
        let shown: Vec<String> = p.d.0.iter().map(|d| d.to_string()).collect();
        assert_eq!(
            shown,
            [
                "skip groepen/G1",
                "link leerlingen/https://ketenid.nl/a=b to 7",
                "unskip leerlingen/L2",
                "skip leerlingen/L3",
                "e-mail leerkrachten/T1: anna@school.nl",
                "new leerkrachten/T2",
            ]
        );
    }

    #[test]
    fn decide_takes_accept_suggestions_after_the_decisions() {
        #[derive(Parser)]
        struct Cmd {
            #[command(subcommand)]
            c: ImportCommand,
        }
        let c = Cmd::try_parse_from(["x", "decide", "7", "--new", "leerlingen/L1", "--accept-suggestions"]).unwrap();
        match c.c {
            ImportCommand::Decide { proposal_id: 7, decisions, accept_suggestions: true, .. } => {
                assert_eq!(decisions.0, [Decision::New { record: RecordRef::new(Tab::Leerlingen, "L1") }]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn malformed_decisions_say_what_is_expected() {
        assert!(parse_decision("skip", "pupils/L1").unwrap_err().contains("groepen, leerkrachten or leerlingen"));
        assert!(parse_decision("link", "leerlingen/L1").unwrap_err().contains("TAB/KEY=ID"));
        assert!(parse_decision("link", "leerlingen/L1=x").unwrap_err().contains("not a record id"));
        assert!(parse_decision("skip", "leerlingen/").unwrap_err().contains("no key"));
        assert!(Probe::try_parse_from(["x", "--skip", "L1"]).is_err());
    }
}
