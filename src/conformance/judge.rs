//! Reading an answer and judging it: strict first, lenient second (what only lenient
//! mode accepts is a warning with every deviation's position), faults by the local part
//! of `faultcode`. Every verdict names what was seen.

use super::probe::{body_start, Exchange, ProbeError};
use super::report::Verdict;
use super::requests::Expected;
use crate::message::fault::{Fault, FaultCode};
use crate::message::leerlinggegevens::{Antwoord, Leerlinggegevens};
use crate::message::Body;
use crate::{decode, DecodeOptions};

/// An answer that decoded, strictly or leniently.
pub(crate) struct Read<'a> {
    pub ex: &'a Exchange,
    pub body: Body,
    /// The strict-mode errors lenient mode let through, each with line:column and path.
    pub deviations: Vec<String>,
}

/// Most findings listed per check.
const MAX_DETAILS: usize = 200;

/// Decodes an answer; a verdict `fail` when there is none or it is not UWLR at all.
pub(crate) fn read(r: &Result<Exchange, ProbeError>) -> Result<Read<'_>, Verdict> {
    let ex = r.as_ref().map_err(|e| Verdict::fail(e.to_string()).fix(e.fix()))?;
    if ex.body.is_empty() {
        return Err(Verdict::fail(format!("HTTP {} with an empty body; expected a SOAP 1.1 envelope", ex.status))
            .fix("Always answer with a SOAP envelope: the answer, or a SOAP fault with a UWLR fault code"));
    }
    match decode(&ex.body, &DecodeOptions::strict()) {
        Ok(d) => Ok(Read { ex, body: d.body, deviations: Vec::new() }),
        Err(strict) => match decode(&ex.body, &DecodeOptions::lenient()) {
            Ok(d) => Ok(Read {
                ex,
                body: d.body,
                deviations: strict.errors().take(MAX_DETAILS).map(|d| d.to_string()).collect(),
            }),
            Err(e) => {
                let errors: Vec<String> = e.errors().take(MAX_DETAILS).map(|d| d.to_string()).collect();
                let first = errors.first().cloned().unwrap_or_else(|| e.to_string());
                let what = if e.partial.stopped { "not well-formed UWLR XML" } else { "not valid UWLR" };
                let mut details = errors;
                details.push(format!("the answer starts: {}", body_start(&ex.body)));
                Err(Verdict::fail(format!("HTTP {}: the answer is {what}: {first}", ex.status)).details(details))
            }
        },
    }
}

/// `Client.X ('faultstring')`, the faultstring shortened.
pub(crate) fn fault_text(f: &Fault) -> String {
    let msg: String = f.message.chars().take(160).collect();
    let more = if f.message.chars().count() > 160 { "..." } else { "" };
    format!("{} ('{msg}{more}')", f.raw_code)
}

/// What a caller should look at when the LAS answers a request that should have worked
/// with this fault.
pub(crate) fn fix_for_fault(code: Option<FaultCode>) -> &'static str {
    match code {
        Some(FaultCode::AutorisatieOngeldig) => {
            "The LAS refused the key: is --key the key the school issued for this location and this klant?"
        }
        Some(FaultCode::OngeldigeKlantIdentificatie) => {
            "Are --klantcode and --klantnaam the pair the LAS vendor issued? (The LAS also uses this code when the \
             school's data is unusable, UWLR.md §2 step 4)"
        }
        Some(FaultCode::XsdVersieOngeldig) => "The LAS refuses this xsdversie; see version.2.3 and version.2.2",
        Some(FaultCode::OngeldigBericht) => {
            "The LAS finds this request invalid, yet it decodes strictly with the UWLR schema: the faultstring \
             says what it objects to; compare with UWLR.md §3"
        }
        Some(FaultCode::TijdelijkNietBeschikbaar) => {
            "The LAS says it is temporarily unavailable: run again later (a LAS should say so only during \
             maintenance or overload)"
        }
        Some(FaultCode::InterneFout) => "The LAS failed to build its answer (UWLR.md §2 step 5): its logs say why",
        Some(FaultCode::VocabulaireTermOngeldig) => {
            "The LAS does not know a term the message uses: tests declared in <toetsen> must be accepted or the \
             vocabulary agreed"
        }
        _ => "The faultstring says what the LAS objects to",
    }
}

/// The answer must be a SOAP fault with `expected`.
pub(crate) fn expect_fault(r: &Result<Exchange, ProbeError>, expected: Expected) -> Verdict {
    let read = match read(r) {
        Ok(x) => x,
        Err(v) => return v,
    };
    let status = read.ex.status;
    match &read.body {
        Body::Fault(f) if expected.matches(f) => {
            let mut buts = Vec::new();
            if status != 500 {
                buts.push(format!("HTTP {status} (SOAP 1.1 over HTTP sends a fault with 500)"));
            }
            if !read.deviations.is_empty() {
                buts.push("the fault breaks the SOAP schema; lenient mode reads it".to_string());
            }
            if buts.is_empty() {
                Verdict::pass(format!("{}, HTTP 500", fault_text(f)))
            } else {
                Verdict::warn(format!("{}; but {}", fault_text(f), buts.join("; ")))
                    .fix("Send faults as a SOAP 1.1 soap:Fault (faultcode, faultstring) with HTTP status 500")
                    .details(read.deviations)
            }
        }
        Body::Fault(f) => {
            let why = match (f.code, expected) {
                (Some(_), _) | (None, Expected::Soap(_)) => {
                    format!("answered {}; expected {}", fault_text(f), expected.as_str())
                }
                (None, Expected::Uwlr(_)) => format!(
                    "answered faultcode '{}' ('{}'), which is not a UWLR fault code; expected {}",
                    f.raw_code,
                    f.message.chars().take(160).collect::<String>(),
                    expected.as_str()
                ),
            };
            Verdict::fail(why)
        }
        Body::LeerlinggegevensAntwoord(Antwoord::Gegevens(d)) => {
            let mut why = format!(
                "HTTP {status}: answered with pupil data ({} pupils) instead of the fault {}",
                d.leerlingen.len(),
                expected.as_str()
            );
            if expected == Expected::Uwlr(FaultCode::AutorisatieOngeldig) {
                why.push_str(": the key opened data it was not issued for");
            }
            Verdict::fail(why)
        }
        other => Verdict::fail(format!(
            "HTTP {status}: answered <{}> instead of the fault {}",
            other.kind().element(),
            expected.as_str()
        )),
    }
}

/// Was this exchange answered with a fault with this code?
pub(crate) fn is_fault(r: &Result<Exchange, ProbeError>, code: FaultCode) -> bool {
    r.as_ref()
        .ok()
        .and_then(|ex| decode(&ex.body, &DecodeOptions::lenient()).ok())
        .is_some_and(|d| matches!(d.body, Body::Fault(ref f) if f.code == Some(code)))
}

/// A pupil-data answer with data, or a verdict saying what came instead. `deviations`
/// are passed on so the caller can warn.
pub(crate) fn expect_gegevens(r: &Result<Exchange, ProbeError>) -> Result<(Leerlinggegevens, Read<'_>), Verdict> {
    let read = read(r)?;
    let status = read.ex.status;
    match &read.body {
        Body::LeerlinggegevensAntwoord(Antwoord::Gegevens(d)) => Ok((d.clone(), read)),
        Body::LeerlinggegevensAntwoord(Antwoord::GeenWijzigingen) => Err(Verdict::fail(format!(
            "HTTP {status}: answered geenwijzigingen to a request without laatstontvangengegevens; without it the \
             LAS must send everything"
        ))
        .fix("Answer geenwijzigingen only when laatstontvangengegevens is given and nothing changed since")),
        Body::LeerlinggegevensAntwoord(Antwoord::GeenGegevens) => Err(Verdict::fail(format!(
            "HTTP {status}: answered geengegevens: the LAS has no data for this school and schooljaar"
        ))
        .fix("Check --schooljaar and the school (--brin/--dependance or --schoolkey); the suite needs a school with pupils")),
        Body::Fault(f) => {
            Err(Verdict::fail(format!("HTTP {status}: answered the fault {}", fault_text(f))).fix(fix_for_fault(f.code)))
        }
        other => Err(Verdict::fail(format!(
            "HTTP {status}: answered <{}>; expected <leerlinggegevens_antwoord>",
            other.kind().element()
        ))),
    }
}

/// Pass, or warn when the answer needed lenient mode or came with a status other than 200.
pub(crate) fn pass_or_warn(read: &Read<'_>, what: String) -> Verdict {
    if !read.deviations.is_empty() {
        return Verdict::warn(format!(
            "{what}; but the answer breaks the schema in {} place(s) that lenient mode accepts",
            read.deviations.len()
        ))
        .details(read.deviations.clone());
    }
    if read.ex.status != 200 {
        return Verdict::warn(format!("{what}; but with HTTP {} (expected 200)", read.ex.status))
            .fix("Send answers with HTTP 200");
    }
    Verdict::pass(what)
}
