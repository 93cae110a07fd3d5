//! The routes about the API itself: liveness, its own description, and the outbox of
//! notifications (what the gateway mailed or will mail, with delivery errors).

use super::error::ApiError;
use super::extract::Params;
use crate::gateway::Gateway;
use crate::store::outbox::OutboxEntry;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

/// The OpenAPI 3.1 document of this API, as served at `/api/v1/openapi.json`.
pub const OPENAPI: &str = include_str!("../../schemas/admin-api.openapi.json");

/// Liveness only: the process answers. It does not touch the database, so a load balancer
/// polling it costs nothing.
pub(super) async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

pub(super) async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct OutboxQuery {
    limit: Option<i64>,
}

/// The newest entries first; `?limit=` 1 to 1000, 100 by default.
pub(super) async fn outbox(
    State(gw): State<Gateway>,
    Params(q): Params<OutboxQuery>,
) -> Result<Json<Vec<OutboxEntry>>, ApiError> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::bad_request(format!("limit {limit} is out of range: use 1 to 1000")));
    }
    Ok(Json(gw.outbox(limit).await?))
}
