package channels_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/channels/email"
	"github.com/meridian-cs/meridian/channels/kakao"
	"github.com/meridian-cs/meridian/channels/line"
	"github.com/meridian-cs/meridian/channels/messenger"
	"github.com/meridian-cs/meridian/channels/meta"
	"github.com/meridian-cs/meridian/channels/telegram"
	"github.com/meridian-cs/meridian/channels/wechat"
	"github.com/meridian-cs/meridian/channels/whatsapp"
)

const benchText = "Olá! Meu pedido 4471 ainda não chegou e preciso dele até sexta-feira. Podem verificar? 📦"

// BenchmarkVerifyAndParse is one platform delivery of one text message, verified and read
// into channels.Messages, per platform: deliveries per second per core of the webhook's own
// work (BENCHMARKS.md; the intake and Kafka are measured by make bench-webhooks).
func BenchmarkVerifyAndParse(b *testing.B) {
	at := time.Now().Truncate(time.Second)
	type platform struct {
		hook    channels.Webhook
		request func(body []byte) *http.Request
		body    []byte
	}
	must := func(c channels.Webhook, err error) channels.Webhook {
		if err != nil {
			b.Fatal(err)
		}
		return c
	}
	post := func(body []byte, h http.Header, target string) *http.Request {
		r := httptest.NewRequest("POST", target, bytes.NewReader(body))
		for k, v := range h {
			r.Header[k] = v
		}
		return r
	}
	metaReq := func(body []byte) *http.Request {
		return post(body, http.Header{"X-Hub-Signature-256": {meta.Sign("s", body)}}, "/webhooks/x")
	}
	wa, err := whatsapp.New(whatsapp.Config{AppSecret: "s"})
	ms := must(messenger.New(messenger.Config{AppSecret: "s"}))
	li := must(line.New(line.Config{ChannelSecret: "s", AccessToken: "t"}))
	tg := must(telegram.New(telegram.Config{SecretToken: "s", BotToken: "1:t"}))
	kk := must(kakao.New(kakao.Config{Secret: "s"}))
	wc := must(wechat.New(wechat.Config{Token: "s", AppID: "wx1", AppSecret: "x", Now: func() time.Time { return at }}))
	platforms := map[string]platform{
		"whatsapp":  {must(wa, err), metaReq, whatsapp.TextDelivery("1029384756", "5511987654321", "Ana", "wamid.A1", benchText, at)},
		"messenger": {ms, metaReq, messenger.TextDelivery("1029384756", "24364089654561234", "m_A1", benchText, at)},
		"line": {li, func(body []byte) *http.Request {
			return post(body, http.Header{"X-Line-Signature": {line.Sign("s", body)}}, "/webhooks/line")
		}, line.TextDelivery("Ubot", "U4af4980629", "01HBENCH", benchText, at)},
		"telegram": {tg, func(body []byte) *http.Request {
			h := http.Header{}
			telegram.Sign(h, "s")
			return post(body, h, "/webhooks/telegram")
		}, telegram.TextDelivery(1, 2, 3, "Ana", "pt-br", benchText, at)},
		"kakaotalk": {kk, func(body []byte) *http.Request {
			h := http.Header{}
			kakao.Sign(h, "s")
			return post(body, h, "/webhooks/kakaotalk")
		}, kakao.TextDelivery("bot1", "user1", benchText, "")},
		"wechat": {wc, func(body []byte) *http.Request {
			ts, nonce := strconv.FormatInt(at.Unix(), 10), "n1"
			return post(body, nil, "/webhooks/wechat?timestamp="+ts+"&nonce="+nonce+"&signature="+wechat.Signature("s", ts, nonce))
		}, wechat.TextDelivery("gh_1", "oUser1", "1001", benchText, at)},
	}
	for name, p := range platforms {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(p.body)))
			b.ReportAllocs()
			for b.Loop() {
				r := p.request(p.body)
				if err := p.hook.Verify(r, p.body); err != nil {
					b.Fatal(err)
				}
				d, err := p.hook.Parse(r, p.body)
				if err != nil || len(d.Messages) != 1 {
					b.Fatal(d, err)
				}
			}
		})
	}
	b.Run("email", func(b *testing.B) {
		raw := email.Compose("ana@example.com", "support@shop.example", "Pedido 4471", benchText+"\n\n-- \nAna Souza\n+55 11 98765-4321", "m1@example.com", "", at)
		b.SetBytes(int64(len(raw)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := email.Parse(raw, "support@shop.example", at); err != nil {
				b.Fatal(err)
			}
		}
	})
}
