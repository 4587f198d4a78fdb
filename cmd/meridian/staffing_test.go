package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStaffingJSON(t *testing.T) {
	cases := []struct {
		name      string
		args      []string
		agents    int
		scheduled int
		model     string
	}{
		// Call Centre Helper's worked example: 100 calls per 30 min, 180 s, 80/20: 14 agents.
		{"Erlang C worked example", []string{"--calls", "100", "--interval-minutes", "30", "--aht", "180"}, 14, 14, "erlang-c"},
		{"shrinkage adds scheduled agents", []string{"--calls-per-hour", "200", "--aht", "180", "--shrinkage", "0.3"}, 14, 20, "erlang-c"},
		{"abandonment needs fewer agents", []string{"--calls-per-hour", "200", "--aht", "180", "--patience", "120"}, 12, 12, "erlang-a"},
		{"an ASA target alone", []string{"--calls-per-hour", "200", "--aht", "180", "--asa", "30"}, 13, 13, "erlang-c"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(append([]string{"staffing", "--json"}, c.args...), &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			var got map[string]any
			if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
				t.Fatalf("%v in %q", err, stdout.String())
			}
			if got["agents"] != float64(c.agents) || got["scheduled_agents"] != float64(c.scheduled) || got["model"] != c.model {
				t.Errorf("got %v, want %d agents, %d scheduled, %s", got, c.agents, c.scheduled, c.model)
			}
			for _, k := range []string{"service_level", "asa_seconds", "occupancy"} {
				if _, ok := got[k].(float64); !ok {
					t.Errorf("no number %q in %v", k, got)
				}
			}
			if _, ok := got["abandon_rate"]; ok != (c.model == "erlang-a") {
				t.Errorf("abandon_rate present = %v for %s", ok, c.model)
			}
		})
	}
}

func TestStaffingText(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"staffing", "--calls-per-hour", "120", "--aht", "240", "--target-seconds", "20", "--service-level", "0.8"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "agents needed    11") {
		t.Errorf("output:\n%s", stdout.String())
	}
}

func TestStaffingRefusesBadInput(t *testing.T) {
	cases := [][]string{
		{"--calls-per-hour", "-5", "--aht", "200"},
		{"--calls-per-hour", "50", "--aht", "0"},
		{"--calls-per-hour", "50", "--aht", "200", "--service-level", "1.5"},
		{"--calls-per-hour", "50", "--aht", "200", "--shrinkage", "1"},
		{"--calls-per-hour", "50", "--calls", "3", "--aht", "200"},
	}
	for _, args := range cases {
		var stdout, stderr bytes.Buffer
		if code := run(append([]string{"staffing"}, args...), &stdout, &stderr); code != 1 {
			t.Errorf("%v: exit %d, want 1 (stderr %q)", args, code, stderr.String())
		}
	}
	// Inputs no queue has are refused in one line naming the flag, before any computation
	// (a billion calls an hour took 0.59 s and answered; more took longer).
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--calls-per-hour", "1e9", "--aht", "300"}, "meridian staffing: --calls-per-hour: calls per hour 1e+09 must be between 0 and 1e+06\n"},
		{[]string{"--calls", "600000", "--interval-minutes", "30", "--aht", "300"}, "meridian staffing: --calls: calls per hour 1.2e+06 must be between 0 and 1e+06\n"},
		{[]string{"--calls-per-hour", "900000", "--aht", "3600"}, "meridian staffing: --calls-per-hour with --aht: traffic 900000 Erlangs (calls per hour x handling time) is more than 100000 agents could carry in one queue\n"},
		{[]string{"--calls-per-hour", "50", "--aht", "1e7"}, "meridian staffing: --aht: average handling time 1e+07 s must be positive and at most 86400 (a day)\n"},
		{[]string{"--calls-per-hour", "50", "--aht", "300", "--patience", "7200"}, "meridian staffing: --patience: patience 7200 s must be between 0 (no abandonment) and 3600 (an hour)\n"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(append([]string{"staffing"}, c.args...), &stdout, &stderr); code != 1 || stderr.String() != c.want || stdout.Len() != 0 {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want 1 and %q", c.args, code, stderr.String(), stdout.String(), c.want)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"staffing", "--calls-per-hour", "5"}, &stdout, &stderr); code != 2 {
		t.Errorf("missing --aht: exit %d, want 2", code)
	}
}

func TestStaffingFromForecast(t *testing.T) {
	dir := t.TempDir()
	fc := filepath.Join(dir, "forecast.csv")
	os.WriteFile(fc, []byte("series,timestamp,mean,lo,hi\n"+
		"q,2024-01-01T00:00:00Z,50,40,60\nq,2024-01-01T00:30:00Z,100,90,110\n"+
		"r,2024-01-01T00:00:00Z,0,0,0\nr,2024-01-01T00:30:00Z,10,5,15\n"), 0o644)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"staffing", "--forecast", fc, "--aht", "180"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	recs, err := csv.NewReader(&stdout).ReadAll()
	if err != nil || len(recs) != 5 {
		t.Fatalf("%v: %d rows", err, len(recs))
	}
	// 100 calls per 30 min at 180 s is the worked example: 14 agents.
	if recs[2][0] != "q" || recs[2][3] != "200" || recs[2][4] != "14" {
		t.Errorf("row %v, want q at 200 calls/hour with 14 agents", recs[2])
	}
	if recs[3][4] != "0" {
		t.Errorf("row %v: no calls need no agents", recs[3])
	}
	os.WriteFile(fc, []byte("series,timestamp,mean,lo,hi\nq,2024-01-01T00:00:00Z,50,60,40\n"), 0o644)
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"staffing", "--forecast", fc, "--aht", "180"}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "row 2") {
		t.Errorf("bad bounds: exit %d, stderr %q", code, stderr.String())
	}
}
