//! The admin API of the mocks: JSON over HTTP (axum) on its own listener, behind a bearer
//! token. It plays the LAS administrator (issue and revoke keys, change pupils, teachers
//! and groups, roll over the school year) or the dashboard administrator (keys, pupil
//! numbers, activated tests, settings), sets fault injection, and shows what was received.
//! Endpoints and JSON shapes: `docs/mock-las.md`.

use super::dashboard::{ActivateToets, DashboardKeyRequest, DashboardSettings, MockDashboard};
use super::faults::FaultSetting;
use super::las::{
    GroepUpdate, IssueKeyRequest, LeerkrachtUpdate, LeerlingUpdate, MockLas, NewGroep, NewLeerkracht, NewLeerling,
};
use super::AdminError;
use crate::server::listener::{self, ConnectionPolicy, RouterApp, RunningServer};
use axum::extract::{Path, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use subtle::ConstantTimeEq;

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        (status, Json(json!({ "error": self.message }))).into_response()
    }
}

type Answer = Result<Json<Value>, AdminError>;

fn ok<T: serde::Serialize>(v: T) -> Answer {
    serde_json::to_value(v).map(Json).map_err(|e| AdminError { status: 500, message: e.to_string() })
}

/// A body that did not parse: 400 with serde's reason (axum's own rejection says 422).
fn body<T: for<'de> Deserialize<'de>>(bytes: &axum::body::Bytes) -> Result<T, AdminError> {
    if bytes.is_empty() {
        return serde_json::from_slice(b"{}")
            .map_err(|e| AdminError::bad_request(format!("a JSON body is needed: {e}")));
    }
    serde_json::from_slice(bytes).map_err(|e| AdminError::bad_request(format!("invalid JSON body: {e}")))
}

/// Wraps a router in the bearer-token check (constant-time comparison).
fn guarded(router: Router, token: &str) -> Router {
    let expected: Arc<[u8]> = format!("Bearer {token}").into_bytes().into();
    router.layer(axum::middleware::from_fn(move |req: Request, next: Next| {
        let expected = expected.clone();
        async move {
            let given = req.headers().get(header::AUTHORIZATION).map(|v| v.as_bytes()).unwrap_or_default();
            if bool::from(given.ct_eq(&expected)) {
                next.run(req).await
            } else {
                AdminError { status: 401, message: "a valid admin bearer token is needed".into() }.into_response()
            }
        }
    }))
}

#[derive(Deserialize)]
struct Nummers {
    leerlingnummers: Vec<String>,
}

/// The dashboard's catalogue of Boom tests; `null`: every test is known.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Catalogue {
    toetsen: Option<Vec<ActivateToets>>,
}

/// The admin API of a [`MockLas`].
pub fn las_router(las: MockLas, token: &str) -> Router {
    let r = Router::new()
        .route("/schools", get(|State(l): State<MockLas>| async move { ok(l.schools().await) }))
        .route(
            "/schools/{school}/keys",
            post(|State(l): State<MockLas>, Path(s): Path<String>, b: axum::body::Bytes| async move {
                let req: IssueKeyRequest = body(&b)?;
                ok(l.issue_key(&s, &req).await?)
            })
            .delete(|State(l): State<MockLas>, Path(s): Path<String>| async move {
                ok(json!({ "revoked": l.revoke_keys(&s).await? }))
            }),
        )
        .route(
            "/schools/{school}/leerlingen",
            get(|State(l): State<MockLas>, Path(s): Path<String>| async move { ok(l.leerlingen(&s).await?) }).post(
                |State(l): State<MockLas>, Path(s): Path<String>, b: axum::body::Bytes| async move {
                    let n: NewLeerling = body(&b)?;
                    ok(l.add_leerling(&s, n).await?)
                },
            ),
        )
        .route(
            "/schools/{school}/leerlingen/{key}",
            patch(|State(l): State<MockLas>, Path((s, k)): Path<(String, String)>, b: axum::body::Bytes| async move {
                let u: LeerlingUpdate = body(&b)?;
                ok(l.update_leerling(&s, &k, u).await?)
            })
            .delete(|State(l): State<MockLas>, Path((s, k)): Path<(String, String)>| async move {
                l.remove_leerling(&s, &k).await?;
                ok(json!({ "removed": k }))
            }),
        )
        .route(
            "/schools/{school}/leerkrachten",
            get(|State(l): State<MockLas>, Path(s): Path<String>| async move { ok(l.leerkrachten(&s).await?) }).post(
                |State(l): State<MockLas>, Path(s): Path<String>, b: axum::body::Bytes| async move {
                    let n: NewLeerkracht = body(&b)?;
                    let key = n.key.clone();
                    l.add_leerkracht(&s, n).await?;
                    ok(json!({ "added": key }))
                },
            ),
        )
        .route(
            "/schools/{school}/leerkrachten/{key}",
            patch(|State(l): State<MockLas>, Path((s, k)): Path<(String, String)>, b: axum::body::Bytes| async move {
                let u: LeerkrachtUpdate = body(&b)?;
                l.update_leerkracht(&s, &k, u).await?;
                ok(json!({ "changed": k }))
            })
            .delete(|State(l): State<MockLas>, Path((s, k)): Path<(String, String)>| async move {
                l.remove_leerkracht(&s, &k).await?;
                ok(json!({ "removed": k }))
            }),
        )
        .route(
            "/schools/{school}/groepen",
            get(|State(l): State<MockLas>, Path(s): Path<String>| async move { ok(l.groepen(&s).await?) }).post(
                |State(l): State<MockLas>, Path(s): Path<String>, b: axum::body::Bytes| async move {
                    let n: NewGroep = body(&b)?;
                    let key = n.key.clone();
                    l.add_groep(&s, n).await?;
                    ok(json!({ "added": key }))
                },
            ),
        )
        .route(
            "/schools/{school}/groepen/{key}",
            patch(|State(l): State<MockLas>, Path((s, k)): Path<(String, String)>, b: axum::body::Bytes| async move {
                let u: GroepUpdate = body(&b)?;
                l.update_groep(&s, &k, u).await?;
                ok(json!({ "changed": k }))
            })
            .delete(|State(l): State<MockLas>, Path((s, k)): Path<(String, String)>| async move {
                l.remove_groep(&s, &k).await?;
                ok(json!({ "removed": k }))
            }),
        )
        .route(
            "/schools/{school}/rollover",
            post(|State(l): State<MockLas>, Path(s): Path<String>| async move { ok(l.rollover(&s).await?) }),
        )
        .route(
            "/schools/{school}/changes",
            get(|State(l): State<MockLas>, Path(s): Path<String>| async move { ok(l.changes(&s).await?) }),
        )
        .route(
            "/schools/{school}/results",
            get(|State(l): State<MockLas>, Path(s): Path<String>| async move { ok(l.results(&s).await?) }),
        )
        .route(
            "/faults",
            get(|State(l): State<MockLas>| async move { ok(l.fault()) })
                .put(|State(l): State<MockLas>, b: axum::body::Bytes| async move {
                    let f: FaultSetting = body(&b)?;
                    l.set_fault(Some(f))?;
                    ok(l.fault())
                })
                .delete(|State(l): State<MockLas>| async move {
                    l.set_fault(None)?;
                    ok(l.fault())
                }),
        )
        .with_state(las);
    guarded(r, token)
}

/// The admin API of a [`MockDashboard`].
pub fn dashboard_router(dash: MockDashboard, token: &str) -> Router {
    type D = MockDashboard;
    let r = Router::new()
        .route("/schools", get(|State(d): State<D>| async move { ok(d.schools().await) }))
        .route(
            "/schools/{school}/keys",
            post(|State(d): State<D>, Path(s): Path<String>, b: axum::body::Bytes| async move {
                let req: DashboardKeyRequest = body(&b)?;
                ok(d.issue_key(&s, &req).await?)
            })
            .delete(|State(d): State<D>, Path(s): Path<String>| async move {
                ok(json!({ "revoked": d.revoke_keys(&s).await? }))
            }),
        )
        .route(
            "/schools/{school}/leerlingnummers",
            post(|State(d): State<D>, Path(s): Path<String>, b: axum::body::Bytes| async move {
                let n: Nummers = body(&b)?;
                ok(json!({ "leerlingnummers": d.add_leerlingnummers(&s, &n.leerlingnummers).await? }))
            }),
        )
        .route(
            "/schools/{school}/leerlingnummers/{nummer}",
            axum::routing::delete(|State(d): State<D>, Path((s, n)): Path<(String, String)>| async move {
                d.remove_leerlingnummer(&s, &n).await?;
                ok(json!({ "removed": n }))
            }),
        )
        .route(
            "/schools/{school}/toetsen",
            post(|State(d): State<D>, Path(s): Path<String>, b: axum::body::Bytes| async move {
                let t: ActivateToets = body(&b)?;
                d.activate_toets(&s, &t).await?;
                ok(json!({ "activated": t.toetscode }))
            }),
        )
        .route(
            "/schools/{school}/toetsen/{code}",
            axum::routing::delete(|State(d): State<D>, Path((s, c)): Path<(String, String)>| async move {
                d.deactivate_toets(&s, &c).await?;
                ok(json!({ "deactivated": c }))
            }),
        )
        .route(
            "/catalogue",
            axum::routing::put(|State(d): State<D>, b: axum::body::Bytes| async move {
                let c: Catalogue = body(&b)?;
                let n = c.toetsen.as_ref().map(Vec::len);
                d.set_catalogue(c.toetsen).await?;
                ok(json!({ "toetsen": n }))
            }),
        )
        .route(
            "/schools/{school}/settings",
            axum::routing::put(|State(d): State<D>, Path(s): Path<String>, b: axum::body::Bytes| async move {
                let set: DashboardSettings = body(&b)?;
                ok(json!({ "process_changes": d.settings(&s, &set).await? }))
            }),
        )
        .route(
            "/schools/{school}/errors",
            get(|State(d): State<D>, Path(s): Path<String>| async move { ok(d.errors(&s).await?) }),
        )
        .route(
            "/schools/{school}/results",
            get(|State(d): State<D>, Path(s): Path<String>| async move { ok(d.results(&s).await?) }),
        )
        .route(
            "/faults",
            get(|State(d): State<D>| async move { ok(d.fault()) })
                .put(|State(d): State<D>, b: axum::body::Bytes| async move {
                    let f: FaultSetting = body(&b)?;
                    d.set_fault(Some(f))?;
                    ok(d.fault())
                })
                .delete(|State(d): State<D>| async move {
                    d.set_fault(None)?;
                    ok(d.fault())
                }),
        )
        .with_state(dash);
    guarded(r, token)
}

/// A running admin API.
pub struct AdminServer {
    pub local_addr: std::net::SocketAddr,
    server: RunningServer,
}

impl AdminServer {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.local_addr)
    }

    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

/// Serves an admin router on `listener` until shut down, under the connection policy of
/// every listener we run.
pub async fn serve_admin(router: Router, listener: tokio::net::TcpListener) -> std::io::Result<AdminServer> {
    let local_addr = listener.local_addr()?;
    let server = listener::serve(Arc::new(RouterApp(router)), listener, None, ConnectionPolicy::default())?;
    Ok(AdminServer { local_addr, server })
}
