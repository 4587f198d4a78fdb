-- Demand forecasts written back by the refresh job (forecasting/refresh), one row per series,
-- interval length and forecast step. A series is a region's contacts (conversations opened)
-- for one combination of language, channel and queue ('*' = all). ReplacingMergeTree keeps the
-- newest generated_at per (tenant, series, interval_seconds, ts), so a refresh replaces the
-- previous run's values for the steps it covers; the steps of older runs that lie before it
-- stay as the record of what was forecast. Readers take the rows of the latest generated_at.
CREATE TABLE IF NOT EXISTS {{.DB}}.{{.Local "forecasts"}} {{.OnCluster}}
(
    tenant            LowCardinality(String),
    series            String,
    language          LowCardinality(String),
    channel           LowCardinality(String),
    queue             LowCardinality(String),
    market            LowCardinality(String),
    interval_seconds  UInt32,
    ts                DateTime('UTC'),
    model             LowCardinality(String),
    mean              Float64,
    lo                Float64,
    hi                Float64,
    level             Float32,
    generated_at      DateTime64(3, 'UTC')
)
ENGINE = {{.Engine "ReplacingMergeTree(generated_at)" "forecasts"}}
PARTITION BY toYYYYMM(ts)
ORDER BY (tenant, series, interval_seconds, ts);

-- Accuracy of the selected model of each series in the run's rolling-origin backtest, beside
-- the seasonal-naive baselines (same step last week, same step yesterday), and the share of a
-- one-week hold-out inside the prediction interval; NULL where the history was too short to
-- measure it. One row per (tenant, series,
-- interval_seconds): a refresh replaces it.
CREATE TABLE IF NOT EXISTS {{.DB}}.{{.Local "forecast_accuracy"}} {{.OnCluster}}
(
    tenant               LowCardinality(String),
    series               String,
    interval_seconds     UInt32,
    model                LowCardinality(String),
    mae                  Nullable(Float64),
    mase                 Nullable(Float64),
    smape                Nullable(Float64),
    coverage             Nullable(Float64),
    level                Float32,
    baseline_week_mase   Nullable(Float64),
    baseline_week_smape  Nullable(Float64),
    baseline_day_mase    Nullable(Float64),
    baseline_day_smape   Nullable(Float64),
    history_from         DateTime('UTC'),
    history_to           DateTime('UTC'),
    contacts             Float64,
    generated_at         DateTime64(3, 'UTC')
)
ENGINE = {{.Engine "ReplacingMergeTree(generated_at)" "forecast_accuracy"}}
ORDER BY (tenant, series, interval_seconds);

{{if .Cluster}}
CREATE TABLE IF NOT EXISTS {{.DB}}.forecasts {{.OnCluster}} AS {{.DB}}.{{.Local "forecasts"}}
ENGINE = Distributed('{{.Cluster}}', '{{.DB}}', '{{.Local "forecasts"}}', sipHash64(tenant, series));

CREATE TABLE IF NOT EXISTS {{.DB}}.forecast_accuracy {{.OnCluster}} AS {{.DB}}.{{.Local "forecast_accuracy"}}
ENGINE = Distributed('{{.Cluster}}', '{{.DB}}', '{{.Local "forecast_accuracy"}}', sipHash64(tenant, series));
{{end}}
