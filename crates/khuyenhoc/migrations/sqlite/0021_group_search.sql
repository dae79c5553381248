-- Issue 16: a unit's groups searched by the group's name as well as its head's.
-- `learning_groups.name_folded` is the name folded for search (no diacritics, lower case, "đ"
-- as "d"), written when a group is created; rows made before this migration (or written by the
-- generator) are filled at start-up by `evaluation::groups::list::backfill`.
-- The twin (../postgres/0021_group_search.sql) must match (tests/schema_parity.rs).
ALTER TABLE learning_groups ADD COLUMN name_folded TEXT;
