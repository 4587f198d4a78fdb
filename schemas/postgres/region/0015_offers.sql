-- Offer-and-accept (conversation/engine, offer.go). A team chooses how its agents get
-- conversations: assigned at once (direct, the default), or offered, the agent accepting or
-- declining within the team's offer timeout. 0001's teams table was never written; it gains
-- the setting (agents name their team in agents.team).
ALTER TABLE teams ADD COLUMN assignment text NOT NULL DEFAULT 'direct';  -- direct, offer
ALTER TABLE teams ADD COLUMN offer_timeout_seconds integer NOT NULL DEFAULT 60;
ALTER TABLE teams ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

-- offers: the open offer of a conversation waiting in its queue (work.status stays queued):
-- to whom, until when, under which id (its conversation.offered event's), and who declined
-- it or let it expire, so that it passes to the next agent. An offered conversation is in
-- nobody else's queue and counts in its agent's load.
CREATE TABLE offers (
    tenant_id        text NOT NULL,
    conversation_id  text NOT NULL,
    offer_id         text NOT NULL DEFAULT '',
    agent_id         text NOT NULL DEFAULT '',  -- '' while nobody is offered it
    expires_at       timestamptz,
    declined         text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant_id, conversation_id)
);
CREATE INDEX offers_expiring ON offers (expires_at) WHERE agent_id <> '';
CREATE INDEX offers_agent ON offers (tenant_id, agent_id) WHERE agent_id <> '';

-- A conversation that stops waiting (assigned, by the offer's acceptance or anyone's
-- action, or resolved) has no offer any more, whoever wrote the work row.
CREATE FUNCTION work_drop_offer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('DELETE FROM %I.offers WHERE tenant_id = $1 AND conversation_id = $2', TG_TABLE_SCHEMA)
        USING NEW.tenant_id, NEW.conversation_id;
    RETURN NULL;
END $$;
CREATE TRIGGER work_drop_offer AFTER INSERT OR UPDATE OF status ON work
    FOR EACH ROW WHEN (NEW.status <> 'queued') EXECUTE FUNCTION work_drop_offer();
