//! Gateway instances as separate processes (`uwlr simulate --processes`), and SIGKILL at
//! random moments. Each worker is this same binary (`uwlr simulate --worker N`, see
//! [`super::worker`]) on the shared PostgreSQL store; the mocks stay in this process, so
//! the checks see what arrived.
//!
//! A phase hands its jobs to lanes (several per worker); a lane takes a job, the fetch
//! permit of its LAS (the limits hold across processes because they are taken here), sends
//! it to its worker and waits for the answer. A killer, seeded, sends SIGKILL to a random
//! worker at random moments; its supervisor starts it again, and the jobs it had in hand
//! go back to the queue, to be run again by whichever lane comes first ([`super::jobs`]
//! says why that is safe).

use super::jobs::{Job, Outcome};
use super::worker::{Event, Request};
use crate::cli::Failure;
use crate::gateway::fetch_limits::FetchLimits;
use indicatif::ProgressBar;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, Notify};

type Reply = oneshot::Sender<Result<Outcome, String>>;

/// What the workers did, for the report.
#[derive(Debug, Default)]
pub struct Tallies {
    /// Proposals a worker said it was about to apply.
    pub applying: Mutex<Vec<i64>>,
    pub kills: AtomicUsize,
    /// Jobs run again because their worker was killed.
    pub requeued: AtomicUsize,
    /// Peak RSS per worker (MiB), as its answers report it.
    pub peak_rss_mib: Mutex<Vec<f64>>,
}

struct Slot {
    tx: mpsc::UnboundedSender<(Request, Reply)>,
    kill: Arc<Notify>,
}

/// The worker processes.
pub struct Workers {
    slots: Vec<Slot>,
    tasks: tokio::task::JoinSet<Result<(), String>>,
    killer: Option<tokio::task::JoinHandle<()>>,
    next_id: Arc<AtomicU64>,
    pub tallies: Arc<Tallies>,
}

/// How to start a worker.
struct Spawn {
    exe: PathBuf,
    database_url: String,
    data_dir: PathBuf,
}

impl Spawn {
    fn start(&self, slot: usize) -> std::io::Result<Child> {
        Command::new(&self.exe)
            .arg("simulate")
            .arg("--worker")
            .arg(slot.to_string())
            .arg("--database-url")
            .arg(&self.database_url)
            .arg("--data-dir")
            .arg(&self.data_dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
    }
}

impl Workers {
    /// Starts `n` workers of this binary on the store (its master key in `data_dir`).
    pub fn start(n: usize, database_url: &str, data_dir: &std::path::Path) -> Result<Workers, Failure> {
        let exe = std::env::current_exe()
            .map_err(|e| Failure::usage(format!("cannot find this program to start workers: {e}")))?;
        let spawn = Arc::new(Spawn { exe, database_url: database_url.into(), data_dir: data_dir.into() });
        let tallies = Arc::new(Tallies { peak_rss_mib: Mutex::new(vec![0.0; n]), ..Tallies::default() });
        let mut slots = Vec::with_capacity(n);
        let mut tasks = tokio::task::JoinSet::new();
        for k in 0..n {
            let (tx, rx) = mpsc::unbounded_channel();
            let kill = Arc::new(Notify::new());
            tasks.spawn(supervise(k, spawn.clone(), rx, kill.clone(), tallies.clone()));
            slots.push(Slot { tx, kill });
        }
        Ok(Workers { slots, tasks, killer: None, next_id: Arc::default(), tallies })
    }

    /// SIGKILL to a random worker every `every` on average (between half and one and a
    /// half of it), seeded, until [`Workers::stop_kills`].
    pub fn start_kills(&mut self, every: Duration, seed: u64) {
        let kills: Vec<Arc<Notify>> = self.slots.iter().map(|s| s.kill.clone()).collect();
        self.killer = Some(tokio::spawn(async move {
            let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x4b49_4c4c);
            loop {
                tokio::time::sleep(every.mul_f64(rng.random_range(0.5..1.5))).await;
                kills[rng.random_range(0..kills.len())].notify_one();
            }
        }));
    }

    pub fn stop_kills(&mut self) {
        if let Some(k) = self.killer.take() {
            k.abort();
        }
    }

    /// Runs every job on the workers, `lanes` at once in all; the outcomes in job order.
    pub async fn run_all(
        &self,
        jobs: Vec<Job>,
        limits: &FetchLimits,
        lanes: usize,
        bar: &ProgressBar,
    ) -> Result<Vec<Outcome>, Failure> {
        let n = jobs.len();
        let queue: Arc<Mutex<VecDeque<(usize, Job)>>> = Arc::new(Mutex::new(jobs.into_iter().enumerate().collect()));
        let left = Arc::new(AtomicUsize::new(n));
        let done: Arc<Mutex<Vec<Option<Outcome>>>> = Arc::new(Mutex::new(vec![None; n]));
        let per_slot = lanes.div_ceil(self.slots.len()).max(1);
        let mut set = tokio::task::JoinSet::new();
        for (k, slot) in self.slots.iter().enumerate() {
            for _ in 0..per_slot {
                let (tx, queue, left, done) = (slot.tx.clone(), queue.clone(), left.clone(), done.clone());
                let (limits, bar, next_id, tallies) =
                    (limits.clone(), bar.clone(), self.next_id.clone(), self.tallies.clone());
                set.spawn(async move {
                    while left.load(Ordering::SeqCst) > 0 {
                        let Some((i, job)) = lock(&queue).pop_front() else {
                            // Jobs of a killed worker may come back yet.
                            tokio::time::sleep(Duration::from_millis(20)).await;
                            continue;
                        };
                        let permit = match job.endpoint() {
                            Some(e) => Some(limits.acquire(e).await),
                            None => None,
                        };
                        let (reply, answer) = oneshot::channel();
                        let id = next_id.fetch_add(1, Ordering::SeqCst);
                        tx.send((Request { id, job: job.clone() }, reply))
                            .map_err(|_| format!("worker {k} has stopped"))?;
                        let r = answer.await;
                        drop(permit);
                        match r {
                            Ok(Ok(o)) => {
                                lock(&done)[i] = Some(o);
                                left.fetch_sub(1, Ordering::SeqCst);
                                bar.inc(1);
                            }
                            Ok(Err(e)) => return Err(format!("worker {k}: {e}")),
                            Err(_) => {
                                // Killed with the job in hand: it runs again.
                                tallies.requeued.fetch_add(1, Ordering::SeqCst);
                                lock(&queue).push_back((i, job));
                            }
                        }
                    }
                    Ok::<_, String>(())
                });
            }
        }
        while let Some(r) = set.join_next().await {
            r.map_err(|e| Failure::usage(format!("a lane failed: {e}")))?.map_err(Failure::usage)?;
        }
        let outcomes: Vec<Outcome> = std::mem::take(&mut *lock(&done)).into_iter().flatten().collect();
        Ok(outcomes)
    }

    /// Stops the killer, closes every worker's input and waits for them to finish.
    pub async fn shut_down(mut self) -> Result<(), Failure> {
        self.stop_kills();
        self.slots.clear();
        while let Some(r) = self.tasks.join_next().await {
            r.map_err(|e| Failure::usage(format!("a worker supervisor failed: {e}")))?.map_err(Failure::usage)?;
        }
        Ok(())
    }
}

/// Keeps worker `slot` running: starts it, passes it jobs, hands back its answers; kills it
/// when told to and starts it again (the jobs it had in hand are dropped, which their lanes
/// see). A worker that ends on its own is an error.
async fn supervise(
    slot: usize,
    spawn: Arc<Spawn>,
    mut rx: mpsc::UnboundedReceiver<(Request, Reply)>,
    kill: Arc<Notify>,
    tallies: Arc<Tallies>,
) -> Result<(), String> {
    loop {
        let mut child = spawn.start(slot).map_err(|e| format!("cannot start worker {slot}: {e}"))?;
        let mut stdin = child.stdin.take().ok_or("a worker without standard input")?;
        let stdout = child.stdout.take().ok_or("a worker without standard output")?;
        let (lines_tx, mut lines) = mpsc::unbounded_channel::<String>();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut pending: HashMap<u64, Reply> = HashMap::new();
        let mut killed = false;
        let closed = loop {
            tokio::select! {
                req = rx.recv() => match req {
                    Some((req, reply)) => {
                        let Ok(line) = serde_json::to_string(&req) else { continue };
                        if writeln!(stdin, "{line}").and_then(|()| stdin.flush()).is_err() {
                            break false; // it died; the reply goes unanswered
                        }
                        pending.insert(req.id, reply);
                    }
                    None => break true,
                },
                line = lines.recv() => match line {
                    Some(line) => match serde_json::from_str::<Event>(&line) {
                        Ok(Event::Applying { proposal, .. }) => lock(&tallies.applying).push(proposal),
                        Ok(Event::Done { id, outcome }) => {
                            let mut peaks = lock(&tallies.peak_rss_mib);
                            peaks[slot] = peaks[slot].max(outcome.peak_rss_mib);
                            drop(peaks);
                            if let Some(r) = pending.remove(&id) {
                                let _ = r.send(Ok(outcome));
                            }
                        }
                        Ok(Event::Failed { id, error }) => {
                            if let Some(r) = pending.remove(&id) {
                                let _ = r.send(Err(error));
                            }
                        }
                        Err(e) => tracing::warn!(slot, error = %e, "a worker wrote a line that is not an event"),
                    },
                    None => break false, // its output closed: it ended
                },
                () = kill.notified() => {
                    killed = true;
                    // std's kill is SIGKILL on Unix.
                    let _ = child.kill();
                    tallies.kills.fetch_add(1, Ordering::SeqCst);
                }
            }
        };
        drop(stdin);
        let status = tokio::task::spawn_blocking(move || child.wait())
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("worker {slot}: {e}"))?;
        drop(pending);
        if closed {
            return if status.success() || killed { Ok(()) } else { Err(format!("worker {slot} ended with {status}")) };
        }
        if !killed {
            return Err(format!("worker {slot} ended by itself ({status}) in the middle of the night"));
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
