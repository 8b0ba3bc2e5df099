package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/billd/billd"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// storeError is the error of a failed statement, said once, with what failed: a coded
// *billd.Error (such as a uniqueness violation mapped to ECONFLICT) passes as it is; a database
// that cannot be reached, or is shutting down, busy or out of room, becomes EUNAVAILABLE (503: the
// caller may retry, and every money-moving write is idempotent); anything else is wrapped as
// "sqlstore: <operation>: <error>" and stays internal.
func storeError(op string, err error) error {
	var coded *billd.Error
	if err == nil || errors.As(err, &coded) {
		return err
	}
	op = "sqlstore: " + op
	if unavailable(err) {
		return &billd.Error{Code: billd.EUNAVAILABLE, Message: "the store is unavailable; retry later", Op: op, Err: err}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// statementError is storeError for a failed statement, named after what it does; nil stays nil
// without looking at the statement, which on the write path is long.
func statementError(query string, err error) error {
	if err == nil {
		return nil
	}
	return storeError(statementOp(query), err)
}

// statementOp names what a statement does, for errors: "insert transfers", "select
// ledger_accounts", "commit".
func statementOp(query string) string {
	words := strings.Fields(query)
	if len(words) == 0 {
		return "statement"
	}
	verb := strings.ToLower(words[0])
	var after string
	switch verb {
	case "insert":
		after = "into"
	case "delete", "select":
		after = "from"
	case "update":
		if len(words) > 1 {
			return "update " + words[1]
		}
	case "with":
		for _, w := range words {
			if lw := strings.ToLower(w); lw == "insert" || lw == "update" {
				return statementOp(query[strings.Index(strings.ToLower(query), lw):])
			}
		}
		after = "from"
		verb = "select"
	default:
		return verb
	}
	for i, w := range words[:len(words)-1] {
		if strings.EqualFold(w, after) {
			return verb + " " + strings.Trim(words[i+1], "(,")
		}
	}
	return verb
}

// unavailable reports whether err says the database is out of reach or not taking work now, as
// opposed to a statement that failed.
func unavailable(err error) bool {
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) { // also when connecting timed out: the database did not answer
		return true
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false // the caller went away or ran out of time; nothing is known of the database
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case strings.HasPrefix(pgErr.Code, "08"): // connection exception
			return true
		case strings.HasPrefix(pgErr.Code, "53"): // insufficient resources: too many connections, disk full
			return true
		case pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03": // shutting down, starting up
			return true
		}
		return false
	}
	if pgconn.SafeToRetry(err) {
		return true
	}
	var sqliteErr *sqlite.Error
	if errors.As(err, &sqliteErr) {
		switch sqliteErr.Code() & 0xff { // the primary result code
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN:
			return true
		}
	}
	return false
}
