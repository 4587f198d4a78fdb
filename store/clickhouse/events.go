package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"

	"github.com/meridian-cs/meridian/compliance/shred"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/clickhouse/chschema"
)

// Unsealer opens a customer's sealed personal fields.
type Unsealer interface {
	Opener(ctx context.Context, region, tenant, subject string) (*shred.Opener, error)
}

// EventWriter stores a region's events in its events table. Text arrives sealed and is stored
// in the clear, because the region's database is where that customer's data may live and
// where erasure deletes rows outright; a customer already erased is stored without text.
type EventWriter struct {
	DB     DB
	Region string
	Keys   Unsealer
}

// TimeFormat is how DateTime64(3) values are written.
const TimeFormat = "2006-01-02 15:04:05.000"

// StoreEvents inserts events in one INSERT (a backfill spanning many months in several). Events whose sealed fields do not open are rejected.
func (w *EventWriter) StoreEvents(ctx context.Context, events []models.Event) (map[int]string, error) {
	var rejected map[int]string
	openers := map[string]*shred.Opener{}
	rows := make([]eventRow, 0, len(events))
	for i := range events {
		e := &events[i]
		text, summary := e.Text, e.Summary
		if (text != "" || summary != "") && w.Keys != nil {
			o, ok := openers[e.Tenant+"\x00"+e.CustomerID]
			if !ok {
				var err error
				o, err = w.Keys.Opener(ctx, w.Region, e.Tenant, e.CustomerID)
				if err != nil && !errors.Is(err, shred.ErrErased) {
					return nil, fmt.Errorf("events %s: %w", w.Region, err)
				}
				openers[e.Tenant+"\x00"+e.CustomerID] = o
			}
			if o == nil { // erased: the text is gone for good
				text, summary = "", ""
			} else {
				var err1, err2 error
				text, err1 = o.Open(text)
				summary, err2 = o.Open(summary)
				if err := errors.Join(err1, err2); err != nil {
					if rejected == nil {
						rejected = map[int]string{}
					}
					rejected[i] = err.Error()
					continue
				}
			}
		}
		rows = append(rows, eventRow{e, text, summary})
	}
	if len(rows) == 0 {
		return rejected, nil
	}
	table := Database(w.Region) + ".events (" + eventColumns + ")"
	for _, part := range byPartitions(rows, maxPartitionsPerInsert) {
		if err := w.insert(ctx, table, part); err != nil {
			return nil, classify(err)
		}
	}
	return rejected, nil
}

// maxPartitionsPerInsert keeps an insert under ClickHouse's max_partitions_per_insert_block
// (100): a backfill of years in one batch failed as a whole, and with it the region's sink.
const maxPartitionsPerInsert = 64

// byPartitions splits rows into inserts that each touch at most max monthly partitions (the
// table is partitioned by toYYYYMM(occurred_at)). Live traffic is one insert, unsorted.
func byPartitions(rows []eventRow, max int) [][]eventRow {
	months := map[int]bool{}
	for _, r := range rows {
		y, m, _ := r.e.OccurredAt.UTC().Date()
		if months[y*12+int(m)] = true; len(months) > max {
			break
		}
	}
	if len(months) <= max {
		return [][]eventRow{rows}
	}
	month := func(r eventRow) int { y, m, _ := r.e.OccurredAt.UTC().Date(); return y*12 + int(m) }
	sorted := slices.Clone(rows)
	slices.SortStableFunc(sorted, func(a, b eventRow) int { return month(a) - month(b) })
	var parts [][]eventRow
	start, n := 0, 0
	for i := range sorted {
		if i == 0 || month(sorted[i]) != month(sorted[i-1]) {
			if n == max {
				parts = append(parts, sorted[start:i])
				start, n = i, 0
			}
			n++
		}
	}
	return append(parts, sorted[start:])
}

func (w *EventWriter) insert(ctx context.Context, table string, rows []eventRow) error {
	// ReplacingMergeTree would also collapse duplicate ids within the batch while inserting:
	// that step took over half of a sink batch's insert time (5.0 of 9.1 s in a 20 s full-load
	// run), and readers use FINAL, which collapses them anyway (or count what copies cannot change).
	const skipInsertDedup = "optimize_on_insert = 0"
	if ni, ok := w.DB.(nativeInserter); ok {
		// In-process, the insert's threads share the cores with the acknowledgements.
		return ni.InsertNative(ctx, table, nativeEvents(rows), skipInsertDedup, fmt.Sprintf("os_threads_nice_value_query = %d", backgroundNice))
	}
	buf := make([]byte, 0, len(rows)*512)
	for _, r := range rows {
		buf = appendRow(buf, r.e, r.text, r.summary)
	}
	return w.DB.Insert(ctx, table, "TabSeparated", buf, skipInsertDedup)
}

// eventColumns lists the columns appendRow and nativeEvents write, in their order.
var eventColumns = chschema.Names(chschema.Events)

// nativeInserter is a driver that takes a batch as one block in ClickHouse's Native format
// (chDB; its String columns become LowCardinality in bulk, not row by row). Other drivers
// get TabSeparated through Insert.
type nativeInserter interface {
	InsertNative(ctx context.Context, table string, block []byte, settings ...string) error
}

// eventStructure is the Native block's columns and types, in eventColumns' order.
var eventStructure = chschema.Structure(chschema.Events)

// appendRow writes one event as a TabSeparated row: ClickHouse parses it several times faster
// than JSONEachRow for a table this wide.
func appendRow(b []byte, e *models.Event, text, summary string) []byte {
	country, tier := "", ""
	if e.Customer != nil {
		country, tier = e.Customer.Country, e.Customer.Tier
	}
	for i, s := range []string{e.Tenant, e.ID, e.Type} {
		if i > 0 {
			b = append(b, '\t')
		}
		b = appendTSV(b, s)
	}
	b = append(b, '\t')
	b = strconv.AppendInt(b, int64(e.Version), 10)
	b = append(b, '\t')
	b = e.OccurredAt.UTC().AppendFormat(b, TimeFormat)
	b = append(b, '\t')
	b = e.ReceivedAt.UTC().AppendFormat(b, TimeFormat)
	for _, s := range []string{e.Channel, e.Direction, e.ConversationID, e.CustomerID, country, e.Language, tier, text,
		e.PlatformMessageID, e.AgentID, e.Team, e.Queue, e.ToQueue, e.FromRegion, e.ToRegion, e.Reason, summary} {
		b = append(b, '\t')
		b = appendTSV(b, s)
	}
	b = append(b, '\t')
	b = appendNullable(b, e.Score)
	b = append(b, '\t')
	b = appendTSV(b, e.Action)
	b = append(b, '\t')
	b = appendTSV(b, e.Intent)
	b = append(b, '\t')
	b = appendNullable(b, e.Confidence)
	b = append(b, '\t')
	b = appendNullable(b, e.Sentiment)
	b = append(b, '\t')
	b = appendTSV(b, e.Product)
	b = append(b, '\t')
	b = strconv.AppendInt(b, int64(min(len(e.Attachments), 65535)), 10)
	b = append(b, '\t', '{')
	keys := make([]string, 0, len(e.Attributes))
	for k := range e.Attributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendQuoted(b, k)
		b = append(b, ':')
		b = appendQuoted(b, e.Attributes[k])
	}
	return append(b, '}', '\n')
}

func appendNullable(b []byte, f *float64) []byte {
	if f == nil {
		return append(b, '\\', 'N')
	}
	return strconv.AppendFloat(b, *f, 'g', -1, 32)
}

// appendTSV escapes a string for the TabSeparated format.
func appendTSV(b []byte, s string) []byte { return appendEscaped(b, s, 0) }

// appendQuoted writes a quoted string literal, as values inside a Map are written in TSV.
func appendQuoted(b []byte, s string) []byte {
	b = append(b, '\'')
	return append(appendEscaped(b, s, '\''), '\'')
}

// appendEscaped writes s with ClickHouse's backslash escapes; quote, if not 0, is escaped too.
func appendEscaped(b []byte, s string, quote byte) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' || quote != 0 && c == quote:
			b = append(b, '\\', c)
		case c == '\t':
			b = append(b, '\\', 't')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == 0:
			b = append(b, '\\', '0')
		default:
			b = append(b, c)
		}
	}
	return b
}
