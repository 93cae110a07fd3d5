//! Who may call the admin API, and who did. One bearer token guards every route but health
//! and the OpenAPI document; the person acting names themself in `X-Actor`, which goes into
//! the audit trail. The token is compared in constant time and never logged or printed.

use super::error::ApiError;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// The admin API's bearer token. Its `Debug` prints `[redacted]`, so it can sit in a
/// config struct that is logged.
#[derive(Clone)]
pub struct AdminToken(String);

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The file under the data directory that holds the token.
pub const TOKEN_FILE: &str = "admin.token";

impl AdminToken {
    /// A token given by the operator (an environment variable, a secret store). Surrounding
    /// whitespace is dropped. An empty token is kept but matches no request, so a missing
    /// secret locks the API instead of opening it.
    pub fn new(token: String) -> AdminToken {
        AdminToken(token.trim().to_string())
    }

    /// `<data_dir>/admin.token`: read if it is there; otherwise created (mode 0600) with 32
    /// random bytes from the system's CSPRNG as 64 hex characters. Returns whether it was
    /// created, so the caller can tell the operator where to find it (without printing it).
    pub fn load_or_create(data_dir: &Path) -> io::Result<(AdminToken, bool)> {
        let path = data_dir.join(TOKEN_FILE);
        match read(&path) {
            Ok(token) => return Ok((token, false)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        crate::private::create_dir_all(data_dir)?;
        let mut bytes = [0u8; 32];
        aws_lc_rs::rand::SecureRandom::fill(&aws_lc_rs::rand::SystemRandom::new(), &mut bytes)
            .map_err(|_| io::Error::other("the system random number generator failed"))?;
        let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        match crate::private::create_new(&path) {
            Ok(mut file) => {
                file.write_all(format!("{token}\n").as_bytes())?;
                file.sync_all()?;
                Ok((AdminToken(token), true))
            }
            // Another process created it between our read and our create: use theirs.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok((read(&path)?, false)),
            Err(e) => Err(e),
        }
    }

    /// The token itself, to hand to a client. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

fn read(path: &Path) -> io::Result<AdminToken> {
    let token = AdminToken::new(std::fs::read_to_string(path)?);
    if token.0.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{} is empty; delete it and a new token is created", path.display()),
        ));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)?.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(path = %path.display(), mode = format!("{:o}", mode & 0o777), "the admin token file is readable by others; chmod 600 it");
        }
    }
    Ok(token)
}

/// What the guard compares against: the token's SHA-256, so the comparison takes the same
/// time whatever the length of what a caller sends.
#[derive(Clone)]
pub(crate) struct Guard {
    digest: Option<[u8; 32]>,
}

impl Guard {
    pub(crate) fn new(token: &AdminToken) -> Arc<Guard> {
        let digest = (!token.0.is_empty()).then(|| Sha256::digest(token.0.as_bytes()).into());
        Arc::new(Guard { digest })
    }

    fn admits(&self, given: Option<&[u8]>) -> bool {
        let (Some(expected), Some(given)) = (&self.digest, given) else {
            return false;
        };
        let given: [u8; 32] = Sha256::digest(given).into();
        bool::from(given.ct_eq(expected))
    }
}

/// The middleware on every guarded route: `Authorization: Bearer <token>` or a 401.
pub(crate) async fn require_token(State(guard): State<Arc<Guard>>, req: Request, next: Next) -> Response {
    let header = req.headers().get(header::AUTHORIZATION).map(HeaderValue::as_bytes);
    let Some(header) = header else {
        return unauthorized("this route needs the header 'Authorization: Bearer <admin token>'", None);
    };
    if guard.admits(bearer(header)) {
        next.run(req).await
    } else {
        unauthorized(
            "the admin token is wrong: use the one in <data dir>/admin.token as 'Authorization: Bearer <token>'",
            Some("invalid_token"),
        )
    }
}

/// The credentials of `Bearer <credentials>` (the scheme is case-insensitive).
fn bearer(header: &[u8]) -> Option<&[u8]> {
    let space = header.iter().position(|&b| b == b' ')?;
    let (scheme, rest) = header.split_at(space);
    if !scheme.eq_ignore_ascii_case(b"bearer") {
        return None;
    }
    Some(rest.trim_ascii())
}

fn unauthorized(message: &str, error: Option<&str>) -> Response {
    let challenge = match error {
        Some(e) => format!("Bearer realm=\"uwlr-admin\", error=\"{e}\""),
        None => "Bearer realm=\"uwlr-admin\"".to_string(),
    };
    let mut response = ApiError::new(StatusCode::UNAUTHORIZED, message).into_response();
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    response
}

/// The header that names the person acting, for the audit trail.
pub const ACTOR_HEADER: &str = "x-actor";

/// Who the audit trail records when a request names no one.
pub const DEFAULT_ACTOR: &str = "admin-api";

/// The person acting: `X-Actor` (UTF-8, at most 200 characters, no control characters), or
/// [`DEFAULT_ACTOR`].
pub struct Actor(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Actor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let Some(raw) = parts.headers.get(ACTOR_HEADER) else {
            return Ok(Actor(DEFAULT_ACTOR.into()));
        };
        let actor = std::str::from_utf8(raw.as_bytes())
            .map_err(|_| ApiError::bad_request("X-Actor is not UTF-8: name the person acting in UTF-8"))?
            .trim();
        if actor.is_empty() {
            return Ok(Actor(DEFAULT_ACTOR.into()));
        }
        if actor.chars().count() > 200 || actor.chars().any(char::is_control) {
            return Err(ApiError::bad_request(
                "X-Actor must be a name or e-mail address of at most 200 characters without control characters",
            ));
        }
        Ok(Actor(actor.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guard_admits_the_token_only() {
        let guard = Guard::new(&AdminToken::new("s3cret".into()));
        assert!(guard.admits(bearer(b"Bearer s3cret")));
        assert!(guard.admits(bearer(b"bearer  s3cret ")));
        assert!(!guard.admits(bearer(b"Bearer s3cre")));
        assert!(!guard.admits(bearer(b"Basic s3cret")));
        assert!(!guard.admits(bearer(b"s3cret")));
        assert!(!guard.admits(None));
        let empty = Guard::new(&AdminToken::new("  ".into()));
        assert!(!empty.admits(bearer(b"Bearer ")));
        assert!(!empty.admits(bearer(b"Bearer x")));
    }

    #[test]
    fn debug_never_shows_the_token() {
        let t = AdminToken::new("s3cret".into());
        assert_eq!(format!("{t:?}"), "[redacted]");
        assert_eq!(t.expose(), "s3cret");
    }

    #[test]
    fn the_token_file_is_created_once_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let (a, created) = AdminToken::load_or_create(dir.path()).unwrap();
        assert!(created);
        assert_eq!(a.expose().len(), 64);
        assert!(a.expose().bytes().all(|b| b.is_ascii_hexdigit()));
        let (b, created) = AdminToken::load_or_create(dir.path()).unwrap();
        assert!(!created);
        assert_eq!(a.expose(), b.expose());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(TOKEN_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(dir.path().join(TOKEN_FILE), "\n").unwrap();
        assert_eq!(AdminToken::load_or_create(dir.path()).unwrap_err().kind(), io::ErrorKind::InvalidData);
    }
}
