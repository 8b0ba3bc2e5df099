package sqltest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/billd/billd/internal/flock"
)

// PostgreSQL is shared: other clients hold some of its connections (the default max_connections
// is 100), and several test processes (the packages of one `go test ./...`, or runs in other
// checkouts) use it at once. So every test process on the machine draws its PostgreSQL schemas
// from one set of slots, each a lock file: at most PostgresSlots schemas are in use at once, and
// each test opens its stores and servers on a schema with at most MaxConns connections each.
// Waiting for a slot is waiting, not judging time: a test fails only if no slot frees up within
// slotWait, which means a test holds its slot far too long.
const (
	// PostgresSlots is how many PostgreSQL test schemas are in use at once on the machine.
	PostgresSlots = 6
	// MaxConns is the pool size of every test store and test server: what one test needs, and
	// with PostgresSlots small enough that the suite peaks at a few dozen connections.
	MaxConns = 4
	slotWait = 5 * time.Minute
)

// AcquireSlot takes a free slot for t until it ends. DSN takes one for each PostgreSQL schema; a
// test that makes a PostgreSQL database of its own instead takes one itself.
func AcquireSlot(t testing.TB) {
	t.Helper()
	acquireSlot(t)
}

// acquireSlot is AcquireSlot, returning the slot's number.
func acquireSlot(t testing.TB) int {
	t.Helper()
	dir := slotDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatalf("postgres test slots: %v", err)
	}
	deadline := time.Now().Add(slotWait)
	for {
		for i := range PostgresSlots {
			release, ok, err := flock.TryLock(filepath.Join(dir, fmt.Sprintf("slot-%d", i)))
			if err != nil {
				t.Fatalf("postgres test slots: %v", err)
			}
			if ok {
				t.Cleanup(release)
				return i
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no PostgreSQL test slot came free within %s (%d slots in %s): a test holds one far too long", slotWait, PostgresSlots, dir)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// slotDir is the directory of the slots of the test server: one set per server URL.
func slotDir() string {
	sum := sha256.Sum256([]byte(PostgresURL()))
	return filepath.Join(os.TempDir(), "billd-test-postgres-"+hex.EncodeToString(sum[:6]))
}
