//! Keys are never logged: everything the mocks log at every level, while keys are issued,
//! used, refused and rotated, is captured and searched for the keys.

use crate::mock_support;

use mock_support::*;
use std::io::Write;
use std::sync::{Arc, Mutex};
use uwlr::generate::{results, ResultsSpec};
use uwlr::mock::dashboard::{DashboardKeyRequest, DashboardSchool};
use uwlr::mock::las::IssueKeyRequest;
use uwlr::mock::{DashboardKind, Klant, MockDashboard, Profile, SchoolName};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn keys_never_appear_in_logs_or_debug_output() {
    let buf = Buffer::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    // Another test thread may have met a callsite first, with no subscriber interested,
    // and tracing caches that: without a rebuild this capture can miss lines under load.
    tracing::callsite::rebuild_interest_cache();

    let mut keys = Vec::new();
    let mut debug = String::new();
    for profile in [Profile::Parnassys, Profile::Esis] {
        let las = las(profile, clock());
        let req = IssueKeyRequest { klantcode: None, verificatiecode: Some("99DE00-verificatie-01".into()) };
        let k1 = las.issue_key("99DE00", &req).await.unwrap();
        let k2 = las.issue_key("99DE00", &req).await.unwrap(); // rotation
        debug.push_str(&format!("{k1:?} {las:?}"));
        assert!(pupils(&las, verzoek("99DE"), &auth(&k2.autorisatiesleutel)).await.is_ok());
        assert!(pupils(&las, verzoek("99DE"), &auth(&k1.autorisatiesleutel)).await.is_err());
        assert!(pupils(&las, verzoek("99DF"), &auth(&k2.autorisatiesleutel)).await.is_err());
        let data = las.data("99DE00").await.unwrap();
        let r = results(&data, &ResultsSpec { max_pupils: Some(2), ..Default::default() });
        send_results(&las, &r, &auth(&k2.autorisatiesleutel)).await.unwrap();
        las.revoke_keys("99DE00").await.unwrap();
        keys.push(k1.autorisatiesleutel);
        keys.push(k2.autorisatiesleutel);
    }
    let d = MockDashboard::with_clock(
        DashboardKind::Focuspo,
        vec![Klant::boom()],
        vec![DashboardSchool::new(SchoolName::brin("99DE", "00"))],
        clock(),
    );
    let dk = d.issue_key("99DE00", &DashboardKeyRequest::default()).await.unwrap();
    debug.push_str(&format!("{dk:?} {d:?}"));
    let _ = send_results(
        &d,
        &results(&uwlr::generate::school(&Default::default()), &Default::default()),
        &auth(&dk.autorisatiesleutel),
    )
    .await;
    keys.push(dk.autorisatiesleutel);

    let logs = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("autorisatiesleutel issued"), "the capture works: {logs}");
    assert!(logs.contains("leerresultaten received"));
    for k in &keys {
        assert!(!logs.contains(k.as_str()), "a key in the logs");
        assert!(!debug.contains(k.as_str()), "a key in Debug output");
    }
    assert!(debug.contains("<redacted>"));
}
