//! Finding a known record by hand, to link an incoming one to it ("koppeling aanpassen" in
//! the review of an import): the school's records as the proposal's import sees them (every
//! pupil and teacher of the school, the year's groups), searched by name, birth date or
//! Boom number. One pass over the school's records: linear, never a scan per record.

use super::{Gateway, GatewayError};
use crate::import::Tab;
use crate::store::imports as rows;
use crate::store::koppelingen as links;
use crate::store::records;
use chrono::NaiveDate;
use serde::Serialize;

/// The most records one search returns: a search that finds more should be narrower.
pub const SEARCH_LIMIT: usize = 50;

/// A known record a search found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Found {
    pub id: i64,
    /// "Piet de Vries"; a group's name.
    pub naam: String,
    pub geboortedatum: Option<NaiveDate>,
    /// A teacher's e-mail address.
    pub emailadres: Option<String>,
    /// A pupil's class group this year, by name.
    pub groep: Option<String>,
    pub jaargroep: Option<String>,
    pub boom_nummer: Option<String>,
    pub active: bool,
}

/// How a search reads what was typed.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Query {
    /// `4-3-2017`, `04-03-2017` or `2017-03-04`.
    Date(NaiveDate),
    /// Only digits: a Boom number, or its start.
    Number(String),
    /// Words, each of which must be in the name (or e-mail address).
    Words(Vec<String>),
}

impl Query {
    fn parse(q: &str) -> Option<Query> {
        let q = q.trim();
        if q.is_empty() {
            return None;
        }
        for f in ["%d-%m-%Y", "%Y-%m-%d", "%d/%m/%Y"] {
            if let Ok(d) = NaiveDate::parse_from_str(q, f) {
                return Some(Query::Date(d));
            }
        }
        if q.bytes().all(|b| b.is_ascii_digit()) {
            return Some(Query::Number(q.to_string()));
        }
        Some(Query::Words(q.to_lowercase().split_whitespace().map(str::to_string).collect()))
    }

    fn words_in(words: &[String], hay: &str) -> bool {
        let hay = hay.to_lowercase();
        words.iter().all(|w| hay.contains(w.as_str()))
    }
}

fn person(parts: [&Option<String>; 4]) -> String {
    let [roepnaam, voorletters, voorvoegsel, achternaam] = parts;
    [roepnaam.as_ref().or(voorletters.as_ref()), voorvoegsel.as_ref(), achternaam.as_ref()]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

impl Gateway {
    /// The known records of `tab` that the import of proposal `proposal_id` may be linked
    /// to and that match `query`: for pupils by name (every word), birth date or Boom
    /// number; for teachers by name or e-mail address; for groups by name. Active records
    /// first, then by name; at most [`SEARCH_LIMIT`]. An empty query finds nothing.
    pub async fn search_records(&self, proposal_id: i64, tab: Tab, query: &str) -> Result<Vec<Found>, GatewayError> {
        let Some(q) = Query::parse(query) else {
            return Ok(Vec::new());
        };
        let mut conn = self.store.pool().acquire().await?;
        let row = rows::get_proposal(&mut conn, proposal_id).await?;
        let k = links::get(&mut conn, row.koppeling_id).await?;
        let known =
            records::snapshot(&mut conn, &k.location, &k.schooljaar.to_string(), Some(k.id), records::Scope::Import)
                .await?;
        let group_names: std::collections::HashMap<i64, &str> =
            known.groepen.iter().map(|g| (g.id, g.naam.as_str())).collect();
        let mut found: Vec<Found> = match tab {
            Tab::Groepen => known
                .groepen
                .iter()
                .filter(|g| matches!(&q, Query::Words(w) if Query::words_in(w, &g.naam)))
                .map(|g| Found {
                    id: g.id,
                    naam: g.naam.clone(),
                    geboortedatum: None,
                    emailadres: None,
                    groep: None,
                    jaargroep: g.jaargroep.clone(),
                    boom_nummer: None,
                    active: g.active,
                })
                .collect(),
            Tab::Leerkrachten => known
                .leerkrachten
                .iter()
                .filter_map(|l| {
                    let naam = person([&l.roepnaam, &l.voorletters, &l.voorvoegsel, &l.achternaam]);
                    let hay = format!("{naam} {}", l.emailadres.as_deref().unwrap_or(""));
                    matches!(&q, Query::Words(w) if Query::words_in(w, &hay)).then(|| Found {
                        id: l.id,
                        naam,
                        geboortedatum: None,
                        emailadres: l.emailadres.clone(),
                        groep: None,
                        jaargroep: None,
                        boom_nummer: None,
                        active: l.active,
                    })
                })
                .collect(),
            Tab::Leerlingen => known
                .leerlingen
                .iter()
                .filter_map(|l| {
                    let naam = person([&l.roepnaam, &l.voorletters, &l.voorvoegsel, &l.achternaam]);
                    let hit = match &q {
                        Query::Date(d) => l.geboortedatum == Some(*d),
                        Query::Number(n) => l.boom_nummer.as_deref().is_some_and(|b| b.starts_with(n.as_str())),
                        Query::Words(w) => {
                            Query::words_in(w, &format!("{naam} {}", l.voorletters.as_deref().unwrap_or("")))
                        }
                    };
                    hit.then(|| Found {
                        id: l.id,
                        naam,
                        geboortedatum: l.geboortedatum,
                        emailadres: None,
                        groep: l.groep.and_then(|g| group_names.get(&g).map(|n| n.to_string())),
                        jaargroep: l.jaargroep.clone(),
                        boom_nummer: l.boom_nummer.clone(),
                        active: l.active,
                    })
                })
                .collect(),
        };
        found.sort_by(|a, b| (!a.active, &a.naam, a.id).cmp(&(!b.active, &b.naam, b.id)));
        found.truncate(SEARCH_LIMIT);
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_is_a_date_a_number_or_words() {
        let d = NaiveDate::from_ymd_opt(2017, 3, 4).unwrap();
        assert_eq!(Query::parse("4-3-2017"), Some(Query::Date(d)));
        assert_eq!(Query::parse(" 2017-03-04 "), Some(Query::Date(d)));
        assert_eq!(Query::parse("48219"), Some(Query::Number("48219".into())));
        assert_eq!(Query::parse("Noor  BAKKER"), Some(Query::Words(vec!["noor".into(), "bakker".into()])));
        assert_eq!(Query::parse("  "), None);
        assert!(Query::words_in(&["bak".into()], "Noor de Bakker"));
        assert!(!Query::words_in(&["bak".into(), "piet".into()], "Noor de Bakker"));
    }
}
