-- Study-promotion funds: funds of any unit, donors, programmes and nominations, and an
-- append-only double-entry ledger with gap-free voucher numbers per fund, year and kind.
-- The PostgreSQL twin (../postgres/0003_funds.sql) must match (tests/schema_parity.rs).

CREATE TABLE funds (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('general', 'scholarship', 'named')),
    public INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX funds_unit_code ON funds (unit_id, code);

CREATE TABLE donors (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    kind TEXT NOT NULL CHECK (kind IN ('person', 'organisation', 'anonymous')),
    name TEXT NOT NULL,
    phone TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX donors_unit ON donors (unit_id);

CREATE TABLE programmes (
    id INTEGER PRIMARY KEY,
    fund_id INTEGER NOT NULL REFERENCES funds(id),
    kind TEXT NOT NULL CHECK (kind IN ('scholarship', 'award')),
    name TEXT NOT NULL,
    target_group TEXT NOT NULL,
    criteria TEXT NOT NULL,
    amount_each INTEGER NOT NULL CHECK (amount_each > 0),
    budget INTEGER,
    status TEXT NOT NULL CHECK (status IN ('nominating', 'selecting', 'paying', 'published')),
    show_full_names INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE INDEX programmes_fund ON programmes (fund_id);

CREATE TABLE pledges (
    id INTEGER PRIMARY KEY,
    fund_id INTEGER NOT NULL REFERENCES funds(id),
    donor_id INTEGER NOT NULL REFERENCES donors(id),
    amount INTEGER NOT NULL CHECK (amount > 0),
    due_on TEXT CHECK (due_on IS NULL OR length(due_on) = 10),
    note TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX pledges_fund ON pledges (fund_id);

-- One row per movement. Never updated or deleted (triggers below); a mistake is corrected by a
-- reversing entry (reverses_id); a transfer is two entries, one in each fund (pair_id).
CREATE TABLE ledger_entries (
    id INTEGER PRIMARY KEY,
    fund_id INTEGER NOT NULL REFERENCES funds(id),
    kind TEXT NOT NULL,
    occurred_on TEXT NOT NULL CHECK (length(occurred_on) = 10),
    description TEXT NOT NULL,
    donor_id INTEGER REFERENCES donors(id),
    pledge_id INTEGER REFERENCES pledges(id),
    programme_id INTEGER REFERENCES programmes(id),
    voucher_no TEXT,
    reverses_id INTEGER REFERENCES ledger_entries(id),
    pair_id INTEGER REFERENCES ledger_entries(id),
    in_kind_note TEXT,
    idempotency_key TEXT,
    person_id INTEGER REFERENCES people(id),
    position_id INTEGER REFERENCES positions(id),
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX ledger_entries_voucher ON ledger_entries (fund_id, voucher_no);
CREATE UNIQUE INDEX ledger_entries_reverses ON ledger_entries (reverses_id);
CREATE UNIQUE INDEX ledger_entries_idempotency ON ledger_entries (person_id, idempotency_key);
CREATE INDEX ledger_entries_fund_date ON ledger_entries (fund_id, occurred_on);

CREATE TABLE ledger_lines (
    id INTEGER PRIMARY KEY,
    entry_id INTEGER NOT NULL REFERENCES ledger_entries(id),
    fund_id INTEGER NOT NULL REFERENCES funds(id),
    account TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount <> 0)
);
CREATE INDEX ledger_lines_entry ON ledger_lines (entry_id);
CREATE INDEX ledger_lines_fund ON ledger_lines (fund_id, account);

-- The last voucher number per fund, year and kind (PT receipts, PC payments), advanced in the
-- posting transaction so numbers have no gaps and no duplicates.
CREATE TABLE voucher_counters (
    fund_id INTEGER NOT NULL REFERENCES funds(id),
    year INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('PT', 'PC')),
    last_no INTEGER NOT NULL,
    PRIMARY KEY (fund_id, year, kind)
);

CREATE TABLE nominations (
    id INTEGER PRIMARY KEY,
    programme_id INTEGER NOT NULL REFERENCES programmes(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    full_name TEXT NOT NULL,
    birth_year INTEGER,
    minor INTEGER NOT NULL DEFAULT 0,
    school TEXT,
    reason TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('nominated', 'selected', 'rejected', 'paid')),
    decision_reason TEXT,
    payment_entry_id INTEGER REFERENCES ledger_entries(id),
    created_at INTEGER NOT NULL,
    created_by INTEGER REFERENCES people(id)
);
CREATE INDEX nominations_programme ON nominations (programme_id);

CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger entries are never changed: post a reversing entry');
END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger entries are never deleted: post a reversing entry');
END;
CREATE TRIGGER ledger_lines_no_update BEFORE UPDATE ON ledger_lines
BEGIN
    SELECT RAISE(ABORT, 'ledger lines are never changed');
END;
CREATE TRIGGER ledger_lines_no_delete BEFORE DELETE ON ledger_lines
BEGIN
    SELECT RAISE(ABORT, 'ledger lines are never deleted');
END;
