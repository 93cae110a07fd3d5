//! A streaming XML writer: no DOM, fixed prefixes, two-space indentation (or none), and
//! escaping that makes every string survive a round trip exactly (attribute white space
//! and carriage returns are written as character references). Same value, same bytes.

use super::diag::{Diagnostic, Severity};
use crate::message::field::Text;
use std::io::{self, Write};

const FLUSH_AT: usize = 64 << 10;

pub(crate) struct XmlWriter<W: Write> {
    out: W,
    buf: Vec<u8>,
    depth: usize,
    indent: bool,
    /// Whether the element just opened has no children yet (so `end` stays on its line).
    open_leaf: bool,
    /// Open elements, for `end` and for the paths of problems.
    stack: Vec<(&'static str, usize)>,
    /// Values that break the schema, found while writing; the output is void if any.
    pub problems: Vec<Diagnostic>,
}

impl<W: Write> XmlWriter<W> {
    pub fn new(out: W, indent: bool) -> Self {
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

    pub fn declaration(&mut self) {
        self.buf.extend_from_slice(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    }

    fn newline(&mut self) {
        if self.indent && (self.depth > 0 || !self.buf.is_empty()) {
            self.buf.push(b'\n');
            for _ in 0..self.depth {
                self.buf.extend_from_slice(b"  ");
            }
        }
    }

    fn open(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.open_checked(name, attrs, None);
    }

    /// Opens a tag; with `spec`, each attribute value is checked against it in the same
    /// pass that decides how to copy it (an ECK iD is ~150 bytes, on every pupil).
    fn open_checked(&mut self, name: &str, attrs: &[(&str, &str)], spec: Option<Text>) {
        self.newline();
        self.buf.push(b'<');
        self.buf.extend_from_slice(name.as_bytes());
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

    /// `<name attrs>` with every attribute value checked against `spec`.
    pub fn start_checked(&mut self, name: &'static str, attrs: &[(&str, &str)], spec: Text) {
        // Checked before the element is on the stack: problems name the parent/@attr, as
        // `check_attr` does.
        self.open_checked(name, attrs, Some(spec));
        self.stack.push((name, 0));
        self.buf.push(b'>');
        self.depth += 1;
        self.open_leaf = true;
    }

    /// `<name attrs/>` with every attribute value checked against `spec`.
    pub fn empty_checked(&mut self, name: &str, attrs: &[(&str, &str)], spec: Text) {
        self.open_checked(name, attrs, Some(spec));
        self.buf.extend_from_slice(b"/>");
        self.open_leaf = false;
    }

    /// `<name attrs>`; children follow.
    pub fn start(&mut self, name: &'static str, attrs: &[(&str, &str)]) {
        self.stack.push((name, 0));
        self.open(name, attrs);
        self.buf.push(b'>');
        self.depth += 1;
        self.open_leaf = true;
    }

    pub fn end(&mut self) -> io::Result<()> {
        let (name, _) = self.stack.pop().unwrap_or(("", 0));
        self.depth -= 1;
        if !self.open_leaf {
            self.newline();
        }
        self.open_leaf = false;
        self.buf.extend_from_slice(b"</");
        self.buf.extend_from_slice(name.as_bytes());
        self.buf.push(b'>');
        if self.buf.len() >= FLUSH_AT {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// `<name attrs/>`.
    pub fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.open(name, attrs);
        self.buf.extend_from_slice(b"/>");
        self.open_leaf = false;
    }

    /// `<name attrs>text</name>`.
    pub fn leaf_with(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) {
        self.open(name, attrs);
        self.buf.push(b'>');
        escape_into(&mut self.buf, text, false);
        self.buf.extend_from_slice(b"</");
        self.buf.extend_from_slice(name.as_bytes());
        self.buf.push(b'>');
        self.open_leaf = false;
    }

    pub fn leaf(&mut self, name: &str, text: &str) {
        self.leaf_with(name, &[], text);
    }

    pub fn opt(&mut self, name: &str, text: Option<&str>) {
        if let Some(t) = text {
            self.leaf(name, t);
        }
    }

    /// Numbers the element just started among its siblings, for problem paths.
    pub fn set_index(&mut self, i: usize) {
        if let Some(top) = self.stack.last_mut() {
            top.1 = i;
        }
    }

    /// Records a value that breaks the schema, at the current element (or `child` of it).
    pub fn problem(&mut self, child: Option<&str>, message: impl Into<String>) {
        let mut path = String::new();
        for (n, i) in &self.stack {
            path.push('/');
            path.push_str(n);
            if *i > 0 {
                path.push_str(&format!("[{i}]"));
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
    pub fn field(&mut self, name: &str, v: &str, spec: Text) {
        let plain = is_plain(v, false);
        let checked = if plain { spec.check_known(v, true) } else { spec.check(v) };
        if let Err(m) = checked {
            self.problem(Some(name), format!("<{name}> {m}"));
        }
        self.open(name, &[]);
        self.buf.push(b'>');
        if plain {
            self.buf.extend_from_slice(v.as_bytes());
        } else {
            escape_into(&mut self.buf, v, false);
        }
        self.buf.extend_from_slice(b"</");
        self.buf.extend_from_slice(name.as_bytes());
        self.buf.push(b'>');
        self.open_leaf = false;
    }

    pub fn opt_field(&mut self, name: &str, v: Option<&str>, spec: Text) {
        if let Some(v) = v {
            self.field(name, v, spec);
        }
    }

    /// An attribute value checked against its facets (the caller writes it).
    pub fn check_attr(&mut self, name: &str, v: &str, spec: Text) {
        let checked = if is_plain(v, true) { spec.check_known(v, true) } else { spec.check(v) };
        if let Err(m) = checked {
            self.problem(Some(&format!("@{name}")), format!("attribute {name} {m}"));
        }
    }

    /// The attributes that carry `t` on an element in namespace `element_ns`: the xsi
    /// declaration, the prefix declaration the QName needs, and `xsi:type` itself.
    pub fn xsi_type_attrs(&mut self, t: &crate::message::values::XsiType, element_ns: &str) -> Vec<(String, String)> {
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

    pub fn finish(mut self) -> io::Result<W> {
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

fn is_plain(s: &str, attr: bool) -> bool {
    plain_len(s.as_bytes(), attr) == s.len()
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
        w.field("b", "Zoë\t\"<", crate::message::field::ANY);
        w.field("c", "plain", crate::message::field::S6);
        let out = String::from_utf8(w.finish().unwrap()).unwrap();
        assert_eq!(out, "<a k=\"é&#9;&quot;x\"/><b>Zoë\t\"&lt;</b><c>plain</c>");
        let mut w = XmlWriter::new(Vec::new(), false);
        w.field("c", "toolong", crate::message::field::S6);
        w.field("d", "a\u{1}", crate::message::field::ANY);
        assert_eq!(w.problems.len(), 2);
    }

    #[test]
    fn checked_attributes_are_checked_where_check_attr_would() {
        let mut w = XmlWriter::new(Vec::new(), false);
        w.start("p", &[]);
        w.start_checked("leerling", &[("key", "1"), ("eckid", &"e".repeat(300))], crate::message::field::S256);
        w.empty_checked("groep", &[("key", "")], crate::message::field::S256);
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
        let long = "https://ketenid.nl/201703/0123456789abcdef<x>&\"\t\r\né";
        let mut out = Vec::new();
        escape_into(&mut out, long, true);
        assert_eq!(out, "https://ketenid.nl/201703/0123456789abcdef&lt;x&gt;&amp;&quot;&#9;&#13;&#10;é".as_bytes());
    }
}
