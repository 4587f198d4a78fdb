package main

import (
	"fmt"
	"os"
	"time"

	"github.com/meridian-cs/meridian/conversation/engine"
	routinghistory "github.com/meridian-cs/meridian/conversation/history"
	"github.com/meridian-cs/meridian/conversation/oncall"
	"github.com/meridian-cs/meridian/conversation/routing"
	"github.com/meridian-cs/meridian/conversation/sla"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/postgres"
	"github.com/meridian-cs/meridian/stream"
)

// How often each region's engine looks for SLA targets just missed, for pages due, for
// waiting conversations someone can now take (and decisions to publish again), and for
// offers that expired unanswered (the shortest offer timeout is 5 s).
const (
	slaWatchEvery   = 5 * time.Second
	pageWatchEvery  = time.Second
	queueWatchEvery = 10 * time.Second
	offerWatchEvery = time.Second
)

// pager is the on-call paging of escalations (--oncall-rota), nil when there is no rota.
func (p *platform) pager() (*engine.Pager, error) {
	path := p.cfg.str("oncall-rota")
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--oncall-rota: %w", err)
	}
	rota, err := oncall.ParseRota(b)
	if err != nil {
		return nil, fmt.Errorf("--oncall-rota %s: %w", path, err)
	}
	ack, err := p.cfg.duration("oncall-ack-timeout")
	if err != nil {
		return nil, err
	}
	if ack <= 0 {
		return nil, fmt.Errorf("--oncall-ack-timeout: %s is not positive", ack)
	}
	n := oncall.NewNotifier(oncall.Config{WebhookSecret: p.cfg.str("oncall-webhook-secret"), Log: p.log,
		SMTP: oncall.SMTPConfig{Relay: p.cfg.str("smtp-relay"), From: p.cfg.str("smtp-from"), Username: p.cfg.str("smtp-username"),
			Password: p.cfg.str("smtp-password"), TLS: p.cfg.str("smtp-tls"), Domain: p.cfg.str("smtp-domain")}})
	return &engine.Pager{Rota: rota, Notifier: n, AckTimeout: ack}, nil
}

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
	policy := sla.DefaultPolicy()
	if path := p.cfg.str("sla-policy"); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("--sla-policy: %w", err)
		}
		if policy, err = sla.ParsePolicy(b); err != nil {
			return fmt.Errorf("--sla-policy %s: %w", path, err)
		}
	}
	pager, err := p.pager()
	if err != nil {
		return err
	}
	warnBefore, err := p.cfg.duration("sla-warn-before")
	if err != nil {
		return err
	}
	if warnBefore <= 0 {
		return fmt.Errorf("--sla-warn-before: %v is not a positive duration", warnBefore)
	}
	learnEvery, err := p.cfg.duration("routing-learn-every")
	if err != nil {
		return err
	}
	if learnEvery < 0 {
		return fmt.Errorf("--routing-learn-every: %v is negative", learnEvery)
	}
	// A nil *history.Learner in the interface would not be nil: keep the field unset.
	var learned engine.History
	if learnEvery > 0 {
		l := &routinghistory.Learner{Regions: p.chReg, Log: p.log}
		learned = l
		p.sinkWG.Add(1)
		go func() {
			defer p.sinkWG.Done()
			l.Run(p.runCtx, learnEvery)
		}()
	}
	p.engineOut = &engineOutbox{}
	sun, err := p.followTheSun()
	if err != nil {
		return err
	}
	assistant, botResolveAfter, err := p.assistant()
	if err != nil {
		return err
	}
	p.aiAnswers = assistant != nil
	router := routing.NewRouter(routing.Config{})
	store := &postgres.Engine{DB: p.pg}
	p.workspace = &engine.Workspace{Handler: &engine.Handler{Store: store, Publish: p.ingest, Router: router, SLA: policy, WarnBefore: warnBefore, Pager: pager, Sun: sun, Trigger: trigger, History: learned, Log: p.log}}
	for _, r := range p.regions {
		groups[engine.Group(r)] = stream.EventsTopic(r)
		h := &engine.Handler{Region: r, Store: store, Publish: p.ingest, Router: router, SLA: policy, WarnBefore: warnBefore, Pager: pager, Sun: sun, Trigger: trigger, History: learned, Assistant: assistant, BotResolveAfter: botResolveAfter, Log: p.log}
		sink := stream.NewSink(stream.SinkConfig{
			Name: "engine", Brokers: p.brokers, Auth: p.kafka, Topic: stream.EventsTopic(r),
			Group: engine.Group(r), MaxWait: 20 * time.Millisecond, Logger: p.log,
		}, h)
		p.sinkWG.Add(6)
		go func() {
			defer p.sinkWG.Done()
			h.WatchHandoffs(p.runCtx, handoffWatchEvery)
		}()
		go func() {
			defer p.sinkWG.Done()
			h.WatchQueues(p.runCtx, queueWatchEvery)
		}()
		go func() {
			defer p.sinkWG.Done()
			h.WatchOffers(p.runCtx, offerWatchEvery)
		}()
		go func() {
			defer p.sinkWG.Done()
			h.WatchSLA(p.runCtx, slaWatchEvery)
		}()
		go func() {
			defer p.sinkWG.Done()
			h.WatchPages(p.runCtx, pageWatchEvery)
		}()
		go func() {
			defer p.sinkWG.Done()
			if err := sink.Run(p.runCtx); err != nil {
				p.log.Error("conversation engine stopped", "region", r, "err", err)
			}
		}()
	}
	return nil
}
