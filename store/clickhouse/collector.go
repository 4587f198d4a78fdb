package clickhouse

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// engineMetrics maps the ClickHouse current metrics (system.metrics) that /metrics exposes to
// a Prometheus family and the value of its variable label, if any.
var engineMetrics = map[string]struct{ family, label string }{
	"MemoryTracking":                {"memory_bytes", ""},
	"MergesMutationsMemoryTracking": {"merge_memory_bytes", ""},
	"MarkCacheBytes":                {"cache_bytes", "mark"},
	"PrimaryIndexCacheBytes":        {"cache_bytes", "primary_index"},
	"UncompressedCacheBytes":        {"cache_bytes", "uncompressed"},
	"QueryConditionCacheBytes":      {"cache_bytes", "query_condition"},
	"QueryCacheBytes":               {"cache_bytes", "query"},
	"CompiledExpressionCacheBytes":  {"cache_bytes", "compiled_expression"},
	"PageCacheBytes":                {"cache_bytes", "page"},
	"PartsActive":                   {"parts", "active"},
	"PartsOutdated":                 {"parts", "outdated"},
}

// engineQuery reads engineMetrics; jemallocQuery only the totals line of jemalloc's
// statistics report, which is ~60 KB in all.
var (
	engineQuery = func() string {
		names := make([]string, 0, len(engineMetrics))
		for n := range engineMetrics {
			names = append(names, Quote(n))
		}
		return "SELECT metric, value FROM system.metrics WHERE metric IN (" + strings.Join(names, ", ") + ")"
	}()
	jemallocQuery = `SELECT extract(stats, 'Allocated: [^\n]*') FROM system.jemalloc_stats`
)

// Collector exposes the memory, caches and part counts of ClickHouse endpoints to Prometheus,
// read from system.metrics at each scrape: chDB shares the server's memory, so its growth
// shows on /metrics apart from Go's. For a cluster the figures are the node the driver reaches.
type Collector struct {
	stores  map[string]DB // label -> endpoint
	log     *slog.Logger
	up      *prometheus.Desc
	alloc   *prometheus.Desc
	descs   map[string]*prometheus.Desc // by engineMetrics family
	timeout time.Duration
}

// NewCollector reports each endpoint under its label (store="…"). Regions that share an
// endpoint should share one entry, or its figures would be counted once per region.
func NewCollector(stores map[string]DB, log *slog.Logger) *Collector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("meridian_clickhouse_"+name, help, append([]string{"store"}, labels...), nil)
	}
	return &Collector{
		stores: stores,
		log:    log,
		up:     d("up", "1 if the store answered the metrics query of this scrape"),
		alloc:  d("allocator_bytes", "ClickHouse's jemalloc: allocated, active, metadata, resident, mapped and retained bytes (resident is what it holds in RAM, freed memory included until it is purged)", "kind"),
		descs: map[string]*prometheus.Desc{
			"memory_bytes":       d("memory_bytes", "memory tracked by ClickHouse (MemoryTracking); for chDB, part of this process's RSS"),
			"merge_memory_bytes": d("merge_memory_bytes", "memory of running merges and mutations"),
			"cache_bytes":        d("cache_bytes", "bytes held by each of ClickHouse's caches", "cache"),
			"parts":              d("parts", "data parts of MergeTree tables by state (outdated parts wait to be removed)", "state"),
		},
		timeout: 2 * time.Second,
	}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.up
	ch <- c.alloc
	for _, d := range c.descs {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	for store, db := range c.stores {
		c.collect(ch, store, db)
	}
}

func (c *Collector) collect(ch chan<- prometheus.Metric, store string, db DB) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	res, err := db.Query(ctx, engineQuery)
	if err != nil {
		c.log.Warn("clickhouse metrics", "store", store, "err", err)
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0, store)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 1, store)
	for _, row := range res.Rows {
		if len(row) < 2 {
			continue
		}
		m, ok := engineMetrics[String(row[0])]
		if !ok {
			continue
		}
		labels := []string{store}
		if m.label != "" {
			labels = append(labels, m.label)
		}
		ch <- prometheus.MustNewConstMetric(c.descs[m.family], prometheus.GaugeValue, Float(row[1]), labels...)
	}
	// Versions without the table, or built without jemalloc, simply lack these figures.
	if stats, err := db.Query(ctx, jemallocQuery); err == nil && len(stats.Rows) == 1 && len(stats.Rows[0]) == 1 {
		for kind, v := range jemallocTotals(String(stats.Rows[0][0])) {
			ch <- prometheus.MustNewConstMetric(c.alloc, prometheus.GaugeValue, v, store, kind)
		}
	}
}

// jemallocTotals reads the totals line of jemalloc's statistics report ("Allocated: 1, active:
// 2, metadata: 3 (…), resident: 4, mapped: 5, retained: 6").
func jemallocTotals(line string) map[string]float64 {
	rest, ok := strings.CutPrefix(line, "Allocated: ")
	if !ok {
		return nil
	}
	if i, j := strings.IndexByte(rest, '('), strings.IndexByte(rest, ')'); 0 <= i && i < j {
		rest = rest[:i] + rest[j+1:] // metadata's breakdown
	}
	out := map[string]float64{}
	for _, f := range strings.Split("allocated: "+rest, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(f), ": ")
		if n, err := strconv.ParseFloat(strings.TrimSpace(val), 64); ok && err == nil {
			out[name] = n
		}
	}
	return out
}
