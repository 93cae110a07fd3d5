//! The night's units of work on the gateway side, as data: a fetch with its proposal
//! applied, one link's delivery run, a school's school-year start. The same [`execute`] runs
//! them in this process or in a worker process ([`super::worker`]), so a gateway killed in
//! the middle of one leaves a job that can simply be run again: a fetch supersedes the open
//! proposal, an apply is one transaction, a delivery run takes its own claims back (one
//! lease owner per link) and the receiver keeps a result once by its key, and a school year
//! started already is carried on with its new link's fetch.

use super::ADMIN;
use crate::cli::Failure;
use crate::clock::ManualClock;
use crate::gateway::delivery::DeliverOptions;
use crate::gateway::fetch_limits::FetchLimits;
use crate::gateway::imports::ApplyOptions;
use crate::gateway::{Gateway, GatewayError};
use crate::koppeling::Status;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Tries per fetch (each itself with the client's retries for transient failures).
const FETCH_TRIES: usize = 5;

/// One unit of the night's gateway work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "job", rename_all = "snake_case")]
pub enum Job {
    /// Fetch a LAS link (full, or a delta where possible) and apply its proposal.
    Import { link: i64, endpoint: String, full: bool },
    /// One link's delivery run, all its messages.
    Deliver { link: i64 },
    /// The admin starts the next school year of `location` on `at` (the gateway's clock
    /// moved there); the new year's first import is applied.
    Year { location: String, link: i64, endpoint: String, at: DateTime<Utc> },
}

impl Job {
    /// The LAS the job fetches from (its fetch-limit permit), if it fetches.
    pub fn endpoint(&self) -> Option<&str> {
        match self {
            Job::Import { endpoint, .. } | Job::Year { endpoint, .. } => Some(endpoint),
            Job::Deliver { .. } => None,
        }
    }
}

/// What one job did, for the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Fetch latencies in ms (the LAS call, the answer stored and the proposal computed).
    pub fetch_ms: Vec<f64>,
    pub apply_ms: Option<f64>,
    /// The proposal applied.
    pub applied: Option<i64>,
    pub fetch_retries: usize,
    pub delivery_ms: Option<f64>,
    pub messages: usize,
    /// The delivery run postponed results (a LAS failing now and then): run it again later.
    pub again: bool,
    /// A school year found started already (its worker was killed after the start).
    pub resumed: bool,
    /// VmHWM of the process that ran it, in MiB (workers; 0 in this process).
    pub peak_rss_mib: f64,
}

/// Hears of an apply before it happens, so that a proposal applied by a worker killed
/// before it answered is still known as the admin's.
pub trait Journal: Send + Sync {
    fn applying(&self, proposal: i64) -> impl Future<Output = ()> + Send;
}

/// No journal (in this process, the outcome says it).
impl Journal for () {
    async fn applying(&self, _proposal: i64) {}
}

/// Runs one job. `limits`: the fetch permits to take here (`None` where the caller took
/// them, as the parent of worker processes does).
pub async fn execute<J: Journal>(
    gw: &Gateway,
    limits: Option<&FetchLimits>,
    job: &Job,
    journal: &J,
) -> Result<Outcome, Failure> {
    let mut out = Outcome::default();
    match job {
        Job::Import { link, endpoint, full } => {
            import(gw, limits, endpoint, *link, *full, false, journal, &mut out).await?;
        }
        Job::Deliver { link } => {
            let gw = gw.with_own_delivery_run();
            // One owner per link: a run again after a kill takes the claims of the killed
            // one back at once instead of waiting for their lease to run out.
            let opts = DeliverOptions {
                owner: format!("simulate-link-{link}"),
                koppeling: Some(*link),
                backoff: chrono::Duration::seconds(1),
                max_backoff: chrono::Duration::seconds(1),
                ..DeliverOptions::default()
            };
            let t = Instant::now();
            let r = gw.deliver(&opts).await?;
            out.delivery_ms = Some(ms(t));
            out.messages = r.messages;
            out.again = r.postponed > 0 || !r.failed_links.is_empty();
        }
        Job::Year { location, link, endpoint, at } => {
            let gw = gw.with_clock(Arc::new(ManualClock::new(*at)));
            let permit = match limits {
                Some(l) => Some(l.acquire(endpoint).await),
                None => None,
            };
            let t = Instant::now();
            let started = gw.prepare_school_year(location, ADMIN).await;
            drop(permit);
            match started {
                Ok(start) => {
                    let new = start
                        .koppelingen
                        .iter()
                        .find(|(o, _)| o == link)
                        .map(|(_, n)| *n)
                        .ok_or_else(|| Failure::usage(format!("{location}: the LAS link was not carried over")))?;
                    match start.proposal_id {
                        Some(p) => {
                            out.fetch_ms.push(ms(t));
                            let proposal = gw.proposal(p).await?.proposal;
                            apply(&gw, p, &proposal, true, journal, &mut out).await?;
                        }
                        None => {
                            out.fetch_retries += 1;
                            import(&gw, limits, endpoint, new, true, true, journal, &mut out).await?;
                        }
                    }
                }
                Err(GatewayError::Conflict(why)) => {
                    // Started already: its link of the new year fetched (again) and applied.
                    let new = gw
                        .koppelingen(Some(location))
                        .await?
                        .into_iter()
                        .filter(|k| k.id > *link && !k.kind.is_dashboard() && k.status == Status::Active)
                        .map(|k| k.id)
                        .max()
                        .ok_or_else(|| Failure::refused(format!("{location}: {why}")))?;
                    out.resumed = true;
                    import(&gw, limits, endpoint, new, true, true, journal, &mut out).await?;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(out)
}

/// A fetch under the limits (tried again after a transient failure), then the proposal
/// applied as a scripted admin would.
#[allow(clippy::too_many_arguments)]
async fn import<J: Journal>(
    gw: &Gateway,
    limits: Option<&FetchLimits>,
    endpoint: &str,
    link: i64,
    full: bool,
    year: bool,
    journal: &J,
    out: &mut Outcome,
) -> Result<(), Failure> {
    let mut tries = 0;
    let fetched = loop {
        tries += 1;
        let permit = match limits {
            Some(l) => Some(l.acquire(endpoint).await),
            None => None,
        };
        let t = Instant::now();
        let r = gw.fetch(link, full, ADMIN, &|_| {}).await;
        drop(permit);
        match r {
            Ok(o) => {
                out.fetch_ms.push(ms(t));
                break o;
            }
            Err(GatewayError::Upstream(e)) if tries < FETCH_TRIES => {
                tracing::info!(koppeling = link, error = %e, "fetch failed; tried again");
                out.fetch_retries += 1;
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => return Err(e.into()),
        }
    };
    if fetched.nothing_to_do {
        return Ok(());
    }
    apply(gw, fetched.proposal_id, &fetched.proposal, year, journal, out).await
}

/// Accept the suggestions (where the proposal, as fetched, has any: an admin who sees none
/// does not press the button), apply; a new year's groep 8 leaving is confirmed (the safety
/// limit is for imports that lose pupils unexpectedly).
async fn apply<J: Journal>(
    gw: &Gateway,
    proposal: i64,
    content: &crate::import::Proposal,
    year: bool,
    journal: &J,
    out: &mut Outcome,
) -> Result<(), Failure> {
    let t = Instant::now();
    if !content.suggested_links().is_empty() {
        gw.accept_suggestions(proposal, ADMIN).await?;
    }
    journal.applying(proposal).await;
    gw.apply_proposal(proposal, ADMIN, ApplyOptions { override_safety: year, ..Default::default() }).await?;
    out.apply_ms = Some(ms(t));
    out.applied = Some(proposal);
    Ok(())
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_travel_as_one_json_line() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-08-20T09:00:00Z").unwrap().with_timezone(&Utc);
        for job in [
            Job::Import { link: 3, endpoint: "http://127.0.0.1:1/uwlr".into(), full: true },
            Job::Deliver { link: 4 },
            Job::Year { location: "00AA00".into(), link: 3, endpoint: "http://x/uwlr".into(), at },
        ] {
            let line = serde_json::to_string(&job).unwrap();
            assert!(!line.contains('\n'));
            assert_eq!(serde_json::from_str::<Job>(&line).unwrap(), job);
        }
        assert_eq!(Job::Deliver { link: 1 }.endpoint(), None);
    }
}
