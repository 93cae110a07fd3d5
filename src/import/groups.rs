//! Group references, resolved once all decisions are in.
//!
//! Pupils and teachers name their groups by LAS key. Whether such a key ends up as a group in
//! the platform depends on the group's own fate in the proposal: linked to a known group,
//! created new, or skipped. Comparing by that identity rather than by name means a renamed
//! group does not move its pupils, and two groups called "Plusklas" are not confused.
//!
//! A delta answer holds only changed records, so a changed pupil may name a group that was
//! not sent because it did not change; then the key is looked up among the groups that came
//! in through this koppeling before (or were skipped before). A full answer must hold every
//! group it names, so there a key outside the answer is unknown.

use super::incoming::Answer;
use super::matching::Tabs;
use super::proposal::{LeerlingFields, SkipReason};
use super::snapshot::{KnownGroep, Snapshot};
use super::{FetchMode, Tab};
use std::collections::{HashMap, HashSet};

/// A group as it will be after applying: an existing one by id, or a new one by position
/// in the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum GroupId {
    Known(i64),
    New(usize),
}

/// What a group key in a pupil's or teacher's record comes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resolved<'a> {
    Group {
        id: GroupId,
        naam: &'a str,
    },
    /// The group is not imported: the reference is dropped, and may take the pupil along.
    Skipped,
    /// Neither in the answer nor known: the LAS referred to a group it did not send.
    Unknown,
}

pub(crate) struct GroupView<'a> {
    incoming: HashMap<&'a str, Resolved<'a>>,
    /// Delta only: groups outside the answer, by the LAS key they came in under.
    known_by_key: Option<HashMap<&'a str, &'a KnownGroep>>,
    /// Delta only: keys of groups skipped earlier.
    skipped_earlier: HashSet<&'a str>,
    /// Every known group's name by id, for showing known memberships.
    pub known_names: HashMap<i64, &'a str>,
}

impl<'a> GroupView<'a> {
    pub(super) fn new(known: &'a Snapshot, answer: &'a Answer, tabs: &Tabs<'a>, mode: FetchMode) -> Self {
        let st = tabs.get(Tab::Groepen);
        let mut incoming = HashMap::with_capacity(answer.groepen.len());
        for (i, g) in answer.groepen.iter().enumerate() {
            let slot = &st.slots[i];
            let resolved = if slot.skip.is_some() {
                Resolved::Skipped
            } else {
                let id = slot.link.map_or(GroupId::New(i), |l| GroupId::Known(known.groepen[l.known].id));
                Resolved::Group { id, naam: &g.fields.naam }
            };
            incoming.entry(g.record.key.as_str()).or_insert(resolved);
        }
        let (known_by_key, skipped_earlier) = match mode {
            FetchMode::Full => (None, HashSet::new()),
            FetchMode::Delta => {
                let by_key = st.known.by_las_key.iter().map(|(&k, &i)| (k, &known.groepen[i])).collect();
                let skipped = known.skipped.iter().filter(|m| m.tab == Tab::Groepen).map(|m| m.key.trim()).collect();
                (Some(by_key), skipped)
            }
        };
        let known_names = known.groepen.iter().map(|g| (g.id, g.naam.as_str())).collect();
        GroupView { incoming, known_by_key, skipped_earlier, known_names }
    }

    pub(super) fn resolve(&self, key: &str) -> Resolved<'a> {
        if let Some(&r) = self.incoming.get(key) {
            return r;
        }
        if self.skipped_earlier.contains(key) {
            return Resolved::Skipped;
        }
        match self.known_by_key.as_ref().and_then(|m| m.get(key)) {
            Some(g) => Resolved::Group { id: GroupId::Known(g.id), naam: &g.naam },
            None => Resolved::Unknown,
        }
    }

    /// The skip a pupil gets from its groups: when it is in at least one skipped group and in
    /// no group that is imported, the first skipped group takes it along. A pupil without
    /// any group stays, and unknown references are no reason either way.
    pub(super) fn cascade(&self, f: &LeerlingFields) -> Option<SkipReason> {
        let mut skipped = None;
        for key in f.groep.iter().chain(&f.samengestelde_groepen) {
            match self.resolve(key) {
                Resolved::Group { .. } => return None,
                Resolved::Skipped => {
                    skipped.get_or_insert(key);
                }
                Resolved::Unknown => {}
            }
        }
        skipped.map(|groep| SkipReason::GroupSkipped { groep: groep.clone() })
    }

    pub(super) fn known_name(&self, id: i64) -> String {
        self.known_names.get(&id).map_or_else(|| format!("#{id}"), |n| (*n).to_string())
    }
}
