//! The school-year transition against the mock LAS, on SQLite and on PostgreSQL, with the
//! clock standing on 31 July, 1 August, 30 September and 1 October: preparing only in the
//! window, the automatic start on 1 October that applies nothing, a reminder a day until the
//! admin completes the year and none after, and pupils and teachers who carry on through
//! three school years as one record each, with their Boom number and results.

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
use uwlr::mock::dashboard::{ActivateToets, DashboardKeyRequest, DashboardSchool};
use uwlr::mock::Profile;
use uwlr::mock::{DashboardKind, Klant, MockDashboard, SchoolName};
use uwlr::notify::Notification;
use uwlr::results::{NewResult, Scores};
use uwlr::server::{bind, serve, RunningServer, ServerConfig};

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
        assert_eq!(
            (new.status, new.has_key, new.schooljaar.to_string()),
            (Status::Active, true, "2026-2027".to_string())
        );
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
        assert!(proposal.proposal.summary.leerlingen.existing_changed > 0, "the pupils carry on, to new groups");
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

/// A SchoolKr8 mock on loopback that knows 99DE00.
async fn schoolkr8(clock: Arc<ManualClock>) -> (MockDashboard, RunningServer, String) {
    let d = MockDashboard::with_clock(
        DashboardKind::Schoolkr8,
        vec![Klant::boom()],
        vec![DashboardSchool::new(SchoolName::brin("99DE", "00"))],
        clock,
    );
    let server = serve(Arc::new(d.clone()), bind("127.0.0.1:0".parse().unwrap()).unwrap(), ServerConfig::default())
        .await
        .unwrap();
    let endpoint = format!("{}/uwlr", server.base_url());
    (d, server, endpoint)
}

fn invitations(outbox: &[Notification]) -> usize {
    outbox.iter().filter(|n| matches!(n, Notification::TeacherInvitation { .. })).count()
}

async fn notifications(gw: &Gateway) -> Vec<Notification> {
    gw.outbox(10_000).await.unwrap().iter().map(|e| serde_json::from_str(&e.notification).unwrap()).collect()
}

/// Acceptance 1 of issue 12: over two and then three school years, a continuing pupil keeps
/// its record, its Boom number and every result; a result after the transition reaches
/// SchoolKr8 under the number the school entered in the first year; no teacher is invited
/// twice; the new year's proposal needs no manual link; a leaver is archived with results.
#[tokio::test]
async fn a_pupil_is_one_pupil_across_three_school_years() {
    for db in databases().await {
        let clock = clock();
        let gw = gateway(&db, clock.clone()).await;
        let las = las(Profile::Parnassys, 40, clock.clone()).await;
        // An intern coach without a group: nothing about her changes from year to year.
        let coach = uwlr::mock::las::NewLeerkracht {
            key: "IB-1".into(),
            achternaam: Some("Smit".into()),
            roepnaam: "Fleur".into(),
            emailadres: Some("f.smit@school.example".into()),
            groepen: vec![],
            ..Default::default()
        };
        las.las.add_leerkracht("99DE00", coach).await.unwrap();
        imported(&gw, &las, "99DE00").await;
        let first = gw.records("99DE00").await.unwrap();
        let ib = first.leerkrachten.iter().find(|t| t.achternaam.as_deref() == Some("Smit")).unwrap().id;
        let invited = invitations(&notifications(&gw).await);
        assert!(invited > 0 && invited <= first.leerkrachten.len(), "{}: teachers with an address invited", db.name);

        // SchoolKr8 in the first year: the school enters every pupil's Boom number, once.
        let (dash, dash_server, endpoint) = schoolkr8(clock.clone()).await;
        let key = "khasgdkj76&g7d^%$gjhsdd";
        dash.issue_key("99DE00", &DashboardKeyRequest { klantcode: None, autorisatiesleutel: Some(key.into()) })
            .await
            .unwrap();
        let numbers: Vec<String> = first.leerlingen.iter().map(|l| l.boom_nummer.clone().unwrap()).collect();
        assert!(numbers.iter().all(|n| n.len() == 10 && n.bytes().all(|b| b.is_ascii_digit())), "{numbers:?}");
        dash.add_leerlingnummers("99DE00", &numbers).await.unwrap();
        dash.activate_toets("99DE00", &ActivateToets { toetscode: "REK".into(), onderdelen: vec![] }).await.unwrap();
        let req = KoppelingRequest {
            location: "99DE00".into(),
            schooljaar: SCHOOLJAAR.into(),
            kind: Kind::Schoolkr8,
            endpoint: Some(endpoint),
            key: Some(key.into()),
            reason: None,
        };
        let d = gw.request_koppeling(&req, "admin").await.unwrap();
        gw.approve_koppeling(d.id, "support", None).await.unwrap();

        // Pupil P stays three years (jaargroep 5 or lower); pupil L leaves with groep 8.
        let jaargroep = |l: &&uwlr::import::KnownLeerling| l.jaargroep.as_deref().and_then(|j| j.parse::<u8>().ok());
        let p = first.leerlingen.iter().find(|l| jaargroep(l).is_some_and(|j| j <= 5)).unwrap().clone();
        let leaver = first.leerlingen.iter().find(|l| jaargroep(l) == Some(8)).unwrap().clone();
        let number = p.boom_nummer.clone().unwrap();
        clock.set(at(2025, 11, 3));
        gw.record_result(&result(p.id, "herfst-2025", clock_now(&clock)), "platform").await.unwrap();
        gw.record_result(&result(leaver.id, "herfst-2025", clock_now(&clock)), "platform").await.unwrap();
        let report = gw.deliver(&Default::default()).await.unwrap();
        assert_eq!((report.delivered, report.refused), (4, 0), "{}: LAS and SchoolKr8, two each: {report:?}", db.name);

        let mut groups_of_p = vec![p.groep];
        for (year, next, afname) in [(2026, "2026-2027", "herfst-2026"), (2027, "2027-2028", "herfst-2027")] {
            clock.set(at(year, 8, 20));
            let moved = las.las.rollover("99DE00").await.unwrap();
            let start = gw.prepare_school_year("99DE00", "admin@school").await.unwrap();
            assert_eq!(start.koppelingen.len(), 2, "{}: the LAS link and the dashboard link carry on", db.name);
            let view = gw.proposal(start.proposal_id.unwrap()).await.unwrap();
            let pr = &view.proposal;
            // Groups are new; every pupil and teacher is found by its key: nothing is new,
            // nothing to link by hand; the leavers are proposed as such.
            assert!(pr.groepen.iter().all(|i| i.category == Category::New), "{} {next}", db.name);
            assert_eq!(pr.summary.leerlingen.new, 0, "{} {next}: {:?}", db.name, pr.summary);
            assert!(pr.leerlingen.iter().all(|i| matches!(i.category, Category::Existing { .. })), "{next}");
            assert_eq!(pr.leerlingen.len(), moved.moved_up, "{} {next}: each with its new group", db.name);
            // No new teacher in the LAS: the Leerkrachten tab has nobody; those who carry on
            // take up their new groups when it is applied.
            assert!(pr.leerkrachten.is_empty(), "{} {next}: {:?}", db.name, pr.leerkrachten);
            assert!(!pr.year_groups.is_empty(), "{next}");
            let leaving = pr.deactivations.iter().filter(|d| d.tab == uwlr::import::Tab::Leerlingen).count();
            assert_eq!(leaving, moved.left, "{} {next}", db.name);
            assert!(!pr.safety.needs_override);
            gw.apply_proposal(view.id, "admin@school", ApplyOptions::default()).await.unwrap();

            let now = gw.records("99DE00").await.unwrap();
            let same = now.leerlingen.iter().find(|l| l.id == p.id).expect("P keeps its record");
            assert_eq!(same.boom_nummer.as_deref(), Some(number.as_str()), "{} {next}: the same Boom number", db.name);
            assert!(same.active && !groups_of_p.contains(&same.groep), "{} {next}: P in its new group", db.name);
            groups_of_p.push(same.groep);
            assert!(now.leerlingen.iter().all(|l| l.id != leaver.id), "{next}: the leaver is not in the new year");
            assert_eq!(invitations(&notifications(&gw).await), invited, "{} {next}: nobody invited twice", db.name);
            let teaching = now.leerkrachten.iter().filter(|t| t.active && !t.groepen.is_empty()).count();
            assert_eq!(teaching, pr.year_groups.len(), "{} {next}: each in this year's groups", db.name);
            assert!(now.leerkrachten.iter().all(|t| t.groepen.iter().all(|g| now.groepen.iter().any(|x| x.id == *g))));
            let coach = now.leerkrachten.iter().find(|t| t.id == ib);
            assert!(coach.is_some_and(|t| t.active), "{} {next}: the unchanged coach carries on", db.name);

            // A result after the transition reaches SchoolKr8 under the first year's number.
            clock.set(at(year, 11, 2));
            let r = gw.record_result(&result(p.id, afname, clock_now(&clock)), "platform").await.unwrap();
            let report = gw.deliver(&Default::default()).await.unwrap();
            assert_eq!((report.delivered, report.refused), (2, 0), "{} {next}: {report:?}", db.name);
            let got = dash.results("99DE00").await.unwrap();
            let arrived = got.results.iter().find(|x| x.key == r.key).expect("at SchoolKr8");
            assert_eq!(arrived.leerling, number, "{} {next}", db.name);
            assert!(dash.errors("99DE00").await.unwrap().is_empty(), "{}: no unknown pupil number", db.name);
        }

        // Each year as it was: P in another group each year, one record throughout.
        for (i, y) in ["2025-2026", "2026-2027", "2027-2028"].into_iter().enumerate() {
            let kept = gw.records_of_year("99DE00", Some(y)).await.unwrap();
            let there = kept.leerlingen.iter().find(|l| l.id == p.id).expect("P enrolled");
            assert_eq!(there.groep, groups_of_p[i], "{} {y}", db.name);
        }
        let first_year = gw.records_of_year("99DE00", Some("2025-2026")).await.unwrap();
        assert_eq!(first_year.leerlingen.len(), first.leerlingen.len(), "{}: the first year stays whole", db.name);
        // Every result hangs on the one record; the leaver is archived with its result.
        let mut conn = gw.store().pool().acquire().await.unwrap();
        let of_p: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM resultaten WHERE leerling_id = $1")
            .bind(p.id)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(of_p, 3, "{}", db.name);
        drop(conn);
        let archived = gw.deactivated("99DE00").await.unwrap();
        assert!(archived.leerlingen.iter().any(|a| a.id == leaver.id), "{}: the leaver is archived", db.name);
        let e =
            conflict(gw.record_result(&result(leaver.id, "later", clock_now(&clock)), "platform").await.unwrap_err());
        assert!(e.contains("deactivated"), "{e}");
        let mut conn = gw.store().pool().acquire().await.unwrap();
        assert_eq!(uwlr::store::records::count_results(&mut conn, "99DE00").await.unwrap(), 4, "{}", db.name);
        drop(conn);
        dash_server.shutdown().await;
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
