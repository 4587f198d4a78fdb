-- A conversation's status is that of its latest lifecycle event (models.LifecycleStatus),
-- ties in time broken by the larger event id, exactly as ClickHouse's history derives it.
-- Comparing against last_event_at, which messages move too, let a delayed assignment lose to
-- an earlier-processed message; the status now keeps the time and id of the event it came
-- from. Existing rows take last_event_at, the best time known for them.
ALTER TABLE conversations ADD COLUMN status_at timestamptz;
ALTER TABLE conversations ADD COLUMN status_event text NOT NULL DEFAULT '';
UPDATE conversations SET status_at = last_event_at;
ALTER TABLE conversations ALTER COLUMN status_at SET NOT NULL;
ALTER TABLE conversations ALTER COLUMN status_at SET DEFAULT '-infinity';
