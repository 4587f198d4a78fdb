-- Follow-the-sun hand-offs (conversation/engine/handoff.go). A conversation's history stays in
-- its home region; only its work item moves to the region that takes it over, as a row of that
-- region's work table. Each hand-off is recorded in the home region (where the conversation
-- went) and in the receiving region, where the active row is the grant that lets its agents
-- read the conversation from the home region through the compliance gate. The summary and the
-- next step hold no message text: they are built from the analysis (intent, sentiment trend,
-- urgency, times), or by the translation provider from that summary.
CREATE TABLE handoffs (
    tenant_id        text NOT NULL,
    handoff_id       text NOT NULL,
    conversation_id  text NOT NULL,
    home_region      text NOT NULL,
    from_region      text NOT NULL,
    to_region        text NOT NULL,
    reason           text NOT NULL,              -- shift_end or transfer
    language         text NOT NULL DEFAULT '',   -- the summary's language
    summary          text NOT NULL DEFAULT '',
    next_step        text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL,
    active           boolean NOT NULL DEFAULT true,
    PRIMARY KEY (tenant_id, handoff_id)
);
CREATE INDEX handoffs_active ON handoffs (tenant_id, conversation_id) WHERE active;

-- What a summary says of the customer, kept by the engine from each analysed inbound message
-- (never its text): the first and latest sentiment (-1..1) and how many were analysed (a
-- trend needs two), and when the customer last wrote.
ALTER TABLE work ADD COLUMN sentiment_first double precision;
ALTER TABLE work ADD COLUMN sentiment_last double precision;
ALTER TABLE work ADD COLUMN sentiments integer NOT NULL DEFAULT 0;
ALTER TABLE work ADD COLUMN last_customer_at timestamptz;
