//! Diagnostics: what the reader (and the writer's pre-flight check) found, with where.
//!
//! A diagnostic carries a byte offset while decoding; line and column are derived from
//! it only when a diagnostic is reported, so the hot path never counts newlines.

use std::fmt;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Lenient mode accepted a deviation from the schema; the value is still type-correct.
    Warning,
    /// The message is not acceptable.
    Error,
}

/// A position in the input: 1-based line and column (column counted in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// One finding: severity, element path, position and a message that says what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Slash-separated element path from the message root, e.g.
    /// `/leerlinggegevens_antwoord/leerlinggegevens/leerlingen/leerling[3]/geboortedatum`.
    pub path: String,
    /// Byte offset in the input; `None` for findings about a value (writer pre-flight).
    pub offset: Option<u64>,
    /// Filled in from `offset` once decoding is done.
    pub position: Option<Position>,
    pub message: String,
}

impl Diagnostic {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        match self.position {
            Some(p) => write!(f, "{p}: {}: {sev}: {}", self.path, self.message),
            None => write!(f, "{}: {sev}: {}", self.path, self.message),
        }
    }
}

/// Fills in `position` for every diagnostic from its byte offset, in one pass over `input`:
/// line and column are carried forward from one diagnostic to the next, so many findings on
/// one long line cost no more than the line itself.
pub(crate) fn resolve_positions(input: &[u8], diags: &mut [Diagnostic]) {
    let mut order: Vec<usize> = (0..diags.len()).filter(|&i| diags[i].offset.is_some()).collect();
    order.sort_by_key(|&i| diags[i].offset);
    let (mut line, mut column, mut scanned) = (1u32, 1u32, 0usize);
    for i in order {
        let off = (diags[i].offset.unwrap_or(0) as usize).min(input.len());
        for &b in &input[scanned.min(off)..off] {
            if b == b'\n' {
                line = line.saturating_add(1);
                column = 1;
            } else if (b & 0xC0) != 0x80 {
                // Count characters, not bytes: continuation bytes of UTF-8 do not start a column.
                column = column.saturating_add(1);
            }
        }
        scanned = scanned.max(off);
        diags[i].position = Some(Position { line, column });
    }
}

/// Most diagnostics kept per message: past this, findings are counted, not kept, and one
/// last diagnostic says how many more there were. A fault, a `validate` run and a lenient
/// client's warnings stay readable and bounded whatever the input.
pub const MAX_DIAGNOSTICS: usize = 100;

/// Most characters of a name or value quoted in a diagnostic (and so in a fault): an
/// element name of megabytes is shown by its start.
pub const MAX_QUOTED: usize = 100;

/// Most characters of one diagnostic's message.
pub(crate) const MAX_MESSAGE: usize = 1000;

/// `s` cut to at most `max` characters, with an ellipsis and the full length when cut.
pub fn clip(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => std::borrow::Cow::Borrowed(s),
        Some((end, _)) => std::borrow::Cow::Owned(format!("{}… ({} bytes)", &s[..end], s.len())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(offset: u64) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            path: "/x".into(),
            offset: Some(offset),
            position: None,
            message: "m".into(),
        }
    }

    #[test]
    fn positions_count_lines_and_characters() {
        let input = "ab\ncé<d\n<e".as_bytes();
        let mut d = vec![at(9), at(0), at(6)];
        resolve_positions(input, &mut d);
        assert_eq!(d[1].position, Some(Position { line: 1, column: 1 }));
        assert_eq!(d[2].position, Some(Position { line: 2, column: 3 }));
        assert_eq!(d[0].position, Some(Position { line: 3, column: 1 }));
    }

    #[test]
    fn positions_on_one_line_carry_forward() {
        let input = "é".repeat(10) + "\nab";
        let mut d = vec![at(4), at(4), at(20), at(22), at(0)];
        resolve_positions(input.as_bytes(), &mut d);
        let cols: Vec<_> = d.iter().map(|d| d.position.unwrap()).collect();
        assert_eq!(cols[0], Position { line: 1, column: 3 });
        assert_eq!(cols[1], Position { line: 1, column: 3 });
        assert_eq!(cols[2], Position { line: 1, column: 11 });
        assert_eq!(cols[3], Position { line: 2, column: 2 });
        assert_eq!(cols[4], Position { line: 1, column: 1 });
    }

    #[test]
    fn clip_keeps_short_text_and_cuts_long_text_on_a_character() {
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(clip("ééé", 2), "éé… (6 bytes)");
    }
}
