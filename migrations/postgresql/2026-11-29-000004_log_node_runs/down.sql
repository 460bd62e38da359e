CREATE TABLE log_nodes (
    level INTEGER NOT NULL,
    idx BIGINT NOT NULL,
    hash BYTEA NOT NULL,
    PRIMARY KEY (level, idx)
);

-- Each run's leaves in order, each leaf's completed levels in order: the k-th such
-- (leaf, level) pair is the k-th 32-byte node of the run.
INSERT INTO log_nodes (level, idx, hash)
SELECT level, leaf >> level,
       substring(nodes FROM (32 * (row_number() OVER (PARTITION BY first_leaf ORDER BY leaf, level) - 1) + 1)::INTEGER FOR 32)
FROM log_node_runs,
     generate_series(first_leaf, first_leaf + leaves - 1) AS leaf,
     generate_series(0, 62) AS level
WHERE (leaf + 1) % (1::BIGINT << level) = 0;

DROP TABLE log_node_runs;

CREATE TRIGGER log_nodes_no_update BEFORE UPDATE ON log_nodes
    FOR EACH ROW EXECUTE FUNCTION caseledger_append_only();
CREATE TRIGGER log_nodes_no_delete BEFORE DELETE ON log_nodes
    FOR EACH ROW EXECUTE FUNCTION caseledger_append_only();
CREATE TRIGGER log_nodes_no_truncate BEFORE TRUNCATE ON log_nodes
    FOR EACH STATEMENT EXECUTE FUNCTION caseledger_append_only();
