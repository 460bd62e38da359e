-- Wrong current passwords given in a password change count per session, not towards
-- the account's lockout: whoever holds a stolen access token must not be able to
-- lock the owner out, and loses the session instead.
ALTER TABLE sessions ADD COLUMN failed_password_checks INTEGER NOT NULL DEFAULT 0;

-- The hashes of a user's last passwords, so that a change cannot go back to one.
CREATE TABLE password_history (
    user_id TEXT NOT NULL REFERENCES users (id),
    set_at TIMESTAMP NOT NULL,
    password_hash TEXT NOT NULL,
    PRIMARY KEY (user_id, set_at)
);

-- Accounts made before this migration: their current password is their history.
INSERT INTO password_history (user_id, set_at, password_hash)
SELECT id, updated_at, password_hash FROM users;
