// Package routing decides which agent gets a conversation and keeps the queues of
// conversations waiting for one. It is pure: the engine (a Kafka consumer) loads agents,
// their presence, load and history from PostgreSQL and ClickHouse, passes them in with the
// time of the decision, and records what it decides; nothing here reads a clock or does
// I/O.
//
// Route takes one conversation and the region's agents. An agent is eligible when they
// are in the conversation's region, online, on shift (weekly shifts in their own time
// zone, wall-clock, so correct across clock changes; "24:00" ends a day; a night shift is
// two shifts), speak the language at level 2 or better (tags match by base language,
// "de-AT" ↔ "de"), serve the customer's tier (an empty list serves all; an unknown
// customer counts as "new"), list the conversation's intent, issue type or product among
// their skills (an empty list means no restriction; once the conversation has waited
// Config.RelaxSkillsAfter, default two minutes, skills are not required), are not in its
// Exclude list, and hold fewer conversations of its kind of work than their capacity for
// that kind. The agent who had a reopened conversation gets it first if eligible. The
// others are ranked by a score, a weighted sum (Config.Weights, DefaultWeights):
//
//	Language      × level/5
//	Skill         × share of the conversation's intent, issue type, product the agent lists
//	Retention     when NeedsRetention and the agent has the skill "retention"
//	History       × (r − R) + (s − S)/4
//	Load          × free capacity / capacity, for the conversation's kind of work
//	Fairness      × min(1, time since LastAssigned / FairnessWindow)
//	PreviousAgent when the agent had it before
//
// In the history term r is the agent's resolution rate for this intent and language,
// shrunk toward their overall rate by N/(N+HistoryPrior), the overall rate shrunk the same
// way toward the region's rate R (Config.Global); s and S likewise for CSAT where known.
// An agent without history scores 0 there, neither better nor worse than average. Ties go
// to the lower agent ID, so a decision is reproducible. Each Decision carries the top five
// candidates with their scores and reason codes for the routing.decided event.
//
// A Queue holds a region's waiting conversations ordered by priority (PriorityOf urgency
// and tier), then waiting time, then customer value, then ID. When an agent frees
// capacity, Next gives them the first conversation in that order they may take.
//
// Route looks at every agent passed; RouteRoster decides the same through a Roster, an
// index by region and base language built when agents are loaded, and looks only at
// those who speak the language. With 1,000 agents in one region the roster path takes
// a fraction of the time (see BenchmarkRoute). A Queue keeps one ordered list per language of small fixed-size
// records, so Next passes over conversations an agent may not take without reading them.
//
// Limits: Route and Next read the agents' Load and LastAssigned but do not change them:
// the caller records an assignment before the next decision. Expected wait,
// predicted handling time, the demand forecast and offer-and-accept are not modelled here:
// the engine owns timeouts and offers (an offer nobody accepts is routed again with the
// agent in Exclude). The score's weights are set by judgement, not learned; the
// simulation in the issue is what should tune them. Skill relaxation is all or nothing:
// after the wait, a generalist and an agent with an unrelated specialism are equal on
// skills. Next serves the queue strictly in order and ignores the previous-agent
// preference. Regions, tiers and skills are compared case-insensitively; a queue numbers
// the first 64 distinct skills it sees for its fast filter and checks the others in
// full (correct, slower).
package routing
