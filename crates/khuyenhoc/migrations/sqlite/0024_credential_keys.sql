-- Credentials that verify elsewhere (issue 19). The signing key lives in a file or an
-- environment variable, never in the database: the secret column goes (a key stored by an
-- earlier version is dropped; `khuyenhoc credentials reissue` signs again with the configured
-- key). `signing_keys` keeps the public key of every key that ever signed, for the DID documents.
ALTER TABLE signing_keys DROP COLUMN secret_key;
CREATE UNIQUE INDEX signing_keys_public ON signing_keys (public_key);

-- One bit of an issuing unit's revocation status list (W3C Bitstring Status List) per issued
-- credential: `idx` is its statusListIndex; `revoked_at` set when the certificate is revoked,
-- or when its credential is replaced by a reissued one.
CREATE TABLE credential_status (
    issuer TEXT NOT NULL,
    idx INTEGER NOT NULL,
    certificate_code TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER,
    PRIMARY KEY (issuer, idx)
);
CREATE INDEX credential_status_code ON credential_status (certificate_code);

-- The next free bit of each issuing unit's list: taken by an UPDATE, so two recognitions at
-- once (PostgreSQL) wait for each other instead of taking the same bit.
CREATE TABLE credential_status_next (
    issuer TEXT PRIMARY KEY,
    next_idx INTEGER NOT NULL
);
