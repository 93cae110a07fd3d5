//! A pull reader over quick-xml's `NsReader` that message modules drive element by element.
//!
//! Protocol: every [`Elem`] handed out is consumed exactly once, by [`XmlReader::child`]
//! until it returns `None`, by [`XmlReader::text`], or by [`XmlReader::skip`]. That keeps
//! the element path (for diagnostics) and the depth count (for limits) exact.
//!
//! Recoverable findings (a bad value, a missing element) are pushed as diagnostics and
//! reading goes on, so one run reports them all; malformed XML and exceeded limits stop
//! the read with [`Fatal`].

use super::diag::{Diagnostic, Severity};
use super::{DecodeOptions, Mode, Ns, XSI_NS};
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;
use std::borrow::Cow;

/// Reading stopped; the reason is the last error diagnostic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fatal;

pub(crate) type R<T> = Result<T, Fatal>;

/// An element whose start tag has been read.
pub(crate) struct Elem<'i> {
    pub name: &'i str,
    pub ns: Ns,
    start: BytesStart<'i>,
    empty: bool,
    pub offset: u64,
}

struct Seg<'i> {
    name: &'i str,
    index: u32,
}

pub(crate) struct XmlReader<'i> {
    /// The whole input, validated as UTF-8 once, so names can be sliced from it.
    input: &'i str,
    /// The namespace of the last start tag.
    last_ns: Ns,
    /// The element whose end tag was read last, for findings reported after it closed.
    closed: Option<Seg<'i>>,
    ns: NsReader<&'i [u8]>,
    pub opts: DecodeOptions,
    pub diags: Vec<Diagnostic>,
    /// The school a results message names, once its school block was read: a server needs
    /// it to check the key before judging the rest of a refused message.
    pub school: Option<crate::message::values::SchoolId>,
    path: Vec<Seg<'i>>,
    elements: u64,
}

impl<'i> XmlReader<'i> {
    /// A reader over `input`, which the caller has checked to be UTF-8 (see `decode`).
    pub fn new(input: &'i str, opts: DecodeOptions) -> Self {
        let mut ns = NsReader::from_str(input);
        let cfg = ns.config_mut();
        cfg.check_end_names = true;
        cfg.check_comments = true;
        cfg.expand_empty_elements = false;
        XmlReader {
            input,
            last_ns: Ns::Other,
            closed: None,
            ns,
            opts,
            diags: Vec::new(),
            school: None,
            path: Vec::with_capacity(16),
            elements: 0,
        }
    }

    pub fn lenient(&self) -> bool {
        self.opts.mode == Mode::Lenient
    }

    // ---- diagnostics -------------------------------------------------------------

    /// The current element path, for diagnostics raised after an element was read.
    pub fn path(&self) -> String {
        self.path_string(None)
    }

    fn pop(&mut self) {
        self.closed = self.path.pop();
    }

    /// An error about element `e` after its end tag was read (a missing required child, a
    /// broken choice): the path still names `e`, with its index among its siblings.
    pub fn error_after(&mut self, e: &Elem<'i>, message: impl Into<String>) {
        let mut path = self.path_string(None);
        if path == "/" {
            path.clear();
        }
        path.push('/');
        path.push_str(e.name);
        if let Some(seg) = &self.closed {
            if seg.name == e.name && seg.index > 0 {
                path.push_str(&format!("[{}]", seg.index));
            }
        }
        self.diags.push(Diagnostic {
            severity: Severity::Error,
            path,
            offset: Some(e.offset),
            position: None,
            message: message.into(),
        });
    }

    /// An error with an explicit path (rules checked over a whole record list).
    pub fn error_with_path(&mut self, offset: u64, path: String, message: String) {
        self.diags.push(Diagnostic { severity: Severity::Error, path, offset: Some(offset), position: None, message });
    }

    fn path_string(&self, extra: Option<&str>) -> String {
        let mut s = String::with_capacity(96);
        for seg in &self.path {
            s.push('/');
            s.push_str(seg.name);
            if seg.index > 0 {
                s.push('[');
                s.push_str(&seg.index.to_string());
                s.push(']');
            }
        }
        if let Some(x) = extra {
            s.push('/');
            s.push_str(x);
        }
        if s.is_empty() {
            s.push('/');
        }
        s
    }

    fn push(&mut self, severity: Severity, offset: u64, extra: Option<&str>, message: String) {
        let path = self.path_string(extra);
        self.diags.push(Diagnostic { severity, path, offset: Some(offset), position: None, message });
    }

    /// An error about the current element (or `extra`, a child or `@attribute` of it).
    pub fn error(&mut self, offset: u64, extra: Option<&str>, message: impl Into<String>) {
        self.push(Severity::Error, offset, extra, message.into());
    }

    /// Something the schema forbids but real LAS systems send: an error in strict mode, a
    /// warning in lenient mode.
    pub fn deviation(&mut self, offset: u64, extra: Option<&str>, message: impl Into<String>) {
        let sev = if self.lenient() { Severity::Warning } else { Severity::Error };
        self.push(sev, offset, extra, message.into());
    }

    fn fatal(&mut self, offset: u64, message: impl Into<String>) -> Fatal {
        self.push(Severity::Error, offset, None, message.into());
        Fatal
    }

    fn xml_error(&mut self, e: quick_xml::Error) -> Fatal {
        let off = self.ns.error_position();
        self.fatal(off, format!("malformed XML: {e}"))
    }

    /// Numbers the current element among its siblings (1-based), for paths like `leerling[3]`.
    pub fn set_index(&mut self, index: usize) {
        if let Some(top) = self.path.last_mut() {
            top.index = u32::try_from(index).unwrap_or(u32::MAX);
        }
    }

    // ---- events ------------------------------------------------------------------

    /// Next event that matters, with the offset where it starts. Comments and processing
    /// instructions are passed over; DOCTYPE stops the read (no DTDs, no entities).
    fn next(&mut self) -> R<(u64, Ns, Event<'i>)> {
        loop {
            let offset = self.ns.buffer_position();
            let ev = match self.ns.read_event() {
                Ok(ev) => ev,
                Err(e) => return Err(self.xml_error(e)),
            };
            match ev {
                // Only start tags need their namespace; end tags are matched by name.
                Event::Start(ref s) | Event::Empty(ref s) => {
                    let ns = self.ns_of_element(s);
                    return Ok((offset, ns, ev));
                }
                Event::Comment(_) | Event::PI(_) => continue,
                Event::DocType(_) => {
                    return Err(self.fatal(
                        offset,
                        "a DOCTYPE is not allowed: UWLR messages take no DTD and no entity declarations",
                    ))
                }
                Event::Decl(d) => {
                    if let Some(Ok(enc)) = d.encoding() {
                        if !enc.eq_ignore_ascii_case("utf-8") {
                            return Err(self
                                .fatal(offset, format!("encoding '{enc}' is not supported; UWLR messages are UTF-8")));
                        }
                    }
                    continue;
                }
                ev => return Ok((offset, Ns::None, ev)),
            }
        }
    }

    /// The namespace of a start tag. Nearly every element of a message is in the same
    /// namespace as the one before, so that one is tried first.
    fn ns_of_element(&mut self, s: &BytesStart<'_>) -> Ns {
        match self.ns.resolver().resolve_element(s.name()).0 {
            ResolveResult::Bound(n) => {
                if n.0 == self.last_ns.uri() {
                    return self.last_ns;
                }
                let ns = Ns::from_uri(n.0);
                self.last_ns = ns;
                ns
            }
            ResolveResult::Unbound => Ns::None,
            ResolveResult::Unknown(_) => Ns::Other,
        }
    }

    fn enter(&mut self, offset: u64, ns: Ns, start: BytesStart<'i>, empty: bool) -> R<Elem<'i>> {
        self.elements += 1;
        let lim = self.opts.limits;
        if self.elements > lim.max_elements {
            return Err(self.fatal(
                offset,
                format!("more than {} elements: the message exceeds the element limit", lim.max_elements),
            ));
        }
        if self.path.len() >= lim.max_depth {
            return Err(self.fatal(offset, format!("elements nested deeper than {} levels", lim.max_depth)));
        }
        let name = self.local_name_at(offset, &start);
        self.path.push(Seg { name, index: 0 });
        Ok(Elem { name, ns, start, empty, offset })
    }

    /// The document element, after the prolog.
    pub fn root(&mut self) -> R<Elem<'i>> {
        loop {
            let (offset, ns, ev) = self.next()?;
            match ev {
                Event::Start(s) => return self.enter(offset, ns, s, false),
                Event::Empty(s) => return self.enter(offset, ns, s, true),
                Event::Text(t) if is_blank(&t) => continue,
                Event::Eof => return Err(self.fatal(offset, "the document is empty: expected a UWLR message element")),
                _ => return Err(self.fatal(offset, "content before the document element")),
            }
        }
    }

    /// After the document element: only comments and white space may follow.
    pub fn finish(&mut self) -> R<()> {
        loop {
            let (offset, _, ev) = self.next()?;
            match ev {
                Event::Eof => return Ok(()),
                Event::Text(t) if is_blank(&t) => continue,
                _ => return Err(self.fatal(offset, "content after the document element")),
            }
        }
    }

    /// The next child element of `parent`, or `None` at its end tag. Stray text between
    /// child elements is reported and passed over.
    pub fn child(&mut self, parent: &Elem<'i>) -> R<Option<Elem<'i>>> {
        if parent.empty {
            self.pop();
            return Ok(None);
        }
        loop {
            let (offset, ns, ev) = self.next()?;
            match ev {
                Event::Start(s) => return self.enter(offset, ns, s, false).map(Some),
                Event::Empty(s) => return self.enter(offset, ns, s, true).map(Some),
                Event::End(_) => {
                    self.pop();
                    return Ok(None);
                }
                Event::Text(t) if is_blank(&t) => continue,
                Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                    self.error(
                        offset,
                        None,
                        format!("<{}> holds elements only; text is not allowed here", parent.name),
                    );
                }
                Event::Eof => {
                    return Err(self.fatal(offset, format!("unexpected end of document inside <{}>", parent.name)))
                }
                _ => {}
            }
        }
    }

    /// The text content of a simple element, with entity and character references resolved.
    pub fn text(&mut self, e: Elem<'i>) -> R<Cow<'i, str>> {
        if e.empty {
            self.pop();
            return Ok(Cow::Borrowed(""));
        }
        let mut acc: Option<Cow<'i, str>> = None;
        loop {
            let (offset, _, ev) = self.next()?;
            let piece: Cow<'i, str> = match ev {
                Event::Text(t) => t.xml10_content(),
                Event::CData(c) => c.xml10_content(),
                Event::GeneralRef(r) => match resolve_ref(&r) {
                    Some(c) => Cow::Owned(c.to_string()),
                    None => {
                        self.error(
                            offset,
                            None,
                            format!("undefined entity '&{};': only the five XML entities and character references are allowed", &*r),
                        );
                        continue;
                    }
                },
                Event::End(_) => {
                    self.pop();
                    let text = acc.unwrap_or(Cow::Borrowed(""));
                    let max = self.opts.limits.max_text_len;
                    if text.len() > max && text.chars().count() > max {
                        self.error(
                            e.offset,
                            None,
                            format!("text longer than {} characters", self.opts.limits.max_text_len),
                        );
                        return Ok(Cow::Borrowed(""));
                    }
                    return Ok(text);
                }
                Event::Start(s) => {
                    let intruder = self.enter(offset, Ns::Other, s, false)?;
                    self.error(offset, None, format!("<{}> holds text only; no element is allowed inside it", e.name));
                    self.skip(intruder)?;
                    continue;
                }
                Event::Empty(s) => {
                    let intruder = self.enter(offset, Ns::Other, s, true)?;
                    self.error(offset, None, format!("<{}> holds text only; no element is allowed inside it", e.name));
                    self.skip(intruder)?;
                    continue;
                }
                Event::Eof => return Err(self.fatal(offset, format!("unexpected end of document inside <{}>", e.name))),
                _ => continue,
            };
            acc = Some(match acc {
                None => piece,
                Some(prev) => Cow::Owned(prev.into_owned() + &piece),
            });
        }
    }

    /// All text inside an element and its descendants (for SOAP `detail`).
    pub fn deep_text(&mut self, e: Elem<'i>) -> R<String> {
        if e.empty {
            self.pop();
            return Ok(String::new());
        }
        let (mut s, mut depth) = (String::new(), 0usize);
        loop {
            let (offset, ns, ev) = self.next()?;
            match ev {
                Event::Start(st) => {
                    self.enter(offset, ns, st, false)?;
                    depth += 1;
                }
                Event::Empty(st) => {
                    self.enter(offset, ns, st, true)?;
                    self.pop();
                }
                Event::End(_) => {
                    self.pop();
                    if depth == 0 {
                        return Ok(s);
                    }
                    depth -= 1;
                }
                Event::Text(t) => s.push_str(&t.xml10_content()),
                Event::CData(c) => s.push_str(&c.xml10_content()),
                Event::GeneralRef(r) => s.extend(resolve_ref(&r)),
                Event::Eof => return Err(self.fatal(offset, format!("unexpected end of document inside <{}>", e.name))),
                _ => {}
            }
            if s.len() > self.opts.limits.max_text_len {
                return Err(
                    self.fatal(offset, format!("text longer than {} characters", self.opts.limits.max_text_len))
                );
            }
        }
    }

    /// Passes over an element and everything in it.
    pub fn skip(&mut self, e: Elem<'i>) -> R<()> {
        while let Some(c) = self.child_any(&e)? {
            self.skip(c)?;
        }
        Ok(())
    }

    /// Like `child`, but text is allowed (used when skipping unknown content).
    fn child_any(&mut self, parent: &Elem<'i>) -> R<Option<Elem<'i>>> {
        if parent.empty {
            self.pop();
            return Ok(None);
        }
        loop {
            let (offset, ns, ev) = self.next()?;
            match ev {
                Event::Start(s) => return self.enter(offset, ns, s, false).map(Some),
                Event::Empty(s) => return self.enter(offset, ns, s, true).map(Some),
                Event::End(_) => {
                    self.pop();
                    return Ok(None);
                }
                Event::Eof => {
                    return Err(self.fatal(offset, format!("unexpected end of document inside <{}>", parent.name)))
                }
                _ => {}
            }
        }
    }

    /// The local name of the element starting at `offset`, borrowed from the input so that
    /// paths can hold it without allocating.
    fn local_name_at(&self, offset: u64, start: &BytesStart<'_>) -> &'i str {
        let qlen = start.name().0.len();
        let from = offset as usize;
        let lt =
            self.input.as_bytes().get(from..).and_then(|r| r.iter().position(|&b| b == b'<')).map(|p| from + p + 1);
        let qname = lt.and_then(|a| self.input.get(a..a + qlen)).unwrap_or("?");
        match qname.split_once(':') {
            Some((_, local)) => local,
            None => qname,
        }
    }

    // ---- attributes --------------------------------------------------------------

    /// The unqualified attributes named in `names`, in that order. Any other attribute is
    /// reported (namespace declarations and `xsi:` attributes excepted).
    pub fn attrs<const N: usize>(&mut self, e: &Elem<'i>, names: [&str; N]) -> R<[Option<String>; N]> {
        let mut out: [Option<String>; N] = std::array::from_fn(|_| None);
        let mut count = 0usize;
        let start = e.start.clone();
        for a in start.attributes() {
            let a = match a {
                Ok(a) => a,
                Err(err) => return Err(self.fatal(e.offset, format!("malformed attribute: {err}"))),
            };
            count += 1;
            if count > self.opts.limits.max_attributes {
                return Err(self.fatal(e.offset, format!("more than {} attributes", self.opts.limits.max_attributes)));
            }
            let key = a.key.0;
            if key == "xmlns" || key.starts_with("xmlns:") {
                continue;
            }
            if let Some((prefix, _)) = key.split_once(':') {
                let (res, _) = self.ns.resolver().resolve_attribute(a.key);
                let is_xsi = matches!(&res, ResolveResult::Bound(n) if n.0 == XSI_NS);
                if !is_xsi {
                    self.deviation(
                        e.offset,
                        Some(&format!("@{key}")),
                        format!("unexpected attribute '{key}' (prefix '{prefix}')"),
                    );
                }
                continue;
            }
            match names.iter().position(|&n| n == key) {
                Some(i) => {
                    let v = match a.normalized_value(quick_xml::XmlVersion::Implicit1_0) {
                        Ok(v) => v,
                        Err(err) => {
                            self.error(e.offset, Some(&format!("@{key}")), format!("bad attribute value: {err}"));
                            continue;
                        }
                    };
                    out[i] = Some(v.into_owned());
                }
                None => self.deviation(
                    e.offset,
                    Some(&format!("@{key}")),
                    format!(
                        "unexpected attribute '{key}' on <{}>; allowed: {}",
                        e.name,
                        if N == 0 { "none".to_string() } else { names.join(", ") }
                    ),
                ),
            }
        }
        Ok(out)
    }

    /// The `xsi:type` on `e`, with the namespace its prefix resolves to.
    pub fn xsi_type(&mut self, e: &Elem<'i>) -> Option<crate::message::values::XsiType> {
        for a in e.start.attributes().flatten() {
            let (res, local) = self.ns.resolver().resolve_attribute(a.key);
            if matches!(&res, ResolveResult::Bound(n) if n.0 == XSI_NS) && local.as_ref() == "type" {
                let name = a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok()?.trim().to_string();
                // A QName value resolves like an element name: prefix, else the default namespace.
                // The resolver keeps declarations as written, so unescape them here.
                let namespace = match self.ns.resolver().resolve_element(quick_xml::name::QName(name.as_str())).0 {
                    ResolveResult::Bound(n) => quick_xml::escape::unescape(n.0).ok().map(|c| c.into_owned()),
                    _ => None,
                };
                return Some(crate::message::values::XsiType { name, namespace });
            }
        }
        None
    }
}

fn is_blank(t: &quick_xml::events::BytesText<'_>) -> bool {
    t.as_ref().bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

/// The five predefined entities and character references; anything else is undefined
/// because we never read a DTD.
fn resolve_ref(r: &quick_xml::events::BytesRef<'_>) -> Option<char> {
    if r.is_char_ref() {
        return r.resolve_char_ref().ok().flatten().filter(|&c| is_xml_char(c));
    }
    match &**r {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => None,
    }
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}
