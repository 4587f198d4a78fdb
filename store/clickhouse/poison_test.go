package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/models"
)

// A backfill of years arrives in one batch: 150 events a month apart used to fail as a whole
// ("Too many partitions for single INSERT block"), and with it every later batch of the region.
func TestABackfillOfYearsIsStoredFromOneBatch(t *testing.T) {
	ctx := context.Background()
	db := migratedChDB(t, "eu")
	start := time.Date(2014, 1, 15, 10, 0, 0, 0, time.UTC)
	var events []models.Event
	for i := range 150 {
		at := start.AddDate(0, i, 0)
		events = append(events, models.Event{ID: fmt.Sprintf("b%d", i), Type: models.ConversationResolved, Tenant: "t", Region: "eu",
			Version: 1, OccurredAt: at, ReceivedAt: at, ConversationID: fmt.Sprintf("c%d", i%7), Customer: &models.Customer{Country: "DE"}})
	}
	// Interleaved months, as several merged backfills arrive.
	for i := range len(events) / 2 {
		events[i], events[len(events)-1-i] = events[len(events)-1-i], events[i]
	}
	if _, err := (&EventWriter{DB: db, Region: "eu"}).StoreEvents(ctx, events); err != nil {
		t.Fatalf("a batch spanning 150 months: %v", err)
	}
	res, err := db.Query(ctx, "SELECT count(), uniqExact(toYYYYMM(occurred_at)) FROM meridian_eu.events FINAL WHERE tenant = 't'")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(res.Rows[0]); got != "[150 150]" {
		t.Fatalf("stored (events, months) = %s, want [150 150]", got)
	}
}

func TestByPartitionsKeepsEveryRowAndAtMostMaxMonthsPerInsert(t *testing.T) {
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	var rows []eventRow
	for i := range 500 {
		rows = append(rows, eventRow{e: &models.Event{ID: fmt.Sprint(i), OccurredAt: start.AddDate(0, (i*37)%130, 0)}})
	}
	parts := byPartitions(rows, 64)
	seen := map[string]bool{}
	for _, p := range parts {
		months := map[string]bool{}
		for _, r := range p {
			months[r.e.OccurredAt.Format("2006-01")] = true
			seen[r.e.ID] = true
		}
		if len(months) > 64 {
			t.Fatalf("an insert spans %d months", len(months))
		}
	}
	if len(seen) != 500 || len(parts) != 3 {
		t.Fatalf("%d rows in %d inserts, want 500 in 3", len(seen), len(parts))
	}
	if live := byPartitions(rows[:1], 64); len(live) != 1 || &live[0][0] != &rows[0] {
		t.Fatal("a batch of one month is not passed through as it is")
	}
}

// Errors the rows cause are marked so that the sink looks for the events at fault; a server
// that is down or behind on merges is not.
func TestClassifyTellsDataErrorsFromServerErrors(t *testing.T) {
	for msg, data := range map[string]bool{
		"chdb: Code: 252. DB::Exception: Too many partitions for single INSERT block (more than 100). (TOO_MANY_PARTS)": true,
		"chdb: Code: 252. DB::Exception: Too many parts (300). Merges are processing significantly slower than inserts": false,
		"clickhouse: code: 27, message: Cannot parse input":                                                             true,
		"chdb: Code: 41. DB::Exception: Cannot parse datetime":                                                          true,
		"clickhouse: dial tcp 127.0.0.1:9000: connect: connection refused":                                              false,
		"chdb: Code: 241. DB::Exception: Memory limit (total) exceeded":                                                 false,
		"chdb: Code: 321. DB::Exception: Value is out of range of data type DateTime64(3)":                              true,
	} {
		var de *DataError
		if got := errors.As(classify(errors.New(msg)), &de); got != data {
			t.Errorf("%q: data error %v, want %v", msg, got, data)
		}
	}
}
