//! What an admin confirms the second time: counts per tab, one line per noteworthy change,
//! and the safety check against archiving a school because its LAS answered empty.

use super::incoming::Answer;
use super::label;
use super::proposal::{Category, FieldChange, Flag, Item, Proposal, Safety, SkipReason, Summary, TabSummary};
use super::proposal::{LeerkrachtFields, LeerlingFields};
use super::{FetchMode, Settings, Snapshot, Tab};
use std::collections::{BTreeMap, HashSet};

const NAME_FIELDS: [&str; 4] = ["achternaam", "voorvoegsel", "voorletters", "roepnaam"];

/// Counts and lines, in proposal order: groups, teachers, pupils, then deactivations.
pub(crate) fn summarise(p: &Proposal, unchanged: [usize; 3]) -> Summary {
    let admin_groups = p.admin_skipped_groups();
    let mut s = Summary::default();
    let mut lines = Vec::new();

    s.groepen = count(&p.groepen, unchanged[0], &admin_groups);
    for item in &p.groepen {
        let naam = label::groep(&item.fields.naam);
        item_lines(&mut lines, item, &admin_groups, &p.group_names, &naam, |c| match c.field.as_str() {
            "naam" => Some(format!("rename: {} to {}", label::groep(c.from.as_deref().unwrap_or("")), naam)),
            _ => None,
        });
    }

    s.leerkrachten = count(&p.leerkrachten, unchanged[1], &admin_groups);
    for item in &p.leerkrachten {
        let f = &item.fields;
        let name = label::person(
            f.achternaam.as_deref(),
            f.voorvoegsel.as_deref(),
            f.voorletters.as_deref(),
            f.roepnaam.as_deref(),
        );
        let who = format!("leerkracht {name}");
        item_lines(&mut lines, item, &admin_groups, &p.group_names, &who, |_| None);
        if let Some(line) = rename(item, |f: &LeerkrachtFields| {
            [&f.achternaam, &f.voorvoegsel, &f.voorletters, &f.roepnaam].map(Option::clone)
        }) {
            lines.push(format!("rename: leerkracht {line}"));
        }
        if item.flags.contains(&Flag::NoEmail) {
            lines.push(format!("e-mail missing: {who}"));
        }
    }

    s.leerlingen = count(&p.leerlingen, unchanged[2], &admin_groups);
    for item in &p.leerlingen {
        let f = &item.fields;
        let name = label::person(
            f.achternaam.as_deref(),
            f.voorvoegsel.as_deref(),
            f.voorletters.as_deref(),
            f.roepnaam.as_deref(),
        );
        let mut who = format!("leerling {name}");
        if item.category == Category::New {
            if let Some(groep) = f.groep.as_ref() {
                who = format!("{who} in {}", p.group_names.get(groep).unwrap_or(groep));
            }
        }
        item_lines(&mut lines, item, &admin_groups, &p.group_names, &who, |c| match c.field.as_str() {
            "groep" => Some(format!(
                "move: {name} from {} to {}",
                c.from.as_deref().unwrap_or("(no group)"),
                c.to.as_deref().unwrap_or("(no group)")
            )),
            _ => None,
        });
        if let Some(line) = rename(item, |f: &LeerlingFields| {
            [&f.achternaam, &f.voorvoegsel, &f.voorletters, &f.roepnaam].map(Option::clone)
        }) {
            lines.push(format!("rename: leerling {line}"));
        }
    }

    for d in &p.deactivations {
        let t = match d.tab {
            Tab::Groepen => &mut s.groepen,
            Tab::Leerkrachten => &mut s.leerkrachten,
            Tab::Leerlingen => &mut s.leerlingen,
        };
        t.deactivations += 1;
        lines.push(match d.tab {
            Tab::Leerlingen => format!("leaver: {}", d.label),
            Tab::Groepen => format!("deactivate: {}", d.label),
            Tab::Leerkrachten => format!("deactivate: leerkracht {}", d.label),
        });
    }
    for u in p.undecided() {
        lines.push(format!("undecided: {u}"));
    }
    s.changes = lines;
    s
}

fn count<F>(items: &[Item<F>], unchanged: usize, admin_groups: &HashSet<&str>) -> TabSummary {
    let mut t = TabSummary { unchanged, ..TabSummary::default() };
    for i in items {
        if i.is_undecided() {
            t.undecided += 1;
        }
        match &i.category {
            Category::New => t.new += 1,
            Category::Existing { .. } => t.existing_changed += 1,
            c if c.is_pending(admin_groups) => t.skip += 1,
            _ => t.skipped_earlier += 1,
        }
    }
    t
}

/// The lines every tab shares: new, back, skip, a special line per field (`special`), and
/// one "update" line for the remaining changed fields. Renames are the caller's, because a
/// person's name is four fields.
fn item_lines<F>(
    lines: &mut Vec<String>,
    item: &Item<F>,
    admin_groups: &HashSet<&str>,
    group_names: &BTreeMap<String, String>,
    who: &str,
    special: impl Fn(&FieldChange) -> Option<String>,
) {
    match &item.category {
        Category::New => lines.push(format!("new: {who}")),
        Category::Skip { reason } if item.category.is_pending(admin_groups) => match reason {
            SkipReason::GroupSkipped { groep } => {
                lines.push(format!("skip: {who} (group {} skipped)", group_names.get(groep).unwrap_or(groep)));
            }
            _ => lines.push(format!("skip: {who}")),
        },
        Category::Skip { .. } => {}
        Category::Existing { .. } => {
            let mut rest = Vec::new();
            for c in &item.changes {
                if c.field == "active" {
                    lines.push(format!("back: {who}"));
                } else if let Some(line) = special(c) {
                    lines.push(line);
                } else if !NAME_FIELDS.contains(&c.field.as_str()) {
                    rest.push(c.field.as_str());
                }
            }
            if !rest.is_empty() {
                lines.push(format!("update: {who} ({})", rest.join(", ")));
            }
        }
    }
    for f in &item.flags {
        if let Flag::UnknownGroup { key } = f {
            lines.push(format!("check: {who} names group {key}, which the LAS did not send"));
        }
    }
}

/// "Piet de Vries to Piet de Vries-Jansen" when a name field changes: the old name is the
/// new one with the changed fields put back.
fn rename<F>(item: &Item<F>, parts: impl Fn(&F) -> [Option<String>; 4]) -> Option<String> {
    if !matches!(item.category, Category::Existing { .. }) {
        return None;
    }
    let new = parts(&item.fields);
    let mut old = new.clone();
    let mut changed = false;
    for c in &item.changes {
        if let Some(i) = NAME_FIELDS.iter().position(|&n| n == c.field) {
            old[i] = c.from.clone();
            changed = true;
        }
    }
    let show =
        |p: &[Option<String>; 4]| label::person(p[0].as_deref(), p[1].as_deref(), p[2].as_deref(), p[3].as_deref());
    changed.then(|| format!("{} to {}", show(&old), show(&new)))
}

/// Only pupils count: groups and teachers are few and follow the pupils.
pub(crate) fn safety(
    known: &Snapshot,
    answer: &Answer,
    mode: FetchMode,
    deactivations: &[super::Deactivation],
    settings: &Settings,
) -> Safety {
    let active_pupils = known.leerlingen.iter().filter(|l| l.active).count();
    let deactivating = deactivations.iter().filter(|d| d.tab == Tab::Leerlingen).count();
    let share = if active_pupils == 0 { 0.0 } else { deactivating as f64 / active_pupils as f64 };
    // A full answer without pupils is a LAS failure far more often than an empty school,
    // even when none of the known pupils came in through this link.
    let empty_answer = mode == FetchMode::Full && answer.leerlingen.is_empty() && active_pupils > 0;
    Safety {
        active_pupils,
        deactivating,
        share,
        needs_override: share > settings.max_deactivation_share || empty_answer,
    }
}
