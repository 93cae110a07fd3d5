//! The koppeling lifecycle carried out: every step checks the transition table, writes the
//! new state and its audit line in one transaction, and keeps keys sealed. The handshake's
//! mails (request received, approved, rejected, revoked) are queued in the outbox in that
//! same transaction, so a mail is never promised for a step that did not happen.

use super::{Gateway, GatewayError};
use crate::koppeling::Koppeling;
use crate::koppeling::{clean_key, transition, Event, Kind, Status};
use crate::location::Location;
use crate::message::values::Schooljaar;
use crate::notify::{HandshakeStep, Notification};
use crate::store::koppelingen::{self as rows, AuditEntry, AuditLine, NewKoppeling};
use crate::store::records;
use crate::vault::Secret;
use serde::Deserialize;
use sqlx::AnyConnection;

/// A request for a new link, as an admin files it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KoppelingRequest {
    /// BRIN + dependance (`99DE00`) or the schoolkey.
    pub location: String,
    /// `2025-2026`.
    pub schooljaar: String,
    pub kind: Kind,
    /// The UWLR base URL of the LAS or dashboard: `…/leerlinggegevens` and
    /// `…/leerresultaten` are under it.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// The key, when the other side showed it already (ParnasSys; dashboards).
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

impl Gateway {
    /// Files a link request. A LAS link needs none other open for the location and year; a
    /// dashboard link needs an active LAS link there first.
    pub async fn request_koppeling(&self, req: &KoppelingRequest, actor: &str) -> Result<Koppeling, GatewayError> {
        let location = Location::parse(&req.location)?;
        let schooljaar =
            Schooljaar::parse(req.schooljaar.trim()).map_err(|e| GatewayError::Invalid(format!("schooljaar: {e}")))?;
        let endpoint = req.endpoint.as_deref().map(check_endpoint).transpose()?;
        if endpoint.is_none() {
            return Err(GatewayError::Invalid(format!(
                "a {} koppeling needs the endpoint: the UWLR base URL of the other side",
                req.kind.label()
            )));
        }
        let key = req.key.as_deref().map(clean_key).transpose().map_err(GatewayError::Invalid)?;
        let now = self.now();
        let mut tx = self.store.pool().begin().await?;
        let existing = rows::list(&mut tx, Some(&location)).await?;
        let open = |k: &&Koppeling| k.schooljaar == schooljaar && !k.status.is_final();
        if req.kind.is_dashboard() {
            self.active_las_link(&mut tx, &location, schooljaar, req.kind).await?;
            if let Some(k) = existing.iter().filter(open).find(|k| k.kind == req.kind) {
                return Err(GatewayError::Conflict(format!(
                    "{location} already has a {} koppeling for {schooljaar} (koppeling {}, {})",
                    req.kind.label(),
                    k.id,
                    k.status
                )));
            }
        } else if let Some(k) = existing.iter().filter(open).find(|k| !k.kind.is_dashboard()) {
            return Err(GatewayError::Conflict(format!(
                "{location} already has a LAS koppeling for {schooljaar} (koppeling {}, {} {}); revoke it first",
                k.id,
                k.kind.label(),
                k.status
            )));
        }
        rows::ensure_location(&mut tx, &location, now).await?;
        let new = NewKoppeling {
            location: &location,
            schooljaar,
            kind: req.kind,
            endpoint: endpoint.as_deref(),
            klantcode: &self.settings.klantcode,
            klantnaam: &self.settings.klantnaam,
        };
        let id = rows::insert(&mut tx, &new, now).await.map_err(|e| match e {
            // Another gateway instance filed the same link between our check and our insert.
            crate::store::StoreError::Db(sqlx::Error::Database(d)) if d.is_unique_violation() => {
                GatewayError::Conflict(format!(
                    "{location} already has an open {} koppeling for {schooljaar}",
                    if req.kind.is_dashboard() { req.kind.label() } else { "LAS" }
                ))
            }
            other => other.into(),
        })?;
        let line = AuditLine {
            koppeling_id: Some(id),
            location: &location,
            actor,
            action: "request",
            from: None,
            to: Some(Status::Requested),
            reason: req.reason.as_deref(),
        };
        rows::audit(&mut tx, &line, now).await?;
        if let Some(key) = key {
            self.store_key(&mut tx, id, req.kind, &Secret::from(key)).await?;
            let stay = (Status::Requested, Status::Requested);
            audit(&mut tx, id, &location, actor, Event::SetKey, stay, None, now).await?;
        }
        let k = rows::get(&mut tx, id).await?;
        tell(&mut tx, &k, HandshakeStep::Requested, req.reason.as_deref(), now).await?;
        tx.commit().await?;
        tracing::info!(koppeling = id, location = %location, kind = %req.kind, actor, "koppeling requested");
        Ok(k)
    }

    /// Support approves: the link becomes active at once if it holds a key.
    pub async fn approve_koppeling(
        &self,
        id: i64,
        actor: &str,
        reason: Option<&str>,
    ) -> Result<Koppeling, GatewayError> {
        self.step(id, Event::Approve, actor, reason, None).await
    }

    /// Support rejects; a reason is required, the school sees it.
    pub async fn reject_koppeling(&self, id: i64, actor: &str, reason: &str) -> Result<Koppeling, GatewayError> {
        if reason.trim().is_empty() {
            return Err(GatewayError::Invalid("a rejection needs a reason the school can act on".into()));
        }
        self.step(id, Event::Reject, actor, Some(reason), None).await
    }

    /// Enters the key the other side showed; an approved link becomes active.
    pub async fn set_koppeling_key(&self, id: i64, key: &str, actor: &str) -> Result<Koppeling, GatewayError> {
        let key = clean_key(key).map_err(GatewayError::Invalid)?;
        self.step(id, Event::SetKey, actor, None, Some(Secret::from(key))).await
    }

    /// Replaces the key of an active link (the school set a new one in its LAS).
    pub async fn rotate_koppeling_key(
        &self,
        id: i64,
        key: &str,
        actor: &str,
        reason: Option<&str>,
    ) -> Result<Koppeling, GatewayError> {
        let key = clean_key(key).map_err(GatewayError::Invalid)?;
        self.step(id, Event::Rotate, actor, reason, Some(Secret::from(key))).await
    }

    /// Ends a link: its key is forgotten, nothing is fetched or delivered through it again.
    pub async fn revoke_koppeling(
        &self,
        id: i64,
        actor: &str,
        reason: Option<&str>,
    ) -> Result<Koppeling, GatewayError> {
        self.step(id, Event::Revoke, actor, reason, None).await
    }

    /// Dashboards: whether re-normed results are sent ("Boom wijzigingen verwerken").
    pub async fn set_process_changes(&self, id: i64, on: bool, actor: &str) -> Result<Koppeling, GatewayError> {
        let now = self.now();
        let mut tx = self.store.pool().begin().await?;
        let k = rows::get(&mut tx, id).await?;
        if !k.kind.is_dashboard() {
            return Err(GatewayError::Invalid(format!("koppeling {id} is a LAS koppeling; only dashboards have this")));
        }
        rows::set_process_changes(&mut tx, id, on).await?;
        let action = if on { "process-changes-on" } else { "process-changes-off" };
        let line = AuditLine {
            koppeling_id: Some(id),
            location: &k.location,
            actor,
            action,
            from: Some(k.status),
            to: Some(k.status),
            reason: None,
        };
        rows::audit(&mut tx, &line, now).await?;
        let k = rows::get(&mut tx, id).await?;
        tx.commit().await?;
        Ok(k)
    }

    /// "Verwijder nummers": forgets the external keys of the location's pupils, groups and
    /// teachers (and remembered skips) for every link; records and results stay.
    pub async fn clear_external_numbers(
        &self,
        location: &str,
        actor: &str,
        reason: Option<&str>,
    ) -> Result<u64, GatewayError> {
        let location = Location::parse(location)?;
        let now = self.now();
        let mut tx = self.store.pool().begin().await?;
        records::location_version(&mut tx, &location).await?;
        let n = records::clear_external_numbers(&mut tx, &location).await?;
        let line = AuditLine {
            koppeling_id: None,
            location: &location,
            actor,
            action: "clear-external-numbers",
            from: None,
            to: None,
            reason,
        };
        rows::audit(&mut tx, &line, now).await?;
        tx.commit().await?;
        tracing::info!(location = %location, cleared = n, actor, "external numbers cleared");
        Ok(n)
    }

    pub async fn koppeling(&self, id: i64) -> Result<Koppeling, GatewayError> {
        Ok(rows::get(&mut *self.store.pool().acquire().await?, id).await?)
    }

    pub async fn koppelingen(&self, location: Option<&str>) -> Result<Vec<Koppeling>, GatewayError> {
        Ok(rows::list(&mut *self.store.pool().acquire().await?, location).await?)
    }

    pub async fn audit_trail(&self, location: &str) -> Result<Vec<AuditEntry>, GatewayError> {
        Ok(rows::audit_trail(&mut *self.store.pool().acquire().await?, location).await?)
    }

    /// The key of an active link, for a SOAP call. Only the gateway itself asks.
    pub(crate) async fn active_key(&self, k: &Koppeling) -> Result<Secret, GatewayError> {
        if k.status != Status::Active {
            return Err(GatewayError::Conflict(format!(
                "koppeling {} is {}; only an active koppeling is used (it needs approval and a key)",
                k.id, k.status
            )));
        }
        self.key_of(&mut *self.store.pool().acquire().await?, k).await
    }

    /// The key a link holds, unsealed.
    pub(super) async fn key_of(&self, conn: &mut AnyConnection, k: &Koppeling) -> Result<Secret, GatewayError> {
        let sealed = rows::sealed_key(conn, k.id)
            .await?
            .ok_or_else(|| GatewayError::Conflict(format!("koppeling {} holds no key", k.id)))?;
        Ok(self.vault.unseal(&sealed, &context(k.id))?)
    }

    /// One lifecycle step: check, write, audit, in one transaction.
    async fn step(
        &self,
        id: i64,
        event: Event,
        actor: &str,
        reason: Option<&str>,
        key: Option<Secret>,
    ) -> Result<Koppeling, GatewayError> {
        let now = self.now();
        let mut tx = self.store.pool().begin().await?;
        let k = rows::get(&mut tx, id).await?;
        let has_key = k.has_key || key.is_some();
        let to =
            transition(k.status, event, has_key).map_err(|e| GatewayError::Conflict(format!("koppeling {id}: {e}")))?;
        if let Some(key) = &key {
            self.store_key(&mut tx, id, k.kind, key).await?;
        }
        let activated = (to == Status::Active && k.status != Status::Active).then_some(now);
        if activated.is_some() && k.kind.is_dashboard() {
            self.active_las_link(&mut tx, &k.location, k.schooljaar, k.kind).await?;
        }
        let mut stranded = None;
        if event == Event::Revoke {
            rows::set_key(&mut tx, id, None, None).await?;
            let why = format!("koppeling {id} was revoked before this result was delivered");
            stranded = Some(crate::store::results::close_pending(&mut tx, id, &why, now).await?);
        }
        rows::set_status(&mut tx, id, to, activated).await?;
        let reason = match (stranded, reason) {
            (Some(n @ 1..), Some(r)) => Some(format!("{r}; {n} queued result(s) kept as delivery errors")),
            (Some(n @ 1..), None) => Some(format!("{n} queued result(s) kept as delivery errors")),
            (_, r) => r.map(str::to_string),
        };
        audit(&mut tx, id, &k.location, actor, event, (k.status, to), reason.as_deref(), now).await?;
        if to.is_final() && !k.kind.is_dashboard() {
            let why = format!("its LAS koppeling {id} was {to}");
            self.close_dependents(&mut tx, &k, actor, &why).await?;
        }
        let k = rows::get(&mut tx, id).await?;
        let step = match event {
            Event::Approve => Some(HandshakeStep::Approved),
            Event::Reject => Some(HandshakeStep::Rejected),
            Event::Revoke => Some(HandshakeStep::Revoked),
            Event::SetKey | Event::Rotate => None,
        };
        if let Some(step) = step {
            tell(&mut tx, &k, step, reason.as_deref(), now).await?;
        }
        tx.commit().await?;
        tracing::info!(koppeling = id, event = event.as_str(), status = %k.status, actor, "koppeling changed");
        Ok(k)
    }

    /// The active LAS link a dashboard link of `location` and `schooljaar` depends on,
    /// taken for the rest of the transaction: a revocation running at the same time either
    /// sees the dashboard link this transaction writes and closes it too, or has closed the
    /// LAS link first, and then this refuses.
    async fn active_las_link(
        &self,
        conn: &mut AnyConnection,
        location: &str,
        schooljaar: Schooljaar,
        kind: Kind,
    ) -> Result<Koppeling, GatewayError> {
        let refuse = || {
            GatewayError::Conflict(format!(
                "a {} koppeling needs an active LAS koppeling for {location} in {schooljaar} first",
                kind.label()
            ))
        };
        let las = rows::list(conn, Some(location))
            .await?
            .into_iter()
            .find(|k| k.schooljaar == schooljaar && !k.kind.is_dashboard() && k.status == Status::Active)
            .ok_or_else(refuse)?;
        rows::lock(conn, self.store.dialect(), las.id).await?;
        let las = rows::get(conn, las.id).await?;
        if las.status != Status::Active {
            return Err(refuse());
        }
        Ok(las)
    }

    /// Closes the open dashboard links that depend on the LAS link `las`, which is closed
    /// in the same transaction: dashboards receive results only while the school has an
    /// active LAS link (DOMAIN.md §1). Each forgets its key, its queued results are kept as
    /// delivery errors, and its audit line says `why`. Nothing happens while another LAS
    /// link of the location and year is still active. Returns how many it closed.
    pub(super) async fn close_dependents(
        &self,
        conn: &mut AnyConnection,
        las: &Koppeling,
        actor: &str,
        why: &str,
    ) -> Result<usize, GatewayError> {
        let now = self.now();
        let same_year: Vec<Koppeling> = rows::list(conn, Some(&las.location))
            .await?
            .into_iter()
            .filter(|o| o.schooljaar == las.schooljaar && o.id != las.id && !o.status.is_final())
            .collect();
        if same_year.iter().any(|o| !o.kind.is_dashboard() && o.status == Status::Active) {
            return Ok(0);
        }
        let dependents: Vec<&Koppeling> = same_year.iter().filter(|o| o.kind.is_dashboard()).collect();
        for d in &dependents {
            rows::set_key(conn, d.id, None, None).await?;
            let error = format!(
                "koppeling {} was closed with its LAS koppeling {} before this result was delivered",
                d.id, las.id
            );
            let stranded = crate::store::results::close_pending(conn, d.id, &error, now).await?;
            rows::set_status(conn, d.id, Status::Revoked, None).await?;
            let reason = format!("{why}; {stranded} queued result(s) kept as delivery errors");
            audit(conn, d.id, &d.location, actor, Event::Revoke, (d.status, Status::Revoked), Some(&reason), now)
                .await?;
            tracing::info!(koppeling = d.id, las = las.id, actor, "dashboard koppeling closed with its LAS koppeling");
        }
        Ok(dependents.len())
    }

    /// Seals a key to its row, refusing a key that another link holds: above all a LAS key
    /// entered for a dashboard or the reverse.
    pub(super) async fn store_key(
        &self,
        conn: &mut AnyConnection,
        id: i64,
        kind: Kind,
        key: &Secret,
    ) -> Result<(), GatewayError> {
        let fp = self.vault.fingerprint(key);
        let this = rows::get(conn, id).await?;
        // The one sharing allowed: the same link continued into another school year.
        let continued =
            |o: &Koppeling| o.location == this.location && o.kind == kind && o.schooljaar != this.schooljaar;
        for other in rows::by_fingerprint(conn, &fp.0).await? {
            if other.id != id && !continued(&other) {
                let msg = if other.kind.is_dashboard() != kind.is_dashboard() {
                    format!(
                        "this key belongs to a {} koppeling (koppeling {}); a {} koppeling needs its own key from {}",
                        other.kind.label(),
                        other.id,
                        kind.label(),
                        if kind.is_dashboard() { "the dashboard" } else { "the LAS" }
                    )
                } else {
                    format!("this key is already in use by koppeling {} ({})", other.id, other.location)
                };
                return Err(GatewayError::Conflict(msg));
            }
        }
        let sealed = self.vault.seal(key, &context(id));
        rows::set_key(conn, id, Some(sealed.ciphertext), Some(fp.0.to_vec())).await?;
        Ok(())
    }
}

/// Queues the mails of a handshake step: to the location's school admins (the addresses
/// that hear of proposals, and the school-admin accounts granted the location), and, for a
/// new request, to every support account, which decides it.
async fn tell(
    conn: &mut AnyConnection,
    k: &Koppeling,
    step: HandshakeStep,
    reason: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), GatewayError> {
    let admins: Vec<String> = sqlx::query_scalar(
        "SELECT email FROM school_admins WHERE location = $1 \
         UNION SELECT a.email FROM accounts a JOIN account_locations l ON l.account_id = a.id \
         WHERE l.location = $1 AND a.role = 'school-admin' AND a.disabled = 0",
    )
    .bind(k.location.as_str())
    .fetch_all(&mut *conn)
    .await?;
    let support: Vec<String> = if step == HandshakeStep::Requested {
        sqlx::query_scalar("SELECT email FROM accounts WHERE role = 'support' AND disabled = 0")
            .fetch_all(&mut *conn)
            .await?
    } else {
        Vec::new()
    };
    let mut told = std::collections::BTreeSet::new();
    let everyone = admins.into_iter().map(|a| (a, false)).chain(support.into_iter().map(|s| (s, true)));
    for (to, for_support) in everyone {
        let to = to.trim().to_lowercase();
        if !told.insert(to.clone()) {
            continue;
        }
        let n = Notification::Handshake {
            step,
            school: k.location.to_string(),
            koppeling_id: k.id,
            link_kind: k.kind.label().to_string(),
            schooljaar: k.schooljaar.to_string(),
            reason: reason.map(str::to_string),
            for_support,
            to: to.clone(),
        };
        let json = serde_json::to_string(&n).map_err(|e| GatewayError::Invalid(e.to_string()))?;
        crate::store::outbox::push(conn, &to, &json, now).await?;
    }
    Ok(())
}

/// The AEAD context a key is sealed under: a sealed key copied to another row won't open.
fn context(id: i64) -> String {
    format!("koppeling:{id}")
}

#[allow(clippy::too_many_arguments)]
async fn audit(
    conn: &mut AnyConnection,
    id: i64,
    location: &str,
    actor: &str,
    event: Event,
    (from, to): (Status, Status),
    reason: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), GatewayError> {
    let line = AuditLine {
        koppeling_id: Some(id),
        location,
        actor,
        action: event.as_str(),
        from: Some(from),
        to: Some(to),
        reason,
    };
    rows::audit(conn, &line, now).await?;
    Ok(())
}

fn check_endpoint(s: &str) -> Result<String, GatewayError> {
    let s = s.trim().trim_end_matches('/');
    if !(s.starts_with("http://") || s.starts_with("https://")) || s.contains(char::is_whitespace) {
        return Err(GatewayError::Invalid(format!("endpoint '{s}' is not an http:// or https:// URL")));
    }
    Ok(s.to_string())
}
