package graphql

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/forecasting"
	"github.com/meridian-cs/meridian/forecasting/chstore"
	"github.com/meridian-cs/meridian/forecasting/planning"
	"github.com/meridian-cs/meridian/forecasting/refresh"
	"github.com/meridian-cs/meridian/forecasting/staffing"
	"github.com/meridian-cs/meridian/graphql/generated"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/clickhouse"
)

// PlanningEventStore keeps the planning events (releases, campaigns, outages, holidays) of
// each region; the PostgreSQL store is one.
type PlanningEventStore interface {
	refresh.EventSource
	CreatePlanningEvent(ctx context.Context, region string, e forecasting.PlanningEvent) (forecasting.PlanningEvent, error)
}

// Limits of the on-demand planning fields, so one request cannot tie up the server.
const (
	maxHistoryWeeks     = 104
	defaultHistoryWeeks = 12
	maxHorizonDays      = 62
	maxStaffingSteps    = 24 * 62 * 4
	// A follow-the-sun plan staffs every interval of every market's language from every region.
	maxShiftRegions = 32
	maxMarkets      = 64
)

// Mutation returns the root mutation resolver.
func (r *Resolver) Mutation() generated.MutationResolver { return mutationResolver{r} }

type mutationResolver struct{ *Resolver }

// planPrincipal returns the caller if it may plan, in region ("" = no region involved).
func (r *Resolver) planPrincipal(ctx context.Context, region string) (auth.Principal, error) {
	if region != "" {
		if _, err := r.planDB(region); err != nil {
			return auth.Principal{}, err
		}
	}
	return r.principalFor(ctx, auth.ActionPlan, region)
}

func (r *Resolver) planDB(region string) (clickhouse.DB, error) {
	db, err := r.regions.DB(region)
	if err != nil {
		return nil, gqlerror.Errorf("unknown region %q (regions: %s)", region, strings.Join(r.regions.Names(), ", "))
	}
	return db, nil
}

// regions are the regions p may access, or just the one asked for.
func (r *Resolver) planRegions(ctx context.Context, region *string) (auth.Principal, []string, error) {
	if region != nil {
		p, err := r.planPrincipal(ctx, *region)
		return p, []string{*region}, err
	}
	p, err := r.planPrincipal(ctx, "")
	if err != nil {
		return p, nil, err
	}
	var out []string
	for _, reg := range r.regions.Names() {
		if p.CanAccess(reg) {
			out = append(out, reg)
		}
	}
	return p, out, nil
}

var errPlanningInput = errors.New("invalid input")

func inputErr(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errPlanningInput, fmt.Sprintf(format, a...))
}

// specOf names the series of s, its language and channel written as ingest stores them
// ("DE" → "de", "WhatsApp" → "whatsapp").
func specOf(s generated.SeriesInput) chstore.Spec {
	return chstore.Spec{Region: s.Region, Language: models.CanonicalLanguage(deref(s.Language)), Channel: models.CanonicalChannel(deref(s.Channel)),
		Queue: deref(s.Queue)}.Normalize()
}

func stepOf(interval *string) (time.Duration, error) {
	return refresh.ParseStep(deref(interval))
}

// finitePtr maps NaN and infinities (which GraphQL Floats cannot carry) to nil.
func finitePtr(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func finiteOr(v, or float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return or
	}
	return v
}

func scoreOut(s forecasting.Score) generated.ModelScore {
	return generated.ModelScore{Model: s.Model, Mae: finitePtr(s.MAE), Mase: finitePtr(s.MASE), Smape: finitePtr(s.SMAPE), Coverage: finitePtr(s.Coverage)}
}

func planningEventOut(region string, e forecasting.PlanningEvent) generated.PlanningEvent {
	out := generated.PlanningEvent{ID: strconv.FormatInt(e.ID, 10), Region: region, Name: e.Name, Kind: e.Kind, Markets: e.Markets,
		StartsAt: e.StartsAt.UTC(), Lift: e.Lift, CreatedAt: e.CreatedAt.UTC()}
	if out.Markets == nil {
		out.Markets = []string{}
	}
	if !e.EndsAt.IsZero() {
		t := e.EndsAt.UTC()
		out.EndsAt = &t
	}
	return out
}

// planForecast forecasts spec through the planning service from the history before `to`
// (default now), with the region's planning events and the main market's holidays, and with
// coverage the selected model's hold-out coverage. It returns nil when the series has no
// contacts at all in the history.
// moves are what-if dates for some of the region's planning events (not saved).
func (r *Resolver) planForecast(ctx context.Context, p auth.Principal, spec chstore.Spec, step time.Duration, horizon int, level float64, weeks int, to time.Time, coverage bool, moves []generated.PlanningEventMoveInput) (*liveResult, error) {
	perDay := int(24 * time.Hour / step)
	if horizon <= 0 || horizon > maxHorizonDays*perDay {
		return nil, inputErr("horizon %d must be between 1 and %d intervals (%d days)", horizon, maxHorizonDays*perDay, maxHorizonDays)
	}
	if weeks < 2 || weeks > maxHistoryWeeks {
		return nil, inputErr("historyWeeks %d must be between 2 and %d", weeks, maxHistoryWeeks)
	}
	if level == 0 {
		level = 0.8
	}
	if !(level > 0 && level < 1) {
		return nil, inputErr("level %v must be between 0 and 1 (e.g. 0.8)", level)
	}
	db, err := r.planDB(spec.Region)
	if err != nil {
		return nil, err
	}
	if to.IsZero() {
		to = time.Now()
	}
	to = to.UTC().Truncate(step)
	from := to.Add(-time.Duration(weeks) * 7 * 24 * time.Hour)
	l, err := chstore.LoadOne(ctx, db, p.Tenant, spec, step, from, to)
	if err != nil {
		return nil, err
	}
	if l.Contacts == 0 {
		return nil, nil
	}
	l = chstore.Trim(l, 14)
	var pes []forecasting.PlanningEvent
	end := to.Add(time.Duration(horizon) * step)
	switch {
	case len(moves) > 0 && r.planningEvents == nil:
		return nil, inputErr("move: planning events are not configured on this server")
	case len(moves) > 0:
		// Every event of the region: a moved one may come from outside the window or leave it.
		all, err := r.planningEvents.PlanningEvents(ctx, spec.Region, p.Tenant, time.Time{}, time.Time{})
		if err != nil {
			return nil, err
		}
		if pes, err = moveEvents(spec.Region, all, moves, l.Series.Start, end); err != nil {
			return nil, err
		}
	case r.planningEvents != nil:
		pes, err = r.planningEvents.PlanningEvents(ctx, spec.Region, p.Tenant, l.Series.Start, end)
		if err != nil {
			return nil, err
		}
	}
	opt := forecasting.Options{Horizon: horizon, Level: level, Holidays: true, Events: forecasting.EventsOf(pes)}
	f, err := planning.ForecastOne(ctx, l.Series, opt, coverage)
	if err != nil {
		return nil, err
	}
	return &liveResult{loaded: l, forecast: f, events: pes}, nil
}

// moveEvents applies moves to the region's events and keeps those that overlap [from, to)
// afterwards (an event without an end covers its start day, as the store reads them).
func moveEvents(region string, all []forecasting.PlanningEvent, moves []generated.PlanningEventMoveInput, from, to time.Time) ([]forecasting.PlanningEvent, error) {
	for i, m := range moves {
		k := slices.IndexFunc(all, func(e forecasting.PlanningEvent) bool { return strconv.FormatInt(e.ID, 10) == m.ID })
		if k < 0 {
			return nil, inputErr("move[%d].id: no planning event %q in region %s", i, m.ID, region)
		}
		e := &all[k]
		end := time.Time{}
		switch {
		case m.EndsAt != nil:
			end = m.EndsAt.UTC()
		case !e.EndsAt.IsZero():
			end = m.StartsAt.UTC().Add(e.EndsAt.Sub(e.StartsAt))
		}
		e.StartsAt, e.EndsAt = m.StartsAt.UTC(), end
		if err := e.Validate(); err != nil {
			return nil, inputErr("move[%d]: %v", i, err)
		}
	}
	out := all[:0]
	for _, e := range all {
		last := e.EndsAt
		if last.IsZero() {
			last = e.StartsAt.Add(24 * time.Hour)
		}
		if last.After(from) && e.StartsAt.Before(to) {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b forecasting.PlanningEvent) int { return a.StartsAt.Compare(b.StartsAt) })
	return out, nil
}

type liveResult struct {
	loaded   chstore.Loaded
	forecast planning.Forecast
	events   []forecasting.PlanningEvent
}

func (q queryResolver) Forecast(ctx context.Context, series generated.SeriesInput, horizon int, level *float64, interval *string, historyWeeks *int, to *time.Time, move []generated.PlanningEventMoveInput) (*generated.Forecast, error) {
	r := q.Resolver
	p, err := r.planPrincipal(ctx, series.Region)
	if err != nil {
		return nil, err
	}
	step, err := stepOf(interval)
	if err != nil {
		return nil, r.fail(ctx, err)
	}
	weeks := defaultHistoryWeeks
	if historyWeeks != nil {
		weeks = *historyWeeks
	}
	spec := specOf(series)
	lr, err := r.planForecast(ctx, p, spec, step, horizon, deref(level), weeks, deref(to), true, move)
	if err != nil {
		return nil, r.fail(ctx, err)
	}
	if lr == nil {
		return nil, nil // no contacts in the history: nothing to forecast
	}
	pr, l := lr.forecast.Prediction, lr.loaded
	out := &generated.Forecast{
		Series: spec.Key(), Region: spec.Region, Language: spec.Language, Channel: spec.Channel, Queue: spec.Queue,
		Market: l.Series.Market, Interval: refresh.FormatStep(step), Model: pr.Model, Level: lr.forecast.Level,
		HistoryFrom: l.Series.Start, HistoryTo: l.Series.End(), Contacts: l.Contacts, History: make([]generated.HistoryPoint, len(l.Series.Values)),
		Points: points(pr.Start, pr.Step, pr.Mean, pr.Lo, pr.Hi), Baselines: []generated.ModelScore{},
		Candidates: []generated.ModelScore{}, Effects: []generated.ForecastEffect{}, Events: []generated.PlanningEvent{},
	}
	for i, v := range l.Series.Values {
		out.History[i] = generated.HistoryPoint{T: l.Series.Start.Add(time.Duration(i) * step).UTC(), Contacts: finitePtr(v)}
	}
	for _, s := range pr.Scores {
		so := scoreOut(s)
		out.Candidates = append(out.Candidates, so)
		switch {
		case s.Model == pr.Model:
			sel := so
			if lr.forecast.Coverage != nil {
				sel.Coverage = lr.forecast.Coverage
			}
			out.Accuracy = &sel
		case strings.HasPrefix(s.Model, "snaive-"):
			out.Baselines = append(out.Baselines, so)
		}
	}
	for _, e := range pr.Effects {
		out.Effects = append(out.Effects, generated.ForecastEffect{Kind: string(e.Kind), Lift: e.Lift, TauHours: e.Tau.Hours(), Learned: e.Learned})
	}
	for _, e := range lr.events {
		out.Events = append(out.Events, planningEventOut(spec.Region, e))
	}
	return out, nil
}

func points(start time.Time, step time.Duration, mean, lo, hi []float64) []generated.ForecastPoint {
	out := make([]generated.ForecastPoint, len(mean))
	for i := range mean {
		out[i] = generated.ForecastPoint{T: start.Add(time.Duration(i) * step).UTC(), Mean: mean[i], Lo: lo[i], Hi: hi[i]}
	}
	return out
}

func (q queryResolver) Forecasts(ctx context.Context, region *string, series *generated.SeriesInput, interval *string, from, to *time.Time) ([]generated.StoredForecast, error) {
	r := q.Resolver
	if series != nil {
		if region != nil && *region != series.Region {
			return nil, gqlerror.Errorf("region %q and series region %q differ", *region, series.Region)
		}
		region = &series.Region
	}
	p, regions, err := r.planRegions(ctx, region)
	if err != nil {
		return nil, err
	}
	f := chstore.ReadFilter{From: deref(from), To: deref(to)}
	if series != nil {
		f.Series = specOf(*series).Key()
	}
	if interval != nil {
		if f.Step, err = stepOf(interval); err != nil {
			return nil, r.fail(ctx, err)
		}
	}
	out := []generated.StoredForecast{}
	for _, reg := range regions {
		db, err := r.planDB(reg)
		if err != nil {
			return nil, err
		}
		fs, err := chstore.Read(ctx, db, reg, p.Tenant, f)
		if err != nil {
			return nil, r.fail(ctx, err)
		}
		for _, s := range fs {
			out = append(out, storedOut(s))
		}
	}
	return out, nil
}

func storedOut(s chstore.Stored) generated.StoredForecast {
	out := generated.StoredForecast{Series: s.Spec.Key(), Region: s.Spec.Region, Language: s.Spec.Language, Channel: s.Spec.Channel,
		Queue: s.Spec.Queue, Market: s.Market, Interval: refresh.FormatStep(s.Step), Model: s.Model, Level: s.Level,
		GeneratedAt: s.GeneratedAt, Points: make([]generated.ForecastPoint, len(s.Points)), Baselines: []generated.ModelScore{}}
	for i, pt := range s.Points {
		out.Points[i] = generated.ForecastPoint{T: pt.T, Mean: pt.Mean, Lo: pt.Lo, Hi: pt.Hi}
	}
	if a := s.Accuracy; a != nil {
		out.Accuracy = &generated.ModelScore{Model: a.Model, Mae: finitePtr(a.MAE), Mase: finitePtr(a.MASE), Smape: finitePtr(a.SMAPE), Coverage: a.Coverage}
		for _, b := range []*forecasting.Score{a.BaselineWeek, a.BaselineDay} {
			if b != nil {
				out.Baselines = append(out.Baselines, generated.ModelScore{Model: b.Model, Mase: finitePtr(b.MASE), Smape: finitePtr(b.SMAPE)})
			}
		}
		hf, ht := a.HistoryFrom, a.HistoryTo
		out.HistoryFrom, out.HistoryTo = &hf, &ht
	}
	return out
}

func (q queryResolver) PlanningEvents(ctx context.Context, region *string, from, to *time.Time) ([]generated.PlanningEvent, error) {
	r := q.Resolver
	p, regions, err := r.planRegions(ctx, region)
	if err != nil {
		return nil, err
	}
	if r.planningEvents == nil {
		return nil, gqlerror.Errorf("planning events are not configured on this server")
	}
	out := []generated.PlanningEvent{}
	for _, reg := range regions {
		es, err := r.planningEvents.PlanningEvents(ctx, reg, p.Tenant, deref(from), deref(to))
		if err != nil {
			return nil, r.fail(ctx, err)
		}
		for _, e := range es {
			out = append(out, planningEventOut(reg, e))
		}
	}
	return out, nil
}

func (m mutationResolver) CreatePlanningEvent(ctx context.Context, in generated.PlanningEventInput) (*generated.PlanningEvent, error) {
	p, err := m.planPrincipal(ctx, in.Region)
	if err != nil {
		return nil, err
	}
	if m.planningEvents == nil {
		return nil, gqlerror.Errorf("planning events are not configured on this server")
	}
	e := forecasting.PlanningEvent{Tenant: p.Tenant, Name: in.Name, Kind: in.Kind, Markets: in.Markets, StartsAt: in.StartsAt.UTC(), Lift: deref(in.Lift)}
	if in.EndsAt != nil {
		e.EndsAt = in.EndsAt.UTC()
	}
	for i, mk := range e.Markets {
		e.Markets[i] = models.CanonicalCountryOrSelf(mk) // UK is GB, as ingest stores it
	}
	if err := e.Validate(); err != nil {
		return nil, gqlerror.Errorf("%s", err.Error())
	}
	saved, err := m.planningEvents.CreatePlanningEvent(ctx, in.Region, e)
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	out := planningEventOut(in.Region, saved)
	return &out, nil
}

// demand is contacts per interval from a given list, a stored forecast or a live one.
type demand struct {
	series   string
	start    time.Time
	step     time.Duration
	contacts []float64
}

// demandOf resolves the demand of a staffing or follow-the-sun input.
func (r *Resolver) planDemand(ctx context.Context, contacts []float64, start *time.Time, interval *string, series *generated.SeriesInput, source, use *string, horizon *int, to *time.Time) (demand, string, error) {
	step, err := stepOf(interval)
	if err != nil {
		return demand{}, "", err
	}
	useHi := false
	switch deref(use) {
	case "", "mean":
	case "hi":
		useHi = true
	default:
		return demand{}, "", inputErr("use %q: want mean or hi", deref(use))
	}
	switch {
	case contacts != nil && series != nil:
		return demand{}, "", inputErr("give contacts or series, not both")
	case contacts != nil:
		if len(contacts) == 0 || len(contacts) > maxStaffingSteps {
			return demand{}, "", inputErr("contacts has %d intervals; want 1 to %d", len(contacts), maxStaffingSteps)
		}
		d := demand{step: step, contacts: contacts}
		if start != nil {
			d.start = start.UTC()
		}
		return d, "rates", nil
	case series == nil:
		return demand{}, "", inputErr("give contacts per interval or a series to take them from")
	}
	spec := specOf(*series)
	p, err := r.planPrincipal(ctx, spec.Region)
	if err != nil {
		return demand{}, "", err
	}
	pick := func(mean, hi float64) float64 {
		if useHi {
			return hi
		}
		return mean
	}
	switch src := deref(source); src {
	case "", "stored":
		db, err := r.planDB(spec.Region)
		if err != nil {
			return demand{}, "", err
		}
		fs, err := chstore.Read(ctx, db, spec.Region, p.Tenant, chstore.ReadFilter{Series: spec.Key(), Step: step})
		if err != nil {
			return demand{}, "", err
		}
		if len(fs) == 0 || len(fs[0].Points) == 0 {
			return demand{}, "", inputErr("no stored %s forecast of series %s: the server stores forecasts every --forecast-refresh-every (or run meridian forecast-refresh while it is stopped), or use source: \"live\"", refresh.FormatStep(step), spec.Key())
		}
		f := fs[0]
		n := len(f.Points)
		if horizon != nil {
			// horizon caps the intervals planned, as it sets them for a live forecast.
			if *horizon < 1 || *horizon > maxStaffingSteps {
				return demand{}, "", inputErr("horizon %d must be between 1 and %d intervals", *horizon, maxStaffingSteps)
			}
			n = min(n, *horizon)
		}
		d := demand{series: spec.Key(), start: f.Points[0].T, step: step}
		for i, pt := range f.Points[:n] {
			if i > 0 && !pt.T.Equal(f.Points[i-1].T.Add(step)) {
				break // a gap: the plan covers the contiguous run from the first step
			}
			d.contacts = append(d.contacts, pick(pt.Mean, pt.Hi))
		}
		return d, "stored", nil
	case "live":
		h := int(7 * 24 * time.Hour / step)
		if horizon != nil {
			h = *horizon
		}
		lr, err := r.planForecast(ctx, p, spec, step, h, 0, defaultHistoryWeeks, deref(to), false, nil)
		if err != nil {
			return demand{}, "", err
		}
		if lr == nil {
			return demand{}, "", inputErr("series %s has no contacts in its history", spec.Key())
		}
		pr := lr.forecast.Prediction
		d := demand{series: spec.Key(), start: pr.Start, step: step}
		for i := range pr.Mean {
			d.contacts = append(d.contacts, pick(pr.Mean[i], pr.Hi[i]))
		}
		return d, "live", nil
	default:
		return demand{}, "", inputErr("source %q: want stored or live", src)
	}
}

func targetOf(sl, answer, asa, maxOcc, shrinkage *float64) staffing.Target {
	t := staffing.Target{ServiceLevel: 0.8, AnswerSeconds: 20, ASASeconds: deref(asa), MaxOccupancy: deref(maxOcc), Shrinkage: deref(shrinkage)}
	if sl != nil {
		t.ServiceLevel = *sl
	} else if asa != nil {
		t.ServiceLevel = 0 // an ASA target alone replaces the default service level
	}
	if answer != nil {
		t.AnswerSeconds = *answer
	}
	return t
}

func (q queryResolver) Staffing(ctx context.Context, in generated.StaffingInput) (*generated.StaffingResult, error) {
	r := q.Resolver
	if _, err := r.planPrincipal(ctx, ""); err != nil {
		return nil, err
	}
	base := staffing.Queue{AHTSeconds: in.AhtSeconds, PatienceSeconds: deref(in.PatienceSeconds)}
	if err := base.Validate(); err != nil {
		return nil, r.fail(ctx, staffingInputErr(err, "contacts"))
	}
	d, source, err := r.planDemand(ctx, in.Contacts, in.Start, in.Interval, in.Series, in.Source, in.Use, in.Horizon, in.To)
	if err != nil {
		return nil, r.fail(ctx, err)
	}
	tg := targetOf(in.ServiceLevel, in.AnswerSeconds, in.AsaSeconds, in.MaxOccupancy, in.Shrinkage)
	if err := tg.Validate(); err != nil {
		return nil, r.fail(ctx, err)
	}
	if c := in.CompareServiceLevel; c != nil && !(*c > 0 && *c < 1) {
		return nil, r.fail(ctx, inputErr("compareServiceLevel %v must be between 0 and 1 (e.g. 0.9)", *c))
	}
	dem := planning.Demand{Start: d.start, Step: d.step, Contacts: d.contacts}
	plan, err := planning.Staff(ctx, base, tg, dem)
	var ie *planning.IntervalError
	if errors.As(err, &ie) {
		return nil, r.fail(ctx, staffingInputErr(ie.Err, contactsField(source, -1, ie.Index)))
	}
	if err != nil {
		return nil, r.fail(ctx, err)
	}
	var compare *generated.StaffingComparison
	if in.CompareServiceLevel != nil {
		ctg := tg
		ctg.ServiceLevel = *in.CompareServiceLevel
		cp, err := planning.Staff(ctx, base, ctg, dem) // the same queues as the first: they passed
		if err != nil {
			return nil, r.fail(ctx, err)
		}
		compare = staffingComparison(ctg.ServiceLevel, plan, cp)
	}
	out := &generated.StaffingResult{Model: base.Model(), Source: source, Interval: refresh.FormatStep(d.step), Intervals: make([]generated.StaffingInterval, len(plan.Intervals)),
		PeakAgents: plan.PeakAgents, PeakScheduled: plan.PeakScheduled, AgentHours: plan.AgentHours, ScheduledHours: plan.ScheduledHours, ServiceLevel: plan.ServiceLevel,
		Compare: compare}
	if d.series != "" {
		out.Series = &d.series
	}
	for i, pi := range plan.Intervals {
		res := pi.Result
		iv := generated.StaffingInterval{Contacts: pi.Contacts, CallsPerHour: pi.Queue.CallsPerHour, TrafficErlangs: res.Traffic, Agents: res.Agents,
			ScheduledAgents: res.ScheduledAgents, ServiceLevel: res.ServiceLevel, AsaSeconds: finiteOr(res.ASASeconds, 0),
			Occupancy: res.Occupancy, WaitProbability: res.WaitProbability}
		if !pi.Start.IsZero() {
			t := pi.Start
			iv.Start = &t
		}
		if base.PatienceSeconds > 0 {
			a := res.AbandonRate
			iv.AbandonRate = &a
		}
		out.Intervals[i] = iv
	}
	return out, nil
}

// staffingComparison is plan c (for target sl) set against plan p of the same contacts.
func staffingComparison(sl float64, p, c planning.Plan) *generated.StaffingComparison {
	out := &generated.StaffingComparison{ServiceLevelTarget: sl, PeakAgents: c.PeakAgents, PeakScheduled: c.PeakScheduled, AgentHours: c.AgentHours,
		ScheduledHours: c.ScheduledHours, ServiceLevel: c.ServiceLevel, PeakAgentsDifference: c.PeakAgents - p.PeakAgents,
		AgentHoursDifference: c.AgentHours - p.AgentHours, Intervals: make([]generated.ComparedInterval, len(c.Intervals))}
	for i, ci := range c.Intervals {
		res := ci.Result
		out.Intervals[i] = generated.ComparedInterval{Agents: res.Agents, ScheduledAgents: res.ScheduledAgents, ServiceLevel: res.ServiceLevel,
			AgentsDifference: res.Agents - p.Intervals[i].Result.Agents}
	}
	return out
}

func (q queryResolver) FollowTheSun(ctx context.Context, in generated.FollowTheSunInput) (*generated.FollowTheSunPlan, error) {
	r := q.Resolver
	if _, err := r.planPrincipal(ctx, ""); err != nil {
		return nil, err
	}
	if len(in.Regions) == 0 || len(in.Demand) == 0 {
		return nil, gqlerror.Errorf("give at least one staffing region and one market's demand")
	}
	if len(in.Regions) > maxShiftRegions || len(in.Demand) > maxMarkets {
		return nil, gqlerror.Errorf("regions has %d entries and demand %d; at most %d and %d", len(in.Regions), len(in.Demand), maxShiftRegions, maxMarkets)
	}
	queue := staffing.Queue{AHTSeconds: in.AhtSeconds, PatienceSeconds: deref(in.PatienceSeconds)}
	if err := queue.Validate(); err != nil {
		return nil, r.fail(ctx, staffingInputErr(err, "contacts"))
	}
	var regions []staffing.Region
	for _, s := range in.Regions {
		loc, err := time.LoadLocation(s.TimeZone)
		if err != nil {
			return nil, gqlerror.Errorf("region %q: unknown time zone %q", s.Name, s.TimeZone)
		}
		reg := staffing.Region{Name: s.Name, Location: loc, StartHour: s.StartHour, EndHour: s.EndHour, CostPerHour: s.CostPerHour}
		for _, l := range s.Languages {
			reg.Languages = append(reg.Languages, models.CanonicalLanguage(l)) // matched against the demand's
		}
		for _, d := range s.Days {
			if d < 0 || d > 6 {
				return nil, gqlerror.Errorf("region %q: day %d is not 0 (Sunday) to 6 (Saturday)", s.Name, d)
			}
			reg.Days = append(reg.Days, time.Weekday(d))
		}
		regions = append(regions, reg)
	}
	var demands []staffing.Demand
	for _, md := range in.Demand {
		d, source, err := r.planDemand(ctx, md.Contacts, in.Start, in.Interval, md.Series, in.Source, in.Use, in.Horizon, in.To)
		if err != nil {
			return nil, r.fail(ctx, fmt.Errorf("market %s: %w", md.Market, err))
		}
		if d.start.IsZero() {
			return nil, gqlerror.Errorf("market %s: contacts given without start: follow-the-sun needs the time of each interval", md.Market)
		}
		var ie *planning.IntervalError
		if err := planning.Check(queue, planning.Demand{Step: d.step, Contacts: d.contacts}); errors.As(err, &ie) {
			return nil, r.fail(ctx, staffingInputErr(ie.Err, contactsField(source, len(demands), ie.Index)))
		} else if err != nil {
			return nil, r.fail(ctx, err)
		}
		demands = append(demands, staffing.Demand{Market: md.Market, Language: models.CanonicalLanguage(md.Language), Start: d.start, Step: d.step, Contacts: d.contacts})
	}
	demands = align(demands)
	if len(demands[0].Contacts) == 0 {
		return nil, gqlerror.Errorf("the markets' demand has no interval in common")
	}
	opt := staffing.PlanOptions{AHTSeconds: in.AhtSeconds, PatienceSeconds: deref(in.PatienceSeconds),
		Target: targetOf(in.ServiceLevel, in.AnswerSeconds, in.AsaSeconds, in.MaxOccupancy, in.Shrinkage)}
	plan, err := staffing.FollowTheSun(ctx, regions, demands, opt)
	if err != nil {
		return nil, r.fail(ctx, err)
	}
	// The baseline: one region's office hours for every language, AI covering the rest.
	bi := 0
	if in.BaselineRegion != nil {
		bi = slices.IndexFunc(regions, func(x staffing.Region) bool { return x.Name == *in.BaselineRegion })
		if bi < 0 {
			return nil, gqlerror.Errorf("baselineRegion %q is not one of the regions", *in.BaselineRegion)
		}
	}
	base := regions[bi]
	base.Languages = nil
	for _, d := range demands {
		if !slices.Contains(base.Languages, d.Language) {
			base.Languages = append(base.Languages, d.Language)
		}
	}
	bplan, err := staffing.FollowTheSun(ctx, []staffing.Region{base}, demands, opt)
	if err != nil {
		return nil, r.fail(ctx, err)
	}
	out := &generated.FollowTheSunPlan{Cost: plan.Cost, ServiceLevel: plan.ServiceLevel, HumanContacts: plan.HumanContacts, AiContacts: plan.AIContacts,
		Baseline: &generated.FollowTheSunBaseline{Region: base.Name, Cost: bplan.Cost, ServiceLevel: bplan.ServiceLevel, HumanContacts: bplan.HumanContacts, AiContacts: bplan.AIContacts},
		Start:    demands[0].Start, Interval: refresh.FormatStep(demands[0].Step), Intervals: len(demands[0].Contacts),
		Coverage: []generated.MarketCoverage{}, Assignments: make([]generated.ShiftAssignment, len(plan.Assignments))}
	if bplan.Cost > 0 {
		inc := plan.Cost/bplan.Cost - 1
		out.CostIncrease = &inc
	}
	for i, m := range plan.Markets {
		b := bplan.Markets[i] // the same demand, in the same order
		row := generated.MarketCoverage{Market: m.Market, Language: m.Language, Hours: m.CoverageHours, BaselineHours: b.CoverageHours,
			Cost: m.Cost, BaselineCost: b.Cost, HumanContacts: m.HumanContacts, AiContacts: m.AIContacts}
		if m.HumanContacts > 0 {
			row.ServiceLevel = &m.ServiceLevel
		}
		out.Coverage = append(out.Coverage, row)
	}
	for i, a := range plan.Assignments {
		out.Assignments[i] = generated.ShiftAssignment{Start: a.Start.UTC(), Language: a.Language, Region: a.Region, Contacts: a.Contacts,
			Agents: a.Agents, Scheduled: a.Scheduled, ServiceLevel: a.ServiceLevel, Cost: a.Cost}
	}
	return out, nil
}

// staffingInputErr names a queue parameter out of bounds as the input does: contacts is the
// field the contacts of the interval came from.
func staffingInputErr(err error, contacts string) error {
	var pe *staffing.ParamError
	if !errors.As(err, &pe) {
		return err
	}
	field := map[string]string{
		staffing.ParamAHT:          "ahtSeconds",
		staffing.ParamPatience:     "patienceSeconds",
		staffing.ParamCallsPerHour: contacts,
		staffing.ParamTraffic:      contacts + " with ahtSeconds",
	}[pe.Param]
	return inputErr("%s: %s %v %s", field, pe.Param, pe.Value, pe.Want)
}

// contactsField names interval i of the contacts of market m (-1: the staffing input's own).
func contactsField(source string, m, i int) string {
	prefix := ""
	if m >= 0 {
		prefix = fmt.Sprintf("demand[%d].", m)
	}
	if source == "rates" {
		return fmt.Sprintf("%scontacts[%d]", prefix, i)
	}
	return fmt.Sprintf("%sseries: interval %d of the %s forecast", prefix, i, source)
}

// align cuts every demand to the intervals all of them cover; all must share the step.
func align(ds []staffing.Demand) []staffing.Demand {
	start, end := ds[0].Start, ds[0].Start.Add(time.Duration(len(ds[0].Contacts))*ds[0].Step)
	for _, d := range ds[1:] {
		if d.Start.After(start) {
			start = d.Start
		}
		if e := d.Start.Add(time.Duration(len(d.Contacts)) * d.Step); e.Before(end) {
			end = e
		}
	}
	out := make([]staffing.Demand, len(ds))
	for i, d := range ds {
		if !end.After(start) || d.Step != ds[0].Step || start.Sub(d.Start)%d.Step != 0 {
			d.Contacts = nil // nothing in common; FollowTheSun gets empty, aligned demand
		} else {
			d.Contacts = d.Contacts[int(start.Sub(d.Start)/d.Step):int(end.Sub(d.Start)/d.Step)]
		}
		d.Start = start
		out[i] = d
	}
	return out
}
