package clickhouse

import (
	"encoding/binary"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/models"
)

// eventRow is an event ready to store: its sealed text and summary already opened.
type eventRow struct {
	e             *models.Event
	text, summary string
}

// appendNativeEvents writes rows as one block of ClickHouse's Native format, the columns of
// eventStructure in order: for each column its name, its type and then all its values. chDB
// reads it about 1.5× faster than the same rows as TabSeparated (nothing to unescape or parse
// as text), and writing it needs no escaping either.
func appendNativeEvents(b []byte, rows []eventRow) []byte {
	b = binary.AppendUvarint(b, uint64(strings.Count(eventColumns, ",")+1))
	b = binary.AppendUvarint(b, uint64(len(rows)))
	str := func(name string, v func(r *eventRow) string) {
		b = appendNativeHeader(b, name, "String")
		for i := range rows {
			s := v(&rows[i])
			b = binary.AppendUvarint(b, uint64(len(s)))
			b = append(b, s...)
		}
	}
	at := func(name string, v func(e *models.Event) time.Time) {
		b = appendNativeHeader(b, name, "DateTime64(3, 'UTC')")
		for i := range rows {
			b = binary.LittleEndian.AppendUint64(b, uint64(v(rows[i].e).UnixMilli()))
		}
	}
	nullable := func(name string, v func(e *models.Event) *float64) {
		b = appendNativeHeader(b, name, "Nullable(Float32)")
		for i := range rows { // null map first, then a value for every row
			if v(rows[i].e) == nil {
				b = append(b, 1)
			} else {
				b = append(b, 0)
			}
		}
		for i := range rows {
			var f float32
			if p := v(rows[i].e); p != nil {
				f = float32(*p)
			}
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
		}
	}
	var none models.Customer
	customer := func(r *eventRow) *models.Customer {
		if r.e.Customer == nil {
			return &none
		}
		return r.e.Customer
	}

	str("tenant", func(r *eventRow) string { return r.e.Tenant })
	str("id", func(r *eventRow) string { return r.e.ID })
	str("type", func(r *eventRow) string { return r.e.Type })
	b = appendNativeHeader(b, "version", "UInt8")
	for i := range rows {
		b = append(b, byte(rows[i].e.Version))
	}
	at("occurred_at", func(e *models.Event) time.Time { return e.OccurredAt })
	at("received_at", func(e *models.Event) time.Time { return e.ReceivedAt })
	str("channel", func(r *eventRow) string { return r.e.Channel })
	str("direction", func(r *eventRow) string { return r.e.Direction })
	str("conversation_id", func(r *eventRow) string { return r.e.ConversationID })
	str("customer_id", func(r *eventRow) string { return r.e.CustomerID })
	str("country", func(r *eventRow) string { return customer(r).Country })
	str("language", func(r *eventRow) string { return r.e.Language })
	str("tier", func(r *eventRow) string { return customer(r).Tier })
	str("text", func(r *eventRow) string { return r.text })
	str("platform_message_id", func(r *eventRow) string { return r.e.PlatformMessageID })
	str("agent_id", func(r *eventRow) string { return r.e.AgentID })
	str("team", func(r *eventRow) string { return r.e.Team })
	str("queue", func(r *eventRow) string { return r.e.Queue })
	str("to_queue", func(r *eventRow) string { return r.e.ToQueue })
	str("from_region", func(r *eventRow) string { return r.e.FromRegion })
	str("to_region", func(r *eventRow) string { return r.e.ToRegion })
	str("reason", func(r *eventRow) string { return r.e.Reason })
	str("summary", func(r *eventRow) string { return r.summary })
	nullable("score", func(e *models.Event) *float64 { return e.Score })
	str("action", func(r *eventRow) string { return r.e.Action })
	str("intent", func(r *eventRow) string { return r.e.Intent })
	nullable("confidence", func(e *models.Event) *float64 { return e.Confidence })
	nullable("sentiment", func(e *models.Event) *float64 { return e.Sentiment })
	str("product", func(r *eventRow) string { return r.e.Product })
	b = appendNativeHeader(b, "attachments", "UInt16")
	for i := range rows {
		b = binary.LittleEndian.AppendUint16(b, uint16(min(len(rows[i].e.Attachments), 65535)))
	}

	// Map(String, String) is Array(Tuple(String, String)): every row's end offset, then all
	// keys, then all values. Keys are sorted so the same event always writes the same bytes.
	b = appendNativeHeader(b, "attributes", "Map(String, String)")
	keys := make([][]string, len(rows))
	var end uint64
	for i := range rows {
		attrs := rows[i].e.Attributes
		ks := make([]string, 0, len(attrs))
		for k := range attrs {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		keys[i] = ks
		end += uint64(len(ks))
		b = binary.LittleEndian.AppendUint64(b, end)
	}
	for _, ks := range keys {
		for _, k := range ks {
			b = binary.AppendUvarint(b, uint64(len(k)))
			b = append(b, k...)
		}
	}
	for i, ks := range keys {
		for _, k := range ks {
			v := rows[i].e.Attributes[k]
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		}
	}
	return b
}

func appendNativeHeader(b []byte, name, typ string) []byte {
	b = binary.AppendUvarint(b, uint64(len(name)))
	b = append(b, name...)
	b = binary.AppendUvarint(b, uint64(len(typ)))
	return append(b, typ...)
}
