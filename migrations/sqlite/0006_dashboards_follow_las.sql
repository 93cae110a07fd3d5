-- Dashboard links follow their LAS link (DOMAIN.md §1). A store from before that rule may
-- hold open dashboard links whose location and year have no active LAS link any more (it
-- was revoked, or closed with its school year). They are closed as the gateway now closes
-- them: an audit line (dated when that year's LAS link last changed), queued results kept as
-- delivery errors, the key forgotten.
-- The PostgreSQL twin (migrations/postgres) is the same.
INSERT INTO audit (koppeling_id, location, at, actor, action, from_status, to_status, reason)
SELECT d.id, d.location,
       COALESCE((SELECT MAX(a.at) FROM audit a JOIN koppelingen l ON l.id = a.koppeling_id
                 WHERE l.location = d.location AND l.schooljaar = d.schooljaar
                   AND l.kind IN ('parnassys', 'esis', 'uwlr')), d.requested_at),
       'gateway', 'revoke', d.status, 'revoked',
       'its LAS koppeling was closed before dashboard links followed it (store upgrade); '
           || (SELECT COUNT(*) FROM deliveries x WHERE x.koppeling_id = d.id AND x.status = 'pending')
           || ' queued result(s) kept as delivery errors'
FROM koppelingen d
WHERE d.kind IN ('schoolkr8', 'focus-po') AND d.status IN ('requested', 'approved', 'active')
  AND NOT EXISTS (SELECT 1 FROM koppelingen l WHERE l.location = d.location AND l.schooljaar = d.schooljaar
                    AND l.kind IN ('parnassys', 'esis', 'uwlr') AND l.status = 'active');

UPDATE deliveries SET status = 'failed', error_kind = 'koppeling_gesloten', lease_owner = NULL, lease_until = NULL,
       last_error = 'the dashboard koppeling was closed with its LAS koppeling before this result was delivered'
WHERE status = 'pending' AND koppeling_id IN (
    SELECT d.id FROM koppelingen d
    WHERE d.kind IN ('schoolkr8', 'focus-po') AND d.status IN ('requested', 'approved', 'active')
      AND NOT EXISTS (SELECT 1 FROM koppelingen l WHERE l.location = d.location AND l.schooljaar = d.schooljaar
                        AND l.kind IN ('parnassys', 'esis', 'uwlr') AND l.status = 'active'));

UPDATE koppelingen SET status = 'revoked', key_sealed = NULL, key_fingerprint = NULL, version = version + 1
WHERE kind IN ('schoolkr8', 'focus-po') AND status IN ('requested', 'approved', 'active')
  AND NOT EXISTS (SELECT 1 FROM koppelingen l WHERE l.location = koppelingen.location
                    AND l.schooljaar = koppelingen.schooljaar
                    AND l.kind IN ('parnassys', 'esis', 'uwlr') AND l.status = 'active');
