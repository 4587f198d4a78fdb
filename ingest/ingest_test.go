package ingest

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

const contractBody = `[{"id":"a1","type":"message.received","occurred_at":"2026-11-20T10:00:00Z","channel":"whatsapp","conversation_id":"c1","customer":{"country":"DE","external_id":"4915112345678"},"text":"Wo ist meine Bestellung?"}]`

func TestDecodeAcceptsTheContractExampleAsArrayAndAsNDJSON(t *testing.T) {
	evs, err := Decode([]byte(contractBody))
	if err != nil || len(evs) != 1 || evs[0].Customer.Country != "DE" {
		t.Fatalf("array: %v, %+v", err, evs)
	}
	nd := strings.TrimSuffix(strings.TrimPrefix(contractBody, "["), "]")
	nd2 := strings.Replace(nd, `"a1"`, `"a2"`, 1)
	evs, err = Decode([]byte(nd + "\n\n" + nd2 + "\n"))
	if err != nil || len(evs) != 2 || evs[1].ID != "a2" {
		t.Fatalf("ndjson: %v, %+v", err, evs)
	}
}

// jacksonEvent is contractBody's event as a Jackson client writes it by default: every field
// of its class, the absent ones as null.
const jacksonEvent = `{"id":"a1","type":"message.received","version":null,"occurred_at":"2026-11-20T10:00:00Z",` +
	`"received_at":null,"channel":"whatsapp","direction":null,"conversation_id":"c1","customer":{"country":"DE",` +
	`"external_id":"4915112345678","phone":null,"email":null,"name":null,"crm_id":null,"tier":null,"locale":null},` +
	`"text":"Wo ist meine Bestellung?","language":null,"platform_message_id":null,"sent_at":null,` +
	`"attachments":null,"agent_id":null,"team":null,"queue":null,"score":null,"confidence":null,` +
	`"sentiment":null,"skills":null,"attributes":null}`

// Explicit nulls are decoded by the fast path, as decodeStrict decodes them.
func TestDecodeTakesJacksonNullsOnTheFastPath(t *testing.T) {
	for _, body := range []string{"[" + jacksonEvent + "," + jacksonEvent + "]", jacksonEvent + "\n" + jacksonEvent + "\n"} {
		got, ok := decodeFast([]byte(body))
		if !ok {
			t.Fatalf("decodeFast refused %s", body)
		}
		want, err := decodeStrict([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("decodeFast:\n%+v\ndecodeStrict:\n%+v", got, want)
		}
		if err := validate(got); err != nil || got[1].Customer.Phone != "" || got[1].Attributes != nil {
			t.Fatalf("validate: %v, events %+v", err, got)
		}
	}
}

func TestDecodeNamesTheProblemAndTheEventIndex(t *testing.T) {
	second := func(mut string) string {
		return "[" + strings.Trim(contractBody, "[]") + "," + mut + "]"
	}
	ok := strings.Trim(contractBody, "[]")
	cases := []struct {
		name, body, want string
		index            int
		status           int
	}{
		{"malformed JSON", `[{"id":`, "malformed JSON", -1, 400},
		{"empty body", ` `, "empty body", -1, 400},
		{"empty array", `[]`, "no events", -1, 400},
		{"unknown type", second(strings.Replace(ok, "message.received", "message.recieved", 1)), "unknown event type", 1, 400},
		{"missing text", second(strings.Replace(ok, `,"text":"Wo ist meine Bestellung?"`, "", 1)), "text", 1, 400},
		{"unknown field", second(strings.Replace(ok, `"channel"`, `"chanel":"x","channel"`, 1)), "unknown field", 1, 400},
		{"unsupported version", second(strings.Replace(ok, `"id":"a1"`, `"id":"a1","version":2`, 1)), "unsupported version", 1, 400},
		{"wrong type of field", second(strings.Replace(ok, `"a1"`, `17`, 1)), "must be string", 1, 400},
		{"ndjson line not an object", ok + "\n[1]\n", "NDJSON", 1, 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode([]byte(c.body))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want an *Error", err)
			}
			if e.Status != c.status || !strings.Contains(e.Msg, c.want) {
				t.Fatalf("got %d %q, want %d containing %q", e.Status, e.Msg, c.status, c.want)
			}
			if c.index >= 0 && (e.Index == nil || *e.Index != c.index) {
				t.Fatalf("index = %v, want %d", e.Index, c.index)
			}
		})
	}
}

func TestDecodeRefusesTooManyEvents(t *testing.T) {
	ok := strings.Trim(contractBody, "[]")
	body := "[" + strings.Repeat(ok+",", MaxEvents) + ok + "]"
	_, err := Decode([]byte(body))
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("got %v, want 413", err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(contractBody))
	f.Add([]byte(strings.Trim(contractBody, "[]") + "\n" + strings.Trim(contractBody, "[]")))
	f.Add([]byte(`[{"id":"x","type":"feedback.nps","occurred_at":"2026-01-01T00:00:00Z","conversation_id":"c","customer":{"country":"SG"},"score":11}]`))
	f.Add([]byte(`[{}]`))
	f.Add([]byte(`{"id":"\u0000"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, err := Decode(body)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status < 400 || e.Status > 499 || e.Msg == "" {
				t.Fatalf("error %v is not a 4xx *Error with a message", err)
			}
			return
		}
		if len(evs) == 0 || len(evs) > MaxEvents {
			t.Fatalf("accepted %d events", len(evs))
		}
		for i := range evs {
			if err := evs[i].Validate(); err != nil {
				t.Fatalf("accepted an invalid event %d: %v", i, err)
			}
		}
	})
}

// FuzzDecodeMatchesStrict checks that Decode's eventjson fast path accepts exactly what the
// encoding/json path accepts, with the same events, and reports the same errors.
func FuzzDecodeMatchesStrict(f *testing.F) {
	f.Add([]byte(contractBody))
	f.Add([]byte(strings.Trim(contractBody, "[]") + "\n" + strings.Trim(contractBody, "[]")))
	f.Add([]byte(strings.Trim(contractBody, "[]") + "\r\n\r\n" + strings.Trim(contractBody, "[]") + "\r\n"))
	f.Add([]byte(`[{"id":"x","type":"feedback.nps","occurred_at":"2026-01-01T00:00:00Z","conversation_id":"c","customer":{"country":"SG"},"score":11}]`))
	f.Add([]byte(`[{"ID":"a1","Type":"message.received","occurred_at":"2026-11-20T10:00:00+02:00","channel":"whatsapp","conversation_id":"c1","customer":{"country":"DE"},"text":"\u00e9\ud83d\ude00 \"q\"","attributes":{"k":"v"},"skills":["a"],"sentiment":-0.5e0}]`))
	f.Add([]byte(`[{"id":"a","id":"b","type":"message.received","occurred_at":"2026-11-20T10:00:00Z","channel":"whatsapp","conversation_id":"c1","customer":{"country":"DE"},"text":"x"}] `))
	f.Add([]byte(`[null]`))
	f.Add([]byte(`[null,` + strings.Trim(contractBody, "[]") + `]`))
	f.Add([]byte("null\n" + strings.Trim(contractBody, "[]")))
	f.Add([]byte("[" + jacksonEvent + "]"))
	f.Add([]byte(jacksonEvent + "\n" + jacksonEvent))
	f.Add([]byte(strings.Replace(contractBody, `"customer":{"country":"DE","external_id":"4915112345678"}`, `"customer":null`, 1)))
	f.Add([]byte(strings.Replace(contractBody, `"a1"`, `null`, 1)))
	f.Add([]byte(`[{"id":"x","type":"feedback.nps","occurred_at":"2026-01-01T00:00:00Z","conversation_id":"c","customer":{"country":"SG","tier":null},"score":null,"skills":[null],"attachments":[null],"attributes":{"k":null}}]`))
	f.Add([]byte(`[{}] x`))
	f.Add([]byte(`{"id":"\u0000"}`))
	// Raw control characters in strings: encoding/json refuses them (go-json, once a tier of
	// the fast path, did not).
	f.Add([]byte("{\"type\":\"\x01\"}"))
	f.Add([]byte(strings.Replace(contractBody, `"a1"`, "\"a\tb\"", 1)))
	f.Add([]byte(strings.Replace(strings.Trim(contractBody, "[]"), `"a1"`, "\"a\rb\"", 1)))
	// Data after an NDJSON line's object: an error, except a stray } (encoding/json's More).
	f.Add([]byte(strings.Trim(contractBody, "[]") + ` {"id":"b"}`))
	f.Add([]byte(strings.Trim(contractBody, "[]") + "}\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		got, gerr := Decode(body)
		want, werr := decodeStrict(body)
		if (gerr == nil) != (werr == nil) {
			t.Fatalf("Decode error %v, strict error %v", gerr, werr)
		}
		if gerr != nil {
			var ge, we *Error
			if !errors.As(gerr, &ge) || !errors.As(werr, &we) || ge.Error() != we.Error() || ge.Status != we.Status || ge.Field != we.Field {
				t.Fatalf("Decode error %#v, strict error %#v", gerr, werr)
			}
			return
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("events differ:\nfast   %+v\nstrict %+v", got, want)
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	ok := strings.Trim(contractBody, "[]")
	body := []byte("[" + strings.Repeat(ok+",", 9) + ok + "]")
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			if _, err := Decode(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("strict", func(b *testing.B) {
		for b.Loop() {
			if _, err := decodeStrict(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	jackson := []byte("[" + strings.Repeat(jacksonEvent+",", 9) + jacksonEvent + "]")
	b.Run("jackson-nulls", func(b *testing.B) {
		for b.Loop() {
			if _, err := Decode(jackson); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// The body is read whole whether its length is announced or not, and a body over the limit is
// refused either way.
func TestReadBodyWithAndWithoutContentLength(t *testing.T) {
	body := strings.Repeat("x", 70_000)
	for _, c := range []struct {
		name   string
		length int64
		body   string
	}{
		{"announced", int64(len(body)), body},
		{"chunked", -1, body},
		{"empty", 0, ""},
	} {
		r := httptest.NewRequest(http.MethodPost, "/v1/events", io.NopCloser(strings.NewReader(c.body)))
		r.ContentLength = c.length
		got, err := readBody(r)
		if err != nil || string(got) != c.body {
			t.Fatalf("%s: read %d bytes, err %v; want %d bytes", c.name, len(got), err, len(c.body))
		}
	}
	over := strings.NewReader(strings.Repeat("x", MaxBodyBytes+1))
	r := httptest.NewRequest(http.MethodPost, "/v1/events", io.NopCloser(over))
	r.ContentLength = -1
	var mbe *http.MaxBytesError
	if _, err := readBody(r); !errors.As(err, &mbe) {
		t.Fatalf("a chunked body over the limit: err %v, want a MaxBytesError", err)
	}
}
