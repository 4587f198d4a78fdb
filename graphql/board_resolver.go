package graphql

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/conversation"
	"github.com/meridian-cs/meridian/conversation/engine"
	"github.com/meridian-cs/meridian/graphql/generated"
)

func (q queryResolver) Board(ctx context.Context, region string) (*generated.Board, error) {
	if _, err := q.principalFor(ctx, auth.ActionReadAgents, ""); err != nil {
		return nil, err
	}
	if q.workspace == nil {
		return nil, statusErrorf(http.StatusServiceUnavailable, "board: the conversation engine is off on this server (MERIDIAN_ROUTING)")
	}
	region = strings.ToLower(strings.TrimSpace(region))
	if !q.engine.Regions.Has(region) {
		return nil, statusErrorf(http.StatusBadRequest, "board(region): %q is not a region of this deployment (%s)", region, strings.Join(q.engine.Regions.Names(), ", "))
	}
	p, err := q.principalFor(ctx, auth.ActionReadAgents, region)
	if err != nil {
		return nil, err
	}
	b, err := q.workspace.Board(ctx, region, p.Tenant)
	if errors.Is(err, engine.ErrNoBoard) {
		return nil, statusErrorf(http.StatusServiceUnavailable, "board: this server keeps no conversation state")
	}
	if err != nil {
		return nil, q.fail(ctx, err)
	}
	return boardOf(b), nil
}

// boardOf is the board as GraphQL shows it, with the totals over its lines.
func boardOf(b engine.Board) *generated.Board {
	out := &generated.Board{Region: b.Region, At: b.At, Queues: []generated.BoardQueue{}, Agents: []generated.BoardAgent{}}
	var oldest time.Time
	for _, q := range b.Queues {
		line := generated.BoardQueue{Name: b.Region + "/" + q.Language, Language: q.Language, Waiting: q.Waiting, Urgent: q.Urgent,
			Assigned: q.Assigned, Parked: q.Parked, WithBot: q.WithBot, HandedOff: q.HandedOff, Breached: q.Breached, AtRisk: q.AtRisk,
			Agents: q.Agents, Online: q.Online, Available: q.Available, FreeSeats: q.FreeSeats}
		if !q.OldestWaiting.IsZero() {
			line.OldestWaitingSince = &q.OldestWaiting
			line.LongestWaitSeconds = waitSeconds(b.At, q.OldestWaiting)
			if oldest.IsZero() || q.OldestWaiting.Before(oldest) {
				oldest = q.OldestWaiting
			}
		}
		out.Waiting += q.Waiting
		out.Breached += q.Breached
		out.AtRisk += q.AtRisk
		out.Queues = append(out.Queues, line)
	}
	if !oldest.IsZero() {
		out.LongestWaitSeconds = waitSeconds(b.At, oldest)
	}
	for _, a := range b.Agents {
		agent := a.Agent
		out.Agents = append(out.Agents, generated.BoardAgent{Agent: &agent, Load: a.Load, Seats: a.Seats, OnShift: a.OnShift, Full: a.Full})
		if a.OnShift && a.Agent.Presence == conversation.Online {
			out.Available++
			out.FreeSeats += max(0, a.Seats-a.Load)
		}
	}
	return out
}

func waitSeconds(now, since time.Time) *int {
	s := max(0, int(now.Sub(since).Seconds()))
	return &s
}
