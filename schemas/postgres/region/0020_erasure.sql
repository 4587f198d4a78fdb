-- Erasure (GDPR Art. 17) and legal holds (compliance/erasure). Neither table holds personal
-- data: customer_id is the pseudonymous id, and a certificate lists what was erased where,
-- never the identifiers or texts it erased.

-- A legal hold keeps a customer's data from erasure (and, later, retention) until released.
CREATE TABLE legal_holds (
    hold_id      text PRIMARY KEY,
    tenant_id    text NOT NULL,
    customer_id  text NOT NULL,
    reason       text NOT NULL,
    placed_by    text NOT NULL DEFAULT '',  -- the API key's id
    placed_at    timestamptz NOT NULL,
    released_by  text NOT NULL DEFAULT '',
    released_at  timestamptz
);
-- At most one active hold per customer; the lookup erasure and retention make.
CREATE UNIQUE INDEX legal_holds_active ON legal_holds (tenant_id, customer_id) WHERE released_at IS NULL;

-- Every erasure's certificate, COMPLETED, INCOMPLETE or BLOCKED, as the caller received it.
CREATE TABLE erasure_certificates (
    certificate_id  text PRIMARY KEY,
    tenant_id       text NOT NULL,
    customer_id     text NOT NULL,
    status          text NOT NULL,
    requested_at    timestamptz NOT NULL,
    completed_at    timestamptz,
    certificate     jsonb NOT NULL
);
CREATE INDEX erasure_certificates_customer ON erasure_certificates (tenant_id, customer_id, requested_at);
