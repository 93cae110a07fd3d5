//! The checks that say the night lost and doubled nothing, as pure functions over what was
//! recorded and what the receivers hold, so a test can show each one fails when it should.
//!
//! - Results: every result recorded for a school is at its receiver exactly once in effect
//!   (one stored entry per result key: a repeat after a crash overwrites, a result under
//!   two pupils is a double), and the receiver holds nothing we did not record.
//! - Proposals: every proposal the scripted admin applied is applied once in the store, and
//!   the store has no applied proposal the admin did not apply.
//! - Pupils: the gateway's active pupils of a school equal the LAS's.

use serde::Serialize;
use std::borrow::Borrow;
use std::collections::{HashMap, HashSet};
use std::hash::Hash;

/// One check's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    /// What was compared, or the first problems found.
    pub detail: String,
}

/// Problems of one receiver's school, counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub expected: usize,
    pub missing: usize,
    /// Result keys stored more than once (under more than one pupil).
    pub doubled: usize,
    /// Result keys stored that were never recorded for this school.
    pub unknown: usize,
}

impl Tally {
    pub fn ok(&self) -> bool {
        self.missing == 0 && self.doubled == 0 && self.unknown == 0
    }

    pub fn add(&mut self, o: &Tally) {
        self.expected += o.expected;
        self.missing += o.missing;
        self.doubled += o.doubled;
        self.unknown += o.unknown;
    }
}

/// Compares the result keys recorded for one school with the (pupil, key) pairs its
/// receiver stores (as strings, or hashed as the simulation's LAS keeps them).
pub fn results_once<K, Q, P>(expected: &HashSet<K>, received: impl IntoIterator<Item = (P, Q)>) -> Tally
where
    K: Borrow<Q> + Eq + Hash,
    Q: Eq + Hash,
{
    let mut seen: HashMap<Q, usize> = HashMap::new();
    let mut unknown = 0;
    for (_pupil, key) in received {
        if expected.contains(&key) {
            *seen.entry(key).or_default() += 1;
        } else {
            unknown += 1;
        }
    }
    Tally {
        expected: expected.len(),
        missing: expected.len() - seen.len(),
        doubled: seen.values().filter(|n| **n > 1).count(),
        unknown,
    }
}

/// The proposals the admin applied against the store's applied ones.
pub fn proposals_once(applied_by_us: &[i64], applied_in_store: &[i64]) -> Check {
    let ours: HashSet<i64> = applied_by_us.iter().copied().collect();
    let store: HashSet<i64> = applied_in_store.iter().copied().collect();
    let twice = applied_by_us.len() - ours.len();
    let missing = ours.difference(&store).count();
    let extra = store.difference(&ours).count();
    let doubled_rows = applied_in_store.len() - store.len();
    Check {
        name: "each proposal applied once".into(),
        ok: twice == 0 && missing == 0 && extra == 0 && doubled_rows == 0,
        detail: format!(
            "{} applied by the admin, {} applied in the store; {twice} applied twice, {missing} not applied, {extra} \
             applied by nobody, {doubled_rows} listed twice",
            ours.len(),
            store.len()
        ),
    }
}

/// Per school: (location, gateway's active pupils, the LAS's pupils).
pub fn pupils_equal(name: &str, counts: &[(String, usize, usize)]) -> Check {
    let wrong: Vec<_> = counts.iter().filter(|(_, g, l)| g != l).collect();
    let total_g: usize = counts.iter().map(|c| c.1).sum();
    let total_l: usize = counts.iter().map(|c| c.2).sum();
    let first: Vec<String> = wrong.iter().take(5).map(|(loc, g, l)| format!("{loc}: {g} vs {l}")).collect();
    Check {
        name: name.into(),
        ok: wrong.is_empty() && !counts.is_empty(),
        detail: if wrong.is_empty() {
            format!("{} schools, {total_g} pupils in the gateway, {total_l} at the LAS", counts.len())
        } else {
            format!("{} of {} schools differ (gateway vs LAS): {}", wrong.len(), counts.len(), first.join(", "))
        },
    }
}

/// The verdict over all schools of one kind of receiver.
pub fn results_check(name: &str, t: &Tally) -> Check {
    Check {
        name: name.into(),
        ok: t.ok() && t.expected > 0,
        detail: format!(
            "{} results expected; {} missing, {} doubled, {} unknown",
            t.expected, t.missing, t.doubled, t.unknown
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys<'a>(k: &[&'a str]) -> HashSet<&'a str> {
        k.iter().copied().collect()
    }

    #[test]
    fn every_result_once_passes() {
        let t = results_once(&keys(&["R1", "R2"]), [("p1", "R1"), ("p2", "R2")]);
        assert!(t.ok(), "{t:?}");
        assert!(results_check("LAS", &t).ok);
    }

    #[test]
    fn a_doubled_result_fails() {
        // The same result key stored under two pupils: the receiver shows it twice.
        let t = results_once(&keys(&["R1", "R2"]), [("p1", "R1"), ("p2", "R2"), ("p3", "R1")]);
        assert_eq!((t.doubled, t.missing, t.unknown), (1, 0, 0));
        assert!(!results_check("LAS", &t).ok);
    }

    #[test]
    fn a_lost_or_foreign_result_fails() {
        let lost = results_once(&keys(&["R1", "R2"]), [("p1", "R1")]);
        assert_eq!(lost.missing, 1);
        assert!(!results_check("LAS", &lost).ok);
        let foreign = results_once(&keys(&["R1"]), [("p1", "R1"), ("p1", "R9")]);
        assert_eq!(foreign.unknown, 1);
        assert!(!results_check("LAS", &foreign).ok);
        // Nothing recorded at all is no proof of anything.
        assert!(!results_check("LAS", &Tally::default()).ok);
    }

    #[test]
    fn a_proposal_applied_twice_or_behind_our_back_fails() {
        assert!(proposals_once(&[1, 2, 3], &[1, 2, 3]).ok);
        assert!(!proposals_once(&[1, 2, 2], &[1, 2]).ok, "applied twice by the admin");
        assert!(!proposals_once(&[1, 2], &[1, 2, 7]).ok, "applied by nobody");
        assert!(!proposals_once(&[1, 2], &[1]).ok, "not applied");
        assert!(!proposals_once(&[1], &[1, 1]).ok, "listed twice");
    }

    #[test]
    fn pupil_counts_must_match() {
        assert!(pupils_equal("p", &[("01AA00".into(), 10, 10)]).ok);
        let c = pupils_equal("p", &[("01AA00".into(), 10, 10), ("02AA00".into(), 9, 10)]);
        assert!(!c.ok && c.detail.contains("02AA00: 9 vs 10"), "{c:?}");
        assert!(!pupils_equal("p", &[]).ok);
    }
}
