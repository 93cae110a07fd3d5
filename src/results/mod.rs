//! Results as the test platform records them, and the UWLR results messages built from them
//! for a LAS or a dashboard (DOMAIN.md §3, UWLR.md §4–5). Pure: values in, messages out.
//!
//! A result is one pupil × test (part) × sitting. Its key is given once and never reused,
//! so a re-normed version, or a batch sent again after a crash, overwrites at the receiver
//! instead of arriving as a second result. What each receiver may see differs:
//! - a LAS gets the pupil by its LAS key and/or eckid (as it came in through the link), and
//!   the scores;
//! - a dashboard gets the test platform's own pupil number and the scores, nothing else.

use crate::message::leerresultaten::{
    LeerresultatenVerzoek, OsoResultaat, Referentiescore, Resultaat, ResultaatWaarde, ResultatenSchool, Toets,
    Toetsafname, Toetsonderdeel, Toetsscore,
};
use crate::message::values::{DateTime as UwlrDateTime, Decimal, SchoolId, Schooljaar, Vocab, Zone};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// The scores of one result: a raw score, or normed (OSO) scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Scores {
    Raw {
        score: u64,
    },
    Oso {
        /// E.g. `"212.5"`.
        #[serde(default)]
        vaardigheidsscore: Option<String>,
        /// The scale of the vaardigheidsscore (e.g. `BOOM-REK`).
        #[serde(default)]
        schaal: Option<String>,
        /// Lower and upper bound of the reliability interval.
        #[serde(default)]
        betrouwbaarheidsinterval: Option<(String, String)>,
        #[serde(default)]
        dle: Option<u32>,
        #[serde(default)]
        percentiel: Option<u32>,
        /// E.g. `I`..`V` or `A`..`E`.
        #[serde(default)]
        niveau: Option<String>,
    },
}

impl Scores {
    /// Refuses what a receiver would refuse anyway, before it is queued.
    pub fn check(&self) -> Result<(), String> {
        match self {
            Scores::Raw { .. } => Ok(()),
            Scores::Oso { vaardigheidsscore, betrouwbaarheidsinterval, percentiel, .. } => {
                let dec = |what: &str, v: &str| {
                    Decimal::parse(v).map(|_| ()).map_err(|e| format!("{what} '{v}' is not a decimal: {e}"))
                };
                if let Some(v) = vaardigheidsscore {
                    dec("vaardigheidsscore", v)?;
                }
                if let Some((lo, hi)) = betrouwbaarheidsinterval {
                    dec("betrouwbaarheidsinterval", lo)?;
                    dec("betrouwbaarheidsinterval", hi)?;
                }
                if percentiel.is_some_and(|p| !(1..=99).contains(&p)) {
                    return Err("percentiel must be 1 to 99".into());
                }
                Ok(())
            }
        }
    }

    fn waarde(&self) -> ResultaatWaarde {
        match self {
            Scores::Raw { score } => ResultaatWaarde::Score(*score),
            Scores::Oso { vaardigheidsscore, schaal, betrouwbaarheidsinterval, dle, percentiel, niveau } => {
                let dec = |v: &String| Decimal::parse(v).ok();
                let toetsscore =
                    (vaardigheidsscore.is_some() || betrouwbaarheidsinterval.is_some()).then(|| Toetsscore {
                        vaardigheidsscore: vaardigheidsscore.as_ref().and_then(dec),
                        codevaardigheidsschaal: schaal.clone(),
                        betrouwbaarheidsinterval: betrouwbaarheidsinterval
                            .as_ref()
                            .and_then(|(lo, hi)| Some((dec(lo)?, dec(hi)?))),
                        ..Default::default()
                    });
                let landelijk = |code: &str, waarde: String| Referentiescore {
                    codereferentiescore: code.into(),
                    codevergelijkingsgroep: "Landelijk".into(),
                    waarde,
                    kwalificatie: None,
                };
                let mut referentiescores = Vec::new();
                if let Some(d) = dle {
                    referentiescores.push(landelijk("DLE", d.to_string()));
                }
                if let Some(p) = percentiel {
                    referentiescores.push(landelijk("Percentiel", p.to_string()));
                }
                if let Some(n) = niveau {
                    referentiescores.push(landelijk("Norm", n.clone()));
                }
                ResultaatWaarde::Oso(OsoResultaat { toetsscore, referentiescores })
            }
        }
    }
}

/// A result to record (or a new version of one: same pupil, test, part and sitting).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewResult {
    /// The pupil's record id in the test platform (the Boom number is on the record).
    pub leerling_id: i64,
    pub toetscode: String,
    /// Absent: a result for the whole test.
    #[serde(default)]
    pub toetsonderdeel: Option<String>,
    /// Names the sitting (e.g. `2026-11-20` or a sitting id): one result per pupil × test
    /// (part) × sitting.
    pub afname: String,
    pub afnamedatum: NaiveDate,
    pub scores: Scores,
    pub normed_at: DateTime<Utc>,
}

/// A test as results messages declare it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToetsDef {
    pub toetscode: String,
    #[serde(default)]
    pub naam: Option<String>,
    #[serde(default)]
    pub onderdelen: Vec<OnderdeelDef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnderdeelDef {
    pub code: String,
    #[serde(default)]
    pub naam: Option<String>,
}

/// Who receives a message, which decides how pupils are named and what is left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Las,
    Dashboard,
}

/// One result version on its way to one receiver.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    pub delivery_id: i64,
    pub leerling_id: i64,
    /// The pupil's Boom number: all a dashboard gets to know the pupil by.
    pub boom_nummer: Option<String>,
    /// As the pupil came in through the LAS link (a LAS receiver needs one of the two).
    pub las_key: Option<String>,
    pub eckid: Option<String>,
    pub key: String,
    pub toetscode: String,
    pub toetsonderdeel: Option<String>,
    pub afnamedatum: NaiveDate,
    pub scores: Scores,
}

impl Outgoing {
    /// Can a receiver tell which pupil this is? A dashboard always can (our number).
    pub fn addressable(&self, audience: Audience) -> bool {
        audience == Audience::Dashboard || self.las_key.is_some() || self.eckid.is_some()
    }
}

/// The results message for one school: one toetsafname per pupil, every test declared.
pub fn message(
    school: &SchoolId,
    schooljaar: Schooljaar,
    now: DateTime<Utc>,
    audience: Audience,
    items: &[&Outgoing],
    toetsen: &HashMap<String, ToetsDef>,
) -> LeerresultatenVerzoek {
    let mut per_pupil: BTreeMap<i64, Toetsafname> = BTreeMap::new();
    let mut used: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for o in items {
        let afname = per_pupil.entry(o.leerling_id).or_insert_with(|| match audience {
            Audience::Las => {
                Toetsafname { leerlingid: o.las_key.clone(), eckid: o.eckid.clone(), ..Default::default() }
            }
            Audience::Dashboard => Toetsafname {
                leerlingid: Some(o.boom_nummer.clone().unwrap_or_else(|| o.leerling_id.to_string())),
                ..Default::default()
            },
        });
        afname.resultaten.push(Resultaat {
            key: o.key.clone(),
            afnamedatum: o.afnamedatum,
            toetscode: o.toetscode.clone(),
            versie: None,
            toetsonderdeelcode: o.toetsonderdeel.clone(),
            waarde: o.scores.waarde(),
            infourl: None,
        });
        let parts = used.entry(o.toetscode.as_str()).or_default();
        if let Some(p) = &o.toetsonderdeel {
            if !parts.contains(&p.as_str()) {
                parts.push(p);
            }
        }
    }
    let toetsen = used
        .into_iter()
        .map(|(code, parts)| {
            let def = toetsen.get(code);
            // Declared parts first, in their order; parts used but not declared after them.
            let mut names: Vec<(String, Option<String>)> = def
                .map(|d| d.onderdelen.iter().map(|o| (o.code.clone(), o.naam.clone())).collect())
                .unwrap_or_default();
            for p in parts {
                if !names.iter().any(|(c, _)| c == p) {
                    names.push((p.to_string(), None));
                }
            }
            Toets {
                toetscode: Vocab::plain(code),
                toetsnaam: def.and_then(|d| d.naam.clone()),
                toetsonderdelen: names
                    .into_iter()
                    .enumerate()
                    .map(|(i, (c, naam))| Toetsonderdeel {
                        volgnummer: i as u64 + 1,
                        code: Vocab::plain(c),
                        naam,
                        normering: None,
                    })
                    .collect(),
                ..Default::default()
            }
        })
        .collect();
    LeerresultatenVerzoek {
        school: ResultatenSchool {
            schooljaar,
            id: school.clone(),
            // As written: at most 6 fractional digits (`DateTime::to_micros`).
            aanmaakdatum: UwlrDateTime { local: now.naive_utc(), zone: Zone::Utc }.to_micros(),
            auteur: Some("uwlr-gateway".into()),
            xsdversie: "2.3".into(),
            commentaar: None,
        },
        toetsafnames: per_pupil.into_values().collect(),
        toetsen,
    }
}

/// The pupils of a batch, in order, each with its results: a message never splits a pupil.
pub fn by_pupil(items: &[Outgoing]) -> Vec<Vec<&Outgoing>> {
    let mut order: Vec<i64> = Vec::new();
    let mut groups: HashMap<i64, Vec<&Outgoing>> = HashMap::new();
    for o in items {
        groups
            .entry(o.leerling_id)
            .or_insert_with(|| {
                order.push(o.leerling_id);
                Vec::new()
            })
            .push(o);
    }
    order.into_iter().filter_map(|id| groups.remove(&id)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(id: i64, pupil: i64, key: &str, part: Option<&str>) -> Outgoing {
        Outgoing {
            delivery_id: id,
            leerling_id: pupil,
            boom_nummer: Some(format!("{:010}", 4_000_000_000 + pupil)),
            las_key: Some(format!("L{pupil}")),
            eckid: Some(format!("https://ketenid.nl/201703/{pupil:040}")),
            key: key.into(),
            toetscode: "REK".into(),
            toetsonderdeel: part.map(str::to_string),
            afnamedatum: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            scores: Scores::Oso {
                vaardigheidsscore: Some("212.5".into()),
                schaal: Some("BOOM-REK".into()),
                betrouwbaarheidsinterval: Some(("208.0".into(), "217.0".into())),
                dle: Some(34),
                percentiel: Some(61),
                niveau: Some("III".into()),
            },
        }
    }

    fn school() -> SchoolId {
        SchoolId::Brin { brincode: "99DE".into(), dependancecode: Some("00".into()) }
    }

    #[test]
    fn a_dashboard_gets_our_pupil_number_and_scores_only() {
        let items = [out(1, 7, "R1", None)];
        let refs: Vec<&Outgoing> = items.iter().collect();
        let now = Utc::now();
        let m = message(&school(), Schooljaar::new(2026).unwrap(), now, Audience::Dashboard, &refs, &HashMap::new());
        let a = &m.toetsafnames[0];
        assert_eq!((a.leerlingid.as_deref(), &a.eckid), (Some("4000000007"), &None));
        let m = message(&school(), Schooljaar::new(2026).unwrap(), now, Audience::Las, &refs, &HashMap::new());
        assert_eq!(m.toetsafnames[0].leerlingid.as_deref(), Some("L7"));
        assert!(m.toetsafnames[0].eckid.is_some());
    }

    #[test]
    fn messages_encode_and_declare_every_test_part() {
        let items = [out(1, 1, "R1", Some("B")), out(2, 1, "R2", Some("A")), out(3, 2, "R3", None)];
        let refs: Vec<&Outgoing> = items.iter().collect();
        let defs = HashMap::from([(
            "REK".to_string(),
            ToetsDef {
                toetscode: "REK".into(),
                naam: Some("Rekenen".into()),
                onderdelen: vec![OnderdeelDef { code: "A".into(), naam: Some("Getallen".into()) }],
            },
        )]);
        let m = message(&school(), Schooljaar::new(2026).unwrap(), Utc::now(), Audience::Las, &refs, &defs);
        assert_eq!(m.toetsafnames.len(), 2);
        let codes: Vec<&str> = m.toetsen[0].toetsonderdelen.iter().map(|o| o.code.value.as_str()).collect();
        assert_eq!(codes, ["A", "B"]);
        let body = crate::Body::LeerresultatenVerzoek(m);
        let xml = crate::encode_to_vec(&body, None, &crate::EncodeOptions::default()).expect("valid");
        let back = crate::decode(&xml, &crate::DecodeOptions::strict()).expect("decodes strict");
        assert_eq!(back.body, body);
    }

    #[test]
    fn scores_are_checked_before_they_are_queued() {
        let bad = Scores::Oso {
            vaardigheidsscore: Some("12,5".into()),
            schaal: None,
            betrouwbaarheidsinterval: None,
            dle: None,
            percentiel: None,
            niveau: None,
        };
        assert!(bad.check().unwrap_err().contains("vaardigheidsscore"));
        assert!(Scores::Raw { score: 3 }.check().is_ok());
    }

    #[test]
    fn batches_never_split_a_pupil() {
        let items = [out(1, 1, "R1", None), out(2, 2, "R2", None), out(3, 1, "R3", None)];
        let groups = by_pupil(&items);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].iter().map(|o| o.delivery_id).collect::<Vec<_>>(), [1, 3]);
    }
}
