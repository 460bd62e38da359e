-- Passkeys and security keys (WebAuthn, see src/auth/passkeys.rs). A passkey factor
-- keeps, sealed in `secret`, its registration ceremony until confirmed and then the
-- credential (its public key and signature counter); `credential_id` names the
-- credential, which no two factors may share.
ALTER TABLE factors ADD COLUMN credential_id TEXT;
CREATE UNIQUE INDEX factors_by_credential ON factors (credential_id);
-- A passkey ceremony under way: the challenge a browser was given to sign, for the
-- second step of a sign-in (`bound_to` is the mfa_token's hash) or a step-up
-- (`session:` and the session's id), sealed, single use and short-lived.
CREATE TABLE passkey_challenges (
    bound_to TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    state BLOB NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
