// Package identity is the identity graph's domain: the keys a person is known by (a platform
// user id on each channel, phone numbers in E.164, e-mail addresses, CRM ids, order numbers,
// verified web-chat user ids), how raw values become those keys, and which keys may link two
// customers on their own. The graph itself lives in PostgreSQL, region by region
// (store/postgres implements Store); its values are personal data, sealed at rest with the
// customer's data key and found through keyed hashes.
package identity

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/meridian-cs/meridian/models"
)

// Kinds of keys beyond channel user ids (whose kind is the channel's name).
const (
	KindPhone   = "phone"
	KindEmail   = "email"
	KindCRM     = "crm"
	KindOrder   = "order"
	KindWebchat = "webchat_user" // a user id the shop signed (web chat identity verification)
)

// Key is one normalised identity key.
type Key struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

func (k Key) String() string { return k.Kind + ":" + k.Value }

// Deterministic reports whether the key names one person wherever it appears, so that two
// customers holding it are one: a phone number, an e-mail address, a CRM id, an order number,
// a verified shop user id. A channel's user id only names an address on that channel.
func (k Key) Deterministic() bool {
	switch k.Kind {
	case KindPhone, KindEmail, KindCRM, KindOrder, KindWebchat:
		return true
	}
	return false
}

// Phone normalises a phone number to E.164 with github.com/nyaruka/phonenumbers. A number
// without a country code is read as one of defaultCountry. It returns the key and the
// number's country (ISO 3166-1), or false when it is not a valid number.
func Phone(raw, defaultCountry string) (Key, string, bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return Key{}, "", false
	}
	// WhatsApp's wa_id and many exports are E.164 without the '+'.
	if raw[0] != '+' && len(raw) >= 10 && onlyDigits(raw) && defaultCountry == "" {
		raw = "+" + raw
	}
	region := strings.ToUpper(defaultCountry)
	if region == "" {
		region = "ZZ"
	}
	n, err := phonenumbers.Parse(raw, region)
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return Key{}, "", false
	}
	country := phonenumbers.GetRegionCodeForNumber(n)
	return Key{KindPhone, phonenumbers.Format(n, phonenumbers.E164)}, country, true
}

func onlyDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Email normalises an e-mail address (case-insensitive, surrounding space and angle brackets
// removed). It does not fold Gmail's dots or plus tags: those are the address the customer
// wrote from, and a reply must go there.
func Email(raw string) (Key, bool) {
	v := strings.ToLower(strings.Trim(strings.TrimSpace(raw), "<>"))
	at := strings.LastIndexByte(v, '@')
	if at <= 0 || at == len(v)-1 || strings.ContainsAny(v, " \t\r\n,;") {
		return Key{}, false
	}
	return Key{KindEmail, v}, true
}

// ChannelUser is the key of a platform user id on a channel. A WhatsApp id is the customer's
// number in digits, however it is written ("+55 11 98765-4321" is 5511987654321).
func ChannelUser(channel, id string) Key {
	id = strings.TrimSpace(id)
	if channel == "whatsapp" {
		id = strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, id)
	}
	return Key{channel, id}
}

// Parse reads a key given by a caller (GraphQL's linkIdentities): kind and value, normalised.
func Parse(kind, value string) (Key, error) {
	kind = strings.ToLower(strings.TrimSpace(kind))
	switch kind {
	case KindPhone:
		k, _, ok := Phone(value, "")
		if !ok {
			return Key{}, errors.New("not a valid phone number (give it with its country code, +CC...)")
		}
		return k, nil
	case KindEmail:
		k, ok := Email(value)
		if !ok {
			return Key{}, errors.New("not an e-mail address")
		}
		return k, nil
	case KindCRM, KindOrder, KindWebchat:
	default:
		if !models.ValidChannel(kind) {
			return Key{}, errors.New("unknown identity kind (phone, email, crm, order, webchat_user or a channel)")
		}
	}
	k := Key{kind, strings.TrimSpace(value)}
	if models.ValidChannel(kind) {
		k = ChannelUser(kind, value)
	}
	if k.Value == "" || len(k.Value) > models.MaxIDLen {
		return Key{}, errors.New("value must be 1 to 200 bytes")
	}
	return k, nil
}

// Identity is one key as the graph holds it.
type Identity struct {
	Key        Key
	CustomerID string
	// Origin says how the key joined the customer: message (a message came from it),
	// signature (found in a message), confirmed (an agent or the customer confirmed it),
	// verified (a shop signed it).
	Origin    string
	CreatedAt time.Time
}

// Observation is what one inbound message tells the graph.
type Observation struct {
	Tenant string
	// Address is the key the message came from (the channel user id, or the e-mail address).
	Address Key
	// Also are other keys the platform gives for the sender (the phone number behind a
	// WhatsApp id, an e-mail address from a profile).
	Also []Key
	// Mentioned are keys found in the message itself (a number in an e-mail signature).
	Mentioned []Key
	// Verified are keys a shop vouched for (a signed web-chat user id).
	Verified []Key
	// Country guessed for a new customer (phone number, channel market, tenant default).
	Country string
	// Seed names a new customer pseudonymously (ingest.Identity of the customer fields), so
	// that a customer first seen on a channel has the id its events would have had.
	Seed string
	At   time.Time
}

// Resolution is the customer behind an observation.
type Resolution struct {
	CustomerID string
	Region     string
	Country    string
	// Merged lists customers that the observation's deterministic keys folded into this one.
	Merged []string
	New    bool
}

// Errors of the graph.
var (
	ErrNotFound = errors.New("identity: not found")
	// ErrOtherRegion: two customers in different residency regions are never merged, because
	// one of them would have to leave the region their data must stay in.
	ErrOtherRegion = errors.New("identity: customers in different residency regions cannot be merged")
)

// Store is the graph's storage.
type Store interface {
	// Observe finds or creates the customer an inbound message came from, attaching the keys
	// it carries, in one transaction.
	Observe(ctx context.Context, o Observation) (Resolution, error)
}

// Customer is one person as the graph knows them.
type Customer struct {
	ID      string
	Region  string
	Country string
	// MergedIDs are customers folded into this one; their past events keep those ids.
	MergedIDs     []string
	Identities    []Identity
	Conversations []Conversation
	// Channels the customer wrote on, most recent first.
	Channels []string
	// PreferredChannel is where the customer answers: the channel of their replies to
	// Meridian's messages (the first message within 72 hours of one), most often; without
	// replies, the channel they last wrote on.
	PreferredChannel string
}

// Conversation is one of a customer's conversations, on whichever channels it ran.
type Conversation struct {
	ID     string
	Status string
	// Channel is where the customer last wrote in it: replies go there.
	Channel       string
	OpenedAt      time.Time
	LastInboundAt time.Time
}
