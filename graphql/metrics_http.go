package graphql

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	gql "github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/meridian-cs/meridian/arrowipc"
	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/httpapi"
	"github.com/meridian-cs/meridian/metrics"
)

// NewMetricsHandler serves POST /v1/metrics: the arguments of the GraphQL metrics query as a
// JSON object, answered as an Arrow IPC stream (Accept: application/vnd.apache.arrow.stream)
// or as the JSON of the GraphQL MetricsResult. The body runs as the variables of one GraphQL
// operation made from the schema's own metrics field, through an executor configured like the
// one behind /graphql (operation limits, root-field turns, query timeout) and the same
// resolver, so argument names, types, defaults, validation, scopes and messages are the
// query's own; only the encoding of the answer differs. Errors are {"error": ...} with the
// status the error calls for (400 for the caller's input, 401, 403, 500, 504). The caller's
// principal must be in the request context, as for NewHandler.
func NewMetricsHandler(cfg Config) http.Handler {
	cfg = cfg.withDefaults()
	es := executableSchema(cfg)
	exec := executor.New(es)
	exec.SetQueryCache(lru.New[*ast.QueryDocument](4))
	configure(exec, es, cfg)
	field := es.Schema().Query.Fields.ForName("metrics")
	if field == nil {
		panic("graphql: the schema has no metrics query")
	}
	h := &metricsHandler{
		cfg:  cfg,
		exec: exec,
		// Arrow takes the rows from the resolver itself (keepResult): gqlgen writes only
		// the flag, not 10,000 rows of JSON nobody reads.
		arrowQuery: metricsOperation(field, "{ truncated }"),
		jsonQuery:  metricsOperation(field, "{ measures dimensions rows { dimensions values } truncated }"),
	}
	for _, a := range field.Arguments {
		h.args = append(h.args, a.Name)
	}
	return h
}

// metricsOperation is the GraphQL operation that passes every argument of the metrics field
// as a variable of the same type and selects selection. An absent variable leaves its
// argument unset, so the field's defaults apply as in any GraphQL query.
func metricsOperation(field *ast.FieldDefinition, selection string) string {
	var decls, args []string
	for _, a := range field.Arguments {
		decls = append(decls, "$"+a.Name+": "+a.Type.String())
		args = append(args, a.Name+": $"+a.Name)
	}
	return fmt.Sprintf("query Metrics(%s) { metrics(%s) %s }", strings.Join(decls, ", "), strings.Join(args, ", "), selection)
}

type metricsHandler struct {
	cfg                   Config
	exec                  *executor.Executor
	arrowQuery, jsonQuery string
	args                  []string // the metrics field's argument names, in schema order
}

func (h *metricsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Vary", "Accept")
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		httpapi.WriteError(w, http.StatusMethodNotAllowed, "use POST with the metrics query's arguments as a JSON object")
		return
	}
	if _, ok := auth.FromContext(r.Context()); !ok {
		httpapi.WriteError(w, http.StatusUnauthorized, "unauthenticated: no API key in the request")
		return
	}
	vars, err := h.variables(r.Body)
	if err != nil {
		httpapi.WriteError(w, http.StatusBadRequest, err.Error())
		return
	}
	arrow := acceptsArrow(r.Header.Values("Accept"))
	query := h.jsonQuery
	if arrow {
		query = h.arrowQuery
	}

	ctx, cancel := h.cfg.queryContext(r.Context())
	defer cancel()
	var res *metrics.Result
	ctx = context.WithValue(ctx, resultKey{}, &res)
	ctx = gql.StartOperationTrace(ctx)
	opCtx, errs := h.exec.CreateOperationContext(ctx, &gql.RawParams{Query: query, OperationName: "Metrics", Variables: vars, Headers: r.Header})
	if errs != nil {
		// The operation is fixed, so what fails here is the variables: the caller's input.
		h.writeErrors(w, errs, http.StatusBadRequest)
		return
	}
	responses, ctx := h.exec.DispatchOperation(ctx, opCtx)
	resp := responses(ctx)
	switch {
	case resp == nil:
		httpapi.WriteError(w, http.StatusGatewayTimeout, "request cancelled or timed out")
		return
	case len(resp.Errors) > 0:
		// Errors without a status come from gqlgen's coercion of an argument's value.
		h.writeErrors(w, resp.Errors, http.StatusBadRequest)
		return
	}
	if !arrow {
		var data struct{ Metrics json.RawMessage }
		if err := json.Unmarshal(resp.Data, &data); err != nil || len(data.Metrics) == 0 {
			h.internal(ctx, w, fmt.Errorf("graphql: metrics answer %.200q: %w", resp.Data, err))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(append(data.Metrics, '\n'))
		return
	}
	if res == nil {
		h.internal(ctx, w, errors.New("graphql: the metrics resolver kept no result"))
		return
	}
	// Encoded in full before the status is sent, so that an encoding error is still a 500
	// and not a stream cut short; ~1.4 MB for 100,000 rows of one dimension and measure.
	var buf bytes.Buffer
	if err := arrowipc.WriteMetrics(&buf, res); err != nil {
		h.internal(ctx, w, err)
		return
	}
	w.Header().Set("Content-Type", arrowipc.MediaType)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = buf.WriteTo(w)
}

// variables reads the body: one JSON object whose names are arguments of the metrics query.
// Numbers stay json.Number, as gqlgen's own transports leave them, so that Int arguments are
// checked as GraphQL checks them.
func (h *metricsHandler) variables(body io.Reader) (map[string]any, error) {
	dec := json.NewDecoder(body)
	dec.UseNumber()
	var vars map[string]any
	if err := dec.Decode(&vars); err != nil || vars == nil {
		if err == nil || errors.Is(err, io.EOF) {
			err = errors.New("empty body")
		}
		return nil, fmt.Errorf("the body must be a JSON object of the metrics query's arguments (%s): %w", strings.Join(h.args, ", "), err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("the body must be one JSON object; it goes on after the object")
	}
	var unknown []string
	for name := range vars {
		if !slices.Contains(h.args, name) {
			unknown = append(unknown, strconv.Quote(name))
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		field := "field"
		if len(unknown) > 1 {
			field = "fields"
		}
		return nil, fmt.Errorf("unknown %s %s: the metrics query's arguments are %s", field, strings.Join(unknown, ", "), strings.Join(h.args, ", "))
	}
	return vars, nil
}

// writeErrors answers errs with the status of the first error that has one (else fallback),
// their messages joined, each led by the argument it is about.
func (h *metricsHandler) writeErrors(w http.ResponseWriter, errs gqlerror.List, fallback int) {
	status := 0
	msgs := make([]string, 0, len(errs))
	for _, e := range errs {
		var se *statusError
		if status == 0 && errors.As(e, &se) {
			status = se.status
		}
		msgs = append(msgs, argumentMessage(e))
	}
	if status == 0 {
		status = fallback
	}
	httpapi.WriteError(w, status, strings.Join(msgs, "; "))
}

func (h *metricsHandler) internal(ctx context.Context, w http.ResponseWriter, err error) {
	h.cfg.Logger.ErrorContext(ctx, "POST /v1/metrics failed", slog.Any("err", err))
	httpapi.WriteError(w, http.StatusInternalServerError, "internal error; the server log has the details")
}

// argumentMessage is e's message led by the argument its path names: GraphQL's paths say
// variable.filters[0].op or metrics.from, where the body only has filters[0].op and from.
func argumentMessage(e *gqlerror.Error) string {
	path := e.Path
	if len(path) > 0 {
		if k, ok := path[0].(ast.PathName); ok && (k == "variable" || k == "metrics") {
			path = path[1:]
		}
	}
	if len(path) == 0 {
		return e.Message
	}
	return ast.Path(path).String() + ": " + e.Message
}

// acceptsArrow reports whether the Accept headers name the Arrow stream media type with a
// non-zero quality.
func acceptsArrow(accept []string) bool {
	for _, header := range accept {
		for _, part := range strings.Split(header, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil || mt != arrowipc.MediaType {
				continue
			}
			if q, err := strconv.ParseFloat(params["q"], 64); params["q"] == "" || (err == nil && q > 0) {
				return true
			}
		}
	}
	return false
}

type resultKey struct{}

// keepResult hands the metrics resolver's result to POST /v1/metrics, when the query came
// through it, so the Arrow answer is built from the rows themselves and not read back from
// JSON.
func keepResult(ctx context.Context, res *metrics.Result) {
	if slot, ok := ctx.Value(resultKey{}).(**metrics.Result); ok {
		*slot = res
	}
}
