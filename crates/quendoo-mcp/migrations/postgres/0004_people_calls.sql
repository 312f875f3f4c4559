-- Uses of the tools that reach people (e-mail, voice call), reserved before
-- each send so that the hourly cap holds under a burst and across replicas.
CREATE TABLE people_calls (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   TEXT   NOT NULL,
    tool        TEXT   NOT NULL,
    reserved_at BIGINT NOT NULL
);
CREATE INDEX people_calls_window ON people_calls (tenant_id, tool, reserved_at);
