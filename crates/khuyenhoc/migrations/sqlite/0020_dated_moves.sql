-- Issue 17 item 6: dated moves. `units.parent_id` and `units.path` hold the links in force
-- today; each link a move replaced is kept here with its lifetime: the unit hung under
-- `parent_id` at `path` from `valid_from` until `valid_to` (exclusive, the move's effective
-- date). A unit never moved has no row, so every writer of `units` (imports, the old map) keeps
-- working unchanged; "the parent of U on D" is the row of U covering D, else `units.parent_id`.
-- The twin (../postgres/0020_dated_moves.sql) must match (tests/schema_parity.rs).
CREATE TABLE unit_parent_links (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    parent_id INTEGER NOT NULL REFERENCES units(id),
    path TEXT NOT NULL,
    valid_from TEXT NOT NULL CHECK (length(valid_from) = 10),
    valid_to TEXT NOT NULL CHECK (length(valid_to) = 10),
    CHECK (valid_from < valid_to)
);
CREATE INDEX unit_parent_links_unit ON unit_parent_links (unit_id, valid_to);
CREATE INDEX unit_parent_links_parent ON unit_parent_links (parent_id, valid_to);
CREATE INDEX unit_parent_links_to ON unit_parent_links (valid_to);

-- Issue 17 item 4: figures from before the program, per old unit (a commune or district of the
-- map before 1 July 2025) and half-year (2023-H1 .. 2025-H1), as a province loaded them
-- (`reports::old_figures`). They are also in the live counters of the unit and its ancestors
-- (so they are carried to the successors like any figure); this table is what a new workbook
-- replaces, and what `recount` rebuilds those counters from.
CREATE TABLE old_figures (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    period TEXT NOT NULL CHECK (length(period) = 7),
    metric TEXT NOT NULL,
    value INTEGER NOT NULL CHECK (value >= 0),
    import_sha256 TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX old_figures_unit_period_metric ON old_figures (unit_id, period, metric);
