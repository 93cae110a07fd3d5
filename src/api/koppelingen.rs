//! `/koppelingen`: the lifecycle of a link (request, approve, reject, key, rotate, revoke),
//! the dashboards' "Boom wijzigingen verwerken" switch, and fetching through a link. Each
//! handler is one [`Gateway`] call; the gateway checks the rules and writes the audit line
//! with the `X-Actor` as actor.

use super::auth::Actor;
use super::error::ApiError;
use super::extract::{Id, JsonBody, Params};
use crate::gateway::imports::{FetchOutcome, ProposalView};
use crate::gateway::koppelingen::KoppelingRequest;
use crate::gateway::{Gateway, GatewayError};
use crate::koppeling::Koppeling;
use crate::location::Location;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;

type Answer<T> = Result<Json<T>, ApiError>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ListQuery {
    location: Option<String>,
}

/// A reason that may be left out (approve, revoke, clear external numbers).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ReasonBody {
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RejectBody {
    reason: String,
}

/// No `Debug`: it holds a key.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct KeyBody {
    key: String,
}

/// No `Debug`: it holds a key.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RotateBody {
    key: String,
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ProcessChangesBody {
    on: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FetchBody {
    /// A full fetch even when a delta would do.
    #[serde(default)]
    full: bool,
}

/// Newest first; `?location=99DE00` for one school location.
pub(super) async fn list(State(gw): State<Gateway>, Params(q): Params<ListQuery>) -> Answer<Vec<Koppeling>> {
    let location = q.location.as_deref().map(Location::parse).transpose().map_err(GatewayError::from)?;
    Ok(Json(gw.koppelingen(location.as_deref()).await?))
}

/// 201 with `Location: /api/v1/koppelingen/{id}`.
pub(super) async fn request(
    State(gw): State<Gateway>,
    Actor(actor): Actor,
    JsonBody(req): JsonBody<KoppelingRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let k = gw.request_koppeling(&req, &actor).await?;
    let location = format!("{}/koppelingen/{}", super::PREFIX, k.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(k)))
}

pub(super) async fn get(State(gw): State<Gateway>, Id(id): Id) -> Answer<Koppeling> {
    Ok(Json(gw.koppeling(id).await?))
}

pub(super) async fn approve(
    State(gw): State<Gateway>,
    Id(id): Id,
    Actor(actor): Actor,
    JsonBody(b): JsonBody<ReasonBody>,
) -> Answer<Koppeling> {
    Ok(Json(gw.approve_koppeling(id, &actor, b.reason.as_deref()).await?))
}

pub(super) async fn reject(
    State(gw): State<Gateway>,
    Id(id): Id,
    Actor(actor): Actor,
    JsonBody(b): JsonBody<RejectBody>,
) -> Answer<Koppeling> {
    Ok(Json(gw.reject_koppeling(id, &actor, &b.reason).await?))
}

pub(super) async fn set_key(
    State(gw): State<Gateway>,
    Id(id): Id,
    Actor(actor): Actor,
    JsonBody(b): JsonBody<KeyBody>,
) -> Answer<Koppeling> {
    Ok(Json(gw.set_koppeling_key(id, &b.key, &actor).await?))
}

pub(super) async fn rotate(
    State(gw): State<Gateway>,
    Id(id): Id,
    Actor(actor): Actor,
    JsonBody(b): JsonBody<RotateBody>,
) -> Answer<Koppeling> {
    Ok(Json(gw.rotate_koppeling_key(id, &b.key, &actor, b.reason.as_deref()).await?))
}

pub(super) async fn revoke(
    State(gw): State<Gateway>,
    Id(id): Id,
    Actor(actor): Actor,
    JsonBody(b): JsonBody<ReasonBody>,
) -> Answer<Koppeling> {
    Ok(Json(gw.revoke_koppeling(id, &actor, b.reason.as_deref()).await?))
}

pub(super) async fn process_changes(
    State(gw): State<Gateway>,
    Id(id): Id,
    Actor(actor): Actor,
    JsonBody(b): JsonBody<ProcessChangesBody>,
) -> Answer<Koppeling> {
    Ok(Json(gw.set_process_changes(id, b.on, &actor).await?))
}

/// Calls the LAS and waits for its answer (up to the gateway's call timeout), so a client
/// should allow for a long request.
pub(super) async fn fetch(
    State(gw): State<Gateway>,
    Id(id): Id,
    Actor(actor): Actor,
    JsonBody(b): JsonBody<FetchBody>,
) -> Answer<FetchOutcome> {
    Ok(Json(gw.fetch(id, b.full, &actor, &|_| {}).await?))
}

/// The open proposal of the link, else its newest; 404 before the first fetch.
pub(super) async fn latest_proposal(State(gw): State<Gateway>, Id(id): Id) -> Answer<ProposalView> {
    gw.koppeling(id).await?;
    match gw.latest_proposal(id).await? {
        Some(p) => Ok(Json(p)),
        None => Err(ApiError::not_found(format!(
            "koppeling {id} has no proposal yet: fetch first (POST {}/koppelingen/{id}/fetch)",
            super::PREFIX
        ))),
    }
}
