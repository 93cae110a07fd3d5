//! Import proposals end to end, on SQLite and on PostgreSQL, against a running mock
//! ParnasSys: a first import is all new; a re-fetch with no change is empty; the changes of
//! `uwlr demo` (a move, a new pupil, a leaver, a teacher without e-mail) show as exactly
//! those; a manual link; a group skip cascades; a failure in the middle of apply leaves
//! nothing; a stale proposal is refused; a delta never implies leavers; the safety gate;
//! two instances fetching one link at once leave one open proposal; after "Verwijder
//! nummers" no proposal doubles the school: undecided strong candidates hold the apply.

use crate::store_support;

use chrono::Duration;
use store_support::*;
use uwlr::clock::Clock;
use uwlr::gateway::imports::ApplyOptions;
use uwlr::gateway::GatewayError;
use uwlr::import::{Category, Decision, Flag, LinkReason, RecordRef, SkipReason, Tab};
use uwlr::mock::las::{DeltaMode, LeerlingUpdate, NewLeerkracht, NewLeerling};
use uwlr::mock::Profile;
use uwlr::store::apply::FailPoint;

#[tokio::test]
async fn first_import_is_all_new_and_a_refetch_without_change_is_empty() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Parnassys, 40, clock.clone()).await;
        let id = active_link(&gw, &las).await;
        let groepen = las.las.groepen("99DE00").await.unwrap().len();
        let leerkrachten = las.las.leerkrachten("99DE00").await.unwrap().len();

        let out = gw.fetch(id, false, "admin", &no_progress()).await.unwrap();
        let p = &out.proposal;
        assert_eq!(out.fetch.mode, "full");
        assert_eq!(
            (p.groepen.len(), p.leerkrachten.len(), p.leerlingen.len()),
            (groepen, leerkrachten, 40),
            "{}",
            db.name
        );
        assert!(p.groepen.iter().all(|i| i.category == Category::New));
        assert!(p.leerlingen.iter().all(|i| i.category == Category::New && i.candidates.is_empty()));
        assert!(p.deactivations.is_empty() && !out.nothing_to_do);
        let report = gw.apply_proposal(out.proposal_id, "admin", ApplyOptions::default()).await.unwrap();
        assert_eq!(report.created, [groepen, leerkrachten, 40], "{}", db.name);
        let known = gw.records("99DE00").await.unwrap();
        assert_eq!(known.leerlingen.len(), 40);
        assert!(known.leerlingen.iter().all(|l| l.groep.is_some()), "every pupil is in its class group");

        // The same data again: as a delta (the mock says geenwijzigingen) and as a full fetch.
        clock.advance(Duration::minutes(5));
        let again = gw.fetch(id, false, "admin", &no_progress()).await.unwrap();
        assert_eq!((again.fetch.mode.as_str(), again.fetch.outcome.as_str()), ("delta", "geenwijzigingen"));
        assert!(again.proposal.is_empty() && again.nothing_to_do, "{}", db.name);
        let full = gw.fetch(id, true, "admin", &no_progress()).await.unwrap();
        assert_eq!(full.fetch.mode, "full");
        assert!(full.proposal.is_empty(), "{}: {:?}", db.name, full.proposal.summary);
        assert!(full.nothing_to_do);
        las.server.shutdown().await;
    }
}

/// A fetch keeps the LAS answer as the LAS sent it (its SOAP envelope included), not our
/// re-encoding of what we decoded, and a proposal is applied from those bytes.
#[tokio::test]
async fn the_las_answer_is_kept_as_received() {
    use sqlx::Row;
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Parnassys, 12, clock.clone()).await;
        let id = active_link(&gw, &las).await;
        let out = gw.fetch(id, false, "admin", &no_progress()).await.unwrap();
        let row = sqlx::query("SELECT answer FROM fetches WHERE id = $1")
            .bind(out.fetch.id)
            .fetch_one(gw.store().pool())
            .await
            .unwrap();
        let answer: Vec<u8> = row.try_get("answer").unwrap();
        let text = String::from_utf8(answer.clone()).unwrap();
        assert!(text.contains(":Envelope") && text.contains(":Body"), "{}: {}", db.name, &text[..200.min(text.len())]);
        let decoded = uwlr::decode(&answer, &uwlr::DecodeOptions::lenient()).unwrap();
        let uwlr::Body::LeerlinggegevensAntwoord(uwlr::message::leerlinggegevens::Antwoord::Gegevens(g)) = decoded.body
        else {
            panic!("{}: not a pupil-data answer", db.name)
        };
        assert_eq!(g.leerlingen.len(), 12, "{}", db.name);
        let report = gw.apply_proposal(out.proposal_id, "admin", ApplyOptions::default()).await.unwrap();
        assert_eq!(report.created[2], 12, "{}", db.name);
        las.server.shutdown().await;
    }
}

/// The four changes `uwlr demo` makes in the LAS.
pub(crate) async fn demo_changes(las: &Las) -> (String, String, String, String) {
    let groups: Vec<_> = las.las.groepen("99DE00").await.unwrap().into_iter().filter(|g| !g.samengesteld).collect();
    let pupils = las.las.leerlingen("99DE00").await.unwrap();
    let mover = pupils[0].clone();
    let target = groups.iter().find(|g| Some(&g.key) != mover.groep.as_ref()).unwrap();
    let upd =
        LeerlingUpdate { groep: Some(target.key.clone()), jaargroep: target.jaargroep.clone(), ..Default::default() };
    las.las.update_leerling("99DE00", mover.key.as_deref().unwrap(), upd).await.unwrap();
    let leaver = pupils[1].key.clone().unwrap();
    las.las.remove_leerling("99DE00", &leaver).await.unwrap();
    let new = NewLeerling {
        key: "NIEUW-1".into(),
        achternaam: Some("Bakker".into()),
        voorvoegsel: Some("de".into()),
        roepnaam: "Noor".into(),
        geboortedatum: Some("2017-03-04".into()),
        jaargroep: target.jaargroep.clone(),
        groep: Some(target.key.clone()),
        ..Default::default()
    };
    las.las.add_leerling("99DE00", new).await.unwrap();
    let teacher = NewLeerkracht {
        key: "LK-NIEUW".into(),
        achternaam: Some("Visser".into()),
        roepnaam: "Sanne".into(),
        emailadres: None,
        groepen: vec![target.key.clone()],
        ..Default::default()
    };
    las.las.add_leerkracht("99DE00", teacher).await.unwrap();
    (mover.key.unwrap(), target.naam.clone(), leaver, "LK-NIEUW".into())
}

#[tokio::test]
async fn after_the_demo_changes_the_proposal_shows_exactly_those() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Parnassys, 40, clock.clone()).await;
        let id = active_link(&gw, &las).await;
        let out = gw.fetch(id, false, "admin", &no_progress()).await.unwrap();
        gw.apply_proposal(out.proposal_id, "admin", ApplyOptions::default()).await.unwrap();
        clock.advance(Duration::minutes(5));
        let (mover, target, leaver, teacher) = demo_changes(&las).await;
        clock.advance(Duration::minutes(5));

        // A delta request: this mock answers it with the whole school (as ParnasSys does),
        // but a delta never implies leavers.
        let delta = gw.fetch(id, false, "admin", &no_progress()).await.unwrap();
        assert_eq!(delta.fetch.mode, "delta");
        assert!(delta.proposal.deactivations.is_empty(), "{}", db.name);

        // The periodic full fetch shows all four, and nothing else.
        let full = gw.fetch(id, true, "admin", &no_progress()).await.unwrap();
        let p = &full.proposal;
        assert!(p.groepen.is_empty(), "{}: {:?}", db.name, p.groepen);
        assert_eq!(p.leerkrachten.len(), 1);
        assert_eq!(
            (p.leerkrachten[0].record.key.as_str(), &p.leerkrachten[0].category),
            (teacher.as_str(), &Category::New)
        );
        assert!(p.leerkrachten[0].flags.contains(&Flag::NoEmail));
        assert_eq!(p.leerlingen.len(), 2, "{}: {:?}", db.name, p.summary.changes);
        let moved = p.leerlingen.iter().find(|i| i.record.key == mover).unwrap();
        assert!(matches!(
            moved.category,
            Category::Existing { reason: LinkReason::SameEckid | LinkReason::SameLasKey, .. }
        ));
        let fields: Vec<&str> = moved.changes.iter().map(|c| c.field.as_str()).collect();
        assert!(fields.contains(&"groep"), "{fields:?}");
        let groep = moved.changes.iter().find(|c| c.field == "groep").unwrap();
        assert_eq!(groep.to.as_deref(), Some(target.as_str()));
        let new = p.leerlingen.iter().find(|i| i.record.key == "NIEUW-1").unwrap();
        assert_eq!(new.category, Category::New);
        assert_eq!(p.deactivations.len(), 1);
        assert_eq!(p.deactivations[0].tab, Tab::Leerlingen);
        let lines = p.summary.changes.join("\n");
        for word in ["move", "new", "leaver", "e-mail missing"] {
            assert!(lines.contains(word), "{word} in {lines}");
        }
        assert!(!p.safety.needs_override);

        let report = gw.apply_proposal(full.proposal_id, "admin", ApplyOptions::default()).await.unwrap();
        assert_eq!(report.created, [0, 1, 1]);
        assert_eq!(report.deactivated, [0, 0, 1]);
        let known = gw.records("99DE00").await.unwrap();
        let gone =
            known.leerlingen.iter().find(|l| l.external.as_ref().and_then(|e| e.las_key.as_deref()) == Some(&leaver));
        assert!(gone.is_some_and(|l| !l.active), "the leaver is deactivated, not deleted");
        assert_eq!(known.leerlingen.iter().filter(|l| l.active).count(), 40);
        // And then it is quiet again.
        let quiet = gw.fetch(id, true, "admin", &no_progress()).await.unwrap();
        assert!(quiet.proposal.is_empty(), "{}: {:?}", db.name, quiet.proposal.summary.changes);
        las.server.shutdown().await;
    }
}

#[tokio::test]
async fn a_changed_only_delta_never_proposes_leavers() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las_with(Profile::Parnassys, 30, clock.clone(), DeltaMode::Changed).await;
        let id = active_link(&gw, &las).await;
        let out = gw.fetch(id, false, "admin", &no_progress()).await.unwrap();
        gw.apply_proposal(out.proposal_id, "admin", ApplyOptions::default()).await.unwrap();
        clock.advance(Duration::minutes(5));
        let (mover, ..) = demo_changes(&las).await;
        clock.advance(Duration::minutes(5));
        let delta = gw.fetch(id, false, "admin", &no_progress()).await.unwrap();
        assert_eq!(delta.fetch.mode, "delta");
        assert!(delta.fetch.pupils < 30, "the mock sent only what changed: {}", delta.fetch.pupils);
        let p = &delta.proposal;
        assert!(p.deactivations.is_empty(), "{}", db.name);
        assert!(p.leerlingen.iter().any(|i| i.record.key == mover));
        assert!(p.leerlingen.iter().any(|i| i.record.key == "NIEUW-1"));
        gw.apply_proposal(delta.proposal_id, "admin", ApplyOptions::default()).await.unwrap();
        // The leaver is still active (30 + 1 new) until a full fetch reconciles.
        assert_eq!(gw.records("99DE00").await.unwrap().leerlingen.iter().filter(|l| l.active).count(), 31);
        let full = gw.fetch(id, true, "admin", &no_progress()).await.unwrap();
        assert_eq!(full.proposal.deactivations.len(), 1, "{}", db.name);
        las.server.shutdown().await;
    }
}

#[tokio::test]
async fn manual_links_after_clearing_numbers_create_no_duplicates() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Parnassys, 15, clock.clone()).await;
        let id = active_link(&gw, &las).await;
        let out = gw.fetch(id, false, "admin", &no_progress()).await.unwrap();
        gw.apply_proposal(out.proposal_id, "admin", ApplyOptions::default()).await.unwrap();
        let before = gw.records("99DE00").await.unwrap();
        gw.clear_external_numbers("99DE00", "admin", None).await.unwrap();

        let out = gw.fetch(id, false, "admin", &no_progress()).await.unwrap();
        // Nothing is linked automatically any more; every record has a suggestion.
        let mut links = Vec::new();
        for i in &out.proposal.groepen {
            assert_eq!(i.category, Category::New);
            links.push(Decision::Link { record: i.record.clone(), to: i.candidates[0].id });
        }
        for i in &out.proposal.leerkrachten {
            links.push(Decision::Link { record: i.record.clone(), to: i.candidates[0].id });
        }
        for i in &out.proposal.leerlingen {
            assert!(!i.candidates.is_empty(), "{}: {} has no candidate", db.name, i.record);
            links.push(Decision::Link { record: i.record.clone(), to: i.candidates[0].id });
        }
        let view = gw.decide(out.proposal_id, &links, "admin").await.unwrap();
        assert!(view
            .proposal
            .leerlingen
            .iter()
            .all(|i| matches!(i.category, Category::Existing { reason: LinkReason::Manual, .. })));
        // A link to a record that does not exist is refused, naming the record.
        let bad = Decision::Link { record: RecordRef::new(Tab::Leerlingen, "nope"), to: 1 };
        assert!(matches!(gw.decide(out.proposal_id, &[bad], "admin").await, Err(GatewayError::Invalid(_))));

        gw.apply_proposal(out.proposal_id, "admin", ApplyOptions::default()).await.unwrap();
        let after = gw.records("99DE00").await.unwrap();
        assert_eq!(after.leerlingen.len(), before.leerlingen.len(), "{}: no duplicates", db.name);
        assert_eq!(after.groepen.len(), before.groepen.len());
        assert!(after.leerlingen.iter().all(|l| l.external.is_some()));
        // The links hold: the next fetch is empty.
        assert!(gw.fetch(id, true, "admin", &no_progress()).await.unwrap().proposal.is_empty(), "{}", db.name);
        las.server.shutdown().await;
    }
}

#[tokio::test]
async fn skipping_a_group_skips_its_pupils_and_is_remembered() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Parnassys, 40, clock.clone()).await;
        let id = active_link(&gw, &las).await;
        let out = gw.fetch(id, false, "admin", &no_progress()).await.unwrap();
        let group =
            las.las.groepen("99DE00").await.unwrap().into_iter().find(|g| !g.samengesteld && g.leerlingen > 0).unwrap();
        let skip = Decision::Skip { record: RecordRef::new(Tab::Groepen, group.key.clone()) };
        let view = gw.decide(out.proposal_id, &[skip], "admin").await.unwrap();
        let cascaded: Vec<_> = view
            .proposal
            .leerlingen
            .iter()
            .filter(|i| matches!(&i.category, Category::Skip { reason: SkipReason::GroupSkipped { groep } } if *groep == group.key))
            .collect();
        assert!(!cascaded.is_empty() && cascaded.len() <= group.leerlingen, "{}", db.name);
        let report = gw.apply_proposal(out.proposal_id, "admin", ApplyOptions::default()).await.unwrap();
        assert_eq!(report.created[2], 40 - cascaded.len());
        // Remembered: the next full fetch proposes nothing new.
        let again = gw.fetch(id, true, "admin", &no_progress()).await.unwrap();
        assert!(again.proposal.is_empty(), "{}: {:?}", db.name, again.proposal.summary.changes);
        let g = again.proposal.groepen.iter().find(|i| i.record.key == group.key).unwrap();
        assert_eq!(g.category, Category::Skip { reason: SkipReason::Earlier });
        // Unskipping brings the group and its pupils back as new.
        let unskip = Decision::Unskip { record: RecordRef::new(Tab::Groepen, group.key.clone()) };
        let view = gw.decide(again.proposal_id, &[unskip], "admin").await.unwrap();
        let back = view.proposal.leerlingen.iter().filter(|i| i.category == Category::New).count();
        assert_eq!(back, cascaded.len(), "{}", db.name);
        las.server.shutdown().await;
    }
}

#[tokio::test]
async fn a_failure_in_the_middle_of_apply_leaves_the_store_unchanged() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Parnassys, 30, clock.clone()).await;
        let id = active_link(&gw, &las).await;
        let out = gw.fetch(id, false, "admin", &no_progress()).await.unwrap();
        let fail = ApplyOptions { fail: FailPoint(Some(25)), ..Default::default() };
        let e = gw.apply_proposal(out.proposal_id, "admin", fail).await.unwrap_err();
        assert!(e.to_string().contains("injected failure"), "{e}");
        let known = gw.records("99DE00").await.unwrap();
        assert!(
            known.groepen.is_empty() && known.leerkrachten.is_empty() && known.leerlingen.is_empty(),
            "{}",
            db.name
        );
        assert_eq!(gw.proposal(out.proposal_id).await.unwrap().status, "open");
        assert!(gw.outbox(10).await.unwrap().is_empty(), "no invitation for a teacher who was not created");
        // The same proposal then applies whole.
        gw.apply_proposal(out.proposal_id, "admin", ApplyOptions::default()).await.unwrap();
        assert_eq!(gw.records("99DE00").await.unwrap().leerlingen.len(), 30);
        las.server.shutdown().await;
    }
}

#[tokio::test]
async fn stale_proposals_are_refused() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Parnassys, 20, clock.clone()).await;
        let id = active_link(&gw, &las).await;
        let first = gw.fetch(id, false, "admin", &no_progress()).await.unwrap();
        // A newer fetch supersedes it.
        let second = gw.fetch(id, true, "admin", &no_progress()).await.unwrap();
        let m = conflict(gw.apply_proposal(first.proposal_id, "admin", ApplyOptions::default()).await.unwrap_err());
        assert!(m.contains("superseded"), "{m}");
        // Our store changes under the open proposal: refused until recomputed.
        gw.clear_external_numbers("99DE00", "admin", None).await.unwrap();
        let m = conflict(gw.apply_proposal(second.proposal_id, "admin", ApplyOptions::default()).await.unwrap_err());
        assert!(m.contains("changed since") && m.contains("recompute"), "{m}");
        gw.decide(second.proposal_id, &[], "admin").await.unwrap();
        gw.apply_proposal(second.proposal_id, "admin", ApplyOptions::default()).await.unwrap();
        // Applied once; never twice.
        let m = conflict(gw.apply_proposal(second.proposal_id, "admin", ApplyOptions::default()).await.unwrap_err());
        assert!(m.contains("applied"), "{m}");
        las.server.shutdown().await;
    }
}

#[tokio::test]
async fn deactivating_many_pupils_needs_an_override() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Parnassys, 20, clock.clone()).await;
        let id = active_link(&gw, &las).await;
        let out = gw.fetch(id, false, "admin", &no_progress()).await.unwrap();
        gw.apply_proposal(out.proposal_id, "admin", ApplyOptions::default()).await.unwrap();
        // The LAS "loses" half the school.
        for p in las.las.leerlingen("99DE00").await.unwrap().iter().take(10) {
            las.las.remove_leerling("99DE00", p.key.as_deref().unwrap()).await.unwrap();
        }
        clock.advance(Duration::minutes(1));
        let out = gw.fetch(id, true, "admin", &no_progress()).await.unwrap();
        assert!(out.proposal.safety.needs_override, "{}", db.name);
        assert_eq!(out.proposal.safety.deactivating, 10);
        let m = conflict(gw.apply_proposal(out.proposal_id, "admin", ApplyOptions::default()).await.unwrap_err());
        assert!(m.contains("10 of 20") && m.contains("override"), "{m}");
        let opts = ApplyOptions { override_safety: true, ..Default::default() };
        let report = gw.apply_proposal(out.proposal_id, "admin", opts).await.unwrap();
        assert_eq!(report.deactivated[2], 10);
        let trail = gw.audit_trail("99DE00").await.unwrap();
        assert!(trail.last().unwrap().reason.as_deref().unwrap().contains("overridden"));
        las.server.shutdown().await;
    }
}

#[tokio::test]
async fn the_review_mail_and_teacher_invitations_go_through_the_outbox() {
    let db = sqlite();
    let clock = clock();
    let gw = gateway(&db, clock.clone()).await;
    let las = las(Profile::Parnassys, 10, clock.clone()).await;
    let id = active_link(&gw, &las).await;
    gw.add_school_admin("99DE00", "ib@school.example", "admin").await.unwrap();
    gw.fetch(id, false, "admin", &no_progress()).await.unwrap();
    let queued = gw.outbox(100).await.unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].recipient, "ib@school.example");
    // A scheduled re-fetch finding the same pending changes mails nobody again.
    let out = gw.fetch(id, true, "scheduler", &no_progress()).await.unwrap();
    assert_eq!(gw.outbox(100).await.unwrap().len(), 1);
    let report = gw.apply_proposal(out.proposal_id, "admin", ApplyOptions::default()).await.unwrap();
    let invited = report.invitations.len();
    assert!(invited > 0);
    let dir = tempfile::tempdir().unwrap();
    let transport = uwlr::notify::MailTransport::File(dir.path().to_path_buf());
    let sent = gw.send_mail(&transport, 100).await.unwrap();
    assert_eq!(sent.sent, 1 + invited);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1 + invited);
    assert_eq!(gw.send_mail(&transport, 100).await.unwrap().sent, 0, "each mail once");
    let _ = clock.now();
    las.server.shutdown().await;
}

#[tokio::test]
async fn decisions_carry_over_to_the_proposal_of_a_newer_fetch() {
    let db = sqlite();
    let clock = clock();
    let gw = gateway(&db, clock.clone()).await;
    let las = las(Profile::Parnassys, 20, clock.clone()).await;
    let id = active_link(&gw, &las).await;
    let out = gw.fetch(id, false, "admin", &no_progress()).await.unwrap();
    let group = out.proposal.groepen[0].record.clone();
    let gone = out.proposal.leerlingen[0].record.clone();
    let skips = [Decision::Skip { record: group.clone() }, Decision::Skip { record: gone.clone() }];
    gw.decide(out.proposal_id, &skips, "admin").await.unwrap();
    // The pupil leaves the LAS before the admin applied: that decision no longer applies.
    las.las.remove_leerling("99DE00", &gone.key).await.unwrap();
    let again = gw.fetch(id, true, "admin", &no_progress()).await.unwrap();
    let view = gw.proposal(again.proposal_id).await.unwrap();
    assert_eq!(view.decisions, vec![Decision::Skip { record: group.clone() }]);
    let g = view.proposal.groepen.iter().find(|i| i.record == group).unwrap();
    assert_eq!(g.category, Category::Skip { reason: SkipReason::Admin });
    las.server.shutdown().await;
}

/// Two gateway instances sharing one database (PostgreSQL's reason for being) fetching the
/// same link at the same moment: each fetch supersedes the open proposal before it, so one
/// proposal stays open, never two.
#[tokio::test]
async fn two_instances_fetching_one_link_at_once_leave_one_open_proposal() {
    for db in databases().await {
        let clock = clock();
        let (one, two) = (gateway(&db, clock.clone()).await, gateway(&db, clock.clone()).await);
        let las = las(Profile::Parnassys, 30, clock.clone()).await;
        let id = active_link(&one, &las).await;
        let quiet = no_progress();
        for round in 0..12 {
            let (a, b) =
                tokio::join!(one.fetch(id, true, "schedule", &quiet), two.fetch(id, true, "year-start", &quiet));
            a.unwrap();
            b.unwrap();
            let store = db.store().await;
            let list =
                uwlr::store::imports::list_proposals(&mut store.pool().acquire().await.unwrap(), id).await.unwrap();
            let open: Vec<i64> = list.iter().filter(|(_, s)| s == "open").map(|(p, _)| *p).collect();
            assert_eq!(open.len(), 1, "{}: round {round}: open proposals {open:?}", db.name);
            assert_eq!(open[0], list[0].0, "{}: the newest is the open one", db.name);
        }
    }
}

#[tokio::test]
async fn after_clear_numbers_a_full_fetch_cannot_double_the_school() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Parnassys, 200, clock.clone()).await;
        let (link, pupils) = crate::results_support::imported(&gw, &las).await;
        assert_eq!(pupils.len(), 200);
        let r = uwlr::results::NewResult {
            leerling_id: pupils[0],
            toetscode: "REK".into(),
            toetsonderdeel: None,
            afname: "s1".into(),
            afnamedatum: chrono::NaiveDate::from_ymd_opt(2025, 9, 20).unwrap(),
            scores: uwlr::results::Scores::Raw { score: 7 },
            normed_at: clock.now(),
        };
        gw.record_result(&r, "platform").await.unwrap();
        gw.clear_external_numbers("99DE00", "admin", Some("new LAS link")).await.unwrap();

        // Every pupil comes back new, each with its old record as a strong candidate.
        let out = gw.fetch(link, false, "admin", &no_progress()).await.unwrap();
        let s = &out.proposal.summary.leerlingen;
        assert_eq!((s.new, s.undecided), (200, 200), "{}", db.name);
        // What made 371 of 200: some linked by hand, the rest applied as new. Refused now,
        // naming what is undecided.
        let by_hand: Vec<Decision> = out.proposal.leerlingen[..29]
            .iter()
            .map(|i| Decision::Link { record: i.record.clone(), to: i.strong_candidates()[0].id })
            .collect();
        let view = gw.decide(out.proposal_id, &by_hand, "admin").await.unwrap();
        let s = &view.proposal.summary;
        assert_eq!(s.leerlingen.undecided, 171);
        // The groups (same name in the year) and teachers (same e-mail or name) came back
        // new too, each with its old record as a strong candidate.
        let (groepen, leerkrachten) = (s.groepen.undecided, s.leerkrachten.undecided);
        assert_eq!((groepen, leerkrachten), (s.groepen.new, s.leerkrachten.new), "{}", db.name);
        let total = 171 + groepen + leerkrachten;
        let e = conflict(gw.apply_proposal(out.proposal_id, "admin", ApplyOptions::default()).await.unwrap_err());
        let first = &view.proposal.undecided()[0];
        assert!(e.contains(&format!("{total} new record(s)")) && e.contains("undecided"), "{e}");
        assert!(e.contains(&first.to_string()), "names the first undecided record: {e}");
        assert!(e.contains(&format!("and {} more", total - 20)) && e.contains("--accept-suggestions"), "{e}");
        let known = gw.records("99DE00").await.unwrap();
        assert_eq!(known.leerlingen.len(), 200, "{}: nothing applied", db.name);

        // Accept every suggestion: one step, then the apply goes through with no duplicate.
        let view = gw.accept_suggestions(out.proposal_id, "admin").await.unwrap();
        assert_eq!(view.decisions.len(), 200 + groepen + leerkrachten, "{}", db.name);
        assert_eq!(view.proposal.undecided().len(), 0, "{}", db.name);
        gw.apply_proposal(out.proposal_id, "admin", ApplyOptions::default()).await.unwrap();
        let now = gw.records("99DE00").await.unwrap();
        let ids = |v: Vec<i64>| v;
        assert_eq!(
            ids(now.groepen.iter().map(|g| g.id).collect()),
            ids(known.groepen.iter().map(|g| g.id).collect()),
            "{}: the same groups",
            db.name
        );
        assert_eq!(
            ids(now.leerkrachten.iter().map(|t| t.id).collect()),
            ids(known.leerkrachten.iter().map(|t| t.id).collect()),
            "{}: the same teachers",
            db.name
        );
        let after = now.leerlingen;
        let mut ids: Vec<i64> = after.iter().map(|l| l.id).collect();
        ids.sort_unstable();
        let mut before = pupils.clone();
        before.sort_unstable();
        assert_eq!(ids, before, "{}: the same 200 records", db.name);
        assert!(after.iter().all(|l| l.external.is_some()), "linked again under the new keys");
        let mut conn = gw.store().pool().acquire().await.unwrap();
        assert_eq!(uwlr::store::records::count_results(&mut conn, "99DE00").await.unwrap(), 1);
        drop(conn);
        let trail = gw.audit_trail("99DE00").await.unwrap();
        let accepted = format!("0 decision(s) added; {} suggestion(s) accepted", total);
        assert!(trail
            .iter()
            .any(|a| a.action == "decide" && a.reason.as_deref().is_some_and(|r| r.contains(&accepted))));
        // Later full fetches link everyone automatically: nothing new, nothing undecided.
        let again = gw.fetch(link, true, "admin", &no_progress()).await.unwrap();
        assert_eq!((again.proposal.summary.leerlingen.new, again.proposal.summary.leerlingen.undecided), (0, 0));
        las.server.shutdown().await;
    }
}

/// "Create anyway" is an explicit decision, but it cannot break the store's rule that an ECK
/// iD belongs to one active pupil of a school: a twin by ECK iD is refused at apply (nothing
/// written), while a twin by name and birth date only (another ECK iD) is created.
#[tokio::test]
async fn a_record_created_anyway_is_an_explicit_decision() {
    let db = sqlite();
    let clock = clock();
    let gw = gateway(&db, clock.clone()).await;
    let las = las(Profile::Parnassys, 12, clock.clone()).await;
    let (link, _) = crate::results_support::imported(&gw, &las).await;
    gw.clear_external_numbers("99DE00", "admin", None).await.unwrap();
    let out = gw.fetch(link, false, "admin", &no_progress()).await.unwrap();
    let twin = out.proposal.leerlingen[0].record.clone();
    // Created anyway (the school says it is another child), the rest linked in one step.
    let view = gw.decide_with(out.proposal_id, &[Decision::New { record: twin.clone() }], true, "admin").await.unwrap();
    let item = view.proposal.leerlingen.iter().find(|i| i.record == twin).unwrap();
    assert!(item.create_anyway && !item.is_undecided() && !item.candidates.is_empty());
    assert_eq!((view.proposal.undecided().len(), view.proposal.summary.leerlingen.undecided), (0, 0));
    // Same ECK iD: the store keeps one active pupil per ECK iD, so the apply is refused whole.
    let e = gw.apply_proposal(out.proposal_id, "admin", ApplyOptions::default()).await.unwrap_err().to_string();
    assert!(e.contains("already belongs to another active pupil"), "{e}");
    assert_eq!(gw.records("99DE00").await.unwrap().leerlingen.len(), 12, "nothing written");

    // The LAS gives the pupil another ECK iD: now only name and birth date match.
    let upd =
        LeerlingUpdate { eckid: Some(format!("https://ketenid.nl/201703/{}", "f".repeat(128))), ..Default::default() };
    las.las.update_leerling("99DE00", &twin.key, upd).await.unwrap();
    let out = gw.fetch(link, false, "admin", &no_progress()).await.unwrap();
    let view = gw.decide_with(out.proposal_id, &[Decision::New { record: twin.clone() }], true, "admin").await.unwrap();
    let item = view.proposal.leerlingen.iter().find(|i| i.record == twin).unwrap();
    assert!(item.create_anyway && !item.candidates.is_empty(), "still a candidate by name and birth date");
    let report = gw.apply_proposal(out.proposal_id, "admin", ApplyOptions::default()).await.unwrap();
    assert_eq!(report.created[2], 1);
    assert_eq!(gw.records("99DE00").await.unwrap().leerlingen.len(), 13);
    las.server.shutdown().await;
}

/// A school larger than one write chunk (400 pupils a statement): every pupil is written
/// once, with its own Boom number, enrolment, class group and keys; changed pupils are
/// updated across the chunk boundary; leavers go; a re-fetch finds nothing to do.
#[tokio::test]
async fn a_school_larger_than_a_write_chunk_is_written_whole() {
    use std::collections::HashSet;
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Parnassys, 450, clock.clone()).await;
        let link = active_link(&gw, &las).await;
        let out = gw.fetch(link, true, "admin", &no_progress()).await.unwrap();
        let report = gw.apply_proposal(out.proposal_id, "admin", ApplyOptions::default()).await.unwrap();
        assert_eq!(report.created[2], 450, "{}", db.name);
        let known = gw.records("99DE00").await.unwrap().leerlingen;
        assert_eq!(known.len(), 450, "{}", db.name);
        let numbers: HashSet<_> = known.iter().map(|l| l.boom_nummer.clone().unwrap()).collect();
        assert_eq!(numbers.len(), 450, "{}: one Boom number each", db.name);
        assert!(known.iter().all(|l| l.groep.is_some() && l.external.is_some()), "{}", db.name);
        let enrolled: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM enrolments WHERE schooljaar = $1")
            .bind(SCHOOLJAAR)
            .fetch_one(gw.store().pool())
            .await
            .unwrap();
        assert_eq!(enrolled, 450, "{}", db.name);

        // 420 pupils renamed (both chunks), 3 leave.
        let pupils = las.las.leerlingen("99DE00").await.unwrap();
        for p in &pupils[..420] {
            let upd =
                LeerlingUpdate { roepnaam: Some(format!("Nieuw{}", p.key.clone().unwrap())), ..Default::default() };
            las.las.update_leerling("99DE00", p.key.as_deref().unwrap(), upd).await.unwrap();
        }
        for p in &pupils[447..] {
            las.las.remove_leerling("99DE00", p.key.as_deref().unwrap()).await.unwrap();
        }
        clock.advance(Duration::minutes(5));
        let out = gw.fetch(link, true, "admin", &no_progress()).await.unwrap();
        let report = gw.apply_proposal(out.proposal_id, "admin", ApplyOptions::default()).await.unwrap();
        assert_eq!((report.created[2], report.updated[2], report.deactivated[2]), (0, 420, 3), "{}", db.name);
        let known = gw.records("99DE00").await.unwrap().leerlingen;
        let active: Vec<_> = known.iter().filter(|l| l.active).collect();
        assert_eq!(active.len(), 447, "{}", db.name);
        let renamed = active.iter().filter(|l| l.roepnaam.as_deref().is_some_and(|n| n.starts_with("Nieuw"))).count();
        assert_eq!(renamed, 420, "{}", db.name);
        clock.advance(Duration::minutes(5));
        let again = gw.fetch(link, true, "admin", &no_progress()).await.unwrap();
        assert!(again.nothing_to_do, "{}: {:?}", db.name, again.proposal.summary);
        las.server.shutdown().await;
    }
}
