package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStatements bounds a stmtCache; statements past it are never prepared ahead.
const maxCachedStatements = 512

// stmtCache keeps the prepared statements of one SQLite pool by query text, so that SQLite parses
// each statement once per connection instead of on every call. PostgreSQL needs none: pgx caches
// prepared statements per connection itself.
//
// A statement is prepared on the pool, which needs a free connection. A transaction holds its
// connection (the writer pool has only one), so a miss inside a transaction runs the query
// unprepared and only remembers it; the transaction's owner prepares the remembered queries once
// the transaction has released its connection. Later transactions bind the statement to their
// connection with Tx.StmtContext, which database/sql prepares there once and then reuses.
type stmtCache struct {
	db     *sql.DB
	rebind func(string) string
	mu     sync.Mutex
	m      map[string]*sql.Stmt
	want   map[string]bool
}

func newStmtCache(db *sql.DB, rebind func(string) string) *stmtCache {
	return &stmtCache{db: db, rebind: rebind, m: make(map[string]*sql.Stmt), want: make(map[string]bool)}
}

// stmt returns query's prepared statement bound to tx, or nil if it is not prepared yet.
func (c *stmtCache) stmt(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	s := c.m[query]
	if s == nil && len(c.m)+len(c.want) < maxCachedStatements {
		c.want[query] = true
	}
	c.mu.Unlock()
	if s == nil {
		return nil
	}
	return tx.StmtContext(ctx, s)
}

// prepareWanted prepares the queries that missed. The caller must hold no connection of the pool.
func (c *stmtCache) prepareWanted(ctx context.Context) {
	if c == nil {
		return
	}
	c.mu.Lock()
	if len(c.want) == 0 {
		c.mu.Unlock()
		return
	}
	want := c.want
	c.want = make(map[string]bool)
	c.mu.Unlock()
	for query := range want {
		s, err := c.db.PrepareContext(ctx, c.rebind(query))
		if err != nil {
			continue // the query runs unprepared; its own error, if any, surfaces there
		}
		c.mu.Lock()
		if c.m == nil || c.m[query] != nil {
			s.Close() // closed meanwhile, or prepared by another goroutine
		} else {
			c.m[query] = s
		}
		c.mu.Unlock()
	}
}

// close closes every cached statement.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.m {
		s.Close()
	}
	c.m = nil
}
