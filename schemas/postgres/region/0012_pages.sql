-- Pages of the on-call person (conversation/oncall) for escalated conversations: opened with
-- the escalation, in its transaction; paged step by step along the rota's chain until someone
-- acknowledges; each attempt's failure kept so that it is visible.
CREATE TABLE pages (
    tenant_id        text NOT NULL,
    page_id          text NOT NULL,
    conversation_id  text NOT NULL,
    urgency          text NOT NULL DEFAULT '',
    reason           text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL,
    acknowledged_at  timestamptz,
    acknowledged_by  text NOT NULL DEFAULT '',
    steps_paged      integer NOT NULL DEFAULT 0,
    next_at          timestamptz,               -- null: nothing more to page (acknowledged or the chain is done)
    attempts         integer NOT NULL DEFAULT 0,
    last_error       text NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, page_id)
);
CREATE INDEX pages_due ON pages (next_at) WHERE next_at IS NOT NULL;
CREATE INDEX pages_conversation ON pages (tenant_id, conversation_id, created_at DESC);
