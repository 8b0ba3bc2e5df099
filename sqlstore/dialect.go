package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect holds every difference between SQLite and PostgreSQL. The SQL text elsewhere is shared:
// $n placeholders, explicit column lists, row-value comparisons and partial indexes work on both.
type dialect struct {
	name string
	// forUpdate ends a SELECT that takes row write locks. SQLite has one writer at a time, so it
	// needs none.
	forUpdate string
	// viewTx are the options of a read-only transaction that sees one snapshot.
	viewTx *sql.TxOptions
	// migrationLock serializes migrations of several nodes on one database ("" if the write
	// transaction already does).
	migrationLock string
}

var (
	postgresDialect = &dialect{
		name:          "postgres",
		forUpdate:     " FOR UPDATE",
		viewTx:        &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true},
		migrationLock: "SELECT pg_advisory_xact_lock(7400001)",
	}
	sqliteDialect = &dialect{
		name:   "sqlite",
		viewTx: &sql.TxOptions{},
	}
)

// isPostgres reports whether dsn names a PostgreSQL database.
func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// openPostgres opens a pool of pgx connections; READ COMMITTED is the default isolation and
// synchronous_commit stays on, so a commit is durable when it returns.
func openPostgres(ctx context.Context, dsn string, maxConns int) (writer, reader *sql.DB, err error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, nil, err
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("connect to postgres: %w", err)
	}
	return db, db, nil
}

// openSQLite opens a database file in WAL mode with one writer connection (BEGIN IMMEDIATE) and a
// pool of read-only connections. synchronous=FULL makes each commit durable before it returns.
func openSQLite(ctx context.Context, path string, readers int) (writer, reader *sql.DB, err error) {
	path = strings.TrimPrefix(path, "sqlite://")
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, nil, err
		}
	}
	common := "_time_integer_format=unix_micro&_inttotime=1&_busy_timeout=10000&_foreign_keys=1"
	w, err := sql.Open("sqlite", "file:"+url.PathEscape(path)+"?"+common+
		"&_journal_mode=WAL&_synchronous=FULL&_txlock=immediate")
	if err != nil {
		return nil, nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", "file:"+url.PathEscape(path)+"?"+common+"&_query_only=1")
	if err != nil {
		w.Close()
		return nil, nil, err
	}
	r.SetMaxOpenConns(readers)
	r.SetMaxIdleConns(readers)
	return w, r, nil
}

// uniqueViolation reports whether err is a uniqueness (or primary key) violation.
func uniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var sqliteErr *sqlite.Error
	if errors.As(err, &sqliteErr) {
		code := sqliteErr.Code()
		return code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}
