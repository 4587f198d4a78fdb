package chstore

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/forecasting"
	"github.com/meridian-cs/meridian/store/clickhouse"
)

// Accuracy is how well a series' selected model did in the run's backtest, beside the
// seasonal-naive baselines.
type Accuracy struct {
	Model string
	// MAE, MASE and SMAPE are NaN when the history was too short to backtest.
	MAE, MASE, SMAPE float64
	// Coverage is the share of open hold-out steps inside the prediction interval; nil when
	// it was not measured.
	Coverage *float64
	// BaselineWeek and BaselineDay are the seasonal naives (same step a week, a day ago);
	// nil when the backtest could not score them.
	BaselineWeek, BaselineDay *forecasting.Score
	// HistoryFrom and HistoryTo bound the history the forecast was fitted on.
	HistoryFrom, HistoryTo time.Time
	Contacts               float64
}

// AccuracyOf picks the selected model's score and the baselines out of a prediction.
func AccuracyOf(p forecasting.Prediction) Accuracy {
	nan := math.NaN()
	a := Accuracy{Model: p.Model, MAE: nan, MASE: nan, SMAPE: nan}
	for i := range p.Scores {
		s := p.Scores[i]
		switch s.Model {
		case p.Model:
			a.MAE, a.MASE, a.SMAPE = s.MAE, s.MASE, s.SMAPE
		case "snaive-week":
			a.BaselineWeek = &s
		case "snaive-day":
			a.BaselineDay = &s
		}
	}
	return a
}

// Point is one forecast step.
type Point struct {
	T            time.Time
	Mean, Lo, Hi float64
}

// Stored is one series' forecast as written to and read from ClickHouse.
type Stored struct {
	Tenant      string
	Spec        Spec
	Market      string
	Step        time.Duration
	Model       string
	Level       float64
	GeneratedAt time.Time
	Points      []Point
	// Accuracy is nil when none was stored for the series.
	Accuracy *Accuracy
}

// FromPrediction builds the Stored form of a forecast.
func FromPrediction(tenant string, s Spec, market string, p forecasting.Prediction, level float64, at time.Time, acc *Accuracy) Stored {
	st := Stored{Tenant: tenant, Spec: s.Normalize(), Market: market, Step: p.Step, Model: p.Model, Level: level, GeneratedAt: at, Accuracy: acc}
	st.Points = make([]Point, len(p.Mean))
	for i := range p.Mean {
		st.Points[i] = Point{T: p.Start.Add(time.Duration(i) * p.Step), Mean: p.Mean[i], Lo: p.Lo[i], Hi: p.Hi[i]}
	}
	return st
}

type forecastRow struct {
	Tenant      string  `json:"tenant"`
	Series      string  `json:"series"`
	Language    string  `json:"language"`
	Channel     string  `json:"channel"`
	Queue       string  `json:"queue"`
	Market      string  `json:"market"`
	Interval    int64   `json:"interval_seconds"`
	TS          string  `json:"ts"`
	Model       string  `json:"model"`
	Mean        float64 `json:"mean"`
	Lo          float64 `json:"lo"`
	Hi          float64 `json:"hi"`
	Level       float64 `json:"level"`
	GeneratedAt string  `json:"generated_at"`
}

type accuracyRow struct {
	Tenant      string   `json:"tenant"`
	Series      string   `json:"series"`
	Interval    int64    `json:"interval_seconds"`
	Model       string   `json:"model"`
	MAE         *float64 `json:"mae"`
	MASE        *float64 `json:"mase"`
	SMAPE       *float64 `json:"smape"`
	Coverage    *float64 `json:"coverage"`
	Level       float64  `json:"level"`
	WeekMASE    *float64 `json:"baseline_week_mase"`
	WeekSMAPE   *float64 `json:"baseline_week_smape"`
	DayMASE     *float64 `json:"baseline_day_mase"`
	DaySMAPE    *float64 `json:"baseline_day_smape"`
	HistoryFrom string   `json:"history_from"`
	HistoryTo   string   `json:"history_to"`
	Contacts    float64  `json:"contacts"`
	GeneratedAt string   `json:"generated_at"`
}

const secondFormat = "2006-01-02 15:04:05"

func scoreFields(s *forecasting.Score) (mase, smape *float64) {
	if s == nil {
		return nil, nil
	}
	return finite(s.MASE), finite(s.SMAPE)
}

// Write stores forecasts (and their accuracy) in region's tables, each table in one INSERT.
// The rows replace those of earlier runs for the same tenant, series, interval and step.
func Write(ctx context.Context, db clickhouse.DB, region string, fs []Stored) error {
	var fb, ab []byte
	for _, f := range fs {
		if f.Spec.Region != region {
			return fmt.Errorf("forecasts: series %s written to region %s", f.Spec.Key(), region)
		}
		s := f.Spec.Normalize()
		gen := f.GeneratedAt.UTC().Format(clickhouse.TimeFormat)
		for _, p := range f.Points {
			b, err := json.Marshal(forecastRow{Tenant: f.Tenant, Series: s.Key(), Language: s.Language, Channel: s.Channel, Queue: s.Queue,
				Market: f.Market, Interval: int64(f.Step / time.Second), TS: p.T.UTC().Format(secondFormat), Model: f.Model,
				Mean: p.Mean, Lo: p.Lo, Hi: p.Hi, Level: f.Level, GeneratedAt: gen})
			if err != nil {
				return fmt.Errorf("forecasts %s: %w", s.Key(), err)
			}
			fb = append(append(fb, b...), '\n')
		}
		if a := f.Accuracy; a != nil {
			row := accuracyRow{Tenant: f.Tenant, Series: s.Key(), Interval: int64(f.Step / time.Second), Model: a.Model,
				MAE: finite(a.MAE), MASE: finite(a.MASE), SMAPE: finite(a.SMAPE), Coverage: a.Coverage, Level: f.Level,
				HistoryFrom: a.HistoryFrom.UTC().Format(secondFormat), HistoryTo: a.HistoryTo.UTC().Format(secondFormat),
				Contacts: a.Contacts, GeneratedAt: gen}
			row.WeekMASE, row.WeekSMAPE = scoreFields(a.BaselineWeek)
			row.DayMASE, row.DaySMAPE = scoreFields(a.BaselineDay)
			if row.Coverage != nil {
				row.Coverage = finite(*row.Coverage)
			}
			b, err := json.Marshal(row)
			if err != nil {
				return fmt.Errorf("forecast accuracy %s: %w", s.Key(), err)
			}
			ab = append(append(ab, b...), '\n')
		}
	}
	dbName := clickhouse.Database(region)
	if len(fb) > 0 {
		if err := db.Insert(ctx, dbName+".forecasts", "JSONEachRow", fb); err != nil {
			return fmt.Errorf("forecasts %s: %w", region, err)
		}
	}
	if len(ab) > 0 {
		if err := db.Insert(ctx, dbName+".forecast_accuracy", "JSONEachRow", ab); err != nil {
			return fmt.Errorf("forecast accuracy %s: %w", region, err)
		}
	}
	return nil
}

// ReadFilter selects stored forecasts.
type ReadFilter struct {
	// Series is a series key; empty means every series of the tenant in the region.
	Series string
	// Step is the interval; zero means every interval.
	Step time.Duration
	// From and To bound the steps returned, [From, To); zero leaves a side open.
	From, To time.Time
}

// Read returns the latest stored forecast of every matching series of tenant in region, by
// series key and interval, with its accuracy.
func Read(ctx context.Context, db clickhouse.DB, region, tenant string, f ReadFilter) ([]Stored, error) {
	dbName := clickhouse.Database(region)
	var b clickhouse.Binder
	where := []string{"tenant = " + b.String(tenant)}
	if f.Series != "" {
		where = append(where, "series = "+b.String(f.Series))
	}
	if f.Step > 0 {
		where = append(where, "interval_seconds = "+b.Int64(int64(f.Step/time.Second)))
	}
	latest := strings.Join(where, " AND ")
	latestParams := b.Query(latest).Params
	if !f.From.IsZero() {
		where = append(where, "ts >= toDateTime("+b.Int64(f.From.Unix())+", 'UTC')")
	}
	if !f.To.IsZero() {
		where = append(where, "ts < toDateTime("+b.Int64(f.To.Unix())+", 'UTC')")
	}
	q := fmt.Sprintf(`SELECT series, language, channel, queue, market, interval_seconds, model, level,
		toUnixTimestamp64Milli(generated_at), toUnixTimestamp(ts), mean, lo, hi
	FROM %[1]s.forecasts FINAL
	WHERE %[2]s AND (series, interval_seconds, generated_at) IN (
		SELECT series, interval_seconds, max(generated_at) FROM %[1]s.forecasts WHERE %[3]s GROUP BY series, interval_seconds)
	ORDER BY series, interval_seconds, ts`, dbName, strings.Join(where, " AND "), latest)
	res, err := db.QueryParams(ctx, q, b.Params())
	if err != nil {
		return nil, fmt.Errorf("read forecasts %s: %w", region, err)
	}
	var out []Stored
	idx := map[string]int{}
	for _, r := range res.Rows {
		key := clickhouse.String(r[0])
		step := time.Duration(clickhouse.Float(r[5])) * time.Second
		k := fmt.Sprintf("%s\x00%d", key, step)
		i, ok := idx[k]
		if !ok {
			spec, err := ParseKey(key)
			if err != nil {
				return nil, err
			}
			spec.Region = region
			i = len(out)
			idx[k] = i
			out = append(out, Stored{Tenant: tenant, Spec: spec, Market: clickhouse.String(r[4]), Step: step,
				Model: clickhouse.String(r[6]), Level: roundLevel(clickhouse.Float(r[7])),
				GeneratedAt: time.UnixMilli(int64(clickhouse.Float(r[8]))).UTC()})
		}
		out[i].Points = append(out[i].Points, Point{T: time.Unix(int64(clickhouse.Float(r[9])), 0).UTC(),
			Mean: clickhouse.Float(r[10]), Lo: clickhouse.Float(r[11]), Hi: clickhouse.Float(r[12])})
	}
	if len(out) == 0 {
		return nil, nil
	}
	accs, err := readAccuracy(ctx, db, region, latest, latestParams)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if a, ok := accs[fmt.Sprintf("%s\x00%d", out[i].Spec.Key(), out[i].Step)]; ok {
			out[i].Accuracy = &a
		}
	}
	return out, nil
}

// roundLevel undoes the Float32 storage of the level (0.8 comes back as 0.800000011920929).
func roundLevel(v float64) float64 {
	return float64(int64(v*1e6+0.5)) / 1e6
}

// readAccuracy reads the accuracy rows that pass where, whose values are params.
func readAccuracy(ctx context.Context, db clickhouse.DB, region, where string, params clickhouse.Params) (map[string]Accuracy, error) {
	q := fmt.Sprintf(`SELECT series, interval_seconds, model, mae, mase, smape, coverage,
		baseline_week_mase, baseline_week_smape, baseline_day_mase, baseline_day_smape,
		toUnixTimestamp(history_from), toUnixTimestamp(history_to), contacts
	FROM %s.forecast_accuracy FINAL WHERE %s`, clickhouse.Database(region), where)
	res, err := db.QueryParams(ctx, q, params)
	if err != nil {
		return nil, fmt.Errorf("read forecast accuracy %s: %w", region, err)
	}
	nullable := func(v any) *float64 {
		if v == nil {
			return nil
		}
		f := clickhouse.Float(v)
		return &f
	}
	out := map[string]Accuracy{}
	for _, r := range res.Rows {
		a := Accuracy{Model: clickhouse.String(r[2]), MAE: orNaN(nullable(r[3])), MASE: orNaN(nullable(r[4])), SMAPE: orNaN(nullable(r[5])),
			Coverage:    nullable(r[6]),
			HistoryFrom: time.Unix(int64(clickhouse.Float(r[11])), 0).UTC(), HistoryTo: time.Unix(int64(clickhouse.Float(r[12])), 0).UTC(),
			Contacts: clickhouse.Float(r[13])}
		if m := nullable(r[7]); m != nil {
			a.BaselineWeek = &forecasting.Score{Model: "snaive-week", MASE: *m, SMAPE: deref(nullable(r[8]))}
		}
		if m := nullable(r[9]); m != nil {
			a.BaselineDay = &forecasting.Score{Model: "snaive-day", MASE: *m, SMAPE: deref(nullable(r[10]))}
		}
		out[fmt.Sprintf("%s\x00%d", clickhouse.String(r[0]), time.Duration(clickhouse.Float(r[1]))*time.Second)] = a
	}
	return out, nil
}

func orNaN(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

func deref(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}
