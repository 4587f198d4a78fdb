package postgres_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/meridian-cs/meridian/knowledge"
	"github.com/meridian-cs/meridian/store/postgres"
)

func TestArticlesAreStoredPerTenantWithTheirTranslationLinks(t *testing.T) {
	ctx := context.Background()
	s := &postgres.Articles{DB: open(t)}
	if rev, err := s.ArticlesRevision(ctx, "acme"); err != nil || rev != 0 {
		t.Fatalf("revision of an empty tenant: %d %v", rev, err)
	}
	en := knowledge.Article{ID: "returns-en", Language: "en", Title: "Returns", Body: "Within 30 days.", Tags: []string{"returns"}, Product: "all"}
	got, rev, err := s.UpsertArticle(ctx, "acme", en)
	if err != nil || rev != 1 || got.UpdatedAt.IsZero() {
		t.Fatalf("upsert: %+v %d %v", got, rev, err)
	}
	de := knowledge.Article{ID: "returns-de", Language: "de", Title: "Rücksendung", Body: "Innerhalb von 30 Tagen.", TranslationOf: "returns-en"}
	if _, rev, err = s.UpsertArticle(ctx, "acme", de); err != nil || rev != 2 {
		t.Fatalf("translation: %d %v", rev, err)
	}
	// Another tenant's article of the same id is another article.
	if _, rev, err = s.UpsertArticle(ctx, "globex", knowledge.Article{ID: "returns-en", Language: "en", Title: "Globex returns", Body: "No returns."}); err != nil || rev != 1 {
		t.Fatalf("other tenant: %d %v", rev, err)
	}
	for _, c := range []struct {
		why string
		a   knowledge.Article
	}{
		{"a translation of nothing", knowledge.Article{ID: "x", Language: "fr", Title: "T", Body: "B", TranslationOf: "missing"}},
		{"a translation of another tenant's article", knowledge.Article{ID: "x", Language: "fr", Title: "T", Body: "B", TranslationOf: "shipping-en"}},
		{"a translation of a translation", knowledge.Article{ID: "x", Language: "fr", Title: "T", Body: "B", TranslationOf: "returns-de"}},
		{"an original with translations made a translation", knowledge.Article{ID: "returns-en", Language: "en", Title: "T", Body: "B", TranslationOf: "returns-de"}},
	} {
		if c.why == "a translation of another tenant's article" {
			if _, _, err := s.UpsertArticle(ctx, "globex", knowledge.Article{ID: "shipping-en", Language: "en", Title: "S", Body: "B"}); err != nil {
				t.Fatal(err)
			}
		}
		_, _, err := s.UpsertArticle(ctx, "acme", c.a)
		var fe *knowledge.FieldError
		if !errors.As(err, &fe) || fe.Field != "translationOf" {
			t.Errorf("%s: %v, want a translationOf error", c.why, err)
		}
	}
	list, rev, err := s.Articles(ctx, "acme")
	if err != nil || rev != 2 || len(list) != 2 {
		t.Fatalf("after refused writes: %d articles at revision %d (%v), want 2 at 2", len(list), rev, err)
	}
	if list[1].ID != "returns-en" || !slices.Equal(list[1].Tags, []string{"returns"}) || list[1].Product != "all" || list[0].TranslationOf != "returns-en" {
		t.Fatalf("stored: %+v", list)
	}
	// Replacing keeps one row; deleting the original unlinks its translation.
	en.Body = "Within 60 days."
	if _, rev, err = s.UpsertArticle(ctx, "acme", en); err != nil || rev != 3 {
		t.Fatalf("replace: %d %v", rev, err)
	}
	if ok, rev, err := s.DeleteArticle(ctx, "acme", "missing"); ok || rev != 3 || err != nil {
		t.Fatalf("deleting nothing: %v %d %v", ok, rev, err)
	}
	if ok, rev, err := s.DeleteArticle(ctx, "acme", "returns-en"); !ok || rev != 4 || err != nil {
		t.Fatalf("delete: %v %d %v", ok, rev, err)
	}
	list, rev, _ = s.Articles(ctx, "acme")
	if rev != 4 || len(list) != 1 || list[0].ID != "returns-de" || list[0].TranslationOf != "" {
		t.Fatalf("after deleting the original: %+v at %d", list, rev)
	}
	if g, _, _ := s.Articles(ctx, "globex"); len(g) != 2 {
		t.Fatalf("the other tenant's articles: %+v", g)
	}
}

func TestArticleRevisionsFollowConcurrentWrites(t *testing.T) {
	ctx := context.Background()
	s := &postgres.Articles{DB: open(t)}
	var wg sync.WaitGroup
	revs := make([]int64, 16)
	for i := range revs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, rev, err := s.UpsertArticle(ctx, "acme", knowledge.Article{ID: "a", Language: "en", Title: "T", Body: "B"})
			if err != nil {
				t.Error(err)
			}
			revs[i] = rev
		}()
	}
	wg.Wait()
	slices.Sort(revs)
	for i, r := range revs {
		if r != int64(i+1) {
			t.Fatalf("revisions %v, want 1..16 once each", revs)
		}
	}
}

func TestKnowledgeBasesOverOneDatabaseSeeEachOthersWrites(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	one, two := knowledge.New(&postgres.Articles{DB: db}), knowledge.New(&postgres.Articles{DB: db}) // two servers
	for _, a := range []knowledge.Article{
		{ID: "returns-de", Language: "de", Title: "Zurückschicken", Body: "Eine Rücksendung ist 30 Tage lang kostenlos."},
		{ID: "shipping-de", Language: "de", Title: "Versand", Body: "Wir versenden in 2 Tagen."},
		{ID: "returns-zh", Language: "zh", Title: "退货政策", Body: "收到商品后30天内可以退货。"},
	} {
		if _, err := one.Upsert(ctx, "acme", a); err != nil {
			t.Fatal(err)
		}
	}
	hits, err := two.Search(ctx, "acme", "de", "Rücksendungen", 5)
	if err != nil || len(hits) != 1 || hits[0].Article.ID != "returns-de" {
		t.Fatalf("the other server: %+v %v", hits, err)
	}
	if hits, _ := two.Search(ctx, "acme", "zh", "我想退货", 5); len(hits) != 1 || hits[0].Article.ID != "returns-zh" {
		t.Fatalf("Chinese: %+v", hits)
	}
	if _, err := two.Delete(ctx, "acme", "returns-de"); err != nil {
		t.Fatal(err)
	}
	if hits, _ := one.Search(ctx, "acme", "de", "Rücksendungen", 5); len(hits) != 0 {
		t.Fatalf("a deleted article is still found by the first server: %+v", hits)
	}
	if list, _ := one.Articles(ctx, "acme", "de"); len(list) != 1 || list[0].ID != "shipping-de" {
		t.Fatalf("German articles: %+v", list)
	}
}
