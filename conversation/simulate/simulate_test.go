package simulate

import (
	"context"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/conversation/routing"
	"github.com/meridian-cs/meridian/ingest/demo"
	"github.com/meridian-cs/meridian/models"
)

// monday is the first day of the simulated traffic.
var monday = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)

var fixture struct {
	once     sync.Once
	arrivals []Arrival
	agents   []*routing.Agent
	truth    *Truth
	global   routing.Stat
	err      error
}

// day is one Monday of demo traffic with the demo's agents, built once.
func day(t *testing.T) ([]Arrival, []*routing.Agent, *Truth, routing.Config) {
	t.Helper()
	f := &fixture
	f.once.Do(func() {
		f.arrivals, f.err = Arrivals(context.Background(), demo.Config{Seed: 1, Start: monday, End: monday.AddDate(0, 0, 1)})
		roster, err := demo.Agents(models.DefaultPolicy(), 0)
		if f.err == nil {
			f.err = err
		}
		f.agents = RouterAgents(roster)
		f.truth, f.global = NewTruth(rand.New(rand.NewPCG(1, 7)), f.agents)
	})
	if f.err != nil {
		t.Fatal(f.err)
	}
	return f.arrivals, f.agents, f.truth, routing.Config{Global: f.global}
}

func run(t *testing.T, cfg Config, p Policy, arrivals []Arrival, agents []*routing.Agent, truth *Truth) *Result {
	t.Helper()
	r, err := Run(cfg, p, arrivals, agents, truth)
	if err != nil {
		t.Fatal(err)
	}
	if r.Answered+r.Abandon != r.Offered || r.Offered != len(arrivals) {
		t.Fatalf("%s: %d answered + %d abandoned, %d offered, %d arrivals", p, r.Answered, r.Abandon, r.Offered, len(arrivals))
	}
	return r
}

// The arrivals are the generator's hand-overs in the window, each with the lifecycle the
// generator wrote for it.
func TestArrivalsAreTheDemosHandOvers(t *testing.T) {
	arrivals, _, _, _ := day(t)
	handed := 0
	err := demo.New(demo.Config{Seed: 1, Start: monday, End: monday.AddDate(0, 0, 1)}).Each(context.Background(), func(e models.Event) error {
		if e.Type == models.AIAction && e.Action == "handed_to_agent" {
			handed++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A conversation handed over twice (reopened, then handed again) counts once.
	if len(arrivals) == 0 || len(arrivals) > handed || len(arrivals) < handed*95/100 {
		t.Fatalf("%d arrivals, the generator handed %d conversations to a human", len(arrivals), handed)
	}
	seen := map[string]bool{}
	for i, a := range arrivals {
		if seen[a.ID] {
			t.Fatalf("%s twice", a.ID)
		}
		seen[a.ID] = true
		if i > 0 && a.At.Before(arrivals[i-1].At) {
			t.Fatalf("%s out of order", a.ID)
		}
		if a.At.Before(monday) || !a.At.Before(monday.AddDate(0, 0, 1)) || a.Handle <= 0 || a.FirstReply <= 0 || a.FirstReply > a.Handle {
			t.Fatalf("%+v", a)
		}
		if a.Region == "" || a.Country == "" || a.Language == "" || a.Channel == "" || a.Intent == "" || a.Skill == "" || a.Urgency == "" {
			t.Fatalf("missing a field: %+v", a)
		}
		if a.Priority != routing.PriorityOf(a.Urgency, a.Tier) {
			t.Fatalf("%s: priority %s for urgency %s, tier %s", a.ID, a.Priority, a.Urgency, a.Tier)
		}
	}
}

// The same seed gives the same result; another patience seed gives another.
func TestRunIsDeterministic(t *testing.T) {
	arrivals, agents, truth, rc := day(t)
	arrivals = arrivals[:len(arrivals)/2] // the night and morning are enough
	for _, p := range []Policy{Predictive, LeastBusy} {
		a := run(t, Config{Seed: 3, Router: rc}, p, arrivals, agents, truth)
		b := run(t, Config{Seed: 3, Router: rc}, p, arrivals, agents, truth)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: two runs differ:\n%+v\n%+v", p, a, b)
		}
		c := run(t, Config{Seed: 4, Router: rc}, p, arrivals, agents, truth)
		if reflect.DeepEqual(a, c) {
			t.Errorf("%s: seeds 3 and 4 gave the same result", p)
		}
	}
}

// What every policy promises: an agent of the conversation's region (without
// follow-the-sun), on shift, who speaks its language at level 2 or better, serves its
// tier and has room for its kind of work. Baselines ignore skills; the router only gives
// a conversation to an agent without its skill after it waited RelaxSkillsAfter.
func TestAssignmentsKeepThePromises(t *testing.T) {
	arrivals, agents, truth, rc := day(t)
	for _, p := range Policies {
		n := 0
		cfg := Config{Seed: 1, Router: rc, OnAssign: func(a Arrival, ag *routing.Agent, at time.Time) {
			n++
			kind := routing.KindOfChannel(a.Channel)
			tier := a.Tier
			if tier == "" {
				tier = "new"
			}
			switch {
			case !strings.EqualFold(ag.Region, a.Region):
				t.Errorf("%s: %s (%s) to %s of %s", p, a.ID, a.Region, ag.ID, ag.Region)
			case levelOf(ag, a.Language) < 2:
				t.Errorf("%s: %s in %s to %s, who speaks %v", p, a.ID, a.Language, ag.ID, ag.Languages)
			case !ag.OnShift(at):
				t.Errorf("%s: %s to %s off shift at %s", p, a.ID, ag.ID, at)
			case len(ag.Tiers) > 0 && !containsFold(ag.Tiers, tier):
				t.Errorf("%s: %s of tier %s to %s, who serves %v", p, a.ID, tier, ag.ID, ag.Tiers)
			case ag.Load[kind] >= ag.CapacityFor(kind):
				t.Errorf("%s: %s to %s, full (%d of %d %s)", p, a.ID, ag.ID, ag.Load[kind], ag.CapacityFor(kind), kind)
			case at.Before(a.At):
				t.Errorf("%s: %s assigned before it arrived", p, a.ID)
			case p == Predictive && len(ag.Skills) > 0 && !containsFold(ag.Skills, a.Skill) && !containsFold(ag.Skills, a.Intent) && at.Sub(a.At) < 2*time.Minute:
				t.Errorf("%s: %s (%s) to %s (%v) after %s", p, a.ID, a.Skill, ag.ID, ag.Skills, at.Sub(a.At))
			}
		}}
		r := run(t, cfg, p, arrivals, agents, truth)
		if n != r.Answered || n == 0 {
			t.Errorf("%s: %d assignments, %d answered", p, n, r.Answered)
		}
	}
}

// Fewer agents, more customers give up: every other agent of each region removed.
func TestAbandonmentRisesWhenAgentsAreRemoved(t *testing.T) {
	arrivals, agents, truth, rc := day(t)
	var half []*routing.Agent
	for i, a := range agents {
		if i%2 == 0 {
			half = append(half, a)
		}
	}
	for _, p := range []Policy{Predictive, RoundRobin} {
		all := run(t, Config{Seed: 1, Router: rc}, p, arrivals, agents, truth)
		fewer := run(t, Config{Seed: 1, Router: rc}, p, arrivals, half, truth)
		if fewer.AbandonRate() <= all.AbandonRate() || fewer.ServiceLevel() >= all.ServiceLevel() {
			t.Errorf("%s: %d agents abandon %.3f SL %.3f; %d agents abandon %.3f SL %.3f", p,
				len(agents), all.AbandonRate(), all.ServiceLevel(), len(half), fewer.AbandonRate(), fewer.ServiceLevel())
		}
	}
}

// On the same run the router gives conversations to better speakers of their language
// than round-robin does, and to agents who list the conversation's skill more often than
// either baseline, which ignore skills.
func TestPredictiveMatchesLanguageAndSkillAtLeastAsWell(t *testing.T) {
	arrivals, agents, truth, rc := day(t)
	res := map[Policy]*Result{}
	for _, p := range []Policy{Predictive, RoundRobin, LeastBusy} {
		res[p] = run(t, Config{Seed: 1, Router: rc}, p, arrivals, agents, truth)
	}
	pr := res[Predictive]
	for _, p := range []Policy{RoundRobin, LeastBusy} {
		b := res[p]
		if pr.MeanLevel < b.MeanLevel || frac(pr.SkillMatch, pr.Answered) <= frac(b.SkillMatch, b.Answered) {
			t.Errorf("predictive: level %.3f, skill %d/%d; %s: level %.3f, skill %d/%d", pr.MeanLevel, pr.SkillMatch, pr.Answered, p, b.MeanLevel, b.SkillMatch, b.Answered)
		}
	}
}

// The router's resolution gain exists only where agents differ: with a ground truth in
// which every agent resolves every intent equally, no policy resolves more than another.
func TestResolutionGainNeedsAgentsWhoDiffer(t *testing.T) {
	arrivals, agents, _, rc := day(t)
	flat := &Truth{resolve: map[string]float64{}}
	for _, a := range agents {
		for _, in := range Intents {
			flat.resolve[a.ID+"/"+in] = 0.7
		}
	}
	pr := run(t, Config{Seed: 1, Router: rc}, Predictive, arrivals, agents, flat)
	rr := run(t, Config{Seed: 1, Router: rc}, RoundRobin, arrivals, agents, flat)
	if math.Abs(pr.Resolution-0.7) > 1e-9 || math.Abs(rr.Resolution-0.7) > 1e-9 {
		t.Errorf("flat truth: predictive resolves %.4f, round-robin %.4f", pr.Resolution, rr.Resolution)
	}
}

// Following the sun, conversations whose region has nobody on shift for their language
// reach agents of other regions, and fewer customers give up.
func TestFollowTheSunHandsOffAndLowersAbandonment(t *testing.T) {
	arrivals, agents, truth, rc := day(t)
	off := run(t, Config{Seed: 1, Router: rc}, LeastBusy, arrivals, agents, truth)
	on := run(t, Config{Seed: 1, Router: rc, FollowTheSun: true}, LeastBusy, arrivals, agents, truth)
	if off.HandedOff != 0 || on.HandedOff == 0 || on.AbandonRate() >= off.AbandonRate() {
		t.Errorf("off: %d handed off, abandon %.3f; on: %d handed off, abandon %.3f", off.HandedOff, off.AbandonRate(), on.HandedOff, on.AbandonRate())
	}
}

func TestRunRejectsAnUnknownPolicy(t *testing.T) {
	if _, err := Run(Config{}, "random", nil, nil, nil); err == nil {
		t.Fatal("no error")
	}
}

func frac(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Coverage counts the hours someone who speaks the language is on shift: in the market's
// region, and in any region.
func TestShiftCoverage(t *testing.T) {
	day := func(d int) []routing.Shift { return []routing.Shift{{Weekday: d, Start: "09:00", End: "17:00"}} }
	agents := []*routing.Agent{
		{ID: "a", Region: "eu", Languages: map[string]int{"de": 5, "en": 3}, Timezone: "UTC", Shifts: day(1)},
		{ID: "b", Region: "us", Languages: map[string]int{"de-AT": 2}, Timezone: "UTC", Shifts: append(day(1), day(2)...)},
		{ID: "c", Region: "eu", Languages: map[string]int{"fr": 1}}, // level 1 does not count
	}
	markets := []Market{{Country: "DE", Language: "de", Region: "eu"}, {Country: "FR", Language: "fr", Region: "eu"}, {Country: "GB", Language: "en", Region: "eu"}}
	cov := ShiftCoverage(markets, agents, monday)
	want := [][2]float64{{8, 16}, {0, 0}, {8, 8}}
	for i, c := range cov {
		if c.Own != want[i][0] || c.FollowTheSun != want[i][1] {
			t.Errorf("%s: own %v, any region %v; want %v", c.Country, c.Own, c.FollowTheSun, want[i])
		}
	}
}

// Sites answering more languages can only add covered hours; the demo's European
// languages spoken in the Americas gain hours.
func TestPlanCoverageNeverLosesHours(t *testing.T) {
	arrivals, agents, _, _ := day(t)
	// A week of demand from one day of arrivals: the other days are empty, which the plan
	// covers with AI.
	markets := Markets(arrivals)
	cov := ShiftCoverage(markets, agents, monday)
	_, err := PlanCoverage(context.Background(), cov, arrivals, Sites(agents), monday, PlanOptionsFor(arrivals))
	if err != nil {
		t.Fatal(err)
	}
	gained := false
	for _, c := range cov {
		if c.PlanFollowTheSun < c.PlanOwn || c.FollowTheSun < c.Own {
			t.Errorf("%s: own %v → %v (plan %v → %v)", c.Country, c.Own, c.FollowTheSun, c.PlanOwn, c.PlanFollowTheSun)
		}
		if c.Country == "FR" || c.Country == "ES" {
			gained = gained || c.PlanFollowTheSun > c.PlanOwn
		}
	}
	if !gained {
		t.Errorf("no European market gained hours: %+v", cov)
	}
	if !slices.ContainsFunc(Sites(agents), func(s demo.Site) bool { return s.Region == "us" && slices.Contains(s.Languages, "fr") }) {
		t.Error("no site in the us region answers French")
	}
}
