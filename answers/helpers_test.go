package answers_test

import (
	"context"
	"testing"

	"github.com/meridian-cs/meridian/examples/kb"
	"github.com/meridian-cs/meridian/knowledge"
	"github.com/meridian-cs/meridian/knowledge/knowledgetest"
)

// demoBase is a knowledge base holding the demo's articles (examples/kb) for tenant "t".
func demoBase(t testing.TB) *knowledge.Base {
	t.Helper()
	b := knowledge.New(knowledgetest.NewStore())
	t.Cleanup(b.Close)
	files, err := knowledge.ReadDir(kb.Files, ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if _, err := b.Upsert(context.Background(), "t", f.Article); err != nil {
			t.Fatal(err)
		}
	}
	return b
}
