package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/conversation"
)

func init() {
	register(command{
		name:    "agents",
		summary: "agents import FILE.yaml: describe agents on a running server (its upsertAgent, key and region scopes)",
		run:     runAgents,
	})
}

// runAgents is `meridian agents import FILE.yaml`: it reads and checks the whole file first,
// then sends each team to a running server's GraphQL upsertTeam and each agent to its
// upsertAgent, so the server's own
// validation, permissions and audit apply, and a running server is never stopped or locked.
func runAgents(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "import" {
		return errors.New("usage: meridian agents import FILE.yaml [--server URL] [--api-key KEY]")
	}
	file, server, key, err := importArgs("agents import", "agents import: give one YAML file", "agents import", args[1:], stderr)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("agents import: %w", err)
	}
	// Regions are the server's to check; the file is checked for everything else first, so a
	// mistake on line 200 changes nothing.
	teams, agents, err := conversation.ParseRoster(b, func(string) bool { return true })
	if err != nil {
		return fmt.Errorf("agents import: %s: %w", file, err)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	// Teams first: their agents name them.
	for i, t := range teams {
		if err := upsertTeam(ctx, client, server, key, t); err != nil {
			return fmt.Errorf("agents import: team %d (%s): %w (%d imported before it)", i+1, t.ID, err, i)
		}
	}
	for i, a := range agents {
		if err := upsertAgent(ctx, client, server, key, a); err != nil {
			return fmt.Errorf("agents import: agent %d (%s): %w (%d imported before it)", i+1, a.ID, err, i)
		}
	}
	if len(teams) > 0 {
		fmt.Fprintf(stdout, "%d teams imported\n", len(teams))
	}
	fmt.Fprintf(stdout, "%d agents imported\n", len(agents))
	return nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

const upsertAgentMutation = `mutation($in: AgentInput!) { upsertAgent(input: $in) { id } }`

func upsertAgent(ctx context.Context, client *http.Client, server, key string, a conversation.Agent) error {
	langs := make([]string, 0, len(a.Languages))
	for l, n := range a.Languages {
		langs = append(langs, l+":"+strconv.Itoa(n))
	}
	sort.Strings(langs)
	capacity := []map[string]any{}
	for k, n := range a.Capacity {
		if k != "messaging" {
			capacity = append(capacity, map[string]any{"kind": k, "max": n})
		}
	}
	shifts := []map[string]any{}
	for _, s := range a.Shifts {
		shifts = append(shifts, map[string]any{"weekday": s.Weekday, "start": s.Start, "end": s.End})
	}
	in := map[string]any{"id": a.ID, "name": a.Name, "region": a.Region, "team": a.Team, "languages": langs,
		"skills": nonNilStrings(a.Skills), "tiers": nonNilStrings(a.Tiers), "maxConcurrent": a.MaxConcurrent,
		"capacity": capacity, "timezone": a.Timezone, "shifts": shifts}
	return mutate(ctx, client, server, key, upsertAgentMutation, in)
}

const upsertTeamMutation = `mutation($in: TeamInput!) { upsertTeam(input: $in) { id } }`

func upsertTeam(ctx context.Context, client *http.Client, server, key string, t conversation.Team) error {
	in := map[string]any{"id": t.ID, "name": t.Name, "region": t.Region, "assignment": strings.ToUpper(string(t.Assignment)),
		"offerTimeoutSeconds": int(t.OfferTimeout / time.Second)}
	return mutate(ctx, client, server, key, upsertTeamMutation, in)
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
