package graphql

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/graphql/generated"
	"github.com/meridian-cs/meridian/knowledge"
)

func errNoKnowledge(what string) error {
	return statusErrorf(http.StatusServiceUnavailable, "%s: the knowledge base is not configured on this server", what)
}

func articleOut(a knowledge.Article, score *float64) generated.Article {
	out := generated.Article{ID: a.ID, Language: a.Language, Title: a.Title, Body: a.Body, Tags: a.Tags, UpdatedAt: a.UpdatedAt, Score: score}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	if a.Product != "" {
		out.Product = &a.Product
	}
	if a.TranslationOf != "" {
		out.TranslationOf = &a.TranslationOf
	}
	return out
}

func (r queryResolver) Articles(ctx context.Context, language, query *string, limit *int) ([]generated.Article, error) {
	p, err := r.principalFor(ctx, auth.ActionReadKnowledge, "")
	if err != nil {
		return nil, err
	}
	if r.knowledge == nil {
		return nil, errNoKnowledge("articles")
	}
	lang := ""
	if language != nil {
		var ok bool
		if lang, ok = knowledge.BaseLanguage(*language); !ok {
			return nil, statusErrorf(http.StatusBadRequest, "articles.language: %.40q is not a BCP-47 language tag (en, de, pt-BR, ...)", *language)
		}
	}
	if limit != nil && (*limit < 1 || *limit > knowledge.MaxLimit) {
		return nil, statusErrorf(http.StatusBadRequest, "articles.limit: %d is not from 1 to %d", *limit, knowledge.MaxLimit)
	}
	if query == nil {
		list, err := r.knowledge.Articles(ctx, p.Tenant, lang)
		if err != nil {
			return nil, r.fail(ctx, err)
		}
		out := make([]generated.Article, len(list))
		for i, a := range list {
			out[i] = articleOut(a, nil)
		}
		return out, nil
	}
	hits, err := r.knowledge.Search(ctx, p.Tenant, lang, *query, deref(limit))
	if err != nil {
		return nil, r.fail(ctx, err)
	}
	out := make([]generated.Article, len(hits))
	for i, h := range hits {
		out[i] = articleOut(h.Article, &h.Score)
	}
	return out, nil
}

func (r mutationResolver) UpsertArticle(ctx context.Context, in generated.ArticleInput) (*generated.Article, error) {
	p, err := r.principalFor(ctx, auth.ActionManageKnowledge, "")
	if err != nil {
		return nil, err
	}
	if r.knowledge == nil {
		return nil, errNoKnowledge("upsertArticle")
	}
	a := knowledge.Article{ID: in.ID, Language: in.Language, Title: in.Title, Body: in.Body, Tags: in.Tags,
		Product: deref(in.Product), TranslationOf: deref(in.TranslationOf)}
	got, err := r.knowledge.Upsert(ctx, p.Tenant, a)
	var fe *knowledge.FieldError
	if errors.As(err, &fe) {
		return nil, statusErrorf(http.StatusBadRequest, "upsertArticle.input.%s: %s", fe.Field, fe.Reason)
	}
	if err != nil {
		return nil, r.fail(ctx, fmt.Errorf("upsert article: %w", err))
	}
	out := articleOut(got, nil)
	return &out, nil
}

func (r mutationResolver) DeleteArticle(ctx context.Context, id string) (bool, error) {
	p, err := r.principalFor(ctx, auth.ActionManageKnowledge, "")
	if err != nil {
		return false, err
	}
	if r.knowledge == nil {
		return false, errNoKnowledge("deleteArticle")
	}
	deleted, err := r.knowledge.Delete(ctx, p.Tenant, id)
	if err != nil {
		return false, r.fail(ctx, fmt.Errorf("delete article: %w", err))
	}
	return deleted, nil
}
