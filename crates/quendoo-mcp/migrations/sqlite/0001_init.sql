-- Timestamps are unix milliseconds (INTEGER) so both backends store the same values.
CREATE TABLE tenants (
    id         TEXT    PRIMARY KEY NOT NULL,
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE users (
    id         TEXT    PRIMARY KEY NOT NULL,
    tenant_id  TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    email      TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);
CREATE INDEX users_tenant_id ON users (tenant_id);

CREATE TABLE api_keys (
    id              TEXT    PRIMARY KEY NOT NULL,
    tenant_id       TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    key_name        TEXT    NOT NULL,
    encrypted_value TEXT    NOT NULL,
    lookup_hash     TEXT,
    is_active       INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (tenant_id, key_name)
);
CREATE INDEX api_keys_lookup ON api_keys (key_name, lookup_hash);

CREATE TABLE connections (
    id           TEXT    PRIMARY KEY NOT NULL,
    tenant_id    TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL,
    tool_calls   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX connections_tenant_id ON connections (tenant_id);
CREATE INDEX connections_last_used_at ON connections (last_used_at);

-- No foreign key: the audit trail outlives a deleted tenant.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    tenant_id   TEXT    NOT NULL,
    user_id     TEXT,
    tool        TEXT    NOT NULL,
    outcome     TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    args_digest TEXT    NOT NULL
);
CREATE INDEX audit_log_tenant_time ON audit_log (tenant_id, created_at);
