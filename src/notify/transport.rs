//! How a [`Mail`] leaves the gateway: into a folder as `.eml` files, or to an SMTP server.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::Mail;
use crate::redact::url_password;

/// How long one SMTP step (connect, each command) may take before the send counts as a
/// transient failure. Short enough that a dead server does not hold up the outbox for minutes.
pub const DEFAULT_SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// The forms [`MailTransport::parse`] accepts, quoted in its error.
const ACCEPTED_FORMS: &str = "\"file\" (writes .eml files into <data_dir>/mail), \"file:/some/dir\", \
     \"smtp://[user:pass@]host[:port][?tls=required|opportunistic]\" or \"smtps://[user:pass@]host[:port]\"";

/// Where mail goes. Chosen by configuration, so the demo and tests run without a mail server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MailTransport {
    /// Each mail becomes an `.eml` file in this folder (created when needed).
    File(PathBuf),
    /// Delivery over SMTP, one connection per mail (the volume is a handful a day).
    Smtp {
        /// The server and credentials; shown with the password redacted.
        url: SmtpUrl,
        /// Limit for each SMTP step; see [`DEFAULT_SMTP_TIMEOUT`].
        timeout: Duration,
    },
}

/// An SMTP connection URL as lettre reads it (`smtp://user:pass@host:587?tls=required`,
/// `smtps://host`). Holds a password, so `Debug` and `Display` replace it (`redact::url_password`);
/// only [`SmtpUrl::expose`] gives the full text.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpUrl(String);

impl SmtpUrl {
    /// Checks the URL the way the sender will use it, so a typo fails at startup rather than at
    /// the first mail.
    pub fn new(url: &str) -> Result<SmtpUrl, NotifyError> {
        let url = url.trim();
        if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
            return Err(NotifyError::UnknownTransport { spec: url_password(url) });
        }
        AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|err| NotifyError::BadSmtpUrl { url: url_password(url), reason: err.to_string() })?;
        Ok(SmtpUrl(url.to_owned()))
    }

    /// The URL including its password, for building the connection only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SmtpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&url_password(&self.0))
    }
}

impl fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SmtpUrl({self})")
    }
}

impl fmt::Display for MailTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MailTransport::File(dir) => write!(f, "file:{}", dir.display()),
            MailTransport::Smtp { url, .. } => write!(f, "{url}"),
        }
    }
}

/// Why a mail was not sent. [`NotifyError::is_permanent`] decides between retrying later and
/// giving up on this one mail. Messages never contain the SMTP password.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// The transport setting is none of the accepted forms.
    #[error("unknown mail transport {spec:?}; accepted: {ACCEPTED_FORMS}")]
    UnknownTransport {
        /// The setting as given, password redacted.
        spec: String,
    },
    /// An `smtp://` or `smtps://` URL that lettre cannot use.
    #[error("invalid SMTP URL {url}: {reason}")]
    BadSmtpUrl {
        /// The URL, password redacted.
        url: String,
        /// What lettre objected to.
        reason: String,
    },
    /// A sender or recipient that is not an e-mail address; retrying cannot help.
    #[error("invalid {role} address {address:?}: {reason}")]
    InvalidAddress {
        /// `"from"` or `"to"`.
        role: &'static str,
        /// The address as given.
        address: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The mail could not be assembled (lettre refused its parts); retrying cannot help.
    #[error("cannot build the mail: {0}")]
    Message(String),
    /// The server refused the mail with a 5xx reply (e.g. unknown mailbox).
    #[error("the mail server refused the mail: {0}")]
    Rejected(String),
    /// The server could not be reached or used now: connection, TLS, timeout, a 4xx reply, or a
    /// refused login (which is our configuration, not the mail's fault).
    #[error("SMTP delivery via {server} failed: {reason}")]
    Smtp {
        /// The server URL, password redacted.
        server: String,
        /// What went wrong.
        reason: String,
    },
    /// The `.eml` file could not be written (missing permissions, full disk).
    #[error("cannot write mail into {}: {reason}", dir.display())]
    File {
        /// The target folder.
        dir: PathBuf,
        /// What went wrong.
        reason: String,
    },
}

impl NotifyError {
    /// True when this mail can never be delivered as it stands (bad address, a 5xx refusal), so
    /// the outbox should mark it failed instead of retrying. Configuration and connection
    /// problems are not permanent: once fixed, the waiting mails go out.
    pub fn is_permanent(&self) -> bool {
        matches!(self, NotifyError::InvalidAddress { .. } | NotifyError::Message(_) | NotifyError::Rejected(_))
    }
}

impl MailTransport {
    /// Reads the transport setting: `file` (into `<data_dir>/mail`), `file:/some/dir`,
    /// `smtp://...` or `smtps://...`. Anything else is an error listing these forms.
    pub fn parse(spec: &str, data_dir: &Path) -> Result<MailTransport, NotifyError> {
        let spec = spec.trim();
        if spec == "file" {
            return Ok(MailTransport::File(data_dir.join("mail")));
        }
        if let Some(dir) = spec.strip_prefix("file:") {
            if !dir.is_empty() {
                return Ok(MailTransport::File(PathBuf::from(dir)));
            }
        }
        if spec.starts_with("smtp://") || spec.starts_with("smtps://") {
            return Ok(MailTransport::Smtp { url: SmtpUrl::new(spec)?, timeout: DEFAULT_SMTP_TIMEOUT });
        }
        Err(NotifyError::UnknownTransport { spec: url_password(spec) })
    }

    /// The same transport with another SMTP step timeout; a file transport is unchanged.
    pub fn with_timeout(self, timeout: Duration) -> MailTransport {
        match self {
            MailTransport::Smtp { url, .. } => MailTransport::Smtp { url, timeout },
            file => file,
        }
    }

    /// Sends `mail` from `from` (an address, or `Name <address>`).
    pub async fn send(&self, from: &str, mail: &Mail) -> Result<(), NotifyError> {
        let message = build_message(from, mail)?;
        match self {
            MailTransport::File(dir) => {
                let file_error = |reason: String| NotifyError::File { dir: dir.clone(), reason };
                let (folder, bytes) = (dir.clone(), message.formatted());
                let id = tokio::task::spawn_blocking(move || write_eml(&folder, &bytes))
                    .await
                    .map_err(|err| file_error(err.to_string()))?
                    .map_err(|err| file_error(err.to_string()))?;
                tracing::debug!(transport = %self, id, "mail written");
            }
            MailTransport::Smtp { url, timeout } => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                    .map_err(|err| NotifyError::BadSmtpUrl { url: url.to_string(), reason: err.to_string() })?
                    .timeout(Some(*timeout))
                    .build();
                let response = transport.send(message).await.map_err(|err| classify_smtp(url, &err))?;
                tracing::debug!(transport = %self, code = %response.code(), "mail accepted by the SMTP server");
            }
        }
        Ok(())
    }
}

/// Writes one mail as `<random id>.eml` into `dir` (created 0700 when needed), the file
/// 0600: mails hold names and links (what lettre's file transport writes, without its
/// umask-dependent modes). Returns the id.
fn write_eml(dir: &std::path::Path, bytes: &[u8]) -> std::io::Result<String> {
    use std::io::Write;
    crate::private::create_dir_all(dir)?;
    let mut random = [0u8; 16];
    aws_lc_rs::rand::SecureRandom::fill(&aws_lc_rs::rand::SystemRandom::new(), &mut random)
        .map_err(|_| std::io::Error::other("the system random number generator failed"))?;
    let id: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let mut file = crate::private::create_new(&dir.join(format!("{id}.eml")))?;
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(id)
}

fn build_message(from: &str, mail: &Mail) -> Result<Message, NotifyError> {
    let mailbox = |role: &'static str, address: &str| {
        address.trim().parse::<Mailbox>().map_err(|err| NotifyError::InvalidAddress {
            role,
            address: address.to_owned(),
            reason: err.to_string(),
        })
    };
    Message::builder()
        .from(mailbox("from", from)?)
        .to(mailbox("to", &mail.to)?)
        .subject(mail.subject.as_str())
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body.clone())
        .map_err(|err| NotifyError::Message(err.to_string()))
}

/// 5xx is permanent except the authentication replies (530, 534, 535, 538): those mean our
/// credentials or settings are wrong, which would otherwise fail every waiting mail for good.
fn classify_smtp(url: &SmtpUrl, err: &lettre::transport::smtp::Error) -> NotifyError {
    let code = err.status().map(u16::from);
    let auth_problem = matches!(code, Some(530 | 534 | 535 | 538));
    if err.is_permanent() && !auth_problem {
        NotifyError::Rejected(err.to_string())
    } else {
        NotifyError::Smtp { server: url.to_string(), reason: err.to_string() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::Notification;

    const FROM: &str = "Boom testcentrum <noreply@testcentrum.example>";

    fn invitation() -> Mail {
        Notification::TeacherInvitation {
            school: "99DE00".into(),
            teacher_name: "Juf Jansen".into(),
            email: "jansen@school.example".into(),
        }
        .to_mail("Boom testcentrum")
    }

    #[test]
    fn parse_accepts_the_documented_forms() {
        let data = Path::new("/var/lib/uwlr");
        assert_eq!(MailTransport::parse("file", data).unwrap(), MailTransport::File(data.join("mail")));
        assert_eq!(MailTransport::parse(" file \n", data).unwrap(), MailTransport::File(data.join("mail")));
        assert_eq!(
            MailTransport::parse("file:/tmp/outbox", data).unwrap(),
            MailTransport::File(PathBuf::from("/tmp/outbox"))
        );
        for url in [
            "smtp://localhost",
            "smtp://mail.example:2525",
            "smtp://user:pass@mail.example:587?tls=required",
            "smtp://user:pass@mail.example?tls=opportunistic",
            "smtps://user:p%40ss@mail.example",
            "smtps://mail.example:465",
        ] {
            match MailTransport::parse(url, data) {
                Ok(MailTransport::Smtp { url: parsed, timeout }) => {
                    assert_eq!(parsed.expose(), url);
                    assert_eq!(timeout, DEFAULT_SMTP_TIMEOUT);
                }
                other => panic!("{url}: {other:?}"),
            }
        }
    }

    #[test]
    fn parse_refuses_other_forms_and_lists_the_accepted_ones() {
        let data = Path::new("/var/lib/uwlr");
        for spec in ["", "files", "file:", "mail", "http://mail.example", "sendmail", "smtp:/host"] {
            let err = MailTransport::parse(spec, data).unwrap_err();
            let message = err.to_string();
            assert!(matches!(err, NotifyError::UnknownTransport { .. }), "{spec}: {message}");
            for form in ["\"file\"", "file:/some/dir", "smtp://", "smtps://"] {
                assert!(message.contains(form), "{spec}: {message}");
            }
        }
        for spec in ["smtp://", "smtp://host?tls=sometimes", "smtp://host:99999"] {
            let err = MailTransport::parse(spec, data).unwrap_err();
            assert!(matches!(err, NotifyError::BadSmtpUrl { .. }), "{spec}: {err}");
            assert!(!err.is_permanent());
        }
    }

    #[test]
    fn the_smtp_password_never_shows() {
        let data = Path::new("/d");
        let transport = MailTransport::parse("smtp://mailer:hunter2@mail.example:587?tls=required", data).unwrap();
        for shown in [format!("{transport}"), format!("{transport:?}"), format!("{transport:#?}")] {
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(shown.contains("mailer:***REDACTED***@mail.example:587"), "{shown}");
        }
        let err = MailTransport::parse("smtp://mailer:hunter2@mail.example?tls=sometimes", data).unwrap_err();
        assert!(!err.to_string().contains("hunter2") && !format!("{err:?}").contains("hunter2"), "{err}");
        let err = MailTransport::parse("smtpx://mailer:hunter2@mail.example", data).unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[tokio::test]
    async fn file_transport_writes_a_readable_eml() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = dir.path().join("mail");
        let transport = MailTransport::parse("file", dir.path()).unwrap();
        let mail = invitation();
        transport.send(FROM, &mail).await.unwrap();

        let files: Vec<_> = std::fs::read_dir(&outbox).unwrap().map(|e| e.unwrap().path()).collect();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].extension().unwrap(), "eml");
        let eml = std::fs::read_to_string(&files[0]).unwrap();
        let unfolded = eml.replace("\r\n ", " ");
        assert!(unfolded.contains(&format!("Subject: {}\r\n", mail.subject)), "{eml}");
        assert!(unfolded.contains("To: jansen@school.example\r\n"), "{eml}");
        assert!(unfolded.contains("From: \"Boom testcentrum\" <noreply@testcentrum.example>\r\n"), "{eml}");
        assert!(unfolded.contains("Content-Type: text/plain; charset=utf-8"), "{eml}");
        assert!(eml.replace("\r\n", "\n").contains(&mail.body), "{eml}");
    }

    #[tokio::test]
    async fn an_invalid_recipient_is_permanent() {
        let dir = tempfile::tempdir().unwrap();
        let transport = MailTransport::parse("file", dir.path()).unwrap();
        let mut mail = invitation();
        mail.to = "not an address".into();
        let err = transport.send(FROM, &mail).await.unwrap_err();
        assert!(matches!(err, NotifyError::InvalidAddress { role: "to", .. }), "{err}");
        assert!(err.is_permanent());
        assert!(err.to_string().contains("not an address"), "{err}");

        let err = transport.send("nobody", &invitation()).await.unwrap_err();
        assert!(matches!(err, NotifyError::InvalidAddress { role: "from", .. }), "{err}");
        assert!(err.is_permanent());
        assert!(!dir.path().join("mail").exists(), "nothing is written for a refused mail");
    }

    #[tokio::test]
    async fn smtp_to_a_closed_port_is_transient_and_quick() {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let url = format!("smtp://mailer:hunter2@127.0.0.1:{port}");
        let transport = MailTransport::parse(&url, Path::new("/d")).unwrap().with_timeout(Duration::from_millis(1500));
        let started = std::time::Instant::now();
        let err = transport.send(FROM, &invitation()).await.unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
        assert!(matches!(err, NotifyError::Smtp { .. }), "{err}");
        assert!(!err.is_permanent(), "{err}");
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains(&format!("127.0.0.1:{port}")), "{shown}");
    }

    #[test]
    fn permanence_follows_the_kind_of_failure() {
        let permanent = [
            NotifyError::InvalidAddress { role: "to", address: "x".into(), reason: "r".into() },
            NotifyError::Message("m".into()),
            NotifyError::Rejected("550 no such user".into()),
        ];
        let transient = [
            NotifyError::Smtp { server: "smtp://h".into(), reason: "421 try later".into() },
            NotifyError::File { dir: "/x".into(), reason: "disk full".into() },
            NotifyError::UnknownTransport { spec: "x".into() },
            NotifyError::BadSmtpUrl { url: "smtp://".into(), reason: "r".into() },
        ];
        assert!(permanent.iter().all(NotifyError::is_permanent));
        assert!(!transient.iter().any(NotifyError::is_permanent));
    }
}
