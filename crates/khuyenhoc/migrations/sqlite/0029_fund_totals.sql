-- Fund totals by half-year: see ../postgres/0029_fund_totals.sql. SQLite has one writer at a
-- time, so the program writes shard 0 only here; columns and key match PostgreSQL's
-- (tests/schema_parity.rs).
CREATE TABLE fund_totals (
    unit_id INTEGER NOT NULL REFERENCES units(id),
    half TEXT NOT NULL,
    account TEXT NOT NULL,
    internal INTEGER NOT NULL DEFAULT 0,
    shard INTEGER NOT NULL DEFAULT 0,
    amount INTEGER NOT NULL,
    PRIMARY KEY (unit_id, half, account, internal, shard)
);
CREATE INDEX ledger_entries_pair ON ledger_entries (pair_id) WHERE pair_id IS NOT NULL;
