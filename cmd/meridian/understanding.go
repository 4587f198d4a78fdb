package main

import (
	"context"
	"fmt"
	"github.com/meridian-cs/meridian/answers"
	"strconv"
	"time"

	"github.com/meridian-cs/meridian/insights/mining"
	"github.com/meridian-cs/meridian/insights/price"
	"github.com/meridian-cs/meridian/store/postgres"
	"github.com/meridian-cs/meridian/stream"
	"github.com/meridian-cs/meridian/translation"
	"github.com/meridian-cs/meridian/understanding"
	"github.com/meridian-cs/meridian/understanding/enrich"
	"github.com/meridian-cs/meridian/understanding/language"
	"github.com/meridian-cs/meridian/understanding/refine"
)

// startAnalysis loads the analyzer in the background (--analysis on) and, once it is loaded,
// starts each region's analysis consumer, adding their groups to groups (consumer group →
// topic) for the lag metric. Events are stored meanwhile; the analysis catches up from the log.
func (p *platform) startAnalysis(groups map[string]string) error {
	switch p.cfg.str("analysis") {
	case "off":
		return nil
	case "on":
	default:
		return fmt.Errorf("--analysis: %q is not on or off", p.cfg.str("analysis"))
	}
	cfg := language.Config{Logger: p.log}
	if langs := p.cfg.list("language-high-accuracy"); len(langs) > 0 {
		cfg.HighAccuracy = langs
	}
	workers, err := p.cfg.int("analysis-workers")
	if err != nil {
		return err
	}
	if workers < 1 {
		return fmt.Errorf("--analysis-workers: %d is not a positive number", workers)
	}
	timeout, err := p.cfg.duration("llm-timeout")
	if err != nil {
		return err
	}
	refiner, err := refine.New(refine.Settings{BaseURL: p.cfg.str("llm-base-url"), APIKey: p.cfg.str("llm-api-key"),
		Model: p.cfg.str("llm-model"), Timeout: timeout})
	if err != nil {
		return fmt.Errorf("--llm-base-url: %w", err)
	}
	p.analysis = understanding.Load(cfg, refiner, p.log)
	for _, r := range p.regions {
		groups[enrich.Group(r)] = stream.EventsTopic(r)
	}
	p.sinkWG.Add(1)
	go func() {
		defer p.sinkWG.Done()
		a, err := p.analysis.Analyzer(p.runCtx)
		if err != nil {
			p.log.Error("analysis off: the analyzer did not load", "err", err)
			return
		}
		slots := enrich.NewSlots(workers)
		retention := retentionSignal()
		var tier func(context.Context, string, string) (string, error)
		if p.business.crm != nil {
			tier = (&crmTiers{dir: p.business.crm}).Tier
		}
		for _, r := range p.regions {
			sink := stream.NewSink(stream.SinkConfig{
				Name: "understanding", Brokers: p.brokers, Auth: p.kafka, Topic: stream.EventsTopic(r),
				Group: enrich.Group(r), MaxWait: 100 * time.Millisecond, Logger: p.log,
			}, &enrich.Handler{Region: r, Analyzer: a, Keys: p.keyring, Publish: p.ingest, Slots: slots, Retention: retention, Tier: tier, Log: p.log})
			p.sinkWG.Add(1)
			go func() {
				defer p.sinkWG.Done()
				if err := sink.Run(p.runCtx); err != nil {
					p.log.Error("analysis stopped", "region", r, "err", err)
				}
			}()
		}
	}()
	return nil
}

// startTranslation builds the configured translation provider (--translate-provider), its
// answers cached in the customer's region and sealed with their data key; none configured
// leaves p.translator nil, and nothing pretends to translate.
func (p *platform) startTranslation() error {
	timeout, err := p.cfg.duration("translate-timeout")
	if err != nil {
		return err
	}
	t, err := translation.FromConfig(translation.Settings{Provider: p.cfg.str("translate-provider"), URL: p.cfg.str("translate-url"),
		Key: p.cfg.str("translate-key"), Model: p.cfg.str("translate-model"), Timeout: timeout})
	if err != nil {
		return fmt.Errorf("--translate-provider: %w", err)
	}
	if t != nil {
		p.translator = translation.Cached(translation.Logged(t, p.log), &postgres.TranslationCache{DB: p.pg, Keys: p.keyring})
	}
	return nil
}

// retentionSignal tells whether a customer's message names a competitor or raises price, by
// the dictionaries insights mines (the competitor dictionary the insights API reads, the
// price lexicon), so that the engine prefers agents with a retention skill for it.
func retentionSignal() func(string) bool {
	comp, prices := mining.DemoCompetitors(), price.New(price.Lexicon)
	return func(text string) bool {
		named, _ := comp.Mentions(text)
		return len(named) > 0 || prices.Mentions(text)
	}
}

// startAnswers builds the answers service over the knowledge base, the analyzer (when
// --analysis is on), the translator, the shop (order questions) and the language model
// (--llm-base-url), with the
// confidence threshold of --answer-min-confidence.
func (p *platform) startAnswers() error {
	minConf, err := strconv.ParseFloat(p.cfg.str("answer-min-confidence"), 64)
	if err != nil || minConf <= 0 || minConf > 1 {
		return fmt.Errorf("--answer-min-confidence: %q is not a number in (0, 1]", p.cfg.str("answer-min-confidence"))
	}
	timeout, err := p.cfg.duration("llm-timeout")
	if err != nil {
		return err
	}
	gen, err := answers.NewGenerator(refine.Settings{BaseURL: p.cfg.str("llm-base-url"), APIKey: p.cfg.str("llm-api-key"),
		Model: p.cfg.str("llm-model"), Timeout: timeout})
	if err != nil {
		return fmt.Errorf("--llm-base-url: %w", err)
	}
	cfg := answers.Config{Knowledge: p.knowledge, Translator: p.translator, Generator: gen, MinConfidence: minConf, Logger: p.log}
	if p.business.shop != nil {
		cfg.Shop = p.business.shop
	}
	if p.analysis != nil {
		cfg.Analyzer = p.analysis
	}
	p.answers, err = answers.New(cfg)
	return err
}
