//! Test doubles for the other side of the wire: a mock LAS ([`MockLas`], profiles
//! ParnasSys and ESIS) and a mock results dashboard ([`MockDashboard`], SchoolKr8 and
//! Focus PO), each a [`crate::server::LasProvider`] with in-memory state that an admin
//! API ([`admin`], JSON over HTTP) changes while the mock serves.
//!
//! - [`las`]: schools with their pupil data (generated or loaded), a change log that
//!   honours `laatstontvangengegevens`, the key handshake of each profile, received
//!   results.
//! - [`dashboard`]: BrengLeerresultaten only; pupils known by the Boom pupil number,
//!   tests activated per school, a delivery error list, "process changes".
//! - [`keys`]: keys stored as salted SHA-256 digests, compared in constant time, scoped to
//!   schools and klant; never logged.
//! - [`faults`]: fault injection through the provider's `intercept` hook.
//! - [`results`]: received results keyed by (pupil, result key).
//! - [`config`]: the TOML configuration of both mocks.
//! - [`answers`]: canned answers read from files, served to a request whose
//!   `gegevenssetid` names the file (`uwlr mock-las --answer`).
//!
//! The LAS and the dashboard have separate key stores with separate random salts: a key
//! of one is never accepted by the other.

pub mod admin;
pub mod answers;
pub mod config;
pub mod dashboard;
pub mod faults;
pub mod keys;
pub mod las;
pub mod results;

pub use crate::clock;
pub use crate::clock::{Clock, ManualClock, SystemClock};
pub use dashboard::{DashboardKind, MockDashboard};
pub use faults::{FaultKind, FaultSetting, FaultStatus};
pub use keys::IssuedKey;
pub use las::{MockLas, Profile};

use crate::message::values::SchoolId;
use serde::{Deserialize, Serialize};

/// A test platform the mock knows: klantcode and klantnaam must come as this pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Klant {
    pub klantcode: String,
    pub klantnaam: String,
}

impl Klant {
    /// The default klant: the Boom testcentrum.
    pub fn boom() -> Self {
        Klant { klantcode: "BOOM".into(), klantnaam: "Boom testcentrum".into() }
    }
}

/// A refused admin request: the HTTP status it maps to and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminError {
    pub status: u16,
    pub message: String,
}

impl AdminError {
    pub fn bad_request(m: impl Into<String>) -> Self {
        AdminError { status: 400, message: m.into() }
    }
    pub fn not_found(m: impl Into<String>) -> Self {
        AdminError { status: 404, message: m.into() }
    }
    pub fn conflict(m: impl Into<String>) -> Self {
        AdminError { status: 409, message: m.into() }
    }
}

impl std::fmt::Display for AdminError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.status)
    }
}

impl std::error::Error for AdminError {}

/// How a mock names one school location: BRIN + dependance (`99DE00`) and/or a schoolkey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolName {
    pub brincode: Option<String>,
    /// `00` when the school has a BRIN and no other dependance.
    pub dependancecode: Option<String>,
    pub schoolkey: Option<String>,
}

impl SchoolName {
    pub fn brin(brincode: &str, dependancecode: &str) -> Self {
        SchoolName { brincode: Some(brincode.into()), dependancecode: Some(dependancecode.into()), schoolkey: None }
    }

    /// The canonical id used in admin paths and key scopes: `99DE00`, else the schoolkey.
    pub fn id(&self) -> String {
        match (&self.brincode, &self.schoolkey) {
            (Some(b), _) => format!("{b}{}", self.dependancecode.as_deref().unwrap_or("00")),
            (None, Some(k)) => k.clone(),
            (None, None) => String::new(),
        }
    }

    /// Does a request's school identification name this school?
    pub fn matches(&self, id: &SchoolId) -> bool {
        match id {
            SchoolId::Brin { brincode, dependancecode } => {
                self.brincode.as_deref() == Some(brincode.as_str())
                    && self.dependancecode.as_deref().unwrap_or("00") == dependancecode.as_deref().unwrap_or("00")
            }
            SchoolId::Schoolkey(k) => self.schoolkey.as_deref() == Some(k.as_str()),
        }
    }

    /// Does an admin path segment name this school (canonical id or schoolkey)?
    pub fn is(&self, s: &str) -> bool {
        self.id() == s || self.schoolkey.as_deref() == Some(s)
    }

    /// Refuses a name without BRIN or schoolkey, or with a malformed BRIN/dependance.
    pub fn check(&self) -> Result<(), String> {
        if let Some(b) = &self.brincode {
            let bb = b.as_bytes();
            if bb.len() != 4 || !bb[..2].iter().all(u8::is_ascii_digit) || !bb[2..].iter().all(u8::is_ascii_uppercase) {
                return Err(format!("brincode '{b}' is not two digits and two capitals (e.g. 99DE)"));
            }
            if let Some(d) = &self.dependancecode {
                if d.len() != 2 || !d.bytes().all(|c| c.is_ascii_digit()) {
                    return Err(format!("dependancecode '{d}' is not two digits"));
                }
            }
        } else if self.schoolkey.is_none() {
            return Err("a school needs a brincode or a schoolkey".into());
        }
        Ok(())
    }
}

/// Is `(klantcode, klantnaam)` one of the pairs?
pub(crate) fn klant_known(klanten: &[Klant], klantcode: &str, klantnaam: &str) -> bool {
    klanten.iter().any(|k| k.klantcode == klantcode && k.klantnaam == klantnaam)
}

/// The klantcode a key is issued to: the one asked for (must exist) or the only/first klant.
pub(crate) fn pick_klant(klanten: &[Klant], asked: Option<&str>) -> Result<String, AdminError> {
    match asked {
        Some(c) => klanten
            .iter()
            .find(|k| k.klantcode == c)
            .map(|k| k.klantcode.clone())
            .ok_or_else(|| AdminError::bad_request(format!("klantcode '{c}' is not a known klant"))),
        None => klanten
            .first()
            .map(|k| k.klantcode.clone())
            .ok_or_else(|| AdminError::bad_request("no klant is configured")),
    }
}

/// What a mock keeps per school location; one lookup serves the LAS and the dashboard.
pub(crate) trait PerSchool {
    fn school_name(&self) -> &SchoolName;
}

/// The school an admin call names (BRIN + dependance such as `99DE00`, or the schoolkey).
pub(crate) fn school_by_id<'a, T: PerSchool>(list: &'a [T], id: &str) -> Result<&'a T, AdminError> {
    list.iter().find(|s| s.school_name().is(id)).ok_or_else(|| no_school(id))
}

pub(crate) fn school_by_id_mut<'a, T: PerSchool>(list: &'a mut [T], id: &str) -> Result<&'a mut T, AdminError> {
    list.iter_mut().find(|s| s.school_name().is(id)).ok_or_else(|| no_school(id))
}

/// The school a UWLR message names.
pub(crate) fn school_for<'a, T: PerSchool>(list: &'a [T], id: &SchoolId) -> Option<&'a T> {
    list.iter().find(|s| s.school_name().matches(id))
}

fn no_school(id: &str) -> AdminError {
    AdminError::not_found(format!("no school '{id}' (use BRIN + dependance such as 99DE00, or the schoolkey)"))
}
