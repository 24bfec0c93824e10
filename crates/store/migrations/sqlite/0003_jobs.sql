-- 0003: a durable job queue, and whether each version's indexes are built.
--
-- Publishing makes a version's rows queryable as soon as they are loaded; its per-column indexes
-- and full-text index are built afterwards by a job enqueued in the very transaction that flips
-- the live pointer, so a crash never loses the work still to do.

CREATE TABLE jobs (
    job_id      INTEGER PRIMARY KEY AUTOINCREMENT,
    -- What to do (`build-indexes`...), read by the store's job runner.
    kind        TEXT NOT NULL,
    -- The job's arguments, a JSON object (`{"version": 12}`).
    payload     TEXT NOT NULL,
    -- `queued`: waiting for a worker; `running`: claimed until `lease_until` (a worker that dies
    -- lets its lease expire and another claims the job again); `done`; `failed` (after too many
    -- attempts, `error` says why).
    state       TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
    -- Claims so far; also the claim's token, so a worker whose lease was taken over cannot
    -- complete the job a second time.
    attempts    INTEGER NOT NULL DEFAULT 0,
    lease_until TEXT,
    -- Where the running job is, in words (`index 3 sur 16`...).
    progress    TEXT,
    error       TEXT,
    created_at  TEXT NOT NULL,
    finished_at TEXT
);

-- Workers look for the oldest queued job, or a running one whose lease has expired.
CREATE INDEX jobs_waiting ON jobs (state, job_id) WHERE state IN ('queued', 'running');

-- Versions published before this migration had their indexes built before their flip.
ALTER TABLE version ADD COLUMN indexes TEXT NOT NULL DEFAULT 'ready' CHECK (indexes IN ('building', 'ready'));
