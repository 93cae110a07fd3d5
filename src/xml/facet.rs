//! String facets of the schemas' simple types (length in characters, a pattern), checked
//! by the reader as it reads and by the writer before it writes. They live in `xml` because
//! the writer checks them in the same pass that decides escaping; the message modules name
//! the types (`message::field`).

/// A pattern check with the words that describe it in a message ("two digits").
pub(crate) type Pattern = (fn(&str) -> bool, &'static str);

/// A string type's facets: length bounds in characters and an optional pattern.
#[derive(Clone, Copy)]
pub(crate) struct Text {
    pub min: usize,
    pub max: usize,
    /// Pattern check and its description for the message ("two digits").
    pub pattern: Option<Pattern>,
}

impl Text {
    pub(crate) const fn len(min: usize, max: usize) -> Text {
        Text { min, max, pattern: None }
    }
    pub(crate) const fn pattern(f: fn(&str) -> bool, what: &'static str) -> Text {
        Text { min: 1, max: usize::MAX, pattern: Some((f, what)) }
    }

    pub(crate) fn check(&self, v: &str) -> Result<(), String> {
        // Printable ASCII is the common case: one pass over the bytes, and the byte length
        // is the character count.
        self.check_known(v, v.bytes().all(|b| (0x20..0x7f).contains(&b)))
    }

    /// [`Text::check`] for a caller that has already scanned `v` and knows whether it is
    /// all printable ASCII (the writer, which scans each value once for escaping too).
    pub(crate) fn check_known(&self, v: &str, printable_ascii: bool) -> Result<(), String> {
        if !printable_ascii {
            if let Some(c) = v.chars().find(|&c| !is_xml_char(c)) {
                return Err(format!("contains the character U+{:04X}, which XML cannot carry", c as u32));
            }
        }
        if let Some((f, what)) = self.pattern {
            return if f(v) { Ok(()) } else { Err(format!("'{v}' does not match the pattern: {what}")) };
        }
        let n = if printable_ascii { v.len() } else { v.chars().count() };
        if n < self.min {
            Err(if n == 0 {
                "must not be empty".to_string()
            } else {
                format!("must be at least {} characters", self.min)
            })
        } else if n > self.max {
            Err(format!("is {n} characters long; at most {} allowed", self.max))
        } else {
            Ok(())
        }
    }
}

pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}
