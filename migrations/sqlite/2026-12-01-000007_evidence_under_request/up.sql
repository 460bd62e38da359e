-- An item produced by executing a mutual legal assistance request: the executing
-- agency registers it into the requesting case, and sees it (and nothing else of
-- the case) through that request.
ALTER TABLE evidence_items ADD COLUMN mla_request_id TEXT REFERENCES mla_requests (id);
CREATE INDEX evidence_items_mla_request ON evidence_items (mla_request_id);
