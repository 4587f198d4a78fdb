package arrowipc_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/meridian-cs/meridian/arrowipc"
	"github.com/meridian-cs/meridian/metrics"
)

// decode reads an IPC stream back with ReadMetrics, and counts its record batches.
func decode(t *testing.T, b []byte) (*arrow.Schema, int, []metrics.Row) {
	t.Helper()
	res, schema, err := arrowipc.ReadMetrics(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	rd, err := ipc.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Release()
	batches := 0
	for rd.Next() {
		batches++
	}
	return schema, batches, res.Rows
}

func TestWriteMetricsRoundTripsEveryRowInOrder(t *testing.T) {
	res := &metrics.Result{Measures: []string{"messages", "csat_avg"}, Dimensions: []string{"country", "day"}, Truncated: true}
	for i := range 40000 { // three batches
		res.Rows = append(res.Rows, metrics.Row{Dimensions: []string{fmt.Sprintf("C%d", 40000-i), "2026-11-20"}, Values: []float64{float64(i), float64(i%5) + 0.25}})
	}
	var buf bytes.Buffer
	if err := arrowipc.WriteMetrics(&buf, res); err != nil {
		t.Fatal(err)
	}
	schema, batches, rows := decode(t, buf.Bytes())
	if got, want := schema.String(), "schema:\n  fields: 4\n    - country: type=utf8\n    - day: type=utf8\n    - messages: type=int64\n    - csat_avg: type=float64\n  metadata: [\"meridian.truncated\": \"true\"]"; got != want {
		t.Errorf("schema\n%s\nwant\n%s", got, want)
	}
	if batches != 3 {
		t.Errorf("%d batches, want 3", batches)
	}
	if fmt.Sprint(rows) != fmt.Sprint(res.Rows) {
		t.Fatal("the rows read back differ from the rows written")
	}
}

func TestWriteMetricsOfNoRowsIsASchemaAndNoBatch(t *testing.T) {
	var buf bytes.Buffer
	if err := arrowipc.WriteMetrics(&buf, &metrics.Result{Measures: []string{"nps"}, Dimensions: []string{"region"}}); err != nil {
		t.Fatal(err)
	}
	schema, batches, rows := decode(t, buf.Bytes())
	if schema.NumFields() != 2 || schema.Field(1).Type.ID() != arrow.FLOAT64 || batches != 0 || len(rows) != 0 {
		t.Fatalf("schema %s, %d batches, %d rows", schema, batches, len(rows))
	}
	if v, _ := schema.Metadata().GetValue(arrowipc.TruncatedKey); v != "false" {
		t.Fatalf("truncated = %q", v)
	}
}

func TestWriteMetricsRefusesARowThatDoesNotFitBeforeWritingAnything(t *testing.T) {
	for name, res := range map[string]*metrics.Result{
		"a count with a fraction": {Measures: []string{"messages"}, Rows: []metrics.Row{{Dimensions: []string{}, Values: []float64{1.5}}}},
		"a value too few":         {Measures: []string{"messages", "nps"}, Rows: []metrics.Row{{Dimensions: []string{}, Values: []float64{1}}}},
	} {
		var buf bytes.Buffer
		err := arrowipc.WriteMetrics(&buf, res)
		if err == nil || !strings.HasPrefix(err.Error(), "arrowipc: row 0") || buf.Len() != 0 {
			t.Errorf("%s: %v, %d bytes written", name, err, buf.Len())
		}
	}
}
