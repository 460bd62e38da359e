DROP TABLE client_assertions;
DROP TABLE service_credentials;
ALTER TABLE users DROP COLUMN kind;
