-- Issue 15, items 3 and 4: the durable job queue, the in-app inbox, each person's channels and
-- password recovery. The PostgreSQL twin (../postgres/0008_jobs_notifications.sql) must match
-- (tests/schema_parity.rs).

-- One queue for all background work (jobs/). A worker leases a due job (lease_owner,
-- lease_until) in a transaction, runs it, then marks it done, or sets run_after for a retry, or
-- dead after max_attempts. A lease that ran out (a crashed server) is taken again.
-- unique_key: a job that must exist once (the daily digest of a day), NULL for the others.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    unique_key TEXT,
    run_after INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    last_error TEXT,
    lease_owner TEXT,
    lease_until INTEGER,
    done_at INTEGER,
    dead_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX jobs_unique_key ON jobs (unique_key);
CREATE INDEX jobs_due ON jobs (done_at, dead_at, run_after);

-- The in-app inbox (notify/): one row per notice, both languages, a link to what it is about.
CREATE TABLE notices (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    kind TEXT NOT NULL,
    text_vi TEXT NOT NULL,
    text_en TEXT NOT NULL,
    link TEXT,
    created_at INTEGER NOT NULL,
    read_at INTEGER
);
CREATE INDEX notices_person ON notices (person_id, read_at);

-- The channels a person chose beside the inbox (no row: the defaults, email on, webhook off).
CREATE TABLE notify_channels (
    person_id INTEGER PRIMARY KEY REFERENCES people(id),
    email INTEGER NOT NULL DEFAULT 1,
    webhook INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
);

-- Password recovery: an emailed link (kind 'link', 30 minutes) or a code an officer reads out
-- (kind 'code'), stored as the SHA-256 of the secret, used once.
CREATE TABLE password_resets (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    kind TEXT NOT NULL CHECK (kind IN ('link', 'code')),
    token_hash TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    created_by INTEGER REFERENCES people(id),
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX password_resets_token_hash ON password_resets (token_hash);
CREATE INDEX password_resets_person ON password_resets (person_id);
