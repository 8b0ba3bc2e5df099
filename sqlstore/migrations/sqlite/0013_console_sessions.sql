-- Web console sessions (session.go): a session is found by the SHA-256 digest of its token, which
-- is never stored. Sessions end on sign-out, expiry (the purge job deletes expired ones) or when
-- their client is revoked; a client keeps at most its newest few.
CREATE TABLE console_sessions (
    token_hash TEXT PRIMARY KEY,
    client_id  TEXT NOT NULL REFERENCES clients (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX console_sessions_client ON console_sessions (client_id, created_at);
CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);
