// Package simulate replays demo traffic through the conversation router and through
// baselines, on the same arrivals, agents and customers, and measures what customers
// would have experienced. It is pure and deterministic: the same seeds give the same
// results. `make sim-routing` (cmd/simrouting) runs a week and prints the report kept in
// EVALUATION.md.
//
// Arrivals are the demo generator's (ingest/demo) conversations that its AI hands to a
// human, at the hand-over's time, with the customer's country, residency region,
// language, channel and tier, the intent of the first message, the demo's queue skill
// for that intent (used as the issue type, since the demo's agents list queue skills
// such as "orders" and its conversations carry intents such as "order_status"), and the
// priority the engine would give: routing.PriorityOf of understanding/urgency's level for
// the first message. Handling time is the generator's own: from its first assignment to
// its agent's resolution, whoever the agent; the first reply comes as many seconds after
// the assignment as the generator wrote. (conversation/predict is not used: the router
// does not read it.)
//
// Agents are the demo's (demo.Agents), made into router agents as the engine's roster
// does, all online, on their shifts. Capacity is counted per kind of work (messaging,
// e-mail, voice), as the router reads it.
//
// Customers abandon after a patience drawn once per conversation from an exponential
// distribution with a mean per channel (DefaultPatience), the same draws for every
// policy. A conversation is answered when assigned; it meets its SLA when its first reply
// comes within the first-response target of the default SLA policy
// (conversation/sla/default_policy.yaml) for its tier, channel and priority. Service
// level counts abandoned conversations as missed; a breach is a first reply after the
// target or an abandonment after it.
//
// Policies: Predictive is the real routing.Router (DefaultWeights) and routing.Queue,
// with Route on arrival and, like the engine's queue sweep, every minute for the waiting
// conversations, and Next when an agent frees capacity. The baselines require what the
// router requires except skills (region, shift, language at level 2, tier, capacity)
// and serve their queue first come, first served: RoundRobin takes agents in turn,
// LeastBusy the lowest share of capacity in use; LeastBusyPriority is LeastBusy with the
// router's queue order. With Config.FollowTheSun a conversation whose region has nobody
// on shift who speaks its language may go to another region's agent who does.
//
// Outcomes beyond waiting need a ground truth the demo does not have, so it is drawn
// (NewTruth): each agent resolves each intent with a probability of their own, and
// their history (routing.Agent.Stats) is a noisy sample of it, so the router's history
// term sees the truth only through that sample. A second figure subtracts 0.05 for an
// agent who is not native in the conversation's language: that gain exists only because
// the simulator rewards what the router's language term prefers, and is reported apart.
//
// Coverage: ShiftCoverage counts, per market, the hours of a week in which a person who
// speaks its language is on shift, in its region or in any; PlanCoverage runs the
// forecasting follow-the-sun plan (forecasting/staffing.FollowTheSun) over the week's
// demand with one site per region and time zone of the demo's agents.
package simulate
