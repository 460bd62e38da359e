DROP TABLE mla_requests;
DROP TABLE mla_request_counters;
