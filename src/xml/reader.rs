//! A pull reader over quick-xml's streaming `Reader` and `NamespaceResolver` that message
//! modules drive element by element.
//!
//! Protocol: every [`Elem`] handed out is consumed exactly once, by [`XmlReader::child`]
//! until it returns `None`, by [`XmlReader::text`], or by [`XmlReader::skip`]. That keeps
//! the element path (for diagnostics) and the depth count (for limits) exact.
//!
//! Recoverable findings (a bad value, a missing element) are pushed as diagnostics and
//! reading goes on, so one run reports them all; malformed XML and exceeded limits stop
//! the read with [`Fatal`].
//!
//! Why not `NsReader`: it opens a namespace scope (an attribute scan) for every start tag and
//! closes one for every end tag, and the reader emits white space between elements as events.
//! Real messages declare their namespaces on one or two elements and are often indented, so
//! this reader scopes only the start tags that hold a declaration, lets quick-xml skip
//! leading white space, and takes a simple element's value from the raw input between its
//! tags (so no white space inside a value is lost). Both halved the time spent per element.

use super::diag::{clip, Diagnostic, Severity, MAX_DIAGNOSTICS, MAX_MESSAGE, MAX_QUOTED};
use super::{DecodeOptions, Mode, Ns, XSI_NS};
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{NamespaceResolver, QName, ResolveResult};
use quick_xml::Reader;
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
    /// Where the element's content starts: just after its start tag.
    content: usize,
}

struct Seg<'i> {
    name: &'i str,
    index: u32,
    /// The start tag declared namespaces: closing the element ends their scope.
    scoped: bool,
}

pub(crate) struct XmlReader<'i> {
    /// The whole input, validated as UTF-8 once, so names can be sliced from it.
    input: &'i str,
    /// The prefix of the last start tag and its namespace, valid until a scope opens or
    /// closes: nearly every element is in the same namespace as the one before.
    last_ns: Option<(&'i str, Ns)>,
    /// The element whose end tag was read last, for findings reported after it closed.
    closed: Option<Seg<'i>>,
    xml: Reader<&'i [u8]>,
    resolver: NamespaceResolver,
    /// The start tag just read declared namespaces (its `Seg` is pushed by `enter`).
    scope_opened: bool,
    /// Where the last event read by `next` starts, and for a start tag its namespace and
    /// local name. Kept here rather than returned beside the event: packing them into one
    /// return value with the event cost a store-forwarding stall per event.
    at: u64,
    at_ns: Ns,
    at_name: &'i str,
    pub opts: DecodeOptions,
    pub diags: Vec<Diagnostic>,
    /// Findings past [`MAX_DIAGNOSTICS`]: counted, not kept.
    pub suppressed: usize,
    /// Errors among all findings, kept or not.
    pub errors: usize,
    /// Reading stopped because the input is not well-formed XML or exceeds a limit.
    pub broken: bool,
    path: Vec<Seg<'i>>,
    elements: u64,
}

impl<'i> XmlReader<'i> {
    /// A reader over `input`, which the caller has checked to be UTF-8 (see `decode`).
    pub(crate) fn new(input: &'i str, opts: DecodeOptions) -> Self {
        let mut xml = Reader::from_str(input);
        let cfg = xml.config_mut();
        cfg.check_end_names = true;
        cfg.check_comments = true;
        cfg.expand_empty_elements = false;
        // White space before markup is skipped, not emitted; `text` reads values raw.
        cfg.trim_text_start = true;
        XmlReader {
            input,
            last_ns: None,
            closed: None,
            xml,
            resolver: NamespaceResolver::default(),
            scope_opened: false,
            at: 0,
            at_ns: Ns::None,
            at_name: "",
            opts,
            diags: Vec::new(),
            suppressed: 0,
            errors: 0,
            broken: false,
            path: Vec::with_capacity(16),
            elements: 0,
        }
    }

    pub(crate) fn lenient(&self) -> bool {
        self.opts.mode == Mode::Lenient
    }

    // ---- diagnostics -------------------------------------------------------------

    /// The current element path, for diagnostics raised after an element was read.
    pub(crate) fn path(&self) -> String {
        self.path_string(None)
    }

    fn pop(&mut self) {
        self.closed = self.path.pop();
        if self.closed.as_ref().is_some_and(|s| s.scoped) {
            self.resolver.set_level(self.path.len() as u16);
            self.last_ns = None;
        }
    }

    /// An error about element `e` after its end tag was read (a missing required child, a
    /// broken choice): the path still names `e`, with its index among its siblings.
    pub(crate) fn error_after(&mut self, e: &Elem<'i>, message: impl Into<String>) {
        if self.over_cap(Severity::Error) {
            return;
        }
        let mut path = self.path_string(None);
        if path == "/" {
            path.clear();
        }
        path.push('/');
        path.push_str(&clip(e.name, MAX_QUOTED));
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
            message: clip(&message.into(), MAX_MESSAGE).into_owned(),
        });
    }

    /// Counts a finding; true when it is past the cap and must not be kept. Checked before
    /// a finding's path is built, so findings past the cap cost a count each.
    fn over_cap(&mut self, severity: Severity) -> bool {
        if severity == Severity::Error {
            self.errors += 1;
        }
        if self.diags.len() >= MAX_DIAGNOSTICS {
            self.suppressed += 1;
            return true;
        }
        false
    }

    /// An error with an explicit path (rules checked over a whole record list).
    pub(crate) fn error_with_path(&mut self, offset: u64, path: String, message: String) {
        if self.over_cap(Severity::Error) {
            return;
        }
        let message = clip(&message, MAX_MESSAGE).into_owned();
        self.diags.push(Diagnostic { severity: Severity::Error, path, offset: Some(offset), position: None, message });
    }

    fn path_string(&self, extra: Option<&str>) -> String {
        let mut s = String::with_capacity(96);
        for seg in &self.path {
            s.push('/');
            s.push_str(&clip(seg.name, MAX_QUOTED));
            if seg.index > 0 {
                s.push('[');
                s.push_str(&seg.index.to_string());
                s.push(']');
            }
        }
        if let Some(x) = extra {
            s.push('/');
            s.push_str(&clip(x, MAX_QUOTED));
        }
        if s.is_empty() {
            s.push('/');
        }
        s
    }

    fn push(&mut self, severity: Severity, offset: u64, extra: Option<&str>, message: String) {
        if self.over_cap(severity) {
            return;
        }
        let path = self.path_string(extra);
        let message = clip(&message, MAX_MESSAGE).into_owned();
        self.diags.push(Diagnostic { severity, path, offset: Some(offset), position: None, message });
    }

    /// An error about the current element (or `extra`, a child or `@attribute` of it).
    pub(crate) fn error(&mut self, offset: u64, extra: Option<&str>, message: impl Into<String>) {
        self.push(Severity::Error, offset, extra, message.into());
    }

    /// Something the schema forbids but real LAS systems send: an error in strict mode, a
    /// warning in lenient mode.
    pub(crate) fn deviation(&mut self, offset: u64, extra: Option<&str>, message: impl Into<String>) {
        let sev = if self.lenient() { Severity::Warning } else { Severity::Error };
        self.push(sev, offset, extra, message.into());
    }

    /// An error that makes the document not well-formed, where reading can go on.
    fn not_well_formed(&mut self, offset: u64, extra: Option<&str>, message: impl Into<String>) {
        self.broken = true;
        self.push(Severity::Error, offset, extra, message.into());
    }

    /// Stops reading: the input is not well-formed or exceeds a limit. The reason is kept
    /// even past the cap on findings, as the last one.
    fn fatal(&mut self, offset: u64, message: impl Into<String>) -> Fatal {
        self.broken = true;
        if self.diags.len() >= MAX_DIAGNOSTICS {
            self.diags.pop();
            self.suppressed += 1;
        }
        self.push(Severity::Error, offset, None, message.into());
        Fatal
    }

    fn xml_error(&mut self, e: quick_xml::Error) -> Fatal {
        let off = self.xml.error_position();
        self.fatal(off, format!("malformed XML: {e}"))
    }

    /// Numbers the current element among its siblings (1-based), for paths like `leerling[3]`.
    pub(crate) fn set_index(&mut self, index: usize) {
        if let Some(top) = self.path.last_mut() {
            top.index = u32::try_from(index).unwrap_or(u32::MAX);
        }
    }

    // ---- events ------------------------------------------------------------------

    /// Next event that matters; `at` says where it starts and, for a start tag, `at_ns` and
    /// `at_name` its namespace and local name. Comments and processing instructions are
    /// passed over; DOCTYPE stops the read (no DTDs, no entities).
    fn next(&mut self) -> R<Event<'i>> {
        loop {
            let before = self.xml.buffer_position();
            let ev = match self.xml.read_event() {
                Ok(ev) => ev,
                Err(e) => return Err(self.xml_error(e)),
            };
            // The reader skipped any white space before the event; report where it starts.
            let offset = self.skip_space(before);
            self.at = offset;
            match ev {
                Event::Start(ref s) | Event::Empty(ref s) => {
                    let (ns, name) = self.element_name(offset, s)?;
                    self.at_ns = ns;
                    self.at_name = name;
                    return Ok(ev);
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
                ev => return Ok(ev),
            }
        }
    }

    fn skip_space(&self, from: u64) -> u64 {
        let rest = self.input.as_bytes().get(from as usize..).unwrap_or_default();
        from + rest.iter().take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')).count() as u64
    }

    /// The namespace and local name of the start tag at `offset`. A tag that declares
    /// namespaces opens a scope first, so that it can use them itself.
    fn element_name(&mut self, offset: u64, s: &BytesStart<'_>) -> R<(Ns, &'i str)> {
        // The qualified name, borrowed from the input (the tag starts with '<' at `offset`).
        let from = offset as usize + 1;
        let qname = self.input.get(from..from + s.name().0.len()).unwrap_or("?");
        let (prefix, local) = match qname.bytes().position(|b| b == b':') {
            Some(i) => (&qname[..i], &qname[i + 1..]),
            None => ("", qname),
        };
        let attributes = s.attributes_raw();
        if !attributes.trim_ascii_start().is_empty() {
            self.check_attributes(offset, s)?;
        }
        if declares_namespace(attributes.as_bytes()) {
            let depth = u16::try_from(self.path.len()).unwrap_or(u16::MAX);
            self.resolver.set_level(depth);
            if let Err(e) = self.resolver.push(s) {
                return Err(self.fatal(offset, format!("malformed XML: {e}")));
            }
            self.scope_opened = true;
            self.last_ns = None;
        }
        if let Some((p, ns)) = self.last_ns {
            if same(p, prefix) {
                return Ok((ns, local));
            }
        }
        let ns = match self.resolver.resolve_element(QName(qname)).0 {
            ResolveResult::Bound(n) => Ns::from_uri(n.0),
            ResolveResult::Unbound => Ns::None,
            ResolveResult::Unknown(_) => {
                // Not namespace-well-formed; reading goes on so that every finding is listed.
                self.not_well_formed(
                    offset,
                    None,
                    format!("the prefix '{}' is not declared", clip(prefix, MAX_QUOTED)),
                );
                Ns::Other
            }
        };
        self.last_ns = Some((prefix, ns));
        Ok((ns, local))
    }

    fn enter(&mut self, offset: u64, ns: Ns, name: &'i str, start: BytesStart<'i>, empty: bool) -> R<Elem<'i>> {
        let scoped = std::mem::take(&mut self.scope_opened);
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
        self.path.push(Seg { name, index: 0, scoped });
        let content = self.xml.buffer_position() as usize;
        Ok(Elem { name, ns, start, empty, offset, content })
    }

    /// Checks the attributes of every start tag, skipped ones and namespace declarations
    /// included, before anything else reads them: well-formed (no repeated name), at most
    /// `max_attributes` of them (which also bounds the namespaces in scope, and so each
    /// lookup), no value longer than `max_attribute_len`. Only tags with attributes pay.
    fn check_attributes(&mut self, offset: u64, start: &BytesStart<'_>) -> R<()> {
        let lim = self.opts.limits;
        for (count, a) in start.attributes().enumerate() {
            let a = match a {
                Ok(a) => a,
                Err(err) => return Err(self.fatal(offset, format!("malformed attribute: {err}"))),
            };
            if count >= lim.max_attributes {
                return Err(self.fatal(offset, format!("more than {} attributes", lim.max_attributes)));
            }
            let v = a.value.as_ref();
            if v.len() > lim.max_attribute_len && v.chars().count() > lim.max_attribute_len {
                let key = clip(a.key.0, MAX_QUOTED);
                let max = lim.max_attribute_len;
                return Err(self.fatal(offset, format!("attribute '{key}' is longer than {max} characters")));
            }
        }
        Ok(())
    }

    /// The document element, after the prolog.
    pub(crate) fn root(&mut self) -> R<Elem<'i>> {
        loop {
            let ev = self.next()?;
            let (offset, ns, name) = (self.at, self.at_ns, self.at_name);
            match ev {
                Event::Start(s) => return self.enter(offset, ns, name, s, false),
                Event::Empty(s) => return self.enter(offset, ns, name, s, true),
                Event::Text(t) if is_blank(&t) => continue,
                Event::Eof => return Err(self.fatal(offset, "the document is empty: expected a UWLR message element")),
                _ => return Err(self.fatal(offset, "content before the document element")),
            }
        }
    }

    /// After the document element: only comments and white space may follow.
    pub(crate) fn finish(&mut self) -> R<()> {
        loop {
            let ev = self.next()?;
            let offset = self.at;
            match ev {
                Event::Eof => return Ok(()),
                Event::Text(t) if is_blank(&t) => continue,
                _ => return Err(self.fatal(offset, "content after the document element")),
            }
        }
    }

    /// The next child element of `parent`, or `None` at its end tag. Stray text between
    /// child elements is reported and passed over.
    pub(crate) fn child(&mut self, parent: &Elem<'i>) -> R<Option<Elem<'i>>> {
        self.next_child(parent, false)
    }

    /// `child`, with text between children reported unless `text_allowed` (when skipping
    /// unknown content).
    fn next_child(&mut self, parent: &Elem<'i>, text_allowed: bool) -> R<Option<Elem<'i>>> {
        if parent.empty {
            self.pop();
            return Ok(None);
        }
        loop {
            let ev = self.next()?;
            let (offset, ns, name) = (self.at, self.at_ns, self.at_name);
            match ev {
                Event::Start(s) => return self.enter(offset, ns, name, s, false).map(Some),
                Event::Empty(s) => return self.enter(offset, ns, name, s, true).map(Some),
                Event::End(_) => {
                    self.pop();
                    return Ok(None);
                }
                Event::Text(t) if is_blank(&t) => continue,
                // Skipped content is not read, but a reference no DTD declares makes it
                // not well-formed all the same.
                Event::GeneralRef(r) if resolve_ref(&r).is_none() => {
                    self.not_well_formed(
                        offset,
                        None,
                        format!("undefined entity or character reference '&{};'", clip(&r, MAX_QUOTED)),
                    );
                }
                Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) if !text_allowed => {
                    self.error(
                        offset,
                        None,
                        format!("<{}> holds elements only; text is not allowed here", clip(parent.name, MAX_QUOTED)),
                    );
                }
                Event::Eof => {
                    let name = clip(parent.name, MAX_QUOTED);
                    return Err(self.fatal(offset, format!("unexpected end of document inside <{name}>")));
                }
                _ => {}
            }
        }
    }

    /// The text content of a simple element, with entity and character references resolved.
    pub(crate) fn text(&mut self, e: Elem<'i>) -> R<Cow<'i, str>> {
        if e.empty {
            self.pop();
            return Ok(Cow::Borrowed(""));
        }
        loop {
            let ev = self.next()?;
            let (offset, ns, name) = (self.at, self.at_ns, self.at_name);
            match ev {
                Event::End(_) => {
                    // Read before `pop`, so that findings in the text name this element.
                    let text = self.content(&e, offset as usize, false)?;
                    self.pop();
                    let max = self.opts.limits.max_text_len;
                    if text.len() > max && text.chars().count() > max {
                        // A limit, like the size of the document: reading stops.
                        return Err(self.fatal(e.offset, format!("text longer than {max} characters")));
                    }
                    return Ok(text);
                }
                Event::Start(s) => {
                    let intruder = self.enter(offset, ns, name, s, false)?;
                    let name = clip(e.name, MAX_QUOTED);
                    self.error(offset, None, format!("<{name}> holds text only; no element is allowed inside it"));
                    self.skip(intruder)?;
                }
                Event::Empty(s) => {
                    let intruder = self.enter(offset, ns, name, s, true)?;
                    let name = clip(e.name, MAX_QUOTED);
                    self.error(offset, None, format!("<{name}> holds text only; no element is allowed inside it"));
                    self.skip(intruder)?;
                }
                Event::Eof => return Err(self.fatal(offset, format!("unexpected end of document inside <{}>", e.name))),
                _ => {}
            }
        }
    }

    /// All text inside an element and its descendants (for SOAP `detail`).
    pub(crate) fn deep_text(&mut self, e: Elem<'i>) -> R<String> {
        if e.empty {
            self.pop();
            return Ok(String::new());
        }
        let mut depth = 0usize;
        loop {
            let ev = self.next()?;
            let (offset, ns, name) = (self.at, self.at_ns, self.at_name);
            match ev {
                Event::Start(st) => {
                    self.enter(offset, ns, name, st, false)?;
                    depth += 1;
                }
                Event::Empty(st) => {
                    self.enter(offset, ns, name, st, true)?;
                    self.pop();
                }
                Event::End(_) => {
                    if depth == 0 {
                        let text = self.content(&e, offset as usize, true)?.into_owned();
                        self.pop();
                        if text.len() > self.opts.limits.max_text_len {
                            let max = self.opts.limits.max_text_len;
                            return Err(self.fatal(offset, format!("text longer than {max} characters")));
                        }
                        return Ok(text);
                    }
                    self.pop();
                    depth -= 1;
                }
                Event::Eof => return Err(self.fatal(offset, format!("unexpected end of document inside <{}>", e.name))),
                _ => {}
            }
        }
    }

    /// The character data of `e`, whose end tag starts at `end`: its own text only, or with
    /// `nested` that of its descendants too. Plain content (no markup, no references, no
    /// carriage returns: nearly every value) is borrowed from the input as it stands, white
    /// space included; anything else is read again from the raw content, untrimmed.
    fn content(&mut self, e: &Elem<'i>, end: usize, nested: bool) -> R<Cow<'i, str>> {
        let input = self.input;
        let raw = input.get(e.content..end).unwrap_or_default();
        if !raw.bytes().any(|b| matches!(b, b'<' | b'&' | b'\r')) {
            return Ok(Cow::Borrowed(raw));
        }
        let mut sub = Reader::from_str(raw);
        sub.config_mut().check_end_names = false;
        let (mut s, mut depth) = (String::new(), 0usize);
        loop {
            let at = (e.content as u64) + sub.buffer_position();
            let ev = match sub.read_event() {
                Ok(ev) => ev,
                Err(err) => return Err(self.fatal(at, format!("malformed XML: {err}"))),
            };
            let here = depth == 0 || nested;
            match ev {
                Event::Eof => return Ok(Cow::Owned(s)),
                Event::Start(_) => depth += 1,
                Event::End(_) => depth = depth.saturating_sub(1),
                Event::Text(t) if here => s.push_str(&t.xml10_content()),
                Event::CData(c) if here => s.push_str(&c.xml10_content()),
                Event::GeneralRef(r) if here => match resolve_ref(&r) {
                    Some(c) => s.push(c),
                    // Not well-formed XML (no DTD declares it), though reading can go on to
                    // list the other findings.
                    None => self.not_well_formed(
                        at,
                        None,
                        format!(
                            "undefined entity '&{};': only the five XML entities and character references are allowed",
                            &*r
                        ),
                    ),
                },
                _ => {}
            }
        }
    }

    /// Passes over an element and everything in it.
    pub(crate) fn skip(&mut self, e: Elem<'i>) -> R<()> {
        while let Some(c) = self.next_child(&e, true)? {
            self.skip(c)?;
        }
        Ok(())
    }

    // ---- attributes --------------------------------------------------------------

    /// The unqualified attributes named in `names`, in that order. Any other attribute is
    /// reported (namespace declarations and `xsi:` attributes excepted).
    pub(crate) fn attrs<const N: usize>(&mut self, e: &Elem<'i>, names: [&str; N]) -> R<[Option<String>; N]> {
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
            if let Some(colon) = key.bytes().position(|b| b == b':') {
                let prefix = &key[..colon];
                let (res, _) = self.resolver.resolve_attribute(a.key);
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
                            self.not_well_formed(
                                e.offset,
                                Some(&format!("@{key}")),
                                format!("bad attribute value: {err}"),
                            );
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

    /// The value of the attribute `local` in namespace `ns` on `e` (such as
    /// `soap:mustUnderstand`), normalised; `None` when absent or unreadable.
    pub(crate) fn attr_ns(&mut self, e: &Elem<'i>, ns: &str, local: &str) -> Option<String> {
        for a in e.start.attributes().flatten() {
            let (res, l) = self.resolver.resolve_attribute(a.key);
            if matches!(&res, ResolveResult::Bound(n) if n.0 == ns) && l.as_ref() == local {
                return a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(|v| v.trim().to_string());
            }
        }
        None
    }

    /// The `xsi:type` on `e`, with the namespace its prefix resolves to.
    pub(crate) fn xsi_type(&mut self, e: &Elem<'i>) -> Option<super::XsiType> {
        for a in e.start.attributes().flatten() {
            let (res, local) = self.resolver.resolve_attribute(a.key);
            if matches!(&res, ResolveResult::Bound(n) if n.0 == XSI_NS) && local.as_ref() == "type" {
                let name = a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok()?.trim().to_string();
                // A QName value resolves like an element name: prefix, else the default namespace.
                // The resolver keeps declarations as written, so unescape them here.
                let namespace = match self.resolver.resolve_element(quick_xml::name::QName(name.as_str())).0 {
                    ResolveResult::Bound(n) => quick_xml::escape::unescape(n.0).ok().map(|c| c.into_owned()),
                    _ => None,
                };
                return Some(super::XsiType { name, namespace });
            }
        }
        None
    }
}

/// Whether a start tag's attributes may hold a namespace declaration (a value that merely
/// mentions "xmlns" costs one needless scope).
fn declares_namespace(attrs: &[u8]) -> bool {
    !attrs.is_empty() && memchr::memmem::find(attrs, b"xmlns").is_some()
}

/// String equality for the short names of a tag, without a call into `memcmp`: the hot path
/// compares an empty prefix with an empty prefix.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

fn is_blank(t: &quick_xml::events::BytesText<'_>) -> bool {
    t.as_ref().bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

/// The five predefined entities and character references; anything else is undefined
/// because we never read a DTD.
fn resolve_ref(r: &quick_xml::events::BytesRef<'_>) -> Option<char> {
    if r.is_char_ref() {
        return r.resolve_char_ref().ok().flatten().filter(|&c| super::facet::is_xml_char(c));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The text of every child of the document element, as `text` reads it.
    fn texts(xml: &str) -> (Vec<String>, Vec<String>) {
        let mut r = XmlReader::new(xml, DecodeOptions::strict());
        let root = r.root().unwrap();
        let mut out = Vec::new();
        while let Some(c) = r.child(&root).unwrap() {
            out.push(r.text(c).unwrap().into_owned());
        }
        r.finish().unwrap();
        (out, r.diags.iter().map(|d| format!("{}: {}", d.path, d.message)).collect())
    }

    #[test]
    fn values_keep_their_white_space_and_resolve_references() {
        let (t, diags) = texts(
            "<r>\n  <a> x </a>\n  <b> x &amp; y </b>\n  <c>a<!-- c -->b</c>\n  <d><![CDATA[<&>]]> z</d>\n  \
             <e>line\r\nnext\rlast</e>\n  <f>   </f>\n  <g/>\n  <h>&#x41;&lt;</h>\n</r>",
        );
        assert_eq!(t, [" x ", " x & y ", "ab", "<&> z", "line\nnext\nlast", "   ", "", "A<"]);
        assert!(diags.is_empty(), "{diags:?}");
    }

    #[test]
    fn an_undefined_entity_and_an_element_inside_a_value_are_reported_on_that_value() {
        let (t, diags) = texts("<r><a>x &nope; y</a><b>1<i>2</i>3</b></r>");
        assert_eq!(t, ["x  y", "13"]);
        assert_eq!(
            diags,
            [
                "/r/a: undefined entity '&nope;': only the five XML entities and character references are allowed",
                "/r/b/i: <b> holds text only; no element is allowed inside it",
            ]
        );
    }

    /// Names of the children of the document element with the namespace each resolved to.
    fn namespaces(xml: &str) -> Vec<(String, Ns)> {
        let mut r = XmlReader::new(xml, DecodeOptions::strict());
        let root = r.root().unwrap();
        let mut out = vec![(root.name.to_string(), root.ns)];
        while let Some(c) = r.child(&root).unwrap() {
            out.push((c.name.to_string(), c.ns));
            r.skip(c).unwrap();
        }
        out
    }

    #[test]
    fn a_declaration_holds_for_its_element_and_its_content_only() {
        let soap = super::super::SOAP_ENV_NS;
        let xml = format!(
            "<s:Envelope xmlns:s='{soap}'><x:a xmlns:x='{soap}'/><x:b/><c/><d xmlns='{soap}'><e/></d><f/></s:Envelope>"
        );
        assert_eq!(
            namespaces(&xml),
            [
                ("Envelope".into(), Ns::Soap),
                ("a".into(), Ns::Soap),
                ("b".into(), Ns::Other), // x is out of scope again
                ("c".into(), Ns::None),
                ("d".into(), Ns::Soap),
                ("f".into(), Ns::None), // the default namespace of <d> ended with it
            ]
        );
    }

    #[test]
    fn a_repeated_attribute_is_malformed() {
        for n in [1, 9] {
            let others: String = (0..n).map(|i| format!(" a{i}='x'")).collect();
            let xml = format!("<r><g{others} key='1' key='2'/></r>");
            let mut r = XmlReader::new(&xml, DecodeOptions::strict());
            let root = r.root().unwrap();
            // Found as the start tag is read, before anyone asks for its attributes.
            assert!(r.child(&root).is_err(), "{xml}");
            assert!(r.broken);
            let last = r.diags.last().unwrap();
            assert!(last.message.contains("duplicated attribute"), "{xml}: {last:?}");
        }
        // Values with references or white space to normalise still go through quick-xml.
        let mut r = XmlReader::new("<r><g key='a&amp;b\tc' eckid='plain'/></r>", DecodeOptions::strict());
        let root = r.root().unwrap();
        let g = r.child(&root).unwrap().unwrap();
        let [key, eckid] = r.attrs(&g, ["key", "eckid"]).unwrap();
        assert_eq!((key.as_deref(), eckid.as_deref()), (Some("a&b c"), Some("plain")));
    }

    #[test]
    fn positions_point_at_the_markup_not_at_the_white_space_before_it() {
        let mut r = XmlReader::new("<r>\n   <a>1</a>\n   \n  text\n</r>", DecodeOptions::strict());
        let root = r.root().unwrap();
        let a = r.child(&root).unwrap().unwrap();
        assert_eq!(a.offset, 7);
        r.text(a).unwrap();
        assert!(r.child(&root).unwrap().is_none());
        let stray = &r.diags[0];
        assert_eq!(stray.offset, Some(22), "{stray:?}"); // the t of "text"
    }
}
