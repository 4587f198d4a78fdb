// Package arrowipc writes Meridian's analytical results as Apache Arrow IPC streams, the
// columnar form notebooks, pandas and Polars read without parsing JSON: one column per
// dimension (utf8, as the GraphQL API gives them) and one per measure (int64 for counts,
// float64 for averages, shares and scores), the rows in the order of the result.
package arrowipc

import (
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/meridian-cs/meridian/metrics"
)

// MediaType is the media type of an Arrow IPC stream (not the file format, which needs a
// seekable footer and cannot be written as the rows are encoded).
const MediaType = "application/vnd.apache.arrow.stream"

// TruncatedKey is the schema metadata key that says whether the query's limit cut rows off
// ("true" or "false"), the Arrow form of MetricsResult.truncated.
const TruncatedKey = "meridian.truncated"

// batchRows bounds a record batch, so the column builders of a 100,000-row answer hold a
// sixth of it at a time; readers concatenate the batches.
const batchRows = 16384

// Schema is the Arrow schema of res: its dimensions, then its measures, in the result's order.
func Schema(res *metrics.Result) *arrow.Schema {
	fields := make([]arrow.Field, 0, len(res.Dimensions)+len(res.Measures))
	for _, d := range res.Dimensions {
		fields = append(fields, arrow.Field{Name: d, Type: arrow.BinaryTypes.String})
	}
	for _, m := range res.Measures {
		typ := arrow.DataType(arrow.PrimitiveTypes.Float64)
		if metrics.Integral(m) {
			typ = arrow.PrimitiveTypes.Int64
		}
		fields = append(fields, arrow.Field{Name: m, Type: typ})
	}
	md := arrow.NewMetadata([]string{TruncatedKey}, []string{strconv.FormatBool(res.Truncated)})
	return arrow.NewSchema(fields, &md)
}

// WriteMetrics writes res to w as an Arrow IPC stream: the schema, then the rows in batches of
// at most batchRows (none for an empty result), then the end-of-stream marker.
func WriteMetrics(w io.Writer, res *metrics.Result) error {
	mem := memory.DefaultAllocator
	schema := Schema(res)
	nd := len(res.Dimensions)
	// Checked before the schema is written: an error later would leave the reader a stream
	// cut short.
	for i, row := range res.Rows {
		if len(row.Dimensions) != nd || len(row.Values) != len(res.Measures) {
			return fmt.Errorf("arrowipc: row %d has %d dimensions and %d values, want %d and %d", i, len(row.Dimensions), len(row.Values), nd, len(res.Measures))
		}
		for m, v := range row.Values {
			if schema.Field(nd+m).Type.ID() == arrow.INT64 && (v != math.Trunc(v) || v < math.MinInt64 || v >= math.MaxInt64) {
				return fmt.Errorf("arrowipc: row %d: measure %s has the value %v, not a count", i, res.Measures[m], v)
			}
		}
	}
	iw := ipc.NewWriter(w, ipc.WithSchema(schema), ipc.WithAllocator(mem))
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for start := 0; start < len(res.Rows); start += batchRows {
		rows := res.Rows[start:min(start+batchRows, len(res.Rows))]
		b.Reserve(len(rows))
		for c := range res.Dimensions {
			col := b.Field(c).(*array.StringBuilder)
			for _, row := range rows {
				col.Append(row.Dimensions[c])
			}
		}
		for m := range res.Measures {
			switch col := b.Field(nd + m).(type) {
			case *array.Int64Builder:
				for _, row := range rows {
					col.Append(int64(row.Values[m]))
				}
			case *array.Float64Builder:
				for _, row := range rows {
					col.Append(row.Values[m])
				}
			}
		}
		rec := b.NewRecordBatch()
		err := iw.Write(rec)
		rec.Release()
		if err != nil {
			return fmt.Errorf("arrowipc: write batch: %w", err)
		}
	}
	if err := iw.Close(); err != nil {
		return fmt.Errorf("arrowipc: close stream: %w", err)
	}
	return nil
}

// ReadMetrics reads a stream WriteMetrics wrote (or any with utf8 dimension columns followed
// by int64 or float64 measure columns) back into a result, with the stream's schema: the
// inverse for Go clients and for the tests that compare an Arrow answer with GraphQL's.
func ReadMetrics(r io.Reader) (*metrics.Result, *arrow.Schema, error) {
	rd, err := ipc.NewReader(r)
	if err != nil {
		return nil, nil, fmt.Errorf("arrowipc: not an Arrow IPC stream: %w", err)
	}
	defer rd.Release()
	schema := rd.Schema()
	res := &metrics.Result{Dimensions: []string{}, Measures: []string{}}
	for _, f := range schema.Fields() {
		switch f.Type.ID() {
		case arrow.STRING:
			if len(res.Measures) > 0 {
				return nil, nil, fmt.Errorf("arrowipc: dimension %s after a measure", f.Name)
			}
			res.Dimensions = append(res.Dimensions, f.Name)
		case arrow.INT64, arrow.FLOAT64:
			res.Measures = append(res.Measures, f.Name)
		default:
			return nil, nil, fmt.Errorf("arrowipc: column %s has type %s", f.Name, f.Type)
		}
	}
	v, _ := schema.Metadata().GetValue(TruncatedKey)
	res.Truncated = v == "true"
	for rd.Next() {
		rec := rd.RecordBatch()
		for i := range int(rec.NumRows()) {
			row := metrics.Row{Dimensions: []string{}, Values: []float64{}}
			for _, col := range rec.Columns() {
				switch col := col.(type) {
				case *array.String:
					row.Dimensions = append(row.Dimensions, col.Value(i))
				case *array.Int64:
					row.Values = append(row.Values, float64(col.Value(i)))
				case *array.Float64:
					row.Values = append(row.Values, col.Value(i))
				}
			}
			res.Rows = append(res.Rows, row)
		}
	}
	if err := rd.Err(); err != nil {
		return nil, nil, fmt.Errorf("arrowipc: read stream: %w", err)
	}
	return res, schema, nil
}
