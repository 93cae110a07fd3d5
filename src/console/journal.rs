//! The exchange journal for support (docs/journal.md): a link's exchanges with its LAS or
//! dashboard (Uitwisselingen), and one exchange with its metadata, today's decoder's findings
//! and both bodies as sent and received (key masked).
//!
//! Who: support only. The bodies hold a whole school's personal data, which a school admin
//! sees in the records pages already and a teacher must not see at all; the journal is a
//! support desk's tool. Someone who does not see the location gets 404 (nothing of it shown),
//! a school admin or teacher of the location 403.

use super::pages::{failure, refusal, render};
use super::views::Chrome;
use super::{ConsoleState, Signed};
use crate::store::journal::{ExchangeRow, Filter};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;

/// How many exchanges the list shows (newest first); `uwlr exchange list` goes further.
const SHOWN: i64 = 200;

pub(super) struct ExchangeLine {
    pub id: i64,
    pub at: String,
    pub operation: String,
    pub attempt: i64,
    pub http: String,
    pub ms: i64,
    pub sizes: String,
    pub fault: String,
    pub bodies: &'static str,
}

impl ExchangeLine {
    fn new(e: &ExchangeRow) -> ExchangeLine {
        ExchangeLine {
            id: e.id,
            at: super::views::when(Some(e.at)),
            operation: e.operation.clone(),
            attempt: e.attempt,
            http: e.http_status.map(|s| s.to_string()).unwrap_or_else(|| "geen antwoord".into()),
            ms: e.duration_ms,
            sizes: format!("{} / {} B", e.request_bytes, e.answer_bytes),
            fault: match (&e.fault_code, &e.fault_text) {
                (Some(c), Some(t)) => format!("{c}: {t}"),
                (Some(c), None) => c.clone(),
                _ => String::new(),
            },
            bodies: if e.bodies_dropped_at.is_some() { "verwijderd" } else { "bewaard" },
        }
    }
}

#[derive(Template)]
#[template(path = "console/journal_lijst.html")]
pub(super) struct ListPage {
    pub page: Chrome,
    pub koppeling: i64,
    pub location: String,
    pub kind: String,
    pub schooljaar: String,
    pub exchanges: Vec<ExchangeLine>,
}

#[derive(Template)]
#[template(path = "console/journal_uitwisseling.html")]
pub(super) struct ExchangePage {
    pub page: Chrome,
    pub koppeling: i64,
    pub location: String,
    pub line: ExchangeLine,
    pub kind: String,
    pub fetch: String,
    pub batch: String,
    pub findings: Vec<String>,
    pub request: Option<String>,
    pub answer: Option<String>,
}

/// 404 for a location the account does not see, 403 for one it sees without being support.
fn guard(s: &Signed, location: &str) -> Option<Response> {
    if !s.account.sees(location) {
        return Some(failure(StatusCode::NOT_FOUND, Some(s)));
    }
    if !s.account.is_support() {
        return Some(failure(StatusCode::FORBIDDEN, Some(s)));
    }
    None
}

/// `GET /console/koppelingen/{id}/uitwisselingen`.
pub(super) async fn list(
    State(state): State<ConsoleState>,
    Extension(s): Extension<Signed>,
    Path(id): Path<i64>,
) -> Response {
    let Ok(k) = state.gw.koppeling(id).await else {
        return failure(StatusCode::NOT_FOUND, Some(&s));
    };
    if let Some(refused) = guard(&s, &k.location) {
        return refused;
    }
    let filter = Filter { koppeling_id: Some(id), limit: SHOWN, ..Default::default() };
    let exchanges = match state.gw.exchanges(&filter).await {
        Ok(list) => list.iter().map(ExchangeLine::new).collect(),
        Err(e) => return failure(refusal(&e).0, Some(&s)),
    };
    let page = ListPage {
        page: Chrome::new(&format!("Uitwisselingen — {}", k.location), Some(&s)),
        koppeling: k.id,
        location: k.location.to_string(),
        kind: k.kind.label().to_string(),
        schooljaar: k.schooljaar.to_string(),
        exchanges,
    };
    render(StatusCode::OK, &page)
}

/// `GET /console/uitwisselingen/{id}`.
pub(super) async fn one(
    State(state): State<ConsoleState>,
    Extension(s): Extension<Signed>,
    Path(id): Path<i64>,
) -> Response {
    let Ok(e) = state.gw.exchange(id).await else {
        return failure(StatusCode::NOT_FOUND, Some(&s));
    };
    if let Some(refused) = guard(&s, &e.location) {
        return refused;
    }
    let shown = match state.gw.show_exchange(id).await {
        Ok(x) => x,
        Err(err) => return failure(refusal(&err).0, Some(&s)),
    };
    let page = ExchangePage {
        page: Chrome::new(&format!("Uitwisseling {id} — {}", e.location), Some(&s)),
        // A served exchange has no link; its page links back to no list (0 is none).
        koppeling: e.koppeling_id.unwrap_or_default(),
        location: e.location.clone(),
        line: ExchangeLine::new(&e),
        kind: if e.kind == "fetch" { "Gegevens ophalen".into() } else { "Resultaten leveren".into() },
        fetch: e.fetch_id.map(|f| f.to_string()).unwrap_or_default(),
        batch: e.batch_id.map(|b| b.to_string()).unwrap_or_default(),
        findings: shown.findings,
        request: shown.request,
        answer: shown.answer,
    };
    render(StatusCode::OK, &page)
}
