//! The test platform's backend embedding the gateway: it runs an import with decisions of
//! its own instead of an admin clicking through the proposal.
//!
//! ```sh
//! cargo run --example embed_import
//! ```
//!
//! A mock ParnasSys stands in for the school's LAS. The backend's policy here:
//! - a teacher without e-mail gets the address from the platform's own staff directory;
//! - a pupil the proposal suggests by name and birth date is linked, never duplicated;
//! - composed groups (samengestelde groepen) are not imported;
//! - leavers are archived only when the safety gate does not object.

use std::sync::Arc;
use uwlr::clock::SystemClock;
use uwlr::gateway::imports::ApplyOptions;
use uwlr::gateway::koppelingen::KoppelingRequest;
use uwlr::gateway::{Gateway, Settings};
use uwlr::import::{CandidateReason, Category, Decision, Flag};
use uwlr::koppeling::Kind;
use uwlr::message::values::Schooljaar;
use uwlr::mock::las::{IssueKeyRequest, SchoolSetup};
use uwlr::mock::{Klant, MockLas, Profile};
use uwlr::server::{bind, serve, ServerConfig};
use uwlr::store::Store;
use uwlr::vault::Vault;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The school's LAS (a mock on loopback) with one school and its key.
    let year = Schooljaar::containing(chrono::Utc::now().date_naive()).ok_or("no school year")?;
    let las = MockLas::builder(Profile::Parnassys)
        .klant(Klant::boom())
        .school(SchoolSetup::generated("99DE", "00", 120, 7, year))
        .build()?;
    let server = serve(Arc::new(las.clone()), bind("127.0.0.1:0".parse()?)?, ServerConfig::default()).await?;
    let key = las.issue_key("99DE00", &IssueKeyRequest::default()).await?.autorisatiesleutel;

    // The backend's gateway: its own database and master key (here: a temporary folder).
    let dir = tempfile::tempdir()?;
    let store = Store::open_dir(dir.path()).await?;
    let gw = Gateway::new(store, Vault::open(dir.path())?, Arc::new(SystemClock), Settings::default());

    let link = gw
        .request_koppeling(
            &KoppelingRequest {
                location: "99DE00".into(),
                schooljaar: year.to_string(),
                kind: Kind::Parnassys,
                endpoint: Some(format!("{}/uwlr", server.base_url())),
                key: Some(key),
                reason: None,
            },
            "backend",
        )
        .await?;
    gw.approve_koppeling(link.id, "backend", Some("approved by the platform's onboarding flow")).await?;

    let fetched = gw.fetch(link.id, false, "backend", &|_| {}).await?;
    let p = &fetched.proposal;
    let mut decisions = Vec::new();
    for g in &p.groepen {
        if g.fields.samengesteld {
            decisions.push(Decision::Skip { record: g.record.clone() });
        }
    }
    for t in &p.leerkrachten {
        if t.flags.contains(&Flag::NoEmail) {
            let email = staff_directory(t.fields.roepnaam.as_deref(), t.fields.achternaam.as_deref());
            decisions.push(Decision::Email { record: t.record.clone(), email });
        }
    }
    for l in &p.leerlingen {
        let known = l.candidates.iter().find(|c| c.reason == CandidateReason::NameAndBirthDate);
        if let (Category::New, Some(c)) = (&l.category, known) {
            decisions.push(Decision::Link { record: l.record.clone(), to: c.id });
        }
    }
    let view = gw.decide(fetched.proposal_id, &decisions, "backend").await?;
    let report = gw.apply_proposal(view.id, "backend", ApplyOptions::default()).await?;
    println!(
        "imported: {} groups, {} teachers, {} pupils (skipped: {} groups, {} pupils); {} invitations queued",
        report.created[0],
        report.created[1],
        report.created[2],
        report.skipped[0],
        report.skipped[2],
        report.invitations.len()
    );
    server.shutdown().await;
    Ok(())
}

/// The platform's own staff directory (here: a rule).
fn staff_directory(roepnaam: Option<&str>, achternaam: Option<&str>) -> String {
    let name = [roepnaam, achternaam].into_iter().flatten().collect::<Vec<_>>().join(".").to_lowercase();
    format!("{}@school.example", name.replace(' ', ""))
}
