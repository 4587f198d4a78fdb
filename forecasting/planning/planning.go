// Package planning is the workforce-planning service: the forecast of one series (with the
// interval coverage of its model) and the staffing of every interval of a demand. The GraphQL
// resolvers, the CLI and the forecast refresh job all call it, so that each computation exists
// once and every front end gives the same plan for the same input. It knows nothing about
// where series, events or forecasts are stored; its callers read and write them.
package planning

import (
	"context"
	"fmt"
	"time"

	"github.com/meridian-cs/meridian/forecasting/staffing"
)

// Demand is the contacts arriving in each interval of Step from Start (zero Start: the
// intervals have no time, e.g. contacts given as a plain list).
type Demand struct {
	Start    time.Time
	Step     time.Duration
	Contacts []float64
}

// Interval is the staffing of one interval of a demand.
type Interval struct {
	// Start is zero when the demand has none.
	Start    time.Time
	Contacts float64
	// Queue is the planned queue with the interval's arrival rate.
	Queue  staffing.Queue
	Result staffing.Result
}

// Plan is the staffing of every interval of a demand and its totals.
type Plan struct {
	Intervals                  []Interval
	PeakAgents, PeakScheduled  int
	AgentHours, ScheduledHours float64
	// ServiceLevel is the contact-weighted service level (1 without contacts).
	ServiceLevel float64
}

// IntervalError is the failure of one interval's queue; errors.As finds the staffing
// ParamError it wraps.
type IntervalError struct {
	Index int
	Err   error
}

func (e *IntervalError) Error() string { return fmt.Sprintf("interval %d: %v", e.Index, e.Err) }

func (e *IntervalError) Unwrap() error { return e.Err }

// queueAt is base with interval i's arrival rate. The rate is contacts times intervals per
// hour (exact for every step that divides an hour evenly in nanoseconds).
func (d Demand) queueAt(base staffing.Queue, i int) staffing.Queue {
	q := base
	q.CallsPerHour = d.Contacts[i] * (float64(time.Hour) / float64(d.Step))
	return q
}

// Check validates the queue of every interval of d, so that a plan is refused before any of
// it is computed; the error is an *IntervalError.
func Check(base staffing.Queue, d Demand) error {
	if d.Step <= 0 {
		return fmt.Errorf("planning: interval %v is not positive", d.Step)
	}
	for i := range d.Contacts {
		if err := d.queueAt(base, i).Validate(); err != nil {
			return &IntervalError{Index: i, Err: err}
		}
	}
	return nil
}

// Staff finds the agents each interval of d needs for target tg with the queue base (its
// handling time and patience; the arrival rate comes from d). A failing interval's error is
// an *IntervalError.
func Staff(ctx context.Context, base staffing.Queue, tg staffing.Target, d Demand) (Plan, error) {
	if err := Check(base, d); err != nil {
		return Plan{}, err
	}
	hours := d.Step.Hours()
	plan := Plan{Intervals: make([]Interval, len(d.Contacts))}
	var slWeighted, total float64
	for i, c := range d.Contacts {
		if err := ctx.Err(); err != nil {
			return Plan{}, err
		}
		q := d.queueAt(base, i)
		res, err := staffing.Required(q, tg)
		if err != nil {
			return Plan{}, &IntervalError{Index: i, Err: err}
		}
		iv := Interval{Contacts: c, Queue: q, Result: res}
		if !d.Start.IsZero() {
			iv.Start = d.Start.Add(time.Duration(i) * d.Step)
		}
		plan.Intervals[i] = iv
		plan.PeakAgents = max(plan.PeakAgents, res.Agents)
		plan.PeakScheduled = max(plan.PeakScheduled, res.ScheduledAgents)
		plan.AgentHours += float64(res.Agents) * hours
		plan.ScheduledHours += float64(res.ScheduledAgents) * hours
		slWeighted += c * res.ServiceLevel
		total += c
	}
	plan.ServiceLevel = 1
	if total > 0 {
		plan.ServiceLevel = slWeighted / total
	}
	return plan, nil
}
