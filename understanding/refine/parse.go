package refine

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strings"
)

// parseContent reads the JSON object the model was asked for. Content that is not one
// JSON object (optionally inside a ``` or ```json fence) is ErrBadResponse; inside it,
// a field with a label outside the lists, a value out of range or of the wrong type is
// dropped and the others kept. Unknown keys are ignored.
func parseContent(content string, intents []string) (Refinement, error) {
	s := unfence(content)
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &fields); err != nil || fields == nil {
		return Refinement{}, &Error{Service: "refine", Status: http.StatusOK, Kind: ErrBadResponse, Message: "content is not a JSON object"}
	}
	var ref Refinement
	ref.Intent = pick(fields["intent"], intents)
	ref.IssueType = pick(fields["issue_type"], issueTypes)
	if f, ok := number(fields["sentiment"]); ok && f >= -1 && f <= 1 {
		f += 0 // -0 becomes 0
		ref.Sentiment = &f
	}
	ref.Emotions = emotions(fields["emotions"])
	ref.Urgency = pick(fields["urgency"], urgencyLevels)
	if ref.Urgency != "" {
		ref.Reasons = reasons(fields["reasons"])
	}
	return ref, nil
}

// emotions reads the emotions object. An emotion named twice ("Anger" and "anger") is
// dropped: which one a map gives first is random, and the result must not be.
func emotions(raw json.RawMessage) map[string]float64 {
	var m map[string]json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &m) != nil {
		return nil
	}
	var out map[string]float64
	named := map[string]int{}
	for k, v := range m {
		name := matchLabel(k, emotionNames)
		if name == "" {
			continue
		}
		named[name]++
		if f, ok := number(v); ok && f >= 0 && f <= 1 {
			if out == nil {
				out = map[string]float64{}
			}
			out[name] = f + 0 // -0 becomes 0
		}
	}
	for name, n := range named {
		if n > 1 {
			delete(out, name)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// unfence removes a Markdown code fence (```json … ```) around the object, which some
// models add even when asked for JSON only, and a byte-order mark.
func unfence(s string) string {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "\uFEFF"))
	if !strings.HasPrefix(s, "```") {
		return s
	}
	nl := strings.IndexByte(s, '\n')
	if nl < 0 {
		return s
	}
	if lang := strings.TrimSpace(s[3:nl]); lang != "" && !strings.EqualFold(lang, "json") {
		return s
	}
	body := strings.TrimSpace(s[nl+1:])
	if !strings.HasSuffix(body, "```") {
		return s
	}
	return strings.TrimSpace(strings.TrimSuffix(body, "```"))
}

// pick returns the label of labels that the JSON string raw names, spelled as in
// labels, or "" when raw is absent, null, not a string or not one of them.
func pick(raw json.RawMessage, labels []string) string {
	var v string
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil {
		return ""
	}
	return matchLabel(v, labels)
}

// matchLabel compares labels ignoring case and the difference between "_", "-" and
// " " ("after-sales" is after_sales); nothing looser, so no label is guessed.
func matchLabel(v string, labels []string) string {
	k := labelKey(v)
	if k == "" {
		return ""
	}
	for _, l := range labels {
		if labelKey(l) == k {
			return l
		}
	}
	return ""
}

func labelKey(s string) string {
	return strings.NewReplacer("-", "_", " ", "_").Replace(strings.ToLower(strings.TrimSpace(s)))
}

// number reads a JSON number that is finite; null (which Unmarshal leaves as 0), a
// numeric string or anything else is not one.
func number(raw json.RawMessage) (float64, bool) {
	var n json.Number
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if tok, err := d.Token(); err != nil {
		return 0, false
	} else if n, _ = tok.(json.Number); n == "" {
		return 0, false
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// maxReasons and maxReasonLen bound what a model can add to a message's reasons.
const (
	maxReasons   = 3
	maxReasonLen = 40
)

// reasons reads the model's reason codes and reduces each to a snake_case code of
// ASCII letters, digits and underscores, prefixed "llm:"; whatever else a model writes
// there (sentences, quotes of the message, other scripts) is dropped, so the reasons
// cannot carry the customer's words into analytics.
func reasons(raw json.RawMessage) []string {
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return nil
	}
	var out []string
	for _, item := range list {
		var s string
		if json.Unmarshal(item, &s) != nil {
			continue
		}
		code := reasonCode(s)
		if code == "" || len(code) > maxReasonLen {
			continue
		}
		code = "llm:" + code
		if !slices.Contains(out, code) {
			out = append(out, code)
		}
		if len(out) == maxReasons {
			break
		}
	}
	return out
}

func reasonCode(s string) string {
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if under && b.Len() > 0 {
				b.WriteByte('_')
			}
			under = false
			b.WriteRune(r)
		case r == '_' || r == '-' || r == '.' || r == ':' || r == '/':
			under = true
		default:
			return "" // not a code: a sentence (spaces), another script, quotes
		}
	}
	return b.String()
}
