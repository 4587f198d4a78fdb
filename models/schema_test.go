package models

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The JSON Schema in schemas/events is the event contract; these tests keep models.Event, its
// validator and the schema saying the same thing, so neither can drift without a red test.

const schemaPath = "../schemas/events/v1/event.schema.json"

// envelope are the fields every event needs (EventTypes lists what each type adds).
var envelope = []string{"id", "type", "occurred_at"}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	abs, err := filepath.Abs(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat() // date-time is only an annotation in 2020-12 unless asserted
	s, err := c.Compile(abs)
	if err != nil {
		t.Fatalf("compile %s: %v", schemaPath, err)
	}
	return s
}

// rawSchema is the schema document as plain JSON, for structural checks.
func rawSchema(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// goAccepts decodes doc the way ingest does (unknown fields are an error) and validates it.
func goAccepts(doc []byte) error {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	var e Event
	if err := dec.Decode(&e); err != nil {
		return err
	}
	return e.Validate()
}

func schemaAccepts(s *jsonschema.Schema, doc []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	return s.Validate(v)
}

func examples(t *testing.T, kind string) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("../schemas/events/v1/examples", kind, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no %s examples (%v)", kind, err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = b
	}
	return out
}

func TestSchemaAndValidatorAgreeOnExamples(t *testing.T) {
	s := compileSchema(t)
	seen := map[string]bool{}
	for name, doc := range examples(t, "valid") {
		if err := schemaAccepts(s, doc); err != nil {
			t.Errorf("valid/%s: schema rejects it: %v", name, err)
		}
		if err := goAccepts(doc); err != nil {
			t.Errorf("valid/%s: models.Event rejects it: %v", name, err)
		}
		var head struct{ Type string }
		_ = json.Unmarshal(doc, &head)
		seen[head.Type] = true
	}
	for typ := range EventTypes {
		if !seen[typ] {
			t.Errorf("no valid example for %s", typ)
		}
	}
	for name, doc := range examples(t, "invalid") {
		if schemaAccepts(s, doc) == nil {
			t.Errorf("invalid/%s: schema accepts it", name)
		}
		if goAccepts(doc) == nil {
			t.Errorf("invalid/%s: models.Event accepts it", name)
		}
	}
}

// Removing any one field from a valid example must make both sides agree: required fields are
// rejected by both, optional ones accepted by both. This catches a required list that is right
// in one place and wrong in the other without hand-writing an invalid example for each.
func TestSchemaAndValidatorAgreeWhenAFieldIsDropped(t *testing.T) {
	s := compileSchema(t)
	for name, doc := range examples(t, "valid") {
		var m map[string]any
		if err := json.Unmarshal(doc, &m); err != nil {
			t.Fatal(err)
		}
		drop := func(label string, del func(map[string]any) func()) {
			restore := del(m)
			defer restore()
			b, _ := json.Marshal(m)
			goErr, schErr := goAccepts(b), schemaAccepts(s, b)
			if (goErr == nil) != (schErr == nil) {
				t.Errorf("%s without %s: Go says %v, schema says %v", name, label, goErr, schErr)
			}
		}
		for k := range m {
			drop(k, func(m map[string]any) func() { v := m[k]; delete(m, k); return func() { m[k] = v } })
		}
		if c, ok := m["customer"].(map[string]any); ok {
			for k := range c {
				drop("customer."+k, func(map[string]any) func() { v := c[k]; delete(c, k); return func() { c[k] = v } })
			}
		}
	}
}

// jsonFields lists the JSON names of a struct's fields.
func jsonFields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

func keys(m any) []string {
	obj, _ := m.(map[string]any)
	out := make([]string, 0, len(obj))
	for k := range obj {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestSchemaPropertiesMatchGoFields(t *testing.T) {
	raw := rawSchema(t)
	defs := raw["$defs"].(map[string]any)
	for name, c := range map[string]struct {
		typ    reflect.Type
		schema map[string]any
	}{
		"Event":      {reflect.TypeFor[Event](), raw},
		"Customer":   {reflect.TypeFor[Customer](), defs["customer"].(map[string]any)},
		"Attachment": {reflect.TypeFor[Attachment](), defs["attachment"].(map[string]any)},
	} {
		goNames, schemaNames := jsonFields(c.typ), keys(c.schema["properties"])
		if !slices.Equal(goNames, schemaNames) {
			t.Errorf("%s: Go json fields %v\nschema properties %v", name, goNames, schemaNames)
		}
		if c.schema["additionalProperties"] != false {
			t.Errorf("%s: schema must set additionalProperties: false so typos are caught", name)
		}
	}
}

func TestSchemaEnumsMatchGo(t *testing.T) {
	props := rawSchema(t)["properties"].(map[string]any)
	enum := func(field string) []string {
		var out []string
		for _, v := range props[field].(map[string]any)["enum"].([]any) {
			out = append(out, v.(string))
		}
		sort.Strings(out)
		return out
	}
	var types []string
	for typ := range EventTypes {
		types = append(types, typ)
	}
	sort.Strings(types)
	if got := enum("type"); !slices.Equal(got, types) {
		t.Errorf("type enum %v, EventTypes %v", got, types)
	}
	if got, want := enum("channel"), slices.Sorted(slices.Values(Channels)); !slices.Equal(got, want) {
		t.Errorf("channel enum %v, Channels %v", got, want)
	}
	if got := enum("direction"); !slices.Equal(got, []string{Inbound, Outbound}) {
		t.Errorf("direction enum %v", got)
	}
	if v := props["version"].(map[string]any)["const"]; v != float64(SchemaVersion) {
		t.Errorf("version const %v, SchemaVersion %d", v, SchemaVersion)
	}
}

func TestSchemaRequiredFieldsMatchEventTypes(t *testing.T) {
	raw := rawSchema(t)
	top := strs(raw["required"])
	perType := map[string][]string{}
	for _, rule := range raw["allOf"].([]any) {
		r := rule.(map[string]any)
		typ, _ := r["if"].(map[string]any)["properties"].(map[string]any)["type"].(map[string]any)["const"].(string)
		if typ == "" {
			continue
		}
		if _, dup := perType[typ]; dup {
			t.Errorf("two if/then rules for %s", typ)
		}
		perType[typ] = strs(r["then"].(map[string]any)["required"])
	}
	for typ, fields := range EventTypes {
		got, want := append(slices.Clone(top), perType[typ]...), append(slices.Clone(envelope), fields...)
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: schema requires %v, models.EventTypes says %v", typ, got, want)
		}
	}
	for typ := range perType {
		if _, ok := EventTypes[typ]; !ok {
			t.Errorf("schema has a rule for unknown type %s", typ)
		}
	}
}

func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// Where encoding/json plus Validate and the schema cannot agree, the difference is written
// down here rather than hidden: each case states what each side does today, so a change on
// either side (e.g. ingest moving to a case-sensitive decoder) shows up as a failing line to
// update. Ingest should treat the schema's answer as the contract.
func TestKnownDivergencesBetweenGoAndSchema(t *testing.T) {
	s := compileSchema(t)
	const base = `"type":"conversation.resolved","occurred_at":"2025-03-10T10:00:00Z","conversation_id":"c1","customer":{"country":"DE"}`
	for _, c := range []struct {
		name, doc      string
		goOK, schemaOK bool
	}{
		// encoding/json matches field names case-insensitively even with DisallowUnknownFields.
		{"field name in another case", `{"id":"a",` + base + `,"Conversation_ID":"c2"}`, true, false},
		// Validate treats version 0 as "left out".
		{"explicit version 0", `{"id":"a",` + base + `,"version":0}`, true, false},
		// Go cannot tell an empty or null optional field from a missing one.
		{"empty optional channel", `{"id":"a",` + base + `,"channel":""}`, true, false},
		{"null optional field", `{"id":"a",` + base + `,"channel":null}`, true, false},
		// Validate reads the zero time as "missing"; it is a well-formed RFC 3339 timestamp.
		{"zero occurred_at", `{"id":"a","type":"conversation.resolved","occurred_at":"0001-01-01T00:00:00Z","conversation_id":"c1","customer":{"country":"DE"}}`, false, true},
		// MaxIDLen counts bytes; JSON Schema's maxLength counts characters.
		{"200 characters, 400 bytes", `{"id":"` + strings.Repeat("é", 200) + `",` + base + `}`, false, true},
	} {
		goErr, schErr := goAccepts([]byte(c.doc)), schemaAccepts(s, []byte(c.doc))
		if (goErr == nil) != c.goOK || (schErr == nil) != c.schemaOK {
			t.Errorf("%s: Go accepts=%v (want %v, %v), schema accepts=%v (want %v, %v) — if a side was fixed, update this list",
				c.name, goErr == nil, c.goOK, goErr, schErr == nil, c.schemaOK, schErr)
		}
	}
}
