-- Consent per customer, channel and purpose to messages outside a conversation (a WhatsApp
-- template after the 24-hour window, an e-mail campaign): the outbox sends those only when the
-- latest answer is granted. One row per (customer, channel, purpose), its latest answer; every
-- change is also in the audit trail (admin.set_consent).
CREATE TABLE consents (
    tenant_id    text        NOT NULL,
    customer_id  text        NOT NULL,
    channel      text        NOT NULL,
    purpose      text        NOT NULL,
    granted      boolean     NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, customer_id, channel, purpose)
);
