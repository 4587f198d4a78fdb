package models

import "time"

// ConversationStatus is where a conversation stands. It is defined once, here: PostgreSQL's
// current state (store/postgres), the conversation engine's work (conversation/engine) and
// ClickHouse's history (metrics) all use these values, and the first and the last derive
// them from the conversation's events with LifecycleStatus and LaterLifecycle, so the
// workspace and the dashboards never disagree. GraphQL shows them upper-cased (QUEUED, ...).
type ConversationStatus string

// Conversation statuses: the workspace's model (issue #18), after Zendesk's.
const (
	// StatusQueued: waiting for a human and nobody has it (new, reopened, transferred,
	// handed off to another region, or queued by the engine).
	StatusQueued ConversationStatus = "queued"
	// StatusAssigned: an agent has it.
	StatusAssigned ConversationStatus = "assigned"
	// StatusBot: the AI answered it and keeps it (conversation.automated) until the customer
	// writes something it hands to a person, or it is resolved.
	StatusBot ConversationStatus = "bot"
	// StatusPending: the agent answered and waits on the customer (conversation.pending);
	// the customer's next message gives it back to the agent.
	StatusPending ConversationStatus = "pending"
	// StatusSnoozed: put aside by its agent until a time (conversation.snoozed, attribute
	// until), or until the customer writes, whichever comes first.
	StatusSnoozed ConversationStatus = "snoozed"
	// StatusResolved: done until the customer or an agent reopens it.
	StatusResolved ConversationStatus = "resolved"
)

// ConversationStatuses lists every status, in the order a conversation usually passes them.
var ConversationStatuses = []ConversationStatus{StatusQueued, StatusBot, StatusAssigned, StatusPending, StatusSnoozed, StatusResolved}

// lifecycle maps each lifecycle event type to the status it leaves behind. Messages are not
// lifecycle events: a customer writing again does not by itself reopen, wake or unassign a
// conversation (the conversation engine decides that, and says so with an event). Nor is
// conversation.escalated: it raises the priority, and the conversation keeps its status.
var lifecycle = map[string]ConversationStatus{
	ConversationOpened:      StatusQueued,
	ConversationReopened:    StatusQueued,
	ConversationTransferred: StatusQueued, // waiting in its new queue until someone takes it
	ConversationQueued:      StatusQueued,
	ConversationHandedOff:   StatusQueued, // waiting in the receiving region
	ConversationAssigned:    StatusAssigned,
	ConversationPending:     StatusPending,
	ConversationSnoozed:     StatusSnoozed,
	ConversationResolved:    StatusResolved,
	ConversationAutomated:   StatusBot,
}

// LifecycleTypes are the event types that set a conversation's status, sorted.
var LifecycleTypes = []string{ConversationAssigned, ConversationAutomated, ConversationHandedOff, ConversationOpened, ConversationPending,
	ConversationQueued, ConversationReopened, ConversationResolved, ConversationSnoozed, ConversationTransferred}

// LifecycleStatus returns the status an event of type t leaves behind, and false when t is not
// a lifecycle event (it leaves the status as it was).
func LifecycleStatus(t string) (ConversationStatus, bool) {
	s, ok := lifecycle[t]
	return s, ok
}

// StatusOf is the status of a conversation whose latest lifecycle event has type t (empty:
// none yet, e.g. a conversation that so far is only messages): queued until an event says
// otherwise.
func StatusOf(t string) ConversationStatus {
	if s, ok := lifecycle[t]; ok {
		return s
	}
	return StatusQueued
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
