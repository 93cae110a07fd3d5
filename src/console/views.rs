//! What the templates show, and the Dutch words for it. The templates (under
//! `templates/console/`) are checked at compile time against these structs; askama escapes
//! every value, so nothing a person typed can become markup.

use super::accounts::Account;
use super::Signed;
use crate::koppeling::Koppeling;
use crate::koppeling::{Kind, Status};
use crate::store::overview::Activity;
use askama::Template;
use chrono::{DateTime, Datelike, Utc};

/// The signed-in person, as the header shows them.
pub(crate) struct Me {
    pub name: String,
    pub role: &'static str,
}

/// What every page has: its title, the person, their CSRF token, a notice or an error.
pub(crate) struct Chrome {
    pub title: String,
    pub me: Option<Me>,
    pub csrf: String,
    pub notice: Option<String>,
    pub error: Option<String>,
}

impl Chrome {
    pub(crate) fn new(title: &str, signed: Option<&Signed>) -> Chrome {
        Chrome {
            title: title.to_string(),
            me: signed.map(|s| Me { name: s.account.name.clone(), role: s.account.role.label() }),
            csrf: signed.map(|s| s.csrf.clone()).unwrap_or_default(),
            notice: None,
            error: None,
        }
    }
}

#[derive(Template)]
#[template(path = "console/aanmelden.html")]
pub(super) struct SignInPage {
    pub page: Chrome,
    pub email: String,
}

#[derive(Template)]
#[template(path = "console/locaties.html")]
pub(super) struct LocationsPage {
    pub page: Chrome,
    pub locations: Vec<LocationView>,
    /// Support opens any location by its code (a school without a link yet).
    pub support: bool,
}

pub(super) struct LocationView {
    pub location: String,
    pub links: Vec<LinkView>,
}

#[derive(Template)]
#[template(path = "console/koppelen.html")]
pub(super) struct KoppelenPage {
    pub page: Chrome,
    pub location: String,
    pub links: Vec<LinkView>,
    pub kinds: Vec<(&'static str, &'static str)>,
    pub kind: String,
    pub schooljaar: String,
    pub endpoint: String,
    pub manages: bool,
}

#[derive(Template)]
#[template(path = "console/fout.html")]
pub(super) struct ErrorPage {
    pub page: Chrome,
    pub status: u16,
    pub message: String,
}

/// One link as a row: what it is, its state, its activity and what may be done with it.
pub(super) struct LinkView {
    pub id: i64,
    pub schooljaar: String,
    pub kind: &'static str,
    pub status: &'static str,
    /// CSS class of the state badge.
    pub state: &'static str,
    pub has_key: bool,
    pub last_fetch: String,
    pub last_delivery: String,
    pub open_proposal: Option<i64>,
    /// May open the proposal's review (a teacher sees that one waits, not a link it may not follow).
    pub can_review: bool,
    pub can_approve: bool,
    pub can_key: bool,
    pub can_revoke: bool,
    /// The label of the key form's button: a new key for an active link, else the first.
    pub key_button: &'static str,
    /// A dashboard link: "Boom wijzigingen verwerken" applies, and whether it is on.
    pub dashboard: bool,
    pub process_changes: bool,
    /// An ESIS link without its key yet: the page explains the verification code.
    pub esis_waiting: bool,
}

impl LinkView {
    pub(super) fn new(k: &Koppeling, activity: Option<&Activity>, who: &Account) -> LinkView {
        let manages = who.manages(&k.location);
        let a = activity.cloned().unwrap_or_default();
        LinkView {
            id: k.id,
            schooljaar: k.schooljaar.to_string(),
            kind: k.kind.label(),
            status: status_label(k.status),
            state: k.status.as_str(),
            has_key: k.has_key,
            last_fetch: when(a.last_fetch),
            last_delivery: when(a.last_delivery),
            open_proposal: a.open_proposal,
            can_review: manages,
            can_approve: who.is_support() && k.status == Status::Requested,
            can_key: manages && matches!(k.status, Status::Requested | Status::Approved | Status::Active),
            can_revoke: manages && !k.status.is_final(),
            key_button: if k.status == Status::Active { "NIEUWE SLEUTEL OPSLAAN" } else { "SLEUTEL OPSLAAN" },
            dashboard: k.kind.is_dashboard(),
            process_changes: k.process_changes,
            esis_waiting: k.kind == Kind::Esis && !k.has_key && !k.status.is_final(),
        }
    }
}

pub(super) fn status_label(s: Status) -> &'static str {
    match s {
        Status::Requested => "Aangevraagd",
        Status::Approved => "Goedgekeurd, wacht op sleutel",
        Status::Rejected => "Afgewezen",
        Status::Active => "Actief",
        Status::Revoked => "Ingetrokken",
    }
}

/// The kinds a school can request, LAS first, with the seeds' names.
pub(super) fn kinds() -> Vec<(&'static str, &'static str)> {
    [Kind::Parnassys, Kind::Esis, Kind::Uwlr, Kind::Schoolkr8, Kind::FocusPo]
        .into_iter()
        .map(|k| (k.as_str(), k.label()))
        .collect()
}

/// A moment as a Dutch reader expects it: Amsterdam time, `dd-mm-jjjj uu:mm`; `—` for never.
pub(super) fn when(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(
        || "—".to_string(),
        |t| t.with_timezone(&chrono_tz::Europe::Amsterdam).format("%d-%m-%Y %H:%M").to_string(),
    )
}

/// The school year a date falls in (it turns on 1 August): the request form's default.
pub(super) fn current_schooljaar(now: DateTime<Utc>) -> String {
    let d = crate::clock::dutch_date(now);
    let start = if d.month() >= 8 { d.year() } else { d.year() - 1 };
    format!("{}-{}", start, start + 1)
}

/// The fixed notices a redirect may name (`?melding=`): nothing the client sends is shown.
pub(super) fn notice(code: &str) -> Option<&'static str> {
    Some(match code {
        "aangevraagd" => "De koppeling is aangevraagd. De klantenservice keurt de aanvraag goed.",
        "goedgekeurd" => "De aanvraag is goedgekeurd.",
        "afgewezen" => "De aanvraag is afgewezen; de school krijgt de reden per e-mail.",
        "sleutel" => "De autorisatiesleutel is opgeslagen.",
        "ingetrokken" => "De koppeling is ingetrokken.",
        "wijzigingen-aan" => "Boom wijzigingen verwerken staat aan: hernormeringen worden ook aangeboden.",
        "wijzigingen-uit" => "Boom wijzigingen verwerken staat uit: alleen nieuwe resultaten worden aangeboden.",
        "nummers-verwijderd" => "De nummers zijn verwijderd. Toetsgegevens zijn niet verwijderd.",
        "afgemeld" => "Je bent afgemeld.",
        "overal-afgemeld" => "Je bent op alle apparaten afgemeld.",
        "wachtwoord-ingesteld" => "Je wachtwoord is ingesteld. Meld je nu aan.",
        "uitgenodigd" => "De uitnodiging is verstuurd.",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_years_in_dutch() {
        let t = DateTime::parse_from_rfc3339("2025-07-31T22:30:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(when(Some(t)), "01-08-2025 00:30");
        assert_eq!(current_schooljaar(t), "2025-2026");
        assert_eq!(when(None), "—");
        let before = DateTime::parse_from_rfc3339("2025-07-31T12:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(current_schooljaar(before), "2024-2025");
    }

    #[test]
    fn only_known_notices() {
        assert!(notice("goedgekeurd").is_some());
        assert!(notice("<script>").is_none());
    }
}
