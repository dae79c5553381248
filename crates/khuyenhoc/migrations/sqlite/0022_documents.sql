-- Issue 18, item 1: documents (văn bản). The PostgreSQL twin (../postgres/0022_documents.sql)
-- must match (tests/schema_parity.rs).

-- An outgoing document of an issuing unit: a draft, signed by the holder of the signer
-- position, then issued (number, symbol, year and date given at issue), perhaps recalled.
-- summary_folded: the trích yếu and the symbol folded for search (no diacritics, "đ" as "d").
CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    type_code TEXT NOT NULL,
    summary TEXT NOT NULL,
    summary_folded TEXT NOT NULL,
    signer_position_id INTEGER NOT NULL REFERENCES positions(id),
    urgency TEXT NOT NULL CHECK (urgency IN ('normal', 'urgent', 'very_urgent', 'flash')),
    reply_due TEXT CHECK (reply_due IS NULL OR length(reply_due) = 10),
    recipients_json TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('draft', 'signed', 'issued', 'recalled')),
    year INTEGER,
    number INTEGER,
    symbol TEXT,
    issued_on TEXT CHECK (issued_on IS NULL OR length(issued_on) = 10),
    created_by INTEGER NOT NULL REFERENCES people(id),
    created_at INTEGER NOT NULL,
    signed_by INTEGER REFERENCES people(id),
    signed_at INTEGER,
    issued_at INTEGER,
    recalled_at INTEGER,
    recall_reason TEXT
);
CREATE UNIQUE INDEX documents_number ON documents (unit_id, year, number);
CREATE INDEX documents_unit ON documents (unit_id, id);

-- The last number given in a unit's register of a year: 'out' (documents it issued) or 'in'
-- (documents it received). Moved by one UPDATE in the transaction that gives the number, so the
-- numbers are gapless and unique under concurrent issues.
CREATE TABLE document_counters (
    unit_id INTEGER NOT NULL REFERENCES units(id),
    year INTEGER NOT NULL,
    register TEXT NOT NULL CHECK (register IN ('out', 'in')),
    last_number INTEGER NOT NULL
);
CREATE UNIQUE INDEX document_counters_key ON document_counters (unit_id, year, register);

-- One row per receiving unit, frozen at issue (or made by a forward: via_unit_id is the unit
-- that forwarded it), with its entry number in the unit's incoming register of the year.
CREATE TABLE document_recipients (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    via_unit_id INTEGER REFERENCES units(id),
    year INTEGER NOT NULL,
    entry_number INTEGER NOT NULL,
    unit_name_folded TEXT NOT NULL,
    delivered_at INTEGER NOT NULL,
    opened_at INTEGER,
    opened_by INTEGER REFERENCES people(id),
    acknowledged_at INTEGER,
    acknowledged_by INTEGER REFERENCES people(id),
    replied_at INTEGER,
    replied_by INTEGER REFERENCES people(id),
    reply_text TEXT,
    reminded_at INTEGER
);
CREATE UNIQUE INDEX document_recipients_unit ON document_recipients (document_id, unit_id);
CREATE UNIQUE INDEX document_recipients_entry ON document_recipients (unit_id, year, entry_number);
CREATE INDEX document_recipients_via ON document_recipients (document_id, via_unit_id, id);
CREATE INDEX document_recipients_register ON document_recipients (unit_id, id);

-- Files of a document (recipient_id NULL) or of a recipient's reply, in the file store.
CREATE TABLE document_files (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    recipient_id INTEGER REFERENCES document_recipients(id),
    file_key TEXT NOT NULL,
    file_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    uploaded_by INTEGER NOT NULL REFERENCES people(id),
    uploaded_at INTEGER NOT NULL
);
CREATE INDEX document_files_document ON document_files (document_id, id);
