//! What the console's locations overview shows per link, in one query: when it last
//! fetched, when it last delivered results, and its open proposal.

use super::{opt_ts, StoreError};
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

/// The latest activity of one link.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Activity {
    pub last_fetch: Option<DateTime<Utc>>,
    pub last_delivery: Option<DateTime<Utc>>,
    pub open_proposal: Option<i64>,
}

/// Activity per koppeling id, for every link that has any.
pub async fn activity(conn: &mut AnyConnection) -> Result<HashMap<i64, Activity>, StoreError> {
    let rows = sqlx::query(
        "SELECT k.id, \
           (SELECT MAX(f.at) FROM fetches f WHERE f.koppeling_id = k.id) AS last_fetch, \
           (SELECT MAX(d.sent_at) FROM deliveries d WHERE d.koppeling_id = k.id) AS last_delivery, \
           (SELECT MAX(p.id) FROM proposals p WHERE p.koppeling_id = k.id AND p.status = 'open') AS open_proposal \
         FROM koppelingen k",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get::<i64, _>(0)?,
                Activity {
                    last_fetch: opt_ts(r.try_get(1)?)?,
                    last_delivery: opt_ts(r.try_get(2)?)?,
                    open_proposal: r.try_get(3)?,
                },
            ))
        })
        .collect()
}
