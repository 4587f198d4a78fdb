package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/channels/webchat"
)

// A signed-in shopper writes from the shop's page over the web chat's WebSocket, is found by
// the user id the shop vouched for, and an agent's reply reaches the open chat, its receipt
// moving it to delivered.
func TestAWebChatConversationThroughTheRealPath(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir, "MERIDIAN_WEBCHAT_ORIGINS=https://shop.example", "MERIDIAN_WEBCHAT_SECRET=chat-secret")

	resp, err := http.Get("http://" + s.addr + "/webchat/widget.js")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/javascript; charset=utf-8" ||
		resp.Header.Get("Cross-Origin-Resource-Policy") != "cross-origin" || resp.Header.Get("Cache-Control") == "no-store" {
		t.Fatalf("widget.js: %d %v", resp.StatusCode, resp.Header)
	}
	if code, body := s.webhook(t, "webchat", []byte(`{}`), nil); code != 404 || !strings.Contains(body, "/webchat/ws") {
		t.Fatalf("the web chat's webhook: %d %s", code, body)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	url := "ws://" + s.addr + "/webchat/ws"
	if _, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"https://evil.example"}}}); err == nil || resp.StatusCode != 403 {
		t.Fatalf("another site's page: %v %v", resp, err)
	}
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"https://shop.example"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	send := func(v any) {
		b, _ := json.Marshal(v)
		if err := ws.Write(ctx, websocket.MessageText, b); err != nil {
			t.Fatal(err)
		}
	}
	recv := func() map[string]any {
		_, b, err := ws.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var f map[string]any
		_ = json.Unmarshal(b, &f)
		return f
	}
	send(map[string]string{"type": "hello", "userId": "cust-981", "userHash": webchat.UserHash("chat-secret", "cust-981"), "name": "Kim Minji", "locale": "ko-KR"})
	w := recv()
	if w["type"] != "welcome" || w["verified"] != true {
		t.Fatalf("welcome: %v", w)
	}
	visitor := w["visitorId"].(string)
	for range 2 { // the widget re-sends what it has no ack for
		send(map[string]string{"type": "message", "clientId": "c-1", "text": "주문한 상품이 아직 안 왔어요 📦"})
		if a := recv(); a["type"] != "ack" || a["id"] != visitor+":c-1" {
			t.Fatalf("ack: %v", a)
		}
	}

	q := `{ metrics(measures: ["messages"], dimensions: ["channel"]) { rows { dimensions values } } }`
	waitFor(t, 30*time.Second, func() bool {
		rows := s.gql(t, q, nil)["metrics"].(map[string]any)["rows"].([]any)
		return len(rows) == 1 && fmt.Sprint(rows[0]) == "map[dimensions:[webchat] values:[1]]"
	})
	c := s.gql(t, `query($id: String!) { customerByIdentity(channel: "webchat", externalId: $id) {
		id identities { kind value origin } conversations { id channel } } }`,
		map[string]any{"id": visitor})["customerByIdentity"].(map[string]any)
	if ids := fmt.Sprint(c["identities"]); !strings.Contains(ids, "value:cust-981") {
		t.Fatalf("identities: %s", ids)
	}
	conv := c["conversations"].([]any)[0].(map[string]any)["id"].(string)

	sent := s.gql(t, `mutation($c: ID!) { sendMessage(input: {conversationId: $c, text: "확인해 볼게요!", clientMessageId: "r-1"}) {
		id state channel platformMessageId } }`, map[string]any{"c": conv})["sendMessage"].(map[string]any)
	if sent["state"] != "sent" || sent["channel"] != "webchat" {
		t.Fatalf("sendMessage: %v", sent)
	}
	r := recv()
	if r["type"] != "message" || r["text"] != "확인해 볼게요!" || sent["platformMessageId"] != channels.MessageRef(dataDirKeyring(t, dir), "default", "webchat", fmt.Sprint(r["id"])) {
		t.Fatalf("reply: %v (sent %v)", r, sent)
	}
	send(map[string]string{"type": "received", "id": r["id"].(string)})
	waitFor(t, 10*time.Second, func() bool {
		got := s.gql(t, `query($id: ID!) { outboundMessage(id: $id) { state } }`, map[string]any{"id": sent["id"]})["outboundMessage"].(map[string]any)
		return got["state"] == "delivered"
	})
}
