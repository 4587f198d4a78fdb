package graphql

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/compliance/audit"
	"github.com/meridian-cs/meridian/conversation"
	"github.com/meridian-cs/meridian/graphql/generated"
)

// Agent returns the Agent field resolver.
func (r *Resolver) Agent() generated.AgentResolver { return agentResolver{r} }

type agentResolver struct{ *Resolver }

func errNoAgents(what string) error {
	return statusErrorf(http.StatusServiceUnavailable, "%s: agents are not configured on this server", what)
}

// agentInput turns the GraphQL input into a normalised, validated agent; errors name the
// input's field.
func (r *Resolver) agentInput(in generated.AgentInput) (conversation.Agent, error) {
	a := conversation.Agent{ID: in.ID, Name: in.Name, Region: in.Region, Team: deref(in.Team), Skills: in.Skills, Tiers: in.Tiers,
		MaxConcurrent: in.MaxConcurrent, Timezone: in.Timezone, Languages: map[string]int{}}
	for _, l := range in.Languages {
		tag, level, hasLevel := strings.Cut(strings.TrimSpace(l), ":")
		n := 5
		if hasLevel {
			var err error
			if n, err = strconv.Atoi(level); err != nil {
				return a, statusErrorf(http.StatusBadRequest, "upsertAgent.input.languages: %q: the level after : is not a number from 1 to 5", l)
			}
		}
		if err := checkLanguageTag("upsertAgent.input.languages", tag); err != nil {
			return a, err
		}
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		a.Languages[base] = max(a.Languages[base], n)
	}
	for _, c := range in.Capacity {
		if a.Capacity == nil {
			a.Capacity = map[string]int{}
		}
		a.Capacity[c.Kind] = c.Max
	}
	for _, s := range in.Shifts {
		a.Shifts = append(a.Shifts, conversation.Shift{Weekday: s.Weekday, Start: s.Start, End: s.End})
	}
	a.Normalize()
	if err := a.Validate(r.engine.Regions.Has); err != nil {
		var fe *conversation.FieldError
		if errors.As(err, &fe) {
			return a, statusErrorf(http.StatusBadRequest, "upsertAgent.input.%s: %s", fe.Field, fe.Reason)
		}
		return a, statusErrorf(http.StatusBadRequest, "upsertAgent.input: %s", err)
	}
	return a, nil
}

func (r mutationResolver) UpsertAgent(ctx context.Context, in generated.AgentInput) (*conversation.Agent, error) {
	p, err := r.principalFor(ctx, auth.ActionManageAgents, "")
	if err != nil {
		return nil, err
	}
	if r.agents == nil {
		return nil, errNoAgents("upsertAgent")
	}
	a, err := r.agentInput(in)
	if err != nil {
		return nil, err
	}
	if err := p.Check(auth.ActionManageAgents, a.Region); err != nil {
		return nil, r.fail(ctx, err)
	}
	got, err := r.agents.Upsert(ctx, p.Tenant, a)
	if err != nil {
		return nil, r.fail(ctx, err)
	}
	r.recordAction(ctx, audit.Entry{Action: audit.ActionUpsertAgent, Region: got.Region, Subject: got.ID})
	return &got, nil
}

func (r mutationResolver) SetAgentPresence(ctx context.Context, agentID string, status generated.Presence) (*conversation.Agent, error) {
	p, err := r.principalFor(ctx, auth.ActionSetPresence, "")
	if err != nil {
		return nil, err
	}
	if r.agents == nil {
		return nil, errNoAgents("setAgentPresence")
	}
	presence, err := conversation.ParsePresence(string(status))
	if err != nil {
		return nil, statusErrorf(http.StatusBadRequest, "setAgentPresence.status: %s", err)
	}
	var regions []string
	for _, reg := range r.engine.Regions.Names() {
		if p.Can(auth.ActionSetPresence, reg) {
			regions = append(regions, reg)
		}
	}
	a, err := r.agents.SetPresence(ctx, p.Tenant, agentID, presence, regions)
	if errors.Is(err, conversation.ErrNotFound) {
		// Not found, never forbidden: an agent of a region the key may not see does not exist for it.
		return nil, statusErrorf(http.StatusNotFound, "setAgentPresence.agentId: no agent %q", agentID)
	}
	if err != nil {
		return nil, r.fail(ctx, err)
	}
	r.recordAction(ctx, audit.Entry{Action: audit.ActionSetPresence, Region: a.Region, Subject: a.ID, Outcome: string(status)})
	if r.workspace != nil {
		// Their conversations go back to the queue, or waiting ones come to them. The
		// presence is stored either way; a failure here is retried by the next change.
		if err := r.workspace.Presence(ctx, a.Region, p.Tenant, a.ID, presence == conversation.Online); err != nil {
			return nil, r.fail(ctx, err)
		}
	}
	return &a, nil
}

// regionAgents checks the key may read region's agents and lists them.
func (r queryResolver) regionAgents(ctx context.Context, field, region string) ([]conversation.Agent, error) {
	if _, err := r.principalFor(ctx, auth.ActionReadAgents, ""); err != nil {
		return nil, err
	}
	if r.agents == nil {
		return nil, errNoAgents(field)
	}
	region = strings.ToLower(strings.TrimSpace(region))
	if !r.engine.Regions.Has(region) {
		return nil, statusErrorf(http.StatusBadRequest, "%s(region): %q is not a region of this deployment (%s)", field, region, strings.Join(r.engine.Regions.Names(), ", "))
	}
	p, err := r.principalFor(ctx, auth.ActionReadAgents, region)
	if err != nil {
		return nil, err
	}
	as, err := r.agents.List(ctx, p.Tenant, region)
	if err != nil {
		return nil, r.fail(ctx, err)
	}
	return as, nil
}

func (r queryResolver) Agents(ctx context.Context, region string) ([]conversation.Agent, error) {
	as, err := r.regionAgents(ctx, "agents", region)
	if as == nil && err == nil {
		as = []conversation.Agent{}
	}
	return as, err
}

func (r queryResolver) Queues(ctx context.Context, region string) ([]generated.Queue, error) {
	as, err := r.regionAgents(ctx, "queues", region)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	byLang := map[string]*generated.Queue{}
	for _, a := range as {
		for lang, level := range a.Languages {
			if level < 2 {
				continue
			}
			q := byLang[lang]
			if q == nil {
				q = &generated.Queue{Name: region + "/" + lang, Region: region, Language: lang}
				byLang[lang] = q
			}
			q.Agents++
			if a.Presence == conversation.Online {
				q.Online++
				if a.OnShift(now) {
					q.Available++
				}
			}
		}
	}
	out := make([]generated.Queue, 0, len(byLang))
	for _, q := range byLang {
		out = append(out, *q)
	}
	slices.SortFunc(out, func(a, b generated.Queue) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (agentResolver) Team(_ context.Context, a *conversation.Agent) (*string, error) {
	return optional(a.Team), nil
}

func (agentResolver) Languages(_ context.Context, a *conversation.Agent) ([]string, error) {
	levels := languageLevels(a)
	out := make([]string, len(levels))
	for i, l := range levels {
		out[i] = l.Language
	}
	return out, nil
}

func (agentResolver) LanguageLevels(_ context.Context, a *conversation.Agent) ([]generated.LanguageLevel, error) {
	return languageLevels(a), nil
}

// languageLevels are an agent's languages, best first, then by tag.
func languageLevels(a *conversation.Agent) []generated.LanguageLevel {
	out := make([]generated.LanguageLevel, 0, len(a.Languages))
	for l, n := range a.Languages {
		out = append(out, generated.LanguageLevel{Language: l, Level: n})
	}
	slices.SortFunc(out, func(x, y generated.LanguageLevel) int {
		if x.Level != y.Level {
			return y.Level - x.Level
		}
		return strings.Compare(x.Language, y.Language)
	})
	return out
}

func (agentResolver) Capacity(_ context.Context, a *conversation.Agent) ([]generated.Capacity, error) {
	out := []generated.Capacity{{Kind: "messaging", Max: a.MaxConcurrent}}
	for _, k := range []string{"email", "voice"} {
		if n, ok := a.Capacity[k]; ok {
			out = append(out, generated.Capacity{Kind: k, Max: n})
		}
	}
	return out, nil
}

func (agentResolver) Presence(_ context.Context, a *conversation.Agent) (generated.Presence, error) {
	p := generated.Presence(strings.ToUpper(string(a.Presence)))
	if !p.IsValid() {
		return "", fmt.Errorf("agent %s: stored presence %q", a.ID, a.Presence)
	}
	return p, nil
}

func (agentResolver) PresenceChangedAt(_ context.Context, a *conversation.Agent) (*time.Time, error) {
	return &a.PresenceAt, nil
}

func (agentResolver) OnShift(_ context.Context, a *conversation.Agent) (bool, error) {
	return a.OnShift(time.Now()), nil
}
