package main

import (
	"fmt"
	"time"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/channels/messenger"
	"github.com/meridian-cs/meridian/channels/whatsapp"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/postgres"
)

// channelSet is what the channel settings turn on: the webhook mount, the outbox and the
// identity graph behind them.
type channelSet struct {
	mount  *channels.Mount
	outbox *channels.Outbox
	graph  *postgres.Graph
	state  *postgres.ChannelState
}

// buildChannels makes each platform whose secret is set; the others stay off, with the
// setting that would turn them on as their webhook's 404 reason.
func buildChannels(cfg config) ([]channels.Channel, error) {
	version := cfg.str("meta-api-version")
	var out []channels.Channel
	add := func(name, secretVar string, on bool, build func() (channels.Webhook, channels.Outbound, error)) error {
		if !on {
			out = append(out, channels.Channel{Name: name, Off: secretVar + " is not set"})
			return nil
		}
		w, o, err := build()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, channels.Channel{Name: name, Webhook: w, Outbound: o})
		return nil
	}
	steps := []error{
		add("whatsapp", "MERIDIAN_WHATSAPP_APP_SECRET", cfg.str("whatsapp-app-secret") != "", func() (channels.Webhook, channels.Outbound, error) {
			c, err := whatsapp.New(whatsapp.Config{
				AppSecret: cfg.str("whatsapp-app-secret"), VerifyToken: cfg.str("whatsapp-verify-token"),
				AccessToken: cfg.str("whatsapp-access-token"), APIBase: cfg.str("whatsapp-api-base"),
				APIVersion: version, Template: cfg.str("whatsapp-template"),
			})
			return c, c, err
		}),
		add("messenger", "MERIDIAN_MESSENGER_APP_SECRET", cfg.str("messenger-app-secret") != "", func() (channels.Webhook, channels.Outbound, error) {
			c, err := messenger.New(messenger.Config{
				AppSecret: cfg.str("messenger-app-secret"), VerifyToken: cfg.str("messenger-verify-token"),
				AccessToken: cfg.str("messenger-page-token"), APIBase: cfg.str("messenger-api-base"), APIVersion: version,
			})
			return c, c, err
		}),
		add("instagram", "MERIDIAN_INSTAGRAM_APP_SECRET", cfg.str("instagram-app-secret") != "", func() (channels.Webhook, channels.Outbound, error) {
			c, err := messenger.NewInstagram(messenger.Config{
				AppSecret: cfg.str("instagram-app-secret"), VerifyToken: cfg.str("instagram-verify-token"),
				AccessToken: cfg.str("instagram-access-token"), APIBase: cfg.str("instagram-api-base"), APIVersion: version,
			})
			return c, c, err
		}),
	}
	for _, err := range steps {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// startChannels builds the channels, the intake that takes their deliveries into ingest, and
// the outbox that sends replies (its retry loop runs until ctx ends).
func (p *platform) startChannels() error {
	chs, err := buildChannels(p.cfg)
	if err != nil {
		return err
	}
	markets, err := channels.ParseMarkets(p.cfg.str("channel-markets"))
	if err != nil {
		return fmt.Errorf("--channel-markets: %w", err)
	}
	def, ok := models.CanonicalCountry(p.cfg.str("default-country"))
	if !ok {
		return fmt.Errorf("--default-country: %q is not an ISO 3166-1 country", p.cfg.str("default-country"))
	}
	set := &channelSet{
		graph: &postgres.Graph{DB: p.pg, Keys: p.keyring, Regions: p.regions,
			RegionOf: func(country string) string { return string(p.policy.RegionFor(country)) }},
		state: &postgres.ChannelState{DB: p.pg, Keys: p.keyring, Regions: p.regions},
	}
	intake := &channels.Pipeline{
		Tenant: p.cfg.str("tenant"), Identities: set.graph, Threads: set.state, Receipts: set.state,
		Ingest: p.ingest, Markets: markets, DefaultCountry: def, Now: time.Now, Log: p.log,
	}
	senders := map[string]channels.Outbound{}
	var on []string
	for _, c := range chs {
		if c.Off == "" {
			on = append(on, c.Name)
			if c.Outbound != nil {
				senders[c.Name] = c.Outbound
			}
		}
	}
	set.mount = channels.NewMount(chs, intake, p.log)
	set.outbox = &channels.Outbox{Ledger: set.state, Senders: senders, Ingest: p.ingest, Regions: p.regions, Now: time.Now, Log: p.log}
	p.channels = set
	p.log.Info("channels", "on", on)
	p.sinkWG.Add(1)
	go func() {
		defer p.sinkWG.Done()
		if err := set.outbox.Run(p.runCtx, time.Second); err != nil {
			p.log.Error("outbox stopped", "err", err)
		}
	}()
	return nil
}
