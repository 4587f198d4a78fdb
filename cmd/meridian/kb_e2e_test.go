package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// `meridian kb import` sends the demo's knowledge base to a running server through its API;
// the server answers searches in each language from it at once. A folder with a bad file
// changes nothing and the error names the file and the field, in one line.
func TestKnowledgeBaseIsImportedIntoARunningServer(t *testing.T) {
	s := startServer(t, t.TempDir())
	server := "http://" + s.addr
	code, out, errs := runCLI(t, "kb", "import", filepath.Join("..", "..", "examples", "kb"), "--server", server, "--api-key", testKey)
	if code != 0 || !strings.Contains(out, "45 articles imported") {
		t.Fatalf("kb import: exit %d, %q %q", code, out, errs)
	}
	count := func() int { return len(s.gql(t, `{ articles { id } }`, nil)["articles"].([]any)) }
	if n := count(); n != 45 {
		t.Fatalf("%d articles after the import, want 45", n)
	}
	for q, want := range map[string]string{
		`{ articles(language: "de", query: "Wie funktionieren Rücksendungen?", limit: 3) { id score translationOf } }`: "returns-de",
		`{ articles(language: "ja", query: "返品したいのですが", limit: 3) { id score translationOf } }`:                        "returns-ja",
		`{ articles(language: "th", query: "จ่ายด้วยพร้อมเพย์ได้ไหม", limit: 3) { id score translationOf } }`:          "payment-methods-th",
		`{ articles(language: "ar", query: "متى يصل الشحن؟", limit: 3) { id score translationOf } }`:                   "shipping-ar",
	} {
		hits := s.gql(t, q, nil)["articles"].([]any)
		var first map[string]any
		if len(hits) > 0 {
			first, _ = hits[0].(map[string]any)
		}
		if first["id"] != want || first["score"] == nil || first["translationOf"] == nil {
			t.Errorf("%s: %v, want %s first", q, hits, want)
		}
	}
	// Importing again replaces, adds nothing.
	if code, out, errs := runCLI(t, "kb", "import", filepath.Join("..", "..", "examples", "kb"), "--server", server, "--api-key", testKey); code != 0 || count() != 45 {
		t.Fatalf("second import: exit %d, %q %q; %d articles", code, out, errs, count())
	}

	good := "---\nid: gift-cards-en\nlanguage: en\ntitle: Gift cards\n---\nGift cards never expire.\n"
	// In order: the last one is refused by the server after its original went in.
	for _, c := range []struct{ name, file, want string }{
		{"checked before sending", "---\nid: gift-cards-de\nlanguage: deutsch\ntitle: Gutscheine\n---\nB\n", "gift-cards-de.md: language: "},
		{"an unknown key", "---\nid: gift-cards-de\nlanguage: de\ntitle: Gutscheine\ntranslation-of: gift-cards-en\n---\nB\n", `gift-cards-de.md: "translation-of": line 4`},
		{"refused by the server", "---\nid: gift-cards-de\nlanguage: de\ntitle: Gutscheine\ntranslation_of: nowhere\n---\nB\n", "gift-cards-de.md: upsertArticle.input.translationOf: "},
	} {
		name := c.name
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "gift-cards-en.md"), []byte(good), 0o644)
		os.WriteFile(filepath.Join(dir, "gift-cards-de.md"), []byte(c.file), 0o644)
		code, _, errs := runCLI(t, "kb", "import", dir, "--server", server, "--api-key", testKey)
		if code == 0 || !strings.Contains(errs, c.want) || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("%s: exit %d, %q, want one line with %q", name, code, errs, c.want)
		}
		if name != "refused by the server" && count() != 45 {
			t.Errorf("%s: a folder with a bad file imported something (%d articles)", name, count())
		}
	}
	// The server refused the last file only after its original went in: originals first.
	if n := count(); n != 46 {
		t.Errorf("%d articles, want 46 (the gift-card original imported before its refused translation)", n)
	}
	if code, _, errs := runCLI(t, "kb", "import", t.TempDir(), "--server", server, "--api-key", testKey); code == 0 || !strings.Contains(errs, "no .md files") {
		t.Errorf("an empty folder: exit %d, %q", code, errs)
	}
	if code, _, errs := runCLI(t, "kb", "import", filepath.Join("..", "..", "examples", "kb"), "--server", "http://"+freeAddr(t), "--api-key", testKey); code == 0 || !strings.Contains(errs, "the server at") {
		t.Errorf("no server: exit %d, %q", code, errs)
	}
	if code, _, errs := runCLI(t, "kb", "import", filepath.Join("..", "..", "examples", "kb"), "--server", server, "--api-key", "wrong"); code == 0 || errs == "" {
		t.Errorf("a wrong key: exit %d, %q", code, errs)
	}
}
