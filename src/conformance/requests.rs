//! Every request the suite sends, as bytes. Pupil-data requests are written from a
//! template so that any field can be broken on purpose (a BRIN of three characters, a
//! header without klantnaam, a mismatched end tag); the valid ones decode strictly with
//! our own codec (tested below). Results messages go through our encoder.
//!
//! The same inputs give the same bytes: a test double can recognise a case by its bytes
//! ([`fault_cases`]), and a LAS vendor can replay exactly what the suite sent.

use super::check::CheckId;
use super::target::Target;
use crate::message::fault::FaultCode;
use crate::message::leerlinggegevens::{GroepSelectie, GroepSoort, Leerling, Leerlinggegevens, School};
use crate::message::leerresultaten::LeerresultatenVerzoek;
use crate::message::values::{Jaargroep, SchoolId, Vocab};
use crate::message::{Autorisatie, Body, EncodeOptions};
use crate::xml::escape;

pub(crate) const LL_NS: &str = crate::message::leerlinggegevens::NS;
const AUT_NS: &str = crate::message::autorisatie::NS;
const SOAP_NS: &str = crate::xml::SOAP_ENV_NS;

/// The SOAPAction of each operation, quoted as SOAP 1.1 says (UWLR.md §1).
pub(crate) const ACTION_HAAL: &str = "\"HaalLeerlinggegevens\"";
pub(crate) const ACTION_STRUCTUUR: &str =
    "\"http://www.edustandaard.nl/leerresultaten/2/leerlinggegevens/structuur_verzoek\"";
pub(crate) const ACTION_LEERLINGEN: &str =
    "\"http://www.edustandaard.nl/leerresultaten/2/leerlinggegevens/leerlingen_verzoek\"";
pub(crate) const ACTION_LEERKRACHTEN: &str =
    "\"http://www.edustandaard.nl/leerresultaten/2/leerlinggegevens/leerkrachten_verzoek\"";
pub(crate) const ACTION_BRENG: &str = "\"BrengLeerresultaten\"";

/// The values the suite puts in wrong on purpose (documented per check in
/// `docs/conformance.md`), so that a LAS vendor can find them in its logs.
pub const WRONG_KEY: &str = "uwlr-conformance-onbekende-sleutel";
pub const WRONG_KLANTCODE: &str = "UWLRCONF-ONBEKEND";
pub const WRONG_KLANTNAAM: &str = "UWLR conformance onbekend";
pub const UNKNOWN_SCHOOLKEY: &str = "uwlr-conformance-onbekende-school";
pub const UNKNOWN_PUPIL: &str = "UWLR-CONFORMANCE-ONBEKEND";
pub const BAD_BRIN: &str = "9DE";
pub const BAD_DEPENDANCE: &str = "0A";
pub const BAD_DATETIME: &str = "2025-13-45T25:61:00";
pub const BAD_XSDVERSIE: &str = "9.9";

/// Which service a request goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    Leerlinggegevens,
    Getrapt,
    Leerresultaten,
}

impl Service {
    /// The URL given for this service, if the target has one (before any WSDL was read:
    /// `Ctx::url` has the one the checks call).
    pub fn url(self, t: &Target) -> Option<&str> {
        match self {
            Service::Leerlinggegevens => Some(&t.endpoint),
            Service::Getrapt => Some(t.getrapt_endpoint.as_deref().unwrap_or(&t.endpoint)),
            Service::Leerresultaten => t.results_endpoint.as_deref(),
        }
    }
}

/// The `autorisatie` header as sent: a child `None` is left out, `Some("")` is empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Header {
    Absent,
    Present { sleutel: Option<String>, klantcode: Option<String>, klantnaam: Option<String> },
}

impl Header {
    pub(crate) fn of(a: &Autorisatie) -> Header {
        Header::Present {
            sleutel: Some(a.autorisatiesleutel.clone()),
            klantcode: Some(a.klantcode.clone()),
            klantnaam: Some(a.klantnaam.clone()),
        }
    }
}

/// How the request names the school, as text (so that it can be malformed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SchoolXml {
    Brin { brincode: String, dependancecode: Option<String> },
    Schoolkey(String),
}

impl From<&SchoolId> for SchoolXml {
    fn from(s: &SchoolId) -> Self {
        match s {
            SchoolId::Brin { brincode, dependancecode } => {
                SchoolXml::Brin { brincode: brincode.clone(), dependancecode: dependancecode.clone() }
            }
            SchoolId::Schoolkey(k) => SchoolXml::Schoolkey(k.clone()),
        }
    }
}

/// A pupil-data request (alles-in-een or getrapt) with every field as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verzoek {
    pub element: &'static str,
    pub schooljaar: String,
    pub school: SchoolXml,
    pub xsdversie: String,
    pub gegevenssetid: Option<String>,
    pub laatstontvangengegevens: Option<String>,
    pub groepen: Option<Vec<GroepSelectie>>,
}

impl Verzoek {
    /// The normal HaalLeerlinggegevens request of the target, in `xsdversie`.
    pub(crate) fn normal(t: &Target, xsdversie: &str) -> Verzoek {
        Verzoek {
            element: "leerlinggegevens_verzoek",
            schooljaar: t.schooljaar.to_string(),
            school: SchoolXml::from(&t.school),
            xsdversie: xsdversie.into(),
            gegevenssetid: t.gegevenssetid.clone(),
            laatstontvangengegevens: None,
            groepen: None,
        }
    }

    /// The whole envelope.
    pub(crate) fn bytes(&self, header: &Header) -> Vec<u8> {
        let mut b = String::with_capacity(1024);
        b.push_str(&format!("<{} xmlns=\"{LL_NS}\">", self.element));
        leaf(&mut b, "schooljaar", &self.schooljaar);
        match &self.school {
            SchoolXml::Brin { brincode, dependancecode } => {
                leaf(&mut b, "brincode", brincode);
                if let Some(d) = dependancecode {
                    leaf(&mut b, "dependancecode", d);
                }
            }
            SchoolXml::Schoolkey(k) => leaf(&mut b, "schoolkey", k),
        }
        leaf(&mut b, "xsdversie", &self.xsdversie);
        if let Some(g) = &self.gegevenssetid {
            leaf(&mut b, "gegevenssetid", g);
        }
        if let Some(l) = &self.laatstontvangengegevens {
            leaf(&mut b, "laatstontvangengegevens", l);
        }
        if let Some(groepen) = &self.groepen {
            b.push_str("<groepen>");
            for g in groepen {
                let name = match g.soort {
                    GroepSoort::Groep => "groep",
                    GroepSoort::SamengesteldeGroep => "samengestelde_groep",
                };
                match &g.key {
                    Some(k) => b.push_str(&format!("<{name} key=\"{}\"/>", escape(k, true))),
                    None => b.push_str(&format!("<{name}/>")),
                }
            }
            b.push_str("</groepen>");
        }
        b.push_str(&format!("</{}>", self.element));
        envelope(header, &b)
    }
}

fn leaf(b: &mut String, name: &str, value: &str) {
    b.push_str(&format!("<{name}>{}</{name}>", escape(value, false)));
}

/// A SOAP 1.1 envelope around `body` (already XML), with the header as given.
pub(crate) fn envelope(header: &Header, body: &str) -> Vec<u8> {
    let mut s = String::with_capacity(body.len() + 512);
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    s.push_str(&format!("<soap:Envelope xmlns:soap=\"{SOAP_NS}\">"));
    if let Header::Present { sleutel, klantcode, klantnaam } = header {
        s.push_str(&format!("<soap:Header><autorisatie xmlns=\"{AUT_NS}\">"));
        for (name, v) in [("autorisatiesleutel", sleutel), ("klantcode", klantcode), ("klantnaam", klantnaam)] {
            if let Some(v) = v {
                leaf(&mut s, name, v);
            }
        }
        s.push_str("</autorisatie></soap:Header>");
    }
    s.push_str("<soap:Body>");
    s.push_str(body);
    s.push_str("</soap:Body></soap:Envelope>");
    s.into_bytes()
}

/// The normal HaalLeerlinggegevens request of the target, as `data.strict` sends it: an
/// envelope with the header, no `laatstontvangengegevens`.
pub fn normal_request(t: &Target, xsdversie: &str) -> Vec<u8> {
    Verzoek::normal(t, xsdversie).bytes(&Header::of(&t.auth))
}

/// One request that must be answered with a fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRequest {
    pub check: CheckId,
    /// Which variant, when a check sends several (`klantnaam left out`).
    pub label: String,
    pub service: Service,
    pub soap_action: &'static str,
    pub body: Vec<u8>,
    pub expected: Expected,
}

/// The fault a case must get: a UWLR code, or one of SOAP 1.1's own (`VersionMismatch`,
/// `MustUnderstand`), which SOAP answers before any UWLR check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    Uwlr(FaultCode),
    Soap(&'static str),
}

impl Expected {
    /// The local part of the `faultcode`.
    pub fn as_str(self) -> &'static str {
        match self {
            Expected::Uwlr(c) => c.as_str(),
            Expected::Soap(c) => c,
        }
    }

    /// Whether `f` is this fault (by the local part of its code).
    pub fn matches(self, f: &crate::message::fault::Fault) -> bool {
        match self {
            Expected::Uwlr(c) => f.code == Some(c),
            Expected::Soap(c) => f.code.is_none() && f.raw_code == c,
        }
    }
}

impl From<FaultCode> for Expected {
    fn from(c: FaultCode) -> Self {
        Expected::Uwlr(c)
    }
}

/// SOAP 1.2's envelope namespace: `fault.soap-version` sends it.
const SOAP12_NS: &str = "http://www.w3.org/2003/05/soap-envelope";

/// Every request of the fault checks (`fault.*` and `results.unknown-pupil`) for this
/// target, with the code each must get. `xsdversie` is the version the run uses.
pub fn fault_cases(t: &Target, xsdversie: &str) -> Vec<CaseRequest> {
    use FaultCode::*;
    let n = Verzoek::normal(t, xsdversie);
    let ok = Header::of(&t.auth);
    let with = |f: &dyn Fn(&mut Autorisatie)| {
        let mut a = t.auth.clone();
        f(&mut a);
        Header::of(&a)
    };
    let wrong_key = with(&|a| a.autorisatiesleutel = WRONG_KEY.into());
    let wrong_klant = with(&|a| a.klantcode = WRONG_KLANTCODE.into());
    let school = |s: SchoolXml| Verzoek { school: s, ..n.clone() };
    let bad_brin = school(match &n.school {
        SchoolXml::Brin { dependancecode, .. } => {
            SchoolXml::Brin { brincode: BAD_BRIN.into(), dependancecode: dependancecode.clone() }
        }
        SchoolXml::Schoolkey(_) => SchoolXml::Brin { brincode: BAD_BRIN.into(), dependancecode: None },
    });
    let bad_xsd = Verzoek { xsdversie: BAD_XSDVERSIE.into(), ..n.clone() };

    let mut cases = Vec::new();
    let mut add = |check: CheckId, label: &str, body: Vec<u8>, expected: FaultCode| {
        cases.push(CaseRequest {
            check,
            label: label.into(),
            service: Service::Leerlinggegevens,
            soap_action: ACTION_HAAL,
            body,
            expected: expected.into(),
        })
    };
    let normal = String::from_utf8(n.bytes(&ok)).expect("UTF-8");
    let broken = normal.replacen("</schooljaar>", "</schooljaar_>", 1);
    add(CheckId::FaultMalformedXml, "mismatched end tag", broken.into_bytes(), OngeldigBericht);
    // Broken inside the header: the message is not well-formed, whatever part breaks, and
    // the key is never sent (cut off before it, or a mismatched tag after it is checked).
    let key_at = normal.find("<autorisatiesleutel>").expect("the header") + "<autorisatiesleutel>".len();
    add(CheckId::FaultMalformedHeader, "cut off in the header", normal.as_bytes()[..key_at].to_vec(), OngeldigBericht);
    let klantcode_broken = normal.replacen("</klantcode>", "</klantcode_>", 1);
    add(
        CheckId::FaultMalformedHeader,
        "mismatched end tag in the header",
        klantcode_broken.into_bytes(),
        OngeldigBericht,
    );
    add(CheckId::FaultHeaderMissing, "no soap:Header", n.bytes(&Header::Absent), AutorisatieOngeldig);
    let no_naam = match ok.clone() {
        Header::Present { sleutel, klantcode, .. } => Header::Present { sleutel, klantcode, klantnaam: None },
        h => h,
    };
    add(CheckId::FaultHeaderIncomplete, "klantnaam left out", n.bytes(&no_naam), AutorisatieOngeldig);
    add(
        CheckId::FaultHeaderIncomplete,
        "empty autorisatiesleutel",
        n.bytes(&with(&|a| a.autorisatiesleutel.clear())),
        AutorisatieOngeldig,
    );
    add(CheckId::FaultWrongKlantcode, "unknown klantcode", n.bytes(&wrong_klant), OngeldigeKlantIdentificatie);
    add(
        CheckId::FaultWrongKlantnaam,
        "unknown klantnaam",
        n.bytes(&with(&|a| a.klantnaam = WRONG_KLANTNAAM.into())),
        OngeldigeKlantIdentificatie,
    );
    add(CheckId::FaultWrongKey, "wrong key", n.bytes(&wrong_key), AutorisatieOngeldig);
    if let Some(other) = &t.other_school {
        if other != &t.school {
            add(
                CheckId::FaultOtherSchool,
                "other school",
                school(SchoolXml::from(other)).bytes(&ok),
                AutorisatieOngeldig,
            );
        }
    }
    if let SchoolXml::Brin { brincode, dependancecode } = &n.school {
        let other = if dependancecode.as_deref() == Some("01") { "02" } else { "01" };
        let v = school(SchoolXml::Brin { brincode: brincode.clone(), dependancecode: Some(other.into()) });
        add(CheckId::FaultOtherDependance, "other dependance", v.bytes(&ok), AutorisatieOngeldig);
    }
    add(
        CheckId::FaultUnknownSchoolkey,
        "unknown schoolkey",
        school(SchoolXml::Schoolkey(UNKNOWN_SCHOOLKEY.into())).bytes(&ok),
        AutorisatieOngeldig,
    );
    add(CheckId::FaultMalformedBrin, "brincode 9DE", bad_brin.bytes(&ok), OngeldigBericht);
    let brin = match &n.school {
        SchoolXml::Brin { brincode, .. } => brincode.clone(),
        SchoolXml::Schoolkey(_) => "99ZZ".into(),
    };
    let bad_dep = school(SchoolXml::Brin { brincode: brin, dependancecode: Some(BAD_DEPENDANCE.into()) });
    add(CheckId::FaultMalformedDependance, "dependancecode 0A", bad_dep.bytes(&ok), OngeldigBericht);
    let start = t.schooljaar.start();
    let bad_year = Verzoek { schooljaar: format!("{start}/{}", start + 1), ..n.clone() };
    add(CheckId::FaultMalformedSchooljaar, "schooljaar with a slash", bad_year.bytes(&ok), OngeldigBericht);
    let bad_time = Verzoek { laatstontvangengegevens: Some(BAD_DATETIME.into()), ..n.clone() };
    add(CheckId::FaultMalformedDatetime, "laatstontvangengegevens month 13", bad_time.bytes(&ok), OngeldigBericht);
    add(CheckId::FaultXsdversie, "xsdversie 9.9", bad_xsd.bytes(&ok), XsdVersieOngeldig);
    add(CheckId::FaultOrder, "no header + brincode 9DE", bad_brin.bytes(&Header::Absent), AutorisatieOngeldig);
    add(CheckId::FaultOrder, "brincode 9DE + unknown klantcode", bad_brin.bytes(&wrong_klant), OngeldigBericht);
    add(CheckId::FaultOrder, "xsdversie 9.9 + wrong key", bad_xsd.bytes(&wrong_key), XsdVersieOngeldig);
    let both = with(&|a| {
        a.klantcode = WRONG_KLANTCODE.into();
        a.autorisatiesleutel = WRONG_KEY.into();
    });
    add(CheckId::FaultOrder, "unknown klantcode + wrong key", n.bytes(&both), OngeldigeKlantIdentificatie);
    // SOAP's own faults, answered before any UWLR check.
    let soap12 = normal.replacen(SOAP_NS, SOAP12_NS, 1);
    let must = normal.replacen(
        "<soap:Header>",
        "<soap:Header><uwlrconf:Onbekend xmlns:uwlrconf=\"urn:uwlr-conformance\" soap:mustUnderstand=\"1\"/>",
        1,
    );
    for (check, label, body, code) in [
        (CheckId::FaultSoapVersion, "SOAP 1.2 envelope", soap12, "VersionMismatch"),
        (CheckId::FaultMustUnderstand, "unknown header block with mustUnderstand=\"1\"", must, "MustUnderstand"),
    ] {
        cases.push(CaseRequest {
            check,
            label: label.into(),
            service: Service::Leerlinggegevens,
            soap_action: ACTION_HAAL,
            body: body.into_bytes(),
            expected: Expected::Soap(code),
        });
    }
    if t.results_endpoint.is_some() {
        let pupil = Leerling { key: Some(UNKNOWN_PUPIL.into()), jaargroep: Some(Jaargroep::G5), ..Default::default() };
        if let Ok(body) = results_bytes(&results_for(t, xsdversie, &pupil), &t.auth) {
            cases.push(CaseRequest {
                check: CheckId::ResultsUnknownPupil,
                label: "unknown leerlingid".into(),
                service: Service::Leerresultaten,
                soap_action: ACTION_BRENG,
                body,
                expected: LeerlingOngeldig.into(),
            });
        }
    }
    cases
}

/// Results for one pupil: two sittings of one declared test (an OSO result and a raw
/// score), named by the pupil's LAS key and ECK iD, school and year of the target.
/// Toetscodes start with `UWLRCONF-` and result keys with `uwlr-conformance-`, so that
/// what the suite wrote is easy to find and remove at the LAS.
pub(crate) fn results_for(t: &Target, xsdversie: &str, pupil: &Leerling) -> LeerresultatenVerzoek {
    let one = Leerlinggegevens {
        school: School { schooljaar: t.schooljaar, ..School::default() },
        leerlingen: vec![pupil.clone()],
        ..Default::default()
    };
    let spec = crate::generate::ResultsSpec { seed: 1, per_pupil: 2, max_pupils: Some(1) };
    let mut r = crate::generate::results(&one, &spec);
    r.school.id = t.school.clone();
    r.school.schooljaar = t.schooljaar;
    r.school.xsdversie = xsdversie.into();
    r.school.aanmaakdatum = crate::clock::to_uwlr(t.clock.now().with_nanosecond_zero());
    r.school.auteur = Some("uwlr conformance".into());
    let rename = |code: &str| code.replacen("BOOM-", "UWLRCONF-", 1);
    for toets in &mut r.toetsen {
        toets.toetscode = Vocab { value: rename(&toets.toetscode.value), ..toets.toetscode.clone() };
    }
    for a in &mut r.toetsafnames {
        for res in &mut a.resultaten {
            res.toetscode = rename(&res.toetscode);
            res.key = format!("uwlr-conformance-{}", rename(&res.key));
        }
    }
    r
}

/// A results message in an envelope with the header.
pub(crate) fn results_bytes(
    r: &LeerresultatenVerzoek,
    auth: &Autorisatie,
) -> Result<Vec<u8>, crate::message::EncodeError> {
    crate::encode_to_vec(
        &Body::LeerresultatenVerzoek(r.clone()),
        Some(auth),
        &EncodeOptions { envelope: true, indent: false, declaration: true },
    )
}

trait WholeSeconds {
    fn with_nanosecond_zero(self) -> Self;
}

impl WholeSeconds for chrono::DateTime<chrono::Utc> {
    fn with_nanosecond_zero(self) -> Self {
        use chrono::Timelike;
        self.with_nanosecond(0).unwrap_or(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::values::Schooljaar;
    use crate::{decode, DecodeOptions};

    fn target() -> Target {
        let auth = Autorisatie { autorisatiesleutel: "k&<ey>".into(), klantcode: "C".into(), klantnaam: "N".into() };
        let school = SchoolId::Brin { brincode: "99DE".into(), dependancecode: Some("00".into()) };
        let mut t = Target::new("http://127.0.0.1:1/uwlr", auth, school, Schooljaar::new(2025).unwrap());
        t.results_endpoint = Some("http://127.0.0.1:1/uwlr/leerresultaten".into());
        t
    }

    #[test]
    fn the_template_writes_what_the_codec_reads_strictly() {
        let t = target();
        let mut v = Verzoek::normal(&t, "2.3");
        v.laatstontvangengegevens = Some("2025-10-01T08:00:00Z".into());
        v.gegevenssetid = Some("Smalle-set".into());
        let d = decode(&v.bytes(&Header::of(&t.auth)), &DecodeOptions::strict()).unwrap();
        assert_eq!(d.header.as_ref(), Some(&t.auth), "escaped key read back");
        match d.body {
            Body::LeerlinggegevensVerzoek(r) => {
                assert_eq!(r.school, t.school);
                assert_eq!(r.schooljaar, t.schooljaar);
                assert_eq!(r.gegevenssetid.as_deref(), Some("Smalle-set"));
            }
            other => panic!("{other:?}"),
        }
        v.element = "leerlingen_verzoek";
        v.groepen = Some(vec![
            GroepSelectie { soort: GroepSoort::Groep, key: Some("g1".into()) },
            GroepSelectie { soort: GroepSoort::Groep, key: None },
        ]);
        let d = decode(&v.bytes(&Header::of(&t.auth)), &DecodeOptions::strict()).unwrap();
        assert!(matches!(d.body, Body::LeerlingenVerzoek(ref g) if g.groepen.len() == 2));
    }

    #[test]
    fn every_case_is_what_it_claims() {
        let t = target();
        let cases = fault_cases(&t, "2.3");
        for c in &cases {
            let r = decode(&c.body, &DecodeOptions::strict());
            match c.check {
                // Broken in the body or header: our own server refuses them while reading.
                CheckId::FaultMalformedXml
                | CheckId::FaultHeaderIncomplete
                | CheckId::FaultMalformedBrin
                | CheckId::FaultMalformedDependance
                | CheckId::FaultMalformedSchooljaar
                | CheckId::FaultMalformedDatetime
                | CheckId::FaultMalformedHeader
                | CheckId::FaultSoapVersion
                | CheckId::FaultMustUnderstand => assert!(r.is_err(), "{} {}", c.check, c.label),
                CheckId::FaultOrder => {}
                _ => assert!(r.is_ok(), "{} {}: {:?}", c.check, c.label, r.err()),
            }
        }
        assert_eq!(cases, fault_cases(&t, "2.3"), "the same target gives the same bytes");
        assert!(cases.iter().any(|c| c.check == CheckId::ResultsUnknownPupil));
        assert!(!cases.iter().any(|c| c.check == CheckId::FaultOtherSchool), "no --other-brin");
    }
}
