-- The translation cache (translation.Cached): one row per customer, provider, language pair,
-- domain and text digest, the translation sealed with the customer's data key, so that erasing
-- the customer makes it unreadable (and deleting the customer's rows removes it).
CREATE TABLE translations (
    key_hash     bytea PRIMARY KEY,  -- SHA-256 of translation.CacheKey.String()
    tenant_id    text NOT NULL,
    customer_id  text NOT NULL,
    sealed       text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX translations_customer ON translations (tenant_id, customer_id);
