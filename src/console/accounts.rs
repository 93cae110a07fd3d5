//! Who may use the console, and how they prove it: accounts with a role and the locations
//! granted to them, passwords hashed with argon2id, sessions kept in the store as token
//! digests (so several instances on one PostgreSQL database share them), and the sign-in
//! throttle. Everything that changes an account or a session writes an audit line with the
//! person acting.
//!
//! The throttle counts failures per (account, address), per address and per account. The
//! pair slows down and then locks, so one address guessing one account is stopped quickly
//! while the owner signing in from elsewhere is not; the address limit stops one address
//! trying many accounts, and the (much higher) account limit stops guessing spread over many
//! addresses.

use crate::gateway::{Gateway, GatewayError};
use crate::store::accounts::{self as rows, AccountRow, Throttle};
use crate::store::koppelingen::{audit, AuditLine};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Role {
    /// The platform's klantenservice: every location; approves and rejects link requests.
    Support,
    /// A school's administrator: only the locations granted to the account.
    SchoolAdmin,
    /// A teacher (accounts from invitations, later): only the granted locations, read-only.
    Teacher,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Support => "support",
            Role::SchoolAdmin => "school-admin",
            Role::Teacher => "teacher",
        }
    }

    pub fn parse(s: &str) -> Result<Role, String> {
        match s.trim() {
            "support" => Ok(Role::Support),
            "school-admin" => Ok(Role::SchoolAdmin),
            "teacher" => Ok(Role::Teacher),
            other => Err(format!("'{other}' is not a role; use support, school-admin or teacher")),
        }
    }

    /// The Dutch name the console shows.
    pub fn label(self) -> &'static str {
        match self {
            Role::Support => "Klantenservice",
            Role::SchoolAdmin => "Beheerder",
            Role::Teacher => "Leerkracht",
        }
    }
}

/// A signed-in person: the account, its role and its locations.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// The granted locations (support sees every location whatever this holds).
    pub locations: Vec<String>,
}

impl Account {
    /// Whether this person may see `location` at all.
    pub fn sees(&self, location: &str) -> bool {
        self.role == Role::Support || self.locations.iter().any(|l| l == location)
    }

    /// Whether this person may change the links of `location` (request, rotate, revoke).
    pub fn manages(&self, location: &str) -> bool {
        self.role == Role::Support || (self.role == Role::SchoolAdmin && self.sees(location))
    }

    pub fn is_support(&self) -> bool {
        self.role == Role::Support
    }
}

/// The shortest password accepted.
pub const MIN_PASSWORD: usize = 12;
/// A session ends after this long without a request.
pub const SESSION_IDLE: Duration = Duration::hours(8);

/// The throttle's numbers (see the module comment).
pub mod limits {
    use chrono::Duration;
    /// Failures of one account from one address before each next try has to wait.
    pub const PAIR_FREE: i64 = 3;
    /// Failures of one account from one address that lock that pair.
    pub const PAIR_LOCK: i64 = 6;
    /// Failures from one address, any account, that lock the address.
    pub const ADDRESS_LOCK: i64 = 30;
    /// Failures of one account, from any address, that lock the account everywhere.
    pub const ACCOUNT_LOCK: i64 = 100;
    /// How long a lock lasts, and after how long without failures the count starts over.
    pub const LOCK: Duration = Duration::minutes(15);
}

/// Why a sign-in did not open a session.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Unknown address, wrong password, no password set or a disabled account: one answer
    /// for all, so the form tells nobody which addresses have accounts.
    #[error("onjuist e-mailadres of wachtwoord")]
    Wrong,
    /// Too many failures: try again after this many seconds; the password was not checked.
    #[error("te veel mislukte pogingen; probeer het over {0} seconden opnieuw")]
    Throttled(i64),
    #[error(transparent)]
    Gateway(#[from] GatewayError),
}

/// A new session: the token goes into the cookie and nowhere else.
pub struct NewSession {
    pub account: Account,
    pub token: String,
}

impl std::fmt::Debug for NewSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSession").field("account", &self.account.email).finish_non_exhaustive()
    }
}

/// An e-mail address as the sign-in name: trimmed, lower case, with one `@`.
pub fn normalise_email(email: &str) -> Result<String, GatewayError> {
    let e = email.trim().to_lowercase();
    let ok = e.len() <= 254
        && e.split('@').count() == 2
        && e.split('@').all(|p| !p.is_empty())
        && !e.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(e)
    } else {
        Err(GatewayError::Invalid(format!("'{}' is not an e-mail address", email.trim())))
    }
}

/// The argon2id hash of a password, as a PHC string with its own random salt.
pub fn hash_password(password: &str) -> Result<String, GatewayError> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(GatewayError::Invalid(format!("a password needs at least {MIN_PASSWORD} characters")));
    }
    let mut salt = [0u8; 16];
    random(&mut salt)?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| GatewayError::Invalid(format!("salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| GatewayError::Invalid(format!("the password could not be hashed: {e}")))
}

/// Whether `password` matches the stored hash (argon2 compares in constant time).
pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash to verify against when the account does not exist, so that answer takes as long
/// as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password that matches nothing").unwrap_or_default())
}

fn random(buf: &mut [u8]) -> Result<(), GatewayError> {
    aws_lc_rs::rand::SecureRandom::fill(&aws_lc_rs::rand::SystemRandom::new(), buf)
        .map_err(|_| GatewayError::Invalid("the system random number generator failed".into()))
}

/// 32 random bytes as 64 hex characters: session tokens and the sign-in form's token.
pub fn new_token() -> Result<String, GatewayError> {
    let mut bytes = [0u8; 32];
    random(&mut bytes)?;
    Ok(hex(&bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the store keeps of a session token.
pub fn token_digest(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// The CSRF token of a session: derived from the session token, so it needs no storage, is
/// the same in every instance, and tells nothing about the session token itself.
pub fn csrf_token(session_token: &str) -> String {
    hex(&Sha256::digest(format!("uwlr-console-csrf\0{session_token}").as_bytes()))
}

fn account_of(row: AccountRow, locations: Vec<String>) -> Result<Account, GatewayError> {
    let role = Role::parse(&row.role).map_err(|e| GatewayError::Store(crate::store::StoreError::Corrupt(e)))?;
    Ok(Account { id: row.id, email: row.email, name: row.name, role, locations })
}

pub(crate) async fn write_audit(
    conn: &mut AnyConnection,
    location: &str,
    actor: &str,
    action: &str,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), GatewayError> {
    let line = AuditLine { koppeling_id: None, location, actor, action, from: None, to: None, reason };
    audit(conn, &line, now).await?;
    Ok(())
}

/// Adds an account; `password` may wait (a reset sets it later). Audited as `account-add`
/// with location `""` (an account is not one location's).
pub async fn add_account(
    gw: &Gateway,
    email: &str,
    name: &str,
    role: Role,
    password: Option<&str>,
    actor: &str,
) -> Result<AccountRow, GatewayError> {
    let email = normalise_email(email)?;
    let name = name.trim();
    let hash = password.map(hash_password).transpose()?;
    let now = gw.now();
    let mut tx = gw.store().pool().begin().await?;
    let id =
        rows::insert(&mut tx, &email, if name.is_empty() { &email } else { name }, role.as_str(), hash.as_deref(), now)
            .await?;
    write_audit(&mut tx, "", actor, "account-add", Some(&format!("{email} ({})", role.as_str())), now).await?;
    let row = rows::by_id(&mut tx, id).await?.ok_or_else(|| GatewayError::NotFound(format!("no account {id}")))?;
    tx.commit().await?;
    Ok(row)
}

/// Grants `location` to the account of `email`; audited on that location.
pub async fn grant(gw: &Gateway, email: &str, location: &str, actor: &str) -> Result<Vec<String>, GatewayError> {
    let email = normalise_email(email)?;
    let location = crate::location::Location::parse(location)?;
    let now = gw.now();
    let mut tx = gw.store().pool().begin().await?;
    let row = rows::by_email(&mut tx, &email).await?.ok_or_else(|| no_account(&email))?;
    rows::grant(&mut tx, row.id, &location, now).await?;
    write_audit(&mut tx, &location, actor, "account-grant", Some(&email), now).await?;
    let locations = rows::locations(&mut tx, row.id).await?;
    tx.commit().await?;
    Ok(locations)
}

/// Sets a new password; every session of the account ends and its throttle is cleared.
pub async fn reset_password(gw: &Gateway, email: &str, password: &str, actor: &str) -> Result<u64, GatewayError> {
    let email = normalise_email(email)?;
    let hash = hash_password(password)?;
    let now = gw.now();
    let mut tx = gw.store().pool().begin().await?;
    let row = rows::by_email(&mut tx, &email).await?.ok_or_else(|| no_account(&email))?;
    rows::set_password(&mut tx, row.id, &hash, now).await?;
    let ended = rows::delete_sessions_of(&mut tx, row.id).await?;
    rows::clear_throttle(&mut tx, &format!("account:{email}")).await?;
    write_audit(&mut tx, "", actor, "password-reset", Some(&email), now).await?;
    tx.commit().await?;
    Ok(ended)
}

/// Every account with its locations.
pub async fn list_accounts(gw: &Gateway) -> Result<Vec<(AccountRow, Vec<String>)>, GatewayError> {
    let mut conn = gw.store().pool().acquire().await?;
    let mut out = Vec::new();
    for row in rows::list(&mut conn).await? {
        let locations = rows::locations(&mut conn, row.id).await?;
        out.push((row, locations));
    }
    Ok(out)
}

fn no_account(email: &str) -> GatewayError {
    GatewayError::NotFound(format!("no account for {email}; add it with `uwlr account add`"))
}

/// The throttle scopes of one attempt.
fn scopes(email: &str, address: &str) -> [(String, i64); 3] {
    [
        (format!("pair:{email} {address}"), limits::PAIR_LOCK),
        (format!("address:{address}"), limits::ADDRESS_LOCK),
        (format!("account:{email}"), limits::ACCOUNT_LOCK),
    ]
}

/// How many seconds a scope still refuses attempts at `now`, if any: while locked, and (for
/// the pair) between the failures past [`limits::PAIR_FREE`], 1, 2, 4… seconds apart.
pub fn wait_for(t: &Throttle, pair: bool, now: DateTime<Utc>) -> Option<i64> {
    if let Some(until) = t.locked_until.filter(|u| *u > now) {
        return Some((until - now).num_seconds().max(1));
    }
    if pair && t.failures >= limits::PAIR_FREE && now - t.last_failure_at < limits::LOCK {
        let delay = Duration::seconds(1 << (t.failures - limits::PAIR_FREE).min(10));
        let ready = t.last_failure_at + delay;
        if ready > now {
            return Some((ready - now).num_seconds().max(1));
        }
    }
    None
}

/// One more failure on a scope: the count starts over after a quiet [`limits::LOCK`], and
/// reaching `lock_at` locks the scope for [`limits::LOCK`].
pub fn failed(t: Option<Throttle>, lock_at: i64, now: DateTime<Utc>) -> Throttle {
    let failures = match &t {
        Some(t) if now - t.last_failure_at < limits::LOCK && t.locked_until.is_none_or(|u| u > now) => t.failures + 1,
        _ => 1,
    };
    let locked_until = (failures >= lock_at).then(|| now + limits::LOCK);
    Throttle { failures, last_failure_at: now, locked_until }
}

/// Checks a password and opens a session. `address` is the client's IP address as the
/// server saw it.
pub async fn sign_in(gw: &Gateway, email: &str, password: &str, address: &str) -> Result<NewSession, SignInError> {
    let email = normalise_email(email).map_err(|_| SignInError::Wrong)?;
    let now = gw.now();
    let scopes = scopes(&email, address);
    let row = {
        let mut conn = gw.store().pool().acquire().await.map_err(GatewayError::from)?;
        for (i, (scope, _)) in scopes.iter().enumerate() {
            if let Some(t) = rows::throttle(&mut conn, scope).await.map_err(GatewayError::from)? {
                if let Some(secs) = wait_for(&t, i == 0, now) {
                    tracing::info!(address, "console sign-in refused: throttled for {secs} s");
                    return Err(SignInError::Throttled(secs));
                }
            }
        }
        match rows::by_email(&mut conn, &email).await.map_err(GatewayError::from)? {
            Some(r) => {
                let hash = rows::password_hash(&mut conn, r.id).await.map_err(GatewayError::from)?;
                Some((r, hash))
            }
            None => None,
        }
    };
    // Hashing takes a while: off the async workers.
    let (given, stored) = (password.to_string(), row.as_ref().and_then(|(_, h)| h.clone()));
    let matches = tokio::task::spawn_blocking(move || match stored {
        Some(h) => verify_password(&h, &given),
        None => {
            verify_password(decoy_hash(), &given);
            false
        }
    })
    .await
    .unwrap_or(false);
    let mut tx = gw.store().pool().begin().await.map_err(GatewayError::from)?;
    let account = match row {
        Some((r, _)) if matches && !r.disabled => {
            let locations = rows::locations(&mut tx, r.id).await.map_err(GatewayError::from)?;
            account_of(r, locations)?
        }
        _ => {
            for (scope, lock_at) in &scopes {
                let before = rows::throttle(&mut tx, scope).await.map_err(GatewayError::from)?;
                rows::set_throttle(&mut tx, scope, &failed(before, *lock_at, now)).await.map_err(GatewayError::from)?;
            }
            write_audit(&mut tx, "", &email, "sign-in-failed", None, now).await?;
            tx.commit().await.map_err(GatewayError::from)?;
            tracing::info!(address, "console sign-in failed");
            return Err(SignInError::Wrong);
        }
    };
    // The owner got in: this pair starts over (the address and account counts stay, they
    // guard against guessing spread over many accounts or addresses).
    rows::clear_throttle(&mut tx, &scopes[0].0).await.map_err(GatewayError::from)?;
    let token = new_token()?;
    rows::insert_session(&mut tx, &token_digest(&token), account.id, now, now + SESSION_IDLE)
        .await
        .map_err(GatewayError::from)?;
    rows::delete_expired_sessions(&mut tx, now).await.map_err(GatewayError::from)?;
    write_audit(&mut tx, "", &account.email, "sign-in", None, now).await?;
    tx.commit().await.map_err(GatewayError::from)?;
    tracing::info!(account = account.id, address, "console sign-in");
    Ok(NewSession { account, token })
}

/// The account of a live session, its end moved on; `None` for an unknown or ended session
/// or a disabled account.
pub async fn session_account(gw: &Gateway, token: &str) -> Result<Option<Account>, GatewayError> {
    let digest = token_digest(token);
    let now = gw.now();
    let mut conn = gw.store().pool().acquire().await?;
    let Some((account_id, expires)) = rows::session(&mut conn, &digest).await? else {
        return Ok(None);
    };
    if expires <= now {
        rows::delete_session(&mut conn, &digest).await?;
        return Ok(None);
    }
    let Some(row) = rows::by_id(&mut conn, account_id).await?.filter(|r| !r.disabled) else {
        return Ok(None);
    };
    rows::touch_session(&mut conn, &digest, now, now + SESSION_IDLE).await?;
    let locations = rows::locations(&mut conn, row.id).await?;
    Ok(Some(account_of(row, locations)?))
}

/// Ends one session (the cookie's).
pub async fn sign_out(gw: &Gateway, token: &str, account: &Account) -> Result<(), GatewayError> {
    let now = gw.now();
    let mut tx = gw.store().pool().begin().await?;
    rows::delete_session(&mut tx, &token_digest(token)).await?;
    write_audit(&mut tx, "", &account.email, "sign-out", None, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Ends every session of the account, on every device and instance.
pub async fn sign_out_everywhere(gw: &Gateway, account: &Account) -> Result<u64, GatewayError> {
    let now = gw.now();
    let mut tx = gw.store().pool().begin().await?;
    let n = rows::delete_sessions_of(&mut tx, account.id).await?;
    write_audit(&mut tx, "", &account.email, "sign-out-everywhere", Some(&format!("{n} sessions")), now).await?;
    tx.commit().await?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(!h.contains("correct horse"));
        assert!(verify_password(&h, "correct horse battery"));
        assert!(!verify_password(&h, "correct horse battery!"));
        assert!(!verify_password("not a hash", "x"));
        assert!(hash_password("short").is_err());
        assert_ne!(h, hash_password("correct horse battery").unwrap(), "a salt per hash");
    }

    #[test]
    fn the_pair_slows_down_then_locks() {
        let mut t = None;
        for i in 0..limits::PAIR_FREE {
            let next = failed(t, limits::PAIR_LOCK, at(i));
            assert_eq!(wait_for(&next, true, at(i)), if i + 1 < limits::PAIR_FREE { None } else { Some(1) });
            t = Some(next);
        }
        // Past the free tries, each one waits 1, 2, 4… seconds after the last failure.
        let t3 = t.clone().unwrap();
        assert_eq!(wait_for(&t3, true, at(10)), None);
        let t4 = failed(t, limits::PAIR_LOCK, at(10));
        assert_eq!(wait_for(&t4, true, at(10)), Some(2));
        assert_eq!(wait_for(&t4, true, at(12)), None);
        let t5 = failed(Some(t4), limits::PAIR_LOCK, at(12));
        let t6 = failed(Some(t5), limits::PAIR_LOCK, at(20));
        assert_eq!(t6.failures, limits::PAIR_LOCK);
        assert_eq!(t6.locked_until, Some(at(20) + limits::LOCK));
        assert_eq!(wait_for(&t6, true, at(21)), Some(899));
        // The same counts never slow down the address or account scopes before their lock.
        assert_eq!(wait_for(&Throttle { locked_until: None, ..t6.clone() }, false, at(21)), None);
        // After the lock, counting starts over.
        let after = failed(Some(t6), limits::PAIR_LOCK, at(20 + 901));
        assert_eq!(after.failures, 1);
    }

    #[test]
    fn roles_and_what_they_see() {
        for r in [Role::Support, Role::SchoolAdmin, Role::Teacher] {
            assert_eq!(Role::parse(r.as_str()), Ok(r));
        }
        assert!(Role::parse("admin").is_err());
        let a = Account {
            id: 1,
            email: "a@school.nl".into(),
            name: "A".into(),
            role: Role::SchoolAdmin,
            locations: vec!["99DE00".into()],
        };
        assert!(a.sees("99DE00") && a.manages("99DE00"));
        assert!(!a.sees("99DE01") && !a.manages("99DE01"));
        let t = Account { role: Role::Teacher, ..a.clone() };
        assert!(t.sees("99DE00") && !t.manages("99DE00"));
        let s = Account { role: Role::Support, locations: vec![], ..a };
        assert!(s.sees("anything") && s.manages("anything"));
    }

    #[test]
    fn csrf_tokens_are_per_session_and_do_not_reveal_it() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert_eq!(a.len(), 64);
        assert_ne!(csrf_token(&a), csrf_token(&b));
        assert_ne!(csrf_token(&a), token_digest(&a));
        assert!(!csrf_token(&a).contains(&a));
    }

    #[test]
    fn emails_are_normalised() {
        assert_eq!(normalise_email(" Ann@School.NL ").unwrap(), "ann@school.nl");
        for bad in ["", "ann", "a@b@c", "@x", "a b@c.nl"] {
            assert!(normalise_email(bad).is_err(), "{bad}");
        }
    }
}
