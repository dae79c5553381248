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
