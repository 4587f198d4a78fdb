package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/conversation/engine"
)

// handoffWatchEvery is how often each region's engine looks for conversations whose shift
// ended (follow-the-sun).
const handoffWatchEvery = time.Minute

// engineOutbox is how the engine writes to customers itself (follow-the-sun notices, the
// AI's answers): the channels' outbox, which starts after the engine; until then, and
// without channels, nothing is sent.
type engineOutbox struct {
	outbox atomic.Pointer[channels.Outbox]
}

// send sends r once per r.ClientMessageID.
func (n *engineOutbox) send(ctx context.Context, r channels.Reply) (channels.OutboundMessage, error) {
	o := n.outbox.Load()
	if o == nil {
		return channels.OutboundMessage{}, errors.New("the channels are not started")
	}
	return o.Send(ctx, r)
}

// Notify implements engine.Notifier; key is the reply's client message id, so a notice is
// sent once however often it is asked for.
func (n *engineOutbox) Notify(ctx context.Context, tenant, conv, language, template, text, key string) error {
	_, err := n.send(ctx, channels.Reply{Tenant: tenant, ConversationID: conv, Text: text, ClientMessageID: key,
		Localisation: &channels.Localisation{Language: language, Template: template}})
	if errors.Is(err, channels.ErrNoSender) || errors.Is(err, channels.ErrNoAddress) {
		return nil // nothing can reach this customer here: nothing to retry until the gap ends
	}
	return err
}

// followTheSun reads --follow-the-sun: the regions in the order the sun passes them, each a
// region of this deployment; nil when off.
func (p *platform) followTheSun() (*engine.FollowTheSun, error) {
	v := strings.TrimSpace(p.cfg.str("follow-the-sun"))
	if v == "" {
		return nil, nil
	}
	var order []string
	for _, r := range strings.Split(v, ",") {
		r = strings.ToLower(strings.TrimSpace(r))
		if !slices.Contains(p.regions, r) {
			return nil, fmt.Errorf("--follow-the-sun: %q is not a region of this deployment (%s)", r, strings.Join(p.regions, ", "))
		}
		if slices.Contains(order, r) {
			return nil, fmt.Errorf("--follow-the-sun: %q is named twice", r)
		}
		order = append(order, r)
	}
	if len(order) < 2 {
		return nil, fmt.Errorf("--follow-the-sun: %q names fewer than two regions", v)
	}
	return &engine.FollowTheSun{Regions: order, Notify: p.engineOut, Translator: p.translator}, nil
}
