-- Fund totals by half-year (funds::totals): the sum of the ledger lines of every fund in a
-- unit's subtree (today's structure, as the consolidated report reads it) per half-year and
-- account, kept at the fund's unit and at each unit above it in the same transaction as the
-- posting. Transfer lines are kept apart by `internal`: 1 when the fund on the other side lies
-- in the same unit's subtree (eliminated in that unit's consolidated report), 0 otherwise.
-- Rows of ancestors are spread over shards like `counters` (0005); a total is the sum over its
-- shards. `khuyenhoc recount` rebuilds them from the lines.
-- The SQLite twin (../sqlite/0029_fund_totals.sql) must match (tests/schema_parity.rs).
CREATE TABLE fund_totals (
    unit_id BIGINT NOT NULL REFERENCES units(id),
    half TEXT NOT NULL,
    account TEXT NOT NULL,
    internal BIGINT NOT NULL DEFAULT 0,
    shard BIGINT NOT NULL DEFAULT 0,
    amount BIGINT NOT NULL,
    PRIMARY KEY (unit_id, half, account, internal, shard)
);
-- The receiving half of a transfer names the sending one (pair_id): found from the sender.
CREATE INDEX ledger_entries_pair ON ledger_entries (pair_id) WHERE pair_id IS NOT NULL;
