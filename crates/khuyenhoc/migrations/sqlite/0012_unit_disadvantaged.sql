-- Issue 16, item 3: whether a commune lies in an especially difficult, ethnic-minority or
-- mountainous area is data, dated by year, with its history. Every mark or unmark (by a province
-- or central officer, or from the central office's import of an official list) adds a row; the
-- flag in force for (commune, year) is the row of that commune and year with the greatest id, and
-- a commune without a row for a year is not marked that year. Rows are never changed: the
-- history is the table (and the audit log). The 0/1 column `units.disadvantaged`, which nothing
-- in the program ever set, goes.
-- The PostgreSQL twin (../postgres/0012_unit_disadvantaged.sql) must match (tests/schema_parity.rs).
CREATE TABLE unit_disadvantaged (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    year INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    disadvantaged INTEGER NOT NULL CHECK (disadvantaged IN (0, 1)),
    source TEXT NOT NULL,
    via TEXT NOT NULL CHECK (via IN ('officer', 'import')),
    import_sha256 TEXT,
    set_by INTEGER REFERENCES people(id),
    set_position INTEGER REFERENCES positions(id),
    set_at INTEGER NOT NULL
);
CREATE INDEX unit_disadvantaged_unit_year ON unit_disadvantaged (unit_id, year, id);
ALTER TABLE units DROP COLUMN disadvantaged;
