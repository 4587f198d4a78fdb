// Package messenger connects Meridian to the Messenger Platform, which serves both Facebook
// Messenger (webhook object "page") and Instagram messaging (object "instagram"): New and
// NewInstagram build the two channels over one webhook reader (entry[].messaging[] events
// signed with X-Hub-Signature-256) and one Send API client (POST /me/messages, with the
// HUMAN_AGENT tag once the 24-hour window has closed).
package messenger

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/channels/meta"
	"github.com/meridian-cs/meridian/models"
)

// Config holds one platform's settings (MERIDIAN_MESSENGER_* or MERIDIAN_INSTAGRAM_*).
type Config struct {
	// AppSecret verifies X-Hub-Signature-256. Required.
	AppSecret string
	// VerifyToken is what the subscription handshake must present; empty refuses every
	// handshake.
	VerifyToken string
	// AccessToken sends: the page access token for Messenger
	// (MERIDIAN_MESSENGER_PAGE_TOKEN), the Instagram access token for Instagram
	// (MERIDIAN_INSTAGRAM_ACCESS_TOKEN). Without it every send fails permanently.
	AccessToken string
	// APIBase is the Graph API's URL, default https://graph.facebook.com.
	APIBase string
	// APIVersion is the Graph API version (MERIDIAN_META_API_VERSION), default v21.0.
	APIVersion string
	// HTTPClient sends; nil uses meta.HTTPClient.
	HTTPClient *http.Client
	// Now is the clock the messaging windows are measured with; nil is time.Now.
	Now func() time.Time
	// Logger notes what a delivery held that Meridian does not keep; nil is slog.Default().
	Logger *slog.Logger
}

// Channel is Messenger or Instagram messaging: a channels.Webhook, channels.Handshaker and
// channels.Outbound.
type Channel struct {
	cfg      Config
	name     string // models.Channels spelling
	object   string // the webhook's "object"
	settings string // prefix of the channel's settings, for error messages
	tokenVar string
	// maxText and unit: Messenger takes 2,000 characters, Instagram 1,000 bytes.
	maxText   int
	textBytes bool
}

var (
	_ channels.Webhook    = (*Channel)(nil)
	_ channels.Handshaker = (*Channel)(nil)
	_ channels.Outbound   = (*Channel)(nil)
)

// New returns the Messenger channel (webhook object "page", Account = the page id).
func New(cfg Config) (*Channel, error) {
	return build(cfg, &Channel{name: "messenger", object: "page", settings: "MERIDIAN_MESSENGER",
		tokenVar: "MERIDIAN_MESSENGER_PAGE_TOKEN", maxText: 2000})
}

// NewInstagram returns the Instagram messaging channel (webhook object "instagram",
// Account = the Instagram account id).
func NewInstagram(cfg Config) (*Channel, error) {
	return build(cfg, &Channel{name: "instagram", object: "instagram", settings: "MERIDIAN_INSTAGRAM",
		tokenVar: "MERIDIAN_INSTAGRAM_ACCESS_TOKEN", maxText: 1000, textBytes: true})
}

// build refuses a channel without an app secret: it could not tell Meta's deliveries from
// anyone's.
func build(cfg Config, c *Channel) (*Channel, error) {
	if cfg.AppSecret == "" {
		return nil, fmt.Errorf("%s: %s_APP_SECRET is not set: webhooks could not be verified", c.name, c.settings)
	}
	if cfg.APIBase == "" {
		cfg.APIBase = meta.DefaultAPIBase
	}
	cfg.APIBase = strings.TrimRight(cfg.APIBase, "/")
	if cfg.APIVersion == "" {
		cfg.APIVersion = meta.DefaultAPIVersion
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = meta.HTTPClient
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	c.cfg = cfg
	return c, nil
}

// Name is the channel's name in models.Channels: messenger or instagram.
func (c *Channel) Name() string { return c.name }

// Verify checks X-Hub-Signature-256.
func (c *Channel) Verify(r *http.Request, body []byte) error {
	return meta.Verify(c.cfg.AppSecret, r, body)
}

// Handshake answers the webhook subscription's hub.challenge.
func (c *Channel) Handshake(w http.ResponseWriter, r *http.Request) {
	meta.Handshake(w, r, c.cfg.VerifyToken)
}

type (
	webhook struct {
		Object string  `json:"object"`
		Entry  []entry `json:"entry"`
	}
	entry struct {
		ID        string            `json:"id"`
		Messaging []json.RawMessage `json:"messaging"`
		Standby   []json.RawMessage `json:"standby"`
		Changes   []struct {
			Field string          `json:"field"`
			Value json.RawMessage `json:"value"`
		} `json:"changes"`
	}
	id struct {
		ID string `json:"id"`
	}
	referral struct {
		Ref    string `json:"ref"`
		Source string `json:"source"`
		Type   string `json:"type"`
		AdID   string `json:"ad_id"`
	}
	attachment struct {
		Type    string `json:"type"`
		Title   string `json:"title"`
		Payload *struct {
			URL         string      `json:"url"`
			Title       string      `json:"title"`
			StickerID   json.Number `json:"sticker_id"`
			Coordinates *struct {
				Lat  float64 `json:"lat"`
				Long float64 `json:"long"`
			} `json:"coordinates"`
		} `json:"payload"`
	}
	event struct {
		Sender    id    `json:"sender"`
		Recipient id    `json:"recipient"`
		Timestamp int64 `json:"timestamp"`
		Message   *struct {
			Mid           string `json:"mid"`
			Text          string `json:"text"`
			IsEcho        bool   `json:"is_echo"`
			IsDeleted     bool   `json:"is_deleted"`
			IsUnsupported bool   `json:"is_unsupported"`
			QuickReply    *struct {
				Payload string `json:"payload"`
			} `json:"quick_reply"`
			ReplyTo *struct {
				Mid   string `json:"mid"`
				Story *struct {
					URL string `json:"url"`
					ID  string `json:"id"`
				} `json:"story"`
			} `json:"reply_to"`
			Attachments []attachment `json:"attachments"`
			Referral    *referral    `json:"referral"`
		} `json:"message"`
		MessageEdit *struct {
			Mid     string `json:"mid"`
			Text    string `json:"text"`
			NumEdit int    `json:"num_edit"`
		} `json:"message_edit"`
		Postback *struct {
			Mid      string    `json:"mid"`
			Title    string    `json:"title"`
			Payload  string    `json:"payload"`
			Referral *referral `json:"referral"`
		} `json:"postback"`
		Reaction *struct {
			Mid      string `json:"mid"`
			Action   string `json:"action"`
			Emoji    string `json:"emoji"`
			Reaction string `json:"reaction"`
		} `json:"reaction"`
		Read *struct {
			Mid       string `json:"mid"`
			Watermark int64  `json:"watermark"`
		} `json:"read"`
		Delivery *struct {
			Mids      []string `json:"mids"`
			Watermark int64    `json:"watermark"`
		} `json:"delivery"`
		Referral *referral `json:"referral"`
	}
)

// Parse reads a verified webhook body. Messages, edits, postbacks, reactions and referrals
// become channels messages; delivery and read receipts naming message ids become statuses;
// echoes of the page's own sends are skipped; other events (optins, handover, standby,
// Instagram comment changes) come back with Unknown set.
func (c *Channel) Parse(_ *http.Request, body []byte) (*channels.Delivery, error) {
	var wh webhook
	if err := json.Unmarshal(body, &wh); err != nil {
		return nil, fmt.Errorf("%w: %s webhook: %w", channels.ErrFormat, c.name, err)
	}
	if wh.Object != c.object {
		return nil, fmt.Errorf("%w: %s webhook object is %q, not %q", channels.ErrFormat, c.name, wh.Object, c.object)
	}
	d := &channels.Delivery{}
	for _, e := range wh.Entry {
		for _, raw := range e.Messaging {
			if err := c.parseEvent(d, e.ID, raw); err != nil {
				return nil, err
			}
		}
		for _, raw := range e.Standby {
			d.Messages = append(d.Messages, channels.Message{
				ID: meta.EventID(c.name+"-standby", raw), Account: e.ID, Kind: "standby",
				Unknown: c.name + " standby event: another app holds this conversation's thread",
			})
		}
		for _, ch := range e.Changes {
			d.Messages = append(d.Messages, channels.Message{
				ID: meta.EventID(c.name+"-"+ch.Field, ch.Value), Account: e.ID, Kind: ch.Field,
				Unknown: fmt.Sprintf("%s webhook field %q is not a message", c.name, ch.Field),
			})
		}
	}
	return d, nil
}

func (c *Channel) parseEvent(d *channels.Delivery, entryID string, raw json.RawMessage) error {
	var ev event
	if err := json.Unmarshal(raw, &ev); err != nil {
		return fmt.Errorf("%w: %s messaging event: %w", channels.ErrFormat, c.name, err)
	}
	if ev.Sender.ID == "" {
		return fmt.Errorf("%w: %s messaging event without sender.id", channels.ErrFormat, c.name)
	}
	at := time.UnixMilli(ev.Timestamp).UTC()
	account := ev.Recipient.ID
	if account == "" {
		account = entryID
	}
	msg := channels.Message{
		Account:   account,
		Timestamp: at,
		From:      channels.Sender{ID: ev.Sender.ID},
	}
	attrs := map[string]string{}
	set := func(k, v string) {
		if v != "" {
			attrs[k] = v
		}
	}
	switch {
	case ev.Message != nil:
		m := ev.Message
		if m.IsEcho {
			// The page's own send, which the send ledger already holds.
			return nil
		}
		if m.Mid == "" {
			return fmt.Errorf("%w: %s message without mid", channels.ErrFormat, c.name)
		}
		msg.ID = m.Mid
		msg.Text = m.Text
		switch {
		case m.IsDeleted:
			// A different id than the message's, or the deletion would count as its redelivery.
			msg.ID = m.Mid + ":deleted"
			msg.Kind = "message_deleted"
			attrs["deleted"] = "true"
			attrs["deleted_message_id"] = m.Mid
		case m.IsUnsupported:
			msg.Kind = "unsupported"
			msg.Unknown = c.name + " could not deliver this message type"
		case m.QuickReply != nil:
			msg.Kind = "quick_reply"
			set("quick_reply_payload", m.QuickReply.Payload)
		case m.Text != "":
			msg.Kind = "text"
		case len(m.Attachments) > 0:
			msg.Kind = m.Attachments[0].Type
		default:
			msg.Kind = "message"
			msg.Unknown = c.name + " message with neither text nor attachments"
		}
		for _, a := range m.Attachments {
			att := models.Attachment{Kind: a.Type}
			set("attachment_title", a.Title)
			if p := a.Payload; p != nil {
				// Messenger gives the media's URL itself, not an id to fetch it by.
				att.URL = p.URL
				set("sticker_id", p.StickerID.String())
				set("attachment_title", p.Title)
				if p.Coordinates != nil {
					set("latitude", strconv.FormatFloat(p.Coordinates.Lat, 'f', -1, 64))
					set("longitude", strconv.FormatFloat(p.Coordinates.Long, 'f', -1, 64))
				}
			}
			msg.Attachments = append(msg.Attachments, att)
		}
		if rt := m.ReplyTo; rt != nil {
			set("reply_to_message_id", rt.Mid)
			if rt.Story != nil {
				set("reply_to_story_id", rt.Story.ID)
				set("reply_to_story_url", rt.Story.URL)
			}
		}
		setReferral(set, m.Referral)
	case ev.MessageEdit != nil:
		me := ev.MessageEdit
		if me.Mid == "" {
			return fmt.Errorf("%w: %s message_edit without mid", channels.ErrFormat, c.name)
		}
		// Each edit is its own event; the edited message keeps its id in the attributes.
		msg.ID = fmt.Sprintf("%s:edit:%d", me.Mid, me.NumEdit)
		msg.Kind = "message_edit"
		msg.Text = me.Text
		attrs["edited"] = "true"
		attrs["edited_message_id"] = me.Mid
		attrs["num_edit"] = strconv.Itoa(me.NumEdit)
	case ev.Postback != nil:
		pb := ev.Postback
		msg.ID = pb.Mid
		if msg.ID == "" {
			msg.ID = meta.EventID(c.name+"-postback", raw)
		}
		msg.Kind = "postback"
		msg.Text = pb.Title
		set("postback_payload", pb.Payload)
		set("postback_title", pb.Title)
		setReferral(set, pb.Referral)
	case ev.Reaction != nil:
		r := ev.Reaction
		msg.ID = meta.EventID(c.name+"-reaction", raw)
		msg.Kind = "reaction"
		set("reaction_message_id", r.Mid)
		set("reaction_action", r.Action)
		set("reaction_emoji", r.Emoji)
		set("reaction", r.Reaction)
	case ev.Delivery != nil:
		when := at
		if ev.Delivery.Watermark > 0 {
			when = time.UnixMilli(ev.Delivery.Watermark).UTC()
		}
		for _, mid := range ev.Delivery.Mids {
			if mid != "" {
				d.Statuses = append(d.Statuses, channels.Status{MessageID: mid, State: channels.StateDelivered, Timestamp: when})
			}
		}
		if len(ev.Delivery.Mids) == 0 {
			c.cfg.Logger.Debug("delivery watermark without message ids not kept", "channel", c.name, "watermark", ev.Delivery.Watermark)
		}
		return nil
	case ev.Read != nil:
		if ev.Read.Mid != "" {
			d.Statuses = append(d.Statuses, channels.Status{MessageID: ev.Read.Mid, State: channels.StateRead, Timestamp: at})
			return nil
		}
		// A watermark says "everything before this" without naming messages, which
		// channels.Status cannot carry.
		c.cfg.Logger.Debug("read watermark without message id not kept", "channel", c.name, "watermark", ev.Read.Watermark)
		return nil
	case ev.Referral != nil:
		msg.ID = meta.EventID(c.name+"-referral", raw)
		msg.Kind = "referral"
		setReferral(set, ev.Referral)
	default:
		msg.Kind = eventKind(raw)
		msg.ID = meta.EventID(c.name+"-"+msg.Kind, raw)
		msg.Unknown = fmt.Sprintf("%s event %q is not read by this package", c.name, msg.Kind)
	}
	if len(attrs) > 0 {
		msg.Attributes = attrs
	}
	d.Messages = append(d.Messages, msg)
	return nil
}

func setReferral(set func(k, v string), r *referral) {
	if r == nil {
		return
	}
	set("referral_ref", r.Ref)
	set("referral_source", r.Source)
	set("referral_type", r.Type)
	set("referral_ad_id", r.AdID)
}

// eventKind names an event this package does not read by its first key besides sender,
// recipient and timestamp (optin, account_linking, pass_thread_control, ...).
func eventKind(raw json.RawMessage) string {
	var keys map[string]json.RawMessage
	if json.Unmarshal(raw, &keys) != nil {
		return "unknown"
	}
	var names []string
	for k := range keys {
		switch k {
		case "sender", "recipient", "timestamp":
		default:
			names = append(names, k)
		}
	}
	if len(names) == 0 {
		return "unknown"
	}
	slices.Sort(names)
	return names[0]
}
