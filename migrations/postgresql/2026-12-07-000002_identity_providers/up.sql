-- National identity providers (OpenID Connect), registered by regional administrators
-- (see src/identity/). The client secret is kept sealed; `agencies` (JSON: the
-- agencies it may sign people into) and `mapping` (JSON: from its claims to agency
-- and roles) say what a sign-in through it may give; `mfa_acr` (JSON) the `acr`
-- values that say a second factor was used, besides `amr`; `scopes` what is asked for.
CREATE TABLE identity_providers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    issuer TEXT NOT NULL UNIQUE,
    client_id TEXT NOT NULL,
    client_secret BYTEA NOT NULL,
    agencies TEXT NOT NULL,
    mapping TEXT NOT NULL,
    mfa_acr TEXT NOT NULL,
    scopes TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- An account's link to a provider's subject: one account per (issuer, sub).
CREATE TABLE identity_links (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    provider_id TEXT NOT NULL REFERENCES identity_providers (id),
    created_at TIMESTAMP NOT NULL,
    last_sign_in_at TIMESTAMP NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX identity_links_by_user ON identity_links (user_id);
-- A sign-in sent to a provider and not yet back: `state` (by its SHA-256), the
-- `nonce` the ID token must carry and the PKCE verifier (sealed); single use,
-- short-lived.
CREATE TABLE sso_attempts (
    state_hash TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES identity_providers (id),
    nonce TEXT NOT NULL,
    verifier BYTEA NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
