-- Issue 17: how the share of a succession link was decided. `share_rule` is what a province
-- officer chose for a split commune: 'set' (the shares typed, in `share_permille`), 'population'
-- (from `piece_population`, the people of the piece) or 'equal'; NULL until someone chose, when
-- the rule in force is population if every piece's population is known, otherwise equal
-- (`reports::shares`). `shares_set_by` / `shares_set_at` say who chose and when.
-- The twin (../sqlite/0019_succession_shares.sql) must match (tests/schema_parity.rs).
ALTER TABLE unit_successions ADD COLUMN share_rule TEXT CHECK (share_rule IS NULL OR share_rule IN ('population', 'equal', 'set'));
ALTER TABLE unit_successions ADD COLUMN piece_population BIGINT CHECK (piece_population IS NULL OR piece_population >= 0);
ALTER TABLE unit_successions ADD COLUMN shares_set_by BIGINT REFERENCES people(id);
ALTER TABLE unit_successions ADD COLUMN shares_set_at BIGINT;
