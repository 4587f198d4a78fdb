package translation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"sync"
)

// Scope is whose text is being translated: the cache keeps entries per customer, in
// the customer's region, so that they can be erased with the customer.
type Scope struct {
	Tenant   string
	Region   string
	Customer string
}

type scopeKey struct{}

// WithScope marks ctx with the region and customer the texts belong to; Cached
// caches only scoped requests.
func WithScope(ctx context.Context, s Scope) context.Context {
	return context.WithValue(ctx, scopeKey{}, s)
}

// ScopeFrom returns the scope WithScope set, and whether there is one.
func ScopeFrom(ctx context.Context) (Scope, bool) {
	s, ok := ctx.Value(scopeKey{}).(Scope)
	return s, ok && s.Customer != "" && s.Region != ""
}

// CacheKey identifies one cached translation. It holds no text: only its digest.
type CacheKey struct {
	Tenant, Region, Customer string
	Provider                 string
	Source, Target           string // as requested; "" source means detected
	Domain                   string // domain and glossary digest, "" for none
	Formality                string
	TextSHA256               string // hex
}

// String is a flat form of the key, for stores keyed by strings.
func (k CacheKey) String() string {
	return strings.Join([]string{k.Tenant, k.Region, k.Customer, k.Provider, k.Source, k.Target, k.Domain, k.Formality, k.TextSHA256}, "\x1f")
}

// CacheStore keeps translations. See the package documentation for what the
// PostgreSQL store must do; MemoryCache is the in-process one.
type CacheStore interface {
	// Get returns the value Put stored for key: (value, true, nil) for a hit,
	// ("", false, nil) for a miss.
	Get(ctx context.Context, key CacheKey) (string, bool, error)
	// Put stores value for key, replacing any.
	Put(ctx context.Context, key CacheKey, value string) error
}

// cached is the value stored: the translation and the language detected for it.
type cachedValue struct {
	Text     string `json:"t"`
	Detected string `json:"d,omitempty"`
	Provider string `json:"p,omitempty"`
}

type cachedTranslator struct {
	t     Translator
	store CacheStore
	g     *Glossaries
}

// Cached serves translations from store when it has them and asks t for the others
// (in one batch), storing what t answers. Requests without a Scope in their context
// bypass the cache, as does a failing store (the error is not the caller's problem:
// the translation still happens). Glossary violations are not cached: a text served
// from the cache was already corrected where it could be.
func Cached(t Translator, store CacheStore) Translator {
	if t == nil {
		return nil
	}
	return &cachedTranslator{t: t, store: store, g: BuiltinGlossaries()}
}

func (c *cachedTranslator) Name() string { return nameOf(c.t) }

func (c *cachedTranslator) key(s Scope, req Request, text string) CacheKey {
	sum := sha256.Sum256([]byte(text))
	dom := ""
	if req.Domain != "" {
		dom = domainKey(req.Domain) + "@" + c.g.Digest(req.Domain)
	}
	return CacheKey{
		Tenant: s.Tenant, Region: s.Region, Customer: s.Customer, Provider: nameOf(c.t),
		Source: strings.ToLower(req.Source), Target: strings.ToLower(req.Target),
		Domain: dom, Formality: req.Formality, TextSHA256: hex.EncodeToString(sum[:]),
	}
}

func (c *cachedTranslator) Translate(ctx context.Context, req Request) (Result, error) {
	s, ok := ScopeFrom(ctx)
	if !ok || c.store == nil || len(req.Text) == 0 {
		return c.t.Translate(ctx, req)
	}
	res := Result{Texts: make([]string, len(req.Text))}
	keys := make([]CacheKey, len(req.Text))
	var missIdx []int
	var miss []string
	for i, text := range req.Text {
		keys[i] = c.key(s, req, text)
		v, hit, err := c.store.Get(ctx, keys[i])
		var cv cachedValue
		if err == nil && hit && json.Unmarshal([]byte(v), &cv) == nil {
			res.Texts[i] = cv.Text
			if i == 0 {
				res.DetectedSource = cv.Detected
			}
			continue
		}
		missIdx = append(missIdx, i)
		miss = append(miss, text)
	}
	if len(miss) == 0 {
		res.Provider = "cache"
		return res, nil
	}
	sub := req
	sub.Text = miss
	got, err := c.t.Translate(ctx, sub)
	if err != nil {
		return Result{}, err
	}
	if len(got.Texts) != len(miss) {
		return Result{}, countMismatch(nameOf(c.t), 0, len(got.Texts), len(miss))
	}
	res.Provider = got.Provider
	for j, i := range missIdx {
		res.Texts[i] = got.Texts[j]
		if i == 0 || res.DetectedSource == "" {
			res.DetectedSource = got.DetectedSource
		}
		raw, _ := json.Marshal(cachedValue{Text: got.Texts[j], Detected: got.DetectedSource, Provider: got.Provider})
		_ = c.store.Put(ctx, keys[i], string(raw))
	}
	for _, v := range got.Violations {
		if v.Index >= 0 && v.Index < len(missIdx) {
			v.Index = missIdx[v.Index]
		}
		res.Violations = append(res.Violations, v)
	}
	return res, nil
}

// MemoryCache is an in-process CacheStore, for tests and single-process tools.
type MemoryCache struct {
	mu sync.Mutex
	m  map[CacheKey]string
	// Gets and Hits count lookups, for tests.
	Gets, Hits int
}

// NewMemoryCache returns an empty MemoryCache.
func NewMemoryCache() *MemoryCache { return &MemoryCache{m: map[CacheKey]string{}} }

// Get implements CacheStore.
func (m *MemoryCache) Get(_ context.Context, key CacheKey) (string, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Gets++
	v, ok := m.m[key]
	if ok {
		m.Hits++
	}
	return v, ok, nil
}

// Put implements CacheStore.
func (m *MemoryCache) Put(_ context.Context, key CacheKey, value string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m[key] = value
	return nil
}

// EraseCustomer deletes a customer's entries, as erasing the customer must.
func (m *MemoryCache) EraseCustomer(region, customer string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for k := range m.m {
		if k.Region == region && k.Customer == customer {
			delete(m.m, k)
			n++
		}
	}
	return n
}

// Len is the number of entries.
func (m *MemoryCache) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.m)
}
