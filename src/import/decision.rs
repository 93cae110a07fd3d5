//! The admin's decisions on a proposal, and what can be wrong with them.
//!
//! Decisions are stored with the proposal and re-applied, in order, on every recompute,
//! after automatic matching. Each is checked when it is applied, against the state the
//! decisions before it left: so "make L1 new, then link L2 to the record L1 had" is fine,
//! and the reverse order is refused with a message that says why.
//!
//! Link/New decide how a record is imported; Skip/Unskip decide whether. They do not touch
//! each other: a skipped record keeps its link, so unskipping it brings the link back.

use super::matching::Tabs;
use super::proposal::{LinkReason, SkipReason};
use super::{RecordRef, Tab};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One decision of an admin about one incoming record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "lowercase")]
pub enum Decision {
    /// Link to a chosen known record (by id) instead of creating the record.
    Link { record: RecordRef, to: i64 },
    /// Create the record new: drops an automatic or manual link, and is the explicit "create
    /// it anyway" a new record with strong candidates needs before the proposal applies.
    New { record: RecordRef },
    /// Do not import the record.
    Skip { record: RecordRef },
    /// Import it after all: lifts a skip decision, a skip remembered from earlier, and a
    /// skip cascaded from the pupil's groups.
    Unskip { record: RecordRef },
    /// Fill in a teacher's e-mail address (only teachers get invitations).
    Email { record: RecordRef, email: String },
}

impl Decision {
    pub fn record(&self) -> &RecordRef {
        match self {
            Decision::Link { record, .. }
            | Decision::New { record }
            | Decision::Skip { record }
            | Decision::Unskip { record }
            | Decision::Email { record, .. } => record,
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Decision::Link { record, to } => write!(f, "link {record} to {to}"),
            Decision::New { record } => write!(f, "new {record}"),
            Decision::Skip { record } => write!(f, "skip {record}"),
            Decision::Unskip { record } => write!(f, "unskip {record}"),
            Decision::Email { record, email } => write!(f, "e-mail {record}: {email}"),
        }
    }
}

/// A decision that cannot be applied. Every message starts with the record it is about.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecisionError {
    #[error("{record}: no such record in this LAS answer")]
    UnknownRecord { record: RecordRef },
    #[error("{record}: cannot link to {to}: no known {} record has id {to}", record.tab)]
    UnknownId { record: RecordRef, to: i64 },
    #[error("{record}: cannot link to {to}: {to} is a {other} record, not a {} record", record.tab)]
    WrongTab { record: RecordRef, to: i64, other: Tab },
    #[error("{record}: cannot link to {to}: {to} is already linked to {other}; make that one new first")]
    AlreadyLinked { record: RecordRef, to: i64, other: RecordRef },
    #[error("{record}: only a teacher (leerkrachten) has an e-mail address to fill in")]
    NotATeacher { record: RecordRef },
    #[error("{record}: '{email}' does not look like an e-mail address")]
    InvalidEmail { record: RecordRef, email: String },
}

/// Applies one decision to the matching state.
pub(crate) fn apply(d: &Decision, tabs: &mut Tabs<'_>) -> Result<(), DecisionError> {
    let record = d.record();
    if let Decision::Email { email, .. } = d {
        if record.tab != Tab::Leerkrachten {
            return Err(DecisionError::NotATeacher { record: record.clone() });
        }
        if !looks_like_email(email) {
            return Err(DecisionError::InvalidEmail { record: record.clone(), email: email.clone() });
        }
    }
    let i = *tabs
        .get(record.tab)
        .by_key
        .get(record.key.trim())
        .ok_or_else(|| DecisionError::UnknownRecord { record: record.clone() })?;
    match d {
        Decision::Link { to, .. } => {
            let Some(&k) = tabs.get(record.tab).known.by_id.get(to) else {
                let other = Tab::ALL.into_iter().find(|&t| t != record.tab && tabs.get(t).known.by_id.contains_key(to));
                return Err(match other {
                    Some(other) => DecisionError::WrongTab { record: record.clone(), to: *to, other },
                    None => DecisionError::UnknownId { record: record.clone(), to: *to },
                });
            };
            let tab = tabs.get_mut(record.tab);
            if let Some(&j) = tab.claims.get(&k) {
                if j != i {
                    let other = tab.records[j].clone();
                    return Err(DecisionError::AlreadyLinked { record: record.clone(), to: *to, other });
                }
            }
            tab.link(i, k, LinkReason::Manual);
        }
        Decision::New { .. } => {
            let tab = tabs.get_mut(record.tab);
            tab.unlink(i);
            tab.slots[i].create_anyway = true;
        }
        Decision::Skip { .. } => {
            let slot = &mut tabs.get_mut(record.tab).slots[i];
            slot.skip = Some(SkipReason::Admin);
            slot.unskipped = false;
        }
        Decision::Unskip { .. } => {
            let slot = &mut tabs.get_mut(record.tab).slots[i];
            slot.skip = None;
            slot.unskipped = true;
        }
        Decision::Email { email, .. } => tabs.get_mut(record.tab).slots[i].email = Some(email.trim().to_string()),
    }
    Ok(())
}

/// A plausibility check, not RFC 5322: one `@`, something before it, a dotted domain after
/// it, no white space. Enough to catch a name or a phone number typed in the wrong box.
pub(crate) fn looks_like_email(s: &str) -> bool {
    let s = s.trim();
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    s.len() <= 254
        && !local.is_empty()
        && !domain.contains('@')
        && !s.chars().any(char::is_whitespace)
        && domain.split('.').count() >= 2
        && domain.split('.').all(|part| !part.is_empty())
}
