package clickhouse

import (
	"encoding/binary"
	"math"
	"slices"
	"strings"

	"github.com/meridian-cs/meridian/models"
)

// eventRow is an event ready to store: its sealed text and summary already opened.
type eventRow struct {
	e             *models.Event
	text, summary string
}

// nativeBuffer is one buffer of a Native block: a column's values, or one of the parts a
// column is made of (a Nullable's null map and its values; a Map's offsets, keys and values).
type nativeBuffer int

const (
	nbTenant nativeBuffer = iota
	nbID
	nbType
	nbVersion
	nbOccurredAt
	nbReceivedAt
	nbChannel
	nbDirection
	nbConversationID
	nbCustomerID
	nbCountry
	nbLanguage
	nbTier
	nbText
	nbPlatformMessageID
	nbAgentID
	nbTeam
	nbQueue
	nbToQueue
	nbFromRegion
	nbToRegion
	nbReason
	nbSummary
	nbScoreNulls
	nbScore
	nbAction
	nbIntent
	nbConfidenceNulls
	nbConfidence
	nbSentimentNulls
	nbSentiment
	nbProduct
	nbAttachments
	nbAttributeOffsets
	nbAttributeKeys
	nbAttributeValues
	nbCount
)

// nativeColumn is one column of eventStructure: its header (name and type) and the buffers
// [first, next) its values are written from.
type nativeColumn struct {
	header      []byte
	first, next nativeBuffer
}

// nativeColumns are eventStructure's columns in order.
var nativeColumns = func() []nativeColumn {
	var cols []nativeColumn
	b := nbTenant
	for _, c := range splitTopLevel(eventStructure) {
		name, typ, _ := strings.Cut(c, " ")
		n := nativeBuffer(1)
		switch {
		case strings.HasPrefix(typ, "Nullable("):
			n = 2
		case strings.HasPrefix(typ, "Map("):
			n = 3
		}
		cols = append(cols, nativeColumn{appendNativeHeader(nil, name, typ), b, b + n})
		b += n
	}
	if b != nbCount {
		panic("clickhouse: eventStructure and the Native buffers disagree")
	}
	return cols
}()

// splitTopLevel splits a structure at the commas outside parentheses.
func splitTopLevel(structure string) []string {
	var out []string
	depth, from := 0, 0
	for i, r := range structure {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(structure[from:i]))
				from = i + 1
			}
		}
	}
	return append(out, strings.TrimSpace(structure[from:]))
}

// nativeEvents writes rows as one block of ClickHouse's Native format, the columns of
// eventStructure in order: for each column its name, its type and then all its values. chDB
// reads it about 1.5× faster than the same rows as TabSeparated (nothing to unescape or parse
// as text), and writing it needs no escaping either.
//
// A first pass adds up each column's size from the events' lengths; the second writes every
// event once, each field straight to its place in the block. Writing column after column read
// every event 33 times, and at a full batch of 20,000 events (megabytes, scattered over the
// decoded Kafka messages) most of those reads missed the CPU's cache.
func nativeEvents(rows []eventRow) []byte {
	w := nativeWriter{sizing: true}
	for i := range rows {
		w.row(&rows[i])
	}
	prefix := binary.AppendUvarint(binary.AppendUvarint(nil, uint64(len(nativeColumns))), uint64(len(rows)))
	total := len(prefix)
	for _, col := range nativeColumns {
		total += len(col.header)
		for k := col.first; k < col.next; k++ {
			total += w.size[k]
		}
	}
	w.out = make([]byte, total)
	at := copy(w.out, prefix)
	for _, col := range nativeColumns {
		at += copy(w.out[at:], col.header)
		for k := col.first; k < col.next; k++ {
			w.pos[k] = at
			at += w.size[k]
		}
	}
	w.sizing, w.attrs = false, 0
	for i := range rows {
		w.row(&rows[i])
	}
	return w.out
}

// nativeWriter puts rows' fields in a Native block's buffers: first, sizing, it only adds up
// their lengths; then it writes each field at its buffer's next position in out.
type nativeWriter struct {
	sizing bool
	size   [nbCount]int
	pos    [nbCount]int
	out    []byte
	attrs  uint64   // attributes so far: the Map's offsets
	keys   []string // one event's attribute keys, sorted
}

func (w *nativeWriter) str(k nativeBuffer, s string) {
	if w.sizing {
		w.size[k] += uvarintLen(uint64(len(s))) + len(s)
		return
	}
	w.pos[k] += binary.PutUvarint(w.out[w.pos[k]:], uint64(len(s)))
	w.pos[k] += copy(w.out[w.pos[k]:], s)
}

// le writes v's low size bytes, little-endian: ClickHouse's UInt8 to UInt64 and Float32.
func (w *nativeWriter) le(k nativeBuffer, v uint64, size int) {
	if w.sizing {
		w.size[k] += size
		return
	}
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	w.pos[k] += copy(w.out[w.pos[k]:], b[:size])
}

// nullable writes to the null map at k and the value at k+1 (a value for every row).
func (w *nativeWriter) nullable(k nativeBuffer, p *float64) {
	var f float32
	null := byte(1)
	if p != nil {
		f, null = float32(*p), 0
	}
	w.le(k, uint64(null), 1)
	w.le(k+1, uint64(math.Float32bits(f)), 4)
}

var noCustomer models.Customer

func (w *nativeWriter) row(r *eventRow) {
	e := r.e
	c := e.Customer
	if c == nil {
		c = &noCustomer
	}
	w.str(nbTenant, e.Tenant)
	w.str(nbID, e.ID)
	w.str(nbType, e.Type)
	w.le(nbVersion, uint64(byte(e.Version)), 1)
	w.le(nbOccurredAt, uint64(e.OccurredAt.UnixMilli()), 8)
	w.le(nbReceivedAt, uint64(e.ReceivedAt.UnixMilli()), 8)
	w.str(nbChannel, e.Channel)
	w.str(nbDirection, e.Direction)
	w.str(nbConversationID, e.ConversationID)
	w.str(nbCustomerID, e.CustomerID)
	w.str(nbCountry, c.Country)
	w.str(nbLanguage, e.Language)
	w.str(nbTier, c.Tier)
	w.str(nbText, r.text)
	w.str(nbPlatformMessageID, e.PlatformMessageID)
	w.str(nbAgentID, e.AgentID)
	w.str(nbTeam, e.Team)
	w.str(nbQueue, e.Queue)
	w.str(nbToQueue, e.ToQueue)
	w.str(nbFromRegion, e.FromRegion)
	w.str(nbToRegion, e.ToRegion)
	w.str(nbReason, e.Reason)
	w.str(nbSummary, r.summary)
	w.nullable(nbScoreNulls, e.Score)
	w.str(nbAction, e.Action)
	w.str(nbIntent, e.Intent)
	w.nullable(nbConfidenceNulls, e.Confidence)
	w.nullable(nbSentimentNulls, e.Sentiment)
	w.str(nbProduct, e.Product)
	w.le(nbAttachments, uint64(min(len(e.Attachments), 65535)), 2)
	// Map(String, String) is Array(Tuple(String, String)): every row's end offset, then all
	// keys, then all values. Keys are sorted so the same event always writes the same bytes.
	w.keys = w.keys[:0]
	for k := range e.Attributes {
		w.keys = append(w.keys, k)
	}
	if !w.sizing {
		slices.Sort(w.keys)
	}
	for _, k := range w.keys {
		w.str(nbAttributeKeys, k)
		w.str(nbAttributeValues, e.Attributes[k])
	}
	w.attrs += uint64(len(w.keys))
	w.le(nbAttributeOffsets, w.attrs, 8)
}

// uvarintLen is the length of v as a uvarint.
func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

func appendNativeHeader(b []byte, name, typ string) []byte {
	b = binary.AppendUvarint(b, uint64(len(name)))
	b = append(b, name...)
	b = binary.AppendUvarint(b, uint64(len(typ)))
	return append(b, typ...)
}
