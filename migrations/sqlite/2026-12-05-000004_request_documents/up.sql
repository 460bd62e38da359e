-- The documents of requests (the letter of request, its translation, a court order,
-- annexes; the requested state's response or grounds of refusal): each a content of
-- the store, added by one side and named by an entry of the request's history. A
-- document is never changed or removed.
CREATE TABLE request_documents (
    id TEXT PRIMARY KEY NOT NULL,
    mla_request_id TEXT REFERENCES mla_requests (id),
    preservation_id TEXT REFERENCES preservations (id),
    content_id TEXT NOT NULL UNIQUE REFERENCES contents (id),
    kind TEXT NOT NULL,
    language TEXT,
    title TEXT NOT NULL,
    media_type TEXT NOT NULL,
    side TEXT NOT NULL,
    added_by TEXT NOT NULL REFERENCES users (id),
    added_at TIMESTAMP NOT NULL,
    CHECK ((mla_request_id IS NULL) <> (preservation_id IS NULL))
);
CREATE INDEX request_documents_mla ON request_documents (mla_request_id, id);
CREATE INDEX request_documents_preservation ON request_documents (preservation_id, id);

CREATE TRIGGER request_documents_no_update BEFORE UPDATE ON request_documents
BEGIN
    SELECT RAISE(ABORT, 'request_documents is append-only');
END;
CREATE TRIGGER request_documents_no_delete BEFORE DELETE ON request_documents
BEGIN
    SELECT RAISE(ABORT, 'request_documents is append-only');
END;
