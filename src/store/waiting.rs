//! What waits in the store, counted for the metrics gauges at scrape time: one query of
//! five counts, each on an index that holds only the rows it counts (migration 0011's
//! partial indexes for deliveries and proposals; `outbox_due`; `school_years` is one row
//! per location and year), so a scrape stays cheap however many results were ever sent.

use super::{Store, StoreError};
use sqlx::Row;

/// What waits in a gateway's store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Waiting {
    /// Results queued for delivery (pending, due now or after a backoff).
    pub results_outbox: i64,
    /// Mails waiting to be sent.
    pub mail_outbox: i64,
    /// Results refused for good, kept as delivery errors.
    pub delivery_errors: i64,
    /// Import proposals waiting for review.
    pub proposals: i64,
    /// School years started and not yet completed (their first import not applied).
    pub school_years: i64,
}

/// Counts what waits, in one round trip.
pub async fn waiting(store: &Store) -> Result<Waiting, StoreError> {
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM deliveries WHERE status = 'pending'), \
                (SELECT COUNT(*) FROM outbox WHERE status = 'pending'), \
                (SELECT COUNT(*) FROM deliveries WHERE status = 'failed'), \
                (SELECT COUNT(*) FROM proposals WHERE status = 'open'), \
                (SELECT COUNT(*) FROM school_years WHERE completed_at IS NULL)",
    )
    .fetch_one(store.pool())
    .await?;
    Ok(Waiting {
        results_outbox: row.try_get(0)?,
        mail_outbox: row.try_get(1)?,
        delivery_errors: row.try_get(2)?,
        proposals: row.try_get(3)?,
        school_years: row.try_get(4)?,
    })
}
