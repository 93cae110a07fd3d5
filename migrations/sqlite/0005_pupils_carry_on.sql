-- A pupil is one pupil for life (DOMAIN.md §3, §4): a pupil or teacher record lives as long
-- as the person is at the school, and each school year adds an enrolment (the pupil's class
-- group and jaargroep that year); groups belong to one school year. `leerlingen.schooljaar`
-- and `leerkrachten.schooljaar` now mean the latest year the person was imported in.
-- Every pupil gets a Boom pupil number (random, ten digits, never reused: the numbers ever
-- issued are kept in `boom_numbers`), and the LAS key and ECK iD a pupil came in with last,
-- each unique among the active pupils of one school.
-- Stores that went through a transition with the old behaviour are merged and numbered by
-- the gateway right after this migration (store::upgrade), once, marked in `upgrades`.
-- The PostgreSQL twin (migrations/postgres) is the same.

CREATE TABLE enrolments (
    leerling_id BIGINT NOT NULL REFERENCES leerlingen (id),
    schooljaar  TEXT NOT NULL,
    groep_id    BIGINT REFERENCES groepen (id),
    jaargroep   TEXT,
    PRIMARY KEY (leerling_id, schooljaar)
);
CREATE INDEX enrolments_groep ON enrolments (groep_id);
INSERT INTO enrolments (leerling_id, schooljaar, groep_id, jaargroep)
    SELECT id, schooljaar, groep_id, jaargroep FROM leerlingen WHERE schooljaar <> '';

ALTER TABLE leerlingen ADD COLUMN boom_nummer TEXT;
ALTER TABLE leerlingen ADD COLUMN las_key TEXT;
ALTER TABLE leerlingen ADD COLUMN eckid TEXT;
CREATE UNIQUE INDEX leerlingen_boom_nummer ON leerlingen (boom_nummer);
CREATE UNIQUE INDEX leerlingen_active_las_key ON leerlingen (location, las_key)
    WHERE active = 1 AND las_key IS NOT NULL;
CREATE UNIQUE INDEX leerlingen_active_eckid ON leerlingen (location, eckid)
    WHERE active = 1 AND eckid IS NOT NULL;

CREATE TABLE boom_numbers (
    nummer    TEXT PRIMARY KEY,
    issued_at TEXT NOT NULL
);

CREATE TABLE upgrades (
    name    TEXT PRIMARY KEY,
    done_at TEXT NOT NULL,
    report  TEXT NOT NULL
);
