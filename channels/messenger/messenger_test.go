package messenger

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/channels/meta"
	"github.com/meridian-cs/meridian/models"
)

const (
	secret = "app-secret"
	pageID = "1234567890"
	psid   = "6234567890123456"
	igID   = "17841400000000000"
	igsid  = "1098765432109876"
)

var at = time.UnixMilli(1749416383123).UTC()

func newMessenger(t testing.TB, cfg Config) *Channel {
	t.Helper()
	if cfg.AppSecret == "" {
		cfg.AppSecret = secret
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newInstagram(t testing.TB, cfg Config) *Channel {
	t.Helper()
	if cfg.AppSecret == "" {
		cfg.AppSecret = secret
	}
	c, err := NewInstagram(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestConstructorsNeedTheAppSecret(t *testing.T) {
	if _, err := New(Config{}); err == nil || !strings.Contains(err.Error(), "MERIDIAN_MESSENGER_APP_SECRET") {
		t.Fatalf("New = %v", err)
	}
	if _, err := NewInstagram(Config{}); err == nil || !strings.Contains(err.Error(), "MERIDIAN_INSTAGRAM_APP_SECRET") {
		t.Fatalf("NewInstagram = %v", err)
	}
}

var texts = []struct{ key, text string }{
	{"ar", "مرحبا، أين طلبي؟"}, {"ja", "注文した商品はいつ届きますか？"}, {"ko", "주문한 상품은 언제 도착하나요?"},
	{"th", "สวัสดีครับ สินค้าของฉันอยู่ที่ไหน"}, {"zh", "你好，我的订单在哪里？"}, {"emoji", "👋🏽 where is my 📦? 👨‍👩‍👧"},
}

func TestParse(t *testing.T) {
	msg := func(id, kind, text string, attrs map[string]string, atts ...models.Attachment) channels.Message {
		return channels.Message{ID: id, Account: pageID, Timestamp: at, Kind: kind, From: channels.Sender{ID: psid},
			Text: text, Attributes: attrs, Attachments: atts}
	}
	var multilingual []channels.Message
	for _, tx := range texts {
		multilingual = append(multilingual, msg("m_"+tx.key, "text", tx.text, nil))
	}
	for _, tc := range []struct {
		file     string
		messages []channels.Message
		statuses []channels.Status
	}{
		{"text_multilingual.json", multilingual, nil},
		{"text_long.json", []channels.Message{msg("m_long", "text", strings.Repeat("ข้อความยาวมาก ", 700), nil)}, nil},
		{"attachments.json", []channels.Message{
			msg("m_img", "image", "", nil, models.Attachment{Kind: "image", URL: "https://scontent.xx.fbcdn.net/v/t1.15752-9/photo.jpg"}),
			msg("m_stk", "image", "", map[string]string{"sticker_id": "369239263222822"}, models.Attachment{Kind: "image", URL: "https://scontent.xx.fbcdn.net/v/sticker.png"}),
			msg("m_loc", "location", "", map[string]string{"latitude": "35.681236", "longitude": "139.767125", "attachment_title": "Tokyo Station"}, models.Attachment{Kind: "location"}),
			msg("m_file", "text", "領収書です", nil, models.Attachment{Kind: "file", URL: "https://cdn.fbsbx.com/v/receipt.pdf"}),
		}, nil},
		{"quick_reply_reply_to.json", []channels.Message{
			msg("m_qr", "quick_reply", "配送状況", map[string]string{"quick_reply_payload": "TRACK_ORDER"}),
			msg("m_rt", "text", "이거요", map[string]string{"reply_to_message_id": "m_out_1"}),
		}, nil},
		{"echo.json", []channels.Message{msg("m_after", "text", "ok", nil)}, nil},
		{"edit.json", []channels.Message{msg("m_ja:edit:1", "message_edit", "注文した商品はいつ届きますか？（修正）",
			map[string]string{"edited": "true", "edited_message_id": "m_ja", "num_edit": "1"})}, nil},
		{"receipts.json", nil, []channels.Status{
			{MessageID: "m_out_1", State: channels.StateDelivered, Timestamp: time.UnixMilli(1749416383000).UTC()},
			{MessageID: "m_out_2", State: channels.StateDelivered, Timestamp: time.UnixMilli(1749416383000).UTC()},
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			d, err := newMessenger(t, Config{}).Parse(nil, fixture(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(d.Messages, tc.messages) {
				t.Errorf("messages\n got %+v\nwant %+v", d.Messages, tc.messages)
			}
			if !reflect.DeepEqual(d.Statuses, tc.statuses) {
				t.Errorf("statuses\n got %+v\nwant %+v", d.Statuses, tc.statuses)
			}
		})
	}
}

// Events without a mid of their own get an id derived from the event, the same on a
// redelivery and different between events.
func TestParseEventsWithoutMid(t *testing.T) {
	c := newMessenger(t, Config{})
	for _, tc := range []struct {
		file  string
		kinds []string
		attrs []map[string]string
		texts []string
	}{
		{"postback.json", []string{"postback", "postback"}, []map[string]string{
			{"postback_payload": "HANDOFF", "postback_title": "Talk to an agent"},
			{"postback_payload": "GET_STARTED", "postback_title": "Get Started", "referral_ref": "summer", "referral_source": "SHORTLINK", "referral_type": "OPEN_THREAD"},
		}, []string{"Talk to an agent", "Get Started"}},
		{"reaction.json", []string{"reaction", "reaction"}, []map[string]string{
			{"reaction_message_id": "m_out_1", "reaction_action": "react", "reaction_emoji": "❤️", "reaction": "love"},
			{"reaction_message_id": "m_out_1", "reaction_action": "unreact"},
		}, []string{"", ""}},
		{"referral.json", []string{"referral"}, []map[string]string{
			{"referral_ref": "ad-42", "referral_source": "ADS", "referral_type": "OPEN_THREAD", "referral_ad_id": "6045246247433"},
		}, []string{""}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			body := fixture(t, tc.file)
			d, err := c.Parse(nil, body)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := c.Parse(nil, body)
			if len(d.Messages) != len(tc.kinds) {
				t.Fatalf("%d messages", len(d.Messages))
			}
			seen := map[string]bool{}
			for i, m := range d.Messages {
				if m.ID == "" || seen[m.ID] || again.Messages[i].ID != m.ID {
					t.Fatalf("message %d id %q not unique and stable", i, m.ID)
				}
				seen[m.ID] = true
				if m.Kind != tc.kinds[i] || m.Text != tc.texts[i] || !reflect.DeepEqual(m.Attributes, tc.attrs[i]) || m.Unknown != "" || m.Account != pageID || m.From.ID != psid {
					t.Errorf("message %d = %+v", i, m)
				}
			}
		})
	}
	d, _ := c.Parse(nil, fixture(t, "postback.json"))
	if d.Messages[0].ID != "m_pb1" {
		t.Errorf("a postback's own mid is its id, got %q", d.Messages[0].ID)
	}
}

func TestParseUnknownKinds(t *testing.T) {
	for _, tc := range []struct {
		file, kind, reason string
		instagram          bool
	}{
		{"optin.json", "optin", `messenger event "optin" is not read by this package`, false},
		{"standby.json", "standby", "messenger standby event: another app holds this conversation's thread", false},
		{"ig_comments.json", "comments", `instagram webhook field "comments" is not a message`, true},
	} {
		t.Run(tc.file, func(t *testing.T) {
			c := newMessenger(t, Config{})
			if tc.instagram {
				c = newInstagram(t, Config{})
			}
			d, err := c.Parse(nil, fixture(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Messages) != 1 || d.Messages[0].Kind != tc.kind || d.Messages[0].Unknown != tc.reason || d.Messages[0].ID == "" {
				t.Fatalf("got %+v", d.Messages)
			}
		})
	}
}

func TestParseInstagram(t *testing.T) {
	c := newInstagram(t, Config{})
	d, err := c.Parse(nil, fixture(t, "ig_text.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want []channels.Message
	for _, tx := range texts {
		want = append(want, channels.Message{ID: "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQx" + tx.key, Account: igID, Timestamp: at,
			Kind: "text", From: channels.Sender{ID: igsid}, Text: tx.text})
	}
	if !reflect.DeepEqual(d.Messages, want) {
		t.Fatalf("got %+v", d.Messages)
	}

	d, err = c.Parse(nil, fixture(t, "ig_kinds.json"))
	if err != nil {
		t.Fatal(err)
	}
	ig := func(id, kind, text, unknown string, attrs map[string]string, atts ...models.Attachment) channels.Message {
		return channels.Message{ID: id, Account: igID, Timestamp: at, Kind: kind, From: channels.Sender{ID: igsid}, Text: text,
			Attributes: attrs, Attachments: atts, Unknown: unknown}
	}
	wantKinds := []channels.Message{
		ig("ig_story", "text", "素敵！", "", map[string]string{"reply_to_story_id": "17920000000000000", "reply_to_story_url": "https://lookaside.fbsbx.com/story.jpg"}),
		ig("ig_share", "share", "", "", nil, models.Attachment{Kind: "share", URL: "https://lookaside.fbsbx.com/share"}),
		ig("ig_old:deleted", "message_deleted", "", "", map[string]string{"deleted": "true", "deleted_message_id": "ig_old"}),
		ig("ig_uns", "unsupported", "", "instagram could not deliver this message type", nil),
	}
	if !reflect.DeepEqual(d.Messages, wantKinds) {
		t.Fatalf("messages\n got %+v\nwant %+v", d.Messages, wantKinds)
	}
	wantStatus := []channels.Status{{MessageID: "ig_out_1", State: channels.StateRead, Timestamp: at}}
	if !reflect.DeepEqual(d.Statuses, wantStatus) {
		t.Fatalf("statuses %+v", d.Statuses)
	}
}

func TestParseRefusesOtherFormats(t *testing.T) {
	for name, tc := range map[string]struct {
		body      string
		instagram bool
	}{
		"not json":             {`{"object":`, false},
		"instagram to page":    {string(InstagramTextDelivery(igID, igsid, "m", "x", at)), false},
		"page to instagram":    {string(TextDelivery(pageID, psid, "m", "x", at)), true},
		"whatsapp":             {`{"object":"whatsapp_business_account","entry":[]}`, false},
		"event without sender": {`{"object":"page","entry":[{"id":"1","messaging":[{"recipient":{"id":"1"},"timestamp":1,"message":{"mid":"m","text":"x"}}]}]}`, false},
		"message without mid":  {`{"object":"page","entry":[{"id":"1","messaging":[{"sender":{"id":"2"},"recipient":{"id":"1"},"timestamp":1,"message":{"text":"x"}}]}]}`, false},
		"messaging not array":  {`{"object":"page","entry":[{"id":"1","messaging":{}}]}`, false},
	} {
		t.Run(name, func(t *testing.T) {
			c := newMessenger(t, Config{})
			if tc.instagram {
				c = newInstagram(t, Config{})
			}
			if _, err := c.Parse(nil, []byte(tc.body)); !errors.Is(err, channels.ErrFormat) {
				t.Fatalf("Parse = %v, want ErrFormat", err)
			}
		})
	}
}

func TestVerifyAndHandshake(t *testing.T) {
	for _, c := range []*Channel{newMessenger(t, Config{VerifyToken: "vt"}), newInstagram(t, Config{VerifyToken: "vt"})} {
		body := fixture(t, "text_multilingual.json")
		r := httptest.NewRequest(http.MethodPost, "/webhooks/"+c.Name(), nil)
		if err := c.Verify(r, body); !errors.Is(err, channels.ErrSignature) {
			t.Fatalf("%s unsigned: %v", c.Name(), err)
		}
		r.Header.Set(meta.SignatureHeader, meta.Sign(secret, body[1:]))
		if err := c.Verify(r, body); !errors.Is(err, channels.ErrSignature) {
			t.Fatalf("%s other body: %v", c.Name(), err)
		}
		r.Header.Set(meta.SignatureHeader, meta.Sign(secret, body))
		if err := c.Verify(r, body); err != nil {
			t.Fatalf("%s signed: %v", c.Name(), err)
		}
		w := httptest.NewRecorder()
		c.Handshake(w, httptest.NewRequest(http.MethodGet, "/?hub.mode=subscribe&hub.verify_token=no&hub.challenge=42", nil))
		if w.Code != http.StatusForbidden {
			t.Fatalf("%s handshake with a wrong token: %d", c.Name(), w.Code)
		}
	}
}

func TestTextDeliveriesParse(t *testing.T) {
	d, err := newMessenger(t, Config{}).Parse(nil, TextDelivery(pageID, psid, "m_gen", "안녕하세요 🙂", at))
	want := []channels.Message{{ID: "m_gen", Account: pageID, Timestamp: at, Kind: "text", From: channels.Sender{ID: psid}, Text: "안녕하세요 🙂"}}
	if err != nil || !reflect.DeepEqual(d.Messages, want) {
		t.Fatalf("messenger: %v %+v", err, d)
	}
	d, err = newInstagram(t, Config{}).Parse(nil, InstagramTextDelivery(igID, igsid, "ig_gen", "สวัสดี", at))
	want = []channels.Message{{ID: "ig_gen", Account: igID, Timestamp: at, Kind: "text", From: channels.Sender{ID: igsid}, Text: "สวัสดี"}}
	if err != nil || !reflect.DeepEqual(d.Messages, want) {
		t.Fatalf("instagram: %v %+v", err, d)
	}
}

func fuzzParse(f *testing.F, c *Channel, seeds ...string) {
	for _, name := range seeds {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := c.Parse(nil, body)
		if err != nil {
			if !errors.Is(err, channels.ErrFormat) {
				t.Fatalf("error %v is not ErrFormat", err)
			}
			return
		}
		for _, m := range d.Messages {
			if m.ID == "" {
				t.Fatalf("message without id: %+v", m)
			}
		}
		for _, s := range d.Statuses {
			if s.MessageID == "" {
				t.Fatalf("status without message id: %+v", s)
			}
		}
	})
}

func FuzzParseMessenger(f *testing.F) {
	fuzzParse(f, newMessenger(f, Config{}), "text_multilingual.json", "attachments.json", "postback.json",
		"reaction.json", "receipts.json", "echo.json", "edit.json", "optin.json", "standby.json")
}

func FuzzParseInstagram(f *testing.F) {
	fuzzParse(f, newInstagram(f, Config{}), "ig_text.json", "ig_kinds.json", "ig_comments.json")
}
