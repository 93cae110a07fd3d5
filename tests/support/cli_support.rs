//! Running the built `uwlr` binary against a data folder, as an operator does, and reading
//! its answer: shared by the CLI tests of the gateway commands.

#![allow(dead_code)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// What one run printed, and how it ended.
pub struct Run {
    pub code: i32,
    pub out: String,
    pub err: String,
}

/// Runs `uwlr ARGS --data-dir DIR` with `stdin` on standard input, away from any
/// `UWLR_DATA_DIR` / `UWLR_DATABASE` of the environment.
pub fn uwlr(dir: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_uwlr"))
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .env_remove("UWLR_DATA_DIR")
        .env_remove("UWLR_DATABASE")
        .env("USER", "tester")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut input = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            input.write_all(s.as_bytes()).unwrap();
        }
    }
    let o = child.wait_with_output().unwrap();
    Run {
        code: o.status.code().unwrap_or(-1),
        out: String::from_utf8_lossy(&o.stdout).into_owned(),
        err: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// A success: its standard output.
pub fn ok(r: &Run) -> &str {
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.out, r.err);
    &r.out
}

/// A refusal: the exit code, and exactly one line on standard error.
pub fn refused(r: &Run, code: i32) -> &str {
    assert_eq!(r.code, code, "stdout:\n{}\nstderr:\n{}", r.out, r.err);
    assert_eq!(r.err.lines().count(), 1, "one line: {:?}", r.err);
    assert!(r.err.starts_with("uwlr: "), "{:?}", r.err);
    &r.err
}

/// The common start of the exchange commands' tests: `99DE00`'s 2025-2026 ParnasSys link
/// requested with `key` on standard input, approved (it is link 1) and fetched once.
pub fn link_and_fetch(run: &mut impl FnMut(&[&str], Option<&str>) -> Run, endpoint: &str, key: &str) {
    let request = [
        "koppeling",
        "request",
        "--location",
        "99DE00",
        "--schooljaar",
        "2025-2026",
        "--kind",
        "parnassys",
        "--endpoint",
        endpoint,
        "--key-stdin",
    ];
    ok(&run(&request, Some(key)));
    ok(&run(&["koppeling", "approve", "1"], None));
    ok(&run(&["import", "fetch", "1"], None));
}
