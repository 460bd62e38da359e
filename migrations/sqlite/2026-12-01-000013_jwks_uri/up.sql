-- A service account's public keys may be published at a URL (a JWK Set the
-- national system rotates itself) instead of registered inline in `jwks`.
ALTER TABLE service_credentials ADD COLUMN jwks_uri TEXT;
