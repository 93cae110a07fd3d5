//! The gateway: the test platform's side of the link, as one value an application embeds.
//! It carries out the koppeling lifecycle ([`crate::koppeling`]) and the import
//! ([`crate::import`]) against the [`crate::store`], keeping keys in the [`crate::vault`]
//! and announcing what happened through the outbox ([`crate::notify`]).
//!
//! - [`koppelingen`]: request, approve, reject, key, rotate, revoke, clear external numbers.
//! - [`imports`]: fetch from the LAS, propose, decide, apply.
//! - [`journal`]: every SOAP exchange kept (key masked), pruned past retention.
//! - [`fetch_limits`]: at most so many fetches at once per LAS and in all.
//! - [`mail`]: drains the outbox through a mail transport.
//! - [`delivery`]: results recorded, queued per active link, delivered in batches.
//! - [`school_years`]: the school-year transition: prepare or start the new year, complete it,
//!   remind.
//! - [`pupils`]: the Boom pupil numbers of a school (for a dashboard), merging two records
//!   of one pupil.
//! - [`search`]: finding a known record by name, birth date or Boom number, to link an
//!   incoming one to it by hand.
//! - [`archive`]: archiving and reactivating pupils and groups by hand, the deactivated list,
//!   and deleting deactivated pupils and groups for good.
//!
//! Every method is one unit of work: it either happens completely, with its audit line,
//! or not at all.

pub mod archive;
pub mod delivery;
pub mod fetch_limits;
pub mod imports;
pub mod journal;
pub mod koppelingen;
pub mod mail;
pub mod pupils;
pub mod school_years;
pub mod search;

use crate::client::ClientError;
use crate::clock::{Clock, SystemClock};
use crate::metrics::Metrics;
use crate::store::{Store, StoreError};
use crate::vault::{Vault, VaultError};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Who we are to a LAS (the `klantcode`/`klantnaam` pair of the `autorisatie` header) and
/// the import's knobs.
#[derive(Debug, Clone)]
pub struct Settings {
    pub klantcode: String,
    pub klantnaam: String,
    /// A proposal that deactivates more than this share of a school's active pupils needs
    /// an explicit override (an empty or truncated LAS answer looks like that).
    pub max_deactivation_share: f64,
    /// A delta fetch is replaced by a full one when the last full fetch is older than this.
    pub full_fetch_every: chrono::Duration,
    /// Timeout of one SOAP call to a LAS.
    pub call_timeout: Duration,
    /// Extra root certificates (PEM) for LAS endpoints with a private CA.
    pub ca_pem: Option<Vec<u8>>,
    /// The sender of notification mails.
    pub mail_from: String,
    /// The console's public base URL (`https://uwlr.example.nl`, without `/console`): mails
    /// link to the page they are about. `None`: they name the page in words.
    pub public_url: Option<String>,
    /// How long an invitation's link (set your first password) works.
    pub invitation_valid: chrono::Duration,
    /// The exchange journal: on or off, and how long it keeps bodies and metadata.
    pub journal: journal::JournalSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            klantcode: "BOOM".into(),
            klantnaam: "Boom testcentrum".into(),
            max_deactivation_share: 0.2,
            full_fetch_every: chrono::Duration::days(7),
            call_timeout: Duration::from_secs(120),
            ca_pem: None,
            mail_from: "UWLR gateway <uwlr@localhost>".into(),
            public_url: None,
            invitation_valid: chrono::Duration::days(7),
            journal: journal::JournalSettings::default(),
        }
    }
}

/// Checks a public base URL for links in mails: `http(s)://host[:port][/path]`, without a
/// query or fragment; the trailing `/` is dropped.
pub fn check_public_url(url: &str) -> Result<String, GatewayError> {
    let url = url.trim().trim_end_matches('/');
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(r) if !r.is_empty() && !r.starts_with('/') && !r.contains(['?', '#', ' ', '"', '<', '>']) => {
            Ok(url.to_string())
        }
        _ => Err(GatewayError::Invalid(format!(
            "'{url}' is not a public base URL: write it as https://host[:port][/path], as browsers reach the console"
        ))),
    }
}

/// Why the gateway refused or failed; each maps to one HTTP status in the admin API and to
/// one exit code in the CLI.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// The request itself is wrong; the message says what to fix.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with the current state (a lifecycle rule, a stale proposal).
    #[error("{0}")]
    Conflict(String),
    /// The LAS or dashboard answered with a fault or could not be reached.
    #[error("{0}")]
    Upstream(#[from] ClientError),
    #[error(transparent)]
    Store(StoreError),
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl From<StoreError> for GatewayError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(m) => GatewayError::NotFound(m),
            StoreError::Conflict(m) => GatewayError::Conflict(m),
            other => GatewayError::Store(other),
        }
    }
}

impl From<crate::location::InvalidLocation> for GatewayError {
    fn from(e: crate::location::InvalidLocation) -> Self {
        GatewayError::Invalid(e.to_string())
    }
}

impl From<sqlx::Error> for GatewayError {
    fn from(e: sqlx::Error) -> Self {
        GatewayError::Store(StoreError::Db(e))
    }
}

/// The gateway: cheap to clone, shareable between the admin API, the CLI and a scheduler.
#[derive(Clone)]
pub struct Gateway {
    store: Store,
    vault: Arc<Vault>,
    clock: Arc<dyn Clock>,
    settings: Arc<Settings>,
    /// One delivery run at a time per process: runs of one owner would claim each other's rows.
    delivering: Arc<tokio::sync::Mutex<()>>,
    /// What fetches and deliveries count into (`uwlr serve` answers them at `/metrics`).
    metrics: Metrics,
    /// The HTTP clients every fetch and delivery run shares (one TLS verifier, kept
    /// connections to each LAS), see [`crate::client::Pool`].
    http: crate::client::Pool,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway").field("store", &self.store.dialect()).finish_non_exhaustive()
    }
}

impl Gateway {
    pub fn new(store: Store, vault: Vault, clock: Arc<dyn Clock>, settings: Settings) -> Gateway {
        Gateway {
            store,
            vault: Arc::new(vault),
            clock,
            settings: Arc::new(settings),
            delivering: Arc::new(tokio::sync::Mutex::new(())),
            metrics: Metrics::new(),
            http: crate::client::Pool::new(),
        }
    }

    /// The same gateway counting into `metrics`: share one [`Metrics`] with an embedded
    /// UWLR server, or read a gateway's figures from a test.
    pub fn with_metrics(self, metrics: Metrics) -> Gateway {
        Gateway { metrics, ..self }
    }

    /// What this gateway's fetches and deliveries counted ([`crate::metrics`]).
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The embedded defaults: SQLite and the master key under `data_dir`, or the database
    /// at `database` (a URL) with the master key still under `data_dir` (or in
    /// `UWLR_MASTER_KEY`).
    pub async fn open(data_dir: &Path, database: Option<&str>, settings: Settings) -> Result<Gateway, GatewayError> {
        let store = match database {
            Some(url) => Store::connect(url).await?,
            None => Store::open_dir(data_dir).await?,
        };
        let vault = Vault::open(data_dir)?;
        Ok(Gateway::new(store, vault, Arc::new(SystemClock), settings))
    }

    /// The same gateway (store, vault, settings) reading another clock: the demo plays a
    /// school-year transition months ahead with it.
    #[cfg(feature = "cli")]
    pub(crate) fn with_clock(&self, clock: Arc<dyn Clock>) -> Gateway {
        Gateway { clock, ..self.clone() }
    }

    /// The same gateway with changed settings (the CLI's `--public-url`, `--invitation-valid`).
    pub fn with_settings(&self, change: impl FnOnce(&mut Settings)) -> Gateway {
        let mut settings = (*self.settings).clone();
        change(&mut settings);
        Gateway { settings: Arc::new(settings), ..self.clone() }
    }

    /// A client's settings for a LAS or dashboard `endpoint`: the gateway's call timeout and
    /// extra roots, and its shared HTTP clients.
    pub(crate) fn client_config(&self, endpoint: String) -> crate::client::ClientConfig {
        let mut config = crate::client::ClientConfig::new(endpoint);
        config.response_timeout = self.settings.call_timeout;
        config.ca_pem = self.settings.ca_pem.clone();
        config.pool = Some(self.http.clone());
        config
    }

    /// The same gateway with its own delivery run: a caller that delivers several links
    /// side by side (the simulation) gives each its own value and its own lease owner.
    #[cfg(feature = "cli")]
    pub(crate) fn with_own_delivery_run(&self) -> Gateway {
        Gateway { delivering: Arc::new(tokio::sync::Mutex::new(())), ..self.clone() }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub(crate) fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_clients_of_a_gateway_share_one_http_client() {
        let dir = tempfile::tempdir().unwrap();
        let gw = Gateway::open(dir.path(), None, Settings::default()).await.unwrap();
        for endpoint in ["http://127.0.0.1:9/a/leerlinggegevens", "http://127.0.0.1:10/b/leerresultaten"] {
            crate::client::Client::new(gw.client_config(endpoint.into())).unwrap();
        }
        let copy = gw.with_settings(|s| s.call_timeout = Duration::from_secs(5));
        crate::client::Client::new(copy.client_config("http://127.0.0.1:9/c".into())).unwrap();
        assert_eq!(gw.http.len(), 1, "one TLS setting, one HTTP client, also for a copy with other settings");
    }
}
