package routing

import (
	"strings"
	"time"
)

// Kinds of work an agent has capacity for.
const (
	KindMessaging = "messaging"
	KindEmail     = "email"
	KindVoice     = "voice"
)

// KindOfChannel is the kind of work a conversation on channel is: e-mail and voice have
// their own capacity, every other channel is messaging.
func KindOfChannel(channel string) string {
	switch channel {
	case "email":
		return KindEmail
	case "voice":
		return KindVoice
	}
	return KindMessaging
}

// Agent is one person who can be assigned conversations, as the engine loads them from
// PostgreSQL. The router only reads it.
type Agent struct {
	ID, Name, Region, Team string
	// Languages maps a language to a level 1..5 (5 native). Keys are BCP-47 tags; a tag
	// with a region ("de-CH") counts for its base language ("de").
	Languages map[string]int
	// Skills are intents, issue types, products and "retention", matched
	// case-insensitively. Empty means no restriction.
	Skills []string
	// Tiers are the customer tiers the agent may serve ("vip", "new", "returning"). Empty
	// means any.
	Tiers []string
	// Capacity is the number of open conversations per kind of work: "messaging" (the
	// GraphQL maxConcurrent), "email", "voice". A missing kind has the messaging capacity.
	Capacity map[string]int
	Timezone string  // IANA, such as "Europe/Berlin"; "" is UTC
	Shifts   []Shift // in Timezone; empty means always on shift
	Online   bool    // presence ONLINE; AWAY and OFFLINE are not assignable
	// Load is the number of open conversations assigned, per kind.
	Load         map[string]int
	LastAssigned time.Time // when the agent last got a conversation, for fairness
	// Stats is the agent's history, from ClickHouse: key intent+"/"+base language in
	// lower case ("refund/de"), and "" for all their conversations.
	Stats map[string]Stat
}

// Stat is an agent's record over N conversations.
type Stat struct {
	N              int
	ResolutionRate float64 // 0..1
	CSAT           float64 // mean 1..5; 0 when unknown
	HandleSeconds  float64 // mean handling time
}

// OnShift reports whether at falls in one of the agent's shifts, read in the agent's time
// zone (wall-clock times, so correct on days when clocks change). An agent without shifts
// is always on shift; one with shifts and a time zone that cannot be loaded never is.
// It loads the time zone on every call; the Router caches zones.
func (a *Agent) OnShift(at time.Time) bool {
	if len(a.Shifts) == 0 {
		return true
	}
	loc, err := time.LoadLocation(a.Timezone)
	if err != nil {
		return false
	}
	return onShift(a.Shifts, loc, at)
}

// CapacityFor returns how many conversations of kind ("messaging", "email", "voice"; ""
// is messaging) the agent may hold at once.
func (a *Agent) CapacityFor(kind string) int {
	if kind == "" {
		kind = KindMessaging
	}
	if n, ok := a.Capacity[kind]; ok {
		return n
	}
	return a.Capacity[KindMessaging]
}

// level returns the agent's level in base language lang (lower case), the highest over
// tags with that base.
func (a *Agent) level(lang string) int {
	best := 0
	for tag, lvl := range a.Languages {
		if lvl > best && sameBase(tag, lang) {
			best = lvl
		}
	}
	return best
}

// sameBase reports whether tag ("de-CH", "DE") has base language base (lower case)
// without allocating.
func sameBase(tag, base string) bool {
	if len(tag) < len(base) || !strings.EqualFold(tag[:len(base)], base) {
		return false
	}
	return len(tag) == len(base) || tag[len(base)] == '-' || tag[len(base)] == '_'
}

// baseLanguage returns the lower-case base of a BCP-47 tag ("pt-BR" → "pt"), or "und"
// when the tag is empty.
func baseLanguage(tag string) string {
	tag = strings.TrimSpace(tag)
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	if tag == "" {
		return "und"
	}
	return strings.ToLower(tag)
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// QueueName names the waiting queue of a region and language: "eu/de". Regions and
// languages are lower-cased, tags reduced to their base; an unknown language is "und".
func QueueName(region, language string) string {
	return strings.ToLower(strings.TrimSpace(region)) + "/" + baseLanguage(language)
}
