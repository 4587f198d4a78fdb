-- conversation(id), its messages and the conversations drill-down look events up by
-- conversation id, which is not in the sort key, so every lookup read the region's whole
-- table with FINAL. A bloom filter over every 4 granules lets ClickHouse skip the granules
-- that cannot hold the id. Measured on 3.3M events in 13 parts: 266 → 33 ms per conversation;
-- the cost at insert is in BENCHMARKS.md (2026-11-30).
ALTER TABLE {{.DB}}.{{.Local "events"}} {{.OnCluster}} ADD INDEX IF NOT EXISTS conversation conversation_id TYPE bloom_filter(0.01) GRANULARITY 4;
ALTER TABLE {{.DB}}.{{.Local "events"}} {{.OnCluster}} MATERIALIZE INDEX conversation;
