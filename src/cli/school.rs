//! `uwlr school …`: what the gateway holds per school location. Clearing external numbers
//! ("Verwijder nummers") before a new link, the admins who hear about waiting proposals,
//! the imported records with the keys they came in under, and the archive: the deactivated
//! list and deleting deactivated records for good.

use super::output::Table;
use super::{Context, Failure, GatewayArgs};
use crate::gateway::archive::{Deactivated, DeletePreview};
use crate::gateway::koppelingen::check_location;
use crate::import::{ExternalRef, Snapshot, Tab};
use crate::store::archive::{ArchivedGroep, ArchivedLeerling};
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
        #[arg(long)]
        reason: Option<String>,
    },
    /// The school admins who are mailed when an import proposal waits.
    Admins {
        #[command(subcommand)]
        command: AdminsCommand,
    },
    /// The imported groepen, leerkrachten and leerlingen, with the keys of the active LAS link.
    Records {
        /// BRIN + dependance (99DE00) or schoolkey.
        location: String,
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
        /// Exactly "DELETE <n> <leerlingen|groepen> OF <location>".
        #[arg(long)]
        confirm: Option<String>,
        /// Why, for the audit trail (ids only: no names).
        #[arg(long)]
        reason: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminsCommand {
    /// Add an admin's e-mail address.
    Add { location: String, email: String },
}

/// Runs `uwlr school …`.
pub async fn run(args: SchoolArgs) -> Result<(), Failure> {
    let creates = matches!(args.command, SchoolCommand::Admins { .. });
    let cx = Context::open(&args.gateway, creates).await?;
    let gw = &cx.gateway;
    match args.command {
        SchoolCommand::ClearNumbers { location, reason } => {
            let location = check_location(&location)?;
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
            let location = check_location(&location)?;
            gw.add_school_admin(&location, &email, &cx.actor).await?;
            let email = email.trim();
            let value = serde_json::json!({ "location": location, "email": email });
            cx.out.print(&value, || format!("{email} is mailed when an import proposal for {location} waits\n"));
        }
        SchoolCommand::Records { location } => {
            let location = check_location(&location)?;
            let records = gw.records(&location).await?;
            cx.out.print(&records, || records_text(&location, &records));
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
                         {} delivery row(s), {} external key(s); {} proposal(s) scrubbed, {} LAS answer(s) forgotten\n",
                        report.deleted.len(),
                        report.location,
                        r.results,
                        r.result_versions,
                        r.deliveries,
                        r.external_keys,
                        r.proposals_scrubbed,
                        r.answers_forgotten
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
fn records_text(location: &str, r: &Snapshot) -> String {
    if r.groepen.is_empty() && r.leerkrachten.is_empty() && r.leerlingen.is_empty() {
        return format!("no records for {location} yet; they come with an applied import\n");
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
