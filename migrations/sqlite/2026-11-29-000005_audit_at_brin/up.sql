-- PostgreSQL only (a BRIN index for the audit chain's `at`); SQLite has no BRIN and
-- keeps its B-tree.
SELECT 1;
