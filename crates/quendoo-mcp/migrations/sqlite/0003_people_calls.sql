-- Uses of the tools that reach people (e-mail, voice call), reserved before
-- each send so that the hourly cap holds under a burst and across replicas.
CREATE TABLE people_calls (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id   TEXT    NOT NULL,
    tool        TEXT    NOT NULL,
    reserved_at INTEGER NOT NULL
);
CREATE INDEX people_calls_window ON people_calls (tenant_id, tool, reserved_at);
