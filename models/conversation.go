package models

import "time"

// ConversationStatus is where a conversation stands. It is defined once, here: PostgreSQL's
// current state (store/postgres) and ClickHouse's history (metrics) both derive it from the
// conversation's events with LifecycleStatus and LatestLifecycle, so the workspace and the
// dashboards never disagree.
type ConversationStatus string

// Conversation statuses.
const (
	// StatusOpen: waiting for someone (new, reopened, or moved to another queue).
	StatusOpen ConversationStatus = "open"
	// StatusAssigned: an agent has it.
	StatusAssigned ConversationStatus = "assigned"
	// StatusEscalated: raised to a higher tier or a supervisor.
	StatusEscalated ConversationStatus = "escalated"
	// StatusHandedOff: passed to another region (follow-the-sun), waiting there.
	StatusHandedOff ConversationStatus = "handed_off"
	// StatusQueued: waiting in a queue for a human (the engine found nobody free).
	StatusQueued ConversationStatus = "queued"
	// StatusResolved: done until the customer or an agent reopens it.
	StatusResolved ConversationStatus = "resolved"
)

// ConversationStatuses lists every status, in the order a conversation usually passes them.
var ConversationStatuses = []ConversationStatus{StatusOpen, StatusQueued, StatusAssigned, StatusEscalated, StatusHandedOff, StatusResolved}

// lifecycle maps each lifecycle event type to the status it leaves behind. Messages are not
// lifecycle events: a customer writing again does not by itself reopen or unassign a
// conversation (the conversation engine decides that, and says so with an event).
var lifecycle = map[string]ConversationStatus{
	ConversationOpened:      StatusOpen,
	ConversationReopened:    StatusOpen,
	ConversationTransferred: StatusOpen, // waiting in its new queue until someone takes it
	ConversationQueued:      StatusQueued,
	ConversationAssigned:    StatusAssigned,
	ConversationEscalated:   StatusEscalated,
	ConversationHandedOff:   StatusHandedOff,
	ConversationResolved:    StatusResolved,
}

// LifecycleTypes are the event types that set a conversation's status, sorted.
var LifecycleTypes = []string{ConversationAssigned, ConversationEscalated, ConversationHandedOff,
	ConversationOpened, ConversationQueued, ConversationReopened, ConversationResolved, ConversationTransferred}

// LifecycleStatus returns the status an event of type t leaves behind, and false when t is not
// a lifecycle event (it leaves the status as it was).
func LifecycleStatus(t string) (ConversationStatus, bool) {
	s, ok := lifecycle[t]
	return s, ok
}

// StatusOf is the status of a conversation whose latest lifecycle event has type t (empty:
// none yet, e.g. a conversation that so far is only messages): open until an event says
// otherwise.
func StatusOf(t string) ConversationStatus {
	if s, ok := lifecycle[t]; ok {
		return s
	}
	return StatusOpen
}

// LaterLifecycle reports whether a lifecycle event (at, id) comes after (prevAt, prevID): the
// latest lifecycle event decides the status, ties in time broken by the larger event id, so
// every store picks the same event whatever order the events arrived in. Times count in
// milliseconds, the events table's precision.
func LaterLifecycle(at time.Time, id string, prevAt time.Time, prevID string) bool {
	at, prevAt = at.Truncate(time.Millisecond), prevAt.Truncate(time.Millisecond)
	if !at.Equal(prevAt) {
		return at.After(prevAt)
	}
	return id > prevID
}
