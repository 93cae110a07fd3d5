//! The import proposal: what a fetch of leerlinggegevens would change in the test platform,
//! computed as a plain value that an administrator reviews before anything is written
//! (DOMAIN.md §2: nothing from a LAS goes straight into the testcentrum).
//!
//! [`propose`] takes what the platform already knows of one school location through one
//! koppeling ([`Snapshot`]), the decoded LAS answer and whether it is complete
//! ([`FetchMode`]), and the admin's [`Decision`]s so far. It returns a [`Proposal`]: per tab
//! (groepen, leerkrachten, leerlingen) every incoming record that needs attention as new,
//! existing (with its field changes) or skip; the records that would be deactivated; a
//! summary; and a safety check against deactivating half a school by accident. Computing it
//! changes nothing, so it can be recomputed after every decision and on every fetch, and
//! stored and served as JSON.
//!
//! The steps, one module each:
//! - [`snapshot`]: the known side, and the indexes matching looks things up in.
//! - `incoming`: the LAS answer normalised (trimmed text, wire codes) into per-tab records.
//! - `matching`: automatic links by external key, and candidates for new records.
//! - [`decision`]: the admin's decisions, applied in order, and what can be wrong with them.
//! - `groups`: group references resolved to groups, and group skips cascaded to pupils.
//! - `changes`: field by field what applying an existing record would change.
//! - `items`: the per-tab item lists, built from all of the above.
//! - `summary`: counts, human-readable lines and the safety check.
//! - [`mod@render`]: the proposal as plain-text tables.
//!
//! Nothing here matches records by scanning lists: every lookup is a hash map, so a board of
//! fifty schools of 1,500 pupils each is linear work.

mod changes;
pub mod decision;
mod groups;
mod incoming;
mod items;
mod label;
mod matching;
mod proposal;
pub mod render;
pub mod snapshot;
mod summary;

#[cfg(test)]
mod testkit;
#[cfg(test)]
mod tests;

pub use decision::{Decision, DecisionError};
pub use proposal::{
    Candidate, CandidateReason, Category, Deactivation, FieldChange, Flag, GroepFields, Item, LeerkrachtFields,
    LeerlingFields, LinkReason, Proposal, Safety, SkipReason, Summary, TabSummary, Undecided,
};
pub use render::render;
pub use snapshot::{ExternalRef, KnownGroep, KnownLeerkracht, KnownLeerling, SkipMarker, Snapshot};

use crate::message::leerlinggegevens::Leerlinggegevens;
use serde::{Deserialize, Serialize};
use std::fmt;

/// One of the three tabs of a proposal, and the kind of record it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tab {
    Groepen,
    Leerkrachten,
    Leerlingen,
}

impl Tab {
    /// In the order the proposal shows them: groups first, because people refer to them.
    pub const ALL: [Tab; 3] = [Tab::Groepen, Tab::Leerkrachten, Tab::Leerlingen];

    pub fn as_str(self) -> &'static str {
        match self {
            Tab::Groepen => "groepen",
            Tab::Leerkrachten => "leerkrachten",
            Tab::Leerlingen => "leerlingen",
        }
    }

    /// The tab named by [`Tab::as_str`].
    pub fn parse(s: &str) -> Result<Tab, String> {
        Tab::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| format!("'{s}' is not a tab; use groepen, leerkrachten or leerlingen"))
    }

    /// The singular, for sentences ("new: leerling Piet de Vries").
    pub fn noun(self) -> &'static str {
        match self {
            Tab::Groepen => "groep",
            Tab::Leerkrachten => "leerkracht",
            Tab::Leerlingen => "leerling",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Tab {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Names one incoming record: its tab and its LAS key (for a pupil without a LAS key, its
/// eckid). This is how decisions and skip markers refer to records, because it is the only
/// name that survives a re-fetch.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RecordRef {
    pub tab: Tab,
    pub key: String,
}

impl RecordRef {
    pub fn new(tab: Tab, key: impl Into<String>) -> Self {
        RecordRef { tab, key: key.into() }
    }
}

impl fmt::Display for RecordRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.tab, self.key)
    }
}

/// Whether the LAS answer is the whole school or only what changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FetchMode {
    /// Everything the LAS has for the school: a record that is missing has left.
    Full,
    /// Only records changed since the last fetch: a missing record says nothing, so a delta
    /// never deactivates anything.
    Delta,
}

/// The knobs of a proposal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Share of the school's active pupils above which deactivating them needs an explicit
    /// override: a LAS that answers half empty must not archive half a school.
    pub max_deactivation_share: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { max_deactivation_share: 0.2 }
    }
}

/// Computes the import proposal for one LAS answer. Changes nothing.
///
/// The decisions are applied in order after automatic matching, exactly as on every earlier
/// computation, so a stored proposal can be recomputed against a newer snapshot or answer.
/// The first decision that cannot be applied is returned as the error.
pub fn propose(
    known: &Snapshot,
    incoming: &Leerlinggegevens,
    mode: FetchMode,
    decisions: &[Decision],
    settings: &Settings,
) -> Result<Proposal, DecisionError> {
    let answer = incoming::normalise(incoming);
    let mut tabs = matching::Tabs::new(known, &answer);
    for d in decisions {
        decision::apply(d, &mut tabs)?;
    }
    let groups = groups::GroupView::new(known, &answer, &tabs, mode);
    let built = items::build(known, &answer, &tabs, &groups);
    let deactivations = match mode {
        FetchMode::Full => items::deactivations(known, &tabs, &groups),
        FetchMode::Delta => Vec::new(),
    };
    let safety = summary::safety(known, &answer, mode, &deactivations, settings);
    let mut proposal = Proposal {
        mode,
        groepen: built.groepen,
        leerkrachten: built.leerkrachten,
        leerlingen: built.leerlingen,
        deactivations,
        summary: Summary::default(),
        safety,
        group_names: built.group_names,
        year_groups: built.year_groups,
    };
    proposal.summary = summary::summarise(&proposal, built.unchanged);
    Ok(proposal)
}
