-- Issue 15, item 2: correcting, moving and merging people.
-- The PostgreSQL twin (../postgres/0010_people_corrections.sql) must match (tests/schema_parity.rs).

-- A person moved from one home unit to another: the history stays (evaluations keep the unit
-- where they were made; only `people.unit_id` changes).
CREATE TABLE person_moves (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    from_unit_id INTEGER NOT NULL REFERENCES units(id),
    to_unit_id INTEGER NOT NULL REFERENCES units(id),
    moved_on TEXT NOT NULL CHECK (length(moved_on) = 10),
    at INTEGER NOT NULL,
    moved_by INTEGER REFERENCES people(id),
    position_id INTEGER REFERENCES positions(id),
    reason TEXT NOT NULL
);
CREATE INDEX person_moves_person ON person_moves (person_id);

-- Two records of the same person merged: every reference moved to `kept_id`; the removed
-- record stays as an empty row (the audit log and the ledger are append-only and still name
-- it), and this table says whose it was.
CREATE TABLE person_merges (
    merged_id INTEGER NOT NULL PRIMARY KEY REFERENCES people(id),
    kept_id INTEGER NOT NULL REFERENCES people(id),
    at INTEGER NOT NULL,
    merged_by INTEGER REFERENCES people(id),
    position_id INTEGER REFERENCES positions(id),
    reason TEXT NOT NULL
);
CREATE INDEX person_merges_kept ON person_merges (kept_id);

-- A change of phone or email waiting for the owner's code (stored as SHA-256, with an expiry).
CREATE TABLE contact_changes (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    field TEXT NOT NULL CHECK (field IN ('phone', 'email')),
    new_value TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    requested_by INTEGER REFERENCES people(id),
    done_at INTEGER
);
CREATE INDEX contact_changes_person ON contact_changes (person_id);

-- A certificate carries its holder's name as issued: a corrected name is a new certificate,
-- the old one revoked; one certificate in force per evaluation.
ALTER TABLE certificates ADD COLUMN holder_name TEXT;
UPDATE certificates SET holder_name = (SELECT e.subject_name FROM evaluations e WHERE e.id = certificates.evaluation_id);
DROP INDEX certificates_evaluation;
CREATE UNIQUE INDEX certificates_evaluation ON certificates (evaluation_id) WHERE revoked_at IS NULL;
