package routing

// Roster indexes agents by region and base language so that a decision looks only at
// the agents who could take the conversation. Build it when the engine loads a region's
// agents and again after upsertAgent changes an agent's region or languages; presence,
// shifts, skills, tiers, capacity, load and history are read live through the pointers,
// so setAgentPresence and assignments need no rebuild. A Roster is read-only once built
// and safe for concurrent use.
type Roster struct {
	byLang   map[rosterKey][]rosterEntry // region, base language → agents with their level
	byRegion map[string][]rosterEntry    // region → all its agents, level 0 (unknown language)
}

type rosterKey struct{ region, lang string }

type rosterEntry struct {
	a     *Agent
	level int
}

// NewRoster indexes agents (nil entries are skipped).
func NewRoster(agents []*Agent) *Roster {
	ro := &Roster{byLang: map[rosterKey][]rosterEntry{}, byRegion: map[string][]rosterEntry{}}
	for _, a := range agents {
		if a == nil {
			continue
		}
		region := QueueName(a.Region, "") // lower-cased region + "/und"
		region = region[:len(region)-len("/und")]
		ro.byRegion[region] = append(ro.byRegion[region], rosterEntry{a: a})
		levels := map[string]int{}
		for tag, lvl := range a.Languages {
			b := baseLanguage(tag)
			if b != "und" && lvl > levels[b] {
				levels[b] = lvl
			}
		}
		for b, lvl := range levels {
			k := rosterKey{region, b}
			ro.byLang[k] = append(ro.byLang[k], rosterEntry{a: a, level: lvl})
		}
	}
	return ro
}

func (ro *Roster) lookup(region, lang string) []rosterEntry {
	if lang == "und" {
		return ro.byRegion[region]
	}
	return ro.byLang[rosterKey{region, lang}]
}
