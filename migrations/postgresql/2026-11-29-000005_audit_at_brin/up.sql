-- The audit chain is written in time order, so its `at` column follows the table's
-- physical order: a BRIN index answers time-range filters from a summary per range
-- of pages, costs nothing on insert (new pages are summarised later, by VACUUM), and
-- stays a few pages in size where the B-tree took an index entry, and its WAL, for
-- every audit entry.
DROP INDEX audit_log_at;
CREATE INDEX audit_log_at ON audit_log USING brin (at);
