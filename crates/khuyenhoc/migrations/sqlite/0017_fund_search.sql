-- Issue 16: lists that scale for funds and pledges. `funds.name_folded` and
-- `donors.name_folded` are the names folded for search (no diacritics, lower case, "đ" as "d"),
-- written when a fund or donor is created; rows made before this migration are filled at
-- start-up by `funds::model::backfill`. The index serves a unit's funds in name order.
-- The twin (../postgres/0017_fund_search.sql) must match (tests/schema_parity.rs).
ALTER TABLE funds ADD COLUMN name_folded TEXT;
ALTER TABLE donors ADD COLUMN name_folded TEXT;
CREATE INDEX funds_unit_name ON funds (unit_id, name_folded, id);
