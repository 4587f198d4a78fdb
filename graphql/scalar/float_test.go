package scalar

import (
	"bytes"
	"context"
	"math"
	"testing"
)

func TestFloatsAreWrittenInPlainDecimal(t *testing.T) {
	for f, want := range map[float64]string{2: "2", 1234567: "1234567", -0.5: "-0.5", 3.25: "3.25", 1e21: "1000000000000000000000"} {
		var b bytes.Buffer
		if err := MarshalFloat(f).MarshalGQLContext(context.Background(), &b); err != nil || b.String() != want {
			t.Errorf("MarshalFloat(%v) = %q, %v; want %q", f, b.String(), err, want)
		}
	}
	if err := MarshalFloat(math.NaN()).MarshalGQLContext(context.Background(), &bytes.Buffer{}); err == nil {
		t.Error("NaN marshalled without an error")
	}
}
