-- Console accounts: who signs in to the admin console, in which role, for which locations,
-- their sessions and the sign-in throttle. Several gateway instances on one PostgreSQL
-- database share all of it, so a session or a lock holds whichever instance answers.
-- The PostgreSQL twin (migrations/postgres) differs only in the id column.
-- Passwords are argon2id PHC strings; session tokens are kept only as their SHA-256, so a
-- copy of the database opens no session.

CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,   -- lower case; the sign-in name
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,          -- support | school-admin | teacher
    password_hash TEXT,                   -- argon2id PHC string; NULL: no password set yet
    disabled      BIGINT NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

-- The locations a school admin (or teacher) may see and act for; support sees every one.
-- No reference to locations: a location exists from its first link request, and the grant
-- comes before it.
CREATE TABLE account_locations (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    location   TEXT NOT NULL,
    granted_at TEXT NOT NULL,
    PRIMARY KEY (account_id, location)
);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,        -- hex SHA-256 of the cookie's token
    account_id   BIGINT NOT NULL REFERENCES accounts (id),
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

-- Failed sign-ins per scope ('pair:<email> <address>', 'address:<address>',
-- 'account:<email>'): how many in a row, the last one, and until when that scope is locked.
CREATE TABLE sign_in_throttle (
    scope           TEXT PRIMARY KEY,
    failures        BIGINT NOT NULL DEFAULT 0,
    last_failure_at TEXT NOT NULL,
    locked_until    TEXT
);
