package graphql

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/conversation/engine"
	"github.com/meridian-cs/meridian/graphql/generated"
	"github.com/meridian-cs/meridian/metrics"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/translation"
)

// Follow-the-sun in the API. A conversation handed to another region keeps its history in
// its home region; the receiving region's people read it there through the compliance gate
// under the grant recorded with the hand-off (engine.Workspace.Granted): for that
// conversation only, their key counts as scoped to its home region too, and the gate audits
// each read as one of the home region's data.

// grant is what a response learned of a conversation's hand-off (cached in its loaders).
type grant struct {
	p      auth.Principal
	region string
}

// reader is how p reads conversation conv of region ("": wherever it is): p and region
// themselves when p may read region, else, for a conversation handed to one of p's regions,
// p widened to the conversation's home region and that region. One PostgreSQL read per
// conversation and response, and only for data outside p's regions (hidden otherwise).
func (r *Resolver) reader(ctx context.Context, p auth.Principal, region, conv string) (auth.Principal, string, error) {
	if r.workspace == nil || conv == "" || region != "" && p.CanAccess(region) {
		return p, region, nil
	}
	key := p.Tenant + "\x00" + region + "\x00" + conv
	l := r.loaders(ctx)
	if g, ok := l.grants.Load(key); ok {
		return g.(grant).p, g.(grant).region, nil
	}
	var candidates []string // the regions p reads, where a grant to them is recorded
	for _, reg := range r.engine.Regions.Names() {
		if p.CanAccess(reg) {
			candidates = append(candidates, reg)
		}
	}
	out := grant{p, region}
	if len(candidates) > 0 {
		h, ok, err := r.workspace.Granted(ctx, p.Tenant, conv, candidates)
		if err != nil {
			return p, region, err
		}
		if ok && h.Home != "" && (region == "" || region == h.Home) {
			out.region = h.Home
			if !p.CanAccess(h.Home) {
				out.p.Regions = append(slices.Clone(p.Regions), h.Home)
			}
		}
	}
	l.grants.Store(key, out)
	return out.p, out.region, nil
}

// handedHere reports whether conversation conv is a work item handed to region, whose history
// is in its home region: p as it reads it there, and the home region.
func (r *Resolver) handedHere(ctx context.Context, p auth.Principal, region, conv string) (auth.Principal, string, bool, error) {
	if r.workspace == nil || region == "" || !p.CanAccess(region) {
		return p, "", false, nil
	}
	h, ok, err := r.workspace.Granted(ctx, p.Tenant, conv, []string{region})
	if err != nil || !ok || h.Home == "" || h.Home == region {
		return p, "", false, err
	}
	if !p.CanAccess(h.Home) {
		p.Regions = append(slices.Clone(p.Regions), h.Home)
	}
	return p, h.Home, true, nil
}

// grantedConversation reads a conversation the key's regions do not hold but were handed:
// nil when none of them was.
func (q queryResolver) grantedConversation(ctx context.Context, p auth.Principal, id string) (*metrics.Conversation, error) {
	if len(p.Regions) == 0 || q.workspace == nil {
		return nil, nil // a key over every region read it already
	}
	gp, home, err := q.reader(ctx, p, "", id)
	if err != nil || home == "" {
		return nil, err
	}
	return q.engine.Conversation(ctx, gp, id)
}

func (r mutationResolver) TransferConversation(ctx context.Context, conv string, agentID, language, team, region *string) (*metrics.Conversation, error) {
	const field = "transferConversation"
	if language != nil {
		if err := checkLanguageTag(field+".language", *language); err != nil {
			return nil, err
		}
	}
	var named []string
	for _, t := range []struct {
		name string
		v    *string
	}{{"agentId", agentID}, {"team", team}, {"region", region}} {
		if t.v == nil {
			continue
		}
		if strings.TrimSpace(*t.v) == "" {
			return nil, statusErrorf(http.StatusBadRequest, "%s.%s: is empty", field, t.name)
		}
		named = append(named, t.name)
	}
	if len(named) > 1 {
		return nil, statusErrorf(http.StatusBadRequest, "%s.%s: give at most one of agentId, team and region (got %s)", field, named[1], strings.Join(named, ", "))
	}
	to := engine.Destination{Agent: deref(agentID), Team: strings.TrimSpace(deref(team)), Language: deref(language)}
	if region != nil {
		to.Region = strings.ToLower(strings.TrimSpace(*region))
		if names := r.engine.Regions.Names(); !slices.Contains(names, to.Region) {
			return nil, statusErrorf(http.StatusBadRequest, "%s.region: %q is not a region of this deployment (%s)", field, *region, strings.Join(names, ", "))
		}
	}
	return r.work(ctx, field, conv, func(home, tenant, by string) (engine.Work, error) {
		w, err := r.workspace.TransferTo(ctx, home, tenant, conv, to, by)
		switch {
		case errors.Is(err, engine.ErrRegionLanguage), errors.Is(err, engine.ErrUnknownRegion):
			return w, statusErrorf(http.StatusBadRequest, "%s.region: %s", field, err)
		case errors.Is(err, engine.ErrUnknownTeam):
			return w, statusErrorf(http.StatusBadRequest, "%s.team: %s", field, err)
		}
		return w, err
	})
}

// Summary is the conversation's summary and next step (engine.Summarize) in the reader's
// language: the key's agent's best, else the conversation's; English without a provider or
// when the provider fails (the failure is logged, the field still answers).
func (c conversationResolver) Summary(ctx context.Context, obj *metrics.Conversation) (*string, error) {
	w, ok, err := c.workOf(ctx, obj)
	if err != nil || !ok {
		return nil, err
	}
	summary, next := engine.Summarize(w, time.Now())
	text := summary + " Next step: " + next
	lang := c.readerLanguage(ctx, w.Language)
	if c.translator == nil || lang == "" || models.BaseLanguage(lang) == "en" {
		return &text, nil
	}
	p, _ := auth.FromContext(ctx)
	ctx = translation.WithScope(ctx, translation.Scope{Tenant: p.Tenant, Region: obj.Region, Customer: obj.CustomerID})
	res, err := c.translator.Translate(ctx, translation.Request{Text: []string{text}, Source: "en", Target: lang})
	if err != nil || len(res.Texts) != 1 {
		c.log.WarnContext(ctx, "conversation summary not translated", "conversation", obj.ID, "to", lang, "err", err)
		return &text, nil
	}
	return &res.Texts[0], nil
}

// readerLanguage is the language the key's agent writes best (ties: the conversation's
// language, then alphabetical), else fallback.
func (c conversationResolver) readerLanguage(ctx context.Context, fallback string) string {
	p, ok := auth.FromContext(ctx)
	if !ok || p.Agent == "" || c.agents == nil {
		return fallback
	}
	for _, reg := range c.engine.Regions.Names() {
		if !p.CanAccess(reg) {
			continue
		}
		a, err := c.loaders(ctx).agents.Load(ctx, convKey{reg, p.Tenant, p.Agent})
		if err != nil || a == nil {
			continue
		}
		best, level := "", 0
		for tag, l := range a.Languages {
			tag = models.BaseLanguage(tag)
			if l > level || l == level && (tag == models.BaseLanguage(fallback) || best != models.BaseLanguage(fallback) && tag < best) {
				best, level = tag, l
			}
		}
		if best != "" {
			return best
		}
	}
	return fallback
}

// assigneeAway is the assignee of a conversation handed to another region: that region's
// work item's agent; nil while it waits there.
func (c conversationResolver) assigneeAway(ctx context.Context, tenant, region, conv string) (*generated.Assignee, error) {
	w, err := c.loaders(ctx).work.Load(ctx, convKey{region, tenant, conv})
	if err != nil || w == nil || w.Status != models.StatusAssigned || w.Assignee == "" {
		return nil, err
	}
	out := &generated.Assignee{ID: w.Assignee, Name: w.Assignee}
	if c.agents != nil {
		if a, err := c.loaders(ctx).agents.Load(ctx, convKey{region, tenant, w.Assignee}); err == nil && a != nil {
			out.Name = a.Name
		}
	}
	return out, nil
}
