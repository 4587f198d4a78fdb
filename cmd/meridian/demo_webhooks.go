package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/emersion/go-smtp"
	"github.com/meridian-cs/meridian/channels"

	"github.com/meridian-cs/meridian/channels/email"
	"github.com/meridian-cs/meridian/channels/kakao"
	"github.com/meridian-cs/meridian/channels/line"
	"github.com/meridian-cs/meridian/channels/messenger"
	"github.com/meridian-cs/meridian/channels/meta"
	"github.com/meridian-cs/meridian/channels/telegram"
	"github.com/meridian-cs/meridian/channels/wechat"
	"github.com/meridian-cs/meridian/channels/whatsapp"
	"github.com/meridian-cs/meridian/identity"
	"github.com/meridian-cs/meridian/ingest/demo"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/postgres"
)

// demoWebhookChannels are the platforms whose customers' live messages the demo posts to
// /webhooks/{channel}, as the platform's own body, signed as the platform signs: every
// webhook platform.
var demoWebhookChannels = func() []string {
	out := make([]string, len(webhookPlatforms))
	for i, pl := range webhookPlatforms {
		out[i] = pl.name
	}
	return out
}()

// demoTelegramMarket is the market of the demo's Telegram bot. A bot is one account (the id in
// its token) and Telegram gives no phone number, so its customers are placed in one country:
// Telegram conversations of other markets stay on /v1/events.
const demoTelegramMarket = "ID"

// demoAlso are the settings besides its secret (webhookPlatform.secret) that a platform's
// channel needs to start or to send.
var demoAlso = map[string][]string{
	"whatsapp": {"whatsapp-verify-token"}, "messenger": {"messenger-verify-token"}, "instagram": {"instagram-verify-token"},
	"line": {"line-access-token"}, "telegram": {"telegram-bot-token"}, "wechat": {"wechat-app-id", "wechat-app-secret"},
}

// enableDemoChannels turns on, in cfg, every platform channel whose secret the user did not
// set, with random secrets (the demo signs its deliveries with them), and, when the user set no
// MERIDIAN_CHANNEL_MARKETS, maps each demo account to its market. A setting the user gave is
// never changed. It returns the channels it turned on.
func enableDemoChannels(cfg config) ([]string, error) {
	var on []string
	for _, s := range webhookPlatforms {
		if cfg.str(s.secret) != "" {
			continue
		}
		v, err := randomHex(16)
		if err != nil {
			return nil, err
		}
		*cfg[s.secret] = v
		for _, name := range demoAlso[s.name] {
			if cfg.str(name) != "" {
				continue
			}
			if v, err = randomHex(16); err != nil {
				return nil, err
			}
			switch name {
			case "telegram-bot-token":
				v = demoDigits("telegram", "bot", 10) + ":" + v
			case "wechat-app-id":
				v = "wx" + v[:16]
			}
			*cfg[name] = v
		}
		on = append(on, s.name)
	}
	// E-mail for business customers: mail to the demo's support addresses, delivered to an
	// SMTP listener on a free local port, unless the user set up e-mail themselves.
	if cfg.str("smtp-listen") == "" && cfg.str("smtp-relay") == "" && cfg.str("imap-addr") == "" {
		addr, err := freeLocalAddr()
		if err != nil {
			return nil, err
		}
		*cfg["smtp-listen"] = addr
		on = append(on, "email")
	}
	if cfg.str("channel-markets") == "" {
		var spec []string
		countries := demo.ChannelCountries()
		for _, c := range countries["email"] {
			spec = append(spec, "email:"+demoAccount("email", c)+"="+c)
		}
		for _, ch := range demoWebhookChannels {
			if ch == "telegram" {
				if bot := telegramBot(cfg); bot != "" {
					spec = append(spec, "telegram:"+bot+"="+demoTelegramMarket)
				}
				continue
			}
			for _, c := range countries[ch] {
				spec = append(spec, ch+":"+demoAccount(ch, c)+"="+c)
			}
		}
		*cfg["channel-markets"] = strings.Join(spec, ",")
	}
	return on, nil
}

// freeLocalAddr is a loopback address with a port free now.
func freeLocalAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// telegramBot is the bot's id, the account its deliveries name.
func telegramBot(cfg config) string {
	id, _, _ := strings.Cut(cfg.str("telegram-bot-token"), ":")
	return id
}

// demoAccount is the demo's channel account serving a country on a platform, in the
// platform's format: a WhatsApp phone-number id, a Facebook page id, an Instagram account id,
// a LINE bot user id, a Kakao bot id, a WeChat official account.
func demoAccount(channel, country string) string {
	sum := sha256.Sum256([]byte("meridian-demo/" + channel + "/" + country))
	switch channel {
	case "whatsapp", "messenger":
		return "1" + demoDigits(channel, country, 14)
	case "instagram":
		return "1784" + demoDigits(channel, country, 13)
	case "line":
		return "U" + hex.EncodeToString(sum[:16])
	case "kakaotalk":
		return hex.EncodeToString(sum[:12])
	case "wechat":
		return "gh_" + hex.EncodeToString(sum[:6])
	case "email":
		return "support-" + strings.ToLower(country) + "@shop.example"
	}
	return channel + "-" + country
}

// demoDigits is n (at most 32) decimal digits derived from a channel and a country.
func demoDigits(channel, country string, n int) string {
	sum := sha256.Sum256([]byte("meridian-demo/" + channel + "/" + country + "/digits"))
	var b strings.Builder
	for i := range n {
		d := sum[i] % 10
		if i == 0 && d == 0 {
			d = 7
		}
		b.WriteByte('0' + d)
	}
	return b.String()
}

// demoHooks routes the live demo's events: customer messages of conversations on platform
// channels go to the platform's webhook, the rest to /v1/events, rewritten so that both paths
// name the same conversation and the same customer.
type demoHooks struct {
	base       string // http://host:port
	smtp       string // the SMTP listener's address, when the demo runs e-mail
	kakao      string // where the skill requests' callback URLs point
	client     *http.Client
	cfg        config
	on         map[string]bool
	markets    channels.Markets
	defCountry string
	policy     *models.ResidencyPolicy
	// ids and tenant derive the event id the intake gives a delivery (channels.EventID).
	ids    channels.IDHasher
	tenant string
	// lookup returns the conversation the intake placed an event in.
	lookup  func(ctx context.Context, region, eventID string) (string, error)
	log     *slog.Logger
	horizon time.Duration // how long a conversation is remembered after its last event

	convs  map[string]*demoConv // by the generator's conversation id
	events int
	logged time.Time
	stats  demoHookStats
}

type demoConv struct {
	hook                                   bool
	channel, account, user, phone, country string
	// id is the conversation the intake placed its last message in.
	id       string
	reopened bool // the generator reopened it; its next message's place is the intake's choice
	seen     time.Time
}

type demoHookStats struct {
	Conversations int           // conversations whose customer messages went to webhooks
	OffMarket     int           // conversations on a webhook channel kept on /v1/events: the intake would place the customer elsewhere
	Messages      int           // webhook deliveries
	Took          time.Duration // spent posting them, until acknowledged
	// Threaded counts first messages the intake put in an open conversation of the same
	// customer; the generator's conversation then follows it there.
	Threaded int
	// Reopened counts reopenings the intake opened a new conversation for (the customer
	// wrote after the resolution); the rest of the generator's conversation follows.
	Reopened int
	// Split counts other later messages the intake put in another conversation than the one
	// before them (the conversation a first message was threaded into ended); the rest of the
	// generator's conversation follows.
	Split int
}

// newDemoHooks routes to the webhooks of the channels the demo turned on (own): a channel the
// user configured is a real account, on which the demo forges no deliveries.
func newDemoHooks(cfg config, p *platform, base string, own []string, speedup float64, log *slog.Logger) (*demoHooks, error) {
	markets, err := channels.ParseMarkets(cfg.str("channel-markets"))
	if err != nil {
		return nil, err
	}
	def, _ := models.CanonicalCountry(cfg.str("default-country"))
	d := &demoHooks{
		base: base, client: &http.Client{Timeout: time.Minute}, cfg: cfg, on: map[string]bool{},
		markets: markets, defCountry: def, policy: p.policy, ids: p.keyring, tenant: cfg.str("tenant"), log: log,
		horizon: time.Duration(float64(13*time.Hour)/speedup) + 2*time.Minute,
		convs:   map[string]*demoConv{}, logged: time.Now(),
		kakao: "https://bot-api.kakao.com",
	}
	if v, ok := cfg[demoKakaoCallbacks]; ok && *v != "" {
		d.kakao = *v // the sandbox's
	}
	if p.channels != nil {
		for _, ch := range p.channels.mount.On() {
			d.on[ch] = slices.Contains(own, ch)
		}
		if p.channels.email != nil && slices.Contains(own, "email") {
			d.on["email"], d.smtp = true, cfg.str("smtp-listen")
		}
	}
	if p.pg != nil {
		tenant := cfg.str("tenant")
		d.lookup = func(ctx context.Context, region, eventID string) (string, error) {
			var conv string
			err := p.pg.Pool.QueryRow(ctx, fmt.Sprintf(`SELECT conversation_id FROM %s.channel_receipts WHERE tenant_id = $1 AND event_id = $2`,
				postgres.RegionSchema(region)), tenant, eventID).Scan(&conv)
			return conv, err
		}
	}
	return d, nil
}

// route sends one live event on its path.
func (d *demoHooks) route(ctx context.Context, e models.Event, send func(models.Event) error) error {
	now := time.Now()
	if d.events++; d.events%1024 == 0 {
		for id, c := range d.convs {
			if now.Sub(c.seen) > d.horizon {
				delete(d.convs, id)
			}
		}
	}
	if now.Sub(d.logged) > time.Minute {
		d.logged = now
		d.logStats(slog.LevelDebug)
	}
	c := d.convs[e.ConversationID]
	if c == nil {
		c = d.start(&e)
		d.convs[e.ConversationID] = c
	}
	c.seen = now
	if !c.hook {
		return send(e)
	}
	switch e.Type {
	case models.ConversationOpened:
		return nil // the intake opens it with the first message
	case models.ConversationReopened:
		// A customer writing after a resolution: the intake threads the message into an open
		// conversation or opens a new one, and the generator's conversation follows it.
		c.reopened = true
		return nil
	case models.MessageReceived:
		return d.deliver(ctx, c, &e)
	}
	if c.id != "" {
		e.ConversationID = c.id
	}
	d.identify(c, &e)
	return send(e)
}

// start decides a conversation's path from its first event. A conversation goes through the
// webhooks when it is seen from its opening (not cut by the start of the live window), its
// channel is on, and the intake would place its customer in the generator's country.
func (d *demoHooks) start(e *models.Event) *demoConv {
	c := &demoConv{}
	if e.Type != models.ConversationOpened || !d.on[e.Channel] || e.Customer == nil || e.Customer.ExternalID == "" {
		return c
	}
	c.channel, c.user = e.Channel, e.Customer.ExternalID
	if c.channel == "email" {
		c.user = strings.ToLower(c.user) // as the mail parser names the sender
	}
	c.account = demoAccount(c.channel, e.Customer.Country)
	if c.channel == "telegram" {
		c.account = telegramBot(d.cfg)
		if _, err := strconv.ParseInt(c.user, 10, 64); err != nil {
			return c
		}
	}
	// The intake's order: the phone number's country, the account's market, the default.
	country := ""
	if c.channel == "whatsapp" {
		if k, cc, ok := identity.Phone("+"+c.user, ""); ok {
			c.phone, country = k.Value, cc
		}
	}
	if country == "" {
		var ok bool
		if country, ok = d.markets.Country(c.channel, c.account); !ok {
			country = d.defCountry
		}
	}
	if country != e.Customer.Country {
		d.stats.OffMarket++
		return c
	}
	c.hook, c.country = true, country
	d.stats.Conversations++
	return c
}

// identify gives an event the customer fields the intake knows, so that ingest names the same
// pseudonymous customer: the platform user id, and the phone number on WhatsApp.
func (d *demoHooks) identify(c *demoConv, e *models.Event) {
	if e.Customer == nil {
		return
	}
	cu := *e.Customer
	cu.ExternalID, cu.Phone, cu.Email, cu.CRMID = c.user, c.phone, "", ""
	if c.channel == "email" {
		cu.Email = c.user
	}
	e.Customer = &cu
}

// eventID is the id of the event the intake makes of the delivery with platform id pid.
func (d *demoHooks) eventID(c *demoConv, pid string) string {
	return channels.EventID(d.ids, d.tenant, c.channel, c.account, pid)
}

// deliver posts a customer message to its platform's webhook and learns which conversation
// the intake placed it in.
func (d *demoHooks) deliver(ctx context.Context, c *demoConv, e *models.Event) error {
	start := time.Now()
	var pid string
	if c.channel == "email" {
		var err error
		if pid, err = d.mail(ctx, c, e); err != nil {
			return err
		}
	} else {
		var build func(context.Context) (*http.Request, error)
		pid, build = d.delivery(c, e)
		if err := d.post(ctx, c.channel, build); err != nil {
			return err
		}
	}
	d.stats.Messages++
	d.stats.Took += time.Since(start)
	eventID := d.eventID(c, pid)
	got := ""
	if d.lookup != nil {
		var err error
		got, err = d.lookup(ctx, string(d.policy.RegionFor(c.country)), eventID)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			d.log.Debug("demo: looking up a webhook message's conversation", "err", err)
		}
	}
	// The generator's other events follow the message to where the intake placed it: the
	// conversation its first message opened, or whichever the intake chose instead. A
	// conversation the intake opened and never saw resolved would take every later message
	// of the customer.
	first := c.id == ""
	if first {
		c.id = channels.ConversationID(eventID)
	}
	if got != "" && got != c.id {
		switch {
		case first:
			d.stats.Threaded++
		case c.reopened:
			d.stats.Reopened++
		default:
			d.stats.Split++
		}
		c.id = got
	}
	c.reopened = false
	return nil
}

// delivery returns the platform's id of a message and a builder of its signed request.
func (d *demoHooks) delivery(c *demoConv, e *models.Event) (string, func(context.Context) (*http.Request, error)) {
	at, name := e.OccurredAt, ""
	if e.Customer != nil {
		name = e.Customer.Name
	}
	u := d.base + "/webhooks/" + c.channel
	sum := sha256.Sum256([]byte(e.ID))
	n := binary.BigEndian.Uint64(sum[:8])
	var pid string
	var body []byte
	header := http.Header{"Content-Type": {"application/json"}}
	query := func() string { return "" }
	switch c.channel {
	case "whatsapp":
		pid = "wamid." + e.ID
		body = whatsapp.TextDelivery(c.account, c.user, name, pid, e.Text, at)
		header.Set(meta.SignatureHeader, meta.Sign(d.cfg.str("whatsapp-app-secret"), body))
	case "messenger":
		pid = "m_" + e.ID
		body = messenger.TextDelivery(c.account, c.user, pid, e.Text, at)
		header.Set(meta.SignatureHeader, meta.Sign(d.cfg.str("messenger-app-secret"), body))
	case "instagram":
		pid = "aWdf" + e.ID
		body = messenger.InstagramTextDelivery(c.account, c.user, pid, e.Text, at)
		header.Set(meta.SignatureHeader, meta.Sign(d.cfg.str("instagram-app-secret"), body))
	case "line":
		pid = "01" + strings.ToUpper(hex.EncodeToString(sum[:12]))
		body = line.TextDelivery(c.account, c.user, pid, e.Text, at)
		header.Set(line.SignatureHeader, line.Sign(d.cfg.str("line-channel-secret"), body))
	case "telegram":
		user, _ := strconv.ParseInt(c.user, 10, 64)
		msg := int64(n>>33) + 1
		pid = strconv.FormatInt(user, 10) + ":" + strconv.FormatInt(msg, 10)
		body = telegram.TextDelivery(int64(n>>34)+1, user, msg, firstName(name), e.Language, e.Text, at)
		telegram.Sign(header, d.cfg.str("telegram-secret-token"))
	case "kakaotalk":
		body = kakao.TextDelivery(c.account, c.user, e.Text, d.kakao+"/v1/callback/"+hex.EncodeToString(sum[:16]))
		pid = kakao.MessageID(c.user, e.Text, body)
		kakao.Sign(header, d.cfg.str("kakao-secret"))
	case "wechat":
		pid = strconv.FormatUint(n%1e18, 10)
		body = wechat.TextDelivery(c.account, c.user, pid, e.Text, at)
		header.Set("Content-Type", "text/xml")
		token := d.cfg.str("wechat-token")
		query = func() string {
			ts := strconv.FormatInt(time.Now().Unix(), 10)
			nonce := strconv.FormatUint(uint64(time.Now().UnixNano())%1e9, 10)
			return "?" + url.Values{"signature": {wechat.Signature(token, ts, nonce)}, "timestamp": {ts}, "nonce": {nonce}}.Encode()
		}
	}
	return pid, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u+query(), bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header = header.Clone()
		return req, nil
	}
}

// mail sends a customer's e-mail to the SMTP listener, retrying as a mail server does on a
// temporary refusal, and returns its Message-ID.
func (d *demoHooks) mail(ctx context.Context, c *demoConv, e *models.Event) (string, error) {
	sum := sha256.Sum256([]byte(e.ID))
	pid := "demo-" + hex.EncodeToString(sum[:12]) + "@mail.example"
	subject := e.Text
	if r := []rune(subject); len(r) > 48 {
		subject = string(r[:48]) + "…"
	}
	raw := email.Compose(c.user, c.account, subject, e.Text, pid, "", e.OccurredAt)
	if raw == nil {
		return "", fmt.Errorf("demo: mail from %s cannot be composed", c.channel)
	}
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
		err := email.Deliver(ctx, d.smtp, c.user, []string{c.account}, raw)
		if err == nil {
			return pid, nil
		}
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		var se *smtp.SMTPError
		if !errors.As(err, &se) || !se.Temporary() {
			return "", fmt.Errorf("demo: mail to the SMTP listener: %w", err)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(wait):
		}
	}
}

func firstName(name string) string {
	if f, _, ok := strings.Cut(name, " "); ok {
		return f
	}
	return name
}

// post delivers one request, retrying as the platforms do while Meridian does not acknowledge.
func (d *demoHooks) post(ctx context.Context, channel string, build func(context.Context) (*http.Request, error)) error {
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
		req, err := build(ctx)
		if err != nil {
			return err
		}
		resp, err := d.client.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("POST /webhooks/%s: %w", channel, err)
		}
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusOK:
			return nil
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
		default:
			return fmt.Errorf("POST /webhooks/%s answered %d: %s", channel, resp.StatusCode, bytes.TrimSpace(msg))
		}
	}
}

func (d *demoHooks) logStats(level slog.Level) {
	s := d.stats
	per := time.Duration(0)
	if s.Messages > 0 {
		per = s.Took / time.Duration(s.Messages)
	}
	d.log.Log(context.Background(), level, "demo webhooks", "conversations", s.Conversations, "off_market", s.OffMarket,
		"messages", s.Messages, "per_message", per.Round(10*time.Microsecond),
		"threaded_into_open_conversation", s.Threaded, "reopened_as_new_conversation", s.Reopened, "split_from_conversation", s.Split)
}
