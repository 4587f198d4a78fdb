-- The conversation engine's state (conversation/engine), written only by it and by the
-- workspace's mutations, in the same transaction as the decision that changed it.
--
-- work: each conversation the engine has decided about: where it waits or who has it, at what
-- priority, and what the router knew of it. The agents' loads are counted from it.
CREATE TABLE work (
    tenant_id        text NOT NULL,
    conversation_id  text NOT NULL,
    customer_id      text NOT NULL,
    country          text NOT NULL DEFAULT '',
    tier             text NOT NULL DEFAULT '',
    channel          text NOT NULL DEFAULT '',
    kind             text NOT NULL DEFAULT 'messaging',
    status           text NOT NULL,                 -- queued, assigned, resolved
    assignee         text NOT NULL DEFAULT '',
    previous_agent   text NOT NULL DEFAULT '',
    queue            text NOT NULL DEFAULT '',
    priority         integer NOT NULL DEFAULT 1,    -- routing.Priority: 0 low .. 3 urgent
    language         text NOT NULL DEFAULT '',
    intent           text NOT NULL DEFAULT '',
    issue_type       text NOT NULL DEFAULT '',
    urgency          text NOT NULL DEFAULT '',
    waiting_since    timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, conversation_id)
);
CREATE INDEX work_queued ON work (tenant_id, priority DESC, waiting_since) WHERE status = 'queued';
CREATE INDEX work_assigned ON work (tenant_id, assignee) WHERE status = 'assigned';

-- decisions: one row per decision, keyed by what caused it (the analysed message's event id,
-- a mutation's id), holding the events it produced until Kafka acknowledged them. A replayed
-- cause finds its row and decides nothing again; a crash between the commit and the
-- acknowledgement leaves published false, and the events are published again (same ids).
CREATE TABLE decisions (
    tenant_id        text NOT NULL,
    decision_id      text NOT NULL,
    conversation_id  text NOT NULL,
    events           jsonb NOT NULL DEFAULT '[]',
    published        boolean NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, decision_id)
);
CREATE INDEX decisions_unpublished ON decisions (created_at) WHERE NOT published;
