DROP TABLE witness_positions;
DROP TABLE log_cosignatures;
