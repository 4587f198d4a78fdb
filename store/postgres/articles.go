package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/meridian-cs/meridian/knowledge"
)

// Articles is knowledge.Store: each tenant's knowledge-base articles in the global schema
// (meridian.articles), with the tenant's revision (meridian.article_revisions) moved in the
// transaction of every write.
type Articles struct {
	DB *DB
}

var _ knowledge.Store = (*Articles)(nil)

// bumpRevision increments the tenant's revision. Every write takes this row lock first, so
// the writes of one tenant are serialised: the checks of translation links below cannot
// race, and revisions follow the order of commits.
func bumpRevision(ctx context.Context, tx pgx.Tx, tenant string) (int64, error) {
	var rev int64
	err := tx.QueryRow(ctx, `INSERT INTO meridian.article_revisions (tenant_id, revision) VALUES ($1, 1)
		ON CONFLICT (tenant_id) DO UPDATE SET revision = article_revisions.revision + 1 RETURNING revision`, tenant).Scan(&rev)
	return rev, err
}

// UpsertArticle implements knowledge.Store.
func (s *Articles) UpsertArticle(ctx context.Context, tenant string, a knowledge.Article) (knowledge.Article, int64, error) {
	tx, err := s.DB.Pool.Begin(ctx)
	if err != nil {
		return a, 0, fmt.Errorf("articles: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	rev, err := bumpRevision(ctx, tx, tenant)
	if err != nil {
		return a, 0, fmt.Errorf("articles: %w", err)
	}
	if a.TranslationOf != "" {
		// Translations hang off one original: no chains, so "the translations of X" is one
		// lookup.
		var of *string
		err := tx.QueryRow(ctx, `SELECT translation_of FROM meridian.articles WHERE tenant_id = $1 AND id = $2`, tenant, a.TranslationOf).Scan(&of)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return a, 0, &knowledge.FieldError{Field: "translationOf", Reason: fmt.Sprintf("no article %q", a.TranslationOf)}
		case err != nil:
			return a, 0, fmt.Errorf("articles: %w", err)
		case of != nil:
			return a, 0, &knowledge.FieldError{Field: "translationOf", Reason: fmt.Sprintf("%q is itself a translation (of %q): name the original", a.TranslationOf, *of)}
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM meridian.articles WHERE tenant_id = $1 AND translation_of = $2`, tenant, a.ID).Scan(&n); err != nil {
			return a, 0, fmt.Errorf("articles: %w", err)
		}
		if n > 0 {
			return a, 0, &knowledge.FieldError{Field: "translationOf", Reason: fmt.Sprintf("%q has %d translations of its own, so it cannot be a translation", a.ID, n)}
		}
	}
	var of *string
	if a.TranslationOf != "" {
		of = &a.TranslationOf
	}
	tags := a.Tags
	if tags == nil {
		tags = []string{}
	}
	err = tx.QueryRow(ctx, `INSERT INTO meridian.articles (tenant_id, id, language, title, body, tags, product, translation_of)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (tenant_id, id) DO UPDATE SET language = EXCLUDED.language, title = EXCLUDED.title, body = EXCLUDED.body,
			tags = EXCLUDED.tags, product = EXCLUDED.product, translation_of = EXCLUDED.translation_of, updated_at = now()
		RETURNING updated_at`, tenant, a.ID, a.Language, a.Title, a.Body, tags, a.Product, of).Scan(&a.UpdatedAt)
	if err != nil {
		return a, 0, fmt.Errorf("articles: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return a, 0, fmt.Errorf("articles: %w", err)
	}
	return a, rev, nil
}

// DeleteArticle implements knowledge.Store.
func (s *Articles) DeleteArticle(ctx context.Context, tenant, id string) (bool, int64, error) {
	tx, err := s.DB.Pool.Begin(ctx)
	if err != nil {
		return false, 0, fmt.Errorf("articles: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	rev, err := bumpRevision(ctx, tx, tenant)
	if err != nil {
		return false, 0, fmt.Errorf("articles: %w", err)
	}
	tag, err := tx.Exec(ctx, `DELETE FROM meridian.articles WHERE tenant_id = $1 AND id = $2`, tenant, id)
	if err != nil {
		return false, 0, fmt.Errorf("articles: %w", err)
	}
	if tag.RowsAffected() == 0 {
		// Nothing changed: the rollback leaves the revision where it was.
		return false, rev - 1, nil
	}
	if err := tx.Commit(ctx); err != nil {
		return false, 0, fmt.Errorf("articles: %w", err)
	}
	return true, rev, nil
}

// Articles implements knowledge.Store: the articles and the revision from one snapshot.
func (s *Articles) Articles(ctx context.Context, tenant string) ([]knowledge.Article, int64, error) {
	tx, err := s.DB.Pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, 0, fmt.Errorf("articles: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read-only
	rev, err := revision(ctx, tx, tenant)
	if err != nil {
		return nil, 0, err
	}
	rows, err := tx.Query(ctx, `SELECT id, language, title, body, tags, product, coalesce(translation_of, ''), updated_at
		FROM meridian.articles WHERE tenant_id = $1 ORDER BY id`, tenant)
	if err != nil {
		return nil, 0, fmt.Errorf("articles: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (knowledge.Article, error) {
		var a knowledge.Article
		err := row.Scan(&a.ID, &a.Language, &a.Title, &a.Body, &a.Tags, &a.Product, &a.TranslationOf, &a.UpdatedAt)
		if len(a.Tags) == 0 {
			a.Tags = nil
		}
		return a, err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("articles: %w", err)
	}
	return out, rev, nil
}

// ArticlesRevision implements knowledge.Store.
func (s *Articles) ArticlesRevision(ctx context.Context, tenant string) (int64, error) {
	return revision(ctx, s.DB.Pool, tenant)
}

func revision(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, tenant string) (int64, error) {
	var rev int64
	err := q.QueryRow(ctx, `SELECT revision FROM meridian.article_revisions WHERE tenant_id = $1`, tenant).Scan(&rev)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("articles: %w", err)
	}
	return rev, nil
}
