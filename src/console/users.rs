//! "Gebruikers" of a location: who may sign in for it, and where each invitation stands.
//! A school admin sees the accounts granted the location (school admins and teachers, with
//! "actief", "uitgenodigd tot …", "uitnodiging verlopen" or "uitgeschakeld"), invites again
//! someone whose link expired or got lost, and takes the location from a teacher who left.
//!
//! Why here and not only on the command line: a teacher's invitation link works for seven
//! days; after that only a new mail lets the teacher in, and the school admin is the one the
//! teacher asks. Taking a location away is limited to teachers: a school admin's account also
//! receives the location's import mails (`school_admins`), which support changes.
//!
//! Who may do what: a school admin for the locations granted to the account, support for
//! all; a teacher gets 403, another school's location 404 (as on the other beheer pages).
//! Both actions are audited on the location with the signed-in person as actor; the list
//! shows names, addresses, roles and dates, never a link or a password.

use super::accounts::{write_audit, Role};
use super::invitations::invite;
use super::pages::{failure, refusal, render, Notice};
use super::views::{when, Chrome};
use super::{ConsoleState, Signed};
use crate::gateway::GatewayError;
use crate::store::accounts::{self as rows, LocationAccount};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use chrono::{DateTime, Utc};

/// One account on the page.
pub(crate) struct UserRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub state: String,
    /// The badge's class (the stylesheet's link states: active, requested, rejected, revoked).
    pub badge: &'static str,
    pub can_invite: bool,
    pub can_remove: bool,
}

#[derive(Template)]
#[template(path = "console/gebruikers.html")]
pub(crate) struct UsersPage {
    pub page: Chrome,
    pub location: String,
    pub users: Vec<UserRow>,
}

/// Where an account stands, as the page says it.
fn standing(u: &LocationAccount, now: DateTime<Utc>) -> (String, &'static str) {
    let a = &u.account;
    if a.disabled {
        ("Uitgeschakeld".into(), "revoked")
    } else if a.has_password {
        ("Actief".into(), "active")
    } else {
        match u.invited_until {
            Some(t) if t > now => (format!("Uitgenodigd, link geldig tot {}", when(Some(t))), "requested"),
            Some(_) => ("Uitnodiging verlopen".into(), "rejected"),
            None => ("Nog niet uitgenodigd".into(), "rejected"),
        }
    }
}

fn row(u: &LocationAccount, now: DateTime<Utc>) -> UserRow {
    let a = &u.account;
    let role = Role::parse(&a.role).ok();
    let (state, badge) = standing(u, now);
    UserRow {
        id: a.id,
        name: a.name.clone(),
        email: a.email.clone(),
        role: role.map_or("Onbekend", Role::label),
        state,
        badge,
        can_invite: !a.disabled && !a.has_password && role.is_some_and(|r| r != Role::Support),
        can_remove: role == Some(Role::Teacher),
    }
}

fn notice(code: &str) -> Option<&'static str> {
    Some(match code {
        "opnieuw-uitgenodigd" => "De uitnodiging wordt opnieuw verstuurd, met een nieuwe link.",
        "toegang-ingetrokken" => "De leerkracht heeft geen toegang meer tot deze locatie.",
        _ => return None,
    })
}

/// The 404 (another school's location) or 403 (a teacher) for these pages.
fn refused(s: &Signed, location: &str) -> Option<Response> {
    if !s.account.sees(location) {
        Some(failure(StatusCode::NOT_FOUND, Some(s)))
    } else if !s.account.manages(location) {
        Some(failure(StatusCode::FORBIDDEN, Some(s)))
    } else {
        None
    }
}

async fn users_page(
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
    let listed = async {
        let mut conn = state.gw.store().pool().acquire().await?;
        Ok::<_, GatewayError>(rows::of_location(&mut conn, location).await?)
    };
    let users = match listed.await {
        Ok(u) => u,
        Err(e) => return failure(refusal(&e).0, Some(s)),
    };
    let now = state.gw.now();
    let mut page = Chrome::new(&format!("Gebruikers — {location}"), Some(s));
    page.notice = notice;
    page.error = error;
    render(
        status,
        &UsersPage { page, location: location.to_string(), users: users.iter().map(|u| row(u, now)).collect() },
    )
}

pub(crate) async fn users(
    State(state): State<ConsoleState>,
    Extension(s): Extension<Signed>,
    Path(location): Path<String>,
    Query(n): Query<Notice>,
) -> Response {
    let notice = n.text().or_else(|| n.code().and_then(notice).map(str::to_string));
    users_page(&state, &s, &location, StatusCode::OK, notice, None).await
}

/// The account `id` among those granted `location`: what the two actions act on. Not
/// granted there is "not found", whatever the account is elsewhere.
async fn granted(state: &ConsoleState, location: &str, id: i64) -> Result<LocationAccount, GatewayError> {
    let mut conn = state.gw.store().pool().acquire().await?;
    rows::of_location(&mut conn, location)
        .await?
        .into_iter()
        .find(|u| u.account.id == id)
        .ok_or_else(|| GatewayError::NotFound(format!("geen gebruiker {id} bij {location}")))
}

/// Sends an account that has no password yet a new invitation mail (the outbox makes the
/// new link when it sends; older links stay valid until they expire or one is used).
pub(crate) async fn invite_again(
    State(state): State<ConsoleState>,
    Extension(s): Extension<Signed>,
    Path((location, id)): Path<(String, i64)>,
) -> Response {
    if let Some(r) = refused(&s, &location) {
        return r;
    }
    let done = async {
        let u = granted(&state, &location, id).await?;
        let r = row(&u, state.gw.now());
        if !r.can_invite {
            return Err(GatewayError::Conflict(format!(
                "{} kan niet opnieuw worden uitgenodigd: {}",
                u.account.email,
                r.state.to_lowercase()
            )));
        }
        let role = Role::parse(&u.account.role).map_err(GatewayError::Invalid)?;
        invite(&state.gw, &u.account.email, &u.account.name, role, &location, &s.account.email).await
    };
    match done.await {
        Ok(()) => to(&location, "opnieuw-uitgenodigd"),
        Err(e) => {
            let (status, message) = refusal(&e);
            users_page(&state, &s, &location, status, None, Some(message)).await
        }
    }
}

/// Takes the location from a teacher; the teacher's other locations and account stay, and
/// the next request of an open session no longer sees this location.
pub(crate) async fn remove(
    State(state): State<ConsoleState>,
    Extension(s): Extension<Signed>,
    Path((location, id)): Path<(String, i64)>,
) -> Response {
    if let Some(r) = refused(&s, &location) {
        return r;
    }
    let done = async {
        let u = granted(&state, &location, id).await?;
        if !row(&u, state.gw.now()).can_remove {
            return Err(GatewayError::Conflict(format!(
                "{} is geen leerkracht; de toegang van een beheerder regelt de klantenservice",
                u.account.email
            )));
        }
        let now = state.gw.now();
        let mut tx = state.gw.store().pool().begin().await?;
        rows::revoke_grant(&mut tx, id, &location).await?;
        write_audit(&mut tx, &location, &s.account.email, "account-revoke", Some(&u.account.email), now).await?;
        tx.commit().await?;
        Ok::<_, GatewayError>(())
    };
    match done.await {
        Ok(()) => to(&location, "toegang-ingetrokken"),
        Err(e) => {
            let (status, message) = refusal(&e);
            users_page(&state, &s, &location, status, None, Some(message)).await
        }
    }
}

fn to(location: &str, melding: &str) -> Response {
    Redirect::to(&format!("/console/locaties/{location}/gebruikers?melding={melding}")).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn account(
        role: &str,
        has_password: bool,
        disabled: bool,
        invited_until: Option<DateTime<Utc>>,
    ) -> LocationAccount {
        let created_at = Utc.with_ymd_and_hms(2025, 9, 1, 8, 0, 0).unwrap();
        LocationAccount {
            account: rows::AccountRow {
                id: 7,
                email: "juf@school.nl".into(),
                name: "Juf".into(),
                role: role.into(),
                has_password,
                disabled,
                created_at,
            },
            invited_until,
        }
    }

    #[test]
    fn who_may_be_invited_again_or_removed() {
        let now = Utc.with_ymd_and_hms(2025, 10, 1, 8, 0, 0).unwrap();
        let expired = account("teacher", false, false, Some(now - Duration::minutes(1)));
        let r = row(&expired, now);
        assert_eq!((r.state.as_str(), r.can_invite, r.can_remove), ("Uitnodiging verlopen", true, true));
        let open = row(&account("teacher", false, false, Some(now + Duration::days(2))), now);
        assert!(open.state.starts_with("Uitgenodigd, link geldig tot") && open.can_invite);
        let active = row(&account("teacher", true, false, None), now);
        assert_eq!((active.state.as_str(), active.can_invite), ("Actief", false));
        let off = row(&account("teacher", false, true, None), now);
        assert_eq!((off.state.as_str(), off.can_invite), ("Uitgeschakeld", false));
        let admin = row(&account("school-admin", false, false, None), now);
        assert!(admin.can_invite && !admin.can_remove, "an admin's access is support's business");
        assert!(!row(&account("support", false, false, None), now).can_invite);
        assert!(notice("opnieuw-uitgenodigd").is_some() && notice("<b>").is_none());
    }
}
