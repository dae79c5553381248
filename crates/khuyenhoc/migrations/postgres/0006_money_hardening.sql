-- Issue 14: retries that cannot post twice, and funds that are not overdrawn unless allowed.
-- The SQLite twin (../sqlite/0006_money_hardening.sql) must match (tests/schema_parity.rs).

-- An idempotency key as a person used it: the hash of the request it came with (method and
-- route, the target, the canonical body) and what that request produced (its ids, as JSON).
-- The same key with the same request answers that outcome again; with another request it is
-- refused. Keys expire after 24 hours (funds::idempotency), after which a person may use one
-- again. The ledger still notes the key on the entry a request posted (the first, when it
-- posted several), no longer unique; keys noted before this migration are not carried over.
CREATE TABLE idempotency_keys (
    person_id BIGINT NOT NULL REFERENCES people(id),
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    outcome TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (person_id, idempotency_key)
);

-- 1 when the fund may pay out more than it holds (a payment is otherwise refused).
ALTER TABLE funds ADD COLUMN overdraft BIGINT NOT NULL DEFAULT 0;

DROP INDEX ledger_entries_idempotency;
CREATE INDEX ledger_entries_idempotency ON ledger_entries (person_id, idempotency_key);
