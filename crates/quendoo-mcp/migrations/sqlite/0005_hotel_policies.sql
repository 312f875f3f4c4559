-- What each hotel's assistants may do, as the operator set it. No row means
-- the default: every toolset, writes allowed, each confirmed by a person.
CREATE TABLE hotel_policies (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    toolsets TEXT NOT NULL,
    read_only INTEGER NOT NULL CHECK (read_only IN (0, 1)),
    pms_writes TEXT NOT NULL CHECK (pms_writes IN ('confirm', 'direct')),
    comms TEXT NOT NULL CHECK (comms IN ('confirm', 'direct')),
    updated_at BIGINT NOT NULL
);
