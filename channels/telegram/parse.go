package telegram

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/models"
)

type user struct {
	ID           int64  `json:"id"`
	IsBot        bool   `json:"is_bot"`
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name"`
	Username     string `json:"username"`
	LanguageCode string `json:"language_code"`
}

type chat struct {
	ID    int64  `json:"id"`
	Type  string `json:"type"`
	Title string `json:"title"`
}

type file struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	FileName     string `json:"file_name"`
	MIMEType     string `json:"mime_type"`
	FileSize     int64  `json:"file_size"`
	Duration     int64  `json:"duration"`
	Emoji        string `json:"emoji"`
	SetName      string `json:"set_name"`
}

type location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

type message struct {
	MessageID       int64     `json:"message_id"`
	MessageThreadID int64     `json:"message_thread_id"`
	From            *user     `json:"from"`
	SenderChat      *chat     `json:"sender_chat"`
	Chat            chat      `json:"chat"`
	Date            int64     `json:"date"`
	EditDate        int64     `json:"edit_date"`
	Text            string    `json:"text"`
	Caption         string    `json:"caption"`
	Photo           []file    `json:"photo"`
	Document        *file     `json:"document"`
	Animation       *file     `json:"animation"`
	Sticker         *file     `json:"sticker"`
	Voice           *file     `json:"voice"`
	Audio           *file     `json:"audio"`
	Video           *file     `json:"video"`
	VideoNote       *file     `json:"video_note"`
	Location        *location `json:"location"`
	Venue           *struct {
		Location location `json:"location"`
		Title    string   `json:"title"`
		Address  string   `json:"address"`
	} `json:"venue"`
	Contact *struct {
		PhoneNumber string `json:"phone_number"`
		FirstName   string `json:"first_name"`
		LastName    string `json:"last_name"`
		UserID      int64  `json:"user_id"`
	} `json:"contact"`
	ReplyTo *struct {
		MessageID int64 `json:"message_id"`
	} `json:"reply_to_message"`
}

type reaction struct {
	Type          string `json:"type"`
	Emoji         string `json:"emoji"`
	CustomEmojiID string `json:"custom_emoji_id"`
}

type update struct {
	UpdateID      *int64   `json:"update_id"`
	Message       *message `json:"message"`
	EditedMessage *message `json:"edited_message"`
	CallbackQuery *struct {
		ID              string   `json:"id"`
		From            user     `json:"from"`
		Message         *message `json:"message"`
		InlineMessageID string   `json:"inline_message_id"`
		Data            string   `json:"data"`
	} `json:"callback_query"`
	MessageReaction *struct {
		Chat        chat       `json:"chat"`
		MessageID   int64      `json:"message_id"`
		User        *user      `json:"user"`
		Date        int64      `json:"date"`
		NewReaction []reaction `json:"new_reaction"`
		OldReaction []reaction `json:"old_reaction"`
	} `json:"message_reaction"`
}

// Parse reads one verified update. message, edited_message, callback_query and
// message_reaction are read; any other kind (channel_post, poll, my_chat_member, ...) comes
// back with Unknown set.
func (c *Channel) Parse(_ *http.Request, body []byte) (*channels.Delivery, error) {
	var u update
	if err := json.Unmarshal(body, &u); err != nil {
		return nil, fmt.Errorf("telegram: body is not an update: %v: %w", err, channels.ErrFormat)
	}
	if u.UpdateID == nil {
		return nil, fmt.Errorf("telegram: body has no update_id: %w", channels.ErrFormat)
	}
	m := c.read(u, body)
	return &channels.Delivery{Messages: []channels.Message{m}}, nil
}

func (c *Channel) read(u update, body []byte) channels.Message {
	switch {
	case u.Message != nil:
		return c.fromMessage(u.Message, false)
	case u.EditedMessage != nil:
		return c.fromMessage(u.EditedMessage, true)
	case u.CallbackQuery != nil:
		q := u.CallbackQuery
		m := channels.Message{
			ID:         "cb:" + q.ID,
			Account:    c.account,
			Timestamp:  c.now().UTC(), // a callback query carries no time
			Kind:       "callback_query",
			From:       sender(&q.From),
			Attributes: map[string]string{"callback_data": q.Data},
		}
		if q.Message != nil {
			m.Attributes["chat_id"] = strconv.FormatInt(q.Message.Chat.ID, 10)
			m.Attributes["callback_message_id"] = msgID(q.Message.Chat.ID, q.Message.MessageID)
		}
		set(m.Attributes, "inline_message_id", q.InlineMessageID)
		return m
	case u.MessageReaction != nil:
		r := u.MessageReaction
		id := msgID(r.Chat.ID, r.MessageID)
		m := channels.Message{
			ID:        fmt.Sprintf("%s:reaction:%d", id, r.Date),
			Account:   c.account,
			Timestamp: time.Unix(r.Date, 0).UTC(),
			Kind:      "message_reaction",
			Attributes: map[string]string{
				"chat_id":            strconv.FormatInt(r.Chat.ID, 10),
				"reacted_message_id": id,
				"reaction_emoji":     emojis(r.NewReaction),
				"old_reaction_emoji": emojis(r.OldReaction),
			},
		}
		if r.User != nil {
			m.From = sender(r.User)
			m.ID = fmt.Sprintf("%s:reaction:%d:%d", id, r.User.ID, r.Date)
		}
		return m
	}
	return channels.Message{
		ID:         "update:" + strconv.FormatInt(*u.UpdateID, 10),
		Account:    c.account,
		Timestamp:  c.now().UTC(),
		Kind:       kindOf(body),
		Attributes: map[string]string{},
		Unknown:    fmt.Sprintf("telegram update kind %q is not read by Meridian", kindOf(body)),
	}
}

// kindOf names an update by its one field besides update_id.
func kindOf(body []byte) string {
	var fields map[string]json.RawMessage
	_ = json.Unmarshal(body, &fields)
	var keys []string
	for k := range fields {
		if k != "update_id" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	if len(keys) == 0 {
		return "update"
	}
	return strings.Join(keys, ",")
}

func (c *Channel) fromMessage(msg *message, edited bool) channels.Message {
	id := msgID(msg.Chat.ID, msg.MessageID)
	m := channels.Message{
		ID:        id,
		Account:   c.account,
		Timestamp: time.Unix(msg.Date, 0).UTC(),
		Text:      msg.Text,
		Attributes: map[string]string{
			"chat_id":   strconv.FormatInt(msg.Chat.ID, 10),
			"chat_type": msg.Chat.Type,
		},
	}
	attr := m.Attributes
	switch {
	case msg.From != nil:
		m.From = sender(msg.From)
	case msg.SenderChat != nil:
		m.From.ID = strconv.FormatInt(msg.SenderChat.ID, 10)
		m.From.Name = msg.SenderChat.Title
	}
	if msg.ReplyTo != nil {
		attr["reply_to"] = msgID(msg.Chat.ID, msg.ReplyTo.MessageID)
	}
	if msg.MessageThreadID != 0 {
		attr["thread_id"] = strconv.FormatInt(msg.MessageThreadID, 10)
	}
	if msg.From != nil {
		set(attr, "username", msg.From.Username)
		if msg.From.IsBot {
			attr["is_bot"] = "true"
		}
	}
	if m.Text == "" {
		m.Text = msg.Caption
	}
	kind := content(&m, msg)
	m.Kind = kind
	if edited {
		// An edit is an event of its own: the original id plus the time of the edit.
		m.Kind = "edited_message"
		m.ID = fmt.Sprintf("%s:edit:%d", id, msg.EditDate)
		attr["edited"] = "true"
		attr["edit_of"] = id
		set(attr, "content_type", kind)
		if msg.EditDate != 0 {
			m.Timestamp = time.Unix(msg.EditDate, 0).UTC()
		}
	}
	return m
}

// content reads what a message carries and returns its type.
func content(m *channels.Message, msg *message) string {
	attr := m.Attributes
	attach := func(kind string, f *file) {
		m.Attachments = append(m.Attachments, models.Attachment{Kind: kind, MIMEType: f.MIMEType, SizeBytes: f.FileSize, URL: "telegram-media:" + f.FileID})
		set(attr, "file_unique_id", f.FileUniqueID)
		set(attr, "file_name", f.FileName)
		if f.Duration > 0 {
			attr["duration_s"] = strconv.FormatInt(f.Duration, 10)
		}
	}
	switch {
	case msg.Text != "":
		return "text"
	case len(msg.Photo) > 0:
		// Sizes come smallest first; the last is the original.
		attach("image", &msg.Photo[len(msg.Photo)-1])
		return "photo"
	case msg.Animation != nil:
		attach("video", msg.Animation)
		return "animation"
	case msg.Document != nil:
		attach("file", msg.Document)
		return "document"
	case msg.Sticker != nil:
		attach("sticker", msg.Sticker)
		set(attr, "sticker_emoji", msg.Sticker.Emoji)
		set(attr, "sticker_set", msg.Sticker.SetName)
		return "sticker"
	case msg.Voice != nil:
		attach("audio", msg.Voice)
		return "voice"
	case msg.Audio != nil:
		attach("audio", msg.Audio)
		return "audio"
	case msg.Video != nil:
		attach("video", msg.Video)
		return "video"
	case msg.VideoNote != nil:
		attach("video", msg.VideoNote)
		return "video_note"
	case msg.Venue != nil:
		setLocation(attr, msg.Venue.Location)
		set(attr, "title", msg.Venue.Title)
		set(attr, "address", msg.Venue.Address)
		return "venue"
	case msg.Location != nil:
		setLocation(attr, *msg.Location)
		return "location"
	case msg.Contact != nil:
		ct := msg.Contact
		attr["contact_phone"] = ct.PhoneNumber
		set(attr, "contact_name", strings.TrimSpace(ct.FirstName+" "+ct.LastName))
		if ct.UserID != 0 {
			attr["contact_user_id"] = strconv.FormatInt(ct.UserID, 10)
		}
		if msg.From != nil && ct.UserID == msg.From.ID {
			// The customer shared their own number (the request_contact button).
			m.From.Phone = ct.PhoneNumber
		}
		return "contact"
	}
	m.Unknown = "telegram message without content Meridian reads (poll, dice, game, service message, ...)"
	return "message"
}

func setLocation(attr map[string]string, l location) {
	attr["latitude"] = strconv.FormatFloat(l.Latitude, 'f', -1, 64)
	attr["longitude"] = strconv.FormatFloat(l.Longitude, 'f', -1, 64)
}

func sender(u *user) channels.Sender {
	return channels.Sender{
		ID:     strconv.FormatInt(u.ID, 10),
		Name:   strings.TrimSpace(u.FirstName + " " + u.LastName),
		Locale: u.LanguageCode,
	}
}

func emojis(rs []reaction) string {
	var out []string
	for _, r := range rs {
		switch {
		case r.Emoji != "":
			out = append(out, r.Emoji)
		case r.CustomEmojiID != "":
			out = append(out, "custom:"+r.CustomEmojiID)
		default:
			out = append(out, r.Type)
		}
	}
	return strings.Join(out, ",")
}

func msgID(chatID, messageID int64) string {
	return strconv.FormatInt(chatID, 10) + ":" + strconv.FormatInt(messageID, 10)
}

func set(attr map[string]string, k, v string) {
	if v != "" {
		attr[k] = v
	}
}

// TextDelivery is an update of one private-chat text message from userID, shaped as the
// Bot API sends it (for the demo's traffic generator and tests).
func TextDelivery(updateID, userID, messageID int64, firstName, languageCode, text string, at time.Time) []byte {
	b, _ := json.Marshal(map[string]any{
		"update_id": updateID,
		"message": map[string]any{
			"message_id": messageID,
			"from":       map[string]any{"id": userID, "is_bot": false, "first_name": firstName, "language_code": languageCode},
			"chat":       map[string]any{"id": userID, "first_name": firstName, "type": "private"},
			"date":       at.Unix(),
			"text":       text,
		},
	})
	return b
}
