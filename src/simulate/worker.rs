//! One gateway instance as its own process (`uwlr simulate --worker N`, started by
//! [`super::workers`]): it opens the shared PostgreSQL store and runs the [`Job`]s its
//! parent sends, one JSON line each on standard input, several at once, and answers each
//! with an [`Event`] line on standard output. Before it applies a proposal it says so (and
//! the line is written before the apply starts), so a proposal applied by a worker that is
//! killed before it can answer is still known as the admin's.
//!
//! Plain threads and std pipes, not tokio's process support: the crate's tokio features
//! stay as they are.

use super::jobs::{self, Job, Journal, Outcome};
use super::report::peak_rss_mib;
use crate::cli::Failure;
use crate::gateway::{Gateway, Settings};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};
use std::path::Path;

/// A job as sent to a worker.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Request {
    pub id: u64,
    pub job: Job,
}

/// What a worker says about a job.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// About to apply this proposal.
    Applying {
        id: u64,
        proposal: i64,
    },
    Done {
        id: u64,
        outcome: Outcome,
    },
    Failed {
        id: u64,
        error: String,
    },
}

/// Writes event lines to standard output, each whole and flushed before the call returns.
struct Out;

impl Out {
    fn send(&self, e: &Event) {
        if let Ok(line) = serde_json::to_string(e) {
            let mut out = std::io::stdout().lock();
            // The parent gone means the end of this process anyway.
            let _ = writeln!(out, "{line}").and_then(|()| out.flush());
        }
    }
}

struct Announce<'a> {
    out: &'a Out,
    id: u64,
}

impl Journal for Announce<'_> {
    async fn applying(&self, proposal: i64) {
        self.out.send(&Event::Applying { id: self.id, proposal });
    }
}

/// Runs jobs until standard input closes.
pub async fn serve(database_url: &str, data_dir: &Path) -> Result<(), Failure> {
    let gw = Gateway::open(data_dir, Some(database_url), Settings::default()).await?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut tasks = tokio::task::JoinSet::new();
    while let Some(line) = rx.recv().await {
        let req: Request = serde_json::from_str(&line)
            .map_err(|e| Failure::usage(format!("a worker got a line it cannot read: {e}")))?;
        let gw = gw.clone();
        tasks.spawn(async move {
            let out = Out;
            let journal = Announce { out: &out, id: req.id };
            let event = match jobs::execute(&gw, None, &req.job, &journal).await {
                Ok(mut o) => {
                    o.peak_rss_mib = peak_rss_mib();
                    Event::Done { id: req.id, outcome: o }
                }
                Err(e) => Event::Failed { id: req.id, error: e.message },
            };
            out.send(&event);
        });
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
    gw.store().close().await;
    Ok(())
}
