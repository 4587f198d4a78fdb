package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"time"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/channels/email"
	"github.com/meridian-cs/meridian/channels/kakao"
	"github.com/meridian-cs/meridian/channels/line"
	"github.com/meridian-cs/meridian/channels/messenger"
	"github.com/meridian-cs/meridian/channels/telegram"
	"github.com/meridian-cs/meridian/channels/webchat"
	"github.com/meridian-cs/meridian/channels/wechat"
	"github.com/meridian-cs/meridian/channels/whatsapp"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/postgres"
	"github.com/meridian-cs/meridian/transcription"
)

// channelSet is what the channel settings turn on: the webhook mount, the e-mail listeners,
// the outbox and the identity graph behind them.
type channelSet struct {
	mount *channels.Mount
	email *email.Channel // nil: e-mail off
	// webchat serves /webchat/ (the widget and its WebSocket), or says why it is off.
	webchat http.Handler
	outbox  *channels.Outbox
	graph   *postgres.Graph
	state   *postgres.ChannelState
	tenants *tenantChannels // tenants' own accounts (settings in PostgreSQL)
	// on names the channels the settings turn on, sorted (GraphQL's channels answer).
	on []string
}

// webhookPlatform is a channel that takes deliveries on /webhooks/{channel}: the setting that
// turns it on, the prefix of its settings, and how it is built from them.
type webhookPlatform struct {
	name, secret, prefix string
	build                func(cfg config) (channels.Webhook, channels.Outbound, error)
}

var webhookPlatforms = []webhookPlatform{
	{"whatsapp", "whatsapp-app-secret", "whatsapp-", func(cfg config) (channels.Webhook, channels.Outbound, error) {
		c, err := whatsapp.New(whatsapp.Config{
			AppSecret: cfg.str("whatsapp-app-secret"), VerifyToken: cfg.str("whatsapp-verify-token"),
			AccessToken: cfg.str("whatsapp-access-token"), APIBase: cfg.str("whatsapp-api-base"),
			APIVersion: cfg.str("meta-api-version"), Template: cfg.str("whatsapp-template"),
		})
		return c, c, err
	}},
	{"messenger", "messenger-app-secret", "messenger-", func(cfg config) (channels.Webhook, channels.Outbound, error) {
		c, err := messenger.New(messenger.Config{
			AppSecret: cfg.str("messenger-app-secret"), VerifyToken: cfg.str("messenger-verify-token"),
			AccessToken: cfg.str("messenger-page-token"), APIBase: cfg.str("messenger-api-base"), APIVersion: cfg.str("meta-api-version"),
		})
		return c, c, err
	}},
	{"instagram", "instagram-app-secret", "instagram-", func(cfg config) (channels.Webhook, channels.Outbound, error) {
		c, err := messenger.NewInstagram(messenger.Config{
			AppSecret: cfg.str("instagram-app-secret"), VerifyToken: cfg.str("instagram-verify-token"),
			AccessToken: cfg.str("instagram-access-token"), APIBase: cfg.str("instagram-api-base"), APIVersion: cfg.str("meta-api-version"),
		})
		return c, c, err
	}},
	{"line", "line-channel-secret", "line-", func(cfg config) (channels.Webhook, channels.Outbound, error) {
		c, err := line.New(line.Config{ChannelSecret: cfg.str("line-channel-secret"), AccessToken: cfg.str("line-access-token"), APIBase: cfg.str("line-api-base")})
		return c, c, err
	}},
	{"telegram", "telegram-secret-token", "telegram-", func(cfg config) (channels.Webhook, channels.Outbound, error) {
		c, err := telegram.New(telegram.Config{SecretToken: cfg.str("telegram-secret-token"), BotToken: cfg.str("telegram-bot-token"), APIBase: cfg.str("telegram-api-base")})
		return c, c, err
	}},
	{"kakaotalk", "kakao-secret", "kakao-", func(cfg config) (channels.Webhook, channels.Outbound, error) {
		c, err := kakao.New(kakao.Config{Secret: cfg.str("kakao-secret"), CallbackHosts: demoKakaoCallbackHosts(cfg)})
		return c, c, err
	}},
	{"wechat", "wechat-token", "wechat-", func(cfg config) (channels.Webhook, channels.Outbound, error) {
		c, err := wechat.New(wechat.Config{Token: cfg.str("wechat-token"), AppID: cfg.str("wechat-app-id"), AppSecret: cfg.str("wechat-app-secret"),
			AESKey: cfg.str("wechat-aes-key"), APIBase: cfg.str("wechat-api-base")})
		return c, c, err
	}},
}

// buildChannel makes one platform from cfg, or says which setting would turn it on.
func buildChannel(cfg config, pl webhookPlatform) (channels.Channel, error) {
	if cfg.str(pl.secret) == "" {
		return channels.Channel{Name: pl.name, Off: envOf(pl.secret) + " is not set"}, nil
	}
	w, o, err := pl.build(cfg)
	if err != nil {
		return channels.Channel{}, fmt.Errorf("%s: %w", pl.name, err)
	}
	return channels.Channel{Name: pl.name, Webhook: w, Outbound: o}, nil
}

// envOf is a setting's environment variable.
func envOf(flag string) string {
	for _, s := range settings {
		if s.flag == flag {
			return s.env
		}
	}
	return flag
}

// buildChannels makes each platform whose secret is set; the others stay off, with the
// setting that would turn them on as their webhook's 404 reason.
func buildChannels(cfg config) ([]channels.Channel, *email.Channel, error) {
	out := make([]channels.Channel, 0, len(webhookPlatforms)+1)
	for _, pl := range webhookPlatforms {
		c, err := buildChannel(cfg, pl)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, c)
	}
	mail, err := buildEmail(cfg)
	if err != nil {
		return nil, nil, err
	}
	// E-mail arrives over SMTP or IMAP, never on a webhook; it sends when a relay is set.
	c := channels.Channel{Name: "email", Off: "e-mail arrives on the SMTP listener (MERIDIAN_SMTP_LISTEN) or by IMAP (MERIDIAN_IMAP_ADDR), not on a webhook"}
	if mail != nil && cfg.str("smtp-relay") != "" {
		c.Outbound = mail
	}
	return append(out, c), mail, nil
}

// buildEmail makes the e-mail channel when any of its addresses is set.
func buildEmail(cfg config) (*email.Channel, error) {
	if cfg.str("smtp-listen") == "" && cfg.str("smtp-relay") == "" && cfg.str("imap-addr") == "" {
		return nil, nil
	}
	every, err := cfg.duration("imap-poll-every")
	if err != nil {
		return nil, err
	}
	c, err := email.New(email.Config{
		Listen: cfg.str("smtp-listen"), Domain: cfg.str("smtp-domain"),
		Username: cfg.str("smtp-username"), Password: cfg.str("smtp-password"),
		Relay: cfg.str("smtp-relay"), From: cfg.str("smtp-from"), TLS: cfg.str("smtp-tls"),
		IMAPAddr: cfg.str("imap-addr"), IMAPUsername: cfg.str("imap-username"), IMAPPassword: cfg.str("imap-password"),
		IMAPMailbox: cfg.str("imap-mailbox"), IMAPPollEvery: every, IMAPTLS: cfg.str("imap-tls"),
	})
	if err != nil {
		return nil, fmt.Errorf("email: %w", err)
	}
	return c, nil
}

// startChannels builds the channels, the intake that takes their deliveries into ingest, and
// the outbox that sends replies (its retry loop runs until ctx ends).
func (p *platform) startChannels() error {
	chs, mail, err := buildChannels(p.cfg)
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
	var orders *regexp.Regexp
	if pat := p.cfg.str("order-number-pattern"); pat != "" {
		if orders, err = regexp.Compile(pat); err != nil {
			return fmt.Errorf("--order-number-pattern: %w", err)
		}
	}
	sttTimeout, err := p.cfg.duration("stt-timeout")
	if err != nil {
		return err
	}
	if sttTimeout <= 0 {
		return fmt.Errorf("--stt-timeout: %s is not a positive duration", sttTimeout)
	}
	set := &channelSet{
		graph: &postgres.Graph{DB: p.pg, Keys: p.keyring, Regions: p.regions,
			RegionOf: func(country string) string { return string(p.policy.RegionFor(country)) }},
		state: &postgres.ChannelState{DB: p.pg, Keys: p.keyring, Regions: p.regions},
	}
	intake := &channels.Pipeline{
		Tenant: p.cfg.str("tenant"), IDs: p.keyring, Identities: set.graph, Threads: set.state, Receipts: set.state,
		Ingest: p.ingest, Markets: markets, DefaultCountry: def, Now: time.Now, Log: p.log,
		RegionOf:     func(country string) string { return string(p.policy.RegionFor(country)) },
		OrderNumbers: orders,
		Transcriber: transcription.FromConfig(transcription.Settings{
			BaseURL: p.cfg.str("stt-base-url"), Key: p.cfg.str("stt-api-key"), Model: p.cfg.str("stt-model"),
		}),
		VoiceTimeout: sttTimeout,
	}
	wc, wcChannel, wcHandler, err := buildWebchat(p.cfg, intake, p.log)
	if err != nil {
		return err
	}
	chs = append(chs, wcChannel)
	senders := map[string]channels.Outbound{}
	var on []string
	for _, c := range chs {
		if c.Off == "" {
			on = append(on, c.Name)
		}
		if c.Outbound != nil {
			senders[c.Name] = c.Outbound
		}
	}
	if mail != nil {
		on = append(on, "email")
	}
	if wc != nil {
		on = append(on, webchat.Name)
	}
	slices.Sort(on)
	on = slices.Compact(on) // the web chat is on as a channel and as a handler
	set.on = on
	set.tenants = &tenantChannels{p: p, intake: intake}
	set.mount = channels.NewMount(chs, intake, p.log)
	set.mount.Tenants = set.tenants
	set.outbox = &channels.Outbox{Ledger: set.state, IDs: p.keyring, Senders: senders, Tenants: set.tenants, DefaultTenant: intake.Tenant,
		Ingest: p.ingest, Consents: &postgres.Consents{DB: p.pg}, Regions: p.regions, Now: time.Now, Log: p.log}
	set.email = mail
	set.webchat = wcHandler
	p.channels = set
	p.log.Info("channels", "on", on)
	if mail != nil {
		p.sinkWG.Add(1)
		go func() {
			defer p.sinkWG.Done()
			if err := mail.Run(p.runCtx, intake); err != nil {
				p.log.Error("e-mail stopped", "err", err)
			}
		}()
	}
	if wc != nil {
		// Hijacked WebSockets outlive the HTTP server's shutdown; close them with the rest.
		p.sinkWG.Add(1)
		go func() {
			defer p.sinkWG.Done()
			<-p.runCtx.Done()
			wc.Close()
		}()
	}
	p.sinkWG.Add(1)
	go func() {
		defer p.sinkWG.Done()
		if err := set.outbox.Run(p.runCtx, time.Second); err != nil {
			p.log.Error("outbox stopped", "err", err)
		}
	}()
	return nil
}

// buildWebchat makes the web chat when its origins are set (the secret is optional: without
// it visitors stay anonymous). It connects over /webchat/ws, never on a webhook; off, its
// /webchat/ endpoints answer 404 with the setting that turns it on.
func buildWebchat(cfg config, intake channels.Intake, log *slog.Logger) (*webchat.Channel, channels.Channel, http.Handler, error) {
	origins := cfg.list("webchat-origins")
	if len(origins) == 0 {
		const off = "MERIDIAN_WEBCHAT_ORIGINS is not set"
		return nil, channels.Channel{Name: webchat.Name, Off: off}, webchat.Off(off), nil
	}
	c, err := webchat.New(webchat.Config{Origins: origins, Secret: cfg.str("webchat-secret"), Intake: intake, Log: log})
	if err != nil {
		return nil, channels.Channel{}, nil, err
	}
	return c, channels.Channel{Name: webchat.Name, Outbound: c, Off: "web chat connects over /webchat/ws, not a webhook"}, c, nil
}
