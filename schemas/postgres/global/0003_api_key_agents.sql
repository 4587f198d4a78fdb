-- A stored key may act for an agent of its tenant (their inbox, the author of their
-- actions); '' for a key bound to nobody, as every key was before.
ALTER TABLE api_keys ADD COLUMN agent_id text NOT NULL DEFAULT '';
