//! Files the gateway writes are private under the usual umask of 022: the data folder and
//! the mail folder 0700; the SQLite database with its -wal and -shm, the master key, the
//! admin token and each mail 0600 (a 022 umask alone would make them 0644/0755).
// libc calls (process groups, signals, umask) need `unsafe`; the library forbids it.
#![allow(unsafe_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use uwlr::api::AdminToken;
use uwlr::gateway::Gateway;
use uwlr::notify::{Mail, MailTransport};

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())).permissions().mode() & 0o777
}

#[tokio::test]
async fn files_are_0600_and_folders_0700_under_umask_022() {
    // SAFETY: umask only sets the process's file mode mask; 022 is the usual default, so the
    // other tests of this binary see what they would anyway.
    unsafe { libc::umask(0o022) };
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let gw = Gateway::open(&data, None, Default::default()).await.unwrap();
    let (_token, created) = AdminToken::load_or_create(&data).unwrap();
    assert!(created);
    let transport = MailTransport::parse("file", &data).unwrap();
    let mail = Mail { to: "admin@school.example".into(), subject: "Test".into(), body: "Hallo\n".into() };
    transport.send("gateway@platform.example", &mail).await.unwrap();

    // While the database is open, its WAL files are there too.
    let mut seen = Vec::new();
    for entry in walkdir(&data) {
        let m = mode(&entry);
        let name = entry.strip_prefix(&data).unwrap().display().to_string();
        if entry.is_dir() {
            assert_eq!(m, 0o700, "{name} is {m:o}");
        } else {
            assert_eq!(m, 0o600, "{name} is {m:o}");
        }
        seen.push(name);
    }
    assert_eq!(mode(&data), 0o700, "the data folder");
    for expected in ["uwlr.sqlite3", "uwlr.sqlite3-wal", "uwlr.sqlite3-shm", "admin.token", "mail"] {
        assert!(seen.iter().any(|s| s == expected), "{expected} not in {seen:?}");
    }
    assert!(seen.iter().any(|s| s.starts_with("mail/") && s.ends_with(".eml")), "{seen:?}");
    assert!(seen.len() >= 7, "the master key too: {seen:?}");
    gw.store().close().await;
}

fn walkdir(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walkdir(&p));
        }
        out.push(p);
    }
    out
}
