-- The first accepted version of each event id. An event id is the idempotency key: a retry
-- with the same content is absorbed by every store, but a different body under an id already
-- accepted must never replace what was stored (any ingest key could otherwise rewrite a
-- message's text). The sink claims each id here before storing, with a keyed hash of the
-- event's content (compliance/shred.Keyring.ContentHash, no personal data in the clear);
-- a later event with the same id and another hash is dead-lettered as a conflict.
-- The key is the first 16 bytes of SHA-256(tenant, 0, id): a fixed-size uuid key made a
-- claim of 20,000 ids ~3x cheaper than a (tenant, id) text key (BENCHMARKS.md).
CREATE TABLE event_ids (
    id_key        uuid PRIMARY KEY,
    content_hash  bytea NOT NULL
);
