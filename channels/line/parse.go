package line

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/models"
)

type payload struct {
	Destination string            `json:"destination"`
	Events      []json.RawMessage `json:"events"`
}

type event struct {
	Type            string `json:"type"`
	Mode            string `json:"mode"`
	Timestamp       int64  `json:"timestamp"`
	WebhookEventID  string `json:"webhookEventId"`
	ReplyToken      string `json:"replyToken"`
	DeliveryContext struct {
		IsRedelivery bool `json:"isRedelivery"`
	} `json:"deliveryContext"`
	Source struct {
		Type    string `json:"type"`
		UserID  string `json:"userId"`
		GroupID string `json:"groupId"`
		RoomID  string `json:"roomId"`
	} `json:"source"`
	Message  *message `json:"message"`
	Postback *struct {
		Data   string            `json:"data"`
		Params map[string]string `json:"params"`
	} `json:"postback"`
	Unsend *struct {
		MessageID string `json:"messageId"`
	} `json:"unsend"`
	VideoPlayComplete *struct {
		TrackingID string `json:"trackingId"`
	} `json:"videoPlayComplete"`
	Beacon *struct {
		HWID string `json:"hwid"`
		Type string `json:"type"`
		DM   string `json:"dm"`
	} `json:"beacon"`
	Link *struct {
		Result string `json:"result"`
		Nonce  string `json:"nonce"`
	} `json:"link"`
	Joined *struct {
		Members []struct {
			UserID string `json:"userId"`
		} `json:"members"`
	} `json:"joined"`
	Left *struct {
		Members []struct {
			UserID string `json:"userId"`
		} `json:"members"`
	} `json:"left"`
	Follow *struct {
		IsUnblocked bool `json:"isUnblocked"`
	} `json:"follow"`
}

type message struct {
	ID              string   `json:"id"`
	Type            string   `json:"type"`
	Text            string   `json:"text"`
	QuoteToken      string   `json:"quoteToken"`
	QuotedMessageID string   `json:"quotedMessageId"`
	PackageID       string   `json:"packageId"`
	StickerID       string   `json:"stickerId"`
	StickerResource string   `json:"stickerResourceType"`
	Keywords        []string `json:"keywords"`
	FileName        string   `json:"fileName"`
	FileSize        int64    `json:"fileSize"`
	Duration        int64    `json:"duration"`
	Title           string   `json:"title"`
	Address         string   `json:"address"`
	Latitude        *float64 `json:"latitude"`
	Longitude       *float64 `json:"longitude"`
	ImageSet        *struct {
		ID    string `json:"id"`
		Index int    `json:"index"`
		Total int    `json:"total"`
	} `json:"imageSet"`
	ContentProvider struct {
		Type               string `json:"type"`
		OriginalContentURL string `json:"originalContentUrl"`
	} `json:"contentProvider"`
}

// Parse reads a verified delivery. An empty events array is LINE's URL verification from the
// console: it is answered 200 with no messages.
func (c *Channel) Parse(_ *http.Request, body []byte) (*channels.Delivery, error) {
	var p payload
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, fmt.Errorf("line: body is not JSON: %v: %w", err, channels.ErrFormat)
	}
	if p.Events == nil {
		return nil, fmt.Errorf("line: body has no events array: %w", channels.ErrFormat)
	}
	d := &channels.Delivery{}
	for i, raw := range p.Events {
		var e event
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("line: event %d: %v: %w", i, err, channels.ErrFormat)
		}
		d.Messages = append(d.Messages, toMessage(p.Destination, e, raw))
	}
	return d, nil
}

func toMessage(destination string, e event, raw json.RawMessage) channels.Message {
	m := channels.Message{
		ID:         e.WebhookEventID,
		Account:    destination,
		Timestamp:  time.UnixMilli(e.Timestamp).UTC(),
		Kind:       e.Type,
		From:       channels.Sender{ID: e.Source.UserID},
		ReplyToken: e.ReplyToken,
		Attributes: map[string]string{},
	}
	if m.ID == "" {
		// Every current webhook event carries webhookEventId; an older or hand-made one is
		// named by its content, which a redelivery repeats.
		sum := sha256.Sum256(raw)
		m.ID = "event-sha256:" + hex.EncodeToString(sum[:16])
	}
	attr := m.Attributes
	if e.DeliveryContext.IsRedelivery {
		attr["redelivery"] = "true"
	}
	set(attr, "mode", e.Mode)
	set(attr, "source_type", e.Source.Type)
	set(attr, "group_id", e.Source.GroupID)
	set(attr, "room_id", e.Source.RoomID)

	switch e.Type {
	case "message":
		if e.Message == nil {
			m.Unknown = "line message event without a message object"
			return m
		}
		readMessage(&m, e.Message)
	case "follow":
		if e.Follow != nil && e.Follow.IsUnblocked {
			attr["unblocked"] = "true"
		}
	case "unfollow", "join", "leave":
	case "postback":
		if e.Postback == nil {
			m.Unknown = "line postback event without a postback object"
			return m
		}
		attr["postback_data"] = e.Postback.Data
		for k, v := range e.Postback.Params {
			attr["postback_"+channels.AttributeKey(k)] = v
		}
	case "unsend":
		if e.Unsend != nil {
			set(attr, "unsent_message_id", e.Unsend.MessageID)
		}
	case "memberJoined", "memberLeft":
		var ids []string
		if e.Joined != nil {
			for _, u := range e.Joined.Members {
				ids = append(ids, u.UserID)
			}
		}
		if e.Left != nil {
			for _, u := range e.Left.Members {
				ids = append(ids, u.UserID)
			}
		}
		set(attr, "member_user_ids", strings.Join(ids, ","))
	case "videoPlayComplete":
		if e.VideoPlayComplete != nil {
			set(attr, "tracking_id", e.VideoPlayComplete.TrackingID)
		}
	case "beacon":
		if e.Beacon != nil {
			set(attr, "beacon_hwid", e.Beacon.HWID)
			set(attr, "beacon_type", e.Beacon.Type)
			set(attr, "beacon_dm", e.Beacon.DM)
		}
	case "accountLink":
		if e.Link != nil {
			set(attr, "link_result", e.Link.Result)
			set(attr, "link_nonce", e.Link.Nonce)
		}
	default:
		// things, membership, module, activated, ...: kept raw, not read.
		m.Unknown = fmt.Sprintf("line event type %q is not read by Meridian", e.Type)
	}
	return m
}

func readMessage(m *channels.Message, msg *message) {
	attr := m.Attributes
	m.Kind = msg.Type
	set(attr, "platform_message_id", msg.ID)
	set(attr, "quote_token", msg.QuoteToken)
	set(attr, "quoted_message_id", msg.QuotedMessageID)
	switch msg.Type {
	case "text":
		m.Text = msg.Text
	case "sticker":
		set(attr, "sticker_package_id", msg.PackageID)
		set(attr, "sticker_id", msg.StickerID)
		set(attr, "sticker_resource_type", msg.StickerResource)
		set(attr, "sticker_keywords", strings.Join(msg.Keywords, ","))
		m.Attachments = append(m.Attachments, models.Attachment{Kind: "sticker", URL: mediaURL(msg.ID)})
	case "image", "video", "audio", "file":
		a := models.Attachment{Kind: msg.Type, SizeBytes: msg.FileSize, URL: mediaURL(msg.ID)}
		set(attr, "file_name", msg.FileName)
		if s := msg.ImageSet; s != nil {
			// Several images sent at once arrive as one event each, tied by the set id.
			set(attr, "image_set_id", s.ID)
			attr["image_set_index"] = strconv.Itoa(s.Index)
			attr["image_set_total"] = strconv.Itoa(s.Total)
		}
		if msg.Duration > 0 {
			attr["duration_ms"] = strconv.FormatInt(msg.Duration, 10)
		}
		set(attr, "content_provider", msg.ContentProvider.Type)
		if msg.ContentProvider.Type == "external" {
			// The sender's own server holds it; LINE's content endpoint does not.
			set(attr, "content_url", msg.ContentProvider.OriginalContentURL)
		}
		m.Attachments = append(m.Attachments, a)
	case "location":
		set(attr, "title", msg.Title)
		set(attr, "address", msg.Address)
		if msg.Latitude != nil && msg.Longitude != nil {
			attr["latitude"] = strconv.FormatFloat(*msg.Latitude, 'f', -1, 64)
			attr["longitude"] = strconv.FormatFloat(*msg.Longitude, 'f', -1, 64)
		}
	default:
		m.Unknown = fmt.Sprintf("line message type %q is not read by Meridian", msg.Type)
	}
}

func mediaURL(id string) string {
	if id == "" {
		return ""
	}
	return "line-media:" + id
}

func set(attr map[string]string, k, v string) {
	if v != "" {
		attr[k] = v
	}
}

// TextDelivery is a webhook body of one text message from userID, shaped as LINE sends it
// (for the demo's traffic generator and tests).
func TextDelivery(destination, userID, webhookEventID, text string, at time.Time) []byte {
	sum := sha256.Sum256([]byte(webhookEventID))
	// LINE message ids are decimal numbers.
	id := strconv.FormatUint(binary.BigEndian.Uint64(sum[:8])%1e18, 10)
	ev := map[string]any{
		"type":            "message",
		"mode":            "active",
		"timestamp":       at.UnixMilli(),
		"webhookEventId":  webhookEventID,
		"deliveryContext": map[string]bool{"isRedelivery": false},
		"replyToken":      "rt" + hex.EncodeToString(sum[8:24]),
		"source":          map[string]string{"type": "user", "userId": userID},
		"message": map[string]any{
			"id":         id,
			"type":       "text",
			"text":       text,
			"quoteToken": "q" + hex.EncodeToString(sum[24:]),
		},
	}
	b, _ := json.Marshal(map[string]any{"destination": destination, "events": []any{ev}})
	return b
}
