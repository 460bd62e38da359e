ALTER TABLE sessions DROP COLUMN must_enrol;
ALTER TABLE sessions DROP COLUMN factor_at;
ALTER TABLE sessions DROP COLUMN amr;
DROP TABLE login_challenges;
DROP TABLE recovery_codes;
DROP TABLE factors;
