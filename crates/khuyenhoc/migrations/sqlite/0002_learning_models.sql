-- Learning models: criteria sets as data, subjects (people, groups, units), evaluations with
-- their history, evidence files, recognitions and certificates.
-- The PostgreSQL twin (../postgres/0002_learning_models.sql) must match (tests/schema_parity.rs).

CREATE TABLE criteria_sets (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    model TEXT NOT NULL CHECK (model IN ('citizen', 'family', 'clan', 'community', 'unit')),
    version INTEGER NOT NULL,
    owner_code TEXT NOT NULL,
    based_on_id INTEGER REFERENCES criteria_sets(id),
    title_vi TEXT NOT NULL,
    source TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'active')),
    created_at INTEGER NOT NULL,
    created_by INTEGER REFERENCES people(id)
);
CREATE UNIQUE INDEX criteria_sets_version ON criteria_sets (model, owner_code, version);

-- Families, clans and organisations evaluated as a whole, with their members.
CREATE TABLE learning_groups (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('family', 'clan', 'organisation')),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    name TEXT NOT NULL,
    head_person_id INTEGER REFERENCES people(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX learning_groups_unit ON learning_groups (unit_id);

CREATE TABLE group_members (
    id INTEGER PRIMARY KEY,
    group_id INTEGER NOT NULL REFERENCES learning_groups(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    adult INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX group_members_pair ON group_members (group_id, person_id);
CREATE INDEX group_members_person ON group_members (person_id);

CREATE TABLE evaluations (
    id INTEGER PRIMARY KEY,
    model TEXT NOT NULL,
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('person', 'group', 'unit')),
    subject_id INTEGER NOT NULL,
    subject_name TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    year INTEGER NOT NULL,
    set_id INTEGER NOT NULL REFERENCES criteria_sets(id),
    form_group TEXT,
    disadvantaged INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL CHECK (status IN ('registered', 'submitted', 'checked', 'returned', 'recognised', 'not_recognised')),
    answers TEXT NOT NULL,
    total INTEGER NOT NULL DEFAULT 0,
    passed INTEGER NOT NULL DEFAULT 0,
    level INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX evaluations_subject_year ON evaluations (model, subject_kind, subject_id, year);
CREATE INDEX evaluations_unit_year ON evaluations (unit_id, year);

-- Every step of an evaluation: who did it, in which position, for whom.
CREATE TABLE evaluation_events (
    id INTEGER PRIMARY KEY,
    evaluation_id INTEGER NOT NULL REFERENCES evaluations(id),
    at INTEGER NOT NULL,
    person_id INTEGER REFERENCES people(id),
    position_id INTEGER REFERENCES positions(id),
    on_behalf INTEGER NOT NULL DEFAULT 0,
    action TEXT NOT NULL,
    note TEXT
);
CREATE INDEX evaluation_events_evaluation ON evaluation_events (evaluation_id);

CREATE TABLE evidence (
    id INTEGER PRIMARY KEY,
    evaluation_id INTEGER NOT NULL REFERENCES evaluations(id),
    indicator TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('photo', 'document', 'note')),
    object_key TEXT,
    file_name TEXT,
    content_type TEXT,
    size_bytes INTEGER,
    note TEXT,
    created_at INTEGER NOT NULL,
    created_by INTEGER REFERENCES people(id)
);
CREATE INDEX evidence_evaluation ON evidence (evaluation_id);

CREATE TABLE recognitions (
    id INTEGER PRIMARY KEY,
    evaluation_id INTEGER NOT NULL REFERENCES evaluations(id),
    decision_no TEXT NOT NULL,
    decision_date TEXT NOT NULL CHECK (length(decision_date) = 10),
    signer_position_id INTEGER REFERENCES positions(id),
    signer_name TEXT NOT NULL,
    valid_until TEXT NOT NULL CHECK (length(valid_until) = 10),
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX recognitions_evaluation ON recognitions (evaluation_id);

CREATE TABLE certificates (
    id INTEGER PRIMARY KEY,
    evaluation_id INTEGER NOT NULL REFERENCES evaluations(id),
    code TEXT NOT NULL,
    issued_at INTEGER NOT NULL,
    revoked_at INTEGER,
    revoke_reason TEXT,
    credential TEXT NOT NULL
);
CREATE UNIQUE INDEX certificates_code ON certificates (code);
CREATE UNIQUE INDEX certificates_evaluation ON certificates (evaluation_id);

CREATE TABLE signing_keys (
    id INTEGER PRIMARY KEY,
    public_key TEXT NOT NULL,
    secret_key TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- Communes in remote, especially difficult or ethnic-minority areas have lower thresholds.
ALTER TABLE units ADD COLUMN disadvantaged INTEGER NOT NULL DEFAULT 0;
