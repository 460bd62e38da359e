CREATE TABLE case_external_refs_global (
    system TEXT NOT NULL,
    external_id TEXT NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (system, external_id)
);
INSERT OR IGNORE INTO case_external_refs_global
    (system, external_id, case_id, created_by, created_at)
SELECT system, external_id, case_id, created_by, created_at FROM case_external_refs;
DROP TABLE case_external_refs;
ALTER TABLE case_external_refs_global RENAME TO case_external_refs;
CREATE INDEX case_external_refs_case ON case_external_refs (case_id);
