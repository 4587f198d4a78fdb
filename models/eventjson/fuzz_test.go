package eventjson

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"time"
	"unicode/utf8"

	gojson "github.com/goccy/go-json"

	"github.com/meridian-cs/meridian/models"
)

// FuzzDecodeMatchesEncodingJSON: whatever the bytes, what DecodeObject or DecodeArray
// accepts, encoding/json accepts too, with an equal result.
func FuzzDecodeMatchesEncodingJSON(f *testing.F) {
	g, nullGen := newGen(7), newGen(8)
	for range 12 {
		e := g.event()
		out, err := Append(nil, &e)
		if err != nil {
			continue
		}
		f.Add(out)
		f.Add([]byte("[" + string(out) + "," + string(out) + "]"))
		std, _ := json.Marshal(&e)
		f.Add(std)
		indented, _ := json.MarshalIndent(&e, " ", "\t")
		f.Add(indented)
		nulled := nullGen.withNulls(out)
		f.Add(nulled)
		f.Add([]byte("[null," + string(nulled) + "]"))
	}
	for _, s := range unusual {
		f.Add([]byte(s))
	}
	for _, s := range nullSpellings {
		f.Add([]byte(s))
	}
	f.Add([]byte(jackson))
	for _, s := range refused {
		f.Add([]byte(s))
	}
	for _, s := range []string{
		`[]`, ` [ ] `, `[{}]`, `[{},{"id":"a"}]`, `[{}] `, `[{}]x`, `{"id":"a"} trailing`, `[null]`, `[null,{}]`,
		`{"Id":"a"}`, `{"customer":{"Country":"DE"}}`, `{"attributes":{"a":"1","A":"2"}}`,
		`{"id":"\ud83d\u0041","text":"\udbff\udfff\udc00"}`, `{"version":-9223372036854775808}`,
		`{"sent_at":"2026-01-01T00:00:00.1234567891Z"}`, `{"occurred_at":"0000-01-01T00:00:00+23:59"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got models.Event
		n, ok := DecodeObject(data, &got)
		if !ok {
			if !reflect.DeepEqual(got, models.Event{}) {
				t.Fatalf("DecodeObject refused %q but left %+v", data, got)
			}
		} else {
			var want models.Event
			if err := stdDecode(data[:n], &want); err != nil {
				t.Fatalf("DecodeObject accepted %q, encoding/json refuses it: %v", data[:n], err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("DecodeObject(%q):\n got %#v\nwant %#v", data[:n], got, want)
			}
		}
		if gotArr, ok := DecodeArray(data); ok {
			var wantArr []models.Event
			if err := stdDecode(data, &wantArr); err != nil {
				t.Fatalf("DecodeArray accepted %q, encoding/json refuses it: %v", data, err)
			}
			if !reflect.DeepEqual(gotArr, wantArr) {
				t.Fatalf("DecodeArray(%q):\n got %#v\nwant %#v", data, gotArr, wantArr)
			}
		}
	})
}

// FuzzAppendMatchesGoJSON builds events from fuzzed strings and numbers and compares Append
// with go-json, and decoding the result, as it is and with nulls, with encoding/json.
func FuzzAppendMatchesGoJSON(f *testing.F) {
	f.Add("a1", "message.received", "Wo ist meine Bestellung?", 4.0, 1, int64(42), int64(1795000000), int64(123456789), 0)
	f.Add("", "", "", 0.0, 0, int64(0), int64(0), int64(0), 0)
	f.Add("<a&b>", "\u2028\u2029", "\x00\x1f\x7f\"\\/", 1e-7, -1, int64(math.MinInt64), int64(-62135596800), int64(0), 3600)
	f.Add("\xff\xfe", "\xe2\x80", "สวัสดี 😀 \ufffd", 1e21, math.MaxInt, int64(math.MaxInt64), int64(253402300799), int64(999999999), -45000)
	f.Add("a!", "a", "a ", 0.1, 0, int64(0), int64(253402300799), int64(0), 0)
	f.Add("a", "b", "c", math.NaN(), 0, int64(0), int64(0), int64(0), 0)
	f.Add("a", "b", "c", 1.0, 0, int64(0), int64(253402300800), int64(0), 0)
	f.Add("k", "k", "v", math.Inf(1), 0, int64(0), int64(0), int64(0), 24*3600)
	f.Add("x", "y", "z", 5e-324, 0, int64(0), int64(-62135596801), int64(0), 3601)
	f.Fuzz(func(t *testing.T, a, b, c string, score float64, version int, size, sec, nsec int64, offset int) {
		at := time.Unix(sec, nsec).In(time.FixedZone("", offset))
		e := models.Event{ID: a, Type: b, Text: c, Version: version, Score: &score, OccurredAt: at, SentAt: &at,
			Customer:    &models.Customer{Country: b, Name: a, Email: c},
			Attachments: []models.Attachment{{Kind: c, SizeBytes: size, URL: a}, {}},
			Skills:      []string{a, b, c},
			Attributes:  map[string]string{},
		}
		// Keys whose encodings coincide (they differ only in invalid UTF-8) come out of
		// go-json in map order; keep one of each.
		encoded := map[string]bool{}
		for _, k := range []string{a, b, c, a + b, "k"} {
			enc, _ := gojson.Marshal(k)
			if !encoded[string(enc)] {
				encoded[string(enc)] = true
				e.Attributes[k] = c + a
			}
		}
		out := checkAppend(t, &e)
		if out == nil {
			return
		}
		var want, got models.Event
		if err := stdDecode(out, &want); err != nil {
			t.Fatalf("encoding/json cannot read %q: %v", out, err)
		}
		if n, ok := DecodeObject(out, &got); !ok || n != len(out) || !reflect.DeepEqual(got, want) {
			t.Fatalf("DecodeObject(%q) = %d, %v:\n got %#v\nwant %#v", out, n, ok, got, want)
		}
		nulled := newGen(uint64(sec)).withNulls(out)
		var wantNulled, gotNulled models.Event
		if err := stdDecode(nulled, &wantNulled); err != nil {
			t.Fatalf("encoding/json cannot read %q: %v", nulled, err)
		}
		if n, ok := DecodeObject(nulled, &gotNulled); !ok || n != len(nulled) || !reflect.DeepEqual(gotNulled, wantNulled) {
			t.Fatalf("DecodeObject(%q) = %d, %v:\n got %#v\nwant %#v", nulled, n, ok, gotNulled, wantNulled)
		}
		// Invalid UTF-8 comes back as U+FFFD, which is then written as it is, not as \ufffd;
		// RFC 3339 has no seconds in offsets, so -00:00:17 comes back as +00:00, written Z.
		stable := utf8.ValidString(a) && utf8.ValidString(b) && utf8.ValidString(c) && offset%60 == 0
		if again := checkAppend(t, &got); stable && !bytes.Equal(out, again) {
			t.Fatalf("decoding and encoding again changed %q to %q", out, again)
		}
	})
}
