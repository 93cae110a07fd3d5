//! Injectable time, so that tests decide what "now" is: the mocks' change tracking
//! against `laatstontvangengegevens`, a koppeling's activation moment and the delta
//! watermark all depend on it.

use chrono::{DateTime, Duration, Utc};
use std::sync::Mutex;

/// Where the gateway and the mocks read the time.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until told otherwise: for tests.
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        ManualClock(Mutex::new(at))
    }
    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }
    pub fn advance(&self, by: Duration) {
        let mut t = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *t += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Converts a UWLR timestamp to UTC. A timestamp without zone is read as UTC (the mocks
/// write `Z`, so a caller that echoes their `aanmaakdatum` gets exact answers).
pub fn to_utc(d: &crate::message::values::DateTime) -> DateTime<Utc> {
    use crate::message::values::Zone;
    let utc = match d.zone {
        Zone::Utc | Zone::Floating => d.local,
        Zone::Offset(o) => d.local - Duration::seconds(i64::from(o.local_minus_utc())),
    };
    DateTime::from_naive_utc_and_offset(utc, Utc)
}

/// A UTC instant as a UWLR timestamp with `Z`.
pub fn to_uwlr(t: DateTime<Utc>) -> crate::message::values::DateTime {
    crate::message::values::DateTime { local: t.naive_utc(), zone: crate::message::values::Zone::Utc }
}

/// Serializes a UTC instant as RFC 3339 with `Z` (chrono's serde feature is not enabled).
pub(crate) fn ser_utc<S: serde::Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
}
