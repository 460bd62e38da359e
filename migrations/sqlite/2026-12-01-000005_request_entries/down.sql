DROP TABLE request_entries;
ALTER TABLE mla_requests DROP COLUMN execute_by;
ALTER TABLE mla_requests DROP COLUMN decide_by;
ALTER TABLE mla_requests DROP COLUMN acknowledge_by;
ALTER TABLE mla_requests DROP COLUMN executing_agency_id;
ALTER TABLE mla_requests DROP COLUMN last_hash;
ALTER TABLE mla_requests DROP COLUMN last_seq;
