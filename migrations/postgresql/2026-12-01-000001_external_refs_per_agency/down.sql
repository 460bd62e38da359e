DROP INDEX case_external_refs_reference;
ALTER TABLE case_external_refs DROP CONSTRAINT case_external_refs_pkey;
ALTER TABLE case_external_refs ADD PRIMARY KEY (system, external_id);
ALTER TABLE case_external_refs DROP COLUMN agency_id;
