-- Results and their delivery: every result is a pupil × test (part) × sitting with a stable
-- key; re-norming adds a version; each active link has its own durable outbox of versions
-- to deliver, claimed under leases so that several gateway instances never send one batch
-- twice at once.
-- The PostgreSQL twin (migrations/postgres) differs only in id columns and the byte type.

-- The placeholder `resultaten` table of 0001 grows into the real one.
ALTER TABLE resultaten ADD COLUMN afname TEXT NOT NULL DEFAULT '';
ALTER TABLE resultaten ADD COLUMN afnamedatum TEXT NOT NULL DEFAULT '';
ALTER TABLE resultaten ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
-- One row per sitting; `onderdeel` is '' for a whole-test result so the index holds.
CREATE UNIQUE INDEX resultaten_sitting ON resultaten (leerling_id, toetscode, onderdeel, afname);
CREATE UNIQUE INDEX resultaten_key ON resultaten (resultaat_key);

-- Every version as normed, for audit and for re-sending the newest.
CREATE TABLE result_versions (
    resultaat_id BIGINT NOT NULL REFERENCES resultaten (id),
    version      BIGINT NOT NULL,
    score        TEXT NOT NULL,           -- JSON of the scores
    normed_at    TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    PRIMARY KEY (resultaat_id, version)
);

-- The tests results refer to (a results message declares each test it uses).
CREATE TABLE toetsen (
    toetscode  TEXT PRIMARY KEY,
    definition TEXT NOT NULL              -- JSON: name, parts
);

CREATE TABLE delivery_batches (
    id           INTEGER PRIMARY KEY,
    koppeling_id BIGINT NOT NULL REFERENCES koppelingen (id),
    owner        TEXT NOT NULL,           -- the gateway instance that sent it
    started_at   TEXT NOT NULL,
    results      BIGINT NOT NULL,
    bytes        BIGINT NOT NULL,
    outcome      TEXT,                    -- delivered | transient | refused
    fault        TEXT
);

CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    koppeling_id    BIGINT NOT NULL REFERENCES koppelingen (id),
    resultaat_id    BIGINT NOT NULL REFERENCES resultaten (id),
    version         BIGINT NOT NULL,
    status          TEXT NOT NULL,        -- pending | sent | failed | superseded
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    lease_owner     TEXT,
    lease_until     TEXT,
    batch_id        BIGINT,               -- the last batch that carried it
    error_kind      TEXT,                 -- leerling_onbekend | toets_onbekend | geweigerd
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT
);
CREATE UNIQUE INDEX deliveries_once ON deliveries (koppeling_id, resultaat_id, version);
CREATE INDEX deliveries_due ON deliveries (koppeling_id, status, next_attempt_at);
