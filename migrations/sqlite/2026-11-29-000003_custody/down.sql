DROP TABLE log_checkpoints;
DROP TABLE log_nodes;
DROP TABLE custody_entries;
DROP TABLE evidence_access;
DROP TABLE evidence_counters;
DROP TABLE evidence_items;
