package simulate

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/conversation/routing"
	"github.com/meridian-cs/meridian/ingest/demo"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/understanding/urgency"
)

// Arrival is one conversation the demo generator hands to a human: when the AI handed
// it over, who the customer is, what they want, how urgent their first message reads,
// and how long the demo's agent held it.
type Arrival struct {
	ID        string
	At        time.Time // the AI's hand-over (ai.action handed_to_agent)
	Region    string    // the customer's residency region
	Country   string
	Language  string // BCP-47, as the generator wrote the messages
	Channel   string
	Tier      string
	Intent    string  // such as "order_status"
	Skill     string  // the demo's queue skill for the intent ("orders"), used as issue type
	Sentiment float64 // of the first message
	Urgency   string  // urgency.Assess of the first message: NONE, NORMAL, HIGH, CRITICAL
	Priority  routing.Priority
	// Handle is how long the generator's agent held the conversation, from the first
	// assignment to the human's resolution; FirstReply is from the assignment to the
	// agent's first message.
	Handle, FirstReply time.Duration
}

// Arrivals generates the demo traffic of cfg (cfg.Start to cfg.End) and returns the
// conversations handed to a human in that window, in order of hand-over. The generator
// runs 12 hours past End so that every handed-over conversation's resolution is known;
// conversations whose human resolution still falls outside are dropped (none with the
// demo's lifecycles, which end within 12 hours).
func Arrivals(ctx context.Context, cfg demo.Config) ([]Arrival, error) {
	if !cfg.End.After(cfg.Start) {
		return nil, fmt.Errorf("simulate: arrivals window %s to %s is empty", cfg.Start, cfg.End)
	}
	end := cfg.End
	cfg.End = end.Add(12 * time.Hour)
	type partial struct {
		a                         Arrival
		handed, assigned, replied bool
		assignedAt                time.Time
		text                      string
	}
	open := map[string]*partial{}
	var out []Arrival
	err := demo.New(cfg).Each(ctx, func(e models.Event) error {
		p := open[e.ConversationID]
		switch e.Type {
		case models.ConversationOpened:
			p = &partial{a: Arrival{ID: e.ConversationID, Region: e.Region, Language: e.Language, Channel: e.Channel}}
			if e.Customer != nil {
				p.a.Country, p.a.Tier = e.Customer.Country, e.Customer.Tier
			}
			open[e.ConversationID] = p
		case models.MessageReceived:
			if p != nil && p.text == "" {
				p.text, p.a.Intent = e.Text, e.Intent
				if e.Sentiment != nil {
					p.a.Sentiment = *e.Sentiment
				}
			}
		case models.AIAction:
			if p != nil && e.Action == "handed_to_agent" && !p.handed {
				p.handed, p.a.At = true, e.OccurredAt
			}
		case models.RoutingDecision:
			if p != nil && len(e.Skills) > 1 {
				p.a.Skill = e.Skills[len(e.Skills)-1]
			}
		case models.ConversationAssigned:
			if p != nil && p.handed && !p.assigned {
				p.assigned, p.assignedAt = true, e.OccurredAt
			}
		case models.MessageSent:
			if p != nil && p.assigned && !p.replied && e.AgentID != "meridian-ai" {
				p.replied, p.a.FirstReply = true, e.OccurredAt.Sub(p.assignedAt)
			}
		case models.ConversationResolved:
			if p == nil {
				break
			}
			delete(open, e.ConversationID)
			if !p.assigned || p.a.At.Before(cfg.Start) || !p.a.At.Before(end) {
				break
			}
			p.a.Handle = e.OccurredAt.Sub(p.assignedAt)
			lvl := urgency.Assess(p.text, urgency.Context{Language: p.a.Language, Tier: p.a.Tier}).Level
			p.a.Urgency = lvl.String()
			p.a.Priority = routing.PriorityOf(p.a.Urgency, p.a.Tier)
			out = append(out, p.a)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("simulate: demo traffic: %w", err)
	}
	slices.SortFunc(out, func(x, y Arrival) int {
		return cmp.Or(x.At.Compare(y.At), strings.Compare(x.ID, y.ID))
	})
	return out, nil
}
