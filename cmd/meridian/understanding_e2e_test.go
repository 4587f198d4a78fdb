package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/channels/whatsapp"
)

// libreTranslate implements LibreTranslate's POST /translate (q as an array) for German to
// English and English to Brazilian Portuguese ("pb" in its language list), from a phrase book;
// anything else is its documented 400.
type libreTranslate struct{ calls atomic.Int64 }

func (l *libreTranslate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Q              []string `json:"q"`
		Source, Target string
	}
	if r.URL.Path != "/translate" || json.NewDecoder(r.Body).Decode(&req) != nil || (req.Target != "en" && req.Target != "pb") {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":"Invalid request"}`)
		return
	}
	l.calls.Add(1)
	book := map[string]string{"Dringend: der Heizlüfter raucht und riecht verbrannt!": "Urgent: the fan heater is smoking and smells burnt!",
		"Your parcel arrives tomorrow. We cannot refund the shipping.": "Seu pacote chega amanhã. Não podemos reembolsar o frete."}
	out := make([]string, len(req.Q))
	for i, q := range req.Q {
		out[i] = book[q]
	}
	resp := map[string]any{"translatedText": out}
	if req.Source == "auto" {
		resp["detectedLanguage"] = []map[string]any{{"confidence": 90, "language": "de"}}
	}
	json.NewEncoder(w).Encode(resp)
}

// Inbound messages are analysed once on the stream, their analyses are metrics dimensions
// and drill down to conversations, an agent reads a message with its analysis and its
// translation (cached: asked again, the provider is not called), and analyzeText answers
// the same analysis on demand.
func TestMessagesAreUnderstoodOnTheStream(t *testing.T) {
	lt := &libreTranslate{}
	provider := httptest.NewServer(lt)
	t.Cleanup(provider.Close)
	s := startServer(t, t.TempDir(), "MERIDIAN_TRANSLATE_PROVIDER=libretranslate", "MERIDIAN_TRANSLATE_URL="+provider.URL,
		"MERIDIAN_LANGUAGE_HIGH_ACCURACY=en,de,ja,pt", "MERIDIAN_ANALYSIS=on")
	now := time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)
	ev := func(id, country, text, extra string) string {
		return fmt.Sprintf(`{"id":%q,"type":"message.received","occurred_at":%q,"channel":"whatsapp","direction":"inbound","conversation_id":"c-%s","customer":{"country":%q,"phone":"+49151000%s"},"text":%q%s}`,
			id, now, id, country, id[1:], text, extra)
	}
	body := "[" + strings.Join([]string{
		ev("m1", "DE", "Dringend: der Heizlüfter raucht und riecht verbrannt!", ""),
		ev("m2", "DE", "Keine Eile, wann kommt meine Bestellung?", ""),
		ev("m3", "JP", "至急対応してください。注文した商品がまだ届きません。", `,"language":"ja-JP"`),
	}, ",") + "]"
	if code, out := s.post(t, "/v1/events", testKey, "application/json", body); code != 202 {
		t.Fatalf("post: %d %v", code, out)
	}
	metrics := `{ metrics(measures: ["analyzed_messages", "urgent_messages"], dimensions: ["language", "urgency"]) { rows { dimensions values } } }`
	var rows []any
	waitFor(t, 90*time.Second, func() bool {
		rows = s.gql(t, metrics, nil)["metrics"].(map[string]any)["rows"].([]any)
		n := 0.0
		for _, r := range rows {
			n += r.(map[string]any)["values"].([]any)[0].(float64)
		}
		return n == 3
	})
	got := map[string]string{}
	for _, r := range rows {
		d := r.(map[string]any)["dimensions"].([]any)
		got[d[0].(string)+" "+d[1].(string)] = fmt.Sprint(r.(map[string]any)["values"])
	}
	for cell, want := range map[string]string{"de CRITICAL": "[1 1]", "de NORMAL": "[1 0]", "ja HIGH": "[1 1]"} {
		if got[cell] != want {
			t.Errorf("metrics cell %s: %q, want %q (all: %v)", cell, got[cell], want, got)
		}
	}

	// Drill down: the conversations behind the critical cell, with the message, its analysis
	// and its translation for an English-reading agent.
	conv := `{ conversations(filters: [{dimension: "urgency", values: ["CRITICAL"]}], first: 5) { totalCount edges { node { id sentimentTrend { direction scores } messages(first: 5) {
		text analysis { language languageSource urgency urgencyReasons sentiment intent issueType }
		translation(to: "en") { text from provider } } } } } }`
	c := s.gql(t, conv, nil)["conversations"].(map[string]any)
	edges := c["edges"].([]any)
	if len(edges) != 1 {
		t.Fatalf("conversations behind the critical cell: %v", c)
	}
	node := edges[0].(map[string]any)["node"].(map[string]any)
	msg := node["messages"].([]any)[0].(map[string]any)
	a, _ := msg["analysis"].(map[string]any)
	if node["id"] != "c-m1" || a == nil || a["language"] != "de" || a["urgency"] != "CRITICAL" {
		t.Fatalf("drilled-down message: %v", node)
	}
	if tr, _ := node["sentimentTrend"].(map[string]any); tr == nil || len(tr["scores"].([]any)) != 1 || tr["direction"] != "stable" {
		t.Errorf("sentiment trend of a one-message conversation: %v", node["sentimentTrend"])
	}
	if !strings.Contains(fmt.Sprint(a["urgencyReasons"]), "explicit:") {
		t.Errorf("urgency reasons %v name no explicit word", a["urgencyReasons"])
	}
	tr, _ := msg["translation"].(map[string]any)
	if tr == nil || tr["text"] != "Urgent: the fan heater is smoking and smells burnt!" || tr["from"] != "de" || tr["provider"] != "libretranslate" {
		t.Fatalf("translation: %v", msg["translation"])
	}
	calls := lt.calls.Load()
	again := s.gql(t, conv, nil)["conversations"].(map[string]any)["edges"].([]any)[0].(map[string]any)["node"].(map[string]any)
	if tr := again["messages"].([]any)[0].(map[string]any)["translation"].(map[string]any); tr["provider"] != "cache" || lt.calls.Load() != calls {
		t.Errorf("the same translation asked again: provider %v, %d more calls to the provider", tr["provider"], lt.calls.Load()-calls)
	}

	// On demand: negation, and bad input answered with an error naming the argument.
	an := s.gql(t, `{ analyzeText(text: "Es eilt nicht, ich wollte nur fragen, ob ich die Farbe noch ändern kann.", country: "DE") { language urgency urgencyReasons } }`, nil)["analyzeText"].(map[string]any)
	if an["language"] != "de" || an["urgency"] == "HIGH" || an["urgency"] == "CRITICAL" {
		t.Errorf("analyzeText of a negated urgency word: %v", an)
	}
	bad, _ := json.Marshal(map[string]any{"query": `{ analyzeText(text: "hola", country: "Spain") { language } }`})
	if code, out := s.post(t, "/graphql", testKey, "application/json", string(bad)); code != 200 || !strings.Contains(fmt.Sprint(out["errors"]), "country") {
		t.Errorf("a bad country: %d %v", code, out)
	}
}

// An agent who reads English answers a Brazilian customer on WhatsApp: the reply goes out in
// Portuguese (the customer's detected language) through the provider, adapted to the
// culture profile, with the original kept and its cultural fit recorded for analytics; a
// localised template needs no provider; bad input sends nothing.
func TestRepliesGoBackInTheCustomersLanguageAndCulture(t *testing.T) {
	api := &graphAPI{}
	wa := httptest.NewServer(api)
	t.Cleanup(wa.Close)
	provider := httptest.NewServer(&libreTranslate{})
	t.Cleanup(provider.Close)
	s := startServer(t, t.TempDir(), "MERIDIAN_WHATSAPP_APP_SECRET=app-secret", "MERIDIAN_WHATSAPP_ACCESS_TOKEN=wa-token",
		"MERIDIAN_WHATSAPP_API_BASE="+wa.URL, "MERIDIAN_TRANSLATE_PROVIDER=libretranslate", "MERIDIAN_TRANSLATE_URL="+provider.URL,
		"MERIDIAN_LANGUAGE_HIGH_ACCURACY=en,pt,es", "MERIDIAN_ANALYSIS=on")
	body := whatsapp.TextDelivery("1029384756", "5511987654321", "Ana Souza", "wamid.IN1", "Oi, meu pedido ainda não chegou, vocês podem verificar?", time.Now().Add(-time.Minute))
	s.deliverWhatsApp(t, body)
	q := `{ metrics(measures: ["analyzed_messages"], dimensions: ["language", "intent"]) { rows { dimensions values } } }`
	waitFor(t, 90*time.Second, func() bool { return strings.Contains(fmt.Sprint(s.gql(t, q, nil)), "values:[1]") })
	if rows := fmt.Sprint(s.gql(t, q, nil)["metrics"].(map[string]any)["rows"]); !strings.Contains(rows, "[pt-BR delivery]") {
		t.Fatalf("the customer's message analysed as %s, want pt-BR delivery (a late parcel)", rows)
	}
	conv := s.gql(t, `{ customerByIdentity(channel: "whatsapp", externalId: "5511987654321") { conversations { id } } }`, nil)["customerByIdentity"].(map[string]any)["conversations"].([]any)[0].(map[string]any)["id"]

	send := `mutation($in: SendMessageInput!) { sendMessage(input: $in) { text state localisation {
		language originalText originalLanguage translatedBy template cultureRules culturalFit cultureIssues } } }`
	in := map[string]any{"conversationId": conv, "text": "Your parcel arrives tomorrow. We cannot refund the shipping.", "language": "en", "adapt": true, "clientMessageId": "r1"}
	sent := s.gql(t, send, map[string]any{"in": in})["sendMessage"].(map[string]any)
	loc := sent["localisation"].(map[string]any)
	if !strings.Contains(sent["text"].(string), "Seu pacote chega amanhã") || sent["state"] != "sent" {
		t.Fatalf("the reply: %v", sent)
	}
	if loc["language"] != "pt-BR" || loc["originalLanguage"] != "en" || loc["translatedBy"] != "libretranslate" ||
		loc["originalText"] != in["text"] || len(loc["cultureRules"].([]any)) == 0 || loc["culturalFit"] == nil {
		t.Fatalf("its localisation: %v", loc)
	}
	if got := api.sends[0]["text"].(map[string]any)["body"]; got != sent["text"] {
		t.Fatalf("WhatsApp got %q, the ledger says %q", got, sent["text"])
	}

	tmpl := map[string]any{"conversationId": conv, "template": "looking_into_it", "clientMessageId": "r2"}
	sent = s.gql(t, send, map[string]any{"in": tmpl})["sendMessage"].(map[string]any)
	if sent["localisation"].(map[string]any)["template"] != "looking_into_it" || strings.Contains(sent["text"].(string), "looking") {
		t.Fatalf("a template: %v", sent)
	}
	fit := `{ metrics(measures: ["cultural_fit_avg"], dimensions: ["channel"]) { rows { values } } }`
	waitFor(t, 30*time.Second, func() bool { return strings.Contains(fmt.Sprint(s.gql(t, fit, nil)), "values:[") })

	for name, in := range map[string]map[string]any{
		"sendMessage.input.template": {"conversationId": conv, "template": "farewell_poem"},
		"sendMessage.input.language": {"conversationId": conv, "text": "hello", "language": "en_US!"},
		"sendMessage.input.text":     {"conversationId": conv, "text": "  "},
	} {
		b, _ := json.Marshal(map[string]any{"query": send, "variables": map[string]any{"in": in}})
		_, out := s.post(t, "/graphql", testKey, "application/json", string(b))
		if !strings.Contains(fmt.Sprint(out["errors"]), name) {
			t.Errorf("%v: %v, want an error naming %s", in, out["errors"], name)
		}
	}
	if api.count() != 2 {
		t.Errorf("%d replies reached WhatsApp, want 2", api.count())
	}
}
