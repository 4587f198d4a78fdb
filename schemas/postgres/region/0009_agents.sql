-- The people who answer conversations in this region (conversation.Agent): the languages they
-- speak and how well (1..5, 5 native), their skills and the customer tiers they serve (empty:
-- no restriction), how many conversations of each kind of work they take at once, their time
-- zone and weekly shifts (local times), and their live presence. 0001's agents table was never
-- written; it is replaced.
DROP TABLE agents;
CREATE TABLE agents (
    tenant_id         text NOT NULL,
    agent_id          text NOT NULL,
    name              text NOT NULL,
    team              text NOT NULL DEFAULT '',
    languages         jsonb NOT NULL,                  -- {"de": 5, "en": 4}
    skills            text[] NOT NULL DEFAULT '{}',
    tiers             text[] NOT NULL DEFAULT '{}',
    max_concurrent    integer NOT NULL,                -- messaging conversations
    capacity          jsonb NOT NULL DEFAULT '{}',     -- other kinds of work: {"email": 8, "voice": 1}
    timezone          text NOT NULL,
    shifts            jsonb NOT NULL DEFAULT '[]',     -- [{"weekday": 1, "start": "09:00", "end": "17:00"}]
    presence          text NOT NULL DEFAULT 'offline', -- online, away, offline
    presence_at       timestamptz NOT NULL DEFAULT now(),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, agent_id)
);
CREATE INDEX agents_presence ON agents (tenant_id, presence);
