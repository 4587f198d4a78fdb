package intent

import (
	"os"
	"testing"
)

func evalFile(t *testing.T, name string) Report {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := Evaluate(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range rep.Misses {
		t.Logf("%s miss: %s %q want %s/%s got %s/%s %v", name, m.Lang, m.Text, m.WantIntent, m.WantIssue, m.Got.Intent, m.Got.IssueType, m.Got.Cues)
	}
	t.Logf("%s\n%s", name, rep.Markdown())
	return rep
}

func TestEvaluationDev(t *testing.T) {
	rep := evalFile(t, "dev.tsv")
	if a := rep.Total.IntentAccuracy(); a < 0.8 {
		t.Errorf("dev intent accuracy %.3f, want >= 0.8", a)
	}
}
