package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/compliance"
	"github.com/meridian-cs/meridian/ingest"
	"github.com/meridian-cs/meridian/insights/scenarios"
)

func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The README's command table lists every command, and names every shipped ROI scenario.
func TestReadmeListsEveryCommandAndScenario(t *testing.T) {
	doc := readme(t)
	for name := range commands {
		if !strings.Contains(doc, "| `meridian "+name+"`") && !strings.Contains(doc, "| `meridian "+name+" ") {
			t.Errorf("README.md's command table has no row for meridian %s", name)
		}
	}
	for _, name := range scenarios.Names() {
		if !strings.Contains(doc, "`"+name+"`") {
			t.Errorf("README.md does not name the shipped ROI scenario %s", name)
		}
	}
}

// The README's example event is one ingest accepts, with its language.
func TestReadmeExampleEventIsValidAndHasALanguage(t *testing.T) {
	m := regexp.MustCompile(`(?s)/v1/events -d '(\[.*?\])'`).FindStringSubmatch(readme(t))
	if m == nil {
		t.Fatal("README.md has no example POST /v1/events")
	}
	events, err := ingest.Decode([]byte(m[1]))
	if err != nil {
		t.Fatalf("README.md's example event: %v", err)
	}
	if len(events) != 1 || events[0].Language == "" {
		t.Fatalf("README.md's example event has no language: %+v", events)
	}
}

// The sample CSV the README points at forecasts with the README's command.
func TestReadmeSampleForecast(t *testing.T) {
	const cmd = "forecast --in examples/forecast-history.csv --horizon 168 \\\n  --market de-whatsapp=DE --market ja-line=JP --out forecast.csv"
	if !strings.Contains(readme(t), cmd) {
		t.Fatalf("README.md does not show %q", cmd)
	}
	out := filepath.Join(t.TempDir(), "forecast.csv")
	var stderr bytes.Buffer
	args := strings.Fields(strings.ReplaceAll(strings.ReplaceAll(cmd, "\\\n", ""), "examples/", "../../examples/"))
	args[len(args)-1] = out
	if code := run(args, &bytes.Buffer{}, &stderr); code != 0 {
		t.Fatalf("meridian %s: exit %d: %s", strings.Join(args, " "), code, stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if rows := strings.Count(string(b), "\n"); rows != 1+2*168 {
		t.Fatalf("forecast.csv has %d lines, want a header and 168 per series of 2", rows)
	}
}

// The README's role × field table is the personal-data policy the gate applies by default.
func TestReadmeShowsTheFieldPolicyTheGateApplies(t *testing.T) {
	var b strings.Builder
	compliance.DefaultPolicy().WriteTable(&b)
	if !strings.Contains(readme(t), b.String()) {
		t.Fatalf("README.md's personal-data table differs from compliance.DefaultPolicy; it should read:\n%s", b.String())
	}
}

// The README's example of region overrides is a valid policy, and the region table beside it
// is the one meridian config shows for it.
func TestReadmeShowsAFieldPolicysRegionOverrides(t *testing.T) {
	doc := readme(t)
	m := regexp.MustCompile("(?s)```yaml\n(roles:\n.*?)```").FindStringSubmatch(doc)
	if m == nil {
		t.Fatal("README.md has no field policy example (a yaml block starting with roles:)")
	}
	pol, err := compliance.ParsePolicy([]byte(m[1]))
	if err != nil {
		t.Fatalf("README.md's field policy example: %v", err)
	}
	var b strings.Builder
	pol.WriteRegionTable(&b)
	if b.Len() == 0 || !strings.Contains(doc, b.String()) {
		t.Fatalf("README.md's region table differs from its example's; it should read:\n%s", b.String())
	}
}

// The README's role × action table is the policy the code applies.
func TestReadmeShowsThePolicyTheCodeApplies(t *testing.T) {
	var b strings.Builder
	auth.WritePolicyTable(&b)
	if !strings.Contains(readme(t), b.String()) {
		t.Fatalf("README.md's role table differs from auth.Policy; it should read:\n%s", b.String())
	}
}
