package refine

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// FuzzParse feeds the content parser whatever a model might write: it must not panic,
// and whatever it accepts must be within the lists and ranges.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"intent":"refund","issue_type":"complaint","sentiment":-0.5,"emotions":{"anger":0.7},"urgency":"HIGH","reasons":["deadline"]}`,
		"```json\n{\"urgency\":\"CRITICAL\",\"reasons\":[\"safety_risk\"]}\n```",
		`{"intent":"Order-Status","emotions":{"Anger":1,"anger":0}}`, `{"sentiment":1e400}`, `{"sentiment":-0}`,
		`{"reasons":"x","urgency":"none"}`, `[]`, `null`, "\uFEFF{}", "```\n```",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, content string) {
		ref, err := parseContent(content, routine)
		if err != nil {
			return
		}
		if ref.Intent != "" && !slices.Contains(routine, ref.Intent) {
			t.Fatalf("intent %q", ref.Intent)
		}
		if ref.IssueType != "" && !slices.Contains(issueTypes, ref.IssueType) {
			t.Fatalf("issue type %q", ref.IssueType)
		}
		if ref.Urgency != "" && !slices.Contains(urgencyLevels, ref.Urgency) {
			t.Fatalf("urgency %q", ref.Urgency)
		}
		if s := ref.Sentiment; s != nil && (math.IsNaN(*s) || *s < -1 || *s > 1) {
			t.Fatalf("sentiment %v", *s)
		}
		for k, v := range ref.Emotions {
			if !slices.Contains(emotionNames, k) || math.IsNaN(v) || v < 0 || v > 1 {
				t.Fatalf("emotion %q %v", k, v)
			}
		}
		if len(ref.Reasons) > maxReasons || (ref.Urgency == "" && len(ref.Reasons) > 0) {
			t.Fatalf("reasons %q with urgency %q", ref.Reasons, ref.Urgency)
		}
		for _, r := range ref.Reasons {
			code, ok := strings.CutPrefix(r, "llm:")
			if !ok || code == "" || len(code) > maxReasonLen || strings.Trim(code, "abcdefghijklmnopqrstuvwxyz0123456789_") != "" {
				t.Fatalf("reason %q", r)
			}
		}
	})
}
