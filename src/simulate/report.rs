//! What a simulated night reports: wall time and throughput per phase, latency percentiles
//! per fetch and per delivery, peak memory, store size, the concurrency the limits allowed,
//! and the checks. Rendered as text for people and as JSON for machines.

use super::checks::Check;
use serde::Serialize;
use std::fmt::Write as _;
use std::time::Duration;

/// One phase of the night.
#[derive(Debug, Clone, Serialize)]
pub struct Phase {
    pub name: String,
    pub seconds: f64,
    /// What the phase counts (links, fetches, results).
    pub items: usize,
    pub unit: String,
    pub per_second: f64,
}

/// Percentiles of one kind of call, in milliseconds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Latency {
    pub count: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Latency {
    pub fn of(samples: &mut [Duration]) -> Latency {
        if samples.is_empty() {
            return Latency::default();
        }
        samples.sort_unstable();
        let at = |q: f64| {
            let i = ((q * samples.len() as f64).ceil() as usize).clamp(1, samples.len()) - 1;
            samples[i].as_secs_f64() * 1000.0
        };
        Latency { count: samples.len(), p50_ms: at(0.50), p99_ms: at(0.99), max_ms: at(1.0) }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schools: usize,
    pub pupils: usize,
    pub las_servers: usize,
    pub dashboard_schools: usize,
    pub instances: usize,
    /// The instances ran as separate processes.
    pub processes: bool,
    /// SIGKILLs sent to instance processes, jobs they had in hand and ran again, and
    /// school years found started already by the job run again.
    pub kills: usize,
    pub jobs_rerun: usize,
    pub years_resumed: usize,
    /// Peak RSS of each instance process, in MiB (as its last answer reported it).
    pub worker_peak_rss_mib: Vec<f64>,
    pub store: String,
    pub results: usize,
    pub phases: Vec<Phase>,
    /// The night itself: every phase but setting up the mocks and the links.
    pub night_seconds: f64,
    pub total_seconds: f64,
    pub fetch: Latency,
    pub apply: Latency,
    /// One link's delivery run (all its messages).
    pub delivery: Latency,
    pub messages: usize,
    pub fetch_limit_per_las: usize,
    pub fetch_limit_global: usize,
    pub fetch_peak_per_las: usize,
    pub fetch_peak_global: usize,
    pub fetch_retries: usize,
    pub delivery_retries: usize,
    /// VmHWM of this process (mocks, gateways and the simulation in one), in MiB.
    pub peak_rss_mib: f64,
    pub store_bytes: u64,
    pub checks: Vec<Check>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }

    pub fn text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "uwlr simulate: {} schools, {} pupils, {} LAS servers, {} with a dashboard; {} gateway instance(s) on {}",
            self.schools, self.pupils, self.las_servers, self.dashboard_schools, self.instances, self.store
        );
        let _ = writeln!(s);
        let _ = writeln!(s, "{:<22} {:>9} {:>10}  {:>12}", "phase", "seconds", "items", "per second");
        for p in &self.phases {
            let _ = writeln!(
                s,
                "{:<22} {:>9.1} {:>10}  {:>12.1} {}",
                p.name,
                p.seconds,
                p.items,
                p.per_second,
                format_args!("{}/s", p.unit)
            );
        }
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "night {:.1} s (total with setup {:.1} s); {} results, {} delivery messages",
            self.night_seconds, self.total_seconds, self.results, self.messages
        );
        for (name, l) in [("fetch", &self.fetch), ("apply", &self.apply), ("delivery per link", &self.delivery)] {
            let _ = writeln!(
                s,
                "{name}: {} calls, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
                l.count, l.p50_ms, l.p99_ms, l.max_ms
            );
        }
        let _ = writeln!(
            s,
            "fetch concurrency: at most {} per LAS (peak {}), {} in all (peak {}); {} fetch retries, {} delivery retries",
            self.fetch_limit_per_las,
            self.fetch_peak_per_las,
            self.fetch_limit_global,
            self.fetch_peak_global,
            self.fetch_retries,
            self.delivery_retries
        );
        if self.processes {
            let _ = writeln!(
                s,
                "instance processes: {} SIGKILLs, {} jobs run again, {} school years found started already",
                self.kills, self.jobs_rerun, self.years_resumed
            );
            let peaks: Vec<String> = self.worker_peak_rss_mib.iter().map(|m| format!("{m:.0}")).collect();
            let _ = writeln!(
                s,
                "peak RSS {:.0} MiB in this process (mocks, simulation, checks); per instance process {} MiB; store {:.1} MiB",
                self.peak_rss_mib,
                peaks.join(" / "),
                self.store_bytes as f64 / (1024.0 * 1024.0)
            );
        } else {
            let _ = writeln!(
                s,
                "peak RSS {:.0} MiB (this one process: mocks, gateways and simulation); store {:.1} MiB",
                self.peak_rss_mib,
                self.store_bytes as f64 / (1024.0 * 1024.0)
            );
        }
        let _ = writeln!(s);
        for c in &self.checks {
            let _ = writeln!(s, "[{}] {}: {}", if c.ok { "ok" } else { "FAILED" }, c.name, c.detail);
        }
        let _ = writeln!(s, "{}", if self.ok() { "all checks passed" } else { "SOME CHECKS FAILED" });
        s
    }
}

/// The peak resident set of this process (`VmHWM`), in MiB; 0 where /proc is not there.
pub fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_take_the_sample_at_or_above_the_rank() {
        let mut v: Vec<Duration> = (1..=100).rev().map(Duration::from_millis).collect();
        let l = Latency::of(&mut v);
        assert_eq!((l.count, l.p50_ms, l.p99_ms, l.max_ms), (100, 50.0, 99.0, 100.0));
        assert_eq!(Latency::of(&mut []).count, 0);
    }

    #[test]
    fn peak_rss_is_read_from_proc() {
        if std::path::Path::new("/proc/self/status").exists() {
            assert!(peak_rss_mib() > 1.0);
        }
    }
}
