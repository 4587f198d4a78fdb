-- One conversation status model (models.ConversationStatus): queued, assigned, bot, pending,
-- snoozed, resolved, the same in the projected state, the engine's work and ClickHouse.
--
-- conversations: open and handed_off were both "waiting for a human": queued now. An
-- escalation no longer sets a status (it raises the priority): an escalated conversation
-- takes the engine's status where the engine has it, else assigned when an agent had it,
-- else queued. Its status_at and status_event stay the escalation's: a later lifecycle event
-- still wins over it, as it did.
UPDATE conversations c SET status = w.status
  FROM work w
 WHERE c.status = 'escalated' AND w.tenant_id = c.tenant_id AND w.conversation_id = c.conversation_id
   AND w.status IN ('queued', 'assigned', 'resolved');
UPDATE conversations SET status = CASE WHEN agent_id <> '' THEN 'assigned' ELSE 'queued' END WHERE status = 'escalated';
UPDATE conversations SET status = 'queued' WHERE status IN ('open', 'handed_off');

-- work (conversation/engine) kept queued, assigned and resolved only; anything else that a
-- hand edit left is waiting for a human.
UPDATE work SET status = 'queued' WHERE status NOT IN ('queued', 'assigned', 'bot', 'pending', 'snoozed', 'resolved');

-- Pending and snoozed: when the pause began (the clocks' due times move by its length when
-- it ends) and when a snooze ends. Next response: due after each customer message that
-- follows an agent's reply, until the next reply. Warnings: targets warned about, each once
-- per clock, like breached.
ALTER TABLE work ADD COLUMN paused_at timestamptz;
ALTER TABLE work ADD COLUMN snooze_until timestamptz;
ALTER TABLE work ADD COLUMN next_response_due timestamptz;
ALTER TABLE work ADD COLUMN warned text[] NOT NULL DEFAULT '{}';
CREATE INDEX work_snoozed ON work (snooze_until) WHERE status = 'snoozed';
CREATE INDEX work_next_response_due ON work (next_response_due) WHERE status IN ('queued', 'assigned');

-- The first agent reply after a page: time to a human's first response.
ALTER TABLE pages ADD COLUMN responded_at timestamptz;
