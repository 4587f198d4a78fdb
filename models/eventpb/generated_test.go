package eventpb

import (
	"reflect"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/schemas/events/v1/eventv1"
)

// decodeRuntime is Decode with the official protobuf runtime (protoc-gen-go's code, through
// reflection) in place of vtprotobuf's, the reference the fuzz target compares against.
func decodeRuntime(b []byte, e *models.Event) error {
	*e = models.Event{}
	var m eventv1.Event
	if err := proto.Unmarshal(b, &m); err != nil {
		return err
	}
	if err := fromProto(&m, e); err != nil {
		*e = models.Event{}
		return err
	}
	return nil
}

// TestTheRuntimeWritesTheSameBytes: Append (vtprotobuf) writes what the official runtime's
// deterministic mode writes, and each reads the other's output back to the event.
func TestTheRuntimeWritesTheSameBytes(t *testing.T) {
	g := newGen(5)
	for i := range 1000 {
		e := g.event(t, i%2 == 0)
		got, err := Append(nil, &e)
		if err != nil {
			t.Fatal(err)
		}
		var back models.Event
		if err := decodeRuntime(got, &back); err != nil || !reflect.DeepEqual(back, e) {
			t.Fatalf("the runtime reads %+v (%v), want %+v", back, err, e)
		}
		var m eventv1.Event
		if err := proto.Unmarshal(got, &m); err != nil {
			t.Fatal(err)
		}
		want, err := proto.MarshalOptions{Deterministic: true}.Marshal(&m)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("Append wrote\n%x\nthe runtime writes\n%x", got, want)
		}
	}
}

// FuzzDecodeMatchesRuntime: whatever the official runtime decodes, Decode decodes to the same
// event, or refuses for a known field in another wire type, which the runtime skips as unknown
// and Decode (like the hand-written codec before it) refuses. Decode may take more than the
// runtime: vtprotobuf does not refuse an overlong varint, for one.
func FuzzDecodeMatchesRuntime(f *testing.F) {
	g := newGen(6)
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
		var want, got models.Event
		if err := decodeRuntime(b, &want); err != nil {
			return
		}
		if err := Decode(b, &got); err != nil {
			if strings.Contains(err.Error(), "wrong wireType") {
				return // the runtime skips a known field of another wire type as unknown
			}
			t.Fatalf("the runtime decodes it, Decode says %v", err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("decoded differently:\n got %+v\nwant %+v", got, want)
		}
	})
}
