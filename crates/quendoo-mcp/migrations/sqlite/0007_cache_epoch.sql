-- Each replica answers the lookup a request makes (who is calling: a
-- tenant, an OAuth grant, a REST connection, a hotel key; with the tenant's
-- generation) from memory, and checks the answer against this one number:
-- an answer read at another epoch is read again. Every change that could
-- alter an answer bumps the epoch in its own transaction, whoever makes it
-- (server, CLI, or SQL by hand). Keys and policies bump the tenant's
-- generation (0006), an update of tenants, so they bump the epoch too.
-- Inserts need no bump (an absent row's lookup is never kept); nor does a
-- connection's use (its last_used_at is kept with the answer).
CREATE TABLE cache_epoch (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    epoch INTEGER NOT NULL
);
INSERT INTO cache_epoch (id, epoch) VALUES (1, 0);

CREATE TRIGGER tenants_update_bump_epoch AFTER UPDATE ON tenants
BEGIN
    UPDATE cache_epoch SET epoch = epoch + 1;
END;

CREATE TRIGGER tenants_delete_bump_epoch AFTER DELETE ON tenants
BEGIN
    UPDATE cache_epoch SET epoch = epoch + 1;
END;

CREATE TRIGGER oauth_grants_update_bump_epoch AFTER UPDATE ON oauth_grants
BEGIN
    UPDATE cache_epoch SET epoch = epoch + 1;
END;

CREATE TRIGGER oauth_grants_delete_bump_epoch AFTER DELETE ON oauth_grants
BEGIN
    UPDATE cache_epoch SET epoch = epoch + 1;
END;

CREATE TRIGGER users_update_bump_epoch AFTER UPDATE ON users
BEGIN
    UPDATE cache_epoch SET epoch = epoch + 1;
END;

CREATE TRIGGER users_delete_bump_epoch AFTER DELETE ON users
BEGIN
    UPDATE cache_epoch SET epoch = epoch + 1;
END;

CREATE TRIGGER connections_delete_bump_epoch AFTER DELETE ON connections
BEGIN
    UPDATE cache_epoch SET epoch = epoch + 1;
END;
