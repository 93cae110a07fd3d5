//! How the gateway commands print: plain tables for people, the library's own values as
//! JSON for scripts (`--json`), and an import proposal shortened for a terminal.

use crate::import::{render, Proposal};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::io::Write;

/// Where a command's result goes: standard output, as text or as JSON.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub json: bool,
}

impl Output {
    /// Prints `value` as pretty JSON with `--json`, else the text `human` builds. A closed
    /// pipe (`uwlr … | head`) is not an error worth reporting.
    pub fn print<T: Serialize + ?Sized>(&self, value: &T, human: impl FnOnce() -> String) {
        let text = if self.json {
            match serde_json::to_string_pretty(value) {
                Ok(s) => s + "\n",
                Err(e) => format!("{{\"error\": \"cannot write JSON: {e}\"}}\n"),
            }
        } else {
            // Whatever text from outside a command's lines hold, no control character
            // reaches the terminal (tables escape their cells, newlines included).
            crate::free_text::printable_lines(&human()).into_owned()
        };
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }
}

/// A plain-text table: a header row and left-aligned columns two spaces apart, each as wide
/// as its widest cell but never wider than its cap (longer cells end in `…`). A free-text
/// last column gets a generous cap: cutting a reason short hides what matters.
#[derive(Debug, Default)]
pub struct Table {
    header: Vec<&'static str>,
    caps: Vec<usize>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// Columns as `(title, widest)`.
    pub fn new(columns: &[(&'static str, usize)]) -> Table {
        Table {
            header: columns.iter().map(|c| c.0).collect(),
            caps: columns.iter().map(|c| c.1).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; each cell is escaped to one printable line ([`crate::free_text::printable`]),
    /// so a reason with a newline or an escape sequence cannot forge a line or a colour.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells.into_iter().map(|c| crate::free_text::printable(&c).into_owned()).collect());
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table, each line indented by `indent` spaces and ending in a newline.
    pub fn render(&self, indent: usize) -> String {
        let widths: Vec<usize> = (0..self.header.len())
            .map(|i| {
                let widest = self.rows.iter().map(|r| r.get(i).map_or(0, |c| c.chars().count())).max().unwrap_or(0);
                widest.max(self.header[i].chars().count()).min(self.caps[i])
            })
            .collect();
        let mut s = String::new();
        let header: Vec<String> = self.header.iter().map(|h| h.to_string()).collect();
        for cells in std::iter::once(&header).chain(&self.rows) {
            let mut line = " ".repeat(indent);
            for (i, w) in widths.iter().enumerate() {
                let cell = cut(cells.get(i).map_or("", String::as_str), *w);
                line.push_str(&cell);
                if i + 1 < widths.len() {
                    line.push_str(&" ".repeat(w - cell.chars().count() + 2));
                }
            }
            s.push_str(line.trim_end());
            s.push('\n');
        }
        s
    }
}

/// `s` cut to `w` characters, the last one `…` when something was cut.
pub fn cut(s: &str, w: usize) -> String {
    if s.chars().count() <= w {
        s.to_string()
    } else {
        let mut c: String = s.chars().take(w.saturating_sub(1)).collect();
        c.push('…');
        c
    }
}

/// A moment as people read it in a table: `2025-10-01 08:00:00` (UTC).
pub fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

pub fn opt_when(t: Option<DateTime<Utc>>) -> String {
    t.map(when).unwrap_or_else(|| "-".into())
}

/// A secret as it may be shown: its first four characters and `…`, so a person can tell
/// which key it was without the output revealing it.
pub fn mask(secret: &str) -> String {
    let head: String = secret.chars().take(4).collect();
    format!("{head}…")
}

/// The proposal as tables ([`render()`]), with at most `rows` rows per tab and `rows` lines of
/// the summary's change list; what is left out is counted ("… and 190 more") where it
/// would have been. The counts and the safety line are always complete. `None`: everything.
pub fn proposal_text(p: &Proposal, rows: Option<usize>) -> String {
    let mut full = String::new();
    let Some(n) = rows else {
        render(p, &mut full);
        return full;
    };
    let left = [
        p.groepen.len().saturating_sub(n),
        p.leerkrachten.len().saturating_sub(n),
        p.leerlingen.len().saturating_sub(n),
        p.summary.changes.len().saturating_sub(n),
    ];
    if left.iter().all(|&m| m == 0) {
        render(p, &mut full);
        return full;
    }
    let mut short = p.clone();
    short.groepen.truncate(n);
    short.leerkrachten.truncate(n);
    short.leerlingen.truncate(n);
    short.summary.changes.truncate(n);
    let mut text = String::new();
    render(&short, &mut text);

    // The rendering's sections start with these words and end with a blank line; the note
    // goes at the end of its section (or, should the layout change, at the very end).
    let sections = ["GROEPEN:", "LEERKRACHTEN:", "LEERLINGEN:", "SUMMARY"];
    let mut out = String::with_capacity(text.len() + 200);
    let mut current: Option<usize> = None;
    let mut noted = [false; 4];
    let note = |out: &mut String, i: usize, noted: &mut [bool; 4]| {
        if left[i] > 0 && !noted[i] {
            out.push_str(&format!("  … and {} more\n", left[i]));
            noted[i] = true;
        }
    };
    for line in text.lines() {
        if let Some(i) = sections.iter().position(|s| line.starts_with(s)) {
            current = Some(i);
        } else if line.is_empty() {
            if let Some(i) = current.take() {
                note(&mut out, i, &mut noted);
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    for i in 0..4 {
        note(&mut out, i, &mut noted);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_and_cut() {
        let mut t = Table::new(&[("id", 4), ("name", 6)]);
        t.row(vec!["1".into(), "Anna".into()]);
        t.row(vec!["22".into(), "Bartholomeus".into()]);
        assert_eq!(t.render(2), "  id  name\n  1   Anna\n  22  Barth…\n");
    }

    #[test]
    fn secrets_show_four_characters() {
        assert_eq!(mask("abcdefgh"), "abcd…");
        assert_eq!(mask("ab"), "ab…");
    }
}
