//! Entry points: decode any UWLR message (bare, or in a SOAP 1.1 envelope with the
//! `autorisatie` header) and encode one. Dispatch on the element, never on SOAPAction.

use super::autorisatie::{self, Autorisatie};
use super::fault::{Fault, FaultCode};
use super::field::{text, unexpected, Order, S64};
use super::leerlinggegevens::read as ll;
use super::leerlinggegevens::write as llw;
use super::leerresultaten::{read as lr, write as lrw, LeerresultatenBevestiging};
use super::values::SchoolId;
use super::{Body, Kind};
use crate::xml::diag::{clip, resolve_positions, Diagnostic, Severity, MAX_DIAGNOSTICS, MAX_QUOTED};
use crate::xml::reader::{Elem, Fatal, XmlReader, R};
use crate::xml::writer::XmlWriter;
use crate::xml::{DecodeOptions, Ns, SOAP_ENV_NS};
use std::io::{self, Write};

/// A decoded message with what lenient mode let through.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// The `autorisatie` header, if the message came in an envelope that had one.
    pub header: Option<Autorisatie>,
    pub body: Body,
    pub enveloped: bool,
    pub warnings: Vec<Diagnostic>,
}

/// The message could not be accepted. `diagnostics` holds every error found (and any
/// warnings), each with path and position.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", summary(.diagnostics))]
pub struct DecodeError {
    pub diagnostics: Vec<Diagnostic>,
    /// What could be learned before or despite the errors; a server needs it to answer
    /// with the fault the check order of UWLR.md §2 prescribes.
    pub partial: Box<Partial>,
}

/// The parts of a refused message that were read before reading stopped.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Partial {
    /// Reading stopped early (malformed XML, an exceeded limit, or a body that is no UWLR
    /// message): the document is not known to be well-formed.
    pub stopped: bool,
    /// The input is not well-formed XML (or not UTF-8) or exceeds a limit: reading stopped,
    /// or went on only to list more findings (an undefined entity, an undeclared prefix).
    pub malformed: bool,
    /// The document element is an `Envelope` in another namespace than SOAP 1.1's (a SOAP
    /// 1.2 envelope, say): SOAP 1.1 answers that with `VersionMismatch`.
    pub version_mismatch: bool,
    /// A header block we do not know that demands to be understood
    /// (`soap:mustUnderstand="1"`): its name, for SOAP 1.1's `MustUnderstand` fault.
    pub not_understood: Option<String>,
    pub enveloped: bool,
    /// A soap:Header element was present.
    pub header_present: bool,
    /// The `autorisatie` header, if it was present and valid.
    pub header: Option<Autorisatie>,
    /// The kind of message in the body, if the element was recognised.
    pub kind: Option<Kind>,
    /// The school a results message names, if its school block was read.
    pub school: Option<SchoolId>,
}

impl DecodeError {
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    /// Whether any error is about the `autorisatie` header (or the header is missing from
    /// an envelope): such a message is refused with `Client.AutorisatieOngeldig` before its
    /// body is judged. Only a document read to its end (so known to be well-formed) gets a
    /// verdict on its header: one that broke off, in the header or elsewhere, is not valid.
    pub fn header_invalid(&self) -> bool {
        let p = &self.partial;
        !p.stopped
            && !p.malformed
            && p.enveloped
            && (p.header.is_none() || self.errors().any(|d| d.path.starts_with("/Envelope/Header")))
    }

    /// Whether the only trouble with the message is its `xsdversie` (missing or malformed):
    /// UWLR answers that with its own code, `Client.XsdVersieOngeldig`.
    pub fn xsdversie_invalid(&self) -> bool {
        let about = |d: &Diagnostic| d.path.ends_with("/xsdversie") || d.message.contains("required <xsdversie>");
        self.errors().next().is_some() && self.errors().all(about)
    }
}

fn summary(d: &[Diagnostic]) -> String {
    let errors: Vec<&Diagnostic> = d.iter().filter(|d| d.is_error()).collect();
    match errors.first() {
        Some(first) if errors.len() == 1 => first.to_string(),
        Some(first) => format!("{first} (and {} more errors)", errors.len() - 1),
        None => "invalid message".into(),
    }
}

/// Reads one UWLR message. Errors are collected over the whole message where reading can
/// go on; malformed XML and exceeded limits stop at once.
pub fn decode(input: &[u8], opts: &DecodeOptions) -> Result<Decoded, DecodeError> {
    let text = match std::str::from_utf8(input) {
        Ok(t) => t,
        Err(e) => {
            let mut diagnostics = vec![Diagnostic {
                severity: Severity::Error,
                path: "/".into(),
                offset: Some(e.valid_up_to() as u64),
                position: None,
                message: "the message is not valid UTF-8 (UWLR messages are UTF-8)".into(),
            }];
            resolve_positions(input, &mut diagnostics);
            return Err(DecodeError {
                diagnostics,
                partial: Box::new(Partial { stopped: true, malformed: true, ..Default::default() }),
            });
        }
    };
    // A byte order mark is skipped here, not by quick-xml: quick-xml skips it without
    // counting it in its positions, which would put every offset three bytes early. Offsets
    // are reported into the input as given; lines and columns as an editor shows them.
    let bom = if text.starts_with('\u{FEFF}') { '\u{FEFF}'.len_utf8() } else { 0 };
    let (input, text) = (&input[bom..], &text[bom..]);
    let mut r = XmlReader::new(text, *opts);
    let mut partial = Partial::default();
    let result = if input.len() > opts.limits.max_bytes {
        r.error(0, None, format!("the message is {} bytes; the limit is {}", input.len(), opts.limits.max_bytes));
        r.broken = true;
        Err(Fatal)
    } else if let Some((at, c)) = first_non_xml_char(input) {
        r.error(at as u64, None, format!("the character U+{c:04X} is not allowed in an XML document"));
        r.broken = true;
        Err(Fatal)
    } else {
        read_document(&mut r, &mut partial)
    };
    partial.malformed = r.broken;
    let mut diags = std::mem::take(&mut r.diags);
    // Rules checked over whole lists report after the fact: present findings in document order.
    diags.sort_by_key(|d| d.offset);
    resolve_positions(input, &mut diags);
    for offset in diags.iter_mut().filter_map(|d| d.offset.as_mut()) {
        *offset += bom as u64;
    }
    if r.suppressed > 0 {
        let kept_errors = diags.iter().filter(|d| d.is_error()).count();
        let severity = if r.errors > kept_errors { Severity::Error } else { Severity::Warning };
        diags.push(Diagnostic {
            severity,
            path: "/".into(),
            offset: None,
            position: None,
            message: format!("and {} more findings (only the first {MAX_DIAGNOSTICS} are listed)", r.suppressed),
        });
    }
    match result {
        Ok((header, body, enveloped)) if r.errors == 0 => Ok(Decoded { header, body, enveloped, warnings: diags }),
        Ok(_) => Err(DecodeError { diagnostics: diags, partial: Box::new(partial) }),
        Err(Fatal) => {
            partial.stopped = true;
            Err(DecodeError { diagnostics: diags, partial: Box::new(partial) })
        }
    }
}

/// The SOAP 1.1 actor that means "whoever receives this next": us.
const SOAP_NEXT_ACTOR: &str = "http://schemas.xmlsoap.org/soap/actor/next";

/// The first character XML 1.0 does not allow anywhere in a document (control characters
/// other than tab, line feed and carriage return; U+FFFE and U+FFFF), with its offset. One
/// pass over the bytes before reading; quick-xml does not check characters.
fn first_non_xml_char(input: &[u8]) -> Option<(usize, u32)> {
    let mut from = 0;
    while let Some(i) =
        input[from..].iter().position(|&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0xEF)
    {
        let at = from + i;
        match input[at..] {
            [0xEF, 0xBF, b @ (0xBE | 0xBF), ..] => return Some((at, 0xFFC0 | u32::from(b & 0x3F))),
            [0xEF, ..] => from = at + 1,
            [b, ..] => return Some((at, u32::from(b))),
            [] => return None,
        }
    }
    None
}

type Document = (Option<Autorisatie>, Body, bool);

fn read_document<'i>(r: &mut XmlReader<'i>, partial: &mut Partial) -> R<Document> {
    let root = r.root()?;
    let doc = if root.name == "Envelope" && root.ns != Ns::Soap {
        // Read to the end all the same: a document that is not well-formed is refused as
        // such before its version is judged.
        partial.version_mismatch = true;
        r.error(root.offset, None, "the envelope is not a SOAP 1.1 envelope (its namespace is not http://schemas.xmlsoap.org/soap/envelope/); UWLR uses SOAP 1.1");
        r.skip(root)?;
        r.finish()?;
        return Err(Fatal);
    } else if root.ns == Ns::Soap && root.name == "Envelope" {
        partial.enveloped = true;
        let (h, b) = envelope(r, root, partial)?;
        (h, b, true)
    } else {
        partial.kind = kind_of(&root);
        (None, body(r, root, partial)?, false)
    };
    r.finish()?;
    Ok(doc)
}

fn envelope<'i>(r: &mut XmlReader<'i>, root: Elem<'i>, partial: &mut Partial) -> R<(Option<Autorisatie>, Body)> {
    let mut header = None;
    let mut content = None;
    let mut ord = Order::new();
    while let Some(c) = r.child(&root)? {
        match (c.ns, c.name) {
            (Ns::Soap, "Header") => {
                ord.at(r, &c, "Header", 0, false);
                partial.header_present = true;
                let errors_before = r.errors;
                header = header_blocks(r, c, partial)?;
                if r.errors == errors_before {
                    partial.header.clone_from(&header);
                }
            }
            (Ns::Soap, "Body") => {
                ord.at(r, &c, "Body", 1, false);
                let b = c;
                while let Some(m) = r.child(&b)? {
                    if content.is_some() {
                        r.error(m.offset, None, "the SOAP Body holds more than one message");
                        r.skip(m)?;
                    } else {
                        partial.kind = kind_of(&m);
                        content = Some(body(r, m, partial)?);
                    }
                }
            }
            _ => unexpected(r, c, "Envelope", "soap:Header and soap:Body")?,
        }
    }
    match content {
        Some(b) => Ok((header, b)),
        None => {
            r.error_after(&root, "the SOAP envelope has no message in its Body");
            Err(Fatal)
        }
    }
}

fn header_blocks<'i>(r: &mut XmlReader<'i>, h: Elem<'i>, partial: &mut Partial) -> R<Option<Autorisatie>> {
    let mut found = None;
    while let Some(c) = r.child(&h)? {
        if c.ns == Ns::Autorisatie && c.name == "autorisatie" {
            if found.is_some() {
                r.error(c.offset, None, "more than one autorisatie header");
            }
            found = Some(read_autorisatie(r, c)?);
        } else {
            // Other header blocks are not ours; SOAP 1.1 (§4.2.3) lets us ignore them unless
            // they demand to be understood by us (no actor, or the "next" actor), which we
            // cannot honour: the server answers that with a MustUnderstand fault.
            let must = r.attr_ns(&c, SOAP_ENV_NS, "mustUnderstand").is_some_and(|v| v == "1" || v == "true");
            let for_us = r.attr_ns(&c, SOAP_ENV_NS, "actor").is_none_or(|a| a == SOAP_NEXT_ACTOR);
            if must && for_us && partial.not_understood.is_none() {
                partial.not_understood = Some(clip(c.name, MAX_QUOTED).into_owned());
                r.error(
                    c.offset,
                    None,
                    format!(
                        "the header block <{}> must be understood and is not part of UWLR",
                        clip(c.name, MAX_QUOTED)
                    ),
                );
            }
            r.skip(c)?;
        }
    }
    Ok(found)
}

fn read_autorisatie<'i>(r: &mut XmlReader<'i>, e: Elem<'i>) -> R<Autorisatie> {
    let mut ord = Order::new();
    let (mut sleutel, mut code, mut naam) = (None, None, None);
    while let Some(c) = r.child(&e)? {
        match (c.ns == Ns::Autorisatie, c.name) {
            (true, "autorisatiesleutel") => {
                ord.at(r, &c, "autorisatiesleutel", 0, false);
                sleutel = text(r, c, S64)?;
            }
            (true, "klantcode") => {
                ord.at(r, &c, "klantcode", 1, false);
                code = text(r, c, S64)?;
            }
            (true, "klantnaam") => {
                ord.at(r, &c, "klantnaam", 2, false);
                naam = text(r, c, S64)?;
            }
            _ => unexpected(r, c, "autorisatie", "autorisatiesleutel, klantcode, klantnaam")?,
        }
    }
    ord.require(r, &e, 0, "<autorisatiesleutel>");
    ord.require(r, &e, 1, "<klantcode>");
    ord.require(r, &e, 2, "<klantnaam>");
    Ok(Autorisatie {
        autorisatiesleutel: sleutel.unwrap_or_default(),
        klantcode: code.unwrap_or_default(),
        klantnaam: naam.unwrap_or_default(),
    })
}

/// The kind of message an element is, by namespace and name. The capitalised getrapt
/// names of the profile XSDs are accepted too (they contradict the WSDL).
fn kind_of(e: &Elem<'_>) -> Option<Kind> {
    let k = match (e.ns, e.name) {
        (Ns::Leerlinggegevens, "leerlinggegevens_verzoek") => Kind::LeerlinggegevensVerzoek,
        (Ns::Leerlinggegevens, "leerlinggegevens_antwoord") => Kind::LeerlinggegevensAntwoord,
        (Ns::Leerlinggegevens, "structuur_verzoek" | "Structuur_verzoek") => Kind::StructuurVerzoek,
        (Ns::Leerlinggegevens, "structuur_antwoord" | "Structuur_antwoord") => Kind::StructuurAntwoord,
        (Ns::Leerlinggegevens, "leerlingen_verzoek" | "Leerlingen_verzoek") => Kind::LeerlingenVerzoek,
        (Ns::Leerlinggegevens, "leerlingen_antwoord" | "Leerlingen_antwoord") => Kind::LeerlingenAntwoord,
        (Ns::Leerlinggegevens, "leerkrachten_verzoek" | "Leerkrachten_verzoek") => Kind::LeerkrachtenVerzoek,
        (Ns::Leerlinggegevens, "leerkrachten_antwoord" | "Leerkrachten_antwoord") => Kind::LeerkrachtenAntwoord,
        (Ns::Leerresultaten, "leerresultaten_verzoek") => Kind::LeerresultatenVerzoek,
        (Ns::Leerresultaten, "leerresultaten_bevestiging") => Kind::LeerresultatenBevestiging,
        (Ns::Soap, "Fault") => Kind::Fault,
        _ => return None,
    };
    Some(k)
}

fn body<'i>(r: &mut XmlReader<'i>, e: Elem<'i>, partial: &mut Partial) -> R<Body> {
    let Some(kind) = kind_of(&e) else {
        let ns = match e.ns {
            Ns::None => "no namespace".to_string(),
            Ns::Other => "an unknown namespace".to_string(),
            n => n.uri().to_string(),
        };
        r.error(
            e.offset,
            None,
            format!(
                "<{}> in {ns} is not a UWLR message; expected one of the UWLR 2.3 message elements in their namespaces",
                e.name
            ),
        );
        return Err(Fatal);
    };
    if e.name.starts_with(|c: char| c.is_ascii_uppercase()) && kind != Kind::Fault {
        r.deviation(
            e.offset,
            None,
            format!("<{}> is spelled as in the profile XSDs; the WSDL spells it <{}>", e.name, kind.element()),
        );
    }
    use ll::{antwoord, groepen_verzoek, verzoek};
    Ok(match kind {
        Kind::LeerlinggegevensVerzoek => Body::LeerlinggegevensVerzoek(verzoek(r, e)?),
        Kind::StructuurVerzoek => Body::StructuurVerzoek(verzoek(r, e)?),
        Kind::LeerlingenVerzoek => Body::LeerlingenVerzoek(groepen_verzoek(r, e)?),
        Kind::LeerkrachtenVerzoek => Body::LeerkrachtenVerzoek(groepen_verzoek(r, e)?),
        Kind::LeerlinggegevensAntwoord => {
            Body::LeerlinggegevensAntwoord(antwoord(r, e, "leerlinggegevens", ll::leerlinggegevens)?)
        }
        Kind::StructuurAntwoord => {
            Body::StructuurAntwoord(antwoord(r, e, "leerlinggegevens-structuur", ll::structuur)?)
        }
        Kind::LeerlingenAntwoord => {
            Body::LeerlingenAntwoord(antwoord(r, e, "leerlinggegevens-leerlingen", ll::leerlingen_wrapper)?)
        }
        Kind::LeerkrachtenAntwoord => {
            Body::LeerkrachtenAntwoord(antwoord(r, e, "leerlinggegevens-leerkrachten", ll::leerkrachten_wrapper)?)
        }
        Kind::LeerresultatenVerzoek => Body::LeerresultatenVerzoek(lr::verzoek(r, e, &mut partial.school)?),
        Kind::LeerresultatenBevestiging => {
            ll::empty(r, e)?;
            Body::LeerresultatenBevestiging(LeerresultatenBevestiging)
        }
        Kind::Fault => Body::Fault(fault(r, e)?),
    })
}

fn fault<'i>(r: &mut XmlReader<'i>, e: Elem<'i>) -> R<Fault> {
    let mut ord = Order::new();
    let (mut code, mut message, mut actor, mut detail) = (None, None, None, None);
    while let Some(c) = r.child(&e)? {
        // SOAP 1.1 fault children are unqualified; some stacks qualify them anyway.
        match c.name {
            "faultcode" => {
                ord.at(r, &c, "faultcode", 0, false);
                code = Some(r.text(c)?.trim().to_string());
            }
            "faultstring" => {
                ord.at(r, &c, "faultstring", 1, false);
                message = Some(r.text(c)?.into_owned());
            }
            "faultactor" => {
                ord.at(r, &c, "faultactor", 2, false);
                actor = Some(r.text(c)?.into_owned());
            }
            "detail" => {
                ord.at(r, &c, "detail", 3, false);
                let t = r.deep_text(c)?;
                detail = (!t.trim().is_empty()).then(|| t.trim().to_string());
            }
            _ => unexpected(r, c, "Fault", "faultcode, faultstring, faultactor, detail")?,
        }
    }
    ord.require(r, &e, 0, "<faultcode>");
    ord.require(r, &e, 1, "<faultstring>");
    let raw_code = code.unwrap_or_default();
    Ok(Fault {
        code: FaultCode::from_wire(&raw_code),
        raw_code: raw_code.rsplit(':').next().unwrap_or_default().to_string(),
        message: message.unwrap_or_default(),
        actor,
        detail,
    })
}

/// How to write a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodeOptions {
    /// Wrap in a SOAP 1.1 envelope (implied when a header is given).
    pub envelope: bool,
    /// Two-space indentation; off gives the most compact form.
    pub indent: bool,
    /// Start with `<?xml version="1.0" encoding="UTF-8"?>`.
    pub declaration: bool,
}

impl Default for EncodeOptions {
    fn default() -> Self {
        EncodeOptions { envelope: false, indent: true, declaration: true }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error("the message breaks the schema: {}", summary(.0))]
    Invalid(Vec<Diagnostic>),
    #[error("writing failed: {0}")]
    Io(#[from] io::Error),
}

/// Encodes into a fresh buffer; nothing is returned unless the message is valid.
pub fn encode_to_vec(body: &Body, header: Option<&Autorisatie>, opts: &EncodeOptions) -> Result<Vec<u8>, EncodeError> {
    encode(body, header, opts, Vec::with_capacity(4096))
}

/// Encodes and writes to an async writer (a socket, a file). The bytes are produced by the
/// same streaming writer into a buffer first and written only once the whole message is
/// known to be valid, so an invalid message never leaves half-sent.
pub async fn encode_async<W: tokio::io::AsyncWrite + Unpin>(
    body: &Body,
    header: Option<&Autorisatie>,
    opts: &EncodeOptions,
    out: &mut W,
) -> Result<(), EncodeError> {
    use tokio::io::AsyncWriteExt;
    let bytes = encode_to_vec(body, header, opts)?;
    out.write_all(&bytes).await?;
    out.flush().await?;
    Ok(())
}

/// Streams the message into `out`. On `Err(Invalid)` what was written must be discarded
/// (the buffer is flushed in 64 KiB pieces, so a prefix may already be in `out`).
pub fn encode<W: Write>(
    body: &Body,
    header: Option<&Autorisatie>,
    opts: &EncodeOptions,
    out: W,
) -> Result<W, EncodeError> {
    let mut w = XmlWriter::new(out, opts.indent);
    if opts.declaration {
        w.declaration();
    }
    let enveloped = opts.envelope || header.is_some();
    if enveloped {
        w.start("soap:Envelope", &[("xmlns:soap", SOAP_ENV_NS)]);
        if let Some(h) = header {
            w.start("soap:Header", &[]);
            w.start("autorisatie", &[("xmlns", autorisatie::NS)]);
            w.field("autorisatiesleutel", &h.autorisatiesleutel, S64);
            w.field("klantcode", &h.klantcode, S64);
            w.field("klantnaam", &h.klantnaam, S64);
            w.end()?;
            w.end()?;
        }
        w.start("soap:Body", &[]);
    }
    write_body(&mut w, body, enveloped)?;
    if enveloped {
        w.end()?;
        w.end()?;
    }
    if !w.problems.is_empty() {
        return Err(EncodeError::Invalid(std::mem::take(&mut w.problems)));
    }
    Ok(w.finish()?)
}

fn write_body<T: Write>(w: &mut XmlWriter<T>, body: &Body, enveloped: bool) -> io::Result<()> {
    let ll_ns: &[(&str, &str)] = &[("xmlns", super::leerlinggegevens::NS)];
    let name = body.kind().element();
    match body {
        Body::LeerlinggegevensVerzoek(v) | Body::StructuurVerzoek(v) => llw::verzoek(w, name, v, None, ll_ns),
        Body::LeerlingenVerzoek(v) | Body::LeerkrachtenVerzoek(v) => {
            llw::verzoek(w, name, &v.verzoek, Some(&v.groepen), ll_ns)
        }
        Body::LeerlinggegevensAntwoord(a) => llw::antwoord(w, name, a, ll_ns, llw::leerlinggegevens),
        Body::StructuurAntwoord(a) => llw::antwoord(w, name, a, ll_ns, llw::structuur),
        Body::LeerlingenAntwoord(a) => llw::antwoord(w, name, a, ll_ns, llw::leerlingen),
        Body::LeerkrachtenAntwoord(a) => llw::antwoord(w, name, a, ll_ns, llw::leerkrachten),
        Body::LeerresultatenVerzoek(v) => lrw::verzoek(w, v),
        Body::LeerresultatenBevestiging(_) => {
            w.empty(name, &[("xmlns", super::leerresultaten::NS)]);
            Ok(())
        }
        Body::Fault(f) => {
            // A fault is only meaningful inside a SOAP envelope; bare, it carries its own
            // namespace declaration.
            w.start("soap:Fault", if enveloped { &[] } else { &[("xmlns:soap", SOAP_ENV_NS)] });
            let code = format!("soap:{}", f.raw_code);
            w.leaf("faultcode", &code);
            w.leaf("faultstring", &f.message);
            w.opt("faultactor", f.actor.as_deref());
            if let Some(d) = &f.detail {
                w.leaf("detail", d);
            }
            w.end()
        }
    }
}
