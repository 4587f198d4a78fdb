// Package intent says what a customer-service message is about (its routine intent: order
// status, delivery, return, refund, billing, cancel, product question, technical fault,
// account access, or other) and its issue type (an enquiry, a complaint, or after-sales
// care of something already ordered or bought). It is part of the understanding layer beside
// packages language and urgency; nothing wires it yet.
//
// Classify scores each intent by the cues its lexicon finds in the text. Lexicons are data
// (lexicons/<lang>.tsv, embedded), one per language, keyed by concept ("refund:money_back",
// "complaint:again", "after_sales:bought", "negator"); a cue's weight depends on its concept
// alone (weights.go), so every language scores alike. Matching is package lexicon's: whole
// words in scripts with spaces (a term ending in "*" matches any word starting with it,
// Arabic words may carry a joined proclitic), substrings in Chinese, Japanese, Korean and
// Thai. An intent's cue preceded by a volitional negator in the same clause ("I don't want a
// refund", "instead of a refund", "不想退款") is recorded as "negated:<code>" and does not
// count; "without" is not a negator ("still without my refund" asks for one).
//
// The best-scored intent wins; ties go to the more specific intent (see priority), and a
// strong refund cue wins over a return or a cancellation however much the message says about
// those ("I sent it back, where is my money?"). A demonstrative ("this", "この", "这款")
// counts as a weak product-question cue only in a question, so a question about "this
// jacket" with no other cue is a product question, while "Are you open on Sunday?" stays
// other.
//
// The issue type is a complaint when a strong complaint cue is present ("unacceptable",
// "third time", "exijo", "太过分了"), or a weak one ("again", "still") in a statement, not a
// question ("is it still available?"), of a message with a routine intent; otherwise
// after-sales when the intent concerns an order or product already there (return, refund,
// technical fault, order status, cancel) or when a delivery, billing or account message
// shows one ("my parcel", "charged twice", "I bought", "leave it with the neighbour");
// otherwise an enquiry. A product question is always an enquiry unless it complains.
//
// Limits: this is a keyword heuristic written by one author for sixteen languages, not a
// trained model, and it fails mostly by silence: a message that describes its problem
// without any word the lexicon knows ("the toaster only browns one side") is "other" with
// confidence 0.5, which a caller can treat as "not understood". It does not understand
// sarcasm, hypotheticals or quoted text; past forms weigh less than requests ("I cancelled
// last week, where is my refund?"), but a narrated past intent can still win; negations that
// follow the cue (Japanese 返品しません, Korean 취소 안 해요), double negatives, separable
// verbs (Dutch "slaat … af") and a question without a question mark outside the particles
// listed in questionParticles are not recognised; spelling mistakes, slang and
// transliteration (romanised Japanese, Arabizi) are not matched; a message with two equally
// strong intents gets the one earlier in priority, with the other among Alternatives. With
// lang "" or an unsupported language every lexicon is tried (about ten times slower: some
// 40 µs a message with a language, 450 µs without, on this machine), which lets a word of
// one language that looks like a cue of another count. Confidence is a
// heuristic from the scores' margin, not a calibrated probability.
package intent

import (
	"math"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/understanding/lexicon"
	"github.com/meridian-cs/meridian/understanding/tokenize"
)

// Intents.
const (
	OrderStatus     = "order_status"
	Delivery        = "delivery"
	Return          = "return"
	Refund          = "refund"
	Billing         = "billing"
	Cancel          = "cancel"
	ProductQuestion = "product_question"
	TechnicalFault  = "technical_fault"
	AccountAccess   = "account_access"
	Other           = "other"
)

// Issue types.
const (
	Enquiry    = "enquiry"
	Complaint  = "complaint"
	AfterSales = "after_sales"
)

// priority orders intents from the most to the least specific; it breaks ties.
var priority = []string{Refund, Return, Cancel, Billing, AccountAccess, TechnicalFault, Delivery, OrderStatus, ProductQuestion}

// Result is a classification.
type Result struct {
	// Intent is one of the intent constants.
	Intent string
	// IssueType is Enquiry, Complaint or AfterSales.
	IssueType string
	// Confidence is in 0..1: high when the winning intent has strong cues and no rival.
	Confidence float64
	// Alternatives are the other intents with evidence, best first.
	Alternatives []Scored
	// Cues are stable codes for the evidence, sorted: "intent:<intent>:<concept>",
	// "complaint:<concept>", "after_sales:<concept>", and "negated:intent:…" for an
	// intent's cue under a negation.
	Cues []string
}

// Scored is an intent and its score (the sum of its cues' weights).
type Scored struct {
	Intent string
	Score  float64
}

// Intents lists the intents Classify returns, Other last.
func Intents() []string {
	return append(slices.Clone(priority), Other)
}

// Classify says what text is about. lang is a BCP-47 tag (only its base, "pt" of "pt-BR",
// is used); "" or an unsupported language tries every lexicon.
func Classify(text, lang string) Result {
	r := Result{Intent: Other, IssueType: Enquiry}
	if !hasLetters(text) {
		r.Cues = []string{}
		return r
	}
	lxs := allLexicons
	if lx, ok := lexicons[models.BaseLanguage(lang)]; ok {
		lxs = []*langLexicon{lx}
	}
	norm := normalise(text)
	found := map[string]bool{} // concept keys, not negated
	negated := map[string]bool{}
	for _, lx := range lxs {
		lx.scan(norm, found, negated)
	}

	scores := map[string]float64{}
	complaint := 0.0
	owned := false
	for k := range found {
		head, _, _ := strings.Cut(k, ":")
		switch {
		case head == "complaint":
			complaint = max(complaint, weightOf(k))
		case head == "after_sales":
			owned = true
		case isIntent(head):
			scores[head] += weightOf(k)
			if placesOrder[k] {
				owned = true
			}
		}
	}

	var ranked []Scored
	for _, in := range priority {
		if s := scores[in]; s > 0 {
			ranked = append(ranked, Scored{in, s})
		}
	}
	// Stable: equal scores keep priority order.
	sort.SliceStable(ranked, func(i, j int) bool { return ranked[i].Score > ranked[j].Score })
	// Money asked back makes a return or a cancellation a refund request, however much the
	// message says about the return or the cancellation itself.
	if len(ranked) > 1 && (ranked[0].Intent == Return || ranked[0].Intent == Cancel) && scores[Refund] >= strong {
		i := slices.IndexFunc(ranked, func(s Scored) bool { return s.Intent == Refund })
		ranked[0], ranked[i] = ranked[i], ranked[0]
		sort.SliceStable(ranked[1:], func(i, j int) bool { return ranked[1+i].Score > ranked[1+j].Score })
	}
	if len(ranked) > 0 {
		r.Intent = ranked[0].Intent
		r.Alternatives = ranked[1:]
		total := 0.0
		for _, s := range ranked {
			total += s.Score
		}
		top := ranked[0].Score
		// Share of the evidence times how much evidence there is (one strong cue ≈ 0.78).
		r.Confidence = round2(top / total * (1 - math.Exp(-top/2)))
	} else {
		// No routine intent found: "other" is a guess, as likely a lexicon gap as not.
		r.Confidence = 0.5
	}

	switch {
	case complaint >= strong || (complaint > 0 && r.Intent != ProductQuestion && r.Intent != Other):
		r.IssueType = Complaint
	case r.Intent == ProductQuestion || r.Intent == Other:
		r.IssueType = Enquiry
	case afterSalesIntents[r.Intent] || owned:
		r.IssueType = AfterSales
	}

	r.Cues = make([]string, 0, len(found)+len(negated))
	for k := range found {
		r.Cues = append(r.Cues, code(k))
	}
	for k := range negated {
		if !found[k] {
			r.Cues = append(r.Cues, "negated:"+code(k))
		}
	}
	sort.Strings(r.Cues)
	return r
}

// afterSalesIntents concern an order or product that is already there.
var afterSalesIntents = map[string]bool{Return: true, Refund: true, TechnicalFault: true, OrderStatus: true, Cancel: true}

// code is the stable cue code of a concept key: intents' concepts get "intent:" before them.
func code(key string) string {
	head, _, _ := strings.Cut(key, ":")
	if isIntent(head) {
		return "intent:" + key
	}
	return key
}

func isIntent(s string) bool { return slices.Contains(priority, s) }

func round2(f float64) float64 { return math.Round(f*100) / 100 }

func hasLetters(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// normalise is tokenize.Normalize with every run of spaces made one space, so that
// multi-word terms match however the customer spaced them.
func normalise(s string) string {
	s = tokenize.Normalize(s)
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// langLexicon is one language's compiled lexicon, in three matchers (matches of one
// matcher never overlap, the longest term winning): one for the intents' concepts and the
// negators, one for complaint and one for after-sales cues. Kept apart, a complaint term that
// contains an intent's words ("quero meu dinheiro de volta", "また壊れ") does not hide them.
// Where they meet, the more specific reading wins: a complaint or after-sales term inside an
// intent's term ("สองครั้ง" in "ตัดเงินสองครั้ง", charged twice) is dropped, and so is a
// negator inside a complaint term ("sem" in "sem resposta", no answer). Each matcher also
// has the ignored words.
type langLexicon struct {
	code                           string
	intents, complaint, afterSales *lexicon.Matcher
}

// scan adds the concepts found in norm to found, or to negated when a negator governs them.
func (lx *langLexicon) scan(norm string, found, negated map[string]bool) {
	in := lx.intents.FindNormalized(norm)
	var spans []lexicon.Match // intent terms
	for _, m := range in {
		if m.Key != "negator" && m.Key != "ignore" {
			spans = append(spans, m)
		}
	}
	var complaints []lexicon.Match
	for _, mt := range []*lexicon.Matcher{lx.complaint, lx.afterSales} {
		for _, m := range mt.FindNormalized(norm) {
			if m.Key == "ignore" || inside(m, spans) {
				continue
			}
			// "Still" or "again" in a question asks ("is it still available?", "can you
			// deliver again tomorrow?"); in a statement it complains.
			if weightOf(m.Key) == weak && inQuestion(norm, m.End) {
				continue
			}
			found[m.Key] = true
			if mt == lx.complaint {
				complaints = append(complaints, m)
			}
		}
	}
	lastNeg := -1 // end of the last negator seen
	for _, m := range in {
		switch {
		case m.Key == "ignore":
		case m.Key == "negator":
			if !inside(m, complaints) {
				lastNeg = m.End
			}
		case m.Key == "product_question:this" && !inQuestion(norm, m.End):
			// "this" or "it" counts only in a question: "is this waterproof?"
		case lastNeg >= 0 && governs(norm[lastNeg:m.Start]):
			negated[m.Key] = true
		default:
			found[m.Key] = true
		}
	}
}

// inQuestion reports whether the sentence around byte offset i of norm is a question: it
// ends with a question mark (or the message does), or it has a question particle, since
// Thai, Chinese, Japanese and Korean chat often asks without one.
func inQuestion(norm string, i int) bool {
	start := strings.LastIndexAny(norm[:i], sentenceEnds) + 1
	j := strings.IndexAny(norm[i:], sentenceEnds)
	var sentence string
	if j < 0 {
		sentence = norm[start:]
		if strings.HasSuffix(strings.TrimSpace(norm), "?") {
			return true
		}
	} else {
		sentence = norm[start : i+j]
		r, _ := utf8.DecodeRuneInString(norm[i+j:])
		if r == '?' || r == '？' || r == '؟' {
			return true
		}
	}
	for _, p := range questionParticles {
		if strings.Contains(sentence, p) {
			return true
		}
	}
	return false
}

const sentenceEnds = ".!?。！？؟\n"

var questionParticles = []string{"ไหม", "มั้ย", "หรือเปล่า", "หรือยัง", "吗", "嗎", "ですか", "ますか", "나요", "까요", "가요"}

// inside reports whether m lies within one of spans.
func inside(m lexicon.Match, spans []lexicon.Match) bool {
	for _, s := range spans {
		if s.Start <= m.Start && m.End <= s.End {
			return true
		}
	}
	return false
}

// governs reports whether a negator followed by gap still applies to the next cue: the gap
// has no clause break and, in scripts with spaces, at most three words ("want a full
// refund"); in unspaced scripts at most three characters ("不想要退款").
func governs(gap string) bool {
	if strings.ContainsAny(gap, ".,;:!?。，、！？؟،;…\n") {
		return false
	}
	if tokenize.HasUnspaced(gap) {
		return len([]rune(strings.TrimSpace(gap))) <= 3
	}
	return len(strings.Fields(gap)) <= 3
}
