package eventjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	gojson "github.com/goccy/go-json"

	"github.com/meridian-cs/meridian/models"
)

// stdDecode is the reference decoder: encoding/json refusing unknown fields and anything
// after the value.
func stdDecode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("data after the value (%v)", err)
	}
	return nil
}

// checkAppend compares Append with go-json's MarshalNoEscape: the same bytes or an error
// with the same message.
func checkAppend(t *testing.T, e *models.Event) []byte {
	t.Helper()
	want, werr := gojson.MarshalNoEscape(e)
	prefix := []byte("prefix")
	got, err := Append(prefix, e)
	if werr != nil {
		var me *json.MarshalerError
		var ue *json.UnsupportedValueError
		if err == nil || err.Error() != werr.Error() || !errors.As(err, &me) && !errors.As(err, &ue) {
			t.Fatalf("Append error %v, go-json error %v for %+v", err, werr, e)
		}
		if string(got) != "prefix" {
			t.Fatalf("Append failed but extended dst to %q", got)
		}
		return nil
	}
	if err != nil {
		t.Fatalf("Append error %v for %+v; go-json wrote %s", err, e, want)
	}
	if !bytes.HasPrefix(got, prefix) || !bytes.Equal(got[len(prefix):], want) {
		t.Fatalf("Append differs from go-json for %+v:\n got %q\nwant %q", e, got, want)
	}
	return got[len(prefix):]
}

// checkDecode requires DecodeObject and DecodeArray to accept data, an event object, and
// to agree with encoding/json about it. The array holds a null event too.
func checkDecode(t *testing.T, data []byte) {
	t.Helper()
	var want models.Event
	if err := stdDecode(data, &want); err != nil {
		t.Fatalf("encoding/json refuses %q: %v", data, err)
	}
	var got models.Event
	n, ok := DecodeObject(data, &got)
	if !ok || len(bytes.TrimRight(data[n:], " \t\r\n")) != 0 {
		t.Fatalf("DecodeObject(%q) = %d, %v; want all of it", data, n, ok)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("DecodeObject(%q):\n got %#v\nwant %#v", data, got, want)
	}
	arr := append(append(append(append([]byte("\n[ "), data...), " ,\t"...), data...), ", null ]\r\n"...)
	var wantArr []models.Event
	if err := stdDecode(arr, &wantArr); err != nil {
		t.Fatalf("encoding/json refuses %q: %v", arr, err)
	}
	gotArr, ok := DecodeArray(arr)
	if !ok || !reflect.DeepEqual(gotArr, wantArr) {
		t.Fatalf("DecodeArray(%q) = %v:\n got %#v\nwant %#v", arr, ok, gotArr, wantArr)
	}
}

// pieces are what generated strings are made of: the hard cases for an encoder.
var pieces = []string{
	"a", "hello world", "Wo ist meine Bestellung?", "é", "Ünïcödé", "😀", "👩‍👩‍👧", "🇩🇪",
	"สวัสดีครับ ขอบคุณ", "你好", "مرحبا", `"`, `\`, `\"`, "/", "\n", "\r\n", "\t", "\x00", "\x01",
	"\x08", "\x0c", "\x1f", "\x7f", "<", ">", "&", "<script>alert('x')</script>", "a&b", "\u2028",
	"\u2029", "\u2027\u202a", "\ufffd", "\u0085", "\u00a0", "\U0010ffff", "\uffff", "\ud7ff",
	"\\u0000", "\\ud83d", " ", "a!", "a ", "mx1:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo",
}

// invalid are byte strings that are not UTF-8; encoders write each bad byte as \ufffd.
var invalid = []string{"\xff", "\xfe\xff", "\xe2\x80", "\xe2\x80\x28", "\xed\xa0\x80", "\xc0\x80", "\xf4\x90\x80\x80", "a\x80b"}

type gen struct{ *rand.Rand }

func (g gen) string(allowInvalid bool) string {
	var b strings.Builder
	for range g.IntN(5) {
		if allowInvalid && g.IntN(12) == 0 {
			b.WriteString(invalid[g.IntN(len(invalid))])
		} else {
			b.WriteString(pieces[g.IntN(len(pieces))])
		}
	}
	return b.String()
}

func (g gen) maybe(allowInvalid bool) string {
	if g.IntN(2) == 0 {
		return ""
	}
	return g.string(allowInvalid)
}

func (g gen) float() float64 {
	special := []float64{0, math.Copysign(0, -1), 1, -1, 0.5, 4, 1e-6, 9.999999e-7, 1e-7, 1e20, 1e21, 1e22,
		123456789.125, -2.5e-300, math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, 0.1 + 0.2}
	switch g.IntN(4) {
	case 0:
		return special[g.IntN(len(special))]
	case 1:
		for {
			if f := math.Float64frombits(g.Uint64()); !math.IsNaN(f) && !math.IsInf(f, 0) {
				return f
			}
		}
	default:
		return g.NormFloat64() * math.Pow(10, float64(g.IntN(60)-30))
	}
}

func (g gen) int64() int64 {
	special := []int64{0, 1, -1, 42, math.MaxInt64, math.MinInt64, 1 << 53, -(1 << 53) - 1}
	if g.IntN(2) == 0 {
		return special[g.IntN(len(special))]
	}
	return g.Int64() >> g.IntN(63)
}

var zones = []*time.Location{
	time.UTC, time.FixedZone("", 0), time.FixedZone("CET", 3600), time.FixedZone("", 5*3600+1800),
	time.FixedZone("", 5*3600+2700), time.FixedZone("", -3*3600-1800), time.FixedZone("", -12*3600),
	time.FixedZone("", 14*3600), time.FixedZone("", 3600+30), time.Local,
}

func (g gen) time() time.Time {
	if g.IntN(10) == 0 {
		return time.Time{}
	}
	nanos := []int{0, 1, 100, 123456000, 120000000, 999999999, g.IntN(1e9)}[g.IntN(7)]
	year := 1900 + g.IntN(200)
	if g.IntN(8) == 0 {
		year = []int{-1, 0, 1, 9999, 10000}[g.IntN(5)] // -1 and 10000 cannot be encoded
	}
	return time.Date(year, time.Month(1+g.IntN(12)), 1+g.IntN(31), g.IntN(24), g.IntN(60), g.IntN(60), nanos,
		zones[g.IntN(len(zones))])
}

// event is a random event: any subset of the fields, tricky strings, extreme numbers.
func (g gen) event() models.Event {
	s := g.maybe
	e := models.Event{ID: s(true), Type: s(true), Tenant: s(false), Region: s(false), OccurredAt: g.time(),
		Channel: s(true), Direction: s(false), ConversationID: s(true), CustomerID: s(false), Text: s(true),
		Language: s(false), PlatformMessageID: s(false), AgentID: s(false), Team: s(false), Queue: s(false),
		ToQueue: s(false), FromRegion: s(false), ToRegion: s(false), Reason: s(true), Summary: s(true),
		Action: s(false), Intent: s(false), Product: s(true)}
	if g.IntN(4) > 0 {
		e.ReceivedAt = g.time()
	}
	if g.IntN(2) == 0 {
		e.Version = int(g.int64())
	}
	if g.IntN(2) == 0 {
		e.Customer = &models.Customer{Country: s(false), ExternalID: s(true), Phone: s(false), Email: s(true),
			Name: s(true), CRMID: s(false), Tier: s(false), Locale: s(false)}
	}
	if g.IntN(3) == 0 {
		t := g.time()
		e.SentAt = &t
	}
	for _, p := range []**float64{&e.Score, &e.Confidence, &e.Sentiment} {
		if g.IntN(2) == 0 {
			f := g.float()
			if g.IntN(100) == 0 {
				f = []float64{math.NaN(), math.Inf(1), math.Inf(-1)}[g.IntN(3)]
			}
			*p = &f
		}
	}
	switch g.IntN(4) {
	case 0:
		e.Attachments = []models.Attachment{}
	case 1:
		for range 1 + g.IntN(3) {
			a := models.Attachment{Kind: s(true), MIMEType: s(false), URL: s(true)}
			if g.IntN(2) == 0 {
				a.SizeBytes = g.int64()
			}
			e.Attachments = append(e.Attachments, a)
		}
	}
	switch g.IntN(4) {
	case 0:
		e.Skills = []string{}
	case 1:
		for range 1 + g.IntN(4) {
			e.Skills = append(e.Skills, g.string(true))
		}
	}
	switch g.IntN(4) {
	case 0:
		e.Attributes = map[string]string{}
	case 1, 2:
		e.Attributes = map[string]string{}
		for range 1 + g.IntN(20) {
			// Keys stay valid UTF-8: keys differing only in their invalid bytes encode alike
			// and go-json writes those in map order, which cannot be compared.
			k := g.string(false)
			if g.IntN(3) == 0 { // keys that sort differently with go-json's closing quote
				k = []string{"a", "a!", "a ", "a!b", "ab", "b", ""}[g.IntN(7)]
			}
			e.Attributes[k] = g.string(true)
		}
	}
	return e
}

func newGen(seed uint64) gen { return gen{rand.New(rand.NewPCG(seed, 2026))} }

// The JSON names of the fields, for writing absent ones as null.
var (
	eventNames      = jsonNames[models.Event]()
	customerNames   = jsonNames[models.Customer]()
	attachmentNames = jsonNames[models.Attachment]()
)

func jsonNames[T any]() []string {
	var names []string
	for f := range reflect.TypeFor[T]().Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		names = append(names, name)
	}
	return names
}

// withNulls writes the event object in data (an encoder's output) again with null in every
// position encoding/json takes it: absent fields as null, as Jackson writes them by default,
// and values replaced by null in the event, its customer, attachments, skills and attributes.
// Members come in a random order.
func (g gen) withNulls(data []byte) []byte {
	return g.nullObject(data, eventNames, func(name string, v []byte) []byte {
		switch name {
		case "customer":
			return g.nullObject(v, customerNames, nil)
		case "attachments":
			return g.nullArray(v, func(a []byte) []byte { return g.nullObject(a, attachmentNames, nil) })
		case "skills":
			return g.nullArray(v, nil)
		case "attributes":
			return g.nullObject(v, nil, nil)
		}
		return v
	})
}

// nullObject writes the object in data with some of the absent names as null members, some
// values replaced by null and the others passed through inner, if given.
func (g gen) nullObject(data []byte, names []string, inner func(name string, v []byte) []byte) []byte {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(data, &members); err != nil {
		panic(err)
	}
	for _, name := range names {
		if _, ok := members[name]; !ok && g.IntN(2) == 0 {
			members[name] = json.RawMessage("null")
		}
	}
	keys := slices.Sorted(maps.Keys(members))
	g.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	out := []byte{'{'}
	for i, k := range keys {
		if i > 0 {
			out = append(out, ',')
		}
		key, _ := json.Marshal(k)
		out = append(append(out, key...), ':')
		switch v := members[k]; {
		case g.IntN(4) == 0:
			out = append(out, "null"...)
		case inner != nil && string(v) != "null":
			out = append(out, inner(k, v)...)
		default:
			out = append(out, v...)
		}
	}
	return append(out, '}')
}

// nullArray writes the array in data with some elements replaced by null and the others
// passed through inner, if given.
func (g gen) nullArray(data []byte, inner func(v []byte) []byte) []byte {
	var elements []json.RawMessage
	if err := json.Unmarshal(data, &elements); err != nil {
		panic(err)
	}
	out := []byte{'['}
	for i, v := range elements {
		if i > 0 {
			out = append(out, ',')
		}
		switch {
		case g.IntN(3) == 0:
			out = append(out, "null"...)
		case inner != nil:
			out = append(out, inner(v)...)
		default:
			out = append(out, v...)
		}
	}
	return append(out, ']')
}

// TestAppendAndDecodeMatchTheReferenceCodecs is the differential test: for many generated
// events, Append writes what go-json writes, and DecodeObject reads that (and encoding/json's
// own and indented renderings, and a rendering with nulls) exactly as encoding/json does.
func TestAppendAndDecodeMatchTheReferenceCodecs(t *testing.T) {
	g := newGen(1)
	nullGen := newGen(2) // its own, so that the events stay those of seed 1
	n := 5000
	if testing.Short() {
		n = 500
	}
	for range n {
		e := g.event()
		out := checkAppend(t, &e)
		if out == nil {
			continue // an unencodable time; checkAppend compared the errors
		}
		checkDecode(t, out)
		std, err := json.Marshal(&e) // \b, \f, 1e-7, no received_at when zero
		if err != nil {
			t.Fatal(err)
		}
		checkDecode(t, std)
		var indented bytes.Buffer
		if err := json.Indent(&indented, out, "\r\n", "\t "); err != nil {
			t.Fatal(err)
		}
		checkDecode(t, indented.Bytes())
		checkDecode(t, nullGen.withNulls(out))
	}
}

// A field added to models.Event, Customer or Attachment that this package does not know
// fails here: every field is set, so go-json writes it and Append does not, or DecodeObject
// meets an unknown key.
func TestEveryFieldIsCovered(t *testing.T) {
	var e models.Event
	fill(reflect.ValueOf(&e).Elem())
	out := checkAppend(t, &e)
	checkDecode(t, out)
	for _, typ := range []reflect.Type{reflect.TypeFor[models.Event](), reflect.TypeFor[models.Customer](), reflect.TypeFor[models.Attachment]()} {
		for i := range typ.NumField() {
			f := typ.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !bytes.Contains(out, []byte(`"`+name+`":`)) {
				t.Errorf("%s.%s is not in %s", typ.Name(), f.Name, out)
			}
		}
	}
}

// fill sets every field of v to a value that is not zero.
func fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString("s")
	case reflect.Int, reflect.Int64:
		v.SetInt(7)
	case reflect.Float64:
		v.SetFloat(0.25)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem())
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0))
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		v.SetMapIndex(reflect.ValueOf("k"), reflect.ValueOf("v"))
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)))
			return
		}
		for i := range v.NumField() {
			fill(v.Field(i))
		}
	default:
		panic("fill: no value for " + v.Type().String())
	}
}

func TestAppendRefusesWhatJSONCannotHold(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(-1)
	late := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, e := range map[string]models.Event{
		"NaN score":              {Score: &nan},
		"-Inf sentiment":         {Sentiment: &inf},
		"year 10000":             {OccurredAt: late},
		"year -1":                {ReceivedAt: time.Date(0, 1, 1, 0, 0, 0, 0, time.FixedZone("", 3600)).UTC()},
		"year 10000 in sent_at":  {SentAt: &late},
		"offset of 24 hours":     {OccurredAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", 24*3600))},
		"first error is written": {Score: &nan, OccurredAt: late},
	} {
		t.Run(name, func(t *testing.T) {
			if checkAppend(t, &e) != nil {
				t.Fatal("Append succeeded")
			}
		})
	}
	if b, err := Append(nil, nil); err != nil || string(b) != "null" {
		t.Fatalf("Append(nil) = %q, %v", b, err)
	}
}

// go-json sorts attributes by their encoded keys, closing quote included.
func TestAppendSortsAttributesAsGoJSON(t *testing.T) {
	for _, keys := range [][]string{
		{"a", "a!", "a ", "ab", "b", "A", "", "a!b"},                    // none needs escaping
		{"a", "a!", "a\"", "a\x01", "a\\", "a<", "\u2028", "é", "\xff"}, // escaped keys sort by their escapes
	} {
		e := models.Event{Attributes: map[string]string{}}
		for i, k := range keys {
			e.Attributes[k] = fmt.Sprint(i)
		}
		checkAppend(t, &e)
	}
}

// unusual is valid JSON that encoding/json decodes, written in ways an encoder would not
// choose.
var unusual = []string{
	`{}`,
	" \t\r\n{ \"id\" : \"a\" , \"type\"\n:\t\"message.received\" }",
	`{"id":"\u0061\u00e9\u20ac\ud83d\ude00\/\b\f\n\r\t\"\\"}`,
	`{"id":"\ud800","type":"\udc00x","text":"\ud83d\ud83d\ude00","summary":"\ude00\ud83d","reason":"\ud83dA"}`,
	`{"\u0069d":"escaped key","t\u0079pe":"message.received"}`,
	`{"type":"message.rec\u0065ived","channel":"whatsapp","direction":"in\u0062ound"}`,
	`{"id":"","skills":[],"attachments":[],"attributes":{},"customer":{}}`,
	`{"skills":[ "", "a" ,"b"],"attachments":[{},{"kind":"image","size_bytes":-0}],"attributes":{"k":"1","k":"2","":""}}`,
	`{"version":-0,"score":-0,"confidence":1E+2,"sentiment":0.000001e-300}`,
	`{"version":9223372036854775807,"attachments":[{"size_bytes":-9223372036854775808}]}`,
	`{"score":1.7976931348623157e308,"confidence":5e-324,"sentiment":1e-400}`,
	`{"occurred_at":"2026-11-20T10:00:00.123456789+05:30","received_at":"0001-01-01T00:00:00Z","sent_at":"2026-01-01T00:00:00-00:00"}`,
	`{"customer":{"country":"DE","external_id":"1","phone":"2","email":"3","name":"4","crm_id":"5","tier":"6","locale":"7"}}`,
	"{\"text\":\"สวัสดี 😀 \u2028\u2029 <>& \x7f\"}",
}

func TestDecodeAgreesOnUnusualSpellings(t *testing.T) {
	for _, s := range unusual {
		checkDecode(t, []byte(s))
	}
}

// nullSpellings are events with null in each position encoding/json takes it: it keeps the zero
// value of a string, number or struct (time.Time included) and sets a pointer, slice or map
// to nil; an element or attribute that is null is a zero element or "".
var nullSpellings = []string{
	allNull(eventNames),
	`{"customer":` + allNull(customerNames) + `}`,
	`{"attachments":[null,` + allNull(attachmentNames) + `,{"kind":"image","size_bytes":null}]}`,
	`{"skills":[null,"a",null],"attributes":{"k":null,"":null,"a":"1"}}`,
	`{"skills":[null],"attachments":[null]}`,
	" {\"id\" : null , \"type\":\tnull\r\n,\"customer\":{ \"country\" :null } }",
	`{"id":"a","type":"message.received","occurred_at":"2026-11-20T10:00:00Z","sent_at":null,"received_at":null,"version":null,"score":null,"confidence":4.5,"sentiment":null}`,
}

// allNull is an object with every name as null.
func allNull(names []string) string {
	var b strings.Builder
	b.WriteString("{")
	for i, name := range names {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "%q:null", name)
	}
	b.WriteString("}")
	return b.String()
}

func TestDecodeAgreesOnNulls(t *testing.T) {
	for _, s := range nullSpellings {
		checkDecode(t, []byte(s))
	}
	for _, s := range []string{`[null]`, ` [ null , {"id":"a"},null ] `} {
		var want []models.Event
		if err := stdDecode([]byte(s), &want); err != nil {
			t.Fatal(err)
		}
		if got, ok := DecodeArray([]byte(s)); !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("DecodeArray(%q) = %v:\n got %#v\nwant %#v", s, ok, got, want)
		}
	}
}

// jackson is a body as Jackson's ObjectMapper writes it by default: every field of the
// client's class, the absent ones as null.
const jackson = `[{"id":"a1","type":"message.received","version":null,"tenant":null,"region":null,` +
	`"occurred_at":"2026-11-20T10:00:00.123Z","received_at":null,"channel":"whatsapp","direction":null,` +
	`"conversation_id":"c1","customer":{"country":"DE","external_id":"4915112345678","phone":null,` +
	`"email":null,"name":null,"crm_id":null,"tier":null,"locale":null},"customer_id":null,` +
	`"text":"Wo ist meine Bestellung?","language":null,"platform_message_id":null,"sent_at":null,` +
	`"attachments":null,"agent_id":null,"team":null,"queue":null,"to_queue":null,"from_region":null,` +
	`"to_region":null,"reason":null,"summary":null,"score":null,"action":null,"intent":null,` +
	`"confidence":null,"sentiment":null,"product":null,"skills":null,"attributes":null},` +
	`{"id":"a2","type":"feedback.csat","version":1,"tenant":null,"region":null,` +
	`"occurred_at":"2026-11-20T10:05:00Z","received_at":null,"channel":null,"direction":null,` +
	`"conversation_id":"c1","customer":{"country":"DE","external_id":null,"phone":null,` +
	`"email":"anna@example.com","name":null,"crm_id":null,"tier":"vip","locale":null},` +
	`"customer_id":null,"text":null,"language":null,"platform_message_id":null,` +
	`"sent_at":"2026-11-20T10:04:59Z","attachments":[{"kind":"image","mime_type":null,` +
	`"size_bytes":2048,"url":null}],"agent_id":null,"team":null,"queue":null,"to_queue":null,` +
	`"from_region":null,"to_region":null,"reason":null,"summary":null,"score":4.0,"action":null,` +
	`"intent":null,"confidence":null,"sentiment":-0.25,"product":null,"skills":["returns",null],` +
	`"attributes":{"order":"48213","coupon":null}}]`

// A Jackson client's explicit nulls stay on the fast path and decode as encoding/json does.
func TestDecodeArrayTakesJacksonNulls(t *testing.T) {
	var want []models.Event
	if err := stdDecode([]byte(jackson), &want); err != nil {
		t.Fatal(err)
	}
	got, ok := DecodeArray([]byte(jackson))
	if !ok {
		t.Fatal("DecodeArray refused the body")
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("DecodeArray:\n got %#v\nwant %#v", got, want)
	}
	if got[0].Customer.Phone != "" || got[0].SentAt != nil || got[0].Attributes != nil || got[1].Skills[1] != "" ||
		got[1].Attributes["coupon"] != "" || *got[1].Score != 4 {
		t.Fatalf("nulls decoded to %+v", got)
	}
}

// refused is what DecodeObject must refuse: what encoding/json refuses, and what this
// package leaves to it.
var refused = map[string]string{
	"empty":                  ``,
	"not an object":          `[]`,
	"null":                   `null`,
	"Null":                   `{"id":Null}`,
	"nul":                    `{"id":nul}`,
	"null and more":          `{"id":nulll}`,
	"truncated null":         `{"score":nu`,
	"quoted null for number": `{"score":"null"}`,
	"null key":               `{null:"a"}`,
	"null then a value":      `{"id":null,"id":"a"}`,
	"null customer then one": `{"customer":null,"customer":{"country":"DE"}}`,
	"unknown field":          `{"id":"a","chanel":"x"}`,
	"unknown customer field": `{"customer":{"country":"DE","loyalty":1}}`,
	"other case":             `{"ID":"a"}`,
	"duplicate field":        `{"id":"a","id":"b"}`,
	"duplicate customer":     `{"customer":{"country":"DE"},"customer":{"tier":"vip"}}`,
	"duplicate country":      `{"customer":{"country":"DE","country":"FR"}}`,
	"duplicate attributes":   `{"attributes":{"a":"1"},"attributes":{"b":"2"}}`,
	"duplicate kind":         `{"attachments":[{"kind":"a","kind":"b"}]}`,
	"invalid UTF-8":          "{\"id\":\"\xff\"}",
	"invalid UTF-8 in a key": "{\"attributes\":{\"\xe2\x80\":\"x\"}}",
	"surrogate as UTF-8":     "{\"id\":\"\xed\xa0\x80\"}",
	"control character":      "{\"id\":\"a\nb\"}",
	"bad escape":             `{"id":"\x41"}`,
	"short \\u":              `{"id":"\u12"}`,
	"unterminated":           `{"id":"a`,
	"trailing comma":         `{"id":"a",}`,
	"missing comma":          `{"id":"a" "type":"b"}`,
	"number for string":      `{"id":1}`,
	"string for number":      `{"version":"1"}`,
	"fraction for int":       `{"version":1.0}`,
	"exponent for int":       `{"version":1e2}`,
	"int overflow":           `{"version":9223372036854775808}`,
	"int64 overflow":         `{"attachments":[{"size_bytes":-9223372036854775809}]}`,
	"float overflow":         `{"score":1e400}`,
	"leading zero":           `{"score":01}`,
	"bare minus":             `{"score":-}`,
	"plus sign":              `{"score":+1}`,
	"dot without digits":     `{"score":1.}`,
	"NaN":                    `{"score":NaN}`,
	"bad time":               `{"occurred_at":"2026-13-01T00:00:00Z"}`,
	"escaped time":           `{"occurred_at":"2026-01-01T00:00:00\u005a"}`,
	"time as number":         `{"occurred_at":0}`,
	"object for string":      `{"id":{}}`,
	"skills not strings":     `{"skills":[1]}`,
	"single quotes":          `{'id':'a'}`,
	"byte order mark":        "\ufeff{}",
	"unclosed array":         `{"skills":["a"`,
}

func TestDecodeRefuses(t *testing.T) {
	for name, s := range refused {
		var e models.Event
		if n, ok := DecodeObject([]byte(s), &e); ok {
			t.Errorf("%s: DecodeObject(%q) = %d, true", name, s, n)
		}
		if !reflect.DeepEqual(e, models.Event{}) {
			t.Errorf("%s: DecodeObject left %+v", name, e)
		}
	}
	for _, s := range []string{``, `[`, `[{}`, `[{}]]`, `[{}] x`, `[{},]`, `[,{}]`, `[{}{}]`, `{}`, `[[]]`,
		`null`, `[null`, `[nul]`, `[null,]`, `[null null]`} {
		if _, ok := DecodeArray([]byte(s)); ok {
			t.Errorf("DecodeArray(%q) succeeded", s)
		}
	}
}

func TestDecodeObjectStopsAtTheObject(t *testing.T) {
	data := []byte(` {"id":"a"} {"id":"b"}`)
	var e models.Event
	if n, ok := DecodeObject(data, &e); !ok || n != len(` {"id":"a"}`) || e.ID != "a" {
		t.Fatalf("DecodeObject = %d, %v, %+v", n, ok, e)
	}
	e.ID = "stale"
	if _, ok := DecodeObject([]byte(`{}`), &e); !ok || e.ID != "" {
		t.Fatalf("DecodeObject did not zero the event: %+v", e)
	}
}
