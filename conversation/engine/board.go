package engine

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	"github.com/meridian-cs/meridian/conversation"
	"github.com/meridian-cs/meridian/models"
)

// AtRiskWithin is how close to its first-response target an unanswered conversation counts
// as at risk on the supervisor's board.
const AtRiskWithin = 5 * time.Minute

// ErrNoBoard: the store keeps no board (only store/postgres does).
var ErrNoBoard = errors.New("this store keeps no board")

// OpenCount counts a region's open conversations of one language and status (Boards).
type OpenCount struct {
	Language, Status string
	Count            int
	// Urgent: priority HIGH or URGENT. Breached: a target already missed. AtRisk: first
	// response not given and due before the board's horizon.
	Urgent, Breached, AtRisk int
	// OldestSince is the longest wait among them (zero when none).
	OldestSince time.Time
}

// StatusHandedOff is OpenCount.Status of the conversations a region handed to another
// (their home row's assignee is "region:<to>"): not a conversation status, a board line.
const StatusHandedOff = "handed_off"

// BoardData is one consistent read of a region's open work, its agents and their loads.
type BoardData struct {
	Counts []OpenCount
	Agents []conversation.Agent
	Loads  map[string]int
}

// Boards reads what the supervisor's board shows (Store).
type Boards interface {
	BoardData(ctx context.Context, region, tenant string, riskBefore time.Time) (BoardData, error)
}

// Board is a region's live board: per language, who waits and for how long, who can take
// them and the SLA at risk; per agent, presence, shift and load.
type Board struct {
	Region string
	At     time.Time
	Queues []BoardQueue
	Agents []BoardAgent
}

// BoardQueue is one language's line of the board.
type BoardQueue struct {
	Language string
	// Waiting for a person (QUEUED), of which Urgent; Assigned; Parked (pending or snoozed);
	// WithBot (answered by AI, a person not yet needed); HandedOff (handed to another region
	// on follow-the-sun, counted there as that region's; their clocks run here).
	Waiting, Urgent, Assigned, Parked, WithBot, HandedOff int
	OldestWaiting                                         time.Time // zero when nobody waits
	Breached, AtRisk                                      int
	// Agents writing the language (level 2 or better), Online, Available (online and on
	// shift), and the free seats of the available ones.
	Agents, Online, Available, FreeSeats int
}

// BoardAgent is one agent's line of the board.
type BoardAgent struct {
	Agent         conversation.Agent
	Load, Seats   int // conversations held, messaging capacity
	OnShift, Full bool
}

// MakeBoard assembles the board from one read at now.
func MakeBoard(region string, d BoardData, now time.Time) Board {
	b := Board{Region: region, At: now}
	queues := map[string]*BoardQueue{}
	queue := func(lang string) *BoardQueue {
		q := queues[lang]
		if q == nil {
			q = &BoardQueue{Language: lang}
			queues[lang] = q
		}
		return q
	}
	for _, c := range d.Counts {
		q := queue(c.Language)
		switch models.ConversationStatus(c.Status) {
		case models.StatusQueued:
			q.Waiting += c.Count
			q.Urgent += c.Urgent
			if !c.OldestSince.IsZero() && (q.OldestWaiting.IsZero() || c.OldestSince.Before(q.OldestWaiting)) {
				q.OldestWaiting = c.OldestSince
			}
		case models.StatusAssigned:
			q.Assigned += c.Count
		case models.StatusBot:
			q.WithBot += c.Count
		case StatusHandedOff:
			q.HandedOff += c.Count
		default:
			q.Parked += c.Count
		}
		q.Breached += c.Breached
		q.AtRisk += c.AtRisk
	}
	for _, a := range d.Agents {
		line := BoardAgent{Agent: a, Load: d.Loads[a.ID], Seats: a.MaxConcurrent, OnShift: a.OnShift(now)}
		line.Full = line.Load >= line.Seats
		b.Agents = append(b.Agents, line)
		available := a.Presence == conversation.Online && line.OnShift
		for lang, level := range a.Languages {
			if level < 2 {
				continue
			}
			q := queue(lang)
			q.Agents++
			if a.Presence == conversation.Online {
				q.Online++
			}
			if available {
				q.Available++
				q.FreeSeats += max(0, line.Seats-line.Load)
			}
		}
	}
	for _, q := range queues {
		b.Queues = append(b.Queues, *q)
	}
	// The longest waits first, then the busiest queues.
	slices.SortFunc(b.Queues, func(x, y BoardQueue) int {
		if c := cmp.Compare(y.Urgent, x.Urgent); c != 0 {
			return c
		}
		if x.OldestWaiting.IsZero() != y.OldestWaiting.IsZero() {
			if x.OldestWaiting.IsZero() {
				return 1
			}
			return -1
		}
		if c := x.OldestWaiting.Compare(y.OldestWaiting); c != 0 {
			return c
		}
		return cmp.Compare(x.Language, y.Language)
	})
	slices.SortFunc(b.Agents, func(x, y BoardAgent) int { return cmp.Compare(x.Agent.ID, y.Agent.ID) })
	return b
}

// Board reads a region's board now.
func (w *Workspace) Board(ctx context.Context, region, tenant string) (Board, error) {
	boards, ok := w.Store.(Boards)
	if !ok {
		return Board{}, ErrNoBoard
	}
	now := w.now()
	d, err := boards.BoardData(ctx, region, tenant, now.Add(AtRiskWithin))
	if err != nil {
		return Board{}, err
	}
	return MakeBoard(region, d, now), nil
}
