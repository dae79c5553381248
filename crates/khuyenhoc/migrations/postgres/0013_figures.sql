-- Issue 16, item 4: figures that are right.
-- A revoked title counts nowhere: revoking an evaluation's certificate marks the evaluation
-- (`revoked_at`, Unix seconds) in the same transaction that takes it out of the live counters,
-- and every count of recognised titles (counters, recount, a family's share of learning
-- citizens, a unit's 90 % rule, the statistics) reads `status = 'recognised' AND revoked_at IS
-- NULL`. A certificate reissued with a corrected name is not a revoked title.
-- The national targets count against the right population: a unit's yearly population data also
-- holds its households (families), clans, village communities (villages and residential groups)
-- and organisations; each is NULL until recorded, and a share without it is shown as missing.
-- The SQLite twin (../sqlite/0013_figures.sql) must match (tests/schema_parity.rs).
ALTER TABLE evaluations ADD COLUMN revoked_at BIGINT;
ALTER TABLE unit_populations ADD COLUMN households BIGINT CHECK (households IS NULL OR households >= 0);
ALTER TABLE unit_populations ADD COLUMN clans BIGINT CHECK (clans IS NULL OR clans >= 0);
ALTER TABLE unit_populations ADD COLUMN communities BIGINT CHECK (communities IS NULL OR communities >= 0);
ALTER TABLE unit_populations ADD COLUMN organisations BIGINT CHECK (organisations IS NULL OR organisations >= 0);
-- Item 9: what waits for whom. `eval.checked.<model>` counts the evaluations a branch has
-- checked (waiting for the commune's review), beside `eval.pending.<model>` (submitted or
-- checked): a branch's own queue is the difference. Filled here for the evaluations already
-- checked, at each unit and its ancestors (shard 0), as reports::counters would have.
INSERT INTO counters (unit_id, period, metric, shard, value)
SELECT a.id, CAST(e.year AS TEXT), 'eval.checked.' || e.model, 0, COUNT(*)
FROM evaluations e JOIN units u ON u.id = e.unit_id
JOIN units a ON substr(u.path, 1, length(a.path)) = a.path
WHERE e.status = 'checked'
GROUP BY a.id, e.year, e.model;
