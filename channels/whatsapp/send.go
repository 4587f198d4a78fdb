package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/channels/meta"
)

// Window is WhatsApp's customer-service window: free-form replies are allowed this long
// after the customer's last message, templates only after.
const Window = 24 * time.Hour

// MaxText is the longest text body WhatsApp takes, in characters. Longer replies are refused
// rather than split: a split reply whose second part failed would be sent again from its
// first part on the send ledger's retry.
const MaxText = 4096

const defaultLanguage = "en_US"

type sendRequest struct {
	MessagingProduct string    `json:"messaging_product"`
	RecipientType    string    `json:"recipient_type"`
	To               string    `json:"to"`
	Type             string    `json:"type"`
	Text             *textBody `json:"text,omitempty"`
	Template         *template `json:"template,omitempty"`
	Image            *mediaRef `json:"image,omitempty"`
	Audio            *mediaRef `json:"audio,omitempty"`
	Video            *mediaRef `json:"video,omitempty"`
	Document         *mediaRef `json:"document,omitempty"`
	Sticker          *mediaRef `json:"sticker,omitempty"`
	Interactive      any       `json:"interactive,omitempty"`
}

// Button is one reply button of an interactive message: its id comes back in the customer's
// button_reply, its title is what they see (at most 20 characters).
type Button struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// ListRow is one choice of an interactive list (title at most 24 characters, description 72).
type ListRow struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

type textBody struct {
	PreviewURL bool   `json:"preview_url"`
	Body       string `json:"body"`
}

type template struct {
	Name     string `json:"name"`
	Language struct {
		Code string `json:"code"`
	} `json:"language"`
}

type mediaRef struct {
	ID       string `json:"id"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
}

type sendResponse struct {
	Messages []struct {
		ID string `json:"id"`
	} `json:"messages"`
}

func parseTemplate(s string) (name, lang string, err error) {
	if s == "" {
		return "", "", nil
	}
	name, lang, _ = strings.Cut(s, ":")
	if name == "" {
		return "", "", fmt.Errorf("template %q has no name (NAME[:LANGUAGE])", s)
	}
	if lang == "" {
		lang = defaultLanguage
	}
	return name, lang, nil
}

// Outside reports whether m falls outside the 24-hour customer-service window, where only
// templates go (channels.OutsideConversation): the outbox sends those only with the customer's
// consent.
func (c *Channel) Outside(m channels.Outgoing, now time.Time) bool {
	return now.Sub(m.LastInbound) >= Window
}

// Send answers m.To from the phone number m.Account: a text message inside the 24-hour
// window, the configured template (m.Template, else Config.Template) outside it. A zero
// LastInbound counts as outside: WhatsApp takes nothing but templates from a business the
// customer has not written to.
func (c *Channel) Send(ctx context.Context, m channels.Outgoing) (channels.Receipt, error) {
	req := sendRequest{Type: "text"}
	if c.cfg.Now().Sub(m.LastInbound) >= Window {
		tpl := m.Template
		if tpl == "" {
			tpl = c.cfg.Template
		}
		name, lang, err := parseTemplate(tpl)
		if err != nil {
			return channels.Receipt{}, meta.Permanent("whatsapp: %v", err)
		}
		if name == "" {
			return channels.Receipt{}, meta.Permanent("whatsapp: the 24-hour customer-service window has closed (last customer message %s) and no template is configured (MERIDIAN_WHATSAPP_TEMPLATE)", lastSeen(m.LastInbound))
		}
		req.Type = "template"
		req.Template = &template{Name: name}
		req.Template.Language.Code = lang
	} else {
		if m.Text == "" {
			return channels.Receipt{}, meta.Permanent("whatsapp: empty text")
		}
		if n := utf8.RuneCountInString(m.Text); n > MaxText {
			return channels.Receipt{}, meta.Permanent("whatsapp: text is %d characters; WhatsApp takes at most %d", n, MaxText)
		}
		req.Text = &textBody{Body: m.Text}
	}
	return c.send(ctx, m, req)
}

func lastSeen(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.UTC().Format(time.RFC3339)
}

// SendMedia sends media WhatsApp already holds (an id from the media upload endpoint or from
// an inbound message) as kind image, audio, video, document or sticker. Like text, it needs
// the 24-hour window open.
func (c *Channel) SendMedia(ctx context.Context, m channels.Outgoing, kind, mediaID, caption string) (channels.Receipt, error) {
	if c.cfg.Now().Sub(m.LastInbound) >= Window {
		return channels.Receipt{}, meta.Permanent("whatsapp: the 24-hour customer-service window has closed; media needs an open window")
	}
	if mediaID == "" {
		return channels.Receipt{}, meta.Permanent("whatsapp: no media id")
	}
	ref := &mediaRef{ID: mediaID}
	req := sendRequest{Type: kind}
	switch kind {
	case "image":
		ref.Caption, req.Image = caption, ref
	case "video":
		ref.Caption, req.Video = caption, ref
	case "document":
		ref.Caption, req.Document = caption, ref
	case "audio":
		req.Audio = ref
	case "sticker":
		req.Sticker = ref
	default:
		return channels.Receipt{}, meta.Permanent("whatsapp: %q is not a media kind (image, audio, video, document, sticker)", kind)
	}
	return c.send(ctx, m, req)
}

// SendButtons sends text with up to three reply buttons (interactive type "button"); the
// customer's choice comes back as an inbound interactive button_reply. It needs the 24-hour
// window open.
func (c *Channel) SendButtons(ctx context.Context, m channels.Outgoing, buttons []Button) (channels.Receipt, error) {
	if err := c.interactiveAllowed(m); err != nil {
		return channels.Receipt{}, err
	}
	if len(buttons) == 0 || len(buttons) > 3 {
		return channels.Receipt{}, meta.Permanent("whatsapp: reply buttons take 1 to 3 buttons, not %d", len(buttons))
	}
	type reply struct {
		Type  string `json:"type"`
		Reply Button `json:"reply"`
	}
	rs := make([]reply, len(buttons))
	for i, b := range buttons {
		if b.ID == "" || b.Title == "" || utf8.RuneCountInString(b.Title) > 20 {
			return channels.Receipt{}, meta.Permanent("whatsapp: button %d needs an id and a title of 1 to 20 characters", i+1)
		}
		rs[i] = reply{Type: "reply", Reply: b}
	}
	return c.send(ctx, m, sendRequest{Type: "interactive", Interactive: map[string]any{
		"type": "button", "body": map[string]string{"text": m.Text}, "action": map[string]any{"buttons": rs},
	}})
}

// SendList sends text with a list of up to ten choices behind a button labelled button (at
// most 20 characters); the choice comes back as a list_reply.
func (c *Channel) SendList(ctx context.Context, m channels.Outgoing, button string, rows []ListRow) (channels.Receipt, error) {
	if err := c.interactiveAllowed(m); err != nil {
		return channels.Receipt{}, err
	}
	if len(rows) == 0 || len(rows) > 10 {
		return channels.Receipt{}, meta.Permanent("whatsapp: a list takes 1 to 10 rows, not %d", len(rows))
	}
	if button == "" || utf8.RuneCountInString(button) > 20 {
		return channels.Receipt{}, meta.Permanent("whatsapp: a list's button label needs 1 to 20 characters")
	}
	for i, r := range rows {
		if r.ID == "" || r.Title == "" || utf8.RuneCountInString(r.Title) > 24 || utf8.RuneCountInString(r.Description) > 72 {
			return channels.Receipt{}, meta.Permanent("whatsapp: row %d needs an id, a title of 1 to 24 characters and a description of at most 72", i+1)
		}
	}
	return c.send(ctx, m, sendRequest{Type: "interactive", Interactive: map[string]any{
		"type": "list", "body": map[string]string{"text": m.Text},
		"action": map[string]any{"button": button, "sections": []any{map[string]any{"rows": rows}}},
	}})
}

// interactiveAllowed checks what every interactive message needs: an open window and a body.
func (c *Channel) interactiveAllowed(m channels.Outgoing) error {
	if c.cfg.Now().Sub(m.LastInbound) >= Window {
		return meta.Permanent("whatsapp: the 24-hour customer-service window has closed; interactive messages need an open window")
	}
	if m.Text == "" || utf8.RuneCountInString(m.Text) > 1024 {
		return meta.Permanent("whatsapp: an interactive message needs a body of 1 to 1024 characters")
	}
	return nil
}

func (c *Channel) send(ctx context.Context, m channels.Outgoing, req sendRequest) (channels.Receipt, error) {
	if c.cfg.AccessToken == "" {
		return channels.Receipt{}, meta.Permanent("whatsapp: MERIDIAN_WHATSAPP_ACCESS_TOKEN is not set: cannot send")
	}
	if m.Account == "" || m.To == "" {
		return channels.Receipt{}, meta.Permanent("whatsapp: a send needs the phone number id (Account) and the recipient's wa_id (To)")
	}
	req.MessagingProduct = "whatsapp"
	req.RecipientType = "individual"
	req.To = strings.TrimPrefix(m.To, "+")
	u := c.cfg.APIBase + "/" + c.cfg.APIVersion + "/" + url.PathEscape(m.Account) + "/messages"
	var resp sendResponse
	if err := meta.Post(ctx, c.cfg.HTTPClient, u, c.cfg.AccessToken, req, &resp); err != nil {
		var se *channels.SendError
		if errors.As(err, &se) {
			return channels.Receipt{}, err
		}
		return channels.Receipt{}, fmt.Errorf("whatsapp send: %w", err)
	}
	if len(resp.Messages) == 0 || resp.Messages[0].ID == "" {
		return channels.Receipt{}, meta.Permanent("whatsapp accepted the message but named no message id")
	}
	return channels.Receipt{MessageID: resp.Messages[0].ID}, nil
}
