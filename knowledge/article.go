package knowledge

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
)

// Article is one knowledge-base article of a tenant. Translations of one article are
// separate articles (each with its own id and language) whose TranslationOf names the
// original.
type Article struct {
	// ID is the tenant's own id: letters, digits, '.', '_' and '-', at most 128 bytes.
	ID string
	// Language is a BCP 47 base language ("de", "zh", "pt"); Normalize reduces a longer tag
	// ("pt-BR", "zh-Hant") to its base.
	Language string
	Title    string
	// Body is Markdown.
	Body string
	// Tags are lower-cased and unique.
	Tags    []string
	Product string
	// TranslationOf is the id of the article this one translates; "" for an original.
	TranslationOf string
	// UpdatedAt is set by the store when the article is written.
	UpdatedAt time.Time
}

// Limits of an article's fields.
const (
	MaxIDBytes      = 128
	MaxTitleRunes   = 300
	MaxBodyBytes    = 256 << 10
	MaxTags         = 32
	MaxTagBytes     = 64
	MaxProductBytes = 128
)

// FieldError says which field of an article is wrong and why. Field is the GraphQL input's
// name (id, language, title, body, tags, product, translationOf).
type FieldError struct {
	Field, Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// ErrNotFound is returned for an article that does not exist.
var ErrNotFound = errors.New("knowledge: no such article")

// Normalize trims what compares without surrounding space, lower-cases tags and removes
// their duplicates, and reduces the language to its base ("pt-BR" → "pt"). A language that
// is not a BCP 47 tag is left as it is, for Validate to refuse.
func (a *Article) Normalize() {
	a.ID, a.Title, a.Product, a.TranslationOf = strings.TrimSpace(a.ID), strings.TrimSpace(a.Title), strings.TrimSpace(a.Product), strings.TrimSpace(a.TranslationOf)
	if base, ok := BaseLanguage(a.Language); ok {
		a.Language = base
	}
	var tags []string
	for _, t := range a.Tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	a.Tags = tags
}

// BaseLanguage returns the base language of a BCP 47 tag ("pt-BR" → "pt", "in" → "id"),
// and false for what is not a tag of a known language.
func BaseLanguage(tag string) (string, bool) {
	tag = strings.ReplaceAll(strings.TrimSpace(tag), "_", "-")
	if tag == "" || len(tag) > 35 {
		return "", false
	}
	t, err := language.Parse(tag)
	if err != nil {
		return "", false
	}
	base, conf := t.Base()
	if conf != language.Exact || base.String() == "und" {
		return "", false
	}
	return base.String(), true
}

// Validate checks a normalised article; the error is a *FieldError.
func (a Article) Validate() error {
	if err := checkID("id", a.ID); err != nil {
		return err
	}
	if base, ok := BaseLanguage(a.Language); !ok || base != a.Language {
		return &FieldError{"language", fmt.Sprintf("%q is not a BCP 47 base language (en, de, zh, pt, ...)", a.Language)}
	}
	switch {
	case a.Title == "":
		return &FieldError{"title", "required"}
	case !utf8.ValidString(a.Title):
		return &FieldError{"title", "not valid UTF-8"}
	case utf8.RuneCountInString(a.Title) > MaxTitleRunes:
		return &FieldError{"title", fmt.Sprintf("longer than %d characters", MaxTitleRunes)}
	case hasControl(a.Title, false):
		return &FieldError{"title", "one line without control characters"}
	}
	switch {
	case strings.TrimSpace(a.Body) == "":
		return &FieldError{"body", "required"}
	case len(a.Body) > MaxBodyBytes:
		return &FieldError{"body", fmt.Sprintf("larger than %d KiB", MaxBodyBytes>>10)}
	case !utf8.ValidString(a.Body):
		return &FieldError{"body", "not valid UTF-8"}
	case hasControl(a.Body, true):
		return &FieldError{"body", "control characters other than tab and line breaks"}
	}
	if len(a.Tags) > MaxTags {
		return &FieldError{"tags", fmt.Sprintf("more than %d tags", MaxTags)}
	}
	for _, t := range a.Tags {
		switch {
		case t == "":
			return &FieldError{"tags", "an empty tag"}
		case len(t) > MaxTagBytes || !utf8.ValidString(t) || hasControl(t, false):
			return &FieldError{"tags", fmt.Sprintf("%.40q: a tag is one line of at most %d bytes", t, MaxTagBytes)}
		}
	}
	if len(a.Product) > MaxProductBytes || !utf8.ValidString(a.Product) || hasControl(a.Product, false) {
		return &FieldError{"product", fmt.Sprintf("one line of at most %d bytes", MaxProductBytes)}
	}
	if a.TranslationOf != "" {
		if err := checkID("translationOf", a.TranslationOf); err != nil {
			return err
		}
		if a.TranslationOf == a.ID {
			return &FieldError{"translationOf", "an article cannot be a translation of itself"}
		}
	}
	return nil
}

func checkID(field, id string) error {
	if id == "" {
		return &FieldError{field, "required"}
	}
	if len(id) > MaxIDBytes {
		return &FieldError{field, fmt.Sprintf("longer than %d bytes", MaxIDBytes)}
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return &FieldError{field, fmt.Sprintf("%.40q: only letters, digits, '.', '_' and '-'", id)}
		}
	}
	return nil
}

// hasControl reports control characters (NUL included, which PostgreSQL's text cannot
// hold); multiline allows tab, CR and LF.
func hasControl(s string, multiline bool) bool {
	for _, c := range s {
		if multiline && (c == '\n' || c == '\r' || c == '\t') {
			continue
		}
		if unicode.IsControl(c) {
			return true
		}
	}
	return false
}
