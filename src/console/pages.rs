//! The console's pages: each handler checks what the signed-in person may see and do, makes
//! one [`Gateway`] call as that person (the audit trail names them), and answers with a
//! page or a redirect (POST → 303 → GET, so a reload never repeats an action).

use super::accounts::{self, SignInError};
use super::views::{self, Chrome, ErrorPage, KoppelenPage, LinkView, LocationView, LocationsPage, SignInPage};
use super::{address, cookie, set_cookie, ConsoleState, Signed, SESSION_COOKIE, SIGN_IN_COOKIE};
use crate::gateway::koppelingen::KoppelingRequest;
use crate::gateway::GatewayError;
use crate::koppeling::Koppeling;
use crate::koppeling::{Kind, Status};
use askama::Template;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;
use std::collections::BTreeMap;
use subtle::ConstantTimeEq;

/// `?melding=…` on the page a redirect lands on.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Notice {
    #[serde(default)]
    melding: Option<String>,
}

impl Notice {
    pub(super) fn text(&self) -> Option<String> {
        self.melding.as_deref().and_then(views::notice).map(str::to_string)
    }

    /// The code itself, for pages with notices of their own.
    pub(super) fn code(&self) -> Option<&str> {
        self.melding.as_deref()
    }
}

pub(super) fn render(status: StatusCode, t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "console: a page could not be rendered");
            (StatusCode::INTERNAL_SERVER_ERROR, "Er ging iets mis.").into_response()
        }
    }
}

/// A refusal as a page that names nothing but the refusal.
pub(super) fn failure(status: StatusCode, signed: Option<&Signed>) -> Response {
    let message = match status {
        StatusCode::UNAUTHORIZED => "Meld je eerst aan.",
        StatusCode::FORBIDDEN => {
            "Dit mag je niet doen met dit account, of het formulier is verlopen: laad de pagina opnieuw."
        }
        StatusCode::NOT_FOUND => "Deze pagina bestaat niet, of je hebt er geen toegang toe.",
        StatusCode::PAYLOAD_TOO_LARGE => "Het formulier is te groot.",
        _ => "Er ging iets mis; probeer het later opnieuw.",
    };
    let page = ErrorPage { page: Chrome::new("Foutmelding", signed), status: status.as_u16(), message: message.into() };
    render(status, &page)
}

pub(super) async fn not_found(req: Request) -> Response {
    failure(StatusCode::NOT_FOUND, req.extensions().get::<Signed>())
}

/// The status and message of a gateway refusal; store trouble is logged, not shown.
pub(super) fn refusal(e: &GatewayError) -> (StatusCode, String) {
    match e {
        GatewayError::Invalid(m) => (StatusCode::BAD_REQUEST, m.clone()),
        GatewayError::NotFound(m) => (StatusCode::NOT_FOUND, m.clone()),
        GatewayError::Conflict(m) => (StatusCode::CONFLICT, m.clone()),
        GatewayError::Upstream(e) => (StatusCode::BAD_GATEWAY, e.to_string()),
        GatewayError::Store(_) | GatewayError::Vault(_) => {
            tracing::error!(error = %e, "console: the gateway failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "Er ging iets mis; probeer het later opnieuw.".into())
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    wachtwoord: String,
    #[serde(default)]
    csrf: String,
}

pub(super) async fn sign_in_form(State(state): State<ConsoleState>, Query(notice): Query<Notice>) -> Response {
    let Ok(token) = accounts::new_token() else {
        return failure(StatusCode::INTERNAL_SERVER_ERROR, None);
    };
    let mut page = Chrome::new("Aanmelden", None);
    page.csrf = token.clone();
    page.notice = notice.text();
    let mut response = render(StatusCode::OK, &SignInPage { page, email: String::new() });
    response.headers_mut().append(header::SET_COOKIE, set_cookie(&state.settings, SIGN_IN_COOKIE, &token, None));
    response
}

pub(super) async fn sign_in(State(state): State<ConsoleState>, headers: HeaderMap, req: Request) -> Response {
    let addr = address(&state.settings, &headers, req.extensions());
    let form = match Form::<SignInForm>::from_request(req, &()).await {
        Ok(Form(form)) => form,
        Err(rejection) => return failure(rejection.status(), None),
    };
    let expected = cookie(&headers, SIGN_IN_COOKIE).unwrap_or("");
    let csrf_ok = expected.len() == 64 && bool::from(form.csrf.as_bytes().ct_eq(expected.as_bytes()));
    if !csrf_ok {
        return failure(StatusCode::FORBIDDEN, None);
    }
    let again = |status: StatusCode, error: String| {
        let mut page = Chrome::new("Aanmelden", None);
        page.csrf = expected.to_string();
        page.error = Some(error);
        render(status, &SignInPage { page, email: form.email.trim().to_string() })
    };
    match accounts::sign_in(&state.gw, &form.email, &form.wachtwoord, &addr).await {
        Ok(session) => {
            let mut r = Redirect::to("/console/locaties").into_response();
            let h = r.headers_mut();
            h.append(header::SET_COOKIE, set_cookie(&state.settings, SESSION_COOKIE, &session.token, None));
            h.append(header::SET_COOKIE, set_cookie(&state.settings, SIGN_IN_COOKIE, "", Some(0)));
            r
        }
        Err(e @ SignInError::Wrong) => again(StatusCode::UNAUTHORIZED, e.to_string()),
        Err(e @ SignInError::Throttled(_)) => again(StatusCode::TOO_MANY_REQUESTS, e.to_string()),
        Err(SignInError::Gateway(e)) => {
            let (status, message) = refusal(&e);
            again(status, message)
        }
    }
}

fn signed_out(state: &ConsoleState, melding: &str) -> Response {
    let mut r = Redirect::to(&format!("/console/aanmelden?melding={melding}")).into_response();
    r.headers_mut().append(header::SET_COOKIE, set_cookie(&state.settings, SESSION_COOKIE, "", Some(0)));
    r
}

pub(super) async fn sign_out(State(state): State<ConsoleState>, Extension(s): Extension<Signed>) -> Response {
    match accounts::sign_out(&state.gw, &s.token, &s.account).await {
        Ok(()) => signed_out(&state, "afgemeld"),
        Err(e) => failure(refusal(&e).0, Some(&s)),
    }
}

pub(super) async fn sign_out_everywhere(
    State(state): State<ConsoleState>,
    Extension(s): Extension<Signed>,
) -> Response {
    match accounts::sign_out_everywhere(&state.gw, &s.account).await {
        Ok(_) => signed_out(&state, "overal-afgemeld"),
        Err(e) => failure(refusal(&e).0, Some(&s)),
    }
}

/// The links the person may see, and each one's activity, by location.
async fn visible(
    state: &ConsoleState,
    s: &Signed,
    location: Option<&str>,
) -> Result<BTreeMap<String, Vec<LinkView>>, GatewayError> {
    let links = state.gw.koppelingen(location).await?;
    let activity = {
        let mut conn = state.gw.store().pool().acquire().await?;
        crate::store::overview::activity(&mut conn).await?
    };
    let mut by_location: BTreeMap<String, Vec<LinkView>> = BTreeMap::new();
    if s.account.role != accounts::Role::Support {
        for l in &s.account.locations {
            by_location.entry(l.clone()).or_default();
        }
    }
    for k in links.iter().filter(|k| s.account.sees(&k.location)) {
        by_location.entry(k.location.to_string()).or_default().push(LinkView::new(k, activity.get(&k.id), &s.account));
    }
    Ok(by_location)
}

pub(super) async fn locations(
    State(state): State<ConsoleState>,
    Extension(s): Extension<Signed>,
    Query(notice): Query<Notice>,
) -> Response {
    locations_page(&state, &s, StatusCode::OK, notice.text(), None).await
}

async fn locations_page(
    state: &ConsoleState,
    s: &Signed,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    match visible(state, s, None).await {
        Ok(by_location) => {
            let mut page = Chrome::new("Locaties", Some(s));
            page.notice = notice;
            page.error = error;
            let locations = by_location.into_iter().map(|(location, links)| LocationView { location, links }).collect();
            render(status, &LocationsPage { page, locations, support: s.account.is_support() })
        }
        Err(e) => failure(refusal(&e).0, Some(s)),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Open {
    #[serde(default)]
    code: String,
}

/// "Locatie openen": the Koppelen met LAS page of a location by its code, also one without
/// a link yet (support acting for a school). Only letters, digits, `-` and `_`, so the code
/// is safe in the redirect.
pub(super) async fn open_location(
    State(state): State<ConsoleState>,
    Extension(s): Extension<Signed>,
    Query(open): Query<Open>,
) -> Response {
    let code = open.code.trim();
    let plain = code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    match crate::location::Location::parse(code) {
        Ok(location) if plain => {
            if !s.account.sees(&location) {
                return failure(StatusCode::NOT_FOUND, Some(&s));
            }
            Redirect::to(&format!("/console/locaties/{location}/koppelen")).into_response()
        }
        Ok(_) => {
            let message = "een locatie is een BRIN met dependance (99DE00) of een schoolkey van letters en cijfers";
            locations_page(&state, &s, StatusCode::BAD_REQUEST, None, Some(message.into())).await
        }
        Err(e) => locations_page(&state, &s, StatusCode::BAD_REQUEST, None, Some(e.to_string())).await,
    }
}

/// What the request form shows again after a refusal (never the key).
#[derive(Default)]
struct Kept {
    kind: String,
    schooljaar: String,
    endpoint: String,
}

async fn koppelen_page(
    state: &ConsoleState,
    s: &Signed,
    location: &str,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
    kept: Kept,
) -> Response {
    if !s.account.sees(location) {
        return failure(StatusCode::NOT_FOUND, Some(s));
    }
    let links = match visible(state, s, Some(location)).await {
        Ok(mut m) => m.remove(location).unwrap_or_default(),
        Err(e) => return failure(refusal(&e).0, Some(s)),
    };
    let mut page = Chrome::new(&format!("Koppelen met LAS — {location}"), Some(s));
    page.notice = notice;
    page.error = error;
    let view = KoppelenPage {
        page,
        location: location.to_string(),
        links,
        kinds: views::kinds(),
        kind: if kept.kind.is_empty() { Kind::Parnassys.as_str().to_string() } else { kept.kind },
        schooljaar: if kept.schooljaar.is_empty() {
            views::current_schooljaar(state.gw.now())
        } else {
            kept.schooljaar
        },
        endpoint: kept.endpoint,
        manages: s.account.manages(location),
    };
    render(status, &view)
}

/// The Koppelen met LAS page again with a refusal (for the forms of other modules on it).
pub(super) async fn koppelen_refused(
    state: &ConsoleState,
    s: &Signed,
    location: &str,
    status: StatusCode,
    error: String,
) -> Response {
    koppelen_page(state, s, location, status, None, Some(error), Kept::default()).await
}

pub(super) async fn koppelen(
    State(state): State<ConsoleState>,
    Extension(s): Extension<Signed>,
    Path(location): Path<String>,
    Query(notice): Query<Notice>,
) -> Response {
    koppelen_page(&state, &s, &location, StatusCode::OK, notice.text(), None, Kept::default()).await
}

#[derive(Debug, Deserialize)]
pub(super) struct RequestForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    schooljaar: String,
    #[serde(default)]
    endpoint: String,
    #[serde(default)]
    autorisatiesleutel: String,
}

pub(super) async fn request(
    State(state): State<ConsoleState>,
    Extension(s): Extension<Signed>,
    Path(location): Path<String>,
    Form(form): Form<RequestForm>,
) -> Response {
    if !s.account.sees(&location) {
        return failure(StatusCode::NOT_FOUND, Some(&s));
    }
    if !s.account.manages(&location) {
        return failure(StatusCode::FORBIDDEN, Some(&s));
    }
    let kept = Kept { kind: form.kind.clone(), schooljaar: form.schooljaar.clone(), endpoint: form.endpoint.clone() };
    let kind = match Kind::parse(&form.kind) {
        Ok(k) => k,
        Err(e) => return koppelen_page(&state, &s, &location, StatusCode::BAD_REQUEST, None, Some(e), kept).await,
    };
    let key = form.autorisatiesleutel.trim();
    let req = KoppelingRequest {
        location: location.clone(),
        schooljaar: form.schooljaar.clone(),
        kind,
        endpoint: Some(form.endpoint.trim().to_string()).filter(|e| !e.is_empty()),
        key: (!key.is_empty()).then(|| key.to_string()),
        reason: None,
    };
    match state.gw.request_koppeling(&req, &s.account.email).await {
        Ok(k) => to_koppelen(&k.location, "aangevraagd"),
        Err(e) => {
            let (status, message) = refusal(&e);
            koppelen_page(&state, &s, &location, status, None, Some(message), kept).await
        }
    }
}

pub(super) fn to_koppelen(location: &str, melding: &str) -> Response {
    Redirect::to(&format!("/console/locaties/{location}/koppelen?melding={melding}")).into_response()
}

/// The link `id` if the person may see it; else the answer to give (404 either way, so
/// another school's links cannot be told from links that do not exist).
pub(super) async fn link(state: &ConsoleState, s: &Signed, id: i64) -> Result<Koppeling, Response> {
    match state.gw.koppeling(id).await {
        Ok(k) if s.account.sees(&k.location) => Ok(k),
        Ok(_) | Err(GatewayError::NotFound(_)) => Err(failure(StatusCode::NOT_FOUND, Some(s))),
        Err(e) => Err(failure(refusal(&e).0, Some(s))),
    }
}

/// What an action on a link asks of the signed-in person, beyond seeing its location.
#[derive(Clone, Copy)]
pub(super) enum Need {
    /// Support only (approving or rejecting a request).
    Support,
    /// Someone who manages the link's location (a school admin of it, or support).
    Manages,
}

/// A link for an action: 404 when the person does not see its location (naming nothing of
/// it), then 403 when their role may not do this. One order for every action on a link.
pub(super) async fn link_for(state: &ConsoleState, s: &Signed, id: i64, need: Need) -> Result<Koppeling, Response> {
    let k = link(state, s, id).await?;
    let allowed = match need {
        Need::Support => s.account.is_support(),
        Need::Manages => s.account.manages(&k.location),
    };
    if allowed {
        Ok(k)
    } else {
        Err(failure(StatusCode::FORBIDDEN, Some(s)))
    }
}

/// The outcome of an action on a link: back to its page with a notice, or the page again
/// with the refusal.
async fn after(
    state: &ConsoleState,
    s: &Signed,
    k: &Koppeling,
    result: Result<Koppeling, GatewayError>,
    melding: &str,
) -> Response {
    match result {
        Ok(_) => to_koppelen(&k.location, melding),
        Err(e) => {
            let (status, message) = refusal(&e);
            koppelen_page(state, s, &k.location, status, None, Some(message), Kept::default()).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct ReasonForm {
    #[serde(default)]
    reden: String,
}

impl ReasonForm {
    fn reason(&self) -> Option<&str> {
        Some(self.reden.trim()).filter(|r| !r.is_empty())
    }
}

pub(super) async fn approve(
    State(state): State<ConsoleState>,
    Extension(s): Extension<Signed>,
    Path(id): Path<i64>,
    Form(form): Form<ReasonForm>,
) -> Response {
    let k = match link_for(&state, &s, id, Need::Support).await {
        Ok(k) => k,
        Err(r) => return r,
    };
    let result = state.gw.approve_koppeling(id, &s.account.email, form.reason()).await;
    after(&state, &s, &k, result, "goedgekeurd").await
}

pub(super) async fn reject(
    State(state): State<ConsoleState>,
    Extension(s): Extension<Signed>,
    Path(id): Path<i64>,
    Form(form): Form<ReasonForm>,
) -> Response {
    let k = match link_for(&state, &s, id, Need::Support).await {
        Ok(k) => k,
        Err(r) => return r,
    };
    let result = state.gw.reject_koppeling(id, &s.account.email, form.reden.trim()).await;
    after(&state, &s, &k, result, "afgewezen").await
}

#[derive(Debug, Deserialize)]
pub(super) struct KeyForm {
    #[serde(default)]
    autorisatiesleutel: String,
    #[serde(default)]
    reden: String,
}

/// Enters the key of a requested or approved link, or replaces the key of an active one.
pub(super) async fn key(
    State(state): State<ConsoleState>,
    Extension(s): Extension<Signed>,
    Path(id): Path<i64>,
    Form(form): Form<KeyForm>,
) -> Response {
    let k = match link_for(&state, &s, id, Need::Manages).await {
        Ok(k) => k,
        Err(r) => return r,
    };
    let (actor, key) = (&s.account.email, form.autorisatiesleutel.as_str());
    let reason = Some(form.reden.trim()).filter(|r| !r.is_empty());
    let result = if k.status == Status::Active {
        state.gw.rotate_koppeling_key(id, key, actor, reason).await
    } else {
        state.gw.set_koppeling_key(id, key, actor).await
    };
    after(&state, &s, &k, result, "sleutel").await
}

pub(super) async fn revoke(
    State(state): State<ConsoleState>,
    Extension(s): Extension<Signed>,
    Path(id): Path<i64>,
    Form(form): Form<ReasonForm>,
) -> Response {
    let k = match link_for(&state, &s, id, Need::Manages).await {
        Ok(k) => k,
        Err(r) => return r,
    };
    let result = state.gw.revoke_koppeling(id, &s.account.email, form.reason()).await;
    after(&state, &s, &k, result, "ingetrokken").await
}
