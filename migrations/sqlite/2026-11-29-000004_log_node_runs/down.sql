CREATE TABLE log_nodes (
    level INTEGER NOT NULL,
    idx BIGINT NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (level, idx)
);

-- Each run's leaves in order, each leaf's completed levels in order: the k-th such
-- (leaf, level) pair is the k-th 32-byte node of the run.
INSERT INTO log_nodes (level, idx, hash)
WITH RECURSIVE
    levels(level) AS (SELECT 0 UNION ALL SELECT level + 1 FROM levels WHERE level < 62),
    leaves(first_leaf, leaf) AS (
        SELECT first_leaf, first_leaf FROM log_node_runs
        UNION ALL
        SELECT l.first_leaf, l.leaf + 1 FROM leaves AS l
        JOIN log_node_runs AS r ON r.first_leaf = l.first_leaf
        WHERE l.leaf + 1 < r.first_leaf + r.leaves
    ),
    owned AS (
        SELECT x.leaf, v.level, r.nodes,
               row_number() OVER (PARTITION BY r.first_leaf ORDER BY x.leaf, v.level) - 1 AS k
        FROM leaves AS x
        JOIN log_node_runs AS r ON r.first_leaf = x.first_leaf
        JOIN levels AS v ON (x.leaf + 1) % (1 << v.level) = 0
    )
SELECT level, leaf >> level, substr(nodes, 32 * k + 1, 32) FROM owned;

DROP TABLE log_node_runs;

CREATE TRIGGER log_nodes_no_update BEFORE UPDATE ON log_nodes
BEGIN
    SELECT RAISE(ABORT, 'log_nodes is append-only');
END;
CREATE TRIGGER log_nodes_no_delete BEFORE DELETE ON log_nodes
BEGIN
    SELECT RAISE(ABORT, 'log_nodes is append-only');
END;
