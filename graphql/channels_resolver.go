package graphql

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/compliance/audit"
	"github.com/meridian-cs/meridian/graphql/generated"
	"github.com/meridian-cs/meridian/identity"
	"github.com/meridian-cs/meridian/models"
)

// Customers is the identity graph as the customer fields use it (store/postgres.Graph).
type Customers interface {
	Customer(ctx context.Context, tenant, id string) (identity.Customer, error)
	ByKey(ctx context.Context, tenant string, k identity.Key) (customerID, region string, err error)
	Link(ctx context.Context, region, tenant, customerID string, k identity.Key, reason string) (merged []string, err error)
	Unlink(ctx context.Context, region, tenant string, k identity.Key) (from, to string, err error)
	SetCountry(ctx context.Context, tenant, customerID, country, reason string) (identity.Customer, error)
}

// ChannelSettings stores tenants' own channel accounts (cmd/meridian builds and checks them).
type ChannelSettings interface {
	Configure(ctx context.Context, tenant, channel string, values map[string]string) (channels.Configured, error)
}

// Replies sends replies and reads them back (channels.Outbox).
type Replies interface {
	Address(ctx context.Context, tenant, conversationID string) (channels.Address, error)
	Send(ctx context.Context, r channels.Reply) (channels.OutboundMessage, error)
	Message(ctx context.Context, tenant, id string) (channels.OutboundMessage, error)
}

// Customer returns the Customer field resolver.
func (r *Resolver) Customer() generated.CustomerResolver { return customerResolver{r} }

// OutboundMessage returns the OutboundMessage field resolver.
func (r *Resolver) OutboundMessage() generated.OutboundMessageResolver {
	return outboundMessageResolver{r}
}

type (
	customerResolver        struct{ *Resolver }
	outboundMessageResolver struct{ *Resolver }
)

func errNotConfigured(what string) error {
	return statusErrorf(http.StatusServiceUnavailable, "%s: channels are not configured on this server", what)
}

func (r queryResolver) Customer(ctx context.Context, id string) (*identity.Customer, error) {
	p, err := r.principalFor(ctx, auth.ActionReadCustomers, "")
	if err != nil {
		return nil, err
	}
	if r.customers == nil {
		return nil, errNotConfigured("customer")
	}
	return r.customer(ctx, p, id)
}

// customer reads a customer the caller may see, or nil.
func (r *Resolver) customer(ctx context.Context, p auth.Principal, id string) (*identity.Customer, error) {
	c, err := r.customers.Customer(ctx, p.Tenant, id)
	if errors.Is(err, identity.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, r.fail(ctx, err)
	}
	if err := p.Check(auth.ActionReadCustomers, c.Region); err != nil {
		return nil, r.fail(ctx, err)
	}
	return &c, nil
}

func (r queryResolver) CustomerByIdentity(ctx context.Context, channel, externalID string) (*identity.Customer, error) {
	p, err := r.principalFor(ctx, auth.ActionReadCustomers, "")
	if err != nil {
		return nil, err
	}
	if r.customers == nil {
		return nil, errNotConfigured("customerByIdentity")
	}
	k, err := identity.Parse(channel, externalID)
	if err != nil {
		return nil, statusErrorf(http.StatusBadRequest, "customerByIdentity(channel: %q): %s", channel, err)
	}
	id, _, err := r.customers.ByKey(ctx, p.Tenant, k)
	if errors.Is(err, identity.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, r.fail(ctx, err)
	}
	return r.customer(ctx, p, id)
}

func (r queryResolver) OutboundMessage(ctx context.Context, id string) (*channels.OutboundMessage, error) {
	p, err := r.principalFor(ctx, auth.ActionReadCustomers, "")
	if err != nil {
		return nil, err
	}
	if r.replies == nil {
		return nil, errNotConfigured("outboundMessage")
	}
	m, err := r.replies.Message(ctx, p.Tenant, id)
	if errors.Is(err, channels.ErrNoMessage) {
		return nil, nil
	}
	if err != nil {
		return nil, r.fail(ctx, err)
	}
	if err := p.Check(auth.ActionReadCustomers, m.Region); err != nil {
		return nil, r.fail(ctx, err)
	}
	return &m, nil
}

func (r mutationResolver) SendMessage(ctx context.Context, in generated.SendMessageInput) (*channels.OutboundMessage, error) {
	p, err := r.principalFor(ctx, auth.ActionReply, "")
	if err != nil {
		return nil, err
	}
	if r.replies == nil {
		return nil, errNotConfigured("sendMessage")
	}
	text, loc, err := r.localise(ctx, p, in)
	if err != nil {
		return nil, err
	}
	m, err := r.replies.Send(ctx, channels.Reply{
		Tenant: p.Tenant, ConversationID: in.ConversationID, Text: text, ClientMessageID: deref(in.ClientMessageID),
		Localisation: loc, Allowed: func(region string) bool { return p.Can(auth.ActionReply, region) },
	})
	switch {
	case errors.Is(err, channels.ErrEmptyText), errors.Is(err, channels.ErrTextTooLong):
		return nil, statusErrorf(http.StatusBadRequest, "sendMessage.input.text: %s", err)
	case errors.Is(err, channels.ErrNoAddress):
		return nil, statusErrorf(http.StatusBadRequest, "sendMessage.input.conversationId: %s", err)
	case errors.Is(err, channels.ErrNoSender):
		return nil, statusErrorf(http.StatusConflict, "sendMessage.input.conversationId: %s", err)
	case errors.Is(err, channels.ErrForbidden):
		return nil, statusErrorf(http.StatusForbidden, "sendMessage.input.conversationId: %s", err)
	case errors.Is(err, channels.ErrNoConsent):
		return nil, statusErrorf(http.StatusConflict, "sendMessage: %s", err)
	case err != nil:
		return nil, r.fail(ctx, err)
	}
	return &m, nil
}

func (r mutationResolver) LinkIdentities(ctx context.Context, in generated.LinkIdentitiesInput) (*identity.Customer, error) {
	p, err := r.principalFor(ctx, auth.ActionLinkIdentities, "")
	if err != nil {
		return nil, err
	}
	if r.customers == nil {
		return nil, errNotConfigured("linkIdentities")
	}
	if len(in.Identities) == 0 {
		return nil, statusErrorf(http.StatusBadRequest, "linkIdentities.input.identities: give at least one identity")
	}
	keys := make([]identity.Key, len(in.Identities))
	for i, id := range in.Identities {
		k, err := identity.Parse(id.Kind, id.Value)
		if err != nil {
			return nil, statusErrorf(http.StatusBadRequest, "linkIdentities.input.identities[%d]: %s", i, err)
		}
		keys[i] = k
	}
	c, err := r.changeable(ctx, p, "linkIdentities", in.CustomerID)
	if err != nil {
		return nil, err
	}
	reason := deref(in.Reason)
	if reason == "" {
		reason = "confirmed by " + p.Role
	}
	for i, k := range keys {
		if _, err := r.customers.Link(ctx, c.Region, p.Tenant, c.ID, k, reason); err != nil {
			if errors.Is(err, identity.ErrOtherRegion) {
				return nil, statusErrorf(http.StatusConflict, "linkIdentities.input.identities[%d]: %s", i, err)
			}
			return nil, r.fail(ctx, err)
		}
	}
	r.recordAction(ctx, audit.Entry{Action: audit.ActionLinkIdentities, Region: c.Region, Subject: c.ID})
	return r.customer(ctx, p, c.ID)
}

func (r mutationResolver) UnlinkIdentity(ctx context.Context, in generated.IdentityInput) (*identity.Customer, error) {
	p, err := r.principalFor(ctx, auth.ActionLinkIdentities, "")
	if err != nil {
		return nil, err
	}
	if r.customers == nil {
		return nil, errNotConfigured("unlinkIdentity")
	}
	k, err := identity.Parse(in.Kind, in.Value)
	if err != nil {
		return nil, statusErrorf(http.StatusBadRequest, "unlinkIdentity.input: %s", err)
	}
	_, region, err := r.customers.ByKey(ctx, p.Tenant, k)
	if errors.Is(err, identity.ErrNotFound) {
		return nil, statusErrorf(http.StatusBadRequest, "unlinkIdentity.input: no customer has this identity")
	}
	if err != nil {
		return nil, r.fail(ctx, err)
	}
	if err := p.Check(auth.ActionLinkIdentities, region); err != nil {
		return nil, r.fail(ctx, err)
	}
	_, to, err := r.customers.Unlink(ctx, region, p.Tenant, k)
	if err != nil {
		return nil, r.fail(ctx, fmt.Errorf("unlink: %w", err))
	}
	r.recordAction(ctx, audit.Entry{Action: audit.ActionUnlinkIdentity, Region: region, Subject: to})
	return r.customer(ctx, p, to)
}

// Identities shows each value as the caller's role may see it, and audits the read.
func (r customerResolver) Identities(ctx context.Context, c *identity.Customer) ([]generated.CustomerIdentity, error) {
	p, _ := auth.FromContext(ctx)
	out := make([]generated.CustomerIdentity, len(c.Identities))
	for i, id := range c.Identities {
		out[i] = generated.CustomerIdentity{
			Kind: id.Key.Kind, Value: r.gate.Identity(ctx, p, c.Region, c.ID, id.Key.Value),
			Origin: id.Origin, CreatedAt: id.CreatedAt,
		}
	}
	return out, nil
}

// Text is the reply's text through the gate, like a message's.
func (r outboundMessageResolver) Text(ctx context.Context, m *channels.OutboundMessage) (string, error) {
	p, _ := auth.FromContext(ctx)
	return r.gate.Text(ctx, p, m.Region, m.CustomerID, m.Text), nil
}

func (r mutationResolver) SetCustomerCountry(ctx context.Context, in generated.SetCustomerCountryInput) (*identity.Customer, error) {
	p, err := r.principalFor(ctx, auth.ActionLinkIdentities, "")
	if err != nil {
		return nil, err
	}
	if r.customers == nil {
		return nil, errNotConfigured("setCustomerCountry")
	}
	country, ok := models.CanonicalCountry(in.Country)
	if !ok {
		return nil, statusErrorf(http.StatusBadRequest, "setCustomerCountry.input.country: %q is not an ISO 3166-1 country", in.Country)
	}
	c, err := r.changeable(ctx, p, "setCustomerCountry", in.CustomerID)
	if err != nil {
		return nil, err
	}
	reason := deref(in.Reason)
	if reason == "" {
		reason = "corrected by " + p.Role
	}
	updated, err := r.customers.SetCountry(ctx, p.Tenant, c.ID, country, reason)
	if err != nil {
		return nil, r.fail(ctx, err)
	}
	r.recordAction(ctx, audit.Entry{Action: audit.ActionSetCountry, Region: c.Region, Subject: c.ID})
	return &updated, nil
}

// changeable reads the customer a mutation (named for its errors) changes, if p may change
// customers of its region.
func (r *Resolver) changeable(ctx context.Context, p auth.Principal, mutation, id string) (identity.Customer, error) {
	c, err := r.customers.Customer(ctx, p.Tenant, id)
	if errors.Is(err, identity.ErrNotFound) {
		return c, statusErrorf(http.StatusBadRequest, "%s.input.customerId: no customer %q", mutation, id)
	}
	if err != nil {
		return c, r.fail(ctx, err)
	}
	if err := p.Check(auth.ActionLinkIdentities, c.Region); err != nil {
		return c, r.fail(ctx, err)
	}
	return c, nil
}

func (r mutationResolver) ConfigureChannel(ctx context.Context, in generated.ConfigureChannelInput) (*channels.Configured, error) {
	p, err := r.principalFor(ctx, auth.ActionConfigure, "")
	if err != nil {
		return nil, err
	}
	if r.channelSettings == nil {
		return nil, errNotConfigured("configureChannel")
	}
	values := make(map[string]string, len(in.Settings))
	for i, s := range in.Settings {
		if _, dup := values[s.Name]; dup {
			return nil, statusErrorf(http.StatusBadRequest, "configureChannel.input.settings[%d].name: %s is given twice", i, s.Name)
		}
		values[s.Name] = s.Value
	}
	c, err := r.channelSettings.Configure(ctx, p.Tenant, in.Channel, values)
	var se *channels.SettingError
	if errors.As(err, &se) {
		return nil, statusErrorf(http.StatusBadRequest, "configureChannel.input.%s", se.Error())
	}
	if err != nil {
		return nil, r.fail(ctx, err)
	}
	// The settings' values are secrets: the entry names the channel only.
	r.recordAction(ctx, audit.Entry{Action: audit.ActionConfigureChannel, Subject: in.Channel})
	return &c, nil
}

// Channels lists models.Channels, each with whether this server has it on, so a client offers
// the channels Meridian knows without a copy of its own.
func (r queryResolver) Channels(ctx context.Context) ([]generated.ChannelInfo, error) {
	if _, ok := auth.FromContext(ctx); !ok {
		return nil, statusErrorf(http.StatusUnauthorized, "channels: no API key")
	}
	out := make([]generated.ChannelInfo, len(models.Channels))
	for i, name := range models.Channels {
		out[i] = generated.ChannelInfo{Name: name, Configured: slices.Contains(r.channelsOn, name)}
	}
	return out, nil
}
