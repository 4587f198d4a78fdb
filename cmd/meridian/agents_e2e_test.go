package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Agents are described through GraphQL and `meridian agents import` on a running server,
// listed per region with their queues, and set online; bad input names the field and changes
// nothing.
func TestAgentsAreDescribedAndImportedOnARunningServer(t *testing.T) {
	s := startServer(t, t.TempDir())
	upsert := `mutation($in: AgentInput!) { upsertAgent(input: $in) { id region languages languageLevels { language level } skills tiers maxConcurrent capacity { kind max } timezone shifts { weekday start end } presence onShift } }`
	in := map[string]any{"id": "lena", "name": "Lena Vogel", "region": "eu", "languages": []string{"de", "en:4", "fr-FR:2"},
		"skills": []string{"Refund", "billing"}, "tiers": []string{}, "maxConcurrent": 4, "capacity": []map[string]any{{"kind": "email", "max": 8}},
		"timezone": "Europe/Berlin", "shifts": []map[string]any{{"weekday": 1, "start": "08:00", "end": "16:00"}, {"weekday": 5, "start": "16:00", "end": "24:00"}}}
	a := s.gql(t, upsert, map[string]any{"in": in})["upsertAgent"].(map[string]any)
	if a["presence"] != "OFFLINE" || fmt.Sprint(a["languages"]) != "[de en fr]" || fmt.Sprint(a["skills"]) != "[billing refund]" ||
		fmt.Sprint(a["capacity"]) != "[map[kind:messaging max:4] map[kind:email max:8]]" || len(a["shifts"].([]any)) != 2 {
		t.Fatalf("upsertAgent: %v", a)
	}
	p := s.gql(t, `mutation { setAgentPresence(agentId: "lena", status: ONLINE) { presence } }`, nil)["setAgentPresence"].(map[string]any)
	if p["presence"] != "ONLINE" {
		t.Fatalf("setAgentPresence: %v", p)
	}

	file := filepath.Join(t.TempDir(), "agents.yaml")
	os.WriteFile(file, []byte(`teams:
  - id: tokyo-desk
    name: Tokyo desk
    region: sea
    assignment: offer
    offer_timeout_seconds: 90
agents:
  - id: hiro
    name: Hiro Tanaka
    region: sea
    team: tokyo-desk
    languages: {ja: 5, en: 3}
    skills: []
    tiers: [vip]
    max_concurrent: 3
    timezone: Asia/Tokyo
    shifts: [{weekday: 1, start: "09:00", end: "18:00"}]
  - id: mai
    name: Mai Nguyen
    region: sea
    languages: {vi: 5, en: 4}
    max_concurrent: 5
    timezone: Asia/Ho_Chi_Minh
    shifts: []
`), 0o644)
	code, out, errs := runCLI(t, "agents", "import", file, "--server", "http://"+s.addr, "--api-key", testKey)
	if code != 0 || !strings.Contains(out, "1 teams imported") || !strings.Contains(out, "2 agents imported") {
		t.Fatalf("agents import: exit %d, %q %q", code, out, errs)
	}
	if got := fmt.Sprint(s.gql(t, `{ teams(region: "sea") { id name assignment offerTimeoutSeconds } }`, nil)["teams"]); got != "[map[assignment:OFFER id:tokyo-desk name:Tokyo desk offerTimeoutSeconds:90]]" {
		t.Fatalf("teams(sea): %s", got)
	}
	list := s.gql(t, `{ agents(region: "sea") { id tiers presence } queues(region: "sea") { name agents online available } }`, nil)
	if got := fmt.Sprint(list["agents"]); got != "[map[id:hiro presence:OFFLINE tiers:[vip]] map[id:mai presence:OFFLINE tiers:[]]]" {
		t.Fatalf("agents(sea): %s", got)
	}
	if got := fmt.Sprint(list["queues"]); !strings.Contains(got, "map[agents:2 available:0 name:sea/en online:0]") || !strings.Contains(got, "name:sea/ja") {
		t.Fatalf("queues(sea): %s", got)
	}

	for q, field := range map[string]string{
		`mutation { setAgentPresence(agentId: "nobody", status: AWAY) { id } }`: "setAgentPresence.agentId",
		`{ agents(region: "mars") { id } }`:                                     "agents(region)",
	} {
		b, _ := json.Marshal(map[string]any{"query": q})
		if _, out := s.post(t, "/graphql", testKey, "application/json", string(b)); !strings.Contains(fmt.Sprint(out["errors"]), field) {
			t.Errorf("%s: %v, want an error naming %s", q, out["errors"], field)
		}
	}
	for field, change := range map[string]func(map[string]any){
		"upsertAgent.input.timezone": func(m map[string]any) { m["timezone"] = "Europe/Atlantis" },
		"upsertAgent.input.shifts[0]": func(m map[string]any) {
			m["shifts"] = []map[string]any{{"weekday": 1, "start": "22:00", "end": "06:00"}}
		},
		"upsertAgent.input.languages":     func(m map[string]any) { m["languages"] = []string{"de:9"} },
		"upsertAgent.input.maxConcurrent": func(m map[string]any) { m["maxConcurrent"] = 0 },
		"upsertAgent.input.region":        func(m map[string]any) { m["region"] = "mars" },
	} {
		bad := map[string]any{}
		for k, v := range in {
			bad[k] = v
		}
		change(bad)
		b, _ := json.Marshal(map[string]any{"query": upsert, "variables": map[string]any{"in": bad}})
		if _, out := s.post(t, "/graphql", testKey, "application/json", string(b)); !strings.Contains(fmt.Sprint(out["errors"]), field) {
			t.Errorf("%s: %v, want an error naming it", field, out["errors"])
		}
	}
	if got := fmt.Sprint(s.gql(t, `{ agents(region: "eu") { maxConcurrent presence } }`, nil)["agents"]); got != "[map[maxConcurrent:4 presence:ONLINE]]" {
		t.Errorf("after refused changes: %s", got)
	}
	os.WriteFile(file, []byte("agents:\n  - {id: x, name: X, region: eu, languages: {de: 5}, max_concurrent: 3, timezone: Nowhere/Void}\n"), 0o644)
	if code, _, errs := runCLI(t, "agents", "import", file, "--server", "http://"+s.addr, "--api-key", testKey); code == 0 || !strings.Contains(errs, "timezone") {
		t.Errorf("a bad file: exit %d, %q", code, errs)
	}
}
