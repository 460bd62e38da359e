-- Country status reviews (the regional action plan's status review of each state).
-- The regional minimum standards are a checklist whose items the regional
-- administrators define; each state's review is kept as versions, never changed:
-- a state's administrators record a new version, a regional administrator records
-- that they reviewed one, and what was known at any moment is the version then last.
CREATE TABLE checklist_items (
    code TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    position INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE status_reviews (
    country TEXT NOT NULL REFERENCES countries (code),
    version INTEGER NOT NULL,
    -- 'updated' (by the state's or a regional administrator) or 'reviewed' (by a
    -- regional administrator: the content is the version reviewed, unchanged).
    change TEXT NOT NULL,
    legislation TEXT NOT NULL,
    budapest_convention TEXT NOT NULL,
    second_protocol TEXT NOT NULL,
    csirt BOOLEAN NOT NULL,
    csirt_name TEXT,
    checklist TEXT NOT NULL,
    notes TEXT NOT NULL,
    review_note TEXT,
    recorded_at TIMESTAMP NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (country, version)
);
CREATE INDEX status_reviews_at ON status_reviews (country, recorded_at);

CREATE TRIGGER status_reviews_no_update BEFORE UPDATE ON status_reviews
BEGIN
    SELECT RAISE(ABORT, 'status_reviews is append-only');
END;
CREATE TRIGGER status_reviews_no_delete BEFORE DELETE ON status_reviews
BEGIN
    SELECT RAISE(ABORT, 'status_reviews is append-only');
END;
