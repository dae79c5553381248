-- Issue 16, item 1: lists that scale beyond the worklist. Each list is read by key, and these
-- indexes serve its order after its filter: a unit's people by folded name, a unit's
-- registrations of one status oldest first, a person's notices newest first.
-- `notices.text_folded` is the notice's Vietnamese text folded for search (no diacritics, lower
-- case, "đ" as "d"), written with every notice; older notices are filled at start-up by
-- `notify::model::backfill`.
-- The twin (../postgres/0015_lists.sql) must match (tests/schema_parity.rs).
ALTER TABLE notices ADD COLUMN text_folded TEXT;
CREATE INDEX notices_person_id ON notices (person_id, id);
CREATE INDEX people_unit_name ON people (unit_id, name_folded, id);
CREATE INDEX registrations_unit_status_created ON registrations (unit_id, status, created_at, id);
