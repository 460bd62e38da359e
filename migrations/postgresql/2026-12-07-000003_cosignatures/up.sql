-- Witnesses' cosignatures of the log's checkpoints (custody-log.md §7): the line each
-- witness (by its verifier key) answered for the checkpoint of `tree_size`. Kept, never
-- changed: a court's bundle carries them.
CREATE TABLE log_cosignatures (
    tree_size BIGINT NOT NULL,
    witness TEXT NOT NULL,
    line TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tree_size, witness)
);
-- The size each witness last cosigned, as the service knows it: where its next
-- consistency proof starts from.
CREATE TABLE witness_positions (
    witness TEXT PRIMARY KEY,
    tree_size BIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE TRIGGER log_cosignatures_no_update BEFORE UPDATE ON log_cosignatures
    FOR EACH ROW EXECUTE FUNCTION caseledger_append_only();
CREATE TRIGGER log_cosignatures_no_delete BEFORE DELETE ON log_cosignatures
    FOR EACH ROW EXECUTE FUNCTION caseledger_append_only();
CREATE TRIGGER log_cosignatures_no_truncate BEFORE TRUNCATE ON log_cosignatures
    FOR EACH STATEMENT EXECUTE FUNCTION caseledger_append_only();
