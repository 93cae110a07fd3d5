//! What the suite is pointed at: the endpoints, the link's identity (klant, key, school)
//! and the options that shape the checks. Built by the CLI from flags, or by a test
//! platform in code.

use crate::clock::{Clock, SystemClock};
use crate::message::values::{SchoolId, Schooljaar};
use crate::message::Autorisatie;
use crate::xml::Profile;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// One LAS endpoint under test and the link to use.
#[derive(Clone)]
pub struct Target {
    /// The pupil-data (alles-in-een) service URL.
    pub endpoint: String,
    /// Where the getrapt operations are served, if not at `endpoint` (or at the address
    /// the WSDL gives them).
    pub getrapt_endpoint: Option<String>,
    /// `false` (the default): once a WSDL has been read, each operation is sent to the
    /// `soap:address` of its port there (what clients generated from it call), with a
    /// warning when that differs from the endpoint given. `true`: always the endpoints
    /// given.
    pub force_endpoint: bool,
    /// The BrengLeerresultaten service URL; the results checks do not apply without it.
    pub results_endpoint: Option<String>,
    /// The link's header: key, klantcode, klantnaam. The key never reaches a report.
    pub auth: Autorisatie,
    /// The school location the key opens.
    pub school: SchoolId,
    /// A year in which the school has pupils (most checks need data).
    pub schooljaar: Schooljaar,
    /// Sent in every pupil-data request when given (e.g. `Smalle-set-VO`).
    pub gegevenssetid: Option<String>,
    /// LAS key or ECK iD of a pupil of the school that results may be written for.
    pub test_pupil: Option<String>,
    /// A school location the LAS serves that this key does not open.
    pub other_school: Option<SchoolId>,
    /// Extra trusted CA certificates (PEM), added to the platform's.
    pub ca_pem: Option<Vec<u8>>,
    /// Our client certificate and key in one PEM, for LAS systems that demand one.
    pub client_identity_pem: Option<Vec<u8>>,
    /// Check the answer against this data-minimisation profile (`data.profile`).
    pub profile: Option<Profile>,
    /// Time for one whole exchange.
    pub timeout: Duration,
    pub timing: Timing,
    /// Check-name prefixes to run (`fault.`, `data.strict`); empty runs every check.
    pub only: Vec<String>,
    /// "Now", for laatstontvangengegevens and the results' aanmaakdatum.
    pub clock: Arc<dyn Clock>,
}

/// Bounds for `transport.timing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// Requests timed (at least 1).
    pub calls: usize,
    /// p50 above this is a warning.
    pub slow_p50: Duration,
    /// p99 above this fails.
    pub max_p99: Duration,
}

impl Default for Timing {
    /// 5 calls; warn above a 10 s median, fail when the slowest passes 60 s (half the
    /// 120 s after which our client gives up).
    fn default() -> Self {
        Timing { calls: 5, slow_p50: Duration::from_secs(10), max_p99: Duration::from_secs(60) }
    }
}

impl Target {
    /// A target with defaults for everything but the link itself.
    pub fn new(endpoint: impl Into<String>, auth: Autorisatie, school: SchoolId, schooljaar: Schooljaar) -> Self {
        Target {
            endpoint: endpoint.into(),
            getrapt_endpoint: None,
            force_endpoint: false,
            results_endpoint: None,
            auth,
            school,
            schooljaar,
            gegevenssetid: None,
            test_pupil: None,
            other_school: None,
            ca_pem: None,
            client_identity_pem: None,
            profile: None,
            timeout: Duration::from_secs(120),
            timing: Timing::default(),
            only: Vec::new(),
            clock: Arc::new(SystemClock),
        }
    }

    /// Whether a check is selected by `only`.
    pub fn selects(&self, name: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|p| name.starts_with(p.as_str()))
    }
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target")
            .field("endpoint", &self.endpoint)
            .field("getrapt_endpoint", &self.getrapt_endpoint)
            .field("force_endpoint", &self.force_endpoint)
            .field("results_endpoint", &self.results_endpoint)
            .field("auth", &self.auth)
            .field("school", &self.school)
            .field("schooljaar", &self.schooljaar)
            .field("test_pupil", &self.test_pupil)
            .field("other_school", &self.other_school)
            .field("client_identity_pem", &self.client_identity_pem.as_ref().map(|_| "<redacted>"))
            .field("profile", &self.profile)
            .field("timing", &self.timing)
            .finish_non_exhaustive()
    }
}

/// How a school location reads in reports: `99DE/00` or `schoolkey 'abc'`.
pub fn school_text(s: &SchoolId) -> String {
    match s {
        SchoolId::Brin { brincode, dependancecode } => {
            format!("{brincode}/{}", dependancecode.as_deref().unwrap_or("00"))
        }
        SchoolId::Schoolkey(k) => format!("schoolkey '{k}'"),
    }
}

/// Is this a BRIN (two digits, two capitals)?
pub fn is_brin(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 4 && b[..2].iter().all(u8::is_ascii_digit) && b[2..].iter().all(u8::is_ascii_uppercase)
}

/// Reads `--other-brin`: `99DF`, `99DF01`, `99DF/01`, or anything else as a schoolkey.
pub fn parse_school(s: &str) -> Result<SchoolId, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("an empty school".into());
    }
    let (brin, dep) = match t.split_once('/') {
        Some((b, d)) => (b, Some(d)),
        None if t.len() == 6 && is_brin(&t[..4]) => (&t[..4], Some(&t[4..])),
        None => (t, None),
    };
    if is_brin(brin) {
        if let Some(d) = dep {
            if d.len() != 2 || !d.bytes().all(|c| c.is_ascii_digit()) {
                return Err(format!("'{s}': the dependancecode is two digits (99DF/01)"));
            }
        }
        return Ok(SchoolId::Brin { brincode: brin.into(), dependancecode: dep.map(str::to_owned) });
    }
    if t.chars().count() > 256 {
        return Err(format!("'{s}' is neither a BRIN nor a schoolkey (at most 256 characters)"));
    }
    Ok(SchoolId::Schoolkey(t.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_school_forms() {
        assert_eq!(parse_school("99DF").unwrap(), SchoolId::Brin { brincode: "99DF".into(), dependancecode: None });
        let with = SchoolId::Brin { brincode: "99DF".into(), dependancecode: Some("01".into()) };
        assert_eq!(parse_school("99DF01").unwrap(), with);
        assert_eq!(parse_school("99DF/01").unwrap(), with);
        assert!(parse_school("99DF/1").is_err());
        assert_eq!(parse_school("school-7").unwrap(), SchoolId::Schoolkey("school-7".into()));
        assert_eq!(school_text(&with), "99DF/01");
    }
}
