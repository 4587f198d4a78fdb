package main

import (
	"fmt"
	"time"

	"github.com/meridian-cs/meridian/conversation/engine"
	"github.com/meridian-cs/meridian/conversation/routing"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/postgres"
	"github.com/meridian-cs/meridian/stream"
)

// startEngine starts each region's conversation engine (--routing on), adding their groups
// to groups (consumer group → topic) for the lag metric. It routes analysed messages, or the
// messages as received when the analysis is off.
func (p *platform) startEngine(groups map[string]string) error {
	switch p.cfg.str("routing") {
	case "off":
		return nil
	case "on":
	default:
		return fmt.Errorf("--routing: %q is not on or off", p.cfg.str("routing"))
	}
	trigger := models.MessageAnalyzed
	if p.analysis == nil {
		trigger = models.MessageReceived
	}
	router := routing.NewRouter(routing.Config{})
	store := &postgres.Engine{DB: p.pg}
	p.workspace = &engine.Workspace{Handler: &engine.Handler{Store: store, Publish: p.ingest, Router: router, Trigger: trigger, Log: p.log}}
	for _, r := range p.regions {
		groups[engine.Group(r)] = stream.EventsTopic(r)
		sink := stream.NewSink(stream.SinkConfig{
			Name: "engine", Brokers: p.brokers, Auth: p.kafka, Topic: stream.EventsTopic(r),
			Group: engine.Group(r), MaxWait: 20 * time.Millisecond, Logger: p.log,
		}, &engine.Handler{Region: r, Store: store, Publish: p.ingest, Router: router, Trigger: trigger, Log: p.log})
		p.sinkWG.Add(1)
		go func() {
			defer p.sinkWG.Done()
			if err := sink.Run(p.runCtx); err != nil {
				p.log.Error("conversation engine stopped", "region", r, "err", err)
			}
		}()
	}
	return nil
}
