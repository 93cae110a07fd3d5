//! A streaming XML writer: no DOM, fixed prefixes, two-space indentation (or none), and
//! escaping that makes every string survive a round trip exactly (attribute white space
//! and carriage returns are written as character references). Same value, same bytes.

use super::diag::{Diagnostic, Severity};
use super::facet::Text;
use std::borrow::Cow;
use std::io::{self, Write};

const FLUSH_AT: usize = 64 << 10;

/// An element name as the writer takes it: a plain name, or a child from a record's
/// schema-order table (`message::field::schema_order!`), which brings its tags ready-made
/// (one copy instead of three) and its place in the order.
pub(crate) trait Tag: Copy {
    fn name(self) -> &'static str;
    /// `<name>`.
    fn write_open(self, buf: &mut Vec<u8>);
    /// `</name>`.
    fn write_close(self, buf: &mut Vec<u8>);
    /// Its place among its siblings in schema order, when it comes from a table: debug
    /// builds (every test) check that the writer keeps to the order the reader enforces.
    fn slot(self) -> Option<u8> {
        None
    }
}

impl Tag for &'static str {
    fn name(self) -> &'static str {
        self
    }
    fn write_open(self, buf: &mut Vec<u8>) {
        buf.push(b'<');
        buf.extend_from_slice(self.as_bytes());
        buf.push(b'>');
    }
    fn write_close(self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(b"</");
        buf.extend_from_slice(self.as_bytes());
        buf.push(b'>');
    }
}

pub(crate) struct XmlWriter<W: Write> {
    out: W,
    buf: Vec<u8>,
    depth: usize,
    indent: bool,
    /// Whether the element just opened has no children yet (so `end` stays on its line).
    open_leaf: bool,
    /// Open elements, for `end` and for the paths of problems.
    stack: Vec<Open>,
    /// Values that break the schema, found while writing; the output is void if any.
    pub problems: Vec<Diagnostic>,
}

struct Open {
    name: &'static str,
    /// Its number among its siblings, for problem paths (0: not numbered).
    index: usize,
    /// The slot of the last child written from a schema-order table (debug check).
    last_slot: u8,
}

impl<W: Write> XmlWriter<W> {
    pub(crate) fn new(out: W, indent: bool) -> Self {
        XmlWriter {
            out,
            buf: Vec::with_capacity(FLUSH_AT + 4096),
            depth: 0,
            indent,
            open_leaf: false,
            stack: Vec::new(),
            problems: Vec::new(),
        }
    }

    pub(crate) fn declaration(&mut self) {
        self.buf.extend_from_slice(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    }

    #[inline(always)]
    fn newline(&mut self) {
        if self.indent && (self.depth > 0 || !self.buf.is_empty()) {
            self.buf.push(b'\n');
            for _ in 0..self.depth {
                self.buf.extend_from_slice(b"  ");
            }
        }
    }

    /// Debug builds: a child from a schema-order table comes at or after its elder siblings
    /// (the order the reader enforces, from the same table).
    #[inline(always)]
    fn keep_order(&mut self, tag: impl Tag) {
        if cfg!(debug_assertions) {
            if let (Some(slot), Some(top)) = (tag.slot(), self.stack.last_mut()) {
                assert!(
                    slot >= top.last_slot,
                    "the writer puts <{}> after a later sibling in <{}>: see its schema-order table",
                    tag.name(),
                    top.name
                );
                top.last_slot = slot;
            }
        }
    }

    fn open(&mut self, name: impl Tag, attrs: &[(&str, &str)]) {
        self.open_checked(name, attrs, None);
    }

    /// Opens a tag; with `spec`, each attribute value is checked against it in the same
    /// pass that decides how to copy it (an ECK iD is ~150 bytes, on every pupil).
    fn open_checked(&mut self, name: impl Tag, attrs: &[(&str, &str)], spec: Option<Text>) {
        self.keep_order(name);
        self.newline();
        self.buf.push(b'<');
        self.buf.extend_from_slice(name.name().as_bytes());
        for (k, v) in attrs {
            let plain = is_plain(v, true);
            if let Some(spec) = spec {
                let checked = if plain { spec.check_known(v, true) } else { spec.check(v) };
                if let Err(m) = checked {
                    self.problem(Some(&format!("@{k}")), format!("attribute {k} {m}"));
                }
            }
            self.buf.push(b' ');
            self.buf.extend_from_slice(k.as_bytes());
            self.buf.extend_from_slice(b"=\"");
            if plain {
                self.buf.extend_from_slice(v.as_bytes());
            } else {
                escape_into(&mut self.buf, v, true);
            }
            self.buf.push(b'"');
        }
    }

    /// `<name>` of an element without attributes, from its ready-made tag.
    #[inline(always)]
    fn open_bare(&mut self, name: impl Tag) {
        self.keep_order(name);
        self.newline();
        name.write_open(&mut self.buf);
    }

    fn push(&mut self, name: &'static str) {
        self.stack.push(Open { name, index: 0, last_slot: 0 });
        self.depth += 1;
        self.open_leaf = true;
    }

    /// `<name attrs>` with every attribute value checked against `spec`.
    pub(crate) fn start_checked(&mut self, name: impl Tag, attrs: &[(&str, &str)], spec: Text) {
        // Checked before the element is on the stack: problems name the parent/@attr, as
        // `check_attr` does.
        self.open_checked(name, attrs, Some(spec));
        self.buf.push(b'>');
        self.push(name.name());
    }

    /// `<name attrs/>` with every attribute value checked against `spec`.
    pub(crate) fn empty_checked(&mut self, name: impl Tag, attrs: &[(&str, &str)], spec: Text) {
        self.open_checked(name, attrs, Some(spec));
        self.buf.extend_from_slice(b"/>");
        self.open_leaf = false;
    }

    /// `<name attrs>`; children follow.
    pub(crate) fn start(&mut self, name: impl Tag, attrs: &[(&str, &str)]) {
        if attrs.is_empty() {
            self.open_bare(name);
        } else {
            self.open(name, attrs);
            self.buf.push(b'>');
        }
        self.push(name.name());
    }

    pub(crate) fn end(&mut self) -> io::Result<()> {
        let name = self.stack.pop().map_or("", |o| o.name);
        self.depth -= 1;
        if !self.open_leaf {
            self.newline();
        }
        self.open_leaf = false;
        name.write_close(&mut self.buf);
        if self.buf.len() >= FLUSH_AT {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// `<name attrs/>`.
    pub(crate) fn empty(&mut self, name: impl Tag, attrs: &[(&str, &str)]) {
        self.open(name, attrs);
        self.buf.extend_from_slice(b"/>");
        self.open_leaf = false;
    }

    /// `<name attrs>text</name>`.
    pub(crate) fn leaf_with(&mut self, name: impl Tag, attrs: &[(&str, &str)], text: &str) {
        if attrs.is_empty() {
            self.open_bare(name);
        } else {
            self.open(name, attrs);
            self.buf.push(b'>');
        }
        escape_into(&mut self.buf, text, false);
        name.write_close(&mut self.buf);
        self.open_leaf = false;
    }

    /// `<name>text</name>`.
    #[inline(always)]
    pub(crate) fn leaf(&mut self, name: impl Tag, text: &str) {
        self.open_bare(name);
        escape_into(&mut self.buf, text, false);
        name.write_close(&mut self.buf);
        self.open_leaf = false;
    }

    /// `<name>text</name>` for a value that is plain by construction (a date from
    /// `DateText`, a code from a fixed list): copied without a scan. Debug builds check.
    #[inline(always)]
    pub(crate) fn leaf_plain(&mut self, name: impl Tag, text: &str) {
        debug_assert!(is_plain(text, false), "<{}> {text:?} is not plain", name.name());
        self.open_bare(name);
        self.buf.extend_from_slice(text.as_bytes());
        name.write_close(&mut self.buf);
        self.open_leaf = false;
    }

    pub(crate) fn opt(&mut self, name: impl Tag, text: Option<&str>) {
        if let Some(t) = text {
            self.leaf(name, t);
        }
    }

    /// Numbers the element just started among its siblings, for problem paths.
    pub(crate) fn set_index(&mut self, i: usize) {
        if let Some(top) = self.stack.last_mut() {
            top.index = i;
        }
    }

    /// Records a value that breaks the schema, at the current element (or `child` of it).
    pub(crate) fn problem(&mut self, child: Option<&str>, message: impl Into<String>) {
        let mut path = String::new();
        for o in &self.stack {
            path.push('/');
            path.push_str(o.name);
            if o.index > 0 {
                path.push_str(&format!("[{}]", o.index));
            }
        }
        if let Some(c) = child {
            path.push('/');
            path.push_str(c);
        }
        self.problems.push(Diagnostic {
            severity: Severity::Error,
            path,
            offset: None,
            position: None,
            message: message.into(),
        });
    }

    /// A text element checked against its facets. One pass over the value tells whether it
    /// is plain (see [`PLAIN_TEXT`]); a plain value skips the character checks and is copied
    /// without escaping.
    ///
    /// Inlined into each call site, so that a tag from a schema-order table is a constant
    /// there and its bytes are stored directly instead of copied by a call.
    #[inline(always)]
    pub(crate) fn field(&mut self, name: impl Tag, v: &str, spec: Text) {
        self.open_bare(name);
        self.value(name.name(), v, spec);
        name.write_close(&mut self.buf);
        self.open_leaf = false;
    }

    /// The checked, escaped value of [`XmlWriter::field`], out of line.
    fn value(&mut self, name: &'static str, v: &str, spec: Text) {
        let plain = is_plain(v, false);
        let checked = if plain { spec.check_known(v, true) } else { spec.check(v) };
        if let Err(m) = checked {
            self.problem(Some(name), format!("<{name}> {m}"));
        }
        if plain {
            self.buf.extend_from_slice(v.as_bytes());
        } else {
            escape_into(&mut self.buf, v, false);
        }
    }

    #[inline(always)]
    pub(crate) fn opt_field(&mut self, name: impl Tag, v: Option<&str>, spec: Text) {
        if let Some(v) = v {
            self.field(name, v, spec);
        }
    }

    /// An attribute value checked against its facets (the caller writes it).
    pub(crate) fn check_attr(&mut self, name: &str, v: &str, spec: Text) {
        let checked = if is_plain(v, true) { spec.check_known(v, true) } else { spec.check(v) };
        if let Err(m) = checked {
            self.problem(Some(&format!("@{name}")), format!("attribute {name} {m}"));
        }
    }

    /// The attributes that carry `t` on an element in namespace `element_ns`: the xsi
    /// declaration, the prefix declaration the QName needs, and `xsi:type` itself.
    pub(crate) fn xsi_type_attrs(&mut self, t: &super::XsiType, element_ns: &str) -> Vec<(String, String)> {
        let mut attrs = vec![("xmlns:xsi".to_string(), super::XSI_NS.to_string())];
        if t.name.is_empty() {
            self.problem(None, "an xsi:type needs a type name");
        }
        match (t.prefix(), &t.namespace) {
            (Some(p), Some(ns)) if p != "xsi" => attrs.push((format!("xmlns:{p}"), ns.clone())),
            (Some(p), None) => self.problem(None, format!("xsi:type prefix '{p}' is bound to no namespace")),
            (None, Some(ns)) if ns != element_ns => self.problem(
                None,
                format!("an unprefixed xsi:type resolves to {element_ns}, not {ns}: give the type a prefix"),
            ),
            _ => {}
        }
        attrs.push(("xsi:type".to_string(), t.name.clone()));
        attrs
    }

    pub(crate) fn finish(mut self) -> io::Result<W> {
        if self.indent {
            self.buf.push(b'\n');
        }
        self.out.write_all(&self.buf)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Which bytes a value can be copied with as they are: printable ASCII other than the
/// markup characters (`<`, `>`, `&`), and in attributes also not `"`. A value made only of
/// these (nearly every value) needs neither escaping nor the character-level facet checks,
/// so one table-driven pass over it decides both.
const fn plain_table(attr: bool) -> [bool; 256] {
    let mut t = [false; 256];
    let mut b = 0x20;
    while b < 0x7f {
        let markup = matches!(b as u8, b'<' | b'>' | b'&') || (attr && b as u8 == b'"');
        t[b] = !markup;
        b += 1;
    }
    t
}
static PLAIN_TEXT: [bool; 256] = plain_table(false);
static PLAIN_ATTR: [bool; 256] = plain_table(true);

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Whether some byte of `x` is zero (exact as a yes/no; the classic bit trick).
fn has_zero(x: u64) -> bool {
    x.wrapping_sub(LO) & !x & HI != 0
}

/// Whether all eight bytes of `x` are plain: eight at a time, because long values (an ECK
/// iD is ~150 bytes) would otherwise cost a table look-up per byte, twice (check, copy).
fn chunk_plain(x: u64, attr: bool) -> bool {
    let non_ascii = x & HI != 0;
    let control = x.wrapping_sub(LO * 0x20) & !x & HI != 0;
    let markup = has_zero(x ^ (LO * 0x7f))
        || has_zero(x ^ (LO * u64::from(b'<')))
        || has_zero(x ^ (LO * u64::from(b'>')))
        || has_zero(x ^ (LO * u64::from(b'&')))
        || (attr && has_zero(x ^ (LO * u64::from(b'"'))));
    !(non_ascii || control || markup)
}

/// The length of the run of plain bytes that `b` starts with.
fn plain_len(b: &[u8], attr: bool) -> usize {
    let table = if attr { &PLAIN_ATTR } else { &PLAIN_TEXT };
    let mut i = 0;
    while let Some(chunk) = b.get(i..i + 8) {
        let x = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        if !chunk_plain(x, attr) {
            break;
        }
        i += 8;
    }
    i + b[i..].iter().position(|&c| !table[c as usize]).unwrap_or(b.len() - i)
}

/// Whether every byte of `s` is plain. Sixteen bytes at a time with a branch-free test that
/// the compiler turns into vector instructions (an ECK iD is ~150 bytes, on every pupil);
/// the short rest (most values are shorter than sixteen bytes) by the table.
fn is_plain(s: &str, attr: bool) -> bool {
    if attr {
        all_plain::<true>(s.as_bytes())
    } else {
        all_plain::<false>(s.as_bytes())
    }
}

#[inline]
fn all_plain<const ATTR: bool>(b: &[u8]) -> bool {
    let table = if ATTR { &PLAIN_ATTR } else { &PLAIN_TEXT };
    let mut chunks = b.chunks_exact(16);
    for chunk in &mut chunks {
        let mut bad = false;
        for &c in chunk {
            bad |=
                (c.wrapping_sub(0x20) > 0x7e - 0x20) | (c == b'<') | (c == b'>') | (c == b'&') | (ATTR & (c == b'"'));
        }
        if bad {
            return false;
        }
    }
    chunks.remainder().iter().all(|&c| table[c as usize])
}

/// The crate's one XML escaper, as the writer escapes: for text (`attr` false) or a
/// double-quoted attribute value (`attr` true). Borrowed when nothing needs a reference.
/// (quick-xml's `escape` would not do: it leaves `\r`, and in attributes tabs and line
/// feeds, as they are, which a reader's normalisation then changes.)
pub(crate) fn escape(s: &str, attr: bool) -> Cow<'_, str> {
    if is_plain(s, attr) {
        return Cow::Borrowed(s);
    }
    let mut buf = Vec::with_capacity(s.len() + 16);
    escape_into(&mut buf, s, attr);
    // Only ASCII bytes are replaced, so the result is UTF-8 as `s` is.
    match String::from_utf8(buf) {
        Ok(t) => Cow::Owned(t),
        Err(e) => Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
    }
}

/// Escapes markup characters; in attributes also quotes and the white space that attribute
/// normalisation would otherwise turn into spaces. `\r` is always a reference because
/// readers normalise line ends.
fn escape_into(buf: &mut Vec<u8>, s: &str, attr: bool) {
    let mut rest = s.as_bytes();
    // Runs of bytes that need no reference are copied whole; non-ASCII and the control
    // characters that are not escaped end a run too and are copied one by one.
    loop {
        let i = plain_len(rest, attr);
        buf.extend_from_slice(&rest[..i]);
        let Some(&b) = rest.get(i) else { return };
        let rep: &[u8] = match b {
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'&' => b"&amp;",
            b'\r' => b"&#13;",
            b'"' if attr => b"&quot;",
            b'\n' if attr => b"&#10;",
            b'\t' if attr => b"&#9;",
            _ => std::slice::from_ref(&rest[i]),
        };
        buf.extend_from_slice(rep);
        rest = &rest[i + 1..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANY: Text = Text::len(0, usize::MAX);
    const S6: Text = Text::len(1, 6);
    const S256: Text = Text::len(1, 256);

    #[test]
    fn escapes_and_indents() {
        let mut w = XmlWriter::new(Vec::new(), true);
        w.start("a", &[("k", "x\"<\n")]);
        w.leaf("b", "1 < 2 & 3\r\n");
        w.start("c", &[]);
        w.end().unwrap();
        w.end().unwrap();
        let out = String::from_utf8(w.finish().unwrap()).unwrap();
        assert_eq!(out, "<a k=\"x&quot;&lt;&#10;\">\n  <b>1 &lt; 2 &amp; 3&#13;\n</b>\n  <c></c>\n</a>\n");
    }

    #[test]
    fn copies_what_needs_no_reference() {
        let mut w = XmlWriter::new(Vec::new(), false);
        w.empty("a", &[("k", "é\t\"x")]);
        w.field("b", "Zoë\t\"<", ANY);
        w.field("c", "plain", S6);
        let out = String::from_utf8(w.finish().unwrap()).unwrap();
        assert_eq!(out, "<a k=\"é&#9;&quot;x\"/><b>Zoë\t\"&lt;</b><c>plain</c>");
        let mut w = XmlWriter::new(Vec::new(), false);
        w.field("c", "toolong", S6);
        w.field("d", "a\u{1}", ANY);
        assert_eq!(w.problems.len(), 2);
    }

    #[test]
    fn checked_attributes_are_checked_where_check_attr_would() {
        let mut w = XmlWriter::new(Vec::new(), false);
        w.start("p", &[]);
        w.start_checked("leerling", &[("key", "1"), ("eckid", &"e".repeat(300))], S256);
        w.empty_checked("groep", &[("key", "")], S256);
        let paths: Vec<_> = w.problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["/p/@eckid", "/p/leerling/@key"]);
    }

    #[test]
    fn eight_at_a_time_agrees_with_the_table() {
        for b in 0..=255u8 {
            for attr in [false, true] {
                let table = if attr { &PLAIN_ATTR } else { &PLAIN_TEXT };
                for at in 0..8 {
                    let mut x = *b"abcdefgh";
                    x[at] = b;
                    assert_eq!(chunk_plain(u64::from_le_bytes(x), attr), table[b as usize], "{b:#x} at {at}");
                }
            }
        }
        for b in 0..=255u8 {
            for at in [0, 5, 15, 16, 20] {
                let mut x = [b'a'; 24];
                x[at] = b;
                for attr in [false, true] {
                    let table = if attr { &PLAIN_ATTR } else { &PLAIN_TEXT };
                    let got = if attr { all_plain::<true>(&x) } else { all_plain::<false>(&x) };
                    assert_eq!(got, table[b as usize], "{b:#x} at {at}");
                }
            }
        }
        let long = "https://ketenid.nl/201703/0123456789abcdef<x>&\"\t\r\né";
        let mut out = Vec::new();
        escape_into(&mut out, long, true);
        assert_eq!(out, "https://ketenid.nl/201703/0123456789abcdef&lt;x&gt;&amp;&quot;&#9;&#13;&#10;é".as_bytes());
    }

    #[test]
    fn escape_borrows_plain_values() {
        assert!(matches!(escape("plain 'value'", true), Cow::Borrowed(_)));
        assert_eq!(escape("a&b\"'<>\r", false), "a&amp;b\"'&lt;&gt;&#13;");
        assert_eq!(escape("a&b\"'<>\té", true), "a&amp;b&quot;'&lt;&gt;&#9;é");
    }
}
