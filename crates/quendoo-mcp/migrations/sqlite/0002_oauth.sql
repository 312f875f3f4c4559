-- OAuth 2.1 sign-in for hotel users: passwords (argon2id PHC strings), the
-- clients that registered (DCR) or were fetched (CIMD), grants (one per
-- approval: the family its codes and refresh tokens belong to), codes and
-- refresh tokens stored only as SHA-256 hashes, and failed sign-ins for the
-- rate limit. Timestamps are unix milliseconds.
ALTER TABLE users ADD COLUMN password_hash TEXT;
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1));

CREATE TABLE oauth_clients (
    client_id     TEXT    PRIMARY KEY NOT NULL,
    kind          TEXT    NOT NULL CHECK (kind IN ('dcr', 'cimd')),
    client_name   TEXT    NOT NULL,
    redirect_uris TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE oauth_grants (
    id         TEXT    PRIMARY KEY NOT NULL,
    client_id  TEXT    NOT NULL,
    user_id    TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tenant_id  TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    scope      TEXT    NOT NULL,
    resource   TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX oauth_grants_tenant ON oauth_grants (tenant_id);

CREATE TABLE oauth_codes (
    code_hash      TEXT    PRIMARY KEY NOT NULL,
    grant_id       TEXT    NOT NULL REFERENCES oauth_grants (id) ON DELETE CASCADE,
    redirect_uri   TEXT    NOT NULL,
    code_challenge TEXT    NOT NULL,
    expires_at     INTEGER NOT NULL,
    used_at        INTEGER
);

CREATE TABLE oauth_refresh_tokens (
    token_hash TEXT    PRIMARY KEY NOT NULL,
    grant_id   TEXT    NOT NULL REFERENCES oauth_grants (id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX oauth_refresh_tokens_grant ON oauth_refresh_tokens (grant_id);

CREATE TABLE oauth_login_failures (
    subject   TEXT    NOT NULL,
    failed_at INTEGER NOT NULL
);
CREATE INDEX oauth_login_failures_subject ON oauth_login_failures (subject, failed_at);
