-- Channels and identity (issue 16). Values that name a person (platform user ids, phone
-- numbers, e-mail addresses, reply tokens, message texts) are sealed with the customer's data
-- key (compliance/shred) and found through keyed hashes (Keyring.Pseudonym of "kind:value"):
-- erasing the customer's key makes every one of them unreadable.

-- The identity graph: every key a person is known by, linked to one customer.
CREATE TABLE identities (
    tenant_id    text NOT NULL,
    key_hash     text NOT NULL,
    kind         text NOT NULL,
    customer_id  text NOT NULL,
    sealed_value text NOT NULL,
    sealed_by    text NOT NULL, -- the customer whose data key sealed the value (merges move keys, not seals)
    origin       text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, key_hash)
);
CREATE INDEX identities_customer ON identities (tenant_id, customer_id);

-- Customers folded into another one. Past events keep the id they were stored with; reads
-- follow merged_into. An unmerge deletes the row and moves the identities back.
CREATE TABLE customer_merges (
    tenant_id    text NOT NULL,
    customer_id  text NOT NULL,
    merged_into  text NOT NULL,
    reason       text NOT NULL,
    merged_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, customer_id)
);
CREATE INDEX customer_merges_into ON customer_merges (tenant_id, merged_into);

-- Where a conversation's replies go: the exact identity and channel account its last inbound
-- message came from (never "the customer's" address: after a merge a reply still goes where
-- the customer wrote from).
-- Sealed with customer_id's key; customer_id is the one the conversation started with.
CREATE TABLE conversation_addresses (
    tenant_id        text NOT NULL,
    conversation_id  text NOT NULL,
    customer_id      text NOT NULL,
    channel          text NOT NULL,
    account          text NOT NULL,
    recipient        text NOT NULL,
    reply_token      text NOT NULL DEFAULT '',
    thread           text[] NOT NULL DEFAULT '{}',
    subject          text NOT NULL DEFAULT '',
    last_inbound_at  timestamptz NOT NULL,
    opened_at        timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, conversation_id)
);
CREATE INDEX conversation_addresses_customer ON conversation_addresses (tenant_id, customer_id, last_inbound_at DESC);

-- Platform deliveries already taken, by event id: a redelivery (LINE's isRedelivery, a
-- webhook retried after a timeout) lands in the conversation the first delivery went to.
-- Its channel and customer let the preferred channel be learned from reply behaviour.
CREATE TABLE channel_receipts (
    tenant_id        text NOT NULL,
    event_id         text NOT NULL,
    conversation_id  text NOT NULL,
    customer_id      text NOT NULL,
    channel          text NOT NULL,
    opened           boolean NOT NULL, -- it opened the conversation: a retry re-sends that event too
    received_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, event_id)
);
CREATE INDEX channel_receipts_customer ON channel_receipts (tenant_id, customer_id, received_at DESC);

-- The send ledger: every reply, written before it is sent. A reply is sent at most once: it is
-- marked sending before the platform is called, and a reply found sending after a crash is
-- not sent again but marked failed for an agent to check (platforms take no idempotency key,
-- except LINE's push, which gets the ledger id).
CREATE TABLE outbound_messages (
    tenant_id            text NOT NULL,
    message_id           text NOT NULL,
    client_message_id    text NOT NULL DEFAULT '',
    conversation_id      text NOT NULL,
    customer_id          text NOT NULL,
    channel              text NOT NULL,
    account              text NOT NULL,
    recipient            text NOT NULL,
    text                 text NOT NULL,
    agent_id             text NOT NULL DEFAULT '',
    state                text NOT NULL,
    platform_message_id  text NOT NULL DEFAULT '',
    reason               text NOT NULL DEFAULT '',
    attempts             integer NOT NULL DEFAULT 0,
    published            boolean NOT NULL DEFAULT false, -- its message.sent event is acknowledged by Kafka
    next_attempt_at      timestamptz NOT NULL DEFAULT now(),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, message_id)
);
CREATE UNIQUE INDEX outbound_messages_client_id ON outbound_messages (tenant_id, conversation_id, client_message_id) WHERE client_message_id <> '';
CREATE INDEX outbound_messages_platform_id ON outbound_messages (channel, platform_message_id) WHERE platform_message_id <> '';
CREATE INDEX outbound_messages_due ON outbound_messages (next_attempt_at) WHERE state = 'pending' OR (state <> 'failed' AND state <> 'sending' AND NOT published);
