-- Issue 16, item 1: lists that scale for funds. A ledger entry is never changed, so its search
-- text lives beside it: `ledger_entry_search.folded` is the description and the donor's name
-- folded (no diacritics, lower case, "đ" as "d"), written with every entry; entries made before
-- this migration are filled at start-up by `funds::entries::backfill`. The keyset index serves
-- a fund's ledger newest first (by day, then id).
-- The twin (../postgres/0015_fund_lists.sql) must match (tests/schema_parity.rs).
CREATE TABLE ledger_entry_search (
    entry_id INTEGER PRIMARY KEY REFERENCES ledger_entries(id),
    fund_id INTEGER NOT NULL REFERENCES funds(id),
    folded TEXT NOT NULL
);
CREATE INDEX ledger_entry_search_fund ON ledger_entry_search (fund_id);
CREATE INDEX ledger_entries_fund_day_id ON ledger_entries (fund_id, occurred_on, id);
