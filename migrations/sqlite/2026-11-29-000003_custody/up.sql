-- Evidence items and the custody log: per-item hash chains committed to one
-- RFC 9162 Merkle log with signed checkpoints (see the custody log format spec).

CREATE TABLE evidence_items (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    label TEXT NOT NULL,
    description TEXT NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    acquisition TEXT NOT NULL,
    sha256 TEXT,
    other_hashes TEXT NOT NULL,
    size_bytes BIGINT,
    seal_number TEXT,
    storage_location TEXT,
    parent_id TEXT REFERENCES evidence_items (id),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    -- Derived from the custody log by the service's append path; never edited by hand.
    status TEXT NOT NULL,
    custodian_user_id TEXT,
    custodian_agency_id TEXT,
    pending_agency_id TEXT,
    pending_custodian_id TEXT,
    integrity_alert BOOLEAN NOT NULL,
    last_seq INTEGER NOT NULL,
    last_hash TEXT NOT NULL,
    UNIQUE (case_id, label)
);
CREATE INDEX evidence_items_case ON evidence_items (case_id, id);

CREATE TABLE evidence_counters (
    case_id TEXT PRIMARY KEY NOT NULL,
    last_value INTEGER NOT NULL
);

-- An agency outside the case that was sent an item sees that item and its custody only.
CREATE TABLE evidence_access (
    evidence_id TEXT NOT NULL REFERENCES evidence_items (id),
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    granted_at TIMESTAMP NOT NULL,
    PRIMARY KEY (evidence_id, agency_id)
);
CREATE INDEX evidence_access_agency ON evidence_access (agency_id, evidence_id);

-- `canonical` holds each entry's JCS bytes verbatim; they are never rewritten.
CREATE TABLE custody_entries (
    log_index BIGINT PRIMARY KEY NOT NULL,
    evidence_id TEXT NOT NULL REFERENCES evidence_items (id),
    seq INTEGER NOT NULL,
    entry_type TEXT NOT NULL,
    canonical TEXT NOT NULL,
    entry_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (evidence_id, seq)
);

-- Perfect subtrees of the Merkle log: level 0 holds leaf hashes.
CREATE TABLE log_nodes (
    level INTEGER NOT NULL,
    idx BIGINT NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (level, idx)
);

CREATE TABLE log_checkpoints (
    tree_size BIGINT PRIMARY KEY NOT NULL,
    root_hash TEXT NOT NULL,
    note TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TRIGGER custody_entries_no_update BEFORE UPDATE ON custody_entries
BEGIN
    SELECT RAISE(ABORT, 'custody_entries is append-only');
END;
CREATE TRIGGER custody_entries_no_delete BEFORE DELETE ON custody_entries
BEGIN
    SELECT RAISE(ABORT, 'custody_entries is append-only');
END;

CREATE TRIGGER log_nodes_no_update BEFORE UPDATE ON log_nodes
BEGIN
    SELECT RAISE(ABORT, 'log_nodes is append-only');
END;
CREATE TRIGGER log_nodes_no_delete BEFORE DELETE ON log_nodes
BEGIN
    SELECT RAISE(ABORT, 'log_nodes is append-only');
END;

CREATE TRIGGER log_checkpoints_no_update BEFORE UPDATE ON log_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'log_checkpoints is append-only');
END;
CREATE TRIGGER log_checkpoints_no_delete BEFORE DELETE ON log_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'log_checkpoints is append-only');
END;
