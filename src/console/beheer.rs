//! The console's management pages of a location (the seeds' "Beheer"): the deactivated
//! pupils and groups (archive, reactivate, delete for good with the typed phrase), the
//! school-year transition ("Overgang nieuw schooljaar"), the results sent to each link
//! (delivery errors with retry, and the history of what was offered when), and the forms
//! the Koppelen met LAS page gained: "Boom wijzigingen verwerken" of a dashboard and
//! "Verwijder nummers".
//!
//! Who may do what: these are admin pages. A school admin opens them for the locations
//! granted to the account, support for all; a teacher gets 403 (the pages show pupils'
//! records and results of the whole location, which is the admin's business), another
//! school's location answers 404. Every action is one [`Gateway`] call as the signed-in
//! person, then POST → 303 → GET.

use super::pages::{failure, link_for, refusal, render, to_koppelen, Need, Notice};
use super::views::{status_label, when, Chrome};
use super::{ConsoleState, Signed};
use crate::gateway::archive::DeletePreview;
use crate::gateway::Gateway;
use crate::gateway::GatewayError;
use crate::import::{Snapshot, Tab};
use crate::koppeling::Status;
use crate::message::values::Schooljaar;
use crate::school_year::{self as calendar, Window};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use std::collections::HashMap;

/// The latest results messages a link's history shows.
pub(super) const HISTORY: i64 = 25;

/// The form fields, in order, as sent: checkboxes repeat a name (`id=3&id=7`), which a
/// struct cannot hold.
type Fields = Vec<(String, String)>;

fn field<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

/// The tab (`leerlingen` or `groepen`) and the checked ids of a form.
fn selection(fields: &Fields) -> Result<(Tab, Vec<i64>), String> {
    let tab = match field(fields, "tab") {
        "leerlingen" => Tab::Leerlingen,
        "groepen" => Tab::Groepen,
        other => return Err(format!("'{other}' is geen tabblad: leerlingen of groepen")),
    };
    let mut ids = Vec::new();
    for (k, v) in fields.iter().filter(|(k, _)| k == "id") {
        ids.push(v.parse::<i64>().map_err(|_| format!("{k} '{v}' is geen nummer"))?);
    }
    if ids.is_empty() {
        return Err(format!("Vink eerst de {} aan.", tab.as_str()));
    }
    Ok((tab, ids))
}

fn reason(fields: &Fields) -> Option<&str> {
    Some(field(fields, "reden").trim()).filter(|r| !r.is_empty())
}

/// The refusal if the person may not manage `location`: 404 for another school's, as if
/// it did not exist; 403 for a teacher of this one.
fn refused(s: &Signed, location: &str) -> Option<Response> {
    if !s.account.sees(location) {
        return Some(failure(StatusCode::NOT_FOUND, Some(s)));
    }
    if !s.account.manages(location) {
        return Some(failure(StatusCode::FORBIDDEN, Some(s)));
    }
    None
}

fn to(location: &str, page: &str, melding: &str) -> Response {
    Redirect::to(&format!("/console/locaties/{location}/{page}?melding={melding}")).into_response()
}

/// The fixed notices of these pages (`?melding=`).
fn notice(code: &str) -> Option<&'static str> {
    Some(match code {
        "gedeactiveerd" => "De selectie is gedeactiveerd (gearchiveerd). De gegevens blijven bewaard.",
        "geheractiveerd" => "De selectie is weer actief.",
        "verwijderd" => "De selectie is definitief verwijderd.",
        "klaargezet" => "Het nieuwe schooljaar is klaargezet. Rond nu de import af.",
        "aangeboden" => "De leveringsfout wordt opnieuw aangeboden bij de volgende levering.",
        "alles-aangeboden" => "Alle leveringsfouten worden opnieuw aangeboden bij de volgende levering.",
        _ => return None,
    })
}

fn notice_of(n: &Notice) -> Option<String> {
    n.text().or_else(|| n.code().and_then(notice).map(str::to_string))
}

/// A pupil's name as the lists show it: "Piet de Vries".
fn naam(parts: [&Option<String>; 3]) -> String {
    parts.iter().filter_map(|p| p.as_deref()).filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" ")
}

// ---------------------------------------------------------------------------------------
// Gedeactiveerde leerlingen en groepen

pub(super) struct Row {
    pub id: i64,
    pub naam: String,
    /// Leerlingen: Boom-leerlingnummer · groep; groepen: jaargroep.
    pub detail: String,
    /// Deactivated: since when; results (leerlingen) or pupils (groepen).
    pub since: String,
    pub count: i64,
}

#[derive(Template)]
#[template(path = "console/beheer_gedeactiveerd.html")]
pub(super) struct DeactivatedPage {
    pub page: Chrome,
    pub location: String,
    pub actieve_leerlingen: Vec<Row>,
    pub actieve_groepen: Vec<Row>,
    pub leerlingen: Vec<Row>,
    pub groepen: Vec<Row>,
}

async fn deactivated_page(
    state: &ConsoleState,
    s: &Signed,
    location: &str,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    if let Some(r) = refused(s, location) {
        return r;
    }
    let records = match state.gw.records(location).await {
        Ok(r) => r,
        Err(e) => return failure(refusal(&e).0, Some(s)),
    };
    let gone = match state.gw.deactivated(location).await {
        Ok(d) => (d.leerlingen, d.groepen),
        // A location nothing was imported for yet.
        Err(GatewayError::NotFound(_)) => (vec![], vec![]),
        Err(e) => return failure(refusal(&e).0, Some(s)),
    };
    let groep_naam: HashMap<i64, &str> = records.groepen.iter().map(|g| (g.id, g.naam.as_str())).collect();
    let actieve_leerlingen = records
        .leerlingen
        .iter()
        .filter(|l| l.active)
        .map(|l| Row {
            id: l.id,
            naam: naam([&l.roepnaam, &l.voorvoegsel, &l.achternaam]),
            detail: format!(
                "{} · {}",
                l.boom_nummer.as_deref().unwrap_or("—"),
                l.groep.and_then(|g| groep_naam.get(&g).copied()).unwrap_or("geen groep")
            ),
            since: String::new(),
            count: 0,
        })
        .collect();
    let actieve_groepen = records
        .groepen
        .iter()
        .filter(|g| g.active)
        .map(|g| Row {
            id: g.id,
            naam: g.naam.clone(),
            detail: g.jaargroep.clone().map_or_else(|| "samengesteld".into(), |j| format!("jaargroep {j}")),
            since: String::new(),
            count: records.leerlingen.iter().filter(|l| l.active && l.groep == Some(g.id)).count() as i64,
        })
        .collect();
    let leerlingen = gone
        .0
        .into_iter()
        .map(|l| Row { id: l.id, naam: l.naam, detail: String::new(), since: when(l.deactivated_at), count: l.results })
        .collect();
    let groepen = gone
        .1
        .into_iter()
        .map(|g| Row {
            id: g.id,
            naam: g.naam,
            detail: String::new(),
            since: when(g.deactivated_at),
            count: g.leerlingen,
        })
        .collect();
    let mut page = Chrome::new(&format!("Gedeactiveerde leerlingen en groepen — {location}"), Some(s));
    page.notice = notice;
    page.error = error;
    let view = DeactivatedPage {
        page,
        location: location.to_string(),
        actieve_leerlingen,
        actieve_groepen,
        leerlingen,
        groepen,
    };
    render(status, &view)
}

pub(super) async fn deactivated(
    State(state): State<ConsoleState>,
    Extension(s): Extension<Signed>,
    Path(location): Path<String>,
    Query(n): Query<Notice>,
) -> Response {
    deactivated_page(&state, &s, &location, StatusCode::OK, notice_of(&n), None).await
}

/// Archive (`active` false) or reactivate (true) the checked pupils or groups.
async fn switch(state: &ConsoleState, s: &Signed, location: &str, fields: &Fields, active: bool) -> Response {
    if let Some(r) = refused(s, location) {
        return r;
    }
    let (tab, ids) = match selection(fields) {
        Ok(sel) => sel,
        Err(e) => return deactivated_page(state, s, location, StatusCode::BAD_REQUEST, None, Some(e)).await,
    };
    let gw: &Gateway = &state.gw;
    let done = if active {
        gw.reactivate(location, tab, &ids, &s.account.email, reason(fields)).await
    } else {
        gw.archive(location, tab, &ids, &s.account.email, reason(fields)).await
    };
    match done {
        Ok(_) => to(location, "gedeactiveerd", if active { "geheractiveerd" } else { "gedeactiveerd" }),
        Err(e) => {
            let (status, message) = refusal(&e);
            deactivated_page(state, s, location, status, None, Some(message)).await
        }
    }
}

pub(super) async fn archive(
    State(state): State<ConsoleState>,
    Extension(s): Extension<Signed>,
    Path(location): Path<String>,
    Form(fields): Form<Fields>,
) -> Response {
    switch(&state, &s, &location, &fields, false).await
}

pub(super) async fn reactivate(
    State(state): State<ConsoleState>,
    Extension(s): Extension<Signed>,
    Path(location): Path<String>,
    Form(fields): Form<Fields>,
) -> Response {
    switch(&state, &s, &location, &fields, true).await
}

#[derive(Template)]
#[template(path = "console/beheer_verwijderen.html")]
pub(super) struct DeletePage {
    pub page: Chrome,
    pub location: String,
    pub tab: &'static str,
    pub ids: Vec<i64>,
    /// What is deleted: name and what goes with it.
    pub rows: Vec<(String, String)>,
    pub phrase: String,
    pub warning: &'static str,
}

/// The seeds' warnings (Stap 2 and 3 of "Overgang nieuw schooljaar").
fn warning(tab: Tab) -> &'static str {
    match tab {
        Tab::Leerlingen => {
            "Let wel op dat de gegevens van deze leerlingen definitief verwijderd worden en nooit meer terug te \
             halen zijn. Als je besluit een leerling uit jouw account te verwijderen, is het dus raadzaam van \
             tevoren te bedenken of je deze gegevens op een later moment nog nodig hebt. Met deze handeling \
             worden leerlingen definitief uit het Boom testcentrum verwijderd en zijn de resultaten van deze \
             leerlingen nooit meer te raadplegen."
        }
        _ => {
            "Met deze handeling worden de groepen definitief uit het Boom testcentrum verwijderd en zijn ze nooit \
             meer te raadplegen. De resultaten blijven bij de leerlingen."
        }
    }
}

fn delete_view(s: &Signed, p: DeletePreview, ids: Vec<i64>, error: Option<String>) -> DeletePage {
    let mut rows: Vec<(String, String)> =
        p.leerlingen.into_iter().map(|l| (l.naam, format!("{} resultaten", l.results))).collect();
    rows.extend(p.groepen.into_iter().map(|g| (g.naam, format!("{} leerlingen", g.leerlingen))));
    let mut page = Chrome::new(&format!("Definitief verwijderen — {}", p.location), Some(s));
    page.error = error;
    DeletePage { page, location: p.location, tab: p.tab.as_str(), ids, rows, phrase: p.phrase, warning: warning(p.tab) }
}

/// Deletes the checked deactivated pupils or groups for good, in two steps: without a
/// `bevestiging` field (the list's VERWIJDEREN button) it changes nothing and shows what
/// would go, the seed's warning and the phrase to type; with it, the phrase must be exact.
pub(super) async fn delete(
    State(state): State<ConsoleState>,
    Extension(s): Extension<Signed>,
    Path(location): Path<String>,
    Form(fields): Form<Fields>,
) -> Response {
    if let Some(r) = refused(&s, &location) {
        return r;
    }
    let (tab, ids) = match selection(&fields) {
        Ok(sel) => sel,
        Err(e) => return deactivated_page(&state, &s, &location, StatusCode::BAD_REQUEST, None, Some(e)).await,
    };
    let preview = |status: StatusCode, error: Option<String>| {
        let (state, s, location, ids) = (&state, &s, &location, ids.clone());
        async move {
            match state.gw.delete_preview(location, tab, &ids).await {
                Ok(p) => render(status, &delete_view(s, p, ids, error)),
                Err(e) => {
                    let (status, message) = refusal(&e);
                    deactivated_page(state, s, location, status, None, Some(message)).await
                }
            }
        }
    };
    let Some((_, confirm)) = fields.iter().find(|(k, _)| k == "bevestiging") else {
        return preview(StatusCode::OK, None).await;
    };
    match state.gw.delete_deactivated(&location, tab, &ids, confirm, &s.account.email, reason(&fields)).await {
        Ok(_) => to(&location, "gedeactiveerd", "verwijderd"),
        // A wrong phrase (or a reason naming a pupil): the confirmation again, saying why.
        Err(GatewayError::Invalid(m)) => preview(StatusCode::BAD_REQUEST, Some(m)).await,
        Err(e) => {
            let (status, message) = refusal(&e);
            deactivated_page(&state, &s, &location, status, None, Some(message)).await
        }
    }
}

// ---------------------------------------------------------------------------------------
// Overgang nieuw schooljaar

pub(super) struct YearRow {
    pub schooljaar: String,
    pub started: String,
    pub by: String,
    /// "Afgerond op …" or "Wacht op afronden".
    pub state: String,
    pub done: bool,
    pub reminded: String,
}

#[derive(Template)]
#[template(path = "console/beheer_schooljaar.html")]
pub(super) struct YearPage {
    pub page: Chrome,
    pub location: String,
    /// The current year (of the newest active LAS link), if any.
    pub current: Option<String>,
    pub next: Option<String>,
    /// When the next year can be prepared, or why not.
    pub window: String,
    pub can_prepare: bool,
    pub years: Vec<YearRow>,
    /// Years started and not completed: their import waits.
    pub pending: Vec<(String, Option<i64>)>,
}

async fn year_page(
    state: &ConsoleState,
    s: &Signed,
    location: &str,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    if let Some(r) = refused(s, location) {
        return r;
    }
    let (links, years) = match (state.gw.koppelingen(Some(location)).await, state.gw.school_years(location).await) {
        (Ok(l), Ok(y)) => (l, y),
        (Err(e), _) | (_, Err(e)) => return failure(refusal(&e).0, Some(s)),
    };
    let las = |k: &&crate::koppeling::Koppeling| !k.kind.is_dashboard() && k.status == Status::Active;
    // The newest year with an active LAS link; a year started and waiting for its import
    // is not current yet (as the records count it), and nothing can be prepared after it.
    let newest = links.iter().filter(las).map(|k| k.schooljaar.to_string()).max();
    let waiting = |y: &str| years.iter().any(|s| s.schooljaar == y && s.completed_at.is_none());
    let today = crate::clock::dutch_date(state.gw.now());
    let (current, next, window, can_prepare) = match newest {
        Some(n) if waiting(&n) => {
            let current = links.iter().filter(las).map(|k| k.schooljaar.to_string()).filter(|y| *y != n).max();
            let text = format!("Schooljaar {n} is klaargezet en wacht op het afronden van de import.");
            (current, Some(n), text, false)
        }
        newest => {
            let next = newest.as_deref().and_then(|c| Schooljaar::parse(c).ok()).and_then(calendar::next);
            let (text, can) = prepare_window(next, today, &years);
            (newest, next.map(|n| n.to_string()), text, can)
        }
    };
    let mut pending = Vec::new();
    for y in years.iter().filter(|y| y.completed_at.is_none()) {
        let link = links.iter().filter(las).find(|k| k.schooljaar.to_string() == y.schooljaar).map(|k| k.id);
        let proposal = match link {
            Some(id) => match state.gw.latest_proposal(id).await {
                Ok(p) => p.filter(|p| p.status == "open").map(|p| p.id),
                Err(e) => return failure(refusal(&e).0, Some(s)),
            },
            None => None,
        };
        pending.push((y.schooljaar.clone(), proposal));
    }
    let years = years
        .into_iter()
        .map(|y| YearRow {
            schooljaar: y.schooljaar,
            started: when(Some(y.started_at)),
            by: if y.automatic { "automatisch (1 oktober)".into() } else { y.started_by },
            done: y.completed_at.is_some(),
            state: match (y.completed_at, y.completed_by) {
                (Some(at), by) => format!("Afgerond op {} door {}", when(Some(at)), by.unwrap_or_default()),
                (None, _) => "Wacht op afronden van de import".into(),
            },
            reminded: y.reminded_on.map_or_else(|| "—".into(), datum),
        })
        .collect();
    let mut page = Chrome::new(&format!("Overgang nieuw schooljaar — {location}"), Some(s));
    page.notice = notice;
    page.error = error;
    let view = YearPage { page, location: location.to_string(), current, next, window, can_prepare, years, pending };
    render(status, &view)
}

/// When the next year can be prepared, and whether now.
fn prepare_window(
    next: Option<Schooljaar>,
    today: chrono::NaiveDate,
    years: &[crate::store::school_years::SchoolYear],
) -> (String, bool) {
    match next {
        None => ("Er is nog geen actieve koppeling met het LAS: eerst koppelen.".to_string(), false),
        Some(n) if years.iter().any(|y| y.schooljaar == n.to_string()) => {
            (format!("Schooljaar {n} is al klaargezet."), false)
        }
        Some(n) => match calendar::window(n, today) {
            Window::NotYet { opens } => (format!("Schooljaar {n} klaarzetten kan vanaf {}.", datum(opens)), false),
            Window::Open { closes } => (
                format!(
                    "Schooljaar {n} klaarzetten kan tot {}. Doe je dit niet, dan zet het Boom testcentrum het \
                     schooljaar op {} zelf klaar en start de leerlingimport; afronden doe je zelf.",
                    datum(closes),
                    datum(closes)
                ),
                true,
            ),
            Window::Closed { since } => {
                (format!("Sinds {} zet het Boom testcentrum schooljaar {n} zelf klaar.", datum(since)), false)
            }
        },
    }
}

fn datum(d: chrono::NaiveDate) -> String {
    d.format("%d-%m-%Y").to_string()
}

pub(super) async fn school_year(
    State(state): State<ConsoleState>,
    Extension(s): Extension<Signed>,
    Path(location): Path<String>,
    Query(n): Query<Notice>,
) -> Response {
    year_page(&state, &s, &location, StatusCode::OK, notice_of(&n), None).await
}

pub(super) async fn prepare(
    State(state): State<ConsoleState>,
    Extension(s): Extension<Signed>,
    Path(location): Path<String>,
) -> Response {
    if let Some(r) = refused(&s, &location) {
        return r;
    }
    match state.gw.prepare_school_year(&location, &s.account.email).await {
        Ok(_) => to(&location, "schooljaar", "klaargezet"),
        Err(e) => {
            let (status, message) = refusal(&e);
            year_page(&state, &s, &location, status, None, Some(message)).await
        }
    }
}

// ---------------------------------------------------------------------------------------
// Resultaten: leveringsfouten en geschiedenis

pub(super) struct ErrorRow {
    pub delivery: i64,
    pub leerling: String,
    pub toets: String,
    pub kind: &'static str,
    pub error: String,
    pub attempts: i64,
}

pub(super) struct BatchRow {
    pub at: String,
    pub results: i64,
    pub outcome: &'static str,
    pub fault: String,
}

pub(super) struct LinkResults {
    pub id: i64,
    pub kind: &'static str,
    pub schooljaar: String,
    pub status: &'static str,
    pub state: &'static str,
    pub counts: String,
    pub can_retry: bool,
    pub errors: Vec<ErrorRow>,
    pub batches: Vec<BatchRow>,
}

#[derive(Template)]
#[template(path = "console/beheer_resultaten.html")]
pub(super) struct ResultsPage {
    pub page: Chrome,
    pub location: String,
    pub links: Vec<LinkResults>,
}

/// The seeds' two kinds of delivery error, and the gateway's own two. A dashboard knows a
/// pupil by the Boom number the school entered there; a LAS by its own key or ECK iD, so
/// the same refusal means something else to fix on each side.
fn error_label(kind: &str, to_dashboard: bool) -> &'static str {
    match kind {
        "leerling_onbekend" if to_dashboard => "Boom-leerlingnummer niet vindbaar",
        "leerling_onbekend" => "Leerling niet vindbaar in het LAS",
        "toets_onbekend" => "Toets of toetsonderdeel niet vindbaar",
        "koppeling_gesloten" => "Koppeling gesloten voor levering",
        _ => "Geweigerd",
    }
}

fn outcome_label(outcome: Option<&str>) -> &'static str {
    match outcome {
        Some("delivered") => "Verwerkt",
        Some("transient") => "Niet bereikbaar, later opnieuw",
        Some("refused") => "Geweigerd",
        Some("abandoned") => "Onderbroken, opnieuw aangeboden",
        Some(_) => "Onbekend",
        None => "Bezig",
    }
}

fn count_label(status: &str, n: i64) -> &'static str {
    match status {
        "pending" => "wachtend",
        "sent" => "geleverd",
        "failed" if n == 1 => "leveringsfout",
        "failed" => "leveringsfouten",
        "superseded" => "vervangen",
        _ => "overig",
    }
}

async fn link_results(
    gw: &Gateway,
    k: &crate::koppeling::Koppeling,
    names: &Snapshot,
) -> Result<LinkResults, GatewayError> {
    let counts = gw.delivery_counts(k.id).await?;
    let counts = if counts.is_empty() {
        "Nog niets aangeboden".to_string()
    } else {
        counts.iter().map(|(st, n)| format!("{n} {}", count_label(st, *n))).collect::<Vec<_>>().join(" · ")
    };
    let errors = gw
        .delivery_errors(Some(k.id))
        .await?
        .into_iter()
        .map(|e| {
            let pupil = names.leerlingen.iter().find(|l| l.id == e.leerling_id);
            ErrorRow {
                delivery: e.delivery_id,
                leerling: pupil.map_or_else(
                    || format!("leerling {}", e.leerling_id),
                    |l| {
                        let n = naam([&l.roepnaam, &l.voorvoegsel, &l.achternaam]);
                        format!("{n} ({})", l.boom_nummer.as_deref().unwrap_or("—"))
                    },
                ),
                toets: match e.toetsonderdeel {
                    Some(o) => format!("{} · {o}", e.toetscode),
                    None => e.toetscode,
                },
                kind: error_label(&e.kind, k.kind.is_dashboard()),
                error: e.error,
                attempts: e.attempts,
            }
        })
        .collect();
    let batches = gw
        .delivery_batches(k.id, HISTORY)
        .await?
        .into_iter()
        .map(|b| BatchRow {
            at: when(Some(b.started_at)),
            results: b.results,
            outcome: outcome_label(b.outcome.as_deref()),
            fault: b.fault.unwrap_or_default(),
        })
        .collect();
    Ok(LinkResults {
        id: k.id,
        kind: k.kind.label(),
        schooljaar: k.schooljaar.to_string(),
        status: status_label(k.status),
        state: k.status.as_str(),
        counts,
        can_retry: k.status == Status::Active,
        errors,
        batches,
    })
}

async fn results_page(
    state: &ConsoleState,
    s: &Signed,
    location: &str,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    if let Some(r) = refused(s, location) {
        return r;
    }
    let gathered = async {
        let names = state.gw.records(location).await?;
        let mut out = Vec::new();
        for k in state.gw.koppelingen(Some(location)).await? {
            if matches!(k.status, Status::Active | Status::Revoked) {
                out.push(link_results(&state.gw, &k, &names).await?);
            }
        }
        Ok::<_, GatewayError>(out)
    };
    let links = match gathered.await {
        Ok(l) => l,
        Err(e) => return failure(refusal(&e).0, Some(s)),
    };
    let mut page = Chrome::new(&format!("Resultaten — {location}"), Some(s));
    page.notice = notice;
    page.error = error;
    render(status, &ResultsPage { page, location: location.to_string(), links })
}

pub(super) async fn results(
    State(state): State<ConsoleState>,
    Extension(s): Extension<Signed>,
    Path(location): Path<String>,
    Query(n): Query<Notice>,
) -> Response {
    results_page(&state, &s, &location, StatusCode::OK, notice_of(&n), None).await
}

/// Offers a link's delivery errors again: one (`levering`), or all of them.
pub(super) async fn retry(
    State(state): State<ConsoleState>,
    Extension(s): Extension<Signed>,
    Path(id): Path<i64>,
    Form(fields): Form<Fields>,
) -> Response {
    let k = match link_for(&state, &s, id, Need::Manages).await {
        Ok(k) => k,
        Err(r) => return r,
    };
    let one = field(&fields, "levering").trim();
    let done = if one.is_empty() {
        state.gw.retry_deliveries(id, &s.account.email).await.map(|_| "alles-aangeboden")
    } else {
        match one.parse::<i64>() {
            Ok(d) => state.gw.retry_delivery(id, d, &s.account.email).await.map(|_| "aangeboden"),
            Err(_) => Err(GatewayError::Invalid(format!("levering '{one}' is geen nummer"))),
        }
    };
    match done {
        Ok(melding) => to(&k.location, "resultaten", melding),
        Err(e) => {
            let (status, message) = refusal(&e);
            results_page(&state, &s, &k.location, status, None, Some(message)).await
        }
    }
}

// ---------------------------------------------------------------------------------------
// Koppelen met LAS: dashboards and "Verwijder nummers"

/// "Boom wijzigingen verwerken" of a dashboard link: the checkbox `aan` checked or not.
pub(super) async fn process_changes(
    State(state): State<ConsoleState>,
    Extension(s): Extension<Signed>,
    Path(id): Path<i64>,
    Form(fields): Form<Fields>,
) -> Response {
    let k = match link_for(&state, &s, id, Need::Manages).await {
        Ok(k) => k,
        Err(r) => return r,
    };
    let on = field(&fields, "aan") == "ja";
    match state.gw.set_process_changes(id, on, &s.account.email).await {
        Ok(_) => to_koppelen(&k.location, if on { "wijzigingen-aan" } else { "wijzigingen-uit" }),
        Err(e) => {
            let (status, message) = refusal(&e);
            super::pages::koppelen_refused(&state, &s, &k.location, status, message).await
        }
    }
}

/// "Verwijder nummers": forgets the location's external numbers, after the person ticked
/// that they read the warning.
pub(super) async fn clear_numbers(
    State(state): State<ConsoleState>,
    Extension(s): Extension<Signed>,
    Path(location): Path<String>,
    Form(fields): Form<Fields>,
) -> Response {
    if let Some(r) = refused(&s, &location) {
        return r;
    }
    if field(&fields, "bevestig") != "ja" {
        let message = "Vink eerst aan dat je de waarschuwing hebt gelezen; er is niets verwijderd.";
        return super::pages::koppelen_refused(&state, &s, &location, StatusCode::BAD_REQUEST, message.into()).await;
    }
    match state.gw.clear_external_numbers(&location, &s.account.email, reason(&fields)).await {
        Ok(_) => to_koppelen(&location, "nummers-verwijderd"),
        Err(e) => {
            let (status, message) = refusal(&e);
            super::pages::koppelen_refused(&state, &s, &location, status, message).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_selection_needs_a_tab_and_numbers() {
        let f =
            |pairs: &[(&str, &str)]| -> Fields { pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() };
        assert_eq!(selection(&f(&[("tab", "groepen"), ("id", "3"), ("id", "7")])), Ok((Tab::Groepen, vec![3, 7])));
        assert!(selection(&f(&[("tab", "leerkrachten"), ("id", "3")])).is_err());
        assert!(selection(&f(&[("tab", "leerlingen")])).unwrap_err().contains("Vink"));
        assert!(selection(&f(&[("tab", "leerlingen"), ("id", "x")])).is_err());
    }

    #[test]
    fn only_known_notices_and_labels() {
        assert!(notice("verwijderd").is_some() && notice("<b>").is_none());
        assert_eq!(error_label("leerling_onbekend", true), "Boom-leerlingnummer niet vindbaar");
        assert_eq!(error_label("leerling_onbekend", false), "Leerling niet vindbaar in het LAS");
        assert_eq!(outcome_label(None), "Bezig");
    }
}
