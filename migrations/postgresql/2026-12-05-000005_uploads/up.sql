-- Resumable uploads (tus 1.0): a person's bytes on their way in, before they become
-- an item's content or a request's document. Each part received is sealed in the
-- content store as an object of its own (its data key wrapped like content's), so an
-- upload survives a restart; once all have come, the parts are joined into one
-- object (object_name, wrapped_key, sha256), which the binding takes over. An upload
-- is its owner's alone, and expires when left untouched.
CREATE TABLE uploads (
    id TEXT PRIMARY KEY NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users (id),
    length BIGINT NOT NULL CHECK (length >= 0),
    upload_offset BIGINT NOT NULL CHECK (upload_offset >= 0 AND upload_offset <= length),
    metadata TEXT,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    object_name TEXT UNIQUE,
    wrapped_key BYTEA,
    sha256 TEXT
);
CREATE INDEX uploads_expiring ON uploads (expires_at);

CREATE TABLE upload_parts (
    upload_id TEXT NOT NULL REFERENCES uploads (id),
    start_offset BIGINT NOT NULL,
    size_bytes BIGINT NOT NULL,
    object_name TEXT NOT NULL UNIQUE,
    wrapped_key BYTEA NOT NULL,
    PRIMARY KEY (upload_id, start_offset)
);
