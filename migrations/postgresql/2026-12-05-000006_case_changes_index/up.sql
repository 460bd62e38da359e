-- The case page's status history reads a case's own changes from the audit trail. The
-- trail also holds every read of the case, so the index on (case_id, seq) walks more
-- rows each time the case is read; this one holds only the changes (a partial index:
-- nothing is added to it for a read), and the query names the same predicate.
CREATE INDEX audit_log_case_changes ON audit_log (case_id, seq)
    WHERE action IN ('case.create', 'case.update') AND outcome = 'success';
