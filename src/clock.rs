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

/// The calendar date in the Netherlands at instant `t`. Every date rule of the school year
/// (preparing from 1 August, starting on 1 October, a reminder a day) counts Dutch days:
/// 1 October begins at 22:00 or 23:00 UTC the evening before.
pub fn dutch_date(t: DateTime<Utc>) -> chrono::NaiveDate {
    t.with_timezone(&chrono_tz::Europe::Amsterdam).date_naive()
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
#[cfg(feature = "mock")]
pub(crate) fn ser_utc<S: serde::Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};

    #[test]
    fn dutch_days_begin_at_midnight_in_amsterdam_summer_and_winter() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let utc = |y, m, d, h, min| Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap();
        // Summer time (UTC+2): 1 October starts at 22:00 UTC on 30 September.
        assert_eq!(dutch_date(utc(2026, 9, 30, 21, 59)), day(2026, 9, 30));
        assert_eq!(dutch_date(utc(2026, 9, 30, 22, 0)), day(2026, 10, 1));
        // Winter time (UTC+1): 1 January starts at 23:00 UTC on 31 December.
        assert_eq!(dutch_date(utc(2026, 12, 31, 22, 59)), day(2026, 12, 31));
        assert_eq!(dutch_date(utc(2026, 12, 31, 23, 0)), day(2027, 1, 1));
    }
}
