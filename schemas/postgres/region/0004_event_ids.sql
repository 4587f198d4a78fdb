-- The first accepted version of each event id. An event id is the idempotency key: a retry
-- with the same content is absorbed by every store, but a different body under an id already
-- accepted must never replace what was stored (any ingest key could otherwise rewrite a
-- message's text). The sink claims each id here before storing, with a keyed hash of the
-- event's content (compliance/shred.Keyring.ContentHash, no personal data in the clear);
-- a later event with the same id and another hash is dead-lettered as a conflict.
CREATE TABLE event_ids (
    tenant_id     text NOT NULL,
    event_id      text NOT NULL,
    content_hash  bytea NOT NULL,
    PRIMARY KEY (tenant_id, event_id)
);
