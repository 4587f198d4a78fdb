package answers

import (
	"math"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/meridian-cs/meridian/knowledge"
	"github.com/meridian-cs/meridian/understanding/tokenize"
)

// term is one distinct term of a question (a stemmed word, or a character bigram for
// Chinese, Japanese, Korean and Thai, as package tokenize cuts them), with its weight.
type term struct {
	key    string
	weight float64
}

// weighTerms cuts q into its distinct content terms (stop-words and personal data dropped)
// and weighs each by its rarity among arts, the tenant's articles in the language searched:
//
//	weight = ln(1 + (N+1) / (df + 0.5))
//
// with N articles of which df contain the term: one every article contains weighs least (it
// tells the articles apart no more than "the" does). A term no article contains weighs as
// much as one a single article contains.
func weighTerms(q, lang string, arts []knowledge.Article) []term {
	seen := map[string]bool{}
	var out []term
	for _, t := range tokenize.Tokens(clip(q, knowledge.MaxQueryBytes), lang) {
		if t.Stop || t.Personal || t.Key == "" || seen[t.Key] {
			continue
		}
		seen[t.Key] = true
		out = append(out, term{key: t.Key})
	}
	n := float64(len(arts))
	sets := make([]map[string]bool, len(arts))
	for i, a := range arts {
		sets[i] = articleTerms(a)
	}
	for i := range out {
		df := 0.0
		for _, s := range sets {
			if s[out[i].key] {
				df++
			}
		}
		if df == 0 {
			// As rare as a term one article contains, no rarer: words no article has are
			// what the knowledge base does not cover ("gift cards") as often as the
			// question's framing ("how long", "kapan"), and weighing them most (df 0 in the
			// formula) handed over half the answerable questions of the labelled set.
			df = 1
		}
		out[i].weight = math.Log(1 + (n+1)/(df+0.5))
	}
	return out
}

// Coverage is the share of the question's term weight found in set: 1 when every term is
// there (the best an article can do), 0 when none is or the question has no content terms.
func Coverage(terms []term, set map[string]bool) float64 {
	var have, all float64
	for _, t := range terms {
		all += t.weight
		if set[t.key] {
			have += t.weight
		}
	}
	if all == 0 {
		return 0
	}
	return have / all
}

// Confidence calibrates retrieval into 0..1: the coverage of the question by the best
// article (normalised against the best possible, an article holding every question term),
// times a margin factor from the retrieval scores of the best and the second-best article:
//
//	confidence = coverage × (0.7 + 0.3 × (1 − second/best))
//
// so that a question two articles answer about equally well (an ambiguous one) loses up to
// 30%, and a clear winner nothing. Bleve's scores are not comparable between searches, which
// is why only their ratio is used.
func Confidence(coverage, best, second float64) float64 {
	margin := 1.0
	if best > 0 && second > 0 {
		margin = 1 - math.Min(second/best, 1)
	}
	if best <= 0 {
		margin = 0
	}
	c := coverage * (0.7 + 0.3*margin)
	return math.Max(0, math.Min(1, c))
}

// termCache keeps each article's term set, keyed by tenant-independent content (id,
// language and the text itself would do; the update time and length are cheaper), so that a
// question does not re-tokenise the whole knowledge base.
var termCache = struct {
	sync.Mutex
	m map[cacheKey]map[string]bool
}{m: map[cacheKey]map[string]bool{}}

type cacheKey struct {
	id, lang   string
	updated    int64
	size       int
	titleBytes int
}

const maxCachedArticles = 20000

// articleTerms returns the set of a's terms: title, tags and body.
func articleTerms(a knowledge.Article) map[string]bool {
	k := cacheKey{a.ID, a.Language, a.UpdatedAt.UnixNano(), len(a.Body), len(a.Title)}
	termCache.Lock()
	s, ok := termCache.m[k]
	termCache.Unlock()
	if ok {
		return s
	}
	s = termSet(a.Title+"\n"+strings.Join(a.Tags, " ")+"\n"+a.Body, a.Language)
	termCache.Lock()
	if len(termCache.m) >= maxCachedArticles {
		clear(termCache.m)
	}
	termCache.m[k] = s
	termCache.Unlock()
	return s
}

func termSet(text, lang string) map[string]bool {
	s := map[string]bool{}
	for _, t := range tokenize.Tokens(text, lang) {
		if !t.Stop && !t.Personal && t.Key != "" {
			s[t.Key] = true
		}
	}
	return s
}

// maxPassageBytes is the longest section quoted whole; a longer one is cut to its most
// relevant paragraph.
const maxPassageBytes = 900

var headingRE = regexp.MustCompile(`^#{1,6}\s+`)

type section struct {
	heading    string
	paragraphs []string
}

// Passage returns the part of a's body that answers the question whose terms are given: the
// section (under a Markdown heading) sharing the most term weight with it, or, for a long
// section, its best paragraph; the first section when none shares anything. Markdown
// emphasis is removed; links keep their address in brackets.
func Passage(a knowledge.Article, terms []term) string {
	secs := sections(a.Body)
	if len(secs) == 0 {
		return strings.TrimSpace(plain(a.Body))
	}
	best, bestScore := 0, -1.0
	for i, s := range secs {
		sc := Coverage(terms, termSet(s.heading+"\n"+strings.Join(s.paragraphs, "\n"), a.Language))
		if sc > bestScore {
			best, bestScore = i, sc
		}
	}
	s := secs[best]
	text := strings.Join(s.paragraphs, "\n")
	if len(text) > maxPassageBytes && len(s.paragraphs) > 1 {
		bp, bps := 0, -1.0
		for i, p := range s.paragraphs {
			if sc := Coverage(terms, termSet(p, a.Language)); sc > bps {
				bp, bps = i, sc
			}
		}
		text = s.paragraphs[bp]
	}
	return plain(text)
}

// sections cuts Markdown into sections of paragraphs (blank-line separated blocks); sections
// without paragraphs are left out.
func sections(body string) []section {
	var out []section
	cur := section{}
	var para []string
	flushPara := func() {
		if len(para) > 0 {
			cur.paragraphs = append(cur.paragraphs, strings.Join(para, "\n"))
			para = nil
		}
	}
	flush := func() {
		flushPara()
		if len(cur.paragraphs) > 0 {
			out = append(out, cur)
		}
		cur = section{}
	}
	for _, line := range strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n") {
		t := strings.TrimSpace(line)
		switch {
		case headingRE.MatchString(t):
			flush()
			cur.heading = headingRE.ReplaceAllString(t, "")
		case t == "":
			flushPara()
		default:
			para = append(para, t)
		}
	}
	flush()
	return out
}

var (
	linkRE     = regexp.MustCompile(`\[([^\]]*)\]\(([^)\s]+)\)`)
	emphasisRE = regexp.MustCompile("\\*\\*|__|`")
)

// plain removes Markdown emphasis and code marks and writes links as "text (address)".
func plain(s string) string {
	s = linkRE.ReplaceAllString(s, "$1 ($2)")
	return strings.TrimSpace(emphasisRE.ReplaceAllString(s, ""))
}

// clip cuts s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}
