package sla

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Priorities a rule may name, from least to most pressing.
const (
	Low    = "LOW"
	Normal = "NORMAL"
	High   = "HIGH"
	Urgent = "URGENT"
)

// DefaultWarnAt is the fraction of a target after which a warning is raised when a rule does
// not say.
const DefaultWarnAt = 0.8

// Bounds on a policy file: beyond them it is a mistake.
const (
	// MaxTarget is the longest target a rule may set.
	MaxTarget = 366 * 24 * time.Hour
	// MaxRules is the most rules a policy may have; matching is a linear scan.
	MaxRules = 10000
)

// ErrInvalidPolicy is wrapped by every error ParsePolicy returns about the policy's content.
var ErrInvalidPolicy = errors.New("sla: invalid policy")

// Target is what a rule promises. A zero duration means no target.
type Target struct {
	FirstResponse, NextResponse, Resolution time.Duration
}

// Rule applies Targets to the conversations it matches. An empty Tier, Channel or Priority
// matches any value; the others match case-insensitively.
type Rule struct {
	Tier, Channel, Priority string
	Targets                 Target
	// Calendar, if not nil, is the working time the targets count in; nil counts every
	// hour.
	Calendar *Calendar
	// WarnAt is the fraction of a target after which a warning is raised; zero means
	// DefaultWarnAt.
	WarnAt float64
}

// warnAt is r.WarnAt with its default.
func (r Rule) warnAt() float64 {
	if r.WarnAt <= 0 || r.WarnAt >= 1 {
		return DefaultWarnAt
	}
	return r.WarnAt
}

// matches reports whether r applies to a conversation.
func (r Rule) matches(tier, channel, priority string) bool {
	eq := func(want, got string) bool { return want == "" || strings.EqualFold(want, strings.TrimSpace(got)) }
	return eq(r.Tier, tier) && eq(r.Channel, channel) && eq(r.Priority, priority)
}

// Policy is an ordered list of rules; the first rule that matches wins.
type Policy struct {
	Rules []Rule
}

// Match returns the first rule that matches the conversation, or a Rule without targets when
// none does (a policy whose last rule matches everything never returns that).
func (p Policy) Match(tier, channel, priority string) Rule {
	for _, r := range p.Rules {
		if r.matches(tier, channel, priority) {
			return r
		}
	}
	return Rule{}
}

//go:embed default_policy.yaml
var defaultPolicyYAML []byte

// DefaultPolicy returns the embedded default policy (default_policy.yaml): urgent
// conversations answered within 15 minutes, VIP customers tighter, e-mail looser.
func DefaultPolicy() Policy {
	p, err := ParsePolicy(defaultPolicyYAML)
	if err != nil {
		panic("sla: embedded default policy: " + err.Error()) // a build mistake; tests catch it
	}
	return p
}

// yamlRule is a rule as written in a policy file.
type yamlRule struct {
	Tier          string        `yaml:"tier"`
	Channel       string        `yaml:"channel"`
	Priority      string        `yaml:"priority"`
	FirstResponse string        `yaml:"first_response"`
	NextResponse  string        `yaml:"next_response"`
	Resolution    string        `yaml:"resolution"`
	WarnAt        float64       `yaml:"warn_at"`
	Calendar      *yamlCalendar `yaml:"calendar"`
}

type yamlPolicy struct {
	Rules []yamlRule `yaml:"rules"`
}

// ParsePolicy reads a policy from YAML:
//
//	rules:
//	  - tier: vip            # optional; empty matches any
//	    channel: email       # optional
//	    priority: URGENT     # optional; LOW, NORMAL, HIGH or URGENT
//	    first_response: 15m  # Go durations; missing means no target
//	    next_response: 1h
//	    resolution: 8h
//	    warn_at: 0.8         # optional fraction in (0, 1)
//	    calendar:            # optional: targets count in working time only
//	      timezone: Europe/Berlin
//	      hours:             # weekday 1 (Monday) to 7; "24:00" ends the day; an end
//	        - {weekday: 1, start: "09:00", end: "17:00"}  # not after the start runs past midnight
//	      holidays: ["2026-12-25"]
//
// Unknown fields, unknown priorities, negative or over-long durations, a warn_at outside
// (0, 1) and rules after one that matches everything (they could never apply) are errors.
func ParsePolicy(data []byte) (Policy, error) {
	var y yamlPolicy
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&y); err != nil && !errors.Is(err, io.EOF) {
		return Policy{}, fmt.Errorf("%w: %w", ErrInvalidPolicy, err)
	}
	if len(y.Rules) == 0 {
		return Policy{}, fmt.Errorf("%w: no rules", ErrInvalidPolicy)
	}
	if len(y.Rules) > MaxRules {
		return Policy{}, fmt.Errorf("%w: %d rules, at most %d", ErrInvalidPolicy, len(y.Rules), MaxRules)
	}
	p := Policy{Rules: make([]Rule, 0, len(y.Rules))}
	for i, yr := range y.Rules {
		r, err := yr.rule()
		if err != nil {
			return Policy{}, fmt.Errorf("%w: rules[%d]: %w", ErrInvalidPolicy, i, err)
		}
		if i > 0 {
			if prev := p.Rules[i-1]; prev.Tier == "" && prev.Channel == "" && prev.Priority == "" {
				return Policy{}, fmt.Errorf("%w: rules[%d] can never apply: rules[%d] matches every conversation", ErrInvalidPolicy, i, i-1)
			}
		}
		p.Rules = append(p.Rules, r)
	}
	return p, nil
}

func (yr yamlRule) rule() (Rule, error) {
	r := Rule{
		Tier:     strings.ToLower(strings.TrimSpace(yr.Tier)),
		Channel:  strings.ToLower(strings.TrimSpace(yr.Channel)),
		Priority: strings.ToUpper(strings.TrimSpace(yr.Priority)),
		WarnAt:   yr.WarnAt,
	}
	switch r.Priority {
	case "", Low, Normal, High, Urgent:
	default:
		return Rule{}, fmt.Errorf("priority %q: want LOW, NORMAL, HIGH or URGENT", yr.Priority)
	}
	if yr.WarnAt != 0 && !(yr.WarnAt > 0 && yr.WarnAt < 1) {
		return Rule{}, fmt.Errorf("warn_at %v: want a fraction between 0 and 1", yr.WarnAt)
	}
	if yr.Calendar != nil {
		c, err := yr.Calendar.calendar()
		if err != nil {
			return Rule{}, fmt.Errorf("calendar: %w", err)
		}
		r.Calendar = c
	}
	for _, d := range []struct {
		name string
		in   string
		out  *time.Duration
	}{
		{"first_response", yr.FirstResponse, &r.Targets.FirstResponse},
		{"next_response", yr.NextResponse, &r.Targets.NextResponse},
		{"resolution", yr.Resolution, &r.Targets.Resolution},
	} {
		s := strings.TrimSpace(d.in)
		if s == "" {
			continue
		}
		v, err := time.ParseDuration(s)
		if err != nil {
			return Rule{}, fmt.Errorf("%s: %w", d.name, err)
		}
		if v < 0 || v > MaxTarget {
			return Rule{}, fmt.Errorf("%s %v: want between 0 and %v", d.name, v, MaxTarget)
		}
		*d.out = v
	}
	return r, nil
}
