//! How many fetches run at once: at most `per_las` against one LAS (its endpoint host) and at
//! most `global` in all. A real LAS serves thousands of schools from one host; 6,000
//! requests at once would be an attack, not a night's work. A fetch takes its LAS's permit
//! first and the global one second, so a slow LAS holds only its own permits while waiting,
//! never the global ones others could use.
//!
//! The limiter also keeps the highest number it ever let through (per LAS and in all), so a
//! run can show that the limits held.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The limits and their permits; cheap to clone, shared by every task that fetches.
#[derive(Clone, Debug)]
pub struct FetchLimits {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    per_las: usize,
    global: Arc<Semaphore>,
    global_limit: usize,
    las: Mutex<HashMap<String, Arc<Las>>>,
    running: AtomicUsize,
    peak: AtomicUsize,
}

#[derive(Debug)]
struct Las {
    permits: Arc<Semaphore>,
    running: AtomicUsize,
    peak: AtomicUsize,
}

/// Held while one fetch runs; dropping it lets the next one go.
#[derive(Debug)]
pub struct FetchPermit {
    las: Arc<Las>,
    inner: Arc<Inner>,
    _las_permit: OwnedSemaphorePermit,
    _global_permit: OwnedSemaphorePermit,
}

impl Drop for FetchPermit {
    fn drop(&mut self) {
        self.las.running.fetch_sub(1, Ordering::SeqCst);
        self.inner.running.fetch_sub(1, Ordering::SeqCst);
    }
}

impl FetchLimits {
    /// `per_las` and `global` are at least 1 (0 is taken as 1).
    pub fn new(per_las: usize, global: usize) -> FetchLimits {
        let global = global.max(1);
        FetchLimits {
            inner: Arc::new(Inner {
                per_las: per_las.max(1),
                global: Arc::new(Semaphore::new(global)),
                global_limit: global,
                las: Mutex::new(HashMap::new()),
                running: AtomicUsize::new(0),
                peak: AtomicUsize::new(0),
            }),
        }
    }

    /// The LAS an endpoint belongs to: its scheme, host and port (one LAS serves many
    /// schools under one host).
    pub fn las_of(endpoint: &str) -> String {
        let rest = endpoint.split_once("://").map_or(endpoint, |(_, r)| r);
        let host = rest.split(['/', '?']).next().unwrap_or(rest);
        host.to_ascii_lowercase()
    }

    /// Waits for a permit to fetch from the LAS at `endpoint`.
    pub async fn acquire(&self, endpoint: &str) -> FetchPermit {
        let las = {
            let mut map = self.inner.las.lock().unwrap_or_else(|e| e.into_inner());
            map.entry(Self::las_of(endpoint))
                .or_insert_with(|| {
                    Arc::new(Las {
                        permits: Arc::new(Semaphore::new(self.inner.per_las)),
                        running: AtomicUsize::new(0),
                        peak: AtomicUsize::new(0),
                    })
                })
                .clone()
        };
        // The semaphores are never closed, so acquiring cannot fail.
        let las_permit = las.permits.clone().acquire_owned().await.expect("fetch limiter semaphore is never closed");
        let global_permit =
            self.inner.global.clone().acquire_owned().await.expect("fetch limiter semaphore is never closed");
        let n = las.running.fetch_add(1, Ordering::SeqCst) + 1;
        las.peak.fetch_max(n, Ordering::SeqCst);
        let all = self.inner.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.inner.peak.fetch_max(all, Ordering::SeqCst);
        FetchPermit { las, inner: self.inner.clone(), _las_permit: las_permit, _global_permit: global_permit }
    }

    pub fn per_las(&self) -> usize {
        self.inner.per_las
    }

    pub fn global(&self) -> usize {
        self.inner.global_limit
    }

    /// The most fetches that ran at once: in all, and against the busiest LAS.
    pub fn peaks(&self) -> (usize, usize) {
        let map = self.inner.las.lock().unwrap_or_else(|e| e.into_inner());
        let las = map.values().map(|l| l.peak.load(Ordering::SeqCst)).max().unwrap_or(0);
        (self.inner.peak.load(Ordering::SeqCst), las)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_las_is_its_host_and_port() {
        assert_eq!(FetchLimits::las_of("http://127.0.0.1:4000/uwlr"), "127.0.0.1:4000");
        assert_eq!(FetchLimits::las_of("https://LAS.example/a/b?x"), "las.example");
    }

    #[tokio::test]
    async fn neither_limit_is_ever_exceeded() {
        let limits = FetchLimits::new(2, 3);
        let mut tasks = Vec::new();
        for i in 0..24 {
            let l = limits.clone();
            tasks.push(tokio::spawn(async move {
                let _p = l.acquire(&format!("http://las{}:80/uwlr", i % 3)).await;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let (all, per_las) = limits.peaks();
        assert!(all <= 3 && per_las <= 2, "peaks {all} / {per_las}");
        assert!(all >= 2, "the limiter let fetches run side by side ({all})");
    }
}
