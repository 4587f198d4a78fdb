package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/store/postgres"
)

// tenantPlatform is the platform a tenant may configure its own account of: the webhook
// platforms, by their settings' prefix. E-mail and web chat listen on the process's own
// addresses and are configured by the environment only.
func tenantPlatform(name string) (webhookPlatform, bool) {
	for _, pl := range webhookPlatforms {
		if pl.name == name {
			return pl, true
		}
	}
	return webhookPlatform{}, false
}

// tenantSettingsTTL is how long a tenant's built channel is reused before its settings are
// read again: a change applies within it on every instance.
const tenantSettingsTTL = 30 * time.Second

// tenantChannels builds tenants' own channels from their settings in PostgreSQL (sealed with
// the master key), for the webhook mount (/webhooks/{channel}/{tenant}) and the outbox.
type tenantChannels struct {
	p      *platform
	intake *channels.Pipeline // copied per tenant

	mu    sync.Mutex
	cache map[[2]string]tenantChannel
}

type tenantChannel struct {
	ch     channels.Channel
	ok     bool
	loaded time.Time
}

func (t *tenantChannels) Intake(tenant string) channels.Intake {
	p := *t.intake
	p.Tenant = tenant
	return &p
}

// Channel implements channels.TenantChannels.
func (t *tenantChannels) Channel(ctx context.Context, tenant, name string) (channels.Channel, bool, error) {
	if _, ok := tenantPlatform(name); !ok {
		return channels.Channel{}, false, nil
	}
	k := [2]string{tenant, name}
	t.mu.Lock()
	c, hit := t.cache[k]
	t.mu.Unlock()
	if hit && time.Since(c.loaded) < tenantSettingsTTL {
		return c.ch, c.ok, nil
	}
	sealed, _, err := t.p.pg.ChannelSettings(ctx, tenant, name)
	if errors.Is(err, postgres.ErrNoSettings) {
		t.put(k, tenantChannel{loaded: time.Now()})
		return channels.Channel{}, false, nil
	}
	if err != nil {
		return channels.Channel{}, false, err
	}
	plain, err := t.p.keyring.OpenSecret(sealed)
	if err != nil {
		return channels.Channel{}, false, err
	}
	var values map[string]string
	if err := json.Unmarshal(plain, &values); err != nil {
		return channels.Channel{}, false, fmt.Errorf("tenant %s %s settings: %w", tenant, name, err)
	}
	ch, err := t.build(name, values)
	if err != nil {
		return channels.Channel{}, false, err
	}
	t.put(k, tenantChannel{ch: ch, ok: true, loaded: time.Now()})
	return ch, true, nil
}

func (t *tenantChannels) put(k [2]string, c tenantChannel) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cache == nil {
		t.cache = map[[2]string]tenantChannel{}
	}
	t.cache[k] = c
}

// Sender implements channels.TenantSenders.
func (t *tenantChannels) Sender(ctx context.Context, tenant, channel string) (channels.Outbound, error) {
	ch, ok, err := t.Channel(ctx, tenant, channel)
	if err != nil || !ok {
		return nil, err
	}
	return ch.Outbound, nil
}

// build makes a channel from a tenant's settings alone: the environment's settings of that
// channel (the default tenant's accounts) never leak into another tenant's.
func (t *tenantChannels) build(name string, values map[string]string) (channels.Channel, error) {
	pl, _ := tenantPlatform(name)
	cfg := config{}
	for _, s := range settings {
		v := *t.p.cfg[s.flag]
		if strings.HasPrefix(s.flag, pl.prefix) {
			v = s.def
		}
		if given, ok := values[s.env]; ok {
			v = given
		}
		cfg[s.flag] = &v
	}
	c, err := buildChannel(cfg, pl)
	if err == nil && c.Off != "" {
		err = &channels.SettingError{Setting: "settings", Reason: c.Off}
	}
	return c, err
}

// Configure checks a tenant's settings of a channel by building the channel, then stores
// them sealed. Settings are named by their environment variables (MERIDIAN_LINE_CHANNEL_SECRET).
func (t *tenantChannels) Configure(ctx context.Context, tenant, name string, values map[string]string) (channels.Configured, error) {
	pl, ok := tenantPlatform(name)
	if !ok {
		names := make([]string, 0, len(webhookPlatforms))
		for _, p := range webhookPlatforms {
			names = append(names, p.name)
		}
		slices.Sort(names)
		return channels.Configured{}, &channels.SettingError{Setting: "channel", Reason: fmt.Sprintf("%q cannot be configured per tenant (one of %s)", name, strings.Join(names, ", "))}
	}
	allowed := map[string]bool{}
	for _, s := range settings {
		if strings.HasPrefix(s.flag, pl.prefix) {
			allowed[s.env] = true
		}
	}
	var given []string
	for k := range values {
		if !allowed[k] {
			return channels.Configured{}, &channels.SettingError{Setting: k, Reason: "is not a setting of " + name}
		}
		given = append(given, k)
	}
	slices.Sort(given)
	if _, err := t.build(name, values); err != nil {
		var se *channels.SettingError
		if errors.As(err, &se) {
			return channels.Configured{}, err
		}
		return channels.Configured{}, &channels.SettingError{Setting: "settings", Reason: err.Error()}
	}
	plain, err := json.Marshal(values)
	if err != nil {
		return channels.Configured{}, err
	}
	sealed, err := t.p.keyring.SealSecret(plain)
	if err != nil {
		return channels.Configured{}, err
	}
	at, err := t.p.pg.PutChannelSettings(ctx, tenant, name, sealed)
	if err != nil {
		return channels.Configured{}, err
	}
	t.mu.Lock()
	delete(t.cache, [2]string{tenant, name})
	t.mu.Unlock()
	return channels.Configured{Channel: name, WebhookPath: "/webhooks/" + name + "/" + tenant, Settings: given, UpdatedAt: at}, nil
}
