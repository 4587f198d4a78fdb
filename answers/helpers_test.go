package answers_test

import (
	"context"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/examples/kb"
	"github.com/meridian-cs/meridian/knowledge"
)

// memStore keeps articles in memory under the knowledge.Store contract, so that answers are
// tested over a real knowledge.Base (its analysis and ranking) without a database; the
// PostgreSQL store is tested in store/postgres and end to end in cmd/meridian.
type memStore struct {
	mu       sync.Mutex
	articles map[string]map[string]knowledge.Article
	revision map[string]int64
}

func newMemStore() *memStore {
	return &memStore{articles: map[string]map[string]knowledge.Article{}, revision: map[string]int64{}}
}

func (s *memStore) UpsertArticle(_ context.Context, tenant string, a knowledge.Article) (knowledge.Article, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.articles[tenant] == nil {
		s.articles[tenant] = map[string]knowledge.Article{}
	}
	a.UpdatedAt = time.Now()
	s.articles[tenant][a.ID] = a
	s.revision[tenant]++
	return a, s.revision[tenant], nil
}

func (s *memStore) DeleteArticle(_ context.Context, tenant, id string) (bool, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.articles[tenant][id]
	delete(s.articles[tenant], id)
	if ok {
		s.revision[tenant]++
	}
	return ok, s.revision[tenant], nil
}

func (s *memStore) Articles(_ context.Context, tenant string) ([]knowledge.Article, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Collect(maps.Values(s.articles[tenant])), s.revision[tenant], nil
}

func (s *memStore) ArticlesRevision(_ context.Context, tenant string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.revision[tenant], nil
}

// demoBase is a knowledge base holding the demo's articles (examples/kb) for tenant "t".
func demoBase(t testing.TB) *knowledge.Base {
	t.Helper()
	b := knowledge.New(newMemStore())
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
