package enrich

import (
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/models/eventpb"
)

// memory is what the analysis remembers across messages, in the log's order: the languages
// detected in each conversation (a hint for its short, ambiguous messages) and the
// conversations each customer opened recently (repeat contacts raise urgency). It is bounded
// (the oldest entries are forgotten first) and lives in the process: after a restart the first
// messages of a conversation are analysed without it, and an analysis that then comes out
// differently is dead-lettered as a conflict while the first one stays (see the package doc).
//
// It also keeps the analyses of the last messages it analysed, published or not: a message
// seen again (a batch retried after its publication failed, the partition re-read after a
// rebalance, a client's duplicate) gets the analysis it got the first time, without being
// counted into the memory twice, which would change its own analysis (its own and later
// messages' languages as hints, their conversations as repeat contacts).
type memory struct {
	mu        sync.Mutex
	max       int
	languages map[string][]string // tenant/conversation → last detected languages, oldest first
	langOrder []string
	contacts  map[string][]contact // tenant/customer → recent conversations
	custOrder []string

	maxAnalyses int
	analyses    map[string][]byte // tenant\x00message id → its analysis (models/eventpb)
	doneOrder   []string
}

type contact struct {
	conversation string
	last         time.Time
}

// repeatWindow is how far back a customer's other conversations count as repeat contacts.
const repeatWindow = 24 * time.Hour

// keepLanguages is how many of a conversation's languages are kept as hints.
const keepLanguages = 3

func newMemory(max, analyses int) *memory {
	return &memory{max: max, languages: map[string][]string{}, contacts: map[string][]contact{},
		maxAnalyses: analyses, analyses: map[string][]byte{}}
}

// analysisOf returns the analysis message (tenant\x00id) was given before, if remembered.
func (m *memory) analysisOf(message string) (models.Event, bool) {
	m.mu.Lock()
	b, ok := m.analyses[message]
	m.mu.Unlock()
	if !ok {
		return models.Event{}, false
	}
	var a models.Event
	return a, eventpb.Decode(b, &a) == nil
}

// analysed remembers the analysis of message (tenant\x00id), encoded as on the topic: half
// the memory of the event itself (about 0.6 KB with its keys).
func (m *memory) analysed(message string, a models.Event) {
	b, err := eventpb.Append(nil, &a)
	if err != nil {
		return // not remembered: analysed again if it comes again
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, known := m.analyses[message]; known {
		return // the first stays
	}
	m.analyses[message] = b
	m.doneOrder = evict(m.doneOrder, message, m.maxAnalyses, func(k string) { delete(m.analyses, k) })
}

// clone copies what an event shares by reference: ingest normalises and seals the events it
// is given in place.
func clone(e models.Event) models.Event {
	if e.Customer != nil {
		c := *e.Customer
		e.Customer = &c
	}
	for _, f := range []**float64{&e.Score, &e.Confidence, &e.Sentiment} {
		if *f != nil {
			v := **f
			*f = &v
		}
	}
	if e.SentAt != nil {
		t := *e.SentAt
		e.SentAt = &t
	}
	e.Attachments, e.Skills = slices.Clone(e.Attachments), slices.Clone(e.Skills)
	e.Attributes = maps.Clone(e.Attributes)
	return e
}

// contactsOf records a message of customer in conversation at t and returns how many distinct
// conversations (this one included) the customer wrote in within repeatWindow before t.
func (m *memory) contactsOf(customer, conversation string, t time.Time) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	cs, known := m.contacts[customer]
	kept := cs[:0]
	seen := false
	for _, c := range cs {
		if t.Sub(c.last) > repeatWindow {
			continue
		}
		if c.conversation == conversation {
			seen = true
			if t.After(c.last) {
				c.last = t
			}
		}
		kept = append(kept, c)
	}
	if !seen {
		kept = append(kept, contact{conversation, t})
	}
	m.contacts[customer] = kept
	if !known {
		m.custOrder = evict(m.custOrder, customer, m.max, func(k string) { delete(m.contacts, k) })
	}
	return len(kept)
}

// previous returns the languages detected earlier in conversation.
func (m *memory) previous(conversation string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.languages[conversation]...)
}

// detected records the language detected in a message of conversation.
func (m *memory) detected(conversation, lang string) {
	if lang == "" || lang == "und" {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	ls, known := m.languages[conversation]
	ls = append(ls, lang)
	if len(ls) > keepLanguages {
		ls = ls[len(ls)-keepLanguages:]
	}
	m.languages[conversation] = ls
	if !known {
		m.langOrder = evict(m.langOrder, conversation, m.max, func(k string) { delete(m.languages, k) })
	}
}

// evict appends key to order and, once it holds a quarter more than max, forgets the oldest
// keys beyond max (in one go, so that the copy is paid once per max/4 keys).
func evict(order []string, key string, max int, forget func(string)) []string {
	order = append(order, key)
	if len(order) > max+max/4 {
		drop := len(order) - max
		for _, k := range order[:drop] {
			forget(k)
		}
		order = append(order[:0], order[drop:]...)
	}
	return order
}
