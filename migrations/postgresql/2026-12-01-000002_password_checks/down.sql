DROP TABLE password_history;
ALTER TABLE sessions DROP COLUMN failed_password_checks;
