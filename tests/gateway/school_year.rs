//! The school-year transition against the mock LAS, on SQLite and on PostgreSQL, with the
//! clock standing on 31 July, 1 August, 30 September and 1 October: preparing only in the
//! window, the automatic start on 1 October that applies nothing, a reminder a day until the
//! admin completes the year and none after, and a transition that makes every group and
//! pupil of the new year new while the old year and its results stay.

use crate::store_support;

use chrono::{DateTime, TimeZone, Utc};
use std::sync::Arc;
use store_support::*;
use uwlr::clock::ManualClock;
use uwlr::gateway::imports::ApplyOptions;
use uwlr::gateway::koppelingen::KoppelingRequest;
use uwlr::gateway::Gateway;
use uwlr::import::Category;
use uwlr::koppeling::{Kind, Status};
use uwlr::mock::Profile;
use uwlr::notify::Notification;
use uwlr::results::{NewResult, Scores};

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 9, 0, 0).unwrap()
}

/// An active ParnasSys link of `location` for 2025-2026 with its first import applied.
async fn imported(gw: &Gateway, las: &Las, location: &str) -> i64 {
    let req = KoppelingRequest {
        location: location.into(),
        schooljaar: SCHOOLJAAR.into(),
        kind: Kind::Parnassys,
        endpoint: Some(las.endpoint.clone()),
        key: Some(las.issue_key(location).await),
        reason: None,
    };
    let k = gw.request_koppeling(&req, "admin@school").await.unwrap();
    gw.approve_koppeling(k.id, "support@boom", None).await.unwrap();
    let out = gw.fetch(k.id, false, "admin", &no_progress()).await.unwrap();
    gw.apply_proposal(out.proposal_id, "admin", ApplyOptions::default()).await.unwrap();
    k.id
}

fn result(pupil: i64, afname: &str, normed_at: DateTime<Utc>) -> NewResult {
    NewResult {
        leerling_id: pupil,
        toetscode: "REK".into(),
        toetsonderdeel: None,
        afname: afname.into(),
        afnamedatum: normed_at.date_naive(),
        scores: Scores::Raw { score: 31 },
        normed_at,
    }
}

/// 99DE00 imported for 2025-2026 from a mock ParnasSys, with a school admin to remind.
async fn school_with_admin(db: &TestDb) -> (Arc<ManualClock>, Gateway, Las) {
    let clock = clock();
    let gw = gateway(db, clock.clone()).await;
    let las = las(Profile::Parnassys, 12, clock.clone()).await;
    imported(&gw, &las, "99DE00").await;
    gw.add_school_admin("99DE00", "beheer@school.example", "admin").await.unwrap();
    (clock, gw, las)
}

async fn reminders(gw: &Gateway) -> Vec<Notification> {
    gw.outbox(1000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| serde_json::from_str::<Notification>(&e.notification).unwrap())
        .filter(|n| matches!(n, Notification::SchoolYearWaiting { .. }))
        .collect()
}

#[tokio::test]
async fn preparing_is_possible_from_1_august_until_1_october() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Parnassys, 12, clock.clone()).await;
        let de = imported(&gw, &las, "99DE00").await;
        imported(&gw, &las, "99DF00").await;

        clock.set(at(2026, 7, 31));
        let e = conflict(gw.prepare_school_year("99DE00", "admin@school").await.unwrap_err());
        assert!(
            e.contains("school year 2026-2027 can be prepared from 1 August 2026 on; today is 31 July 2026"),
            "{e}"
        );
        assert!(gw.school_years("99DE00").await.unwrap().is_empty(), "{}: a refusal changes nothing", db.name);
        assert_eq!(gw.koppeling(de).await.unwrap().status, Status::Active);

        // 1 August: the LAS has moved on, the admin prepares.
        clock.set(at(2026, 8, 1));
        las.las.rollover("99DE00").await.unwrap();
        las.las.rollover("99DF00").await.unwrap();
        let start = gw.prepare_school_year("99DE00", "admin@school").await.unwrap();
        assert_eq!((start.schooljaar.as_str(), start.automatic), ("2026-2027", false), "{}", db.name);
        assert!(start.proposal_id.is_some() && start.fetch_error.is_none(), "{start:?}");
        let (old, new) = start.koppelingen[0];
        assert_eq!(old, de);
        // The link and its key carry over; the old year's link goes on until the new year
        // is completed.
        let (old, new) = (gw.koppeling(old).await.unwrap(), gw.koppeling(new).await.unwrap());
        assert_eq!((old.status, old.has_key), (Status::Active, true), "{}", db.name);
        assert_eq!((new.status, new.has_key, new.schooljaar.as_str()), (Status::Active, true, "2026-2027"));
        assert_eq!(new.endpoint, old.endpoint);
        let e = conflict(gw.prepare_school_year("99DE00", "admin@school").await.unwrap_err());
        assert!(e.contains("already started"), "{e}");

        // 30 September: the other school prepares on the last day.
        clock.set(at(2026, 9, 30));
        let start = gw.prepare_school_year("99DF00", "admin@school").await.unwrap();
        assert_eq!(start.schooljaar, "2026-2027");

        // 1 October: preparing is over; both are started, so the gateway starts nothing.
        clock.set(at(2026, 10, 1));
        let tick = gw.school_year_tick().await.unwrap();
        assert!(tick.started.is_empty() && tick.failures.is_empty(), "{}: {tick:?}", db.name);
        let trail = gw.audit_trail("99DE00").await.unwrap();
        assert!(trail.iter().any(|a| a.action == "school-year-start" && a.actor == "admin@school"));
    }
}

#[tokio::test]
async fn on_1_october_the_gateway_starts_the_year_applies_nothing_and_reminds_daily_until_completed() {
    for db in databases().await {
        let (clock, gw, las) = school_with_admin(&db).await;

        // Dutch days count: 23:55 on 30 September in Amsterdam is 21:55 UTC, and 00:05 on
        // 1 October is 22:05 UTC the evening before.
        clock.set(Utc.with_ymd_and_hms(2026, 9, 30, 21, 55, 0).unwrap());
        las.las.rollover("99DE00").await.unwrap();
        let tick = gw.school_year_tick().await.unwrap();
        assert!(tick.started.is_empty() && tick.reminders == 0, "{}: not before 1 October: {tick:?}", db.name);

        clock.set(Utc.with_ymd_and_hms(2026, 9, 30, 22, 5, 0).unwrap());
        let tick = gw.school_year_tick().await.unwrap();
        assert_eq!(tick.started.len(), 1, "{}: {tick:?}", db.name);
        let start = &tick.started[0];
        assert!(start.automatic && start.fetch_error.is_none(), "{start:?}");
        let years = gw.school_years("99DE00").await.unwrap();
        assert_eq!((years[0].started_by.as_str(), years[0].automatic), ("gateway", true));
        assert!(years[0].completed_at.is_none());
        // The import is started, never applied: the new year has no records yet.
        let proposal = gw.proposal(start.proposal_id.unwrap()).await.unwrap();
        assert_eq!(proposal.status, "open");
        assert!(proposal.proposal.summary.leerlingen.new > 0);
        let new_year = gw.records_of_year("99DE00", Some("2026-2027")).await.unwrap();
        assert!(new_year.leerlingen.is_empty() && new_year.groepen.is_empty(), "{}", db.name);
        // The same day again: nothing more, and no reminder on the day it started.
        let again = gw.school_year_tick().await.unwrap();
        assert!(again.started.is_empty() && again.reminders == 0, "{again:?}");
        assert!(reminders(&gw).await.is_empty());

        // A reminder on each following day, once.
        for day in [2, 3] {
            clock.set(at(2026, 10, day));
            assert_eq!(gw.school_year_tick().await.unwrap().reminders, 1, "{}: 2026-10-{day}", db.name);
            assert_eq!(gw.school_year_tick().await.unwrap().reminders, 0, "once a day");
        }
        let sent = reminders(&gw).await;
        assert_eq!(sent.len(), 2);
        match &sent[0] {
            Notification::SchoolYearWaiting { school, schooljaar, proposal_id, admin, koppeling_gone } => {
                assert!(!koppeling_gone);
                assert_eq!((school.as_str(), schooljaar.as_str()), ("99DE00", "2026-2027"));
                assert_eq!((*proposal_id, admin.as_str()), (start.proposal_id, "beheer@school.example"));
            }
            other => panic!("{other:?}"),
        }

        // The admin completes the year; no reminder after.
        gw.apply_proposal(start.proposal_id.unwrap(), "beheer@school.example", ApplyOptions::default()).await.unwrap();
        let years = gw.school_years("99DE00").await.unwrap();
        assert_eq!(years[0].completed_by.as_deref(), Some("beheer@school.example"), "{}", db.name);
        for day in [3, 4, 5] {
            clock.set(at(2026, 10, day));
            let tick = gw.school_year_tick().await.unwrap();
            assert!(tick.started.is_empty() && tick.reminders == 0, "{}: 2026-10-{day}: {tick:?}", db.name);
        }
        assert_eq!(reminders(&gw).await.len(), 2);
        // Next year's 1 October: the gateway starts 2027-2028 in turn.
        clock.set(at(2027, 10, 1));
        las.las.rollover("99DE00").await.unwrap();
        let tick = gw.school_year_tick().await.unwrap();
        assert_eq!(tick.started.iter().map(|s| s.schooljaar.as_str()).collect::<Vec<_>>(), ["2027-2028"]);
    }
}

#[tokio::test]
async fn a_year_transition_makes_everything_new_keeps_the_old_year_and_results_flow_on() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Parnassys, 40, clock.clone()).await;
        imported(&gw, &las, "99DE00").await;
        let old_year = gw.records("99DE00").await.unwrap();
        let old_pupils: Vec<i64> = old_year.leerlingen.iter().map(|l| l.id).collect();
        clock.set(at(2025, 11, 3));
        let old_result =
            gw.record_result(&result(old_pupils[0], "herfst", clock_now(&clock)), "platform").await.unwrap();
        assert_eq!(gw.deliver(&Default::default()).await.unwrap().delivered, 1, "{}", db.name);

        clock.set(at(2026, 8, 20));
        let moved = las.las.rollover("99DE00").await.unwrap();
        assert!(moved.left > 0, "the generated school has a groep 8 that leaves");
        let start = gw.prepare_school_year("99DE00", "admin@school").await.unwrap();
        let view = gw.proposal(start.proposal_id.unwrap()).await.unwrap();
        let p = &view.proposal;
        // Every group, teacher and pupil is new; nothing to link, nothing to deactivate.
        assert_eq!(p.summary.leerlingen.new, moved.moved_up, "{}", db.name);
        assert_eq!(p.summary.groepen.new, p.groepen.len());
        assert!(p.leerlingen.iter().all(|i| i.category == Category::New), "{}", db.name);
        assert!(p.groepen.iter().all(|i| i.category == Category::New));
        assert!(p.leerkrachten.iter().all(|i| i.category == Category::New));
        assert!(p.deactivations.is_empty() && !p.safety.needs_override);
        // Until the admin completes the year, the old one goes on: it is the current year
        // and its results flow.
        let current = gw.records("99DE00").await.unwrap();
        assert_eq!(current.leerlingen.iter().map(|l| l.id).collect::<Vec<_>>(), old_pupils, "{}", db.name);
        clock.set(at(2026, 8, 21));
        gw.record_result(&result(old_pupils[1], "zomer", clock_now(&clock)), "platform").await.unwrap();
        assert_eq!(gw.deliver(&Default::default()).await.unwrap().delivered, 1, "{}", db.name);
        gw.apply_proposal(view.id, "admin@school", ApplyOptions::default()).await.unwrap();
        let (old_link, new_link) = start.koppelingen[0];
        let (old_link, new_link) = (gw.koppeling(old_link).await.unwrap(), gw.koppeling(new_link).await.unwrap());
        assert_eq!((old_link.status, old_link.has_key), (Status::Revoked, false), "{}: closed", db.name);
        assert_eq!((new_link.status, new_link.has_key), (Status::Active, true));

        // The old year is intact: every record, every result, queryable by year.
        let kept = gw.records_of_year("99DE00", Some("2025-2026")).await.unwrap();
        assert_eq!(kept.leerlingen.iter().map(|l| l.id).collect::<Vec<_>>(), old_pupils, "{}", db.name);
        assert_eq!(kept.groepen.len(), old_year.groepen.len());
        let mut conn = gw.store().pool().acquire().await.unwrap();
        assert_eq!(uwlr::store::records::count_results(&mut conn, "99DE00").await.unwrap(), 2);
        drop(conn);
        // ... and closed: its groups are deactivated, its pupils who left are on the
        // deactivated list, those who came back keep their old record as history.
        assert!(kept.groepen.iter().all(|g| !g.active), "{}", db.name);
        let archived = gw.deactivated("99DE00").await.unwrap();
        assert_eq!(archived.leerlingen.len(), moved.left, "{}: the leavers", db.name);
        assert_eq!(kept.leerlingen.iter().filter(|l| !l.active).count(), moved.left);
        let new_year = gw.records("99DE00").await.unwrap();
        assert_eq!(new_year.leerlingen.len(), moved.moved_up, "{}", db.name);
        assert!(new_year.leerlingen.iter().all(|l| l.active && !old_pupils.contains(&l.id)));

        // A closed year's record gets no new result; the new year's results flow.
        let stayed = kept.leerlingen.iter().find(|l| l.active).unwrap().id;
        let e = gw.record_result(&result(stayed, "najaar", clock_now(&clock)), "platform").await.unwrap_err();
        let e = conflict(e);
        assert!(e.contains("2025-2026") && e.contains("closed when 2026-2027 was completed"), "{e}");
        let r = gw
            .record_result(&result(new_year.leerlingen[0].id, "najaar", clock_now(&clock)), "platform")
            .await
            .unwrap();
        let report = gw.deliver(&Default::default()).await.unwrap();
        assert_eq!((report.delivered, report.refused, report.failed_links.len()), (1, 0, 0), "{}: {report:?}", db.name);
        let got = las.las.results("99DE00").await.unwrap();
        let keys: Vec<&str> = got.results.iter().map(|r| r.key.as_str()).collect();
        assert!(keys.contains(&r.key.as_str()) && keys.contains(&old_result.key.as_str()), "{keys:?}");
    }
}

fn clock_now(clock: &uwlr::mock::ManualClock) -> DateTime<Utc> {
    use uwlr::clock::Clock;
    clock.now()
}

#[tokio::test]
async fn a_first_import_without_pupils_does_not_complete_the_year() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Parnassys, 12, clock.clone()).await;
        imported(&gw, &las, "99DE00").await;
        let before = gw.records("99DE00").await.unwrap().leerlingen.len();

        // The LAS still serves 2025-2026: it has nothing for 2026-2027.
        clock.set(at(2026, 8, 3));
        let start = gw.prepare_school_year("99DE00", "admin@school").await.unwrap();
        let e = gw.apply_proposal(start.proposal_id.unwrap(), "admin@school", ApplyOptions::default()).await;
        let e = conflict(e.unwrap_err());
        assert!(e.contains("brings no pupils") && e.contains("still serves the old year"), "{e}");
        let kept = gw.records_of_year("99DE00", Some("2025-2026")).await.unwrap();
        assert_eq!(kept.leerlingen.iter().filter(|l| l.active).count(), before, "{}: nothing closed", db.name);
        assert!(gw.school_years("99DE00").await.unwrap()[0].completed_at.is_none());

        // Once the LAS has moved on, the next fetch brings the year and completes it.
        clock.set(at(2026, 8, 4));
        las.las.rollover("99DE00").await.unwrap();
        clock.set(at(2026, 8, 5));
        let link = start.koppelingen[0].1;
        let out = gw.fetch(link, true, "admin@school", &no_progress()).await.unwrap();
        gw.apply_proposal(out.proposal_id, "admin@school", ApplyOptions::default()).await.unwrap();
        assert!(gw.school_years("99DE00").await.unwrap()[0].completed_at.is_some(), "{}", db.name);
    }
}

/// The new year's LAS link revoked before its import was applied: the reminders go on, and
/// say that a new link is needed rather than pointing at a proposal nobody can apply.
#[tokio::test]
async fn a_reminder_for_a_year_whose_link_was_revoked_says_so() {
    for db in databases().await {
        let (clock, gw, las) = school_with_admin(&db).await;
        clock.set(at(2026, 10, 1));
        las.las.rollover("99DE00").await.unwrap();
        let tick = gw.school_year_tick().await.unwrap();
        let (_, new_link) = tick.started[0].koppelingen[0];
        gw.revoke_koppeling(new_link, "support@boom", Some("wrong school")).await.unwrap();

        clock.set(at(2026, 10, 2));
        assert_eq!(gw.school_year_tick().await.unwrap().reminders, 1, "{}", db.name);
        match reminders(&gw).await.as_slice() {
            [Notification::SchoolYearWaiting { proposal_id: None, koppeling_gone: true, .. }] => {}
            other => panic!("{}: {other:?}", db.name),
        }
    }
}
