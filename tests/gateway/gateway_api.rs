//! The gateway's admin API over real loopback HTTP, against a mock ParnasSys LAS and a
//! gateway on SQLite (the store itself is tested on both databases elsewhere): the token
//! guard, the whole import (request, approve, fetch, summary, decisions, apply, records),
//! results (record, deliver now, delivery errors, retry, backfill, counts), the error
//! mapping, the audit trail's actor, and the OpenAPI document held to the routes the router
//! serves and to the JSON the API answers (every answer below is validated against the
//! document's schema for its route and status).

use crate::store_support;

use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use store_support::*;
use uwlr::api::{self, AdminToken, RunningApi, Verb};
use uwlr::mock::Profile;

const TOKEN: &str = "test-admin-token-0123456789";

/// The OpenAPI document, read from the repository (the one the API serves is compared too).
fn doc() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/admin-api.openapi.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).expect("the OpenAPI document is valid JSON")
}

/// A gateway on SQLite with its admin API on loopback, and a mock ParnasSys LAS.
struct Env {
    api: RunningApi,
    las: Las,
    http: reqwest::Client,
    doc: Value,
    clock: std::sync::Arc<uwlr::mock::ManualClock>,
    _db: TestDb,
}

/// One answer: status, `Location` header, JSON body.
#[derive(Debug)]
struct Reply {
    status: u16,
    location: Option<String>,
    body: Value,
}

async fn start(pupils: usize) -> Env {
    let db = sqlite();
    let clock = clock();
    let gw = gateway(&db, clock.clone()).await;
    let las = las(Profile::Parnassys, pupils, clock.clone()).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let api = api::spawn(gw, AdminToken::new(TOKEN.into()), listener, Default::default()).unwrap();
    Env { api, las, http: reqwest::Client::new(), doc: doc(), clock, _db: db }
}

impl Env {
    /// A call with the token, as `actor`, on `template` with its one `{param}` filled in;
    /// the answer is checked against the document.
    async fn call(&self, method: Method, template: &str, param: &str, body: Option<Value>, actor: &str) -> Reply {
        let path = fill(template, param);
        let mut req = self.http.request(method.clone(), format!("{}{path}", self.api.base_url())).bearer_auth(TOKEN);
        if !actor.is_empty() {
            req = req.header("x-actor", actor);
        }
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b.to_string());
        }
        let reply = reply(req.send().await.unwrap()).await;
        let route = template.split('?').next().unwrap();
        conforms(&self.doc, method.as_str(), route, reply.status, &reply.body);
        reply
    }

    async fn get(&self, template: &str, param: &str) -> Reply {
        self.call(Method::GET, template, param, None, "").await
    }

    async fn post(&self, template: &str, param: &str, body: Value, actor: &str) -> Reply {
        self.call(Method::POST, template, param, Some(body), actor).await
    }

    /// A request as given, without the checks of [`Env::call`].
    async fn raw(&self, req: reqwest::RequestBuilder) -> Reply {
        reply(req.send().await.unwrap()).await
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.api.base_url())
    }

    async fn stop(self) {
        self.api.shutdown().await.unwrap();
        self.las.server.shutdown().await;
    }
}

async fn reply(r: reqwest::Response) -> Reply {
    let status = r.status().as_u16();
    let location = r.headers().get("location").map(|v| v.to_str().unwrap().to_string());
    let text = r.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    Reply { status, location, body }
}

/// `/a/{id}/b` with `param` in place of `{id}` (every route has at most one parameter).
fn fill(template: &str, param: &str) -> String {
    match (template.find('{'), template.find('}')) {
        (Some(a), Some(b)) => format!("{}{param}{}", &template[..a], &template[b + 1..]),
        _ => template.to_string(),
    }
}

fn request_body(las: &Las, key: Option<&str>) -> Value {
    json!({ "location": "99DE00", "schooljaar": SCHOOLJAAR, "kind": "parnassys", "endpoint": las.endpoint, "key": key })
}

fn error_of(r: &Reply) -> &str {
    assert_eq!(r.body["status"], r.status, "{r:?}");
    r.body["error"].as_str().unwrap_or_else(|| panic!("no error message: {r:?}"))
}

#[tokio::test]
async fn health_is_open_and_every_other_route_needs_the_token() {
    let env = start(5).await;
    let health = env.raw(env.http.get(env.url("/api/v1/health"))).await;
    assert_eq!((health.status, &health.body), (200, &json!({ "status": "ok" })));
    let served = env.raw(env.http.get(env.url("/api/v1/openapi.json"))).await;
    assert_eq!((served.status, &served.body), (200, &env.doc), "the API serves the document in the repository");

    for route in api::routes().into_iter().filter(|r| !r.public) {
        let url = env.url(&fill(route.path, "1"));
        let method = Method::from_bytes(route.verb.as_str().as_bytes()).unwrap();
        let long = "x".repeat(99);
        for (what, token) in
            [("no token", None), ("a wrong token", Some("wrong")), ("a longer one", Some(long.as_str()))]
        {
            let mut req = env.http.request(method.clone(), &url).header("content-type", "application/json").body("{}");
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let r = req.send().await.unwrap();
            let challenge = r.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_string());
            let r = reply(r).await;
            assert_eq!(r.status, 401, "{} {} with {what}: {r:?}", route.verb.as_str(), route.path);
            assert!(challenge.as_deref().is_some_and(|c| c.starts_with("Bearer")), "{challenge:?}");
            assert!(!error_of(&r).contains(TOKEN));
            conforms(&env.doc, route.verb.as_str(), route.path, 401, &r.body);
        }
    }
    // The scheme is case-insensitive; another scheme is no token.
    let ok = env.raw(env.http.get(env.url("/api/v1/koppelingen")).header("authorization", format!("bearer {TOKEN}")));
    assert_eq!(ok.await.status, 200);
    let basic = env.raw(env.http.get(env.url("/api/v1/koppelingen")).header("authorization", format!("Basic {TOKEN}")));
    assert_eq!(basic.await.status, 401);
    env.stop().await;
}

#[tokio::test]
async fn the_whole_import_through_http() {
    let env = start(40).await;
    // ParnasSys: the school takes the koppeling and gets the key, pasted with the request.
    let key = env.las.issue_key("99DE00").await;
    let k = env.post("/api/v1/koppelingen", "", request_body(&env.las, Some(&key)), "admin@school").await;
    assert_eq!(k.status, 201, "{k:?}");
    let id = k.body["id"].as_i64().unwrap();
    assert_eq!(k.location.as_deref(), Some(format!("/api/v1/koppelingen/{id}").as_str()));
    assert_eq!((k.body["status"].as_str(), k.body["has_key"].as_bool()), (Some("requested"), Some(true)));
    assert!(!k.body.to_string().contains(&key), "the key is never shown");
    let id_s = id.to_string();

    let a = env.post("/api/v1/koppelingen/{id}/approve", &id_s, json!({ "reason": "checked BRIN" }), "support@boom");
    let a = a.await;
    assert_eq!((a.status, a.body["status"].as_str()), (200, Some("active")), "{a:?}");
    let listed = env.get("/api/v1/koppelingen?location=99DE00", "").await;
    assert_eq!(listed.body.as_array().unwrap().len(), 1);
    assert_eq!(env.get("/api/v1/koppelingen/{id}", &id_s).await.body, a.body);

    // Fetch: the LAS answer becomes a proposal; nothing is imported yet.
    let f = env.post("/api/v1/koppelingen/{id}/fetch", &id_s, json!({ "full": true }), "admin@school").await;
    assert_eq!(f.status, 200, "{f:?}");
    assert_eq!(f.body["fetch"]["mode"], "full");
    assert_eq!(f.body["proposal"]["leerlingen"].as_array().unwrap().len(), 40);
    let pid = f.body["proposal_id"].as_i64().unwrap().to_string();
    assert!(env.get("/api/v1/locations/{location}/records", "99DE00").await.body["leerlingen"]
        .as_array()
        .unwrap()
        .is_empty());
    let latest = env.get("/api/v1/koppelingen/{id}/proposal", &id_s).await;
    assert_eq!((latest.status, latest.body["id"].to_string()), (200, pid.clone()));

    let s = env.get("/api/v1/proposals/{id}/summary", &pid).await;
    assert_eq!(s.status, 200);
    assert_eq!(s.body["summary"]["leerlingen"]["new"], 40);
    assert_eq!(s.body["safety"]["needs_override"], false);
    assert!(s.body["text"].as_str().unwrap().contains("IMPORT PROPOSAL"), "{}", s.body["text"]);

    // Skip one group: its pupils are skipped along with it.
    let groep = f.body["proposal"]["groepen"][0]["record"]["key"].as_str().unwrap().to_string();
    let skip = json!([{ "action": "skip", "record": { "tab": "groepen", "key": groep } }]);
    let d = env.post("/api/v1/proposals/{id}/decisions", &pid, skip, "admin@school").await;
    assert_eq!(d.status, 200, "{d:?}");
    assert_eq!(d.body["decisions"].as_array().unwrap().len(), 1);
    let along = d.body["proposal"]["leerlingen"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["category"]["reason"]["group_skipped"]["groep"] == groep.as_str())
        .count();
    assert!(along > 0 && along < 40, "{along} pupils skipped along with group {groep}");
    assert_eq!(env.get("/api/v1/proposals/{id}", &pid).await.body, d.body);

    let applied = env.post("/api/v1/proposals/{id}/apply", &pid, json!({}), "admin@school").await;
    assert_eq!(applied.status, 200, "{applied:?}");
    assert_eq!(applied.body["created"][2], 40 - along);
    assert_eq!(applied.body["skipped"][2], along);

    // The records hold the imported pupils, with the link's keys.
    let records = env.get("/api/v1/locations/{location}/records", "99DE00").await;
    let pupils = records.body["leerlingen"].as_array().unwrap();
    assert_eq!(pupils.len(), 40 - along);
    assert!(pupils.iter().all(|p| p["active"] == true && p["external"]["las_key"].is_string()));

    // An applied proposal is history.
    let again = env.post("/api/v1/proposals/{id}/apply", &pid, json!({}), "admin@school").await;
    assert_eq!(again.status, 409, "{again:?}");
    assert!(error_of(&again).contains("applied"), "{again:?}");
    let late = env.post("/api/v1/proposals/{id}/decisions", &pid, json!([]), "admin@school").await;
    assert_eq!(late.status, 409);

    // The audit trail names who did what, as X-Actor said; never the key.
    let trail = env.get("/api/v1/locations/{location}/audit", "99DE00").await;
    let lines: Vec<(&str, &str)> = trail
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["action"].as_str().unwrap(), l["actor"].as_str().unwrap()))
        .collect();
    assert_eq!(
        lines,
        [
            ("request", "admin@school"),
            ("set-key", "admin@school"),
            ("approve", "support@boom"),
            ("fetch-full", "admin@school"),
            ("decide", "admin@school"),
            ("apply", "admin@school"),
        ]
    );
    assert_eq!(trail.body[2]["reason"], "checked BRIN");
    assert!(!trail.body.to_string().contains(&key));

    // Without X-Actor the API itself is the actor; revoking ends the link and its key.
    let r = env.call(Method::POST, "/api/v1/koppelingen/{id}/revoke", &id_s, None, "").await;
    assert_eq!((r.status, r.body["status"].as_str(), r.body["has_key"].as_bool()), (200, Some("revoked"), Some(false)));
    let trail = env.get("/api/v1/locations/{location}/audit", "99DE00").await;
    assert_eq!(trail.body.as_array().unwrap().last().unwrap()["actor"], api::DEFAULT_ACTOR);
    let f = env.post("/api/v1/koppelingen/{id}/fetch", &id_s, json!({}), "admin@school").await;
    assert_eq!(f.status, 409, "{f:?}");

    // Verwijder nummers: the external keys go, the records stay.
    let c = env.post("/api/v1/locations/{location}/clear-external-numbers", "99DE00", json!({}), "admin@school").await;
    assert_eq!(c.status, 200, "{c:?}");
    assert!(c.body["cleared"].as_u64().unwrap() >= (40 - along) as u64);
    let records = env.get("/api/v1/locations/{location}/records", "99DE00").await;
    assert_eq!(records.body["leerlingen"].as_array().unwrap().len(), 40 - along);
    env.stop().await;
}

#[tokio::test]
async fn the_key_handshake_and_the_dashboard_switch() {
    let env = start(5).await;
    // ESIS order: request without key, approve, then the key.
    let k = env.post("/api/v1/koppelingen", "", request_body(&env.las, None), "admin@school").await;
    let id = k.body["id"].to_string();
    let a = env.post("/api/v1/koppelingen/{id}/approve", &id, json!({}), "support").await;
    assert_eq!(a.body["status"], "approved");
    let key = env.las.issue_key("99DE00").await;
    let r = env.post("/api/v1/koppelingen/{id}/key", &id, json!({ "key": format!(" {key}\n") }), "admin").await;
    assert_eq!(r.body["status"], "active", "{r:?}");
    // A second key is a rotation.
    let r = env.post("/api/v1/koppelingen/{id}/key", &id, json!({ "key": "another" }), "admin").await;
    assert_eq!(r.status, 409);
    assert!(error_of(&r).contains("rotate"), "{r:?}");
    let new_key = env.las.issue_key("99DE00").await;
    let r = env.post("/api/v1/koppelingen/{id}/rotate", &id, json!({ "key": new_key, "reason": "new key" }), "a").await;
    assert_eq!(r.status, 200, "{r:?}");
    // "Boom wijzigingen verwerken" is a dashboard setting.
    let r = env.post("/api/v1/koppelingen/{id}/process-changes", &id, json!({ "on": false }), "a").await;
    assert_eq!(r.status, 400);
    assert!(error_of(&r).contains("dashboard"), "{r:?}");
    let dash = json!({ "location": "99DE00", "schooljaar": SCHOOLJAAR, "kind": "schoolkr8",
                       "endpoint": "https://dashboard.example/uwlr", "key": "khasgdkj76&g7d^%$gjhsdd" });
    let d = env.post("/api/v1/koppelingen", "", dash, "admin").await;
    assert_eq!(d.status, 201, "{d:?}");
    let did = d.body["id"].to_string();
    let r = env.post("/api/v1/koppelingen/{id}/process-changes", &did, json!({ "on": false }), "a").await;
    assert_eq!((r.status, r.body["process_changes"].as_bool()), (200, Some(false)), "{r:?}");
    // A dashboard is never fetched from; a rejection needs a reason.
    let r = env.post("/api/v1/koppelingen/{id}/fetch", &did, json!({}), "a").await;
    assert_eq!(r.status, 400);
    let r = env.post("/api/v1/koppelingen/{id}/reject", &did, json!({ "reason": " " }), "support").await;
    assert_eq!(r.status, 400);
    let r = env.post("/api/v1/koppelingen/{id}/reject", &did, json!({ "reason": "no contract" }), "support").await;
    assert_eq!(r.body["status"], "rejected", "{r:?}");
    // School admins hear when an import waits.
    let r = env.post("/api/v1/locations/{location}/admins", "99DE00", json!({ "email": "ib@school.nl" }), "a").await;
    assert_eq!((r.status, r.body["email"].as_str()), (200, Some("ib@school.nl")));
    let r = env.post("/api/v1/locations/{location}/admins", "99DE00", json!({ "email": "nope" }), "a").await;
    assert_eq!(r.status, 400);
    let f = env.post("/api/v1/koppelingen/{id}/fetch", &id, json!({}), "admin").await;
    assert_eq!(f.status, 200, "{f:?}");
    let outbox = env.get("/api/v1/outbox?limit=10", "").await;
    let mails = outbox.body.as_array().unwrap();
    assert!(mails.iter().any(|m| m["recipient"] == "ib@school.nl"), "{mails:?}");
    env.stop().await;
}

/// An active link with its first import applied, through HTTP; the link's id and the
/// pupils as (record id, LAS key).
async fn imported(env: &Env) -> (String, Vec<(i64, String)>) {
    let key = env.las.issue_key("99DE00").await;
    let k = env.post("/api/v1/koppelingen", "", request_body(&env.las, Some(&key)), "admin@school").await;
    let id = k.body["id"].to_string();
    env.post("/api/v1/koppelingen/{id}/approve", &id, json!({}), "support@boom").await;
    let f = env.post("/api/v1/koppelingen/{id}/fetch", &id, json!({ "full": true }), "admin@school").await;
    let pid = f.body["proposal_id"].to_string();
    let applied = env.post("/api/v1/proposals/{id}/apply", &pid, json!({}), "admin@school").await;
    assert_eq!(applied.status, 200, "{applied:?}");
    let records = env.get("/api/v1/locations/{location}/records", "99DE00").await;
    let pupils = records.body["leerlingen"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_i64().unwrap(), p["external"]["las_key"].as_str().unwrap().to_string()))
        .collect();
    (id, pupils)
}

/// A result normed at `normed_at` (the gateway's clock starts at 2025-10-01 08:00 UTC).
fn result(pupil: i64, afname: &str, score: u64, normed_at: &str) -> Value {
    json!({ "leerling_id": pupil, "toetscode": "REK", "toetsonderdeel": "A", "afname": afname,
            "afnamedatum": "2025-09-20", "scores": { "kind": "raw", "score": score }, "normed_at": normed_at })
}

#[tokio::test]
async fn results_recorded_delivered_refused_retried_and_backfilled_through_http() {
    let env = start(10).await;
    let (id, pupils) = imported(&env).await;
    let later = "2025-10-01T09:00:00Z";

    let toets = json!({ "toetscode": "REK", "naam": "Rekenen", "onderdelen": [{ "code": "A", "naam": "Getallen" }] });
    let t = env.post("/api/v1/toetsen", "", toets.clone(), "platform").await;
    assert_eq!((t.status, &t.body), (200, &toets));

    // An array of results, then a single one; the same sitting again is a new version.
    let all: Vec<Value> = pupils.iter().map(|(p, _)| result(*p, "s1", 10, later)).collect();
    let r = env.post("/api/v1/results", "", Value::Array(all), "platform").await;
    assert_eq!((r.status, r.body["recorded"].as_u64()), (200, Some(pupils.len() as u64)), "{r:?}");
    let r = env.post("/api/v1/results", "", result(pupils[0].0, "s1", 12, later), "platform").await;
    assert_eq!((r.status, r.body["results"][0]["version"].as_i64()), (200, Some(2)), "{r:?}");
    let key = r.body["results"][0]["key"].as_str().unwrap().to_string();

    // Deliver now: every result at the LAS, the re-normed version for the first pupil.
    let run = env.post("/api/v1/deliveries/run", "", json!({}), "support").await;
    assert_eq!(run.status, 200, "{run:?}");
    assert_eq!((run.body["delivered"].as_u64(), run.body["refused"].as_u64()), (Some(pupils.len() as u64), Some(0)));
    let got = env.las.las.results("99DE00").await.unwrap();
    assert_eq!(got.distinct, pupils.len());
    assert_eq!(got.results.iter().find(|r| r.key == key).unwrap().score, Some(12));

    // A pupil leaves the LAS: that one result is refused and kept, the others arrive.
    let (gone_id, gone_key) = pupils[2].clone();
    let gone = env.las.las.leerlingen("99DE00").await.unwrap().into_iter().find(|l| l.key.as_ref() == Some(&gone_key));
    let gone = gone.unwrap();
    env.las.las.remove_leerling("99DE00", &gone_key).await.unwrap();
    let all: Vec<Value> = pupils.iter().map(|(p, _)| result(*p, "s2", 20, later)).collect();
    env.post("/api/v1/results", "", Value::Array(all), "platform").await;
    let koppeling: i64 = id.parse().unwrap();
    let run = env.post("/api/v1/deliveries/run", "", json!({ "koppeling": koppeling }), "support").await;
    assert_eq!(run.status, 200, "{run:?}");
    assert_eq!(
        (run.body["delivered"].as_u64(), run.body["refused"].as_u64()),
        (Some(pupils.len() as u64 - 1), Some(1))
    );
    let errors = env.get("/api/v1/deliveries/errors", "").await;
    assert_eq!(errors.status, 200);
    let list = errors.body.as_array().unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!((list[0]["leerling_id"].as_i64(), list[0]["kind"].as_str()), (Some(gone_id), Some("leerling_onbekend")));
    assert!(list[0]["error"].as_str().unwrap().contains("pupil number not found"), "{list:?}");
    assert_eq!(env.get(&format!("/api/v1/deliveries/errors?koppeling={id}"), "").await.body, errors.body);
    let counts = env.get("/api/v1/koppelingen/{id}/deliveries", &id).await;
    assert_eq!(counts.status, 200);
    assert_eq!((counts.body["koppeling"].as_i64(), counts.body["status"].as_str()), (Some(koppeling), Some("active")));
    assert_eq!(counts.body["counts"]["failed"], 1, "{counts:?}");
    assert_eq!(counts.body["counts"]["sent"].as_u64(), Some(2 * pupils.len() as u64 - 1), "{counts:?}");

    // Back in the LAS, retried, delivered.
    let back = uwlr::mock::las::NewLeerling {
        key: gone_key.clone(),
        roepnaam: gone.roepnaam.clone().unwrap_or_else(|| "Terug".into()),
        achternaam: gone.achternaam.clone(),
        ..Default::default()
    };
    env.las.las.add_leerling("99DE00", back).await.unwrap();
    let q = env.post("/api/v1/koppelingen/{id}/retry-deliveries", &id, json!({}), "support").await;
    assert_eq!((q.status, &q.body), (200, &json!({ "queued": 1 })));
    let run = env.post("/api/v1/deliveries/run", "", json!({}), "support").await;
    assert_eq!(run.body["delivered"], 1, "{run:?}");
    assert_eq!(env.get("/api/v1/deliveries/errors", "").await.body, json!([]));
    assert_eq!(env.las.las.results("99DE00").await.unwrap().distinct, 2 * pupils.len());

    // Normed before the activation: not sent until a backfill of its school year.
    env.post("/api/v1/results", "", result(pupils[1].0, "s0", 3, "2025-09-01T10:00:00Z"), "platform").await;
    assert_eq!(env.post("/api/v1/deliveries/run", "", json!({}), "s").await.body["messages"], 0);
    let b = env.post("/api/v1/koppelingen/{id}/backfill", &id, json!({ "schooljaar": "2025-2026" }), "support").await;
    assert_eq!((b.status, &b.body), (200, &json!({ "queued": 1 })));
    assert_eq!(env.post("/api/v1/deliveries/run", "", json!({}), "s").await.body["delivered"], 1);
    let trail = env.get("/api/v1/locations/{location}/audit", "99DE00").await;
    let actions: Vec<&str> = trail.body.as_array().unwrap().iter().map(|l| l["action"].as_str().unwrap()).collect();
    assert!(actions.ends_with(&["retry-deliveries", "backfill"]), "{actions:?}");

    // Refusals say what to fix.
    let e =
        env.post("/api/v1/results", "", json!([result(pupils[0].0, "s9", 1, later), { "leerling_id": 1 }]), "p").await;
    assert_eq!(e.status, 400);
    assert!(error_of(&e).contains("[1]: missing field"), "{e:?}");
    let mut typo = result(pupils[0].0, "s9", 1, later);
    typo["scores"] = json!({ "kind": "oso", "vaardigheidsscore": "12,5" });
    let e = env.post("/api/v1/results", "", typo, "p").await;
    assert_eq!(e.status, 400);
    assert!(error_of(&e).contains("vaardigheidsscore"), "{e:?}");
    let e = env.post("/api/v1/results", "", json!([]), "p").await;
    assert_eq!(e.status, 400);
    let e = env.post("/api/v1/results", "", result(999_999, "s1", 1, later), "p").await;
    assert_eq!(e.status, 404, "{e:?}");
    let e = env.post("/api/v1/toetsen", "", json!({ "toetscode": " " }), "p").await;
    assert_eq!(e.status, 400);
    let e = env.post("/api/v1/deliveries/run", "", json!({ "koppeling": 999 }), "p").await;
    assert_eq!(e.status, 404, "{e:?}");
    let e = env.post("/api/v1/deliveries/run", "", json!({ "koppelin": 1 }), "p").await;
    assert!(error_of(&e).contains("unknown field `koppelin`"), "{e:?}");
    assert_eq!(env.get("/api/v1/deliveries/errors?koppeling=999", "").await.status, 404);
    assert_eq!(env.get("/api/v1/deliveries/errors?koppeling=x", "").await.status, 400);
    let e = env.post("/api/v1/koppelingen/{id}/backfill", &id, json!({ "schooljaar": "2025" }), "p").await;
    assert_eq!(e.status, 400);
    assert!(error_of(&e).contains("schooljaar"), "{e:?}");
    // A revoked link: nothing is delivered or backfilled through it.
    env.post("/api/v1/koppelingen/{id}/revoke", &id, json!({}), "support").await;
    let e = env.post("/api/v1/deliveries/run", "", json!({ "koppeling": koppeling }), "p").await;
    assert_eq!(e.status, 409, "{e:?}");
    let e = env.post("/api/v1/koppelingen/{id}/backfill", &id, json!({ "schooljaar": "2025-2026" }), "p").await;
    assert_eq!(e.status, 409, "{e:?}");
    let counts = env.get("/api/v1/koppelingen/{id}/deliveries", &id).await;
    assert_eq!(counts.body["status"], "revoked");
    env.stop().await;
}

#[tokio::test]
async fn the_school_year_through_http() {
    use chrono::TimeZone;
    let env = start(12).await;
    imported(&env).await;
    let day = |m, d| chrono::Utc.with_ymd_and_hms(2026, m, d, 9, 0, 0).unwrap();
    let prepare = "/api/v1/locations/{location}/school-years/prepare";

    env.clock.set(day(7, 31));
    let r = env.post(prepare, "99DE00", json!({}), "admin@school").await;
    assert_eq!(r.status, 409, "{r:?}");
    assert!(error_of(&r).contains("can be prepared from 1 August 2026 on"), "{r:?}");

    env.clock.set(day(8, 3));
    env.las.las.rollover("99DE00").await.unwrap();
    let r = env.post(prepare, "99DE00", json!({}), "admin@school").await;
    assert_eq!((r.status, r.body["schooljaar"].as_str()), (200, Some("2026-2027")), "{r:?}");
    let pid = r.body["proposal_id"].to_string();
    let years = env.get("/api/v1/locations/{location}/school-years", "99DE00").await;
    assert_eq!(years.body[0]["started_by"], "admin@school");
    assert!(years.body[0]["completed_at"].is_null());
    let tick = env.post("/api/v1/school-years/tick", "", json!({}), "").await;
    assert_eq!((tick.status, tick.body["reminders"].as_u64()), (200, Some(0)), "{tick:?}");

    let applied = env.post("/api/v1/proposals/{id}/apply", &pid, json!({}), "admin@school").await;
    assert_eq!(applied.status, 200, "{applied:?}");
    let years = env.get("/api/v1/locations/{location}/school-years", "99DE00").await;
    assert_eq!(years.body[0]["completed_by"], "admin@school");
    let old = env.get("/api/v1/locations/{location}/records?schooljaar=2025-2026", "99DE00").await;
    assert_eq!(old.body["leerlingen"].as_array().unwrap().len(), 12, "the old year stays");
    let new = env.get("/api/v1/locations/{location}/records", "99DE00").await;
    let new_ids: Vec<&Value> = new.body["leerlingen"].as_array().unwrap().iter().map(|p| &p["id"]).collect();
    // The pupils who stay are the same records, with the same Boom number, in new groups.
    let old_pupils = old.body["leerlingen"].as_array().unwrap();
    assert!(!new_ids.is_empty() && new_ids.len() < old_pupils.len(), "groep 8 left");
    for p in new.body["leerlingen"].as_array().unwrap() {
        let before = old_pupils.iter().find(|o| o["id"] == p["id"]).expect("a continuing pupil");
        assert_eq!(before["boom_nummer"], p["boom_nummer"]);
        assert_ne!(before["groep"], p["groep"]);
    }

    // The Boom numbers, for a dashboard's bulk import, all or of one group.
    let numbers = env.get("/api/v1/locations/{location}/numbers", "99DE00").await;
    let rows = numbers.body.as_array().unwrap();
    assert_eq!((numbers.status, rows.len()), (200, new_ids.len()), "{numbers:?}");
    let groep = rows[0]["groep"].as_str().unwrap().to_string();
    let one = env.get(&format!("/api/v1/locations/{{location}}/numbers?groep={groep}"), "99DE00").await;
    assert!(one.body.as_array().unwrap().iter().all(|r| r["groep"] == groep.as_str()), "{one:?}");
    let none = env.get("/api/v1/locations/{location}/numbers?groep=Nergens", "99DE00").await;
    assert_eq!(none.status, 404, "{none:?}");

    // Merging two records: the second's results and enrolments move, it is gone.
    let (a, b) = (rows[0]["leerling_id"].clone(), rows[1]["leerling_id"].clone());
    let merge = "/api/v1/locations/{location}/merge";
    let r = env.post(merge, "99DE00", json!({ "survivor": a, "merged": 999_999 }), "admin").await;
    assert_eq!(r.status, 404, "{r:?}");
    let r = env.post(merge, "99DE00", json!({ "survivor": a, "merged": b }), "admin").await;
    assert_eq!((r.status, &r.body["merged"]), (200, &b), "{r:?}");
    let after = env.get("/api/v1/locations/{location}/numbers", "99DE00").await;
    assert_eq!(after.body.as_array().unwrap().len(), rows.len() - 1);
    let trail = env.get("/api/v1/locations/{location}/audit", "99DE00").await;
    assert!(trail.body.as_array().unwrap().iter().any(|l| l["action"] == "merge-leerling"), "{trail:?}");
    env.stop().await;
}

#[tokio::test]
async fn errors_say_what_to_fix() {
    let env = start(5).await;
    let e = env.get("/api/v1/koppelingen/{id}", "999").await;
    assert_eq!(e.status, 404);
    assert!(error_of(&e).contains("999"), "{e:?}");
    assert_eq!(env.get("/api/v1/proposals/{id}", "999").await.status, 404);
    assert_eq!(env.get("/api/v1/proposals/{id}/summary", "999").await.status, 404);
    assert_eq!(env.post("/api/v1/proposals/{id}/apply", "999", json!({}), "a").await.status, 404);
    let e = env.get("/api/v1/koppelingen/{id}", "abc").await;
    assert_eq!(e.status, 400);
    assert!(error_of(&e).contains("'abc' is not an id"), "{e:?}");
    let e = env.get("/api/v1/locations/{location}/audit", "99DE").await;
    assert_eq!(e.status, 400);
    assert!(error_of(&e).contains("99DE00"), "{e:?}");

    // A body of the wrong shape names the field; a typo is refused, not ignored.
    let mut bad = request_body(&env.las, None);
    bad["schooljaar"] = json!(2025);
    let e = env.post("/api/v1/koppelingen", "", bad, "a").await;
    assert_eq!(e.status, 400);
    assert!(error_of(&e).contains("schooljaar"), "{e:?}");
    let mut typo = request_body(&env.las, None);
    typo["reasn"] = json!("x");
    let e = env.post("/api/v1/koppelingen", "", typo, "a").await;
    assert_eq!(e.status, 400);
    assert!(error_of(&e).contains("unknown field `reasn`"), "{e:?}");
    let e = env.post("/api/v1/koppelingen", "", json!({ "location": "99DE00" }), "a").await;
    assert!(error_of(&e).contains("missing field `schooljaar`"), "{e:?}");
    let syntax = env.http.post(env.url("/api/v1/koppelingen")).bearer_auth(TOKEN).body("{\"location\": ");
    let e = env.raw(syntax).await;
    assert_eq!(e.status, 400);
    assert!(error_of(&e).starts_with("invalid JSON body"), "{e:?}");
    let k = env.post("/api/v1/koppelingen", "", request_body(&env.las, Some("not-the-key")), "a").await;
    let id = k.body["id"].to_string();
    let e = env.post("/api/v1/koppelingen/{id}/approve", &id, json!({ "reasn": "typo" }), "a").await;
    assert_eq!(e.status, 400);
    assert!(error_of(&e).contains("reasn"), "{e:?}");
    let e = env.post("/api/v1/koppelingen/{id}/reject", &id, json!({}), "a").await;
    assert!(error_of(&e).contains("missing field `reason`"), "{e:?}");
    let e = env.post("/api/v1/koppelingen/{id}/process-changes", &id, json!({ "on": "yes" }), "a").await;
    assert_eq!(e.status, 400);
    assert!(error_of(&e).starts_with("invalid JSON body: on:"), "{e:?}");
    // A decision with a field it does not have is refused too, with the field's path.
    let d = json!([{ "action": "skip", "record": { "tab": "groepen", "key": "G1", "tabb": "x" } }]);
    let e = env.post("/api/v1/proposals/{id}/decisions", "1", d, "a").await;
    assert_eq!(e.status, 400);
    assert!(error_of(&e).contains("[0].record.tabb"), "{e:?}");
    let e = env.post("/api/v1/proposals/{id}/decisions", "1", json!([{ "action": "jump" }]), "a").await;
    assert!(error_of(&e).contains("jump"), "{e:?}");

    // Lifecycle conflicts are 409; a LAS that refuses the key is 502.
    let e = env.post("/api/v1/koppelingen/{id}/fetch", &id, json!({}), "a").await;
    assert_eq!(e.status, 409, "{e:?}");
    assert!(error_of(&e).contains("requested"), "{e:?}");
    env.post("/api/v1/koppelingen/{id}/approve", &id, json!({}), "support").await;
    let e = env.post("/api/v1/koppelingen/{id}/approve", &id, json!({}), "support").await;
    assert_eq!(e.status, 409);
    let e = env.post("/api/v1/koppelingen/{id}/fetch", &id, json!({}), "a").await;
    assert_eq!(e.status, 502, "{e:?}");
    assert!(error_of(&e).starts_with("the LAS"), "{e:?}");
    let e = env.get("/api/v1/koppelingen/{id}/proposal", &id).await;
    assert_eq!(e.status, 404);
    assert!(error_of(&e).contains("fetch first"), "{e:?}");

    // Queries refuse unknown parameters and silly limits.
    assert_eq!(env.get("/api/v1/koppelingen?locatoin=99DE00", "").await.status, 400);
    assert_eq!(env.get("/api/v1/outbox?limit=0", "").await.status, 400);
    assert_eq!(env.get("/api/v1/outbox?limit=ten", "").await.status, 400);

    // Unknown routes and methods, oversized bodies, bad actors: JSON errors as well.
    let e = env.raw(env.http.get(env.url("/api/v1/nothing")).bearer_auth(TOKEN)).await;
    assert_eq!(e.status, 404);
    assert!(error_of(&e).contains("openapi.json"));
    let e = env.raw(env.http.delete(env.url(&format!("/api/v1/koppelingen/{id}"))).bearer_auth(TOKEN)).await;
    assert_eq!(e.status, 405, "{e:?}");
    error_of(&e);
    let big = format!("{{\"reason\": \"{}\"}}", "x".repeat(api::BODY_LIMIT));
    let e = env.raw(env.http.post(env.url(&format!("/api/v1/koppelingen/{id}/revoke"))).bearer_auth(TOKEN).body(big));
    let e = e.await;
    assert_eq!(e.status, 413, "{e:?}");
    error_of(&e);
    let long = "x".repeat(201);
    let e = env.call(Method::POST, "/api/v1/koppelingen/{id}/revoke", &id, Some(json!({})), &long).await;
    assert_eq!(e.status, 400);
    assert!(error_of(&e).contains("X-Actor"), "{e:?}");
    env.stop().await;
}

#[tokio::test]
async fn the_openapi_document_describes_exactly_the_routes_served() {
    let doc = doc();
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1.")), "not OpenAPI 3.1: {}", doc["openapi"]);
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    assert_eq!(doc["security"], json!([{ "bearer": [] }]));

    let methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if !methods.contains(&method.as_str()) {
                continue;
            }
            let public = op.get("security") == Some(&json!([]));
            documented.insert((method.to_uppercase(), path.clone(), public));
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.contains_key("500"), "{method} {path}: no 500");
            assert_eq!(responses.contains_key("401"), !public, "{method} {path}: 401 iff guarded");
            assert!(op["operationId"].is_string(), "{method} {path}: no operationId");
            for p in op.get("parameters").and_then(Value::as_array).into_iter().flatten() {
                let p = resolve(&doc, p);
                if p["in"] == "path" {
                    assert!(path.contains(&format!("{{{}}}", p["name"].as_str().unwrap())), "{method} {path}: {p}");
                }
            }
            if op.get("requestBody").is_some() {
                assert_eq!(method, "post", "{path}: only POST routes take a body");
            }
        }
    }
    let served: BTreeSet<_> =
        api::routes().into_iter().map(|r| (r.verb.as_str().to_string(), r.path.to_string(), r.public)).collect();
    assert_eq!(documented, served, "the OpenAPI document and api::routes() differ");
    assert_eq!(api::routes().len(), served.len(), "a route is listed twice");
    assert!(api::routes().iter().any(|r| r.verb == Verb::Post));

    // Every reference resolves.
    fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r);
                }
                m.values().for_each(|v| refs(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    for r in all {
        assert!(r.starts_with("#/") && doc.pointer(&r[1..]).is_some(), "{r} does not resolve");
    }
}

/// The router serves every listed route (an unserved one would answer the fallback's 404
/// or 405), and every answer fits the document, also on a fresh, empty store.
#[tokio::test]
async fn every_listed_route_is_served() {
    let env = start(5).await;
    for route in api::routes() {
        let method = Method::from_bytes(route.verb.as_str().as_bytes()).unwrap();
        let param = if route.path.contains("{location}") { "99ZZ00" } else { "999999" };
        let body = (route.verb == Verb::Post).then(|| json!({}));
        let r = env.call(method, route.path, param, body, "probe").await;
        assert_ne!(r.status, 405, "{route:?}: {r:?}");
        if r.status == 404 {
            assert!(!error_of(&r).contains("no such route"), "{route:?} is not served: {r:?}");
        }
        assert!(r.status < 500, "{route:?}: {r:?}");
    }
    env.stop().await;
}

/// The archive: a leaver is listed as deactivated, and deleting it needs the exact phrase.
#[tokio::test]
async fn the_archive_lists_leavers_and_deletes_them_only_when_confirmed() {
    let env = start(10).await;
    let key = env.las.issue_key("99DE00").await;
    let k = env.post("/api/v1/koppelingen", "", request_body(&env.las, Some(&key)), "admin@school").await;
    let id = k.body["id"].to_string();
    env.post("/api/v1/koppelingen/{id}/approve", &id, json!({}), "support@boom").await;
    let import = || async {
        let f = env.post("/api/v1/koppelingen/{id}/fetch", &id, json!({ "full": true }), "admin@school").await;
        let pid = f.body["proposal_id"].to_string();
        let a = env.post("/api/v1/proposals/{id}/apply", &pid, json!({}), "admin@school").await;
        assert_eq!(a.status, 200, "{a:?}");
    };
    import().await;
    let leaver = env.las.las.leerlingen("99DE00").await.unwrap()[0].key.clone().unwrap();
    env.las.las.remove_leerling("99DE00", &leaver).await.unwrap();
    import().await;

    let list = env.get("/api/v1/locations/{location}/deactivated", "99DE00").await;
    assert_eq!(list.status, 200, "{list:?}");
    let gone = list.body["leerlingen"].as_array().unwrap();
    assert_eq!(gone.len(), 1);
    let gone = gone[0]["id"].as_i64().unwrap();
    let body = |confirm: &str| json!({ "tab": "leerlingen", "ids": [gone], "confirm": confirm, "reason": "left" });
    let r = env.post("/api/v1/locations/{location}/delete", "99DE00", body("yes"), "admin@school").await;
    assert_eq!(r.status, 400);
    assert!(error_of(&r).contains("DELETE 1 leerlingen OF 99DE00"), "{r:?}");
    let r =
        env.post("/api/v1/locations/{location}/delete", "99DE00", body("DELETE 1 leerlingen OF 99DE00"), "admin").await;
    assert_eq!((r.status, &r.body["deleted"]), (200, &json!([gone])), "{r:?}");
    let list = env.get("/api/v1/locations/{location}/deactivated", "99DE00").await;
    assert!(list.body["leerlingen"].as_array().unwrap().is_empty());
    let r =
        env.post("/api/v1/locations/{location}/delete", "99DE00", body("DELETE 1 leerlingen OF 99DE00"), "admin").await;
    assert_eq!(r.status, 409, "deleted once: {r:?}");
    env.stop().await;
}

// ---- a small JSON Schema check, enough for the document's own schemas -----------------------

/// Follows `$ref`s to the node they name.
fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => resolve(doc, doc.pointer(&r[1..]).unwrap_or_else(|| panic!("{r} does not resolve"))),
        None => v,
    }
}

/// Panics unless the document lists `status` for the route and `body` fits its schema.
fn conforms(doc: &Value, method: &str, path: &str, status: u16, body: &Value) {
    let op = &doc["paths"][path][method.to_lowercase()];
    assert!(op.is_object(), "{method} {path} is not in the OpenAPI document");
    let response = op["responses"]
        .get(status.to_string())
        .unwrap_or_else(|| panic!("{method} {path}: status {status} is not documented; got {body}"));
    let schema = &resolve(doc, response)["content"]["application/json"]["schema"];
    if let Err(e) = validate(doc, schema, body, "$") {
        panic!("{method} {path} {status}: the answer does not fit the document: {e}\n{body:#}");
    }
}

fn validate(doc: &Value, schema: &Value, v: &Value, at: &str) -> Result<(), String> {
    let schema = resolve(doc, schema);
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for s in all {
            validate(doc, s, v, at)?;
        }
    }
    if let Some(one) = schema.get("oneOf").and_then(Value::as_array) {
        let errors: Vec<String> = one.iter().filter_map(|s| validate(doc, s, v, at).err()).collect();
        if one.len() - errors.len() != 1 {
            return Err(format!("{at}: matches {} of oneOf ({errors:?})", one.len() - errors.len()));
        }
    }
    if let Some(c) = schema.get("const") {
        if c != v {
            return Err(format!("{at}: {v} is not {c}"));
        }
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array) {
        if !e.contains(v) {
            return Err(format!("{at}: {v} is not one of {e:?}"));
        }
    }
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let fits = |t: &str| match t {
            "null" => v.is_null(),
            "boolean" => v.is_boolean(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "string" => v.is_string(),
            "array" => v.is_array(),
            "object" => v.is_object(),
            _ => false,
        };
        if !types.iter().any(|t| fits(t)) {
            return Err(format!("{at}: {v} is not {types:?}"));
        }
    }
    if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
        if v.as_f64().is_some_and(|n| n < min) {
            return Err(format!("{at}: {v} < {min}"));
        }
    }
    if let Value::Object(m) = v {
        let props = schema.get("properties").and_then(Value::as_object);
        for r in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            if !m.contains_key(r.as_str().unwrap()) {
                return Err(format!("{at}: missing {r}"));
            }
        }
        for (k, fv) in m {
            match (props.and_then(|p| p.get(k)), schema.get("additionalProperties")) {
                (Some(s), _) => validate(doc, s, fv, &format!("{at}.{k}"))?,
                (None, Some(Value::Bool(false))) => return Err(format!("{at}: {k} is not in the document")),
                (None, Some(s @ Value::Object(_))) => validate(doc, s, fv, &format!("{at}.{k}"))?,
                _ => {}
            }
        }
    }
    if let Value::Array(a) = v {
        let len = a.len() as u64;
        if schema.get("minItems").and_then(Value::as_u64).is_some_and(|n| len < n)
            || schema.get("maxItems").and_then(Value::as_u64).is_some_and(|n| len > n)
        {
            return Err(format!("{at}: {len} items"));
        }
        let prefix = schema.get("prefixItems").and_then(Value::as_array);
        for (i, item) in a.iter().enumerate() {
            let s = prefix.and_then(|p| p.get(i)).or_else(|| schema.get("items"));
            if let Some(s) = s {
                validate(doc, s, item, &format!("{at}[{i}]"))?;
            }
        }
    }
    Ok(())
}

/// The check above finds what it is meant to find, so a passing conformance is news.
#[test]
fn the_schema_check_is_not_vacuous() {
    let doc = doc();
    let schema = |name: &str| json!({ "$ref": format!("#/components/schemas/{name}") });
    let ok = |name: &str, v: Value| validate(&doc, &schema(name), &v, "$").is_ok();
    assert!(ok("Error", json!({ "error": "x", "status": 400 })));
    assert!(!ok("Error", json!({ "error": "x", "status": 400, "extra": 1 })));
    assert!(!ok("Error", json!({ "error": 1, "status": 400 })));
    assert!(!ok("Error", json!({ "error": "x" })));
    let record = json!({ "tab": "groepen", "key": "G1" });
    assert!(ok("Decision", json!({ "action": "skip", "record": record })));
    assert!(ok("Decision", json!({ "action": "link", "record": record, "to": 4 })));
    assert!(!ok("Decision", json!({ "action": "link", "record": record })));
    assert!(!ok("Decision", json!({ "action": "jump", "record": record })));
    assert!(!ok("Decision", json!({ "action": "skip", "record": { "tab": "klassen", "key": "G1" } })));
    assert!(ok("Category", json!({ "kind": "skip", "reason": { "group_skipped": { "groep": "G1" } } })));
    assert!(!ok("Category", json!({ "kind": "existing", "reason": "manual" })));
    assert!(ok(
        "ApplyReport",
        json!({ "created": [1, 2, 3], "updated": [0, 0, 0], "skipped": [0, 0, 0],
                                      "deactivated": [0, 0, 0], "invitations": [["Piet", "p@school.nl"]] })
    ));
    assert!(!ok(
        "ApplyReport",
        json!({ "created": [1, 2], "updated": [0, 0, 0], "skipped": [0, 0, 0],
                                       "deactivated": [0, 0, 0], "invitations": [] })
    ));
    assert!(!ok(
        "ApplyReport",
        json!({ "created": [1, 2, 3], "updated": [0, 0, 0], "skipped": [0, 0, 0],
                                       "deactivated": [0, 0, 0], "invitations": [["Piet"]] })
    ));
    // The results' schemas describe what the library reads and writes.
    let raw = serde_json::to_value(uwlr::results::Scores::Raw { score: 3 }).unwrap();
    assert!(ok("Scores", raw));
    let oso = uwlr::results::Scores::Oso {
        vaardigheidsscore: Some("212.5".into()),
        schaal: None,
        betrouwbaarheidsinterval: Some(("208.0".into(), "217.0".into())),
        dle: Some(34),
        percentiel: Some(61),
        niveau: None,
    };
    assert!(ok("Scores", serde_json::to_value(oso).unwrap()));
    assert!(!ok("Scores", json!({ "kind": "raw" })));
    assert!(!ok("Scores", json!({ "kind": "oso", "percentiel": 0 })));
    assert!(!ok("Scores", json!({ "kind": "oso", "betrouwbaarheidsinterval": ["1"] })));
    let r = result(7, "s1", 3, "2025-10-01T09:00:00Z");
    let parsed: uwlr::results::NewResult = serde_json::from_value(r.clone()).unwrap();
    assert!(ok("NewResult", serde_json::to_value(parsed).unwrap()));
    assert!(ok("NewResult", r));
    assert!(!ok("NewResult", json!({ "leerling_id": 7 })));
    let report = uwlr::gateway::delivery::DeliveryReport::default();
    assert!(ok("DeliveryReport", serde_json::to_value(report).unwrap()));
    assert!(!ok("DeliveryReport", json!({ "delivered": -1 })));
}

#[tokio::test]
async fn undecided_records_hold_the_apply_until_every_suggestion_is_accepted_through_http() {
    let env = start(12).await;
    let (id, pupils) = imported(&env).await;
    let c = env.post("/api/v1/locations/{location}/clear-external-numbers", "99DE00", json!({}), "admin").await;
    assert_eq!(c.status, 200, "{c:?}");
    let f = env.post("/api/v1/koppelingen/{id}/fetch", &id, json!({ "full": true }), "admin").await;
    assert_eq!(f.body["proposal"]["summary"]["leerlingen"]["undecided"], 12, "{:?}", f.body["proposal"]["summary"]);
    // Groups (same name in the year) and teachers (same e-mail address) come back too.
    let undecided = |tab: &str| f.body["proposal"]["summary"][tab]["undecided"].as_u64().unwrap();
    let (groepen, leerkrachten) = (undecided("groepen"), undecided("leerkrachten"));
    assert!(groepen > 0 && leerkrachten > 0, "{:?}", f.body["proposal"]["summary"]);
    let total = 12 + groepen + leerkrachten;
    let before = env.get("/api/v1/locations/{location}/records", "99DE00").await;
    let pid = f.body["proposal_id"].to_string();
    let refused = env.post("/api/v1/proposals/{id}/apply", &pid, json!({}), "admin").await;
    assert_eq!(refused.status, 409);
    let e = error_of(&refused);
    assert!(e.contains(&format!("{total} new record(s)")) && e.contains("same name and birth date as"), "{e}");
    let a = env.call(Method::POST, "/api/v1/proposals/{id}/accept-suggestions", &pid, None, "admin").await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(a.body["decisions"].as_array().unwrap().len() as u64, total);
    for tab in ["groepen", "leerkrachten", "leerlingen"] {
        assert_eq!(a.body["proposal"]["summary"][tab]["undecided"], 0, "{tab}");
    }
    let applied = env.post("/api/v1/proposals/{id}/apply", &pid, json!({}), "admin").await;
    assert_eq!(applied.status, 200, "{applied:?}");
    let records = env.get("/api/v1/locations/{location}/records", "99DE00").await;
    let ids: Vec<i64> =
        records.body["leerlingen"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, pupils.iter().map(|p| p.0).collect::<Vec<_>>(), "the same records, no duplicate");
    for tab in ["groepen", "leerkrachten"] {
        let ids =
            |v: &serde_json::Value| v[tab].as_array().unwrap().iter().map(|r| r["id"].clone()).collect::<Vec<_>>();
        assert_eq!(ids(&records.body), ids(&before.body), "{tab}: the same records, no duplicate");
    }
    env.stop().await;
}

#[tokio::test]
async fn pupils_and_groups_are_archived_and_reactivated_by_hand_through_http() {
    let env = start(10).await;
    let (_, pupils) = imported(&env).await;
    let (a, b) = (pupils[0].0, pupils[1].0);
    let body = json!({ "tab": "leerlingen", "ids": [a, b], "reason": "left" });
    let r = env.post("/api/v1/locations/{location}/archive", "99DE00", body.clone(), "admin@school").await;
    assert_eq!((r.status, &r.body["ids"], &r.body["active"]), (200, &json!([a, b]), &json!(false)), "{r:?}");
    let list = env.get("/api/v1/locations/{location}/deactivated", "99DE00").await;
    assert_eq!(list.body["leerlingen"].as_array().unwrap().len(), 2);
    let again = env.post("/api/v1/locations/{location}/archive", "99DE00", body, "admin@school").await;
    assert_eq!(again.status, 409);
    assert!(error_of(&again).contains("already deactivated"), "{again:?}");
    let back = json!({ "tab": "leerlingen", "ids": [b] });
    let r = env.post("/api/v1/locations/{location}/reactivate", "99DE00", back, "admin@school").await;
    assert_eq!((r.status, &r.body["active"]), (200, &json!(true)), "{r:?}");
    let groep = env.get("/api/v1/locations/{location}/records", "99DE00").await.body["groepen"][0]["id"].clone();
    let g = json!({ "tab": "groepen", "ids": [groep] });
    let r = env.post("/api/v1/locations/{location}/archive", "99DE00", g, "admin@school").await;
    assert_eq!(r.status, 200, "{r:?}");
    let list = env.get("/api/v1/locations/{location}/deactivated", "99DE00").await;
    assert_eq!(
        (list.body["leerlingen"].as_array().unwrap().len(), list.body["groepen"].as_array().unwrap().len()),
        (1, 1)
    );
    let bad = json!({ "tab": "leerkrachten", "ids": [1] });
    let r = env.post("/api/v1/locations/{location}/archive", "99DE00", bad, "admin@school").await;
    assert_eq!(r.status, 400, "{r:?}");
    env.stop().await;
}
