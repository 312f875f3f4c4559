-- Each replica caches a hotel's policy and decrypted keys; every request
-- reads the tenant's generation (one round trip it makes anyway) and uses a
-- cached entry only if it was loaded at that generation. The triggers bump
-- it in the same transaction as any change to what is cached, whoever makes
-- the change (server, CLI, or SQL by hand), so no replica uses a stale key
-- or policy after the change commits.
ALTER TABLE tenants ADD COLUMN generation BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION bump_tenant_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tenants SET generation = generation + 1
     WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.tenant_id ELSE NEW.tenant_id END;
    RETURN NULL;
END
$$;

CREATE TRIGGER api_keys_bump_generation
    AFTER INSERT OR UPDATE OR DELETE ON api_keys
    FOR EACH ROW EXECUTE FUNCTION bump_tenant_generation();

CREATE TRIGGER hotel_policies_bump_generation
    AFTER INSERT OR UPDATE OR DELETE ON hotel_policies
    FOR EACH ROW EXECUTE FUNCTION bump_tenant_generation();
