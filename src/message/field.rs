//! Element-level building blocks shared by every message module: text facets (checked by
//! the reader as it reads and by the writer before it writes, from the same table), value
//! reading with lenient normalisation, and schema-order tracking of children.

use crate::xml::reader::{Elem, XmlReader, R};
use crate::xml::writer::Tag;

pub(crate) use crate::xml::facet::Text;

/// A child element of a record, from the record's schema-order table ([`schema_order!`]):
/// the reader finds a child by its name and checks its slot; the writer takes its tags.
pub(crate) trait Child: Tag {
    /// The child named `name`, if the record has one.
    fn of(name: &str) -> Option<Self>;
    /// Children of one choice share a slot; slots grow in schema order.
    fn place(self) -> u8;
    fn repeatable(self) -> bool;
}

/// Declares the children of one record in schema order, once, for reader and writer: the
/// variants in the order of the schema's sequence, each with its element name, its slot
/// (alternatives of one choice share a slot) and `one` or `many`. A test checks that the
/// slots never decrease down the list.
macro_rules! schema_order {
    ($(#[$m:meta])* $E:ident { $($V:ident = $name:literal @ $slot:literal $card:ident,)* }) => {
        $(#[$m])*
        #[derive(Clone, Copy, PartialEq, Eq, Debug)]
        pub(crate) enum $E {
            $($V,)*
        }
        impl $E {
            /// Every child, in schema order.
            #[allow(dead_code)]
            pub(crate) const ALL: &'static [$E] = &[$($E::$V,)*];
        }
        impl $crate::xml::writer::Tag for $E {
            #[inline(always)]
            fn name(self) -> &'static str {
                match self { $($E::$V => $name,)* }
            }
            #[inline(always)]
            fn write_open(self, buf: &mut Vec<u8>) {
                buf.extend_from_slice(match self { $($E::$V => concat!("<", $name, ">"),)* }.as_bytes());
            }
            #[inline(always)]
            fn write_close(self, buf: &mut Vec<u8>) {
                buf.extend_from_slice(match self { $($E::$V => concat!("</", $name, ">"),)* }.as_bytes());
            }
            #[inline(always)]
            fn slot(self) -> Option<u8> {
                Some($crate::message::field::Child::place(self))
            }
        }
        impl $crate::message::field::Child for $E {
            #[inline]
            fn of(name: &str) -> Option<$E> {
                match name { $($name => Some($E::$V),)* _ => None }
            }
            #[inline]
            fn place(self) -> u8 {
                match self { $($E::$V => $slot,)* }
            }
            fn repeatable(self) -> bool {
                match self { $($E::$V => $crate::message::field::schema_order!(@many $card),)* }
            }
        }
    };
    (@many one) => { false };
    (@many many) => { true };
}
pub(crate) use schema_order;

/// Whether `C`'s table lists its children with slots that never decrease (for tests).
#[cfg(test)]
pub(crate) fn in_schema_order<C: Child + std::fmt::Debug>(all: &[C]) -> Result<(), String> {
    for w in all.windows(2) {
        if w[1].place() < w[0].place() {
            return Err(format!("{:?} has slot {} after {:?} at {}", w[1], w[1].place(), w[0], w[0].place()));
        }
    }
    Ok(())
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
    pub(crate) fn new() -> Self {
        Order { last: 0, last_name: "", seen: 0 }
    }

    /// Records child `e` in `slot` (0..64). A second value for a single-valued slot is an
    /// error; the caller still reads it (the message is refused either way).
    pub(crate) fn at(&mut self, r: &mut XmlReader<'_>, e: &Elem<'_>, name: &'static str, slot: u8, repeatable: bool) {
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

    /// [`Order::at`] for a child from a schema-order table.
    #[inline]
    pub(crate) fn child<C: Child>(&mut self, r: &mut XmlReader<'_>, e: &Elem<'_>, c: C) {
        self.at(r, e, c.name(), c.place(), c.repeatable());
    }

    pub(crate) fn seen(&self, slot: u8) -> bool {
        self.seen & (1u64 << slot) != 0
    }

    /// Reports a required child that never came.
    pub(crate) fn require<'i>(&self, r: &mut XmlReader<'i>, parent: &Elem<'i>, slot: u8, what: &str) {
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
