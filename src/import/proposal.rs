//! The proposal as a value: what an admin reviews, what is stored as JSON with the decisions,
//! and what an apply step later writes in one transaction.

use super::{Decision, ExternalRef, FetchMode, RecordRef, Tab};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

/// What a fetch would change, per tab, plus the records that would be deactivated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    pub mode: FetchMode,
    /// In the order of the LAS answer. Unchanged existing records are left out (counted in
    /// the summary); skipped ones are always listed, so an admin can undo a skip.
    pub groepen: Vec<Item<GroepFields>>,
    pub leerkrachten: Vec<Item<LeerkrachtFields>>,
    pub leerlingen: Vec<Item<LeerlingFields>>,
    pub deactivations: Vec<Deactivation>,
    pub summary: Summary,
    pub safety: Safety,
    /// Group names by LAS key: every group of the answer, and (delta) every known group the
    /// items refer to. Items name groups by key; unchanged groups are not listed, so this is
    /// where a reader finds the name of a pupil's group.
    #[serde(default)]
    pub group_names: BTreeMap<String, String>,
    /// Existing teachers identical but for taking up the new groups of a year's first
    /// import (a school-year transition): not listed, as the Leerkrachten tab shows only new
    /// and changed teachers; applying writes these memberships. Teacher id → group LAS keys.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub year_groups: BTreeMap<i64, Vec<String>>,
}

impl Proposal {
    /// Nothing to create, change, newly skip or deactivate: applying would be a no-op. Skips
    /// remembered from earlier are not news, and neither are pupils skipped along with a
    /// group that was skipped earlier.
    pub fn is_empty(&self) -> bool {
        let admin_groups = self.admin_skipped_groups();
        self.deactivations.is_empty()
            && !self.groepen.iter().any(|i| i.category.is_pending(&admin_groups))
            && !self.leerkrachten.iter().any(|i| i.category.is_pending(&admin_groups))
            && !self.leerlingen.iter().any(|i| i.category.is_pending(&admin_groups))
    }

    /// The new records that hold the proposal up (see [`Item::is_undecided`]), in proposal
    /// order.
    pub fn undecided(&self) -> Vec<Undecided> {
        fn of<F>(items: &[Item<F>], name: impl Fn(&F) -> String, out: &mut Vec<Undecided>) {
            for i in items.iter().filter(|i| i.is_undecided()) {
                out.push(Undecided {
                    record: i.record.clone(),
                    name: name(&i.fields),
                    candidates: i.strong_candidates().into_iter().cloned().collect(),
                });
            }
        }
        let person = |a: &Option<String>, v: &Option<String>, l: &Option<String>, r: &Option<String>| {
            super::label::person(a.as_deref(), v.as_deref(), l.as_deref(), r.as_deref())
        };
        let mut out = Vec::new();
        of(&self.groepen, |f| f.naam.clone(), &mut out);
        of(&self.leerkrachten, |f| person(&f.achternaam, &f.voorvoegsel, &f.voorletters, &f.roepnaam), &mut out);
        of(&self.leerlingen, |f| person(&f.achternaam, &f.voorvoegsel, &f.voorletters, &f.roepnaam), &mut out);
        out
    }

    /// "Accept every suggestion": a link for every undecided record to its one strong
    /// candidate. A record with several, and records that share their one candidate with
    /// another undecided record, get none: which is which is for an admin to say.
    pub fn suggested_links(&self) -> Vec<Decision> {
        let undecided = self.undecided();
        let mut wanted: HashMap<(Tab, i64), usize> = HashMap::new();
        for u in undecided.iter().filter(|u| u.candidates.len() == 1) {
            *wanted.entry((u.record.tab, u.candidates[0].id)).or_default() += 1;
        }
        undecided
            .into_iter()
            .filter(|u| u.candidates.len() == 1 && wanted[&(u.record.tab, u.candidates[0].id)] == 1)
            .map(|u| Decision::Link { to: u.candidates[0].id, record: u.record })
            .collect()
    }

    /// Keys of the groups the admin skipped in this proposal (not earlier): their pupils'
    /// skips are news too.
    pub(crate) fn admin_skipped_groups(&self) -> HashSet<&str> {
        self.groepen
            .iter()
            .filter(|i| matches!(i.category, Category::Skip { reason: SkipReason::Admin }))
            .map(|i| i.record.key.as_str())
            .collect()
    }
}

/// One incoming record and what applying the proposal does with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item<F> {
    pub record: RecordRef,
    /// The keys as the LAS sends them now; an apply step stores them as the record's
    /// [`ExternalRef`] so the next fetch links it automatically.
    pub external: ExternalRef,
    /// The incoming values, normalised; group references to skipped or unknown groups are
    /// left out, so applying never points at a group that is not there.
    pub fields: F,
    pub category: Category,
    /// Only for [`Category::New`]: known records that might be the same, by id. Suggestions
    /// only; an admin links with [`super::Decision::Link`]. A strong one
    /// ([`CandidateReason::is_strong`]) holds the proposal up until the admin decides: see
    /// [`Item::is_undecided`].
    pub candidates: Vec<Candidate>,
    /// Only for [`Category::New`]: an admin said create it new ([`super::Decision::New`]),
    /// whatever its candidates.
    #[serde(default)]
    pub create_anyway: bool,
    /// Only for [`Category::Existing`]: field by field what applying changes.
    pub changes: Vec<FieldChange>,
    pub flags: Vec<Flag>,
}

impl<F> Item<F> {
    /// New, with a strong candidate, and the admin has not said "create it anyway": applying
    /// would make a second record of someone the school most likely has already (after
    /// "Verwijder nummers", every pupil of the school looks like this).
    pub fn is_undecided(&self) -> bool {
        self.category == Category::New && !self.create_anyway && self.candidates.iter().any(|c| c.reason.is_strong())
    }

    /// The strong candidates, strongest first.
    pub fn strong_candidates(&self) -> Vec<&Candidate> {
        let mut v: Vec<&Candidate> = self.candidates.iter().filter(|c| c.reason.is_strong()).collect();
        v.sort_by_key(|c| (c.reason, c.id));
        v
    }
}

/// A new record that holds the proposal up: it has strong candidates and no decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Undecided {
    pub record: RecordRef,
    /// The incoming record as a person reads it ("Piet de Vries").
    pub name: String,
    /// Its strong candidates, strongest first.
    pub candidates: Vec<Candidate>,
}

impl fmt::Display for Undecided {
    /// `leerlingen/L1 Piet de Vries: same name and birth date as 45 (de Vries, Piet (groep 5A))`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: ", self.record, self.name)?;
        for (i, c) in self.candidates.iter().enumerate() {
            let sep = if i == 0 { "" } else { " or " };
            write!(f, "{sep}{} as {} ({})", c.reason, c.id, c.label)?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Category {
    /// Will be created.
    New,
    /// Will update the known record `id`.
    Existing { id: i64, reason: LinkReason },
    /// Left out.
    Skip { reason: SkipReason },
}

impl Category {
    /// Whether this item is something applying would do. Listed existing items always have
    /// changes, so only skips need a closer look.
    pub(crate) fn is_pending(&self, admin_skipped_groups: &HashSet<&str>) -> bool {
        match self {
            Category::New | Category::Existing { .. } => true,
            Category::Skip { reason } => reason.is_pending(admin_skipped_groups),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkReason {
    /// The eckid came in through this koppeling before.
    SameEckid,
    /// The LAS key came in through this koppeling before.
    SameLasKey,
    /// An admin linked it.
    Manual,
}

impl fmt::Display for LinkReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LinkReason::SameEckid => "same eckid",
            LinkReason::SameLasKey => "same LAS key",
            LinkReason::Manual => "linked by admin",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// An admin skipped it in this proposal.
    Admin,
    /// An admin skipped it in an earlier import (a [`super::SkipMarker`]).
    Earlier,
    /// A pupil whose groups are all skipped: the group `groep` (key) takes it along.
    GroupSkipped { groep: String },
}

impl SkipReason {
    fn is_pending(&self, admin_skipped_groups: &HashSet<&str>) -> bool {
        match self {
            SkipReason::Admin => true,
            SkipReason::Earlier => false,
            SkipReason::GroupSkipped { groep } => admin_skipped_groups.contains(groep.as_str()),
        }
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::Admin => f.write_str("skipped by admin"),
            SkipReason::Earlier => f.write_str("skipped earlier"),
            SkipReason::GroupSkipped { groep } => write!(f, "group {groep} skipped"),
        }
    }
}

/// A known record that might be the same as a new incoming one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub id: i64,
    pub reason: CandidateReason,
    /// The known record as a person reads it ("de Vries, Piet (groep 5A)"), so the admin
    /// can judge without a second lookup.
    pub label: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CandidateReason {
    /// The ECK iD came in through another link of the school (or this one, for a record
    /// already linked elsewhere).
    SameEckid,
    NameAndBirthDate,
    NameAndGroup,
    /// A teacher with the same e-mail address: an address is one person's.
    SameEmail,
    /// A group of the year with the same name: a school has one "5A" a year.
    SameGroupName,
    /// A teacher with the same name (a LAS often sends no e-mail address).
    SameName,
}

impl CandidateReason {
    /// Same ECK iD, or same name and birth date: most likely the same child; the same e-mail
    /// address or name: the same teacher; the same name in the year: the same group. (Same
    /// name and group is not enough for a pupil: twins.) A new record
    /// with such a candidate is not created until an admin decides (after "Verwijder
    /// nummers" every record of the school comes back like this, and creating them would
    /// double the school and invite every teacher again).
    pub fn is_strong(self) -> bool {
        matches!(
            self,
            CandidateReason::SameEckid
                | CandidateReason::NameAndBirthDate
                | CandidateReason::SameEmail
                | CandidateReason::SameGroupName
                | CandidateReason::SameName
        )
    }
}

impl fmt::Display for CandidateReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CandidateReason::SameEckid => "same eckid",
            CandidateReason::NameAndBirthDate => "same name and birth date",
            CandidateReason::NameAndGroup => "same name and group",
            CandidateReason::SameEmail => "same e-mail",
            CandidateReason::SameGroupName => "same group name",
            CandidateReason::SameName => "same name",
        })
    }
}

/// One field that applying changes; `None` is an empty field. Groups are shown by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

impl fmt::Display for FieldChange {
    /// `groep: 5A → 6B`, with `(none)` for an empty side.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let side = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".into());
        write!(f, "{}: {} → {}", self.field, side(&self.from), side(&self.to))
    }
}

/// Something an admin should look at before applying.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "flag", rename_all = "snake_case")]
pub enum Flag {
    /// A teacher without e-mail address gets no invitation; fill one in with
    /// [`super::Decision::Email`].
    NoEmail,
    /// The record refers to a group key that is neither in this answer nor known through
    /// this koppeling; the reference is left out of the fields.
    UnknownGroup { key: String },
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Flag::NoEmail => f.write_str("no e-mail address"),
            Flag::UnknownGroup { key } => write!(f, "group {key} is not in this answer: left out"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroepFields {
    pub naam: String,
    /// Wire form; `None` for a composed group.
    pub jaargroep: Option<String>,
    pub samengesteld: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeerkrachtFields {
    pub achternaam: Option<String>,
    pub voorvoegsel: Option<String>,
    pub voorletters: Option<String>,
    pub roepnaam: Option<String>,
    /// From an [`super::Decision::Email`], else from the LAS, else (for an existing teacher)
    /// the address already known: a LAS that sends none does not erase one an admin entered.
    pub emailadres: Option<String>,
    /// Incoming group keys, class and composed.
    pub groepen: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeerlingFields {
    pub achternaam: Option<String>,
    pub voorvoegsel: Option<String>,
    pub voorletters: Option<String>,
    pub roepnaam: Option<String>,
    #[serde(default, with = "date")]
    pub geboortedatum: Option<NaiveDate>,
    /// Wire code.
    pub geslacht: Option<String>,
    /// Wire form.
    pub jaargroep: Option<String>,
    /// Key of the class group.
    pub groep: Option<String>,
    /// Keys of the composed groups.
    pub samengestelde_groepen: Vec<String>,
}

/// A known record that came in through this koppeling and is gone from a full answer.
/// Deactivating archives it: results stay, no new test sittings (DOMAIN.md §4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deactivation {
    pub tab: Tab,
    pub id: i64,
    /// "de Vries, Piet (groep 5A)".
    pub label: String,
}

/// Counts for one tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TabSummary {
    pub new: usize,
    pub existing_changed: usize,
    /// Existing, active and identical: not listed.
    pub unchanged: usize,
    /// Skipped in this proposal (by the admin, or along with a group the admin skipped).
    pub skip: usize,
    /// Skipped as before (a skip marker, or along with a group skipped earlier): no news.
    pub skipped_earlier: usize,
    pub deactivations: usize,
    /// Of the new ones, how many have strong candidates and no decision yet: applying is
    /// refused until this is 0.
    #[serde(default)]
    pub undecided: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Summary {
    pub groepen: TabSummary,
    pub leerkrachten: TabSummary,
    pub leerlingen: TabSummary,
    /// One human line per noteworthy change, in proposal order: "new: ...", "move: ...",
    /// "rename: ...", "update: ...", "back: ...", "skip: ...", "e-mail missing: ...",
    /// "leaver: ...", "deactivate: ...", and last "undecided: ..." per new record that holds
    /// the proposal up.
    pub changes: Vec<String>,
}

impl Summary {
    pub fn tab(&self, tab: Tab) -> &TabSummary {
        match tab {
            Tab::Groepen => &self.groepen,
            Tab::Leerkrachten => &self.leerkrachten,
            Tab::Leerlingen => &self.leerlingen,
        }
    }
}

/// The guard against mass deactivation: a LAS that answers (half) empty must not archive a
/// school without someone saying so.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Safety {
    /// Known active pupils of the school location.
    pub active_pupils: usize,
    /// Of those, how many this proposal deactivates.
    pub deactivating: usize,
    /// `deactivating / active_pupils`; 0 when no pupils are known.
    pub share: f64,
    /// Applying needs an explicit override: the share is above the setting, or a full
    /// answer holds no pupils at all while pupils are known.
    pub needs_override: bool,
}

/// `Option<NaiveDate>` as `"2015-03-02"`. chrono's own serde support is a feature this
/// crate does not switch on, and an ISO date is what every consumer of the JSON expects.
pub(crate) mod date {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, Serializer};

    const FORMAT: &str = "%Y-%m-%d";

    pub(crate) fn serialize<S: Serializer>(d: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&d.format(FORMAT).to_string()),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|s| NaiveDate::parse_from_str(&s, FORMAT).map_err(serde::de::Error::custom))
            .transpose()
    }
}
