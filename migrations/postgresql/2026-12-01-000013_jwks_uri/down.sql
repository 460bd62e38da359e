ALTER TABLE service_credentials DROP COLUMN jwks_uri;
