//! The messages themselves: what the gateway wants to say, and its plain-text rendering.

use serde::{Deserialize, Serialize};

/// A rendered mail, independent of how it will travel. Serialisable so an outbox may keep the
/// exact text that was (or will be) sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mail {
    /// The recipient: a bare address or `Name <address>`; checked only when sent.
    pub to: String,
    /// One line; the transport encodes it as the header needs.
    pub subject: String,
    /// Plain text, lines kept short.
    pub body: String,
}

/// What the gateway wants to tell someone. Stored (as JSON, tagged by `kind`) rather than the
/// rendered mail, so the wording can improve while a message waits in the outbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notification {
    /// An import proposal is ready; nothing is applied until the school admin has reviewed it.
    ReviewWaiting {
        /// The school location, BRIN + vestiging (e.g. `99DE00`).
        school: String,
        /// The proposal the admin should open.
        proposal_id: i64,
        /// A short summary such as `12 new, 3 changed, 1 leaver`.
        counts: String,
        /// The admin's e-mail address.
        admin: String,
    },
    /// A teacher (leerkracht) came in with an import and may now sign in.
    TeacherInvitation {
        /// The school location, BRIN + vestiging (e.g. `99DE00`).
        school: String,
        /// The name to greet the teacher with.
        teacher_name: String,
        /// The teacher's e-mail address, which is also the sign-in name.
        email: String,
    },
    /// A new school year was started (on 1 October by the gateway itself, or earlier by an
    /// admin) and its import waits: sent once a day until an admin completes it.
    SchoolYearWaiting {
        /// The school location, BRIN + vestiging (e.g. `99DE00`).
        school: String,
        /// The new school year, `2026-2027`.
        schooljaar: String,
        /// The open import proposal of the new year, if the LAS answered already.
        proposal_id: Option<i64>,
        /// The year has no active LAS koppeling (it was revoked): nothing can be fetched
        /// until an admin requests a new one. Absent in reminders queued before it existed.
        #[serde(default)]
        koppeling_gone: bool,
        /// The admin's e-mail address.
        admin: String,
    },
    /// Support invited someone to an account (a school admin, for one location): the mail
    /// carries the link that sets its first password.
    AccountInvitation {
        /// The school location the account is for.
        school: String,
        /// The name to greet with.
        name: String,
        /// The e-mail address, which is also the sign-in name.
        email: String,
        /// `school-admin` (or `teacher`).
        role: String,
    },
    /// A step of the link handshake (request, approval, rejection, revocation), told to the
    /// school's admins and, for a new request, to support.
    Handshake {
        step: HandshakeStep,
        /// The school location, BRIN + vestiging.
        school: String,
        koppeling_id: i64,
        /// The kind of link as people know it (`ParnasSys`, `ESIS`…).
        link_kind: String,
        schooljaar: String,
        /// Why (a rejection always has one; a revocation may).
        #[serde(default)]
        reason: Option<String>,
        /// Support is told a request waits for its decision; a school admin what happened.
        #[serde(default)]
        for_support: bool,
        /// The recipient's e-mail address.
        to: String,
    },
}

/// The handshake steps that send mail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandshakeStep {
    Requested,
    Approved,
    Rejected,
    Revoked,
}

/// Where the pages a mail is about can be opened.
#[derive(Clone, Copy, Debug, Default)]
pub struct Pages<'a> {
    /// The console's public base URL (`https://uwlr.example.nl`), without the `/console`
    /// part; without it a mail names the page in words.
    pub public_url: Option<&'a str>,
    /// The token of an invitation's link (made when the mail is sent, stored only as a
    /// digest); without it an invitation sends the person to the sign-in page.
    pub invitation_token: Option<&'a str>,
}

/// A console page a mail points to: its path and its name in Dutch and English.
struct Page {
    path: String,
    nl: &'static str,
    en: &'static str,
}

impl Pages<'_> {
    /// The lines that point to `page`, Dutch and English: a link when the public URL is
    /// known, else the page's name and path, for someone who knows the console's address.
    fn lines(&self, page: &Page) -> (String, String) {
        match self.public_url {
            Some(base) => {
                let url = format!("{}{}", base.trim_end_matches('/'), page.path);
                (format!("Open de pagina '{}':\n{url}", page.nl), format!("Open the page '{}':\n{url}", page.en))
            }
            None => (
                format!("Open in de beheeromgeving de pagina '{}'\n({}).", page.nl, page.path),
                format!("Open the page '{}' in the admin console\n({}).", page.en, page.path),
            ),
        }
    }
}

fn import_page(school: &str) -> Page {
    Page { path: format!("/console/locaties/{school}/import"), nl: "Controle import uit LAS", en: "LAS import review" }
}

fn koppelen_page(school: &str) -> Page {
    Page { path: format!("/console/locaties/{school}/koppelen"), nl: "Koppelen met LAS", en: "Link with the LAS" }
}

/// The page an invitation opens: setting the password, or (no token: the account has one
/// already) signing in.
fn invitation_page(token: Option<&str>) -> Page {
    match token {
        Some(t) => Page {
            path: format!("/console/uitnodiging?code={}", one_line(t)),
            nl: "Wachtwoord instellen",
            en: "Set your password",
        },
        None => Page { path: "/console/aanmelden".into(), nl: "Aanmelden", en: "Sign in" },
    }
}

impl Notification {
    /// The mail without links: every page named in words (see [`Notification::render`]).
    pub fn to_mail(&self, from_name: &str) -> Mail {
        self.render(from_name, &Pages::default())
    }

    /// The address the mail goes to.
    pub fn recipient(&self) -> &str {
        match self {
            Notification::ReviewWaiting { admin, .. } | Notification::SchoolYearWaiting { admin, .. } => admin,
            Notification::TeacherInvitation { email, .. } | Notification::AccountInvitation { email, .. } => email,
            Notification::Handshake { to, .. } => to,
        }
    }

    /// Renders the mail, Dutch first and English below, signed with `from_name` (the test
    /// platform's name as users know it), pointing to the page it is about as `pages` allows.
    /// Values from the LAS are flattened to one line each, so a stray newline in a name
    /// cannot add text or headers.
    pub fn render(&self, from_name: &str, pages: &Pages<'_>) -> Mail {
        let from_name = one_line(from_name);
        match self {
            Notification::ReviewWaiting { school, proposal_id, counts, admin } => {
                let school = one_line(school);
                let counts = one_line(counts);
                let (nl, en) = pages.lines(&import_page(&school));
                Mail {
                    to: one_line(admin),
                    subject: format!("Nieuwe gegevens ter controle / New data to review: {school}"),
                    body: format!(
                        "Beste beheerder,\n\
                         \n\
                         Er staan nieuwe gegevens uit de leerlingadministratie (LAS)\n\
                         klaar voor school {school}: {counts}.\n\
                         Bekijk en keur importvoorstel {proposal_id} goed; tot dan\n\
                         verandert er niets.\n\
                         {nl}\n\
                         \n\
                         Dear administrator,\n\
                         \n\
                         New data from the pupil administration system (LAS) awaits\n\
                         review for school {school}: {counts}.\n\
                         Please review and approve import proposal {proposal_id};\n\
                         nothing changes until you do.\n\
                         {en}\n\
                         \n\
                         {from_name}\n"
                    ),
                }
            }
            Notification::TeacherInvitation { school, teacher_name: name, email }
            | Notification::AccountInvitation { school, name, email, .. } => {
                let school = one_line(school);
                let name = one_line(name);
                let email = one_line(email);
                let (nl_how, en_how) = match pages.invitation_token {
                    Some(_) => (
                        "Stel via de link hieronder eenmalig uw wachtwoord in en meld u\n\
                         daarna aan. De link werkt één keer en verloopt na enkele dagen.",
                        "Set your password once through the link below, then sign in.\n\
                         The link works once and expires after a few days.",
                    ),
                    None => (
                        "U heeft al een account: meld u aan met uw wachtwoord.",
                        "You already have an account: sign in with your password.",
                    ),
                };
                let (nl, en) = pages.lines(&invitation_page(pages.invitation_token));
                Mail {
                    to: email.clone(),
                    subject: format!("Uitnodiging / Invitation: {from_name} ({school})"),
                    body: format!(
                        "Beste {name},\n\
                         \n\
                         Uw school ({school}) heeft u toegevoegd aan {from_name}.\n\
                         U logt in met dit e-mailadres: {email}\n\
                         {nl_how}\n\
                         {nl}\n\
                         \n\
                         Dear {name},\n\
                         \n\
                         Your school ({school}) has added you to {from_name}.\n\
                         You sign in with this e-mail address: {email}\n\
                         {en_how}\n\
                         {en}\n\
                         \n\
                         {from_name}\n"
                    ),
                }
            }
            Notification::SchoolYearWaiting { school, schooljaar, proposal_id, koppeling_gone, admin } => {
                let school = one_line(school);
                let schooljaar = one_line(schooljaar);
                let (nl, en) = match proposal_id {
                    _ if *koppeling_gone => (
                        "De LAS-koppeling van dit schooljaar is ingetrokken;\n\
                         vraag een nieuwe aan en keur de import daarvan goed."
                            .to_string(),
                        "The LAS link of this school year was revoked;\n\
                         request a new one and approve its import."
                            .to_string(),
                    ),
                    Some(id) => (
                        format!("Bekijk en keur importvoorstel {id} goed."),
                        format!("Please review and approve import proposal {id}."),
                    ),
                    None => (
                        "De LAS heeft nog geen gegevens gestuurd; haal ze opnieuw op.".to_string(),
                        "The LAS sent no data yet; fetch again.".to_string(),
                    ),
                };
                let page = if *koppeling_gone { koppelen_page(&school) } else { import_page(&school) };
                let (nl_page, en_page) = pages.lines(&page);
                Mail {
                    to: one_line(admin),
                    subject: format!("Schooljaar {schooljaar} wacht / School year {schooljaar} waits: {school}"),
                    body: format!(
                        "Beste beheerder,\n\
                         \n\
                         Het schooljaar {schooljaar} is gestart voor school {school},\n\
                         maar de import ervan is nog niet afgerond.\n\
                         {nl}\n\
                         {nl_page}\n\
                         Tot dan krijgt u deze herinnering elke dag.\n\
                         \n\
                         Dear administrator,\n\
                         \n\
                         School year {schooljaar} has started for school {school},\n\
                         but its import is not complete yet.\n\
                         {en}\n\
                         {en_page}\n\
                         Until then, this reminder comes once a day.\n\
                         \n\
                         {from_name}\n"
                    ),
                }
            }
            Notification::Handshake { step, school, koppeling_id, link_kind, schooljaar, reason, for_support, to } => {
                let school = one_line(school);
                let kind = one_line(link_kind);
                let schooljaar = one_line(schooljaar);
                let reason = reason.as_deref().map(one_line).filter(|r| !r.is_empty());
                let what_nl = format!("Koppeling {koppeling_id}: {kind}, school {school}, schooljaar {schooljaar}.");
                let what_en = format!("Link {koppeling_id}: {kind}, school {school}, school year {schooljaar}.");
                let (because_nl, because_en) = match &reason {
                    Some(r) => (format!(" (reden: {r})"), format!(" (reason: {r})")),
                    None => (String::new(), String::new()),
                };
                let (subject, greeting, nl, en) = match (step, for_support) {
                    (HandshakeStep::Requested, true) => (
                        "Nieuwe aanvraag koppeling / New link request",
                        ("Beste klantenservice,", "Dear support,"),
                        "Er is een nieuwe aanvraag.\nKeur hem goed of wijs hem af (met een reden).".to_string(),
                        "There is a new request.\nApprove or reject it (with a reason).".to_string(),
                    ),
                    (HandshakeStep::Requested, false) => (
                        "Aanvraag koppeling ontvangen / Link request received",
                        ("Beste beheerder,", "Dear administrator,"),
                        "We hebben de aanvraag ontvangen. De klantenservice beoordeelt\nhem; u krijgt bericht als hij is goedgekeurd of afgewezen."
                            .to_string(),
                        "We received the request. Support reviews it; you will hear\nwhen it is approved or rejected."
                            .to_string(),
                    ),
                    (HandshakeStep::Approved, _) => (
                        "Koppeling goedgekeurd / Link approved",
                        ("Beste beheerder,", "Dear administrator,"),
                        "De klantenservice heeft de aanvraag goedgekeurd.".to_string(),
                        "Support approved the request.".to_string(),
                    ),
                    (HandshakeStep::Rejected, _) => (
                        "Koppeling afgewezen / Link rejected",
                        ("Beste beheerder,", "Dear administrator,"),
                        format!("De klantenservice heeft de aanvraag afgewezen.\nReden: {}", reason.as_deref().unwrap_or("-")),
                        format!("Support rejected the request.\nReason: {}", reason.as_deref().unwrap_or("-")),
                    ),
                    (HandshakeStep::Revoked, _) => (
                        "Koppeling ingetrokken / Link revoked",
                        ("Beste beheerder,", "Dear administrator,"),
                        format!(
                            "De koppeling is ingetrokken{because_nl}.\nEr wordt niets meer via deze koppeling opgehaald of geleverd."
                        ),
                        format!("The link was revoked{because_en}.\nNothing is fetched or delivered through it any more."),
                    ),
                };
                let (nl, en) = (format!("{what_nl}\n{nl}"), format!("{what_en}\n{en}"));
                let (nl_page, en_page) = pages.lines(&koppelen_page(&school));
                Mail {
                    to: one_line(to),
                    subject: format!("{subject}: {school}"),
                    body: format!(
                        "{}\n\n{nl}\n{nl_page}\n\n{}\n\n{en}\n{en_page}\n\n{from_name}\n",
                        greeting.0, greeting.1
                    ),
                }
            }
        }
    }
}

/// Replaces control characters (CR, LF, tabs...) with spaces and trims the ends.
fn one_line(value: &str) -> String {
    value.chars().map(|c| if c.is_control() { ' ' } else { c }).collect::<String>().trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn review_waiting_goes_to_the_admin_and_names_school_counts_and_proposal() {
        let note = Notification::ReviewWaiting {
            school: "99DE00".into(),
            proposal_id: 42,
            counts: "12 new, 3 changed, 1 leaver".into(),
            admin: "beheer@school.example".into(),
        };
        let mail = note.to_mail("Boom testcentrum");
        assert_eq!(mail.to, "beheer@school.example");
        assert_eq!(mail.subject, "Nieuwe gegevens ter controle / New data to review: 99DE00");
        assert!(mail.body.starts_with("Beste beheerder,\n"), "{}", mail.body);
        assert!(mail.body.contains("Dear administrator,"));
        assert!(mail.body.contains("school 99DE00: 12 new, 3 changed, 1 leaver."));
        assert!(mail.body.contains("importvoorstel 42"));
        assert!(mail.body.contains("import proposal 42"));
        assert!(mail.body.ends_with("\nBoom testcentrum\n"));
        assert!(mail.body.lines().all(|line| line.len() <= 76), "{}", mail.body);
    }

    #[test]
    fn school_year_reminder_names_the_year_and_the_proposal() {
        let note = Notification::SchoolYearWaiting {
            school: "99DE00".into(),
            schooljaar: "2026-2027".into(),
            proposal_id: Some(7),
            koppeling_gone: false,
            admin: "beheer@school.example".into(),
        };
        let mail = note.to_mail("Boom testcentrum");
        assert_eq!(mail.to, "beheer@school.example");
        assert_eq!(mail.subject, "Schooljaar 2026-2027 wacht / School year 2026-2027 waits: 99DE00");
        assert!(mail.body.contains("importvoorstel 7"), "{}", mail.body);
        assert!(mail.body.contains("import proposal 7"));
        assert!(mail.body.lines().all(|line| line.len() <= 76), "{}", mail.body);
        let none = Notification::SchoolYearWaiting {
            school: "99DE00".into(),
            schooljaar: "2026-2027".into(),
            proposal_id: None,
            koppeling_gone: false,
            admin: "beheer@school.example".into(),
        };
        assert!(none.to_mail("Boom").body.contains("fetch again"));
        let gone = Notification::SchoolYearWaiting {
            school: "99DE00".into(),
            schooljaar: "2026-2027".into(),
            proposal_id: None,
            koppeling_gone: true,
            admin: "beheer@school.example".into(),
        };
        let body = gone.to_mail("Boom").body;
        assert!(body.contains("ingetrokken") && body.contains("request a new one"), "{body}");
        assert!(!body.contains("fetch again"), "{body}");
        assert!(body.lines().all(|line| line.len() <= 76), "{body}");
        // A reminder queued before the field existed still reads.
        let old = r#"{"kind":"school_year_waiting","school":"99DE00","schooljaar":"2026-2027","proposal_id":null,"admin":"a@b"}"#;
        assert!(matches!(
            serde_json::from_str(old).unwrap(),
            Notification::SchoolYearWaiting { koppeling_gone: false, .. }
        ));
    }

    #[test]
    fn teacher_invitation_goes_to_the_teacher() {
        let note = Notification::TeacherInvitation {
            school: "99DE00".into(),
            teacher_name: "Juf Jansen".into(),
            email: "jansen@school.example".into(),
        };
        let mail = note.to_mail("Boom testcentrum");
        assert_eq!(mail.to, "jansen@school.example");
        assert_eq!(mail.subject, "Uitnodiging / Invitation: Boom testcentrum (99DE00)");
        assert!(mail.body.starts_with("Beste Juf Jansen,\n"), "{}", mail.body);
        assert!(mail.body.contains("Dear Juf Jansen,"));
        assert!(mail.body.contains("toegevoegd aan Boom testcentrum"));
        assert!(mail.body.contains("e-mail address: jansen@school.example"));
    }

    #[test]
    fn mails_link_to_their_page_under_the_public_url_or_name_it() {
        let review = Notification::ReviewWaiting {
            school: "99DE00".into(),
            proposal_id: 4,
            counts: "1 new".into(),
            admin: "a@b.example".into(),
        };
        let linked = Pages { public_url: Some("https://uwlr.example.nl/"), invitation_token: None };
        let body = review.render("Boom", &linked).body;
        assert!(body.contains("\nhttps://uwlr.example.nl/console/locaties/99DE00/import\n"), "{body}");
        assert!(body.lines().all(|line| line.len() <= 76), "{body}");
        let words = review.to_mail("Boom").body;
        assert!(words.contains("de pagina 'Controle import uit LAS'\n(/console/locaties/99DE00/import)"), "{words}");
        assert!(!words.contains("http"), "{words}");

        let invitation = Notification::TeacherInvitation {
            school: "99DE00".into(),
            teacher_name: "Juf".into(),
            email: "juf@school.example".into(),
        };
        let token = "ab".repeat(32);
        let with = Pages { invitation_token: Some(&token), ..linked };
        let body = invitation.render("Boom", &with).body;
        assert!(body.contains(&format!("https://uwlr.example.nl/console/uitnodiging?code={token}\n")), "{body}");
        assert!(body.contains("werkt één keer"), "{body}");
        let has_account = invitation.render("Boom", &linked).body;
        assert!(has_account.contains("https://uwlr.example.nl/console/aanmelden") && !has_account.contains("code="));

        for (step, for_support, needle) in [
            (HandshakeStep::Requested, true, "Keur hem goed of wijs hem af"),
            (HandshakeStep::Requested, false, "ontvangen"),
            (HandshakeStep::Approved, false, "goedgekeurd"),
            (HandshakeStep::Rejected, false, "Reden: geen BRIN"),
            (HandshakeStep::Revoked, false, "is ingetrokken (reden: geen BRIN)"),
        ] {
            let n = Notification::Handshake {
                step,
                school: "99DE00".into(),
                koppeling_id: 3,
                link_kind: "ParnasSys".into(),
                schooljaar: "2025-2026".into(),
                reason: Some("geen BRIN".into()),
                for_support,
                to: "x@y.example".into(),
            };
            let mail = n.render("Boom", &linked);
            assert!(mail.body.contains(needle), "{step:?}: {}", mail.body);
            assert!(mail.body.contains("https://uwlr.example.nl/console/locaties/99DE00/koppelen"), "{}", mail.body);
            assert!(mail.body.lines().all(|line| line.len() <= 76), "{}", mail.body);
            assert_eq!(n.recipient(), "x@y.example");
            let json = serde_json::to_string(&n).unwrap();
            assert_eq!(serde_json::from_str::<Notification>(&json).unwrap(), n);
        }
    }

    #[test]
    fn newlines_from_the_las_cannot_add_lines_or_headers() {
        let note = Notification::TeacherInvitation {
            school: "99DE00\r\nBcc: everyone@example.org".into(),
            teacher_name: "Jansen\n\nKlik hier".into(),
            email: "jansen@school.example\n".into(),
        };
        let mail = note.to_mail("Boom\ttestcentrum");
        assert!(!mail.subject.contains(['\r', '\n', '\t']));
        assert_eq!(mail.to, "jansen@school.example");
        assert!(mail.body.contains("Beste Jansen  Klik hier,\n"), "{}", mail.body);
        assert!(!mail.body.lines().any(|line| line.starts_with("Bcc:")));
    }

    #[test]
    fn notifications_round_trip_as_tagged_json() {
        let notes = [
            Notification::ReviewWaiting {
                school: "99DE00".into(),
                proposal_id: 7,
                counts: "1 new".into(),
                admin: "a@b.example".into(),
            },
            Notification::TeacherInvitation {
                school: "99DE00".into(),
                teacher_name: "Meester Bakker".into(),
                email: "bakker@school.example".into(),
            },
        ];
        for note in notes {
            let json = serde_json::to_string(&note).unwrap();
            assert_eq!(serde_json::from_str::<Notification>(&json).unwrap(), note);
        }
        let json = serde_json::to_value(Notification::ReviewWaiting {
            school: "99DE00".into(),
            proposal_id: 7,
            counts: "1 new".into(),
            admin: "a@b.example".into(),
        })
        .unwrap();
        assert_eq!(json["kind"], "review_waiting");
        assert_eq!(json["proposal_id"], 7);

        let mail = Mail { to: "a@b.example".into(), subject: "s".into(), body: "b\n".into() };
        let back: Mail = serde_json::from_str(&serde_json::to_string(&mail).unwrap()).unwrap();
        assert_eq!(back, mail);
    }
}
