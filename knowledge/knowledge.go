// Package knowledge is Meridian's knowledge base: each tenant's articles (shipping, returns,
// warranty, payment methods, product care, ...) in many languages, and retrieval of the
// article that answers a customer's question in their language. Answers (issue #19) quote
// articles found here, so an answer always has a source Meridian can show.
//
// Articles live in PostgreSQL (Store; store/postgres.Articles implements it); the
// package keeps, per tenant, the articles and a Bleve full-text index of them in memory.
// Every language is analysed its own way (analysis.go): stemming for European languages
// (German "Rücksendungen" finds "Rücksendung"), bigrams for Chinese, Japanese and Korean and
// cluster bigrams for Thai (words are not separated by spaces there), normalisation and
// light stemming for Arabic.
//
// Why in memory, rebuilt from PostgreSQL: the database is the one source of truth, and a
// tenant's knowledge base is small (hundreds to a few thousand articles; the demo's indexes
// in milliseconds), so an index on disk would only be a second copy to back up, migrate and
// keep consistent across server replicas. A tenant's index is built on its first use.
// Consistency with other writers (another replica, a restore) comes from a revision per
// tenant that the store increments in the same transaction as every write: each read asks
// the store for it (one primary-key lookup), and an index that is behind is rebuilt. Writes
// through this Base update its index in place when no other write came between.
package knowledge

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Store keeps the articles of every tenant. Writes increment the tenant's revision in the
// same transaction, and return the revision they produced.
type Store interface {
	// UpsertArticle creates or replaces an article (validated and normalised by the caller)
	// and returns it as stored. A TranslationOf naming no article of the tenant, or an article
	// that is itself a translation, is a *FieldError; so is making an article that has
	// translations a translation.
	UpsertArticle(ctx context.Context, tenant string, a Article) (Article, int64, error)
	// DeleteArticle deletes an article; its translations stay, no longer linked to it.
	// Deleting nothing is not an error (false, and the revision unchanged).
	DeleteArticle(ctx context.Context, tenant, id string) (bool, int64, error)
	// Articles returns all the tenant's articles and the revision they are at, read together.
	Articles(ctx context.Context, tenant string) ([]Article, int64, error)
	// ArticlesRevision returns the tenant's revision: 0 before its first write.
	ArticlesRevision(ctx context.Context, tenant string) (int64, error)
}

// Hit is an article found by Search, with Bleve's relevance score (higher is better; scores
// compare within one search only).
type Hit struct {
	Article Article
	Score   float64
}

// Search limits.
const (
	DefaultLimit = 10
	MaxLimit     = 100
	// MaxQueryBytes is how much of a query is searched for; a longer question is cut (at a
	// character boundary), so a pasted 10 KB message costs no more than a long question.
	MaxQueryBytes = 2048
)

// Base is the knowledge base of every tenant. Its methods are safe for concurrent use.
type Base struct {
	store Store

	mu      sync.Mutex
	tenants map[string]*tenantIndex
}

// New returns a Base over store.
func New(store Store) *Base {
	return &Base{store: store, tenants: map[string]*tenantIndex{}}
}

// Close releases every tenant's index (scorch runs goroutines per index). Calls after it
// build indexes anew.
func (b *Base) Close() {
	b.mu.Lock()
	tenants := b.tenants
	b.tenants = map[string]*tenantIndex{}
	b.mu.Unlock()
	for _, t := range tenants {
		t.mu.Lock()
		if t.index != nil {
			t.index.Close()
		}
		t.index, t.loaded = nil, false
		t.mu.Unlock()
	}
}

// tenantIndex is one tenant's articles and their index at one revision.
type tenantIndex struct {
	mu       sync.RWMutex
	loaded   bool
	revision int64
	articles map[string]Article
	index    bleve.Index
}

func (b *Base) tenant(name string) *tenantIndex {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.tenants[name]
	if t == nil {
		t = &tenantIndex{}
		b.tenants[name] = t
	}
	return t
}

// Upsert validates and stores an article and indexes it. Errors the caller must fix are
// *FieldError; nothing is stored then.
func (b *Base) Upsert(ctx context.Context, tenant string, a Article) (Article, error) {
	a.Normalize()
	if err := a.Validate(); err != nil {
		return a, err
	}
	got, rev, err := b.store.UpsertArticle(ctx, tenant, a)
	if err != nil {
		return a, err
	}
	t := b.tenant(tenant)
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.loaded && t.revision >= rev:
		// A rebuild since the write already read it.
	case t.loaded && t.revision == rev-1 && t.index.Index(got.ID, document(got)) == nil:
		t.articles[got.ID] = got
		t.revision = rev
	default:
		t.loaded = false // another write came between: the next read rebuilds
	}
	return got, nil
}

// Delete deletes an article; false if there was none.
func (b *Base) Delete(ctx context.Context, tenant, id string) (bool, error) {
	deleted, rev, err := b.store.DeleteArticle(ctx, tenant, id)
	if err != nil || !deleted {
		return deleted, err
	}
	t := b.tenant(tenant)
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.loaded && t.revision >= rev:
		// A rebuild since the write already read it.
	case t.loaded && t.revision == rev-1 && t.index.Delete(id) == nil:
		delete(t.articles, id)
		for k, a := range t.articles {
			if a.TranslationOf == id {
				a.TranslationOf = ""
				t.articles[k] = a
			}
		}
		t.revision = rev
	default:
		t.loaded = false
	}
	return true, nil
}

// Articles lists the tenant's articles in a language ("" for all), by id.
func (b *Base) Articles(ctx context.Context, tenant, language string) ([]Article, error) {
	t, err := b.fresh(ctx, tenant)
	if err != nil {
		return nil, err
	}
	defer t.mu.RUnlock()
	out := []Article{}
	for _, a := range t.articles {
		if language == "" || a.Language == language {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(x, y Article) int { return strings.Compare(x.ID, y.ID) })
	return out, nil
}

// Search finds the tenant's articles that answer query, best first, at most limit of them
// (0: DefaultLimit; at most MaxLimit). With a language (a base language, as Article's),
// only articles in that language are searched and the query is analysed as that language;
// with "", every language is searched, the query analysed as each. A blank query finds
// nothing.
func (b *Base) Search(ctx context.Context, tenant, language, q string, limit int) ([]Hit, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	q = truncate(q, MaxQueryBytes)
	if strings.TrimSpace(q) == "" {
		return []Hit{}, nil
	}
	t, err := b.fresh(ctx, tenant)
	if err != nil {
		return nil, err
	}
	defer t.mu.RUnlock()
	if len(t.articles) == 0 {
		return []Hit{}, nil
	}
	var text []query.Query
	analyzersOf := allAnalyzers()
	if language != "" {
		analyzersOf = []string{analyzerFor(language)}
	}
	for _, an := range analyzersOf {
		// Titles and tags say what an article is about; a match there counts more than one
		// in the body.
		for _, f := range []struct {
			name  string
			boost float64
		}{{titleField(an), 3}, {tagsField(an), 2}, {bodyField(an), 1}} {
			m := query.NewMatchQuery(q)
			m.SetField(f.name)
			m.SetBoost(f.boost)
			text = append(text, m)
		}
	}
	var qq query.Query = query.NewDisjunctionQuery(text)
	if language != "" {
		lang := query.NewTermQuery(language)
		lang.SetField(langField)
		qq = query.NewConjunctionQuery([]query.Query{lang, qq})
	}
	req := bleve.NewSearchRequestOptions(qq, limit, 0, false)
	res, err := t.index.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("knowledge: search: %w", err)
	}
	hits := make([]Hit, 0, len(res.Hits))
	for _, h := range res.Hits {
		if a, ok := t.articles[h.ID]; ok {
			hits = append(hits, Hit{Article: a, Score: h.Score})
		}
	}
	return hits, nil
}

// fresh returns the tenant's index at the store's revision, read-locked: the caller
// unlocks it.
func (b *Base) fresh(ctx context.Context, tenant string) (*tenantIndex, error) {
	rev, err := b.store.ArticlesRevision(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("knowledge: %w", err)
	}
	t := b.tenant(tenant)
	t.mu.RLock()
	if t.loaded && t.revision >= rev {
		return t, nil
	}
	t.mu.RUnlock()
	t.mu.Lock()
	if !t.loaded || t.revision < rev {
		if err := t.rebuild(ctx, b.store, tenant); err != nil {
			t.mu.Unlock()
			return nil, err
		}
	}
	// Downgrading the lock lets another writer in between; what it wrote is at least as new.
	t.mu.Unlock()
	t.mu.RLock()
	if !t.loaded {
		t.mu.RUnlock()
		return b.fresh(ctx, tenant)
	}
	return t, nil
}

// rebuild reads every article of the tenant and indexes them anew; t is write-locked.
func (t *tenantIndex) rebuild(ctx context.Context, store Store, tenant string) error {
	articles, rev, err := store.Articles(ctx, tenant)
	if err != nil {
		return fmt.Errorf("knowledge: %w", err)
	}
	idx, err := buildIndex(articles)
	if err != nil {
		return err
	}
	if t.index != nil {
		t.index.Close()
	}
	t.index, t.revision, t.loaded = idx, rev, true
	t.articles = make(map[string]Article, len(articles))
	for _, a := range articles {
		t.articles[a.ID] = a
	}
	return nil
}

// buildIndex indexes articles in a new in-memory index, in one batch.
func buildIndex(articles []Article) (bleve.Index, error) {
	m, err := newMapping()
	if err != nil {
		return nil, err
	}
	// Scorch (Bleve's default index) with no path keeps its segments in memory; the older
	// in-memory store (NewMemOnly) took ~1.4 ms an article to build.
	idx, err := bleve.NewUsing("", m, scorch.Name, scorch.Name, nil)
	if err != nil {
		return nil, fmt.Errorf("knowledge: index: %w", err)
	}
	batch := idx.NewBatch()
	for _, a := range articles {
		if err := batch.Index(a.ID, document(a)); err != nil {
			idx.Close()
			return nil, fmt.Errorf("knowledge: index %s: %w", a.ID, err)
		}
	}
	if err := idx.Batch(batch); err != nil {
		idx.Close()
		return nil, fmt.Errorf("knowledge: index: %w", err)
	}
	return idx, nil
}

// document is what the index holds of an article: its text under its language's analyzer.
func document(a Article) map[string]any {
	an := analyzerFor(a.Language)
	return map[string]any{
		langField:      a.Language,
		titleField(an): a.Title,
		bodyField(an):  a.Body,
		tagsField(an):  strings.Join(a.Tags, " "),
	}
}

// truncate cuts s to at most n bytes at a character boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
