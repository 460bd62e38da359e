-- Sign-ins to the review pages: the cookie holds a random secret, of which only the
-- SHA-256 is kept here; each names the authentication session it was opened in (so
-- that revoking the session, or the user, ends the page session too), the CSRF
-- token of its forms, and when it was last used (for the idle timeout).
CREATE TABLE web_sessions (
    secret_hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL
);
CREATE INDEX web_sessions_session ON web_sessions (session_id);
