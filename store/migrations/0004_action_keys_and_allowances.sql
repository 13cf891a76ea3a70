-- Several replicas keep the promises of one.
--
-- One confirmation, one platform call: a scale form's one-time key is
-- claimed by writing it on the attempt's record before the call. The index
-- is unique, so the first claim wins on SQLite and PostgreSQL alike and a
-- key is never claimed twice. Records that claim no key (refusals before
-- anything is tried) leave it NULL, which the index lets repeat.
ALTER TABLE audit ADD COLUMN action_key TEXT;
CREATE UNIQUE INDEX audit_by_action_key ON audit (action_key);

-- Allowances (scale actions per person, sign-ins per address and in all),
-- counted once for every replica. Each bucket is a token bucket kept as
-- the one time it is full again ("generic cell rate"): taking one moves it
-- on by the interval between allowed takes, and a take that would move it
-- beyond the allowance's span from now is refused. Microseconds since the
-- Unix epoch; a bucket full again before now is as good as absent.
CREATE TABLE allowances (
    bucket TEXT PRIMARY KEY,
    full_at_us BIGINT NOT NULL
);
