// Package synth generates contact-demand series with known structure (markets in several time
// zones, opening hours, public holidays, product releases whose surge decays over ~72 h,
// growth, Poisson noise) from a seeded random source, for tests, benchmarks and evaluation.
package synth

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/meridian-cs/meridian/forecasting"
)

// Market is one generated market.
type Market struct {
	Code     string // country code, for holidays and events
	Zone     string // IANA time zone
	Language string
	Level    float64 // contacts per open hour at the start
	// Open and Close are local opening hours; Saturday opens half as busy, Sunday is closed.
	Open, Close int
	// ReleaseLift is the surge at a release's start (relative), e.g. 0.8 for +80%.
	ReleaseLift float64
}

// DefaultMarkets are four markets on three continents.
var DefaultMarkets = []Market{
	{Code: "US", Zone: "America/New_York", Language: "en", Level: 120, Open: 8, Close: 20, ReleaseLift: 0.3},
	{Code: "DE", Zone: "Europe/Berlin", Language: "de", Level: 80, Open: 8, Close: 18, ReleaseLift: 0.9},
	{Code: "JP", Zone: "Asia/Tokyo", Language: "ja", Level: 60, Open: 9, Close: 18, ReleaseLift: 1.0},
	{Code: "BR", Zone: "America/Sao_Paulo", Language: "pt", Level: 40, Open: 8, Close: 20, ReleaseLift: 0.8},
}

// Config sets what to generate.
type Config struct {
	Seed    uint64
	Start   time.Time // a Monday 00:00 UTC is tidy, not required
	Weeks   int
	Markets []Market
	// Copies multiplies the markets (queue 0..Copies-1 of each), with levels varied, to
	// make many series for benchmarks.
	Copies int
	// GrowthPerWeek is the relative growth per week (e.g. 0.003).
	GrowthPerWeek float64
	// ReleaseEvery is the mean spacing of global releases; zero means no releases.
	ReleaseEvery time.Duration
	// ReleaseTau is the decay time of a surge (24h: mostly gone after 72h).
	ReleaseTau time.Duration
	// HolidayFactor scales demand on public holidays (e.g. 0.2).
	HolidayFactor float64
}

// Data is the generated history and its events (past and, up to Weeks+Extra, future).
type Data struct {
	Series []forecasting.Series
	Events []forecasting.Event
}

// Generate produces Weeks of hourly history per series; the random source is seeded, so the
// same Config gives the same Data.
func Generate(c Config) Data {
	rng := rand.New(rand.NewPCG(c.Seed, c.Seed^0x9e3779b97f4a7c15))
	if c.Copies == 0 {
		c.Copies = 1
	}
	if c.Markets == nil {
		c.Markets = DefaultMarkets
	}
	n := c.Weeks * 168
	var d Data
	var releases []time.Time
	if c.ReleaseEvery > 0 {
		for t := c.Start.Add(time.Duration(rng.Float64() * float64(c.ReleaseEvery))); t.Before(c.Start.Add(time.Duration(n+24*21) * time.Hour)); {
			t = t.Truncate(time.Hour)
			releases = append(releases, t)
			d.Events = append(d.Events, forecasting.Event{Name: "release " + t.Format(time.DateOnly), Kind: forecasting.Release, Start: t})
			t = t.Add(time.Duration((0.5 + rng.Float64()) * float64(c.ReleaseEvery)))
		}
	}
	for copyN := 0; copyN < c.Copies; copyN++ {
		for _, m := range c.Markets {
			loc, err := time.LoadLocation(m.Zone)
			if err != nil {
				loc = time.UTC
			}
			hol := map[string]bool{}
			for _, h := range forecasting.Holidays(m.Code, c.Start.Year(), c.Start.Add(time.Duration(n)*time.Hour).Year()+1, loc) {
				hol[h.Start.Format(time.DateOnly)] = true
			}
			level := m.Level * (0.5 + rng.Float64())
			s := forecasting.Series{Key: m.Code + "-" + m.Language, Market: m.Code, Location: loc, Start: c.Start, Step: time.Hour, Values: make([]float64, n)}
			if c.Copies > 1 {
				s.Key += "-" + itoa(copyN)
			}
			for i := range s.Values {
				t := c.Start.Add(time.Duration(i) * time.Hour)
				lt := t.In(loc)
				mu := level * Shape(lt, m.Open, m.Close) * math.Pow(1+c.GrowthPerWeek, float64(i)/168)
				if hol[lt.Format(time.DateOnly)] {
					mu *= c.HolidayFactor
				}
				for _, r := range releases {
					if dt := t.Sub(r); dt >= 0 && dt < 10*c.ReleaseTau {
						mu *= 1 + m.ReleaseLift*math.Exp(-float64(dt)/float64(c.ReleaseTau))
					}
				}
				s.Values[i] = float64(poisson(rng, mu))
			}
			d.Series = append(d.Series, s)
		}
	}
	return d
}

// Shape is the relative demand of a local time: zero outside opening hours, a late-morning
// peak and an early-afternoon one, Mondays busiest, Saturdays half, Sundays closed.
func Shape(lt time.Time, open, close int) float64 {
	h := float64(lt.Hour()) + 0.5
	if lt.Hour() < open || lt.Hour() >= close || lt.Weekday() == time.Sunday {
		return 0
	}
	day := math.Exp(-(h-10.5)*(h-10.5)/6) + 0.8*math.Exp(-(h-15)*(h-15)/5) + 0.25
	switch lt.Weekday() {
	case time.Monday:
		day *= 1.25
	case time.Friday:
		day *= 0.9
	case time.Saturday:
		day *= 0.5
	}
	return day
}

// poisson draws a Poisson variate: by inversion for small means, by a rounded normal
// approximation for large ones (where the difference does not matter here).
func poisson(rng *rand.Rand, mu float64) int {
	if mu <= 0 {
		return 0
	}
	if mu > 60 {
		return max(0, int(math.Round(mu+math.Sqrt(mu)*rng.NormFloat64())))
	}
	l, k, p := math.Exp(-mu), 0, 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
