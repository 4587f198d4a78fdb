package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/forecasting"
	"github.com/meridian-cs/meridian/forecasting/planning"
)

func init() {
	register(command{name: "forecast", summary: "forecast contact demand per series from a CSV history", run: runForecast})
}

// runForecast reads series,timestamp,value rows, forecasts every series and writes
// series,timestamp,mean,lo,hi rows.
func runForecast(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("forecast", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("in", "", "history CSV (series,timestamp,value); - for stdin")
	out := fs.String("out", "-", "forecast CSV (series,timestamp,mean,lo,hi); - for stdout")
	horizon := fs.Int("horizon", 336, "intervals to forecast")
	level := fs.Float64("level", 80, "prediction interval level in percent")
	model := fs.String("model", "auto", "model: auto or one of "+strings.Join(forecasting.ModelNames(), ", "))
	eventsPath := fs.String("events", "", "events CSV (name,kind,markets,start[,end[,lift]])")
	var markets marketFlag
	fs.Var(&markets, "market", "market of the series for holidays and events: CC (all series) or SERIES=CC[@Area/City]; repeatable")
	holidays := fs.Bool("holidays", true, "apply the built-in public holidays of each series' market")
	only := fs.String("series", "", "comma-separated series to forecast (default: all)")
	backtest := fs.Bool("backtest", false, "print the backtest accuracy of each series' candidates to stderr")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: meridian forecast --in history.csv [--horizon 336] [--out forecast.csv] [flags]\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if *in == "" || fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	if *level <= 0 || *level >= 100 {
		return fmt.Errorf("--level %v must be between 0 and 100 (percent)", *level)
	}
	if *horizon <= 0 {
		return fmt.Errorf("--horizon %d must be positive", *horizon)
	}
	series, err := readSeries(*in)
	if err != nil {
		return err
	}
	if series, err = selectSeries(series, *only); err != nil {
		return err
	}
	if err := markets.apply(series); err != nil {
		return err
	}
	opt := forecasting.Options{Horizon: *horizon, Level: *level / 100, Model: *model, Holidays: *holidays}
	if *eventsPath != "" {
		f, err := os.Open(*eventsPath)
		if err != nil {
			return fmt.Errorf("events: %w", err)
		}
		opt.Events, err = forecasting.ReadEventsCSV(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", *eventsPath, err)
		}
	}
	fcs, err := planning.ForecastSeries(ctx, series, opt, false)
	if err != nil {
		return err
	}
	preds := make([]forecasting.Prediction, len(fcs))
	for i, f := range fcs {
		preds[i] = f.Prediction
	}
	if *backtest {
		for _, p := range preds {
			fmt.Fprintf(stderr, "%s: model %s\n", p.Key, p.Model)
			for _, e := range p.Effects {
				fmt.Fprintf(stderr, "  effect %-12s lift %+.2f tau %v learned %v\n", e.Kind, e.Lift, e.Tau, e.Learned)
			}
			for _, s := range p.Scores {
				fmt.Fprintf(stderr, "  %-12s MAE %9.3f  MASE %6.3f  sMAPE %6.2f%%\n", s.Model, s.MAE, s.MASE, s.SMAPE)
			}
		}
	}
	return writeOut(*out, stdout, func(w io.Writer) error { return forecasting.WriteCSV(w, preds) })
}

// readSeries reads the history from a file or stdin ("-"), naming the file in errors.
func readSeries(path string) ([]forecasting.Series, error) {
	var r io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	s, err := forecasting.ReadCSV(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

func selectSeries(all []forecasting.Series, only string) ([]forecasting.Series, error) {
	if only == "" {
		return all, nil
	}
	byKey := map[string]forecasting.Series{}
	for _, s := range all {
		byKey[s.Key] = s
	}
	var out []forecasting.Series
	for _, k := range strings.Split(only, ",") {
		s, ok := byKey[strings.TrimSpace(k)]
		if !ok {
			return nil, fmt.Errorf("unknown series %q (the input has %d series)", k, len(all))
		}
		out = append(out, s)
	}
	return out, nil
}

// writeOut writes to a file (atomically enough: only after success) or to stdout ("-").
func writeOut(path string, stdout io.Writer, write func(io.Writer) error) error {
	if path == "-" || path == "" {
		return write(stdout)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}

// marketFlag maps series to markets: "US" for every series, or "series=US@America/New_York".
type marketFlag []string

func (m *marketFlag) String() string     { return strings.Join(*m, " ") }
func (m *marketFlag) Set(v string) error { *m = append(*m, v); return nil }

func (m marketFlag) apply(series []forecasting.Series) error {
	for _, v := range m {
		key, spec, perSeries := strings.Cut(v, "=")
		if !perSeries {
			spec, key = key, ""
		}
		cc, tz, _ := strings.Cut(spec, "@")
		var loc *time.Location
		if tz != "" {
			var err error
			if loc, err = time.LoadLocation(tz); err != nil {
				return fmt.Errorf("--market %s: unknown time zone %q", v, tz)
			}
		}
		found := false
		for i := range series {
			if key == "" || series[i].Key == key {
				series[i].Market, series[i].Location = strings.ToUpper(cc), loc
				found = true
			}
		}
		if !found {
			return fmt.Errorf("--market %s: unknown series %q", v, key)
		}
	}
	return nil
}
