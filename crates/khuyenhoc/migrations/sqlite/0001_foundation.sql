-- Foundation: the map, people, positions, sessions, tokens, audit log.
-- The PostgreSQL twin of this file (../postgres/0001_foundation.sql) must define the same
-- tables, columns, nullability and indexes; tests/schema_parity.rs compares them.

CREATE TABLE units (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('central', 'province', 'commune', 'branch')),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    name_folded TEXT NOT NULL,
    parent_id INTEGER REFERENCES units(id),
    path TEXT NOT NULL,
    valid_from TEXT NOT NULL CHECK (length(valid_from) = 10),
    valid_to TEXT CHECK (valid_to IS NULL OR length(valid_to) = 10),
    branch_seq INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX units_code ON units (code);
CREATE UNIQUE INDEX units_path ON units (path);
CREATE INDEX units_parent ON units (parent_id);
CREATE INDEX units_level_code ON units (level, code);

CREATE TABLE unit_successions (
    id INTEGER PRIMARY KEY,
    predecessor_id INTEGER NOT NULL REFERENCES units(id),
    successor_id INTEGER NOT NULL REFERENCES units(id),
    share_permille INTEGER CHECK (share_permille IS NULL OR share_permille BETWEEN 1 AND 1000),
    effective_date TEXT NOT NULL CHECK (length(effective_date) = 10)
);
CREATE UNIQUE INDEX unit_successions_pair ON unit_successions (predecessor_id, successor_id);
CREATE INDEX unit_successions_successor ON unit_successions (successor_id);

CREATE TABLE clusters (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX clusters_code ON clusters (code);

CREATE TABLE cluster_memberships (
    id INTEGER PRIMARY KEY,
    cluster_id INTEGER NOT NULL REFERENCES clusters(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    valid_from TEXT NOT NULL CHECK (length(valid_from) = 10),
    valid_to TEXT CHECK (valid_to IS NULL OR length(valid_to) = 10)
);
CREATE UNIQUE INDEX cluster_memberships_current ON cluster_memberships (unit_id) WHERE valid_to IS NULL;
CREATE INDEX cluster_memberships_cluster ON cluster_memberships (cluster_id);

CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    full_name TEXT NOT NULL,
    name_folded TEXT NOT NULL,
    birth_year INTEGER CHECK (birth_year IS NULL OR birth_year BETWEEN 1900 AND 2100),
    gender TEXT CHECK (gender IS NULL OR gender IN ('female', 'male', 'other')),
    phone TEXT,
    email TEXT,
    national_id TEXT,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    password_hash TEXT,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX people_phone ON people (phone);
CREATE UNIQUE INDEX people_email ON people (email);
CREATE UNIQUE INDEX people_national_id ON people (national_id);
CREATE INDEX people_unit ON people (unit_id);

CREATE TABLE position_types (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    name_vi TEXT NOT NULL,
    name_en TEXT NOT NULL,
    permissions TEXT NOT NULL,
    builtin INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX position_types_code ON position_types (code);

CREATE TABLE positions (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    type_id INTEGER NOT NULL REFERENCES position_types(id),
    title TEXT,
    created_at INTEGER NOT NULL,
    closed_at INTEGER
);
CREATE INDEX positions_unit ON positions (unit_id);

CREATE TABLE position_holdings (
    id INTEGER PRIMARY KEY,
    position_id INTEGER NOT NULL REFERENCES positions(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    from_at INTEGER NOT NULL,
    to_at INTEGER
);
CREATE UNIQUE INDEX position_holdings_current ON position_holdings (position_id) WHERE to_at IS NULL;
CREATE INDEX position_holdings_person ON position_holdings (person_id);

CREATE TABLE sessions (
    token_hash TEXT NOT NULL PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_person ON sessions (person_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER
);
CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (token_hash);
CREATE INDEX api_tokens_person ON api_tokens (person_id);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    person_id INTEGER REFERENCES people(id),
    position_id INTEGER REFERENCES positions(id),
    unit_id INTEGER REFERENCES units(id),
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    action TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
CREATE INDEX audit_log_unit ON audit_log (unit_id);
CREATE INDEX audit_log_person ON audit_log (person_id);

-- The audit log is append-only: the database itself refuses changes.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
