// Package sla holds the conversation engine's service-level agreements: policies that set
// first-response, next-response and resolution targets per customer tier, channel and
// priority, and the clocks that say, from a conversation's events, when each target is due,
// when it was warned about and when it was breached. The engine stores the State in
// PostgreSQL and sets a timer at NextDeadline; both are pure functions of the events, so a
// replay after a crash computes the same breaches.
//
// The clocks: the first response runs from the customer's first message to the first agent
// reply; a next response from each later customer message that follows an agent reply to
// the next reply; the resolution from the first customer message to Resolved. Pending and
// Snoozed pause every clock (the paused time does not count) until the customer writes or
// the snooze ends; Resolved stops them all; a reopened conversation (Reopened, or a customer
// message after Resolved) restarts the next-response and resolution clocks with full
// targets. A priority change re-matches the policy and applies the new targets to the
// running clocks from their original start, so tightening a target can breach it at once;
// breaches already recorded stay recorded when a target is loosened.
//
// A rule may carry a Calendar (weekly hours in a time zone, "24:00" ending a day, spans
// across midnight, holidays): its targets then count working time only, so an 8-hour e-mail
// target set at 16:00 on a Friday is due at 15:00 on Monday. Without one, every hour counts.
// Closed hours are not a pause (State.Paused stays false).
//
// Limits: when a priority change switches to a rule with another calendar, the time already
// counted stays counted under the old one. A calendar closed for more than 60 days in a row
// is treated as closed for good (no due time). The default policy has no calendars, because
// working hours belong to a region, not to the package. The
// policy is matched on exact tier, channel and priority strings (case-insensitively) with
// no notion of tier hierarchy, and a conversation without a matching rule has no targets.
// Who answered does not matter: the engine decides whether an AI reply counts as an
// AgentReply. Event times are trusted; a clock running across more than about 290 years
// overflows time.Duration.
package sla
