//! A proposal as plain-text tables, for the command line, logs and e-mails: one table per
//! tab, then the deactivations, the summary and the safety line. No line is wider than
//! [`WIDTH`] characters; longer values are cut with `…`.

use super::proposal::{Category, Item, Proposal, SkipReason};
use super::{label, Tab};
use std::fmt::{self, Write};

/// The widest line written, in characters.
pub const WIDTH: usize = 120;

/// Writes `p` to `out`. A `String` never fails to take text; a sink that does gets a cut-off
/// rendering, which is all a text view can do about it.
pub fn render(p: &Proposal, out: &mut dyn Write) {
    let _ = write_proposal(p, out);
}

fn write_proposal(p: &Proposal, out: &mut dyn Write) -> fmt::Result {
    let mode = match p.mode {
        super::FetchMode::Full => "full answer",
        super::FetchMode::Delta => "changes only",
    };
    line(out, &format!("IMPORT PROPOSAL ({mode}){}", if p.is_empty() { ": nothing to do" } else { "" }))?;

    let rows = p.groepen.iter().map(|i| {
        let group = match (&i.fields.jaargroep, i.fields.samengesteld) {
            (_, true) => "samengesteld".to_string(),
            (Some(j), false) => format!("jaargroep {j}"),
            (None, false) => String::new(),
        };
        row(p, i, i.fields.naam.clone(), group)
    });
    table(out, p, Tab::Groepen, rows.collect())?;

    let rows = p.leerkrachten.iter().map(|i| {
        let f = &i.fields;
        let name = label::person_listed(
            f.achternaam.as_deref(),
            f.voorvoegsel.as_deref(),
            f.voorletters.as_deref(),
            f.roepnaam.as_deref(),
        );
        let groups: Vec<&str> = f.groepen.iter().map(|k| group_name(p, k)).collect();
        row(p, i, name, groups.join(", "))
    });
    table(out, p, Tab::Leerkrachten, rows.collect())?;

    let rows = p.leerlingen.iter().map(|i| {
        let f = &i.fields;
        let name = label::person_listed(
            f.achternaam.as_deref(),
            f.voorvoegsel.as_deref(),
            f.voorletters.as_deref(),
            f.roepnaam.as_deref(),
        );
        row(p, i, name, f.groep.as_deref().map(|k| group_name(p, k)).unwrap_or_default().to_string())
    });
    table(out, p, Tab::Leerlingen, rows.collect())?;

    line(out, "")?;
    line(out, &format!("DEACTIVATIONS: {}", p.deactivations.len()))?;
    for d in &p.deactivations {
        line(out, &format!("  {:<10}  {:>6}  {}", d.tab.noun(), d.id, d.label))?;
    }

    line(out, "")?;
    line(out, "SUMMARY")?;
    for tab in Tab::ALL {
        let t = p.summary.tab(tab);
        line(
            out,
            &format!(
                "  {:<12}  new {}, changed {}, unchanged {}, skip {}, skipped earlier {}, deactivate {}{}",
                tab.as_str(),
                t.new,
                t.existing_changed,
                t.unchanged,
                t.skip,
                t.skipped_earlier,
                t.deactivations,
                if t.undecided > 0 { format!(", UNDECIDED {}", t.undecided) } else { String::new() }
            ),
        )?;
    }
    for c in &p.summary.changes {
        line(out, &format!("  - {c}"))?;
    }

    let undecided: usize = Tab::ALL.iter().map(|&t| p.summary.tab(t).undecided).sum();
    if undecided > 0 {
        line(out, "")?;
        line(
            out,
            &format!(
                "UNDECIDED: {undecided} new record(s) look like known ones (the candidates say why): link or create \
                 each"
            ),
        )?;
    }

    let s = &p.safety;
    line(out, "")?;
    line(
        out,
        &format!(
            "SAFETY: deactivating {} of {} active pupils ({:.1}%): {}",
            s.deactivating,
            s.active_pupils,
            s.share * 100.0,
            if s.needs_override { "NEEDS OVERRIDE" } else { "within the limit" }
        ),
    )
}

/// One item as table cells plus the lines shown under it.
struct Row {
    category: &'static str,
    key: String,
    name: String,
    group: String,
    why: String,
    details: Vec<String>,
}

fn row<F>(p: &Proposal, i: &Item<F>, name: String, group: String) -> Row {
    let (category, why) = match &i.category {
        Category::New => ("new", String::new()),
        Category::Existing { id, reason } => ("existing", format!("→ {id}, {reason}")),
        Category::Skip { reason: SkipReason::GroupSkipped { groep } } => {
            ("skip", format!("group {} skipped", group_name(p, groep)))
        }
        Category::Skip { reason } => ("skip", reason.to_string()),
    };
    let mut details = Vec::new();
    details.extend(i.changes.iter().map(|c| format!("· {c}")));
    details.extend(i.candidates.iter().map(|c| format!("? candidate {}, {}: {}", c.id, c.reason, c.label)));
    if i.is_undecided() {
        details.push("! undecided: link it to a candidate, or create it anyway (new)".into());
    } else if i.create_anyway && !i.candidates.is_empty() {
        details.push("· created anyway, as the admin decided".into());
    }
    details.extend(i.flags.iter().map(|f| format!("! {f}")));
    Row { category, key: i.record.key.clone(), name, group, why, details }
}

fn table(out: &mut dyn Write, p: &Proposal, tab: Tab, rows: Vec<Row>) -> fmt::Result {
    let t = p.summary.tab(tab);
    line(out, "")?;
    line(
        out,
        &format!(
            "{}: {} new, {} changed, {} unchanged, {} to skip, {} skipped earlier",
            tab.as_str().to_uppercase(),
            t.new,
            t.existing_changed,
            t.unchanged,
            t.skip,
            t.skipped_earlier
        ),
    )?;
    if rows.is_empty() {
        return line(out, "  nothing to review");
    }
    let width = |f: fn(&Row) -> &str, min: usize, max: usize| {
        rows.iter().map(|r| f(r).chars().count()).max().unwrap_or(0).clamp(min, max)
    };
    let w_key = width(|r| &r.key, 3, 20);
    let w_name = width(|r| &r.name, 4, 32);
    let w_group = width(|r| &r.group, 5, 24);
    let cells = |c: &str, k: &str, n: &str, g: &str, w: &str| {
        format!("  {c:<8}  {}  {}  {}  {w}", pad(k, w_key), pad(n, w_name), pad(g, w_group))
    };
    line(out, &cells("category", "key", "name", "group", "why"))?;
    for r in &rows {
        line(out, &cells(r.category, &r.key, &r.name, &r.group, &r.why))?;
        for d in &r.details {
            line(out, &format!("            {d}"))?;
        }
    }
    Ok(())
}

fn group_name<'p>(p: &'p Proposal, key: &'p str) -> &'p str {
    p.group_names.get(key).map_or(key, String::as_str)
}

/// Cut to `w` characters (with `…`) and pad to exactly `w`.
fn pad(s: &str, w: usize) -> String {
    let cut = fit(s, w);
    let n = cut.chars().count();
    format!("{cut}{}", " ".repeat(w - n))
}

fn fit(s: &str, w: usize) -> String {
    if s.chars().count() <= w {
        s.to_string()
    } else {
        let mut c: String = s.chars().take(w.saturating_sub(1)).collect();
        c.push('…');
        c
    }
}

fn line(out: &mut dyn Write, s: &str) -> fmt::Result {
    let s = fit(s, WIDTH);
    out.write_str(s.trim_end())?;
    out.write_char('\n')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::testkit::*;
    use crate::import::{propose, Decision, FetchMode, RecordRef, Settings, Snapshot};

    #[test]
    fn renders_each_tab_with_reasons_changes_candidates_flags_and_safety() {
        let mut known = Snapshot::default();
        known.groepen.push(known_groep(10, "5A", Some("5"), Some("G5A")));
        known.groepen.push(known_groep(11, "6B", Some("6"), Some("G6B")));
        known.leerlingen.push(known_leerling(
            20,
            &naam("Piet", Some("de"), "Vries"),
            (2015, 3, 2),
            Some(10),
            Some("L1"),
        ));
        known.leerlingen.push(known_leerling(21, &naam("Emma", None, "Jong"), (2014, 1, 9), Some(11), None));
        known.leerlingen.push(known_leerling(22, &naam("Kees", None, "Weg"), (2014, 5, 5), Some(11), Some("L9")));
        let mut sam = leerling("L3", naam("Sam", None, "Plus"), (2014, 2, 2), None);
        sam.samengestelde_groepen = vec!["S1".into()];
        let answer = answer(
            vec![groep("G5A", "5A", "5"), groep("G6B", "6B", "6"), samengesteld("S1", "Plusklas")],
            vec![leerkracht("T1", naam("Anna", None, "Bakker"), None, &["G5A"])],
            vec![
                leerling("L1", naam("Piet", Some("de"), "Vries"), (2015, 3, 2), Some("G6B")),
                leerling("L2", naam("Emma", None, "Jong"), (2014, 1, 9), Some("G6B")),
                sam,
            ],
        );
        let decisions = [Decision::Skip { record: RecordRef::new(Tab::Groepen, "S1") }];
        let p = propose(&known, &answer, FetchMode::Full, &decisions, &Settings::default()).unwrap();
        let mut s = String::new();
        render(&p, &mut s);

        for needle in [
            "GROEPEN:",
            "LEERKRACHTEN:",
            "LEERLINGEN:",
            "skipped by admin",
            "existing  L1",
            "→ 20, same LAS key",
            "· groep: 5A → 6B",
            "? candidate 21, same name and birth date: Jong, Emma (groep 6B)",
            "! no e-mail address",
            "group Plusklas skipped",
            "DEACTIVATIONS: 1",
            "Weg, Kees (groep 6B)",
            "move: Piet de Vries from 5A to 6B",
            "skip: leerling Sam Plus (group Plusklas skipped)",
            "leaver: Weg, Kees (groep 6B)",
            "e-mail missing: leerkracht Anna Bakker",
            "SAFETY: deactivating 1 of 3 active pupils (33.3%): NEEDS OVERRIDE",
        ] {
            assert!(s.contains(needle), "missing {needle:?} in:\n{s}");
        }
        assert!(s.lines().all(|l| l.chars().count() <= WIDTH));
    }

    #[test]
    fn long_values_are_cut_to_the_line_width() {
        let long = "x".repeat(300);
        let known = Snapshot::default();
        let answer = answer(vec![groep("G1", &long, "5")], vec![], vec![]);
        let p = propose(&known, &answer, FetchMode::Delta, &[], &Settings::default()).unwrap();
        let mut s = String::new();
        render(&p, &mut s);
        assert!(s.contains('…'));
        assert!(s.lines().all(|l| l.chars().count() <= WIDTH), "{s}");
    }
}
