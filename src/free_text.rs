//! Free text people type (a reason, a name, an actor) is refused with control characters
//! where it comes in, and escaped wherever it is printed. A newline in a reason would
//! otherwise print a forged line in `uwlr koppeling audit`, and an escape sequence would
//! recolour or rewrite the operator's terminal; bidirectional overrides reorder what is
//! shown ("Trojan source"). Text already stored, or coming from a LAS, is escaped when shown.
//!
//! "Control" here is Unicode's `Cc` (C0, DEL, C1) plus the bidirectional embedding,
//! override and isolate characters.

use std::borrow::Cow;

/// Whether `c` may not appear in one line of free text.
pub fn is_forbidden(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `None`, or why `s` is refused: the first forbidden character, by code point and
/// character position (1-based), for a message that says what to fix.
pub fn refusal(s: &str) -> Option<String> {
    let (i, c) = s.chars().enumerate().find(|(_, c)| is_forbidden(*c))?;
    Some(format!(
        "contains a control character (U+{:04X} at character {}); write it on one line without control characters",
        c as u32,
        i + 1
    ))
}

/// For a clap argument: the text as given, or the refusal.
pub fn parse_line(s: &str) -> Result<String, String> {
    match refusal(s) {
        None => Ok(s.to_string()),
        Some(why) => Err(why),
    }
}

/// `s` as it may be printed in one line: each forbidden character written as an escape
/// (`\n`, `\r`, `\t`, `\u{1b}`), and a backslash doubled only when something was escaped
/// (so ordinary text is printed unchanged).
pub fn printable(s: &str) -> Cow<'_, str> {
    escape(s, false)
}

/// [`printable`], but newlines kept: for a block of several lines built by us, whose
/// pieces may hold text from outside.
pub fn printable_lines(s: &str) -> Cow<'_, str> {
    escape(s, true)
}

fn escape(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    let forbidden = |c: char| is_forbidden(c) && !(keep_newlines && c == '\n');
    if !s.chars().any(forbidden) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            c if !forbidden(c) => out.push(c),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_plain_text_is_left_alone() {
        assert!(matches!(printable("school zegt: nieuw jaar, à bientôt"), Cow::Borrowed(_)));
        assert_eq!(printable("C:\\pad"), "C:\\pad");
        assert_eq!(printable("a\nb\r\t\u{1b}[31mred\u{7f}\u{9b}"), "a\\nb\\r\\t\\u{1b}[31mred\\u{7f}\\u{9b}");
        assert_eq!(printable("x\\y\n"), "x\\\\y\\n", "a backslash is doubled once anything is escaped");
        assert_eq!(printable("\u{202E}gnp.exe"), "\\u{202e}gnp.exe");
        assert_eq!(printable_lines("a\nb\u{1b}c\n"), "a\nb\\u{1b}c\n");
    }

    #[test]
    fn refusals_say_which_character_and_where() {
        assert_eq!(refusal("een gewone reden"), None);
        assert_eq!(refusal("ok € ñ 中"), None);
        let why = refusal("ab\ncd").unwrap();
        assert!(why.contains("U+000A at character 3"), "{why}");
        assert!(parse_line("x\u{1b}[2J").is_err());
        assert!(parse_line("\u{2066}").is_err());
    }
}
