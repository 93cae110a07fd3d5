//! `/proposals`: reviewing an import before anything is written (DOMAIN.md §2). An admin
//! reads the proposal, adds decisions (link, new, skip, unskip, e-mail; or accepts every
//! suggestion at once) until it is right, reads the summary, and applies it; the gateway
//! refuses a stale or unsafe apply, and one with new records still undecided.

use super::auth::Actor;
use super::error::ApiError;
use super::extract::{Id, JsonBody, StrictBody};
use crate::gateway::imports::{ApplyOptions, ProposalView};
use crate::gateway::Gateway;
use crate::import::{render, Decision, Safety, Summary};
use crate::store::apply::ApplyReport;
use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};

type Answer<T> = Result<Json<T>, ApiError>;

/// What an admin confirms before applying: the counts, the safety check, and the proposal
/// as the plain-text tables the CLI prints.
#[derive(Serialize)]
pub(super) struct SummaryView {
    summary: Summary,
    safety: Safety,
    text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ApplyBody {
    /// Apply although it deactivates more pupils than the safety limit allows.
    #[serde(default)]
    override_safety: bool,
}

pub(super) async fn get(State(gw): State<Gateway>, Id(id): Id) -> Answer<ProposalView> {
    Ok(Json(gw.proposal(id).await?))
}

pub(super) async fn summary(State(gw): State<Gateway>, Id(id): Id) -> Answer<SummaryView> {
    let view = gw.proposal(id).await?;
    let mut text = String::new();
    render(&view.proposal, &mut text);
    let p = view.proposal;
    Ok(Json(SummaryView { summary: p.summary, safety: p.safety, text }))
}

/// Adds decisions, in order, and answers the recomputed proposal; `[]` only recomputes
/// (after the school's records changed, say).
pub(super) async fn decide(
    State(gw): State<Gateway>,
    Id(id): Id,
    Actor(actor): Actor,
    StrictBody(decisions): StrictBody<Vec<Decision>>,
) -> Answer<ProposalView> {
    Ok(Json(gw.decide(id, &decisions, &actor).await?))
}

/// "Accept every suggestion": a link decision for every undecided new record to its one
/// strong candidate; answers the recomputed proposal.
pub(super) async fn accept_suggestions(
    State(gw): State<Gateway>,
    Id(id): Id,
    Actor(actor): Actor,
) -> Answer<ProposalView> {
    Ok(Json(gw.accept_suggestions(id, &actor).await?))
}

pub(super) async fn apply(
    State(gw): State<Gateway>,
    Id(id): Id,
    Actor(actor): Actor,
    JsonBody(b): JsonBody<ApplyBody>,
) -> Answer<ApplyReport> {
    let opts = ApplyOptions { override_safety: b.override_safety, ..ApplyOptions::default() };
    Ok(Json(gw.apply_proposal(id, &actor, opts).await?))
}
