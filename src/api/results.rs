//! Results on their way to LAS systems and dashboards: record results and tests, "deliver
//! now", the kept delivery errors, retry, backfill, and a link's delivery counts. One
//! [`Gateway`] call each; `uwlr results …` prints the same values.

use super::auth::Actor;
use super::error::ApiError;
use super::extract::{Id, JsonBody, Params};
use crate::gateway::delivery::{default_owner, DeliverOptions, DeliveryReport};
use crate::gateway::{Gateway, GatewayError};
use crate::koppeling::Koppeling;
use crate::koppeling::{Kind, Status};
use crate::results::{NewResult, ToetsDef};
use crate::store::results::{DeliveryError, Recorded};
use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

type Answer<T> = Result<Json<T>, ApiError>;

/// What recording a list of results did: each one's key and version, in the given order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordedResults {
    pub recorded: usize,
    pub results: Vec<Recorded>,
}

impl RecordedResults {
    pub fn new(results: Vec<Recorded>) -> RecordedResults {
        RecordedResults { recorded: results.len(), results }
    }
}

/// What defining tests did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToetsenDefined {
    pub defined: usize,
    pub toetscodes: Vec<String>,
}

/// How many results a retry or a backfill put (back) in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Queued {
    pub queued: u64,
}

/// A link's delivery rows per status; the four statuses are always there, 0 when none.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeliveryCounts {
    pub koppeling: i64,
    pub location: String,
    pub kind: Kind,
    /// The link's own status (only an active link is delivered to).
    pub status: Status,
    pub counts: BTreeMap<String, i64>,
}

impl DeliveryCounts {
    /// The statuses a delivery row has.
    pub const STATUSES: [&'static str; 4] = ["pending", "sent", "failed", "superseded"];

    pub async fn of(gw: &Gateway, k: &Koppeling) -> Result<DeliveryCounts, GatewayError> {
        let mut counts: BTreeMap<String, i64> = Self::STATUSES.iter().map(|s| (s.to_string(), 0)).collect();
        for (status, n) in gw.delivery_counts(k.id).await? {
            *counts.entry(status).or_default() += n;
        }
        Ok(DeliveryCounts { koppeling: k.id, location: k.location.to_string(), kind: k.kind, status: k.status, counts })
    }
}

/// `POST /results`: one `NewResult` or an array. All or nothing is not promised: results
/// are recorded one by one, and a refusal names the one refused and how many before it
/// were recorded (recording again is harmless: the same result gets a new version).
pub(super) async fn record(State(gw): State<Gateway>, Actor(actor): Actor, body: Bytes) -> Answer<RecordedResults> {
    let list: Vec<NewResult> = one_or_many(&body, "a result")?;
    let mut recorded = Vec::with_capacity(list.len());
    for (i, r) in list.iter().enumerate() {
        match gw.record_result(r, &actor).await {
            Ok(rec) => recorded.push(rec),
            Err(e) => {
                let mut e = ApiError::from(e);
                if list.len() > 1 {
                    e.message = format!("[{i}]: {}; the {i} result(s) before it are recorded", e.message);
                }
                return Err(e);
            }
        }
    }
    Ok(Json(RecordedResults::new(recorded)))
}

/// `POST /toetsen`: declares (or updates) a test; answers with it.
pub(super) async fn define_toets(State(gw): State<Gateway>, JsonBody(def): JsonBody<ToetsDef>) -> Answer<ToetsDef> {
    gw.define_toets(&def).await?;
    Ok(Json(def))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RunBody {
    #[serde(default)]
    koppeling: Option<i64>,
}

/// `POST /deliveries/run`: "deliver now", one run (the nightly run's work, done at once).
pub(super) async fn run(State(gw): State<Gateway>, JsonBody(b): JsonBody<RunBody>) -> Answer<DeliveryReport> {
    if let Some(id) = b.koppeling {
        let k = gw.koppeling(id).await?;
        if k.status != Status::Active {
            return Err(
                GatewayError::Conflict(format!("koppeling {id} is {}; nothing is sent through it", k.status)).into()
            );
        }
    }
    let opts = DeliverOptions { owner: api_owner(), koppeling: b.koppeling, ..Default::default() };
    Ok(Json(gw.deliver(&opts).await?))
}

/// `host:pid/api-N`: every "deliver now" claims under its own name, so it never takes over
/// the claims of a scheduled run of the same process, or of another request.
fn api_owner() -> String {
    static RUNS: AtomicU64 = AtomicU64::new(1);
    format!("{}/api-{}", default_owner(), RUNS.fetch_add(1, Ordering::Relaxed))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ErrorsQuery {
    koppeling: Option<i64>,
}

/// `GET /deliveries/errors?koppeling=`: the kept refusals, oldest first.
pub(super) async fn errors(State(gw): State<Gateway>, Params(q): Params<ErrorsQuery>) -> Answer<Vec<DeliveryError>> {
    if let Some(id) = q.koppeling {
        gw.koppeling(id).await?;
    }
    Ok(Json(gw.delivery_errors(q.koppeling).await?))
}

/// `POST /koppelingen/{id}/retry-deliveries`.
pub(super) async fn retry(State(gw): State<Gateway>, Id(id): Id, Actor(actor): Actor) -> Answer<Queued> {
    Ok(Json(Queued { queued: gw.retry_deliveries(id, &actor).await? }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct BackfillBody {
    schooljaar: String,
}

/// `POST /koppelingen/{id}/backfill {schooljaar}`.
pub(super) async fn backfill(
    State(gw): State<Gateway>,
    Id(id): Id,
    Actor(actor): Actor,
    JsonBody(b): JsonBody<BackfillBody>,
) -> Answer<Queued> {
    Ok(Json(Queued { queued: gw.backfill(id, &b.schooljaar, &actor).await? }))
}

/// `GET /koppelingen/{id}/deliveries`: counts per status.
pub(super) async fn counts(State(gw): State<Gateway>, Id(id): Id) -> Answer<DeliveryCounts> {
    let k = gw.koppeling(id).await?;
    Ok(Json(DeliveryCounts::of(&gw, &k).await?))
}

/// A body of one `T` or an array of them; an element that does not parse is named.
fn one_or_many<T: serde::de::DeserializeOwned>(body: &[u8], what: &str) -> Result<Vec<T>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(format!("a JSON body is needed: {what} or an array of them")));
    }
    let text = std::str::from_utf8(body).map_err(|e| ApiError::bad_request(format!("invalid JSON body: {e}")))?;
    let list: Vec<T> = one_or_many_json(text).map_err(|e| ApiError::bad_request(format!("invalid JSON body: {e}")))?;
    if list.is_empty() {
        return Err(ApiError::bad_request(format!("the array is empty: send {what} or more")));
    }
    Ok(list)
}

/// One `T` or an array of them, with serde's message (naming the element) when it fails:
/// what `POST /results` and `uwlr results record` read.
pub fn one_or_many_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<Vec<T>, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    match value {
        serde_json::Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| serde_json::from_value(v).map_err(|e| format!("[{i}]: {e}")))
            .collect(),
        v => serde_json::from_value(v).map(|one| vec![one]).map_err(|e| e.to_string()),
    }
}
