package crm

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"
)

// The tiers Meridian's identity graph and routing know (routing.PriorityOf reads "vip").
const (
	TierVIP       = "vip"
	TierReturning = "returning"
	TierNew       = "new"
)

// ErrNotFound: the CRM knows no customer by the keys given.
var ErrNotFound = errors.New("crm: customer not found")

// ErrNoKey: the lookup names no e-mail address, phone number or external id.
var ErrNoKey = errors.New("crm: no e-mail, phone or external id to look up")

// Lookup names the customer by any of the keys the identity graph holds; the first
// non-empty one of Email, Phone, ExternalID is used, in that order.
type Lookup struct {
	Email, Phone, ExternalID string
}

// Case is a support case (Salesforce Case, Zendesk ticket) as the CRM reports it.
type Case struct {
	ID      string
	Subject string
	// Status is the CRM's own status ("New", "Working", "open", "pending", ...).
	Status    string
	UpdatedAt time.Time
}

// Profile is what the CRM says about one customer.
type Profile struct {
	// CustomerID is the CRM's id of the customer (Contact Id, Zendesk user id).
	CustomerID string
	// Tier is TierVIP, TierReturning or TierNew.
	Tier string
	// OpenCases are the customer's cases not yet closed, most recently updated first.
	OpenCases []Case
	// History holds recently closed cases, most recently updated first, at most
	// Config.HistoryLimit.
	History []Case
	// Source names the CRM: "salesforce" or "zendesk".
	Source string
}

// Directory finds a customer's profile in a CRM.
type Directory interface {
	// Profile returns the profile of the customer the lookup names, ErrNotFound when the
	// CRM knows none, ErrNoKey for an empty lookup, or a *provider.Error.
	Profile(ctx context.Context, l Lookup) (Profile, error)
	// Name is the CRM's name, as in Profile.Source.
	Name() string
}

// tierOf maps a CRM's value to a Meridian tier through values (keys compared
// case-insensitively), falling back to what the cases say.
func tierOf(raw string, values map[string]string, hasCases bool) string {
	if t, ok := mapTier(raw, values); ok {
		return t
	}
	if hasCases {
		return TierReturning
	}
	return TierNew
}

func mapTier(raw string, values map[string]string) (string, bool) {
	v := strings.ToLower(strings.TrimSpace(raw))
	if v == "" {
		return "", false
	}
	for k, t := range values {
		if strings.ToLower(strings.TrimSpace(k)) == v {
			return t, true
		}
	}
	switch v {
	case TierVIP, TierReturning, TierNew:
		return v, true
	}
	return "", false
}

// split sorts cases most recent first and parts them into open ones and closed ones (at
// most limit).
func split(cases []Case, closed func(i int) bool, limit int) (open, history []Case) {
	idx := make([]int, len(cases))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return cases[idx[a]].UpdatedAt.After(cases[idx[b]].UpdatedAt) })
	for _, i := range idx {
		if !closed(i) {
			open = append(open, cases[i])
		} else if len(history) < limit {
			history = append(history, cases[i])
		}
	}
	return open, history
}
