package engine

import "context"

// CheckSLA runs one round of WatchSLA, so that tests drive the watcher without timing it.
func (h *Handler) CheckSLA(ctx context.Context) { h.checkSLA(ctx) }

// CheckOffers runs one round of WatchOffers, so that tests drive the watcher without timing it.
func (h *Handler) CheckOffers(ctx context.Context) { h.checkOffers(ctx) }

// HandOffRound runs one round of WatchHandoffs (follow-the-sun), so that tests drive it
// without timing it.
func (h *Handler) HandOffRound(ctx context.Context) error { return h.handOffDue(ctx) }
