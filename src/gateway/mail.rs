//! Drains the outbox: every due notification is mailed through the configured transport;
//! a transient failure is retried later with backoff, a permanent one is kept as failed
//! for an admin to see.

use super::{Gateway, GatewayError};
use crate::notify::{MailTransport, Notification};
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
                Ok(n) => transport.send(&self.settings.mail_from, &n.to_mail("Boom testcentrum")).await.map_err(|e| {
                    let permanent = e.is_permanent();
                    (e.to_string(), permanent)
                }),
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

    /// The newest outbox entries, for an admin.
    pub async fn outbox(&self, limit: i64) -> Result<Vec<OutboxEntry>, GatewayError> {
        Ok(outbox::list(&mut *self.store.pool().acquire().await?, limit).await?)
    }
}
