-- Gateway core: school locations, koppelingen with their audit trail, imported records with
-- the external keys they came in under, fetches, import proposals, results, the mail outbox.
-- The PostgreSQL twin of this file (migrations/postgres) differs only in id columns and BYTEA.
-- Timestamps are RFC 3339 text in UTC with microseconds, so they sort as text on both databases.
-- Booleans are BIGINT 0/1: the driver-neutral (Any) layer of sqlx decodes no boolean on SQLite.

CREATE TABLE locations (
    location       TEXT PRIMARY KEY,        -- '99DE00' (BRIN + dependance) or the schoolkey
    brincode       TEXT,
    dependancecode TEXT,
    schoolkey      TEXT,
    version        BIGINT NOT NULL DEFAULT 0, -- bumped by every change to the location's records
    created_at     TEXT NOT NULL
);

CREATE TABLE school_admins (
    location TEXT NOT NULL REFERENCES locations (location),
    email    TEXT NOT NULL,
    PRIMARY KEY (location, email)
);

CREATE TABLE koppelingen (
    id              INTEGER PRIMARY KEY,
    location        TEXT NOT NULL REFERENCES locations (location),
    schooljaar      TEXT NOT NULL,
    kind            TEXT NOT NULL,
    endpoint        TEXT,
    status          TEXT NOT NULL,
    key_sealed      BLOB,                 -- AES-256-GCM, bound to the row id (see vault)
    key_fingerprint BLOB,                 -- HMAC of the key: same key twice, or for the other kind
    klantcode       TEXT NOT NULL,
    klantnaam       TEXT NOT NULL,
    process_changes BIGINT NOT NULL DEFAULT 1,
    requested_at    TEXT NOT NULL,
    activated_at    TEXT,
    delta_since     TEXT,                 -- laatstontvangengegevens for the next delta fetch
    last_full_at    TEXT,                 -- when the last full fetch was applied
    version         BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX koppelingen_key ON koppelingen (key_fingerprint);
CREATE INDEX koppelingen_location ON koppelingen (location, schooljaar);

CREATE TABLE audit (
    id           INTEGER PRIMARY KEY,
    koppeling_id BIGINT REFERENCES koppelingen (id),
    location     TEXT NOT NULL,
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    from_status  TEXT,
    to_status    TEXT,
    reason       TEXT
);
CREATE INDEX audit_koppeling ON audit (koppeling_id, id);

CREATE TABLE groepen (
    id           INTEGER PRIMARY KEY,
    location     TEXT NOT NULL REFERENCES locations (location),
    naam         TEXT NOT NULL,
    jaargroep    TEXT,
    samengesteld BIGINT NOT NULL DEFAULT 0,
    active       BIGINT NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX groepen_location ON groepen (location);

CREATE TABLE leerkrachten (
    id          INTEGER PRIMARY KEY,
    location    TEXT NOT NULL REFERENCES locations (location),
    achternaam  TEXT,
    voorvoegsel TEXT,
    voorletters TEXT,
    roepnaam    TEXT,
    emailadres  TEXT,
    active      BIGINT NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX leerkrachten_location ON leerkrachten (location);

CREATE TABLE leerkracht_groepen (
    leerkracht_id BIGINT NOT NULL REFERENCES leerkrachten (id),
    groep_id      BIGINT NOT NULL REFERENCES groepen (id),
    PRIMARY KEY (leerkracht_id, groep_id)
);

CREATE TABLE leerlingen (
    id             INTEGER PRIMARY KEY,
    location       TEXT NOT NULL REFERENCES locations (location),
    achternaam     TEXT,
    voorvoegsel    TEXT,
    voorletters    TEXT,
    roepnaam       TEXT,
    geboortedatum  TEXT,
    geslacht       TEXT,
    jaargroep      TEXT,
    groep_id       BIGINT REFERENCES groepen (id),
    active         BIGINT NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    deactivated_at TEXT
);
CREATE INDEX leerlingen_location ON leerlingen (location);

-- Composed groups (samengestelde groepen) a pupil is in; the class group is leerlingen.groep_id.
CREATE TABLE leerling_groepen (
    leerling_id BIGINT NOT NULL REFERENCES leerlingen (id),
    groep_id    BIGINT NOT NULL REFERENCES groepen (id),
    PRIMARY KEY (leerling_id, groep_id)
);

-- The keys under which a record came in through one koppeling; a row without record_id and
-- with skipped = 1 remembers an admin's "do not import".
CREATE TABLE external_keys (
    id           INTEGER PRIMARY KEY,
    koppeling_id BIGINT NOT NULL REFERENCES koppelingen (id),
    tab          TEXT NOT NULL,
    record_id    BIGINT,
    las_key      TEXT,
    eckid        TEXT,
    skipped      BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX external_keys_las ON external_keys (koppeling_id, tab, las_key);
CREATE UNIQUE INDEX external_keys_eckid ON external_keys (koppeling_id, tab, eckid);
CREATE UNIQUE INDEX external_keys_record ON external_keys (koppeling_id, tab, record_id);

CREATE TABLE fetches (
    id           INTEGER PRIMARY KEY,
    koppeling_id BIGINT NOT NULL REFERENCES koppelingen (id),
    at           TEXT NOT NULL,
    mode         TEXT NOT NULL,           -- full | delta
    since        TEXT,                    -- laatstontvangengegevens sent
    outcome      TEXT NOT NULL,           -- gegevens | geenwijzigingen | geengegevens
    digest       TEXT NOT NULL,           -- SHA-256 of the answer as we re-encode it
    answer       BLOB,                    -- the answer (UWLR XML), for recompute and audit
    pupils       BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX fetches_koppeling ON fetches (koppeling_id, id);

CREATE TABLE proposals (
    id               INTEGER PRIMARY KEY,
    koppeling_id     BIGINT NOT NULL REFERENCES koppelingen (id),
    fetch_id         BIGINT NOT NULL REFERENCES fetches (id),
    created_at       TEXT NOT NULL,
    location_version BIGINT NOT NULL,     -- the location's version it was computed against
    decisions        TEXT NOT NULL,       -- JSON list of admin decisions
    proposal         TEXT NOT NULL,       -- JSON of the computed proposal
    status           TEXT NOT NULL,       -- open | applied | superseded
    applied_at       TEXT,
    applied_by       TEXT
);
CREATE INDEX proposals_koppeling ON proposals (koppeling_id, id);

-- Results hang on pupils, never on external keys: clearing numbers keeps them.
CREATE TABLE resultaten (
    id            INTEGER PRIMARY KEY,
    leerling_id   BIGINT NOT NULL REFERENCES leerlingen (id),
    resultaat_key TEXT NOT NULL,
    toetscode     TEXT NOT NULL,
    onderdeel     TEXT,
    score         TEXT,
    normed_at     TEXT NOT NULL,
    recorded_at   TEXT NOT NULL
);
CREATE INDEX resultaten_leerling ON resultaten (leerling_id);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    created_at      TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    notification    TEXT NOT NULL,        -- JSON
    status          TEXT NOT NULL,        -- pending | sent | failed
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    sent_at         TEXT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
