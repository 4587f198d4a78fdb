package main

import (
	"github.com/meridian-cs/meridian/stream/live"
)

// startLive tails each region's topic for this process's subscriptions (GraphQL
// conversationUpdated, messageAdded, inboxChanged): every process reads every event itself,
// from the end of the log, so that whichever process a client's WebSocket reached delivers it.
func (p *platform) startLive() {
	p.live = live.NewHub()
	for _, r := range p.regions {
		p.sinkWG.Add(1)
		go func() {
			defer p.sinkWG.Done()
			cfg := live.TailConfig{Brokers: p.brokers, Auth: p.kafka, Region: r, Hub: p.live, Keys: p.keyring, Log: p.log}
			if err := live.Tail(p.runCtx, cfg); err != nil {
				p.log.Error("live events stopped", "region", r, "err", err)
			}
		}()
	}
}
