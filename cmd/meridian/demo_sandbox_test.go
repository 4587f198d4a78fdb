package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/conversation/engine"
)

// sandboxedDemo is a demo configuration as runDemo makes it, with its sandbox running.
func sandboxedDemo(t *testing.T, args ...string) (config, *demoSandbox, []string) {
	t.Helper()
	cfg := demoConfig(t, args...)
	chans := demoSandboxable(cfg)
	if _, err := enableDemoChannels(cfg); err != nil {
		t.Fatal(err)
	}
	sb, err := startDemoSandbox(cfg, chans, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.close)
	return cfg, sb, chans
}

func cloneConfig(cfg config) config {
	out := config{}
	for k, v := range cfg {
		s := *v
		out[k] = &s
	}
	return out
}

// demoReply is a reply to a customer of the demo on ch, as the outbox hands it to the sender.
func demoReply(cfg config, sb *demoSandbox, ch, key string) channels.Outgoing {
	m := channels.Outgoing{Account: demoAccount(ch, "US"), To: "15551234567", Text: "Your parcel left our warehouse today.",
		LastInbound: time.Now().Add(-time.Minute / 2), Key: key}
	switch ch {
	case "line":
		m.To, m.ReplyToken = "U"+sandboxID(16), "rt"+sandboxID(16)
	case "telegram":
		m.Account, m.To = telegramBot(cfg), "734523112"
	case "kakaotalk":
		m.ReplyToken = sb.url + "/kakaotalk/v1/callback/" + key
	case "wechat":
		m.To = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
	case "email":
		m.Account, m.To, m.Subject = "support-us@shop.example", "ana.lopez@example.com", "Where is my parcel?"
	}
	return m
}

// Every channel the demo turns on sends, through the sender serve builds, to the sandbox,
// which takes the credentials the demo set and refuses others as the platform does.
func TestDemoSandboxTakesTheRepliesOfEveryDemoChannel(t *testing.T) {
	cfg, sb, chans := sandboxedDemo(t)
	for _, pl := range webhookPlatforms {
		if !slices.Contains(chans, pl.name) {
			t.Errorf("%s is not sandboxed", pl.name)
		}
	}
	if !slices.Contains(chans, "email") {
		t.Error("e-mail is not sandboxed")
	}
	ctx := context.Background()
	// wrong spoils a channel's send credentials: the platform's auth error is expected.
	wrong := map[string]struct {
		setting      string
		status       int
		code, reason string
	}{
		"whatsapp":  {"whatsapp-access-token", 401, "190", "Invalid OAuth access token"},
		"messenger": {"messenger-page-token", 401, "190", "Invalid OAuth access token"},
		"instagram": {"instagram-access-token", 401, "190", "Invalid OAuth access token"},
		"line":      {"line-access-token", 401, "", "Authentication failed"},
		"telegram":  {"telegram-bot-token", 401, "401", "Unauthorized"},
		"wechat":    {"wechat-app-secret", 200, "40125", "invalid appsecret"},
	}
	for _, pl := range webhookPlatforms {
		t.Run(pl.name, func(t *testing.T) {
			c, err := buildChannel(cfg, pl)
			if err != nil || c.Outbound == nil {
				t.Fatalf("building %s: %v (off: %s)", pl.name, err, c.Off)
			}
			rec, err := c.Outbound.Send(ctx, demoReply(cfg, sb, pl.name, "reply-1"))
			if err != nil {
				t.Fatalf("send: %v", err)
			}
			if rec.MessageID == "" && pl.name != "wechat" { // WeChat names no id for a customer-service message
				t.Errorf("no message id")
			}
			if got := sb.received()[pl.name]; got.Sent != 1 || got.Refused != 0 {
				t.Errorf("sandbox counted %+v, want one sent", got)
			}

			var want struct {
				setting      string
				status       int
				code, reason string
			}
			bad := cfg
			if w, ok := wrong[pl.name]; ok {
				want = w
				bad = cloneConfig(cfg)
				*bad[w.setting] += "x"
			} else {
				// KakaoTalk has no token: a skill request's callback is the credential, good once.
				want.status, want.code, want.reason = 400, "FAIL", "callback already used"
			}
			c, err = buildChannel(bad, pl)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Outbound.Send(ctx, demoReply(bad, sb, pl.name, "reply-1"))
			var se *channels.SendError
			if !errors.As(err, &se) {
				t.Fatalf("send with a wrong credential: %v, want the platform's refusal", err)
			}
			if se.Status != want.status || se.Code != want.code || !strings.Contains(se.Reason, want.reason) || se.Retryable {
				t.Errorf("refusal %+v, want status %d code %q reason %q, not retryable", se, want.status, want.code, want.reason)
			}
			if got := sb.received()[pl.name]; got.Sent != 1 || got.Refused != 1 {
				t.Errorf("sandbox counted %+v, want one sent, one refused", got)
			}
		})
	}
	// A LINE push retried with its X-Line-Retry-Key reaches the customer once.
	t.Run("line push retried", func(t *testing.T) {
		c, err := buildChannel(cfg, webhookPlatforms[slices.IndexFunc(webhookPlatforms, func(p webhookPlatform) bool { return p.name == "line" })])
		if err != nil {
			t.Fatal(err)
		}
		before := sb.received()["line"].Sent
		m := demoReply(cfg, sb, "line", "push-1")
		m.ReplyToken = ""
		a, err := c.Outbound.Send(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		b, err := c.Outbound.Send(ctx, m)
		if err != nil || b.MessageID != a.MessageID || a.MessageID == "" {
			t.Fatalf("retry: %v, ids %q %q", err, a.MessageID, b.MessageID)
		}
		if got := sb.received()["line"].Sent - before; got != 1 {
			t.Errorf("the sandbox took %d pushes, want 1", got)
		}
	})
	t.Run("email", func(t *testing.T) {
		chs, _, err := buildChannels(cfg)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(chs, func(c channels.Channel) bool { return c.Name == "email" })
		if chs[i].Outbound == nil {
			t.Fatal("e-mail cannot send")
		}
		rec, err := chs[i].Outbound.Send(ctx, demoReply(cfg, sb, "email", "reply-1"))
		if err != nil || rec.MessageID == "" {
			t.Fatalf("send: %v %+v", err, rec)
		}
		if got := sb.received()["email"]; got.Sent != 1 {
			t.Errorf("sink counted %+v, want one mail", got)
		}
	})
}

// A channel the user gave a send token or an API base of their own is theirs: the sandbox
// neither takes its replies nor changes its settings.
func TestDemoSandboxLeavesTheUsersSendSettings(t *testing.T) {
	cfg, _, chans := sandboxedDemo(t, "--whatsapp-access-token", "EAAmine", "--telegram-api-base", "http://127.0.0.1:1/tg",
		"--smtp-relay", "smtp.example.com:587", "--smtp-username", "me")
	for _, ch := range []string{"whatsapp", "telegram", "email"} {
		if slices.Contains(chans, ch) {
			t.Errorf("%s is sandboxed", ch)
		}
	}
	if !slices.Contains(chans, "line") {
		t.Error("LINE is not sandboxed")
	}
	if cfg.str("whatsapp-access-token") != "EAAmine" || cfg.str("whatsapp-api-base") != "https://graph.facebook.com" ||
		cfg.str("telegram-api-base") != "http://127.0.0.1:1/tg" || cfg.str("smtp-relay") != "smtp.example.com:587" {
		t.Errorf("the user's settings changed: %q %q %q %q", cfg.str("whatsapp-access-token"), cfg.str("whatsapp-api-base"),
			cfg.str("telegram-api-base"), cfg.str("smtp-relay"))
	}
}

// In the demo, the AI's answers reach the customers: the channels the demo turned on send to
// the sandbox, which counts every answer the AI sent on them and refuses none. (Conversations
// the demo posts to /v1/events, with no platform address, still cannot be answered.)
func TestDemoRepliesReachTheSandbox(t *testing.T) {
	s := startMeridian(t, []string{"demo", "--days", "0", "--speedup", "50"}, t.TempDir(),
		"MERIDIAN_ROUTING=on", "MERIDIAN_ANALYSIS=on", "MERIDIAN_LOG_LEVEL=info", "MERIDIAN_LOG_FORMAT=json")
	sandboxed := append(slices.Clone(demoWebhookChannels), "email")
	const q = `{ metrics(measures: ["ai_answers", "ai_handovers"], dimensions: ["channel", "reason"]) { rows { dimensions values } } }`
	var answers float64
	var rows []any
	deadline := time.Now().Add(60 * time.Second)
	for answers == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no AI answer on a platform channel 60 s into the demo: %v", rows)
		}
		time.Sleep(time.Second)
		rows = s.gql(t, q, nil)["metrics"].(map[string]any)["rows"].([]any)
		for _, r := range rows {
			r := r.(map[string]any)
			d, v := r["dimensions"].([]any), r["values"].([]any)
			if slices.Contains(sandboxed, d[0].(string)) {
				answers += v[0].(float64)
			}
			if d[1] == engine.ReasonSendFailed && v[1].(float64) > 0 {
				t.Errorf("AI answers on %v not sent: %v", d[0], v[1])
			}
		}
	}
	s.stop(syscall.SIGTERM)
	var sent, refused int
	var summary string
	for line := range strings.Lines(s.logs.String()) {
		var l map[string]any
		if json.Unmarshal([]byte(line), &l) != nil || l["msg"] != "demo sandbox" {
			continue
		}
		summary = line
		for _, v := range l {
			if g, ok := v.(map[string]any); ok {
				sent += int(g["sent"].(float64))
				refused += int(g["refused"].(float64))
			}
		}
	}
	// Each AI answer counted was sent before it was recorded.
	if summary == "" || sent < int(answers) || refused != 0 {
		t.Fatalf("after %v AI answers on platform channels the sandbox received %d messages and refused %d: %s", answers, sent, refused, summary)
	}
	t.Logf("%v AI answers on platform channels; the sandbox: %s", answers, summary)
}
