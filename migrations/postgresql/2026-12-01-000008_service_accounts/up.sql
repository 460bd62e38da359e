-- National case systems sign in as service accounts: users of kind 'service', with
-- the roles they may act in, that authenticate with OAuth 2.0 client credentials
-- (their username is the client id) and never with a password.
ALTER TABLE users ADD COLUMN kind TEXT NOT NULL DEFAULT 'person';

CREATE TABLE service_credentials (
    user_id TEXT PRIMARY KEY REFERENCES users (id),
    -- 'client_secret' or 'private_key_jwt'.
    auth_method TEXT NOT NULL,
    -- argon2id hashes; the previous secret stays valid until previous_valid_until.
    secret_hash TEXT,
    previous_secret_hash TEXT,
    previous_valid_until TIMESTAMP,
    -- The public keys client assertions are signed with (a JWK Set, RFC 7517).
    jwks TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- The jti of every client assertion accepted, until it expires: each is single-use.
CREATE TABLE client_assertions (
    client_id TEXT NOT NULL,
    jti TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (client_id, jti)
);
CREATE INDEX client_assertions_expiry ON client_assertions (expires_at);
