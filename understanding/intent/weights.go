package intent

import (
	"bufio"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/meridian-cs/meridian/understanding/lexicon"
)

// Weights of concepts, the same in every language. A concept not listed weighs normal.
const (
	weak   = 1.0 // context more than intent: "order number", a past "cancelled", "still"
	normal = 2.0
	strong = 3.0 // says the intent alone: "refund", "where is my order", "unacceptable"
)

var weights = map[string]float64{
	"order_status:where_order": strong, "order_status:status": strong, "order_status:shipped": normal,
	"order_status:processing": normal, "order_status:order_number": weak, "order_status:tracking": weak, "order_status:my_order": weak,
	"delivery:not_arrived": strong, "delivery:customs": strong, "delivery:address": strong,
	"delivery:courier": normal, "delivery:delivery": normal, "delivery:parcel": weak, "delivery:late": normal,
	"return:return": strong, "return:exchange": strong, "return:label": normal, "return:returned": weak,
	"refund:refund": strong, "refund:money_back": strong, "refund:chargeback": strong,
	"billing:charged_twice": strong, "billing:payment_failed": strong, "billing:wrong_amount": strong,
	"billing:invoice": normal, "billing:vat": normal, "billing:charged": normal,
	"cancel:cancel": strong, "cancel:subscription": strong, "cancel:cancelled": weak,
	"product_question:compatible": strong, "product_question:stock": strong, "product_question:size": weak,
	"product_question:specs": normal, "product_question:this": weak, "product_question:how_to": normal, "product_question:comes_with": normal,
	"technical_fault:broken": strong, "technical_fault:not_working": strong, "technical_fault:wont_turn_on": strong,
	"technical_fault:defect": strong, "technical_fault:error": normal, "technical_fault:symptom": normal,
	"account_access:login": strong, "account_access:password": strong, "account_access:locked": strong,
	"account_access:two_factor": strong, "account_access:hacked": strong, "account_access:account": weak,
	// complaint: a strong one alone makes a complaint, a weak one only beside a routine intent.
	"complaint:again": weak, "complaint:still": weak,
}

// placesOrder are intent concepts that show an order or payment already exists.
var placesOrder = map[string]bool{
	"delivery:not_arrived": true, "delivery:address": true, "delivery:courier": true, "delivery:customs": true,
	"delivery:parcel": true, "delivery:late": true,
	"billing:charged_twice": true, "billing:payment_failed": true, "billing:wrong_amount": true, "billing:charged": true,
	"order_status:my_order": true, "order_status:processing": true, "billing:unrecognised": true,
	"delivery:instructions": true, "order_status:order_number": true, "order_status:tracking": true,
}

func weightOf(key string) float64 {
	if w, ok := weights[key]; ok {
		return w
	}
	if strings.HasPrefix(key, "complaint:") {
		return strong
	}
	return normal
}

//go:embed lexicons/*.tsv
var lexiconFiles embed.FS

var (
	lexicons    = map[string]*langLexicon{}
	allLexicons []*langLexicon
)

func init() {
	names, err := fs.Glob(lexiconFiles, "lexicons/*.tsv")
	if err != nil {
		panic(err)
	}
	sort.Strings(names)
	for _, name := range names {
		b, err := lexiconFiles.ReadFile(name)
		if err != nil {
			panic(err)
		}
		code := strings.TrimSuffix(path.Base(name), ".tsv")
		terms, err := parseLexicon(string(b))
		if err != nil {
			panic(fmt.Errorf("intent: lexicon %s: %w", name, err))
		}
		groups := map[string][]lexicon.Term{}
		for _, t := range terms {
			switch g := groupOf(t.Key); {
			case t.Key == "ignore":
				for _, g := range []string{"intent", "complaint", "after_sales"} {
					groups[g] = append(groups[g], t)
				}
			case t.Key == "negator":
				groups["intent"] = append(groups["intent"], t)
			default:
				groups[g] = append(groups[g], t)
			}
		}
		lx := &langLexicon{code: code, intents: lexicon.New(groups["intent"]),
			complaint: lexicon.New(groups["complaint"]), afterSales: lexicon.New(groups["after_sales"])}
		lexicons[code] = lx
		allLexicons = append(allLexicons, lx)
	}
}

// groupOf is the matcher a concept belongs to: "complaint", "after_sales" or "intent"
// ("" for negators and ignored words).
func groupOf(key string) string {
	head, _, _ := strings.Cut(key, ":")
	switch {
	case head == "complaint" || head == "after_sales":
		return head
	case isIntent(head):
		return "intent"
	}
	return ""
}

// parseLexicon reads "concept<TAB>term|term|…" lines; blank lines and "#" comments are
// skipped. A concept is "negator", "ignore" (words that contain a cue but are not one, such
// as Thai เสียง "sound" containing เสีย "broken"), "complaint:<x>", "after_sales:<x>" or
// "<intent>:<x>".
func parseLexicon(s string) ([]lexicon.Term, error) {
	var terms []lexicon.Term
	sc := bufio.NewScanner(strings.NewReader(s))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, list, ok := strings.Cut(line, "\t")
		if !ok {
			return nil, fmt.Errorf("line %d: no tab", n)
		}
		key = strings.TrimSpace(key)
		head, _, _ := strings.Cut(key, ":")
		if key != "negator" && key != "ignore" && head != "complaint" && head != "after_sales" && !isIntent(head) {
			return nil, fmt.Errorf("line %d: unknown concept %q", n, key)
		}
		for _, t := range strings.Split(list, "|") {
			if t = strings.TrimSpace(t); t != "" {
				terms = append(terms, lexicon.Term{Text: t, Key: key})
			}
		}
	}
	return terms, sc.Err()
}

// Languages lists the languages with a lexicon.
func Languages() []string {
	out := make([]string, 0, len(lexicons))
	for l := range lexicons {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}
