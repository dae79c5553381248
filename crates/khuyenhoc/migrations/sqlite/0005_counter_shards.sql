-- Counter shards: see ../postgres/0005_counter_shards.sql. SQLite has one writer at a time, so
-- the program writes shard 0 only here; the column and key match PostgreSQL's
-- (tests/schema_parity.rs). SQLite cannot change a primary key in place: the table is rebuilt.
CREATE TABLE counters_sharded (
    unit_id INTEGER NOT NULL REFERENCES units(id),
    period TEXT NOT NULL,
    metric TEXT NOT NULL,
    value INTEGER NOT NULL,
    shard INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, period, metric, shard)
);
INSERT INTO counters_sharded (unit_id, period, metric, value, shard)
    SELECT unit_id, period, metric, value, 0 FROM counters;
DROP TABLE counters;
ALTER TABLE counters_sharded RENAME TO counters;
