-- Issue 18, item 3: cooperation programmes (chương trình phối hợp) with partner organisations.
-- A unit keeps a register of its partners (`coop_partners`, searched by `name_folded`); a
-- programme belongs to the unit that signed it, names one or more partners, covers units of the
-- owner's subtree (`coop_programme_units`, one row per unit: a level chosen is stored as its
-- units), and foresees commitments (a party, a due day, done on a day or late) and reviews
-- (sơ kết 'interim', tổng kết 'final': due on a day, held on a day with their results).
-- Attachments (`coop_files`) are kept in the file store (`files/`) under `object_key`.
-- Days are YYYY-MM-DD text. The twin (../postgres/0023_cooperation.sql) must match
-- (tests/schema_parity.rs).
CREATE TABLE coop_partners (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    kind TEXT NOT NULL CHECK (kind IN ('armed_forces', 'mass_org', 'agency', 'firm', 'school', 'other')),
    name TEXT NOT NULL,
    name_folded TEXT NOT NULL,
    contact TEXT,
    created_at INTEGER NOT NULL,
    created_by INTEGER REFERENCES people(id)
);
CREATE INDEX coop_partners_unit ON coop_partners (unit_id, name_folded, id);

CREATE TABLE coop_programmes (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    title TEXT NOT NULL,
    title_folded TEXT NOT NULL,
    signed_on TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by INTEGER REFERENCES people(id),
    CHECK (ends_on >= starts_on)
);
CREATE INDEX coop_programmes_unit ON coop_programmes (unit_id, title_folded, id);

CREATE TABLE coop_programme_partners (
    programme_id INTEGER NOT NULL REFERENCES coop_programmes(id),
    partner_id INTEGER NOT NULL REFERENCES coop_partners(id),
    PRIMARY KEY (programme_id, partner_id)
);
CREATE INDEX coop_programme_partners_partner ON coop_programme_partners (partner_id);

CREATE TABLE coop_programme_units (
    programme_id INTEGER NOT NULL REFERENCES coop_programmes(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    PRIMARY KEY (programme_id, unit_id)
);
CREATE INDEX coop_programme_units_unit ON coop_programme_units (unit_id, programme_id);

CREATE TABLE coop_commitments (
    id INTEGER PRIMARY KEY,
    programme_id INTEGER NOT NULL REFERENCES coop_programmes(id),
    what TEXT NOT NULL,
    partner_id INTEGER REFERENCES coop_partners(id),
    due_on TEXT NOT NULL,
    done_on TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX coop_commitments_programme ON coop_commitments (programme_id, due_on, id);

CREATE TABLE coop_reviews (
    id INTEGER PRIMARY KEY,
    programme_id INTEGER NOT NULL REFERENCES coop_programmes(id),
    kind TEXT NOT NULL CHECK (kind IN ('interim', 'final')),
    due_on TEXT NOT NULL,
    held_on TEXT,
    results TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX coop_reviews_programme ON coop_reviews (programme_id, due_on, id);
CREATE INDEX coop_reviews_waiting ON coop_reviews (due_on) WHERE held_on IS NULL;

CREATE TABLE coop_files (
    id INTEGER PRIMARY KEY,
    programme_id INTEGER NOT NULL REFERENCES coop_programmes(id),
    review_id INTEGER REFERENCES coop_reviews(id),
    object_key TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    created_by INTEGER REFERENCES people(id)
);
CREATE INDEX coop_files_programme ON coop_files (programme_id, id);
