package knowledge

import (
	"bytes"
	"cmp"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Front-matter keys of an article's Markdown file, and the Article field each fills.
var frontMatterKeys = map[string]string{
	"id": "id", "language": "language", "title": "title", "tags": "tags",
	"product": "product", "translation_of": "translationOf",
}

// FrontMatterKey returns the front-matter key of an Article field as FieldError names it
// ("translationOf" → "translation_of"; the body is "body").
func FrontMatterKey(field string) string {
	for k, f := range frontMatterKeys {
		if f == field {
			return k
		}
	}
	return field
}

// ParseMarkdown reads an article from Markdown with YAML front matter:
//
//	---
//	id: returns-de
//	language: de
//	title: Rücksendungen und Erstattungen
//	tags: [returns, refund]
//	product: ""
//	translation_of: returns-en
//	---
//	The body, in Markdown.
//
// The article is normalised and validated. Errors are one line; a *FieldError names the
// front-matter key (translation_of, not translationOf), or "front matter" for its form.
func ParseMarkdown(data []byte) (Article, error) {
	var a Article
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	head, body, err := splitFrontMatter(data)
	if err != nil {
		return a, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(head, &doc); err != nil {
		return a, &FieldError{"front matter", oneLine(err.Error())}
	}
	if len(doc.Content) == 0 {
		return a, &FieldError{"front matter", "empty: it needs at least id, language and title"}
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode {
		return a, &FieldError{"front matter", "not a mapping of keys to values"}
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		key := k.Value
		if _, ok := frontMatterKeys[key]; !ok || k.Kind != yaml.ScalarNode {
			return a, &FieldError{fmt.Sprintf("%.40q", key), fmt.Sprintf("line %d: not a front-matter key (id, language, title, tags, product, translation_of)", k.Line)}
		}
		if seen[key] {
			return a, &FieldError{key, fmt.Sprintf("line %d: given twice", k.Line)}
		}
		seen[key] = true
		if key == "tags" {
			tags, err := stringList(v)
			if err != nil {
				return a, &FieldError{key, fmt.Sprintf("line %d: %s", v.Line, err)}
			}
			a.Tags = tags
			continue
		}
		s, err := scalar(v)
		if err != nil {
			return a, &FieldError{key, fmt.Sprintf("line %d: %s", v.Line, err)}
		}
		switch key {
		case "id":
			a.ID = s
		case "language":
			a.Language = s
		case "title":
			a.Title = s
		case "product":
			a.Product = s
		case "translation_of":
			a.TranslationOf = s
		}
	}
	a.Body = strings.TrimSpace(string(body))
	a.Normalize()
	if err := a.Validate(); err != nil {
		if fe, ok := err.(*FieldError); ok {
			return a, &FieldError{FrontMatterKey(fe.Field), fe.Reason}
		}
		return a, err
	}
	return a, nil
}

// splitFrontMatter cuts the front matter (between a first line "---" and the next line
// "---" or "...") from the body.
func splitFrontMatter(data []byte) (head, body []byte, err error) {
	line, rest, _ := bytes.Cut(data, []byte("\n"))
	if string(bytes.TrimRight(line, " \t\r")) != "---" {
		return nil, nil, &FieldError{"front matter", "missing: the file must start with a line ---"}
	}
	off := 0
	for off <= len(rest) {
		l, after, found := bytes.Cut(rest[off:], []byte("\n"))
		if t := string(bytes.TrimRight(l, " \t\r")); t == "---" || t == "..." {
			return rest[:off], after, nil
		}
		if !found {
			break
		}
		off += len(l) + 1
	}
	return nil, nil, &FieldError{"front matter", "not closed by a line ---"}
}

func scalar(n *yaml.Node) (string, error) {
	if n.Kind == yaml.AliasNode || n.Kind != yaml.ScalarNode {
		return "", fmt.Errorf("a single value, not a list or mapping")
	}
	if n.Tag == "!!null" {
		return "", nil
	}
	return n.Value, nil
}

func stringList(n *yaml.Node) ([]string, error) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("a list of tags, e.g. [returns, refund]")
	}
	out := make([]string, 0, len(n.Content))
	for _, c := range n.Content {
		if c.Kind != yaml.ScalarNode || c.Tag == "!!null" {
			return nil, fmt.Errorf("a list of tags, e.g. [returns, refund]")
		}
		out = append(out, c.Value)
	}
	return out, nil
}

// oneLine joins a multi-line message (yaml's errors) into one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.TrimPrefix(s, "yaml: ")), " ")
}

// MarshalMarkdown writes an article as ParseMarkdown reads it.
func MarshalMarkdown(a Article) ([]byte, error) {
	fm := struct {
		ID            string   `yaml:"id"`
		Language      string   `yaml:"language"`
		Title         string   `yaml:"title"`
		Tags          []string `yaml:"tags,omitempty,flow"`
		Product       string   `yaml:"product,omitempty"`
		TranslationOf string   `yaml:"translation_of,omitempty"`
	}{a.ID, a.Language, a.Title, a.Tags, a.Product, a.TranslationOf}
	head, err := yaml.Marshal(fm)
	if err != nil {
		return nil, fmt.Errorf("knowledge: %w", err)
	}
	var b bytes.Buffer
	b.WriteString("---\n")
	b.Write(head)
	b.WriteString("---\n")
	b.WriteString(a.Body)
	b.WriteString("\n")
	return b.Bytes(), nil
}

// File is an article read from a file of a directory.
type File struct {
	Path    string
	Article Article
}

// MaxFileBytes is the largest article file ReadDir reads: a body of MaxBodyBytes and room
// for its front matter.
const MaxFileBytes = MaxBodyBytes + 16<<10

// ReadDir reads every .md file under root in fsys (sorted by path), checks each, and returns
// them with originals before translations, so that a server given them in order finds each
// translation's original already there. The first bad file stops it: its error names the
// file and the front-matter key. Two files with one id are an error too.
func ReadDir(fsys fs.FS, root string) ([]File, error) {
	var files []File
	seen := map[string]string{}
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.EqualFold(path.Ext(p), ".md") {
			return nil
		}
		name := p
		if root != "." {
			name = strings.TrimPrefix(p, root+"/")
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Size() > MaxFileBytes {
			return fmt.Errorf("%s: larger than %d KiB", name, MaxFileBytes>>10)
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		a, err := ParseMarkdown(data)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if other, dup := seen[a.ID]; dup {
			return fmt.Errorf("%s: id: %q is also the id of %s", name, a.ID, other)
		}
		seen[a.ID] = name
		files = append(files, File{Path: name, Article: a})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no .md files in %s", root)
	}
	slices.SortStableFunc(files, func(x, y File) int {
		return cmp.Compare(boolInt(x.Article.TranslationOf != ""), boolInt(y.Article.TranslationOf != ""))
	})
	return files, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
