//! One SOAP request in, one SOAP answer out. First SOAP's own checks, on a document read to
//! its end: not well-formed (or over a limit) is `Client.OngeldigBericht` whatever part
//! broke, a SOAP 1.2 envelope SOAP 1.1's `VersionMismatch`, an unknown header block with
//! `mustUnderstand="1"` `MustUnderstand`. Then the checks in the order of UWLR.md §2:
//! (0) header present and complete, (1) body valid (xsdversie has its own code, and so
//! has a results toetscode that no `<toets>` declares: `Client.VocabulaireTermOngeldig`),
//! (2) klant known, (3) key valid for this school, (4) the provider's data, (5) building
//! the answer. Transport-free, so that every fault can be tested without a socket.

use super::provider::{Injected, LasProvider};
use crate::message::fault::{Fault, FaultCode};
use crate::message::leerlinggegevens::{Antwoord, Leerlinggegevens, LeerlinggegevensAntwoord, Verzoek};
use crate::message::leerresultaten::LeerresultatenBevestiging;
use crate::message::values::SchoolId;
use crate::message::{Autorisatie, Body, DecodeError, Decoded, EncodeOptions, Kind};
use crate::xml::diag::clip;
use crate::xml::{DecodeOptions, Diagnostic};

/// An answer ready for the wire: a SOAP envelope and the HTTP status it goes with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoapResponse {
    /// 200 for an answer, 500 for a fault (SOAP 1.1 over HTTP).
    pub status: u16,
    pub body: Vec<u8>,
    /// The fault code, when the answer is a fault (for logs and metrics; never the key).
    pub fault: Option<FaultCode>,
    /// The request's kind, when its body could be read (for metrics).
    pub operation: Option<Kind>,
    /// The school location the request names, when it could be read (for the served
    /// journal, [`super::capture`]).
    pub school: Option<SchoolId>,
    /// The fault as sent: its code (`Client.AutorisatieOngeldig`, or SOAP's own
    /// `VersionMismatch`) and its text (for the served journal; the key may be in it).
    pub fault_sent: Option<(String, String)>,
}

/// How strictly requests are read, and how much of a refused message the fault tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DispatchOptions {
    pub decode: DecodeOptions,
}

/// What the HTTP layer must do with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Respond(SoapResponse),
    /// Close the connection without an answer (fault injection), with what the request
    /// was (for the served journal).
    Drop {
        operation: Option<Kind>,
        school: Option<SchoolId>,
    },
}

/// Handles one request body, honouring the provider's `intercept` hook. Never panics on
/// input; every refusal is a UWLR fault.
pub async fn handle_with_injection<P: LasProvider>(provider: &P, request: &[u8], opts: &DispatchOptions) -> Outcome {
    let decoded = match decode(request, &opts.decode).await {
        Ok(d) => d,
        Err(f) => return Outcome::Respond(fault_response(&f)),
    };
    let operation = decoded.as_ref().ok().map(|d| d.body.kind());
    let school = school_of(&decoded);
    // A body that cannot be read is not intercepted: it gets its OngeldigBericht as usual.
    if let Some(kind) = operation {
        let answer = match provider.intercept(kind).await {
            None => None,
            Some(Injected::Delay(d)) => {
                tokio::time::sleep(d).await;
                None
            }
            Some(Injected::DropConnection) => return Outcome::Drop { operation, school },
            Some(Injected::Status(status)) => Some(plain(status, Vec::new())),
            Some(Injected::RawBody { status, body }) => Some(plain(status, body)),
            Some(Injected::Fault(f)) => Some(fault_response(&f)),
        };
        if let Some(answer) = answer {
            return Outcome::Respond(SoapResponse { operation, school, ..answer });
        }
    }
    Outcome::Respond(SoapResponse { operation, school, ..respond(answer(provider, decoded).await) })
}

/// Handles one request body. Never panics on input; every refusal is a UWLR fault.
pub async fn handle<P: LasProvider>(provider: &P, request: &[u8], opts: &DispatchOptions) -> SoapResponse {
    match decode(request, &opts.decode).await {
        Ok(decoded) => {
            let operation = decoded.as_ref().ok().map(|d| d.body.kind());
            let school = school_of(&decoded);
            SoapResponse { operation, school, ..respond(answer(provider, decoded).await) }
        }
        Err(f) => fault_response(&f),
    }
}

/// Bodies larger than this are decoded on tokio's blocking pool, so that a few large
/// requests cannot hold up the async workers every other caller waits on. Smaller ones
/// (nearly every request: a verzoek is a few KiB) are decoded in place, which is cheaper
/// than the hand-over.
pub const BLOCKING_DECODE_BYTES: usize = 64 << 10;

/// Decodes a request body, off the async workers when it is large. `Err` only when the
/// decoding task failed (it does not panic on input, the fuzz targets hold it to that;
/// should it all the same, the caller gets an internal fault and the server goes on).
async fn decode(request: &[u8], opts: &DecodeOptions) -> Result<Result<Decoded, DecodeError>, Fault> {
    if request.len() <= BLOCKING_DECODE_BYTES {
        return Ok(crate::message::decode(request, opts));
    }
    let (owned, opts) = (request.to_vec(), *opts);
    tokio::task::spawn_blocking(move || crate::message::decode(&owned, &opts)).await.map_err(|e| {
        tracing::error!(error = %e, "decoding a request failed");
        Fault::standard(FaultCode::InterneFout)
    })
}

fn respond(result: Result<Body, Fault>) -> SoapResponse {
    match result {
        Ok(body) => {
            match crate::message::encode_to_vec(&body, None, &EncodeOptions { envelope: true, ..Default::default() }) {
                Ok(bytes) => plain(200, bytes),
                Err(e) => {
                    // Step 5: the provider handed us data that breaks the schema.
                    tracing::error!(error = %e, "the provider's answer is not valid UWLR");
                    fault_response(&Fault::new(FaultCode::InterneFout, FaultCode::InterneFout.default_message()))
                }
            }
        }
        Err(f) => fault_response(&f),
    }
}

/// An answer that is no fault, before the request's kind and school are added.
fn plain(status: u16, body: Vec<u8>) -> SoapResponse {
    SoapResponse { status, body, fault: None, operation: None, school: None, fault_sent: None }
}

/// The school location a request names: from the decoded request, or what reading got to
/// before it stopped.
fn school_of(decoded: &Result<Decoded, DecodeError>) -> Option<SchoolId> {
    match decoded {
        Ok(d) => match &d.body {
            Body::LeerlinggegevensVerzoek(v) | Body::StructuurVerzoek(v) => Some(v.school.clone()),
            Body::LeerlingenVerzoek(v) | Body::LeerkrachtenVerzoek(v) => Some(v.verzoek.school.clone()),
            Body::LeerresultatenVerzoek(v) => Some(v.school.id.clone()),
            _ => None,
        },
        Err(e) => e.partial.school.clone(),
    }
}

/// Encodes a fault in an envelope with HTTP status 500.
pub fn fault_response(f: &Fault) -> SoapResponse {
    let envelope = EncodeOptions { envelope: true, ..Default::default() };
    let (body, sent) = match crate::message::encode_to_vec(&Body::Fault(f.clone()), None, &envelope) {
        Ok(body) => (body, f.clone()),
        Err(_) => {
            // A fault text with characters XML cannot carry: fall back to the standard text.
            let plain = Fault::standard(f.code.unwrap_or(FaultCode::InterneFout));
            let body = crate::message::encode_to_vec(&Body::Fault(plain.clone()), None, &envelope)
                .expect("a standard fault always encodes");
            (body, plain)
        }
    };
    SoapResponse {
        status: 500,
        body,
        fault: f.code,
        operation: None,
        school: None,
        fault_sent: Some((sent.raw_code, sent.message)),
    }
}

async fn answer<P: LasProvider>(p: &P, decoded: Result<Decoded, DecodeError>) -> Result<Body, Fault> {
    let msg = match decoded {
        Ok(m) => m,
        Err(e) => {
            // An undeclared toetscode is a vocabulary fault, judged after klant and key like
            // every data fault (steps 2 and 3 first), so that it tells nothing to a caller
            // without a valid key.
            if only_undeclared_toetscodes(&e) {
                if let (Some(auth), Some(school)) = (&e.partial.header, &e.partial.school) {
                    klant_and_key(p, auth, school).await?;
                }
            }
            return Err(refusal(&e));
        }
    };
    // Step 0: a UWLR request comes in an envelope with a complete autorisatie header.
    if !msg.enveloped {
        return Err(Fault::new(
            FaultCode::OngeldigBericht,
            "Inhoud van het bericht is ongeldig: expected a SOAP 1.1 Envelope",
        ));
    }
    let Some(auth) = msg.header else {
        return Err(Fault::new(
            FaultCode::AutorisatieOngeldig,
            "Autorisatie is ongeldig: the autorisatie header is missing",
        ));
    };
    match msg.body {
        Body::LeerlinggegevensVerzoek(v) => {
            let school = checks(p, &auth, &v).await?;
            let a = p.leerlinggegevens(&v).await?;
            Ok(Body::LeerlinggegevensAntwoord(shape_for(&v.xsdversie, a, &school)))
        }
        Body::StructuurVerzoek(v) => {
            checks(p, &auth, &v).await?;
            Ok(Body::StructuurAntwoord(p.structuur(&v).await?))
        }
        Body::LeerlingenVerzoek(v) => {
            checks(p, &auth, &v.verzoek).await?;
            Ok(Body::LeerlingenAntwoord(p.leerlingen(&v).await?))
        }
        Body::LeerkrachtenVerzoek(v) => {
            checks(p, &auth, &v.verzoek).await?;
            Ok(Body::LeerkrachtenAntwoord(p.leerkrachten(&v).await?))
        }
        Body::LeerresultatenVerzoek(v) => {
            version(p, &v.school.xsdversie)?;
            klant_and_key(p, &auth, &v.school.id).await?;
            p.leerresultaten(&auth, &v).await?;
            Ok(Body::LeerresultatenBevestiging(LeerresultatenBevestiging))
        }
        other => Err(Fault::new(
            FaultCode::OngeldigBericht,
            format!(
                "Inhoud van het bericht is ongeldig: <{}> is not a request this service answers",
                other.kind().element()
            ),
        )),
    }
}

/// Steps 1 (xsdversie), 2 and 3 for a pupil-data request.
async fn checks<P: LasProvider>(p: &P, auth: &Autorisatie, v: &Verzoek) -> Result<SchoolId, Fault> {
    version(p, &v.xsdversie)?;
    klant_and_key(p, auth, &v.school).await?;
    Ok(v.school.clone())
}

fn version<P: LasProvider>(p: &P, xsdversie: &str) -> Result<(), Fault> {
    if p.xsd_versies().contains(&xsdversie) {
        Ok(())
    } else {
        Err(Fault::new(
            FaultCode::XsdVersieOngeldig,
            format!("De opgegeven XSD-versie is onjuist: '{xsdversie}'; supported: {}", p.xsd_versies().join(", ")),
        ))
    }
}

async fn klant_and_key<P: LasProvider>(p: &P, auth: &Autorisatie, school: &SchoolId) -> Result<(), Fault> {
    if !p.klant(&auth.klantcode, &auth.klantnaam).await {
        return Err(Fault::standard(FaultCode::OngeldigeKlantIdentificatie));
    }
    if !p.autoriseer(auth, school).await {
        // Same words whether the key is unknown or meant for another school: the answer
        // must not tell a caller which keys exist.
        return Err(Fault::standard(FaultCode::AutorisatieOngeldig));
    }
    Ok(())
}

/// The fault for a message that could not be read, by the check order: header problems
/// first, then an unsupported or missing xsdversie, then results whose only fault is a
/// toetscode no `<toets>` declares (an unknown vocabulary term, not a malformed message),
/// then anything else in the body.
fn refusal(e: &DecodeError) -> Fault {
    let p = &e.partial;
    // SOAP's own checks come before UWLR's, and only on a document known to be well-formed.
    if p.version_mismatch && !p.malformed {
        return soap_fault(
            "VersionMismatch",
            "the request is not a SOAP 1.1 envelope (namespace http://schemas.xmlsoap.org/soap/envelope/); UWLR \
             uses SOAP 1.1",
        );
    }
    if let (Some(name), false) = (&p.not_understood, p.stopped || p.malformed) {
        return soap_fault(
            "MustUnderstand",
            format!("the header block <{name}> has soap:mustUnderstand=\"1\" and is not understood by this service"),
        );
    }
    let (code, what) = if e.header_invalid() {
        (FaultCode::AutorisatieOngeldig, "the autorisatie header is missing or incomplete")
    } else if e.xsdversie_invalid() && !e.partial.stopped {
        (FaultCode::XsdVersieOngeldig, "xsdversie")
    } else if only_undeclared_toetscodes(e) {
        (FaultCode::VocabulaireTermOngeldig, "toetscode")
    } else {
        (FaultCode::OngeldigBericht, "")
    };
    let errors: Vec<&Diagnostic> = e.errors().collect();
    let first = errors.first().map(|d| clip(&d.to_string(), MAX_FAULT_LINE).into_owned()).unwrap_or_default();
    let message = match code {
        FaultCode::AutorisatieOngeldig => format!("{}: {what}", code.default_message()),
        _ => format!("{}: {first}", code.default_message()),
    };
    let mut f = Fault::new(code, message);
    if code != FaultCode::AutorisatieOngeldig && errors.len() > 1 {
        // Every finding, one per line, so a LAS vendor fixes them in one round.
        let list: Vec<String> =
            errors.iter().take(50).map(|d| clip(&d.to_string(), MAX_FAULT_LINE).into_owned()).collect();
        f.detail = Some(list.join("\n"));
    }
    f
}

/// Most characters of one finding in a fault: the faultstring and every line of `detail`
/// (at most 50), so a fault stays small whatever the request held.
const MAX_FAULT_LINE: usize = 500;

/// A SOAP 1.1 fault of SOAP's own (`VersionMismatch`, `MustUnderstand`), not a UWLR code.
pub(crate) fn soap_fault(code: &str, message: impl Into<String>) -> Fault {
    Fault { code: None, raw_code: code.into(), message: message.into(), actor: None, detail: None }
}

/// Whether every error is a results toetscode that names no declared `<toets>` (the
/// keyref rule of `message::leerresultaten::rules`), and reading did not stop early.
fn only_undeclared_toetscodes(e: &DecodeError) -> bool {
    use crate::message::leerresultaten::rules::UNDECLARED_TOETSCODE;
    !e.partial.stopped
        && e.errors().next().is_some()
        && e.errors().all(|d| d.message.starts_with("toetscode '") && d.message.ends_with(UNDECLARED_TOETSCODE))
}

/// A 2.2 caller gets the 2.2 shape: every pupil must carry a LAS key there, so pupils
/// known only by ECK iD are left out (and logged, as a count).
fn shape_for(xsdversie: &str, a: LeerlinggegevensAntwoord, school: &SchoolId) -> LeerlinggegevensAntwoord {
    if xsdversie != "2.2" {
        return a;
    }
    match a {
        Antwoord::Gegevens(mut d) => {
            let before = d.leerlingen.len();
            d.leerlingen.retain(|l| l.key.is_some());
            let dropped = before - d.leerlingen.len();
            if dropped > 0 {
                tracing::warn!(dropped, school = ?school, "pupils without a LAS key left out of a 2.2 answer");
            }
            d.school.xsdversie = Some("2.2".into());
            if d.leerlingen.is_empty() {
                Antwoord::GeenGegevens
            } else {
                Antwoord::Gegevens(Leerlinggegevens { ..d })
            }
        }
        other => other,
    }
}
