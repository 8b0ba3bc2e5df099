package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"math/bits"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/billd/billd"
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
	// journalPlans is run (pipelined) before a transaction's first statement on the journal.
	// pgx prepares each statement once per connection, and PostgreSQL would, after five
	// executions, keep a generic plan made with the table statistics of that moment: a journal
	// that starts empty and fills fast under load then keeps a sequential-scan plan for its id
	// lookups (measured: 10–20 ms per lookup at 30,000 rows). Custom plans follow the table's
	// current size. Other statements keep cached plans: planning a three-table join on every
	// balance read cost about 150 µs.
	journalPlans string
	// uuidArrays passes a list of ids as one array parameter (= ANY($n::text[]::uuid[])), so that a
	// query has one text whatever the list's length; otherwise the list is IN ($1, …, $n). The
	// parameter is text[], cast to uuid[] by the server: pgx cannot binary-encode Go strings as
	// uuid[] elements, and building the error of each failed attempt cost a fifth of the server's
	// CPU with 1,000-id lists.
	uuidArrays bool
	// epochDay is the expression of the UTC day (days since 1970-01-01) of the timestamp column
	// %s. SQLite stores timestamps as integer microseconds since the epoch (the DSN's
	// _time_integer_format=unix_micro); PostgreSQL as timestamptz.
	epochDay string
}

var (
	postgresDialect = &dialect{
		name:          "postgres",
		forUpdate:     " FOR UPDATE",
		viewTx:        &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true},
		migrationLock: "SELECT pg_advisory_xact_lock(7400001)",
		journalPlans:  "SET LOCAL plan_cache_mode = force_custom_plan",
		uuidArrays:    true,
		epochDay:      "CAST(floor(extract(epoch FROM %s) / 86400) AS BIGINT)",
	}
	sqliteDialect = &dialect{
		name:     "sqlite",
		viewTx:   &sql.TxOptions{},
		rebind:   anonymousPlaceholders,
		epochDay: "(%s / 86400000000)",
	}
)

// ErrNoStore is the error (wrapped) of Open with Options.MustExist when dsn holds no billd store.
var ErrNoStore = errors.New("no billd store")

// The forms of a dsn, the --db of the command line.
const dsnForms = "postgres://… or postgresql://… (PostgreSQL), or sqlite:PATH, sqlite://PATH or a file path (SQLite)"

// target is the database a dsn names: a PostgreSQL URL or an SQLite file.
type target struct {
	postgres   string // the PostgreSQL URL, or ""
	sqliteFile string // the SQLite file, or ""
}

// parseDSN reads a dsn in one of the dsnForms. Anything else is refused rather than taken for a
// file name: another scheme (mysql://…, file:…) or a PostgreSQL key=value string. The error never
// repeats the dsn, which may hold a password.
func parseDSN(dsn string) (target, error) {
	scheme, rest, hasScheme := urlScheme(dsn)
	switch {
	case dsn == "":
		return target{}, fmt.Errorf("sqlstore: no database given; want %s", dsnForms)
	case scheme == "postgres" || scheme == "postgresql":
		return target{postgres: scheme + ":" + rest}, nil // pgx reads only lower-case schemes
	case scheme == "sqlite":
		path := strings.TrimPrefix(rest, "//")
		if path == "" {
			return target{}, fmt.Errorf("sqlstore: the database %q names no file; want %s", dsn, dsnForms)
		}
		return target{sqliteFile: path}, nil
	case hasScheme:
		return target{}, fmt.Errorf("sqlstore: unsupported database %q; want %s", scheme+":", dsnForms)
	case keywordDSN(dsn):
		return target{}, fmt.Errorf("sqlstore: the database looks like a PostgreSQL key=value string; "+
			"give a URL instead (postgres://USER@HOST:5432/DB?sslmode=…); want %s", dsnForms)
	}
	return target{sqliteFile: dsn}, nil
}

// urlScheme splits "scheme:rest". A scheme is two or more characters of [A-Za-z0-9+.-] starting
// with a letter, so that a Windows drive (C:\…) and a relative path (./a:b) have none.
func urlScheme(dsn string) (scheme, rest string, ok bool) {
	scheme, rest, found := strings.Cut(dsn, ":")
	if !found || len(scheme) < 2 || !isLetter(scheme[0]) {
		return "", "", false
	}
	for i := range len(scheme) {
		if c := scheme[i]; !isLetter(c) && !('0' <= c && c <= '9') && c != '+' && c != '.' && c != '-' {
			return "", "", false
		}
	}
	return strings.ToLower(scheme), rest, true
}

// keywordDSN reports whether dsn starts like a PostgreSQL key=value string ("host=… dbname=…").
func keywordDSN(dsn string) bool {
	key, _, found := strings.Cut(dsn, "=")
	if !found || key == "" {
		return false
	}
	for i := range len(key) {
		if c := key[i]; !isLetter(c) && c != '_' {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// SQLiteFile returns the SQLite file dsn names, or "" when it names a PostgreSQL database or is
// not a dsn Open accepts.
func SQLiteFile(dsn string) string {
	t, err := parseDSN(dsn)
	if err != nil {
		return ""
	}
	return t.sqliteFile
}

// openPostgres opens a pool of pgx connections and returns it with the configuration its
// connections are made with; READ COMMITTED is the default isolation and synchronous_commit stays
// on, so a commit is durable when it returns.
func openPostgres(ctx context.Context, dsn string, maxConns int) (*sql.DB, *pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, nil, err
	}
	db := stdlib.OpenDB(*cfg.Copy())
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("connect to postgres: %w", err)
	}
	return db, cfg, nil
}

// openSQLite opens a database file in WAL mode with one writer connection (BEGIN IMMEDIATE), a
// pool of read-only connections and a background checkpointer. synchronous=FULL makes each commit
// durable before it returns. temp_store=MEMORY keeps statement journals in memory: a group
// commit's multi-row inserts would otherwise spill them to a temporary file that is created,
// written and closed in every batch. The writer's page cache is 32 MiB: random (v4) usage ids
// insert all over the journal's id index, and a smaller cache costs batch throughput
// (docs/benchmarks.md).
//
// A new database file is made readable by its owner only (0600; SQLite gives its -wal and -shm files
// the database file's mode), in a directory made likewise (0700) if it is created too.
func openSQLite(ctx context.Context, path string, readers int) (*sqlitePools, error) {
	if err := createPrivate(path); err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	file := "file:" + url.PathEscape(path) + "?_time_integer_format=unix_micro&_inttotime=1&_busy_timeout=10000&_foreign_keys=1"
	var p sqlitePools
	var err error
	if p.writer, err = openSQLitePool(ctx, file+"&_journal_mode=WAL&_synchronous=FULL&_txlock=immediate"+
		"&_pragma=cache_size(-32768)&_pragma=temp_store(memory)&_pragma=wal_autocheckpoint("+strconv.Itoa(walSafetyFrames)+")", 1); err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	if p.reader, err = openSQLitePool(ctx, file+"&_query_only=1&_pragma=cache_size(-4096)", readers); err != nil {
		p.close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	if p.checkpoints, err = startCheckpointer(file + "&_synchronous=FULL"); err != nil {
		p.close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return &p, nil
}

// createPrivate creates the file at path, and its missing directories, for its owner only, unless
// the file exists: then its mode is the owner's choice.
func createPrivate(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// sqlitePools are the connections to one SQLite database.
type sqlitePools struct {
	writer, reader *sql.DB
	checkpoints    *checkpointer
}

// openSQLitePool opens a pool of up to n connections that live as long as it does.
func openSQLitePool(ctx context.Context, dsn string, n int) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxLifetime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// close stops the checkpointer and closes the pools, the writer last: the last connection to close
// checkpoints the whole log into the database file.
func (p *sqlitePools) close() error {
	var err error
	if p.checkpoints != nil {
		err = p.checkpoints.stop()
	}
	if p.reader != nil {
		err = errors.Join(err, p.reader.Close())
	}
	return errors.Join(err, p.writer.Close())
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

// primaryKeyViolation reports whether err is a uniqueness violation of a table's primary key (a
// row's id stored already), as opposed to another unique index.
func primaryKeyViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505" && strings.HasSuffix(pgErr.ConstraintName, "_pkey")
	}
	var sqliteErr *sqlite.Error
	return errors.As(err, &sqliteErr) && sqliteErr.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
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

// Bounds that keep statements under both databases' parameter limits.
const (
	maxInList  = 1000 // ids in one IN (…) list
	insertRows = 512  // rows in one multi-row INSERT; a power of two (see insertChunk)
)

// insertChunk is the number of rows of the next multi-row INSERT for n rows left: the largest
// power of two that fits, at most insertRows. Every batch is thus written by at most
// log2(insertRows)+1 distinct statement texts, which SQLite prepares once and caches; one text per
// row count would fill the statement cache with hundreds of large programs (a 500-row INSERT
// compiles to hundreds of KiB) and run every new size unprepared first.
func insertChunk(n int) int {
	return 1 << (bits.Len(uint(min(n, insertRows))) - 1)
}

// idLists splits ids into the lists of one statement each: one array parameter holds any number
// of them; an IN list holds at most maxInList.
func (d *dialect) idLists(ids []string) [][]string {
	if len(ids) == 0 {
		return nil
	}
	if d.uuidArrays {
		return [][]string{ids}
	}
	return chunks(ids, maxInList)
}

const insertTransfersInto = `INSERT INTO transfers (id, debit_account_id, credit_account_id, amount, kind, source,
	description, user_id, metadata, ref_id, created_at) `

// journalWrites returns the statements that append transfers to the journal and store the totals
// of accounts. PostgreSQL takes each column as one array parameter (unnest), so that one
// statement text, prepared once per connection, serves every batch size; SQLite takes multi-row
// VALUES lists and one UPDATE per account, which cost nothing to send in process.
func (d *dialect) journalWrites(transfers []billd.Transfer, accounts []billd.LedgerAccount) []stmt {
	if d.uuidArrays {
		return postgresJournalWrites(transfers, accounts)
	}
	var out []stmt
	for len(transfers) > 0 {
		n := insertChunk(len(transfers))
		var f filter
		values := make([]string, n)
		for i, tr := range transfers[:n] {
			values[i] = "(" + strings.Join([]string{
				f.next(tr.ID), f.next(tr.DebitAccountID), f.next(tr.CreditAccountID), f.next(tr.Amount),
				f.next(string(tr.Kind)), f.next(tr.Source), f.next(tr.Description), f.next(tr.UserID),
				f.next(tr.Metadata.Marshal()), f.next(nullString(tr.RefID)), f.next(tr.CreatedAt),
			}, ", ") + ")"
		}
		out = append(out, stmt{sql: insertTransfersInto + "VALUES " + strings.Join(values, ", "), args: f.args})
		transfers = transfers[n:]
	}
	for _, a := range accounts {
		w := a.Spend
		v := a.Watch
		out = append(out, stmt{sql: `UPDATE ledger_accounts SET debits_posted = $1, credits_posted = $2,
			hour_start = $3, hour_spend = $4, month_start = $5, month_spend = $6, updated_at = $7, below_low = $8,
			low_crossings = $9, unbilled = $10, threshold_crossings = $11 WHERE id = $12`,
			args: []any{a.DebitsPosted, a.CreditsPosted, w.HourStart, w.Hour, w.MonthStart, w.Month, a.UpdatedAt,
				v.BelowLow, v.LowCrossings, v.Unbilled, v.ThresholdCrossings, a.ID}})
	}
	return out
}

func postgresJournalWrites(transfers []billd.Transfer, accounts []billd.LedgerAccount) []stmt {
	var out []stmt
	if n := len(transfers); n > 0 {
		ids, debits, credits := make([]string, n), make([]string, n), make([]string, n)
		amounts, kinds, sources := make([]int64, n), make([]string, n), make([]string, n)
		descriptions, users, metadata := make([]string, n), make([]string, n), make([]string, n)
		refs, times := make([]*string, n), make([]time.Time, n)
		for i, tr := range transfers {
			ids[i], debits[i], credits[i], amounts[i] = tr.ID, tr.DebitAccountID, tr.CreditAccountID, tr.Amount
			kinds[i], sources[i], descriptions[i], users[i] = string(tr.Kind), tr.Source, tr.Description, tr.UserID
			metadata[i], times[i] = tr.Metadata.Marshal(), tr.CreatedAt
			if tr.RefID != "" {
				refs[i] = &transfers[i].RefID
			}
		}
		out = append(out, stmt{sql: insertTransfersInto + `SELECT u.id, u.debit, u.credit, u.amount, u.kind,
			u.source, u.description, u.user_id, u.metadata::json, u.ref_id, u.created_at
			FROM unnest($1::text[]::uuid[], $2::text[]::uuid[], $3::text[]::uuid[], $4::bigint[], $5::text[],
				$6::text[], $7::text[], $8::text[], $9::text[], $10::text[]::uuid[], $11::timestamptz[])
			AS u (id, debit, credit, amount, kind, source, description, user_id, metadata, ref_id, created_at)`,
			args: []any{ids, debits, credits, amounts, kinds, sources, descriptions, users, metadata, refs, times}})
	}
	if n := len(accounts); n > 0 {
		ids, debits, credits, times := make([]string, n), make([]int64, n), make([]int64, n), make([]time.Time, n)
		hours, hourSpend, months, monthSpend := make([]time.Time, n), make([]int64, n), make([]time.Time, n), make([]int64, n)
		below, lows, unbilled, thresholds := make([]bool, n), make([]int64, n), make([]int64, n), make([]int64, n)
		for i, a := range accounts {
			ids[i], debits[i], credits[i], times[i] = a.ID, a.DebitsPosted, a.CreditsPosted, a.UpdatedAt
			hours[i], hourSpend[i], months[i], monthSpend[i] = a.Spend.HourStart, a.Spend.Hour, a.Spend.MonthStart, a.Spend.Month
			below[i], lows[i], unbilled[i], thresholds[i] = a.Watch.BelowLow, a.Watch.LowCrossings, a.Watch.Unbilled, a.Watch.ThresholdCrossings
		}
		out = append(out, stmt{sql: `UPDATE ledger_accounts AS l SET debits_posted = u.debits,
			credits_posted = u.credits, hour_start = u.hour_start, hour_spend = u.hour_spend,
			month_start = u.month_start, month_spend = u.month_spend, updated_at = u.updated_at,
			below_low = u.below_low, low_crossings = u.low_crossings, unbilled = u.unbilled,
			threshold_crossings = u.threshold_crossings
			FROM unnest($1::text[]::uuid[], $2::bigint[], $3::bigint[], $4::timestamptz[], $5::bigint[],
				$6::timestamptz[], $7::bigint[], $8::timestamptz[], $9::boolean[], $10::bigint[], $11::bigint[],
				$12::bigint[])
				AS u (id, debits, credits, hour_start, hour_spend, month_start, month_spend, updated_at, below_low,
					low_crossings, unbilled, threshold_crossings)
			WHERE l.id = u.id`, args: []any{ids, debits, credits, hours, hourSpend, months, monthSpend, times,
			below, lows, unbilled, thresholds}})
	}
	return out
}
