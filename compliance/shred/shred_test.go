package shred

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"
)

// memStore is a KeyStore for this package's unit tests only; the PostgreSQL store has its own
// integration tests.
type memStore struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (s *memStore) GetOrCreateKey(_ context.Context, r, t, sub string, c []byte) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := cacheKey(r, t, sub)
	if v, ok := s.m[k]; ok {
		return v, nil
	}
	s.m[k] = c
	return c, nil
}

func (s *memStore) GetKey(_ context.Context, r, t, sub string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.m[cacheKey(r, t, sub)]; ok {
		return v, nil
	}
	return nil, ErrErased
}

func (s *memStore) DeleteKey(_ context.Context, r, t, sub string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, cacheKey(r, t, sub))
	return nil
}

func TestSealedFieldsOpenUntilTheKeyIsErased(t *testing.T) {
	ctx := context.Background()
	store := &memStore{m: map[string][]byte{}}
	master := make([]byte, 32)
	k, err := NewKeyring(store, master)
	if err != nil {
		t.Fatal(err)
	}
	s, err := k.Sealer(ctx, "eu", "t1", "cus_1")
	if err != nil {
		t.Fatal(err)
	}
	sealed := s.Seal(&Batch{}, "Wo ist meine Bestellung?")
	if strings.Contains(sealed, "Bestellung") {
		t.Fatalf("sealed text leaks plaintext: %s", sealed)
	}
	// A second keyring (another process) with the same master key opens it.
	k2, _ := NewKeyring(store, master)
	o, err := k2.Opener(ctx, "eu", "t1", "cus_1")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := o.Open(sealed); err != nil || got != "Wo ist meine Bestellung?" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	// Another customer's key does not open it.
	other, _ := k2.Opener(ctx, "eu", "t1", "cus_2")
	if other != nil {
		t.Fatal("a customer without a key got an opener")
	}
	if err := k.Erase(ctx, "eu", "t1", "cus_1"); err != nil {
		t.Fatal(err)
	}
	k3, _ := NewKeyring(store, master)
	if _, err := k3.Opener(ctx, "eu", "t1", "cus_1"); !errors.Is(err, ErrErased) {
		t.Fatalf("after erasure Opener gave %v, want ErrErased", err)
	}
	// The keyring that erased the key no longer has it cached either.
	if _, err := k.Opener(ctx, "eu", "t1", "cus_1"); !errors.Is(err, ErrErased) {
		t.Fatalf("after erasure the erasing keyring's Opener gave %v, want ErrErased", err)
	}
}

func TestPseudonymsAreStablePerTenantAndDistinctAcrossTenants(t *testing.T) {
	k, _ := NewKeyring(&memStore{m: map[string][]byte{}}, make([]byte, 32))
	a, b := k.Pseudonym("t1", "phone:4915112345678"), k.Pseudonym("t1", "phone:4915112345678")
	if a != b {
		t.Fatalf("pseudonym not stable: %s vs %s", a, b)
	}
	// Stored rows carry pseudonyms: the derivation (HMAC-SHA256 under a pepper derived from
	// the master key) must never change. Computed independently of this package.
	if want := "cus_08debc0767d8862cd409a545"; a != want {
		t.Fatalf("pseudonym = %s, want %s", a, want)
	}
	if a == k.Pseudonym("t2", "phone:4915112345678") {
		t.Fatal("two tenants share a pseudonym for one phone number")
	}
	if strings.Contains(a, "4915") {
		t.Fatalf("pseudonym leaks the identity: %s", a)
	}
}

func TestIDHashesAreStablePerTenantAndHideTheID(t *testing.T) {
	k, _ := NewKeyring(&memStore{m: map[string][]byte{}}, make([]byte, 32))
	const wamid = "wamid.HBgLNTUxMTk4NzY1NDMyMRUCABIYFjNFQjA"
	a := k.IDHash("t1", wamid)
	// Stored event ids and ledger rows carry these hashes: the derivation must never change,
	// or a platform's retry after an upgrade would be a new event. Computed independently.
	if want := "a28dbafab0fa95050de3346903fe6db3"; a != want {
		t.Fatalf("IDHash = %s, want %s", a, want)
	}
	if a != k.IDHash("t1", wamid) {
		t.Fatal("IDHash is not stable")
	}
	if a == k.IDHash("t2", wamid) {
		t.Fatal("two tenants share the hash of one id")
	}
	key := make([]byte, 32)
	key[0] = 1
	other, _ := NewKeyring(&memStore{m: map[string][]byte{}}, key)
	if a == other.IDHash("t1", wamid) {
		t.Fatal("another master key gives the same hash: the hash is not keyed")
	}
	if strings.Contains(a, "HBgL") || k.Pseudonym("t1", wamid)[4:] == a[:24] {
		t.Fatalf("IDHash leaks the id or equals its pseudonym: %s", a)
	}
}

// batchStore is a memStore that also creates keys in batches, counting the calls.
type batchStore struct {
	memStore
	batches int
}

func (s *batchStore) GetOrCreateKeys(ctx context.Context, r, t string, subs []string, cands [][]byte) ([][]byte, error) {
	s.batches++
	out := make([][]byte, len(subs))
	for i, sub := range subs {
		out[i], _ = s.GetOrCreateKey(ctx, r, t, sub, cands[i])
	}
	return out, nil
}

func TestSealersCreatesAllNewKeysInOneBatchAndMatchesSealer(t *testing.T) {
	ctx := context.Background()
	for _, store := range []KeyStore{&batchStore{memStore: memStore{m: map[string][]byte{}}}, &memStore{m: map[string][]byte{}}} {
		k, err := NewKeyring(store, make([]byte, 32))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := k.Sealer(ctx, "eu", "t1", "known"); err != nil {
			t.Fatal(err)
		}
		subs := []string{"a", "known", "b", "a", "c", "b"}
		ss, err := k.Sealers(ctx, "eu", "t1", subs)
		if err != nil || len(ss) != len(subs) {
			t.Fatalf("Sealers: %d, %v", len(ss), err)
		}
		if bs, ok := store.(*batchStore); ok && bs.batches != 1 {
			t.Fatalf("%d batches, want 1", bs.batches)
		}
		for i, sub := range subs {
			o, err := k.Opener(ctx, "eu", "t1", sub)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := o.Open(ss[i].Seal(&Batch{}, "hello "+sub)); err != nil || got != "hello "+sub {
				t.Fatalf("subject %s: %q, %v", sub, got, err)
			}
		}
		// A fresh keyring (cold cache) reads the same keys back.
		k2, _ := NewKeyring(store, make([]byte, 32))
		ss2, err := k2.Sealers(ctx, "eu", "t1", []string{"c", "a"})
		if err != nil {
			t.Fatal(err)
		}
		o, _ := k.Opener(ctx, "eu", "t1", "a")
		if got, err := o.Open(ss2[1].Seal(&Batch{}, "x")); err != nil || got != "x" {
			t.Fatalf("cold keyring: %q, %v", got, err)
		}
	}
}

// Seal builds nonce and ciphertext in one buffer and draws nonces from pooled randomness:
// every value must still open to its plaintext, in the documented layout (prefix, then
// base64 of nonce ‖ ciphertext), and no nonce may repeat across goroutines.
// Sealed values open to what was sealed, also once their batch has moved on to later blocks,
// and never reuse a nonce, within a batch or across batches.
func TestSealedValuesOpenAndNeverRepeatANonce(t *testing.T) {
	ctx := context.Background()
	k, err := NewKeyring(&memStore{m: map[string][]byte{}}, make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	s, err := k.Sealer(ctx, "eu", "t1", "cus_1")
	if err != nil {
		t.Fatal(err)
	}
	o, err := k.Opener(ctx, "eu", "t1", "cus_1")
	if err != nil {
		t.Fatal(err)
	}
	const workers, each = 4, 5000
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var b *Batch
			if w%2 == 1 {
				b = &Batch{}
			}
			type pair struct{ plain, sealed string }
			var all []pair
			defer func() {
				for _, p := range all {
					if got, err := o.Open(p.sealed); err != nil || got != p.plain {
						t.Errorf("worker %d, after sealing: %q opened to %q, %v", w, p.plain, got, err)
						return
					}
				}
			}()
			for i := range each {
				plain := strings.Repeat("ü", i%40) + "x"
				// Odd workers fill one batch, even ones take a new batch for every value.
				sealed := s.Seal(cmp.Or(b, &Batch{}), plain)
				all = append(all, pair{plain, sealed})
				got, err := o.Open(sealed)
				if err != nil || got != plain {
					t.Errorf("worker %d: %q opened to %q, %v", w, plain, got, err)
					return
				}
				raw, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(sealed, prefix))
				if err != nil || len(raw) != 12+len(plain)+16 {
					t.Errorf("sealed value %q has the wrong layout (%d bytes, %v)", sealed, len(raw), err)
					return
				}
				mu.Lock()
				if seen[string(raw[:12])] {
					t.Errorf("nonce %x used twice", raw[:12])
				}
				seen[string(raw[:12])] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

func BenchmarkSeal(b *testing.B) {
	k, err := NewKeyring(&memStore{m: map[string][]byte{}}, make([]byte, 32))
	if err != nil {
		b.Fatal(err)
	}
	s, err := k.Sealer(context.Background(), "eu", "t1", "cus_1")
	if err != nil {
		b.Fatal(err)
	}
	text := "Hello, my order #A-10023 has not arrived yet. Can you tell me where it is?"
	b.ReportAllocs()
	var batch Batch
	for b.Loop() {
		_ = s.Seal(&batch, text)
	}
}
