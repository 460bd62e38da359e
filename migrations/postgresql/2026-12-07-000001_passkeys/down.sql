DROP TABLE passkey_challenges;
DROP INDEX factors_by_credential;
ALTER TABLE factors DROP COLUMN credential_id;
