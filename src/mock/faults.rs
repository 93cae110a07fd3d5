//! Fault injection for the mocks: what the next requests get instead of a normal answer,
//! set per admin call or CLI flag, for all operations or some, until cleared or for the
//! next N requests only (to test retries and outages).

use crate::message::fault::{Fault, FaultCode};
use crate::message::Kind;
use crate::server::Injected;
use serde::{Deserialize, Serialize};
use std::sync::Mutex;
use std::time::Duration;

/// What goes wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// Wait this long, then answer normally.
    Delay { ms: u64 },
    /// Close the connection without answering.
    DropConnection,
    /// An HTTP status with an empty body (503 unless told otherwise).
    HttpStatus {
        #[serde(default = "default_status")]
        status: u16,
    },
    /// A `Server.TijdelijkNietBeschikbaar` fault.
    TijdelijkNietBeschikbaar,
    /// HTTP 200 with XML that is not well-formed.
    MalformedXml,
    /// HTTP 200 with a well-formed answer that breaks the schema (e.g. no `leerlingen`).
    SchemaInvalid,
    /// A fault with a code the request did not deserve (`Client.OngeldigBericht` unless
    /// told otherwise), for testing that callers act on the code.
    WrongFaultCode {
        #[serde(default)]
        code: Option<String>,
    },
    /// The mock LAS builds a pupil-data answer that breaks the schema (the school's
    /// `brincode` cut to three characters, as after a bad import), so that the server's
    /// own check of the answer (UWLR.md §2 step 5) refuses it with `Server.InterneFout`.
    /// Not an injected fault code: the real path. Pupil-data requests only (the getrapt
    /// answers are cut from the same data, so an `operations` list naming any pupil-data
    /// element selects all four); the mock dashboard serves no pupil data and ignores it.
    Internal,
    /// The mock LAS answers `xsdversie` 2.2 only, as a LAS that has not moved to 2.3: a
    /// 2.3 request gets `Client.XsdVersieOngeldig` (UWLR.md §2 step 1) for every
    /// operation. A mode rather than a fault: not counted, no `count` or `operations`,
    /// it lasts until cleared. The mock dashboard ignores it.
    #[serde(rename = "serve_2_2_only")]
    Serve22Only,
}

fn default_status() -> u16 {
    503
}

impl FaultKind {
    /// Parses the CLI form: `delay:500`, `drop`, `http:503`, `tijdelijk`, `malformed`,
    /// `schema-invalid`, `wrong-code[:Client.LeerlingOngeldig]`, `internal`, `serve-2.2-only`.
    pub fn parse_cli(s: &str) -> Result<Self, String> {
        let (name, arg) = match s.split_once(':') {
            Some((n, a)) => (n, Some(a)),
            None => (s, None),
        };
        let num = |what: &str| -> Result<u64, String> {
            arg.ok_or_else(|| format!("'{name}' needs a number: {name}:{what}"))?
                .parse()
                .map_err(|_| format!("'{s}': not a number after ':'"))
        };
        Ok(match name {
            "delay" => FaultKind::Delay { ms: num("MILLISECONDS")? },
            "drop" | "drop-connection" => FaultKind::DropConnection,
            "http" | "http-status" => FaultKind::HttpStatus {
                status: match arg {
                    None => 503,
                    Some(_) => u16::try_from(num("STATUS")?).map_err(|_| format!("'{s}': not an HTTP status"))?,
                },
            },
            "tijdelijk" | "tijdelijk-niet-beschikbaar" => FaultKind::TijdelijkNietBeschikbaar,
            "malformed" | "malformed-xml" => FaultKind::MalformedXml,
            "schema-invalid" => FaultKind::SchemaInvalid,
            "internal" | "interne-fout" => FaultKind::Internal,
            "serve-2.2-only" | "2.2-only" => FaultKind::Serve22Only,
            "wrong-code" | "wrong-fault-code" => {
                if let Some(c) = arg {
                    FaultCode::from_wire(c).ok_or_else(|| format!("'{c}' is not a UWLR fault code"))?;
                }
                FaultKind::WrongFaultCode { code: arg.map(str::to_owned) }
            }
            _ => {
                return Err(format!(
                    "unknown fault '{s}'; expected delay:MS, drop, http[:STATUS], tijdelijk, malformed, \
                     schema-invalid, wrong-code[:CODE], internal or serve-2.2-only"
                ))
            }
        })
    }
}

/// A fault setting: what, how often, for which operations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultSetting {
    #[serde(flatten)]
    pub kind: FaultKind,
    /// Only the next this many matching requests; absent: until cleared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// Only requests with these body elements (e.g. `leerresultaten_verzoek`); empty: all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub operations: Vec<String>,
}

impl FaultSetting {
    pub fn always(kind: FaultKind) -> Self {
        FaultSetting { kind, count: None, operations: Vec::new() }
    }
    pub fn times(kind: FaultKind, count: u32) -> Self {
        FaultSetting { kind, count: Some(count), operations: Vec::new() }
    }

    /// Refuses a setting that names an unknown operation or fault code.
    pub fn check(&self) -> Result<(), String> {
        for op in &self.operations {
            if !Kind::ALL.iter().any(|k| k.element() == op) {
                return Err(format!("'{op}' is not a UWLR request element (e.g. leerlinggegevens_verzoek)"));
            }
        }
        if let FaultKind::WrongFaultCode { code: Some(c) } = &self.kind {
            FaultCode::from_wire(c).ok_or_else(|| format!("'{c}' is not a UWLR fault code"))?;
        }
        if self.count == Some(0) {
            return Err("count must be at least 1 (clear the setting instead)".into());
        }
        if self.kind == FaultKind::Serve22Only && (self.count.is_some() || !self.operations.is_empty()) {
            return Err("serve_2_2_only is a mode: it takes no count and no operations".into());
        }
        Ok(())
    }
}

/// The state shown by the admin API.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FaultStatus {
    pub setting: Option<FaultSetting>,
    /// How many requests got an injected answer since the mock started.
    pub injected: u64,
}

/// The current setting of one mock; shared by the provider and the admin API.
#[derive(Debug, Default)]
pub struct FaultInjector(Mutex<FaultStatus>);

impl FaultInjector {
    pub fn set(&self, setting: Option<FaultSetting>) {
        self.lock().setting = setting;
    }

    pub fn status(&self) -> FaultStatus {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FaultStatus> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What this request gets, counting it against `count`. [`FaultKind::Internal`] is
    /// not answered here (see [`FaultInjector::take_internal`]).
    pub fn next(&self, kind: Kind) -> Option<Injected> {
        let mut st = self.lock();
        let s = st.setting.as_ref()?;
        if matches!(s.kind, FaultKind::Internal | FaultKind::Serve22Only)
            || (!s.operations.is_empty() && !s.operations.iter().any(|o| o == kind.element()))
        {
            return None;
        }
        let injected = injected(&s.kind, kind);
        st.count_one(kind);
        Some(injected)
    }

    /// For the provider, while it builds a pupil-data answer: whether the setting is
    /// [`FaultKind::Internal`] (for pupil data), counting it against `count` if so.
    pub fn take_internal(&self) -> bool {
        const PUPIL_DATA: [Kind; 4] =
            [Kind::LeerlinggegevensVerzoek, Kind::StructuurVerzoek, Kind::LeerlingenVerzoek, Kind::LeerkrachtenVerzoek];
        let mut st = self.lock();
        let Some(s) = st.setting.as_ref() else { return false };
        if s.kind != FaultKind::Internal
            || (!s.operations.is_empty() && !PUPIL_DATA.iter().any(|k| s.operations.iter().any(|o| o == k.element())))
        {
            return false;
        }
        st.count_one(Kind::LeerlinggegevensVerzoek);
        true
    }
}

impl FaultInjector {
    /// Whether the setting is [`FaultKind::Serve22Only`]: the provider then answers
    /// `xsdversie` 2.2 only.
    pub fn serves_22_only(&self) -> bool {
        self.lock().setting.as_ref().is_some_and(|s| s.kind == FaultKind::Serve22Only)
    }
}

impl FaultStatus {
    /// One request got the injection: counts it, and clears a setting whose count ran out.
    fn count_one(&mut self, kind: Kind) {
        if let Some(s) = self.setting.as_mut() {
            if let Some(n) = s.count.as_mut() {
                *n -= 1;
                if *n == 0 {
                    self.setting = None;
                }
            }
        }
        self.injected += 1;
        tracing::info!(operation = kind.element(), "fault injected");
    }
}

fn injected(f: &FaultKind, kind: Kind) -> Injected {
    match f {
        // Handled by the provider (`take_internal`, `serves_22_only`); `next` never gets
        // here with them.
        FaultKind::Internal => Injected::Fault(Fault::standard(FaultCode::InterneFout)),
        FaultKind::Serve22Only => Injected::Fault(Fault::standard(FaultCode::XsdVersieOngeldig)),
        FaultKind::Delay { ms } => Injected::Delay(Duration::from_millis(*ms)),
        FaultKind::DropConnection => Injected::DropConnection,
        FaultKind::HttpStatus { status } => Injected::Status(*status),
        FaultKind::TijdelijkNietBeschikbaar => Injected::Fault(Fault::standard(FaultCode::TijdelijkNietBeschikbaar)),
        FaultKind::MalformedXml => Injected::RawBody { status: 200, body: malformed(kind) },
        FaultKind::SchemaInvalid => Injected::RawBody { status: 200, body: schema_invalid(kind) },
        FaultKind::WrongFaultCode { code } => {
            let code = code.as_deref().and_then(FaultCode::from_wire).unwrap_or(FaultCode::OngeldigBericht);
            Injected::Fault(Fault::new(code, format!("{} (injected)", code.default_message())))
        }
    }
}

const ENV_OPEN: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>";
const ENV_CLOSE: &str = "</soap:Body></soap:Envelope>";

/// The answer element a request kind gets, and its namespace.
fn answer_of(kind: Kind) -> (&'static str, &'static str) {
    use crate::message::{leerlinggegevens, leerresultaten};
    match kind {
        Kind::LeerresultatenVerzoek => ("leerresultaten_bevestiging", leerresultaten::NS),
        Kind::StructuurVerzoek => ("structuur_antwoord", leerlinggegevens::NS),
        Kind::LeerlingenVerzoek => ("leerlingen_antwoord", leerlinggegevens::NS),
        Kind::LeerkrachtenVerzoek => ("leerkrachten_antwoord", leerlinggegevens::NS),
        _ => ("leerlinggegevens_antwoord", leerlinggegevens::NS),
    }
}

/// An answer cut off in the middle, with a mismatched end tag.
fn malformed(kind: Kind) -> Vec<u8> {
    let (el, ns) = answer_of(kind);
    format!("{ENV_OPEN}<{el} xmlns=\"{ns}\"><school><schooljaar>2025-2026</schooljaar></schol>").into_bytes()
}

/// Well-formed, right namespaces, wrong content: a required child is missing (or an
/// unknown one is there, for the empty confirmation).
fn schema_invalid(kind: Kind) -> Vec<u8> {
    let (el, ns) = answer_of(kind);
    let school = "<school><schooljaar>2025-2026</schooljaar><brincode>99DE</brincode></school>";
    let inner = match kind {
        Kind::LeerresultatenVerzoek => "<onverwacht>1</onverwacht>".to_string(),
        // No school block.
        Kind::StructuurVerzoek => "<leerlinggegevens-structuur></leerlinggegevens-structuur>".to_string(),
        // School, but no leerlingen.
        Kind::LeerlingenVerzoek => format!("<leerlinggegevens-leerlingen>{school}</leerlinggegevens-leerlingen>"),
        Kind::LeerkrachtenVerzoek => "<leerlinggegevens-leerkrachten></leerlinggegevens-leerkrachten>".to_string(),
        _ => format!("<leerlinggegevens>{school}</leerlinggegevens>"),
    };
    format!("{ENV_OPEN}<{el} xmlns=\"{ns}\">{inner}</{el}>{ENV_CLOSE}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_forms_parse() {
        assert_eq!(FaultKind::parse_cli("delay:250").unwrap(), FaultKind::Delay { ms: 250 });
        assert_eq!(FaultKind::parse_cli("http").unwrap(), FaultKind::HttpStatus { status: 503 });
        assert_eq!(FaultKind::parse_cli("http:502").unwrap(), FaultKind::HttpStatus { status: 502 });
        assert!(FaultKind::parse_cli("wrong-code:Client.Nope").is_err());
        assert!(FaultKind::parse_cli("delay").is_err());
        assert!(FaultKind::parse_cli("explode").is_err());
    }

    #[test]
    fn json_shape() {
        let s: FaultSetting = serde_json::from_str(r#"{"kind":"http_status","count":2}"#).unwrap();
        assert_eq!(s, FaultSetting::times(FaultKind::HttpStatus { status: 503 }, 2));
        let j = serde_json::to_string(&FaultSetting::always(FaultKind::Delay { ms: 5 })).unwrap();
        assert_eq!(j, r#"{"kind":"delay","ms":5}"#);
    }

    #[test]
    fn count_runs_out() {
        let f = FaultInjector::default();
        f.set(Some(FaultSetting {
            kind: FaultKind::DropConnection,
            count: Some(2),
            operations: vec!["leerresultaten_verzoek".into()],
        }));
        assert_eq!(f.next(Kind::LeerlinggegevensVerzoek), None);
        assert_eq!(f.next(Kind::LeerresultatenVerzoek), Some(Injected::DropConnection));
        assert_eq!(f.next(Kind::LeerresultatenVerzoek), Some(Injected::DropConnection));
        assert_eq!(f.next(Kind::LeerresultatenVerzoek), None);
        assert_eq!(f.status().injected, 2);
    }

    #[test]
    fn internal_is_taken_by_the_provider_only() {
        assert_eq!(FaultKind::parse_cli("internal").unwrap(), FaultKind::Internal);
        let s: FaultSetting = serde_json::from_str(r#"{"kind":"internal","count":1}"#).unwrap();
        assert_eq!(s, FaultSetting::times(FaultKind::Internal, 1));
        let f = FaultInjector::default();
        f.set(Some(s));
        assert_eq!(f.next(Kind::LeerlinggegevensVerzoek), None, "not an Injected answer");
        assert!(f.take_internal());
        assert!(!f.take_internal(), "count ran out");
        assert_eq!(f.status().injected, 1);
        f.set(Some(FaultSetting {
            kind: FaultKind::Internal,
            count: None,
            operations: vec!["leerresultaten_verzoek".into()],
        }));
        assert!(!f.take_internal(), "results only: no pupil-data answer breaks");
    }

    #[test]
    fn serve_2_2_only_is_a_mode_for_the_provider() {
        assert_eq!(FaultKind::parse_cli("serve-2.2-only").unwrap(), FaultKind::Serve22Only);
        let s: FaultSetting = serde_json::from_str(r#"{"kind":"serve_2_2_only"}"#).unwrap();
        assert_eq!(s, FaultSetting::always(FaultKind::Serve22Only));
        assert!(FaultSetting::times(FaultKind::Serve22Only, 1).check().is_err());
        let f = FaultInjector::default();
        assert!(!f.serves_22_only());
        f.set(Some(s));
        assert!(f.serves_22_only());
        assert_eq!(f.next(Kind::LeerlinggegevensVerzoek), None, "not an Injected answer");
        assert_eq!(f.status().injected, 0, "not counted");
    }
}
