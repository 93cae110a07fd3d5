//! Received results, as a LAS or dashboard keeps them: per school, keyed by (pupil,
//! `resultaat/@key`), so that a re-send with the same key (a re-normed result) replaces
//! the earlier one. Counts deliveries (accepted messages) and distinct results.

use crate::message::leerresultaten::{Resultaat, ResultaatWaarde};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// One stored result, in a shape for the admin API.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredResult {
    /// The pupil as the receiver knows it (LAS key, ECK iD, or Boom number).
    pub leerling: String,
    pub key: String,
    pub toetscode: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub toetsonderdeelcode: Option<String>,
    pub afnamedatum: String,
    /// `score`, `osoresultaat` or `anderresultaat`.
    pub vorm: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vaardigheidsscore: Option<String>,
    /// `codereferentiescore=waarde` pairs (e.g. `DLE=34`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub referentiescores: Vec<String>,
    #[serde(serialize_with = "crate::mock::clock::ser_utc")]
    pub received_at: DateTime<Utc>,
    /// How often this key came in (1 + re-sends).
    pub times_received: u32,
    /// Dashboards only: whether the result is a point in the growth chart, which it is
    /// when the school activated its test (and part) in the dashboard. A result of a test
    /// not activated is kept and shown all the same (the SchoolKr8 manual, step 4).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_growth_chart: Option<bool>,
}

impl StoredResult {
    pub fn new(leerling: &str, r: &Resultaat, at: DateTime<Utc>) -> Self {
        let (vorm, score, vaardigheidsscore, referentiescores) = match &r.waarde {
            ResultaatWaarde::Score(s) => ("score", Some(*s), None, Vec::new()),
            ResultaatWaarde::Oso(o) => (
                "osoresultaat",
                None,
                o.toetsscore.as_ref().and_then(|t| t.vaardigheidsscore.as_ref()).map(|d| d.to_string()),
                o.referentiescores.iter().map(|r| format!("{}={}", r.codereferentiescore, r.waarde)).collect(),
            ),
            ResultaatWaarde::Ander(_) => ("anderresultaat", None, None, Vec::new()),
        };
        StoredResult {
            leerling: leerling.to_owned(),
            key: r.key.clone(),
            toetscode: r.toetscode.clone(),
            toetsonderdeelcode: r.toetsonderdeelcode.clone(),
            afnamedatum: r.afnamedatum.format("%Y-%m-%d").to_string(),
            vorm,
            score,
            vaardigheidsscore,
            referentiescores,
            received_at: at,
            times_received: 1,
            in_growth_chart: None,
        }
    }
}

/// What the admin API reports about a school's received results.
#[derive(Debug, Clone, Serialize)]
pub struct ResultsReport {
    pub school: String,
    /// Accepted `BrengLeerresultaten` messages.
    pub deliveries: u64,
    /// Distinct (pupil, result key) pairs stored.
    pub distinct: usize,
    /// Results not overwritten because processing changes is off (dashboards only).
    pub ignored_changes: u64,
    /// Dashboards only: stored results that are not in the growth chart (their test is not
    /// activated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outside_growth_chart: Option<usize>,
    pub results: Vec<StoredResult>,
}

/// The results of one school.
#[derive(Debug, Default, Clone)]
pub struct ResultStore {
    pub deliveries: u64,
    pub ignored_changes: u64,
    results: BTreeMap<(String, String), StoredResult>,
}

impl ResultStore {
    /// Stores one result; with `overwrite` false an already received key is left as it
    /// was (and counted as ignored). Returns whether it was stored.
    pub fn put(&mut self, leerling: &str, r: &Resultaat, at: DateTime<Utc>, overwrite: bool) -> bool {
        let id = (leerling.to_owned(), r.key.clone());
        match self.results.get_mut(&id) {
            Some(old) if !overwrite => {
                old.times_received += 1;
                self.ignored_changes += 1;
                false
            }
            Some(old) => {
                let times = old.times_received + 1;
                *old = StoredResult { times_received: times, ..StoredResult::new(leerling, r, at) };
                true
            }
            None => {
                self.results.insert(id, StoredResult::new(leerling, r, at));
                true
            }
        }
    }

    pub fn distinct(&self) -> usize {
        self.results.len()
    }

    pub fn get(&self, leerling: &str, key: &str) -> Option<&StoredResult> {
        self.results.get(&(leerling.to_owned(), key.to_owned()))
    }

    pub fn report(&self, school: &str) -> ResultsReport {
        ResultsReport {
            school: school.to_owned(),
            deliveries: self.deliveries,
            distinct: self.results.len(),
            ignored_changes: self.ignored_changes,
            outside_growth_chart: None,
            results: self.results.values().cloned().collect(),
        }
    }
}
