//! Accounts from invitations. A teacher imported from the LAS (or a school admin support
//! invites) gets a mail with a link that sets the account's first password, once; then they
//! sign in like everyone else.
//!
//! - The account (role and the invitation's location) is made when the mail is sent
//!   ([`prepare`], called by the outbox), never widened: an address that already has an
//!   account of another role gets no grant and no link, only "sign in".
//! - The link's token is 32 random bytes; the store keeps its SHA-256 only
//!   ([`crate::store::invitations`]). It works once and until the gateway's
//!   `invitation_valid` (default 7 days) has passed, and only while the account has no
//!   password yet.
//! - Opening the link (GET) changes nothing, so a mail scanner that follows it uses
//!   nothing up; the form (POST, with a double-submit CSRF token like the sign-in) uses it.
//! - An unknown, used or expired link gets one and the same answer, so a guess learns
//!   nothing about which links exist.
//! - The token travels in the query string, which the console's log line leaves out; the
//!   page's `Referrer-Policy: no-referrer` keeps it from other sites.

use super::accounts::{self, new_token, token_digest, write_audit, Role};
use super::pages::{failure, refusal, render};
use super::views::{Chrome, ErrorPage};
use super::{cookie, set_cookie, ConsoleState, Signed, SIGN_IN_COOKIE};
use crate::gateway::{Gateway, GatewayError};
use crate::location::Location;
use crate::notify::Notification;
use crate::store::accounts as rows;
use crate::store::invitations as links;
use crate::store::outbox;
use askama::Template;
use axum::extract::{FromRequest, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;
use subtle::ConstantTimeEq;

/// What an invitation mail offers.
pub enum Invite {
    /// The link's token: it goes into the mail and nowhere else.
    Link(String),
    /// The account has a password already (or is of another role): sign in.
    SignIn,
}

impl std::fmt::Debug for Invite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Invite::Link(_) => "Invite::Link(..)",
            Invite::SignIn => "Invite::SignIn",
        })
    }
}

/// The account an open link sets the password of.
#[derive(Debug, Clone, PartialEq)]
pub struct Invitee {
    pub email: String,
    pub name: String,
    pub location: String,
}

/// Makes the account of an invitation (when missing), grants it `location` (same role
/// only) and, while it has no password, a new link. Audited as `invitation`.
pub async fn prepare(
    gw: &Gateway,
    email: &str,
    name: &str,
    role: Role,
    location: &str,
) -> Result<Invite, GatewayError> {
    let email = accounts::normalise_email(email)?;
    let location = Location::parse(location)?;
    let name = name.trim();
    let now = gw.now();
    let mut tx = gw.store().pool().begin().await?;
    let row = match rows::by_email(&mut tx, &email).await? {
        Some(r) => r,
        None => {
            let id =
                rows::insert(&mut tx, &email, if name.is_empty() { &email } else { name }, role.as_str(), None, now)
                    .await?;
            write_audit(&mut tx, "", "invitation", "account-add", Some(&format!("{email} ({})", role.as_str())), now)
                .await?;
            rows::by_id(&mut tx, id).await?.ok_or_else(|| GatewayError::NotFound(format!("no account {id}")))?
        }
    };
    if row.role != role.as_str() || row.disabled {
        tx.commit().await?;
        tracing::warn!(account = row.id, location = %location, "invitation: the address has another account; no grant, no link");
        return Ok(Invite::SignIn);
    }
    rows::grant(&mut tx, row.id, &location, now).await?;
    if row.has_password {
        write_audit(&mut tx, &location, "invitation", "account-grant", Some(&email), now).await?;
        tx.commit().await?;
        return Ok(Invite::SignIn);
    }
    let token = new_token()?;
    let expires = now + gw.settings().invitation_valid;
    links::insert(&mut tx, &token_digest(&token), row.id, &location, now, expires).await?;
    write_audit(&mut tx, &location, "invitation", "invitation", Some(&email), now).await?;
    tx.commit().await?;
    Ok(Invite::Link(token))
}

/// Whom an open link is for; `None` for an unknown, used or expired link, or an account
/// that has a password by now.
pub async fn check(gw: &Gateway, token: &str) -> Result<Option<Invitee>, GatewayError> {
    if token.len() != 64 {
        return Ok(None);
    }
    let mut conn = gw.store().pool().acquire().await?;
    let Some((account_id, location)) = links::open(&mut conn, &token_digest(token), gw.now()).await? else {
        return Ok(None);
    };
    let Some(row) = rows::by_id(&mut conn, account_id).await?.filter(|r| !r.has_password && !r.disabled) else {
        return Ok(None);
    };
    Ok(Some(Invitee { email: row.email, name: row.name, location }))
}

/// Sets the first password through a link and uses the link up (and the account's other
/// links). `Ok(None)`: the link is not (or no longer) open. Audited as
/// `invitation-accepted` with the person as actor.
pub async fn accept(gw: &Gateway, token: &str, password: &str) -> Result<Option<Invitee>, GatewayError> {
    let Some(invitee) = check(gw, token).await? else {
        return Ok(None);
    };
    let given = password.to_string();
    let hash = tokio::task::spawn_blocking(move || accounts::hash_password(&given))
        .await
        .map_err(|e| GatewayError::Invalid(format!("the password could not be hashed: {e}")))??;
    let now = gw.now();
    let digest = token_digest(token);
    let mut tx = gw.store().pool().begin().await?;
    // The conditional update decides: of two requests with one link, one gets here.
    // A refusal rolls back at once, not when the dropped transaction gets to it: on SQLite
    // the write lock would otherwise outlive the answer.
    if !links::use_once(&mut tx, &digest, now).await? {
        tx.rollback().await?;
        return Ok(None);
    }
    let Some(row) = rows::by_email(&mut tx, &invitee.email).await?.filter(|r| !r.has_password && !r.disabled) else {
        tx.rollback().await?;
        return Ok(None);
    };
    rows::set_password(&mut tx, row.id, &hash, now).await?;
    links::close_others(&mut tx, row.id, now).await?;
    write_audit(&mut tx, &invitee.location, &invitee.email, "invitation-accepted", None, now).await?;
    tx.commit().await?;
    tracing::info!(account = row.id, "console: password set from an invitation");
    Ok(Some(invitee))
}

/// Support invites someone to an account of `role` for `location`: the mail (with its
/// link) is queued in the outbox; a school admin also hears of proposals for the location.
pub async fn invite(
    gw: &Gateway,
    email: &str,
    name: &str,
    role: Role,
    location: &str,
    actor: &str,
) -> Result<(), GatewayError> {
    let email = accounts::normalise_email(email)?;
    let location = Location::parse(location)?;
    if role == Role::Support {
        return Err(GatewayError::Invalid("support accounts are made with `uwlr account add`".into()));
    }
    if role == Role::SchoolAdmin {
        gw.add_school_admin(&location, &email, actor).await?;
    }
    let n = Notification::AccountInvitation {
        school: location.to_string(),
        name: name.trim().to_string(),
        email: email.clone(),
        role: role.as_str().to_string(),
    };
    let json = serde_json::to_string(&n).map_err(|e| GatewayError::Invalid(e.to_string()))?;
    let now = gw.now();
    let mut tx = gw.store().pool().begin().await?;
    outbox::push(&mut tx, &email, &json, now).await?;
    write_audit(&mut tx, &location, actor, "invite", Some(&format!("{email} ({})", role.as_str())), now).await?;
    tx.commit().await?;
    Ok(())
}

// ---- the pages ----

#[derive(Template)]
#[template(path = "console/uitnodiging_wachtwoord.html")]
pub(crate) struct PasswordPage {
    pub page: Chrome,
    pub code: String,
    pub email: String,
    pub name: String,
    pub location: String,
    pub min: usize,
}

#[derive(Template)]
#[template(path = "console/uitnodiging_uitnodigen.html")]
pub(crate) struct InvitePage {
    pub page: Chrome,
    pub email: String,
    pub name: String,
    pub location: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct Code {
    #[serde(default)]
    code: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    wachtwoord: String,
    #[serde(default)]
    herhaling: String,
    #[serde(default)]
    csrf: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    naam: String,
    #[serde(default)]
    locatie: String,
}

/// The one answer to a link that is not open: it says what to do and nothing else.
fn link_refused() -> Response {
    let message = "Deze uitnodigingslink werkt niet (meer): hij is al gebruikt, verlopen of onvolledig. \
                   Heb je al een wachtwoord ingesteld? Meld je dan aan. Anders: vraag de beheerder van je \
                   school om een nieuwe uitnodiging.";
    let page = ErrorPage { page: Chrome::new("Uitnodiging", None), status: 410, message: message.into() };
    render(StatusCode::GONE, &page)
}

fn password_page(status: StatusCode, csrf: &str, code: &str, who: &Invitee, error: Option<String>) -> Response {
    let mut page = Chrome::new("Wachtwoord instellen", None);
    page.csrf = csrf.to_string();
    page.error = error;
    let view = PasswordPage {
        page,
        code: code.to_string(),
        email: who.email.clone(),
        name: who.name.clone(),
        location: who.location.clone(),
        min: accounts::MIN_PASSWORD,
    };
    render(status, &view)
}

/// `GET /console/uitnodiging?code=…`: the form, for an open link.
pub(crate) async fn password_form(State(state): State<ConsoleState>, Query(q): Query<Code>) -> Response {
    match check(&state.gw, q.code.trim()).await {
        Ok(Some(who)) => {
            let Ok(csrf) = new_token() else {
                return failure(StatusCode::INTERNAL_SERVER_ERROR, None);
            };
            let mut r = password_page(StatusCode::OK, &csrf, q.code.trim(), &who, None);
            r.headers_mut().append(header::SET_COOKIE, set_cookie(&state.settings, SIGN_IN_COOKIE, &csrf, None));
            r
        }
        Ok(None) => link_refused(),
        Err(e) => failure(refusal(&e).0, None),
    }
}

/// `POST /console/uitnodiging`: sets the password and uses the link up; then the sign-in.
pub(crate) async fn set_password(State(state): State<ConsoleState>, headers: HeaderMap, req: Request) -> Response {
    let form = match Form::<PasswordForm>::from_request(req, &()).await {
        Ok(Form(form)) => form,
        Err(rejection) => return failure(rejection.status(), None),
    };
    let expected = cookie(&headers, SIGN_IN_COOKIE).unwrap_or("");
    if !(expected.len() == 64 && bool::from(form.csrf.as_bytes().ct_eq(expected.as_bytes()))) {
        return failure(StatusCode::FORBIDDEN, None);
    }
    let code = form.code.trim();
    let who = match check(&state.gw, code).await {
        Ok(Some(who)) => who,
        Ok(None) => return link_refused(),
        Err(e) => return failure(refusal(&e).0, None),
    };
    let again = |error: String| password_page(StatusCode::BAD_REQUEST, expected, code, &who, Some(error));
    if form.wachtwoord != form.herhaling {
        return again("De twee wachtwoorden zijn niet gelijk.".into());
    }
    if form.wachtwoord.chars().count() < accounts::MIN_PASSWORD {
        return again(format!("Kies een wachtwoord van minstens {} tekens.", accounts::MIN_PASSWORD));
    }
    match accept(&state.gw, code, &form.wachtwoord).await {
        Ok(Some(_)) => {
            let mut r = Redirect::to("/console/aanmelden?melding=wachtwoord-ingesteld").into_response();
            r.headers_mut().append(header::SET_COOKIE, set_cookie(&state.settings, SIGN_IN_COOKIE, "", Some(0)));
            r
        }
        Ok(None) => link_refused(),
        Err(e) => {
            let (status, message) = refusal(&e);
            if status == StatusCode::BAD_REQUEST {
                again(message)
            } else {
                failure(status, None)
            }
        }
    }
}

/// `GET /console/uitnodigen`: support's form to invite a school admin.
pub(crate) async fn invite_form(Extension(s): Extension<Signed>, Query(q): Query<Melding>) -> Response {
    if !s.account.is_support() {
        return failure(StatusCode::FORBIDDEN, Some(&s));
    }
    let mut page = Chrome::new("Beheerder uitnodigen", Some(&s));
    page.notice = q.melding.as_deref().and_then(super::views::notice).map(str::to_string);
    render(StatusCode::OK, &InvitePage { page, email: String::new(), name: String::new(), location: String::new() })
}

#[derive(Debug, Default, Deserialize)]
pub struct Melding {
    #[serde(default)]
    melding: Option<String>,
}

/// `POST /console/uitnodigen`: support invites a school admin for one location.
pub(crate) async fn invite_post(
    State(state): State<ConsoleState>,
    Extension(s): Extension<Signed>,
    Form(form): Form<InviteForm>,
) -> Response {
    if !s.account.is_support() {
        return failure(StatusCode::FORBIDDEN, Some(&s));
    }
    match invite(&state.gw, &form.email, &form.naam, Role::SchoolAdmin, &form.locatie, &s.account.email).await {
        Ok(()) => Redirect::to("/console/uitnodigen?melding=uitgenodigd").into_response(),
        Err(e) => {
            let (status, message) = refusal(&e);
            let mut page = Chrome::new("Beheerder uitnodigen", Some(&s));
            page.error = Some(message);
            let view = InvitePage {
                page,
                email: form.email.trim().to_string(),
                name: form.naam.trim().to_string(),
                location: form.locatie.trim().to_string(),
            };
            render(status, &view)
        }
    }
}
