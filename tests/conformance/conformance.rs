//! The conformance suite against our own mock LAS (issue 7):
//! - green for both profiles over HTTP and HTTPS (ESIS with the client certificate it
//!   demands), and the TLS check failing, naming the cause, without that certificate;
//! - a 2.2-only LAS (the mock's `serve_2_2_only` setting): nothing fails, and the report
//!   says which checks do not apply;
//! - `run_cli`: the exit codes of `docs/conformance.md`, and JUnit and JSON reports that
//!   parse and agree with the run;
//! - `docs/conformance.md` documents every check of the catalogue.
//!
//! The fault-injection settings, one test each, are in `conformance_faults.rs`.

use crate::conformance_support;

use clap::Parser;
use conformance_support::{assert_green, outcome, run, served, status};
use quick_xml::events::Event;
use std::collections::BTreeMap;
use uwlr::cli::conformance::{run as run_cli, ConformanceArgs};
use uwlr::conformance::{CheckId, Status, CHECKS};
use uwlr::mock::{FaultKind, FaultSetting, Profile};

/// Over plain HTTP the only warning is transport.tls; nothing is n/a or skipped except
/// what the mock does not have (ECK-iD-less pupils make no difference; no --profiel).
#[track_caller]
fn assert_all_apply(r: &uwlr::conformance::Report, https: bool) {
    let not_pass: Vec<(CheckId, Status)> =
        r.outcomes.iter().filter(|o| o.status != Status::Pass).map(|o| (o.check, o.status)).collect();
    let mut expected = vec![(CheckId::DataProfile, Status::NotApplicable)];
    if !https {
        expected.insert(0, (CheckId::TransportTls, Status::Warn));
    }
    assert_eq!(not_pass, expected, "\n{}", r.table());
    assert_eq!(r.xsdversie, "2.3");
    assert_eq!(r.outcomes.len(), CHECKS.len());
}

#[tokio::test]
async fn green_parnassys_over_http() {
    let s = served(Profile::Parnassys, false).await;
    let r = run(&s.target().await).await;
    assert_green(&r);
    assert_all_apply(&r, false);
    assert!(outcome(&r, CheckId::TransportTls).why.contains("plain HTTP"));
    // The run wrote results for the test pupil only: roundtrip, re-send, by ECK iD.
    let res = s.las.results("99DE00").await.unwrap();
    assert_eq!(res.deliveries, 3, "roundtrip, resend and eckid were accepted; the unknown pupil was not");
    assert_eq!(res.distinct, 2, "the re-sends overwrote the two results");
    assert!(res.results.iter().all(|x| x.key.starts_with("uwlr-conformance-")));
    s.server.shutdown().await;
}

#[tokio::test]
async fn green_parnassys_over_https() {
    let s = served(Profile::Parnassys, true).await;
    let r = run(&s.target().await).await;
    assert_green(&r);
    assert_all_apply(&r, true);
    let tls = &outcome(&r, CheckId::TransportTls).why;
    assert!(tls.contains("TLS 1.3") && tls.contains("offers TLS 1.2 and TLS 1.3") && tls.contains("trusted"), "{tls}");
    s.server.shutdown().await;
}

#[tokio::test]
async fn green_esis_over_http() {
    let s = served(Profile::Esis, false).await;
    let r = run(&s.target().await).await;
    assert_green(&r);
    assert_all_apply(&r, false);
    s.server.shutdown().await;
}

#[tokio::test]
async fn green_esis_over_https_with_the_client_certificate_and_not_without() {
    let s = served(Profile::Esis, true).await;
    let t = s.target().await;
    let r = run(&t).await;
    assert_green(&r);
    assert_all_apply(&r, true);
    let tls = &outcome(&r, CheckId::TransportTls).why;
    assert!(tls.contains("asked for a client certificate and accepted ours"), "{tls}");

    // Without it: the TLS check fails and says what to do; everything else is skipped,
    // since no request gets through.
    let mut without = t.clone();
    without.client_identity_pem = None;
    let r = run(&without).await;
    conformance_support::assert_only_failure(&r, CheckId::TransportTls, &["CertificateRequired"]);
    let o = outcome(&r, CheckId::TransportTls);
    assert!(o.fix.as_deref().unwrap_or("").contains("--client-identity"), "{o:?}");
    assert_eq!(r.summary.skipped, CHECKS.len() - 1, "\n{}", r.table());
    s.server.shutdown().await;
}

#[tokio::test]
async fn a_2_2_only_las_passes_and_says_which_checks_do_not_apply() {
    let s = served(Profile::Parnassys, false).await;
    s.las.set_fault(Some(FaultSetting::always(FaultKind::Serve22Only))).unwrap();
    let mut t = s.target().await;
    t.profile = Some(uwlr::xml::Profile::SmalleSet);
    let r = run(&t).await;
    assert_green(&r);
    assert_eq!(r.xsdversie, "2.2", "the run spoke 2.2 with it");
    let na: Vec<CheckId> = r.outcomes.iter().filter(|o| o.status == Status::NotApplicable).map(|o| o.check).collect();
    assert_eq!(na, vec![CheckId::DataProfile, CheckId::Version23, CheckId::ResultsEckid], "\n{}", r.table());
    for id in na {
        assert!(outcome(&r, id).why.contains("2.2"), "{id} says why: {}", outcome(&r, id).why);
    }
    assert!(outcome(&r, CheckId::DataStrict).why.contains("xsdversie 2.2"));
    assert_eq!(status(&r, CheckId::Version22), Status::Pass);
    assert_eq!(status(&r, CheckId::FaultXsdversie), Status::Pass);
    assert_eq!(s.las.results("99DE00").await.unwrap().deliveries, 2, "roundtrip and resend, in 2.2");
    s.server.shutdown().await;
}

// ---- the command line: exit codes and report files ------------------------------------

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: ConformanceArgs,
}

fn args(list: &[&str]) -> ConformanceArgs {
    Cli::try_parse_from(std::iter::once("uwlr-conformance").chain(list.iter().copied())).unwrap().args
}

/// Parses the JUnit report: per testcase name, its outcome (`pass`, `failure`,
/// `skipped`, `warn`), and the root's counts.
fn junit(xml: &str) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let mut r = quick_xml::Reader::from_str(xml);
    r.config_mut().check_end_names = true;
    let mut cases = BTreeMap::new();
    let mut root = BTreeMap::new();
    let mut current: Option<String> = None;
    let attrs = |s: &quick_xml::events::BytesStart<'_>| -> BTreeMap<String, String> {
        s.attributes()
            .map(|a| {
                let a = a.unwrap();
                (a.key.0.to_string(), a.normalized_value(quick_xml::XmlVersion::Implicit1_0).unwrap().into_owned())
            })
            .collect()
    };
    loop {
        match r.read_event().expect("well-formed JUnit XML") {
            Event::Start(s) | Event::Empty(s) => {
                let name = s.name().0.to_string();
                match name.as_str() {
                    "testsuites" => root = attrs(&s),
                    "testcase" => {
                        let n = attrs(&s)["name"].clone();
                        cases.insert(n.clone(), "pass".to_string());
                        current = Some(n);
                    }
                    "failure" | "skipped" | "system-out" => {
                        let word = if name == "system-out" { "warn" } else { name.as_str() };
                        cases.insert(current.clone().expect("inside a testcase"), word.to_string());
                    }
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    (cases, root)
}

#[tokio::test]
async fn run_cli_exit_codes_and_valid_junit_and_json() {
    let s = served(Profile::Parnassys, false).await;
    let t = s.target().await;
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("key");
    std::fs::write(&key_file, format!("{}\n", s.key)).unwrap();
    let (junit_path, json_path) = (dir.path().join("report.xml"), dir.path().join("report.json"));
    let pupil = t.test_pupil.clone().unwrap();
    let base = vec![
        "--endpoint",
        &t.endpoint,
        "--key-file",
        key_file.to_str().unwrap(),
        "--klantcode",
        "BOOM",
        "--klantnaam",
        "Boom testcentrum",
        "--brin",
        "99DE",
        "--dependance",
        "00",
        "--schooljaar",
        "2025-2026",
        "--timing-calls",
        "2",
    ];
    let mut full = base.clone();
    let results = t.results_endpoint.clone().unwrap();
    full.extend([
        "--results-endpoint",
        &results,
        "--test-pupil",
        &pupil,
        "--other-brin",
        "99DF",
        "--junit",
        junit_path.to_str().unwrap(),
        "--json",
        json_path.to_str().unwrap(),
    ]);

    // 0: nothing failed.
    assert_eq!(run_cli(&args(&full)).await, 0);
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    assert_eq!(json["summary"]["fail"], 0);
    assert_eq!(json["outcomes"].as_array().unwrap().len(), CHECKS.len());
    assert_eq!(json["outcomes"][0]["check"], "transport.tls");
    assert_eq!(json["xsdversie"], "2.3");
    let text = std::fs::read_to_string(&json_path).unwrap() + &std::fs::read_to_string(&junit_path).unwrap();
    assert!(!text.contains(&s.key), "no report holds the key");
    let (cases, root) = junit(&std::fs::read_to_string(&junit_path).unwrap());
    assert_eq!(cases.len(), CHECKS.len());
    assert_eq!(root["tests"], CHECKS.len().to_string());
    assert_eq!(root["failures"], "0");
    assert_eq!(cases["transport.tls"], "warn");
    assert_eq!(cases["data.profile"], "skipped");
    assert_eq!(cases["fault.wrong-key"], "pass");

    // 1: a check failed; the reports say which, and agree.
    s.las.set_fault(Some(FaultSetting::times(FaultKind::MalformedXml, 1))).unwrap();
    let mut only = full.clone();
    only.extend(["--check", "data.", "--check", "wsdl."]);
    assert_eq!(run_cli(&args(&only)).await, 1);
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    let failed: Vec<&str> = json["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["status"] == "fail")
        .map(|o| o["check"].as_str().unwrap())
        .collect();
    assert_eq!(failed, vec!["data.strict"]);
    let (cases, root) = junit(&std::fs::read_to_string(&junit_path).unwrap());
    assert_eq!(cases["data.strict"], "failure");
    assert_eq!(cases["data.school"], "skipped", "not judged without an answer");
    assert_eq!(root["failures"], "1");
    assert_eq!(root["tests"], cases.len().to_string());

    // 2: the suite could not run.
    let mut bad = base.clone();
    bad.extend(["--ca", "/nonexistent/ca.pem"]);
    assert_eq!(run_cli(&args(&bad)).await, 2, "unreadable --ca");
    let mut bad = base.clone();
    bad.extend(["--check", "nothing."]);
    assert_eq!(run_cli(&args(&bad)).await, 2, "a --check that selects nothing");
    let mut bad = base.clone();
    bad.extend(["--json", "/nonexistent/dir/report.json", "--check", "wsdl.leerlinggegevens"]);
    assert_eq!(run_cli(&args(&bad)).await, 2, "an unwritable report");
    let bad: Vec<&str> = base.iter().map(|a| if *a == "99DE" { "9DE" } else { a }).collect();
    assert_eq!(run_cli(&args(&bad)).await, 2, "a malformed --brin");
    assert!(Cli::try_parse_from(["x", "--endpoint", "http://h", "--klantcode", "C"]).is_err(), "clap: 2 as well");
    s.server.shutdown().await;
}

#[test]
fn the_docs_describe_every_check() {
    let doc = include_str!("../../docs/conformance.md");
    for c in CHECKS {
        let heading = format!("### `{}`", c.name);
        assert!(doc.contains(&heading), "docs/conformance.md has no section {heading}");
    }
    for code in ["exit code", "0", "1", "2"] {
        assert!(doc.contains(code));
    }
}
