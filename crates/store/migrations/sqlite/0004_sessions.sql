-- 0003: browser sessions of the portal.
--
-- Kept in the database (not in a server's memory) so that several stateless servers behind one
-- load balancer share them, and so that changing a password can revoke every open session.
CREATE TABLE session (
    -- SHA-256 of the cookie's secret: a copy of the database does not let anyone sign in.
    token_hash      TEXT PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES user_account (user_id) ON DELETE CASCADE,
    -- Random, sent back in every form of the session and compared on every POST.
    csrf_token      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    last_seen_at    TEXT NOT NULL,
    expires_at      TEXT NOT NULL
);

-- Revocation (password change) deletes every session of one user.
CREATE INDEX session_user ON session (user_id);
-- Purging expired sessions.
CREATE INDEX session_expiry ON session (expires_at);
