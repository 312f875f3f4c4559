-- Timestamps are unix milliseconds (BIGINT) so both backends store the same values.
CREATE TABLE tenants (
    id         TEXT   PRIMARY KEY,
    name       TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE users (
    id         TEXT   PRIMARY KEY,
    tenant_id  TEXT   NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    email      TEXT   NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE INDEX users_tenant_id ON users (tenant_id);

CREATE TABLE api_keys (
    id              TEXT    PRIMARY KEY,
    tenant_id       TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    key_name        TEXT    NOT NULL,
    encrypted_value TEXT    NOT NULL,
    lookup_hash     TEXT,
    is_active       BOOLEAN NOT NULL DEFAULT TRUE,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL,
    UNIQUE (tenant_id, key_name)
);
CREATE INDEX api_keys_lookup ON api_keys (key_name, lookup_hash);

CREATE TABLE connections (
    id           TEXT   PRIMARY KEY,
    tenant_id    TEXT   NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL,
    tool_calls   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX connections_tenant_id ON connections (tenant_id);
CREATE INDEX connections_last_used_at ON connections (last_used_at);

-- No foreign key: the audit trail outlives a deleted tenant.
CREATE TABLE audit_log (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   TEXT   NOT NULL,
    user_id     TEXT,
    tool        TEXT   NOT NULL,
    outcome     TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    args_digest TEXT   NOT NULL
);
CREATE INDEX audit_log_tenant_time ON audit_log (tenant_id, created_at);
