-- Issue 16, items 1 and 2: lists that scale and work in bulk.
-- `subject_folded` is the subject's name folded for search (no diacritics, lower case, "đ" as
-- "d"), written with every evaluation; rows made before this migration are filled at start-up
-- by `evaluation::worklist::backfill`. The keyset indexes serve the commune's list at 10,000
-- rows: its filters (unit, year) first, then the order of each sort.
-- A decision (quyết định) recognises many evaluations at once: one row per issuing unit and
-- number, every recognition under it points to it, and its annex lists them.
-- The PostgreSQL twin (../postgres/0014_worklists.sql) must match (tests/schema_parity.rs).
ALTER TABLE evaluations ADD COLUMN subject_folded TEXT;
CREATE INDEX evaluations_unit_year_updated ON evaluations (unit_id, year, updated_at, id);
CREATE TABLE decisions (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    number TEXT NOT NULL,
    decided_on TEXT NOT NULL CHECK (length(decided_on) = 10),
    signer_position_id INTEGER REFERENCES positions(id),
    signer_name TEXT NOT NULL,
    created_by INTEGER REFERENCES people(id),
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX decisions_unit_number ON decisions (unit_id, number);
ALTER TABLE recognitions ADD COLUMN decision_id INTEGER REFERENCES decisions(id);
CREATE INDEX recognitions_decision ON recognitions (decision_id);
