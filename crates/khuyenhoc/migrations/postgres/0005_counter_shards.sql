-- Counter shards. Every submission, posting and member change in the country adds to the
-- counters of the centre and of its province: on PostgreSQL those few rows were locked by each
-- writing transaction until its commit, so concurrent writers queued behind each other. The
-- counters of ancestors are now spread over a few shards (reports::counters picks one per
-- transaction); a counter's value is the sum over its shards, and every reader sums.
-- The SQLite twin (../sqlite/0005_counter_shards.sql) must match (tests/schema_parity.rs).
ALTER TABLE counters ADD COLUMN shard BIGINT NOT NULL DEFAULT 0;
ALTER TABLE counters DROP CONSTRAINT counters_pkey;
ALTER TABLE counters ADD PRIMARY KEY (unit_id, period, metric, shard);
