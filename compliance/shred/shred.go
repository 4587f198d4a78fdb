// Package shred encrypts personal fields with a per-customer data key before they enter the
// Kafka log (crypto-shredding). Deleting a customer's key makes every copy of those fields —
// in Kafka, in replicas, in backups — unreadable, which is how erasure reaches an append-only
// log. Data keys are stored wrapped by a master key; only the wrapped form leaves memory.
package shred

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
	"sync"
	"unsafe"
)

// ErrErased means the subject's key was deleted: the data is gone for good.
var ErrErased = errors.New("shred: data key erased")

// KeyStore keeps wrapped data keys, one per (region, tenant, subject). Implementations are safe
// for concurrent use.
type KeyStore interface {
	// GetOrCreateKey returns the stored wrapped key, storing candidate if there is none yet.
	// Concurrent callers for one subject all get the same key.
	GetOrCreateKey(ctx context.Context, region, tenant, subject string, candidate []byte) ([]byte, error)
	// GetKey returns the wrapped key, or ErrErased if there is none.
	GetKey(ctx context.Context, region, tenant, subject string) ([]byte, error)
	// DeleteKey deletes the key; it is not an error if there was none.
	DeleteKey(ctx context.Context, region, tenant, subject string) error
}

// BatchKeyStore is an optional KeyStore extension that stores the keys of many subjects of one
// region and tenant in one round trip (one transaction, one disk sync) instead of one per
// subject. The result has one wrapped key per subject, in order, with GetOrCreateKey's meaning:
// the stored key, or the candidate if there was none. Subjects are distinct.
type BatchKeyStore interface {
	GetOrCreateKeys(ctx context.Context, region, tenant string, subjects []string, candidates [][]byte) ([][]byte, error)
}

const prefix = "mx1:"

// Keyring seals and opens personal fields. Unwrapped data keys are cached in memory.
type Keyring struct {
	store  KeyStore
	master cipher.AEAD
	pepper []byte

	mu    sync.RWMutex
	cache map[subjectKey]*Sealer // unwrapped data keys, ready to seal with
	macs  sync.Pool              // of *pseudonymizer
}

// subjectKey names a subject's data key in the cache. A struct, not cacheKey's string:
// looking up a concatenated key allocated it, for every customer of every request.
type subjectKey struct{ region, tenant, subject string }

// NewKeyring uses a 32-byte master key.
func NewKeyring(store KeyStore, masterKey []byte) (*Keyring, error) {
	if len(masterKey) != 32 {
		return nil, fmt.Errorf("shred: master key must be 32 bytes, got %d", len(masterKey))
	}
	aead, err := newAEAD(masterKey)
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, masterKey)
	mac.Write([]byte("meridian pseudonym pepper v1"))
	return &Keyring{store: store, master: aead, pepper: mac.Sum(nil), cache: map[subjectKey]*Sealer{}}, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("shred: %w", err)
	}
	return cipher.NewGCM(block)
}

// Pseudonym is the stable pseudonymous id of an identity within a tenant. Analytics use it;
// it reveals nothing about the identity without the master key.
func (k *Keyring) Pseudonym(tenant, identity string) string {
	// Keyed HMACs are reused: setting up the key costs as much as hashing a short identity.
	// The input and the sum go through buffers kept with the HMAC: handed to the hash.Hash
	// interface, stack buffers escaped, four allocations per event.
	p := k.pseudonymizer()
	defer k.release(p)
	p.in = append(append(append(p.in[:0], tenant...), 0), identity...)
	p.mac.Write(p.in)
	var out [4 + 24]byte
	copy(out[:], "cus_")
	hex.Encode(out[4:], p.mac.Sum(p.sum[:0])[:12])
	return string(out[:])
}

// ContentHash appends to dst a keyed hash (HMAC-SHA256 with the pseudonym key, 16 bytes) of an
// event's content: stores compare versions of an event id by it without holding the content,
// and without the key nobody can test a guess of a message against it.
func (k *Keyring) ContentHash(dst []byte, tenant string, content []byte) []byte {
	p := k.pseudonymizer()
	defer k.release(p)
	p.in = append(append(append(p.in[:0], "content\x00"...), tenant...), 0)
	p.mac.Write(p.in)
	p.mac.Write(content)
	return append(dst, p.mac.Sum(p.sum[:0])[:16]...)
}

// IDHash is the keyed hash (HMAC-SHA256 with the pseudonym key, 16 bytes, hex) an id that
// may name a person is stored as instead of the id: a platform's message id (a WhatsApp wamid
// encodes the customer's number, an e-mail's Message-ID often the sender's domain). The same
// tenant and id always give the same hash, so deduplication and lookups by it still work
// across restarts; without the master key nobody can test a guessed id against it.
func (k *Keyring) IDHash(tenant, id string) string {
	p := k.pseudonymizer()
	defer k.release(p)
	p.in = append(append(append(append(p.in[:0], "id\x00"...), tenant...), 0), id...)
	p.mac.Write(p.in)
	var out [32]byte
	hex.Encode(out[:], p.mac.Sum(p.sum[:0])[:16])
	return string(out[:])
}

// IsSealed reports whether v is a value Seal produced (not a plain value stored before its
// column was sealed).
func IsSealed(v string) bool { return strings.HasPrefix(v, prefix) }

// pseudonymizer is an HMAC-SHA256 keyed with the pepper and its buffers.
type pseudonymizer struct {
	mac hash.Hash
	in  []byte
	sum [sha256.Size]byte
}

// pseudonymizer takes a keyed HMAC from the pool, or keys a new one.
func (k *Keyring) pseudonymizer() *pseudonymizer {
	if p, _ := k.macs.Get().(*pseudonymizer); p != nil {
		return p
	}
	return &pseudonymizer{mac: hmac.New(sha256.New, k.pepper)}
}

// release resets p and gives it back to the pool.
func (k *Keyring) release(p *pseudonymizer) {
	p.mac.Reset()
	k.macs.Put(p)
}

// cacheKey is the additional data a subject's data key is wrapped with.
func cacheKey(region, tenant, subject string) string {
	return region + "\x00" + tenant + "\x00" + subject
}

// sealer returns the cached sealer of a subject, or unwraps (with create, first creates) its
// data key.
func (k *Keyring) sealer(ctx context.Context, region, tenant, subject string, create bool) (*Sealer, error) {
	k.mu.RLock()
	s, ok := k.cache[subjectKey{region, tenant, subject}]
	k.mu.RUnlock()
	if ok {
		return s, nil
	}
	ck := cacheKey(region, tenant, subject)
	var wrapped []byte
	var err error
	if create {
		candidate, cerr := k.candidate(ck)
		if cerr != nil {
			return nil, cerr
		}
		wrapped, err = k.store.GetOrCreateKey(ctx, region, tenant, subject, candidate)
	} else {
		wrapped, err = k.store.GetKey(ctx, region, tenant, subject)
	}
	if err != nil {
		return nil, err
	}
	return k.unwrapAndCache(region, tenant, subject, wrapped)
}

// candidate makes a new data key, wrapped by the master key for the cache key ck.
func (k *Keyring) candidate(ck string) ([]byte, error) {
	dk := make([]byte, 32)
	if _, err := rand.Read(dk); err != nil {
		return nil, err
	}
	nonce := make([]byte, k.master.NonceSize(), k.master.NonceSize()+len(dk)+k.master.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return k.master.Seal(nonce, nonce, dk, []byte(ck)), nil
}

func (k *Keyring) unwrapAndCache(region, tenant, subject string, wrapped []byte) (*Sealer, error) {
	ns := k.master.NonceSize()
	if len(wrapped) < ns {
		return nil, fmt.Errorf("shred: stored key for %s is truncated", subject)
	}
	dk, err := k.master.Open(nil, wrapped[:ns], wrapped[ns:], []byte(cacheKey(region, tenant, subject)))
	if err != nil {
		return nil, fmt.Errorf("shred: unwrap key for %s (wrong master key?): %w", subject, err)
	}
	a, err := newAEAD(dk)
	if err != nil {
		return nil, err
	}
	s := &Sealer{a: a, aad: []byte(tenant + "\x00" + subject)}
	k.mu.Lock()
	if len(k.cache) > 200_000 {
		k.cache = map[subjectKey]*Sealer{}
	}
	k.cache[subjectKey{region, tenant, subject}] = s
	k.mu.Unlock()
	return s, nil
}

// Sealer encrypts fields of one subject; get it once per event, not per field. Sealers are
// shared and never modified.
type Sealer struct {
	a   cipher.AEAD
	aad []byte
}

// Sealer returns the sealer of a subject, creating its key on first use.
func (k *Keyring) Sealer(ctx context.Context, region, tenant, subject string) (*Sealer, error) {
	return k.sealer(ctx, region, tenant, subject, true)
}

// Sealers returns the sealers of many subjects of one region and tenant, one per subject in
// order, creating the keys that do not exist yet. With a BatchKeyStore the new keys are
// stored in one round trip; otherwise one by one, as Sealer does.
func (k *Keyring) Sealers(ctx context.Context, region, tenant string, subjects []string) ([]*Sealer, error) {
	out := make([]*Sealer, len(subjects))
	var missing []int       // indexes into subjects of uncached subjects, first occurrence only
	var seen map[string]int // uncached subject → its first index
	k.mu.RLock()
	for i, sub := range subjects {
		if s, ok := k.cache[subjectKey{region, tenant, sub}]; ok {
			out[i] = s
			continue
		}
		if _, ok := seen[sub]; ok {
			continue // filled below from its first occurrence
		}
		if seen == nil {
			seen = map[string]int{}
		}
		seen[sub] = i
		missing = append(missing, i)
	}
	k.mu.RUnlock()
	if len(missing) > 0 {
		bs, batch := k.store.(BatchKeyStore)
		if batch && len(missing) > 1 {
			subs := make([]string, len(missing))
			cands := make([][]byte, len(missing))
			for j, i := range missing {
				subs[j] = subjects[i]
				c, err := k.candidate(cacheKey(region, tenant, subjects[i]))
				if err != nil {
					return nil, err
				}
				cands[j] = c
			}
			wrapped, err := bs.GetOrCreateKeys(ctx, region, tenant, subs, cands)
			if err != nil {
				return nil, err
			}
			if len(wrapped) != len(subs) {
				return nil, fmt.Errorf("shred: key store returned %d keys for %d subjects", len(wrapped), len(subs))
			}
			for j, i := range missing {
				s, err := k.unwrapAndCache(region, tenant, subs[j], wrapped[j])
				if err != nil {
					return nil, err
				}
				out[i] = s
			}
		} else {
			for _, i := range missing {
				sl, err := k.Sealer(ctx, region, tenant, subjects[i])
				if err != nil {
					return nil, err
				}
				out[i] = sl
			}
		}
	}
	for i, sub := range subjects {
		if out[i] == nil {
			out[i] = out[seen[sub]]
		}
	}
	return out, nil
}

// Batch is where Seal writes: ingest seals several fields of every event of a request into one
// Batch, which makes one allocation per 64 KiB of sealed text and one read of randomness per
// 1 KiB of nonces instead of an allocation per field and a nonce from a shared pool
// (BENCHMARKS.md, "Ingest's Prepare without per-event allocations"). The strings it returns
// keep their block alive. A Batch is for one goroutine; its zero value is ready to use.
type Batch struct {
	buf []byte // the block being filled
	rnd []byte // randomness not handed out yet
}

// Seal encrypts plain into b; the empty string stays empty.
func (s *Sealer) Seal(b *Batch, plain string) string {
	if plain == "" {
		return ""
	}
	ns := s.a.NonceSize()
	n := ns + len(plain) + s.a.Overhead()
	size := n + len(prefix) + base64.RawStdEncoding.EncodedLen(n)
	if cap(b.buf)-len(b.buf) < size {
		b.buf = make([]byte, 0, max(64<<10, size))
	}
	// Nonce and ciphertext first (sealed in place over the plaintext copy), the text form after
	// them. Nothing is written there again, so the string can share the block.
	work := b.buf[len(b.buf):]
	if len(b.rnd) < ns {
		b.rnd = make([]byte, 1024)
		if _, err := rand.Read(b.rnd); err != nil {
			panic("shred: no randomness: " + err.Error())
		}
	}
	copy(work[:ns], b.rnd)
	b.rnd = b.rnd[ns:]
	copy(work[ns:ns+len(plain)], plain)
	sealed := s.a.Seal(work[:ns], work[:ns], work[ns:ns+len(plain)], s.aad)
	out := base64.RawStdEncoding.AppendEncode(append(work[n:n], prefix...), sealed)
	b.buf = b.buf[:len(b.buf)+n+len(out)]
	return unsafe.String(unsafe.SliceData(out), len(out))
}

// Opener decrypts the fields of one subject.
type Opener struct {
	a   cipher.AEAD
	aad []byte
}

// Opener returns the opener of a subject, or ErrErased if its key was deleted.
func (k *Keyring) Opener(ctx context.Context, region, tenant, subject string) (*Opener, error) {
	s, err := k.sealer(ctx, region, tenant, subject, false)
	if err != nil {
		return nil, err
	}
	return &Opener{a: s.a, aad: s.aad}, nil
}

// Open decrypts a value Seal produced; the empty string stays empty.
func (o *Opener) Open(sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	if !strings.HasPrefix(sealed, prefix) {
		return "", fmt.Errorf("shred: value is not sealed")
	}
	ct, err := base64.RawStdEncoding.DecodeString(sealed[len(prefix):])
	if err != nil || len(ct) < o.a.NonceSize() {
		return "", fmt.Errorf("shred: sealed value is malformed")
	}
	ns := o.a.NonceSize()
	pt, err := o.a.Open(nil, ct[:ns], ct[ns:], o.aad)
	if err != nil {
		return "", fmt.Errorf("shred: sealed value does not open: %w", err)
	}
	return string(pt), nil
}

// Erase deletes a subject's key: every sealed copy of its fields becomes unreadable.
func (k *Keyring) Erase(ctx context.Context, region, tenant, subject string) error {
	if err := k.store.DeleteKey(ctx, region, tenant, subject); err != nil {
		return err
	}
	k.mu.Lock()
	delete(k.cache, subjectKey{region, tenant, subject})
	k.mu.Unlock()
	return nil
}

// secretAAD binds secrets sealed with the master key to their use, apart from data keys.
var secretAAD = []byte("meridian secret v1")

// SealSecret encrypts configuration secrets (a tenant's channel tokens) with the master key.
func (k *Keyring) SealSecret(plain []byte) ([]byte, error) {
	nonce := make([]byte, k.master.NonceSize(), k.master.NonceSize()+len(plain)+k.master.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("shred: %w", err)
	}
	return k.master.Seal(nonce, nonce, plain, secretAAD), nil
}

// OpenSecret decrypts what SealSecret sealed.
func (k *Keyring) OpenSecret(sealed []byte) ([]byte, error) {
	ns := k.master.NonceSize()
	if len(sealed) < ns {
		return nil, errors.New("shred: sealed secret is malformed")
	}
	plain, err := k.master.Open(nil, sealed[:ns], sealed[ns:], secretAAD)
	if err != nil {
		return nil, fmt.Errorf("shred: sealed secret does not open (another master key?): %w", err)
	}
	return plain, nil
}
