package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib" // also registers the "pgx" database/sql driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect holds every difference between SQLite and PostgreSQL. The SQL text elsewhere is shared:
// $n placeholders, explicit column lists, row-value comparisons and partial indexes work on both.
type dialect struct {
	name string
	// rebind rewrites the shared SQL text for the driver, or is nil.
	rebind func(query string) string
	// forUpdate ends a SELECT that takes row write locks. SQLite has one writer at a time, so it
	// needs none.
	forUpdate string
	// viewTx are the options of a read-only transaction that sees one snapshot.
	viewTx *sql.TxOptions
	// migrationLock serializes migrations of several nodes on one database ("" if the write
	// transaction already does).
	migrationLock string
	// uuidArrays passes a list of ids as one uuid[] parameter (= ANY($n::uuid[])), so that a
	// query has one text whatever the list's length; otherwise the list is IN ($1, …, $n).
	uuidArrays bool
}

var (
	postgresDialect = &dialect{
		name:          "postgres",
		forUpdate:     " FOR UPDATE",
		viewTx:        &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true},
		migrationLock: "SELECT pg_advisory_xact_lock(7400001)",
		uuidArrays:    true,
	}
	sqliteDialect = &dialect{
		name:   "sqlite",
		viewTx: &sql.TxOptions{},
		rebind: anonymousPlaceholders,
	}
)

// isPostgres reports whether dsn names a PostgreSQL database.
func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// openPostgres opens a pool of pgx connections; READ COMMITTED is the default isolation and
// synchronous_commit stays on, so a commit is durable when it returns.
//
// pgx prepares each statement once per connection. PostgreSQL would, after five executions, keep a
// generic plan made with the table statistics of that moment: a journal that starts empty and
// fills fast under load then keeps a sequential-scan plan for its idempotency lookups (measured:
// 10–20 ms per lookup at 30,000 rows). force_custom_plan plans each execution with its parameters
// and the table's current size; for billd's indexed statements that costs microseconds.
func openPostgres(ctx context.Context, dsn string, maxConns int) (writer, reader *sql.DB, err error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, nil, err
	}
	if _, set := cfg.RuntimeParams["plan_cache_mode"]; !set {
		cfg.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	}
	db := stdlib.OpenDB(*cfg)
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

// anonymousPlaceholders rewrites $1, $2, … $n to ? when each number appears once and in order (the
// case of every statement on the write path). SQLite binds a numbered or named parameter by
// looking its name up in a list, once per parameter, which makes a multi-row INSERT with
// thousands of parameters bind in quadratic time; anonymous parameters have no names. Queries
// that reuse a number keep their $n.
func anonymousPlaceholders(query string) string {
	var b strings.Builder
	b.Grow(len(query))
	next := 1
	for i := 0; i < len(query); i++ {
		c := query[i]
		if c != '$' {
			b.WriteByte(c)
			continue
		}
		j := i + 1
		for j < len(query) && '0' <= query[j] && query[j] <= '9' {
			j++
		}
		if n, err := strconv.Atoi(query[i+1 : j]); err != nil || n != next {
			return query
		}
		next++
		b.WriteByte('?')
		i = j - 1
	}
	return b.String()
}
