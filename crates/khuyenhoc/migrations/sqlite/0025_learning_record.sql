-- Issue 19, item 5: the lifelong-learning record (hồ sơ học tập suốt đời, `record/`).
-- A share link lets a stranger read one person's record until it expires or is withdrawn. The
-- link's token is shown once; only its SHA-256 is kept (`token_hash`). `views` counts the
-- readings through the link.
-- A nomination of a scholarship or award round may name the person it is for
-- (`nominations.person_id`), so that a paid one shows in that person's record.
-- The twin (../postgres/0025_learning_record.sql) must match (tests/schema_parity.rs).
CREATE TABLE record_links (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    token_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    withdrawn_at INTEGER,
    views INTEGER NOT NULL DEFAULT 0,
    last_viewed_at INTEGER
);
CREATE UNIQUE INDEX record_links_token ON record_links (token_hash);
CREATE INDEX record_links_person ON record_links (person_id);
ALTER TABLE nominations ADD COLUMN person_id INTEGER REFERENCES people(id);
CREATE INDEX nominations_person ON nominations (person_id);
