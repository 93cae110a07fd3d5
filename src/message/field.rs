//! Element-level building blocks shared by every message module: text facets (checked by
//! the reader as it reads and by the writer before it writes, from the same table), value
//! reading with lenient normalisation, and schema-order tracking of children.

use crate::xml::reader::{Elem, XmlReader, R};

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
    pub const fn len(min: usize, max: usize) -> Text {
        Text { min, max, pattern: None }
    }
    pub const fn pattern(f: fn(&str) -> bool, what: &'static str) -> Text {
        Text { min: 1, max: usize::MAX, pattern: Some((f, what)) }
    }

    pub fn check(&self, v: &str) -> Result<(), String> {
        // Printable ASCII is the common case: one pass over the bytes, and the byte length
        // is the character count.
        self.check_known(v, v.bytes().all(|b| (0x20..0x7f).contains(&b)))
    }

    /// [`Text::check`] for a caller that has already scanned `v` and knows whether it is
    /// all printable ASCII (the writer, which scans each value once for escaping too).
    pub fn check_known(&self, v: &str, printable_ascii: bool) -> Result<(), String> {
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

pub(crate) fn digits(n: usize) -> impl Fn(&str) -> bool {
    move |s: &str| s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

// The string types of the schemas.
pub(crate) const S6: Text = Text::len(1, 6);
pub(crate) const S10: Text = Text::len(1, 10);
pub(crate) const S32: Text = Text::len(1, 32);
pub(crate) const S64: Text = Text::len(1, 64);
pub(crate) const S128: Text = Text::len(1, 128);
pub(crate) const S200: Text = Text::len(1, 200);
pub(crate) const S256: Text = Text::len(1, 256);
/// `xs:string` without bounds (commentaar) and OSO's nonEmptyString.
pub(crate) const ANY: Text = Text::len(0, usize::MAX);
pub(crate) const NON_EMPTY: Text = Text::len(1, usize::MAX);

pub(crate) const BRINCODE: Text = Text::pattern(
    |s| {
        let b = s.as_bytes();
        b.len() == 4 && b[..2].iter().all(u8::is_ascii_digit) && b[2..].iter().all(u8::is_ascii_uppercase)
    },
    "two digits and two capital letters, such as 99DE",
);
pub(crate) const DEPENDANCECODE: Text = Text::pattern(|s| digits(2)(s), "two digits, such as 00");
pub(crate) const INSTELLINGSNUMMER: Text =
    Text::pattern(|s| (2..=6).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()), "2 to 6 digits");
pub(crate) const NINE_DIGITS: Text = Text::pattern(|s| digits(9)(s), "nine digits");
pub(crate) const FOUR_DIGITS: Text = Text::pattern(|s| digits(4)(s), "four digits");
pub(crate) const ELEVEN_DIGITS: Text = Text::pattern(|s| digits(11)(s), "eleven digits");
pub(crate) const POSTCODE_NL: Text = Text::pattern(
    |s| {
        let b = s.as_bytes();
        b.len() == 6 && b[..4].iter().all(u8::is_ascii_digit) && b[4..].iter().all(u8::is_ascii_uppercase)
    },
    "four digits and two capital letters, such as 1234AB",
);

/// Lenient normalisation of a raw value: surrounding white space and a pair of quotes are
/// removed with a warning; strict mode leaves the value alone for the facets to judge.
fn normalise<'a>(r: &mut XmlReader<'_>, offset: u64, name: &str, raw: &'a str) -> &'a str {
    if !r.lenient() {
        return raw;
    }
    let mut v = raw.trim();
    if v.len() != raw.len() {
        r.deviation(offset, Some(name), format!("surrounding white space removed from <{name}>"));
    }
    if v.len() >= 2 && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\''))) {
        v = &v[1..v.len() - 1];
        r.deviation(offset, Some(name), format!("surrounding quotes removed from <{name}>"));
    }
    v
}

/// Reads a text element against its facets. `None` when invalid (already reported) or,
/// in lenient mode, empty (reported as a warning and treated as absent).
pub(crate) fn text<'i>(r: &mut XmlReader<'i>, e: Elem<'i>, spec: Text) -> R<Option<String>> {
    let offset = e.offset;
    let name = e.name;
    let raw = r.text(e)?;
    let v = normalise(r, offset, name, &raw);
    if v.is_empty() && spec.min > 0 && r.lenient() {
        r.deviation(offset, Some(name), format!("empty <{name}> treated as absent"));
        return Ok(None);
    }
    match spec.check(v) {
        Ok(()) => Ok(Some(v.to_owned())),
        Err(msg) => {
            r.error(offset, Some(name), format!("<{name}> {msg}"));
            Ok(None)
        }
    }
}

/// Reads a typed value with `parse`, which says what it expected when it fails.
pub(crate) fn value<'i, T>(
    r: &mut XmlReader<'i>,
    e: Elem<'i>,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> R<Option<T>> {
    let offset = e.offset;
    let name = e.name;
    let raw = r.text(e)?;
    let v = normalise(r, offset, name, &raw);
    if v.is_empty() && r.lenient() {
        r.deviation(offset, Some(name), format!("empty <{name}> treated as absent"));
        return Ok(None);
    }
    match parse(v) {
        Ok(x) => Ok(Some(x)),
        Err(msg) => {
            r.error(offset, Some(name), format!("<{name}>: {msg}"));
            Ok(None)
        }
    }
}

/// Checks an attribute value against its facets; reports against `@name`.
pub(crate) fn attr_text(
    r: &mut XmlReader<'_>,
    e: &Elem<'_>,
    name: &str,
    v: Option<String>,
    spec: Text,
) -> Option<String> {
    let v = v?;
    match spec.check(&v) {
        Ok(()) => Some(v),
        Err(msg) => {
            r.error(e.offset, None, format!("attribute {name} {msg}"));
            None
        }
    }
}

pub(crate) fn non_negative(s: &str) -> Result<u64, String> {
    let t = s.strip_prefix('+').unwrap_or(s);
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("'{s}' is not a non-negative whole number"));
    }
    t.parse().map_err(|_| format!("'{s}' is too large"))
}

pub(crate) fn int32(s: &str) -> Result<i32, String> {
    s.parse().map_err(|_| format!("'{s}' is not a whole number (xs:int)"))
}

/// Tracks children against the schema's order. Each child name has a slot (children of
/// one choice share a slot); slots must not decrease, and a non-repeatable slot is filled
/// at most once.
pub(crate) struct Order {
    last: u8,
    last_name: &'static str,
    seen: u64,
}

impl Order {
    pub fn new() -> Self {
        Order { last: 0, last_name: "", seen: 0 }
    }

    /// Records child `e` in `slot` (0..64). A second value for a single-valued slot is an
    /// error; the caller still reads it (the message is refused either way).
    pub fn at(&mut self, r: &mut XmlReader<'_>, e: &Elem<'_>, name: &'static str, slot: u8, repeatable: bool) {
        let bit = 1u64 << slot;
        if self.seen & bit != 0 && !repeatable {
            let msg = if self.last_name == name {
                format!("<{name}> occurs more than once; the schema allows one")
            } else {
                format!("<{name}> repeats or conflicts with an alternative of the same choice; the schema allows one")
            };
            r.error(e.offset, None, msg);
            return;
        }
        if slot < self.last {
            r.deviation(
                e.offset,
                None,
                format!("<{name}> is out of schema order: it must come before <{}>", self.last_name),
            );
        } else {
            self.last = slot;
            self.last_name = name;
        }
        self.seen |= bit;
    }

    pub fn seen(&self, slot: u8) -> bool {
        self.seen & (1u64 << slot) != 0
    }

    /// Reports a required child that never came.
    pub fn require<'i>(&self, r: &mut XmlReader<'i>, parent: &Elem<'i>, slot: u8, what: &str) {
        if !self.seen(slot) {
            r.error_after(parent, format!("<{}> lacks the required {what}", parent.name));
        }
    }
}

/// Reports an element that has no place here and passes over it (a warning in lenient
/// mode, so that extensions from newer versions do not stop an import).
pub(crate) fn unexpected<'i>(r: &mut XmlReader<'i>, e: Elem<'i>, parent: &str, expected: &str) -> R<()> {
    let what = match e.ns {
        crate::xml::Ns::Other | crate::xml::Ns::None => {
            format!("<{}> (in a foreign or no namespace)", e.name)
        }
        _ => format!("<{}>", e.name),
    };
    r.deviation(e.offset, None, format!("unexpected element {what} in <{parent}>; expected {expected}"));
    r.skip(e)
}
