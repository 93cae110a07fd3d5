//! The jobs `uwlr serve` runs on a timer: a list of named closures, each with its timing,
//! each in its own task so a slow LAS never holds up the mail. A job never overlaps with
//! itself; a failing job logs and runs again next time. `serve` registers the fetch and
//! the mail; the results delivery adds itself here with [`Timing::Daily`], the school-year
//! pass (start the years due, queue the day's reminders) with [`Timing::Every`].

use chrono::{NaiveTime, TimeZone};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A job's work for one run.
pub type JobFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// When a job runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    /// At start, then every period (measured from the end of the previous run).
    Every(Duration),
    /// Every day at this time in the Netherlands (nightly work), whatever zone the machine
    /// runs in: a container on UTC still delivers in the Dutch night.
    Daily(NaiveTime),
}

impl Timing {
    /// How long to wait before the next run; `first` is the wait before the first.
    fn wait(&self, first: bool) -> Duration {
        self.wait_from(first, chrono::Utc::now())
    }

    fn wait_from(&self, first: bool, now: chrono::DateTime<chrono::Utc>) -> Duration {
        match *self {
            Timing::Every(_) if first => Duration::ZERO,
            Timing::Every(period) => period,
            Timing::Daily(at) => until_next(at, now.with_timezone(&chrono_tz::Europe::Amsterdam)),
        }
    }
}

/// Time from `now` to the next moment the local clock shows `at` (tomorrow if passed).
fn until_next<Tz: TimeZone>(at: NaiveTime, now: chrono::DateTime<Tz>) -> Duration {
    let today = now.date_naive().and_time(at);
    let tz = now.timezone();
    // A time that a DST change skips runs at the first moment after it.
    let at_day = |d: chrono::NaiveDateTime| {
        tz.from_local_datetime(&d).earliest().unwrap_or_else(|| {
            tz.from_local_datetime(&(d + chrono::Duration::hours(1))).earliest().unwrap_or(now.clone())
        })
    };
    let mut next = at_day(today);
    if next <= now {
        next = at_day(today + chrono::Duration::days(1));
    }
    (next - now).to_std().unwrap_or(Duration::ZERO)
}

struct Job {
    name: String,
    timing: Timing,
    run: Arc<dyn Fn() -> JobFuture + Send + Sync>,
}

/// The jobs, before they run.
#[derive(Default)]
pub struct Schedule {
    jobs: Vec<Job>,
}

impl Schedule {
    pub fn new() -> Schedule {
        Schedule::default()
    }

    /// Adds a job: `run` makes one run's future; its errors are its own to log.
    pub fn add<F, Fut>(mut self, name: impl Into<String>, timing: Timing, run: F) -> Schedule
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.jobs.push(Job { name: name.into(), timing, run: Arc::new(move || Box::pin(run()) as JobFuture) });
        self
    }

    /// The jobs' names and timings, for the startup log.
    pub fn describe(&self) -> Vec<(String, Timing)> {
        self.jobs.iter().map(|j| (j.name.clone(), j.timing)).collect()
    }

    /// Starts every job in its own task.
    pub fn start(self) -> Running {
        let (stop, stopped) = watch::channel(false);
        let tasks = self
            .jobs
            .into_iter()
            .map(|job| {
                let mut stopped = stopped.clone();
                tokio::spawn(async move {
                    let mut first = true;
                    loop {
                        let wait = job.timing.wait(first);
                        first = false;
                        tokio::select! {
                            _ = tokio::time::sleep(wait) => {}
                            _ = stopped.changed() => break,
                        }
                        if *stopped.borrow() {
                            break;
                        }
                        tracing::debug!(job = %job.name, "scheduled job starts");
                        (job.run)().await;
                    }
                })
            })
            .collect();
        Running { stop, tasks }
    }
}

/// Jobs that run.
pub struct Running {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Running {
    /// No new runs start; a run under way gets `grace` to finish, then it is dropped (the
    /// gateway's steps are transactions, so a dropped run leaves nothing half-done).
    pub async fn stop(self, grace: Duration) {
        let _ = self.stop.send(true);
        let deadline = tokio::time::Instant::now() + grace;
        for mut task in self.tasks {
            if tokio::time::timeout_at(deadline, &mut task).await.is_err() {
                task.abort();
                tracing::warn!("a scheduled job did not finish within {grace:?}; stopped");
            }
        }
    }
}

/// Reads a period: `90s`, `15m`, `1h`, `1d` (or a combination such as `1h30m`).
pub fn parse_period(s: &str) -> Result<Duration, String> {
    let bad = || format!("'{s}' is not a period; write e.g. 30s, 15m, 1h, 1h30m or 1d");
    let mut total = 0u64;
    let mut number = String::new();
    for c in s.trim().chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return Err(bad()),
        };
        let n: u64 = number.parse().map_err(|_| bad())?;
        total = n.checked_mul(unit).and_then(|v| total.checked_add(v)).ok_or_else(bad)?;
        number.clear();
    }
    if !number.is_empty() || total == 0 {
        return Err(bad());
    }
    Ok(Duration::from_secs(total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn periods() {
        assert_eq!(parse_period("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_period("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_period("1d"), Ok(Duration::from_secs(86_400)));
        for bad in ["", "1", "h", "0m", "1w", "-1h"] {
            assert!(parse_period(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn daily_waits_for_the_next_occurrence() {
        let now = chrono::Utc.with_ymd_and_hms(2025, 10, 1, 1, 0, 0).unwrap();
        let at = NaiveTime::from_hms_opt(2, 0, 0).unwrap();
        assert_eq!(until_next(at, now), Duration::from_secs(3600));
        let late = chrono::Utc.with_ymd_and_hms(2025, 10, 1, 3, 0, 0).unwrap();
        assert_eq!(until_next(at, late), Duration::from_secs(23 * 3600));
    }

    #[test]
    fn daily_counts_dutch_time_whatever_the_machine_zone() {
        let nightly = Timing::Daily(NaiveTime::from_hms_opt(2, 0, 0).unwrap());
        // 23:30 UTC is 01:30 in Amsterdam (summer time): half an hour to go, not two and a half.
        let now = chrono::Utc.with_ymd_and_hms(2025, 10, 1, 23, 30, 0).unwrap();
        assert_eq!(nightly.wait_from(false, now), Duration::from_secs(30 * 60));
        // The night summer time starts, 02:00 does not exist: the run is at 03:00 CEST,
        // 01:00 UTC.
        let now = chrono::Utc.with_ymd_and_hms(2026, 3, 29, 0, 30, 0).unwrap();
        assert_eq!(nightly.wait_from(true, now), Duration::from_secs(30 * 60));
    }

    #[tokio::test]
    async fn jobs_run_at_start_and_then_every_period_until_stopped() {
        let n = Arc::new(AtomicUsize::new(0));
        let counter = n.clone();
        let running = Schedule::new()
            .add("count", Timing::Every(Duration::from_millis(20)), move || {
                let counter = counter.clone();
                async move {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
            })
            .start();
        tokio::time::sleep(Duration::from_millis(110)).await;
        running.stop(Duration::from_secs(1)).await;
        let after_stop = n.load(Ordering::SeqCst);
        assert!(after_stop >= 2, "at start and at least once more: {after_stop}");
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(n.load(Ordering::SeqCst), after_stop, "nothing runs after stop");
    }
}
