-- Each replica answers the lookup a request makes (who is calling: a
-- tenant, an OAuth grant, a REST connection, a hotel key; with the tenant's
-- generation) from memory, and checks the answer against this one number:
-- an answer read at another epoch is read again. Every change that could
-- alter an answer bumps the epoch in its own transaction, whoever makes it
-- (server, CLI, or SQL by hand). Keys and policies bump the tenant's
-- generation (0007), an update of tenants, so they bump the epoch too.
-- Inserts need no bump (an absent row's lookup is never kept); nor does a
-- connection's use (its last_used_at is kept with the answer).
CREATE TABLE cache_epoch (
    id SMALLINT PRIMARY KEY CHECK (id = 1),
    epoch BIGINT NOT NULL
);
INSERT INTO cache_epoch (id, epoch) VALUES (1, 0);

CREATE FUNCTION bump_cache_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cache_epoch SET epoch = epoch + 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER tenants_bump_epoch AFTER UPDATE OR DELETE ON tenants
    FOR EACH STATEMENT EXECUTE FUNCTION bump_cache_epoch();

CREATE TRIGGER oauth_grants_bump_epoch AFTER UPDATE OR DELETE ON oauth_grants
    FOR EACH STATEMENT EXECUTE FUNCTION bump_cache_epoch();

CREATE TRIGGER users_bump_epoch AFTER UPDATE OR DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION bump_cache_epoch();

CREATE TRIGGER connections_bump_epoch AFTER DELETE ON connections
    FOR EACH STATEMENT EXECUTE FUNCTION bump_cache_epoch();
