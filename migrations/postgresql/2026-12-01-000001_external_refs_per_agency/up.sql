-- A national system's reference is unique among the cases of one agency, not across
-- the region: a uniqueness error must not tell a caller that another agency, which
-- they may not see, linked the same reference.
ALTER TABLE case_external_refs ADD COLUMN agency_id TEXT REFERENCES agencies (id);
UPDATE case_external_refs SET agency_id = cases.owner_agency_id
    FROM cases WHERE cases.id = case_external_refs.case_id;
ALTER TABLE case_external_refs ALTER COLUMN agency_id SET NOT NULL;
ALTER TABLE case_external_refs DROP CONSTRAINT case_external_refs_pkey;
ALTER TABLE case_external_refs ADD PRIMARY KEY (agency_id, system, external_id);
CREATE INDEX case_external_refs_reference ON case_external_refs (system, external_id);
