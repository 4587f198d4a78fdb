package knowledge_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/meridian-cs/meridian/knowledge"
)

func TestParseMarkdownReadsFrontMatterAndBody(t *testing.T) {
	a, err := knowledge.ParseMarkdown([]byte("\ufeff---\r\nid: returns-de\nlanguage: de-AT\ntitle: \"Rücksendung: so geht's\"\ntags: [Returns, refund]\nproduct: ~\ntranslation_of: returns-en\n---\n\n# Rücksendung\n\nInnerhalb von **30 Tagen**.\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := knowledge.Article{ID: "returns-de", Language: "de", Title: "Rücksendung: so geht's", Tags: []string{"returns", "refund"},
		TranslationOf: "returns-en", Body: "# Rücksendung\n\nInnerhalb von **30 Tagen**."}
	if !reflect.DeepEqual(a, want) {
		t.Fatalf("got %+v\nwant %+v", a, want)
	}
}

func TestParseMarkdownNamesTheField(t *testing.T) {
	const ok = "id: a\nlanguage: en\ntitle: T\n"
	for in, field := range map[string]string{
		"no front matter":                                 "front matter",
		"---\n" + ok + "body without the close":           "front matter",
		"---\n" + ok + "colour: red\n---\nB":              `"colour"`,
		"---\n" + ok + "id: b\n---\nB":                    "id",
		"---\n" + ok + "tags: returns\n---\nB":            "tags",
		"---\n" + ok + "tags: [[a]]\n---\nB":              "tags",
		"---\nid: [a]\nlanguage: en\ntitle: T\n---\nB":    "id",
		"---\nid: a\nlanguage: klingon\ntitle: T\n---\nB": "language",
		"---\nid: a\nlanguage: en\n---\nB":                "title",
		"---\n" + ok + "---\n   \n":                       "body",
		"---\n" + ok + "translation_of: a\n---\nB":        "translation_of",
		"---\n" + ok + "title: [\n---\nB":                 "front matter",
		"---\n- a\n- b\n---\nB":                           "front matter",
		"---\n---\nB":                                     "front matter",
	} {
		_, err := knowledge.ParseMarkdown([]byte(in))
		var fe *knowledge.FieldError
		if !errors.As(err, &fe) || fe.Field != field {
			t.Errorf("%q: got %v, want an error naming %s", in, err, field)
			continue
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: the error is not one line: %q", in, err)
		}
	}
}

func TestMarkdownRoundTrips(t *testing.T) {
	for _, a := range corpus {
		a.Normalize()
		b, err := knowledge.MarshalMarkdown(a)
		if err != nil {
			t.Fatal(err)
		}
		got, err := knowledge.ParseMarkdown(b)
		if err != nil {
			t.Fatalf("%s: %v\n%s", a.ID, err, b)
		}
		if !reflect.DeepEqual(got, a) {
			t.Fatalf("%s: got %+v, want %+v", a.ID, got, a)
		}
	}
}

// FuzzParseMarkdown: any input is parsed or refused with a one-line error, never a panic;
// what is accepted is a valid article that writes and reads back the same.
func FuzzParseMarkdown(f *testing.F) {
	f.Add([]byte("---\nid: a\nlanguage: en\ntitle: T\ntags: [x, y]\nproduct: p\ntranslation_of: b\n---\nBody\n"))
	f.Add([]byte("---\nid: 1\nlanguage: zh-Hant\ntitle: '退货'\n...\n退货政策"))
	f.Add([]byte("---\r\nid: &x a\r\nlanguage: *x\r\n---\r\n"))
	f.Add([]byte("---\nid: a\nlanguage: ar\ntitle: |\n  two\n  lines\n---\nB"))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := knowledge.ParseMarkdown(data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error: %q", err)
			}
			return
		}
		if err := a.Validate(); err != nil {
			t.Fatalf("accepted an invalid article: %v", err)
		}
		b, err := knowledge.MarshalMarkdown(a)
		if err != nil {
			t.Fatal(err)
		}
		again, err := knowledge.ParseMarkdown(b)
		if err != nil {
			t.Fatalf("written form refused: %v\n%s", err, b)
		}
		if !reflect.DeepEqual(again, a) {
			t.Fatalf("round trip: %+v != %+v", again, a)
		}
	})
}

func TestReadDirPutsOriginalsFirstAndNamesTheBadFile(t *testing.T) {
	md := func(id, of string) *fstest.MapFile {
		s := "---\nid: " + id + "\nlanguage: en\ntitle: T\n"
		if of != "" {
			s += "translation_of: " + of + "\n"
		}
		return &fstest.MapFile{Data: []byte(s + "---\nBody\n")}
	}
	files, err := knowledge.ReadDir(fstest.MapFS{
		"a-de.md": md("a-de", "a"), "sub/a.md": md("a", ""), "b.MD": md("b", ""), "notes.txt": {Data: []byte("not an article")},
	}, ".")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, f.Path+"="+f.Article.ID)
	}
	if strings.Join(got, " ") != "b.MD=b sub/a.md=a a-de.md=a-de" {
		t.Fatalf("order: %v", got)
	}
	for name, fsys := range map[string]fstest.MapFS{
		`sub/x.md: language: `:                 {"a.md": md("a", ""), "sub/x.md": {Data: []byte("---\nid: x\nlanguage: xx\ntitle: T\n---\nB")}},
		`b.md: id: "a" is also the id of a.md`: {"a.md": md("a", ""), "b.md": md("a", "")},
		"big.md: larger than":                  {"big.md": {Data: make([]byte, knowledge.MaxFileBytes+1)}},
		"no .md files":                         {"x.txt": {}},
	} {
		if _, err := knowledge.ReadDir(fsys, "."); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("got %v, want %q", err, name)
		}
	}
}
