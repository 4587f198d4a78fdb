// Package scalar holds the GraphQL scalar marshallers Meridian overrides. Float is written in
// plain decimal notation (1234567, not gqlgen's default 1.234567e+06) so dashboards and CSV
// exports show counts as counts.
package scalar

import (
	"context"
	"errors"
	"io"
	"math"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
)

// MarshalFloat writes f in the shortest decimal form that reads back as f.
func MarshalFloat(f float64) graphql.ContextMarshaler {
	return graphql.ContextWriterFunc(func(_ context.Context, w io.Writer) error {
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return errors.New("scalar: cannot represent an infinite or NaN Float")
		}
		_, err := io.WriteString(w, strconv.FormatFloat(f, 'f', -1, 64))
		return err
	})
}

// UnmarshalFloat reads a Float argument as gqlgen's default does.
func UnmarshalFloat(ctx context.Context, v any) (float64, error) {
	return graphql.UnmarshalFloatContext(ctx, v)
}
