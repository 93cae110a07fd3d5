//! The records of a location per school year: its groups, teachers and pupils with their
//! Boom numbers, a year selector (a GET form), and the Boom numbers as CSV for a dashboard's
//! bulk import (the same text as `uwlr school numbers --format csv`).
//!
//! Who: everyone who sees the location, teachers included (read-only: nothing here
//! changes anything); another school's location answers 404.

use super::pages::{failure, refusal, render};
use super::views::Chrome;
use super::{ConsoleState, Signed};
use crate::gateway::pupils::numbers_csv;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};

#[derive(Debug, Default, Deserialize)]
pub(super) struct YearQuery {
    #[serde(default)]
    schooljaar: Option<String>,
    #[serde(default)]
    melding: Option<String>,
}

impl YearQuery {
    fn year(&self) -> Option<&str> {
        self.schooljaar.as_deref().map(str::trim).filter(|y| !y.is_empty())
    }
}

fn notice(code: Option<&str>) -> Option<String> {
    match code? {
        "geimporteerd" => Some("De gegevens zijn geïmporteerd.".into()),
        "geen-voorstel" => Some("Er wacht geen import op controle: dit zijn de gegevens zoals ze nu zijn.".into()),
        _ => None,
    }
}

pub(super) struct GroepRow {
    pub naam: String,
    pub jaargroep: String,
    pub leerlingen: usize,
    pub active: bool,
}

pub(super) struct LeerkrachtRow {
    pub naam: String,
    pub emailadres: String,
    pub groepen: String,
    pub active: bool,
}

pub(super) struct LeerlingRow {
    pub id: i64,
    pub boom_nummer: String,
    pub naam: String,
    pub geboortedatum: String,
    pub groep: String,
    pub jaargroep: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "console/records_overzicht.html")]
pub(super) struct RecordsPage {
    pub page: Chrome,
    pub location: String,
    pub schooljaar: String,
    pub years: Vec<String>,
    pub groepen: Vec<GroepRow>,
    pub leerkrachten: Vec<LeerkrachtRow>,
    pub leerlingen: Vec<LeerlingRow>,
    pub active_pupils: usize,
    pub open_proposals: Vec<i64>,
}

fn name(parts: [&Option<String>; 4]) -> String {
    let [roepnaam, voorletters, voorvoegsel, achternaam] = parts;
    [roepnaam.as_ref().or(voorletters.as_ref()), voorvoegsel.as_ref(), achternaam.as_ref()]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The school years the location has records or links for, newest first.
async fn years(state: &ConsoleState, location: &str) -> Result<Vec<String>, crate::gateway::GatewayError> {
    let mut years: BTreeSet<String> = state
        .gw
        .koppelingen(Some(location))
        .await?
        .into_iter()
        .filter(|k| !k.kind.is_dashboard())
        .map(|k| k.schooljaar.to_string())
        .collect();
    years.extend(state.gw.school_years(location).await?.into_iter().map(|y| y.schooljaar));
    Ok(years.into_iter().rev().collect())
}

/// The open proposals of the location's links (usually none or one).
async fn open_proposals(gw: &crate::gateway::Gateway, location: &str) -> Vec<i64> {
    // The links first: on SQLite the pool has one connection, so holding it while
    // `koppelingen` asks for one waits out the acquire timeout (and finds nothing).
    let links: Vec<i64> = gw.koppelingen(Some(location)).await.unwrap_or_default().into_iter().map(|k| k.id).collect();
    match gw.store().pool().acquire().await {
        Ok(mut conn) => {
            let activity = crate::store::overview::activity(&mut conn).await.unwrap_or_default();
            links.iter().filter_map(|id| activity.get(id).and_then(|a| a.open_proposal)).collect()
        }
        Err(_) => Vec::new(),
    }
}

/// `/console/locaties/{location}/import`, the page the "new data awaits review" mail links
/// to (a proposal's id can be superseded by the next fetch before the mail is read): the
/// location's open proposal under review, or its records when none is open.
pub(super) async fn import_of_location(
    State(state): State<ConsoleState>,
    Extension(s): Extension<Signed>,
    Path(location): Path<String>,
) -> Response {
    if !s.account.sees(&location) {
        return failure(StatusCode::NOT_FOUND, Some(&s));
    }
    match open_proposals(&state.gw, &location).await.first() {
        Some(id) => Redirect::to(&format!("/console/voorstellen/{id}")).into_response(),
        None => Redirect::to(&format!("/console/locaties/{location}/gegevens?melding=geen-voorstel")).into_response(),
    }
}

pub(super) async fn records_page(
    State(state): State<ConsoleState>,
    Extension(s): Extension<Signed>,
    Path(location): Path<String>,
    Query(q): Query<YearQuery>,
) -> Response {
    if !s.account.sees(&location) {
        return failure(StatusCode::NOT_FOUND, Some(&s));
    }
    let gw = &state.gw;
    let year = match q.year() {
        Some(y) => Some(y.to_string()),
        None => match gw.current_schooljaar(&location).await {
            Ok(y) => y,
            Err(e) => return failure(refusal(&e).0, Some(&s)),
        },
    };
    let records = match gw.records_of_year(&location, year.as_deref()).await {
        Ok(r) => r,
        Err(e) => {
            let (status, message) = refusal(&e);
            let mut page = Chrome::new(&format!("Gegevens — {location}"), Some(&s));
            page.error = Some(message);
            let empty = RecordsPage {
                page,
                location,
                schooljaar: String::new(),
                years: Vec::new(),
                groepen: Vec::new(),
                leerkrachten: Vec::new(),
                leerlingen: Vec::new(),
                active_pupils: 0,
                open_proposals: Vec::new(),
            };
            return render(status, &empty);
        }
    };
    let years = match years(&state, &location).await {
        Ok(y) => y,
        Err(e) => return failure(refusal(&e).0, Some(&s)),
    };
    let open_proposals = open_proposals(gw, &location).await;

    let names: HashMap<i64, &str> = records.groepen.iter().map(|g| (g.id, g.naam.as_str())).collect();
    let mut per_group: HashMap<i64, usize> = HashMap::new();
    for l in records.leerlingen.iter().filter(|l| l.active) {
        if let Some(g) = l.groep {
            *per_group.entry(g).or_default() += 1;
        }
    }
    let groepen = records
        .groepen
        .iter()
        .map(|g| GroepRow {
            naam: g.naam.clone(),
            jaargroep: if g.samengesteld { "samengesteld".into() } else { g.jaargroep.clone().unwrap_or_default() },
            leerlingen: per_group.get(&g.id).copied().unwrap_or(0),
            active: g.active,
        })
        .collect();
    let leerkrachten = records
        .leerkrachten
        .iter()
        .map(|l| LeerkrachtRow {
            naam: name([&l.roepnaam, &l.voorletters, &l.voorvoegsel, &l.achternaam]),
            emailadres: l.emailadres.clone().unwrap_or_default(),
            groepen: l.groepen.iter().filter_map(|g| names.get(g).copied()).collect::<Vec<_>>().join(", "),
            active: l.active,
        })
        .collect();
    let mut leerlingen: Vec<LeerlingRow> = records
        .leerlingen
        .iter()
        .map(|l| LeerlingRow {
            id: l.id,
            boom_nummer: l.boom_nummer.clone().unwrap_or_default(),
            naam: name([&l.roepnaam, &l.voorletters, &l.voorvoegsel, &l.achternaam]),
            geboortedatum: l.geboortedatum.map(|d| d.format("%d-%m-%Y").to_string()).unwrap_or_default(),
            groep: l.groep.and_then(|g| names.get(&g).map(|n| n.to_string())).unwrap_or_default(),
            jaargroep: l.jaargroep.clone().unwrap_or_default(),
            active: l.active,
        })
        .collect();
    leerlingen.sort_by(|a, b| (!a.active, &a.groep, &a.naam, a.id).cmp(&(!b.active, &b.groep, &b.naam, b.id)));
    let active_pupils = leerlingen.iter().filter(|l| l.active).count();
    let mut page = Chrome::new(&format!("Gegevens — {location}"), Some(&s));
    page.notice = notice(q.melding.as_deref());
    let view = RecordsPage {
        page,
        location,
        schooljaar: year.unwrap_or_default(),
        years,
        groepen,
        leerkrachten,
        leerlingen,
        active_pupils,
        open_proposals,
    };
    render(StatusCode::OK, &view)
}

/// The Boom numbers of the year's active pupils as a CSV download.
pub(super) async fn numbers(
    State(state): State<ConsoleState>,
    Extension(s): Extension<Signed>,
    Path(location): Path<String>,
    Query(q): Query<YearQuery>,
) -> Response {
    if !s.account.sees(&location) {
        return failure(StatusCode::NOT_FOUND, Some(&s));
    }
    let gw = &state.gw;
    let year = match q.year() {
        Some(y) => Some(y.to_string()),
        None => match gw.current_schooljaar(&location).await {
            Ok(y) => y,
            Err(e) => return failure(refusal(&e).0, Some(&s)),
        },
    };
    match gw.boom_numbers_of_year(&location, year.as_deref(), None).await {
        Ok(numbers) => {
            // Location and year are checked by now; kept to plain characters all the same,
            // as they go into a header.
            let plain = |v: &str| v.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect::<String>();
            let file = format!("boom-nummers-{}-{}.csv", plain(&location), plain(year.as_deref().unwrap_or("")));
            let headers = [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\"")),
            ];
            (headers, numbers_csv(&numbers)).into_response()
        }
        Err(e) => failure(refusal(&e).0, Some(&s)),
    }
}
