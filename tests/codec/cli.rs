//! The `uwlr` binary as a user runs it: output format and exit codes.

use std::process::Command;

fn uwlr(args: &[&str]) -> (i32, String, String) {
    let out =
        Command::new(env!("CARGO_BIN_EXE_uwlr")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn validate_exit_codes_and_format() {
    let (code, out, _) = uwlr(&["validate", "fixtures/valid/leerlinggegevens_verzoek.xml"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("valid leerlinggegevens_verzoek"));

    let (code, out, _) = uwlr(&["validate", "fixtures/invalid/verzoek_gaps.xml"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("fixtures/invalid/verzoek_gaps.xml:3:3: /leerlinggegevens_verzoek/schooljaar: error: <schooljaar>: '2024-2026'"),
        "{out}"
    );

    let (code, _, err) = uwlr(&["validate", "does/not/exist.xml"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read"));

    let (code, _, _) = uwlr(&["validate", "--profile", "wide-set", "x.xml"]);
    assert_eq!(code, 2);
}

#[test]
fn lenient_reports_warnings_and_passes() {
    let (code, out, _) = uwlr(&["validate", "--lenient", "fixtures/lenient/real_world_answer.xml"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(":6:7: /leerlinggegevens_antwoord/leerlinggegevens/school/schooljaar: warning:"), "{out}");
}

#[test]
fn profile_check_names_what_the_profile_forbids() {
    let (code, out, _) =
        uwlr(&["validate", "--profile", "smalle-set", "fixtures/valid/leerlinggegevens_antwoord_vol.xml"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("Smalle set: <"), "{out}");
}

#[test]
fn generate_is_deterministic_and_valid() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.xml");
    let b = dir.path().join("b.xml");
    for p in [&a, &b] {
        let (code, _, err) =
            uwlr(&["generate", "school", "--pupils", "120", "--seed", "9", "--out", p.to_str().unwrap()]);
        assert_eq!(code, 0, "{err}");
    }
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let (code, out, _) = uwlr(&["validate", a.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    let (code, out, _) = uwlr(&["generate", "results", "--pupils", "20", "--envelope"]);
    assert_eq!(code, 0);
    assert!(out.contains("<soap:Envelope") && out.contains("<leerresultaten_verzoek"));
}

#[test]
fn demo_runs_the_import_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let (code, out, err) = uwlr(&["demo", "--data-dir", data.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("4 changes (2 new, 1 changed, 1 leaver), nothing else"), "{out}");
    assert!(data.join("uwlr.sqlite3").exists(), "the demo leaves its database");
    let (code, out, err) = uwlr(&["koppeling", "list", "--data-dir", data.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("99DE00") && out.contains("active"), "{out}");
}
