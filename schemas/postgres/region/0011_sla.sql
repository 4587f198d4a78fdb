-- SLA clocks of the conversation engine's work (conversation/sla): when the first response
-- and the resolution are due, when the first response came, and which targets were breached
-- (each recorded once, with its sla.breached event).
ALTER TABLE work ADD COLUMN first_response_due timestamptz;
ALTER TABLE work ADD COLUMN first_response_at timestamptz;
ALTER TABLE work ADD COLUMN resolution_due timestamptz;
ALTER TABLE work ADD COLUMN breached text[] NOT NULL DEFAULT '{}';
CREATE INDEX work_first_response_due ON work (first_response_due) WHERE first_response_at IS NULL AND status IN ('queued', 'assigned');
