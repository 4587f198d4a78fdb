package residency_test

import (
	"context"
	"testing"

	"github.com/meridian-cs/meridian/compliance/residency"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/clickhouse"
	"github.com/meridian-cs/meridian/store/clickhouse/chtest"
	"github.com/meridian-cs/meridian/store/postgres"
	"github.com/meridian-cs/meridian/store/postgres/pglocal/pgtest"
)

var ch clickhouse.DB

func TestMain(m *testing.M) {
	chtest.Main(m, []string{"eu", "us"}, func(_ context.Context, db clickhouse.DB) error { ch = db; return nil })
}

// A row of a country that belongs to another region is counted as misplaced, in ClickHouse
// and in PostgreSQL, and the countries seen are reported per store: the report can fail.
func TestReportCountsRowsOfAnotherRegion(t *testing.T) {
	ctx := context.Background()
	rows := `{"tenant":"t","id":"1","type":"message.received","country":"DE","occurred_at":"2026-11-01 00:00:00.000","received_at":"2026-11-01 00:00:00.000"}
{"tenant":"t","id":"2","type":"message.received","country":"DE","occurred_at":"2026-11-01 00:00:00.000","received_at":"2026-11-01 00:00:00.000"}
{"tenant":"t","id":"3","type":"message.received","country":"US","occurred_at":"2026-11-01 00:00:00.000","received_at":"2026-11-01 00:00:00.000"}
`
	if err := ch.Insert(ctx, "meridian_eu.events", "JSONEachRow", []byte(rows)); err != nil {
		t.Fatal(err)
	}
	pg, err := postgres.Open(ctx, pgtest.StartForTest(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	if _, err := pg.Migrate(ctx, []string{"eu", "us"}); err != nil {
		t.Fatal(err)
	}
	if _, err := pg.Pool.Exec(ctx, `INSERT INTO region_us.customers (tenant_id, customer_id, country, first_seen_at, last_seen_at) VALUES ('t', 'a', 'US', now(), now()), ('t', 'b', 'FR', now(), now())`); err != nil {
		t.Fatal(err)
	}
	r := &residency.Reporter{Policy: models.DefaultPolicy(), ClickHouse: clickhouse.OneDB(ch, []string{"eu", "us"}), Postgres: &postgres.Residency{DB: pg},
		Topics: func(r string) []string { return []string{"meridian." + r + ".events"} }}
	rep, err := r.Report(ctx, []string{"eu", "us"})
	if err != nil {
		t.Fatal(err)
	}
	if rep[0].Region != "eu" || rep[0].Misplaced != 1 || rep[1].Region != "us" || rep[1].Misplaced != 1 || !rep[1].Fallback || rep[0].Fallback {
		t.Fatalf("report: %+v", rep)
	}
	eu := rep[0].Stores
	if eu[0].Store != residency.StoreClickHouse || eu[0].Countries["DE"] != 2 || eu[0].Countries["US"] != 1 {
		t.Fatalf("eu clickhouse: %+v", eu[0])
	}
	var events int64 = -1
	for _, tb := range eu[0].Tables {
		if tb.Name == "meridian_eu.events" {
			events = tb.Rows
		}
	}
	if events != 3 {
		t.Fatalf("eu events counted %d", events)
	}
	us := rep[1].Stores
	if us[1].Store != residency.StorePostgres || us[1].Location != "region_us" || us[1].Countries["FR"] != 1 || us[2].Tables[0].Rows != -1 {
		t.Fatalf("us stores: %+v", us)
	}
}
