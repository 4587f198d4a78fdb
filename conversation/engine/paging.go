package engine

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/conversation/oncall"
)

// Page is the paging of the on-call person for one escalation.
type Page struct {
	Tenant, ID, ConversationID, Urgency, Reason string
	CreatedAt                                   time.Time
	AcknowledgedAt                              *time.Time
	StepsPaged, Attempts                        int
	NextAt                                      *time.Time
	LastError                                   string
	// RespondedAt is when the first reply to the customer after the page came: time to a
	// human's first response.
	RespondedAt *time.Time
}

// Pager pages the on-call rota (conversation/oncall) for escalated conversations.
type Pager struct {
	Rota       oncall.Rota
	Notifier   oncall.Notifier
	AckTimeout time.Duration // before the next region's person is paged; 0 means 10 minutes
	Retry      oncall.RetryPolicy
}

// ErrNoPage is returned when a conversation has no page waiting for an acknowledgement.
var ErrNoPage = errors.New("no page waits for an acknowledgement")

// lease is how long a process holds a page it is delivering before another may take it.
const lease = time.Minute

func (p *Pager) ackTimeout() time.Duration {
	if p.AckTimeout <= 0 {
		return 10 * time.Minute
	}
	return p.AckTimeout
}

// WatchPages delivers, every interval until ctx ends, the pages of the region that are due:
// the next steps of each escalation's chain (the on-shift region's person, then the next
// regions' after each AckTimeout without an acknowledgement). Each page is taken with a
// lease, so several processes never page the same step twice at once.
func (h *Handler) WatchPages(ctx context.Context, every time.Duration) {
	if h.Pager == nil {
		return
	}
	tick(ctx, every, h.pageDue)
}

// pageDue is one round of WatchPages.
func (h *Handler) pageDue(ctx context.Context) {
	now := h.now()
	due, err := h.Store.TakePages(ctx, h.Region, now, now.Add(lease), 50)
	if err != nil {
		h.log().WarnContext(ctx, "paging", "region", h.Region, "err", err)
		return
	}
	for _, pg := range due {
		h.page(ctx, pg, now)
	}
}

// page delivers a page's due steps and records the outcome.
func (h *Handler) page(ctx context.Context, pg Page, now time.Time) {
	chain := h.Pager.Rota.Chain(pg.CreatedAt, h.Pager.ackTimeout())
	steps, next := oncall.Due(chain, pg.StepsPaged, now)
	var errs []string
	for i, s := range steps {
		msg := oncall.Page{ID: pg.ID + ":" + strconv.Itoa(pg.StepsPaged+i), Conversation: pg.ConversationID, Region: s.Region,
			Urgency: pg.Urgency, Summary: pg.Reason, At: pg.CreatedAt}
		results, ok := oncall.PagePerson(ctx, h.Pager.Notifier, s.Person, msg, h.Pager.Retry, oncall.Sleep)
		for _, r := range results {
			pg.Attempts += r.Attempts
			if r.Err != nil {
				errs = append(errs, s.Person.ID+" "+r.Target.String()+": "+r.Err.Error())
			}
		}
		result := "delivered"
		if !ok {
			result = "failed"
		}
		pages.WithLabelValues(h.Region, result).Inc()
	}
	pg.StepsPaged += len(steps)
	pg.NextAt = nil
	if !next.IsZero() {
		pg.NextAt = &next
	}
	pg.LastError = strings.Join(errs, "; ")
	if err := h.Store.PageDone(ctx, h.Region, pg); err != nil {
		h.log().WarnContext(ctx, "paging: outcome not recorded", "region", h.Region, "page", pg.ID, "err", err)
	}
}
