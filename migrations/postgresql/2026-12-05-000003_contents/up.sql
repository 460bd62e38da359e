-- The bytes of evidence items, kept sealed in the content store: which object holds
-- them, its data key wrapped by the store's key (forgotten when the item is destroyed:
-- crypto-shredding, after which nothing can open the object, deleted soon after), and
-- what the bytes are. One content an item; stored content is never replaced.
CREATE TABLE contents (
    id TEXT PRIMARY KEY NOT NULL,
    evidence_id TEXT UNIQUE REFERENCES evidence_items (id),
    object_name TEXT NOT NULL UNIQUE,
    wrapped_key BYTEA,
    sha256 TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    stored_at TIMESTAMP NOT NULL,
    stored_by TEXT NOT NULL REFERENCES users (id),
    shredded_at TIMESTAMP,
    object_deleted_at TIMESTAMP
);
CREATE INDEX contents_to_delete ON contents (shredded_at) WHERE object_deleted_at IS NULL;
