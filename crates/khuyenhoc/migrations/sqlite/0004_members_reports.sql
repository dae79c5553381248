-- Members, populations, live counters and the half-year/year reports.
-- The PostgreSQL twin (../postgres/0004_members_reports.sql) must match (tests/schema_parity.rs).

-- A person is a member (hội viên) at most once; the branch is where the member is now, and
-- member_transfers keeps where they were before.
CREATE TABLE members (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    branch_id INTEGER NOT NULL REFERENCES units(id),
    card_no TEXT,
    joined_on TEXT NOT NULL CHECK (length(joined_on) = 10),
    status TEXT NOT NULL CHECK (status IN ('active', 'left', 'deceased')),
    status_on TEXT CHECK (status_on IS NULL OR length(status_on) = 10),
    sectors TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX members_person ON members (person_id);
CREATE INDEX members_branch ON members (branch_id, status);

CREATE TABLE member_transfers (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members(id),
    from_branch_id INTEGER NOT NULL REFERENCES units(id),
    to_branch_id INTEGER NOT NULL REFERENCES units(id),
    on_date TEXT NOT NULL CHECK (length(on_date) = 10),
    reason TEXT,
    person_id INTEGER REFERENCES people(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX member_transfers_member ON member_transfers (member_id);

-- A membership fee (hội phí) is a ledger receipt of the branch's fund; this links it to the member.
CREATE TABLE member_fees (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members(id),
    entry_id INTEGER NOT NULL REFERENCES ledger_entries(id),
    year INTEGER NOT NULL,
    amount INTEGER NOT NULL CHECK (amount > 0),
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX member_fees_entry ON member_fees (entry_id);
CREATE INDEX member_fees_member ON member_fees (member_id, year);

CREATE TABLE unit_populations (
    unit_id INTEGER NOT NULL REFERENCES units(id),
    year INTEGER NOT NULL,
    population INTEGER NOT NULL CHECK (population >= 0),
    updated_at INTEGER NOT NULL,
    updated_by INTEGER REFERENCES people(id),
    PRIMARY KEY (unit_id, year)
);

-- Live totals per unit, period and metric, kept at the unit and at each of its ancestors in the
-- same transaction as the change (reports::counters), so a national figure is a read of a few
-- rows. period: '' for stocks (members now), 'YYYY' for a year, 'YYYY-H1' / 'YYYY-H2' for flows.
CREATE TABLE counters (
    unit_id INTEGER NOT NULL REFERENCES units(id),
    period TEXT NOT NULL,
    metric TEXT NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (unit_id, period, metric)
);

-- Report templates as data (TOML): the national template and each province's extra indicators.
CREATE TABLE report_templates (
    id INTEGER PRIMARY KEY,
    owner_code TEXT NOT NULL,
    version INTEGER NOT NULL,
    source TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by INTEGER REFERENCES people(id)
);
CREATE UNIQUE INDEX report_templates_version ON report_templates (owner_code, version);

-- One report per unit and period ('YYYY-H1' or 'YYYY-Y'). entries holds what the unit typed
-- (numbers, narratives, overrides with their reasons); snapshot is every value frozen at
-- submission.
CREATE TABLE reports (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    period TEXT NOT NULL,
    templates TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'returned', 'accepted')),
    entries TEXT NOT NULL,
    snapshot TEXT,
    number_symbol TEXT,
    signer_name TEXT,
    submitted_at INTEGER,
    decided_at INTEGER,
    return_reason TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX reports_unit_period ON reports (unit_id, period);
CREATE INDEX reports_period ON reports (period);

CREATE TABLE report_events (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports(id),
    at INTEGER NOT NULL,
    person_id INTEGER REFERENCES people(id),
    position_id INTEGER REFERENCES positions(id),
    action TEXT NOT NULL,
    note TEXT
);
CREATE INDEX report_events_report ON report_events (report_id);
