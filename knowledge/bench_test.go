package knowledge_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/meridian-cs/meridian/examples/kb"
	"github.com/meridian-cs/meridian/knowledge"
	"github.com/meridian-cs/meridian/knowledge/knowledgetest"
)

// demoBase returns a Base with the demo knowledge base copied n times (distinct ids), its
// index built.
var stores = map[*knowledge.Base]knowledge.Store{}

func storeOf(b *knowledge.Base) knowledge.Store { return stores[b] }

func demoBase(b *testing.B, copies int) *knowledge.Base {
	b.Helper()
	files, err := knowledge.ReadDir(kb.Files, ".")
	if err != nil {
		b.Fatal(err)
	}
	store := knowledgetest.NewStore()
	for c := range copies {
		for _, f := range files {
			a := f.Article
			a.ID = fmt.Sprintf("%s.%d", a.ID, c)
			if a.TranslationOf != "" {
				a.TranslationOf = fmt.Sprintf("%s.%d", a.TranslationOf, c)
			}
			if _, _, err := store.UpsertArticle(context.Background(), "demo", a); err != nil {
				b.Fatal(err)
			}
		}
	}
	base := knowledge.New(store)
	stores[base] = store
	if _, err := base.Search(context.Background(), "demo", "", "warm up", 1); err != nil { // builds the index
		b.Fatal(err)
	}
	return base
}

// BenchmarkRebuild: reading and indexing a tenant's articles anew (a first read, or a read
// after another server wrote), for the demo's 45 articles and 100 times as many.
func BenchmarkRebuild(b *testing.B) {
	for _, copies := range []int{1, 100} {
		b.Run(fmt.Sprintf("articles=%d", 45*copies), func(b *testing.B) {
			base := demoBase(b, copies)
			for b.Loop() {
				// A fresh Base builds its index on the first search.
				fresh := knowledge.New(storeOf(base))
				if _, err := fresh.Search(context.Background(), "demo", "en", "refund", 1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSearch: one question in a language, against an index already built.
func BenchmarkSearch(b *testing.B) {
	for _, copies := range []int{1, 100} {
		base := demoBase(b, copies)
		for lang, q := range map[string]string{"de": "Wie funktionieren Rücksendungen?", "ja": "返品したいのですが、どうすればいいですか", "th": "ต้องการคืนสินค้า ต้องทำอย่างไร", "any": "refund"} {
			l := lang
			if l == "any" {
				l = ""
			}
			b.Run(fmt.Sprintf("articles=%d/%s", 45*copies, lang), func(b *testing.B) {
				for b.Loop() {
					if hits, err := base.Search(context.Background(), "demo", l, q, 5); err != nil || len(hits) == 0 {
						b.Fatal(hits, err)
					}
				}
			})
		}
	}
}
