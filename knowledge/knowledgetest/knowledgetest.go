// Package knowledgetest holds articles in memory under the knowledge.Store contract's
// revisions and translation links, so that a real knowledge.Base (its analysis and ranking)
// is tested without a database; store/postgres tests the real store.
package knowledgetest

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/meridian-cs/meridian/knowledge"
)

// Store is a knowledge.Store in memory.
type Store struct {
	mu       sync.Mutex
	articles map[string]map[string]knowledge.Article
	revision map[string]int64
}

var _ knowledge.Store = (*Store)(nil)

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{articles: map[string]map[string]knowledge.Article{}, revision: map[string]int64{}}
}

// UpsertArticle implements knowledge.Store; a TranslationOf naming no article is a
// *knowledge.FieldError.
func (s *Store) UpsertArticle(_ context.Context, tenant string, a knowledge.Article) (knowledge.Article, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.articles[tenant] == nil {
		s.articles[tenant] = map[string]knowledge.Article{}
	}
	if a.TranslationOf != "" {
		if _, ok := s.articles[tenant][a.TranslationOf]; !ok {
			return a, 0, &knowledge.FieldError{Field: "translationOf", Reason: "no article " + a.TranslationOf}
		}
	}
	a.UpdatedAt = time.Now()
	s.articles[tenant][a.ID] = a
	s.revision[tenant]++
	return a, s.revision[tenant], nil
}

// DeleteArticle implements knowledge.Store: the article's translations stay, unlinked.
func (s *Store) DeleteArticle(_ context.Context, tenant, id string) (bool, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.articles[tenant][id]; !ok {
		return false, s.revision[tenant], nil
	}
	delete(s.articles[tenant], id)
	for k, a := range s.articles[tenant] {
		if a.TranslationOf == id {
			a.TranslationOf = ""
			s.articles[tenant][k] = a
		}
	}
	s.revision[tenant]++
	return true, s.revision[tenant], nil
}

// Articles implements knowledge.Store.
func (s *Store) Articles(_ context.Context, tenant string) ([]knowledge.Article, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Collect(maps.Values(s.articles[tenant])), s.revision[tenant], nil
}

// ArticlesRevision implements knowledge.Store.
func (s *Store) ArticlesRevision(_ context.Context, tenant string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.revision[tenant], nil
}
