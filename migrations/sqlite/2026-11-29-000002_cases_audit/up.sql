-- Cases shared on a need-to-know basis, idempotent writes, and the audit trail.

CREATE TABLE cases (
    id TEXT PRIMARY KEY NOT NULL,
    reference TEXT NOT NULL UNIQUE,
    owner_agency_id TEXT NOT NULL REFERENCES agencies (id),
    owner_country TEXT NOT NULL REFERENCES countries (code),
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    offences TEXT NOT NULL,
    priority TEXT NOT NULL,
    status TEXT NOT NULL,
    lead_investigator_id TEXT REFERENCES users (id),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL
);
CREATE INDEX cases_owner_agency ON cases (owner_agency_id, id);
CREATE INDEX cases_owner_country ON cases (owner_country, id);
CREATE INDEX cases_status ON cases (status, id);
CREATE INDEX cases_created_at ON cases (created_at);

-- Substring search in references and titles: an FTS5 trigram index (SQLite's
-- counterpart of PostgreSQL's pg_trgm), kept in step with `cases` by triggers.
CREATE VIRTUAL TABLE cases_search USING fts5(
    reference, title, content = 'cases', content_rowid = 'rowid', tokenize = 'trigram'
);
CREATE TRIGGER cases_search_insert AFTER INSERT ON cases BEGIN
    INSERT INTO cases_search (rowid, reference, title) VALUES (new.rowid, new.reference, new.title);
END;
CREATE TRIGGER cases_search_update AFTER UPDATE OF reference, title ON cases BEGIN
    INSERT INTO cases_search (cases_search, rowid, reference, title)
        VALUES ('delete', old.rowid, old.reference, old.title);
    INSERT INTO cases_search (rowid, reference, title) VALUES (new.rowid, new.reference, new.title);
END;
CREATE TRIGGER cases_search_delete AFTER DELETE ON cases BEGIN
    INSERT INTO cases_search (cases_search, rowid, reference, title)
        VALUES ('delete', old.rowid, old.reference, old.title);
END;

-- One row per offence of a case, so that filtering by offence uses an index.
CREATE TABLE case_offences (
    case_id TEXT NOT NULL REFERENCES cases (id),
    offence TEXT NOT NULL,
    PRIMARY KEY (case_id, offence)
);
CREATE INDEX case_offences_offence ON case_offences (offence, case_id);

CREATE TABLE case_participants (
    case_id TEXT NOT NULL REFERENCES cases (id),
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    access TEXT NOT NULL,
    granted_by TEXT NOT NULL REFERENCES users (id),
    granted_at TIMESTAMP NOT NULL,
    PRIMARY KEY (case_id, agency_id)
);
CREATE INDEX case_participants_agency ON case_participants (agency_id, case_id);

CREATE TABLE case_external_refs (
    system TEXT NOT NULL,
    external_id TEXT NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (system, external_id)
);
CREATE INDEX case_external_refs_case ON case_external_refs (case_id);

-- Gapless case numbers: one counter per country and year, incremented in the
-- transaction that creates the case.
CREATE TABLE case_reference_counters (
    country TEXT NOT NULL,
    year INTEGER NOT NULL,
    last_value INTEGER NOT NULL,
    PRIMARY KEY (country, year)
);

CREATE TABLE idempotency_keys (
    user_id TEXT NOT NULL REFERENCES users (id),
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    response TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, idempotency_key)
);

-- The audit trail: one hash chain over JCS-canonical entries (stored verbatim in
-- `entry`); the other columns repeat members of the entry for filtering.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    actor_user_id TEXT,
    actor_agency_id TEXT,
    actor_country TEXT,
    subject_country TEXT,
    case_id TEXT,
    entry TEXT NOT NULL,
    entry_hash TEXT NOT NULL,
    prev_hash TEXT
);
CREATE INDEX audit_log_actor_user ON audit_log (actor_user_id, seq);
CREATE INDEX audit_log_actor_agency ON audit_log (actor_agency_id, seq);
CREATE INDEX audit_log_actor_country ON audit_log (actor_country, seq);
CREATE INDEX audit_log_subject_country ON audit_log (subject_country, seq);
CREATE INDEX audit_log_case ON audit_log (case_id, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
