//! Where the gateway's state lives: SQLite by default (one file under the data folder, no
//! setup) or PostgreSQL by URL, so that several gateway instances can share one state.
//!
//! One code path serves both: sqlx's driver-neutral `Any` pool, with SQL written to the
//! common subset (`$1` parameters, `RETURNING`, text timestamps, 0/1 integers for
//! booleans). The schema lives in `migrations/sqlite` and `migrations/postgres`, which
//! differ only in how ids are generated and in the name of the byte type (a unit test
//! keeps it so).
//!
//! - [`koppelingen`]: links per school location and their audit trail.
//! - [`records`]: the imported groups, teachers and pupils, read as an import snapshot.
//! - [`imports`]: fetches (the LAS answers, kept) and proposals.
//! - [`apply`]: writing a reviewed proposal, inside the caller's transaction.
//! - `bulk`: placeholders for many rows in one statement (each statement costs a thread round trip on SQLite).
//! - [`outbox`]: notifications waiting to be mailed.
//! - [`results`]: results, their versions, and the per-link delivery outbox with leases.
//! - [`school_years`]: each location's year transitions, and closing the years before a new one.
//! - [`pupils`]: Boom pupil numbers, enrolments per school year, merging two records of one pupil.
//! - [`upgrade`]: the once-only step after migration 0005 (doubles merged, pupils numbered).
//! - [`archive`]: deactivated pupils and groups, and deleting them (and all that names them) for good.
//! - [`accounts`]: console accounts, their granted locations, sessions (token digests only) and
//!   the sign-in throttle.
//! - [`invitations`]: single-use links that set an account's first password (token digests only).
//! - [`journal`]: the exchange journal: every SOAP exchange made, bodies compressed and pruned.
//! - [`overview`]: each link's last fetch, last delivery and open proposal, for the console.
//! - [`waiting`](mod@waiting): what waits (outboxes, delivery errors, proposals, school years), for the
//!   metrics gauges.

pub mod accounts;
pub mod apply;
pub mod archive;
pub(crate) mod bulk;
pub mod imports;
pub mod invitations;
pub mod journal;
pub mod koppelingen;
pub mod outbox;
pub mod overview;
pub mod pupils;
pub mod records;
pub mod results;
pub mod school_years;
pub mod upgrade;
pub mod waiting;

pub use waiting::{waiting, Waiting};

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

static SQLITE: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database is behind the pool; a few statements (locking) differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// Why the store refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("'{0}' is not a database URL this gateway can use (sqlite://FILE or postgres://USER@HOST/DB)")]
    Url(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
}

/// The gateway's database.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    dialect: Dialect,
}

impl Store {
    /// The embedded default: `<data_dir>/uwlr.sqlite3`, created (with the folder) on first use.
    pub async fn open_dir(data_dir: &Path) -> Result<Store, StoreError> {
        crate::private::create_dir_all(data_dir)
            .map_err(|e| StoreError::Url(format!("{} (cannot create the folder: {e})", data_dir.display())))?;
        let file = data_dir.join("uwlr.sqlite3");
        // Created 0600 before SQLite opens it: its -wal and -shm files take the same mode.
        crate::private::ensure_file(&file)
            .map_err(|e| StoreError::Url(format!("{} (cannot create the database file: {e})", file.display())))?;
        Store::connect(&format!("sqlite://{}?mode=rwc", file.display())).await
    }

    /// Connects by URL (`sqlite://…` or `postgres://…`) and brings the schema up to date.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let dialect = if url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Dialect::Postgres
        } else {
            return Err(StoreError::Url(url.to_string()));
        };
        let options = AnyConnectOptions::from_str(url)
            .map_err(|_| StoreError::Url(crate::redact::url_password(url)))?
            .disable_statement_logging();
        let pool = AnyPoolOptions::new()
            // SQLite has one writer; a single connection keeps writers from waiting on each
            // other's locks (and from "database is locked" under load). WAL with
            // `synchronous = NORMAL` syncs at checkpoints, not at every commit: a power cut
            // may lose the last commits but never corrupts, and what the outbox loses that way
            // is sent again under the same keys.
            .max_connections(if dialect == Dialect::Sqlite { 1 } else { 8 })
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if dialect == Dialect::Sqlite {
                        // A 64 MiB page cache (the default is 2 MB): a country's store is
                        // gigabytes, and every page the cache misses is a read system call.
                        conn.execute(
                            "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA busy_timeout = 10000; PRAGMA cache_size = -65536;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let store = Store { pool, dialect };
        // Several processes may open one store at once (a `uwlr` command beside `uwlr
        // serve`, instances starting together): the schema steps run one process at a time,
        // and the others then find them done. sqlx locks PostgreSQL's migrations itself, not
        // SQLite's (a second process read the applied list before the first committed, and
        // failed on "table already exists"), so SQLite takes a lock file beside the database.
        let _lock = match sqlite_file(url) {
            Some(db) => Some(schema_lock(&db).await?),
            None => None,
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Applies the migrations this database has not seen yet.
    async fn migrate(&self) -> Result<(), StoreError> {
        let migrator = match self.dialect {
            Dialect::Sqlite => &SQLITE,
            Dialect::Postgres => &POSTGRES,
        };
        migrator.run(&self.pool).await?;
        // What 0005 cannot say in SQL, once, in one transaction; on PostgreSQL under a lock
        // held to the commit, so a second instance waits and then finds it done.
        let mut tx = self.pool.begin().await?;
        if self.dialect == Dialect::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(UPGRADE_LOCK).execute(&mut *tx).await?;
        }
        if let Some(up) = upgrade::run(&mut tx, Utc::now()).await? {
            tracing::info!(?up, "store upgraded: pupils carry on across school years");
        }
        tx.commit().await?;
        Ok(())
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The key of the PostgreSQL advisory lock the upgrade step runs under (any constant that no
/// other lock of this database uses; sqlx's migration lock derives its own from the name).
const UPGRADE_LOCK: i64 = 0x75_776c_725f_7570; // "uwlr_up"

/// The database file of a `sqlite:` URL (not an in-memory one).
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && !path.starts_with(":memory:")).then(|| std::path::PathBuf::from(path))
}

/// An exclusive lock on `<database>.schema-lock` (0600), held while the schema steps run;
/// released when the returned file is dropped (or the process ends).
async fn schema_lock(db: &Path) -> Result<std::fs::File, StoreError> {
    let mut name = db.as_os_str().to_owned();
    name.push(".schema-lock");
    let path = std::path::PathBuf::from(name);
    let opened = tokio::task::spawn_blocking(move || {
        crate::private::ensure_file(&path)?;
        let file = std::fs::OpenOptions::new().write(true).open(&path)?;
        file.lock()?;
        Ok::<_, std::io::Error>(file)
    })
    .await
    .map_err(|e| StoreError::Corrupt(format!("schema lock: {e}")))?;
    opened.map_err(|e| StoreError::Url(format!("{} (cannot lock it for the schema steps: {e})", db.display())))
}

/// A moment as stored: RFC 3339, UTC, microseconds; sorts as text.
pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub(crate) fn parse_ts(s: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("timestamp '{s}': {e}")))
}

pub(crate) fn opt_ts(s: Option<String>) -> Result<Option<DateTime<Utc>>, StoreError> {
    s.as_deref().map(parse_ts).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The two schemas must say the same thing; only id generation and the byte type differ.
    #[test]
    fn migrations_are_twins() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let names = |d: &str| {
            let mut v: Vec<String> = std::fs::read_dir(dir.join(d))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        };
        assert_eq!(names("sqlite"), names("postgres"));
        for name in names("sqlite") {
            let normalise = |d: &str| {
                std::fs::read_to_string(dir.join(d).join(&name))
                    .unwrap()
                    .lines()
                    .filter(|l| !l.starts_with("-- The "))
                    .map(|l| {
                        l.replace("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "INTEGER PRIMARY KEY")
                            .replace("BYTEA", "BLOB")
                            .split_whitespace()
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .collect::<Vec<_>>()
            };
            assert_eq!(normalise("sqlite"), normalise("postgres"), "{name}");
        }
    }

    /// Records imported before school years existed get the year of the link they came in
    /// through (else the location's newest), so the next import still sees them.
    #[tokio::test]
    async fn records_of_a_database_before_school_years_get_their_year() {
        sqlx::any::install_default_drivers();
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("old.sqlite3").display());
        let pool = AnyPoolOptions::new().max_connections(1).connect(&url).await.unwrap();
        SQLITE.run_to(3, &pool).await.unwrap();
        for sql in [
            "INSERT INTO locations (location, created_at) VALUES ('99DE00', 't')",
            "INSERT INTO koppelingen (id, location, schooljaar, kind, status, klantcode, klantnaam, requested_at) \
             VALUES (1, '99DE00', '2024-2025', 'parnassys', 'revoked', 'B', 'B', 't'), \
                    (2, '99DE00', '2025-2026', 'parnassys', 'active', 'B', 'B', 't')",
            "INSERT INTO leerlingen (id, location, created_at, updated_at) VALUES (1, '99DE00', 't', 't'), \
             (2, '99DE00', 't', 't')",
            "INSERT INTO external_keys (koppeling_id, tab, record_id, las_key) VALUES (1, 'leerlingen', 1, 'k1')",
        ] {
            pool.execute(sql).await.unwrap();
        }
        SQLITE.run(&pool).await.unwrap();
        let years: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, schooljaar FROM leerlingen ORDER BY id").fetch_all(&pool).await.unwrap();
        assert_eq!(years, [(1, "2024-2025".to_string()), (2, "2025-2026".to_string())]);
    }

    /// A dashboard link left open after its LAS link closed (before dashboards followed their
    /// LAS link) is closed on upgrade, with its queued results as delivery errors and an
    /// audit line; one whose LAS link is active stays.
    #[tokio::test]
    async fn dashboard_links_left_without_their_las_link_close_on_upgrade() {
        sqlx::any::install_default_drivers();
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("old.sqlite3").display());
        let pool = AnyPoolOptions::new().max_connections(1).connect(&url).await.unwrap();
        SQLITE.run_to(4, &pool).await.unwrap();
        for sql in [
            "INSERT INTO locations (location, created_at) VALUES ('99DE00', 't'), ('99DF00', 't')",
            "INSERT INTO koppelingen (id, location, schooljaar, kind, status, key_sealed, klantcode, klantnaam, \
             requested_at) VALUES (1, '99DE00', '2025-2026', 'parnassys', 'revoked', NULL, 'B', 'B', 't0'), \
             (2, '99DE00', '2025-2026', 'schoolkr8', 'active', x'01', 'B', 'B', 't1'), \
             (3, '99DF00', '2025-2026', 'esis', 'active', x'02', 'B', 'B', 't0'), \
             (4, '99DF00', '2025-2026', 'focus-po', 'active', x'03', 'B', 'B', 't1')",
            "INSERT INTO audit (koppeling_id, location, at, actor, action) VALUES (1, '99DE00', 't9', 'a', 'revoke')",
            "INSERT INTO leerlingen (id, location, created_at, updated_at) VALUES (1, '99DE00', 't', 't')",
            "INSERT INTO resultaten (id, leerling_id, resultaat_key, toetscode, normed_at, recorded_at) \
             VALUES (1, 1, 'k', 'REK', 't', 't')",
            "INSERT INTO deliveries (koppeling_id, resultaat_id, version, status, next_attempt_at, created_at) \
             VALUES (2, 1, 1, 'pending', 't', 't'), (4, 1, 1, 'pending', 't', 't')",
        ] {
            pool.execute(sql).await.unwrap();
        }
        SQLITE.run(&pool).await.unwrap();
        let links: Vec<(i64, String, Option<Vec<u8>>)> =
            sqlx::query_as("SELECT id, status, key_sealed FROM koppelingen ORDER BY id")
                .fetch_all(&pool)
                .await
                .unwrap();
        let status: Vec<(i64, &str, bool)> = links.iter().map(|(i, s, k)| (*i, s.as_str(), k.is_some())).collect();
        assert_eq!(status, [(1, "revoked", false), (2, "revoked", false), (3, "active", true), (4, "active", true)]);
        let deliveries: Vec<(i64, String, Option<String>)> =
            sqlx::query_as("SELECT koppeling_id, status, error_kind FROM deliveries ORDER BY koppeling_id")
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(deliveries[0], (2, "failed".into(), Some("koppeling_gesloten".into())));
        assert_eq!(deliveries[1], (4, "pending".into(), None));
        let audit: (i64, String, String, String) = sqlx::query_as(
            "SELECT koppeling_id, at, from_status, reason FROM audit WHERE action = 'revoke' AND koppeling_id = 2",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!((audit.0, audit.1.as_str(), audit.2.as_str()), (2, "t9", "active"));
        assert!(audit.3.ends_with("1 queued result(s) kept as delivery errors"), "{}", audit.3);
    }

    #[test]
    fn timestamps_sort_as_text() {
        let a = ts(DateTime::from_timestamp(1_700_000_000, 5_000).unwrap());
        let b = ts(DateTime::from_timestamp(1_700_000_000, 60_000).unwrap());
        assert!(a < b, "{a} < {b}");
        assert_eq!(parse_ts(&a).unwrap().timestamp_subsec_micros(), 5);
    }
}
