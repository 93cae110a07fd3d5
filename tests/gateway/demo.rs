//! `uwlr demo` through its library entry point: the second proposal holds exactly the four
//! changes made in the mock ParnasSys and nothing else, the next school year carries the
//! pupil who moved on with its record and Boom number, the database stays behind for the
//! commands the demo suggests, and a second run in the same folder starts afresh.

use uwlr::demo::{run, Options, Report, NEW_PUPIL, NEW_TEACHER};
use uwlr::gateway::{Gateway, Settings};
use uwlr::import::{Category, Tab};

async fn demo(dir: &std::path::Path) -> (Report, String) {
    let opts = Options { data_dir: dir.to_path_buf(), ..Options::default() };
    let mut out = Vec::new();
    let report = run(&opts, &mut out).await.unwrap_or_else(|f| panic!("exit {}: {}", f.code, f.message));
    (report, String::from_utf8(out).unwrap())
}

/// The part of the output after `from`, up to `to`.
fn section<'a>(out: &'a str, from: &str, to: &str) -> &'a str {
    let start = out.find(from).unwrap_or_else(|| panic!("no {from:?} in:\n{out}"));
    let rest = &out[start..];
    &rest[..rest.find(to).unwrap_or(rest.len())]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_second_proposal_holds_the_four_changes_and_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("uwlr-demo");
    let (report, out) = demo(&dir).await;
    assert!(!report.replaced);
    assert!(!out.contains("removed the previous demo"), "{out}");

    // The key is shown masked, never whole.
    assert!(out.contains("ParnasSys shows it once: "), "{out}");
    assert!(out.contains("koppeling 1: 99DE00") && out.contains("active, key entered"), "{out}");
    assert!(out.contains("HaalLeerlinggegevens: ") && out.contains("200 pupils"), "{out}");
    assert!(out.contains("LEERLINGEN: 200 new"), "{out}");
    assert!(out.contains("as a delta since the first fetch: geenwijzigingen, nothing to review"), "{out}");

    // The second proposal, as printed: the four changes and their summary lines, nothing more.
    let second = section(&out, "6. The next import", "7. ");
    let year = section(&out, "8. The next school year", "9. ");
    for needle in ["leerlingen 0 new", "nothing to link by hand", "carries on: record", &report.mover.1] {
        assert!(year.contains(needle), "{needle:?} missing in:\n{year}");
    }
    assert!(!year.contains("UNEXPECTED"), "{year}");
    for needle in [
        "GROEPEN: 0 new, 0 changed",
        "LEERKRACHTEN: 1 new, 0 changed",
        "LEERLINGEN: 1 new, 1 changed",
        "DEACTIVATIONS: 1",
        "! no e-mail address",
        &format!("new       {NEW_TEACHER}"),
        &format!("new       {NEW_PUPIL}"),
        "- new: leerkracht Sanne Visser",
        "- e-mail missing: leerkracht Sanne Visser",
        "- new: leerling Noor de Bakker in ",
        "- leaver: ",
        "4 changes (2 new, 1 changed, 1 leaver), nothing else",
    ] {
        assert!(second.contains(needle), "{needle:?} missing in:\n{second}");
    }
    let summary: Vec<&str> = second.lines().filter(|l| l.trim_start().starts_with("- ")).collect();
    assert_eq!(summary.len(), 5, "move, new pupil, new teacher, its missing e-mail, leaver: {summary:?}");
    assert!(summary.iter().any(|l| l.contains("- move: ")), "{summary:?}");

    assert!(out.contains(&format!("9. Mail: {} notifications written to", report.mails)), "{out}");
    assert!(report.mails > 2, "review mails and invitations: {}", report.mails);
    assert_eq!(std::fs::read_dir(dir.join("mail")).unwrap().count(), report.mails);
    for cmd in ["uwlr koppeling list --data-dir", "uwlr school records 99DE00 --data-dir"] {
        assert!(out.contains(cmd), "{cmd} in:\n{out}");
    }
    assert!(out.contains(&format!("uwlr import show {} --data-dir", report.year_proposal)), "{out}");

    // The database stays, and says the same: the proposal with exactly those changes,
    // applied; the next year's, applied; the mover one record with one Boom number.
    let gw = Gateway::open(&dir, None, Settings::default()).await.unwrap();
    let view = gw.proposal(report.second_proposal).await.unwrap();
    assert_eq!(view.status, "applied");
    let p = &view.proposal;
    assert!(p.groepen.is_empty(), "{:?}", p.groepen);
    assert_eq!(p.leerkrachten.len(), 1);
    assert_eq!(p.leerkrachten[0].record.key, NEW_TEACHER);
    assert_eq!(p.leerkrachten[0].category, Category::New);
    // Flagged without an address when shown; the admin filled one in before applying.
    assert!(p.leerkrachten[0].flags.is_empty(), "{:?}", p.leerkrachten[0].flags);
    assert_eq!(p.leerkrachten[0].fields.emailadres.as_deref(), Some("s.visser@school.example"));
    assert_eq!(p.leerlingen.len(), 2, "{:?}", p.summary.changes);
    let new = p.leerlingen.iter().find(|i| i.record.key == NEW_PUPIL).expect("the new pupil");
    assert_eq!(new.category, Category::New);
    let moved = p.leerlingen.iter().find(|i| i.record.key != NEW_PUPIL).unwrap();
    assert!(matches!(moved.category, Category::Existing { .. }));
    let fields: Vec<&str> = moved.changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, ["groep"], "a move between parallel groups changes the group only");
    assert_eq!(p.deactivations.len(), 1);
    assert_eq!(p.deactivations[0].tab, Tab::Leerlingen);
    assert!(!p.safety.needs_override);
    let first = gw.proposal(report.first_proposal).await.unwrap();
    assert_eq!(first.status, "applied");
    assert_eq!(gw.proposal(report.year_proposal).await.unwrap().status, "applied");
    let now = gw.records("99DE00").await.unwrap();
    let mover = now.leerlingen.iter().find(|l| l.id == report.mover.0).expect("the mover carries on");
    assert_eq!(mover.boom_nummer.as_deref(), Some(report.mover.1.as_str()));
    assert_eq!(now.leerlingen.iter().filter(|l| l.active).count(), now.leerlingen.len());
    // The console's sign-in it printed works on this database, and is stored hashed only.
    let (email, password) = &report.sign_in;
    assert!(out.contains(&format!("10. The console on this data: uwlr serve --data-dir {}", dir.display())), "{out}");
    assert!(out.contains(&format!("sign in as {email} with password {password}")), "{out}");
    assert!(password.len() >= 16);
    let session = uwlr::console::accounts::sign_in(&gw, email, password, "127.0.0.1").await.unwrap();
    assert_eq!(session.account.locations, ["99DE00"]);
    let db = std::fs::read(dir.join("uwlr.sqlite3")).unwrap();
    assert!(!db.windows(password.len()).any(|w| w == password.as_bytes()), "no plain password in the database");
    gw.store().close().await;

    // A second run in the same folder replaces the first one's database and works the same.
    let (again, out) = demo(&dir).await;
    assert!(again.replaced);
    assert!(out.contains("removed the previous demo's database"), "{out}");
    assert_eq!((again.koppeling_id, again.second_proposal), (report.koppeling_id, report.second_proposal));
    assert!(out.contains("4 changes (2 new, 1 changed, 1 leaver), nothing else"), "{out}");
    assert_ne!(again.sign_in.1, report.sign_in.1, "a new random password each run");
}

#[tokio::test]
async fn a_folder_that_is_not_a_demo_is_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("precious.txt"), "keep me").unwrap();
    let opts = Options { data_dir: tmp.path().to_path_buf(), ..Options::default() };
    let e = run(&opts, &mut Vec::new()).await.unwrap_err();
    assert_eq!(e.code, 2);
    assert!(e.message.contains("not made by uwlr demo"), "{}", e.message);
    assert_eq!(std::fs::read_to_string(tmp.path().join("precious.txt")).unwrap(), "keep me");
}
