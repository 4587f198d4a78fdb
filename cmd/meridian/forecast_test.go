package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// history writes an hourly CSV: series a (open 9-17 on weekdays) and b (always open),
// interleaved row by row, weeks long.
func history(t *testing.T, weeks int, edit func(rows [][]string) [][]string) string {
	t.Helper()
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) // a Monday
	rows := [][]string{{"series", "timestamp", "value"}}
	for i := 0; i < weeks*168; i++ {
		ts := start.Add(time.Duration(i) * time.Hour)
		h, wd := ts.Hour(), ts.Weekday()
		a := 0.0
		if wd != time.Saturday && wd != time.Sunday && h >= 9 && h < 17 {
			a = float64(20 + 10*((h+i/24)%3))
		}
		b := 50 + 30*math.Sin(float64(h)/24*2*math.Pi) + float64(i%7)
		rows = append(rows, []string{"a", ts.Format(time.RFC3339), strconv.FormatFloat(a, 'f', -1, 64)},
			[]string{"b", ts.Format(time.RFC3339), strconv.FormatFloat(b, 'f', 1, 64)})
	}
	if edit != nil {
		rows = edit(rows)
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.WriteAll(rows)
	path := filepath.Join(t.TempDir(), "history.csv")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestForecastWritesOneRowPerSeriesAndStep(t *testing.T) {
	in := history(t, 6, nil)
	out := filepath.Join(t.TempDir(), "forecast.csv")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"forecast", "--in", in, "--horizon", "336", "--out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(recs[0], ","); got != "series,timestamp,mean,lo,hi" {
		t.Fatalf("header %q", got)
	}
	if len(recs) != 1+2*336 {
		t.Fatalf("%d rows, want %d", len(recs), 1+2*336)
	}
	first, _ := time.Parse(time.RFC3339, recs[1][1])
	if want := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(6 * 168 * time.Hour); !first.Equal(want) {
		t.Errorf("first forecast at %v, want %v", first, want)
	}
	for _, r := range recs[1:] {
		m, _ := strconv.ParseFloat(r[2], 64)
		lo, _ := strconv.ParseFloat(r[3], 64)
		hi, _ := strconv.ParseFloat(r[4], 64)
		if !(0 <= lo && lo <= m && m <= hi) {
			t.Fatalf("row %v: want 0 <= lo <= mean <= hi", r)
		}
		ts, _ := time.Parse(time.RFC3339, r[1])
		if r[0] == "a" && (ts.Weekday() == time.Sunday || ts.Hour() < 9 || ts.Hour() >= 17) && hi != 0 {
			t.Fatalf("closed hour %v of series a forecast %v..%v, want exactly 0", ts, lo, hi)
		}
	}
}

func TestForecastStdinToStdout(t *testing.T) {
	in := history(t, 4, nil)
	data, _ := os.ReadFile(in)
	r, w, _ := os.Pipe()
	go func() { w.Write(data); w.Close() }()
	old := os.Stdin
	os.Stdin = r
	defer func() { os.Stdin = old }()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"forecast", "--in", "-", "--horizon", "24", "--out", "-", "--level", "90"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if n := strings.Count(stdout.String(), "\n"); n != 1+2*24 {
		t.Errorf("%d lines on stdout, want %d", n, 1+2*24)
	}
}

func TestForecastRefusesBadInput(t *testing.T) {
	drop := func(i int) func([][]string) [][]string {
		return func(r [][]string) [][]string { return append(r[:i:i], r[i+1:]...) }
	}
	set := func(i, col int, v string) func([][]string) [][]string {
		return func(r [][]string) [][]string { r[i][col] = v; return r }
	}
	cases := []struct {
		name string
		edit func([][]string) [][]string
		args []string
		want string
	}{
		{"a missing row is a gap", drop(201), nil, "gap of 1 missing intervals"},
		{"a negative value", set(40, 2, "-3"), nil, "row 41: value -3 is negative"},
		{"a non-numeric value", set(40, 2, "many"), nil, `row 41: value "many" is not a number`},
		{"a bad timestamp", set(12, 1, "2024-01-01 06:00"), nil, "row 13: timestamp"},
		{"an irregular timestamp", set(12, 1, "2024-01-01T05:30:00Z"), nil, "irregular timestamp"},
		{"a duplicated row", func(r [][]string) [][]string { return append(r, r[5]) }, nil, "duplicate timestamp"},
		{"a wrong header", set(0, 2, "calls"), nil, `lacks column "value"`},
		{"too short a history", func(r [][]string) [][]string { return r[:1+2*24*10] }, nil, "too short"},
		{"an unknown series", nil, []string{"--series", "zz"}, `unknown series "zz"`},
		{"an unknown model", nil, []string{"--model", "prophet"}, `unknown model "prophet"`},
		{"a level out of range", nil, []string{"--level", "120"}, "--level"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := history(t, 3, c.edit)
			var stdout, stderr bytes.Buffer
			args := append([]string{"forecast", "--in", in, "--horizon", "48"}, c.args...)
			code := run(args, &stdout, &stderr)
			if code == 0 {
				t.Fatalf("exit 0, want failure; stdout %d bytes", stdout.Len())
			}
			msg := stderr.String()
			if !strings.Contains(msg, c.want) || strings.Count(strings.TrimSpace(msg), "\n") != 0 {
				t.Errorf("stderr %q, want one line containing %q", msg, c.want)
			}
			if stdout.Len() != 0 {
				t.Errorf("wrote %d bytes of forecast despite the error", stdout.Len())
			}
		})
	}
}

func TestForecastUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"forecast"}, {"forecast", "--in"}, {"forecast", "--bogus"}} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
		if !strings.Contains(stderr.String(), "usage: meridian forecast") {
			t.Errorf("%v: no usage text in %q", args, stderr.String())
		}
	}
}

func TestForecastChangesWhenAReleaseIsAdded(t *testing.T) {
	in := history(t, 6, nil)
	events := filepath.Join(t.TempDir(), "events.csv")
	release := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(6*168*time.Hour + 24*time.Hour + 9*time.Hour)
	os.WriteFile(events, []byte(fmt.Sprintf("name,kind,markets,start\nv2 launch,release,,%s\n", release.Format(time.RFC3339))), 0o644)
	sum := func(args ...string) float64 {
		var stdout, stderr bytes.Buffer
		if code := run(append([]string{"forecast", "--in", in, "--horizon", "168", "--series", "b"}, args...), &stdout, &stderr); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
		recs, _ := csv.NewReader(&stdout).ReadAll()
		var s float64
		for _, r := range recs[1:] {
			v, _ := strconv.ParseFloat(r[2], 64)
			s += v
		}
		return s
	}
	without, with := sum(), sum("--events", events)
	if with <= without*1.02 {
		t.Errorf("weekly total with a release %.0f, without %.0f: the release should raise it", with, without)
	}
}
