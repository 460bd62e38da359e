-- A national system's reference is unique among the cases of one agency, not across
-- the region: a uniqueness error must not tell a caller that another agency, which
-- they may not see, linked the same reference. SQLite cannot change a primary key in
-- place: the table is rebuilt.
CREATE TABLE case_external_refs_by_agency (
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    system TEXT NOT NULL,
    external_id TEXT NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (agency_id, system, external_id)
);
INSERT INTO case_external_refs_by_agency
    (agency_id, system, external_id, case_id, created_by, created_at)
SELECT cases.owner_agency_id, r.system, r.external_id, r.case_id, r.created_by, r.created_at
FROM case_external_refs AS r JOIN cases ON cases.id = r.case_id;
DROP TABLE case_external_refs;
ALTER TABLE case_external_refs_by_agency RENAME TO case_external_refs;
CREATE INDEX case_external_refs_case ON case_external_refs (case_id);
CREATE INDEX case_external_refs_reference ON case_external_refs (system, external_id);
