DROP INDEX evidence_items_mla_request;
ALTER TABLE evidence_items DROP COLUMN mla_request_id;
