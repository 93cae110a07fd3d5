//! Which incoming record is which known record.
//!
//! Automatic links come only from keys that came in through this koppeling: first the eckid
//! (a national id that survives a change of LAS), then the LAS key. A known record is linked
//! to at most one incoming record; the eckid pass runs over the whole answer before the key
//! pass, so an eckid link is never lost to a key link of an earlier record.
//!
//! Everything else is a suggestion ([`Candidates`]): the same eckid through another link,
//! same name and birth date, same e-mail, the same group name in the year. Those are never
//! applied by themselves, because two pupils called Emma de Jong in one school are common and
//! linking the wrong one moves test results to another child; but the strong ones
//! (`CandidateReason::is_strong`) hold the proposal up until an admin decides
//! (`Item::is_undecided`), so that nobody is doubled silently either.

use super::incoming::{text, Answer};
use super::proposal::{CandidateReason, GroepFields, LeerkrachtFields, LeerlingFields, LinkReason, SkipReason};
use super::snapshot::{nonempty, KnownIndex, Snapshot};
use super::{ExternalRef, RecordRef, Tab};
use std::collections::{HashMap, HashSet};

/// The admin-adjustable state of one incoming record.
#[derive(Debug, Default)]
pub(crate) struct Slot {
    pub link: Option<Link>,
    /// The record's own skip (admin, or a skip marker). Skips cascaded from groups are
    /// worked out later, when all group skips are known.
    pub skip: Option<SkipReason>,
    /// An admin said import it: lifts a skip marker and any cascade from a skipped group.
    pub unskipped: bool,
    /// An e-mail address an admin filled in (teachers).
    pub email: Option<String>,
    /// An admin said create it new ([`super::Decision::New`]); a later link undoes it.
    pub create_anyway: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Link {
    /// Position in the snapshot's list of this tab.
    pub known: usize,
    pub reason: LinkReason,
}

/// Matching state of one tab.
#[derive(Debug)]
pub(crate) struct TabState<'a> {
    pub records: Vec<&'a RecordRef>,
    /// Record key to position; on a duplicate key the first record wins.
    pub by_key: HashMap<&'a str, usize>,
    pub slots: Vec<Slot>,
    /// Known position to the incoming position linked to it: one link per known record.
    pub claims: HashMap<usize, usize>,
    pub known: KnownIndex<'a>,
}

impl<'a> TabState<'a> {
    fn new(
        tab: Tab,
        records: Vec<(&'a RecordRef, &'a ExternalRef)>,
        known: KnownIndex<'a>,
        markers: &HashSet<(Tab, &str)>,
    ) -> Self {
        let mut by_key = HashMap::with_capacity(records.len());
        let mut slots = Vec::with_capacity(records.len());
        for (i, (r, _)) in records.iter().enumerate() {
            by_key.entry(r.key.as_str()).or_insert(i);
            let skip = markers.contains(&(tab, r.key.as_str())).then_some(SkipReason::Earlier);
            slots.push(Slot { skip, ..Slot::default() });
        }
        let mut state = TabState {
            records: records.iter().map(|(r, _)| *r).collect(),
            by_key,
            slots,
            claims: HashMap::with_capacity(records.len()),
            known,
        };
        state.auto_match(&records);
        state
    }

    fn auto_match(&mut self, records: &[(&RecordRef, &ExternalRef)]) {
        for (i, (_, ext)) in records.iter().enumerate() {
            if let Some(&k) = nonempty(ext.eckid.as_deref()).and_then(|e| self.known.by_eckid.get(e)) {
                if !self.claims.contains_key(&k) {
                    self.link(i, k, LinkReason::SameEckid);
                }
            }
        }
        for (i, (_, ext)) in records.iter().enumerate() {
            if self.slots[i].link.is_some() {
                continue;
            }
            if let Some(&k) = nonempty(ext.las_key.as_deref()).and_then(|e| self.known.by_las_key.get(e)) {
                if !self.claims.contains_key(&k) {
                    self.link(i, k, LinkReason::SameLasKey);
                }
            }
        }
    }

    /// Links incoming `i` to known `known`, dropping its earlier link. The caller makes sure
    /// `known` is free.
    pub(crate) fn link(&mut self, i: usize, known: usize, reason: LinkReason) {
        self.unlink(i);
        self.claims.insert(known, i);
        self.slots[i].link = Some(Link { known, reason });
        self.slots[i].create_anyway = false;
    }

    pub(crate) fn unlink(&mut self, i: usize) {
        if let Some(old) = self.slots[i].link.take() {
            self.claims.remove(&old.known);
        }
    }
}

/// Matching state of all three tabs, indexed by [`Tab`].
#[derive(Debug)]
pub(crate) struct Tabs<'a> {
    tabs: [TabState<'a>; 3],
}

impl<'a> Tabs<'a> {
    /// Automatic matching and remembered skips; decisions come after.
    pub(crate) fn new(known: &'a Snapshot, answer: &'a Answer) -> Self {
        let markers: HashSet<(Tab, &str)> = known.skipped.iter().map(|m| (m.tab, m.key.trim())).collect();
        let state = |tab, index| TabState::new(tab, answer.records(tab), index, &markers);
        Tabs {
            tabs: [
                state(Tab::Groepen, KnownIndex::new(&known.groepen)),
                state(Tab::Leerkrachten, KnownIndex::new(&known.leerkrachten)),
                state(Tab::Leerlingen, KnownIndex::new(&known.leerlingen)),
            ],
        }
    }

    pub(crate) fn get(&self, tab: Tab) -> &TabState<'a> {
        &self.tabs[tab.index()]
    }

    pub(crate) fn get_mut(&mut self, tab: Tab) -> &mut TabState<'a> {
        &mut self.tabs[tab.index()]
    }
}

/// Known active records by the properties candidates are found by. Built once per proposal.
pub(crate) struct Candidates<'a> {
    known: &'a Snapshot,
    /// Known group id to name, for "same name and group".
    group_names: &'a HashMap<i64, &'a str>,
    groepen: Buckets,
    leerkracht_email: Buckets,
    leerkracht_name: Buckets,
    leerlingen: Buckets,
    /// Every known pupil (archived too: an ECK iD is the child's for life) by ECK iD.
    leerling_eckid: Buckets,
}

impl<'a> Candidates<'a> {
    pub(super) fn new(known: &'a Snapshot, group_names: &'a HashMap<i64, &'a str>) -> Self {
        Candidates {
            known,
            group_names,
            groepen: Buckets::new(known.groepen.iter().map(|g| (g.active, lower(Some(&g.naam))))),
            leerkracht_email: Buckets::new(
                known.leerkrachten.iter().map(|l| (l.active, lower(l.emailadres.as_deref()))),
            ),
            leerkracht_name: Buckets::new(known.leerkrachten.iter().map(|l| {
                (l.active, name_key(l.achternaam.as_deref(), l.voorvoegsel.as_deref(), l.roepnaam.as_deref()))
            })),
            leerlingen: Buckets::new(known.leerlingen.iter().map(|l| {
                (l.active, name_key(l.achternaam.as_deref(), l.voorvoegsel.as_deref(), l.roepnaam.as_deref()))
            })),
            leerling_eckid: Buckets::new(known.leerlingen.iter().map(|l| {
                let through_this_link = l.external.as_ref().and_then(|e| nonempty(e.eckid.as_deref()));
                (true, nonempty(l.eckid.as_deref()).or(through_this_link).map(str::to_string))
            })),
        }
    }

    /// Known groups (positions) that might be this new one, by id.
    pub(super) fn groep(&self, f: &GroepFields, claims: &HashMap<usize, usize>) -> Vec<(usize, CandidateReason)> {
        let mut found = Found::default();
        found.add(self.groepen.get(lower(Some(&f.naam))), claims, CandidateReason::SameGroupName);
        found.finish(|k| self.known.groepen[k].id)
    }

    pub(super) fn leerkracht(
        &self,
        f: &LeerkrachtFields,
        claims: &HashMap<usize, usize>,
    ) -> Vec<(usize, CandidateReason)> {
        let mut found = Found::default();
        found.add(self.leerkracht_email.get(lower(f.emailadres.as_deref())), claims, CandidateReason::SameEmail);
        let name = name_key(f.achternaam.as_deref(), f.voorvoegsel.as_deref(), f.roepnaam.as_deref());
        found.add(self.leerkracht_name.get(name), claims, CandidateReason::SameName);
        found.finish(|k| self.known.leerkrachten[k].id)
    }

    /// `class_group`: the name of the pupil's incoming class group; `eckid`: its incoming
    /// ECK iD.
    pub(super) fn leerling(
        &self,
        f: &LeerlingFields,
        eckid: Option<&str>,
        class_group: Option<&str>,
        claims: &HashMap<usize, usize>,
    ) -> Vec<(usize, CandidateReason)> {
        let name = name_key(f.achternaam.as_deref(), f.voorvoegsel.as_deref(), f.roepnaam.as_deref());
        let class_group = lower(class_group);
        let mut found = Found::default();
        found.add(self.leerling_eckid.get(nonempty(eckid).map(str::to_string)), claims, CandidateReason::SameEckid);
        for &k in self.leerlingen.get(name) {
            let l = &self.known.leerlingen[k];
            let reason = if f.geboortedatum.is_some() && l.geboortedatum == f.geboortedatum {
                CandidateReason::NameAndBirthDate
            } else if class_group.is_some()
                && lower(l.groep.and_then(|id| self.group_names.get(&id).copied())) == class_group
            {
                CandidateReason::NameAndGroup
            } else {
                continue;
            };
            found.add(&[k], claims, reason);
        }
        found.finish(|k| self.known.leerlingen[k].id)
    }
}

/// Known positions by a lookup key; only active records are put in.
struct Buckets(HashMap<String, Vec<usize>>);

impl Buckets {
    fn new(keys: impl Iterator<Item = (bool, Option<String>)>) -> Self {
        let mut map: HashMap<String, Vec<usize>> = HashMap::new();
        for (k, (active, key)) in keys.enumerate() {
            if let (true, Some(key)) = (active, key) {
                map.entry(key).or_default().push(k);
            }
        }
        Buckets(map)
    }

    fn get(&self, key: Option<String>) -> &[usize] {
        key.and_then(|k| self.0.get(&k)).map_or(&[], Vec::as_slice)
    }
}

/// Candidates collected for one record: each known record once, with its strongest reason
/// (the reasons are declared strongest first).
#[derive(Default)]
struct Found(HashMap<usize, CandidateReason>);

impl Found {
    fn add(&mut self, known: &[usize], claims: &HashMap<usize, usize>, reason: CandidateReason) {
        for &k in known {
            // A known record already linked to another incoming record is spoken for.
            if claims.contains_key(&k) {
                continue;
            }
            let r = self.0.entry(k).or_insert(reason);
            *r = (*r).min(reason);
        }
    }

    fn finish(self, id: impl Fn(usize) -> i64) -> Vec<(usize, CandidateReason)> {
        let mut v: Vec<_> = self.0.into_iter().collect();
        v.sort_by_key(|&(k, _)| (id(k), k));
        v
    }
}

fn lower(s: Option<&str>) -> Option<String> {
    text(s).map(|s| s.to_lowercase())
}

/// A person's name as candidates compare it: surname, voorvoegsel and roepnaam, trimmed and
/// case-folded. `None` when there is neither surname nor roepnaam: no name, no suggestion.
fn name_key(achternaam: Option<&str>, voorvoegsel: Option<&str>, roepnaam: Option<&str>) -> Option<String> {
    let (a, v, r) = (lower(achternaam), lower(voorvoegsel), lower(roepnaam));
    if a.is_none() && r.is_none() {
        return None;
    }
    // U+001F cannot occur in a name, so the parts cannot run into each other.
    Some(format!("{}\u{1f}{}\u{1f}{}", a.unwrap_or_default(), v.unwrap_or_default(), r.unwrap_or_default()))
}
