-- Legacy /sse streams shared by the replicas: which replica holds each open
-- stream and which hotel it belongs to (NULL until the first POST claims it),
-- and responses in transit to the replica that holds the stream (a NOTIFY
-- payload is limited to 8000 bytes, a tool result is not). SQLite needs
-- neither: one process holds every stream.
CREATE TABLE sse_sessions (
    session_id TEXT   PRIMARY KEY,
    replica    TEXT   NOT NULL,
    tenant_id  TEXT,
    seen_at    BIGINT NOT NULL
);
CREATE INDEX sse_sessions_replica ON sse_sessions (replica);

CREATE TABLE sse_messages (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id TEXT   NOT NULL,
    body       TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX sse_messages_created_at ON sse_messages (created_at);
