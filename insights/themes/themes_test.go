package themes

import (
	"fmt"
	"strings"
	"testing"

	"github.com/meridian-cs/meridian/insights"
	"github.com/meridian-cs/meridian/insights/keyness"
)

// corpus plants "moisture proof" in 30% of Thai-market documents in period 2 only.
func corpus() (target, base []insights.Document) {
	for i := range 300 {
		p := "2025-01"
		if i >= 150 {
			p = "2025-02"
		}
		d := insights.Document{ID: fmt.Sprint("th", i), Market: "TH", Period: p, Language: "en", Text: "please check my order status"}
		if i >= 150 && i%3 == 0 {
			d.Text += " is the unit moisture proof for humid weather"
		}
		target = append(target, d)
		base = append(base, insights.Document{ID: fmt.Sprint("us", i), Market: "US", Period: p, Language: "en", Text: "please check my order status"})
	}
	return
}

func TestGroupJoinsCoOccurringPhrasesIntoOneTheme(t *testing.T) {
	target, base := corpus()
	res, err := keyness.Test(keyness.Count(target, base), keyness.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	ts := Group(res, append(target, base...), Defaults())
	if len(ts) != 1 {
		t.Fatalf("want one theme, got %d: %+v", len(ts), ts)
	}
	th := ts[0]
	if !strings.Contains(strings.Join(th.Keys, "|"), "moisture proof") || th.Volume != 50 {
		t.Errorf("theme %+v", th)
	}
	if th.Markets[0].Key != "TH" || th.Markets[0].Hits != 50 {
		t.Errorf("markets %+v", th.Markets)
	}
	if th.Slope <= 0 || len(th.Examples) != 3 {
		t.Errorf("slope %v, examples %v", th.Slope, th.Examples)
	}
	a, ok := Emerging(th, AlertOptions{})
	if !ok || a.Period != "2025-02" || a.PrevDocs != 0 {
		t.Errorf("emerging alert = %+v, %v", a, ok)
	}
}

func TestAStableThemeRaisesNoAlert(t *testing.T) {
	th := Theme{Label: "x", Periods: []PeriodCount{{"1", 50, 1000}, {"2", 55, 1000}}}
	if a, ok := Emerging(th, AlertOptions{}); ok {
		t.Errorf("alert for a 10%% change: %+v", a)
	}
	th.Periods[1].Docs = 120
	if _, ok := Emerging(th, AlertOptions{}); !ok {
		t.Error("no alert for a 2.4× significant rise")
	}
}
