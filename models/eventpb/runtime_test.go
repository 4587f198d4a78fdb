package eventpb

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/bufbuild/protocompile"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/meridian-cs/meridian/models"
)

// TestTheProtobufRuntimeReadsTheEncoding compiles event.proto with a Protocol Buffers
// compiler and has the official Go runtime parse what Append writes: it must recognise
// every field (no unknown fields, so numbers and wire types match the .proto) and read the
// same values the JSON form of the event holds (compared through protojson).
func TestTheProtobufRuntimeReadsTheEncoding(t *testing.T) {
	c := protocompile.Compiler{Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
		ImportPaths: []string{"../../schemas/events/v1"},
	})}
	files, err := c.Compile(context.Background(), "event.proto")
	if err != nil {
		t.Fatalf("compile event.proto: %v", err)
	}
	desc := files[0].Messages().ByName("Event")
	if desc == nil {
		t.Fatal("event.proto has no message Event")
	}
	g := newGen(4)
	for i := range 300 {
		e := g.event(t, i%3 != 0)
		b, err := Append(nil, &e)
		if err != nil {
			t.Fatal(err)
		}
		msg := dynamicpb.NewMessage(desc)
		if err := proto.Unmarshal(b, msg); err != nil {
			t.Fatalf("the protobuf runtime refuses the encoding: %v", err)
		}
		assertNoUnknown(t, msg.ProtoReflect(), "Event")
		fromProto, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(msg)
		if err != nil {
			t.Fatal(err)
		}
		fromGo, err := json.Marshal(&e)
		if err != nil {
			t.Fatal(err)
		}
		if !same(t, decodeJSON(t, fromProto), decodeJSON(t, fromGo)) {
			t.Fatalf("the runtime reads other values than the event holds:\nprotobuf %s\n    JSON %s", fromProto, fromGo)
		}
	}
}

func assertNoUnknown(t *testing.T, m protoreflect.Message, path string) {
	t.Helper()
	if len(m.GetUnknown()) > 0 {
		t.Fatalf("%s: fields the .proto does not declare (number or wire type differs): %x", path, m.GetUnknown())
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Message() != nil:
			for i := range v.List().Len() {
				assertNoUnknown(t, v.List().Get(i).Message(), path+"."+string(fd.Name()))
			}
		case fd.Message() != nil && !fd.IsMap():
			assertNoUnknown(t, v.Message(), path+"."+string(fd.Name()))
		}
		return true
	})
}

func decodeJSON(t *testing.T, b []byte) any {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// same compares a protojson rendering with an encoding/json one. They differ in spelling
// only: protojson leaves out empty strings and zero numbers, writes int64 as strings and
// timestamps with 0, 3, 6 or 9 fractional digits.
func same(t *testing.T, p, g any) bool {
	switch pv := p.(type) {
	case map[string]any:
		gv, ok := g.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range gv {
			if _, ok := pv[k]; !ok && isZero(v) {
				delete(gv, k)
			}
		}
		for k, v := range pv {
			if _, ok := gv[k]; !ok && isZero(v) {
				delete(pv, k)
			}
		}
		if len(pv) != len(gv) {
			t.Logf("members %v vs %v", keys(pv), keys(gv))
			return false
		}
		for k, v := range pv {
			if !same(t, v, gv[k]) {
				t.Logf("member %q: %v vs %v", k, v, gv[k])
				return false
			}
		}
		return true
	case []any:
		gv, ok := g.([]any)
		if !ok || len(pv) != len(gv) {
			return false
		}
		for i := range pv {
			if !same(t, pv[i], gv[i]) {
				return false
			}
		}
		return true
	}
	ps, gs := leaf(p), leaf(g)
	if ps == gs {
		return true
	}
	if pt, err := time.Parse(time.RFC3339Nano, ps); err == nil {
		gt, err := time.Parse(time.RFC3339Nano, gs)
		return err == nil && pt.Equal(gt)
	}
	pf, err1 := strconv.ParseFloat(ps, 64)
	gf, err2 := strconv.ParseFloat(gs, 64)
	return err1 == nil && err2 == nil && pf == gf
}

func leaf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func isZero(v any) bool {
	switch x := v.(type) {
	case string:
		return x == ""
	case json.Number:
		f, err := x.Float64()
		return err == nil && f == 0
	}
	return false
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// Reading the .proto's descriptor must not depend on the generator's field kinds: an event
// with one field of each kind set, checked by name.
func TestTheProtobufRuntimeSeesKnownValues(t *testing.T) {
	c := protocompile.Compiler{Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
		ImportPaths: []string{"../../schemas/events/v1"},
	})}
	files, err := c.Compile(context.Background(), "event.proto")
	if err != nil {
		t.Fatal(err)
	}
	desc := files[0].Messages().ByName("Event")
	score := 4.0
	e := models.Event{ID: "e1", Type: models.FeedbackCSAT, Version: 1, OccurredAt: time.Date(2026, 11, 20, 10, 0, 0, 250_000_000, time.UTC),
		Customer: &models.Customer{Country: "DE"}, Score: &score, Skills: []string{"de", ""},
		Attachments: []models.Attachment{{Kind: "image", SizeBytes: 1 << 40}}, Attributes: map[string]string{"k": "v"}}
	b, err := Append(nil, &e)
	if err != nil {
		t.Fatal(err)
	}
	msg := dynamicpb.NewMessage(desc)
	if err := proto.Unmarshal(b, msg); err != nil {
		t.Fatal(err)
	}
	get := func(name string) protoreflect.Value { return msg.Get(desc.Fields().ByName(protoreflect.Name(name))) }
	occurred := get("occurred_at").Message()
	sec := occurred.Get(occurred.Descriptor().Fields().ByName("seconds")).Int()
	nanos := occurred.Get(occurred.Descriptor().Fields().ByName("nanos")).Int()
	customer := get("customer").Message()
	att := get("attachments").List().Get(0).Message()
	checks := []struct {
		name      string
		got, want any
	}{
		{"id", get("id").String(), "e1"},
		{"version", get("version").Int(), int64(1)},
		{"occurred_at", time.Unix(sec, nanos).UTC(), e.OccurredAt},
		{"customer.country", customer.Get(customer.Descriptor().Fields().ByName("country")).String(), "DE"},
		{"score", get("score").Float(), 4.0},
		{"skills", get("skills").List().Len(), 2},
		{"attachments[0].size_bytes", att.Get(att.Descriptor().Fields().ByName("size_bytes")).Int(), int64(1 << 40)},
		{"attributes[k]", get("attributes").Map().Get(protoreflect.ValueOfString("k").MapKey()).String(), "v"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: the runtime reads %v, want %v", c.name, c.got, c.want)
		}
	}
}
