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
}

impl Notification {
    /// Renders the mail, Dutch first and English below, signed with `from_name` (the test
    /// platform's name as users know it). Values from the LAS are flattened to one line each,
    /// so a stray newline in a name cannot add text or headers.
    pub fn to_mail(&self, from_name: &str) -> Mail {
        let from_name = one_line(from_name);
        match self {
            Notification::ReviewWaiting { school, proposal_id, counts, admin } => {
                let school = one_line(school);
                let counts = one_line(counts);
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
                         \n\
                         Dear administrator,\n\
                         \n\
                         New data from the pupil administration system (LAS) awaits\n\
                         review for school {school}: {counts}.\n\
                         Please review and approve import proposal {proposal_id};\n\
                         nothing changes until you do.\n\
                         \n\
                         {from_name}\n"
                    ),
                }
            }
            Notification::TeacherInvitation { school, teacher_name, email } => {
                let school = one_line(school);
                let teacher_name = one_line(teacher_name);
                let email = one_line(email);
                Mail {
                    to: email.clone(),
                    subject: format!("Uitnodiging / Invitation: {from_name} ({school})"),
                    body: format!(
                        "Beste {teacher_name},\n\
                         \n\
                         Uw school ({school}) heeft u toegevoegd aan {from_name}.\n\
                         U logt in met dit e-mailadres: {email}\n\
                         \n\
                         Dear {teacher_name},\n\
                         \n\
                         Your school ({school}) has added you to {from_name}.\n\
                         You sign in with this e-mail address: {email}\n\
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
                Mail {
                    to: one_line(admin),
                    subject: format!("Schooljaar {schooljaar} wacht / School year {schooljaar} waits: {school}"),
                    body: format!(
                        "Beste beheerder,\n\
                         \n\
                         Het schooljaar {schooljaar} is gestart voor school {school},\n\
                         maar de import ervan is nog niet afgerond.\n\
                         {nl}\n\
                         Tot dan krijgt u deze herinnering elke dag.\n\
                         \n\
                         Dear administrator,\n\
                         \n\
                         School year {schooljaar} has started for school {school},\n\
                         but its import is not complete yet.\n\
                         {en}\n\
                         Until then, this reminder comes once a day.\n\
                         \n\
                         {from_name}\n"
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
