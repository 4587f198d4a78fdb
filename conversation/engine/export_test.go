package engine

import "context"

// CheckSLA runs one round of WatchSLA, so that tests drive the watcher without timing it.
func (h *Handler) CheckSLA(ctx context.Context) { h.checkSLA(ctx) }
