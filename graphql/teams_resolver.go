package graphql

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/compliance/audit"
	"github.com/meridian-cs/meridian/conversation"
	"github.com/meridian-cs/meridian/conversation/engine"
	"github.com/meridian-cs/meridian/graphql/generated"
	"github.com/meridian-cs/meridian/metrics"
)

// Teams and offer-and-accept (schemas/graphql/teams.graphql): teams are described and read
// with the agents' permissions (manage_agents, read_agents); offers are answered with
// work_conversations, by the agent the key is bound to.

func errNoTeams(what string) error {
	return statusErrorf(http.StatusServiceUnavailable, "%s: teams are not configured on this server", what)
}

// teamInput turns the GraphQL input into a normalised, validated team; errors name the
// input's field.
func (r *Resolver) teamInput(in generated.TeamInput) (conversation.Team, error) {
	t := conversation.Team{ID: in.ID, Name: deref(in.Name), Region: in.Region}
	if in.Assignment != nil {
		t.Assignment = conversation.Assignment(strings.ToLower(string(*in.Assignment)))
	}
	t.Normalize()
	if in.OfferTimeoutSeconds != nil {
		// Explicit, even 0: out of range is an error, not the default.
		t.OfferTimeout = time.Duration(*in.OfferTimeoutSeconds) * time.Second
	}
	if err := t.Validate(r.engine.Regions.Has); err != nil {
		var fe *conversation.FieldError
		if errors.As(err, &fe) {
			return t, statusErrorf(http.StatusBadRequest, "upsertTeam.input.%s: %s", fe.Field, fe.Reason)
		}
		return t, statusErrorf(http.StatusBadRequest, "upsertTeam.input: %s", err)
	}
	return t, nil
}

func teamOut(t conversation.Team) generated.Team {
	return generated.Team{ID: t.ID, Name: t.Name, Region: t.Region, Assignment: generated.TeamAssignment(strings.ToUpper(string(t.Assignment))),
		OfferTimeoutSeconds: int(t.OfferTimeout / time.Second), UpdatedAt: t.UpdatedAt}
}

func (r mutationResolver) UpsertTeam(ctx context.Context, in generated.TeamInput) (*generated.Team, error) {
	p, err := r.principalFor(ctx, auth.ActionManageAgents, "")
	if err != nil {
		return nil, err
	}
	if r.teams == nil {
		return nil, errNoTeams("upsertTeam")
	}
	t, err := r.teamInput(in)
	if err != nil {
		return nil, err
	}
	if err := p.Check(auth.ActionManageAgents, t.Region); err != nil {
		return nil, r.fail(ctx, err)
	}
	got, err := r.teams.UpsertTeam(ctx, p.Tenant, t)
	if err != nil {
		return nil, r.fail(ctx, err)
	}
	r.recordAction(ctx, audit.Entry{Action: audit.ActionUpsertTeam, Region: got.Region, Subject: got.ID})
	out := teamOut(got)
	return &out, nil
}

func (r queryResolver) Teams(ctx context.Context, region string) ([]generated.Team, error) {
	if _, err := r.principalFor(ctx, auth.ActionReadAgents, ""); err != nil {
		return nil, err
	}
	if r.teams == nil {
		return nil, errNoTeams("teams")
	}
	region = strings.ToLower(strings.TrimSpace(region))
	if !r.engine.Regions.Has(region) {
		return nil, statusErrorf(http.StatusBadRequest, "teams(region): %q is not a region of this deployment (%s)", region, strings.Join(r.engine.Regions.Names(), ", "))
	}
	p, err := r.principalFor(ctx, auth.ActionReadAgents, region)
	if err != nil {
		return nil, err
	}
	ts, err := r.teams.Teams(ctx, p.Tenant, region)
	if err != nil {
		return nil, r.fail(ctx, err)
	}
	out := make([]generated.Team, len(ts))
	for i, t := range ts {
		out[i] = teamOut(t)
	}
	return out, nil
}

// answerOffer runs an answer to an offer as the key's agent: an offer is answered by the
// agent it is made to, so a key bound to nobody cannot answer one.
func (r mutationResolver) answerOffer(ctx context.Context, field, conv string, answer func(region, tenant, agentID string) (engine.Work, error)) (*metrics.Conversation, error) {
	p, err := r.principalFor(ctx, auth.ActionWork, "")
	if err != nil {
		return nil, err
	}
	if p.Agent == "" {
		return nil, statusErrorf(http.StatusBadRequest, "%s.conversationId: an offer is answered by the agent it is made to, with an API key bound to that agent; this key is bound to no agent", field)
	}
	return r.work(ctx, field, conv, func(region, tenant, _ string) (engine.Work, error) {
		return answer(region, tenant, p.Agent)
	})
}

func (r mutationResolver) AcceptOffer(ctx context.Context, conv string) (*metrics.Conversation, error) {
	return r.answerOffer(ctx, "acceptOffer", conv, func(region, tenant, agentID string) (engine.Work, error) {
		return r.workspace.Accept(ctx, region, tenant, conv, agentID)
	})
}

func (r mutationResolver) DeclineOffer(ctx context.Context, conv string) (*metrics.Conversation, error) {
	return r.answerOffer(ctx, "declineOffer", conv, func(region, tenant, agentID string) (engine.Work, error) {
		return r.workspace.Decline(ctx, region, tenant, conv, agentID)
	})
}

// Offer is the conversation's open offer, read through the response's dataloader.
func (c conversationResolver) Offer(ctx context.Context, obj *metrics.Conversation) (*generated.ConversationOffer, error) {
	p, err := c.principal(ctx)
	if err != nil || c.workspace == nil {
		return nil, err
	}
	o, err := c.loaders(ctx).offers.Load(ctx, convKey{obj.Region, p.Tenant, obj.ID})
	if err != nil {
		return nil, c.fail(ctx, err)
	}
	if o == nil || o.AgentID == "" {
		return nil, nil
	}
	agent := &generated.Assignee{ID: o.AgentID, Name: o.AgentID}
	if c.agents != nil {
		if a, err := c.loaders(ctx).agents.Load(ctx, convKey{obj.Region, p.Tenant, o.AgentID}); err == nil && a != nil {
			agent.Name = a.Name
		}
	}
	return &generated.ConversationOffer{Agent: agent, ExpiresAt: o.ExpiresAt, Declined: append([]string{}, o.Declined...)}, nil
}

// OfferBatchReader reads many conversations' offers of a region (store/postgres.Engine).
// Stores without it are read one conversation at a time.
type OfferBatchReader interface {
	FindOffers(ctx context.Context, region, tenant string, ids []string) (map[string]engine.Offer, error)
}

func (r *Resolver) fetchOffers(ctx context.Context, region, tenant string, ids []string) (map[string]engine.Offer, error) {
	if b, ok := r.workspace.Store.(OfferBatchReader); ok {
		return b.FindOffers(ctx, region, tenant, ids)
	}
	out := map[string]engine.Offer{}
	for _, id := range ids {
		o, ok, err := r.workspace.Store.FindOffer(ctx, region, tenant, id)
		if err != nil {
			return nil, err
		}
		if ok {
			out[id] = o
		}
	}
	return out, nil
}
