//! Notifications: what the gateway tells people by mail, and how the mail leaves.
//!
//! Two moments need a human: an import proposal waits for a school admin's review, and a
//! teacher imported from the LAS needs an invitation. The gateway records a [`Notification`]
//! (a plain value that serialises to JSON, so the outbox table can hold it until delivery),
//! renders it with [`Notification::to_mail`] at send time, and hands the [`Mail`] to a
//! [`MailTransport`].
//!
//! The transport is configuration, not code: `file` writes `.eml` files so a demo or a test
//! needs no mail server; `smtp://` / `smtps://` delivers for real. [`NotifyError::is_permanent`]
//! tells the outbox whether to retry later or give up on a mail.

mod mail;
mod transport;

pub use mail::{HandshakeStep, Mail, Notification, Pages};
pub use transport::{MailTransport, NotifyError, SmtpUrl, DEFAULT_SMTP_TIMEOUT};
