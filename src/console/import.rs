//! "Controle import uit LAS": the review of an open import proposal, as the seeds' screen
//! has it. Tabs Groepen / Leerkrachten / Leerlingen (links, no script), in each the
//! categories Nieuw / Bestaand / Niet importeren with the field-by-field changes, the
//! candidates of a new record with why each was suggested and a choice per row, a search to
//! link a record by hand, "Alle suggesties accepteren", the summary, and the two
//! confirmations before the import is applied (the first button leads to a page that says
//! what will happen; only its button applies), with the safety gate's override that needs a
//! typed reason.
//!
//! Who: school admins of the location and support; a teacher gets 403 (the import is an
//! admin's task), another school's proposal answers 404. Every action is one [`Gateway`]
//! call as the signed-in person (`decide_with`, `accept_suggestions`, `apply_proposal`),
//! then 303 back to the page; a refusal (a stale proposal, undecided records, the store
//! refusing a second pupil with one ECK iD) comes back as the page with the message, and the
//! gateway's transaction leaves nothing half-applied.
//!
//! [`Gateway`]: crate::gateway::Gateway

use super::pages::{failure, refusal, render};
use super::views::{when, Chrome};
use super::{ConsoleState, Signed};
use crate::gateway::imports::{ApplyOptions, ProposalView};
use crate::gateway::search::Found;
use crate::gateway::GatewayError;
use crate::import::{
    Candidate, CandidateReason, Category, Decision, FieldChange, Flag, Item, LinkReason, Proposal, RecordRef,
    SkipReason, Tab, TabSummary,
};
use crate::koppeling::Koppeling;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;

/// The review page of proposal `id`.
pub(super) fn review_path(id: i64) -> String {
    format!("/console/voorstellen/{id}")
}

/// `?tab=…&melding=…` on the review page.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ReviewQuery {
    #[serde(default)]
    tab: String,
    #[serde(default)]
    melding: Option<String>,
}

/// The fixed notices a redirect may name: nothing the client sends is shown.
fn notice(code: Option<&str>) -> Option<String> {
    Some(
        match code? {
            "opgeslagen" => "Je keuze is opgeslagen.",
            "suggesties" => "Alle suggesties zijn geaccepteerd.",
            "herberekend" => "Het voorstel is opnieuw berekend met de gegevens van nu.",
            _ => return None,
        }
        .to_string(),
    )
}

fn tab_of(s: &str) -> Tab {
    Tab::parse(s).unwrap_or(Tab::Groepen)
}

fn tab_label(t: Tab) -> &'static str {
    match t {
        Tab::Groepen => "Groepen",
        Tab::Leerkrachten => "Leerkrachten",
        Tab::Leerlingen => "Leerlingen",
    }
}

fn link_reason(r: LinkReason) -> &'static str {
    match r {
        LinkReason::SameEckid => "zelfde ECK iD",
        LinkReason::SameLasKey => "zelfde LAS-nummer",
        LinkReason::Manual => "door een beheerder gekoppeld",
    }
}

fn candidate_reason(r: CandidateReason) -> &'static str {
    match r {
        CandidateReason::SameEckid => "zelfde ECK iD",
        CandidateReason::NameAndBirthDate => "zelfde naam en geboortedatum",
        CandidateReason::NameAndGroup => "zelfde naam en groep",
        CandidateReason::SameEmail => "zelfde e-mailadres",
        CandidateReason::SameGroupName => "zelfde groepsnaam dit schooljaar",
        CandidateReason::SameName => "zelfde naam",
    }
}

fn skip_reason(r: &SkipReason, p: &Proposal) -> String {
    match r {
        SkipReason::Admin => "je koos: niet importeren".into(),
        SkipReason::Earlier => "eerder niet geïmporteerd".into(),
        SkipReason::GroupSkipped { groep } => format!("groep {} wordt niet geïmporteerd", group_name(p, groep)),
    }
}

fn group_name<'a>(p: &'a Proposal, key: &'a str) -> &'a str {
    p.group_names.get(key).map_or(key, String::as_str)
}

fn flag_text(f: &Flag) -> String {
    match f {
        Flag::NoEmail => "geen e-mailadres: vul het in, anders krijgt de leerkracht geen uitnodiging".into(),
        Flag::UnknownGroup { key } => format!("groep {key} staat niet in dit antwoord en is weggelaten"),
    }
}

fn field_label(f: &str) -> String {
    match f {
        "active" => "actief".into(),
        "las_key" => "LAS-nummer".into(),
        "eckid" => "ECK iD".into(),
        "emailadres" => "e-mailadres".into(),
        "samengestelde_groepen" => "samengestelde groepen".into(),
        other => other.into(),
    }
}

fn value(v: &Option<String>) -> String {
    match v.as_deref() {
        None | Some("") => "(leeg)".into(),
        Some("yes") => "ja".into(),
        Some("no") => "nee".into(),
        Some(v) => v.into(),
    }
}

/// "Piet de Vries"; the voorletters stand in for a missing roepnaam.
fn person(parts: [&Option<String>; 4]) -> String {
    let [roepnaam, voorletters, voorvoegsel, achternaam] = parts;
    let name: Vec<&str> = [roepnaam.as_ref().or(voorletters.as_ref()), voorvoegsel.as_ref(), achternaam.as_ref()]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    if name.is_empty() {
        "(geen naam)".into()
    } else {
        name.join(" ")
    }
}

/// `99DE00`-safe anchor of a record: its key, with anything but letters and digits as `-`.
fn anchor(r: &RecordRef) -> String {
    let key: String = r.key.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    format!("rij-{}-{key}", r.tab)
}

pub(super) struct TabLink {
    pub key: &'static str,
    pub label: &'static str,
    pub count: usize,
    pub current: bool,
}

pub(super) struct SummaryRow {
    pub label: &'static str,
    pub new: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub skip: usize,
    pub deactivations: usize,
    pub undecided: usize,
}

pub(super) struct CandidateView {
    pub id: i64,
    pub label: String,
    pub reason: &'static str,
    pub strong: bool,
}

pub(super) struct ChangeView {
    pub field: String,
    pub from: String,
    pub to: String,
}

/// One record as a row of a category.
pub(super) struct Row {
    pub anchor: String,
    pub record: String,
    pub naam: String,
    pub details: String,
    /// Existing: what it is linked to and why; skipped: why.
    pub status: String,
    pub changes: Vec<ChangeView>,
    pub candidates: Vec<CandidateView>,
    pub undecided: bool,
    pub flags: Vec<String>,
    /// The per-row choice: value and label; the first is what holds now.
    pub choices: Vec<(String, String)>,
    pub skipped: bool,
    pub email_form: bool,
    pub email: String,
    /// The search page for this record ("Koppeling aanpassen"), query encoded.
    pub search: String,
}

pub(super) struct Section {
    pub id: &'static str,
    pub title: String,
    pub rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "console/import_review.html")]
pub(super) struct ReviewPage {
    pub page: Chrome,
    pub id: i64,
    pub location: String,
    pub schooljaar: String,
    pub kind: &'static str,
    pub mode: &'static str,
    pub open: bool,
    pub status: String,
    pub tab: &'static str,
    pub tabs: Vec<TabLink>,
    pub summary: Vec<SummaryRow>,
    pub undecided: Vec<String>,
    pub suggestions: usize,
    pub safety: Option<String>,
    pub sections: Vec<Section>,
    pub leavers: Vec<String>,
}

/// What the summary and the confirmation say of a proposal.
fn summary_rows(p: &Proposal) -> Vec<SummaryRow> {
    Tab::ALL
        .into_iter()
        .map(|t| {
            let s: &TabSummary = p.summary.tab(t);
            SummaryRow {
                label: tab_label(t),
                new: s.new,
                changed: s.existing_changed,
                unchanged: s.unchanged,
                skip: s.skip + s.skipped_earlier,
                deactivations: s.deactivations,
                undecided: s.undecided,
            }
        })
        .collect()
}

fn undecided_lines(p: &Proposal) -> Vec<String> {
    p.undecided()
        .into_iter()
        .map(|u| {
            let cands: Vec<String> = u
                .candidates
                .iter()
                .map(|c| format!("{} (nr. {}, {})", c.label, c.id, candidate_reason(c.reason)))
                .collect();
            format!("{} ({}): lijkt op {}", u.name, tab_label(u.record.tab).to_lowercase(), cands.join(" of "))
        })
        .collect()
}

fn safety_text(p: &Proposal) -> Option<String> {
    let s = &p.safety;
    s.needs_override.then(|| {
        format!(
            "Let op: dit voorstel deactiveert {} van de {} actieve leerlingen ({:.0}%). Een leeg of afgebroken antwoord \
             van het LAS ziet er zo uit. Controleer het LAS; importeer alleen als deze leerlingen echt vertrokken zijn.",
            s.deactivating,
            s.active_pupils,
            s.share * 100.0
        )
    })
}

/// The rows of one tab's items, sorted into the three categories.
fn rows_of<F>(
    id: i64,
    items: &[Item<F>],
    p: &Proposal,
    open: bool,
    name: impl Fn(&F) -> (String, String),
    email: impl Fn(&F) -> Option<String>,
) -> [Vec<Row>; 3] {
    let mut out: [Vec<Row>; 3] = Default::default();
    for i in items {
        let (naam, details) = name(&i.fields);
        let record = format!("{}/{}", i.record.tab, i.record.key);
        let candidates: Vec<CandidateView> = i
            .candidates
            .iter()
            .map(|c: &Candidate| CandidateView {
                id: c.id,
                label: c.label.clone(),
                reason: candidate_reason(c.reason),
                strong: c.reason.is_strong(),
            })
            .collect();
        let noun = i.record.tab.noun();
        let (slot, status, mut choices, skipped) = match &i.category {
            Category::New => {
                let mut choices = Vec::new();
                if i.is_undecided() {
                    choices.push(("".to_string(), "— kies —".to_string()));
                }
                for c in &candidates {
                    choices.push((format!("koppel:{}", c.id), format!("Koppelen aan {} ({})", c.label, c.reason)));
                }
                choices.push(("nieuw".into(), format!("Als nieuwe {noun} toevoegen")));
                let status = if i.create_anyway {
                    format!("Wordt als nieuwe {noun} toegevoegd (gekozen)")
                } else {
                    String::new()
                };
                (0, status, choices, false)
            }
            Category::Existing { id, reason } => {
                let choices = vec![
                    (String::new(), format!("Gekoppeld laten aan nr. {id}")),
                    ("nieuw".into(), format!("Ontkoppelen: als nieuwe {noun} toevoegen")),
                ];
                (1, format!("Gekoppeld aan nr. {id} ({})", link_reason(*reason)), choices, false)
            }
            Category::Skip { reason } => (2, format!("Niet importeren: {}", skip_reason(reason, p)), Vec::new(), true),
        };
        if !skipped {
            choices.push(("overslaan".into(), "Niet importeren".into()));
        }
        let has_email = email(&i.fields);
        out[slot].push(Row {
            anchor: anchor(&i.record),
            record,
            naam,
            details,
            status,
            changes: i
                .changes
                .iter()
                .map(|c: &FieldChange| ChangeView {
                    field: field_label(&c.field),
                    from: value(&c.from),
                    to: value(&c.to),
                })
                .collect(),
            candidates,
            undecided: i.is_undecided(),
            flags: i.flags.iter().map(flag_text).collect(),
            choices: if open { choices } else { Vec::new() },
            skipped: skipped && open,
            email_form: open && i.record.tab == Tab::Leerkrachten && !skipped,
            email: has_email.unwrap_or_default(),
            search: search_href(id, &i.record),
        });
    }
    out
}

fn sections(id: i64, p: &Proposal, tab: Tab, open: bool) -> Vec<Section> {
    let groups = |keys: &[String]| keys.iter().map(|k| group_name(p, k).to_string()).collect::<Vec<_>>().join(", ");
    let [new, existing, skip] = match tab {
        Tab::Groepen => {
            let mut rows = rows_of(
                id,
                &p.groepen,
                p,
                open,
                |f| {
                    let kind = match (&f.jaargroep, f.samengesteld) {
                        (_, true) => "samengestelde groep".to_string(),
                        (Some(j), false) => format!("jaargroep {j}"),
                        (None, false) => String::new(),
                    };
                    (f.naam.clone(), kind)
                },
                |_| None,
            );
            // Unchanged groups are not items; listed all the same, so a group can be
            // skipped (its pupils follow).
            let listed: std::collections::HashSet<&str> = p.groepen.iter().map(|i| i.record.key.as_str()).collect();
            for (key, naam) in p.group_names.iter().filter(|(k, _)| !listed.contains(k.as_str())) {
                let record = RecordRef::new(Tab::Groepen, key.clone());
                rows[1].push(Row {
                    anchor: anchor(&record),
                    record: format!("groepen/{key}"),
                    naam: naam.clone(),
                    details: String::new(),
                    status: "Bestaand, ongewijzigd".into(),
                    changes: Vec::new(),
                    candidates: Vec::new(),
                    undecided: false,
                    flags: Vec::new(),
                    choices: if open {
                        vec![(String::new(), "Importeren".into()), ("overslaan".into(), "Niet importeren".into())]
                    } else {
                        Vec::new()
                    },
                    skipped: false,
                    email_form: false,
                    email: String::new(),
                    search: search_href(id, &record),
                });
            }
            rows
        }
        Tab::Leerkrachten => rows_of(
            id,
            &p.leerkrachten,
            p,
            open,
            |f| {
                let naam = person([&f.roepnaam, &f.voorletters, &f.voorvoegsel, &f.achternaam]);
                let g = groups(&f.groepen);
                (naam, if g.is_empty() { String::new() } else { format!("groep {g}") })
            },
            |f| f.emailadres.clone(),
        ),
        Tab::Leerlingen => rows_of(
            id,
            &p.leerlingen,
            p,
            open,
            |f| {
                let naam = person([&f.roepnaam, &f.voorletters, &f.voorvoegsel, &f.achternaam]);
                let mut d = Vec::new();
                if let Some(b) = f.geboortedatum {
                    d.push(format!("geboren {}", b.format("%d-%m-%Y")));
                }
                if let Some(g) = &f.groep {
                    d.push(format!("groep {}", group_name(p, g)));
                }
                (naam, d.join(", "))
            },
            |_| None,
        ),
    };
    let plural = tab.as_str();
    vec![
        Section { id: "nieuw", title: format!("Nieuwe {plural} toevoegen"), rows: new },
        Section { id: "bestaand", title: format!("Bestaande {plural} koppelen"), rows: existing },
        Section { id: "niet-importeren", title: "Niet importeren".into(), rows: skip },
    ]
}

fn search_href(id: i64, r: &RecordRef) -> String {
    let q = serde_urlencoded::to_string([("record", format!("{}/{}", r.tab, r.key))]).unwrap_or_default();
    format!("{}/zoeken?{q}", review_path(id))
}

/// The proposal and its link, if the person may review it: another school's is not found
/// (404, as one that does not exist), a teacher may not (403).
async fn reviewable(state: &ConsoleState, s: &Signed, id: i64) -> Result<(ProposalView, Koppeling), Response> {
    let view = match state.gw.proposal(id).await {
        Ok(v) => v,
        Err(GatewayError::NotFound(_)) => return Err(failure(StatusCode::NOT_FOUND, Some(s))),
        Err(e) => return Err(failure(refusal(&e).0, Some(s))),
    };
    let k = match state.gw.koppeling(view.koppeling_id).await {
        Ok(k) => k,
        Err(e) => return Err(failure(refusal(&e).0, Some(s))),
    };
    if !s.account.sees(&k.location) {
        return Err(failure(StatusCode::NOT_FOUND, Some(s)));
    }
    if !s.account.manages(&k.location) {
        return Err(failure(StatusCode::FORBIDDEN, Some(s)));
    }
    Ok((view, k))
}

fn status_text(status: &str) -> String {
    match status {
        "open" => "Open: wacht op controle".into(),
        "applied" => "Verwerkt: dit voorstel is al geïmporteerd".into(),
        "superseded" => "Vervangen: het LAS stuurde nieuwere gegevens; bekijk het nieuwste voorstel".into(),
        other => other.into(),
    }
}

fn review(
    s: &Signed,
    v: &ProposalView,
    k: &Koppeling,
    tab: Tab,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    let p = &v.proposal;
    let open = v.status == "open";
    let mut page = Chrome::new(&format!("Controle import uit LAS — {}", k.location), Some(s));
    page.notice = notice;
    page.error = error;
    let tabs = Tab::ALL
        .into_iter()
        .map(|t| TabLink {
            key: t.as_str(),
            label: tab_label(t),
            count: match t {
                // Unchanged groups are listed too (to be skipped), so they count.
                Tab::Groepen => {
                    p.groepen.len()
                        + p.group_names.keys().filter(|k| !p.groepen.iter().any(|i| &i.record.key == *k)).count()
                }
                Tab::Leerkrachten => p.leerkrachten.len(),
                Tab::Leerlingen => p.leerlingen.len(),
            },
            current: t == tab,
        })
        .collect();
    let leavers = p.deactivations.iter().filter(|d| d.tab == tab).map(|d| d.label.clone()).collect();
    let view = ReviewPage {
        page,
        id: v.id,
        location: k.location.to_string(),
        schooljaar: k.schooljaar.to_string(),
        kind: k.kind.label(),
        mode: match p.mode {
            crate::import::FetchMode::Full => "volledig antwoord",
            crate::import::FetchMode::Delta => "alleen wijzigingen",
        },
        open,
        status: status_text(&v.status),
        tab: tab.as_str(),
        tabs,
        summary: summary_rows(p),
        undecided: undecided_lines(p),
        suggestions: p.suggested_links().len(),
        safety: safety_text(p),
        sections: sections(v.id, p, tab, open),
        leavers,
    };
    render(status, &view)
}

pub(super) async fn review_page(
    State(state): State<ConsoleState>,
    Extension(s): Extension<Signed>,
    Path(id): Path<i64>,
    Query(q): Query<ReviewQuery>,
) -> Response {
    match reviewable(&state, &s, id).await {
        Ok((v, k)) => review(&s, &v, &k, tab_of(&q.tab), StatusCode::OK, notice(q.melding.as_deref()), None),
        Err(r) => r,
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct DecideForm {
    /// `tab/key` of the incoming record.
    #[serde(default)]
    record: String,
    /// `koppel:ID`, `nieuw`, `overslaan`, `importeren`, `email` or `herberekenen`.
    #[serde(default)]
    keuze: String,
    #[serde(default)]
    email: String,
    /// The tab to go back to.
    #[serde(default)]
    tab: String,
}

fn record_ref(s: &str) -> Result<RecordRef, String> {
    let (tab, key) = s.split_once('/').ok_or_else(|| format!("'{s}' names no record"))?;
    let key = key.trim();
    if key.is_empty() {
        return Err(format!("'{s}' names no record"));
    }
    Ok(RecordRef::new(Tab::parse(tab)?, key))
}

/// The decision a form asks for; `None`: just recompute.
fn decision(f: &DecideForm) -> Result<Option<Decision>, String> {
    if f.keuze == "herberekenen" {
        return Ok(None);
    }
    let record = record_ref(&f.record)?;
    Ok(Some(match f.keuze.as_str() {
        "nieuw" => Decision::New { record },
        "overslaan" => Decision::Skip { record },
        "importeren" => Decision::Unskip { record },
        "email" => Decision::Email { record, email: f.email.trim().to_string() },
        other => match other.strip_prefix("koppel:").and_then(|id| id.parse::<i64>().ok()) {
            Some(to) => Decision::Link { record, to },
            None => return Err("kies wat er met deze regel moet gebeuren".into()),
        },
    }))
}

/// One decision (or a recompute), then back to the row on its tab.
pub(super) async fn decide(
    State(state): State<ConsoleState>,
    Extension(s): Extension<Signed>,
    Path(id): Path<i64>,
    Form(form): Form<DecideForm>,
) -> Response {
    let (v, k) = match reviewable(&state, &s, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let tab = record_ref(&form.record).map(|r| r.tab).unwrap_or_else(|_| tab_of(&form.tab));
    let d = match decision(&form) {
        Ok(d) => d,
        Err(e) => return review(&s, &v, &k, tab, StatusCode::BAD_REQUEST, None, Some(e)),
    };
    let more: Vec<Decision> = d.iter().cloned().collect();
    match state.gw.decide_with(id, &more, false, &s.account.email).await {
        Ok(_) => {
            let (melding, at) = match &d {
                Some(d) => ("opgeslagen", format!("#{}", anchor(d.record()))),
                None => ("herberekend", String::new()),
            };
            Redirect::to(&format!("{}?tab={tab}&melding={melding}{at}", review_path(id))).into_response()
        }
        Err(e) => {
            let (status, message) = refusal(&e);
            review(&s, &v, &k, tab, status, None, Some(message))
        }
    }
}

/// "Alle suggesties accepteren": one link per record with exactly one strong candidate.
pub(super) async fn accept_all(
    State(state): State<ConsoleState>,
    Extension(s): Extension<Signed>,
    Path(id): Path<i64>,
    Form(form): Form<DecideForm>,
) -> Response {
    let (v, k) = match reviewable(&state, &s, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let tab = tab_of(&form.tab);
    match state.gw.accept_suggestions(id, &s.account.email).await {
        Ok(_) => Redirect::to(&format!("{}?tab={tab}&melding=suggesties", review_path(id))).into_response(),
        Err(e) => {
            let (status, message) = refusal(&e);
            review(&s, &v, &k, tab, status, None, Some(message))
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct SearchQuery {
    #[serde(default)]
    record: String,
    #[serde(default)]
    q: String,
}

pub(super) struct FoundView {
    pub id: i64,
    pub naam: String,
    pub geboortedatum: String,
    pub groep: String,
    pub boom_nummer: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "console/import_zoeken.html")]
pub(super) struct SearchPage {
    pub page: Chrome,
    pub id: i64,
    pub record: String,
    pub tab: &'static str,
    pub naam: String,
    pub q: String,
    pub searched: bool,
    pub found: Vec<FoundView>,
    pub pupils: bool,
}

fn incoming_name(p: &Proposal, r: &RecordRef) -> Option<String> {
    fn find<'a, F>(items: &'a [Item<F>], r: &RecordRef) -> Option<&'a F> {
        items.iter().find(|i| &i.record == r).map(|i| &i.fields)
    }
    match r.tab {
        Tab::Groepen => find(&p.groepen, r).map(|f| f.naam.clone()).or_else(|| p.group_names.get(&r.key).cloned()),
        Tab::Leerkrachten => {
            find(&p.leerkrachten, r).map(|f| person([&f.roepnaam, &f.voorletters, &f.voorvoegsel, &f.achternaam]))
        }
        Tab::Leerlingen => {
            find(&p.leerlingen, r).map(|f| person([&f.roepnaam, &f.voorletters, &f.voorvoegsel, &f.achternaam]))
        }
    }
}

/// "Koppeling aanpassen": search the school's records for the one an incoming record is,
/// and link it with one click (a form that posts the link decision).
pub(super) async fn search(
    State(state): State<ConsoleState>,
    Extension(s): Extension<Signed>,
    Path(id): Path<i64>,
    Query(q): Query<SearchQuery>,
) -> Response {
    let (v, k) = match reviewable(&state, &s, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let record = match record_ref(&q.record) {
        Ok(r) => r,
        Err(e) => return review(&s, &v, &k, Tab::Leerlingen, StatusCode::BAD_REQUEST, None, Some(e)),
    };
    let Some(naam) = incoming_name(&v.proposal, &record) else {
        let e = format!("{record} staat niet in dit voorstel");
        return review(&s, &v, &k, record.tab, StatusCode::NOT_FOUND, None, Some(e));
    };
    let (found, error) = match state.gw.search_records(id, record.tab, &q.q).await {
        Ok(f) => (f, None),
        Err(e) => (Vec::new(), Some(refusal(&e))),
    };
    let mut page = Chrome::new(&format!("Koppeling aanpassen — {naam}"), Some(&s));
    let status = match error {
        Some((status, message)) => {
            page.error = Some(message);
            status
        }
        None => StatusCode::OK,
    };
    let found = found
        .into_iter()
        .map(|f: Found| FoundView {
            id: f.id,
            geboortedatum: f.geboortedatum.map(|d| d.format("%d-%m-%Y").to_string()).unwrap_or_default(),
            groep: f.groep.or(f.emailadres).unwrap_or_default(),
            boom_nummer: f.boom_nummer.unwrap_or_default(),
            active: f.active,
            naam: f.naam,
        })
        .collect();
    let view = SearchPage {
        page,
        id,
        record: format!("{}/{}", record.tab, record.key),
        tab: record.tab.as_str(),
        naam,
        searched: !q.q.trim().is_empty(),
        q: q.q,
        found,
        pupils: record.tab == Tab::Leerlingen,
    };
    render(status, &view)
}

pub(super) struct Count {
    pub label: &'static str,
    pub new: usize,
    pub changed: usize,
    pub skip: usize,
    pub deactivations: usize,
}

#[derive(Template)]
#[template(path = "console/import_bevestigen.html")]
pub(super) struct ConfirmPage {
    pub page: Chrome,
    pub id: i64,
    pub location: String,
    pub schooljaar: String,
    pub open: bool,
    pub counts: Vec<Count>,
    pub invitations: Vec<String>,
    pub no_email: Vec<String>,
    pub leavers: Vec<String>,
    pub undecided: Vec<String>,
    pub safety: Option<String>,
    pub reden: String,
    pub fetched: String,
}

async fn confirm(
    state: &ConsoleState,
    s: &Signed,
    v: &ProposalView,
    k: &Koppeling,
    status: StatusCode,
    error: Option<String>,
    reden: String,
) -> Response {
    let p = &v.proposal;
    let mut page = Chrome::new(&format!("Gegevens importeren — {}", k.location), Some(s));
    page.error = error;
    let counts = Tab::ALL
        .into_iter()
        .map(|t| {
            let x = p.summary.tab(t);
            Count {
                label: tab_label(t),
                new: x.new,
                changed: x.existing_changed,
                skip: x.skip,
                deactivations: x.deactivations,
            }
        })
        .collect();
    let mut invitations = Vec::new();
    let mut no_email = Vec::new();
    for i in p.leerkrachten.iter().filter(|i| i.category == Category::New) {
        let f = &i.fields;
        let naam = person([&f.roepnaam, &f.voorletters, &f.voorvoegsel, &f.achternaam]);
        match &f.emailadres {
            Some(e) if !e.trim().is_empty() => invitations.push(format!("{naam} <{e}>")),
            _ => no_email.push(naam),
        }
    }
    let fetched = match state.gw.store().pool().acquire().await {
        Ok(mut c) => crate::store::imports::get_fetch(&mut c, v.fetch_id).await.ok().map(|f| when(Some(f.at))),
        Err(_) => None,
    };
    let view = ConfirmPage {
        page,
        id: v.id,
        location: k.location.to_string(),
        schooljaar: k.schooljaar.to_string(),
        open: v.status == "open",
        counts,
        invitations,
        no_email,
        leavers: p.deactivations.iter().map(|d| format!("{} ({})", d.label, d.tab.noun())).collect(),
        undecided: undecided_lines(p),
        safety: safety_text(p),
        reden,
        fetched: fetched.unwrap_or_else(|| "—".into()),
    };
    render(status, &view)
}

/// The second confirmation: what importing will do, with the one button that applies.
pub(super) async fn confirm_page(
    State(state): State<ConsoleState>,
    Extension(s): Extension<Signed>,
    Path(id): Path<i64>,
) -> Response {
    match reviewable(&state, &s, id).await {
        Ok((v, k)) => confirm(&state, &s, &v, &k, StatusCode::OK, None, String::new()).await,
        Err(r) => r,
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct ApplyForm {
    /// `negeren`: apply although the safety gate holds (with `reden`).
    #[serde(default)]
    veiligheid: String,
    #[serde(default)]
    reden: String,
}

/// Applies the proposal (the second "GEGEVENS IMPORTEREN"); then the records of the year.
pub(super) async fn apply(
    State(state): State<ConsoleState>,
    Extension(s): Extension<Signed>,
    Path(id): Path<i64>,
    Form(form): Form<ApplyForm>,
) -> Response {
    let (v, k) = match reviewable(&state, &s, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let override_safety = form.veiligheid == "negeren";
    let reden = form.reden.trim();
    if override_safety && reden.is_empty() {
        let e = "Vul de reden in waarom deze leerlingen gedeactiveerd mogen worden; zonder reden wordt niets \
                 geïmporteerd.";
        return confirm(&state, &s, &v, &k, StatusCode::BAD_REQUEST, Some(e.into()), String::new()).await;
    }
    let opts = ApplyOptions { override_safety, reason: override_safety.then_some(reden), ..ApplyOptions::default() };
    match state.gw.apply_proposal(id, &s.account.email, opts).await {
        Ok(_) => Redirect::to(&format!(
            "/console/locaties/{}/gegevens?schooljaar={}&melding=geimporteerd",
            k.location, k.schooljaar
        ))
        .into_response(),
        Err(e) => {
            let (status, message) = refusal(&e);
            // Read again: a refusal may say the proposal is no longer open.
            let v = state.gw.proposal(id).await.unwrap_or(v);
            confirm(&state, &s, &v, &k, status, Some(message), reden.to_string()).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_names_one_decision() {
        let f = |record: &str, keuze: &str| DecideForm {
            record: record.into(),
            keuze: keuze.into(),
            email: " s.visser@school.example ".into(),
            tab: String::new(),
        };
        let r = RecordRef::new(Tab::Leerlingen, "L/1");
        assert_eq!(decision(&f("leerlingen/L/1", "koppel:12")), Ok(Some(Decision::Link { record: r.clone(), to: 12 })));
        assert_eq!(decision(&f("leerlingen/L/1", "nieuw")), Ok(Some(Decision::New { record: r.clone() })));
        assert_eq!(decision(&f("leerlingen/L/1", "overslaan")), Ok(Some(Decision::Skip { record: r.clone() })));
        assert_eq!(decision(&f("leerlingen/L/1", "importeren")), Ok(Some(Decision::Unskip { record: r })));
        let t = RecordRef::new(Tab::Leerkrachten, "LK");
        assert_eq!(
            decision(&f("leerkrachten/LK", "email")),
            Ok(Some(Decision::Email { record: t, email: "s.visser@school.example".into() }))
        );
        assert_eq!(decision(&f("", "herberekenen")), Ok(None));
        assert!(decision(&f("leerlingen/L1", "")).is_err());
        assert!(decision(&f("leerlingen/L1", "koppel:x")).is_err());
        assert!(decision(&f("klassen/L1", "nieuw")).is_err());
        assert!(decision(&f("leerlingen/ ", "nieuw")).is_err());
    }

    #[test]
    fn anchors_are_plain() {
        assert_eq!(anchor(&RecordRef::new(Tab::Leerlingen, "a/b \"c\"")), "rij-leerlingen-a-b--c-");
    }
}
