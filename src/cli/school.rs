//! `uwlr school …`: what the gateway holds per school location. Clearing external numbers
//! ("Verwijder nummers") before a new link, the admins who hear about waiting proposals,
//! the imported records (per school year) with the keys they came in under, the archive:
//! archiving and reactivating by hand, the deactivated list and deleting deactivated records
//! for good, the Boom pupil numbers (`uwlr school numbers`, for a dashboard's bulk import),
//! merging two records of one pupil (`uwlr school merge`), and the school-year transition
//! (`uwlr school year prepare | list | tick`).

use super::output::{opt_when, when as at, Table};
use super::{Context, Failure, GatewayArgs};
use crate::gateway::archive::{ArchiveReport, Deactivated, DeletePreview};
use crate::gateway::pupils::{numbers_csv, BoomNumber};
use crate::gateway::school_years::{YearStart, YearTick};
use crate::import::{ExternalRef, Snapshot, Summary, Tab};
use crate::location::Location;
use crate::store::archive::{ArchivedGroep, ArchivedLeerling};
use crate::store::school_years::SchoolYear;
use clap::{Args, Subcommand};
use std::collections::HashMap;

/// `uwlr school`.
#[derive(Debug, Args)]
pub struct SchoolArgs {
    #[command(flatten)]
    pub gateway: GatewayArgs,
    #[command(subcommand)]
    pub command: SchoolCommand,
}

#[derive(Debug, Subcommand)]
pub enum SchoolCommand {
    /// Forget the external numbers of the location's pupils, groups and teachers (do this
    /// before requesting a new link). Records and results stay.
    ClearNumbers {
        /// BRIN + dependance (99DE00) or schoolkey.
        location: String,
        #[arg(long, value_parser = crate::free_text::parse_line)]
        reason: Option<String>,
    },
    /// The school admins who are mailed when an import proposal waits.
    Admins {
        #[command(subcommand)]
        command: AdminsCommand,
    },
    /// The imported groepen, leerkrachten and leerlingen of one school year, with the keys of
    /// that year's active LAS link.
    Records {
        /// BRIN + dependance (99DE00) or schoolkey.
        location: String,
        /// The school year, e.g. 2025-2026 [default: the current year: a new year once its first import is applied].
        #[arg(long, value_name = "YEAR")]
        schooljaar: Option<String>,
    },
    /// The Boom pupil numbers of the active pupils this year, to enter in a dashboard
    /// (SchoolKr8, Focus PO) in bulk.
    Numbers {
        /// BRIN + dependance (99DE00) or schoolkey.
        location: String,
        /// Only this group (its name).
        #[arg(long, value_name = "GROEP")]
        groep: Option<String>,
        /// table (default) or csv (boom_nummer,naam,groep,jaargroep,leerling_id; with a header).
        #[arg(long, value_name = "FORMAT", default_value = "table")]
        format: NumbersFormat,
    },
    /// Merge two records of one pupil: every result, enrolment and external key of MERGED
    /// moves to SURVIVOR, which keeps its Boom number; MERGED is gone. Audited.
    Merge {
        /// BRIN + dependance (99DE00) or schoolkey.
        location: String,
        /// The record that stays (its id, as `uwlr school records` shows it).
        survivor: i64,
        /// The record merged into it.
        merged: i64,
    },
    /// The school-year transition: prepare the next year, list the years, the daily pass.
    Year {
        #[command(subcommand)]
        command: YearCommand,
    },
    /// Archive (deactivate) leerlingen or groepen by hand, singly or in bulk: they keep their
    /// results, get no new ones, and move to the deactivated list.
    Archive {
        /// BRIN + dependance (99DE00) or schoolkey.
        location: String,
        #[command(flatten)]
        which: Which,
        /// Why, for the audit trail (ids only: no names).
        #[arg(long)]
        reason: Option<String>,
    },
    /// Reactivate archived leerlingen or groepen.
    Reactivate {
        /// BRIN + dependance (99DE00) or schoolkey.
        location: String,
        #[command(flatten)]
        which: Which,
        /// Why, for the audit trail (ids only: no names).
        #[arg(long)]
        reason: Option<String>,
    },
    /// The deactivated (archived) leerlingen, with the results they keep, and groepen.
    Deactivated {
        /// BRIN + dependance (99DE00) or schoolkey.
        location: String,
    },
    /// Delete deactivated leerlingen or groepen for good: their personal data and (pupils)
    /// results go, which cannot be undone. Without --confirm: shows what would go and the
    /// phrase to type, and exits 1.
    Delete {
        /// BRIN + dependance (99DE00) or schoolkey.
        location: String,
        /// Ids of deactivated pupils: 17,18.
        #[arg(long, value_delimiter = ',', conflicts_with = "groepen", required_unless_present = "groepen")]
        leerlingen: Vec<i64>,
        /// Ids of deactivated groups: 4,5.
        #[arg(long, value_delimiter = ',')]
        groepen: Vec<i64>,
        /// Exactly `DELETE <n> <leerlingen|groepen> OF <location>`.
        #[arg(long)]
        confirm: Option<String>,
        /// Why, for the audit trail (ids only: no names).
        #[arg(long, value_parser = crate::free_text::parse_line)]
        reason: Option<String>,
    },
}

/// How `uwlr school numbers` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum NumbersFormat {
    Table,
    Csv,
}

/// The records `archive` and `reactivate` act on: pupils or groups, by id.
#[derive(Debug, Args)]
pub struct Which {
    /// Ids of pupils: 17,18.
    #[arg(long, value_delimiter = ',', conflicts_with = "groepen", required_unless_present = "groepen")]
    leerlingen: Vec<i64>,
    /// Ids of groups: 4,5.
    #[arg(long, value_delimiter = ',')]
    groepen: Vec<i64>,
}

impl Which {
    fn tab_and_ids(self) -> (Tab, Vec<i64>) {
        if self.groepen.is_empty() {
            (Tab::Leerlingen, self.leerlingen)
        } else {
            (Tab::Groepen, self.groepen)
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum AdminsCommand {
    /// Add an admin's e-mail address.
    Add { location: String, email: String },
}

#[derive(Debug, Subcommand)]
pub enum YearCommand {
    /// Start the next school year now (possible from 1 August until 1 October): the active
    /// koppelingen continue in the new year with the same endpoint and key, and the new
    /// year's data is fetched into a proposal. Applying that proposal completes the year.
    Prepare {
        /// BRIN + dependance (99DE00) or schoolkey.
        location: String,
    },
    /// The school years started at the location, newest first.
    List {
        /// BRIN + dependance (99DE00) or schoolkey.
        location: String,
    },
    /// One pass of what `uwlr serve` does every --year-tick-every: start the years that are
    /// due (from 1 October) and queue the day's reminders for years not completed.
    Tick,
}

/// Runs `uwlr school …`.
pub async fn run(args: SchoolArgs) -> Result<(), Failure> {
    let creates = matches!(args.command, SchoolCommand::Admins { .. });
    let cx = Context::open(&args.gateway, creates).await?;
    let gw = &cx.gateway;
    match args.command {
        SchoolCommand::ClearNumbers { location, reason } => {
            let location = Location::parse(&location)?;
            let n = gw.clear_external_numbers(&location, &cx.actor, reason.as_deref()).await?;
            let value = serde_json::json!({ "location": location, "cleared": n });
            cx.out.print(&value, || {
                format!(
                    "cleared {n} external number{} of {location}; its records and results stay\n",
                    if n == 1 { "" } else { "s" }
                )
            });
        }
        SchoolCommand::Admins { command: AdminsCommand::Add { location, email } } => {
            let location = Location::parse(&location)?;
            gw.add_school_admin(&location, &email, &cx.actor).await?;
            let email = email.trim();
            let value = serde_json::json!({ "location": location, "email": email });
            cx.out.print(&value, || format!("{email} is mailed when an import proposal for {location} waits\n"));
        }
        SchoolCommand::Records { location, schooljaar } => {
            let location = Location::parse(&location)?;
            let records = gw.records_of_year(&location, schooljaar.as_deref()).await?;
            let year = schooljaar.as_deref().map(str::trim);
            // A year is closed once a later year's first import was applied.
            let closed_by = match year {
                Some(y) => gw
                    .school_years(&location)
                    .await?
                    .into_iter()
                    .filter(|s| s.completed_at.is_some() && s.schooljaar.as_str() > y)
                    .min_by(|a, b| a.schooljaar.cmp(&b.schooljaar)),
                None => None,
            };
            cx.out.print(&records, || {
                let mut text = String::new();
                if let (Some(y), Some(later)) = (year, &closed_by) {
                    let on = later.completed_at.map(crate::clock::dutch_date).unwrap_or_default();
                    text = format!(
                        "school year {y} is closed: {} was completed on {on}. Its groups are history; its pupils are \
                         shown in the group they were in that year, and ACTIVE says who is still at school.\n\n",
                        later.schooljaar
                    );
                }
                text + &records_text(&location, year, &records)
            });
        }
        SchoolCommand::Numbers { location, groep, format } => {
            let location = Location::parse(&location)?;
            let numbers = gw.boom_numbers(&location, groep.as_deref()).await?;
            match format {
                NumbersFormat::Csv => print!("{}", numbers_csv(&numbers)),
                NumbersFormat::Table => cx.out.print(&numbers, || numbers_text(&location, &numbers)),
            }
        }
        SchoolCommand::Merge { location, survivor, merged } => {
            let location = Location::parse(&location)?;
            let m = gw.merge_leerlingen(&location, survivor, merged, &cx.actor).await?;
            cx.out.print(&m, || {
                format!(
                    "pupil {merged} merged into pupil {survivor}: {} result(s), {} enrolment(s), {} external key(s) \
                     moved; {survivor} keeps its Boom number\n",
                    m.results, m.enrolments, m.external_keys
                )
            });
        }
        SchoolCommand::Year { command } => year_command(&cx, command).await?,
        SchoolCommand::Archive { location, which, reason } => {
            let (tab, ids) = which.tab_and_ids();
            let report = gw.archive(&location, tab, &ids, &cx.actor, reason.as_deref()).await?;
            cx.out.print(&report, || archive_text(&report, &cx.repeat));
        }
        SchoolCommand::Reactivate { location, which, reason } => {
            let (tab, ids) = which.tab_and_ids();
            let report = gw.reactivate(&location, tab, &ids, &cx.actor, reason.as_deref()).await?;
            cx.out.print(&report, || archive_text(&report, &cx.repeat));
        }
        SchoolCommand::Deactivated { location } => {
            let list = gw.deactivated(&location).await?;
            cx.out.print(&list, || deactivated_text(&list));
        }
        SchoolCommand::Delete { location, leerlingen, groepen, confirm, reason } => {
            let (tab, ids) = if groepen.is_empty() { (Tab::Leerlingen, leerlingen) } else { (Tab::Groepen, groepen) };
            let Some(confirm) = confirm else {
                let preview = gw.delete_preview(&location, tab, &ids).await?;
                cx.out.print(&preview, || preview_text(&preview));
                return Err(Failure::refused(format!(
                    "nothing deleted: this cannot be undone; to confirm, add --confirm \"{}\"",
                    preview.phrase
                )));
            };
            let report = gw.delete_deactivated(&location, tab, &ids, &confirm, &cx.actor, reason.as_deref()).await?;
            cx.out.print(&report, || {
                let r = &report.removed;
                let ids = report.deleted.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
                match tab {
                    Tab::Leerlingen => format!(
                        "deleted {} leerling(en) of {} for good ({ids}): {} result(s), {} version(s), \
                         {} delivery row(s), {} external key(s); {} proposal(s) scrubbed, {} LAS answer(s) forgotten, \
                         {} journal bodies dropped\n",
                        report.deleted.len(),
                        report.location,
                        r.results,
                        r.result_versions,
                        r.deliveries,
                        r.external_keys,
                        r.proposals_scrubbed,
                        r.answers_forgotten,
                        r.journal_bodies
                    ),
                    _ => format!(
                        "deleted {} groep(en) of {} for good ({ids}): {} membership(s), {} external key(s); \
                         {} pupil(s) lost it as class group, their results stay\n",
                        report.deleted.len(),
                        report.location,
                        r.memberships,
                        r.external_keys,
                        r.ungrouped
                    ),
                }
            });
        }
    }
    Ok(())
}

/// Runs `uwlr school year …`.
async fn year_command(cx: &Context, command: YearCommand) -> Result<(), Failure> {
    let gw = &cx.gateway;
    match command {
        YearCommand::Prepare { location } => {
            let location = Location::parse(&location)?;
            let start = gw.prepare_school_year(&location, &cx.actor).await?;
            // A failed first fetch is no failure of the command: the year started (preparing
            // again is refused), and the text says to fetch again.
            let summary = match (start.proposal_id, cx.out.json) {
                (Some(id), false) => gw.proposal(id).await.ok().map(|v| v.proposal.summary),
                _ => None,
            };
            cx.out.print(&start, || start_text(&start, summary.as_ref(), &cx.repeat));
        }
        YearCommand::List { location } => {
            let location = Location::parse(&location)?;
            let years = gw.school_years(&location).await?;
            cx.out.print(&years, || years_text(&location, &years, &cx.repeat));
        }
        YearCommand::Tick => {
            let tick = gw.school_year_tick().await?;
            cx.out.print(&tick, || tick_text(&tick, &cx.repeat));
            if !tick.failures.is_empty() {
                return Err(Failure::refused(format!(
                    "{} location(s) could not be handled ({}); the next pass tries again",
                    tick.failures.len(),
                    tick.failures.iter().map(|(l, _)| l.as_str()).collect::<Vec<_>>().join(", ")
                )));
            }
        }
    }
    Ok(())
}

/// `1 → 3, 2 → 4`.
fn carried(pairs: &[(i64, i64)]) -> String {
    pairs.iter().map(|(old, new)| format!("{old} → {new}")).collect::<Vec<_>>().join(", ")
}

/// The year before `2026-2027`, for messages (`the previous year` if it does not parse).
fn previous(schooljaar: &str) -> String {
    crate::message::values::Schooljaar::parse(schooljaar)
        .ok()
        .and_then(crate::school_year::previous)
        .map_or_else(|| "the previous year".into(), |y| y.to_string())
}

/// What starting a year did, and what to do next: review and apply the new year's proposal
/// (`summary`: its counts, when known), or fetch again when the LAS did not answer or sent no
/// pupils.
fn start_text(s: &YearStart, summary: Option<&Summary>, repeat: &str) -> String {
    let how = if s.automatic { " automatically (not prepared by 1 October)" } else { "" };
    let before = previous(&s.schooljaar);
    let mut t = format!("school year {} started at {}{how}\n", s.schooljaar, s.location);
    t.push_str(&format!(
        "  koppelingen carried over (old → new, same endpoint and key): {}\n  {before} and its koppelingen go on \
         until {} is completed\n",
        carried(&s.koppelingen),
        s.schooljaar
    ));
    let las = s.koppelingen.first().map_or_else(|| "KOPPELING".to_string(), |p| p.1.to_string());
    let fetch_again = |why: &str| {
        format!(
            "  {why}\n\nnext: once the LAS serves {}, fetch again (uwlr import fetch {las} --full{repeat}); the \
             scheduled fetches of uwlr serve try too\n",
            s.schooljaar
        )
    };
    match (s.proposal_id, &s.fetch_error) {
        (Some(id), _) if summary.is_some_and(|m| m.leerlingen.new == 0) => t.push_str(&fetch_again(&format!(
            "proposal {id} holds no pupils: the LAS most likely still serves {before}"
        ))),
        (Some(id), _) => {
            t.push_str(&format!("  the new year's import waits as proposal {id}"));
            match summary {
                Some(m) => t.push_str(&format!(
                    ": {} groepen, {} leerkrachten, {} leerlingen, all new\n",
                    m.groepen.new, m.leerkrachten.new, m.leerlingen.new
                )),
                None => t.push('\n'),
            }
            t.push_str(&format!(
                "\nnext: review it (uwlr import show {id}{repeat}), then apply it (uwlr import apply {id}{repeat}) to \
                 complete {} and close {before}\n",
                s.schooljaar
            ));
        }
        (None, Some(e)) => t.push_str(&fetch_again(&format!("the first fetch failed: {e}"))),
        (None, None) => t.push_str("  no proposal yet\n"),
    }
    t
}

fn years_text(location: &str, years: &[SchoolYear], repeat: &str) -> String {
    if years.is_empty() {
        return format!(
            "no school year was started at {location} yet; from 1 August: uwlr school year prepare {location}{repeat}\n"
        );
    }
    let mut t = Table::new(&[
        ("SCHOOLJAAR", 10),
        ("STARTED (UTC)", 19),
        ("BY", 24),
        ("COMPLETED (UTC)", 19),
        ("COMPLETED BY", 24),
        ("LAST REMINDER", 13),
    ]);
    for y in years {
        let by = if y.automatic { "gateway (automatic)".to_string() } else { y.started_by.clone() };
        t.row(vec![
            y.schooljaar.clone(),
            at(y.started_at),
            by,
            opt_when(y.completed_at),
            y.completed_by.clone().unwrap_or_else(|| "-".into()),
            y.reminded_on.map_or_else(|| "-".into(), |d| d.to_string()),
        ]);
    }
    t.render(0)
}

/// What a pass did: years started, reminders queued, and the locations it could not handle.
fn tick_text(tick: &YearTick, repeat: &str) -> String {
    if tick.started.is_empty() && tick.reminders == 0 && tick.failures.is_empty() {
        return "nothing to do: no school year due to start, no reminder due today\n".into();
    }
    let mut s = format!("started {} school year(s)\n", tick.started.len());
    for y in &tick.started {
        let next = match (y.proposal_id, &y.fetch_error) {
            (Some(id), _) => format!("proposal {id} waits for review (uwlr import show {id}{repeat})"),
            (None, Some(e)) => format!("first fetch failed: {e}"),
            (None, None) => "no proposal yet".into(),
        };
        s.push_str(&format!("  {} {}: koppelingen {}; {next}\n", y.location, y.schooljaar, carried(&y.koppelingen)));
    }
    s.push_str(&format!(
        "queued {} reminder mail(s){}\n",
        tick.reminders,
        if tick.reminders > 0 { format!(" (uwlr mail send{repeat})") } else { String::new() }
    ));
    if !tick.failures.is_empty() {
        s.push_str(&format!("failed at {} location(s):\n", tick.failures.len()));
        for (location, why) in &tick.failures {
            s.push_str(&format!("  {location}: {}\n", why.replace('\n', " ")));
        }
    }
    s
}

fn when(t: &Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_else(|| "-".into())
}

fn leerlingen_table(rows: &[ArchivedLeerling]) -> String {
    let mut t = Table::new(&[("ID", 6), ("NAAM", 30), ("DEACTIVATED", 16), ("RESULTS", 7)]);
    for l in rows {
        t.row(vec![l.id.to_string(), l.naam.clone(), when(&l.deactivated_at), l.results.to_string()]);
    }
    t.render(2)
}

fn groepen_table(rows: &[ArchivedGroep]) -> String {
    let mut t = Table::new(&[("ID", 6), ("NAAM", 30), ("DEACTIVATED", 16), ("LEERLINGEN", 10)]);
    for g in rows {
        t.row(vec![g.id.to_string(), g.naam.clone(), when(&g.deactivated_at), g.leerlingen.to_string()]);
    }
    t.render(2)
}

/// Two tables: the deactivated pupils (with the results they keep) and groups.
fn deactivated_text(d: &Deactivated) -> String {
    if d.leerlingen.is_empty() && d.groepen.is_empty() {
        return format!("nothing deactivated at {}\n", d.location);
    }
    let mut s = format!("DEACTIVATED LEERLINGEN: {}\n", d.leerlingen.len());
    s.push_str(&leerlingen_table(&d.leerlingen));
    s.push_str(&format!("\nDEACTIVATED GROEPEN: {}\n", d.groepen.len()));
    s.push_str(&groepen_table(&d.groepen));
    s
}

/// `archived 2 leerling(en) of 99DE00 (17, 18): …`, with where to find them.
fn archive_text(r: &ArchiveReport, repeat: &str) -> String {
    let ids = r.ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    let what = match r.tab {
        Tab::Leerlingen => "leerling(en)",
        _ => "groep(en)",
    };
    if r.active {
        format!("reactivated {} {what} of {} ({ids})\n", r.ids.len(), r.location)
    } else {
        format!(
            "archived {} {what} of {} ({ids}); their results stay. The deactivated list: uwlr school deactivated {}{repeat}\n",
            r.ids.len(),
            r.location,
            r.location
        )
    }
}

fn preview_text(p: &DeletePreview) -> String {
    let mut s = format!("would delete for good, from {}:\n", p.location);
    match p.tab {
        Tab::Leerlingen => s.push_str(&leerlingen_table(&p.leerlingen)),
        _ => s.push_str(&groepen_table(&p.groepen)),
    }
    s.push_str(&format!("to confirm, add: --confirm \"{}\"\n", p.phrase));
    s
}

fn key(e: &Option<ExternalRef>) -> String {
    match e {
        Some(ExternalRef { las_key: Some(k), .. }) => k.clone(),
        Some(ExternalRef { las_key: None, eckid: Some(e) }) => e.clone(),
        _ => "-".into(),
    }
}

fn active(a: bool) -> String {
    if a { "yes" } else { "no" }.into()
}

fn name(parts: [&Option<String>; 3]) -> String {
    let [roepnaam, voorvoegsel, achternaam] = parts;
    [roepnaam, voorvoegsel, achternaam].iter().filter_map(|p| p.as_deref()).collect::<Vec<_>>().join(" ")
}

/// Three tables, each with a count line; keys are those of the active LAS link (`-`: none,
/// e.g. after clearing numbers or for a record made by hand).
fn numbers_text(location: &str, numbers: &[BoomNumber]) -> String {
    if numbers.is_empty() {
        return format!("no active pupils at {location} this year\n");
    }
    let mut t = Table::new(&[("BOOM NUMMER", 11), ("NAAM", 28), ("GROEP", 20), ("JAARGROEP", 9), ("ID", 6)]);
    for n in numbers {
        t.row(vec![
            n.boom_nummer.clone(),
            n.naam.clone(),
            n.groep.clone().unwrap_or_default(),
            n.jaargroep.clone().unwrap_or_default(),
            n.leerling_id.to_string(),
        ]);
    }
    format!("BOOM NUMBERS of {location}: {}\n{}", numbers.len(), t.render(2))
}

fn records_text(location: &str, year: Option<&str>, r: &Snapshot) -> String {
    if r.groepen.is_empty() && r.leerkrachten.is_empty() && r.leerlingen.is_empty() {
        return match year {
            Some(y) => format!("no records for {location} in {y}; they come with an applied import of that year\n"),
            None => format!("no records for {location} yet; they come with an applied import\n"),
        };
    }
    let group_names: HashMap<i64, &str> = r.groepen.iter().map(|g| (g.id, g.naam.as_str())).collect();
    let group = |id: &i64| group_names.get(id).map_or_else(|| id.to_string(), |n| n.to_string());
    let count = |what: &str, active: usize, all: usize| format!("{what}: {all} ({active} active)\n");
    let mut s = String::new();

    s.push_str(&count("GROEPEN", r.groepen.iter().filter(|g| g.active).count(), r.groepen.len()));
    let mut t = Table::new(&[("ID", 6), ("NAAM", 30), ("JAARGROEP", 12), ("ACTIVE", 6), ("LAS KEY", 40)]);
    for g in &r.groepen {
        let jaargroep = if g.samengesteld { "samengesteld".into() } else { g.jaargroep.clone().unwrap_or_default() };
        t.row(vec![g.id.to_string(), g.naam.clone(), jaargroep, active(g.active), key(&g.external)]);
    }
    s.push_str(&t.render(2));

    s.push('\n');
    s.push_str(&count("LEERKRACHTEN", r.leerkrachten.iter().filter(|t| t.active).count(), r.leerkrachten.len()));
    let mut t = Table::new(&[("ID", 6), ("NAAM", 28), ("E-MAIL", 40), ("GROEPEN", 24), ("ACTIVE", 6), ("LAS KEY", 40)]);
    for l in &r.leerkrachten {
        t.row(vec![
            l.id.to_string(),
            name([&l.roepnaam, &l.voorvoegsel, &l.achternaam]),
            l.emailadres.clone().unwrap_or_else(|| "-".into()),
            l.groepen.iter().map(group).collect::<Vec<_>>().join(", "),
            active(l.active),
            key(&l.external),
        ]);
    }
    s.push_str(&t.render(2));

    s.push('\n');
    s.push_str(&count("LEERLINGEN", r.leerlingen.iter().filter(|l| l.active).count(), r.leerlingen.len()));
    let mut t = Table::new(&[
        ("ID", 6),
        ("BOOM NUMMER", 11),
        ("NAAM", 28),
        ("GEBOREN", 10),
        ("JAARGROEP", 9),
        ("GROEP", 20),
        ("ACTIVE", 6),
        ("LAS KEY / ECKID", 48),
    ]);
    for l in &r.leerlingen {
        t.row(vec![
            l.id.to_string(),
            l.boom_nummer.clone().unwrap_or_else(|| "-".into()),
            name([&l.roepnaam, &l.voorvoegsel, &l.achternaam]),
            l.geboortedatum.map(|d| d.to_string()).unwrap_or_default(),
            l.jaargroep.clone().unwrap_or_default(),
            l.groep.as_ref().map(group).unwrap_or_default(),
            active(l.active),
            key(&l.external),
        ]);
    }
    s.push_str(&t.render(2));
    if !r.skipped.is_empty() {
        s.push('\n');
        s.push_str(&format!("NOT IMPORTED (skipped on this link): {}\n", r.skipped.len()));
        for m in &r.skipped {
            s.push_str(&format!("  {}/{}\n", m.tab, m.key));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone, Utc};
    use clap::Parser;

    #[derive(Parser)]
    struct Probe {
        #[command(flatten)]
        school: SchoolArgs,
    }

    #[test]
    fn numbers_as_csv_quote_what_needs_it() {
        let n = |nr: &str, naam: &str, groep: Option<&str>| BoomNumber {
            boom_nummer: nr.into(),
            leerling_id: 7,
            naam: naam.into(),
            groep: groep.map(Into::into),
            jaargroep: Some("5".into()),
        };
        let csv =
            numbers_csv(&[n("4821937465", "Sanne de Vries", Some("5A")), n("1234567890", "Jan \"Jip\", Bos", None)]);
        assert_eq!(
            csv,
            "boom_nummer,naam,groep,jaargroep,leerling_id\n4821937465,Sanne de Vries,5A,5,7\n\
             1234567890,\"Jan \"\"Jip\"\", Bos\",,5,7\n"
        );
        assert!(matches!(
            parse(&["numbers", "99DE00", "--groep", "5A", "--format", "csv"]),
            SchoolCommand::Numbers { groep: Some(g), format: NumbersFormat::Csv, .. } if g == "5A"
        ));
        assert!(matches!(parse(&["merge", "99DE00", "3", "9"]), SchoolCommand::Merge { survivor: 3, merged: 9, .. }));
    }

    fn parse(args: &[&str]) -> SchoolCommand {
        Probe::try_parse_from(std::iter::once("school").chain(args.iter().copied())).unwrap().school.command
    }

    #[test]
    fn records_of_a_year_and_the_year_commands_parse() {
        match parse(&["records", "99DE00"]) {
            SchoolCommand::Records { location, schooljaar: None } => assert_eq!(location, "99DE00"),
            other => panic!("{other:?}"),
        }
        match parse(&["records", "99DE00", "--schooljaar", "2025-2026"]) {
            SchoolCommand::Records { schooljaar: Some(y), .. } => assert_eq!(y, "2025-2026"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse(&["year", "prepare", "99DE00"]),
            SchoolCommand::Year { command: YearCommand::Prepare { location } } if location == "99DE00"
        ));
        assert!(matches!(
            parse(&["year", "list", "99DE00"]),
            SchoolCommand::Year { command: YearCommand::List { .. } }
        ));
        assert!(matches!(parse(&["year", "tick", "--json"]), SchoolCommand::Year { command: YearCommand::Tick }));
        assert!(Probe::try_parse_from(["school", "year", "prepare"]).is_err(), "prepare needs a location");
        assert!(Probe::try_parse_from(["school", "year", "tick", "99DE00"]).is_err(), "tick takes none");
    }

    fn start(proposal_id: Option<i64>, fetch_error: Option<&str>) -> YearStart {
        YearStart {
            location: "99DE00".into(),
            schooljaar: "2026-2027".into(),
            automatic: false,
            koppelingen: vec![(1, 3), (2, 4)],
            proposal_id,
            fetch_error: fetch_error.map(str::to_string),
        }
    }

    #[test]
    fn a_started_year_says_what_was_carried_over_and_what_to_do_next() {
        let mut summary = Summary::default();
        summary.leerlingen.new = 35;
        let s = start_text(&start(Some(5), None), Some(&summary), " --data-dir d");
        assert!(s.starts_with("school year 2026-2027 started at 99DE00\n"), "{s}");
        assert!(s.contains("(old → new, same endpoint and key): 1 → 3, 2 → 4\n"), "{s}");
        assert!(s.contains("2025-2026 and its koppelingen go on until 2026-2027 is completed"), "{s}");
        assert!(s.contains("proposal 5: 0 groepen, 0 leerkrachten, 35 leerlingen, all new"), "{s}");
        assert!(s.contains("uwlr import show 5 --data-dir d"), "{s}");
        assert!(s.contains("uwlr import apply 5 --data-dir d"), "{s}");
        let s = start_text(&start(None, Some("the LAS could not be reached")), None, "");
        assert!(s.contains("the first fetch failed: the LAS could not be reached"), "{s}");
        assert!(s.contains("uwlr import fetch 3 --full"), "the new LAS koppeling: {s}");
        let s = start_text(&start(Some(5), None), Some(&Summary::default()), "");
        assert!(s.contains("proposal 5 holds no pupils: the LAS most likely still serves 2025-2026"), "{s}");
        assert!(s.contains("uwlr import fetch 3 --full"), "{s}");
    }

    #[test]
    fn a_pass_lists_what_it_started_queued_and_could_not_do() {
        assert!(tick_text(&YearTick::default(), "").starts_with("nothing to do"));
        let tick = YearTick {
            started: vec![YearStart { automatic: true, ..start(Some(5), None) }],
            reminders: 2,
            failures: vec![("99DF00".into(), "no\nluck".into())],
        };
        let s = tick_text(&tick, "");
        assert!(
            s.contains("started 1 school year(s)\n  99DE00 2026-2027: koppelingen 1 → 3, 2 → 4; proposal 5"),
            "{s}"
        );
        assert!(s.contains("queued 2 reminder mail(s) (uwlr mail send)"), "{s}");
        assert!(s.contains("  99DF00: no luck\n"), "{s}");
    }

    #[test]
    fn the_years_as_a_table() {
        let y = SchoolYear {
            location: "99DE00".into(),
            schooljaar: "2026-2027".into(),
            started_at: Utc.with_ymd_and_hms(2026, 10, 1, 0, 5, 0).unwrap(),
            started_by: "gateway".into(),
            automatic: true,
            completed_at: None,
            completed_by: None,
            reminded_on: NaiveDate::from_ymd_opt(2026, 10, 3),
        };
        let s = years_text("99DE00", &[y], "");
        let lines: Vec<&str> = s.lines().collect();
        assert!(lines[0].starts_with("SCHOOLJAAR"), "{s}");
        assert!(lines[1].contains("2026-2027") && lines[1].contains("gateway (automatic)"), "{s}");
        assert!(lines[1].ends_with("2026-10-03"), "{s}");
        assert!(years_text("99DE00", &[], "").contains("uwlr school year prepare 99DE00"));
    }
}
