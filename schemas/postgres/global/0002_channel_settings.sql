-- Channel settings per tenant (the MERIDIAN_<CHANNEL>_* settings of a tenant's own accounts),
-- as a JSON object sealed with the master key: secrets never rest in the clear. The
-- environment's settings serve the default tenant at /webhooks/{channel}; a tenant's settings
-- here serve /webhooks/{channel}/{tenant}.
CREATE TABLE channel_settings (
    tenant_id   text NOT NULL REFERENCES tenants (id),
    channel     text NOT NULL,
    sealed      bytea NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, channel)
);
