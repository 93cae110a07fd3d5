//! `/locations/{location}`: what the platform holds for one school location (BRIN +
//! dependance, or schoolkey), its audit trail, "Verwijder nummers" before a new link, and
//! the school admins who are mailed when an import waits for review, and the archive:
//! archiving and reactivating by hand, the deactivated list and deleting deactivated records
//! for good; the Boom pupil numbers (for a dashboard's bulk import) and merging two records
//! of one pupil. Its school years are in `school_years`.

use super::auth::Actor;
use super::error::ApiError;
use super::extract::{AtLocation, JsonBody, Params};
use super::koppelingen::ReasonBody;
use crate::gateway::archive::{ArchiveReport, Deactivated, DeleteReport};
use crate::gateway::pupils::BoomNumber;
use crate::gateway::Gateway;
use crate::import::{Snapshot, Tab};
use crate::store::koppelingen::AuditEntry;
use crate::store::pupils::Merged;
use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};

type Answer<T> = Result<Json<T>, ApiError>;

#[derive(Serialize)]
pub(super) struct Cleared {
    cleared: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AdminBody {
    email: String,
}

#[derive(Serialize)]
pub(super) struct AdminAdded {
    location: String,
    email: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RecordsQuery {
    schooljaar: Option<String>,
}

/// Groups, teachers and pupils of one school year as the store holds them, with the
/// external keys of that year's active LAS link; `?schooljaar=2025-2026` for an earlier
/// year (default: the current year; a new year once its first import is applied).
pub(super) async fn records(
    State(gw): State<Gateway>,
    AtLocation(location): AtLocation,
    Params(q): Params<RecordsQuery>,
) -> Answer<Snapshot> {
    Ok(Json(gw.records_of_year(&location, q.schooljaar.as_deref()).await?))
}

/// Forgets external numbers for every link of the location; records and results stay.
pub(super) async fn clear_external_numbers(
    State(gw): State<Gateway>,
    AtLocation(location): AtLocation,
    Actor(actor): Actor,
    JsonBody(b): JsonBody<ReasonBody>,
) -> Answer<Cleared> {
    Ok(Json(Cleared { cleared: gw.clear_external_numbers(&location, &actor, b.reason.as_deref()).await? }))
}

/// Oldest first.
pub(super) async fn audit(State(gw): State<Gateway>, AtLocation(location): AtLocation) -> Answer<Vec<AuditEntry>> {
    Ok(Json(gw.audit_trail(&location).await?))
}

/// Adding an address twice is no error; the audit trail records who added it.
pub(super) async fn add_admin(
    State(gw): State<Gateway>,
    AtLocation(location): AtLocation,
    Actor(actor): Actor,
    JsonBody(b): JsonBody<AdminBody>,
) -> Answer<AdminAdded> {
    gw.add_school_admin(&location, &b.email, &actor).await?;
    Ok(Json(AdminAdded { location: location.to_string(), email: b.email.trim().to_string() }))
}

/// A deletion for good: which records, and the typed confirmation.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DeleteBody {
    tab: Tab,
    ids: Vec<i64>,
    /// Exactly `DELETE <n> <tab> OF <location>`.
    confirm: String,
    #[serde(default)]
    reason: Option<String>,
}

/// Pupils or groups to archive or reactivate by hand.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ArchiveBody {
    tab: Tab,
    ids: Vec<i64>,
    #[serde(default)]
    reason: Option<String>,
}

/// Archives (deactivates) pupils or groups by hand: all of `ids` or none (409 naming the
/// ids that are unknown or already archived).
pub(super) async fn archive(
    State(gw): State<Gateway>,
    AtLocation(location): AtLocation,
    Actor(actor): Actor,
    JsonBody(b): JsonBody<ArchiveBody>,
) -> Answer<ArchiveReport> {
    Ok(Json(gw.archive(&location, b.tab, &b.ids, &actor, b.reason.as_deref()).await?))
}

/// Reactivates archived pupils or groups: all of `ids` or none.
pub(super) async fn reactivate(
    State(gw): State<Gateway>,
    AtLocation(location): AtLocation,
    Actor(actor): Actor,
    JsonBody(b): JsonBody<ArchiveBody>,
) -> Answer<ArchiveReport> {
    Ok(Json(gw.reactivate(&location, b.tab, &b.ids, &actor, b.reason.as_deref()).await?))
}

/// The deactivated pupils (with the results they keep) and groups.
pub(super) async fn deactivated(State(gw): State<Gateway>, AtLocation(location): AtLocation) -> Answer<Deactivated> {
    Ok(Json(gw.deactivated(&location).await?))
}

/// Deletes deactivated pupils or groups for good; a wrong phrase is a 400 that states the
/// right one; an active or unknown id is a 409, and then nothing is deleted.
pub(super) async fn delete(
    State(gw): State<Gateway>,
    AtLocation(location): AtLocation,
    Actor(actor): Actor,
    JsonBody(b): JsonBody<DeleteBody>,
) -> Answer<DeleteReport> {
    Ok(Json(gw.delete_deactivated(&location, b.tab, &b.ids, &b.confirm, &actor, b.reason.as_deref()).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NumbersQuery {
    groep: Option<String>,
}

/// The Boom pupil numbers of the location's active pupils this year (`?groep=` one group).
pub(super) async fn numbers(
    State(gw): State<Gateway>,
    AtLocation(location): AtLocation,
    Params(q): Params<NumbersQuery>,
) -> Answer<Vec<BoomNumber>> {
    Ok(Json(gw.boom_numbers(&location, q.groep.as_deref()).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct MergeBody {
    survivor: i64,
    merged: i64,
}

/// Merges pupil `merged` into pupil `survivor`: results, enrolments and keys move; audited.
pub(super) async fn merge(
    State(gw): State<Gateway>,
    AtLocation(location): AtLocation,
    Actor(actor): Actor,
    JsonBody(b): JsonBody<MergeBody>,
) -> Answer<Merged> {
    Ok(Json(gw.merge_leerlingen(&location, b.survivor, b.merged, &actor).await?))
}
