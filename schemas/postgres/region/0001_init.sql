-- One schema per residency region (region_eu, region_us, ...): the rows about a customer live
-- only in their region's schema.

-- Crypto-shredding: each customer's personal fields are encrypted with this key before they
-- reach Kafka. Erasure deletes the row, which makes every copy in the log unreadable.
CREATE TABLE customer_keys (
    tenant_id    text NOT NULL,
    customer_id  text NOT NULL,
    wrapped_key  bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, customer_id)
);

CREATE TABLE customers (
    tenant_id          text NOT NULL,
    customer_id        text NOT NULL,
    country            text NOT NULL,
    tier               text NOT NULL DEFAULT '',
    preferred_channel  text NOT NULL DEFAULT '',
    first_seen_at      timestamptz NOT NULL,
    last_seen_at       timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, customer_id)
);

CREATE TABLE teams (
    tenant_id  text NOT NULL,
    team_id    text NOT NULL,
    name       text NOT NULL,
    time_zone  text NOT NULL DEFAULT 'UTC',
    PRIMARY KEY (tenant_id, team_id)
);

CREATE TABLE agents (
    tenant_id  text NOT NULL,
    agent_id   text NOT NULL,
    team_id    text,
    languages  text[] NOT NULL DEFAULT '{}',
    skills     text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant_id, agent_id)
);

-- The current state of each conversation, projected from the event stream. last_event_at
-- makes the projection order-independent: an older event never overwrites a newer state.
CREATE TABLE conversations (
    tenant_id        text NOT NULL,
    conversation_id  text NOT NULL,
    customer_id      text NOT NULL,
    channel          text NOT NULL DEFAULT '',
    status           text NOT NULL,
    queue            text NOT NULL DEFAULT '',
    agent_id         text NOT NULL DEFAULT '',
    language         text NOT NULL DEFAULT '',
    opened_at        timestamptz NOT NULL,
    last_event_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, conversation_id)
);
CREATE INDEX conversations_status ON conversations (tenant_id, status, last_event_at DESC);
