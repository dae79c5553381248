-- Units with a lifetime (issue 17): an official code is unique only among the units valid on
-- the same day (31120 was Phường An Hòa until 30/06/2025 and is Phường Cái Khế since), so the
-- unique index on `code` gives way to one on (code, valid_from), which also serves every
-- lookup by code and date; and the districts (abolished on 1 July 2025) become a level.
--
-- SQLite cannot alter a CHECK constraint: the table is rebuilt the way
-- https://www.sqlite.org/lang_altertable.html ("Making Other Kinds Of Table Schema Changes")
-- says, keeping every id so the ~25 tables that reference units stay right. Foreign keys are
-- off while migrations run on SQLite (`Db::migrate`, which runs `PRAGMA foreign_key_check`
-- after them), as that procedure requires.
CREATE TABLE units_new (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('central', 'province', 'district', 'commune', 'branch')),
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
INSERT INTO units_new (id, code, level, kind, name, name_folded, parent_id, path, valid_from, valid_to, branch_seq, created_at)
    SELECT id, code, level, kind, name, name_folded, parent_id, path, valid_from, valid_to, branch_seq, created_at FROM units;
DROP TABLE units;
ALTER TABLE units_new RENAME TO units;
CREATE UNIQUE INDEX units_code_from ON units (code, valid_from);
CREATE UNIQUE INDEX units_path ON units (path);
CREATE INDEX units_parent ON units (parent_id);
CREATE INDEX units_level_code ON units (level, code);
