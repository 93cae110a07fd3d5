-- The exchange journal (store::journal, docs/journal.md): every SOAP exchange the gateway
-- made, one row per attempt. No foreign keys: the journal is a record of what happened and
-- must never make a write elsewhere (or an exchange) fail. Bodies are deflate-compressed,
-- the key masked; pruning sets them NULL (bodies_dropped_at) long before it deletes the row.
CREATE TABLE exchanges (
    id                INTEGER PRIMARY KEY,
    at                TEXT NOT NULL,
    koppeling_id      BIGINT NOT NULL,
    location          TEXT NOT NULL,
    kind              TEXT NOT NULL,            -- fetch | delivery
    operation         TEXT NOT NULL,            -- HaalLeerlinggegevens, BrengLeerresultaten...
    attempt           BIGINT NOT NULL,
    http_status       BIGINT,                   -- NULL: no complete answer
    fault_code        TEXT,                     -- NULL: the attempt succeeded
    fault_text        TEXT,
    duration_ms       BIGINT NOT NULL,
    request_bytes     BIGINT NOT NULL,
    answer_bytes      BIGINT NOT NULL,
    stored_bytes      BIGINT NOT NULL,
    fetch_id          BIGINT,
    batch_id          BIGINT,
    request           BLOB,
    answer            BLOB,
    bodies_dropped_at TEXT
);
CREATE INDEX exchanges_koppeling ON exchanges (koppeling_id, id);
CREATE INDEX exchanges_location ON exchanges (location, id);
CREATE INDEX exchanges_at ON exchanges (at);
