package forecasting

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Series is one regularly spaced demand history, e.g. contacts per hour for one queue.
type Series struct {
	// Key names the series (queue, market, language...); it is unique within one request.
	Key string
	// Market is an ISO 3166 country code ("US", "DE"); it selects built-in public holidays
	// and the events that apply to this series. Empty means no market-specific effects.
	Market string
	// Location is the market's clock, used to place holidays on local days. Nil means UTC.
	Location *time.Location
	// Start is the time of Values[0]; Step is the spacing between values.
	Start time.Time
	Step  time.Duration
	// Values are non-negative counts (or workload) per step. NaN marks a missing value.
	Values []float64
}

// End returns the time just after the last value.
func (s Series) End() time.Time { return s.Start.Add(time.Duration(len(s.Values)) * s.Step) }

// Time returns the time of Values[i] (i may be beyond the history, for forecasts).
func (s Series) Time(i int) time.Time { return s.Start.Add(time.Duration(i) * s.Step) }

// ErrInvalid is wrapped by every validation error so that callers can tell bad input from
// failures of their own.
var ErrInvalid = errors.New("invalid input")

// Validate reports why the series cannot be forecast: models rely on a step that divides a
// day (seasonal indexes) and on non-negative, finite values.
func (s Series) Validate() error {
	if s.Key == "" {
		return fmt.Errorf("%w: series without a key", ErrInvalid)
	}
	if s.Step <= 0 {
		return fmt.Errorf("%w: series %q: step %v is not positive", ErrInvalid, s.Key, s.Step)
	}
	if (24*time.Hour)%s.Step != 0 {
		return fmt.Errorf("%w: series %q: step %v does not divide a day", ErrInvalid, s.Key, s.Step)
	}
	for i, v := range s.Values {
		if math.IsInf(v, 0) || v < 0 {
			return fmt.Errorf("%w: series %q: value %v at %s is negative or infinite", ErrInvalid, s.Key, v, s.Time(i).Format(time.RFC3339))
		}
		if math.IsNaN(v) {
			return fmt.Errorf("%w: series %q: missing value at %s", ErrInvalid, s.Key, s.Time(i).Format(time.RFC3339))
		}
	}
	return nil
}

// perDay and perWeek are the seasonal periods in steps.
func (s Series) perDay() int  { return int(24 * time.Hour / s.Step) }
func (s Series) perWeek() int { return 7 * s.perDay() }

// EventKind says how an event acts on demand.
type EventKind string

// Holidays scale demand for their whole duration by one learned factor; the other kinds add a
// surge (or dip) at Start that decays exponentially at a learned rate.
const (
	Holiday  EventKind = "holiday"
	Release  EventKind = "release"
	Campaign EventKind = "campaign"
	Outage   EventKind = "outage"
)

// Event is something on the calendar that moves demand. Events are data: callers pass the
// past ones (so that their effect can be learned) and the planned future ones (so that the
// forecast includes them).
type Event struct {
	Name string
	Kind EventKind
	// Markets lists the country codes affected; empty means every market.
	Markets []string
	// Start is when the effect begins; End bounds it (zero End: a holiday lasts one day, a
	// surge decays on its own).
	Start, End time.Time
	// Lift is the prior relative effect used when the history holds no event of this kind
	// to learn from: 0.5 means +50% at the start of a surge, -1 means closed on a holiday.
	// Zero selects the kind's default.
	Lift float64
}

// appliesTo reports whether the event concerns the market.
func (e Event) appliesTo(market string) bool {
	if len(e.Markets) == 0 {
		return true
	}
	for _, m := range e.Markets {
		if m == market || m == "*" {
			return true
		}
	}
	return false
}

// defaultLift is the prior relative effect of a kind never seen in the history.
func defaultLift(k EventKind) float64 {
	switch k {
	case Holiday:
		return -0.5
	case Release:
		return 0.5
	case Campaign:
		return 0.3
	case Outage:
		return 1.0
	}
	return 0.2
}
