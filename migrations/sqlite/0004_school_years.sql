-- School years: every imported record belongs to the school year whose import brought it in
-- (a new year's import makes new records; earlier years stay as they were), and each school
-- location's year transitions are kept: who started the new year and when (an admin in the
-- preparation window, or the gateway itself on 1 October), when it was completed (its
-- first import applied), and the last day a reminder went out.
-- The PostgreSQL twin (migrations/postgres) is the same.

ALTER TABLE groepen ADD COLUMN schooljaar TEXT NOT NULL DEFAULT '';
ALTER TABLE leerkrachten ADD COLUMN schooljaar TEXT NOT NULL DEFAULT '';
ALTER TABLE leerlingen ADD COLUMN schooljaar TEXT NOT NULL DEFAULT '';

-- Records imported before this migration: the year of the link they came in through, else
-- the newest year the location has a link for.
UPDATE groepen SET schooljaar = COALESCE(
    (SELECT MAX(k.schooljaar) FROM external_keys e JOIN koppelingen k ON k.id = e.koppeling_id
     WHERE e.tab = 'groepen' AND e.record_id = groepen.id),
    (SELECT MAX(k.schooljaar) FROM koppelingen k WHERE k.location = groepen.location), '');
UPDATE leerkrachten SET schooljaar = COALESCE(
    (SELECT MAX(k.schooljaar) FROM external_keys e JOIN koppelingen k ON k.id = e.koppeling_id
     WHERE e.tab = 'leerkrachten' AND e.record_id = leerkrachten.id),
    (SELECT MAX(k.schooljaar) FROM koppelingen k WHERE k.location = leerkrachten.location), '');
UPDATE leerlingen SET schooljaar = COALESCE(
    (SELECT MAX(k.schooljaar) FROM external_keys e JOIN koppelingen k ON k.id = e.koppeling_id
     WHERE e.tab = 'leerlingen' AND e.record_id = leerlingen.id),
    (SELECT MAX(k.schooljaar) FROM koppelingen k WHERE k.location = leerlingen.location), '');

CREATE INDEX groepen_year ON groepen (location, schooljaar);
CREATE INDEX leerkrachten_year ON leerkrachten (location, schooljaar);
CREATE INDEX leerlingen_year ON leerlingen (location, schooljaar);

-- A link continued into the new year holds the same key as the old year's link until the
-- new year is completed (then the old link forgets it): one key, one location, one link
-- carried from year to year.
DROP INDEX koppelingen_key;
CREATE UNIQUE INDEX koppelingen_key ON koppelingen (key_fingerprint, schooljaar);

CREATE TABLE school_years (
    location      TEXT NOT NULL REFERENCES locations (location),
    schooljaar    TEXT NOT NULL,           -- the new year, '2026-2027'
    started_at    TEXT NOT NULL,
    started_by    TEXT NOT NULL,           -- the admin, or 'gateway' for the automatic start
    automatic     BIGINT NOT NULL DEFAULT 0,
    completed_at  TEXT,                    -- its first import applied
    completed_by  TEXT,
    reminded_on   TEXT,                    -- the last day (YYYY-MM-DD) a reminder was queued
    PRIMARY KEY (location, schooljaar)
);
