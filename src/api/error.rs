//! Every refusal of the admin API as one JSON shape, `{"error": "...", "status": N}`, so a
//! client (or a person with curl) reads the reason the same way whatever went wrong: a
//! lifecycle rule in the gateway, a typo in a body, a missing token.

use crate::gateway::GatewayError;
use axum::extract::rejection::{BytesRejection, JsonRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// A refusal: the status and a message that says what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError { status, message: message.into() }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message, "status": self.status.as_u16() }))).into_response()
    }
}

/// One status per [`GatewayError`] kind. Store and vault failures say nothing specific to
/// the caller (they may name tables, files or keys); the details go to the log only.
impl From<GatewayError> for ApiError {
    fn from(e: GatewayError) -> ApiError {
        match e {
            GatewayError::Invalid(m) => ApiError::new(StatusCode::BAD_REQUEST, m),
            GatewayError::NotFound(m) => ApiError::new(StatusCode::NOT_FOUND, m),
            GatewayError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, m),
            e @ GatewayError::Upstream(_) => {
                tracing::warn!(error = %e, "admin API: the LAS failed");
                ApiError::new(StatusCode::BAD_GATEWAY, e.to_string())
            }
            e @ (GatewayError::Store(_) | GatewayError::Vault(_)) => {
                tracing::error!(error = %e, "admin API: internal error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal error in the gateway; the gateway's log has the details",
                )
            }
        }
    }
}

/// A body that could not be read: too large (413) or cut off.
impl From<BytesRejection> for ApiError {
    fn from(r: BytesRejection) -> ApiError {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                r.status(),
                format!("the body is larger than the limit of {} bytes (1 MiB)", super::BODY_LIMIT),
            )
        } else {
            ApiError::new(r.status(), format!("the body could not be read: {}", r.body_text()))
        }
    }
}

/// Always 400 (axum says 422 for a well-formed body of the wrong shape), with serde's
/// message, which names the field by its path (`reason: invalid type: ...`).
impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> ApiError {
        ApiError::bad_request(format!("invalid JSON body: {}", reason(&r)))
    }
}

/// serde's own message without axum's preamble: `on: invalid type: string "yes", expected a
/// boolean at line 1 column 11`.
pub(super) fn reason(r: &JsonRejection) -> String {
    std::error::Error::source(r).map(|s| s.to_string()).unwrap_or_else(|| r.body_text())
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> ApiError {
        let why = std::error::Error::source(&r).map(|s| s.to_string()).unwrap_or_else(|| r.body_text());
        ApiError::bad_request(format!("invalid query string: {why}"))
    }
}
