-- Which way each tool call came, which client made it, and what Quendoo
-- last answered for it (NULL for entries written before, and for calls that
-- never reached Quendoo).
ALTER TABLE audit_log ADD COLUMN transport TEXT;
ALTER TABLE audit_log ADD COLUMN client TEXT;
ALTER TABLE audit_log ADD COLUMN upstream_status INTEGER;
