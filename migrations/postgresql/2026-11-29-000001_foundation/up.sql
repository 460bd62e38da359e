-- Foundation: countries, agencies, users and their login sessions.
-- Kept identical in meaning to the other backend's migration of the same name.

CREATE TABLE countries (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    membership TEXT NOT NULL,
    official_languages TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE agencies (
    id TEXT PRIMARY KEY NOT NULL,
    country_code TEXT NOT NULL REFERENCES countries (code),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (country_code, name)
);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    roles TEXT NOT NULL,
    status TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    must_change_password BOOLEAN NOT NULL,
    failed_logins INTEGER NOT NULL,
    locked_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX users_agency_id ON users (agency_id, id);

-- A session is one refresh-token family: every rotation stays in it, and reuse of a
-- spent token revokes the whole session.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    session_id TEXT NOT NULL REFERENCES sessions (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX refresh_tokens_session_id ON refresh_tokens (session_id);

INSERT INTO countries (code, name, membership, official_languages, created_at) VALUES
    ('AG', 'Antigua and Barbuda', 'member', 'en', CURRENT_TIMESTAMP),
    ('BS', 'The Bahamas', 'member', 'en', CURRENT_TIMESTAMP),
    ('BB', 'Barbados', 'member', 'en', CURRENT_TIMESTAMP),
    ('BZ', 'Belize', 'member', 'en', CURRENT_TIMESTAMP),
    ('DM', 'Dominica', 'member', 'en', CURRENT_TIMESTAMP),
    ('GD', 'Grenada', 'member', 'en', CURRENT_TIMESTAMP),
    ('GY', 'Guyana', 'member', 'en', CURRENT_TIMESTAMP),
    ('HT', 'Haiti', 'member', 'fr;ht', CURRENT_TIMESTAMP),
    ('JM', 'Jamaica', 'member', 'en', CURRENT_TIMESTAMP),
    ('MS', 'Montserrat', 'member', 'en', CURRENT_TIMESTAMP),
    ('KN', 'Saint Kitts and Nevis', 'member', 'en', CURRENT_TIMESTAMP),
    ('LC', 'Saint Lucia', 'member', 'en', CURRENT_TIMESTAMP),
    ('VC', 'Saint Vincent and the Grenadines', 'member', 'en', CURRENT_TIMESTAMP),
    ('SR', 'Suriname', 'member', 'nl', CURRENT_TIMESTAMP),
    ('TT', 'Trinidad and Tobago', 'member', 'en', CURRENT_TIMESTAMP),
    ('AI', 'Anguilla', 'associate', 'en', CURRENT_TIMESTAMP),
    ('BM', 'Bermuda', 'associate', 'en', CURRENT_TIMESTAMP),
    ('VG', 'British Virgin Islands', 'associate', 'en', CURRENT_TIMESTAMP),
    ('KY', 'Cayman Islands', 'associate', 'en', CURRENT_TIMESTAMP),
    ('TC', 'Turks and Caicos Islands', 'associate', 'en', CURRENT_TIMESTAMP);
