package eventpb

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/meridian-cs/meridian/models"
)

// gen fills every field of an event by reflection, so a field added to models.Event is
// covered (or fails the test, for a kind it does not know) without touching the tests.
type gen struct {
	r     *rand.Rand
	short bool // no strings past 40 runes: large seeds stall the fuzzer's mutation
}

func newGen(seed uint64) *gen { return &gen{r: rand.New(rand.NewPCG(seed, 0))} }

var alphabet = []rune("abcXYZ019 _-:/+=.é漢字🙂\u2028<>&\"\\")

func (g *gen) str() string {
	n := g.r.IntN(40)
	if !g.short && g.r.IntN(10) == 0 {
		n = 300 + g.r.IntN(3000) // lengths past one varint byte
	}
	rs := make([]rune, n)
	for i := range rs {
		rs[i] = alphabet[g.r.IntN(len(alphabet))]
	}
	return string(rs)
}

func (g *gen) time() time.Time {
	sec := g.r.Int64N(maxSeconds-minSeconds+1) + minSeconds
	switch g.r.IntN(4) {
	case 0:
		sec = g.r.Int64N(4e9) // around now
	case 1:
		sec = -g.r.Int64N(1e9) // before 1970: negative seconds
	}
	nsec := int64(0)
	if g.r.IntN(2) == 0 {
		nsec = g.r.Int64N(1e9)
	}
	return time.Unix(sec, nsec).UTC()
}

// fill sets v (a settable value) to something non-zero, with every field set when full, or a
// random subset of fields otherwise.
func (g *gen) fill(t testing.TB, v reflect.Value, full bool) {
	switch v.Type() {
	case reflect.TypeFor[time.Time]():
		v.Set(reflect.ValueOf(g.time()))
		return
	}
	switch v.Kind() {
	case reflect.String:
		s := g.str()
		for s == "" {
			s = g.str()
		}
		v.SetString(s)
	case reflect.Int, reflect.Int64:
		n := g.r.Int64N(1<<31) - 1<<30
		if v.Kind() == reflect.Int64 && g.r.IntN(2) == 0 {
			n = int64(g.r.Uint64())
		}
		if n == 0 {
			n = 7
		}
		v.SetInt(n)
	case reflect.Float64:
		f := g.r.NormFloat64()
		if g.r.IntN(5) == 0 {
			f = 0 // present but zero: presence is what the pointer carries
		}
		v.SetFloat(f)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		g.fill(t, p.Elem(), full)
		v.Set(p)
	case reflect.Struct:
		for i := range v.NumField() {
			if full || g.r.IntN(2) == 0 {
				g.fill(t, v.Field(i), full)
			}
		}
	case reflect.Slice:
		n := 1 + g.r.IntN(3)
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			if v.Type().Elem().Kind() == reflect.String && g.r.IntN(4) == 0 {
				continue // an empty element must survive too
			}
			g.fill(t, s.Index(i), full)
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for range 1 + g.r.IntN(3) {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			g.fill(t, k, full)
			if g.r.IntN(4) != 0 {
				g.fill(t, e, full)
			}
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	default:
		t.Fatalf("the generator has no case for %s: add one, and the field to event.proto", v.Type())
	}
}

func (g *gen) event(t testing.TB, full bool) models.Event {
	var e models.Event
	g.fill(t, reflect.ValueOf(&e).Elem(), full)
	return e
}

func roundTrip(t *testing.T, e models.Event) {
	t.Helper()
	b, err := Append(nil, &e)
	if err != nil {
		t.Fatalf("append: %v", err)
	}
	var got models.Event
	if err := Decode(b, &got); err != nil {
		t.Fatalf("decode: %v\n%x", err, b)
	}
	if !reflect.DeepEqual(got, e) {
		t.Fatalf("round trip changed the event:\n got %+v\nwant %+v", got, e)
	}
}

func TestRoundTripKeepsEveryField(t *testing.T) {
	g := newGen(1)
	for i := range 2000 {
		roundTrip(t, g.event(t, i%2 == 0))
	}
	roundTrip(t, models.Event{})
	roundTrip(t, models.Event{Customer: &models.Customer{}, Attachments: []models.Attachment{{}}, Skills: []string{""}, Attributes: map[string]string{"": ""}})
}

// Map iteration order is random in Go; the attributes are written sorted instead.
func TestAnEventAlwaysEncodesToTheSameBytes(t *testing.T) {
	e := models.Event{ID: "a", Attributes: map[string]string{}}
	for i := range 20 {
		e.Attributes[strconv.Itoa(i)] = strings.Repeat("v", i)
	}
	first, err := Append(nil, &e)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		if b, _ := Append(nil, &e); string(b) != string(first) {
			t.Fatal("the same event encoded to different bytes")
		}
	}
}

func TestTimestampsAreInstants(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	sent := time.Date(2026, 11, 20, 19, 0, 0, 5, tokyo)
	e := models.Event{ID: "a", OccurredAt: sent, SentAt: &sent}
	b, err := Append(nil, &e)
	if err != nil {
		t.Fatal(err)
	}
	var got models.Event
	if err := Decode(b, &got); err != nil {
		t.Fatal(err)
	}
	if !got.OccurredAt.Equal(sent) || got.OccurredAt.Location() != time.UTC || !got.SentAt.Equal(sent) {
		t.Fatalf("got %v / %v, want the instant %v in UTC", got.OccurredAt, got.SentAt, sent)
	}
}

func TestAppendRefusesTimesATimestampCannotHold(t *testing.T) {
	for _, tm := range []time.Time{time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)} {
		for name, e := range map[string]models.Event{
			"occurred_at": {ID: "a", OccurredAt: tm},
			"received_at": {ID: "a", ReceivedAt: tm},
			"sent_at":     {ID: "a", SentAt: &tm},
		} {
			dst := []byte("keep")
			out, err := Append(dst, &e)
			if err == nil || !strings.Contains(err.Error(), name) || string(out) != "keep" {
				t.Errorf("%s %v: got %q, %v; want an error naming the field and dst unchanged", name, tm, out, err)
			}
		}
	}
}

func TestNonFiniteNumbersAreRefused(t *testing.T) {
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		e := models.Event{ID: "a", Sentiment: &f}
		if _, err := Append(nil, &e); err == nil || !strings.Contains(err.Error(), "sentiment") {
			t.Errorf("append sentiment %v: %v, want an error naming the field", f, err)
		}
		b, err := Append(nil, &models.Event{ID: "a"})
		if err != nil {
			t.Fatal(err)
		}
		b = protowire.AppendTag(b, fScore, protowire.Fixed64Type)
		b = protowire.AppendFixed64(b, math.Float64bits(f))
		if err := Decode(b, &e); err == nil {
			t.Errorf("decoded score %v, want an error", f)
		}
	}
}

func TestDecodeSkipsUnknownFields(t *testing.T) {
	e := newGen(2).event(t, true)
	b, err := Append(nil, &e)
	if err != nil {
		t.Fatal(err)
	}
	// Fields a newer version might add, of every wire type, at the top level and inside the
	// customer (appended as a second customer field, which proto3 merges into the first).
	var extra []byte
	extra = protowire.AppendTag(extra, 99, protowire.VarintType)
	extra = protowire.AppendVarint(extra, 1<<40)
	extra = protowire.AppendTag(extra, 100, protowire.BytesType)
	extra = protowire.AppendString(extra, "new")
	extra = protowire.AppendTag(extra, 101, protowire.Fixed32Type)
	extra = protowire.AppendFixed32(extra, 7)
	extra = protowire.AppendTag(extra, 102, protowire.Fixed64Type)
	extra = protowire.AppendFixed64(extra, 7)
	b = append(append([]byte(nil), extra...), b...)
	b = protowire.AppendTag(b, fCustomer, protowire.BytesType)
	b = protowire.AppendBytes(b, extra)
	var got models.Event
	if err := Decode(b, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, e) {
		t.Fatalf("unknown fields changed the event:\n got %+v\nwant %+v", got, e)
	}
}

func TestDecodeRefusesMalformedValues(t *testing.T) {
	valid := func() []byte {
		e := models.Event{ID: "a", Type: models.MessageReceived}
		b, _ := Append(nil, &e)
		return b
	}
	field := func(num protowire.Number, typ protowire.Type, body []byte) []byte {
		b := protowire.AppendTag(valid(), num, typ)
		return append(b, body...)
	}
	ts := func(sec, nsec uint64) []byte {
		var m []byte
		m = protowire.AppendTag(m, tSeconds, protowire.VarintType)
		m = protowire.AppendVarint(m, sec)
		m = protowire.AppendTag(m, tNanos, protowire.VarintType)
		m = protowire.AppendVarint(m, nsec)
		return protowire.AppendBytes(nil, m)
	}
	beforeYear1 := int64(minSeconds - 1)
	cases := map[string][]byte{
		"invalid UTF-8":               field(fText, protowire.BytesType, protowire.AppendBytes(nil, []byte{'a', 0xff})),
		"string as a varint":          field(fText, protowire.VarintType, protowire.AppendVarint(nil, 3)),
		"double as a varint":          field(fScore, protowire.VarintType, protowire.AppendVarint(nil, 3)),
		"length past the end":         field(fText, protowire.BytesType, []byte{10, 'a'}),
		"truncated tag":               append(valid(), 0x80),
		"field number zero":           append(valid(), 0x02, 0x00),
		"customer as a varint":        field(fCustomer, protowire.VarintType, protowire.AppendVarint(nil, 1)),
		"timestamp before year 1":     field(fOccurredAt, protowire.BytesType, ts(uint64(beforeYear1), 0)),
		"timestamp after year 9999":   field(fOccurredAt, protowire.BytesType, ts(maxSeconds+1, 0)),
		"nanoseconds past one second": field(fReceivedAt, protowire.BytesType, ts(1, 1e9)),
		"negative nanoseconds":        field(fReceivedAt, protowire.BytesType, ts(1, uint64(math.MaxUint64))),
		"invalid UTF-8 in customer": field(fCustomer, protowire.BytesType,
			protowire.AppendBytes(nil, protowire.AppendBytes(protowire.AppendTag(nil, cName, protowire.BytesType), []byte{0xc3}))),
	}
	// A version past int32 is not among them: proto3 truncates an int32's varint, as every
	// protobuf runtime does, and no Meridian writes one.
	for name, b := range cases {
		e := models.Event{ID: "stale"}
		if err := Decode(b, &e); err == nil {
			t.Errorf("%s: decoded %+v, want an error", name, e)
		} else if !reflect.DeepEqual(e, models.Event{}) {
			t.Errorf("%s: the event is not reset after the error: %+v", name, e)
		}
	}
}

// protoFields reads event.proto's field names and numbers per message.
func protoFields(t *testing.T) map[string]map[string]int {
	t.Helper()
	src, err := os.ReadFile("../../schemas/events/v1/event.proto")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]int{}
	var cur string
	msg := regexp.MustCompile(`^message (\w+) \{`)
	fld := regexp.MustCompile(`^\s+(?:repeated |optional )?(?:map<string, string>|[\w.]+) (\w+) = (\d+);`)
	for line := range strings.SplitSeq(string(src), "\n") {
		if m := msg.FindStringSubmatch(line); m != nil {
			cur = m[1]
			out[cur] = map[string]int{}
		} else if m := fld.FindStringSubmatch(line); m != nil && cur != "" {
			n, _ := strconv.Atoi(m[2])
			out[cur][m[1]] = n
		}
	}
	return out
}

// TestFieldNumbersMatchTheProto: every field of the Go types is in event.proto under its JSON
// name, with the number the encoder writes, and the proto has no field the Go types lack.
func TestFieldNumbersMatchTheProto(t *testing.T) {
	proto := protoFields(t)
	check := func(message string, typ reflect.Type, encode func(v reflect.Value) []byte) {
		fields := proto[message]
		if len(fields) == 0 {
			t.Fatalf("event.proto has no message %s", message)
		}
		seen := map[string]bool{}
		for i := range typ.NumField() {
			name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			seen[name] = true
			want, ok := fields[name]
			if !ok {
				t.Errorf("%s.%s is not in event.proto", message, name)
				continue
			}
			v := reflect.New(typ).Elem()
			newGen(uint64(i)).fill(t, v.Field(i), true)
			// An event always carries occurred_at; the field set is the other one written.
			written := fieldsWritten(t, encode(v))
			got := written[0]
			if len(written) == 2 && got == fOccurredAt {
				got = written[1]
			}
			if int(got) != want || len(written) > 2 {
				t.Errorf("%s.%s: encoder writes fields %v, event.proto says %d", message, name, written, want)
			}
		}
		for name := range fields {
			if !seen[name] {
				t.Errorf("event.proto's %s.%s has no Go field", message, name)
			}
		}
	}
	check("Event", reflect.TypeFor[models.Event](), func(v reflect.Value) []byte {
		e := v.Interface().(models.Event)
		b, err := Append(nil, &e)
		if err != nil {
			t.Fatal(err)
		}
		return b
	})
	check("Customer", reflect.TypeFor[models.Customer](), func(v reflect.Value) []byte {
		c := v.Interface().(models.Customer)
		return nested(t, &models.Event{Customer: &c}, fCustomer)
	})
	check("Attachment", reflect.TypeFor[models.Attachment](), func(v reflect.Value) []byte {
		a := v.Interface().(models.Attachment)
		return nested(t, &models.Event{Attachments: []models.Attachment{a}}, fAttachments)
	})
}

// nested encodes e and returns the body of its field num.
func nested(t *testing.T, e *models.Event, num protowire.Number) []byte {
	b, err := Append(nil, e)
	if err != nil {
		t.Fatal(err)
	}
	for len(b) > 0 {
		n, typ, l := protowire.ConsumeTag(b)
		b = b[l:]
		if n == num {
			v, _ := protowire.ConsumeBytes(b)
			return v
		}
		b = b[protowire.ConsumeFieldValue(n, typ, b):]
	}
	t.Fatalf("no field %d", num)
	return nil
}

// fieldsWritten lists the numbers of the fields in b, in order.
func fieldsWritten(t *testing.T, b []byte) []protowire.Number {
	t.Helper()
	var out []protowire.Number
	for len(b) > 0 {
		n, typ, l := protowire.ConsumeTag(b)
		if l < 0 {
			t.Fatalf("bad tag in %x", b)
		}
		b = b[l:]
		if len(out) == 0 || out[len(out)-1] != n {
			out = append(out, n)
		}
		b = b[protowire.ConsumeFieldValue(n, typ, b):]
	}
	if len(out) == 0 {
		t.Fatal("no field written")
	}
	return out
}

// TestProtoNamesAreTheSchemas: event.proto's Event carries exactly the JSON Schema's
// properties, so the two forms of an event hold the same fields.
func TestProtoNamesAreTheSchemas(t *testing.T) {
	raw, err := os.ReadFile("../../schemas/events/v1/event.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	proto := protoFields(t)["Event"]
	for name := range schema.Properties {
		if _, ok := proto[name]; !ok {
			t.Errorf("schema property %q is not in event.proto", name)
		}
	}
	for name := range proto {
		if _, ok := schema.Properties[name]; !ok {
			t.Errorf("event.proto field %q is not a schema property", name)
		}
	}
}

func FuzzDecode(f *testing.F) {
	g := newGen(3)
	g.short = true
	for i := range 8 {
		e := g.event(f, i%2 == 0)
		b, err := Append(nil, &e)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var e models.Event
		if err := Decode(b, &e); err != nil {
			return
		}
		// Whatever decodes re-encodes to something that decodes to the same event.
		again, err := Append(nil, &e)
		if err != nil {
			t.Fatalf("a decoded event does not encode: %v", err)
		}
		var e2 models.Event
		if err := Decode(again, &e2); err != nil {
			t.Fatalf("re-encoded event does not decode: %v", err)
		}
		if !reflect.DeepEqual(e, e2) {
			t.Fatalf("decode(append(e)) != e:\n%+v\n%+v", e2, e)
		}
	})
}
