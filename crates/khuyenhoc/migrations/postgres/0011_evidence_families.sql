-- Issue 15, item 6: members of a family, clan or organisation can be removed (by the head, an
-- officer in scope) or leave by themselves, and the history that past evaluations rest on stays:
-- a membership that ends keeps its row with the time it ended, who ended it and how
-- ('removed' by the head, 'left' by the member, 'officer' by an officer in scope). Member-based
-- indicators of an evaluation submitted before the end keep counting that member
-- (evaluation::score). One current membership per person and group; ended ones may repeat.
-- Evidence (item 5) needs no column: a removed file's row goes, its audit entry keeps the name.
-- The SQLite twin (../sqlite/0011_evidence_families.sql) must match (tests/schema_parity.rs).
ALTER TABLE group_members ADD COLUMN ended_at BIGINT;
ALTER TABLE group_members ADD COLUMN ended_by BIGINT REFERENCES people(id);
ALTER TABLE group_members ADD COLUMN end_reason TEXT CHECK (end_reason IN ('removed', 'left', 'officer'));
DROP INDEX group_members_pair;
CREATE UNIQUE INDEX group_members_current ON group_members (group_id, person_id) WHERE ended_at IS NULL;
