//! The known side of a proposal: what the test platform holds for one school location, as
//! seen through one koppeling, and the indexes that matching looks records up in.
//!
//! Only keys that came in through this koppeling ([`ExternalRef`]) link records
//! automatically: a record the platform created by hand, or imported through another link,
//! may share a name with an incoming one, but only an admin may say they are the same.

use super::Tab;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What the test platform knows of one school location, as seen through one koppeling.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Snapshot {
    pub groepen: Vec<KnownGroep>,
    pub leerkrachten: Vec<KnownLeerkracht>,
    pub leerlingen: Vec<KnownLeerling>,
    /// Records an admin chose not to import before, by their external key on this link.
    pub skipped: Vec<SkipMarker>,
}

/// The external keys under which a record came in through this koppeling before.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ExternalRef {
    pub las_key: Option<String>,
    pub eckid: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnownGroep {
    pub id: i64,
    pub naam: String,
    /// Wire form (`5`, `C`); `None` for a composed group.
    pub jaargroep: Option<String>,
    pub samengesteld: bool,
    pub active: bool,
    /// `None`: never came in through this koppeling.
    pub external: Option<ExternalRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnownLeerkracht {
    pub id: i64,
    pub achternaam: Option<String>,
    pub voorvoegsel: Option<String>,
    pub voorletters: Option<String>,
    pub roepnaam: Option<String>,
    pub emailadres: Option<String>,
    /// Ids of [`KnownGroep`]s, class and composed alike.
    pub groepen: Vec<i64>,
    pub active: bool,
    pub external: Option<ExternalRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnownLeerling {
    pub id: i64,
    pub achternaam: Option<String>,
    pub voorvoegsel: Option<String>,
    pub voorletters: Option<String>,
    pub roepnaam: Option<String>,
    #[serde(default, with = "crate::import::proposal::date")]
    pub geboortedatum: Option<NaiveDate>,
    /// Wire code (`1`, `2`, ...).
    pub geslacht: Option<String>,
    /// Wire form (`5`).
    pub jaargroep: Option<String>,
    /// Id of the class group.
    pub groep: Option<i64>,
    /// Ids of composed groups.
    pub samengestelde_groepen: Vec<i64>,
    pub active: bool,
    pub external: Option<ExternalRef>,
    /// The Boom pupil number: the pupil's number on the test platform, for life, and the
    /// only thing a dashboard knows the pupil by. `None` only in tests of the import engine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boom_nummer: Option<String>,
    /// The pupil's ECK iD as it came in through any link of the school, not only this one
    /// (after a change of LAS, say): a new incoming pupil with the same ECK iD is a strong
    /// candidate. `external` holds this link's keys, which link automatically.
    #[serde(default)]
    pub eckid: Option<String>,
}

/// A record an admin chose not to import, remembered so the next proposal skips it again.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SkipMarker {
    pub tab: Tab,
    /// LAS key, or eckid for a pupil without LAS key (as in [`super::RecordRef`]).
    pub key: String,
}

/// What matching needs of every known record, whatever its tab.
pub(crate) trait KnownRecord {
    fn id(&self) -> i64;
    fn active(&self) -> bool;
    fn external(&self) -> Option<&ExternalRef>;
}

macro_rules! known_record {
    ($($t:ty),+) => {$(
        impl KnownRecord for $t {
            fn id(&self) -> i64 {
                self.id
            }
            fn active(&self) -> bool {
                self.active
            }
            fn external(&self) -> Option<&ExternalRef> {
                self.external.as_ref()
            }
        }
    )+};
}
known_record!(KnownGroep, KnownLeerkracht, KnownLeerling);

/// Lookups into one tab's known records, by position in the snapshot's list.
#[derive(Debug)]
pub(crate) struct KnownIndex<'a> {
    pub by_id: HashMap<i64, usize>,
    pub by_eckid: HashMap<&'a str, usize>,
    pub by_las_key: HashMap<&'a str, usize>,
}

impl<'a> KnownIndex<'a> {
    /// Never depends on hash order: on a duplicate key the choice follows the list.
    pub(crate) fn new<R: KnownRecord>(records: &'a [R]) -> Self {
        let mut ix = KnownIndex {
            by_id: HashMap::with_capacity(records.len()),
            by_eckid: HashMap::with_capacity(records.len()),
            by_las_key: HashMap::with_capacity(records.len()),
        };
        for (i, r) in records.iter().enumerate() {
            ix.by_id.entry(r.id()).or_insert(i);
            if let Some(ext) = r.external() {
                if let Some(e) = nonempty(ext.eckid.as_deref()) {
                    prefer(&mut ix.by_eckid, e, i, records);
                }
                if let Some(k) = nonempty(ext.las_key.as_deref()) {
                    prefer(&mut ix.by_las_key, k, i, records);
                }
            }
        }
        ix
    }
}

/// Two known records under one external key should not happen (an apply step moves the key),
/// but if it does, the active one is the record the key means; between equals, the first.
fn prefer<'a, R: KnownRecord>(map: &mut HashMap<&'a str, usize>, key: &'a str, i: usize, records: &[R]) {
    let slot = map.entry(key).or_insert(i);
    if !records[*slot].active() && records[i].active() {
        *slot = i;
    }
}

/// A key as matching compares it: trimmed, and absent when blank.
pub(crate) fn nonempty(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}
