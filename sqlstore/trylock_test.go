package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/billd/billd/sqlstore"
	"github.com/billd/billd/sqlstore/sqltest"
)

// tryLock takes the lock called name on db and reports whether it got it.
func tryLock(t *testing.T, db *sqlstore.DB, name string) (release func(), ok bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	release, ok, err := db.TryLock(ctx, name)
	if err != nil {
		t.Fatalf("TryLock(%q): %v", name, err)
	}
	if ok == (release == nil) {
		t.Fatalf("TryLock(%q): ok %v with release %v", name, ok, release != nil)
	}
	return release, ok
}

// TestTryLock runs two nodes: on PostgreSQL two stores on one database; on SQLite, which runs one
// node per database file, the node's one store.
func TestTryLock(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		a, b := s.DB, s.DB
		if s.Name == "postgres" {
			b = sqltest.OpenAt(t, s.Name, s.DSN).DB
		}
		release, ok := tryLock(t, a, "expiry")
		if !ok {
			t.Fatal("a free lock was not taken")
		}
		if _, ok := tryLock(t, b, "expiry"); ok {
			t.Fatal("a held lock was taken again")
		}
		other, ok := tryLock(t, b, "renewals")
		if !ok {
			t.Fatal("a lock held under another name kept this one")
		}
		release()
		release() // does nothing
		again, ok := tryLock(t, b, "expiry")
		if !ok {
			t.Fatal("a released lock was not taken")
		}
		if _, ok := tryLock(t, a, "expiry"); ok {
			t.Fatal("a lock released twice and taken again was taken once more")
		}
		again()
		other()
	})
}

// TestTryLockEndsWithTheStore closes a node that holds a lock: another node takes it.
func TestTryLockEndsWithTheStore(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		node, err := sqlstore.Open(ctx, s.DSN, sqlstore.Options{MaxConns: 1})
		if err != nil {
			t.Fatal(err)
		}
		release, ok := tryLock(t, node, "expiry")
		if !ok {
			t.Fatal("a free lock was not taken")
		}
		if err := node.Close(); err != nil {
			t.Fatal(err)
		}
		release() // after Close: does nothing
		if _, _, err := node.TryLock(ctx, "expiry"); err == nil {
			t.Error("a closed store took a lock")
		}
		if s.Name == "sqlite" {
			return // the lock bound that store only
		}
		if release, ok := tryLock(t, s.DB, "expiry"); !ok {
			t.Error("the lock of a closed store was not taken")
		} else {
			release()
		}
	})
}

// TestTryLockIsBoundedWhenTheDatabaseHangs asks for a lock of a database that accepts connections
// and never answers: TryLock returns an error when its context ends.
func TestTryLockIsBoundedWhenTheDatabaseHangs(t *testing.T) {
	sqltest.RequirePostgres(t)
	t.Parallel()
	proxy, dsn := sqltest.NewProxy(t, sqltest.DSN(t, "postgres"))
	s := sqltest.OpenAt(t, "postgres", dsn)
	proxy.Stall()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	type result struct {
		ok  bool
		err error
	}
	done := make(chan result, 1)
	go func() {
		release, ok, err := s.DB.TryLock(ctx, "expiry")
		if ok {
			release()
		}
		done <- result{ok, err}
	}()
	select {
	case r := <-done:
		if r.ok || r.err == nil {
			t.Errorf("TryLock of a hung database: ok %v, error %v; want an error", r.ok, r.err)
		}
	case <-time.After(time.Minute):
		t.Fatal("TryLock of a hung database still waits after its context ended")
	}
}
