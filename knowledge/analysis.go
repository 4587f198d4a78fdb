package knowledge

import (
	"fmt"
	"slices"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/ar"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/analysis/lang/ckb"
	"github.com/blevesearch/bleve/v2/analysis/lang/da"
	"github.com/blevesearch/bleve/v2/analysis/lang/de"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/lang/es"
	"github.com/blevesearch/bleve/v2/analysis/lang/fa"
	"github.com/blevesearch/bleve/v2/analysis/lang/fi"
	"github.com/blevesearch/bleve/v2/analysis/lang/fr"
	"github.com/blevesearch/bleve/v2/analysis/lang/hi"
	"github.com/blevesearch/bleve/v2/analysis/lang/hr"
	"github.com/blevesearch/bleve/v2/analysis/lang/hu"
	"github.com/blevesearch/bleve/v2/analysis/lang/id"
	"github.com/blevesearch/bleve/v2/analysis/lang/it"
	"github.com/blevesearch/bleve/v2/analysis/lang/nl"
	"github.com/blevesearch/bleve/v2/analysis/lang/no"
	"github.com/blevesearch/bleve/v2/analysis/lang/pt"
	"github.com/blevesearch/bleve/v2/analysis/lang/ro"
	"github.com/blevesearch/bleve/v2/analysis/lang/ru"
	"github.com/blevesearch/bleve/v2/analysis/lang/sv"
	"github.com/blevesearch/bleve/v2/analysis/lang/tr"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	bleveunicode "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"
)

// Analyzers of our own, beside Bleve's language analyzers.
const (
	// thaiAnalyzer cuts Thai into bigrams of character clusters (thaiTokenizer).
	thaiAnalyzer = "meridian_th"
	// indonesianAnalyzer drops Indonesian stop words; Bleve has no Indonesian stemmer.
	indonesianAnalyzer = "meridian_id"
	// plainAnalyzer is for languages without an analyzer: Unicode words, lower-cased.
	plainAnalyzer     = "meridian_plain"
	thaiTokenizerName = "meridian_thai"
)

// analyzers maps a base language to the analyzer of its text: Bleve's stemming analyzers
// for European languages, Arabic (normalisation of alef, ya and ta marbuta forms,
// diacritics removed, light stemming), Persian and Hindi; CJK bigrams for Chinese, Japanese
// and Korean, which write words without spaces; our Thai cluster bigrams. Any other
// language gets plainAnalyzer.
var analyzers = map[string]string{
	"en": en.AnalyzerName, "de": de.AnalyzerName, "fr": fr.AnalyzerName, "es": es.AnalyzerName,
	"it": it.AnalyzerName, "pt": pt.AnalyzerName, "nl": nl.AnalyzerName, "sv": sv.AnalyzerName,
	"da": da.AnalyzerName, "no": no.AnalyzerName, "nb": no.AnalyzerName, "nn": no.AnalyzerName,
	"fi": fi.AnalyzerName, "ru": ru.AnalyzerName, "tr": tr.AnalyzerName, "ro": ro.AnalyzerName,
	"hu": hu.AnalyzerName, "hr": hr.AnalyzerName, "ar": ar.AnalyzerName, "fa": fa.AnalyzerName,
	"hi": hi.AnalyzerName, "ckb": ckb.AnalyzerName,
	"zh": cjk.AnalyzerName, "ja": cjk.AnalyzerName, "ko": cjk.AnalyzerName,
	"th": thaiAnalyzer, "id": indonesianAnalyzer,
}

// analyzerFor returns the analyzer of a base language.
func analyzerFor(lang string) string {
	if a, ok := analyzers[lang]; ok {
		return a
	}
	return plainAnalyzer
}

// allAnalyzers lists every analyzer an article can be indexed with, once each.
func allAnalyzers() []string {
	var out []string
	for _, a := range analyzers {
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	out = append(out, plainAnalyzer)
	slices.Sort(out)
	return out
}

// Field names in the index. Each analyzer has its own title, body and tags fields, so one
// index per tenant holds every language, each analysed (and its queries analysed) its way.
const langField = "lang"

func titleField(analyzer string) string { return "title_" + analyzer }
func bodyField(analyzer string) string  { return "body_" + analyzer }
func tagsField(analyzer string) string  { return "tags_" + analyzer }

// newMapping is the index mapping: a static document with the language as a keyword and the
// text fields of every analyzer; nothing is stored (the articles are kept beside the index).
func newMapping() (*mapping.IndexMappingImpl, error) {
	im := mapping.NewIndexMapping()
	for name, def := range map[string]map[string]any{
		thaiAnalyzer:       {"type": custom.Name, "tokenizer": thaiTokenizerName, "token_filters": []any{lowercase.Name}},
		indonesianAnalyzer: {"type": custom.Name, "tokenizer": bleveunicode.Name, "token_filters": []any{lowercase.Name, id.StopName}},
		plainAnalyzer:      {"type": custom.Name, "tokenizer": bleveunicode.Name, "token_filters": []any{lowercase.Name}},
	} {
		if err := im.AddCustomAnalyzer(name, def); err != nil {
			return nil, fmt.Errorf("knowledge: analyzer %s: %w", name, err)
		}
	}
	doc := mapping.NewDocumentStaticMapping()
	lang := mapping.NewKeywordFieldMapping()
	lang.Store, lang.IncludeInAll = false, false
	doc.AddFieldMappingsAt(langField, lang)
	for _, a := range allAnalyzers() {
		for _, name := range []string{titleField(a), bodyField(a), tagsField(a)} {
			f := mapping.NewTextFieldMapping()
			f.Analyzer, f.Store, f.IncludeInAll, f.IncludeTermVectors = a, false, false, false
			doc.AddFieldMappingsAt(name, f)
		}
	}
	im.DefaultMapping = doc
	im.DefaultAnalyzer = keyword.Name
	return im, nil
}

func init() {
	if err := registry.RegisterTokenizer(thaiTokenizerName, func(map[string]any, *registry.Cache) (analysis.Tokenizer, error) {
		return thaiTokenizer{words: bleveunicode.NewUnicodeTokenizer()}, nil
	}); err != nil {
		panic(err)
	}
}

// thaiTokenizer segments text with Thai in it. Thai writes words without spaces, and Unicode
// word segmentation (Bleve's tokenizer) drops Thai letters altogether, so a Thai run becomes
// overlapping bigrams of character clusters — a base character with the vowel and tone marks
// written on it — as Lucene's CJK analysis does for Han: no dictionary ships, and a query
// matches an article by the bigrams they share (คืนสินค้า and การคืนสินค้า share คื|น, น|สิ,
// สิ|น, น|ค้, ค้|า). Other text in the field (Latin product names, digits) is left to the
// Unicode tokenizer.
type thaiTokenizer struct {
	words analysis.Tokenizer
}

func isThai(r rune) bool { return r >= 0x0E01 && r <= 0x0E4E }

func (t thaiTokenizer) Tokenize(input []byte) analysis.TokenStream {
	var out analysis.TokenStream
	pos := 0
	emit := func(start, end int, typ analysis.TokenType) {
		pos++
		out = append(out, &analysis.Token{Start: start, End: end, Term: input[start:end:end], Position: pos, Type: typ})
	}
	for i := 0; i < len(input); {
		r, _ := utf8.DecodeRune(input[i:])
		j := i
		if !isThai(r) {
			for j < len(input) {
				r, n := utf8.DecodeRune(input[j:])
				if isThai(r) {
					break
				}
				j += n
			}
			for _, tok := range t.words.Tokenize(input[i:j]) {
				emit(i+tok.Start, i+tok.End, tok.Type)
			}
			i = j
			continue
		}
		// A Thai run: cluster boundaries, then bigrams of clusters.
		bounds := []int{i}
		for j < len(input) {
			r, n := utf8.DecodeRune(input[j:])
			if !isThai(r) {
				break
			}
			j += n
			if j < len(input) {
				next, _ := utf8.DecodeRune(input[j:])
				if isThai(next) && !unicode.Is(unicode.Mn, next) {
					bounds = append(bounds, j)
				}
			}
		}
		bounds = append(bounds, j)
		if len(bounds) == 2 {
			emit(bounds[0], bounds[1], analysis.Ideographic)
		}
		for k := 0; k+2 < len(bounds); k++ {
			emit(bounds[k], bounds[k+2], analysis.Ideographic)
		}
		i = j
	}
	return out
}
