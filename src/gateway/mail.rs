//! Drains the outbox: every due notification is mailed through the configured transport;
//! a transient failure is retried later with backoff, a permanent one is kept as failed
//! for an admin to see.
//!
//! An invitation gets its link here, at send time: the token is made now and only its
//! digest is stored ([`crate::console::invitations::prepare`]), so the outbox never holds
//! a working link, and each attempt's mail carries a fresh one.

use super::{Gateway, GatewayError};
use crate::console::accounts::Role;
use crate::console::invitations::{self, Invite};
use crate::notify::{Mail, MailTransport, Notification, Pages};
use crate::store::outbox::{self, OutboxEntry};
use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MailReport {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

impl Gateway {
    /// Sends what is due, up to `limit` mails.
    pub async fn send_mail(&self, transport: &MailTransport, limit: i64) -> Result<MailReport, GatewayError> {
        let due = outbox::due(&mut *self.store.pool().acquire().await?, self.now(), limit).await?;
        let mut report = MailReport::default();
        for entry in due {
            let result = match serde_json::from_str::<Notification>(&entry.notification) {
                Ok(n) => match self.render(&n).await {
                    Ok(mail) => transport.send(&self.settings.mail_from, &mail).await.map_err(|e| {
                        let permanent = e.is_permanent();
                        (e.to_string(), permanent)
                    }),
                    Err(e) => Err((format!("the invitation could not be prepared: {e}"), false)),
                },
                Err(e) => Err((format!("unreadable notification: {e}"), true)),
            };
            let mut conn = self.store.pool().acquire().await?;
            match result {
                Ok(()) => {
                    outbox::mark_sent(&mut conn, entry.id, self.now()).await?;
                    report.sent += 1;
                }
                Err((error, permanent)) => {
                    tracing::warn!(outbox = entry.id, permanent, %error, "notification not sent");
                    outbox::mark_failed(&mut conn, entry.id, entry.attempts, &error, permanent, self.now()).await?;
                    if permanent || entry.attempts + 1 >= outbox::MAX_ATTEMPTS {
                        report.failed += 1;
                    } else {
                        report.retrying += 1;
                    }
                }
            }
        }
        Ok(report)
    }

    /// The mail of a notification, with links to its page under the public URL; an
    /// invitation's account and link are made now.
    async fn render(&self, n: &Notification) -> Result<Mail, GatewayError> {
        let invite = match n {
            Notification::TeacherInvitation { school, teacher_name, email } => {
                Some(invitations::prepare(self, email, teacher_name, Role::Teacher, school).await?)
            }
            Notification::AccountInvitation { school, name, email, role } => {
                let role = Role::parse(role).map_err(GatewayError::Invalid)?;
                Some(invitations::prepare(self, email, name, role, school).await?)
            }
            _ => None,
        };
        let token = match &invite {
            Some(Invite::Link(t)) => Some(t.as_str()),
            _ => None,
        };
        let pages = Pages { public_url: self.settings.public_url.as_deref(), invitation_token: token };
        Ok(n.render("Boom testcentrum", &pages))
    }

    /// The newest outbox entries, for an admin.
    pub async fn outbox(&self, limit: i64) -> Result<Vec<OutboxEntry>, GatewayError> {
        Ok(outbox::list(&mut *self.store.pool().acquire().await?, limit).await?)
    }
}
