package billd

import (
	"crypto/sha256"
	"sync"
	"time"
)

// ttlCache is a small map whose entries expire; it forgets everything when it grows past its
// bound. It is safe for concurrent use.
type ttlCache[K comparable, V any] struct {
	mu      sync.RWMutex
	ttl     time.Duration
	max     int
	entries map[K]ttlEntry[V]
}

type ttlEntry[V any] struct {
	value   V
	expires time.Time
}

func newTTLCache[K comparable, V any](ttl time.Duration, max int) *ttlCache[K, V] {
	return &ttlCache[K, V]{ttl: ttl, max: max, entries: make(map[K]ttlEntry[V])}
}

// get returns the value of key if it is there and fresh at now.
func (c *ttlCache[K, V]) get(key K, now time.Time) (V, bool) {
	if c == nil {
		var zero V
		return zero, false
	}
	c.mu.RLock()
	e, ok := c.entries[key]
	c.mu.RUnlock()
	if !ok || now.After(e.expires) {
		var zero V
		return zero, false
	}
	return e.value, true
}

// put stores the value of key until now+ttl.
func (c *ttlCache[K, V]) put(key K, value V, now time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	if len(c.entries) >= c.max {
		clear(c.entries)
	}
	c.entries[key] = ttlEntry[V]{value: value, expires: now.Add(c.ttl)}
	c.mu.Unlock()
}

// forget drops the entry of key.
func (c *ttlCache[K, V]) forget(key K) {
	if c == nil {
		return
	}
	c.mu.Lock()
	delete(c.entries, key)
	c.mu.Unlock()
}

// reset forgets every entry.
func (c *ttlCache[K, V]) reset() {
	if c == nil {
		return
	}
	c.mu.Lock()
	clear(c.entries)
	c.mu.Unlock()
}

// CacheConfig tunes the in-process caches of the request path. A zero TTL picks the default; a
// negative one disables the cache.
type CacheConfig struct {
	// AuthTTL is how long a verified credential stays verified without a store read (default 1s).
	// Revoking a client forgets every cached credential on the node that revokes; other nodes
	// (and a server when the CLI revokes) honour a revocation within AuthTTL.
	AuthTTL time.Duration
	// AccountTTL is how long usage reporting remembers which account an (organization, billing
	// id) names (default 10s). Money rules never depend on it: the transaction that debits re-reads
	// the account's state, credit_min and organization under the account's lock. If it refuses a
	// remembered account as not active, the report resolves its account afresh and, if that is
	// another account (the organization switched accounts on another node), debits that one.
	AccountTTL time.Duration
}

func ttlOrDefault(ttl, def time.Duration) time.Duration {
	if ttl == 0 {
		return def
	}
	return ttl
}

// credentialKey is what a credential is cached under: a digest, so the cache holds no secret.
func credentialKey(cred Credentials) [32]byte {
	if cred.APIKey != "" {
		return sha256.Sum256([]byte("key\x00" + cred.APIKey))
	}
	return sha256.Sum256([]byte("basic\x00" + cred.ClientID + "\x00" + cred.Secret))
}

// accountKey names what a usage report resolves: an organization and an optional billing id.
type accountKey struct {
	orgID, projectID, billingID string
}
