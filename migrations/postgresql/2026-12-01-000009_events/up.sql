-- The outbox: every change a national system would act on, written in the same
-- commit as the change, in commit order (seq, given out under the audit chain's
-- lock). Events are thin: what happened to which object, never its content.
CREATE TABLE events (
    seq BIGINT PRIMARY KEY NOT NULL,
    id TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    href TEXT NOT NULL
);
CREATE INDEX events_subject ON events (subject_kind, subject_id);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
    FOR EACH ROW EXECUTE FUNCTION caseledger_append_only();
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION caseledger_append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION caseledger_append_only();
