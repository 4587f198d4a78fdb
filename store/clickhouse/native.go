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

// nativeColumn is one column of eventStructure, written from the buffers [first, next).
type nativeColumn struct {
	name, typ   string
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
		cols = append(cols, nativeColumn{name, typ, b, b + n})
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

// nativeBlock holds the buffers a Native block is built in. A full batch's are megabytes, so a
// writer keeps them from one batch to the next.
type nativeBlock struct {
	bufs [nbCount][]byte
	keys []string // one event's attribute keys, sorted
	out  []byte   // the block
}

// nativeEvents writes rows as one block of ClickHouse's Native format, the columns of
// eventStructure in order: for each column its name, its type and then all its values. chDB
// reads it about 1.5× faster than the same rows as TabSeparated (nothing to unescape or parse
// as text), and writing it needs no escaping either.
//
// The rows are read in one pass, each event once while it is in the CPU's cache, into a
// buffer per column; one pass per column read every event 33 times, and at a full batch of
// 20,000 events (megabytes, scattered over the decoded Kafka messages) most of those reads
// missed the cache.
// The block is in nb's memory: valid until nb is used again.
func (nb *nativeBlock) nativeEvents(rows []eventRow) []byte {
	for i := range nb.bufs {
		nb.bufs[i] = nb.bufs[i][:0]
	}
	str := func(k nativeBuffer, s string) {
		nb.bufs[k] = append(binary.AppendUvarint(nb.bufs[k], uint64(len(s))), s...)
	}
	nullable := func(k nativeBuffer, p *float64) { // null map, then a value for every row
		var f float32
		null := byte(1)
		if p != nil {
			f, null = float32(*p), 0
		}
		nb.bufs[k] = append(nb.bufs[k], null)
		nb.bufs[k+1] = binary.LittleEndian.AppendUint32(nb.bufs[k+1], math.Float32bits(f))
	}
	var none models.Customer
	var attrs uint64
	for i := range rows {
		r := &rows[i]
		e := r.e
		c := e.Customer
		if c == nil {
			c = &none
		}
		str(nbTenant, e.Tenant)
		str(nbID, e.ID)
		str(nbType, e.Type)
		nb.bufs[nbVersion] = append(nb.bufs[nbVersion], byte(e.Version))
		nb.bufs[nbOccurredAt] = binary.LittleEndian.AppendUint64(nb.bufs[nbOccurredAt], uint64(e.OccurredAt.UnixMilli()))
		nb.bufs[nbReceivedAt] = binary.LittleEndian.AppendUint64(nb.bufs[nbReceivedAt], uint64(e.ReceivedAt.UnixMilli()))
		str(nbChannel, e.Channel)
		str(nbDirection, e.Direction)
		str(nbConversationID, e.ConversationID)
		str(nbCustomerID, e.CustomerID)
		str(nbCountry, c.Country)
		str(nbLanguage, e.Language)
		str(nbTier, c.Tier)
		str(nbText, r.text)
		str(nbPlatformMessageID, e.PlatformMessageID)
		str(nbAgentID, e.AgentID)
		str(nbTeam, e.Team)
		str(nbQueue, e.Queue)
		str(nbToQueue, e.ToQueue)
		str(nbFromRegion, e.FromRegion)
		str(nbToRegion, e.ToRegion)
		str(nbReason, e.Reason)
		str(nbSummary, r.summary)
		nullable(nbScoreNulls, e.Score)
		str(nbAction, e.Action)
		str(nbIntent, e.Intent)
		nullable(nbConfidenceNulls, e.Confidence)
		nullable(nbSentimentNulls, e.Sentiment)
		str(nbProduct, e.Product)
		nb.bufs[nbAttachments] = binary.LittleEndian.AppendUint16(nb.bufs[nbAttachments], uint16(min(len(e.Attachments), 65535)))
		// Map(String, String) is Array(Tuple(String, String)): every row's end offset, then
		// all keys, then all values. Keys are sorted so the same event always writes the
		// same bytes.
		nb.keys = nb.keys[:0]
		for k := range e.Attributes {
			nb.keys = append(nb.keys, k)
		}
		slices.Sort(nb.keys)
		for _, k := range nb.keys {
			str(nbAttributeKeys, k)
			str(nbAttributeValues, e.Attributes[k])
		}
		attrs += uint64(len(nb.keys))
		nb.bufs[nbAttributeOffsets] = binary.LittleEndian.AppendUint64(nb.bufs[nbAttributeOffsets], attrs)
	}
	clear(nb.keys) // hold no event's strings in the pool

	size := 0
	for _, buf := range nb.bufs {
		size += len(buf)
	}
	b := slices.Grow(nb.out[:0], size+len(nativeColumns)*48)
	b = binary.AppendUvarint(b, uint64(len(nativeColumns)))
	b = binary.AppendUvarint(b, uint64(len(rows)))
	for _, col := range nativeColumns {
		b = appendNativeHeader(b, col.name, col.typ)
		for k := col.first; k < col.next; k++ {
			b = append(b, nb.bufs[k]...)
		}
	}
	nb.out = b
	return b
}

func appendNativeHeader(b []byte, name, typ string) []byte {
	b = binary.AppendUvarint(b, uint64(len(name)))
	b = append(b, name...)
	b = binary.AppendUvarint(b, uint64(len(typ)))
	return append(b, typ...)
}
