//! A school-year transition (DOMAIN.md §4), end to end against a mock ParnasSys, with the
//! clock in the example's hands.
//!
//! ```sh
//! cargo run --example year_transition
//! ```
//!
//! In school year 2025-2026 the school links its LAS, the first import is applied and a
//! result is delivered. On 20 August 2026 the LAS has moved on to 2026-2027 (pupils one
//! jaargroep up, groep 8 gone, new class groups) and an admin prepares the new year: the
//! koppeling continues in 2026-2027 with the same endpoint, key and the keys its pupils and
//! teachers came in with, and the new year's data waits as a proposal in which every group
//! is new and every continuing pupil and teacher is found as existing (the pupils in their
//! new groups), the leavers proposed as such. Until it is applied, 2025-2026 goes on (a late
//! result still goes through the old koppeling). Applying it completes the year: the old
//! koppeling is closed, the 2025-2026 enrolments stay queryable, the leavers are archived, and
//! the same pupil records (same Boom number, all their results) take the new year's results,
//! which reach the LAS through the new koppeling. Exits non-zero when anything is not as
//! described.

use chrono::{Duration, TimeZone, Utc};
use std::sync::Arc;
use uwlr::clock::{Clock, ManualClock};
use uwlr::gateway::delivery::DeliverOptions;
use uwlr::gateway::imports::ApplyOptions;
use uwlr::gateway::koppelingen::KoppelingRequest;
use uwlr::gateway::{Gateway, GatewayError, Settings};
use uwlr::import::{Category, Snapshot};
use uwlr::koppeling::{Kind, Status};
use uwlr::message::values::Schooljaar;
use uwlr::mock::las::{IssueKeyRequest, SchoolSetup};
use uwlr::mock::{Klant, MockLas, Profile};
use uwlr::results::{NewResult, Scores};
use uwlr::server::{bind, serve, ServerConfig};
use uwlr::store::Store;
use uwlr::vault::Vault;

type Error = Box<dyn std::error::Error>;

const SCHOOL: &str = "99DE00";

/// Fails the example (exit 1) with `what` unless `ok`.
fn check(ok: bool, what: impl Into<String>) -> Result<(), Error> {
    if ok {
        Ok(())
    } else {
        Err(format!("not as expected: {}", what.into()).into())
    }
}

fn active(s: &Snapshot) -> usize {
    s.leerlingen.iter().filter(|l| l.active).count()
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    // One clock for the LAS and the gateway: 1 October 2025, 08:00 UTC.
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2025, 10, 1, 8, 0, 0).single().ok_or("date")?));
    let year = Schooljaar::parse("2025-2026")?;
    let las = MockLas::builder(Profile::Parnassys)
        .clock(clock.clone())
        .klant(Klant::boom())
        .school(SchoolSetup::generated("99DE", "00", 40, 1, year))
        .build()?;
    let server = serve(Arc::new(las.clone()), bind("127.0.0.1:0".parse()?)?, ServerConfig::default()).await?;
    let key = las.issue_key(SCHOOL, &IssueKeyRequest::default()).await?.autorisatiesleutel;

    let dir = tempfile::tempdir()?;
    let gw =
        Gateway::new(Store::open_dir(dir.path()).await?, Vault::open(dir.path())?, clock.clone(), Settings::default());

    println!("== {}: school year 2025-2026", clock.now().format("%-d %B %Y"));
    let request = KoppelingRequest {
        location: SCHOOL.into(),
        schooljaar: year.to_string(),
        kind: Kind::Parnassys,
        endpoint: Some(format!("{}/uwlr", server.base_url())),
        key: Some(key),
        reason: None,
    };
    let link = gw.request_koppeling(&request, "admin@school").await?;
    let link = gw.approve_koppeling(link.id, "support@boom", None).await?;
    check(link.status == Status::Active, "the koppeling is active once approved with its key")?;
    println!("koppeling {} ({} {}) is active", link.id, link.kind, link.schooljaar);

    let fetched = gw.fetch(link.id, true, "admin@school", &|_| {}).await?;
    let report = gw.apply_proposal(fetched.proposal_id, "admin@school", ApplyOptions::default()).await?;
    let old = gw.records(SCHOOL).await?;
    println!(
        "first import applied (proposal {}): {} groepen, {} leerkrachten, {} leerlingen",
        fetched.proposal_id, report.created[0], report.created[1], report.created[2]
    );
    check(!old.leerlingen.is_empty() && old.leerlingen.len() == report.created[2] as usize, "the pupils imported")?;

    clock.advance(Duration::days(1));
    let pupil = &old.leerlingen[0];
    let result = |leerling_id: i64, afname: &str, score: u64| NewResult {
        leerling_id,
        toetscode: "REK".into(),
        toetsonderdeel: None,
        afname: afname.into(),
        afnamedatum: clock.now().date_naive(),
        scores: Scores::Raw { score },
        normed_at: clock.now(),
    };
    let first = gw.record_result(&result(pupil.id, "2025-10", 31), "platform").await?;
    let run = gw.deliver(&DeliverOptions::default()).await?;
    let got = las.results(SCHOOL).await?;
    check(run.delivered == 1 && got.distinct == 1, format!("one result delivered, got {run:?}"))?;
    println!("result {} for pupil {} delivered; the LAS holds {} result(s)", first.key, pupil.id, got.distinct);

    // Too early: preparing opens on 1 August.
    clock.set(Utc.with_ymd_and_hms(2026, 7, 15, 9, 0, 0).single().ok_or("date")?);
    match gw.prepare_school_year(SCHOOL, "admin@school").await {
        Err(GatewayError::Conflict(why)) => {
            println!("\n{}: preparing is refused: {why}", clock.now().format("%-d %B %Y"))
        }
        other => return Err(format!("preparing in July should be refused, got {other:?}").into()),
    }

    clock.set(Utc.with_ymd_and_hms(2026, 8, 20, 9, 0, 0).single().ok_or("date")?);
    println!("\n== {}: the LAS moves on to 2026-2027, the admin prepares it", clock.now().format("%-d %B %Y"));
    let rollover = las.rollover(SCHOOL).await?;
    println!(
        "LAS rollover: {} pupils moved up, {} left (groep 8), {} class groups renewed",
        rollover.moved_up, rollover.left, rollover.groepen
    );

    let start = gw.prepare_school_year(SCHOOL, "admin@school").await?;
    check(start.schooljaar == "2026-2027" && !start.automatic, format!("2026-2027 started by the admin: {start:?}"))?;
    check(start.fetch_error.is_none(), format!("the first fetch of the new year: {:?}", start.fetch_error))?;
    let &[(old_link, new_link)] = start.koppelingen.as_slice() else {
        return Err(format!("one koppeling carried over, got {:?}", start.koppelingen).into());
    };
    let (was, now) = (gw.koppeling(old_link).await?, gw.koppeling(new_link).await?);
    check(now.status == Status::Active && now.has_key && now.endpoint == was.endpoint, "the new one is active")?;
    check(was.status == Status::Active, "the 2025-2026 koppeling goes on until the new year is completed")?;
    println!(
        "school year {} started; koppeling {old_link} ({}) continues as {new_link} ({}, {}), same endpoint and key; \
         {old_link} stays {} until 2026-2027 is completed",
        start.schooljaar, was.schooljaar, now.schooljaar, now.status, was.status
    );

    let proposal_id = start.proposal_id.ok_or("the new year's proposal")?;
    let view = gw.proposal(proposal_id).await?;
    let p = &view.proposal;
    let s = &p.summary;
    println!(
        "proposal {proposal_id}: groepen {} new, leerkrachten {} new, leerlingen {} new; existing {}, deactivations {}",
        s.groepen.new,
        s.leerkrachten.new,
        s.leerlingen.new,
        s.groepen.existing_changed + s.leerkrachten.existing_changed + s.leerlingen.existing_changed,
        p.deactivations.len()
    );
    let groups_new = p.groepen.iter().all(|i| i.category == Category::New);
    let carried_on = p.leerkrachten.iter().all(|i| i.category != Category::New)
        && p.leerlingen.iter().all(|i| matches!(i.category, Category::Existing { .. }));
    check(groups_new && carried_on, "groups are new; pupils and teachers carry on, found by their keys")?;
    check(p.leerlingen.len() == rollover.moved_up, "every pupil the LAS still has, in a new group")?;
    check(p.deactivations.len() >= rollover.left, "the leavers are proposed as such")?;
    let years = gw.school_years(SCHOOL).await?;
    check(years.len() == 1 && years[0].completed_at.is_none(), "the year is started, not completed")?;

    // Until the new year is completed, the old one goes on: its pupils take results, and
    // its koppeling delivers them.
    let stays = old.leerlingen.iter().find(|l| l.jaargroep.as_deref() != Some("8")).ok_or("a pupil who stays")?;
    let late = gw.record_result(&result(stays.id, "2026-06", 25), "platform").await?;
    let run = gw.deliver(&DeliverOptions::default()).await?;
    check(run.delivered == 1, format!("a late 2025-2026 result still goes through koppeling {old_link}: {run:?}"))?;
    println!("until then 2025-2026 goes on: late result {} delivered through koppeling {old_link}", late.key);

    let applied = gw.apply_proposal(proposal_id, "admin@school", ApplyOptions::default()).await?;
    println!(
        "applied: {} groepen, {} leerkrachten, {} leerlingen created",
        applied.created[0], applied.created[1], applied.created[2]
    );
    let years = gw.school_years(SCHOOL).await?;
    let done = years.first().and_then(|y| y.completed_at.map(|at| (y.completed_by.clone(), at)));
    check(done.is_some(), "applying the first import completes the year")?;
    if let Some((by, at)) = done {
        println!("school year 2026-2027 completed by {} at {}", by.unwrap_or_default(), at.format("%Y-%m-%d %H:%M"));
    }

    let was = gw.koppeling(old_link).await?;
    check(
        was.status == Status::Revoked && !was.has_key,
        format!("koppeling {old_link} closed, key forgotten: {was:?}"),
    )?;
    println!("koppeling {old_link} ({}) is {} and forgot its key", was.schooljaar, was.status);

    let kept = gw.records_of_year(SCHOOL, Some("2025-2026")).await?;
    let new = gw.records(SCHOOL).await?;
    println!(
        "records of 2025-2026: {} groepen ({} active), {} leerlingen ({} still at school)",
        kept.groepen.len(),
        kept.groepen.iter().filter(|g| g.active).count(),
        kept.leerlingen.len(),
        active(&kept)
    );
    println!("records of 2026-2027: {} groepen, {} leerlingen", new.groepen.len(), new.leerlingen.len());
    check(kept.leerlingen.len() == old.leerlingen.len(), "the 2025-2026 pupils are all still there")?;
    check(kept.groepen.iter().all(|g| !g.active), "the 2025-2026 groups are closed")?;
    check(active(&kept) == rollover.moved_up, "only the pupils who left are deactivated")?;
    check(new.leerlingen.len() == rollover.moved_up && active(&new) == new.leerlingen.len(), "the new year's pupils")?;
    let again = new.leerlingen.iter().find(|l| l.id == stays.id).ok_or("the pupil who stays keeps its record")?;
    check(again.boom_nummer == stays.boom_nummer && again.groep != stays.groep, "same number, new group")?;
    println!(
        "pupil {} carries on: Boom number {}, in a new group",
        stays.id,
        again.boom_nummer.as_deref().unwrap_or("-")
    );

    clock.advance(Duration::days(30));
    let pupil = again;
    let las_key = pupil.external.as_ref().and_then(|e| e.las_key.clone()).ok_or("the new pupil's LAS key")?;
    let second = gw.record_result(&result(pupil.id, "2026-09", 27), "platform").await?;
    let run = gw.deliver(&DeliverOptions::default()).await?;
    let got = las.results(SCHOOL).await?;
    let arrived = got.results.iter().find(|r| r.key == second.key);
    check(run.delivered == 1 && got.distinct == 3, format!("the new year's result delivered: {run:?}"))?;
    check(arrived.is_some_and(|r| r.leerling == las_key), "the LAS got it under the pupil's LAS key")?;
    println!(
        "\n== {}: result {} for pupil {} (2026-2027, LAS key {las_key}) delivered through koppeling {new_link}; \
         the LAS holds {} result(s)",
        clock.now().format("%-d %B %Y"),
        second.key,
        pupil.id,
        got.distinct
    );

    server.shutdown().await;
    println!("ok");
    Ok(())
}
