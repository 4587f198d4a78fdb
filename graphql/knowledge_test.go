package graphql_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/graphql"
	"github.com/meridian-cs/meridian/knowledge"
	"github.com/meridian-cs/meridian/store/postgres"
)

const upsertArticle = `mutation($in: ArticleInput!) { upsertArticle(input: $in) { id language title tags product translationOf updatedAt score } }`

type articleResp struct {
	ID, Language, Title string
	Tags                []string
	Product             *string
	TranslationOf       *string
	Score               *float64
}

func TestArticlesAreWrittenByManagersAndSearchedByAgents(t *testing.T) {
	h := graphql.NewHandler(graphql.Config{Engine: engine, Knowledge: knowledge.New(&postgres.Articles{DB: planPG(t)})})
	admin, agent := principal(auth.RoleAdmin), principal(auth.RoleAgent)
	for _, in := range []map[string]any{
		{"id": "returns-en", "language": "en", "title": "Returns", "body": "Return within 30 days for a refund.", "tags": []string{"Returns"}},
		{"id": "returns-de", "language": "de-DE", "title": "Zurückschicken", "body": "Eine Rücksendung ist 30 Tage lang kostenlos.", "translationOf": "returns-en", "product": "all"},
		{"id": "shipping-de", "language": "de", "title": "Versand", "body": "Wir versenden in zwei Werktagen."},
	} {
		var out struct{ UpsertArticle articleResp }
		do(t, h, admin, upsertArticle, map[string]any{"in": in}, &out)
		if out.UpsertArticle.ID != in["id"] || out.UpsertArticle.Score != nil {
			t.Fatalf("upserted: %+v", out.UpsertArticle)
		}
	}
	var found struct{ Articles []articleResp }
	do(t, h, agent, `{ articles(language: "de", query: "Rücksendungen") { id language translationOf product score } }`, nil, &found)
	if len(found.Articles) != 1 || found.Articles[0].ID != "returns-de" || found.Articles[0].Score == nil || *found.Articles[0].Score <= 0 ||
		found.Articles[0].Language != "de" || deref(found.Articles[0].TranslationOf) != "returns-en" || deref(found.Articles[0].Product) != "all" {
		t.Fatalf("search: %+v", found.Articles)
	}
	var list struct{ Articles []articleResp }
	do(t, h, principal(auth.RoleAnalyst), `{ articles { id tags score } }`, nil, &list)
	if len(list.Articles) != 3 || list.Articles[0].ID != "returns-de" || list.Articles[1].Tags[0] != "returns" || list.Articles[0].Score != nil {
		t.Fatalf("list: %+v", list.Articles)
	}
	// An agent reads but does not write; an ingest key does neither.
	if _, body := post(t, h, agent, upsertArticle, map[string]any{"in": map[string]any{"id": "x", "language": "en", "title": "T", "body": "B"}}); !strings.Contains(body, "cannot write the knowledge base") {
		t.Fatalf("agent upsert: %s", body)
	}
	if _, body := post(t, h, principal(auth.RoleIngest), `{ articles { id } }`, nil); !strings.Contains(body, "cannot read the knowledge base") {
		t.Fatalf("ingest read: %s", body)
	}
	var del struct{ DeleteArticle bool }
	do(t, h, admin, `mutation { deleteArticle(id: "shipping-de") }`, nil, &del)
	if !del.DeleteArticle {
		t.Fatal("deleting an article answered false")
	}
	do(t, h, admin, `mutation { deleteArticle(id: "shipping-de") }`, nil, &del)
	if del.DeleteArticle {
		t.Fatal("deleting it again answered true")
	}
}

func TestBadArticlesAreRefusedNamingTheFieldAndChangeNothing(t *testing.T) {
	h := graphql.NewHandler(graphql.Config{Engine: engine, Knowledge: knowledge.New(&postgres.Articles{DB: planPG(t)})})
	admin := principal(auth.RoleAdmin)
	good := map[string]any{"id": "a", "language": "en", "title": "T", "body": "B"}
	var out struct{ UpsertArticle articleResp }
	do(t, h, admin, upsertArticle, map[string]any{"in": good}, &out)
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for k, v := range good {
			m[k] = v
		}
		m["id"] = "b"
		m[k] = v
		return m
	}
	for want, in := range map[string]map[string]any{
		"upsertArticle.input.id: ":            with("id", "a b"),
		"upsertArticle.input.language: ":      with("language", "jp"),
		"upsertArticle.input.title: required": with("title", "  "),
		"upsertArticle.input.body: ":          with("body", strings.Repeat("x", knowledge.MaxBodyBytes+1)),
		"upsertArticle.input.tags: ":          with("tags", []string{""}),
		"upsertArticle.input.product: ":       with("product", "a\nb"),
		// Refused by the store, after validation: the original must exist.
		"upsertArticle.input.translationOf: no article": with("translationOf", "missing"),
	} {
		status, body := post(t, h, admin, upsertArticle, map[string]any{"in": in})
		if status != http.StatusOK || !strings.Contains(body, want) || !strings.Contains(body, `"data":null`) {
			t.Errorf("%v: %d %s, want an error with %q", in, status, body, want)
		}
	}
	for q, want := range map[string]string{
		`{ articles(language: "jp") { id } }`:                 "articles.language: ",
		`{ articles(query: "x", limit: 0) { id } }`:           "articles.limit: ",
		`{ articles(query: "x", limit: 1000) { id } }`:        "articles.limit: ",
		`mutation { upsertArticle(input: {id: "a"}) { id } }`: "language",
	} {
		if _, body := post(t, h, admin, q, nil); !strings.Contains(body, want) {
			t.Errorf("%s: %s, want %q", q, body, want)
		}
	}
	var list struct{ Articles []articleResp }
	do(t, h, admin, `{ articles { id } }`, nil, &list)
	if len(list.Articles) != 1 {
		t.Fatalf("refused writes stored something: %+v", list.Articles)
	}
	// Without a knowledge base the fields say so.
	bare := graphql.NewHandler(graphql.Config{Engine: engine})
	if _, body := post(t, bare, admin, `{ articles { id } }`, nil); !strings.Contains(body, "knowledge base is not configured") {
		t.Fatalf("unconfigured: %s", body)
	}
}

func deref[T any](p *T) T {
	var zero T
	if p != nil {
		return *p
	}
	return zero
}
