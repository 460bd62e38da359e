DROP INDEX audit_log_case_changes;
