package clickhouse

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// failingDB answers no query, like an endpoint that is down.
type failingDB struct{ DB }

func (failingDB) Query(context.Context, string) (*Result, error) {
	return nil, errors.New("connection refused")
}

func TestCollectorReportsTheEnginesMemoryAndParts(t *testing.T) {
	ctx := context.Background()
	db := migratedChDB(t, "eu")
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewCollector(map[string]DB{"embedded": db, "us": failingDB{}}, slog.New(slog.NewTextHandler(io.Discard, nil))))
	before := gather(t, reg)
	rows := `{"tenant":"t","id":"a","type":"message.received","occurred_at":"2026-11-20 10:00:00","received_at":"2026-11-20 10:00:01","channel":"whatsapp"}
`
	for range 2 {
		if err := db.Insert(ctx, Database("eu")+".events", "JSONEachRow", []byte(rows)); err != nil {
			t.Fatal(err)
		}
	}
	got := gather(t, reg)
	if got[`meridian_clickhouse_up{store="embedded"}`] != 1 || got[`meridian_clickhouse_up{store="us"}`] != 0 {
		t.Fatalf("up: %v, want embedded 1 and us 0", got)
	}
	if v := got[`meridian_clickhouse_memory_bytes{store="embedded"}`]; v <= 0 {
		t.Fatalf("memory_bytes = %v, want the engine's tracked memory (> 0); all: %v", v, got)
	}
	// Two inserts add two active parts, or one once a merge has joined them.
	active := `meridian_clickhouse_parts{state="active",store="embedded"}`
	if d := got[active] - before[active]; d < 1 || d > 2 {
		t.Fatalf("active parts %v → %v after two inserts, want 1 or 2 more", before[active], got[active])
	}
	if _, ok := got[`meridian_clickhouse_cache_bytes{cache="mark",store="embedded"}`]; !ok {
		t.Fatalf("no mark cache figure: %v", got)
	}
	// chDB is built with jemalloc: its totals are read from the statistics report.
	alloc := func(kind string) float64 {
		return got[`meridian_clickhouse_allocator_bytes{kind="`+kind+`",store="embedded"}`]
	}
	if a, r, m := alloc("allocated"), alloc("resident"), alloc("mapped"); a <= 0 || r < a/2 || m < r {
		t.Fatalf("allocator: allocated %v, resident %v, mapped %v; want allocated > 0, resident ≥ half of it, mapped ≥ resident", a, r, m)
	}
	if _, ok := got[`meridian_clickhouse_allocator_bytes{kind="retained",store="embedded"}`]; !ok {
		t.Fatalf("no retained figure (the last of the totals line): %v", got)
	}
	if _, ok := got[`meridian_clickhouse_memory_bytes{store="us"}`]; ok {
		t.Fatal("a store that did not answer reported memory")
	}
}

func gather(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			got[f.GetName()+labels(m)] = m.GetGauge().GetValue()
		}
	}
	return got
}

func labels(m *dto.Metric) string {
	s := "{"
	for i, l := range m.GetLabel() {
		if i > 0 {
			s += ","
		}
		s += l.GetName() + `="` + l.GetValue() + `"`
	}
	return s + "}"
}
