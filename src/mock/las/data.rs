//! The mock LAS's school data as its admin API sees it: the views it lists and the edits
//! it makes (pupils, teachers, groups, the school-year rollover), each recorded in the
//! school's change log so `laatstontvangengegevens` sees it.

use super::{bad, Change, MockLas, MockSchool};
use crate::message::leerlinggegevens::{
    Groep, GroepItem, GroepSoort, Leerkracht, LeerkrachtGroep, Leerling, Leerlinggegevens, Naam, RolItem,
    SamengesteldeGroep,
};
use crate::message::values::{parse_date, Geslacht, Jaargroep, Rol, Schooljaar};
use crate::mock::clock::to_uwlr;
use crate::mock::keys::KeyInfo;
use crate::mock::results::ResultsReport;
use crate::mock::AdminError;
use chrono::{DateTime, Months, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A school in the admin API's list.
#[derive(Debug, Clone, Serialize)]
pub struct SchoolSummary {
    pub id: String,
    pub brincode: Option<String>,
    pub dependancecode: Option<String>,
    pub schoolkey: Option<String>,
    pub schooljaar: String,
    pub leerlingen: usize,
    pub groepen: usize,
    pub leerkrachten: usize,
    pub keys: Vec<KeyInfo>,
    #[serde(serialize_with = "crate::mock::clock::ser_utc")]
    pub last_change: DateTime<Utc>,
    pub deliveries: u64,
    pub distinct_results: usize,
}

/// A pupil in the admin API.
#[derive(Debug, Clone, Serialize)]
pub struct LeerlingInfo {
    pub key: Option<String>,
    pub eckid: Option<String>,
    pub roepnaam: Option<String>,
    pub voorvoegsel: Option<String>,
    pub achternaam: Option<String>,
    pub geboortedatum: Option<String>,
    pub jaargroep: Option<String>,
    pub groep: Option<String>,
    pub mutatiedatum: Option<String>,
}

impl From<&Leerling> for LeerlingInfo {
    fn from(l: &Leerling) -> Self {
        LeerlingInfo {
            key: l.key.clone(),
            eckid: l.eckid.clone(),
            roepnaam: l.naam.roepnaam.clone(),
            voorvoegsel: l.naam.voorvoegsel.clone(),
            achternaam: l.naam.achternaam.clone(),
            geboortedatum: l.geboortedatum.map(|d| d.to_string()),
            jaargroep: l.jaargroep.map(|j| j.as_str().to_owned()),
            groep: l.groep.clone(),
            mutatiedatum: l.mutatiedatum.map(|d| d.to_string()),
        }
    }
}

/// A teacher in the admin API.
#[derive(Debug, Clone, Serialize)]
pub struct LeerkrachtInfo {
    pub key: String,
    pub roepnaam: Option<String>,
    pub voorvoegsel: Option<String>,
    pub achternaam: Option<String>,
    pub emailadres: Option<String>,
    pub groepen: Vec<String>,
}

/// A group in the admin API.
#[derive(Debug, Clone, Serialize)]
pub struct GroepInfo {
    pub key: String,
    pub naam: String,
    pub samengesteld: bool,
    pub jaargroep: Option<String>,
    pub leerlingen: usize,
}

/// A new pupil. `jaargroep` as on the wire (`1`..`8`, ...), dates as `2016-05-31`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewLeerling {
    pub key: String,
    #[serde(default)]
    pub eckid: Option<String>,
    #[serde(default)]
    pub achternaam: Option<String>,
    #[serde(default)]
    pub voorvoegsel: Option<String>,
    pub roepnaam: String,
    #[serde(default)]
    pub geboortedatum: Option<String>,
    /// `0` onbekend, `1` jongen, `2` meisje, `9` niet gespecificeerd.
    #[serde(default)]
    pub geslacht: Option<String>,
    #[serde(default)]
    pub jaargroep: Option<String>,
    #[serde(default)]
    pub groep: Option<String>,
}

/// Changes to a pupil: move (`groep`, `jaargroep`) or rename; absent fields stay.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeerlingUpdate {
    #[serde(default)]
    pub eckid: Option<String>,
    #[serde(default)]
    pub achternaam: Option<String>,
    #[serde(default)]
    pub voorvoegsel: Option<String>,
    #[serde(default)]
    pub roepnaam: Option<String>,
    #[serde(default)]
    pub geboortedatum: Option<String>,
    #[serde(default)]
    pub jaargroep: Option<String>,
    #[serde(default)]
    pub groep: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewLeerkracht {
    pub key: String,
    #[serde(default)]
    pub eckid: Option<String>,
    #[serde(default)]
    pub achternaam: Option<String>,
    #[serde(default)]
    pub voorvoegsel: Option<String>,
    pub roepnaam: String,
    #[serde(default)]
    pub emailadres: Option<String>,
    /// Keys of (class) groups the teacher teaches (role LRK).
    #[serde(default)]
    pub groepen: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeerkrachtUpdate {
    #[serde(default)]
    pub achternaam: Option<String>,
    #[serde(default)]
    pub voorvoegsel: Option<String>,
    #[serde(default)]
    pub roepnaam: Option<String>,
    #[serde(default)]
    pub emailadres: Option<String>,
    /// Replaces the teacher's class groups.
    #[serde(default)]
    pub groepen: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewGroep {
    pub key: String,
    pub naam: String,
    /// Required for a class group; ignored for a composed group.
    #[serde(default)]
    pub jaargroep: Option<String>,
    #[serde(default)]
    pub omschrijving: Option<String>,
    /// A `samengestelde_groep` instead of a `groep`.
    #[serde(default)]
    pub samengesteld: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroepUpdate {
    #[serde(default)]
    pub naam: Option<String>,
    #[serde(default)]
    pub jaargroep: Option<String>,
    #[serde(default)]
    pub omschrijving: Option<String>,
}

/// What a school-year rollover did.
#[derive(Debug, Clone, Serialize)]
pub struct RolloverReport {
    pub schooljaar: String,
    /// Pupils who moved up a year.
    pub moved_up: usize,
    /// Pupils of groep 8 who left.
    pub left: usize,
    /// Class groups renewed (new keys); groep-8 groups are gone.
    pub groepen: usize,
}

fn jaargroep(s: &str) -> Result<Jaargroep, AdminError> {
    Jaargroep::parse(s).map_err(bad)
}

fn up(j: Jaargroep) -> Jaargroep {
    use Jaargroep::*;
    match j {
        G1 => G2,
        G2 => G3,
        G3 => G4,
        G4 => G5,
        G5 => G6,
        G6 => G7,
        G7 => G8,
        other => other,
    }
}

fn nonempty(field: &str, v: &str) -> Result<(), AdminError> {
    if v.trim().is_empty() {
        Err(AdminError::bad_request(format!("{field} must not be empty")))
    } else {
        Ok(())
    }
}

impl MockLas {
    // ---- reading ------------------------------------------------------------------------

    pub async fn schools(&self) -> Vec<SchoolSummary> {
        let st = self.inner.state.read().await;
        st.schools
            .iter()
            .map(|s| SchoolSummary {
                id: s.name.id(),
                brincode: s.name.brincode.clone(),
                dependancecode: s.name.dependancecode.clone(),
                schoolkey: s.name.schoolkey.clone(),
                schooljaar: s.data.school.schooljaar.to_string(),
                leerlingen: s.data.leerlingen.len(),
                groepen: s.data.groepen.len(),
                leerkrachten: s.data.leerkrachten.len(),
                keys: st.keys.for_school(&s.name.id()),
                last_change: s.last_change,
                deliveries: s.results.deliveries,
                distinct_results: s.results.distinct(),
            })
            .collect()
    }

    /// A copy of the school's data as it stands.
    pub async fn data(&self, school: &str) -> Result<Leerlinggegevens, AdminError> {
        Ok(self.inner.state.read().await.school(school)?.data.clone())
    }

    pub async fn leerlingen(&self, school: &str) -> Result<Vec<LeerlingInfo>, AdminError> {
        Ok(self.inner.state.read().await.school(school)?.data.leerlingen.iter().map(LeerlingInfo::from).collect())
    }

    pub async fn leerkrachten(&self, school: &str) -> Result<Vec<LeerkrachtInfo>, AdminError> {
        let st = self.inner.state.read().await;
        Ok(st
            .school(school)?
            .data
            .leerkrachten
            .iter()
            .map(|t| LeerkrachtInfo {
                key: t.key.clone(),
                roepnaam: t.naam.roepnaam.clone(),
                voorvoegsel: t.naam.voorvoegsel.clone(),
                achternaam: t.naam.achternaam.clone(),
                emailadres: t.emailadres.clone(),
                groepen: t.groepen.iter().map(|g| g.key.clone()).collect(),
            })
            .collect())
    }

    pub async fn groepen(&self, school: &str) -> Result<Vec<GroepInfo>, AdminError> {
        let st = self.inner.state.read().await;
        let s = st.school(school)?;
        Ok(s.data
            .groepen
            .iter()
            .map(|g| {
                let (samengesteld, jaargroep) = match g {
                    GroepItem::Groep(g) => (false, Some(g.jaargroep.as_str().to_owned())),
                    GroepItem::SamengesteldeGroep(_) => (true, None),
                };
                let leerlingen = s
                    .data
                    .leerlingen
                    .iter()
                    .filter(|l| {
                        if samengesteld {
                            l.samengestelde_groepen.iter().any(|k| k == g.key())
                        } else {
                            l.groep.as_deref() == Some(g.key())
                        }
                    })
                    .count();
                GroepInfo { key: g.key().to_owned(), naam: g.naam().to_owned(), samengesteld, jaargroep, leerlingen }
            })
            .collect())
    }

    pub async fn changes(&self, school: &str) -> Result<Vec<Change>, AdminError> {
        Ok(self.inner.state.read().await.school(school)?.changes.clone())
    }

    pub async fn results(&self, school: &str) -> Result<ResultsReport, AdminError> {
        let st = self.inner.state.read().await;
        let s = st.school(school)?;
        Ok(s.results.report(&s.name.id()))
    }

    // ---- changing data ------------------------------------------------------------------

    async fn mutate<T>(
        &self,
        school: &str,
        f: impl FnOnce(&mut MockSchool, DateTime<Utc>) -> Result<(T, String), AdminError>,
    ) -> Result<T, AdminError> {
        let now = self.now();
        let mut st = self.inner.state.write().await;
        let s = st.school_mut(school)?;
        let (t, what) = f(s, now)?;
        s.record(now, what);
        Ok(t)
    }

    pub async fn add_leerling(&self, school: &str, n: NewLeerling) -> Result<LeerlingInfo, AdminError> {
        self.mutate(school, |s, now| {
            nonempty("key", &n.key)?;
            nonempty("roepnaam", &n.roepnaam)?;
            if s.data.leerlingen.iter().any(|l| l.key.as_deref() == Some(n.key.as_str())) {
                return Err(AdminError::conflict(format!("a leerling with key '{}' exists", n.key)));
            }
            if let Some(g) = &n.groep {
                if !s.groep_exists(g, GroepSoort::Groep) {
                    return Err(AdminError::bad_request(format!("no groep with key '{g}'")));
                }
            }
            let l = Leerling {
                key: Some(n.key.clone()),
                eckid: n.eckid,
                naam: Naam {
                    achternaam: n.achternaam,
                    voorvoegsel: n.voorvoegsel,
                    roepnaam: Some(n.roepnaam),
                    ..Default::default()
                },
                geboortedatum: n.geboortedatum.as_deref().map(parse_date).transpose().map_err(bad)?,
                geslacht: n.geslacht.as_deref().map(Geslacht::parse).transpose().map_err(bad)?,
                jaargroep: n.jaargroep.as_deref().map(jaargroep).transpose()?,
                groep: n.groep,
                vestiging: s.data.vestigingen.first().map(|v| v.key.clone()),
                mutatiedatum: Some(to_uwlr(now)),
                ..Default::default()
            };
            let info = LeerlingInfo::from(&l);
            s.data.leerlingen.push(l);
            Ok((info, format!("leerling {} added", n.key)))
        })
        .await
    }

    /// Moves (groep, jaargroep) or renames a pupil.
    pub async fn update_leerling(
        &self,
        school: &str,
        key: &str,
        u: LeerlingUpdate,
    ) -> Result<LeerlingInfo, AdminError> {
        self.mutate(school, |s, now| {
            if let Some(g) = &u.groep {
                if !s.groep_exists(g, GroepSoort::Groep) {
                    return Err(AdminError::bad_request(format!("no groep with key '{g}'")));
                }
            }
            let j = u.jaargroep.as_deref().map(jaargroep).transpose()?;
            let d = u.geboortedatum.as_deref().map(parse_date).transpose().map_err(bad)?;
            let l = s.leerling_mut(key)?;
            let mut what = Vec::new();
            if let Some(g) = u.groep {
                what.push(format!("moved to groep {g}"));
                l.groep = Some(g);
            }
            if let Some(j) = j {
                what.push(format!("jaargroep {j}"));
                l.jaargroep = Some(j);
            }
            for (field, new, old) in [
                ("achternaam", u.achternaam, &mut l.naam.achternaam),
                ("voorvoegsel", u.voorvoegsel, &mut l.naam.voorvoegsel),
                ("roepnaam", u.roepnaam, &mut l.naam.roepnaam),
                ("eckid", u.eckid, &mut l.eckid),
            ] {
                if let Some(v) = new {
                    what.push(format!("{field} changed"));
                    *old = (!v.is_empty()).then_some(v);
                }
            }
            if let Some(d) = d {
                what.push("geboortedatum changed".into());
                l.geboortedatum = Some(d);
            }
            if what.is_empty() {
                return Err(AdminError::bad_request("nothing to change"));
            }
            l.mutatiedatum = Some(to_uwlr(now));
            Ok((LeerlingInfo::from(&*l), format!("leerling {key}: {}", what.join(", "))))
        })
        .await
    }

    pub async fn remove_leerling(&self, school: &str, key: &str) -> Result<(), AdminError> {
        self.mutate(school, |s, _| {
            let before = s.data.leerlingen.len();
            s.data.leerlingen.retain(|l| l.key.as_deref() != Some(key));
            if s.data.leerlingen.len() == before {
                return Err(AdminError::not_found(format!("no leerling with key '{key}'")));
            }
            Ok(((), format!("leerling {key} removed")))
        })
        .await
    }

    pub async fn add_leerkracht(&self, school: &str, n: NewLeerkracht) -> Result<(), AdminError> {
        self.mutate(school, |s, now| {
            nonempty("key", &n.key)?;
            nonempty("roepnaam", &n.roepnaam)?;
            if s.data.leerkrachten.iter().any(|t| t.key == n.key) {
                return Err(AdminError::conflict(format!("a leerkracht with key '{}' exists", n.key)));
            }
            let groepen = class_groups(s, &n.groepen)?;
            s.data.leerkrachten.push(Leerkracht {
                key: n.key.clone(),
                eckid: n.eckid,
                naam: Naam {
                    achternaam: n.achternaam,
                    voorvoegsel: n.voorvoegsel,
                    roepnaam: Some(n.roepnaam),
                    ..Default::default()
                },
                emailadres: n.emailadres,
                rollen: vec![RolItem::Rol(Rol::Lrk)],
                groepen,
                mutatiedatum: Some(to_uwlr(now)),
                ..Default::default()
            });
            Ok(((), format!("leerkracht {} added", n.key)))
        })
        .await
    }

    pub async fn update_leerkracht(&self, school: &str, key: &str, u: LeerkrachtUpdate) -> Result<(), AdminError> {
        self.mutate(school, |s, now| {
            let groepen = u.groepen.as_deref().map(|g| class_groups(s, g)).transpose()?;
            let t = s.leerkracht_mut(key)?;
            let mut what = Vec::new();
            for (field, new, old) in [
                ("achternaam", u.achternaam, &mut t.naam.achternaam),
                ("voorvoegsel", u.voorvoegsel, &mut t.naam.voorvoegsel),
                ("roepnaam", u.roepnaam, &mut t.naam.roepnaam),
                ("emailadres", u.emailadres, &mut t.emailadres),
            ] {
                if let Some(v) = new {
                    what.push(format!("{field} changed"));
                    *old = (!v.is_empty()).then_some(v);
                }
            }
            if let Some(g) = groepen {
                // Composed-group memberships stay; class groups are replaced.
                t.groepen.retain(|m| m.soort == GroepSoort::SamengesteldeGroep);
                t.groepen.extend(g);
                what.push("groepen changed".into());
            }
            if what.is_empty() {
                return Err(AdminError::bad_request("nothing to change"));
            }
            t.mutatiedatum = Some(to_uwlr(now));
            Ok(((), format!("leerkracht {key}: {}", what.join(", "))))
        })
        .await
    }

    pub async fn remove_leerkracht(&self, school: &str, key: &str) -> Result<(), AdminError> {
        self.mutate(school, |s, _| {
            let before = s.data.leerkrachten.len();
            s.data.leerkrachten.retain(|t| t.key != key);
            if s.data.leerkrachten.len() == before {
                return Err(AdminError::not_found(format!("no leerkracht with key '{key}'")));
            }
            Ok(((), format!("leerkracht {key} removed")))
        })
        .await
    }

    pub async fn add_groep(&self, school: &str, n: NewGroep) -> Result<(), AdminError> {
        self.mutate(school, |s, now| {
            nonempty("key", &n.key)?;
            nonempty("naam", &n.naam)?;
            if s.any_key_taken(&n.key) {
                return Err(AdminError::conflict(format!("a group with key '{}' exists", n.key)));
            }
            let item = if n.samengesteld {
                GroepItem::SamengesteldeGroep(SamengesteldeGroep {
                    key: n.key.clone(),
                    naam: n.naam,
                    omschrijving: n.omschrijving,
                    toevoegingen: None,
                    mutatiedatum: Some(to_uwlr(now)),
                })
            } else {
                let j = n.jaargroep.as_deref().ok_or_else(|| AdminError::bad_request("a groep needs a jaargroep"))?;
                GroepItem::Groep(Groep {
                    key: n.key.clone(),
                    naam: n.naam,
                    jaargroep: jaargroep(j)?,
                    omschrijving: n.omschrijving,
                    toevoegingen: None,
                    mutatiedatum: Some(to_uwlr(now)),
                })
            };
            s.data.groepen.push(item);
            Ok(((), format!("groep {} added", n.key)))
        })
        .await
    }

    pub async fn update_groep(&self, school: &str, key: &str, u: GroepUpdate) -> Result<(), AdminError> {
        self.mutate(school, |s, now| {
            let j = u.jaargroep.as_deref().map(jaargroep).transpose()?;
            let g = s
                .data
                .groepen
                .iter_mut()
                .find(|g| g.key() == key)
                .ok_or_else(|| AdminError::not_found(format!("no group with key '{key}'")))?;
            let stamp = Some(to_uwlr(now));
            match g {
                GroepItem::Groep(g) => {
                    if let Some(n) = u.naam {
                        g.naam = n;
                    }
                    if let Some(j) = j {
                        g.jaargroep = j;
                    }
                    if let Some(o) = u.omschrijving {
                        g.omschrijving = (!o.is_empty()).then_some(o);
                    }
                    g.mutatiedatum = stamp;
                }
                GroepItem::SamengesteldeGroep(g) => {
                    if let Some(n) = u.naam {
                        g.naam = n;
                    }
                    if let Some(o) = u.omschrijving {
                        g.omschrijving = (!o.is_empty()).then_some(o);
                    }
                    g.mutatiedatum = stamp;
                }
            }
            Ok(((), format!("groep {key} changed")))
        })
        .await
    }

    /// Removes an empty group (teachers lose it); refuses while pupils are in it.
    pub async fn remove_groep(&self, school: &str, key: &str) -> Result<(), AdminError> {
        self.mutate(school, |s, now| {
            if !s.any_key_taken(key) {
                return Err(AdminError::not_found(format!("no group with key '{key}'")));
            }
            let n = s
                .data
                .leerlingen
                .iter()
                .filter(|l| l.groep.as_deref() == Some(key) || l.samengestelde_groepen.iter().any(|k| k == key))
                .count();
            if n > 0 {
                return Err(AdminError::conflict(format!("group '{key}' still has {n} pupils; move them first")));
            }
            s.data.groepen.retain(|g| g.key() != key);
            for t in &mut s.data.leerkrachten {
                let before = t.groepen.len();
                t.groepen.retain(|g| g.key != key);
                if t.groepen.len() != before {
                    t.mutatiedatum = Some(to_uwlr(now));
                }
            }
            Ok(((), format!("groep {key} removed")))
        })
        .await
    }

    /// The next school year: pupils move up a jaargroep with their group, groep 8
    /// leaves, class groups get new keys (every group is new in a new year's import) and
    /// groep-8 groups disappear; composed groups stay.
    pub async fn rollover(&self, school: &str) -> Result<RolloverReport, AdminError> {
        self.mutate(school, |s, now| {
            let year = Schooljaar::new(s.data.school.schooljaar.start() + 1)
                .ok_or_else(|| AdminError::bad_request("no school year after this one"))?;
            let stamp = Some(to_uwlr(now));
            let d = &mut s.data;
            d.school.schooljaar = year;
            d.school.peildatum = d.school.peildatum.and_then(|p| p.checked_add_months(Months::new(12)));
            let mut renamed: HashMap<String, Option<String>> = HashMap::new();
            let mut next = s.next_key;
            d.groepen.retain_mut(|g| match g {
                GroepItem::Groep(g) if g.jaargroep == Jaargroep::G8 => {
                    renamed.insert(g.key.clone(), None);
                    false
                }
                GroepItem::Groep(g) => {
                    let new = next.to_string();
                    next += 1;
                    renamed.insert(std::mem::replace(&mut g.key, new.clone()), Some(new));
                    let old = g.jaargroep;
                    g.jaargroep = up(old);
                    if g.naam == format!("Groep {}", old.as_str()) {
                        g.naam = format!("Groep {}", g.jaargroep.as_str());
                    }
                    g.mutatiedatum = stamp;
                    true
                }
                GroepItem::SamengesteldeGroep(g) => {
                    g.mutatiedatum = stamp;
                    true
                }
            });
            s.next_key = next;
            let before = d.leerlingen.len();
            d.leerlingen.retain(|l| l.jaargroep != Some(Jaargroep::G8));
            let left = before - d.leerlingen.len();
            for l in &mut d.leerlingen {
                l.jaargroep = l.jaargroep.map(up);
                l.groep = l.groep.take().and_then(|k| renamed.get(&k).cloned().unwrap_or(Some(k)));
                l.mutatiedatum = stamp;
            }
            for t in &mut d.leerkrachten {
                t.groepen.retain_mut(|m| match renamed.get(&m.key) {
                    Some(Some(new)) if m.soort == GroepSoort::Groep => {
                        m.key = new.clone();
                        true
                    }
                    Some(None) if m.soort == GroepSoort::Groep => false,
                    _ => true,
                });
                t.mutatiedatum = stamp;
            }
            let groepen = renamed.values().filter(|v| v.is_some()).count();
            let report = RolloverReport { schooljaar: year.to_string(), moved_up: d.leerlingen.len(), left, groepen };
            Ok((report, format!("school year rolled over to {year}: {left} pupils left")))
        })
        .await
    }
}

/// Teacher memberships of class groups (role LRK), checking each group exists.
fn class_groups(s: &MockSchool, keys: &[String]) -> Result<Vec<LeerkrachtGroep>, AdminError> {
    keys.iter()
        .map(|k| {
            if s.groep_exists(k, GroepSoort::Groep) {
                Ok(LeerkrachtGroep { soort: GroepSoort::Groep, key: k.clone(), rollen: vec![RolItem::Rol(Rol::Lrk)] })
            } else {
                Err(AdminError::bad_request(format!("no groep with key '{k}'")))
            }
        })
        .collect()
}
