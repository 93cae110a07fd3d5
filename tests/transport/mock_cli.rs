//! `uwlr mock-las` / `uwlr mock-dashboard` as a script uses them: the printed URLs and
//! demo key, the `admin` steps, and the refusals at startup.
// libc calls (process groups, signals, umask) need `unsafe`; the library forbids it.
#![allow(unsafe_code)]

use crate::mock_support;

use mock_support::*;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use uwlr::client::{Client, ClientConfig, RetryPolicy};
use uwlr::message::leerlinggegevens::Antwoord;
use uwlr::message::values::Schooljaar;

fn uwlr() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_uwlr"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// A running mock; killed (by its own handle) when dropped.
struct Running {
    child: Child,
    lines: Vec<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Running {
    /// Starts and reads stdout until a line starting with `last` appears.
    fn start(args: &[&str], last: &str) -> Running {
        let mut child = uwlr().args(args).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
        let out = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
        let mut lines = Vec::new();
        let mut r = Running { child, lines: Vec::new() };
        loop {
            let l = rx.recv_timeout(Duration::from_secs(30)).expect("the mock prints its startup lines");
            let done = l.starts_with(last);
            lines.push(l);
            if done {
                break;
            }
        }
        r.lines = lines;
        r
    }

    fn value(&self, prefix: &str) -> String {
        let l = self.lines.iter().find(|l| l.starts_with(prefix)).unwrap_or_else(|| panic!("{:?}", self.lines));
        l.rsplit(' ').next().unwrap().to_owned()
    }
}

fn admin(args: &[&str]) -> (i32, String, String) {
    let out = uwlr().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn mock_las_prints_urls_and_a_demo_key_and_takes_admin_steps() {
    let m = Running::start(
        &["mock-las", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--admin-token", "T0k"],
        "autorisatiesleutel for",
    );
    let endpoint = m.value("UWLR endpoint:");
    let admin_url = m.value("admin API:");
    let key = m.value("autorisatiesleutel for 99DE00:");
    assert!(m.lines.iter().any(|l| l.starts_with("school: 99DE00 (200 pupils")), "{:?}", m.lines);

    let c = Client::new(ClientConfig { retry: RetryPolicy::none(), ..ClientConfig::new(endpoint) }).unwrap();
    let mut v = verzoek("99DE");
    v.schooljaar = Schooljaar::containing(chrono::Utc::now().date_naive()).unwrap();
    let a = c.haal_leerlinggegevens(&auth(&key), &v).await.unwrap();
    assert!(matches!(a.value, Antwoord::Gegevens(ref d) if d.leerlingen.len() == 200));

    let base = ["mock-las", "admin", "--admin-url", &admin_url, "--token", "T0k"];
    let run = |extra: &[&str]| admin(&[&base[..], extra].concat());
    let (code, out, _) = run(&["issue-key", "--school", "99DE00"]);
    assert_eq!(code, 0);
    let issued: serde_json::Value = serde_json::from_str(&out).unwrap();
    let new_key = issued["autorisatiesleutel"].as_str().unwrap().to_owned();
    assert!(c.haal_leerlinggegevens(&auth(&key), &v).await.is_err(), "the demo key was replaced");
    assert!(c.haal_leerlinggegevens(&auth(&new_key), &v).await.is_ok());

    let (code, out, _) =
        run(&["add-pupil", "--school", "99DE00", "--key", "X1", "--roepnaam", "Fenna", "--jaargroep", "5"]);
    assert_eq!(code, 0, "{out}");
    let (code, _, _) = run(&["rename-pupil", "--school", "99DE00", "--key", "X1", "--achternaam", "de Boer"]);
    assert_eq!(code, 0);
    let (code, out, _) = run(&["pupils", "--school", "99DE00"]);
    assert_eq!(code, 0);
    assert!(out.contains("\"de Boer\""));
    let (code, out, _) = run(&["fault", "--set", "http:503", "--count", "1"]);
    assert_eq!(code, 0);
    assert!(out.contains("http_status"));
    assert!(c.haal_leerlinggegevens(&auth(&new_key), &v).await.is_err());
    assert!(c.haal_leerlinggegevens(&auth(&new_key), &v).await.is_ok());
    let (code, _, err) = run(&["remove-pupil", "--school", "99DE00", "--key", "nobody"]);
    assert_eq!(code, 1);
    assert!(err.contains("404"), "{err}");
    let (code, _, _) = admin(&["mock-las", "admin", "--admin-url", &admin_url, "--token", "wrong", "schools"]);
    assert_eq!(code, 1);
}

#[test]
fn esis_over_tls_without_client_ca_is_refused_at_startup() {
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("c.pem");
    std::fs::write(&cert, "not used").unwrap();
    let out = uwlr()
        .args(["mock-las", "--profile", "esis", "--listen", "127.0.0.1:0"])
        .arg("--tls-cert")
        .arg(&cert)
        .arg("--tls-key")
        .arg(&cert)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--client-ca"));
}

#[test]
fn a_bad_config_is_refused_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("mock.toml");
    std::fs::write(&cfg, "[[school]]\nbrincode = \"99de\"\n").unwrap();
    let out = uwlr().args(["mock-las", "--listen", "127.0.0.1:0", "--config"]).arg(&cfg).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("brincode '99de'"));
}

#[tokio::test(flavor = "multi_thread")]
async fn config_file_with_preissued_key_and_dashboard() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("las.toml");
    std::fs::write(
        &cfg,
        r#"
        profile = "esis"
        [[klant]]
        klantcode = "BOOM"
        klantnaam = "Boom testcentrum"
        [[school]]
        brincode = "99QQ"
        pupils = 12
        schooljaar = "2025-2026"
        [[key]]
        autorisatiesleutel = "scripted-key-99QQ"
        schools = ["99QQ00"]
        "#,
    )
    .unwrap();
    let arg = cfg.to_str().unwrap();
    let m = Running::start(&["mock-las", "--listen", "127.0.0.1:0", "--config", arg], "school:");
    assert!(m.lines.iter().any(|l| l == "profile: esis"), "{:?}", m.lines);
    assert!(!m.lines.iter().any(|l| l.contains("scripted-key-99QQ")), "config keys are not printed");
    let c = Client::new(ClientConfig { retry: RetryPolicy::none(), ..ClientConfig::new(m.value("UWLR endpoint:")) })
        .unwrap();
    let a = c.haal_leerlinggegevens(&auth("scripted-key-99QQ"), &verzoek("99QQ")).await.unwrap();
    assert!(matches!(a.value, Antwoord::Gegevens(ref d) if d.leerlingen.len() == 12));

    let d = Running::start(
        &[
            "mock-dashboard",
            "--kind",
            "focuspo",
            "--listen",
            "127.0.0.1:0",
            "--admin-listen",
            "127.0.0.1:0",
            "--admin-token",
            "D",
        ],
        "school:",
    );
    let url = d.value("admin API:");
    let (code, out, _) = admin(&[
        "mock-dashboard",
        "admin",
        "--admin-url",
        &url,
        "--token",
        "D",
        "issue-key",
        "--school",
        "99DE00",
        "--key",
        "khasgdkj76&g7d^%$gjhsdd",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("khasgdkj76&g7d^%$gjhsdd"));
    let (code, out, _) = admin(&[
        "mock-dashboard",
        "admin",
        "--admin-url",
        &url,
        "--token",
        "D",
        "add-numbers",
        "--school",
        "99DE00",
        "--nummer",
        "4866010819",
    ]);
    assert_eq!(code, 0, "{out}");
    let (code, out, _) = admin(&["mock-dashboard", "admin", "--admin-url", &url, "--token", "D", "schools"]);
    assert_eq!(code, 0);
    assert!(out.contains("4866010819") && !out.contains("khasgdkj76"), "{out}");
}

/// `uwlr mock-las` listens through `server::bind`, with its backlog of 1024 (a plain tokio
/// bind asks for 128): while the process is stopped and accepts nothing, 400 connections
/// still complete their handshake in the kernel's queue.
#[test]
fn mock_las_listens_with_the_servers_backlog() {
    let m = Running::start(&["mock-las", "--listen", "127.0.0.1:0"], "autorisatiesleutel for");
    let url = m.value("UWLR endpoint:");
    let addr: std::net::SocketAddr = url.trim_start_matches("http://").trim_end_matches("/uwlr").parse().unwrap();
    let pid = m.child.id() as libc::pid_t;
    // SAFETY: signals to the child this test started and still holds.
    unsafe { libc::kill(pid, libc::SIGSTOP) };
    let stopped = || {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        stat.rsplit(") ").next().is_some_and(|rest| rest.starts_with('T'))
    };
    for _ in 0..100 {
        if stopped() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(stopped(), "the mock did not stop");
    let mut held = Vec::new();
    let mut refused_at = None;
    for i in 0..400 {
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(500)) {
            Ok(s) => held.push(s),
            Err(_) => {
                refused_at = Some(i);
                break;
            }
        }
    }
    unsafe { libc::kill(pid, libc::SIGCONT) };
    assert_eq!(refused_at, None, "the kernel's queue was full after {} connections", held.len());
}

/// `--journal-served DIR`: every exchange the mock serves goes into the gateway journal in
/// DIR (served, no link, the key masked), where `uwlr exchange` reads it.
#[tokio::test(flavor = "multi_thread")]
async fn mock_las_journals_what_it_serves_into_a_gateway_journal() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("gateway");
    let data_arg = data.to_str().unwrap();
    let m = Running::start(
        &["mock-las", "--listen", "127.0.0.1:0", "--journal-served", data_arg],
        "autorisatiesleutel for",
    );
    assert!(m.lines.iter().any(|l| l.starts_with("served exchanges journaled into")), "{:?}", m.lines);
    let endpoint = m.value("UWLR endpoint:");
    let key = m.value("autorisatiesleutel for 99DE00:");
    let c = Client::new(ClientConfig { retry: RetryPolicy::none(), ..ClientConfig::new(endpoint) }).unwrap();
    let mut v = verzoek("99DE");
    v.schooljaar = Schooljaar::containing(chrono::Utc::now().date_naive()).unwrap();
    c.haal_leerlinggegevens(&auth(&key), &v).await.unwrap();

    // Written after the answer went out: looked for until it is there.
    let list = |extra: &[&str]| admin(&[&["exchange", "list", "--data-dir", data_arg, "--json"][..], extra].concat());
    let mut rows = serde_json::Value::Null;
    for _ in 0..200 {
        let (code, out, err) = list(&["--served"]);
        if code == 0 {
            rows = serde_json::from_str(&out).unwrap();
            if rows.as_array().is_some_and(|r| !r.is_empty()) {
                break;
            }
        } else {
            assert!(err.contains("holds no gateway database"), "{err}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let row = &rows[0];
    assert_eq!(
        (row["direction"].as_str(), row["location"].as_str(), row["operation"].as_str(), row["http_status"].as_i64()),
        (Some("served"), Some("99DE00"), Some("HaalLeerlinggegevens"), Some(200)),
        "{rows}"
    );
    assert!(row["koppeling_id"].is_null(), "{rows}");
    let id = row["id"].as_i64().unwrap().to_string();
    let (code, out, _) = admin(&["exchange", "show", &id, "--data-dir", data_arg]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("served for 99DE00") && out.contains("***REDACTED***"), "{out}");
    assert!(!out.contains(&key), "the key in `exchange show`");
    drop(m);
}
