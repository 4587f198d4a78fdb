package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/meridian-cs/meridian/insights/roi"
	"github.com/meridian-cs/meridian/insights/scenarios"
)

func init() {
	register(command{
		name:    "roi",
		summary: "value, cost, ROI, NPV, payback and sensitivity of a service-operation scenario",
		run:     runROI,
	})
}

// rateFlag parses an annual rate written as a fraction (0.08) or a percentage (8%).
type rateFlag struct{ v *float64 }

func (r *rateFlag) String() string {
	if r.v == nil {
		return ""
	}
	return strconv.FormatFloat(*r.v, 'g', -1, 64)
}

func (r *rateFlag) Set(s string) error {
	s = strings.TrimSpace(s)
	pct := strings.HasSuffix(s, "%")
	f, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if err != nil {
		return fmt.Errorf("not a number: %q", s)
	}
	if pct {
		f /= 100
	} else if f > 1 {
		return fmt.Errorf("%s looks like a percentage: write %s%% or %g", s, s, f/100)
	}
	if f <= -1 {
		return fmt.Errorf("%s is at or below -100%%: discounting is undefined", s)
	}
	r.v = &f
	return nil
}

func runROI(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("roi", flag.ContinueOnError)
	fs.SetOutput(stderr)
	scenario := fs.String("scenario", "", "scenario YAML file, or the name of a shipped scenario ("+strings.Join(scenarios.Names(), ", ")+")")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	var rate rateFlag
	fs.Var(&rate, "discount-rate", "annual discount rate for NPV, e.g. 0.08 or 8% (default: the scenario's, else 10%)")
	cashFlows := fs.String("cash-flows", "", "discount monthly or yearly cash flows (default: the scenario's, else monthly)")
	top := fs.Int("top", 8, "sensitivity rows to show in the table")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: meridian roi --scenario FILE|NAME [--json] [--discount-rate R] [--cash-flows monthly|yearly]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if *scenario == "" || fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	switch *cashFlows {
	case "", "monthly", "yearly":
	default:
		return fmt.Errorf("--cash-flows must be monthly or yearly, got %q", *cashFlows)
	}
	s, err := loadScenario(*scenario)
	if err != nil {
		return err
	}
	res, err := roi.Evaluate(s, roi.Options{DiscountRate: rate.v, CashFlows: *cashFlows})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	printROI(stdout, res, *top)
	return nil
}

// loadScenario reads a file when one exists at the path, else a shipped scenario by name.
func loadScenario(name string) (roi.Scenario, error) {
	if _, err := os.Stat(name); err == nil || strings.ContainsAny(name, `/\`) || strings.HasSuffix(name, ".yaml") {
		return roi.Load(name)
	}
	data, err := scenarios.Read(name)
	if err != nil {
		return roi.Scenario{}, err
	}
	s, err := roi.Parse(data)
	if err != nil {
		return roi.Scenario{}, fmt.Errorf("scenario %s: %w", name, err)
	}
	return s, nil
}

func printROI(w io.Writer, r roi.Result, top int) {
	m := roi.Money
	fmt.Fprintf(w, "%s\n", r.Scenario)
	fmt.Fprintf(w, "horizon %d months, %s, NPV at %.2f%%/year on %s cash flows\n\n", r.HorizonMonths, r.Currency, r.DiscountRate*100, r.CashFlows)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "value by dimension\tbasis\t%14s\t%14s\n", "value", "from drivers")
	for _, d := range r.Dimensions {
		drv := "-"
		if d.FromDrivers != nil {
			drv = m(*d.FromDrivers)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%14s\t%14s\n", d.Label, d.Basis, m(d.Value), drv)
	}
	fmt.Fprintf(tw, "total value\t\t%14s\n", m(r.TotalValue))
	fmt.Fprintln(tw, "\t\t\t")
	fmt.Fprintf(tw, "costs\t\t%14s\n", "amount")
	for _, c := range r.CostItems {
		fmt.Fprintf(tw, "  %s\t\t%14s\n", c.Label, m(c.Amount))
	}
	fmt.Fprintf(tw, "total cost\t\t%14s\n", m(r.TotalCost))
	for _, c := range r.CostComparisons {
		fmt.Fprintf(tw, "  vs %s\t\t%14s\t%14s\n", c.Name, m(c.TotalCost), fmt.Sprintf("ROI %.1f%%", c.ROIPercent))
	}
	fmt.Fprintln(tw, "\t\t\t")
	fmt.Fprintf(tw, "ROI\t\t%14s\n", fmt.Sprintf("%.1f%%", r.ROIPercent))
	fmt.Fprintf(tw, "NPV\t\t%14s\n", m(r.NPV))
	fmt.Fprintf(tw, "payback month\t\t%14s\n", monthText(r.PaybackMonth))
	fmt.Fprintf(tw, "discounted payback month\t\t%14s\n", monthText(r.DiscountedPaybackMonth))
	tw.Flush()

	if len(r.Sensitivity) > 0 {
		fmt.Fprintf(w, "\nsensitivity (each input ±%.0f%%, ranked by ROI swing)\n", r.SensitivityDelta*100)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "input\t%11s\t%11s\t%11s\t%13s\t%13s\n", "ROI at low", "ROI at high", "swing (pts)", "NPV at low", "NPV at high")
		for i, s := range r.Sensitivity {
			if i == top {
				break
			}
			fmt.Fprintf(tw, "  %s\t%10.1f%%\t%10.1f%%\t%11.1f\t%13s\t%13s\n", s.Input, s.ROILowPercent, s.ROIHighPercent, s.SwingPoints, m(s.NPVLow), m(s.NPVHigh))
		}
		tw.Flush()
	}
	if len(r.Warnings) > 0 {
		fmt.Fprintln(w, "\nwarnings")
		for _, x := range r.Warnings {
			fmt.Fprintf(w, "  - %s\n", x)
		}
	}
	fmt.Fprintln(w, "\n(every step of the arithmetic: --json, field \"steps\")")
}

func monthText(p *int) string {
	if p == nil {
		return "not within horizon"
	}
	return strconv.Itoa(*p)
}
