-- Issue 15, item 1: joining by QR poster. A stranger who opens a branch's or commune's join
-- link registers here. Usually a pending account is created at once (`person_id`): the person
-- logs in and drafts, but submits nothing until an officer confirms. When the phone belongs to
-- a record an officer created (no password), no account is made: the registration waits with
-- `match_person_id`, and a confirmation attaches the login (`password_hash`) to that record.
-- The PostgreSQL twin (../postgres/0009_join.sql) must match (tests/schema_parity.rs).
CREATE TABLE registrations (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    person_id INTEGER REFERENCES people(id),
    match_person_id INTEGER REFERENCES people(id),
    full_name TEXT NOT NULL,
    name_folded TEXT NOT NULL,
    birth_year INTEGER,
    gender TEXT,
    phone TEXT NOT NULL,
    email TEXT,
    password_hash TEXT,
    status TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'rejected')),
    reason TEXT,
    created_at INTEGER NOT NULL,
    decided_at INTEGER,
    decided_by INTEGER REFERENCES people(id)
);
CREATE INDEX registrations_unit_status ON registrations (unit_id, status);
CREATE INDEX registrations_person ON registrations (person_id);
CREATE UNIQUE INDEX registrations_pending_phone ON registrations (phone) WHERE status = 'pending';
