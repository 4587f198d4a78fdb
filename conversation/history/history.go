// Package history is what the conversation engine learns from ClickHouse for predictive
// routing. A Learner reads each region's events table (meridian_<region>.events, FINAL)
// in the background, every MERIDIAN_ROUTING_LEARN_EVERY, and publishes one immutable
// Snapshot per region and tenant behind an atomic pointer; the engine's decisions read the
// latest snapshot and never wait for ClickHouse. A tenant without history has no snapshot,
// and the engine then routes exactly as it does without a Learner.
//
// Data flow, per region and refresh (all tenants of the region in three queries):
//
//	events (last Window) ─ per conversation: intent and base language (the first analysed
//	  message's, else the first received message's), tier, channel, issue type, urgency,
//	  sentiment, customer messages before the first assignment, CSAT (feedback.csat),
//	  assignments and resolutions with their agents
//	  ├─ per agent who was assigned it: resolved by them or not, their handling time
//	  │  (their first assignment to their resolution), the CSAT when they resolved it last
//	  │    → Snapshot.Agents[agent][intent/lang] and [""] (routing.Stat, counts for the
//	  │      router's shrinkage), Snapshot.Overall (the region's record: routing's Global)
//	  └─ the most recent MaxSamples resolved conversations → predict.Fit → Snapshot.Handle
//	events (last Window) ─ per base language: conversations with a customer message, and
//	  those a person was asked to handle (assigned, queued or routed by the engine), over
//	  the window and the last day → Snapshot.HumanShare, Snapshot.Arrivals
//	forecasts (forecasting/chstore, the latest run) ─ contacts per base language ahead
//	  → Snapshot.ArrivalsPerHour prefers the forecast step covering the decision's time
//
// The engine turns a snapshot into its routing inputs: agents' Stats, the router's Global,
// a conversation's predicted handling time (Handle) and expected wait
// (predict.ExpectedWait with ArrivalsPerHour, Overall.HandleSeconds and the online agents'
// capacity), and CustomerValue by tier (TierValues).
//
// Definitions: an agent handled a conversation when a conversation.assigned names them;
// they resolved it when a conversation.resolved at or after that names them. A
// conversation's CSAT counts for the agent who resolved it last. Handling time is wall
// time from assignment to resolution, concurrent conversations included (which is what
// an agent's capacity holds). Limits: a conversation that began before the window is
// seen only in part; transfers count against the agent who passed it on; tier values are
// configuration (the ROI model values a retained customer at one lifetime_value, not by
// tier), not learned.
package history

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meridian-cs/meridian/conversation/predict"
	"github.com/meridian-cs/meridian/conversation/routing"
	"github.com/meridian-cs/meridian/forecasting/chstore"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/clickhouse"
)

// Defaults of a Learner.
const (
	DefaultWindow = 90 * 24 * time.Hour
	DefaultEvery  = 15 * time.Minute
	// MaxSamples is the most resolved conversations per tenant and region predict.Fit
	// learns handling times from (the most recent).
	MaxSamples = 20000
)

// DefaultTierValues are customers' relative values by tier (1: an average customer), as
// multiples of the ROI model's lifetime value of a customer: judgement, not measured.
func DefaultTierValues() map[string]float64 {
	return map[string]float64{"vip": 4, "enterprise": 4, "returning": 1.2, "new": 1}
}

// Snapshot is what one refresh learned of a region's tenant. It is immutable once
// published and safe for concurrent use.
type Snapshot struct {
	Region, Tenant string
	At             time.Time     // when it was computed
	Window         time.Duration // how far back it looked
	// Agents holds each agent's records: key intent+"/"+base language in lower case
	// ("refund/de"), and "" for all their conversations (routing.Agent.Stats).
	Agents map[string]map[string]routing.Stat
	// Overall is the region's record over all its agents (routing.Config.Global);
	// HandleSeconds is the mean handling time.
	Overall routing.Stat
	// Handle predicts handling times; nil when no handled conversation was resolved.
	Handle *predict.Model
	// Arrivals is, per base language, the conversations per hour a person was asked to
	// handle over the last day before At.
	Arrivals map[string]float64
	// HumanShare is the share (0..1) of conversations with a customer message a person
	// was asked to handle over the window, per base language.
	HumanShare map[string]float64
	// Forecast is the demand forecast per base language (contacts per step), empty
	// without one.
	Forecast map[string]Demand
	// TierValues are customers' relative values by tier (lower case).
	TierValues map[string]float64

	once   sync.Once
	router *routing.Router
}

// Demand is a language's forecast contacts per step.
type Demand struct {
	Step   time.Duration
	Points []chstore.Point
}

// ArrivalsPerHour is how many conversations of language lang (a base language) are
// expected to need a person per hour at at: the forecast step covering at times the
// human share, else the rate of the last day, else 0 (unknown).
func (s *Snapshot) ArrivalsPerHour(lang string, at time.Time) float64 {
	lang = models.BaseLanguage(lang)
	if d, ok := s.Forecast[lang]; ok && d.Step > 0 {
		share, ok := s.HumanShare[lang]
		if !ok {
			share = 1
		}
		for _, p := range d.Points {
			if !at.Before(p.T) && at.Before(p.T.Add(d.Step)) {
				return max(0, p.Mean) * share * float64(time.Hour) / float64(d.Step)
			}
		}
	}
	return s.Arrivals[lang]
}

// TierValue is the relative value of a customer of tier ("" is "new"), 0 when unknown.
func (s *Snapshot) TierValue(tier string) float64 {
	t := strings.ToLower(strings.TrimSpace(tier))
	if t == "" {
		t = "new"
	}
	return s.TierValues[t]
}

// Router is base's router with the region's record as its Global, built once per
// snapshot (the first caller's base counts).
func (s *Snapshot) Router(base *routing.Router) *routing.Router {
	s.once.Do(func() {
		var cfg routing.Config
		if base != nil {
			cfg = base.Config()
		}
		cfg.Global = s.Overall
		s.router = routing.NewRouter(cfg)
	})
	return s.router
}

// Learner keeps the latest Snapshot of every region and tenant. Refresh and Run fill it;
// Snapshot reads it without blocking.
type Learner struct {
	Regions *clickhouse.Regions
	// Window is how far back the history goes (DefaultWindow when zero).
	Window time.Duration
	// TierValues: DefaultTierValues when nil.
	TierValues map[string]float64
	Now        func() time.Time
	Log        *slog.Logger

	mu    sync.Mutex // serialises writers
	snaps atomic.Pointer[map[string]*Snapshot]
}

func key(region, tenant string) string { return region + "\x00" + tenant }

// Snapshot returns the latest snapshot of region's tenant, nil when it has none (no
// history yet: a cold start). A nil Learner has none.
func (l *Learner) Snapshot(region, tenant string) *Snapshot {
	if l == nil {
		return nil
	}
	m := l.snaps.Load()
	if m == nil {
		return nil
	}
	return (*m)[key(region, tenant)]
}

// Run refreshes at once and then every interval until ctx ends, logging failures (a
// region that fails keeps its previous snapshots).
func (l *Learner) Run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = DefaultEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := l.Refresh(ctx); err != nil && ctx.Err() == nil {
			l.log().WarnContext(ctx, "routing history not refreshed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Refresh reads every region's history and publishes the snapshots. A region that fails
// keeps its previous snapshots; the errors are joined.
func (l *Learner) Refresh(ctx context.Context) error {
	var errs []error
	for _, region := range l.Regions.Names() {
		snaps, err := l.learn(ctx, region)
		if err != nil {
			errs = append(errs, fmt.Errorf("history %s: %w", region, err))
			continue
		}
		l.publish(region, snaps)
	}
	return errors.Join(errs...)
}

// publish replaces region's snapshots (copy on write: readers keep the map they loaded).
func (l *Learner) publish(region string, snaps []*Snapshot) {
	l.mu.Lock()
	defer l.mu.Unlock()
	next := map[string]*Snapshot{}
	if cur := l.snaps.Load(); cur != nil {
		for k, s := range *cur {
			if s.Region != region {
				next[k] = s
			}
		}
	}
	for _, s := range snaps {
		next[key(region, s.Tenant)] = s
	}
	l.snaps.Store(&next)
}

func (l *Learner) log() *slog.Logger {
	if l.Log != nil {
		return l.Log
	}
	return slog.Default()
}

func (l *Learner) now() time.Time {
	if l.Now != nil {
		return l.Now().UTC()
	}
	return time.Now().UTC()
}

// learn reads one region's history into a snapshot per tenant that has any.
func (l *Learner) learn(ctx context.Context, region string) ([]*Snapshot, error) {
	db, err := l.Regions.DB(region)
	if err != nil {
		return nil, err
	}
	now := l.now()
	window := l.Window
	if window <= 0 {
		window = DefaultWindow
	}
	values := l.TierValues
	if values == nil {
		values = DefaultTierValues()
	}
	tiers := make(map[string]float64, len(values))
	for t, v := range values {
		tiers[strings.ToLower(strings.TrimSpace(t))] = v
	}
	from := now.Add(-window)
	byTenant := map[string]*Snapshot{}
	snap := func(tenant string) *Snapshot {
		s, ok := byTenant[tenant]
		if !ok {
			s = &Snapshot{Region: region, Tenant: tenant, At: now, Window: window, Agents: map[string]map[string]routing.Stat{},
				Arrivals: map[string]float64{}, HumanShare: map[string]float64{}, Forecast: map[string]Demand{}, TierValues: maps.Clone(tiers)}
			byTenant[tenant] = s
		}
		return s
	}
	if err := agentStats(ctx, db, region, from, now, snap); err != nil {
		return nil, err
	}
	if err := handling(ctx, db, region, from, now, byTenant); err != nil {
		return nil, err
	}
	if err := demand(ctx, db, region, from, now, byTenant); err != nil {
		return nil, err
	}
	out := make([]*Snapshot, 0, len(byTenant))
	for _, s := range byTenant {
		out = append(out, s)
	}
	return out, nil
}

// The event types the history reads.
const historyTypes = "('message.received', 'message.analyzed', 'feedback.csat', 'conversation.assigned', 'conversation.resolved', 'conversation.queued', 'routing.decided')"

// conversations is the per-conversation subquery: one row per (tenant, conversation) with
// a customer message or an assignment in [from, to) (parameters bound by b).
func conversations(b *clickhouse.Binder, region string, from, to time.Time) string {
	return fmt.Sprintf(`SELECT tenant, conversation_id,
	argMinIf(intent, occurred_at, type = 'message.analyzed' AND intent != '') AS ai,
	argMinIf(intent, occurred_at, type = 'message.received' AND intent != '') AS ri,
	lower(if(ai != '', ai, ri)) AS c_intent,
	argMinIf(language, occurred_at, type = 'message.analyzed' AND language NOT IN ('', 'und')) AS al,
	argMinIf(language, occurred_at, type = 'message.received' AND language NOT IN ('', 'und')) AS rl,
	lower(extract(if(al != '', al, rl), '^[^-_]*')) AS c_lang,
	argMinIf(tier, occurred_at, tier != '') AS c_tier,
	argMinIf(channel, occurred_at, type = 'message.received' AND channel != '') AS c_channel,
	argMinIf(attributes['issue_type'], occurred_at, type = 'message.analyzed') AS c_issue,
	argMinIf(attributes['urgency'], occurred_at, type = 'message.analyzed') AS c_urgency,
	argMinIf(toFloat64(assumeNotNull(sentiment)), occurred_at, type IN ('message.analyzed', 'message.received') AND sentiment IS NOT NULL) AS c_sentiment,
	avgIf(toFloat64(assumeNotNull(score)), type = 'feedback.csat' AND score IS NOT NULL) AS csat,
	argMaxIf(agent_id, occurred_at, type = 'conversation.resolved' AND agent_id != '') AS resolver,
	groupArrayIf((agent_id, toUnixTimestamp64Milli(occurred_at)), type = 'conversation.assigned' AND agent_id != '') AS assigns,
	groupArrayIf((agent_id, toUnixTimestamp64Milli(occurred_at)), type = 'conversation.resolved' AND agent_id != '') AS resolves,
	groupArrayIf(toUnixTimestamp64Milli(occurred_at), type = 'message.received') AS received,
	countIf(type IN ('conversation.assigned', 'conversation.queued', 'routing.decided')) > 0 AS human
FROM %s.events FINAL
WHERE occurred_at >= toDateTime64(%s, 3, 'UTC') AND occurred_at < toDateTime64(%s, 3, 'UTC')
	AND conversation_id != '' AND type IN %s
GROUP BY tenant, conversation_id`, clickhouse.Database(region),
		b.String(from.UTC().Format(clickhouse.TimeFormat)), b.String(to.UTC().Format(clickhouse.TimeFormat)), historyTypes)
}

// agentStats aggregates each agent's record per intent and language.
func agentStats(ctx context.Context, db clickhouse.DB, region string, from, to time.Time, snap func(string) *Snapshot) error {
	var b clickhouse.Binder
	q := `SELECT tenant, agent, c_intent, c_lang, count(), countIf(resolved),
	sumIf(csat, rated), countIf(rated), sumIf(handle, resolved AND handle > 0), countIf(resolved AND handle > 0)
FROM (
	SELECT tenant, agent, c_intent, c_lang, csat,
		arrayMin(arrayMap(x -> x.2, arrayFilter(x -> x.1 = agent, assigns))) AS assigned_ms,
		arrayFilter(x -> x >= assigned_ms, arrayMap(x -> x.2, arrayFilter(x -> x.1 = agent, resolves))) AS own,
		notEmpty(own) AS resolved,
		if(resolved, (arrayMin(own) - assigned_ms) / 1000, 0) AS handle,
		agent = resolver AND NOT isNaN(csat) AS rated
	FROM (` + conversations(&b, region, from, to) + `)
	ARRAY JOIN arrayDistinct(arrayMap(x -> x.1, assigns)) AS agent
)
GROUP BY tenant, agent, c_intent, c_lang`
	res, err := db.QueryParams(ctx, q, b.Params())
	if err != nil {
		return fmt.Errorf("agent records: %w", err)
	}
	type sums struct{ n, resolved, csatSum, csatN, handleSum, handleN float64 }
	add := func(m map[string]*sums, k string, x sums) {
		s, ok := m[k]
		if !ok {
			s = &sums{}
			m[k] = s
		}
		s.n, s.resolved, s.csatSum, s.csatN, s.handleSum, s.handleN = s.n+x.n, s.resolved+x.resolved, s.csatSum+x.csatSum, s.csatN+x.csatN, s.handleSum+x.handleSum, s.handleN+x.handleN
	}
	perAgent := map[string]map[string]map[string]*sums{} // tenant → agent → key
	overall := map[string]map[string]*sums{}             // tenant → ""
	for _, r := range res.Rows {
		if len(r) != 10 {
			return fmt.Errorf("agent records: %d columns", len(r))
		}
		tenant, agent, intent, lang := clickhouse.String(r[0]), clickhouse.String(r[1]), clickhouse.String(r[2]), clickhouse.String(r[3])
		x := sums{clickhouse.Float(r[4]), clickhouse.Float(r[5]), clickhouse.Float(r[6]), clickhouse.Float(r[7]), clickhouse.Float(r[8]), clickhouse.Float(r[9])}
		if perAgent[tenant] == nil {
			perAgent[tenant], overall[tenant] = map[string]map[string]*sums{}, map[string]*sums{}
		}
		if perAgent[tenant][agent] == nil {
			perAgent[tenant][agent] = map[string]*sums{}
		}
		add(perAgent[tenant][agent], "", x)
		if intent != "" && lang != "" {
			add(perAgent[tenant][agent], intent+"/"+lang, x)
		}
		add(overall[tenant], "", x)
	}
	stat := func(s *sums) routing.Stat {
		st := routing.Stat{N: int(s.n)}
		if s.n > 0 {
			st.ResolutionRate = s.resolved / s.n
		}
		if s.csatN > 0 {
			st.CSAT = s.csatSum / s.csatN
		}
		if s.handleN > 0 {
			st.HandleSeconds = s.handleSum / s.handleN
		}
		return st
	}
	for tenant, agents := range perAgent {
		sn := snap(tenant)
		for agent, keys := range agents {
			m := make(map[string]routing.Stat, len(keys))
			for k, s := range keys {
				m[k] = stat(s)
			}
			sn.Agents[agent] = m
		}
		sn.Overall = stat(overall[tenant][""])
	}
	return nil
}

// handling fits each tenant's handling-time model on its most recent resolved
// conversations: from the first assignment to the first resolution after it, with the
// features known when it was routed.
func handling(ctx context.Context, db clickhouse.DB, region string, from, to time.Time, byTenant map[string]*Snapshot) error {
	var b clickhouse.Binder
	q := `SELECT tenant, c_lang, c_channel, c_intent, c_issue, c_tier, c_urgency, c_sentiment,
	length(arrayFilter(x -> x <= assigned_ms, received)) AS before, (resolved_ms - assigned_ms) / 1000 AS seconds
FROM (
	SELECT *, arrayMin(arrayMap(x -> x.2, assigns)) AS assigned_ms,
		arrayMin(arrayFilter(x -> x >= assigned_ms, arrayMap(x -> x.2, resolves))) AS resolved_ms
	FROM (` + conversations(&b, region, from, to) + `)
	WHERE notEmpty(assigns) AND arrayExists(x -> x.2 >= arrayMin(arrayMap(y -> y.2, assigns)), resolves)
)
ORDER BY tenant, resolved_ms DESC
LIMIT ` + fmt.Sprint(MaxSamples) + ` BY tenant`
	res, err := db.QueryParams(ctx, q, b.Params())
	if err != nil {
		return fmt.Errorf("handling samples: %w", err)
	}
	samples := map[string][]predict.Sample{}
	for _, r := range res.Rows {
		if len(r) != 10 {
			return fmt.Errorf("handling samples: %d columns", len(r))
		}
		f := predict.Features{Language: clickhouse.String(r[1]), Channel: clickhouse.String(r[2]), Intent: clickhouse.String(r[3]),
			IssueType: clickhouse.String(r[4]), Tier: clickhouse.String(r[5]), Urgency: clickhouse.String(r[6]),
			Sentiment: clickhouse.Float(r[7]), Messages: int(clickhouse.Float(r[8]))}
		tenant := clickhouse.String(r[0])
		samples[tenant] = append(samples[tenant], predict.Sample{Features: f, HandleSeconds: clickhouse.Float(r[9])})
	}
	for tenant, ss := range samples {
		s := byTenant[tenant]
		if s == nil {
			continue // no agent record: nothing to route with
		}
		m, err := predict.Fit(ss, 0)
		if errors.Is(err, predict.ErrNoData) {
			continue
		}
		if err != nil {
			return fmt.Errorf("handling model of %s: %w", tenant, err)
		}
		s.Handle = m
	}
	return nil
}

// demand measures, per tenant and base language, the share of conversations a person was
// asked to handle and their rate over the last day, and reads the latest forecast.
func demand(ctx context.Context, db clickhouse.DB, region string, from, to time.Time, byTenant map[string]*Snapshot) error {
	var b clickhouse.Binder
	day := to.Add(-24 * time.Hour)
	q := `SELECT tenant, c_lang, countIf(notEmpty(received)), countIf(notEmpty(received) AND human),
	countIf(human AND arrayMin(received) >= ` + fmt.Sprint(day.UnixMilli()) + `)
FROM (` + conversations(&b, region, from, to) + `)
WHERE c_lang != ''
GROUP BY tenant, c_lang`
	res, err := db.QueryParams(ctx, q, b.Params())
	if err != nil {
		return fmt.Errorf("demand: %w", err)
	}
	for _, r := range res.Rows {
		if len(r) != 5 {
			return fmt.Errorf("demand: %d columns", len(r))
		}
		s := byTenant[clickhouse.String(r[0])]
		if s == nil {
			continue
		}
		lang, all, human, lastDay := clickhouse.String(r[1]), clickhouse.Float(r[2]), clickhouse.Float(r[3]), clickhouse.Float(r[4])
		if all > 0 {
			s.HumanShare[lang] = human / all
		}
		if lastDay > 0 {
			s.Arrivals[lang] = lastDay / 24
		}
	}
	for tenant, s := range byTenant {
		fs, err := chstore.Read(ctx, db, region, tenant, chstore.ReadFilter{From: to.Add(-24 * time.Hour), To: to.Add(48 * time.Hour)})
		if err != nil {
			return fmt.Errorf("demand forecast of %s: %w", tenant, err)
		}
		for _, f := range fs {
			if f.Spec.Language == chstore.All || f.Spec.Channel != chstore.All || f.Spec.Queue != chstore.All || f.Step <= 0 {
				continue
			}
			lang := models.BaseLanguage(f.Spec.Language)
			d := s.Forecast[lang]
			if d.Step != 0 && d.Step != f.Step {
				if d.Step < f.Step {
					continue // keep the finest step
				}
				d = Demand{}
			}
			d.Step = f.Step
			d.Points = mergePoints(d.Points, f.Points)
			s.Forecast[lang] = d
		}
	}
	return nil
}

// mergePoints adds b's means to a's at the same times (language variants of one base).
func mergePoints(a, b []chstore.Point) []chstore.Point {
	if len(a) == 0 {
		return append([]chstore.Point(nil), b...)
	}
	at := make(map[int64]int, len(a))
	for i, p := range a {
		at[p.T.Unix()] = i
	}
	for _, p := range b {
		if i, ok := at[p.T.Unix()]; ok {
			a[i].Mean += p.Mean
			a[i].Lo += p.Lo
			a[i].Hi += p.Hi
		} else {
			a = append(a, p)
		}
	}
	return a
}

// WaitFor is the expected wait of a conversation in language lang arriving at at, with
// servers conversations' worth of capacity among the agents who could take it (the sum of
// their capacities for its kind of work): predict.ExpectedWait with ArrivalsPerHour and
// Overall.HandleSeconds. 0 when either is unknown; predict.Unbounded when the agents
// cannot keep up.
func (s *Snapshot) WaitFor(lang string, at time.Time, servers int) time.Duration {
	arrivals, handle := s.ArrivalsPerHour(lang, at), s.Overall.HandleSeconds
	if !(arrivals > 0) || !(handle > 0) || math.IsInf(arrivals, 0) {
		return 0
	}
	return predict.ExpectedWait(arrivals, handle, servers)
}
