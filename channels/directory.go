package channels

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/meridian-cs/meridian/identity"
	"github.com/meridian-cs/meridian/models"
)

// Graph is the identity graph as people read and change it (store/postgres.Graph).
type Graph interface {
	Customer(ctx context.Context, tenant, id string) (identity.Customer, error)
	ByKey(ctx context.Context, tenant string, k identity.Key) (customerID, region string, err error)
	Link(ctx context.Context, region, tenant, customerID string, k identity.Key, reason string) (merged []string, err error)
	Unlink(ctx context.Context, region, tenant string, k identity.Key) (from, to string, err error)
	SetCountry(ctx context.Context, region, tenant, customerID, country string) (previous string, err error)
}

// Directory is the identity graph with every merge and unmerge recorded as an event
// (customer.merged, customer.unmerged), so analytics and audits see them.
type Directory struct {
	Graph
	Ingest Acceptor
	Now    func() time.Time
}

// Link implements the GraphQL Customers interface: Graph.Link, then one customer.merged
// event per customer folded in.
func (d *Directory) Link(ctx context.Context, region, tenant, customerID string, k identity.Key, reason string) ([]string, error) {
	merged, err := d.Graph.Link(ctx, region, tenant, customerID, k, reason)
	if err != nil || len(merged) == 0 {
		return merged, err
	}
	events := make([]models.Event, 0, len(merged))
	for _, m := range merged {
		e, err := d.event(ctx, tenant, models.CustomerMerged, customerID, reason, "merged_customer_id", m)
		if err != nil {
			return merged, err
		}
		events = append(events, e)
	}
	return merged, d.Ingest.Accept(ctx, tenant, events)
}

// Unlink is Graph.Unlink, then a customer.unmerged event.
func (d *Directory) Unlink(ctx context.Context, region, tenant string, k identity.Key) (string, string, error) {
	from, to, err := d.Graph.Unlink(ctx, region, tenant, k)
	if err != nil {
		return from, to, err
	}
	e, err := d.event(ctx, tenant, models.CustomerUnmerged, from, "identity unlinked", "unmerged_customer_id", to)
	if err != nil {
		return from, to, err
	}
	return from, to, d.Ingest.Accept(ctx, tenant, []models.Event{e})
}

func (d *Directory) event(ctx context.Context, tenant, typ, customerID, reason, attr, other string) (models.Event, error) {
	c, err := d.Graph.Customer(ctx, tenant, customerID)
	if err != nil {
		return models.Event{}, err
	}
	return mergeEvent(typ, c.ID, c.Country, reason, attr, other, d.Now()), nil
}

// directoryEventID names an event of a change to a customer: its type, the customer's
// pseudonym and what makes it unique (no platform id), hashed only when too long.
func directoryEventID(typ, customerID, unique string) string {
	id := typ + ":" + customerID + ":" + unique
	if len(id) <= models.MaxIDLen {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return typ + ":" + hex.EncodeToString(sum[:20])
}

func mergeEvent(typ, customerID, country, reason, attr, other string, at time.Time) models.Event {
	return models.Event{
		ID:   directoryEventID(typ, customerID, fmt.Sprintf("%s:%d", other, at.UnixNano())),
		Type: typ, OccurredAt: at.UTC(), Customer: &models.Customer{Country: country}, CustomerID: customerID,
		Reason: reason, Attributes: map[string]string{attr: other},
	}
}

// SetCountry corrects a customer's country (the customer told an agent, the CRM knows better)
// and records it as a customer.updated event, which travels to the new country's region. The
// customer's later messages are placed by it; their earlier events stay where they are.
func (d *Directory) SetCountry(ctx context.Context, tenant, customerID, country, reason string) (identity.Customer, error) {
	c, err := d.Graph.Customer(ctx, tenant, customerID)
	if err != nil {
		return c, err
	}
	prev, err := d.Graph.SetCountry(ctx, c.Region, tenant, c.ID, country)
	if err != nil {
		return c, err
	}
	if prev != country {
		e := models.Event{
			ID:   directoryEventID(models.CustomerUpdated, c.ID, fmt.Sprintf("%d", d.Now().UnixNano())),
			Type: models.CustomerUpdated, OccurredAt: d.Now().UTC(), Customer: &models.Customer{Country: country}, CustomerID: c.ID,
			Reason: reason, Attributes: map[string]string{"previous_country": prev},
		}
		if err := d.Ingest.Accept(ctx, tenant, []models.Event{e}); err != nil {
			return c, err
		}
	}
	return d.Graph.Customer(ctx, tenant, c.ID)
}
