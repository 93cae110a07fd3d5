//! Koppelingen: the link between one school location and one LAS or dashboard for one
//! school year, and the rules of its lifecycle (DOMAIN.md §1).
//!
//! ```text
//!   request ──► requested ──approve──► approved ──key──► active ──revoke──► revoked
//!                  │  │                   │                 │ ▲
//!                  │  └─key (kept)        └─revoke          └─┘ rotate
//!                  ├─reject──► rejected
//!                  └─revoke──► revoked
//! ```
//! A link is active once support approved it AND it holds a key, in either order:
//! ParnasSys shows the key before the request, ESIS after it. The activation moment is
//! kept, because results normed before it are not sent (links are not retroactive).
//! This module is the pure part: kinds, states, the transition table and key hygiene;
//! [`crate::gateway`] carries it out against the store.

use crate::location::Location;
use crate::message::values::Schooljaar;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A koppeling as the store keeps it, without its key: the row the lifecycle rules above
/// are applied to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Koppeling {
    pub id: i64,
    pub location: Location,
    #[serde(serialize_with = "as_text")]
    pub schooljaar: Schooljaar,
    pub kind: Kind,
    pub endpoint: Option<String>,
    pub status: Status,
    pub has_key: bool,
    pub klantcode: String,
    pub klantnaam: String,
    /// Dashboards: whether re-normed results are sent ("Boom wijzigingen verwerken").
    pub process_changes: bool,
    pub requested_at: DateTime<Utc>,
    pub activated_at: Option<DateTime<Utc>>,
    /// `laatstontvangengegevens` for the next delta fetch: when the last applied fetch ran.
    pub delta_since: Option<DateTime<Utc>>,
    pub last_full_at: Option<DateTime<Utc>>,
}

/// A school year in JSON as it is written everywhere: `2023-2024`.
fn as_text<S: serde::Serializer>(y: &Schooljaar, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(y)
}

/// What is on the other side of the link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// ParnasSys UWLR (Topicus): the school sets the key in ParnasSys first.
    Parnassys,
    /// ESIS UWLR (Rovict): requested here first; ESIS shows the key after activation with
    /// a verification code.
    Esis,
    /// Any other UWLR 2.3 endpoint (Magister, Somtoday, ...).
    Uwlr,
    /// SchoolKr8 (School360) dashboard: results only.
    Schoolkr8,
    /// Focus PO dashboard: results only.
    FocusPo,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::Parnassys, Kind::Esis, Kind::Uwlr, Kind::Schoolkr8, Kind::FocusPo];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Parnassys => "parnassys",
            Kind::Esis => "esis",
            Kind::Uwlr => "uwlr",
            Kind::Schoolkr8 => "schoolkr8",
            Kind::FocusPo => "focus-po",
        }
    }

    pub fn parse(s: &str) -> Result<Kind, String> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| {
            format!("'{s}' is not a koppeling kind; use one of {}", Kind::ALL.map(Kind::as_str).join(", "))
        })
    }

    /// Dashboards receive results only and need an active LAS link first.
    pub fn is_dashboard(self) -> bool {
        matches!(self, Kind::Schoolkr8 | Kind::FocusPo)
    }

    /// The name the manuals use for it.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Parnassys => "ParnasSys UWLR",
            Kind::Esis => "ESIS UWLR",
            Kind::Uwlr => "UWLR",
            Kind::Schoolkr8 => "SchoolKr8",
            Kind::FocusPo => "Focus PO",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Requested,
    Approved,
    Rejected,
    Active,
    Revoked,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Requested => "requested",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::Active => "active",
            Status::Revoked => "revoked",
        }
    }

    pub fn parse(s: &str) -> Result<Status, String> {
        [Status::Requested, Status::Approved, Status::Rejected, Status::Active, Status::Revoked]
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("'{s}' is not a koppeling status"))
    }

    /// Rejected and revoked links are history: a new request starts a new link.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Rejected | Status::Revoked)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What someone does to a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Approve,
    Reject,
    /// A key is entered (the first, or a replacement before activation).
    SetKey,
    /// An active link gets a new key.
    Rotate,
    Revoke,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Approve => "approve",
            Event::Reject => "reject",
            Event::SetKey => "set-key",
            Event::Rotate => "rotate",
            Event::Revoke => "revoke",
        }
    }
}

/// A transition the lifecycle does not allow, with what would be allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a {from} koppeling cannot {event}: {hint}", event = event.as_str())]
pub struct TransitionError {
    pub from: Status,
    pub event: Event,
    pub hint: &'static str,
}

/// The lifecycle table: where `event` takes a link in state `from` that does or does not
/// hold a key yet. Approval of a link with a key, and a key for an approved link, both
/// end in `Active`.
pub fn transition(from: Status, event: Event, has_key: bool) -> Result<Status, TransitionError> {
    use Event::*;
    use Status::*;
    let refuse = |hint| Err(TransitionError { from, event, hint });
    match (from, event) {
        (Requested, Approve) => Ok(if has_key { Active } else { Approved }),
        (Requested, Reject) => Ok(Rejected),
        (Requested, SetKey) => Ok(Requested),
        (Approved, SetKey) => Ok(Active),
        (Active, Rotate) => Ok(Active),
        (Requested | Approved | Active, Revoke) => Ok(Revoked),
        (Active, SetKey) => refuse("it already has a key; rotate it instead"),
        (Requested | Approved, Rotate) => refuse("it is not active yet; set its key instead"),
        (Approved | Active, Approve | Reject) => refuse("support already decided on it"),
        (Rejected | Revoked, _) => refuse("it is closed; request a new koppeling"),
    }
}

/// Checks a key as it is pasted: surrounding whitespace is dropped (copying from a web page
/// adds it), what is left must fit the `autorisatiesleutel` element (1 to 64 characters)
/// and be printable ASCII. Dashboard keys hold any printable character (`khasgdkj76&g7d^%$`).
pub fn clean_key(raw: &str) -> Result<String, String> {
    let k = raw.trim();
    if k.is_empty() {
        return Err("the key is empty; paste the key the LAS or dashboard showed".into());
    }
    if k.chars().count() > 64 {
        return Err(format!("the key has {} characters; an autorisatiesleutel has at most 64", k.chars().count()));
    }
    // The message says where, never what: a character of a key is part of the key.
    if let Some(at) = k.chars().position(|c| !c.is_ascii_graphic()) {
        return Err(format!(
            "character {} of the key is not printable ASCII (or is a space); paste the key exactly as shown",
            at + 1
        ));
    }
    Ok(k.to_string())
}

/// ESIS's rule for the verification code a school chooses when it activates the link:
/// it starts with BRIN + vestigingsnummer (`99QQ00`) and is 20 to 50 characters long. The
/// refusal names the rule that failed. ESIS activates by BRIN, so a schoolkey location
/// has no verification code.
pub fn check_esis_verificatiecode(code: &str, location: &Location) -> Result<(), String> {
    let Some((brin, dependance)) = location.brin_dependance() else {
        return Err(format!("ESIS activates a koppeling by BRIN; location '{location}' has none"));
    };
    let prefix = format!("{brin}{dependance}");
    if !code.starts_with(&prefix) {
        return Err(format!("the verificatiecode must start with BRIN + vestigingsnummer '{prefix}'"));
    }
    let n = code.chars().count();
    if !(20..=50).contains(&n) {
        return Err(format!("the verificatiecode must be 20 to 50 characters long; it has {n}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approval_and_key_in_either_order_make_a_link_active() {
        // ParnasSys: key first, then approval.
        let s = transition(Status::Requested, Event::SetKey, true).unwrap();
        assert_eq!(transition(s, Event::Approve, true), Ok(Status::Active));
        // ESIS: approval first, then the key.
        let s = transition(Status::Requested, Event::Approve, false).unwrap();
        assert_eq!(s, Status::Approved);
        assert_eq!(transition(s, Event::SetKey, true), Ok(Status::Active));
    }

    #[test]
    fn closed_links_stay_closed() {
        for from in [Status::Rejected, Status::Revoked] {
            for e in [Event::Approve, Event::Reject, Event::SetKey, Event::Rotate, Event::Revoke] {
                let err = transition(from, e, true).unwrap_err();
                assert!(err.to_string().contains("request a new koppeling"), "{err}");
            }
        }
    }

    #[test]
    fn only_active_links_rotate_and_only_undecided_links_are_judged() {
        assert!(transition(Status::Approved, Event::Rotate, true).is_err());
        assert!(transition(Status::Active, Event::SetKey, true).unwrap_err().to_string().contains("rotate"));
        assert!(transition(Status::Active, Event::Approve, true).is_err());
        assert_eq!(transition(Status::Active, Event::Rotate, true), Ok(Status::Active));
        assert_eq!(transition(Status::Requested, Event::Reject, false), Ok(Status::Rejected));
    }

    #[test]
    fn keys_are_trimmed_and_checked() {
        assert_eq!(clean_key("  khasgdkj76&g7d^%$gjhsdd\n").unwrap(), "khasgdkj76&g7d^%$gjhsdd");
        assert!(clean_key(" ").is_err());
        let e = clean_key("a b").unwrap_err();
        assert!(e.contains("character 2") && !e.contains("'a'"), "{e}");
        assert!(clean_key(&"x".repeat(65)).unwrap_err().contains("65"));
    }

    #[test]
    fn esis_verification_codes_start_with_the_location_and_have_20_to_50_characters() {
        let at = Location::parse("99QQ00").unwrap();
        assert_eq!(check_esis_verificatiecode("99QQ00abcdefghijklmn", &at), Ok(()));
        assert_eq!(check_esis_verificatiecode(&format!("99QQ00{}", "y".repeat(44)), &at), Ok(()));
        assert!(check_esis_verificatiecode("99OI001234567890abcd", &at).unwrap_err().contains("'99QQ00'"));
        assert!(check_esis_verificatiecode("99QQ00123", &at).unwrap_err().contains("it has 9"));
        assert!(check_esis_verificatiecode(&format!("99QQ00{}", "x".repeat(45)), &at).unwrap_err().contains("51"));
        let key = Location::parse("school-42").unwrap();
        assert!(check_esis_verificatiecode("school-42abcdefghijklmn", &key).unwrap_err().contains("by BRIN"));
    }

    #[test]
    fn kinds_round_trip_and_tell_dashboards() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Ok(k));
        }
        assert!(Kind::parse("magister").unwrap_err().contains("parnassys, esis, uwlr, schoolkr8, focus-po"));
        assert!(Kind::Schoolkr8.is_dashboard() && Kind::FocusPo.is_dashboard() && !Kind::Esis.is_dashboard());
    }
}
