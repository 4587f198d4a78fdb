package forecasting

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// PlanningEventKinds are the kinds a planner may enter, as EventKind names them.
var PlanningEventKinds = []string{string(Release), string(Campaign), string(Outage), string(Holiday)}

// PlanningEvent is a release, campaign, outage or holiday that moves contact demand in one
// region, as a planner entered it. Stores keep them per region; the forecasts learn the past
// ones' effects and apply the planned ones (see Event).
type PlanningEvent struct {
	ID     int64
	Tenant string
	Name   string
	Kind   string
	// Markets are ISO country codes; empty means every market of the region.
	Markets  []string
	StartsAt time.Time
	// EndsAt is zero when the event has no set end (a one-day holiday, a decaying surge).
	EndsAt time.Time
	// Lift is the prior relative effect (0.5: +50%); zero means the kind's default.
	Lift      float64
	CreatedAt time.Time
}

// Validate reports what makes the event unstorable.
func (e PlanningEvent) Validate() error {
	switch {
	case e.Tenant == "":
		return errors.New("planning event: no tenant")
	case strings.TrimSpace(e.Name) == "":
		return errors.New("planning event: the name is empty")
	case !slices.Contains(PlanningEventKinds, e.Kind):
		return fmt.Errorf("planning event: kind %q is not one of %s", e.Kind, strings.Join(PlanningEventKinds, ", "))
	case e.StartsAt.IsZero():
		return errors.New("planning event: no start time")
	case !e.EndsAt.IsZero() && !e.EndsAt.After(e.StartsAt):
		return fmt.Errorf("planning event: end %s is not after start %s", e.EndsAt.Format(time.RFC3339), e.StartsAt.Format(time.RFC3339))
	case e.Lift < -1 || e.Lift > 20:
		return fmt.Errorf("planning event: lift %v is outside [-1, 20]", e.Lift)
	}
	for _, m := range e.Markets {
		if len(m) != 2 || strings.ToUpper(m) != m {
			return fmt.Errorf("planning event: market %q is not an ISO 3166 country code such as DE", m)
		}
	}
	return nil
}

// Event is the planning event as the forecasts apply it.
func (e PlanningEvent) Event() Event {
	return Event{Name: e.Name, Kind: EventKind(e.Kind), Markets: slices.Clone(e.Markets), Start: e.StartsAt, End: e.EndsAt, Lift: e.Lift}
}

// EventsOf turns planning events into the events a forecast takes.
func EventsOf(pes []PlanningEvent) []Event {
	out := make([]Event, 0, len(pes))
	for _, e := range pes {
		out = append(out, e.Event())
	}
	return out
}
