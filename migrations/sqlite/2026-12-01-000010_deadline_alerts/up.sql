-- The deadlines national systems have been told of (`deadline.due`,
-- `preservation.expiring`): each due date of each object once.
CREATE TABLE deadline_alerts (
    subject_kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    deadline TEXT NOT NULL,
    due_at TIMESTAMP NOT NULL,
    alerted_at TIMESTAMP NOT NULL,
    PRIMARY KEY (subject_kind, subject_id, deadline, due_at)
);
