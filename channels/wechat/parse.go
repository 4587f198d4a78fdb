package wechat

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/models"
)

type xmlMessage struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   string
	FromUserName string
	CreateTime   string
	MsgType      string
	Content      string
	MsgID        string `xml:"MsgId"`
	PicURL       string `xml:"PicUrl"`
	MediaID      string `xml:"MediaId"`
	Format       string
	Recognition  string
	ThumbMediaID string `xml:"ThumbMediaId"`
	LocationX    string `xml:"Location_X"`
	LocationY    string `xml:"Location_Y"`
	Scale        string
	Label        string
	Title        string
	Description  string
	URL          string `xml:"Url"`
	Event        string
	EventKey     string
	Ticket       string
	Latitude     string
	Longitude    string
	Precision    string
	MenuID       string `xml:"MenuId"`
	Encrypt      string
}

// knownEvents are the pushes of a subscribed user's actions.
var knownEvents = map[string]bool{
	"subscribe": true, "unsubscribe": true, "SCAN": true, "LOCATION": true, "CLICK": true, "VIEW": true,
	"scancode_push": true, "scancode_waitmsg": true, "pic_sysphoto": true, "pic_photo_or_album": true,
	"pic_weixin": true, "location_select": true, "view_miniprogram": true,
}

// Parse reads a verified push. Safe-mode bodies are decrypted with the EncodingAESKey; without
// one they are refused with the reason (compatibility mode's plain copy is read instead). The answer is "success", which stops WeChat's
// re-sends (it tries again after 5 s without an answer).
func (c *Channel) Parse(r *http.Request, body []byte) (*channels.Delivery, error) {
	msg, err := decode(body)
	if err != nil {
		return nil, err
	}
	switch {
	case msg.Encrypt == "":
	case c.aesKey == nil && msg.MsgType != "":
		// Compatibility mode sends the plain fields beside the encrypted copy.
	case c.aesKey == nil:
		return nil, fmt.Errorf("wechat: safe-mode (encrypted) body but MERIDIAN_WECHAT_AES_KEY is not set: %w", channels.ErrFormat)
	default:
		plain, err := c.decrypt(msg.Encrypt)
		if err != nil {
			return nil, fmt.Errorf("wechat: safe-mode body: %v: %w", err, channels.ErrFormat)
		}
		if msg, err = decode(plain); err != nil {
			return nil, err
		}
		if msg.Encrypt != "" {
			return nil, fmt.Errorf("wechat: safe-mode body encrypts another encrypted body: %w", channels.ErrFormat)
		}
	}
	if msg.MsgType == "" || msg.FromUserName == "" || msg.ToUserName == "" {
		return nil, fmt.Errorf("wechat: message without MsgType, FromUserName or ToUserName: %w", channels.ErrFormat)
	}
	created, err := strconv.ParseInt(strings.TrimSpace(msg.CreateTime), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("wechat: CreateTime %q is not a unix time: %w", msg.CreateTime, channels.ErrFormat)
	}
	return &channels.Delivery{
		Messages: []channels.Message{toMessage(msg, created)},
		Respond: func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			io.WriteString(w, "success")
		},
	}, nil
}

func decode(body []byte) (*xmlMessage, error) {
	var msg xmlMessage
	if err := xml.Unmarshal(body, &msg); err != nil {
		return nil, fmt.Errorf("wechat: body is not a WeChat XML message: %v: %w", err, channels.ErrFormat)
	}
	return &msg, nil
}

func encrypted(body []byte) (string, error) {
	msg, err := decode(body)
	if err != nil {
		return "", err
	}
	if msg.Encrypt == "" {
		return "", errors.New("no Encrypt element")
	}
	return msg.Encrypt, nil
}

func toMessage(x *xmlMessage, created int64) channels.Message {
	m := channels.Message{
		ID:         x.MsgID,
		Account:    x.ToUserName,
		Timestamp:  time.Unix(created, 0).UTC(),
		Kind:       x.MsgType,
		From:       channels.Sender{ID: x.FromUserName},
		Attributes: map[string]string{},
	}
	attr := m.Attributes
	media := func(kind string) {
		if x.MediaID != "" {
			m.Attachments = append(m.Attachments, models.Attachment{Kind: kind, URL: "wechat-media:" + x.MediaID})
		}
	}
	switch x.MsgType {
	case "text":
		m.Text = x.Content
	case "image":
		media("image")
		set(attr, "pic_url", x.PicURL)
	case "voice":
		media("audio")
		set(attr, "format", x.Format)
		// WeChat's own speech recognition, when the account turned it on.
		set(attr, "recognition", x.Recognition)
	case "video", "shortvideo":
		media("video")
		set(attr, "thumb_media_id", x.ThumbMediaID)
	case "location":
		set(attr, "latitude", x.LocationX)
		set(attr, "longitude", x.LocationY)
		set(attr, "scale", x.Scale)
		set(attr, "label", x.Label)
	case "link":
		set(attr, "title", x.Title)
		set(attr, "description", x.Description)
		set(attr, "url", x.URL)
	case "event":
		m.Kind = "event:" + x.Event
		set(attr, "event_key", x.EventKey)
		set(attr, "ticket", x.Ticket)
		set(attr, "latitude", x.Latitude)
		set(attr, "longitude", x.Longitude)
		set(attr, "precision", x.Precision)
		set(attr, "menu_id", x.MenuID)
		if !knownEvents[x.Event] {
			m.Unknown = fmt.Sprintf("wechat event %q is not read by Meridian", x.Event)
		}
	default:
		m.Unknown = fmt.Sprintf("wechat message type %q is not read by Meridian", x.MsgType)
	}
	if m.ID == "" {
		// Events carry no MsgId; WeChat's re-sends repeat sender, time and event, which
		// name them.
		m.ID = fmt.Sprintf("%s:%s:%d:%s:%s", x.MsgType, x.FromUserName, created, x.Event, x.EventKey)
	}
	return m
}

func set(attr map[string]string, k, v string) {
	if v = strings.TrimSpace(v); v != "" {
		attr[k] = v
	}
}

// decrypt opens a safe-mode Encrypt element: AES-256-CBC with the EncodingAESKey, IV = the
// key's first 16 bytes, PKCS#7 padding to 32 bytes, plaintext = 16 random bytes, the
// message's length (4 bytes, big endian), the message, the AppID.
func (c *Channel) decrypt(enc string) ([]byte, error) {
	ct, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return nil, fmt.Errorf("the Encrypt element is not base64: %w", err)
	}
	if len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, errors.New("the Encrypt element is not whole AES blocks")
	}
	block, err := aes.NewCipher(c.aesKey)
	if err != nil {
		return nil, err
	}
	plain := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, c.aesKey[:aes.BlockSize]).CryptBlocks(plain, ct)
	pad := int(plain[len(plain)-1])
	if pad < 1 || pad > 32 || pad > len(plain) {
		return nil, errors.New("bad padding")
	}
	plain = plain[:len(plain)-pad]
	if len(plain) < 20 {
		return nil, errors.New("plaintext too short")
	}
	n := binary.BigEndian.Uint32(plain[16:20])
	if uint64(n) > uint64(len(plain)-20) {
		return nil, errors.New("message length beyond the plaintext")
	}
	msg, appID := plain[20:20+n], plain[20+n:]
	if !bytes.Equal(appID, []byte(c.appID)) {
		return nil, errors.New("encrypted for another AppID")
	}
	return msg, nil
}

// TextDelivery is a plain-mode push of one text message from the openid fromUser to the
// account toUser, shaped as WeChat sends it (for the demo's traffic generator and tests).
// Sign its URL with Signature.
func TextDelivery(toUser, fromUser, msgID, text string, at time.Time) []byte {
	var b bytes.Buffer
	b.WriteString("<xml><ToUserName><![CDATA[")
	b.WriteString(cdata(toUser))
	b.WriteString("]]></ToUserName><FromUserName><![CDATA[")
	b.WriteString(cdata(fromUser))
	b.WriteString("]]></FromUserName><CreateTime>")
	b.WriteString(strconv.FormatInt(at.Unix(), 10))
	b.WriteString("</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[")
	b.WriteString(cdata(text))
	b.WriteString("]]></Content><MsgId>")
	xml.EscapeText(&b, []byte(msgID))
	b.WriteString("</MsgId></xml>")
	return b.Bytes()
}

// cdata splits "]]>" so text cannot end its CDATA section.
func cdata(s string) string { return strings.ReplaceAll(s, "]]>", "]]]]><![CDATA[>") }
