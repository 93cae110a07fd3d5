//! The conformance suite against a mock LAS that misbehaves in one way at a time: each
//! run must fail exactly the check that should fail, with a message naming the cause
//! (issue 7, acceptance 2). Checks that need the failed one are skipped, not failed.
//!
//! - one test per fault-injection setting of the mock (`src/mock/faults.rs`), aimed at
//!   the first request of the operation it breaks (`count: 1`), or at every request of it
//!   where the check times them (`delay`); the `serve_2_2_only` setting fails nothing and
//!   is tested in `conformance.rs`;
//! - one test per fault case answered with a wrong fault code: a proxy in front of the
//!   mock answers exactly the suite's request for that case (its bytes, from
//!   `uwlr::conformance::fault_cases`) with another code, the way a LAS with that one bug
//!   would. The mock's own `wrong_fault_code` setting answers every request alike, and
//!   requests that cannot be decoded never reach the mock's injection hook, so a per-case
//!   wrong code cannot be a mock setting.

use crate::conformance_support;

use conformance_support::{assert_only_failure, misanswer, outcome, replay, run, served, status, target_at};
use std::time::Duration;
use uwlr::conformance::{fault_cases, CheckId, Report, Status, Target};
use uwlr::message::fault::FaultCode;
use uwlr::mock::{FaultKind, FaultSetting, Profile};

/// A run against the mock with `setting` on (only for requests of `operation`).
async fn with_setting(kind: FaultKind, count: Option<u32>, operation: &str, tweak: impl FnOnce(&mut Target)) -> Report {
    let s = served(Profile::Parnassys, false).await;
    let setting = FaultSetting { kind, count, operations: vec![operation.into()] };
    s.las.set_fault(Some(setting)).unwrap();
    let mut t = s.target().await;
    tweak(&mut t);
    let r = run(&t).await;
    s.server.shutdown().await;
    r
}

const PUPIL_DATA: &str = "leerlinggegevens_verzoek";

#[track_caller]
fn assert_skipped(r: &Report, ids: &[CheckId]) {
    for id in ids {
        assert_eq!(status(r, *id), Status::Skipped, "{id} is not judged without its premise:\n{}", r.table());
    }
}

// ---- the mock's settings -----------------------------------------------------------------

#[tokio::test]
async fn setting_delay_fails_transport_timing() {
    let r = with_setting(FaultKind::Delay { ms: 150 }, None, PUPIL_DATA, |t| {
        t.timing.max_p99 = Duration::from_millis(100);
    })
    .await;
    assert_only_failure(&r, CheckId::TransportTiming, &["p99", "is above 100 ms"]);
}

#[tokio::test]
async fn setting_drop_connection_fails_data_strict() {
    let r = with_setting(FaultKind::DropConnection, Some(1), PUPIL_DATA, |_| {}).await;
    assert_only_failure(&r, CheckId::DataStrict, &["no answer", "connection"]);
    assert!(outcome(&r, CheckId::DataStrict).fix.as_deref().unwrap().contains("SOAP fault"));
    assert_skipped(&r, &[CheckId::DataSchool, CheckId::GetraptStructuur, CheckId::ResultsRoundtrip]);
}

#[tokio::test]
async fn setting_http_status_fails_data_strict() {
    let r = with_setting(FaultKind::HttpStatus { status: 503 }, Some(1), PUPIL_DATA, |_| {}).await;
    assert_only_failure(&r, CheckId::DataStrict, &["HTTP 503 with an empty body"]);
}

#[tokio::test]
async fn setting_tijdelijk_niet_beschikbaar_fails_data_strict() {
    let r = with_setting(FaultKind::TijdelijkNietBeschikbaar, Some(1), PUPIL_DATA, |_| {}).await;
    assert_only_failure(&r, CheckId::DataStrict, &["Server.TijdelijkNietBeschikbaar"]);
    assert!(outcome(&r, CheckId::DataStrict).fix.as_deref().unwrap().contains("run again later"));
}

#[tokio::test]
async fn setting_malformed_xml_fails_data_strict_naming_the_position() {
    let r = with_setting(FaultKind::MalformedXml, Some(1), PUPIL_DATA, |_| {}).await;
    assert_only_failure(&r, CheckId::DataStrict, &["not well-formed", "2:220: ", "`</schol>` was found"]);
}

#[tokio::test]
async fn setting_schema_invalid_fails_data_strict_naming_the_missing_part() {
    let r = with_setting(FaultKind::SchemaInvalid, Some(1), PUPIL_DATA, |_| {}).await;
    assert_only_failure(&r, CheckId::DataStrict, &["not valid UWLR", "leerlingen"]);
}

#[tokio::test]
async fn setting_schema_invalid_on_getrapt_fails_getrapt_structuur() {
    let r = with_setting(FaultKind::SchemaInvalid, None, "structuur_verzoek", |_| {}).await;
    assert_only_failure(&r, CheckId::GetraptStructuur, &["not valid UWLR", "school"]);
}

#[tokio::test]
async fn setting_schema_invalid_on_results_fails_results_roundtrip() {
    let r = with_setting(FaultKind::SchemaInvalid, Some(1), "leerresultaten_verzoek", |_| {}).await;
    assert_only_failure(&r, CheckId::ResultsRoundtrip, &["not valid UWLR", "onverwacht"]);
    assert_skipped(&r, &[CheckId::ResultsResend, CheckId::ResultsEckid]);
}

#[tokio::test]
async fn setting_wrong_fault_code_fails_data_strict() {
    let code = Some("Client.OngeldigeKlantIdentificatie".to_string());
    let r = with_setting(FaultKind::WrongFaultCode { code }, Some(1), PUPIL_DATA, |_| {}).await;
    assert_only_failure(&r, CheckId::DataStrict, &["answered the fault Client.OngeldigeKlantIdentificatie"]);
    assert!(outcome(&r, CheckId::DataStrict).fix.as_deref().unwrap().contains("--klantcode"));
}

#[tokio::test]
async fn setting_internal_fails_data_strict() {
    let r = with_setting(FaultKind::Internal, Some(1), PUPIL_DATA, |_| {}).await;
    assert_only_failure(&r, CheckId::DataStrict, &["Server.InterneFout"]);
}

// ---- one fault case answered with a wrong code -------------------------------------------

/// The suite's request(s) for `id` (only the one labelled `label`, if given) are answered
/// with `wrong`; exactly `id` fails, naming what came and what was due.
async fn misanswered(id: CheckId, label: Option<&str>, wrong: FaultCode) {
    let s = served(Profile::Parnassys, false).await;
    let t = s.target().await;
    let cases: Vec<_> =
        fault_cases(&t, "2.3").into_iter().filter(|c| c.check == id && label.is_none_or(|l| c.label == l)).collect();
    assert!(!cases.is_empty(), "no case {id} {label:?}");
    let due = cases[0].expected;
    assert_ne!(due, wrong.into());
    let proxy = misanswer(&s.server.base_url(), cases.iter().map(|c| c.body.clone()).collect(), wrong).await;
    let r = run(&target_at(&proxy.base, &s, &s.las).await).await;
    assert_only_failure(&r, id, &[&format!("answered {}", wrong.as_str()), &format!("expected {}", due.as_str())]);
    s.server.shutdown().await;
}

#[tokio::test]
async fn wrong_code_for_malformed_xml() {
    misanswered(CheckId::FaultMalformedXml, None, FaultCode::InterneFout).await;
}

#[tokio::test]
async fn wrong_code_for_a_missing_header() {
    misanswered(CheckId::FaultHeaderMissing, None, FaultCode::OngeldigBericht).await;
}

#[tokio::test]
async fn wrong_code_for_an_incomplete_header() {
    misanswered(CheckId::FaultHeaderIncomplete, Some("klantnaam left out"), FaultCode::OngeldigBericht).await;
}

#[tokio::test]
async fn wrong_code_for_a_wrong_klantcode() {
    misanswered(CheckId::FaultWrongKlantcode, None, FaultCode::AutorisatieOngeldig).await;
}

#[tokio::test]
async fn wrong_code_for_a_wrong_klantnaam() {
    misanswered(CheckId::FaultWrongKlantnaam, None, FaultCode::AutorisatieOngeldig).await;
}

#[tokio::test]
async fn wrong_code_for_a_wrong_key() {
    misanswered(CheckId::FaultWrongKey, None, FaultCode::OngeldigeKlantIdentificatie).await;
}

#[tokio::test]
async fn wrong_code_for_another_school() {
    misanswered(CheckId::FaultOtherSchool, None, FaultCode::OngeldigeKlantIdentificatie).await;
}

#[tokio::test]
async fn wrong_code_for_another_dependance() {
    misanswered(CheckId::FaultOtherDependance, None, FaultCode::OngeldigeKlantIdentificatie).await;
}

#[tokio::test]
async fn wrong_code_for_an_unknown_schoolkey() {
    misanswered(CheckId::FaultUnknownSchoolkey, None, FaultCode::OngeldigBericht).await;
}

#[tokio::test]
async fn wrong_code_for_a_malformed_brin() {
    misanswered(CheckId::FaultMalformedBrin, None, FaultCode::OngeldigeKlantIdentificatie).await;
}

#[tokio::test]
async fn wrong_code_for_a_malformed_dependancecode() {
    misanswered(CheckId::FaultMalformedDependance, None, FaultCode::AutorisatieOngeldig).await;
}

#[tokio::test]
async fn wrong_code_for_a_malformed_schooljaar() {
    misanswered(CheckId::FaultMalformedSchooljaar, None, FaultCode::OngeldigeKlantIdentificatie).await;
}

#[tokio::test]
async fn wrong_code_for_a_malformed_datetime() {
    misanswered(CheckId::FaultMalformedDatetime, None, FaultCode::InterneFout).await;
}

#[tokio::test]
async fn wrong_code_for_an_unsupported_xsdversie() {
    misanswered(CheckId::FaultXsdversie, None, FaultCode::OngeldigBericht).await;
}

#[tokio::test]
async fn wrong_code_for_the_check_order() {
    // Klant before key: both wrong must give OngeldigeKlantIdentificatie.
    misanswered(CheckId::FaultOrder, Some("unknown klantcode + wrong key"), FaultCode::AutorisatieOngeldig).await;
}

#[tokio::test]
async fn wrong_code_for_an_unknown_pupil() {
    misanswered(CheckId::ResultsUnknownPupil, None, FaultCode::ScoreOngeldig).await;
}

#[tokio::test]
async fn data_instead_of_a_fault_says_the_key_opened_it() {
    // A LAS whose key check ignores the dependance: the key for 99DE/00 opens 99DE/01. The
    // mock has no 99DE/01, so the proxy plays it with the data of 99DE/00.
    let s = served(Profile::Parnassys, false).await;
    let t = s.target().await;
    let case = fault_cases(&t, "2.3").into_iter().find(|c| c.check == CheckId::FaultOtherDependance).unwrap();
    let own = String::from_utf8(case.body.clone())
        .unwrap()
        .replace("<dependancecode>01</dependancecode>", "<dependancecode>00</dependancecode>");
    let data = reqwest::Client::new()
        .post(format!("{}/uwlr", s.server.base_url()))
        .header("content-type", "text/xml; charset=utf-8")
        .body(own)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let proxy = replay(&s.server.base_url(), case.body, data.to_vec()).await;
    let r = run(&target_at(&proxy.base, &s, &s.las).await).await;
    assert_only_failure(
        &r,
        CheckId::FaultOtherDependance,
        &["answered with pupil data", "instead of the fault Client.AutorisatieOngeldig", "the key opened data"],
    );
    s.server.shutdown().await;
}

#[tokio::test]
async fn an_answer_only_lenient_mode_reads_is_a_warning_with_positions() {
    // A LAS that pads the school year in its answer: lenient reading trims it, strict
    // reading refuses it.
    let s = served(Profile::Parnassys, false).await;
    let t = s.target().await;
    let request = uwlr::conformance::requests::normal_request(&t, "2.3");
    let answer = reqwest::Client::new()
        .post(format!("{}/uwlr", s.server.base_url()))
        .header("content-type", "text/xml; charset=utf-8")
        .body(request.clone())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let padded = answer.replacen("<schooljaar>2025-2026</schooljaar>", "<schooljaar> 2025-2026 </schooljaar>", 1);
    assert_ne!(padded, answer);
    let proxy = replay(&s.server.base_url(), request, padded.into_bytes()).await;
    let r = run(&target_at(&proxy.base, &s, &s.las).await).await;
    assert_eq!(r.summary.fail, 0, "\n{}", r.table());
    let o = outcome(&r, CheckId::DataStrict);
    assert_eq!(o.status, Status::Warn, "\n{}", r.table());
    assert!(o.why.contains("breaks the schema in 1 place(s) that lenient mode accepts"), "{}", o.why);
    assert!(o.details[0].contains("/leerlinggegevens/school/schooljaar"), "{:?}", o.details);
    assert!(o.details[0].split(':').next().unwrap().parse::<u32>().is_ok(), "starts with line:column: {:?}", o.details);
    assert_eq!(status(&r, CheckId::DataSchool), Status::Pass, "lenient data is still compared");
    s.server.shutdown().await;
}
