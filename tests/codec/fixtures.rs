//! Every fixture in `fixtures/`: valid ones decode (strict), invalid ones fail with exactly
//! the diagnostics in their `.expected` file, lenient ones fail strict and pass lenient
//! with the warnings in their `.expected` file. `UWLR_BLESS=1` rewrites the expected files
//! (review the diff before committing).

use std::fs;
use std::path::{Path, PathBuf};
use uwlr::{DecodeOptions, Diagnostic};

fn files(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(dir);
    let mut v: Vec<PathBuf> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no fixtures in {}", root.display());
    v
}

fn render(diags: &[Diagnostic]) -> String {
    diags
        .iter()
        .map(|d| {
            let p = d.position.expect("every decode diagnostic has a position");
            let sev = if d.is_error() { "error" } else { "warning" };
            format!("{}:{}: {}: {sev}: {}\n", p.line, p.column, d.path, d.message)
        })
        .collect()
}

fn check_expected(xml: &Path, got: &str) {
    let exp_path = xml.with_extension("expected");
    if std::env::var_os("UWLR_BLESS").is_some() {
        fs::write(&exp_path, got).unwrap();
        return;
    }
    let want = fs::read_to_string(&exp_path).unwrap_or_else(|_| panic!("{} has no .expected file", xml.display()));
    assert_eq!(got, want, "diagnostics of {} differ from {}", xml.display(), exp_path.display());
}

#[test]
fn valid_fixtures_decode_strictly() {
    for f in files("valid") {
        let bytes = fs::read(&f).unwrap();
        match uwlr::decode(&bytes, &DecodeOptions::strict()) {
            Ok(d) => assert!(d.warnings.is_empty(), "{}: warnings {:?}", f.display(), d.warnings),
            Err(e) => panic!("{} should be valid: {e}", f.display()),
        }
    }
}

#[test]
fn invalid_fixtures_fail_with_the_expected_errors() {
    for f in files("invalid") {
        let bytes = fs::read(&f).unwrap();
        let err = uwlr::decode(&bytes, &DecodeOptions::strict()).expect_err(&f.display().to_string());
        // Lenient mode is no escape for these: they are wrong in substance, not in form.
        assert!(uwlr::decode(&bytes, &DecodeOptions::lenient()).is_err(), "{} passes lenient", f.display());
        check_expected(&f, &render(&err.diagnostics));
    }
}

#[test]
fn lenient_fixtures_fail_strict_and_pass_lenient_with_warnings() {
    for f in files("lenient") {
        let bytes = fs::read(&f).unwrap();
        assert!(uwlr::decode(&bytes, &DecodeOptions::strict()).is_err(), "{} passes strict", f.display());
        let d = uwlr::decode(&bytes, &DecodeOptions::lenient()).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        assert!(!d.warnings.is_empty());
        check_expected(&f, &render(&d.warnings));
    }
}

/// A byte order mark changes nothing: valid fixtures decode to the same message, invalid
/// ones give the same diagnostics at the same lines and columns, their byte offsets three
/// further on.
#[test]
fn a_byte_order_mark_changes_nothing() {
    let with_bom = |bytes: &[u8]| [&b"\xEF\xBB\xBF"[..], bytes].concat();
    for f in files("valid") {
        let bytes = fs::read(&f).unwrap();
        let plain = uwlr::decode(&bytes, &DecodeOptions::strict()).unwrap();
        let bom = uwlr::decode(&with_bom(&bytes), &DecodeOptions::strict())
            .unwrap_or_else(|e| panic!("{} with a BOM: {e}", f.display()));
        assert_eq!((bom.header, bom.body), (plain.header, plain.body), "{}", f.display());
    }
    for f in files("invalid") {
        let bytes = fs::read(&f).unwrap();
        let plain = uwlr::decode(&bytes, &DecodeOptions::strict()).unwrap_err();
        let bom = uwlr::decode(&with_bom(&bytes), &DecodeOptions::strict()).unwrap_err();
        assert_eq!(render(&bom.diagnostics), render(&plain.diagnostics), "{}", f.display());
        let offsets = |e: &uwlr::DecodeError| e.diagnostics.iter().map(|d| d.offset.map(|o| o + 3)).collect::<Vec<_>>();
        let shifted: Vec<_> = bom.diagnostics.iter().map(|d| d.offset).collect();
        assert_eq!(shifted, offsets(&plain), "{}", f.display());
    }
}
