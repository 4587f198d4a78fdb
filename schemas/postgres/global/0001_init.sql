-- Global catalogue: what exists, not what customers said. Holds no personal data, so it may
-- live outside any residency region.
CREATE TABLE tenants (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE regions (
    name        text PRIMARY KEY,
    countries   text[] NOT NULL DEFAULT '{}',
    is_fallback boolean NOT NULL DEFAULT false
);

-- API keys are stored as SHA-256 hashes; the key itself is shown once, when it is made.
CREATE TABLE api_keys (
    key_hash    bytea PRIMARY KEY,
    tenant_id   text NOT NULL REFERENCES tenants(id),
    role        text NOT NULL,
    regions     text[] NOT NULL DEFAULT '{}',
    label       text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
