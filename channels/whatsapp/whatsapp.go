// Package whatsapp connects Meridian to the WhatsApp Cloud API: its webhook (signed with
// X-Hub-Signature-256, subscribed with Meta's hub.challenge handshake) becomes channels
// messages and delivery statuses, and replies go through POST /{phone-number-id}/messages,
// as a template once the 24-hour customer-service window has closed.
package whatsapp

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/channels/meta"
	"github.com/meridian-cs/meridian/models"
)

// Name is the channel's name in models.Channels and its media URLs ("whatsapp-media:<id>").
const Name = "whatsapp"

// Config holds the WhatsApp settings.
type Config struct {
	// AppSecret verifies X-Hub-Signature-256 (MERIDIAN_WHATSAPP_APP_SECRET). Required.
	AppSecret string
	// VerifyToken is what the subscription handshake must present
	// (MERIDIAN_WHATSAPP_VERIFY_TOKEN); empty refuses every handshake.
	VerifyToken string
	// AccessToken is the bearer token for sends (MERIDIAN_WHATSAPP_ACCESS_TOKEN); without it
	// every send fails permanently with a reason naming the setting.
	AccessToken string
	// APIBase is the Graph API's URL (MERIDIAN_WHATSAPP_API_BASE), default
	// https://graph.facebook.com.
	APIBase string
	// APIVersion is the Graph API version (MERIDIAN_META_API_VERSION), default v21.0.
	APIVersion string
	// Template is the approved template NAME[:LANGUAGE] sent when a reply falls outside the
	// 24-hour window (MERIDIAN_WHATSAPP_TEMPLATE); the language defaults to en_US.
	Template string
	// HTTPClient sends; nil uses meta.HTTPClient.
	HTTPClient *http.Client
	// Now is the clock the 24-hour window is measured with; nil is time.Now.
	Now func() time.Time
	// Logger notes what a delivery held that Meridian does not keep; nil is slog.Default().
	Logger *slog.Logger
}

// Channel is the WhatsApp Cloud API: a channels.Webhook, channels.Handshaker and
// channels.Outbound.
type Channel struct {
	cfg Config
}

var (
	_ channels.Webhook    = (*Channel)(nil)
	_ channels.Handshaker = (*Channel)(nil)
	_ channels.Outbound   = (*Channel)(nil)
)

// New returns the channel; it refuses to run without an app secret, since it could not tell
// WhatsApp's deliveries from anyone's.
func New(cfg Config) (*Channel, error) {
	if cfg.AppSecret == "" {
		return nil, errors.New("whatsapp: MERIDIAN_WHATSAPP_APP_SECRET is not set: webhooks could not be verified")
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
	if _, _, err := parseTemplate(cfg.Template); err != nil {
		return nil, fmt.Errorf("whatsapp: MERIDIAN_WHATSAPP_TEMPLATE: %w", err)
	}
	return &Channel{cfg: cfg}, nil
}

// Verify checks X-Hub-Signature-256.
func (c *Channel) Verify(r *http.Request, body []byte) error {
	return meta.Verify(c.cfg.AppSecret, r, body)
}

// Handshake answers the webhook subscription's hub.challenge.
func (c *Channel) Handshake(w http.ResponseWriter, r *http.Request) {
	meta.Handshake(w, r, c.cfg.VerifyToken)
}

// The webhook's documented shape; only what Meridian keeps is declared.
type (
	webhook struct {
		Object string  `json:"object"`
		Entry  []entry `json:"entry"`
	}
	entry struct {
		ID      string   `json:"id"`
		Changes []change `json:"changes"`
	}
	change struct {
		Field string          `json:"field"`
		Value json.RawMessage `json:"value"`
	}
	value struct {
		Metadata struct {
			DisplayPhoneNumber string `json:"display_phone_number"`
			PhoneNumberID      string `json:"phone_number_id"`
		} `json:"metadata"`
		Contacts []contact         `json:"contacts"`
		Messages []json.RawMessage `json:"messages"`
		Statuses []status          `json:"statuses"`
		// Errors is a problem WhatsApp reports about the webhook itself, not a message.
		Errors []waError `json:"errors"`
	}
	contact struct {
		WaID    string `json:"wa_id"`
		UserID  string `json:"user_id"`
		Profile struct {
			Name     string `json:"name"`
			Username string `json:"username"`
		} `json:"profile"`
	}
	waError struct {
		Code      int    `json:"code"`
		Title     string `json:"title"`
		Message   string `json:"message"`
		ErrorData struct {
			Details string `json:"details"`
		} `json:"error_data"`
	}
	status struct {
		ID          string    `json:"id"`
		Status      string    `json:"status"`
		Timestamp   string    `json:"timestamp"`
		RecipientID string    `json:"recipient_id"`
		Errors      []waError `json:"errors"`
	}
	media struct {
		ID       string `json:"id"`
		MIMEType string `json:"mime_type"`
		SHA256   string `json:"sha256"`
		Caption  string `json:"caption"`
		Filename string `json:"filename"`
		Animated *bool  `json:"animated"`
		Voice    *bool  `json:"voice"`
	}
	message struct {
		ID   string `json:"id"`
		From string `json:"from"`
		// FromUserID is the business-scoped user id (BSUID), the only sender id left when
		// a user with a username withholds their phone number.
		FromUserID string `json:"from_user_id"`
		Timestamp  string `json:"timestamp"`
		Type       string `json:"type"`
		Text       *struct {
			Body string `json:"body"`
		} `json:"text"`
		Image    *media `json:"image"`
		Audio    *media `json:"audio"`
		Video    *media `json:"video"`
		Document *media `json:"document"`
		Sticker  *media `json:"sticker"`
		Location *struct {
			Latitude  float64 `json:"latitude"`
			Longitude float64 `json:"longitude"`
			Name      string  `json:"name"`
			Address   string  `json:"address"`
			URL       string  `json:"url"`
		} `json:"location"`
		Contacts []struct {
			Name struct {
				FormattedName string `json:"formatted_name"`
			} `json:"name"`
			Phones []struct {
				Phone string `json:"phone"`
				WaID  string `json:"wa_id"`
			} `json:"phones"`
		} `json:"contacts"`
		Interactive *struct {
			Type        string  `json:"type"`
			ButtonReply *choice `json:"button_reply"`
			ListReply   *struct {
				choice
				Description string `json:"description"`
			} `json:"list_reply"`
			NFMReply *struct {
				Name         string `json:"name"`
				Body         string `json:"body"`
				ResponseJSON string `json:"response_json"`
			} `json:"nfm_reply"`
		} `json:"interactive"`
		Button *struct {
			Payload string `json:"payload"`
			Text    string `json:"text"`
		} `json:"button"`
		Reaction *struct {
			MessageID string `json:"message_id"`
			Emoji     string `json:"emoji"`
		} `json:"reaction"`
		Context *struct {
			ID                  string `json:"id"`
			From                string `json:"from"`
			Forwarded           bool   `json:"forwarded"`
			FrequentlyForwarded bool   `json:"frequently_forwarded"`
			ReferredProduct     *struct {
				CatalogID         string `json:"catalog_id"`
				ProductRetailerID string `json:"product_retailer_id"`
			} `json:"referred_product"`
		} `json:"context"`
		Referral *struct {
			SourceURL  string `json:"source_url"`
			SourceID   string `json:"source_id"`
			SourceType string `json:"source_type"`
			Headline   string `json:"headline"`
			CtwaClid   string `json:"ctwa_clid"`
		} `json:"referral"`
		Order *struct {
			CatalogID    string `json:"catalog_id"`
			Text         string `json:"text"`
			ProductItems []struct {
				ProductRetailerID string `json:"product_retailer_id"`
			} `json:"product_items"`
		} `json:"order"`
		System *struct {
			Body     string `json:"body"`
			Type     string `json:"type"`
			WaID     string `json:"wa_id"`
			NewWaID  string `json:"new_wa_id"`
			Identity string `json:"identity"`
		} `json:"system"`
		Errors []waError `json:"errors"`
	}
	choice struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
)

// Parse reads a verified webhook body: messages of field "messages" become channels
// messages and statuses channels statuses; other fields (template and account updates)
// and message types this package does not read come back with Unknown set.
func (c *Channel) Parse(_ *http.Request, body []byte) (*channels.Delivery, error) {
	var wh webhook
	if err := json.Unmarshal(body, &wh); err != nil {
		return nil, fmt.Errorf("%w: whatsapp webhook: %w", channels.ErrFormat, err)
	}
	if wh.Object != "whatsapp_business_account" {
		return nil, fmt.Errorf("%w: whatsapp webhook object is %q, not whatsapp_business_account", channels.ErrFormat, wh.Object)
	}
	d := &channels.Delivery{}
	for _, e := range wh.Entry {
		for _, ch := range e.Changes {
			if ch.Field != "messages" {
				d.Messages = append(d.Messages, channels.Message{
					ID:      meta.EventID("whatsapp-"+ch.Field, ch.Value),
					Account: e.ID,
					Kind:    ch.Field,
					Unknown: fmt.Sprintf("whatsapp webhook field %q is not a customer message", ch.Field),
				})
				continue
			}
			if err := c.parseValue(d, ch.Value); err != nil {
				return nil, err
			}
		}
	}
	return d, nil
}

func (c *Channel) parseValue(d *channels.Delivery, raw json.RawMessage) error {
	var v value
	if err := json.Unmarshal(raw, &v); err != nil {
		return fmt.Errorf("%w: whatsapp change value: %w", channels.ErrFormat, err)
	}
	account := v.Metadata.PhoneNumberID
	if account == "" {
		return fmt.Errorf("%w: whatsapp change without metadata.phone_number_id", channels.ErrFormat)
	}
	contacts := map[string]contact{}
	for _, ct := range v.Contacts {
		if ct.WaID != "" {
			contacts[ct.WaID] = ct
		}
		if ct.UserID != "" {
			contacts[ct.UserID] = ct
		}
	}
	if len(v.Errors) > 0 {
		d.Messages = append(d.Messages, channels.Message{
			ID: meta.EventID("whatsapp-errors", raw), Account: account, Kind: "errors",
			Unknown: "whatsapp reported an error: " + reason(v.Errors),
		})
	}
	for _, rm := range v.Messages {
		var m message
		if err := json.Unmarshal(rm, &m); err != nil {
			return fmt.Errorf("%w: whatsapp message: %w", channels.ErrFormat, err)
		}
		if m.ID == "" || m.From == "" && m.FromUserID == "" {
			return fmt.Errorf("%w: whatsapp message without id or sender", channels.ErrFormat)
		}
		at, err := unixSeconds(m.Timestamp)
		if err != nil {
			return fmt.Errorf("%w: whatsapp message %s: %w", channels.ErrFormat, m.ID, err)
		}
		msg := channels.Message{ID: m.ID, Account: account, Timestamp: at, Kind: m.Type}
		if m.From != "" {
			msg.From = channels.Sender{ID: m.From, Phone: "+" + m.From, Name: contacts[m.From].Profile.Name}
		} else {
			msg.From = channels.Sender{ID: m.FromUserID, Name: contacts[m.FromUserID].Profile.Name}
		}
		read(&msg, &m)
		if m.FromUserID != "" || contacts[msg.From.ID].Profile.Username != "" {
			if msg.Attributes == nil {
				msg.Attributes = map[string]string{}
			}
			if m.FromUserID != "" {
				msg.Attributes["user_id"] = m.FromUserID
			}
			if u := contacts[msg.From.ID].Profile.Username; u != "" {
				msg.Attributes["username"] = u
			}
		}
		d.Messages = append(d.Messages, msg)
	}
	for _, s := range v.Statuses {
		if s.ID == "" {
			return fmt.Errorf("%w: whatsapp status without id", channels.ErrFormat)
		}
		at, err := unixSeconds(s.Timestamp)
		if err != nil {
			return fmt.Errorf("%w: whatsapp status %s: %w", channels.ErrFormat, s.ID, err)
		}
		st := channels.Status{MessageID: s.ID, Timestamp: at}
		switch s.Status {
		case "sent":
			st.State = channels.StateSent
		case "delivered":
			st.State = channels.StateDelivered
		case "read":
			st.State = channels.StateRead
		case "failed":
			st.State = channels.StateFailed
			st.Reason = reason(s.Errors)
			if st.Reason == "" {
				st.Reason = "whatsapp reported the message failed"
			}
		default:
			// "deleted" and later states have no place in the send ledger's order.
			c.cfg.Logger.Debug("whatsapp status not kept", "status", s.Status, "message_id", s.ID)
			continue
		}
		d.Statuses = append(d.Statuses, st)
	}
	return nil
}

func unixSeconds(s string) (time.Time, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("timestamp %q is not unix seconds", s)
	}
	return time.Unix(n, 0).UTC(), nil
}

func reason(errs []waError) string {
	var parts []string
	for _, e := range errs {
		r := e.Title
		if r == "" {
			r = e.Message
		}
		if e.ErrorData.Details != "" && e.ErrorData.Details != r {
			r += ": " + e.ErrorData.Details
		}
		if e.Code != 0 {
			r += fmt.Sprintf(" (code %d)", e.Code)
		}
		parts = append(parts, r)
	}
	return strings.Join(parts, "; ")
}

// read fills the text, attachments and attributes of one message by its type.
func read(msg *channels.Message, m *message) {
	attrs := map[string]string{}
	set := func(k, v string) {
		if v != "" {
			attrs[k] = v
		}
	}
	switch m.Type {
	case "text":
		if m.Text != nil {
			msg.Text = m.Text.Body
		}
	case "image", "audio", "video", "document", "sticker":
		md := map[string]*media{"image": m.Image, "audio": m.Audio, "video": m.Video, "document": m.Document, "sticker": m.Sticker}[m.Type]
		if md == nil || md.ID == "" {
			msg.Unknown = fmt.Sprintf("whatsapp %s message without a media id", m.Type)
			break
		}
		msg.Text = md.Caption
		msg.Attachments = []models.Attachment{{Kind: m.Type, MIMEType: md.MIMEType, URL: Name + "-media:" + md.ID}}
		set("media_id", md.ID)
		set("sha256", md.SHA256)
		set("filename", md.Filename)
		if md.Animated != nil {
			set("animated", strconv.FormatBool(*md.Animated))
		}
		if md.Voice != nil {
			set("voice", strconv.FormatBool(*md.Voice))
		}
	case "location":
		if l := m.Location; l != nil {
			set("latitude", strconv.FormatFloat(l.Latitude, 'f', -1, 64))
			set("longitude", strconv.FormatFloat(l.Longitude, 'f', -1, 64))
			set("location_name", l.Name)
			set("location_address", l.Address)
			set("location_url", l.URL)
		}
	case "contacts":
		var names, phones []string
		for _, ct := range m.Contacts {
			if ct.Name.FormattedName != "" {
				names = append(names, ct.Name.FormattedName)
			}
			for _, p := range ct.Phones {
				phones = append(phones, p.Phone)
			}
		}
		set("contact_names", strings.Join(names, ", "))
		set("contact_phones", strings.Join(phones, ", "))
	case "interactive":
		it := m.Interactive
		if it == nil {
			msg.Unknown = "whatsapp interactive message without interactive"
			break
		}
		set("interactive_type", it.Type)
		switch {
		case it.ButtonReply != nil:
			msg.Text = it.ButtonReply.Title
			set("reply_id", it.ButtonReply.ID)
			set("reply_title", it.ButtonReply.Title)
		case it.ListReply != nil:
			msg.Text = it.ListReply.Title
			set("reply_id", it.ListReply.ID)
			set("reply_title", it.ListReply.Title)
			set("reply_description", it.ListReply.Description)
		case it.NFMReply != nil:
			msg.Text = it.NFMReply.Body
			set("flow_name", it.NFMReply.Name)
			set("flow_response", it.NFMReply.ResponseJSON)
		default:
			msg.Unknown = fmt.Sprintf("whatsapp interactive reply %q is not read by this package", it.Type)
		}
	case "button":
		if m.Button != nil {
			msg.Text = m.Button.Text
			set("button_payload", m.Button.Payload)
			set("button_text", m.Button.Text)
		}
	case "reaction":
		if r := m.Reaction; r != nil {
			set("reaction_message_id", r.MessageID)
			set("reaction_emoji", r.Emoji)
			if r.Emoji == "" {
				attrs["reaction_removed"] = "true"
			}
		}
	case "order":
		if o := m.Order; o != nil {
			msg.Text = o.Text
			set("order_catalog_id", o.CatalogID)
			ids := make([]string, 0, len(o.ProductItems))
			for _, p := range o.ProductItems {
				ids = append(ids, p.ProductRetailerID)
			}
			set("order_product_ids", strings.Join(ids, ", "))
		}
	case "system":
		if s := m.System; s != nil {
			msg.Text = s.Body
			set("system_type", s.Type)
			set("new_wa_id", s.NewWaID)
			if s.NewWaID == "" {
				set("new_wa_id", s.WaID)
			}
		}
	case "unsupported", "unknown":
		msg.Unknown = "whatsapp could not deliver this message type"
		if r := reason(m.Errors); r != "" {
			msg.Unknown += ": " + r
		}
	default:
		msg.Unknown = fmt.Sprintf("whatsapp message type %q is not read by this package", m.Type)
	}
	if cx := m.Context; cx != nil {
		set("reply_to_message_id", cx.ID)
		set("reply_to_from", cx.From)
		if cx.Forwarded {
			attrs["forwarded"] = "true"
		}
		if cx.FrequentlyForwarded {
			attrs["frequently_forwarded"] = "true"
		}
		if p := cx.ReferredProduct; p != nil {
			set("referred_catalog_id", p.CatalogID)
			set("referred_product_id", p.ProductRetailerID)
		}
	}
	if rf := m.Referral; rf != nil {
		set("referral_source_url", rf.SourceURL)
		set("referral_source_id", rf.SourceID)
		set("referral_source_type", rf.SourceType)
		set("referral_headline", rf.Headline)
		set("referral_ctwa_clid", rf.CtwaClid)
	}
	if len(attrs) > 0 {
		msg.Attributes = attrs
	}
}
