package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"time"

	"github.com/meridian-cs/meridian/forecasting"
	"github.com/meridian-cs/meridian/forecasting/planning"
	"github.com/meridian-cs/meridian/forecasting/staffing"
)

func init() {
	register(command{name: "staffing", summary: "agents needed per interval (Erlang C, or Erlang A with --patience)", run: runStaffing})
}

// staffingJSON is the --json shape of one queue and interval.
type staffingJSON struct {
	Series          string   `json:"series,omitempty"`
	Timestamp       string   `json:"timestamp,omitempty"`
	Model           string   `json:"model"`
	CallsPerHour    float64  `json:"calls_per_hour"`
	AHTSeconds      float64  `json:"aht_seconds"`
	PatienceSeconds float64  `json:"patience_seconds,omitempty"`
	TrafficErlangs  float64  `json:"traffic_erlangs"`
	Agents          int      `json:"agents"`
	Scheduled       int      `json:"scheduled_agents"`
	Shrinkage       float64  `json:"shrinkage"`
	ServiceLevel    float64  `json:"service_level"`
	TargetSeconds   float64  `json:"target_seconds"`
	ASASeconds      float64  `json:"asa_seconds"`
	Occupancy       float64  `json:"occupancy"`
	WaitProbability float64  `json:"wait_probability"`
	AbandonRate     *float64 `json:"abandon_rate,omitempty"`
}

func toJSON(q staffing.Queue, tg staffing.Target, r staffing.Result) staffingJSON {
	j := staffingJSON{Model: r.Model, CallsPerHour: q.CallsPerHour, AHTSeconds: q.AHTSeconds, PatienceSeconds: q.PatienceSeconds,
		TrafficErlangs: round(r.Traffic, 4), Agents: r.Agents, Scheduled: r.ScheduledAgents, Shrinkage: tg.Shrinkage,
		ServiceLevel: round(r.ServiceLevel, 4), TargetSeconds: tg.AnswerSeconds, ASASeconds: round(r.ASASeconds, 2),
		Occupancy: round(r.Occupancy, 4), WaitProbability: round(r.WaitProbability, 4)}
	if q.PatienceSeconds > 0 {
		a := round(r.AbandonRate, 4)
		j.AbandonRate = &a
	}
	return j
}

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

func runStaffing(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("staffing", flag.ContinueOnError)
	fs.SetOutput(stderr)
	calls := fs.Float64("calls-per-hour", -1, "arriving contacts per hour (or use --calls per interval)")
	perInterval := fs.Float64("calls", -1, "arriving contacts per interval of --interval-minutes")
	aht := fs.Float64("aht", 0, "average handling time in seconds (required)")
	target := fs.Float64("target-seconds", 20, "answer-time threshold of the service level, seconds")
	sl := fs.Float64("service-level", 0.8, "service-level target: share answered within --target-seconds (0 to target ASA only)")
	asa := fs.Float64("asa", 0, "average-speed-of-answer target in seconds (instead of, or with, the service level)")
	patience := fs.Float64("patience", 0, "mean caller patience in seconds: switches to Erlang A (abandonment)")
	shrinkage := fs.Float64("shrinkage", 0, "share of paid time not on the phones, e.g. 0.3")
	maxOcc := fs.Float64("max-occupancy", 0, "occupancy cap, e.g. 0.9 (0: none)")
	interval := fs.Float64("interval-minutes", 60, "interval length in minutes (for --calls; --forecast uses the file's interval)")
	forecastPath := fs.String("forecast", "", "forecast CSV (series,timestamp,mean,lo,hi): plan every series and interval; - for stdin")
	use := fs.String("use", "mean", "with --forecast: plan for the mean or the hi bound of the interval")
	out := fs.String("out", "-", "with --forecast: output file; - for stdout")
	asJSON := fs.Bool("json", false, "print JSON instead of text (with --forecast: JSON instead of CSV)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: meridian staffing --calls-per-hour N --aht SECONDS [--target-seconds 20 --service-level 0.8 | --asa S] [--patience S] [--shrinkage F] [--json]\n"+
			"       meridian staffing --forecast forecast.csv --aht SECONDS [flags]\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if fs.NArg() > 0 || !set["aht"] {
		fs.Usage()
		return errUsage
	}
	if !(*interval > 0) {
		return fmt.Errorf("--interval-minutes %v must be positive", *interval)
	}
	tg := staffing.Target{ServiceLevel: *sl, AnswerSeconds: *target, ASASeconds: *asa, MaxOccupancy: *maxOcc, Shrinkage: *shrinkage}
	if set["asa"] && !set["service-level"] {
		tg.ServiceLevel = 0 // --asa alone replaces the default service-level target
	}
	if err := tg.Validate(); err != nil {
		return err
	}
	q := staffing.Queue{AHTSeconds: *aht, PatienceSeconds: *patience}
	if err := q.Validate(); err != nil {
		return flagErr(err, "--calls-per-hour")
	}
	if *forecastPath != "" {
		if set["calls-per-hour"] || set["calls"] {
			return errors.New("--forecast and --calls-per-hour/--calls are exclusive")
		}
		if *use != "mean" && *use != "hi" {
			return fmt.Errorf("--use %q: want mean or hi", *use)
		}
		return staffForecast(ctx, *forecastPath, *out, *use, q, tg, *asJSON, stdout)
	}
	callsFlag := "--calls-per-hour"
	switch {
	case set["calls-per-hour"] && set["calls"]:
		return errors.New("give --calls-per-hour or --calls, not both")
	case set["calls"]:
		q.CallsPerHour = *perInterval * 60 / *interval
		callsFlag = "--calls"
	case set["calls-per-hour"]:
		q.CallsPerHour = *calls
	default:
		fs.Usage()
		return errUsage
	}
	r, err := staffing.Required(q, tg)
	if err != nil {
		return flagErr(err, callsFlag)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		return enc.Encode(toJSON(q, tg, r))
	}
	fmt.Fprintf(stdout, "model            %s\n", r.Model)
	fmt.Fprintf(stdout, "traffic          %.2f Erlangs (%.1f calls/hour x %.0f s)\n", r.Traffic, q.CallsPerHour, q.AHTSeconds)
	fmt.Fprintf(stdout, "agents needed    %d on the phones\n", r.Agents)
	fmt.Fprintf(stdout, "agents scheduled %d (shrinkage %.0f%%)\n", r.ScheduledAgents, 100*tg.Shrinkage)
	fmt.Fprintf(stdout, "service level    %.1f%% answered within %.0f s\n", 100*r.ServiceLevel, tg.AnswerSeconds)
	fmt.Fprintf(stdout, "ASA              %.1f s\n", r.ASASeconds)
	fmt.Fprintf(stdout, "occupancy        %.1f%%\n", 100*r.Occupancy)
	fmt.Fprintf(stdout, "P(wait)          %.1f%%\n", 100*r.WaitProbability)
	if q.PatienceSeconds > 0 {
		fmt.Fprintf(stdout, "abandonment      %.1f%% (mean patience %.0f s)\n", 100*r.AbandonRate, q.PatienceSeconds)
	}
	return nil
}

// flagErr names a queue parameter out of bounds by the flag that set it; callsFlag is where
// the contacts came from.
func flagErr(err error, callsFlag string) error {
	var pe *staffing.ParamError
	if !errors.As(err, &pe) {
		return err
	}
	flag := map[string]string{
		staffing.ParamAHT:          "--aht",
		staffing.ParamPatience:     "--patience",
		staffing.ParamCallsPerHour: callsFlag,
		staffing.ParamTraffic:      callsFlag + " with --aht",
	}[pe.Param]
	return fmt.Errorf("%s: %s %v %s", flag, pe.Param, pe.Value, pe.Want)
}

// staffForecast plans every interval of every forecast series.
func staffForecast(ctx context.Context, path, out, use string, q staffing.Queue, tg staffing.Target, asJSON bool, stdout io.Writer) error {
	var r io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	preds, err := forecasting.ReadForecastCSV(r)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	var rows []staffingJSON
	for _, p := range preds {
		if err := ctx.Err(); err != nil {
			return err
		}
		d := planning.Demand{Start: p.Start, Step: p.Step, Contacts: p.Mean}
		if use == "hi" {
			d.Contacts = p.Hi
		}
		plan, err := planning.Staff(ctx, q, tg, d)
		var ie *planning.IntervalError
		if errors.As(err, &ie) {
			return fmt.Errorf("series %q at %s: %w", p.Key, p.Start.Add(time.Duration(ie.Index)*p.Step).Format(time.RFC3339), flagErr(ie.Err, "--forecast "+use))
		}
		if err != nil {
			return err
		}
		for _, iv := range plan.Intervals {
			j := toJSON(iv.Queue, tg, iv.Result)
			j.Series, j.Timestamp = p.Key, iv.Start.Format(time.RFC3339)
			j.CallsPerHour = round(j.CallsPerHour, 3)
			rows = append(rows, j)
		}
	}
	return writeOut(out, stdout, func(w io.Writer) error {
		if asJSON {
			enc := json.NewEncoder(w)
			return enc.Encode(rows)
		}
		cw := csv.NewWriter(w)
		cw.Write([]string{"series", "timestamp", "model", "calls_per_hour", "agents", "scheduled_agents", "service_level", "asa_seconds", "occupancy", "abandon_rate"})
		f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
		for _, j := range rows {
			ab := ""
			if j.AbandonRate != nil {
				ab = f(*j.AbandonRate)
			}
			cw.Write([]string{j.Series, j.Timestamp, j.Model, f(j.CallsPerHour), strconv.Itoa(j.Agents), strconv.Itoa(j.Scheduled), f(j.ServiceLevel), f(j.ASASeconds), f(j.Occupancy), ab})
		}
		cw.Flush()
		return cw.Error()
	})
}
