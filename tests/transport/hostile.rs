//! Issue 13, acceptance 1: every request of the hostile corpus (`fixtures/hostile/`, written
//! by `scripts/make_hostile.py`) is sent to a running server over loopback, eight at a time;
//! each must get the answer its `MANIFEST` line names (a fault code, or OK), every fault
//! must stay small whatever the request held, and afterwards a valid request must still be
//! answered with the school's data.

use crate::transport_support::{auth, contains, raw_post, request_bytes, start, verzoek, TestLas};
use std::path::PathBuf;
use std::sync::Arc;
use uwlr::message::leerlinggegevens::Antwoord;
use uwlr::server::ServerConfig;
use uwlr::{Body, DecodeOptions};

/// Largest fault answer accepted: 50 findings of at most 500 characters and the envelope.
const MAX_FAULT_BYTES: usize = 64 << 10;

const CONTENT_TYPE: &str = "Content-Type: text/xml; charset=utf-8\r\n";

fn corpus() -> Vec<(String, Vec<u8>, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/hostile");
    let manifest = std::fs::read_to_string(dir.join("MANIFEST")).expect("fixtures/hostile/MANIFEST");
    manifest
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (file, expected) = l.split_once('\t').expect("file<TAB>expected");
            let bytes = std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
            (file.to_string(), bytes, expected.to_string())
        })
        .collect()
}

/// What the server answered, in the manifest's words (OK for an answer, else the fault
/// code's local part), with the faultstring.
fn verdict(file: &str, status: u16, body: &[u8]) -> Result<(String, String), String> {
    let d = uwlr::decode(body, &DecodeOptions::strict())
        .map_err(|e| format!("{file}: HTTP {status}, an answer that does not decode: {e}"))?;
    match (d.body, status) {
        (Body::Fault(f), 500) if body.len() <= MAX_FAULT_BYTES => Ok((f.raw_code, f.message)),
        (Body::Fault(f), 500) => Err(format!("{file}: a fault of {} bytes ({})", body.len(), f.raw_code)),
        (Body::LeerlinggegevensAntwoord(Antwoord::Gegevens(_)), 200) => Ok(("OK".into(), String::new())),
        (b, s) => Err(format!("{file}: HTTP {s} with {:?}", b.kind())),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hostile_request_gets_its_fault_and_the_server_still_answers() {
    let cases = corpus();
    assert!(cases.len() >= 200, "the corpus has {} requests", cases.len());
    let las = TestLas::new(3);
    let server = start(&las, ServerConfig::default()).await;
    let addr = server.local_addr();
    let gate = Arc::new(tokio::sync::Semaphore::new(8));
    let mut tasks = tokio::task::JoinSet::new();
    for (file, bytes, expected) in cases {
        let gate = gate.clone();
        tasks.spawn(async move {
            let _permit = gate.acquire().await.unwrap();
            let (status, body) = raw_post(addr, CONTENT_TYPE, &bytes).await;
            match verdict(&file, status, &body) {
                Ok((got, _)) if got == expected => Ok(()),
                Ok((got, why)) => Err(format!("{file}: expected {expected}, got {got}: {why}")),
                Err(e) => Err(e),
            }
        });
    }
    let mut wrong = Vec::new();
    while let Some(r) = tasks.join_next().await {
        if let Err(e) = r.expect("no task panics") {
            wrong.push(e);
        }
    }
    wrong.sort();
    assert!(wrong.is_empty(), "{} of the corpus got the wrong answer:\n{}", wrong.len(), wrong.join("\n"));

    // The server is still up and answers a valid request with the school's data.
    let (status, body) =
        raw_post(addr, CONTENT_TYPE, &request_bytes(&Body::LeerlinggegevensVerzoek(verzoek()), &auth())).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert!(contains(&body, "leerlinggegevens_antwoord"));
    assert_eq!(verdict("valid", status, &body), Ok(("OK".to_string(), String::new())));
}
