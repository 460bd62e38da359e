-- Expedited preservation requests (Budapest Convention arts. 29 and 30), sent and
-- received by the 24/7 points of contact. What the service filters on has a column;
-- the art. 29 content (offences, facts, data sought, custodian, why) is one JSON
-- object, fixed when the request is sent.
CREATE TABLE preservations (
    id TEXT PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    requesting_agency_id TEXT NOT NULL REFERENCES agencies (id),
    requesting_country TEXT NOT NULL REFERENCES countries (code),
    requested_country TEXT NOT NULL REFERENCES countries (code),
    legal_basis TEXT NOT NULL REFERENCES legal_bases (code),
    content TEXT NOT NULL,
    status TEXT NOT NULL,
    their_reference TEXT,
    -- The MLA request that followed, and the third state a partial disclosure named.
    mla_request_id TEXT REFERENCES mla_requests (id),
    third_country TEXT,
    -- When the data stops being preserved; NULL before it is preserved, after it
    -- ends, and while the MLA request that followed is decided (the time then left
    -- is kept in suspended_seconds).
    expires_at TIMESTAMP,
    suspended_seconds BIGINT,
    version INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    last_hash TEXT,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX preservations_requesting ON preservations (requesting_agency_id, id);
CREATE INDEX preservations_requesting_country ON preservations (requesting_country, id);
CREATE INDEX preservations_requested_country ON preservations (requested_country, id);
CREATE INDEX preservations_expiring ON preservations (expires_at);
CREATE INDEX preservations_mla_request ON preservations (mla_request_id);

-- Gapless preservation numbers per requesting country and year (JM-PRES-2026-000003).
CREATE TABLE preservation_counters (
    country TEXT NOT NULL,
    year INTEGER NOT NULL,
    last_value INTEGER NOT NULL,
    PRIMARY KEY (country, year)
);

-- Request histories (custody log spec §5) hold the entries of MLA requests and of
-- preservations alike: request_id names either. The table is rebuilt without its
-- foreign key to mla_requests (SQLite cannot drop a constraint); the implicit
-- delete of DROP TABLE fires no trigger, and every entry is copied unchanged.
CREATE TABLE request_entries_new (
    log_index BIGINT PRIMARY KEY NOT NULL,
    request_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    entry_type TEXT NOT NULL,
    canonical TEXT NOT NULL,
    entry_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (request_id, seq)
);
INSERT INTO request_entries_new SELECT log_index, request_id, seq, entry_type, canonical, entry_hash, created_at FROM request_entries;
DROP TABLE request_entries;
ALTER TABLE request_entries_new RENAME TO request_entries;
CREATE TRIGGER request_entries_no_update BEFORE UPDATE ON request_entries
BEGIN
    SELECT RAISE(ABORT, 'request_entries is append-only');
END;
CREATE TRIGGER request_entries_no_delete BEFORE DELETE ON request_entries
BEGIN
    SELECT RAISE(ABORT, 'request_entries is append-only');
END;
