-- The Merkle log's nodes, stored per run of consecutive leaves instead of one row
-- per node: a batch of appends writes one or two rows here instead of about two rows
-- (and two index entries) per entry. A run holds, for each of its leaves in order,
-- the nodes that leaf completes, level 0 first, 32 bytes each. Runs never cross a
-- multiple of 32 leaves, so the run holding a leaf's nodes is one of at most 32 rows
-- found by primary key (see `custody::log`).
CREATE TABLE log_node_runs (
    first_leaf BIGINT PRIMARY KEY NOT NULL,
    leaves INTEGER NOT NULL CHECK (leaves > 0),
    nodes BYTEA NOT NULL
);

-- Node (level, idx) is completed by leaf ((idx + 1) << level) - 1.
INSERT INTO log_node_runs (first_leaf, leaves, nodes)
SELECT min(owner), (max(owner) - min(owner) + 1)::INTEGER,
       string_agg(hash, ''::BYTEA ORDER BY owner, level)
FROM (SELECT ((idx + 1) << level) - 1 AS owner, level, hash FROM log_nodes) AS n
GROUP BY owner / 32;

DROP TABLE log_nodes;

CREATE TRIGGER log_node_runs_no_update BEFORE UPDATE ON log_node_runs
    FOR EACH ROW EXECUTE FUNCTION caseledger_append_only();
CREATE TRIGGER log_node_runs_no_delete BEFORE DELETE ON log_node_runs
    FOR EACH ROW EXECUTE FUNCTION caseledger_append_only();
CREATE TRIGGER log_node_runs_no_truncate BEFORE TRUNCATE ON log_node_runs
    FOR EACH STATEMENT EXECUTE FUNCTION caseledger_append_only();
