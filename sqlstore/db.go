// Package sqlstore is the billd.Store of SQLite (the embedded default, pure Go) and PostgreSQL
// (production). Both run the same SQL text (tx.go and the files named after what they store).
// Where the two differ: dialect.go holds the differences of SQL and settings (row locks, snapshot
// options, the migration lock, batched journal writes, connection setup); db.go picks how a
// transaction runs; conn_sqlite.go runs it in process with prepared statements (stmtcache.go) and
// one writer whose log is checkpointed in the background (checkpoint.go); conn_postgres.go
// pipelines it over one pgx connection; errors.go maps both databases' errors to billd's;
// trylock.go holds the named locks of background jobs (PostgreSQL advisory locks, each on a
// connection of its own; in process on SQLite).
// Migrations are embedded, numbered and forward-only, and run when the store opens.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/billd/billd"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// DB is a billd.Store over SQLite or PostgreSQL.
type DB struct {
	d      *dialect
	writer *sql.DB // PostgreSQL: the pool; SQLite: the one writer connection
	reader *sql.DB // PostgreSQL: the same pool; SQLite: read-only connections
	// Prepared statements of each SQLite pool (nil on PostgreSQL, where pgx caches them).
	writerStmts, readerStmts *stmtCache
	sqlite                   *sqlitePools    // nil on PostgreSQL
	pgConfig                 *pgx.ConnConfig // PostgreSQL: what the pool connects with, for TryLock's own connections
	locks                    namedLocks
}

// Options tune a DB. Zero values pick defaults.
type Options struct {
	MaxConns int // PostgreSQL pool size (default 32); SQLite reader connections (default 4)
	// MustExist opens only a database that holds a billd store (an existing SQLite file, or a
	// PostgreSQL database with billd's tables): otherwise Open creates nothing and returns an
	// error wrapping ErrNoStore. Tools that inspect a store use it; the server creates its store.
	MustExist bool
}

// Open opens the database dsn names (postgres://… or postgresql://…; sqlite:PATH, sqlite://PATH or
// a file path; any other form is an error) and applies the migrations it lacks.
func Open(ctx context.Context, dsn string, opt Options) (*DB, error) {
	t, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	var db DB
	if t.postgres != "" {
		db.d = postgresDialect
		db.writer, db.pgConfig, err = openPostgres(ctx, t.postgres, orDefault(opt.MaxConns, 32))
		db.reader = db.writer
	} else if err = sqliteFileExists(t.sqliteFile, opt.MustExist); err == nil {
		db.d = sqliteDialect
		if db.sqlite, err = openSQLite(ctx, t.sqliteFile, orDefault(opt.MaxConns, 4)); err == nil {
			db.writer, db.reader = db.sqlite.writer, db.sqlite.reader
		}
	}
	if err != nil {
		return nil, err
	}
	if opt.MustExist {
		err = db.holdsStore(ctx, t)
	}
	if err == nil {
		err = db.migrate(ctx)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	if db.d == sqliteDialect {
		db.writerStmts, db.readerStmts = newStmtCache(db.writer, db.d.rebind), newStmtCache(db.reader, db.d.rebind)
	}
	return &db, nil
}

// sqliteFileExists fails with ErrNoStore when the file must exist and does not.
func sqliteFileExists(path string, mustExist bool) error {
	if !mustExist {
		return nil
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: the SQLite file %s does not exist", ErrNoStore, path)
	}
	return nil
}

// holdsStore fails with ErrNoStore when the database has no billd tables (its migrations table).
func (db *DB) holdsStore(ctx context.Context, t target) error {
	query, where := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`, "the SQLite file "+t.sqliteFile
	if db.d == postgresDialect {
		query, where = `SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = 'schema_migrations'`, "the PostgreSQL database"
	}
	var n int
	if err := db.writer.QueryRowContext(ctx, query).Scan(&n); err != nil {
		return fmt.Errorf("sqlstore: look for billd's tables: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("%w: %s has no billd tables", ErrNoStore, where)
	}
	return nil
}

func orDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// Dialect returns "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.d.name }

// Ping checks that the database answers on a connection of each pool.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.writer.PingContext(ctx); err != nil {
		return storeError("ping", err)
	}
	if db.reader != db.writer {
		return storeError("ping readers", db.reader.PingContext(ctx))
	}
	return nil
}

// Close closes the connections, those of the locks TryLock holds included: their locks end.
func (db *DB) Close() error {
	db.locks.closeAll()
	if db.writerStmts != nil {
		db.writerStmts.close()
		db.readerStmts.close()
	}
	if db.sqlite != nil {
		return db.sqlite.close()
	}
	err := db.writer.Close()
	if db.reader != db.writer {
		err = errors.Join(err, db.reader.Close())
	}
	return err
}

// Update runs fn in a read-write transaction (PostgreSQL READ COMMITTED with explicit row locks;
// SQLite BEGIN IMMEDIATE) and commits it if fn returns nil.
func (db *DB) Update(ctx context.Context, fn func(billd.Tx) error) error {
	if db.d == postgresDialect {
		return db.runPostgres(ctx, "begin", fn)
	}
	return db.runSQLite(ctx, db.writer, nil, db.writerStmts, fn)
}

// View runs fn in a read-only transaction over one snapshot.
func (db *DB) View(ctx context.Context, fn func(billd.Tx) error) error {
	if db.d == postgresDialect {
		return db.runPostgres(ctx, "begin isolation level repeatable read read only", fn)
	}
	return db.runSQLite(ctx, db.reader, db.d.viewTx, db.readerStmts, fn)
}

func (db *DB) runSQLite(ctx context.Context, pool *sql.DB, opts *sql.TxOptions, stmts *stmtCache, fn func(billd.Tx) error) error {
	sqlTx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return storeError("begin", err)
	}
	c := &sqliteConn{tx: sqlTx, stmts: stmts, rebind: db.d.rebind}
	err = runTx(ctx, &tx{c: c, d: db.d}, fn)
	// Only now is the connection back in the pool, free to prepare statements on.
	stmts.prepareWanted(context.WithoutCancel(ctx))
	return err
}

// runPostgres runs fn on a pgx connection of the pool, pipelining its statements (conn_postgres.go).
func (db *DB) runPostgres(ctx context.Context, begin string, fn func(billd.Tx) error) error {
	sc, err := db.writer.Conn(ctx)
	if err != nil {
		return storeError("connect", err)
	}
	defer sc.Close()
	var txErr error
	err = sc.Raw(func(driverConn any) error {
		c := &pgConn{c: driverConn.(*stdlib.Conn).Conn(), begin: begin}
		txErr = runTx(ctx, &tx{c: c, d: db.d}, fn)
		return nil
	})
	return errors.Join(err, txErr)
}

// runTx runs fn and ends the transaction: commit if fn succeeded, rollback if it failed or panicked.
func runTx(ctx context.Context, t *tx, fn func(billd.Tx) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			_ = t.c.end(ctx, false)
			panic(p)
		}
	}()
	if err = fn(t); err != nil {
		return errors.Join(err, t.c.end(ctx, false))
	}
	return t.c.end(ctx, true)
}

// ExecRaw runs a statement outside the store's use cases. Tests use it to prove what the database
// itself forbids (such as changing a transfer).
func (db *DB) ExecRaw(ctx context.Context, query string, args ...any) error {
	_, err := db.writer.ExecContext(ctx, query, args...)
	return err
}

// CountRaw runs a query that returns one number, outside the store's use cases. Tests use it to
// count rows no use case reads back (such as the outbox's notices).
func (db *DB) CountRaw(ctx context.Context, query string, args ...any) (int64, error) {
	var n int64
	err := db.writer.QueryRowContext(ctx, query, args...).Scan(&n)
	return n, err
}

// PoolStats returns the statistics of the store's connection pools by role: "write" and "read"
// on SQLite (its one writer connection and its readers), "pool" on PostgreSQL (one pool serves
// both).
func (db *DB) PoolStats() map[string]sql.DBStats {
	if db.reader == db.writer {
		return map[string]sql.DBStats{"pool": db.writer.Stats()}
	}
	return map[string]sql.DBStats{"write": db.writer.Stats(), "read": db.reader.Stats()}
}
