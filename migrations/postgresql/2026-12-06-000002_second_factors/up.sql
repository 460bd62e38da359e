-- Second factors (see src/auth/factors.rs). A TOTP factor's secret is kept sealed
-- (XChaCha20-Poly1305 under a key derived from the store's key-encryption key);
-- `last_step` is the last 30-second step whose code it accepted, so that a code is
-- accepted once. A factor is of use once confirmed with a first code.
CREATE TABLE factors (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    label TEXT NOT NULL,
    secret BYTEA NOT NULL,
    created_at TIMESTAMP NOT NULL,
    confirmed_at TIMESTAMP,
    last_step BIGINT,
    last_used_at TIMESTAMP
);
CREATE INDEX factors_by_user ON factors (user_id);
-- Recovery codes, hashed like passwords (argon2id); `lookup` is the code's first four
-- characters, kept in clear so that a code given is checked against one hash.
CREATE TABLE recovery_codes (
    user_id TEXT NOT NULL REFERENCES users (id),
    lookup TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    PRIMARY KEY (user_id, lookup)
);
-- A password accepted, a second factor owed: the `mfa_token` (by its SHA-256), single
-- use and short-lived.
CREATE TABLE login_challenges (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
-- How a session was opened: the methods (`pwd`, `otp`, …, RFC 8176), when a second
-- factor was last given in it (for step-up), and whether it may only enrol one.
ALTER TABLE sessions ADD COLUMN amr TEXT NOT NULL DEFAULT 'pwd';
ALTER TABLE sessions ADD COLUMN factor_at TIMESTAMP;
ALTER TABLE sessions ADD COLUMN must_enrol BOOLEAN NOT NULL DEFAULT FALSE;
