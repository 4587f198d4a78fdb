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
	"MemoryTracking":                {"memory", ""},
	"MergesMutationsMemoryTracking": {"merge_memory", ""},
	"MarkCacheBytes":                {"cache", "mark"},
	"PrimaryIndexCacheBytes":        {"cache", "primary_index"},
	"UncompressedCacheBytes":        {"cache", "uncompressed"},
	"QueryConditionCacheBytes":      {"cache", "query_condition"},
	"QueryCacheBytes":               {"cache", "query"},
	"CompiledExpressionCacheBytes":  {"cache", "compiled_expression"},
	"PageCacheBytes":                {"cache", "page"},
	"PartsActive":                   {"parts", "active"},
	"PartsOutdated":                 {"parts", "outdated"},
}

// Collector exposes the memory, caches and part counts of ClickHouse endpoints to Prometheus,
// read from system.metrics at each scrape: chDB shares the server's memory, so its growth
// shows on /metrics apart from Go's. For a cluster the figures are the node the driver reaches.
type Collector struct {
	stores  map[string]DB // label -> endpoint
	log     *slog.Logger
	up      *prometheus.Desc
	memory  *prometheus.Desc
	merge   *prometheus.Desc
	cache   *prometheus.Desc
	parts   *prometheus.Desc
	alloc   *prometheus.Desc
	timeout time.Duration
}

// NewCollector reports each endpoint under its label (store="…"). Regions that share an
// endpoint should share one entry, or its figures would be counted once per region.
func NewCollector(stores map[string]DB, log *slog.Logger) *Collector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("meridian_clickhouse_"+name, help, append([]string{"store"}, labels...), nil)
	}
	return &Collector{
		stores:  stores,
		log:     log,
		up:      d("up", "1 if the store answered the metrics query of this scrape"),
		memory:  d("memory_bytes", "memory tracked by ClickHouse (MemoryTracking); for chDB, part of this process's RSS"),
		merge:   d("merge_memory_bytes", "memory of running merges and mutations"),
		cache:   d("cache_bytes", "bytes held by each of ClickHouse's caches", "cache"),
		parts:   d("parts", "data parts of MergeTree tables by state (outdated parts wait to be removed)", "state"),
		alloc:   d("allocator_bytes", "ClickHouse's jemalloc: allocated, active, metadata, resident, mapped and retained bytes (resident is what it holds in RAM, freed memory included until it is purged)", "kind"),
		timeout: 2 * time.Second,
	}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.up, c.memory, c.merge, c.cache, c.parts, c.alloc} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	names := make([]string, 0, len(engineMetrics))
	for n := range engineMetrics {
		names = append(names, Quote(n))
	}
	q := "SELECT metric, value FROM system.metrics WHERE metric IN (" + strings.Join(names, ", ") + ")"
	for store, db := range c.stores {
		c.collect(ch, q, store, db)
	}
}

func (c *Collector) collect(ch chan<- prometheus.Metric, q, store string, db DB) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	res, err := db.Query(ctx, q)
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
		v := Float(row[1])
		switch m.family {
		case "memory":
			ch <- prometheus.MustNewConstMetric(c.memory, prometheus.GaugeValue, v, store)
		case "merge_memory":
			ch <- prometheus.MustNewConstMetric(c.merge, prometheus.GaugeValue, v, store)
		case "cache":
			ch <- prometheus.MustNewConstMetric(c.cache, prometheus.GaugeValue, v, store, m.label)
		case "parts":
			ch <- prometheus.MustNewConstMetric(c.parts, prometheus.GaugeValue, v, store, m.label)
		}
	}
	// Versions without the table, or built without jemalloc, simply lack these figures.
	if stats, err := db.Query(ctx, "SELECT * FROM system.jemalloc_stats"); err == nil {
		for kind, v := range jemallocTotals(stats) {
			ch <- prometheus.MustNewConstMetric(c.alloc, prometheus.GaugeValue, v, store, kind)
		}
	}
}

// jemallocTotals reads the totals line of jemalloc's statistics report ("Allocated: 1, active:
// 2, metadata: 3 (…), resident: 4, mapped: 5, retained: 6").
func jemallocTotals(stats *Result) map[string]float64 {
	for _, row := range stats.Rows {
		for _, cell := range row {
			for line := range strings.Lines(String(cell)) {
				rest, ok := strings.CutPrefix(line, "Allocated: ")
				if !ok {
					continue
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
		}
	}
	return nil
}
