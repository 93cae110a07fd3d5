//! Keys are never logged: everything the mocks log at every level, while keys are issued,
//! used, refused and rotated, is captured and searched for the keys.

use crate::log_capture::LogCapture;
use crate::mock_support;

use mock_support::*;

use uwlr::generate::{results, ResultsSpec};
use uwlr::mock::dashboard::{DashboardKeyRequest, DashboardSchool};
use uwlr::mock::las::IssueKeyRequest;
use uwlr::mock::{DashboardKind, Klant, MockDashboard, Profile, SchoolName};

#[tokio::test]
async fn keys_never_appear_in_logs_or_debug_output() {
    let (buf, _guard) = LogCapture::start();

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

    let logs = buf.text();
    assert!(logs.contains("autorisatiesleutel issued"), "the capture works: {logs}");
    assert!(logs.contains("leerresultaten received"));
    for k in &keys {
        assert!(!logs.contains(k.as_str()), "a key in the logs");
        assert!(!debug.contains(k.as_str()), "a key in Debug output");
    }
    assert!(debug.contains("<redacted>"));
}
