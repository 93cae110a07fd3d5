//! Field by field what applying an incoming record to its known record changes.
//!
//! Both sides are normalised the same way before comparing, so stored white space or a
//! trailing space from a LAS is no change. Group memberships are compared by identity (see
//! `groups`) and shown by name. External keys are compared only when the LAS sends one: a
//! key that stops coming is kept, not erased.

use super::groups::{GroupId, GroupView, Resolved};
use super::incoming::text;
use super::proposal::{FieldChange, GroepFields, LeerkrachtFields, LeerlingFields};
use super::snapshot::{nonempty, KnownGroep, KnownLeerkracht, KnownLeerling};
use super::ExternalRef;

#[derive(Default)]
struct Diff(Vec<FieldChange>);

impl Diff {
    fn field(&mut self, field: &str, from: Option<String>, to: Option<String>) {
        if from != to {
            self.0.push(FieldChange { field: field.into(), from, to });
        }
    }

    fn text(&mut self, field: &str, from: Option<&str>, to: Option<&str>) {
        self.field(field, text(from), text(to));
    }

    fn active(&mut self, active: bool) {
        if !active {
            self.field("active", Some("no".into()), Some("yes".into()));
        }
    }

    fn external(&mut self, known: Option<&ExternalRef>, incoming: &ExternalRef) {
        let known_eckid = known.and_then(|e| nonempty(e.eckid.as_deref()));
        let known_key = known.and_then(|e| nonempty(e.las_key.as_deref()));
        if let Some(e) = incoming.eckid.as_deref() {
            if known_eckid != Some(e) {
                self.field("eckid", known_eckid.map(Into::into), Some(e.into()));
            }
        }
        if let Some(k) = incoming.las_key.as_deref() {
            if known_key != Some(k) {
                self.field("las_key", known_key.map(Into::into), Some(k.into()));
            }
        }
    }

    /// Memberships as sets; shown as sorted, comma-joined names.
    fn groups(&mut self, field: &str, known: &[i64], incoming: &[String], groups: &GroupView<'_>) {
        let mut from: Vec<GroupId> = known.iter().map(|&id| GroupId::Known(id)).collect();
        let mut to = Vec::with_capacity(incoming.len());
        let mut to_names = Vec::with_capacity(incoming.len());
        for key in incoming {
            if let Resolved::Group { id, naam } = groups.resolve(key) {
                to.push(id);
                to_names.push(naam.to_string());
            }
        }
        from.sort_unstable();
        from.dedup();
        to.sort_unstable();
        to.dedup();
        if from != to {
            let from_names = known.iter().map(|&id| groups.known_name(id)).collect();
            self.field(field, names(from_names), names(to_names));
        }
    }
}

fn names(mut v: Vec<String>) -> Option<String> {
    v.sort();
    v.dedup();
    (!v.is_empty()).then(|| v.join(", "))
}

fn yes_no(b: bool) -> Option<String> {
    Some(if b { "yes" } else { "no" }.into())
}

pub(crate) fn groep(k: &KnownGroep, f: &GroepFields, ext: &ExternalRef) -> Vec<FieldChange> {
    let mut d = Diff::default();
    d.active(k.active);
    d.text("naam", Some(&k.naam), Some(&f.naam));
    d.text("jaargroep", k.jaargroep.as_deref(), f.jaargroep.as_deref());
    d.field("samengesteld", yes_no(k.samengesteld), yes_no(f.samengesteld));
    d.external(k.external.as_ref(), ext);
    d.0
}

/// `f` as it will be written: group keys already filtered, e-mail already decided.
pub(crate) fn leerkracht(
    k: &KnownLeerkracht,
    f: &LeerkrachtFields,
    ext: &ExternalRef,
    groups: &GroupView<'_>,
) -> Vec<FieldChange> {
    let mut d = Diff::default();
    d.active(k.active);
    d.text("achternaam", k.achternaam.as_deref(), f.achternaam.as_deref());
    d.text("voorvoegsel", k.voorvoegsel.as_deref(), f.voorvoegsel.as_deref());
    d.text("voorletters", k.voorletters.as_deref(), f.voorletters.as_deref());
    d.text("roepnaam", k.roepnaam.as_deref(), f.roepnaam.as_deref());
    d.text("emailadres", k.emailadres.as_deref(), f.emailadres.as_deref());
    d.groups("groepen", &k.groepen, &f.groepen, groups);
    d.external(k.external.as_ref(), ext);
    d.0
}

/// `f` as it will be written: group keys already filtered.
pub(crate) fn leerling(
    k: &KnownLeerling,
    f: &LeerlingFields,
    ext: &ExternalRef,
    groups: &GroupView<'_>,
) -> Vec<FieldChange> {
    let mut d = Diff::default();
    d.active(k.active);
    d.text("achternaam", k.achternaam.as_deref(), f.achternaam.as_deref());
    d.text("voorvoegsel", k.voorvoegsel.as_deref(), f.voorvoegsel.as_deref());
    d.text("voorletters", k.voorletters.as_deref(), f.voorletters.as_deref());
    d.text("roepnaam", k.roepnaam.as_deref(), f.roepnaam.as_deref());
    let iso = |date: Option<chrono::NaiveDate>| date.map(|d| d.format("%Y-%m-%d").to_string());
    d.field("geboortedatum", iso(k.geboortedatum), iso(f.geboortedatum));
    d.text("geslacht", k.geslacht.as_deref(), f.geslacht.as_deref());
    d.text("jaargroep", k.jaargroep.as_deref(), f.jaargroep.as_deref());
    let to = f.groep.as_deref().map(|key| groups.resolve(key));
    let same = match (k.groep, to) {
        (None, None) => true,
        (Some(id), Some(Resolved::Group { id: to, .. })) => to == GroupId::Known(id),
        _ => false,
    };
    if !same {
        let to = match to {
            Some(Resolved::Group { naam, .. }) => Some(naam.to_string()),
            _ => None,
        };
        d.field("groep", k.groep.map(|id| groups.known_name(id)), to);
    }
    d.groups("samengestelde_groepen", &k.samengestelde_groepen, &f.samengestelde_groepen, groups);
    d.external(k.external.as_ref(), ext);
    d.0
}
