DROP TABLE cases_search;
DROP TABLE audit_log;
DROP TABLE idempotency_keys;
DROP TABLE case_reference_counters;
DROP TABLE case_external_refs;
DROP TABLE case_participants;
DROP TABLE case_offences;
DROP TABLE cases;
