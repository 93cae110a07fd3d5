//! The school-year transition (DOMAIN.md §4): the years started at a location, an admin
//! preparing the next one (from 1 August until 1 October), and the pass that starts the
//! years due on 1 October and queues the day's reminders (`uwlr serve` runs it itself).
//! Completing a year is applying its first import (`POST /proposals/{id}/apply`).

use super::auth::Actor;
use super::error::ApiError;
use super::extract::AtLocation;
use crate::gateway::school_years::{YearStart, YearTick};
use crate::gateway::Gateway;
use crate::store::school_years::SchoolYear;
use axum::extract::State;
use axum::Json;

type Answer<T> = Result<Json<T>, ApiError>;

/// Newest first.
pub(super) async fn list(State(gw): State<Gateway>, AtLocation(location): AtLocation) -> Answer<Vec<SchoolYear>> {
    Ok(Json(gw.school_years(&location).await?))
}

/// Starts the next year now: 409 outside the window, when it was started already, or
/// without an active LAS koppeling. 200 also when the first fetch failed (`fetch_error`):
/// the year started all the same, and fetching again is what to do.
pub(super) async fn prepare(
    State(gw): State<Gateway>,
    AtLocation(location): AtLocation,
    Actor(actor): Actor,
) -> Answer<YearStart> {
    Ok(Json(gw.prepare_school_year(&location, &actor).await?))
}

/// One pass, as the scheduler runs it; a location it could not handle is listed in
/// `failures`, which does not fail the request.
pub(super) async fn tick(State(gw): State<Gateway>) -> Answer<YearTick> {
    Ok(Json(gw.school_year_tick().await?))
}
