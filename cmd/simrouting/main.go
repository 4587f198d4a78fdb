// Command simrouting replays a week of demo traffic (ingest/demo) through the conversation
// router (conversation/routing) and through round-robin and least-busy baselines, on the
// same arrivals, agents and customer patience, with and without follow-the-sun hand-off,
// and prints a Markdown report: service level against the default SLA policy, waits,
// abandonment, breaches, language and skill match, expected resolution and CSAT under a
// synthetic ground truth, and the hours per week each market's language is covered. The
// same flags give the same report.
//
//	go run ./cmd/simrouting -seed 1 -start 2026-11-30 -days 7
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/conversation/routing"
	"github.com/meridian-cs/meridian/conversation/simulate"
	"github.com/meridian-cs/meridian/ingest/demo"
	"github.com/meridian-cs/meridian/models"
)

func main() {
	seed := flag.Int64("seed", 1, "seed of the demo traffic, the patience draws and the ground truth")
	startS := flag.String("start", "2026-11-30", "first day (UTC) of the simulated traffic; a Monday keeps the week aligned")
	days := flag.Int("days", 7, "days of traffic")
	rate := flag.Float64("rate", 1000, "demo messages per hour at the busiest hour (the demo's default)")
	flag.Parse()
	start, err := time.Parse("2006-01-02", *startS)
	if err == nil && *days < 1 {
		err = fmt.Errorf("-days %d: want at least 1", *days)
	}
	if err == nil {
		err = run(context.Background(), os.Stdout, *seed, start, *days, *rate)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "simrouting:", err)
		os.Exit(1)
	}
}

type variant struct {
	name   string
	policy simulate.Policy
	fts    bool
	relax  time.Duration
}

func run(ctx context.Context, w io.Writer, seed int64, start time.Time, days int, rate float64) error {
	t0 := time.Now()
	end := start.AddDate(0, 0, days)
	arrivals, err := simulate.Arrivals(ctx, demo.Config{Seed: seed, Start: start, End: end, MessagesPerHour: rate})
	if err != nil {
		return err
	}
	roster, err := demo.Agents(models.DefaultPolicy(), rate)
	if err != nil {
		return err
	}
	agents := simulate.RouterAgents(roster)
	truth, global := simulate.NewTruth(rand.New(rand.NewPCG(uint64(seed), 7)), agents)
	fmt.Fprintf(w, "Demo traffic seed %d, %s to %s, %.0f messages per busiest hour: %d conversations handed to a human; %d demo agents (%s).\n\n",
		seed, start.Format("2006-01-02"), end.Format("2006-01-02"), rate, len(arrivals), len(agents), regionsOf(agents))

	var variants []variant
	for _, fts := range []bool{false, true} {
		for _, p := range simulate.Policies {
			variants = append(variants, variant{name: string(p), policy: p, fts: fts})
		}
		variants = append(variants, variant{name: "predictive, skills relaxed after 30 s", policy: simulate.Predictive, fts: fts, relax: 30 * time.Second})
	}
	fmt.Fprintln(w, "| policy | follow-the-sun | service level | mean wait | p90 wait | abandoned | SLA breaches | staffed hours: SL / abandoned | language level | native | skill match | other region | resolution (history truth) | resolution (+ language) | CSAT | busiest agent |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	results := map[string]*simulate.Result{}
	for _, v := range variants {
		cfg := simulate.Config{Seed: uint64(seed), Router: routing.Config{Global: global, RelaxSkillsAfter: v.relax}, FollowTheSun: v.fts}
		r, err := simulate.Run(cfg, v.policy, arrivals, agents, truth)
		if err != nil {
			return err
		}
		key := v.name
		if v.fts {
			key += "+fts"
		}
		results[key] = r
		st := r.Slices["staffed:yes"]
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %d | %s / %s | %.2f | %s | %s | %d | %.3f | %.3f | %.2f | %s |\n",
			v.name, onOff(v.fts), pct(r.ServiceLevel()), dur(r.MeanWait), dur(r.P90Wait), pct(r.AbandonRate()), r.Breaches,
			pct(st.ServiceLevel()), pct(st.AbandonRate()), r.MeanLevel, pct(frac(r.Native, r.Answered)), pct(frac(r.SkillMatch, r.Answered)),
			r.HandedOff, r.Resolution, r.ResolutionLang, r.CSAT, pct(r.BusiestShare))
	}

	fmt.Fprintln(w, "\nBy slice, without follow-the-sun (service level / abandoned / mean wait of the answered):")
	fmt.Fprintln(w, "\n| slice | offered | predictive | round-robin | least-busy | least-busy+priority |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, name := range sliceNames(results["predictive"]) {
		fmt.Fprintf(w, "| %s | %d |", name, results["predictive"].Slices[name].Offered)
		for _, p := range simulate.Policies {
			x := results[string(p)].Slices[name]
			fmt.Fprintf(w, " %s / %s / %s |", pct(x.ServiceLevel()), pct(x.AbandonRate()), dur(x.MeanWait()))
		}
		fmt.Fprintln(w)
	}

	markets := simulate.Markets(arrivals)
	cov := simulate.ShiftCoverage(markets, agents, start)
	opt := simulate.PlanOptionsFor(arrivals)
	if days != 7 {
		fmt.Fprintln(w, "\n(Coverage needs a whole week: run with -days 7.)")
		fmt.Fprintf(w, "\n%d runs in %s.\n", len(variants), time.Since(t0).Round(time.Second))
		return nil
	}
	plan, err := simulate.PlanCoverage(ctx, cov, arrivals, simulate.Sites(agents), start, opt)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "\nHours per week with a person on shift who speaks the market's main language (level 2 or better):")
	fmt.Fprintln(w, "\n| market | language | region | handed to a human | demo shifts, own region | demo shifts, any region (follow-the-sun) | plan, own region's sites | plan, follow-the-sun |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
	for _, c := range cov {
		fmt.Fprintf(w, "| %s | %s | %s | %d | %.0f | %.0f | %.0f | %.0f |\n", c.Country, c.Language, c.Region, c.Contacts, c.Own, c.FollowTheSun, c.PlanOwn, c.PlanFollowTheSun)
	}
	fmt.Fprintf(w, "\nPlan (Erlang A, AHT %.0f s, patience 1200 s, 80%% in 300 s, occupancy ≤ 85%%, shrinkage 30%%, %d sites at the same hourly cost): "+
		"own-region sites cost %.0f for %.0f human contacts (expected SL %s); follow-the-sun %.0f for %.0f (SL %s), %+.0f%% cost.\n",
		opt.AHTSeconds, len(simulate.Sites(agents)), plan.OwnCost, plan.OwnHuman, pct(plan.OwnServiceLevel), plan.Cost, plan.HumanContacts, pct(plan.ServiceLevel),
		100*(plan.Cost/plan.OwnCost-1))
	fmt.Fprintf(w, "\n%d runs in %s.\n", len(variants), time.Since(t0).Round(time.Second))
	return nil
}

func regionsOf(agents []*routing.Agent) string {
	n := map[string]int{}
	var order []string
	for _, a := range agents {
		if n[a.Region] == 0 {
			order = append(order, a.Region)
		}
		n[a.Region]++
	}
	s := ""
	for i, r := range order {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s %d", r, n[r])
	}
	return s
}

func sliceNames(r *simulate.Result) []string {
	var out []string
	for _, prefix := range []string{"region:", "channel:", "priority:", "staffed:"} {
		var names []string
		for name := range r.Slices {
			if strings.HasPrefix(name, prefix) {
				names = append(names, name)
			}
		}
		slices.Sort(names)
		out = append(out, names...)
	}
	return out
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func frac(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func pct(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) }

func dur(d time.Duration) string {
	switch {
	case d >= time.Hour:
		return fmt.Sprintf("%.1f h", d.Hours())
	case d >= time.Minute:
		return fmt.Sprintf("%.1f min", d.Minutes())
	}
	return fmt.Sprintf("%.0f s", d.Seconds())
}
