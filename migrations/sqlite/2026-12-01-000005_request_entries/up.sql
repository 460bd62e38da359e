-- The history of each request: entries of the one signed log (custody log spec §5),
-- hash-chained per request, never changed.
ALTER TABLE mla_requests ADD COLUMN last_seq INTEGER NOT NULL DEFAULT -1;
ALTER TABLE mla_requests ADD COLUMN last_hash TEXT;
ALTER TABLE mla_requests ADD COLUMN executing_agency_id TEXT REFERENCES agencies (id);
-- The deadlines now running, computed from the legal basis and the history at each
-- event (NULL: none set, not yet started, met, or paused).
ALTER TABLE mla_requests ADD COLUMN acknowledge_by TIMESTAMP;
ALTER TABLE mla_requests ADD COLUMN decide_by TIMESTAMP;
ALTER TABLE mla_requests ADD COLUMN execute_by TIMESTAMP;

CREATE TABLE request_entries (
    log_index BIGINT PRIMARY KEY NOT NULL,
    request_id TEXT NOT NULL REFERENCES mla_requests (id),
    seq INTEGER NOT NULL,
    entry_type TEXT NOT NULL,
    canonical TEXT NOT NULL,
    entry_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (request_id, seq)
);

CREATE TRIGGER request_entries_no_update BEFORE UPDATE ON request_entries
BEGIN
    SELECT RAISE(ABORT, 'request_entries is append-only');
END;
CREATE TRIGGER request_entries_no_delete BEFORE DELETE ON request_entries
BEGIN
    SELECT RAISE(ABORT, 'request_entries is append-only');
END;
