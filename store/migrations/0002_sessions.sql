-- Sign-in sessions (CONSOLE_AUTH=token). The browser holds a random
-- session id; only its SHA-256 is stored. The person's EverAI token is kept
-- sealed with the console's session key, never in the clear.
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    actor TEXT NOT NULL,
    token_sealed TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    last_seen_ms BIGINT NOT NULL
);

CREATE INDEX sessions_by_last_seen ON sessions (last_seen_ms);
