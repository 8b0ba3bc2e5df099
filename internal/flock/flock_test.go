package flock_test

import (
	"path/filepath"
	"testing"

	"github.com/billd/billd/internal/flock"
)

// TestTryLock checks that a lock is refused while it is held and free again once released.
func TestTryLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	release, ok, err := flock.TryLock(path)
	if err != nil || !ok {
		t.Fatalf("first TryLock: ok %v, err %v; want the lock", ok, err)
	}
	if again, ok, err := flock.TryLock(path); err != nil || ok {
		if again != nil {
			again()
		}
		t.Fatalf("TryLock of a held lock: ok %v, err %v; want refused", ok, err)
	}
	release()
	release, ok, err = flock.TryLock(path)
	if err != nil || !ok {
		t.Fatalf("TryLock after release: ok %v, err %v; want the lock", ok, err)
	}
	release()
}

// TestTryLockMissingDirectory checks that a lock in a directory that does not exist is an error.
func TestTryLockMissingDirectory(t *testing.T) {
	if _, ok, err := flock.TryLock(filepath.Join(t.TempDir(), "missing", "lock")); err == nil || ok {
		t.Fatalf("TryLock in a missing directory: ok %v, err %v; want an error", ok, err)
	}
}
