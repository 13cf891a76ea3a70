-- The audit log of scale attempts. Portable SQL: the same file runs on
-- SQLite and PostgreSQL. Times are milliseconds since the Unix epoch.
CREATE TABLE audit (
    id TEXT PRIMARY KEY,
    started_ms BIGINT NOT NULL,
    finished_ms BIGINT,
    -- The console process that made the call (host:port by default).
    replica TEXT NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    client_addr TEXT NOT NULL,
    namespace TEXT NOT NULL,
    app TEXT NOT NULL,
    -- 'up' or 'down'
    action TEXT NOT NULL,
    count BIGINT,
    -- Comma-separated worker ids asked for (scale-down).
    worker_ids TEXT NOT NULL,
    -- 'pending' until completed; then 'done', 'rejected', 'failed' or 'unknown'.
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL,
    -- Comma-separated ids of the workers a scale-up added.
    new_ids TEXT NOT NULL,
    upstream_status BIGINT,
    duration_ms BIGINT
);

CREATE INDEX audit_by_time ON audit (started_ms);
CREATE INDEX audit_by_app ON audit (namespace, app, started_ms);
CREATE INDEX audit_pending ON audit (outcome, replica);
