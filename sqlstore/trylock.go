package sqlstore

import (
	"context"
	"fmt"
	"hash/fnv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// TryLock implements billd.Store: it takes the lock called name unless another holder has it (ok
// is false then, with a nil error and release). release ends the lock; calling it again does
// nothing. The lock also ends when the store is closed.
//
// On PostgreSQL the lock is a session advisory lock, taken on a connection of its own, opened
// for it and closed when the lock ends (at once when the lock is not taken): never one of the
// pool's, to which a lock would stick after the pool took the connection back. Every node on the
// database sees it. The locks are PostgreSQL's two-key advisory locks, a space apart from the
// one-key locks such as the migration lock (7400001): their keys are the halves of the 64-bit
// FNV-1a hash of "billd", the current schema and the name, so that stores in different schemas
// of one database have locks of their own.
//
// On SQLite the lock binds this DB only: the embedded store runs one node per database file, which
// `billd serve` makes sure of with a lock on the file (cmd/billd/lock.go), and that node has one
// DB.
//
// Taking the lock waits for the database at most until ctx ends, and never more than
// tryLockTimeout.
func (db *DB) TryLock(ctx context.Context, name string) (release func(), ok bool, err error) {
	if db.pgConfig == nil {
		return db.locks.tryLocal(ctx, name)
	}
	return db.tryAdvisoryLock(ctx, name)
}

const (
	// tryLockTimeout bounds connecting and asking for a lock, when ctx does not end sooner.
	tryLockTimeout = 15 * time.Second
	// unlockTimeout bounds unlocking and closing a lock's connection on release.
	unlockTimeout = 5 * time.Second
)

// namedLocks are the locks a DB holds: on SQLite their names, on PostgreSQL their connections.
type namedLocks struct {
	mu       sync.Mutex
	closed   bool
	names    map[string]bool
	advisory map[*advisoryLock]bool
}

// advisoryLock is a PostgreSQL advisory lock held on a connection of its own.
type advisoryLock struct {
	c      *pgx.Conn
	k1, k2 int32
}

// end unlocks the lock and closes its connection. It unlocks first so that the lock is free when
// end returns: the server ends a closed connection's session, and its locks, a moment later.
func (l *advisoryLock) end() {
	ctx, cancel := context.WithTimeout(context.Background(), unlockTimeout)
	defer cancel()
	_, _ = l.c.Exec(ctx, `SELECT pg_advisory_unlock($1, $2)`, l.k1, l.k2)
	_ = l.c.Close(ctx)
}

// errClosed is the error of TryLock on a closed store.
func errClosed(name string) error {
	return fmt.Errorf("sqlstore: lock %q: the store is closed", name)
}

// tryLocal takes the in-process lock called name.
func (l *namedLocks) tryLocal(ctx context.Context, name string) (func(), bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, storeError(fmt.Sprintf("lock %q", name), err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.closed:
		return nil, false, errClosed(name)
	case l.names[name]:
		return nil, false, nil
	}
	if l.names == nil {
		l.names = make(map[string]bool)
	}
	l.names[name] = true
	return sync.OnceFunc(func() {
		l.mu.Lock()
		delete(l.names, name)
		l.mu.Unlock()
	}), true, nil
}

// add keeps a, a lock taken, to end it with the store; false if the store is closed.
func (l *namedLocks) add(a *advisoryLock) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	if l.advisory == nil {
		l.advisory = make(map[*advisoryLock]bool)
	}
	l.advisory[a] = true
	return true
}

// remove forgets a and reports whether it was kept (and not ended with the store).
func (l *namedLocks) remove(a *advisoryLock) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	kept := l.advisory[a]
	delete(l.advisory, a)
	return kept
}

// closeAll ends every lock: the store is closing.
func (l *namedLocks) closeAll() {
	l.mu.Lock()
	held := l.advisory
	l.advisory, l.names, l.closed = nil, nil, true
	l.mu.Unlock()
	for a := range held {
		a.end()
	}
}

// tryAdvisoryLock takes the PostgreSQL advisory lock called name on a new connection.
func (db *DB) tryAdvisoryLock(ctx context.Context, name string) (func(), bool, error) {
	op := fmt.Sprintf("lock %q", name)
	ctx, cancel := context.WithTimeout(ctx, tryLockTimeout)
	defer cancel()
	c, err := pgx.ConnectConfig(ctx, db.pgConfig.Copy())
	if err != nil {
		return nil, false, storeError(op+": connect", err)
	}
	k1, k2, ok, err := tryAdvisory(ctx, c, name)
	if err != nil || !ok {
		closeLockConn(c)
		return nil, false, storeError(op, err)
	}
	a := &advisoryLock{c: c, k1: k1, k2: k2}
	if !db.locks.add(a) {
		a.end()
		return nil, false, errClosed(name)
	}
	return sync.OnceFunc(func() {
		if db.locks.remove(a) { // else ended with the store
			a.end()
		}
	}), true, nil
}

// tryAdvisory asks for the advisory lock of name in c's current schema, without waiting.
func tryAdvisory(ctx context.Context, c *pgx.Conn, name string) (k1, k2 int32, ok bool, err error) {
	var schema string
	if err = c.QueryRow(ctx, `SELECT COALESCE(current_schema(), '')`).Scan(&schema); err != nil {
		return 0, 0, false, err
	}
	k1, k2 = lockKey(schema, name)
	err = c.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, $2)`, k1, k2).Scan(&ok)
	return k1, k2, ok, err
}

// lockKey is the two-key advisory lock of name in schema (see TryLock).
func lockKey(schema, name string) (int32, int32) {
	h := fnv.New64a()
	for _, part := range []string{"billd", schema, name} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	k := h.Sum64()
	return int32(k >> 32), int32(k)
}

// closeLockConn closes the connection of a lock not taken (or whose answer was lost: closing
// ends the session's locks too).
func closeLockConn(c *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), unlockTimeout)
	defer cancel()
	_ = c.Close(ctx)
}
