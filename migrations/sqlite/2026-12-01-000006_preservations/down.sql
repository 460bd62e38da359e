DROP TABLE preservation_counters;
DROP TABLE preservations;
