-- Service providers (telecom operators, ISPs, hosting companies, registrars, platforms,
-- banks) that take orders directly (Second Additional Protocol, arts. 6-9). A provider
-- is an agency of kind `provider` in the state where it is established; this row holds
-- what only providers have. Contacts are JSON objects, `accepts` a JSON array of the
-- order types it takes directly.
CREATE TABLE providers (
    agency_id TEXT PRIMARY KEY NOT NULL REFERENCES agencies (id),
    provider_kind TEXT NOT NULL,
    legal_contact TEXT NOT NULL,
    emergency_contact TEXT NOT NULL,
    accepts TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
