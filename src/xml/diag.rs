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

/// Fills in `position` for every diagnostic from its byte offset, in one pass over `input`.
pub(crate) fn resolve_positions(input: &[u8], diags: &mut [Diagnostic]) {
    let mut order: Vec<usize> = (0..diags.len()).filter(|&i| diags[i].offset.is_some()).collect();
    order.sort_by_key(|&i| diags[i].offset);
    let (mut line, mut line_start, mut scanned) = (1u32, 0usize, 0usize);
    for i in order {
        let off = (diags[i].offset.unwrap_or(0) as usize).min(input.len());
        while scanned < off {
            if input[scanned] == b'\n' {
                line += 1;
                line_start = scanned + 1;
            }
            scanned += 1;
        }
        // Count characters, not bytes: continuation bytes of UTF-8 do not start a column.
        let column = input[line_start..off].iter().filter(|&&b| (b & 0xC0) != 0x80).count() as u32 + 1;
        diags[i].position = Some(Position { line, column });
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
}
