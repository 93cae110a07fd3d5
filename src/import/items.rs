//! The item lists of a proposal, and its deactivations, from the settled matching state.

use super::changes;
use super::groups::{GroupId, GroupView, Resolved};
use super::incoming::{text, Answer};
use super::label;
use super::matching::{Candidates, Slot, Tabs};
use super::proposal::{Candidate, CandidateReason, Category, Deactivation, Flag, Item, SkipReason};
use super::proposal::{GroepFields, LeerkrachtFields, LeerlingFields};
use super::snapshot::{KnownGroep, KnownLeerkracht, KnownLeerling, KnownRecord, Snapshot};
use super::Tab;
use std::collections::{BTreeMap, HashMap};

pub(crate) struct Built {
    pub groepen: Vec<Item<GroepFields>>,
    pub leerkrachten: Vec<Item<LeerkrachtFields>>,
    pub leerlingen: Vec<Item<LeerlingFields>>,
    /// Existing, active, identical records, per tab: counted, not listed.
    pub unchanged: [usize; 3],
    pub group_names: BTreeMap<String, String>,
    pub year_groups: BTreeMap<i64, Vec<String>>,
}

pub(crate) fn build(known: &Snapshot, answer: &Answer, tabs: &Tabs<'_>, groups: &GroupView<'_>) -> Built {
    let candidates = Candidates::new(known, &groups.known_names);
    let mut b = Built {
        groepen: Vec::new(),
        leerkrachten: Vec::new(),
        leerlingen: Vec::new(),
        unchanged: [0; 3],
        group_names: answer.groepen.iter().map(|g| (g.record.key.clone(), g.fields.naam.clone())).collect(),
        year_groups: BTreeMap::new(),
    };

    let st = tabs.get(Tab::Groepen);
    for (i, r) in answer.groepen.iter().enumerate() {
        let mut item = item(r.record.clone(), r.external.clone(), r.fields.clone());
        match fate(&st.slots[i], None) {
            Fate::Skip(reason) => item.category = Category::Skip { reason },
            Fate::Existing(k, reason) => {
                let g = &known.groepen[k];
                item.category = Category::Existing { id: g.id, reason };
                item.changes = changes::groep(g, &item.fields, &item.external);
            }
            Fate::New => {
                let found = candidates.groep(&item.fields, &st.claims);
                item.candidates = candidate_list(found, &known.groepen, groep_label);
                item.create_anyway = st.slots[i].create_anyway;
            }
        }
        push(&mut b.groepen, &mut b.unchanged[0], item);
    }

    let st = tabs.get(Tab::Leerkrachten);
    for (i, r) in answer.leerkrachten.iter().enumerate() {
        let slot = &st.slots[i];
        let mut fields = r.fields.clone();
        let mut flags = Vec::new();
        fields.groepen = keep_groups(&r.fields.groepen, groups, &mut flags, &mut b.group_names);
        if let Some(email) = &slot.email {
            fields.emailadres = Some(email.clone());
        }
        let mut item = item(r.record.clone(), r.external.clone(), fields);
        match fate(slot, None) {
            Fate::Skip(reason) => {
                item.category = Category::Skip { reason };
                flags.clear();
            }
            Fate::Existing(k, reason) => {
                let l = &known.leerkrachten[k];
                item.category = Category::Existing { id: l.id, reason };
                // A LAS that sends no address does not erase the one an admin entered.
                if item.fields.emailadres.is_none() {
                    item.fields.emailadres = text(l.emailadres.as_deref());
                }
                item.changes = changes::leerkracht(l, &item.fields, &item.external, groups);
                // The year's first import (no group of the year known yet): a teacher who
                // only takes up new groups carries on unchanged, memberships written apart.
                let only_new_groups = !item.fields.groepen.is_empty()
                    && item
                        .fields
                        .groepen
                        .iter()
                        .all(|k| matches!(groups.resolve(k), Resolved::Group { id: GroupId::New(_), .. }));
                let only_groups = item.changes.len() == 1 && item.changes[0].field == "groepen";
                if known.groepen.is_empty() && l.groepen.is_empty() && only_groups && only_new_groups {
                    b.year_groups.insert(l.id, item.fields.groepen.clone());
                    item.changes.clear();
                }
            }
            Fate::New => {
                let found = candidates.leerkracht(&item.fields, &st.claims);
                item.candidates = candidate_list(found, &known.leerkrachten, leerkracht_label);
                item.create_anyway = slot.create_anyway;
            }
        }
        if item.fields.emailadres.is_none() && !matches!(item.category, Category::Skip { .. }) {
            flags.insert(0, Flag::NoEmail);
        }
        item.flags = flags;
        push(&mut b.leerkrachten, &mut b.unchanged[1], item);
    }

    let st = tabs.get(Tab::Leerlingen);
    for (i, r) in answer.leerlingen.iter().enumerate() {
        let slot = &st.slots[i];
        let cascade = if slot.skip.is_none() && !slot.unskipped { groups.cascade(&r.fields) } else { None };
        let mut fields = r.fields.clone();
        let mut flags = Vec::new();
        fields.groep = keep_groups(r.fields.groep.as_slice(), groups, &mut flags, &mut b.group_names).pop();
        fields.samengestelde_groepen =
            keep_groups(&r.fields.samengestelde_groepen, groups, &mut flags, &mut b.group_names);
        let mut item = item(r.record.clone(), r.external.clone(), fields);
        match fate(slot, cascade) {
            Fate::Skip(reason) => {
                item.category = Category::Skip { reason };
                flags.clear();
            }
            Fate::Existing(k, reason) => {
                let l = &known.leerlingen[k];
                item.category = Category::Existing { id: l.id, reason };
                item.changes = changes::leerling(l, &item.fields, &item.external, groups);
            }
            Fate::New => {
                let class_group = item.fields.groep.as_deref().and_then(|key| match groups.resolve(key) {
                    Resolved::Group { naam, .. } => Some(naam),
                    _ => None,
                });
                let found = candidates.leerling(&item.fields, item.external.eckid.as_deref(), class_group, &st.claims);
                item.candidates = candidate_list(found, &known.leerlingen, |l| leerling_label(l, groups));
                item.create_anyway = slot.create_anyway;
            }
        }
        item.flags = flags;
        push(&mut b.leerlingen, &mut b.unchanged[2], item);
    }
    b
}

/// What becomes of one incoming record: its own skip first, then a skip cascaded from its
/// groups, then its link.
enum Fate {
    Skip(SkipReason),
    Existing(usize, super::proposal::LinkReason),
    New,
}

fn fate(slot: &Slot, cascade: Option<SkipReason>) -> Fate {
    if let Some(reason) = slot.skip.clone().or(cascade) {
        Fate::Skip(reason)
    } else if let Some(link) = slot.link {
        Fate::Existing(link.known, link.reason)
    } else {
        Fate::New
    }
}

fn item<F>(record: super::RecordRef, external: super::ExternalRef, fields: F) -> Item<F> {
    Item {
        record,
        external,
        fields,
        category: Category::New,
        candidates: Vec::new(),
        create_anyway: false,
        changes: Vec::new(),
        flags: Vec::new(),
    }
}

/// Lists the item unless it is existing and identical (then it only counts). An inactive
/// known record has an "active" change, so an identical one is active.
fn push<F>(list: &mut Vec<Item<F>>, unchanged: &mut usize, item: Item<F>) {
    if matches!(item.category, Category::Existing { .. }) && item.changes.is_empty() {
        *unchanged += 1;
    } else {
        list.push(item);
    }
}

/// The group keys that will be groups after applying, without duplicates; flags unknown
/// ones and records the names of groups found outside the answer.
fn keep_groups(
    keys: &[String],
    groups: &GroupView<'_>,
    flags: &mut Vec<Flag>,
    names: &mut BTreeMap<String, String>,
) -> Vec<String> {
    let mut kept: Vec<String> = Vec::with_capacity(keys.len());
    for key in keys {
        match groups.resolve(key) {
            Resolved::Group { naam, .. } => {
                // A handful of groups per person: a linear check beats hashing.
                if !kept.contains(key) {
                    kept.push(key.clone());
                }
                if !names.contains_key(key) {
                    names.insert(key.clone(), naam.to_string());
                }
            }
            Resolved::Skipped => {}
            Resolved::Unknown => flags.push(Flag::UnknownGroup { key: key.clone() }),
        }
    }
    kept
}

fn candidate_list<R: KnownRecord>(
    found: Vec<(usize, CandidateReason)>,
    known: &[R],
    label: impl Fn(&R) -> String,
) -> Vec<Candidate> {
    found.into_iter().map(|(k, reason)| Candidate { id: known[k].id(), reason, label: label(&known[k]) }).collect()
}

fn groep_label(g: &KnownGroep) -> String {
    if g.samengesteld {
        format!("{} (samengesteld)", g.naam)
    } else {
        label::groep(&g.naam)
    }
}

fn leerkracht_label(l: &KnownLeerkracht) -> String {
    let name = label::person_listed(
        l.achternaam.as_deref(),
        l.voorvoegsel.as_deref(),
        l.voorletters.as_deref(),
        l.roepnaam.as_deref(),
    );
    match text(l.emailadres.as_deref()) {
        Some(e) => format!("{name} <{e}>"),
        None => name,
    }
}

fn leerling_label(l: &KnownLeerling, groups: &GroupView<'_>) -> String {
    let name = label::person_listed(
        l.achternaam.as_deref(),
        l.voorvoegsel.as_deref(),
        l.voorletters.as_deref(),
        l.roepnaam.as_deref(),
    );
    match l.groep {
        Some(id) => format!("{name} ({})", label::groep(&groups.known_name(id))),
        None => name,
    }
}

/// Full answers only: known active records that came in through this koppeling and that no
/// incoming record is linked to. A record the admin skipped keeps its link and so is not
/// deactivated: skipping means leave it alone, not archive it.
pub(crate) fn deactivations(known: &Snapshot, tabs: &Tabs<'_>, groups: &GroupView<'_>) -> Vec<Deactivation> {
    fn gone<'k, R: KnownRecord>(records: &'k [R], claims: &HashMap<usize, usize>) -> Vec<&'k R> {
        let mut v: Vec<&R> = records
            .iter()
            .enumerate()
            .filter(|(k, r)| r.active() && r.external().is_some() && !claims.contains_key(k))
            .map(|(_, r)| r)
            .collect();
        v.sort_by_key(|r| r.id());
        v
    }
    let mut out = Vec::new();
    for g in gone(&known.groepen, &tabs.get(Tab::Groepen).claims) {
        out.push(Deactivation { tab: Tab::Groepen, id: g.id, label: groep_label(g) });
    }
    for l in gone(&known.leerkrachten, &tabs.get(Tab::Leerkrachten).claims) {
        out.push(Deactivation { tab: Tab::Leerkrachten, id: l.id, label: leerkracht_label(l) });
    }
    for l in gone(&known.leerlingen, &tabs.get(Tab::Leerlingen).claims) {
        out.push(Deactivation { tab: Tab::Leerlingen, id: l.id, label: leerling_label(l, groups) });
    }
    out
}
