package simulate

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/meridian-cs/meridian/conversation"
	"github.com/meridian-cs/meridian/conversation/routing"
)

// Intents are the demo's intents (ingest/demo), for the ground truth and the history.
var Intents = []string{"order_status", "returns", "refund", "product_question", "complaint", "delivery_delay", "payment", "pricing"}

// RouterAgents turns agents as PostgreSQL keeps them (demo.Agents) into what the router
// reads, as the engine's roster does: messaging capacity from MaxConcurrent, other kinds
// from Capacity, all online (presence is not simulated; shifts are).
func RouterAgents(as []conversation.Agent) []*routing.Agent {
	out := make([]*routing.Agent, 0, len(as))
	for _, a := range as {
		a.Normalize()
		shifts := make([]routing.Shift, len(a.Shifts))
		for j, s := range a.Shifts {
			shifts[j] = routing.Shift(s)
		}
		capacity := map[string]int{routing.KindMessaging: a.MaxConcurrent}
		for k, n := range a.Capacity {
			capacity[k] = n
		}
		out = append(out, &routing.Agent{ID: a.ID, Name: a.Name, Region: a.Region, Team: a.Team, Languages: a.Languages,
			Skills: a.Skills, Tiers: a.Tiers, Capacity: capacity, Timezone: a.Timezone, Shifts: shifts, Online: true})
	}
	slices.SortFunc(out, func(x, y *routing.Agent) int { return strings.Compare(x.ID, y.ID) })
	return out
}

// Truth is the synthetic ground truth of the simulation: each agent's probability of
// resolving a conversation of an intent at the first contact, and the CSAT that follows.
// It is drawn, not measured: see the package documentation for what it assumes.
type Truth struct {
	resolve map[string]float64 // agentID + "/" + intent → probability
	// NonNativePenalty is subtracted from the resolution probability when the agent's
	// level in the conversation's language is below 5.
	NonNativePenalty float64
}

// Resolution is the probability that agentID resolves a conversation of intent in a
// language they speak at level; withLanguage applies NonNativePenalty.
func (t *Truth) Resolution(agentID, intent string, level int, withLanguage bool) float64 {
	p, ok := t.resolve[agentID+"/"+intent]
	if !ok {
		p = 0.7
	}
	if withLanguage && level < 5 {
		p -= t.NonNativePenalty
	}
	return min(0.98, max(0.05, p))
}

// CSAT is the expected satisfaction (1–5) that follows a resolution probability p.
func CSAT(p float64) float64 { return min(5, max(1, 2.5+2.5*p)) }

// NewTruth draws the ground truth for agents: p = 0.72 + agent effect (σ 0.06) + agent ×
// intent effect (σ 0.08), clamped to [0.05, 0.98]. It also gives each agent a history
// (Agent.Stats, what ClickHouse would hold): for every intent and language they speak at
// level 2 or better, N uniform in 0..150 past conversations with the resolution rate a
// binomial draw of N at p (with the language penalty) and CSAT the expected CSAT plus noise
// of σ 0.8/√N; "" sums them. It returns the region-wide record for routing.Config.Global.
func NewTruth(rng *rand.Rand, agents []*routing.Agent) (*Truth, routing.Stat) {
	t := &Truth{resolve: map[string]float64{}, NonNativePenalty: 0.05}
	var global routing.Stat
	var gRes, gCSAT float64
	for _, a := range agents {
		ae := 0.06 * rng.NormFloat64()
		for _, in := range Intents {
			t.resolve[a.ID+"/"+in] = min(0.98, max(0.05, 0.72+ae+0.08*rng.NormFloat64()))
		}
		a.Stats = map[string]routing.Stat{}
		var all routing.Stat
		var sumRes, sumCSAT float64
		langs := make([]string, 0, len(a.Languages))
		for l := range a.Languages {
			langs = append(langs, l)
		}
		slices.Sort(langs) // map order must not change the draws
		for _, in := range Intents {
			for _, l := range langs {
				lvl := a.Languages[l]
				if lvl < 2 {
					continue
				}
				n := rng.IntN(151)
				if n == 0 {
					continue
				}
				p := t.Resolution(a.ID, in, lvl, true)
				k := 0
				for range n {
					if rng.Float64() < p {
						k++
					}
				}
				csat := min(5, max(1, CSAT(p)+0.8/math.Sqrt(float64(n))*rng.NormFloat64()))
				a.Stats[in+"/"+strings.ToLower(l)] = routing.Stat{N: n, ResolutionRate: float64(k) / float64(n), CSAT: csat}
				all.N += n
				sumRes += float64(k)
				sumCSAT += csat * float64(n)
			}
		}
		if all.N > 0 {
			all.ResolutionRate, all.CSAT = sumRes/float64(all.N), sumCSAT/float64(all.N)
			a.Stats[""] = all
			global.N += all.N
			gRes += sumRes
			gCSAT += sumCSAT
		}
	}
	if global.N > 0 {
		global.ResolutionRate, global.CSAT = gRes/float64(global.N), gCSAT/float64(global.N)
	}
	return t, global
}
