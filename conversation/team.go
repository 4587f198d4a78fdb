package conversation

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Assignment is how a team's agents get the conversations the engine picks them for.
type Assignment string

// Assignment modes.
const (
	// Direct: the conversation is assigned at once (the default, and a team nobody described).
	Direct Assignment = "direct"
	// Offer: the conversation is offered to the agent, who accepts or declines it within the
	// team's offer timeout; declined or expired, it is offered to the next agent.
	Offer Assignment = "offer"
)

// Offer timeouts: the default, and the range a team may set.
const (
	DefaultOfferTimeout = time.Minute
	MinOfferTimeout     = 5 * time.Second
	MaxOfferTimeout     = time.Hour
)

// Team is a region's team of agents (agents name it in Agent.Team) and how they get
// conversations.
type Team struct {
	ID, Name, Region string
	Assignment       Assignment
	// OfferTimeout is how long an offer waits for its agent (Offer only).
	OfferTimeout time.Duration
	UpdatedAt    time.Time
}

// Normalize trims the fields and fills the defaults.
func (t *Team) Normalize() {
	t.ID, t.Name, t.Region = strings.TrimSpace(t.ID), strings.TrimSpace(t.Name), strings.ToLower(strings.TrimSpace(t.Region))
	t.Assignment = Assignment(strings.ToLower(strings.TrimSpace(string(t.Assignment))))
	if t.Assignment == "" {
		t.Assignment = Direct
	}
	if t.Name == "" {
		t.Name = t.ID
	}
	if t.OfferTimeout == 0 {
		t.OfferTimeout = DefaultOfferTimeout
	}
}

// Validate checks a normalised team; the error is a *FieldError.
func (t Team) Validate(regionKnown func(string) bool) error {
	switch {
	case !idPattern.MatchString(t.ID):
		return &FieldError{"id", fmt.Sprintf("%q is not an id (letters, digits, . _ @ -, at most 128)", t.ID)}
	case len(t.Name) > 200:
		return &FieldError{"name", "at most 200 bytes"}
	case !regionKnown(t.Region):
		return &FieldError{"region", fmt.Sprintf("%q is not a region of this deployment", t.Region)}
	case t.Assignment != Direct && t.Assignment != Offer:
		return &FieldError{"assignment", fmt.Sprintf("%q is not direct or offer", t.Assignment)}
	case t.OfferTimeout < MinOfferTimeout || t.OfferTimeout > MaxOfferTimeout:
		return &FieldError{"offerTimeoutSeconds", fmt.Sprintf("%s is not between %s and %s", t.OfferTimeout, MinOfferTimeout, MaxOfferTimeout)}
	}
	return nil
}

// Teams stores teams, per region (store/postgres.Teams).
type Teams interface {
	// UpsertTeam creates or replaces a team of its region.
	UpsertTeam(ctx context.Context, tenant string, t Team) (Team, error)
	// Teams lists a region's teams by id.
	Teams(ctx context.Context, tenant, region string) ([]Team, error)
}
