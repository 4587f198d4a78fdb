package forecasting

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// CSV formats shared with the CLI:
//
//	history:   series,timestamp,value          (RFC 3339 timestamps at a regular interval)
//	forecast:  series,timestamp,mean,lo,hi
//	events:    name,kind,markets,start[,end[,lift]]   (markets separated by ';')

// header maps the required column names to their positions, whatever their order.
func header(rec []string, want ...string) (map[string]int, error) {
	pos := map[string]int{}
	for i, c := range rec {
		pos[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(c, "\ufeff")))] = i
	}
	for _, w := range want {
		if _, ok := pos[w]; !ok {
			return nil, fmt.Errorf("%w: row 1: header %q lacks column %q (want %s)", ErrInvalid, strings.Join(rec, ","), w, strings.Join(want, ","))
		}
	}
	return pos, nil
}

type point struct {
	t   time.Time
	v   float64
	row int
}

// ReadCSV parses a history file into one Series per distinct series name, in order of first
// appearance. Rows of different series may be interleaved, and rows within a series may come
// in any order; but every series must have exactly one row per step from its first to its last
// timestamp, with finite non-negative values. Errors name the row (1 is the header) or the
// series, and wrap ErrInvalid.
func ReadCSV(r io.Reader) ([]Series, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	rec, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: empty input: want a header series,timestamp,value", ErrInvalid)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	pos, err := header(rec, "series", "timestamp", "value")
	if err != nil {
		return nil, err
	}
	need := max(pos["series"], pos["timestamp"], pos["value"]) + 1
	var order []string
	byKey := map[string][]point{}
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		if line, _ := cr.FieldPos(0); line > 0 {
			row = line
		}
		if len(rec) < need {
			return nil, fmt.Errorf("%w: row %d: %d fields, want series,timestamp,value", ErrInvalid, row, len(rec))
		}
		key := strings.TrimSpace(rec[pos["series"]])
		if key == "" {
			return nil, fmt.Errorf("%w: row %d: empty series name", ErrInvalid, row)
		}
		ts := strings.TrimSpace(rec[pos["timestamp"]])
		t, err := time.Parse(time.RFC3339, ts)
		if err != nil {
			return nil, fmt.Errorf("%w: row %d: timestamp %q is not RFC 3339", ErrInvalid, row, ts)
		}
		vs := strings.TrimSpace(rec[pos["value"]])
		v, err := strconv.ParseFloat(vs, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%w: row %d: value %q is not a number", ErrInvalid, row, vs)
		}
		if v < 0 {
			return nil, fmt.Errorf("%w: row %d: value %v is negative", ErrInvalid, row, v)
		}
		if _, ok := byKey[key]; !ok {
			order = append(order, key)
		}
		byKey[key] = append(byKey[key], point{t: t, v: v, row: row})
	}
	if len(order) == 0 {
		return nil, fmt.Errorf("%w: no data rows after the header", ErrInvalid)
	}
	out := make([]Series, 0, len(order))
	for _, key := range order {
		s, err := regular(key, byKey[key])
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// regular turns the points of one series into a Series, refusing duplicates, gaps and
// irregular steps rather than guessing.
func regular(key string, pts []point) (Series, error) {
	sort.SliceStable(pts, func(i, j int) bool { return pts[i].t.Before(pts[j].t) })
	if len(pts) < 2 {
		return Series{}, fmt.Errorf("%w: series %q: only %d row, cannot infer the interval", ErrInvalid, key, len(pts))
	}
	// The step is the most common spacing; anything else is a gap or an irregular timestamp.
	counts := map[time.Duration]int{}
	var step time.Duration
	for i := 1; i < len(pts); i++ {
		d := pts[i].t.Sub(pts[i-1].t)
		if d == 0 {
			return Series{}, fmt.Errorf("%w: series %q: rows %d and %d duplicate timestamp %s", ErrInvalid, key, pts[i-1].row, pts[i].row, pts[i].t.Format(time.RFC3339))
		}
		counts[d]++
		if c := counts[d]; c > counts[step] || c == counts[step] && d < step {
			step = d
		}
	}
	vals := make([]float64, len(pts))
	for i, p := range pts {
		vals[i] = p.v
		if i == 0 {
			continue
		}
		if d := p.t.Sub(pts[i-1].t); d != step {
			what := "irregular timestamp"
			if d%step == 0 {
				what = fmt.Sprintf("gap of %d missing intervals", d/step-1)
			}
			return Series{}, fmt.Errorf("%w: series %q: %s between row %d (%s) and row %d (%s); the interval is %v", ErrInvalid, key, what,
				pts[i-1].row, pts[i-1].t.Format(time.RFC3339), p.row, p.t.Format(time.RFC3339), step)
		}
	}
	s := Series{Key: key, Start: pts[0].t.UTC(), Step: step, Values: vals}
	if (24*time.Hour)%step != 0 {
		return Series{}, fmt.Errorf("%w: series %q: interval %v does not divide a day", ErrInvalid, key, step)
	}
	return s, nil
}

// WriteCSV writes predictions in the forecast format, series after series.
func WriteCSV(w io.Writer, preds []Prediction) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"series", "timestamp", "mean", "lo", "hi"}); err != nil {
		return fmt.Errorf("write forecast: %w", err)
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }
	for _, p := range preds {
		for i := range p.Mean {
			rec := []string{p.Key, p.Start.Add(time.Duration(i) * p.Step).Format(time.RFC3339), f(p.Mean[i]), f(p.Lo[i]), f(p.Hi[i])}
			if err := cw.Write(rec); err != nil {
				return fmt.Errorf("write forecast: %w", err)
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write forecast: %w", err)
	}
	return nil
}

// ReadForecastCSV parses the forecast format back (the staffing planner's input). The same
// regularity rules as ReadCSV apply; lo and hi must bracket mean.
func ReadForecastCSV(r io.Reader) ([]Prediction, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	rec, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: empty forecast: want a header series,timestamp,mean,lo,hi", ErrInvalid)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	pos, err := header(rec, "series", "timestamp", "mean", "lo", "hi")
	if err != nil {
		return nil, err
	}
	type trip struct{ lo, hi []point }
	var order []string
	mean := map[string][]point{}
	bounds := map[string]*trip{}
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		if line, _ := cr.FieldPos(0); line > 0 {
			row = line
		}
		if len(rec) < 5 {
			return nil, fmt.Errorf("%w: row %d: %d fields, want series,timestamp,mean,lo,hi", ErrInvalid, row, len(rec))
		}
		key := strings.TrimSpace(rec[pos["series"]])
		if key == "" {
			return nil, fmt.Errorf("%w: row %d: empty series name", ErrInvalid, row)
		}
		t, err := time.Parse(time.RFC3339, strings.TrimSpace(rec[pos["timestamp"]]))
		if err != nil {
			return nil, fmt.Errorf("%w: row %d: timestamp %q is not RFC 3339", ErrInvalid, row, rec[pos["timestamp"]])
		}
		var v [3]float64
		for i, c := range []string{"mean", "lo", "hi"} {
			s := strings.TrimSpace(rec[pos[c]])
			x, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
				return nil, fmt.Errorf("%w: row %d: %s %q is not a non-negative number", ErrInvalid, row, c, s)
			}
			v[i] = x
		}
		if v[1] > v[0] || v[0] > v[2] {
			return nil, fmt.Errorf("%w: row %d: want lo <= mean <= hi, got %v, %v, %v", ErrInvalid, row, v[1], v[0], v[2])
		}
		if _, ok := mean[key]; !ok {
			order = append(order, key)
			bounds[key] = &trip{}
		}
		mean[key] = append(mean[key], point{t, v[0], row})
		bounds[key].lo = append(bounds[key].lo, point{t, v[1], row})
		bounds[key].hi = append(bounds[key].hi, point{t, v[2], row})
	}
	if len(order) == 0 {
		return nil, fmt.Errorf("%w: no forecast rows after the header", ErrInvalid)
	}
	var out []Prediction
	for _, key := range order {
		m, err := regular(key, mean[key])
		if err != nil {
			return nil, err
		}
		lo, _ := regular(key, bounds[key].lo)
		hi, _ := regular(key, bounds[key].hi)
		out = append(out, Prediction{Key: key, Start: m.Start, Step: m.Step, Mean: m.Values, Lo: lo.Values, Hi: hi.Values})
	}
	return out, nil
}

// ReadEventsCSV parses an events file: name,kind,markets,start[,end[,lift]] with markets
// separated by ';' (empty: all markets) and RFC 3339 or YYYY-MM-DD times (dates are UTC
// midnight).
func ReadEventsCSV(r io.Reader) ([]Event, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	rec, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: events: %w", ErrInvalid, err)
	}
	pos, err := header(rec, "name", "kind", "markets", "start")
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	col := func(rec []string, name string) string {
		if i, ok := pos[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	parseTime := func(s string) (time.Time, error) {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t, nil
		}
		return time.Parse(time.DateOnly, s)
	}
	var out []Event
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: events: %w", ErrInvalid, err)
		}
		e := Event{Name: col(rec, "name"), Kind: EventKind(strings.ToLower(col(rec, "kind")))}
		switch e.Kind {
		case Holiday, Release, Campaign, Outage:
		default:
			return nil, fmt.Errorf("%w: events row %d: kind %q is not holiday, release, campaign or outage", ErrInvalid, row, e.Kind)
		}
		for _, m := range strings.FieldsFunc(col(rec, "markets"), func(r rune) bool { return r == ';' || r == ' ' || r == '|' }) {
			e.Markets = append(e.Markets, strings.ToUpper(m))
		}
		if e.Start, err = parseTime(col(rec, "start")); err != nil {
			return nil, fmt.Errorf("%w: events row %d: start %q is not RFC 3339 or YYYY-MM-DD", ErrInvalid, row, col(rec, "start"))
		}
		if s := col(rec, "end"); s != "" {
			if e.End, err = parseTime(s); err != nil || !e.End.After(e.Start) {
				return nil, fmt.Errorf("%w: events row %d: end %q is not a time after start", ErrInvalid, row, s)
			}
		}
		if s := col(rec, "lift"); s != "" {
			if e.Lift, err = strconv.ParseFloat(s, 64); err != nil || math.IsNaN(e.Lift) || e.Lift < -1 || e.Lift > 100 {
				return nil, fmt.Errorf("%w: events row %d: lift %q is not a number in [-1, 100]", ErrInvalid, row, s)
			}
		}
		out = append(out, e)
	}
	return out, nil
}
