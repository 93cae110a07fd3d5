//! Free text with control characters: refused where it comes in (the admin API's JSON
//! bodies, the CLI's `--reason`), and escaped wherever it is printed, so a reason stored
//! before (or by another way in) cannot forge a line or recolour the terminal in
//! `uwlr koppeling audit`.

use crate::cli_support::*;
use uwlr::api::{self, AdminToken};
use uwlr::gateway::koppelingen::KoppelingRequest;
use uwlr::gateway::Gateway;
use uwlr::koppeling::Kind;

/// A reason that, printed raw, adds a forged audit line in red.
const FORGED: &str = "ok\n2026-01-01 00:00:00  1          root   revoked\u{1b}[31m";

async fn gateway_with_a_forged_reason(dir: &std::path::Path) -> Gateway {
    let gw = Gateway::open(dir, None, Default::default()).await.unwrap();
    let req = KoppelingRequest {
        location: "99DE00".into(),
        schooljaar: "2025-2026".into(),
        kind: Kind::Uwlr,
        endpoint: Some("https://las.example/uwlr".into()),
        key: None,
        reason: Some(FORGED.into()),
    };
    gw.request_koppeling(&req, "tester").await.unwrap();
    gw
}

#[test]
fn the_audit_print_escapes_control_characters() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("gw");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        // Through the library, which takes what it is given: as if stored by an older version.
        let gw = gateway_with_a_forged_reason(&dir).await;
        gw.store().close().await;
    });
    let r = uwlr(&dir, &["koppeling", "audit", "--location", "99DE00"], None);
    let out = ok(&r);
    assert!(!out.contains('\u{1b}'), "an escape sequence reached the terminal: {out:?}");
    assert_eq!(out.lines().count(), 2, "the header and one entry, no forged line: {out}");
    assert!(out.contains(r"ok\n2026-01-01 00:00:00  1          root   revoked\u{1b}[31m"), "{out}");
    // The JSON output keeps the text as stored (JSON escapes it itself).
    let r = uwlr(&dir, &["koppeling", "audit", "--location", "99DE00", "--json"], None);
    assert!(ok(&r).contains(r#"ok\n2026-01-01 00:00:00  1          root   revoked\u001b[31m"#), "{}", r.out);
}

#[test]
fn the_cli_refuses_a_reason_with_control_characters() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("gw");
    let r = uwlr(
        &dir,
        &[
            "koppeling",
            "request",
            "--location",
            "99DE00",
            "--schooljaar",
            "2025-2026",
            "--kind",
            "uwlr",
            "--endpoint",
            "https://las.example/uwlr",
            "--reason",
            FORGED,
        ],
        None,
    );
    assert_eq!(r.code, 2, "{}", r.err);
    assert!(r.err.contains("--reason") && r.err.contains("U+000A at character 3"), "{}", r.err);
    assert!(!dir.join("uwlr.sqlite3").exists(), "nothing was made");
}

#[tokio::test]
async fn the_admin_api_refuses_free_text_with_control_characters() {
    let tmp = tempfile::tempdir().unwrap();
    let gw = gateway_with_a_forged_reason(tmp.path()).await;
    let listener = uwlr::server::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let api = api::spawn(gw.clone(), AdminToken::new("t0k3n-free-text".into()), listener, Default::default()).unwrap();
    let http = reqwest::Client::new();
    let id = gw.koppelingen(Some("99DE00")).await.unwrap()[0].id;
    for (path, body) in [
        (format!("/api/v1/koppelingen/{id}/reject"), serde_json::json!({ "reason": "nee\u{1b}[2J" })),
        (
            "/api/v1/koppelingen".to_string(),
            serde_json::json!({
                "location": "99DE01", "schooljaar": "2025-2026", "kind": "uwlr",
                "endpoint": "https://las.example/uwlr", "reason": "line one\nline two",
            }),
        ),
    ] {
        let r = http
            .post(format!("{}{path}", api.base_url()))
            .bearer_auth("t0k3n-free-text")
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 400, "{path}");
        let answer: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
        let error = answer["error"].as_str().unwrap();
        assert!(error.contains("reason: contains a control character"), "{error}");
    }
    // Nothing changed: the koppeling is still requested, and no other was made.
    let all = gw.koppelingen(None).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].status.as_str(), "requested");
    api.shutdown().await.unwrap();
}
