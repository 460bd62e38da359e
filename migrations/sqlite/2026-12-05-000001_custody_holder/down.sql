ALTER TABLE evidence_access DROP COLUMN until_seq;
ALTER TABLE evidence_items DROP COLUMN holder_agency_id;
