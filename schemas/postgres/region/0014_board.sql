-- The supervisor's board (engine.Boards) counts the open work of a tenant by language and
-- status; resolved conversations, most of the table over time, stay out of its scan.
CREATE INDEX work_open ON work (tenant_id, language) WHERE status <> 'resolved';
