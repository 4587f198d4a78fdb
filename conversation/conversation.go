// Package conversation is the conversational service layer: who answers a conversation, and
// when. This file holds the agent, as people are described to Meridian (GraphQL upsertAgent,
// `meridian agents import`) and stored in their region's PostgreSQL schema; the packages
// below it decide with that description: routing (which agent, or which queue), sla (the
// clocks), predict (handling time and expected wait), oncall (who is paged).
package conversation

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/meridian-cs/meridian/conversation/routing"
)

// Presence is whether an agent can take conversations now.
type Presence string

// Presences.
const (
	Online  Presence = "online"
	Away    Presence = "away"
	Offline Presence = "offline"
)

// ParsePresence reads ONLINE, AWAY or OFFLINE in any case.
func ParsePresence(s string) (Presence, error) {
	switch p := Presence(strings.ToLower(strings.TrimSpace(s))); p {
	case Online, Away, Offline:
		return p, nil
	}
	return "", fmt.Errorf("presence %q is not ONLINE, AWAY or OFFLINE", s)
}

// Shift is a weekly working period in the agent's time zone.
type Shift struct {
	Weekday int    `json:"weekday" yaml:"weekday"` // 1 Monday .. 7 Sunday (ISO 8601)
	Start   string `json:"start" yaml:"start"`     // "09:00"
	End     string `json:"end" yaml:"end"`         // "17:00"; "24:00" is the end of the day
}

// Agent is a person who answers conversations, in one region.
type Agent struct {
	ID     string `json:"id" yaml:"id"`
	Name   string `json:"name" yaml:"name"`
	Region string `json:"region" yaml:"region"`
	Team   string `json:"team,omitempty" yaml:"team"`
	// Languages maps a base language ("de") to how well the agent writes it, 1 to 5 (native).
	Languages map[string]int `json:"languages" yaml:"languages"`
	// Skills (intents, issue types, products, "retention") and Tiers (of the customers they
	// may serve) are restrictions; empty means none.
	Skills []string `json:"skills" yaml:"skills"`
	Tiers  []string `json:"tiers" yaml:"tiers"`
	// MaxConcurrent is how many messaging conversations they take at once; Capacity holds
	// other kinds of work ("email", "voice") that count apart.
	MaxConcurrent int            `json:"max_concurrent" yaml:"max_concurrent"`
	Capacity      map[string]int `json:"capacity,omitempty" yaml:"capacity"`
	Timezone      string         `json:"timezone" yaml:"timezone"` // IANA
	Shifts        []Shift        `json:"shifts" yaml:"shifts"`
	Presence      Presence       `json:"presence" yaml:"-"`
	PresenceAt    time.Time      `json:"presence_at" yaml:"-"`
	UpdatedAt     time.Time      `json:"updated_at" yaml:"-"`
}

// Limits of an agent's description.
const (
	MaxConcurrentLimit = 100
	maxList            = 100
)

var (
	idPattern   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$`)
	langPattern = regexp.MustCompile(`^[a-z]{2,3}$`)
)

// FieldError is a description refused, naming the field.
type FieldError struct {
	Field, Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// Normalize trims and lower-cases what compares case-insensitively, and turns language tags
// into their base ("pt-BR" → "pt", keeping the best level).
func (a *Agent) Normalize() {
	a.ID, a.Name, a.Region, a.Team = strings.TrimSpace(a.ID), strings.TrimSpace(a.Name), strings.ToLower(strings.TrimSpace(a.Region)), strings.TrimSpace(a.Team)
	langs := map[string]int{}
	for tag, level := range a.Languages {
		base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(strings.ReplaceAll(tag, "_", "-"))), "-")
		langs[base] = max(langs[base], level)
	}
	a.Languages = langs
	norm := func(xs []string) []string {
		out := make([]string, 0, len(xs))
		for _, x := range xs {
			if x = strings.ToLower(strings.TrimSpace(x)); x != "" && !slices.Contains(out, x) {
				out = append(out, x)
			}
		}
		slices.Sort(out)
		return out
	}
	a.Skills, a.Tiers = norm(a.Skills), norm(a.Tiers)
	a.Timezone = strings.TrimSpace(a.Timezone)
	if a.Capacity != nil {
		capacity := make(map[string]int, len(a.Capacity))
		for k, v := range a.Capacity {
			capacity[strings.ToLower(strings.TrimSpace(k))] = v
		}
		a.Capacity = capacity
	}
}

// Validate checks a normalised description; regionKnown says whether a region exists.
func (a *Agent) Validate(regionKnown func(string) bool) error {
	switch {
	case !idPattern.MatchString(a.ID):
		return &FieldError{"id", fmt.Sprintf("%q is not an id (letters, digits, . _ @ -, at most 128)", a.ID)}
	case a.Name == "" || len(a.Name) > 200:
		return &FieldError{"name", "is required (at most 200 bytes)"}
	case !regionKnown(a.Region):
		return &FieldError{"region", fmt.Sprintf("%q is not a region of this deployment", a.Region)}
	case len(a.Languages) == 0:
		return &FieldError{"languages", "give at least one language the agent writes"}
	case a.MaxConcurrent < 1 || a.MaxConcurrent > MaxConcurrentLimit:
		return &FieldError{"maxConcurrent", fmt.Sprintf("%d is not between 1 and %d", a.MaxConcurrent, MaxConcurrentLimit)}
	case len(a.Skills) > maxList || len(a.Tiers) > maxList || len(a.Shifts) > 7*maxList:
		return &FieldError{"skills", "too many entries"}
	}
	for lang, level := range a.Languages {
		if !langPattern.MatchString(lang) {
			return &FieldError{"languages", fmt.Sprintf("%q is not a language (ISO 639 code, e.g. de or pt-BR)", lang)}
		}
		if level < 1 || level > 5 {
			return &FieldError{"languages", fmt.Sprintf("level %d of %s is not between 1 and 5", level, lang)}
		}
	}
	for kind, n := range a.Capacity {
		if kind != "email" && kind != "voice" && kind != "messaging" {
			return &FieldError{"capacity", fmt.Sprintf("%q is not a kind of work (messaging, email, voice)", kind)}
		}
		if n < 0 || n > MaxConcurrentLimit {
			return &FieldError{"capacity", fmt.Sprintf("%d %s is not between 0 and %d", n, kind, MaxConcurrentLimit)}
		}
	}
	if a.Timezone == "" || strings.EqualFold(a.Timezone, "local") {
		return &FieldError{"timezone", "give an IANA time zone such as Europe/Berlin"}
	}
	if _, err := time.LoadLocation(a.Timezone); err != nil {
		return &FieldError{"timezone", fmt.Sprintf("%q is not an IANA time zone", a.Timezone)}
	}
	for i, s := range a.Shifts {
		if err := s.Validate(); err != nil {
			return &FieldError{fmt.Sprintf("shifts[%d]", i), err.Error()}
		}
	}
	return nil
}

// Validate checks one shift (routing.ParseShift: the router reads shifts, so it owns the rule).
func (s Shift) Validate() error {
	if err := routing.ParseShift(routing.Shift(s)); err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "routing: "))
	}
	return nil
}

// ErrNotFound is returned for an agent that does not exist (or that the caller may not see).
var ErrNotFound = errors.New("no such agent")

// Agents stores agents, each in their region (store/postgres.Agents).
type Agents interface {
	Upsert(ctx context.Context, tenant string, a Agent) (Agent, error)
	SetPresence(ctx context.Context, tenant, id string, p Presence, regions []string) (Agent, error)
	List(ctx context.Context, tenant, region string) ([]Agent, error)
}

// agentsFile is the YAML `meridian agents import` reads: teams under "teams", agents under
// "agents".
type agentsFile struct {
	Teams  []teamYAML `yaml:"teams"`
	Agents []Agent    `yaml:"agents"`
}

// teamYAML is a team as the agents file writes it.
type teamYAML struct {
	ID                  string `yaml:"id"`
	Name                string `yaml:"name"`
	Region              string `yaml:"region"`
	Assignment          string `yaml:"assignment"` // direct (default) or offer
	OfferTimeoutSeconds int    `yaml:"offer_timeout_seconds"`
}

// ParseAgents reads agents from YAML (`agents: [{id, name, region, languages: {de: 5}, ...}]`),
// normalised and validated; an error names the agent and the field.
func ParseAgents(b []byte, regionKnown func(string) bool) ([]Agent, error) {
	_, agents, err := ParseRoster(b, regionKnown)
	return agents, err
}

// ParseRoster reads teams and agents from YAML (`teams: [{id, region, assignment: offer,
// offer_timeout_seconds: 90}]` beside `agents:`), normalised and validated; an error names
// the team or agent and the field.
func ParseRoster(b []byte, regionKnown func(string) bool) ([]Team, []Agent, error) {
	var f agentsFile
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, nil, fmt.Errorf("agents file: %w", err)
	}
	teams := make([]Team, len(f.Teams))
	seenTeam := map[string]bool{}
	for i, y := range f.Teams {
		t := Team{ID: y.ID, Name: y.Name, Region: y.Region, Assignment: Assignment(y.Assignment),
			OfferTimeout: time.Duration(y.OfferTimeoutSeconds) * time.Second}
		t.Normalize()
		if err := t.Validate(regionKnown); err != nil {
			return nil, nil, fmt.Errorf("teams[%d] (%s): %w", i, t.ID, err)
		}
		if seenTeam[t.Region+"/"+t.ID] {
			return nil, nil, fmt.Errorf("teams[%d]: %s appears twice in %s", i, t.ID, t.Region)
		}
		seenTeam[t.Region+"/"+t.ID] = true
		teams[i] = t
	}
	seen := map[string]bool{}
	for i := range f.Agents {
		a := &f.Agents[i]
		a.Normalize()
		if err := a.Validate(regionKnown); err != nil {
			return nil, nil, fmt.Errorf("agents[%d] (%s): %w", i, a.ID, err)
		}
		if seen[a.ID] {
			return nil, nil, fmt.Errorf("agents[%d]: id %s appears twice", i, a.ID)
		}
		seen[a.ID] = true
	}
	return teams, f.Agents, nil
}

// OnShift reports whether at falls in one of the agent's shifts, read in their time zone (so
// a shift keeps its local hours across daylight-saving changes). No shifts: always.
func (a *Agent) OnShift(at time.Time) bool {
	shifts := make([]routing.Shift, len(a.Shifts))
	for i, s := range a.Shifts {
		shifts[i] = routing.Shift(s)
	}
	return (&routing.Agent{Timezone: a.Timezone, Shifts: shifts}).OnShift(at)
}
