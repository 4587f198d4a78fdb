-- Every event of a region, one row per (tenant, id). ReplacingMergeTree collapses the copies a
-- crash-and-replay or a client retry can leave; readers use FINAL so counts are exact before
-- background merges run. Partitioned by month for retention; ordered for the dashboards'
-- filters (tenant, day, channel, language) with id last so duplicates share a sort key.
CREATE TABLE IF NOT EXISTS {{.DB}}.{{.Local "events"}} {{.OnCluster}}
(
    tenant              LowCardinality(String),
    id                  String,
    type                LowCardinality(String),
    version             UInt8,
    occurred_at         DateTime64(3, 'UTC'),
    received_at         DateTime64(3, 'UTC'),
    channel             LowCardinality(String),
    direction           LowCardinality(String),
    conversation_id     String,
    customer_id         String,
    country             LowCardinality(String),
    language            LowCardinality(String),
    tier                LowCardinality(String),
    text                String,
    platform_message_id String,
    agent_id            String,
    team                LowCardinality(String),
    queue               LowCardinality(String),
    to_queue            LowCardinality(String),
    from_region         LowCardinality(String),
    to_region           LowCardinality(String),
    reason              String,
    summary             String,
    score               Nullable(Float32),
    action              LowCardinality(String),
    intent              LowCardinality(String),
    confidence          Nullable(Float32),
    sentiment           Nullable(Float32),
    product             LowCardinality(String),
    attachments         UInt16,
    attributes          Map(String, String),
    inserted_at         DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = {{.Engine "ReplacingMergeTree(inserted_at)" "events"}}
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (tenant, toDate(occurred_at), channel, language, id)
SETTINGS index_granularity = 8192;

{{if .Cluster}}
CREATE TABLE IF NOT EXISTS {{.DB}}.events {{.OnCluster}} AS {{.DB}}.{{.Local "events"}}
ENGINE = Distributed('{{.Cluster}}', '{{.DB}}', '{{.Local "events"}}', sipHash64(tenant, id));
{{end}}
