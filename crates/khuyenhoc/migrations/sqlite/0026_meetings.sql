-- Issue 18, item 2: meetings (hội nghị, giao ban, tập huấn). A meeting belongs to the unit that
-- hosts it; its invited units (điểm cầu) are chosen like a document's recipients, the choice
-- kept as asked (`invitees_json`) and frozen into `meeting_units` when the invitations are sent;
-- people may be invited by name (`meeting_people`). Each điểm cầu confirms and names who
-- attends; attendance (`meeting_attendance`) is marked by the host or by a check-in with the
-- meeting's code. Documents are linked before (`meeting_documents`); the minutes are a document
-- (`minutes_document_id`). Times are Unix seconds (UTC). A person's calendar feed is reached by
-- a secret token, stored as its SHA-256 (`calendar_tokens`). The twin
-- (../postgres/0026_meetings.sql) must match (tests/schema_parity.rs).
CREATE TABLE meetings (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    kind TEXT NOT NULL CHECK (kind IN ('conference', 'briefing', 'training')),
    title TEXT NOT NULL,
    title_folded TEXT NOT NULL,
    agenda TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    place TEXT,
    room_url TEXT,
    invitees_json TEXT NOT NULL,
    invited_at INTEGER,
    checkin_code TEXT NOT NULL,
    minutes_document_id INTEGER REFERENCES documents(id),
    created_at INTEGER NOT NULL,
    created_by INTEGER REFERENCES people(id),
    CHECK (ends_at > starts_at)
);
CREATE INDEX meetings_unit ON meetings (unit_id, starts_at, id);

CREATE TABLE meeting_units (
    meeting_id INTEGER NOT NULL REFERENCES meetings(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    answer TEXT CHECK (answer IN ('attend', 'decline')),
    attendees TEXT,
    answered_at INTEGER,
    answered_by INTEGER REFERENCES people(id),
    PRIMARY KEY (meeting_id, unit_id)
);
CREATE INDEX meeting_units_unit ON meeting_units (unit_id, meeting_id);

CREATE TABLE meeting_people (
    meeting_id INTEGER NOT NULL REFERENCES meetings(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    PRIMARY KEY (meeting_id, person_id)
);
CREATE INDEX meeting_people_person ON meeting_people (person_id, meeting_id);

CREATE TABLE meeting_attendance (
    meeting_id INTEGER NOT NULL REFERENCES meetings(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    how TEXT NOT NULL CHECK (how IN ('host', 'code')),
    at INTEGER NOT NULL,
    marked_by INTEGER REFERENCES people(id),
    PRIMARY KEY (meeting_id, person_id)
);
CREATE INDEX meeting_attendance_person ON meeting_attendance (person_id, meeting_id);

CREATE TABLE meeting_documents (
    meeting_id INTEGER NOT NULL REFERENCES meetings(id),
    document_id INTEGER NOT NULL REFERENCES documents(id),
    PRIMARY KEY (meeting_id, document_id)
);

CREATE TABLE calendar_tokens (
    person_id INTEGER PRIMARY KEY REFERENCES people(id),
    token_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX calendar_tokens_hash ON calendar_tokens (token_hash);
