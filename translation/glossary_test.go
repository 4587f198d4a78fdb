package translation

import (
	"context"
	"strings"
	"testing"
)

// creditEverything is a provider without glossary support that renders both Kredit
// and Darlehen as "credit", as generic MT often does.
type creditEverything struct{}

func (creditEverything) Translate(_ context.Context, req Request) (Result, error) {
	res := Result{Provider: "fake"}
	r := strings.NewReplacer("Darlehensvertrag", "credit agreement", "Kreditvertrag", "credit agreement",
		"Darlehen", "credit", "Kredit", "credit", "Ihr", "Your", "ihr", "your", "und", "and",
		"Das", "The", "Der", "The", "wird", "is", "getilgt", "repaid", "morgen", "tomorrow", "ausgezahlt", "paid out")
	for _, t := range req.Text {
		res.Texts = append(res.Texts, r.Replace(t))
	}
	return res, nil
}

func TestBuiltinGlossariesLoad(t *testing.T) {
	g := BuiltinGlossaries()
	if got := strings.Join(g.Domains(), ","); got != "ecommerce,finance,medicaldevices" {
		t.Fatalf("domains %s", got)
	}
	for _, d := range []string{"finance", "E-Commerce", "medical-devices"} {
		if len(g.Terms(d, "de-DE", "en-GB")) == 0 || g.Digest(d) == "" {
			t.Errorf("%s: no de-en terms", d)
		}
	}
	for _, d := range g.Domains() {
		for pair, entries := range g.domains[d].pairs {
			for _, e := range entries {
				for _, s := range e.Source {
					if strings.ContainsAny(s, "\t\n") {
						t.Errorf("%s %s: %q", d, pair, s)
					}
				}
			}
		}
	}
}

// TestKreditAndDarlehenStayDistinct is the example, through a provider that
// renders both as "credit".
func TestKreditAndDarlehenStayDistinct(t *testing.T) {
	for _, tc := range []struct {
		src, want string
		unfixed   []string // terms reported, not fixed
	}{
		// Darlehen alone: the one "credit" is unambiguously the loan.
		{"Das Darlehen wird morgen ausgezahlt.", "The loan is tomorrow paid out.", nil},
		// Kredit alone: "credit" is right.
		{"Der Kredit wird getilgt.", "The credit is repaid.", nil},
		// Both: which "credit" is the loan cannot be told; reported, not guessed.
		{"Ihr Kredit und ihr Darlehen", "Your credit and your credit", []string{"Darlehen"}},
		// The agreement forms: "credit agreement" for Darlehensvertrag becomes
		// "loan agreement"; the "credit" inside it is not taken for Kredit's.
		{"Darlehensvertrag und Kredit", "loan agreement and credit", nil},
	} {
		res, err := creditEverything{}.Translate(context.Background(), Request{Text: []string{tc.src}})
		if err != nil {
			t.Fatal(err)
		}
		got, vs := Enforce("finance", "de", "en", tc.src, res.Texts[0])
		if got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.src, got, tc.want)
		}
		var unfixed []string
		for _, v := range vs {
			if !v.Fixed {
				unfixed = append(unfixed, v.Term)
				if v.Want != "loan" || v.Found != "credit" || !strings.Contains(v.String(), "should read") {
					t.Errorf("violation %+v", v)
				}
			}
		}
		if strings.Join(unfixed, ",") != strings.Join(tc.unfixed, ",") {
			t.Errorf("%q: unfixed %v, want %v (%v)", tc.src, unfixed, tc.unfixed, vs)
		}
	}
}

func TestEnforceRules(t *testing.T) {
	for _, tc := range []struct {
		domain, src, tgt, srcText, out, want string
		violations                           int
	}{
		// Capitalisation follows the wrong word's.
		{"finance", "de", "en", "Darlehen beantragt", "Credit applied for", "Loan applied for", 1},
		// Plurals map to plurals; whole words only ("credited" is not "credit").
		{"finance", "de", "en", "Zwei Darlehen", "Two credits, credited", "Two loans, credited", 1},
		// Already right: nothing to do.
		{"finance", "de", "en", "Das Darlehen", "The loan", "The loan", 0},
		// Two wrong words for one term: "credit" appears twice for one Darlehen → report.
		{"finance", "de", "en", "Das Darlehen", "The credit credit", "The credit credit", 1},
		// Two terms claim one wrong word ("cancellation"): report.
		{"ecommerce", "de", "en", "Widerruf oder Stornierung", "cancellation or cancellation", "cancellation or cancellation", 1},
		// Widerruf alone: "revocation" becomes "withdrawal"; the longer term masks it.
		{"ecommerce", "de", "en", "Ihr Widerruf ist eingegangen", "Your revocation has been received", "Your withdrawal has been received", 1},
		{"ecommerce", "de", "en", "Ihr Widerrufsrecht", "Your right of revocation", "Your right of withdrawal", 1},
		// Multi-word source and "schwerwiegendes Vorkommnis" not also counted as "Vorkommnis".
		{"medical-devices", "de", "en", "Ein schwerwiegendes Vorkommnis", "A serious occurrence", "A serious incident", 1},
		// German targets, inflected forms.
		{"finance", "en", "de", "Your credit agreement", "Ihr Darlehensvertrag", "Ihr Kreditvertrag", 1},
		// Unknown domain, pair or no term: unchanged.
		{"astrology", "de", "en", "Darlehen", "credit", "credit", 0},
		{"finance", "de", "ja", "Darlehen", "クレジット", "クレジット", 0},
		{"finance", "de", "en", "Hallo", "Hello credit", "Hello credit", 0},
		// Wrong rendering absent: reported without a Found.
		{"finance", "de", "en", "Darlehen", "mortgage", "mortgage", 1},
	} {
		got, vs := Enforce(tc.domain, tc.src, tc.tgt, tc.srcText, tc.out)
		if got != tc.want || len(vs) != tc.violations {
			t.Errorf("%s %q → %q: got %q with %v, want %q with %d", tc.domain, tc.srcText, tc.out, got, vs, tc.want, tc.violations)
		}
	}
}

// TestEnforcedThroughAdapters: each adapter without native glossaries applies the
// glossary to its output and reports what it could not fix, text by text.
func TestEnforcedInBatch(t *testing.T) {
	req := Request{Text: []string{"Hallo", "Ihr Kredit und ihr Darlehen", "Das Darlehen"}, Source: "de", Target: "en", Domain: "finance"}
	res, _ := creditEverything{}.Translate(context.Background(), req)
	BuiltinGlossaries().enforceResult(req, &res)
	if res.Texts[2] != "The loan" {
		t.Fatalf("texts %q", res.Texts)
	}
	var unfixed []int
	for _, v := range res.Violations {
		if !v.Fixed {
			unfixed = append(unfixed, v.Index)
		}
	}
	if len(unfixed) != 1 || unfixed[0] != 1 {
		t.Fatalf("violations %+v", res.Violations)
	}
}
