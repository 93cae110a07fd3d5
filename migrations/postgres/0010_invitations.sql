-- Invitations: the single-use links that let a person set the first password of an account
-- made for them (a teacher imported from the LAS, a school admin invited by support). The
-- link's token is kept only as its SHA-256, so a copy of the database opens no account; a
-- used or expired row opens nothing and stays as a record of who was invited when.
-- The SQLite twin (migrations/sqlite) is the same.

CREATE TABLE invitations (
    token_hash TEXT PRIMARY KEY,           -- hex SHA-256 of the link's token
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    location   TEXT NOT NULL,              -- the location the invitation was for
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT                        -- NULL: not used yet
);
CREATE INDEX invitations_account ON invitations (account_id);
