-- Planning events: the releases, campaigns, outages and holidays that move contact demand.
-- They are data, entered by planners, and feed the forecasts (forecasting.Event): past ones so
-- their effect is learned, planned ones so it is forecast. markets lists ISO country codes
-- (empty: every market of the region). ends_at NULL: a holiday lasts one day, a surge decays
-- on its own. lift is the prior relative effect used until the history holds one of the kind
-- (0: the kind's default).
CREATE TABLE planning_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   text NOT NULL,
    name        text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('release', 'campaign', 'outage', 'holiday')),
    markets     text[] NOT NULL DEFAULT '{}',
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz,
    lift        double precision NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at IS NULL OR ends_at > starts_at)
);
CREATE INDEX planning_events_time ON planning_events (tenant_id, starts_at);
