-- Each replica caches a hotel's policy and decrypted keys; every request
-- reads the tenant's generation (one round trip it makes anyway) and uses a
-- cached entry only if it was loaded at that generation. The triggers bump
-- it in the same transaction as any change to what is cached, whoever makes
-- the change (server, CLI, or SQL by hand).
ALTER TABLE tenants ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER api_keys_insert_bump_generation AFTER INSERT ON api_keys
BEGIN
    UPDATE tenants SET generation = generation + 1 WHERE id = NEW.tenant_id;
END;
CREATE TRIGGER api_keys_update_bump_generation AFTER UPDATE ON api_keys
BEGIN
    UPDATE tenants SET generation = generation + 1 WHERE id = NEW.tenant_id;
END;
CREATE TRIGGER api_keys_delete_bump_generation AFTER DELETE ON api_keys
BEGIN
    UPDATE tenants SET generation = generation + 1 WHERE id = OLD.tenant_id;
END;
CREATE TRIGGER hotel_policies_insert_bump_generation AFTER INSERT ON hotel_policies
BEGIN
    UPDATE tenants SET generation = generation + 1 WHERE id = NEW.tenant_id;
END;
CREATE TRIGGER hotel_policies_update_bump_generation AFTER UPDATE ON hotel_policies
BEGIN
    UPDATE tenants SET generation = generation + 1 WHERE id = NEW.tenant_id;
END;
CREATE TRIGGER hotel_policies_delete_bump_generation AFTER DELETE ON hotel_policies
BEGIN
    UPDATE tenants SET generation = generation + 1 WHERE id = OLD.tenant_id;
END;
