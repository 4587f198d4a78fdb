package enrich

import (
	"sync"
	"time"
)

// memory is what the analysis remembers across messages, in the log's order: the languages
// detected in each conversation (a hint for its short, ambiguous messages) and the
// conversations each customer opened recently (repeat contacts raise urgency). It is bounded
// (the oldest entries are forgotten first) and lives in the process: after a restart the first
// messages of a conversation are analysed without it, and an analysis that then comes out
// differently is dead-lettered as a conflict while the first one stays (see the package doc).
type memory struct {
	mu        sync.Mutex
	max       int
	languages map[string][]string // tenant/conversation → last detected languages, oldest first
	langOrder []string
	contacts  map[string][]contact // tenant/customer → recent conversations
	custOrder []string
}

type contact struct {
	conversation string
	last         time.Time
}

// repeatWindow is how far back a customer's other conversations count as repeat contacts.
const repeatWindow = 24 * time.Hour

// keepLanguages is how many of a conversation's languages are kept as hints.
const keepLanguages = 3

func newMemory(max int) *memory {
	return &memory{max: max, languages: map[string][]string{}, contacts: map[string][]contact{}}
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
