package culture

import (
	"os"
	"strings"
	"testing"
)

func evaluateFile(t *testing.T, name string) Report {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := Evaluate(f)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s:\n%s", name, r.Markdown())
	return r
}

// TestEvaluationDev asserts a floor on the development set, the only set tuned against.
func TestEvaluationDev(t *testing.T) {
	r := evaluateFile(t, "dev.tsv")
	if a, rc := r.Total.Accuracy(), r.Total.Recall(); a < 0.85 || rc < 0.85 {
		t.Errorf("dev accuracy %.2f, unfit recall %.2f; want both >= 0.85", a, rc)
	}
	if r.Total.Repaired*10 < r.Total.Unfit*6 {
		t.Errorf("Adapt repaired %d of %d unfit dev replies, want >= 60%%", r.Total.Repaired, r.Total.Unfit)
	}
}

// TestEvaluationHeldout only reports: the held-back set is never tuned against.
func TestEvaluationHeldout(t *testing.T) {
	evaluateFile(t, "heldout.tsv")
}

func TestEvaluateRejectsMalformedLines(t *testing.T) {
	for _, in := range []string{"ja-JP\t2\tはい", "ja-JP\tはい", "just text"} {
		if _, err := Evaluate(strings.NewReader("# comment\n\n" + in + "\n")); err == nil || !strings.Contains(err.Error(), "line 3") {
			t.Errorf("Evaluate(%q) error %v, want one naming line 3", in, err)
		}
	}
	r, err := Evaluate(strings.NewReader("en-US\t1\tHi\r\nde-DE\t0\tHey du\n"))
	if err != nil || r.Total.Replies != 2 || len(r.Languages) != 2 || r.Languages[0].Language != "de" {
		t.Errorf("Evaluate: %+v, %v", r, err)
	}
}

func FuzzEvaluate(f *testing.F) {
	f.Add("en-US\t1\tHi\nja\t0\tできません\\nよ\n# c\n")
	f.Add("\t\t\t")
	f.Fuzz(func(t *testing.T, in string) {
		r, err := Evaluate(strings.NewReader(in))
		if err != nil {
			return
		}
		n := 0
		for _, l := range r.Languages {
			n += l.Replies
			if l.Correct > l.Replies || l.Repaired > l.Unfit {
				t.Fatalf("inconsistent %+v", l)
			}
		}
		if n != r.Total.Replies {
			t.Fatalf("languages sum to %d, total %d", n, r.Total.Replies)
		}
		_ = r.Markdown()
	})
}
