-- The audit chain's head anchored in the log (custody-log.md §6): one audit-head entry
-- per anchoring, a leaf of the log like a custody entry, chained among themselves by
-- `seq` and `prev`. Kept verbatim, never changed.
CREATE TABLE audit_heads (
    seq BIGINT PRIMARY KEY,
    log_index BIGINT NOT NULL UNIQUE,
    audit_seq BIGINT NOT NULL,
    audit_hash TEXT NOT NULL,
    canonical TEXT NOT NULL,
    entry_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX audit_heads_by_audit_seq ON audit_heads (audit_seq);
CREATE TRIGGER audit_heads_no_update BEFORE UPDATE ON audit_heads
BEGIN
    SELECT RAISE(ABORT, 'audit_heads is append-only');
END;
CREATE TRIGGER audit_heads_no_delete BEFORE DELETE ON audit_heads
BEGIN
    SELECT RAISE(ABORT, 'audit_heads is append-only');
END;
