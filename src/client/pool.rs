//! HTTP clients shared by the [`super::Client`]s made with one [`Pool`]: one per TLS
//! setting (extra roots, our identity, connect timeout).
//!
//! Why: building an HTTP client loads the platform's root certificates into a new rustls
//! verifier. The gateway makes a [`super::Client`] per fetch and per delivery run, and that
//! building was about 6 % of the CPU of a 6,000-school night (docs/benchmarks.md). Sharing
//! also lets the exchanges with one LAS reuse its connections (keep-alive) instead of a new
//! TCP and TLS handshake per school.
//!
//! A pool's connections are served by tasks on the tokio runtime that opened them, so a
//! pool is for clients on one runtime: a [`crate::gateway::Gateway`] keeps one.

use super::ClientError;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The TLS settings a shared HTTP client was built with; a client is reused only for the
/// same settings, compared in full (never by a hash that two settings could share).
#[derive(Clone, PartialEq, Eq)]
pub(super) struct Setting {
    pub connect_timeout: Duration,
    pub ca_pem: Option<Vec<u8>>,
    /// Our certificate and private key: kept while its client is, as the client keeps them.
    pub identity_pem: Option<Vec<u8>>,
}

/// Settings a pool keeps clients for; past it the oldest goes. A gateway has one or two
/// (its `ca_pem`); this bounds a caller that makes a setting per call.
const KEPT: usize = 16;

/// HTTP clients shared by the clients made with this pool (`ClientConfig::pool`). Cheap to
/// clone: the clones share the clients.
#[derive(Clone, Default)]
pub struct Pool {
    built: Arc<Mutex<Vec<(Setting, reqwest::Client)>>>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool").field("settings", &self.len()).finish()
    }
}

impl Pool {
    pub fn new() -> Pool {
        Pool::default()
    }

    /// Settings with a client built.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(Setting, reqwest::Client)>> {
        self.built.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The client for `setting`, built the first time. Built outside the lock (it takes
    /// milliseconds); two callers racing for a new setting may both build, and one is kept.
    pub(super) fn client(&self, setting: &Setting) -> Result<reqwest::Client, ClientError> {
        if let Some((_, c)) = self.lock().iter().find(|(s, _)| s == setting) {
            return Ok(c.clone());
        }
        let built = build(setting)?;
        let mut kept = self.lock();
        if let Some((_, c)) = kept.iter().find(|(s, _)| s == setting) {
            return Ok(c.clone());
        }
        if kept.len() >= KEPT {
            kept.remove(0);
        }
        kept.push((setting.clone(), built.clone()));
        Ok(built)
    }
}

/// A new HTTP client for `setting`: rustls, the platform's roots plus `ca_pem`, our
/// identity when the server asks for one.
pub(super) fn build(setting: &Setting) -> Result<reqwest::Client, ClientError> {
    let mut builder = reqwest::Client::builder()
        .tls_backend_rustls()
        .connect_timeout(setting.connect_timeout)
        .user_agent(concat!("uwlr-gateway/", env!("CARGO_PKG_VERSION")));
    if let Some(ca) = &setting.ca_pem {
        let certs =
            reqwest::Certificate::from_pem_bundle(ca).map_err(|e| ClientError::Config(format!("ca_pem: {e}")))?;
        if certs.is_empty() {
            return Err(ClientError::Config("ca_pem: no CERTIFICATE block in the PEM".into()));
        }
        builder = builder.tls_certs_merge(certs);
    }
    if let Some(id) = &setting.identity_pem {
        // reqwest's message never quotes the PEM.
        let identity = reqwest::Identity::from_pem(id)
            .map_err(|e| ClientError::Config(format!("client_identity_pem: {}", super::error_text(&e))))?;
        builder = builder.identity(identity);
    }
    builder.build().map_err(|e| ClientError::Config(super::error_text(&e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting(ms: u64, ca: Option<&str>) -> Setting {
        Setting {
            connect_timeout: Duration::from_millis(ms),
            ca_pem: ca.map(|c| c.as_bytes().to_vec()),
            identity_pem: None,
        }
    }

    #[test]
    fn one_client_per_setting() {
        let pool = Pool::new();
        pool.client(&setting(1000, None)).unwrap();
        pool.client(&setting(1000, None)).unwrap();
        assert_eq!(pool.len(), 1, "the same setting shares its client");
        pool.clone().client(&setting(2000, None)).unwrap();
        assert_eq!(pool.len(), 2, "another connect timeout is another client; clones share the pool");
    }

    #[test]
    fn a_setting_that_does_not_build_is_not_kept() {
        let pool = Pool::new();
        let err = pool.client(&setting(1000, Some("no certificate here"))).unwrap_err();
        assert!(err.to_string().contains("ca_pem"), "{err}");
        assert!(pool.is_empty());
    }

    #[test]
    fn the_oldest_setting_goes_past_the_bound() {
        let pool = Pool::new();
        for ms in 0..(KEPT as u64 + 3) {
            pool.client(&setting(1000 + ms, None)).unwrap();
        }
        assert_eq!(pool.len(), KEPT);
        assert!(pool.lock().iter().all(|(s, _)| s.connect_timeout >= Duration::from_millis(1003)));
    }
}
