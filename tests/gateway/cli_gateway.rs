//! The gateway commands as an operator runs them: the built `uwlr` binary against a data
//! folder and a mock ParnasSys served in this process. Request with the key on standard
//! input, approve, fetch, decide, apply, records, audit, JSON output, refusals with their
//! exit codes and one-line messages, clear-numbers then accept every suggestion, and the key
//! in no output at all.
// libc calls (process groups, signals, umask) need `unsafe`; the library forbids it.
#![allow(unsafe_code)]

use crate::cli_support::{self, ok, refused, Run};
use crate::serve_support;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use uwlr::message::values::Schooljaar;
use uwlr::mock::las::{IssueKeyRequest, SchoolSetup};
use uwlr::mock::{Klant, MockLas, Profile};
use uwlr::server::{bind, serve, RunningServer, ServerConfig};

/// Runs `uwlr ARGS --data-dir DIR`, with `stdin` on standard input; keeps every byte it
/// printed in `seen`, so the test can look for the key in all of it at the end.
fn uwlr(dir: &Path, args: &[&str], stdin: Option<&str>, seen: &mut String) -> Run {
    let run = cli_support::uwlr(dir, args, stdin);
    seen.push_str(&run.out);
    seen.push_str(&run.err);
    run
}

struct Las {
    las: MockLas,
    server: RunningServer,
    endpoint: String,
}

async fn mock_las() -> Las {
    mock_las_in(Schooljaar::new(2025).unwrap(), 30).await
}

async fn mock_las_in(year: Schooljaar, pupils: usize) -> Las {
    let las = MockLas::builder(Profile::Parnassys)
        .klant(Klant::boom())
        .school(SchoolSetup::generated("99DE", "00", pupils, 3, year))
        .build()
        .unwrap();
    let server = serve(Arc::new(las.clone()), bind("127.0.0.1:0".parse().unwrap()).unwrap(), ServerConfig::default())
        .await
        .unwrap();
    let endpoint = format!("{}/uwlr", server.base_url());
    Las { las, server, endpoint }
}

#[test]
fn request_approve_fetch_decide_apply_records_and_audit() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let las = rt.block_on(mock_las());
    let key = rt.block_on(las.las.issue_key("99DE00", &IssueKeyRequest::default())).unwrap().autorisatiesleutel;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("gateway");
    let mut seen = String::new();

    // Nothing there yet: a mistyped folder is refused, not silently made.
    let r = uwlr(&dir, &["koppeling", "list"], None, &mut seen);
    assert!(refused(&r, 2).contains("holds no gateway database"), "{}", r.err);
    // A key is never an argument (and the refusal does not repeat it).
    let r = uwlr(&dir, &["koppeling", "set-key", "1", "--key", &key], None, &mut seen);
    assert_eq!(r.code, 2, "{}", r.err);
    assert!(r.err.contains("--key-stdin"), "{}", r.err);

    // The school admin requests the link with the key ParnasSys showed, on standard input.
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
        &las.endpoint,
        "--key-stdin",
        "--actor",
        "admin@school",
    ];
    let r = uwlr(&dir, &request, Some(&format!("  {key}\n")), &mut seen);
    let out = ok(&r);
    assert!(out.contains("koppeling 1: 99DE00 2025-2026 ParnasSys UWLR, requested, key entered"), "{out}");
    assert!(out.contains("uwlr koppeling approve 1 --data-dir"), "the next step, reaching the same folder: {out}");

    // Not active yet: fetching is refused (exit 1), with what is missing.
    let r = uwlr(&dir, &["import", "fetch", "1"], None, &mut seen);
    assert!(refused(&r, 1).contains("koppeling 1 is requested"), "{}", r.err);

    let r = uwlr(&dir, &["koppeling", "approve", "1", "--actor", "support@boom"], None, &mut seen);
    assert!(ok(&r).contains("koppeling 1: 99DE00 2025-2026 ParnasSys UWLR, active, key entered"), "{}", r.out);
    // Approving twice is a lifecycle conflict.
    let r = uwlr(&dir, &["koppeling", "approve", "1"], None, &mut seen);
    assert!(refused(&r, 1).contains("support already decided on it"), "{}", r.err);
    // A second LAS link for the same school and year is refused.
    let r = uwlr(&dir, &request, Some(&key), &mut seen);
    assert!(refused(&r, 1).contains("already has a LAS koppeling"), "{}", r.err);

    let r = uwlr(&dir, &["koppeling", "list", "--json"], None, &mut seen);
    let list: serde_json::Value = serde_json::from_str(ok(&r)).unwrap();
    assert_eq!(list[0]["status"], "active");
    assert_eq!(list[0]["has_key"], true);

    // The first fetch: everything new. Standard error is no terminal here: no spinner.
    let r = uwlr(&dir, &["import", "fetch", "1", "--full"], None, &mut seen);
    let out = ok(&r);
    assert!(r.err.is_empty(), "no spinner output into a pipe: {:?}", r.err);
    assert!(out.contains("fetch 1 through koppeling 1 (full): the LAS sent 30 leerlingen"), "{out}");
    assert!(out.contains("proposal 1, open"), "{out}");
    assert!(out.contains("LEERLINGEN: 30 new"), "{out}");

    // Decide on two records, in one go and in the order given.
    let data = rt.block_on(las.las.data("99DE00")).unwrap();
    let pupil = data.leerlingen[0].key.clone().unwrap();
    let teacher = data.leerkrachten[0].key.clone();
    let skip = format!("leerlingen/{pupil}");
    let email = format!("leerkrachten/{teacher}=new.address@school.example");
    let r = uwlr(&dir, &["import", "decide", "1", "--skip", &skip, "--email", &email, "--rows", "2"], None, &mut seen);
    let out = ok(&r);
    assert!(out.contains(&format!("1. skip {skip}")), "{out}");
    assert!(out.contains(&format!("2. e-mail leerkrachten/{teacher}: new.address@school.example")), "{out}");
    assert!(out.contains("LEERLINGEN: 29 new, 0 changed, 0 unchanged, 1 to skip"), "{out}");
    assert!(out.contains("… and 28 more"), "at most 2 rows per tab: {out}");
    // A decision the proposal cannot take is refused with the record it is about.
    let r = uwlr(&dir, &["import", "decide", "1", "--link", "leerlingen/NOPE=4"], None, &mut seen);
    assert!(refused(&r, 1).contains("leerlingen/NOPE: no such record"), "{}", r.err);
    // A malformed one is a usage error.
    let r = uwlr(&dir, &["import", "decide", "1", "--skip", "pupils/X"], None, &mut seen);
    assert_eq!(r.code, 2, "{}", r.err);

    let r = uwlr(&dir, &["import", "show", "1", "--json"], None, &mut seen);
    let view: serde_json::Value = serde_json::from_str(ok(&r)).unwrap();
    assert_eq!(view["status"], "open");
    assert_eq!(view["decisions"].as_array().unwrap().len(), 2);

    let r = uwlr(&dir, &["import", "apply", "1"], None, &mut seen);
    let out = ok(&r);
    assert!(out.contains("applied proposal 1"), "{out}");
    assert!(out.contains("leerlingen    created 29, updated 0, skipped 1, deactivated 0"), "{out}");
    let r = uwlr(&dir, &["import", "apply", "1"], None, &mut seen);
    assert!(refused(&r, 1).contains("proposal 1 is applied"), "{}", r.err);

    // The records, as tables and as JSON.
    let r = uwlr(&dir, &["school", "records", "99DE00"], None, &mut seen);
    let out = ok(&r);
    assert!(out.contains("LEERLINGEN: 29 (29 active)"), "{out}");
    assert!(out.contains("new.address@school.example"), "{out}");
    assert!(!out.contains(&format!("  {pupil}\n")), "the skipped pupil was not imported: {out}");
    let r = uwlr(&dir, &["school", "records", "99DE00", "--json"], None, &mut seen);
    let records: serde_json::Value = serde_json::from_str(ok(&r)).unwrap();
    assert_eq!(records["leerlingen"].as_array().unwrap().len(), 29);
    assert_eq!(records["skipped"][0]["key"], pupil.as_str());

    // The audit trail names who did what.
    let r = uwlr(&dir, &["koppeling", "audit", "--location", "99DE00"], None, &mut seen);
    let out = ok(&r);
    for (actor, action) in [
        ("admin@school", "request"),
        ("admin@school", "set-key"),
        ("support@boom", "approve"),
        ("tester", "fetch-full"),
        ("tester", "decide"),
        ("tester", "apply"),
    ] {
        assert!(out.lines().any(|l| l.contains(actor) && l.contains(action)), "{actor} {action} in:\n{out}");
    }

    // The school sets a new key in ParnasSys: the old one stops working. Fetching is now
    // the LAS refusing: exit 3.
    let new_key = rt.block_on(las.las.issue_key("99DE00", &IssueKeyRequest::default())).unwrap().autorisatiesleutel;
    let r = uwlr(&dir, &["import", "fetch", "1"], None, &mut seen);
    assert!(refused(&r, 3).contains("Client.AutorisatieOngeldig"), "{}", r.err);
    // Rotating from a file fixes it.
    let key_file = tmp.path().join("key.txt");
    std::fs::write(&key_file, format!("{new_key}\n")).unwrap();
    let r = uwlr(&dir, &["koppeling", "rotate", "1", "--key-file", key_file.to_str().unwrap()], None, &mut seen);
    ok(&r);
    let r = uwlr(&dir, &["import", "fetch", "1"], None, &mut seen);
    assert!(ok(&r).contains("(delta)"), "{}", r.out);
    // A koppeling that does not exist.
    let r = uwlr(&dir, &["koppeling", "revoke", "42"], None, &mut seen);
    assert!(refused(&r, 1).contains("42"), "{}", r.err);

    // Mail: the invitations of the import, as files.
    let r = uwlr(&dir, &["mail", "send"], None, &mut seen);
    assert!(ok(&r).contains("sent "), "{}", r.out);
    assert!(std::fs::read_dir(dir.join("mail")).unwrap().count() > 0);

    // "Verwijder nummers", then a full fetch: every pupil is undecided, the apply is
    // refused naming them, and accepting every suggestion lets it through without a
    // duplicate.
    ok(&uwlr(&dir, &["school", "clear-numbers", "99DE00"], None, &mut seen));
    let r = uwlr(&dir, &["import", "fetch", "1", "--rows", "1"], None, &mut seen);
    let out = ok(&r);
    // The groups (same name) and teachers (same e-mail or name) too: 7 + 11 + 29.
    assert!(out.contains("UNDECIDED: 47 new record(s) look like known ones"), "{out}");
    assert!(out.contains("uwlr import decide 3 --accept-suggestions --data-dir"), "{out}");
    let r = uwlr(&dir, &["import", "apply", "3"], None, &mut seen);
    let e = refused(&r, 1);
    assert!(e.contains("47 new record(s)") && e.contains("same name and birth date as"), "{e}");
    let r = uwlr(&dir, &["import", "decide", "3", "--accept-suggestions", "--rows", "1"], None, &mut seen);
    assert!(!ok(&r).contains("UNDECIDED"), "{}", r.out);
    ok(&uwlr(&dir, &["import", "apply", "3"], None, &mut seen));
    let r = uwlr(&dir, &["school", "records", "99DE00"], None, &mut seen);
    assert!(ok(&r).contains("LEERLINGEN: 30 (30 active)"), "29 linked again, the skipped one new: {}", r.out);
    assert!(r.out.contains("GROEPEN: 7 (7 active)") && r.out.contains("LEERKRACHTEN: 11 (11 active)"), "{}", r.out);

    // Archiving by hand, in bulk, and back.
    let r = uwlr(&dir, &["school", "records", "99DE00", "--json"], None, &mut seen);
    let records: serde_json::Value = serde_json::from_str(ok(&r)).unwrap();
    let ids: Vec<String> = records["leerlingen"].as_array().unwrap()[..2].iter().map(|p| p["id"].to_string()).collect();
    let both = ids.join(",");
    let r = uwlr(&dir, &["school", "archive", "99DE00", "--leerlingen", &both, "--reason", "left"], None, &mut seen);
    assert!(ok(&r).contains(&format!("archived 2 leerling(en) of 99DE00 ({})", ids.join(", "))), "{}", r.out);
    let r = uwlr(&dir, &["school", "deactivated", "99DE00"], None, &mut seen);
    assert!(ok(&r).contains("DEACTIVATED LEERLINGEN: 2"), "{}", r.out);
    let r = uwlr(&dir, &["school", "archive", "99DE00", "--leerlingen", &ids[0]], None, &mut seen);
    assert!(refused(&r, 1).contains("already deactivated"), "{}", r.err);
    let r = uwlr(&dir, &["school", "reactivate", "99DE00", "--leerlingen", &both], None, &mut seen);
    assert!(ok(&r).contains("reactivated 2 leerling(en)"), "{}", r.out);

    // Not one byte of output held either key.
    assert!(!seen.contains(&key), "the first key leaked into the output");
    assert!(!seen.contains(&new_key), "the second key leaked into the output");
    rt.block_on(las.server.shutdown());
}

#[test]
fn serve_fetches_on_schedule_serves_the_api_and_stops_on_sigterm() {
    use std::io::{BufRead, BufReader};
    use std::time::{Duration, Instant};
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let las = rt.block_on(mock_las());
    let key = rt.block_on(las.las.issue_key("99DE00", &IssueKeyRequest::default())).unwrap().autorisatiesleutel;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("gateway");
    let mut seen = String::new();
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
        &las.endpoint,
        "--key-stdin",
    ];
    ok(&uwlr(&dir, &request, Some(&key), &mut seen));
    ok(&uwlr(&dir, &["koppeling", "approve", "1"], None, &mut seen));

    let mut child = Command::new(env!("CARGO_BIN_EXE_uwlr"))
        .args(["serve", "--listen", "127.0.0.1:0", "--fetch-every", "1h", "--data-dir"])
        .arg(&dir)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let url = first.trim().strip_prefix("admin API: ").unwrap_or_else(|| panic!("{first:?}")).to_string();
    assert!(url.starts_with("http://127.0.0.1:") && url.ends_with("/api/v1"), "{url}");

    // The API answers, and the token guards it.
    let token = std::fs::read_to_string(dir.join("admin.token")).unwrap().trim().to_string();
    let client = reqwest::Client::new();
    let health = rt.block_on(client.get(format!("{url}/health")).send()).unwrap();
    assert_eq!(health.status(), 200);
    let guarded = rt.block_on(client.get(format!("{url}/koppelingen")).send()).unwrap();
    assert_eq!(guarded.status(), 401);

    // The scheduler fetched through the active link at start: a proposal waits.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = rt.block_on(client.get(format!("{url}/koppelingen/1/proposal")).bearer_auth(&token).send()).unwrap();
        if r.status() == 200 {
            let body: serde_json::Value = serde_json::from_str(&rt.block_on(r.text()).unwrap()).unwrap();
            assert_eq!(body["status"], "open", "{body}");
            break;
        }
        assert!(Instant::now() < deadline, "no proposal from the scheduled fetch: {}", r.status());
        std::thread::sleep(Duration::from_millis(100));
    }

    // SIGTERM: a clean stop, exit 0.
    let serve_support::Stopped { status, out: rest, err } = serve_support::stop(&mut child, &mut stdout);
    assert!(status.success(), "{status:?}\n{err}");
    assert!(rest.contains("admin token created and stored in"), "{rest}");
    assert!(err.contains("scheduled fetch: a proposal waits for review"), "{err}");
    assert!(err.contains("stopped"), "{err}");
    for output in [&first, &rest, &err, &seen] {
        assert!(!output.contains(&token), "the admin token leaked");
        assert!(!output.contains(&key), "the koppeling key leaked");
    }
    rt.block_on(las.server.shutdown());
}

/// The school-year commands on the real date: the year before today's is linked, so today's
/// year is due, by the admin in August and September (`prepare`) or else by the gateway
/// (`tick`); applying its import completes it; preparing again waits for next August.
#[test]
fn the_school_year_commands_start_list_complete_and_refuse() {
    use uwlr::school_year::{window, Window};
    let today = uwlr::clock::dutch_date(chrono::Utc::now());
    let this = Schooljaar::containing(today).unwrap();
    let last = Schooljaar::new(this.start() - 1).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let las = rt.block_on(mock_las_in(this, 12));
    let key = rt.block_on(las.las.issue_key("99DE00", &IssueKeyRequest::default())).unwrap().autorisatiesleutel;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("gateway");
    let mut seen = String::new();
    let last = last.to_string();
    let request = ["koppeling", "request", "--location", "99DE00", "--schooljaar", &last, "--kind", "parnassys"];
    let r = uwlr(&dir, &[&request[..], &["--endpoint", &las.endpoint, "--key-stdin"]].concat(), Some(&key), &mut seen);
    ok(&r);
    ok(&uwlr(&dir, &["koppeling", "approve", "1"], None, &mut seen));
    let r = uwlr(&dir, &["school", "year", "list", "99DE00"], None, &mut seen);
    assert!(ok(&r).contains("no school year was started at 99DE00 yet"), "{}", r.out);

    let this = this.to_string();
    let r = if matches!(window(Schooljaar::parse(&this).unwrap(), today), Window::Open { .. }) {
        let r = uwlr(&dir, &["school", "year", "prepare", "99DE00", "--actor", "admin@school"], None, &mut seen);
        assert!(ok(&r).contains(&format!("school year {this} started at 99DE00\n")), "{}", r.out);
        r
    } else {
        // Too late to prepare: the gateway's pass starts it.
        let r = uwlr(&dir, &["school", "year", "prepare", "99DE00"], None, &mut seen);
        assert!(refused(&r, 1).contains(&format!("preparing school year {this} was possible until")), "{}", r.err);
        let r = uwlr(&dir, &["school", "year", "tick"], None, &mut seen);
        assert!(ok(&r).contains(&format!("started 1 school year(s)\n  99DE00 {this}: koppelingen 1 → 2")), "{}", r.out);
        let again = uwlr(&dir, &["school", "year", "tick"], None, &mut seen);
        assert!(ok(&again).contains("nothing to do"), "{}", again.out);
        r
    };
    assert!(r.out.contains("proposal 1 waits") || r.out.contains("waits as proposal 1"), "{}", r.out);
    let r = uwlr(&dir, &["school", "year", "list", "99DE00", "--json"], None, &mut seen);
    let years: serde_json::Value = serde_json::from_str(ok(&r)).unwrap();
    assert_eq!((years[0]["schooljaar"].as_str(), years[0]["completed_at"].is_null()), (Some(this.as_str()), true));

    ok(&uwlr(&dir, &["import", "apply", "1"], None, &mut seen));
    let r = uwlr(&dir, &["school", "year", "list", "99DE00", "--json"], None, &mut seen);
    let years: serde_json::Value = serde_json::from_str(ok(&r)).unwrap();
    assert!(years[0]["completed_at"].is_string(), "{years}");
    let r = uwlr(&dir, &["school", "records", "99DE00", "--schooljaar", &this], None, &mut seen);
    assert!(ok(&r).contains("LEERLINGEN: 12 (12 active)"), "{}", r.out);
    assert!(!r.out.contains("is closed"), "{}", r.out);
    let r = uwlr(&dir, &["school", "records", "99DE00", "--schooljaar", &last], None, &mut seen);
    let closed = format!("school year {last} is closed: {this} was completed on {today}.");
    assert!(ok(&r).starts_with(&closed), "{}", r.out);
    let next = format!("1 August {}", this.split('-').nth(1).unwrap());
    let r = uwlr(&dir, &["school", "year", "prepare", "99DE00"], None, &mut seen);
    assert!(refused(&r, 1).contains(&format!("can be prepared from {next} on")), "{}", r.err);

    // The Boom numbers for a dashboard's bulk import, and merging two records.
    let r = uwlr(&dir, &["school", "numbers", "99DE00", "--format", "csv"], None, &mut seen);
    let csv = ok(&r);
    assert!(csv.starts_with("boom_nummer,naam,groep,jaargroep,leerling_id\n") && csv.lines().count() == 13, "{csv}");
    let r = uwlr(&dir, &["school", "merge", "99DE00", "1", "2", "--actor", "admin@school"], None, &mut seen);
    assert!(ok(&r).contains("pupil 2 merged into pupil 1"), "{}", r.out);
    let r = uwlr(&dir, &["school", "numbers", "99DE00", "--json"], None, &mut seen);
    let numbers: serde_json::Value = serde_json::from_str(ok(&r)).unwrap();
    assert_eq!(numbers.as_array().unwrap().len(), 11, "{numbers}");
    let r = uwlr(&dir, &["school", "merge", "99DE00", "1", "1"], None, &mut seen);
    assert!(refused(&r, 1).contains("cannot be merged into itself"), "{}", r.err);
    assert!(!seen.contains(&key), "the key in no output");
}

/// A key typed at a terminal (`--key-stdin` on a tty) is not echoed: the terminal shows the
/// prompt, never the key. The terminal is a pseudo-terminal whose other end the test holds.
#[test]
fn a_key_typed_at_a_terminal_is_not_echoed() {
    use std::io::Read;
    use std::os::fd::{FromRawFd, OwnedFd};
    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty writes two new descriptors into the given ints; null name, termios and size.
    let rc =
        unsafe { libc::openpty(&mut master, &mut slave, std::ptr::null_mut(), std::ptr::null(), std::ptr::null()) };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors are fresh and owned here alone.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    let tmp = tempfile::tempdir().unwrap();
    let key = "TTY-KEY-0123456789-abcdefghij";
    let child = Command::new(env!("CARGO_BIN_EXE_uwlr"))
        .args(["koppeling", "request", "--location", "99DE00", "--schooljaar", "2025-2026", "--kind", "parnassys"])
        .args(["--endpoint", "http://127.0.0.1:9/uwlr", "--key-stdin", "--data-dir"])
        .arg(tmp.path().join("gateway"))
        .stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::piped())
        .stderr(Stdio::from(slave))
        .spawn()
        .unwrap();
    let mut terminal = std::fs::File::from(master);
    // Wait for the prompt, so the key is typed while echo is off, as a person would.
    let mut shown = Vec::new();
    let mut buf = [0u8; 256];
    while !String::from_utf8_lossy(&shown).contains("press Enter") {
        let n = terminal.read(&mut buf).unwrap();
        assert!(n > 0, "no prompt: {}", String::from_utf8_lossy(&shown));
        shown.extend_from_slice(&buf[..n]);
    }
    // The prompt goes out just before echo is switched off: wait for the switch (the two ends
    // of a pseudo-terminal share one termios), as a person's typing would come later anyway.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        use std::os::fd::AsRawFd;
        // SAFETY: tcgetattr fills a zeroed termios for an open descriptor.
        let echo = unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            assert_eq!(libc::tcgetattr(terminal.as_raw_fd(), &mut t), 0);
            t.c_lflag & libc::ECHO != 0
        };
        if !echo {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "echo was never switched off");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    terminal.write_all(format!("{key}\n").as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    // Everything the terminal showed after the prompt: the child has exited, so a read that
    // blocks is never reached; the pty answers EIO once its last slave is closed.
    loop {
        match terminal.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => shown.extend_from_slice(&buf[..n]),
        }
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&shown));
    assert!(stdout.contains("requested, key entered"), "{stdout}");
    assert!(!String::from_utf8_lossy(&shown).contains(key), "echoed: {:?}", String::from_utf8_lossy(&shown));
}
